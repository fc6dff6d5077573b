"""The data's own words in English and Chinese: item kinds, funnel stages, channels, platforms,
genders, event types, genres, provinces and fashion attribute values, as readers say them.

One table for every surface (the dashboard's labels, the API's charts, the reports in Chinese),
so that a value is named the same everywhere. Values not listed show as they are stored: item
titles and partner names have their own Chinese fields in the catalogue.
"""

from __future__ import annotations

from culturebridge.fashion import TABLES
from culturebridge.schema import PROVINCES

_WORDS: dict[str, tuple[str, str]] = {
    "film": ("Film", "电影"),
    "series": ("Series", "剧集"),
    "documentary": ("Documentary", "纪录片"),
    "game": ("Game", "游戏"),
    "fashion": ("Fashion", "时尚"),
    "tourism": ("Tourism", "旅游"),
    "esports_event": ("E-sports event", "电竞赛事"),
    "engage": ("Engage", "互动"),
    "unknown": ("unknown", "未知"),
    "rising": ("rising", "上升"),
    "falling": ("falling", "下降"),
    "flat": ("flat", "平稳"),
    "Capsule": ("Capsule", "胶囊系列"),
    "control": ("control", "对照组"),
    "treatment": ("treatment", "实验组"),
    "conversion": ("conversion", "转化率"),
    "visit": ("visit", "访问率"),
    "revenue": ("revenue (CNY per user)", "人均收入（元）"),
    "(other partners)": ("(other partners)", "（其他合作方）"),
    "app_feed": ("App feed", "应用信息流"),
    "app_search": ("App search", "应用搜索"),
    "push": ("Push notification", "推送通知"),
    "mini_program": ("Mini program", "小程序"),
    "web": ("Web", "网页"),
    "tv": ("TV", "电视"),
    "android": ("Android", "安卓"),
    "ios": ("iOS", "iOS"),
    "female": ("Female", "女"),
    "male": ("Male", "男"),
    "other": ("Other", "其他"),
    "impression": ("Impression", "曝光"),
    "view": ("View", "观看"),
    "play": ("Play", "游玩"),
    "rate": ("Rating", "评分"),
    "like": ("Like", "点赞"),
    "share": ("Share", "分享"),
    "comment": ("Comment", "评论"),
    "favourite": ("Favourite", "收藏"),
    "purchase": ("Purchase", "购买"),
    "click": ("Click", "点击"),
}

_GENRES_ZH: dict[str, str] = {
    "adventure": "冒险",
    "card": "卡牌",
    "comedy": "喜剧",
    "crime": "犯罪",
    "culture": "文化",
    "drama": "剧情",
    "esports": "电竞",
    "family": "家庭",
    "food": "美食",
    "heritage": "遗产",
    "history": "历史",
    "moba": "多人在线战术竞技",
    "music": "音乐",
    "mystery": "悬疑",
    "nature": "自然",
    "period": "年代",
    "puzzle": "解谜",
    "racing": "竞速",
    "romance": "爱情",
    "rpg": "角色扮演",
    "sci-fi": "科幻",
    "science": "科学",
    "screen": "影视取景地",
    "simulation": "模拟",
    "sport": "体育",
    "strategy": "策略",
    "thriller": "惊悚",
    "travel": "旅行",
    "accessories": "配饰",
    "bottoms": "下装",
    "dresses": "连衣裙",
    "footwear": "鞋履",
    "outerwear": "外套",
    "tops": "上装",
    "documentary": "纪录",
    "animation": "动画",
    "horror": "恐怖",
    "action": "动作",
    "fantasy": "奇幻",
    "biography": "传记",
    "war": "战争",
    "western": "西部",
    "musical": "歌舞",
    "children": "儿童",
    "film-noir": "黑色电影",
    "imax": "IMAX",
}
"""Genres and categories of films, series, documentaries, games and places (those of the demo
and of MovieLens)."""

ATTRIBUTE_NAMES: dict[str, tuple[str, str]] = {
    "category": ("category", "品类"),
    "colour": ("colour", "颜色"),
    "pattern": ("pattern", "图案"),
    "style": ("style", "风格"),
    "material": ("material", "材质"),
    "price": ("price (CNY)", "价格（元）"),
    "collection": ("collection", "系列"),
}


def _all() -> dict[str, tuple[str, str]]:
    out = dict(_WORDS)
    for en, zh in PROVINCES:
        out.setdefault(en, (en, zh))
    for table in TABLES.values():
        for value, (_, zh_terms) in table.items():
            out.setdefault(value, (value, zh_terms.split("|")[0]))
    for value, zh in _GENRES_ZH.items():
        out.setdefault(value, (value, zh))
    return out


DATA_VALUES: dict[str, tuple[str, str]] = _all()
"""value -> (English, Chinese)."""


def value_name(value: str, lang: str) -> str:
    """A stored value as a reader of `lang` says it ("Guangdong" -> "广东"); as stored when
    the table does not know it."""
    names = DATA_VALUES.get(value)
    if names is None:
        return value
    return names[1] if lang == "zh" else names[0]


__all__ = ["ATTRIBUTE_NAMES", "DATA_VALUES", "value_name"]
