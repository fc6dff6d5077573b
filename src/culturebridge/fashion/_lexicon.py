"""The bilingual fashion lexicon: attribute -> canonical value -> English and Chinese terms.

Five attributes, each with canonical English values (lowercase, except colours, which are the
catalogue's `baseColour` names from the palette so that posts, images and the catalogue share one
vocabulary): `category`, `colour`, `pattern`, `material` and `style`. A value's Chinese name is its
first Chinese term. Terms are written here as they are usually written; the tagger normalises
them the way it normalises text (NFKC, lowercase) and derives English plurals and hyphen/space
variants itself, so `t-shirt` also finds "T shirts", "tshirt" and "T-SHIRTS".

Besides plain terms the lexicon holds what keeps matching honest:

* `COMPOUNDS`: one word naming several values (小白鞋 is white sneakers, 皮衣 a leather jacket).
* `PREFIXES`: words that name a value only directly before another mention (白 in 白衬衫 or
  黑白条纹, never in 网红 or 白菜价; "plain" in "plain tee"); `SUFFIXES`: words that name one
  only directly after one (包 in 红色包, never in 包邮; "top" in "black top", not in "top 10").
* `BLOCKERS`: words and phrases that contain a term but name no attribute (网红 is not red,
  薅羊毛 is not wool, "red flag" is not a colour, "no cap" is not a cap). They are matched like
  terms and win where they are longer, so a blocked span yields nothing.
* The negation cues, exemptions and contrast words the tagger uses to flag negated mentions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from culturebridge.fashion._palette import PALETTE

ATTRIBUTES: tuple[str, ...] = ("category", "colour", "pattern", "material", "style")


@dataclass(frozen=True)
class Value:
    """One canonical attribute value, e.g. `Value("style", "guochao", "国潮")`."""

    attribute: str
    value: str
    value_zh: str


# --- terms: value -> ("English|terms", "中文|词") -------------------------------------------------
# The first Chinese term is the value's Chinese name. English terms are singular where a plural
# exists (the tagger adds -s/-es); a space or hyphen matches a space, a hyphen or nothing.

CATEGORY: dict[str, tuple[str, str]] = {
    "hoodie": ("hoodie|hoody|hooded sweatshirt|hooded top", "连帽衫|帽衫|连帽卫衣"),
    "sweatshirt": ("sweatshirt|crewneck|crew neck sweatshirt|sweat top", "卫衣|套头卫衣|圆领卫衣"),
    "t-shirt": ("t-shirt|tee|tshirt", "T恤|T恤衫|短袖|短袖T恤|半袖"),
    "shirt": ("shirt|button-down|button-up|oxford shirt|flannel shirt", "衬衫|衬衣"),
    "polo": ("polo|polo shirt", "polo衫|保罗衫"),
    "top": (
        "blouse|crop top|tank top|tube top|halter top|vest top|camisole|cami|tunic",
        "上衣|吊带|背心|抹胸|小衫|衫",
    ),
    "knitwear": (
        "knitwear|sweater|jumper|cardigan|pullover|turtleneck",
        "针织衫|毛衣|开衫|毛线衣|高领毛衣|套头毛衣",
    ),
    "jacket": (
        "jacket|bomber|puffer|windbreaker|anorak|shacket|gilet",
        "夹克|外套|飞行员夹克|棒球服|冲锋衣",
    ),
    "coat": ("coat|overcoat|parka|peacoat|pea coat", "大衣|派克大衣|棉服|呢大衣"),
    "trench coat": ("trench coat|trench", "风衣|战壕风衣"),
    "blazer": ("blazer|suit jacket|suit|sport coat", "西装|西装外套|西服|小西装"),
    "dress": (
        "dress|gown|sundress|slip dress|maxi dress|shirt dress|qipao|cheongsam",
        "连衣裙|裙子|长裙|吊带裙|衬衫裙|礼服|旗袍|裙装|裙",
    ),
    "skirt": (
        "skirt|miniskirt|mini skirt|pleated skirt|a-line skirt",
        "半身裙|短裙|百褶裙|A字裙|包臀裙|伞裙",
    ),
    "trousers": (
        "trousers|pants|slacks|chinos|wide-leg trousers|flares|capris",
        "长裤|裤子|西裤|阔腿裤|直筒裤|休闲裤|喇叭裤|烟管裤|九分裤|裤",
    ),
    "jeans": ("jeans|jeggings", "牛仔裤|牛仔长裤"),
    "shorts": ("shorts|bermuda shorts|bermudas|hot pants", "短裤|热裤|五分裤|牛仔短裤"),
    "track pants": (
        "track pants|trackpants|joggers|sweatpants|jogging bottoms|trackies",
        "运动裤|卫裤|束脚裤",
    ),
    "leggings": ("leggings|yoga pants|tights", "打底裤|瑜伽裤|紧身裤"),
    "jumpsuit": ("jumpsuit|playsuit|romper|overalls|dungarees", "连体裤|背带裤|连身裤"),
    "sneakers": (
        "sneaker|trainers|running shoe|dad shoe|basketball shoe|sports shoe|casual shoe",
        "运动鞋|球鞋|板鞋|跑鞋|跑步鞋|老爹鞋|休闲鞋|篮球鞋",
    ),
    "shoes": ("shoe", "鞋子|鞋款|鞋"),
    "formal shoes": (
        "formal shoe|loafer|oxfords|oxford shoe|brogue|derby shoe|dress shoe",
        "皮鞋|乐福鞋|牛津鞋|德比鞋|正装鞋",
    ),
    "boots": (
        "boot|chelsea boot|combat boot|ankle boot|booties",
        "靴子|马丁靴|短靴|长靴|切尔西靴|雪地靴|靴",
    ),
    "heels": ("heels|high heels|stilettos|pumps", "高跟鞋|细跟鞋"),
    "sandals": ("sandal", "凉鞋"),
    "flats": ("flats|ballet flats|ballerinas|mary jane shoe", "平底鞋|芭蕾舞鞋|玛丽珍鞋"),
    "flip flops": ("flip flop|slides|sliders|slipper", "人字拖|拖鞋|凉拖"),
    "socks": ("sock", "袜子|中筒袜|短袜|长筒袜"),
    "scarf": ("scarf|scarves|muffler|shawl|bandana", "围巾|披肩|头巾"),
    "bag": (
        "bag|handbag|tote|tote bag|clutch bag|purse|crossbody|shoulder bag|messenger bag",
        "包包|手提包|托特包|斜挎包|单肩包|链条包|腋下包|手拿包|水桶包|女包",
    ),
    "backpack": ("backpack|rucksack", "双肩包|背包|书包"),
    "wallet": ("wallet|card holder|cardholder", "钱包|卡包"),
    "cap": ("cap|baseball cap|snapback|trucker cap|trucker hat", "棒球帽|鸭舌帽"),
    "hat": ("hat|bucket hat|beanie|beret|fedora", "帽子|渔夫帽|贝雷帽|毛线帽|针织帽|礼帽|帽"),
    "watch": ("wristwatch|wrist watch|timepiece|smartwatch", "手表|腕表"),
    "sunglasses": ("sunglasses|sunnies", "墨镜|太阳镜"),
    "belt": ("belt", "腰带|皮带"),
    "tie": ("necktie|bow tie|neck tie", "领带|领结"),
    "gloves": ("glove|mittens", "手套"),
    "jewellery": (
        "jewellery|jewelry|earring|necklace|bracelet|pendant|bangle",
        "首饰|耳环|耳钉|项链|手链|手镯|吊坠",
    ),
    "kurta": ("kurta|kurti|kurtis", "库尔塔"),
    "saree": ("saree|sari", "纱丽"),
    "innerwear": ("innerwear|underwear|lingerie|briefs|boxers|bra", "内衣|内裤|文胸"),
    "swimwear": ("swimwear|swimsuit|bikini|swim shorts|swimming costume", "泳衣|比基尼|泳裤"),
}

# name_en -> ("English|terms", "中文|词"); the palette's own names come first. A Chinese colour
# term without a trailing 色 also matches with it (卡其 and 卡其色).
COLOUR: dict[str, tuple[str, str]] = {
    "Black": ("black|jet black", "黑色|纯黑|全黑|一身黑"),
    "White": ("white|pure white|snow white", "白色|纯白|全白|雪白"),
    "Off White": ("off white|ivory", "米白色|象牙白|米白"),
    "Grey": ("grey|gray|light grey|heather grey|grey melange", "灰色|浅灰|麻灰|雾灰|高级灰"),
    "Charcoal": ("charcoal|charcoal grey|dark grey|dark gray|anthracite", "炭灰色|深灰|炭灰|碳灰"),
    "Silver": ("silver|metallic silver", "银色|银灰"),
    "Navy Blue": ("navy blue|navy|midnight blue", "藏青色|藏青|藏蓝|海军蓝|深蓝"),
    "Blue": (
        "blue|royal blue|cobalt|cobalt blue|sky blue|light blue|baby blue|denim blue|klein blue",
        "蓝色|宝蓝|天蓝|浅蓝|雾霾蓝|克莱因蓝|牛仔蓝|冰蓝",
    ),
    "Teal": ("teal|peacock blue", "蓝绿色|孔雀蓝|水鸭蓝"),
    "Turquoise Blue": ("turquoise blue|turquoise|aqua", "绿松石蓝|湖蓝|松石蓝|湖水蓝"),
    "Green": (
        "green|dark green|forest green|emerald|emerald green|bottle green",
        "绿色|墨绿|深绿|森林绿|祖母绿",
    ),
    "Sea Green": ("sea green|mint green", "海绿色|薄荷绿"),
    "Olive": ("olive|olive green|army green|military green", "橄榄绿|军绿|橄榄色"),
    "Sage Green": ("sage green|sage", "鼠尾草绿|灰绿|抹茶绿"),
    "Fluorescent Green": (
        "fluorescent green|neon green|lime green|highlighter green",
        "荧光绿|萤光绿|荧光黄绿|亮绿",
    ),
    "Yellow": ("yellow|lemon yellow|pastel yellow", "黄色|柠檬黄|明黄|奶黄"),
    "Mustard": ("mustard|mustard yellow|ochre", "芥末黄|姜黄|土黄"),
    "Gold": ("gold|golden", "金色"),
    "Orange": ("orange|burnt orange|tangerine", "橙色|橘色|橘红|橙黄"),
    "Peach": ("peach|apricot|coral", "桃色|蜜桃粉|杏色|珊瑚色|珊瑚粉"),
    "Red": ("red|scarlet|crimson|cherry red|bright red", "红色|大红|正红|樱桃红"),
    "Maroon": ("maroon|oxblood", "栗色|枣红|暗红"),
    "Burgundy": ("burgundy|wine red|bordeaux", "酒红色|酒红|勃艮第红|葡萄酒红"),
    "Rust": ("rust|terracotta|brick red", "铁锈红|砖红|锈红|焦橙"),
    "Pink": (
        "pink|pastel pink|baby pink|dusty pink|blush pink",
        "粉色|粉红|浅粉|脏粉|樱花粉|藕粉色",
    ),
    "Magenta": ("magenta|fuchsia|hot pink", "洋红色|玫红|桃红|洋红"),
    "Lavender": ("lavender|lilac", "薰衣草紫|香芋紫|浅紫|淡紫|丁香紫"),
    "Purple": ("purple|violet|plum", "紫色|深紫|葡萄紫"),
    "Brown": ("brown|chocolate brown|chestnut", "棕色|咖色|深棕|巧克力色"),
    "Coffee Brown": ("coffee brown|coffee-coloured", "咖啡色|摩卡色|深咖"),
    "Tan": ("tan|camel|caramel", "棕褐色|驼色|焦糖色"),
    "Khaki": ("khaki", "卡其色|卡其"),
    "Beige": ("beige|oatmeal|taupe", "米色|燕麦色|奶茶色|杏仁色|裸色|沙色"),
    "Cream": ("cream|ecru|off-cream", "奶油色|奶白|奶油白|奶白色"),
    "Multi": (
        "multicolour|multicolor|multi-coloured|multi-colored|rainbow",
        "多色|彩色|彩虹色",
    ),
}

PATTERN: dict[str, tuple[str, str]] = {
    "solid": (
        "solid colour|solid color|solid-coloured|plain-coloured|plain colour",
        "纯色|素色|净色",
    ),
    "striped": (
        "striped|stripes|stripe|pinstripe|pinstriped|breton stripe|stripy",
        "条纹|竖条纹|横条纹|细条纹|条纹款|间条",
    ),
    "checked": (
        "checked|checkered|chequered|check pattern|check print|plaid|tartan|gingham|windowpane",
        "格纹|格子|方格|苏格兰格|格子纹|英伦格|棋盘格|格纹款|格子款",
    ),
    "houndstooth": ("houndstooth|dogtooth", "千鸟格|千鸟纹|千鸟格纹"),
    "printed": ("printed|print|graphic|all-over print", "印花|图案|字母印花|涂鸦|印花款"),
    "floral": ("floral|flower print|florals|ditsy floral|ditsy", "碎花|小碎花|花卉|花朵|花卉印花"),
    "polka dot": ("polka dot|polka-dot", "波点|圆点|波尔卡圆点"),
    "camouflage": ("camouflage|camo", "迷彩"),
    "animal print": (
        "leopard print|leopard|zebra print|snake print|animal print|snakeskin",
        "豹纹|斑马纹|蛇纹|动物纹",
    ),
    "tie-dye": ("tie-dye|tie dye|tie-dyed", "扎染"),
    "paisley": ("paisley", "腰果花|佩斯利"),
    "argyle": ("argyle", "菱格|菱形格"),
    "colour block": (
        "colour block|color block|colour-blocked|color-blocked|colourblock",
        "撞色|拼色",
    ),
    "embroidered": ("embroidered|embroidery", "刺绣|绣花"),
}

MATERIAL: dict[str, tuple[str, str]] = {
    "cotton": ("cotton|organic cotton|pima cotton", "棉|纯棉|全棉|棉质|棉布|精梳棉|长绒棉"),
    "linen": ("linen|flax", "亚麻|麻料|苎麻"),
    "denim": ("denim|chambray", "牛仔|丹宁|牛仔布"),
    "wool": ("wool|woollen|woolen|merino|tweed|boiled wool", "羊毛|毛呢|呢子|美利奴|粗花呢|羊毛呢"),
    "cashmere": ("cashmere", "羊绒|山羊绒"),
    "silk": ("silk|mulberry silk", "真丝|丝绸|桑蚕丝"),
    "satin": ("satin", "缎面|醋酸|绸缎"),
    "leather": (
        "leather|faux leather|vegan leather|genuine leather",
        "皮革|真皮|牛皮|羊皮|皮质|头层皮",
    ),
    "suede": ("suede", "麂皮|翻毛皮"),
    "corduroy": ("corduroy", "灯芯绒|条绒"),
    "knit": ("knit|knitted|cable knit|cable-knit|chunky knit|ribbed knit", "针织|毛线|罗纹针织"),
    "down": ("down-filled|goose down|duck down", "羽绒|鸭绒|鹅绒"),
    "fleece": ("fleece|sherpa|polar fleece", "抓绒|摇粒绒|羊羔绒|羊羔毛"),
    "velvet": ("velvet|velour", "丝绒|天鹅绒"),
    "chiffon": ("chiffon", "雪纺"),
    "lace": ("lace|lacy", "蕾丝"),
    "mesh": ("mesh|tulle", "网纱|网眼"),
    "canvas": ("canvas", "帆布"),
    "polyester": ("polyester", "涤纶|聚酯纤维"),
    "nylon": ("nylon", "尼龙|锦纶"),
    "fur": ("fur|faux fur", "皮草|人造毛"),
    "mohair": ("mohair", "马海毛"),
    "lyocell": ("lyocell|tencel", "天丝"),
    "viscose": ("viscose|rayon|modal", "粘胶|人造棉|莫代尔"),
}

STYLE: dict[str, tuple[str, str]] = {
    "streetwear": (
        "streetwear|street style|street wear|urban streetwear|hip-hop style",
        "街头|街头风|街头潮流|高街|嘻哈风",
    ),
    "vintage": ("vintage|retro|vintage-inspired|retro-inspired", "复古|复古风|古着|怀旧风"),
    "guochao": ("guochao|china-chic|china chic|chinese streetwear", "国潮|国潮风"),
    "minimalist": (
        "minimalist|minimal|minimalism|minimalistic",
        "极简|简约|极简风|性冷淡风|冷淡风",
    ),
    "preppy": ("preppy|preppie|ivy style", "学院风|学院派"),
    "sporty": ("sporty|athleisure|sportswear|sports style", "运动风|运动休闲|运动系"),
    "workwear": ("workwear|utility|work wear|cargo", "工装|工装风"),
    "oversize": (
        "oversize|oversized|over-sized|baggy|boxy|loose-fit|loose fit|relaxed fit",
        "宽松|宽松版|大廓形|落肩",
    ),
    "y2k": ("y2k", "千禧风|y2k风|辣妹风"),
    "gorpcore": ("gorpcore|outdoor style", "山系|户外风"),
    "old money": ("old money|quiet luxury|old-money", "老钱风|静奢风"),
    "french": ("french chic|french style|parisian chic|parisian", "法式|法式风"),
    "korean": ("korean style|k-fashion|korean fashion", "韩系|韩风|韩版"),
    "japanese": ("japanese style|japanese fashion|harajuku", "日系|日杂风|原宿风"),
    "cottagecore": ("cottagecore|cottage core", "田园风|森女风"),
    "techwear": ("techwear|tech wear", "机能风"),
    "british": ("british style|brit style|british heritage", "英伦风|英伦范"),
    "new chinese": ("new chinese style|chinoiserie|neo-chinese", "新中式|国风|中国风|汉服"),
    "office": (
        "office wear|officewear|business casual|smart casual|workplace style",
        "通勤风|通勤穿搭|通勤装|职场风|商务风|商务休闲",
    ),
    "casual": ("casual|casual wear|everyday casual", "休闲风|日常休闲"),
    "bohemian": ("boho|bohemian", "波西米亚|波西米亚风"),
    "punk": ("punk|grunge", "朋克|朋克风"),
    "gothic": ("gothic|goth", "哥特|哥特风|暗黑风"),
    "dopamine": ("dopamine dressing|dopamine", "多巴胺|多巴胺穿搭|多巴胺风"),
    "maillard": ("maillard|maillard style", "美拉德|美拉德风"),
}

TABLES: dict[str, dict[str, tuple[str, str]]] = {
    "category": CATEGORY,
    "colour": COLOUR,
    "pattern": PATTERN,
    "material": MATERIAL,
    "style": STYLE,
}

# One word naming several values: term -> ((attribute, value), ...).
COMPOUNDS: dict[str, tuple[tuple[str, str], ...]] = {
    "小白鞋": (("colour", "White"), ("category", "sneakers")),
    "黑白": (("colour", "Black"), ("colour", "White")),
    "红白": (("colour", "Red"), ("colour", "White")),
    "蓝白": (("colour", "Blue"), ("colour", "White")),
    "黑白灰": (("colour", "Black"), ("colour", "White"), ("colour", "Grey")),
    "皮衣": (("material", "leather"), ("category", "jacket")),
    "皮夹克": (("material", "leather"), ("category", "jacket")),
    "羽绒服": (("material", "down"), ("category", "jacket")),
    "羽绒外套": (("material", "down"), ("category", "jacket")),
    "down jacket": (("material", "down"), ("category", "jacket")),
    "down coat": (("material", "down"), ("category", "coat")),
    "jean jacket": (("material", "denim"), ("category", "jacket")),
    "工装裤": (("style", "workwear"), ("category", "trousers")),
    "cargo pants": (("style", "workwear"), ("category", "trousers")),
    "cargo trousers": (("style", "workwear"), ("category", "trousers")),
    "cargos": (("style", "workwear"), ("category", "trousers")),
    "羊毛衫": (("material", "wool"), ("category", "knitwear")),
    "羊绒衫": (("material", "cashmere"), ("category", "knitwear")),
    "毛呢大衣": (("material", "wool"), ("category", "coat")),
    "丝巾": (("material", "silk"), ("category", "scarf")),
    "帆布鞋": (("material", "canvas"), ("category", "sneakers")),
    "帆布包": (("material", "canvas"), ("category", "bag")),
    "棉麻": (("material", "cotton"), ("material", "linen")),
    "雪纺衫": (("material", "chiffon"), ("category", "top")),
    "海魂衫": (("pattern", "striped"), ("category", "top")),
    "graphic tee": (("pattern", "printed"), ("category", "t-shirt")),
    "印花t恤": (("pattern", "printed"), ("category", "t-shirt")),
    "运动内衣": (("style", "sporty"), ("category", "innerwear")),
}

# Words that name a value only directly before another mention (白 in 白衬衫 or 黑白条纹, 运动 in
# a product title's 运动牛仔裤, "plain" in "plain tee"), and words that name one only directly
# after one (包 in 黑色包, t in 白t, "top" in "black top" but not in "top 10"). Only spaces may
# stand between the two.
PREFIXES: dict[str, tuple[str, str]] = {
    "黑": ("colour", "Black"),
    "白": ("colour", "White"),
    "灰": ("colour", "Grey"),
    "红": ("colour", "Red"),
    "蓝": ("colour", "Blue"),
    "绿": ("colour", "Green"),
    "黄": ("colour", "Yellow"),
    "粉": ("colour", "Pink"),
    "紫": ("colour", "Purple"),
    "棕": ("colour", "Brown"),
    "橙": ("colour", "Orange"),
    "运动": ("style", "sporty"),
    "休闲": ("style", "casual"),
    "plain": ("pattern", "solid"),
}
SUFFIXES: dict[str, tuple[str, str]] = {
    "包": ("category", "bag"),
    "t": ("category", "t-shirt"),
    "top": ("category", "top"),
}

# Words and phrases that contain a term but name no attribute. Slang and idioms first.
BLOCKERS: tuple[str, ...] = (
    # red / black / white / green / grey / pink / blue / yellow / gold in words that are not colours
    "网红|口红|腮红|红人|走红|爆红|红利|红包|红火|眼红|红毯|红茶|红酒|红白喜事|红色旅游|红色经典|红色文化|"
    "黑马|黑科技|拉黑|黑名单|黑粉|黑料|黑色星期五|黑色幽默|抹黑|显黑|黑眼圈|黑头|"
    "白菜价|白菜|白嫖|白领|小白|洗白|美白|显白|白月光|白色情人节|白色污染|白开水|白眼|"
    "绿茶|绿色环保|绿色出行|绿色食品|绿色通道|灰心|灰尘|粉丝|铁粉|路人粉|粉底|蓝牙|蓝瘦|"
    "黄牛|黄金周|金牌|金句|金色传说|蓝色星球|绿色星球|"
    # other Chinese traps
    "薅羊毛|丝绸之路|格子间|街头巷尾|街头艺人|流落街头|街头集市|街头小吃|街头表演|复古火车|"
    "包邮|包退|包换|法式大餐|法式面包|法式甜点|法式吐司|休闲时光|休闲娱乐|",
    # English idioms and other things that are not colours, garments or styles
    "black friday|black market|white noise|white paper|white lie|white collar|blue collar|"
    "red flag|green flag|red carpet|green light|feeling blue|blue planet|green planet|"
    "olive oil|orange juice|ice cream|sun cream|face cream|eye cream|hand cream|gold medal|"
    "gold standard|golden hour|golden retriever|golden week|silver lining|grey area|gray area|"
    "mint condition|tan lines|no cap|cap sleeve|market cap|dress code|dress up|check out|"
    "checked out|checked in|double-checked|head over heels|seat belt|under my belt|lace up|"
    "down to earth|street food|street art|print out|casual friday|coral reef|hot chocolate|"
    "cotton candy|suit yourself|suits me|suit me|boot up|car boot|hat trick|hats off|"
    "graphic design|graphic designer|graphic novel|utility bill|caramel latte|caramel macchiato",
    # verbs that are also pattern words: "printed the receipt", "checked my order"
    "|".join(
        f"{verb} {word}"
        for verb in ("print", "printed", "checked")
        for word in (
            "the",
            "my",
            "your",
            "a",
            "an",
            "it",
            "this",
            "that",
            "them",
            "out",
            "in",
            "off",
            "on",
        )
    ),
)

# --- negation -----------------------------------------------------------------------------------
# A cue is pre (negates what follows it in its clause), post (what precedes it: 荧光绿不适合我,
# "neon green is not for me"), or both (what follows, else what precedes); "warn" cues (避雷)
# also reach into the next clause when their own clause names nothing ("避雷！这件荧光绿卫衣");
# "absent" cues (没有) negate what follows up to 的: 没有印花的T恤 is a T-shirt without a print.
_ZH_NOT = "(?:不|没|别|千万别|从不|绝不|再也不|并不|才不|也不|都不|从来不)"
_ZH_ADV = "(?:太|很|怎么|是很|大|再|会|想|敢|会再|能|用)?"
_ZH_VERB = "(?:喜欢|爱|要|买|穿|选|推荐|建议|考虑|入|碰|适合|想要|回购|感冒|搭|入手|种草|好看|care)"
NEGATION_ZH: tuple[tuple[str, str], ...] = (
    (_ZH_NOT + _ZH_ADV + _ZH_VERB, "both"),
    ("不是|告别|戒掉|远离|不再|与其", "pre"),
    ("没有|没", "absent"),
    ("拒绝|讨厌|嫌弃|受够了|反感", "both"),
    ("避雷|踩雷|劝退|慎入|慎买|翻车", "warn"),
    ("难看|丑|无感|不行|接受不了|受不了|不是我的菜|一般般|土气|显老|过时了", "post"),
)
NEGATION_EN: tuple[tuple[str, str], ...] = (
    (
        "not|no|never|don't|dont|do not|doesn't|doesnt|does not|didn't|didnt|won't|wont|"
        "wouldn't|isn't|aren't|wasn't|not into|not a fan of|anything but|avoid|avoiding|"
        "skip|skipping|ditch|ditched|say no to|no more|instead of|rather than|goodbye to|"
        "bye to|without|except|can't do|never again with",
        "pre",
    ),
    ("hate|hated|hates|dislike|dislikes|disliked|can't stand", "both"),
    (
        "not for me|not my thing|not my style|not my vibe|not my cup of tea|is a no|hard pass|"
        "never again|no thanks|no thank you|not a fan|is overrated|looks cheap|not it|a no from me",
        "post",
    ),
)
# Phrases that contain a cue but do not negate (不要太好看 is praise, 不踩雷 a recommendation).
NOT_NEGATION_ZH = (
    "不要太|不能再|不得不|不踩雷|不会踩雷|零踩雷|没踩雷|不翻车|没翻车|不会翻车|不要错过|别错过|"
    "不是一般|没有之一|没想到|没错|没事|没关系|没毛病|没得说|没话说|不用说|别说|别提多|别太|不是吧"
)
NOT_NEGATION_EN = (
    "not only|not just|not bad|no doubt|without a doubt|no wonder|no cap|no regrets|no joke|"
    "no filter|nothing beats|nothing like|can't go wrong|cannot go wrong|can't get enough|"
    "can't stop|can't wait|don't miss|do not miss|don't sleep on|never goes out of style|"
    "never disappoints|never fails|not gonna lie|no-brainer|no brainer|not too shabby|"
    "can't live without|couldn't love|never been happier|no matter"
)
# Words that end a negation's scope: what follows them is said positively again.
CONTRAST_ZH = "但|但是|而是|可是|不过|然而|却|反而|只是|倒是|而"
CONTRAST_EN = "but|though|although|however|instead|whereas|while"


@dataclass(frozen=True)
class Negation:
    """How negation is found: cues with their direction, phrases that only look negative, and
    the contrast words that end a cue's scope. Patterns are `|`-separated regex alternatives."""

    cues_zh: tuple[tuple[str, str], ...] = NEGATION_ZH
    cues_en: tuple[tuple[str, str], ...] = NEGATION_EN
    exempt_zh: str = NOT_NEGATION_ZH
    exempt_en: str = NOT_NEGATION_EN
    contrast_zh: str = CONTRAST_ZH
    contrast_en: str = CONTRAST_EN


