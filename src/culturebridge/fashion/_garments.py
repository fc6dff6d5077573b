"""A designer's garment vocabulary, in English and Chinese, and where each catalogue type goes.

The image heads learn the catalogue's `articleType` (one Indian retailer's taxonomy: "Tshirts",
"Kurtis", "Innerwear Vests", ...). A designer asks in their own words: is it a hoodie, a
T-shirt, a dress, knitwear? `GARMENTS` is that vocabulary; its ids are the text lexicon's
`category` values, so what an image shows and what a post says meet in one column.
`ARTICLE_TYPE_GARMENT` maps every `articleType` of the shared catalogue's styles.csv (all 143,
not only the ones the heads learnt) to one garment, reviewed by hand, with these decisions:

* The catalogue does not tell a hoodie from a crew-neck sweatshirt ("Sweatshirts" holds both), nor
  a coat from a jacket ("Jackets"), nor a blouse from a top ("Tops"), nor boots from other casual
  shoes; those garments are named together ("Sweatshirt / hoodie", "Jacket / coat", "Top / blouse")
  rather than guessed apart. "Boots" exists for the text side and the catalogue's "Booties".
* "Casual Shoes" and "Sports Shoes" are both sneakers to a designer (the photos are trainers).
* Make-up, fragrance, skin care, free gifts, vouchers, cushion covers and balls are `other`:
  not something a designer would call a garment or an accessory they design.
* Nightdresses, lounge pants and lounge shorts are nightwear here (the text lexicon's
  `ARTICLE_TYPE_TO_CATEGORY`, which the catalogue trends use, files them as dress, track pants
  and shorts); otherwise the two tables agree wherever both name a type.
* A garment's probability is the sum of its catalogue types' probabilities, so a photo the heads
  hesitate on between "Kurtas" and "Kurtis" is still confidently a kurta.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class Garment:
    id: str
    """The text lexicon's `category` value (or `other`)."""
    name_en: str
    name_zh: str
    group: str
    """top, bottom, one-piece, outerwear, footwear, bag, accessory, underwear or other."""


GARMENTS: tuple[Garment, ...] = (
    Garment("t-shirt", "T-shirt", "T恤", "top"),
    Garment("shirt", "Shirt", "衬衫", "top"),
    Garment("top", "Top / blouse", "上衣/女衫", "top"),
    Garment("sweatshirt", "Sweatshirt / hoodie", "卫衣/连帽衫", "top"),
    Garment("knitwear", "Knitwear", "针织衫/毛衣", "top"),
    Garment("kurta", "Kurta / tunic", "库尔塔/长衫", "top"),
    Garment("jacket", "Jacket / coat", "夹克/外套", "outerwear"),
    Garment("blazer", "Blazer / suit", "西装", "outerwear"),
    Garment("dress", "Dress", "连衣裙", "one-piece"),
    Garment("jumpsuit", "Jumpsuit", "连体裤", "one-piece"),
    Garment("saree", "Saree", "纱丽", "one-piece"),
    Garment("skirt", "Skirt", "半身裙", "bottom"),
    Garment("trousers", "Trousers", "长裤", "bottom"),
    Garment("jeans", "Jeans", "牛仔裤", "bottom"),
    Garment("shorts", "Shorts", "短裤", "bottom"),
    Garment("track pants", "Track pants / joggers", "运动裤", "bottom"),
    Garment("leggings", "Leggings", "打底裤", "bottom"),
    Garment("sneakers", "Sneakers", "运动鞋", "footwear"),
    Garment("formal shoes", "Formal shoes", "皮鞋", "footwear"),
    Garment("boots", "Boots", "靴子", "footwear"),
    Garment("heels", "Heels", "高跟鞋", "footwear"),
    Garment("flats", "Flats", "平底鞋", "footwear"),
    Garment("sandals", "Sandals", "凉鞋", "footwear"),
    Garment("flip flops", "Flip-flops / slides", "人字拖/拖鞋", "footwear"),
    Garment("bag", "Bag", "包", "bag"),
    Garment("backpack", "Backpack", "双肩包", "bag"),
    Garment("wallet", "Wallet", "钱包", "accessory"),
    Garment("belt", "Belt", "腰带", "accessory"),
    Garment("cap", "Cap", "棒球帽", "accessory"),
    Garment("hat", "Hat", "帽子", "accessory"),
    Garment("scarf", "Scarf", "围巾", "accessory"),
    Garment("tie", "Tie", "领带", "accessory"),
    Garment("gloves", "Gloves", "手套", "accessory"),
    Garment("socks", "Socks / hosiery", "袜子", "accessory"),
    Garment("watch", "Watch", "手表", "accessory"),
    Garment("sunglasses", "Sunglasses", "太阳镜", "accessory"),
    Garment("jewellery", "Jewellery", "首饰", "accessory"),
    Garment("accessory", "Other accessory", "其他配饰", "accessory"),
    Garment("innerwear", "Innerwear", "内衣", "underwear"),
    Garment("nightwear", "Nightwear / loungewear", "睡衣/家居服", "underwear"),
    Garment("swimwear", "Swimwear", "泳衣", "underwear"),
    Garment("other", "Not a garment", "非服饰", "other"),
)
BY_ID: MappingProxyType[str, Garment] = MappingProxyType({g.id: g for g in GARMENTS})
OTHER = BY_ID["other"]
UNSURE = Garment("unsure", "Unsure", "不确定", "other")
"""What the tagger answers when its calibrated confidence is below the threshold, or when the
picture looks like no catalogue photo: not a guess presented as a fact."""

