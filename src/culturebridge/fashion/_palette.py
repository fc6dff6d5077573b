"""The named colour palette: the catalogue's `baseColour` names, in English and Chinese, with hex.

English names follow the fashion catalogue (`baseColour` in styles.csv) so that image colours,
catalogue attributes and colours named in posts share one vocabulary. `image` marks the colours
the image tagger can report; the rest (e.g. Sage Green, Fluorescent Green) are recognised in text
only, or are materials rather than hues (Multi).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NamedColour:
    name_en: str
    name_zh: str
    hex: str
    image: bool = True

    @property
    def rgb(self) -> tuple[int, int, int]:
        h = self.hex.lstrip("#")
        return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


PALETTE: tuple[NamedColour, ...] = (
    NamedColour("Black", "黑色", "#1C1C1E"),
    NamedColour("White", "白色", "#F4F4F2"),
    NamedColour("Off White", "米白色", "#EFEBE0"),
    NamedColour("Grey", "灰色", "#8E8E90"),
    NamedColour("Charcoal", "炭灰色", "#45464A"),
    NamedColour("Silver", "银色", "#BFC1C2"),
    NamedColour("Navy Blue", "藏青色", "#1F2A44"),
    NamedColour("Blue", "蓝色", "#2F5FA8"),
    NamedColour("Teal", "蓝绿色", "#1E7376"),
    NamedColour("Turquoise Blue", "绿松石蓝", "#36AFC4"),
    NamedColour("Green", "绿色", "#2E8B57"),
    NamedColour("Sea Green", "海绿色", "#3AA37A"),
    NamedColour("Olive", "橄榄绿", "#6B6B35"),
    NamedColour("Sage Green", "鼠尾草绿", "#9CAF88", image=False),
    NamedColour("Fluorescent Green", "荧光绿", "#8CFF2E", image=False),
    NamedColour("Yellow", "黄色", "#F2CB3A"),
    NamedColour("Mustard", "芥末黄", "#C9A227"),
    NamedColour("Gold", "金色", "#C4A15A"),
    NamedColour("Orange", "橙色", "#EE7A2B"),
    NamedColour("Peach", "桃色", "#F4B69A"),
    NamedColour("Red", "红色", "#C4262E"),
    NamedColour("Maroon", "栗色", "#6B1F2A"),
    NamedColour("Burgundy", "酒红色", "#7A1F3D"),
    NamedColour("Rust", "铁锈红", "#A8472A"),
    NamedColour("Pink", "粉色", "#E79AB0"),
    NamedColour("Magenta", "洋红色", "#C2185B"),
    NamedColour("Lavender", "薰衣草紫", "#B5A4D4"),
    NamedColour("Purple", "紫色", "#6A3D8F"),
    NamedColour("Brown", "棕色", "#6B4428"),
    NamedColour("Coffee Brown", "咖啡色", "#4A3525"),
    NamedColour("Tan", "棕褐色", "#BE9468"),
    NamedColour("Khaki", "卡其色", "#B3A27A"),
    NamedColour("Beige", "米色", "#D9C7A7"),
    NamedColour("Cream", "奶油色", "#EEE3C8"),
    NamedColour("Multi", "多色", "#999999", image=False),
)
BY_NAME: dict[str, NamedColour] = {c.name_en: c for c in PALETTE}
IMAGE_PALETTE: tuple[NamedColour, ...] = tuple(c for c in PALETTE if c.image)