@dataclass(frozen=True)
class Lexicon:
    """The compiled lexicon the tagger reads: term -> the values it names, the words that count
    only beside another mention, the blockers and the negation rules. Build another (e.g. with
    brand names) with `build_lexicon(...)`; the default is `DEFAULT_LEXICON`."""

    terms: Mapping[str, tuple[Value, ...]]
    prefixes: Mapping[str, Value]
    suffixes: Mapping[str, Value]
    blockers: frozenset[str]
    values: Mapping[tuple[str, str], Value]
    negation: Negation = field(default_factory=Negation)


def _split(terms: str) -> list[str]:
    return [t for t in terms.split("|") if t]


def _is_han(term: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" for ch in term)


def _variants(attribute: str, term: str) -> list[str]:
    """Chinese spellings a term also takes: a colour with 色 (卡其 -> 卡其色), a style with 风
    and 风格 (复古 -> 复古风, 复古风格; 学院风 -> 学院风格)."""
    if not _is_han(term):
        return [term]
    if attribute == "colour" and not term.endswith("色") and not term.startswith(("一身", "全")):
        return [term, term + "色"]
    if attribute == "style":
        base = term.removesuffix("风")
        extra = [base + "风", base + "风格"] if len(base) >= 2 else []
        return list(dict.fromkeys([term, *extra]))
    return [term]


def build_lexicon(
    tables: Mapping[str, Mapping[str, tuple[str, str]]] = TABLES,
    compounds: Mapping[str, tuple[tuple[str, str], ...]] = COMPOUNDS,
    prefixes: Mapping[str, tuple[str, str]] = PREFIXES,
    suffixes: Mapping[str, tuple[str, str]] = SUFFIXES,
    blockers: tuple[str, ...] = BLOCKERS,
    negation: Negation | None = None,
) -> Lexicon:
    """Compile the tables into term -> values. Terms are kept as written (the tagger normalises
    them); a term listed under two values names both. Unknown values in compounds, prefixes or
    suffixes raise ValueError, so a typo cannot silently drop a term."""
    zh_names = {c.name_en: c.name_zh for c in PALETTE}
    values: dict[tuple[str, str], Value] = {}
    terms: dict[str, list[Value]] = {}
    for attribute, table in tables.items():
        for value, (en, zh) in table.items():
            zh_terms = _split(zh)
            if attribute == "colour":
                if value not in zh_names:
                    raise ValueError(f"colour {value!r} is not in the palette")
                zh_terms = [zh_names[value], *zh_terms]
            zh_terms = list(dict.fromkeys(v for t in zh_terms for v in _variants(attribute, t)))
            v = Value(attribute, value, zh_terms[0] if zh_terms else value)
            values[(attribute, value)] = v
            for term in _split(en) + zh_terms:
                terms.setdefault(term, [])
                if v not in terms[term]:
                    terms[term].append(v)

    def known(pair: tuple[str, str], where: str) -> Value:
        if pair not in values:
            raise ValueError(f"{where}: unknown {pair[0]} value {pair[1]!r}")
        return values[pair]

    for term, pairs in compounds.items():
        terms[term] = [known(p, term) for p in pairs]
    return Lexicon(
        terms=MappingProxyType({t: tuple(v) for t, v in terms.items()}),
        prefixes=MappingProxyType({t: known(p, t) for t, p in prefixes.items()}),
        suffixes=MappingProxyType({t: known(p, t) for t, p in suffixes.items()}),
        blockers=frozenset(b for group in blockers for b in _split(group)),
        values=MappingProxyType(values),
        negation=negation or Negation(),
    )


DEFAULT_LEXICON: Lexicon = build_lexicon()

# The fashion catalogue's articleType (styles.csv) -> category; types that are not clothing,
# footwear or accessories (perfume, make-up, gift sets, ...) are left out on purpose.
ARTICLE_TYPE_TO_CATEGORY: dict[str, str] = {
    "Tshirts": "t-shirt",
    "Lounge Tshirts": "t-shirt",
    "Shirts": "shirt",
    "Tops": "top",
    "Tunics": "top",
    "Camisoles": "top",
    "Shrug": "top",
    "Sweatshirts": "sweatshirt",
    "Sweaters": "knitwear",
    "Jackets": "jacket",
    "Rain Jacket": "jacket",
    "Nehru Jackets": "jacket",
    "Waistcoat": "jacket",
    "Blazers": "blazer",
    "Suits": "blazer",
    "Dresses": "dress",
    "Nightdress": "dress",
    "Skirts": "skirt",
    "Jeans": "jeans",
    "Jeggings": "jeans",
    "Trousers": "trousers",
    "Capris": "trousers",
    "Rain Trousers": "trousers",
    "Lounge Pants": "track pants",
    "Track Pants": "track pants",
    "Shorts": "shorts",
    "Lounge Shorts": "shorts",
    "Leggings": "leggings",
    "Tights": "leggings",
    "Stockings": "socks",
    "Jumpsuit": "jumpsuit",
    "Rompers": "jumpsuit",
    "Kurtas": "kurta",
    "Kurtis": "kurta",
    "Kurta Sets": "kurta",
    "Sarees": "saree",
    "Casual Shoes": "sneakers",
    "Sports Shoes": "sneakers",
    "Formal Shoes": "formal shoes",
    "Heels": "heels",
    "Flats": "flats",
    "Sandals": "sandals",
    "Sports Sandals": "sandals",
    "Flip Flops": "flip flops",
    "Booties": "boots",
    "Socks": "socks",
    "Scarves": "scarf",
    "Mufflers": "scarf",
    "Stoles": "scarf",
    "Dupatta": "scarf",
    "Handbags": "bag",
    "Clutches": "bag",
    "Duffel Bag": "bag",
    "Laptop Bag": "bag",
    "Messenger Bag": "bag",
    "Trolley Bag": "bag",
    "Backpacks": "backpack",
    "Rucksacks": "backpack",
    "Wallets": "wallet",
    "Caps": "cap",
    "Hat": "hat",
    "Watches": "watch",
    "Sunglasses": "sunglasses",
    "Belts": "belt",
    "Ties": "tie",
    "Gloves": "gloves",
    "Earrings": "jewellery",
    "Pendant": "jewellery",
    "Necklace and Chains": "jewellery",
    "Bangle": "jewellery",
    "Bracelet": "jewellery",
    "Ring": "jewellery",
    "Jewellery Set": "jewellery",
    "Briefs": "innerwear",
    "Boxers": "innerwear",
    "Trunk": "innerwear",
    "Bra": "innerwear",
    "Innerwear Vests": "innerwear",
    "Shapewear": "innerwear",
    "Swimwear": "swimwear",
}