_TYPES: dict[str, tuple[str, ...]] = {
    # garment id: the catalogue articleTypes it covers
    "t-shirt": ("Tshirts", "Lounge Tshirts"),
    "shirt": ("Shirts",),
    "top": ("Tops", "Tunics", "Camisoles", "Shrug"),
    "sweatshirt": ("Sweatshirts",),
    "knitwear": ("Sweaters",),
    "kurta": ("Kurtas", "Kurtis", "Kurta Sets", "Lehenga Choli"),
    "jacket": ("Jackets", "Rain Jacket", "Nehru Jackets", "Waistcoat"),
    "blazer": ("Blazers", "Suits"),
    "dress": ("Dresses",),
    "jumpsuit": ("Jumpsuit", "Rompers", "Clothing Set"),
    "saree": ("Sarees",),
    "skirt": ("Skirts",),
    "trousers": ("Trousers", "Capris", "Rain Trousers", "Churidar", "Patiala", "Salwar"),
    "jeans": ("Jeans", "Jeggings"),
    "shorts": ("Shorts",),
    "track pants": ("Track Pants", "Tracksuits"),
    "leggings": ("Leggings", "Tights"),
    "sneakers": ("Casual Shoes", "Sports Shoes"),
    "formal shoes": ("Formal Shoes",),
    "boots": ("Booties",),
    "heels": ("Heels",),
    "flats": ("Flats",),
    "sandals": ("Sandals", "Sports Sandals"),
    "flip flops": ("Flip Flops",),
    "bag": (
        "Handbags",
        "Clutches",
        "Duffel Bag",
        "Laptop Bag",
        "Messenger Bag",
        "Mobile Pouch",
        "Tablet Sleeve",
        "Trolley Bag",
        "Waist Pouch",
        "Travel Accessory",
    ),
    "backpack": ("Backpacks", "Rucksacks"),
    "wallet": ("Wallets",),
    "belt": ("Belts", "Suspenders"),
    "cap": ("Caps",),
    "hat": ("Hat", "Headband"),
    "scarf": ("Scarves", "Mufflers", "Stoles", "Dupatta", "Salwar and Dupatta"),
    "tie": ("Ties", "Ties and Cufflinks"),
    "gloves": ("Gloves",),
    "socks": ("Socks", "Stockings"),
    "watch": ("Watches",),
    "sunglasses": ("Sunglasses",),
    "jewellery": (
        "Earrings",
        "Pendant",
        "Necklace and Chains",
        "Bangle",
        "Bracelet",
        "Ring",
        "Jewellery Set",
    ),
    "accessory": (
        "Accessory Gift Set",
        "Cufflinks",
        "Hair Accessory",
        "Key chain",
        "Shoe Accessories",
        "Shoe Laces",
        "Umbrellas",
        "Water Bottle",
        "Wristbands",
    ),
    "innerwear": ("Briefs", "Boxers", "Trunk", "Bra", "Innerwear Vests", "Shapewear"),
    "nightwear": (
        "Night suits",
        "Nightdress",
        "Baby Dolls",
        "Bath Robe",
        "Robe",
        "Lounge Pants",
        "Lounge Shorts",
    ),
    "swimwear": ("Swimwear",),
    "other": (
        "Free Gifts",
        "Ipad",
        "Cushion Covers",
        "Basketballs",
        "Footballs",
        "Body Lotion",
        "Body Wash and Scrub",
        "Nail Essentials",
        "Beauty Accessory",
        "Eyeshadow",
        "Mascara",
        "Deodorant",
        "Fragrance Gift Set",
        "Perfume and Body Mist",
        "Hair Colour",
        "Lip Care",
        "Lip Gloss",
        "Lip Liner",
        "Lip Plumper",
        "Lipstick",
        "Compact",
        "Concealer",
        "Foundation and Primer",
        "Highlighter and Blush",
        "Kajal and Eyeliner",
        "Makeup Remover",
        "Nail Polish",
        "Face Moisturisers",
        "Face Serum and Gel",
        "Mask and Peel",
        "Eye Cream",
        "Face Scrub and Exfoliator",
        "Face Wash and Cleanser",
        "Mens Grooming Kit",
        "Sunscreen",
        "Toner",
    ),
}

ARTICLE_TYPE_GARMENT: MappingProxyType[str, str] = MappingProxyType(
    {t: g for g, types in _TYPES.items() for t in types}
)
"""The catalogue's articleType -> garment id (every type of the shared styles.csv)."""


def garment_of(article_type: str) -> Garment:
    """The garment a catalogue type names; a type this table has never seen is `other`."""
    return BY_ID[ARTICLE_TYPE_GARMENT.get(article_type, "other")]


def garment_matrix(article_types: list[str]) -> tuple[list[str], npt.NDArray[np.float64]]:
    """Garment ids and the (types, garments) 0/1 matrix that sums type probabilities into
    garment probabilities: `proba @ matrix`."""
    ids = sorted({garment_of(t).id for t in article_types})
    matrix = np.zeros((len(article_types), len(ids)))
    for i, t in enumerate(article_types):
        matrix[i, ids.index(garment_of(t).id)] = 1.0
    return ids, matrix
