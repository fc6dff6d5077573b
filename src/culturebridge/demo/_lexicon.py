"""Fixed vocabularies of the demo universe: places, partners, title words and the words of posts.

Kept apart from the generators so that the logic reads as logic and the data can be checked by
eye. Every name here is fictional except a handful of well-known documentary titles, which make
the Chinese catalogue look like what a Chinese audience would actually see.
"""

from __future__ import annotations

# --- geography -----------------------------------------------------------------------------------
# The 31 provincial-level divisions of mainland China, by their English names as the National
# Bureau of Statistics writes them (pinyin, except "Inner Mongolia" and "Tibet"), their Chinese
# names, a share of the platform's users, and the split of those users over city tiers 1-4.
# Tier 1 is Beijing, Shanghai, Guangzhou and Shenzhen only, so it appears in three provinces.
_NO_TIER1 = (0.0, 0.30, 0.40, 0.30)
PROVINCES: tuple[tuple[str, str, float, tuple[float, float, float, float]], ...] = (
    ("Beijing", "北京", 0.055, (1.0, 0.0, 0.0, 0.0)),
    ("Shanghai", "上海", 0.055, (1.0, 0.0, 0.0, 0.0)),
    ("Guangdong", "广东", 0.095, (0.45, 0.25, 0.20, 0.10)),
    ("Tianjin", "天津", 0.014, (0.0, 0.85, 0.15, 0.0)),
    ("Chongqing", "重庆", 0.023, (0.0, 0.80, 0.15, 0.05)),
    ("Shandong", "山东", 0.062, _NO_TIER1),
    ("Henan", "河南", 0.058, _NO_TIER1),
    ("Jiangsu", "江苏", 0.058, _NO_TIER1),
    ("Sichuan", "四川", 0.052, _NO_TIER1),
    ("Hebei", "河北", 0.046, _NO_TIER1),
    ("Zhejiang", "浙江", 0.050, _NO_TIER1),
    ("Hunan", "湖南", 0.040, _NO_TIER1),
    ("Anhui", "安徽", 0.037, _NO_TIER1),
    ("Hubei", "湖北", 0.039, _NO_TIER1),
    ("Guangxi", "广西", 0.030, _NO_TIER1),
    ("Yunnan", "云南", 0.028, _NO_TIER1),
    ("Jiangxi", "江西", 0.027, _NO_TIER1),
    ("Liaoning", "辽宁", 0.028, _NO_TIER1),
    ("Fujian", "福建", 0.028, _NO_TIER1),
    ("Shaanxi", "陕西", 0.026, _NO_TIER1),
    ("Guizhou", "贵州", 0.022, _NO_TIER1),
    ("Shanxi", "山西", 0.021, _NO_TIER1),
    ("Heilongjiang", "黑龙江", 0.020, _NO_TIER1),
    ("Inner Mongolia", "内蒙古", 0.015, _NO_TIER1),
    ("Xinjiang", "新疆", 0.015, _NO_TIER1),
    ("Jilin", "吉林", 0.015, _NO_TIER1),
    ("Gansu", "甘肃", 0.015, _NO_TIER1),
    ("Hainan", "海南", 0.008, _NO_TIER1),
    ("Ningxia", "宁夏", 0.005, _NO_TIER1),
    ("Qinghai", "青海", 0.004, _NO_TIER1),
    ("Tibet", "西藏", 0.003, _NO_TIER1),
)

PLATFORMS: tuple[str, ...] = ("android", "ios", "mini_program", "web", "tv")
PLATFORM_WEIGHTS: tuple[float, ...] = (0.45, 0.30, 0.15, 0.05, 0.05)
GENDER_WEIGHTS: tuple[float, ...] = (0.52, 0.44, 0.01, 0.03)  # schema.GENDERS order

# Where an event happened. Each platform mostly uses its own surface; push reaches them all.
CHANNELS: tuple[str, ...] = ("app_feed", "app_search", "push", "web", "tv", "mini_program")
CHANNEL_BY_PLATFORM: dict[str, tuple[float, ...]] = {
    "android": (0.60, 0.20, 0.15, 0.05, 0.0, 0.0),
    "ios": (0.60, 0.20, 0.15, 0.05, 0.0, 0.0),
    "mini_program": (0.0, 0.0, 0.10, 0.0, 0.0, 0.90),
    "web": (0.0, 0.0, 0.05, 0.95, 0.0, 0.0),
    "tv": (0.0, 0.0, 0.05, 0.0, 0.95, 0.0),
}

# --- partners ------------------------------------------------------------------------------------
# (partner_id, name_en, name_zh, sector, role); role is how the catalogue finds its owner.
PARTNERS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "p_albion",
        "Albion Broadcasting Corporation",
        "阿尔比恩广播公司",
        "broadcaster",
        "broadcaster",
    ),
    ("p_northlight", "Northlight Documentary Films", "北光纪录片公司", "production", "coproducer"),
    ("p_lfc", "London Fashion Council", "伦敦时装协会", "fashion", "council"),
    ("p_aurelia", "Aurelia Hart", "奥蕾莉亚·哈特", "fashion", "designer"),
    ("p_wren", "Wren & Thistle", "鹪鹩与蓟", "fashion", "designer"),
    ("p_marlow", "Marlow Studio", "马洛工作室", "fashion", "designer"),
    ("p_kestrel", "Kestrel Row", "红隼街", "fashion", "designer"),
    ("p_britannia", "Britannia Tourism Board", "不列颠旅游局", "tourism", "tourism"),
    (
        "p_northgate",
        "Northgate University E-sports Lab",
        "诺斯盖特大学电竞实验室",
        "university",
        "esports",
    ),
    ("p_foxglove", "Foxglove Games", "毛地黄游戏工作室", "games", "games"),
    ("p_qianfan", "Qianfan Video", "千帆视频", "platform", "platform"),
)

# --- fashion -------------------------------------------------------------------------------------
COLOURS: tuple[tuple[str, str], ...] = (
    ("Black", "黑色"),
    ("White", "白色"),
    ("Navy Blue", "藏青色"),
    ("Beige", "米色"),
    ("Red", "红色"),
    ("Green", "绿色"),
    ("Pink", "粉色"),
    ("Grey", "灰色"),
    ("Olive", "橄榄绿"),
    ("Brown", "棕色"),
)
PATTERNS: tuple[tuple[str, str], ...] = (
    ("solid", ""),
    ("striped", "条纹"),
    ("checked", "格纹"),
    ("printed", "印花"),
    ("floral", "碎花"),
)
STYLES: tuple[tuple[str, str], ...] = (
    ("streetwear", "街头"),
    ("vintage", "复古"),
    ("guochao", "国潮"),
    ("minimalist", "简约"),
    ("preppy", "学院风"),
    ("sporty", "运动"),
    ("workwear", "工装"),
)
# (category, Chinese, genre group, price low, price high) in CNY
CATEGORIES: tuple[tuple[str, str, str, int, int], ...] = (
    ("hoodie", "连帽衫", "tops", 299, 899),
    ("t-shirt", "T恤", "tops", 129, 459),
    ("shirt", "衬衫", "tops", 259, 799),
    ("knitwear", "针织衫", "tops", 399, 1299),
    ("jacket", "夹克", "outerwear", 599, 2299),
    ("trench coat", "风衣", "outerwear", 1299, 3999),
    ("dress", "连衣裙", "dresses", 499, 1899),
    ("skirt", "半身裙", "bottoms", 299, 999),
    ("trousers", "长裤", "bottoms", 359, 1099),
    ("jeans", "牛仔裤", "bottoms", 399, 1199),
    ("sneakers", "运动鞋", "footwear", 499, 1599),
    ("scarf", "围巾", "accessories", 199, 899),
    ("bag", "手提包", "accessories", 699, 3299),
    ("cap", "棒球帽", "accessories", 99, 299),
)

# --- tourism -------------------------------------------------------------------------------------
REGIONS: tuple[tuple[str, str], ...] = (
    ("Scotland", "苏格兰"),
    ("Lake District", "湖区"),
    ("Cotswolds", "科茨沃尔德"),
    ("London", "伦敦"),
    ("Wales", "威尔士"),
    ("Cornwall", "康沃尔"),
    ("Yorkshire", "约克郡"),
    ("Peak District", "峰区"),
    ("Northern Ireland", "北爱尔兰"),
    ("Bath", "巴斯"),
    ("Oxford", "牛津"),
    ("Cambridge", "剑桥"),
)
# (experience, Chinese, genre, days)
EXPERIENCES: tuple[tuple[str, str, str, int], ...] = (
    ("Hiking Tour", "徒步之旅", "nature", 5),
    ("Castle Trail", "城堡之旅", "heritage", 4),
    ("Film Locations Tour", "影视取景地之旅", "screen", 3),
    ("Food and Drink Weekend", "美食周末", "food", 2),
    ("Heritage Rail Journey", "复古火车之旅", "heritage", 3),
    ("Literary Walk", "文学漫步", "culture", 2),
    ("Coastal Cycling", "海岸骑行", "nature", 4),
    ("Family Farm Stay", "农场亲子游", "family", 3),
    ("Afternoon Tea Tasting", "下午茶品鉴", "food", 1),
    ("Photography Retreat", "摄影之旅", "nature", 5),
    ("Football Stadium Tour", "足球场巡礼", "sport", 2),
    ("Music Festival Pass", "音乐节通票", "music", 3),
)

# --- screen titles -------------------------------------------------------------------------------
FILM_ADJ: tuple[tuple[str, str], ...] = (
    ("Silent", "寂静"),
    ("Last", "最后的"),
    ("Hidden", "隐秘"),
    ("Northern", "北方"),
    ("Golden", "金色"),
    ("Broken", "破碎的"),
    ("Secret", "秘密"),
    ("Distant", "遥远的"),
    ("Midnight", "午夜"),
    ("Winter", "冬日"),
    ("Scarlet", "猩红"),
    ("Lost", "失落的"),
    ("Wild", "狂野"),
    ("Quiet", "安静的"),
    ("Burning", "燃烧的"),
    ("Eternal", "永恒的"),
    ("Forgotten", "被遗忘的"),
    ("Brave", "勇敢的"),
    ("Velvet", "丝绒"),
    ("Paper", "纸上"),
)
FILM_NOUN: tuple[tuple[str, str], ...] = (
    ("Harbour", "港湾"),
    ("Lighthouse", "灯塔"),
    ("Garden", "花园"),
    ("Letters", "来信"),
    ("Crown", "王冠"),
    ("River", "河流"),
    ("Orchard", "果园"),
    ("Station", "车站"),
    ("Island", "岛屿"),
    ("Summer", "夏天"),
    ("Portrait", "肖像"),
    ("Voyage", "航程"),
    ("Moor", "荒原"),
    ("Bridge", "桥"),
    ("Choir", "合唱团"),
    ("Promise", "承诺"),
)
FILM_GENRES: tuple[str, ...] = (
    "drama",
    "thriller",
    "comedy",
    "romance",
    "crime",
    "period",
    "family",
    "sci-fi",
)
SERIES_PLACE: tuple[tuple[str, str], ...] = (
    ("Whitby", "惠特比"),
    ("Bristol", "布里斯托"),
    ("Brighton", "布莱顿"),
    ("Glasgow", "格拉斯哥"),
    ("Cardiff", "卡迪夫"),
    ("Belfast", "贝尔法斯特"),
    ("York", "约克"),
    ("Manchester", "曼彻斯特"),
    ("Liverpool", "利物浦"),
    ("Soho", "苏豪"),
    ("Camden", "卡姆登"),
    ("Norfolk", "诺福克"),
    ("Dover", "多佛"),
    ("Kent", "肯特"),
    ("Devon", "德文"),
    ("Hampstead", "汉普斯特德"),
)
SERIES_NOUN: tuple[tuple[str, str], ...] = (
    ("Detectives", "神探"),
    ("Nights", "之夜"),
    ("Family", "家族"),
    ("Hospital", "医院"),
    ("Chronicles", "往事"),
    ("Affair", "风云"),
    ("Stories", "故事"),
    ("Murders", "谋杀案"),
    ("Academy", "学院"),
    ("Kitchen", "厨房"),
    ("Bakers", "烘焙师"),
    ("Lawyers", "律师"),
)
SERIES_GENRES: tuple[str, ...] = ("drama", "crime", "comedy", "period", "sci-fi", "mystery")

# (title_en, title_zh, genres): real landmark documentaries, plus the older-skewing one.
DOCUMENTARIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Blue Planet", "蓝色星球", ("nature",)),
    ("Planet Earth", "地球脉动", ("nature",)),
    ("Frozen Planet", "冰冻星球", ("nature",)),
    ("Dynasties", "王朝", ("nature",)),
    ("The Green Planet", "绿色星球", ("nature",)),
    ("Wild Isles", "野性不列颠", ("nature",)),
    ("Great British Railway Journeys", "火车环游英伦", ("travel", "history")),
    ("Castles of Britain", "不列颠城堡", ("history",)),
    ("A History of Tea", "茶的历史", ("history", "food")),
    ("The Secret Life of the Thames", "泰晤士河的秘密生活", ("nature", "history")),
)
DOC_SUBJECT: tuple[tuple[str, str], ...] = (
    ("Highland Lochs", "高地湖泊"),
    ("Sea Cliffs", "海崖"),
    ("Ancient Woods", "古老森林"),
    ("Seabirds", "海鸟"),
    ("Cathedrals", "大教堂"),
    ("Canals", "运河"),
    ("Tea Gardens", "茶园"),
    ("Island Life", "海岛生活"),
    ("Museums", "博物馆"),
    ("Wetlands", "湿地"),
    ("Foxes", "狐狸"),
    ("English Gardens", "英式园林"),
    ("Street Markets", "街头集市"),
    ("Old Libraries", "古老图书馆"),
) + REGIONS
DOC_FORM: tuple[tuple[str, str], ...] = (
    ("Secrets of {}", "{}的秘密"),
    ("{}: A Wild Year", "{}的野性一年"),
    ("The Story of {}", "{}的故事"),
    ("Hidden {}", "隐秘的{}"),
)
DOC_GENRES: tuple[str, ...] = ("nature", "history", "travel", "science", "food", "culture")

SERIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Thames Detectives", "泰晤士神探", ("crime", "mystery")),
    ("Cotswold Murders", "科茨沃尔德谋杀案", ("crime", "drama")),
)
GAMES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Skyforge Arena", "天穹竞技场", ("moba",)),
    ("Crown Duel", "王冠对决", ("card", "strategy")),
    ("Lantern Isles", "灯笼群岛", ("adventure",)),
    ("Tea Party Tycoon", "下午茶大亨", ("simulation",)),
    ("Knights of Albion", "阿尔比恩骑士", ("rpg",)),
)
GAME_ADJ: tuple[tuple[str, str], ...] = (
    ("Neon", "霓虹"),
    ("Iron", "钢铁"),
    ("Star", "星辰"),
    ("Shadow", "暗影"),
    ("Crystal", "水晶"),
    ("Storm", "风暴"),
    ("Pixel", "像素"),
    ("Dragon", "巨龙"),
    ("Rune", "符文"),
    ("Sky", "天空"),
)
GAME_NOUN: tuple[tuple[str, str], ...] = (
    ("Legends", "传说"),
    ("Racers", "车手"),
    ("Tactics", "战术"),
    ("Quest", "远征"),
    ("Kingdoms", "王国"),
    ("Puzzles", "谜题"),
    ("Heroes", "英雄"),
)
GAME_GENRES: tuple[str, ...] = (
    "moba",
    "card",
    "adventure",
    "simulation",
    "puzzle",
    "racing",
    "rpg",
)

ESPORTS_LEAGUES: tuple[tuple[str, str], ...] = (
    ("University League", "高校联赛"),
    ("UK-China Invitational", "中英邀请赛"),
    ("Spring Cup", "春季杯"),
    ("Summer Series", "夏季系列赛"),
)
ESPORTS_CITIES: tuple[tuple[str, str], ...] = (
    ("Shanghai", "上海"),
    ("London", "伦敦"),
    ("Chengdu", "成都"),
)
ESPORTS_STAGES: tuple[tuple[str, str], ...] = (
    ("Group Stage", "小组赛"),
    ("Quarter-finals", "四分之一决赛"),
    ("Semi-finals", "半决赛"),
    ("Grand Final", "总决赛"),
)

KIND_ZH: dict[str, str] = {
    "film": "电影",
    "series": "剧集",
    "documentary": "纪录片",
    "game": "游戏",
    "fashion": "服饰",
    "tourism": "旅行线路",
    "esports_event": "电竞赛事",
}

# --- e-sports players ----------------------------------------------------------------------------
HANDLE_BASES: tuple[str, ...] = (
    "Nova",
    "Lin",
    "Blaze",
    "Echo",
    "Kai",
    "Zed",
    "Mochi",
    "Tiger",
    "Yun",
    "Orbit",
    "Pixel",
    "Raven",
    "Storm",
    "Frost",
    "Jade",
    "Ming",
    "Hao",
    "Wei",
    "Lei",
    "Xiao",
    "Fox",
    "Wolf",
    "Falcon",
    "Comet",
    "Atlas",
    "Rook",
    "Ace",
    "Vex",
    "Juno",
    "Ziggy",
    "Bolt",
    "Sable",
    "Onyx",
    "Kite",
    "Drift",
    "Ember",
    "Lynx",
    "Rune",
    "Sora",
    "Taro",
    "Bao",
    "Panda",
    "Phoenix",
    "Lotus",
    "Crane",
    "Tofu",
    "Matcha",
    "Boba",
    "Nimbus",
    "Quill",
    "Rex",
    "Skye",
    "Vega",
    "Wren",
    "Yeti",
    "Zen",
    "Koi",
    "Mango",
    "Haze",
    "Pip",
)

# --- posts ---------------------------------------------------------------------------------------
# Post vocabularies by what one does with an item: watch, play, wear or travel.
POST_GROUPS: tuple[str, ...] = ("watch", "play", "wear", "travel")
POST_GROUP_OF_KIND: dict[str, str] = {
    "film": "watch",
    "series": "watch",
    "documentary": "watch",
    "esports_event": "watch",
    "game": "play",
    "fashion": "wear",
    "tourism": "travel",
}
OPENERS: dict[str, tuple[str, ...]] = {
    "watch": ("刚看完", "终于追完了", "熬夜刷完", "周末补了", "二刷", "和室友一起看了"),
    "play": ("最近在玩", "通宵打了", "刚通关", "入坑了", "周末开黑玩"),
    "wear": ("今天穿了", "刚入手了", "种草了", "开箱", "试穿了"),
    "travel": ("刚从英国回来，去了", "计划暑假去", "打卡了", "刚订了", "终于去了"),
}
POSITIVE: dict[str, tuple[str, ...]] = {
    "watch": ("太好看了", "画面绝美", "剧情超赞", "演技在线", "配乐太戳我了", "英式幽默笑死我了"),
    "play": ("太上头了", "画风好美", "手感很棒", "玩法很新颖"),
    "wear": ("质感很好", "上身超好看", "版型绝了", "很显气质", "颜色好高级"),
    "travel": ("风景美哭了", "值得一去", "太治愈了", "行程安排得很好"),
}
NEGATIVE: dict[str, tuple[str, ...]] = {
    "watch": ("太失望了", "剧情拖沓", "烂尾了", "结局太离谱", "浪费时间", "字幕翻译好差"),
    "play": ("氪金太严重", "服务器老掉线", "太无聊了", "优化太差"),
    "wear": ("质量一般，不值这个价", "色差严重", "做工粗糙", "尺码偏小，退货了"),
    "travel": ("排队两小时，体验很差", "太贵了，不推荐", "天气太糟糕", "服务态度差"),
}
NEUTRAL: tuple[str, ...] = ("有人看过吗？", "求推荐类似的", "打卡", "先收藏了", "有没有一起的")
EMOJI_POSITIVE: tuple[str, ...] = ("[赞]", "[哈哈]", "[爱心]", "[鼓掌]", "[酷]", "[666]")
EMOJI_NEGATIVE: tuple[str, ...] = ("[怒]", "[裂开]", "[失望]", "[吐]", "[泪]")
EMOJI_NEUTRAL: tuple[str, ...] = ("[思考]", "[吃瓜]", "[doge]")
ENGLISH_POSITIVE: tuple[str, ...] = (" so good!", " OMG", " must-watch", " vibe拉满", " yyds")
ENGLISH_NEGATIVE: tuple[str, ...] = (" so disappointing", " meh", " not worth it")
HASHTAGS: dict[str, tuple[str, ...]] = {  # by item kind
    "film": ("#英国电影#", "#周末看片#", "#观影笔记#"),
    "series": ("#英剧推荐#", "#周末追剧#", "#追剧日常#"),
    "documentary": ("#纪录片#", "#英国纪录片#", "#涨知识#"),
    "game": ("#游戏推荐#", "#独立游戏#", "#今天玩什么#"),
    "fashion": ("#国潮穿搭#", "#每日穿搭#", "#OOTD#", "#街头潮流#", "#复古穿搭#"),
    "tourism": ("#英国旅行#", "#英国旅游攻略#", "#说走就走#"),
    "esports_event": ("#电竞#", "#高校电竞#", "#比赛日#"),
}
# Posts that mention no title: general fashion and culture chatter.
GENERIC_POSTS: tuple[str, ...] = (
    "今天的穿搭分享，街头风走起",
    "复古格纹真的永不过时",
    "国潮配色越来越好看了",
    "简约风才是王道",
    "周末去看展，英伦风满满",
    "求推荐好看的英剧",
    "最近迷上了英式下午茶",
)
# Posts that mention no title but hold pieces of titles (花园, 星球, 王冠, 下午茶, 神探, 竞技场)
# or a title that is an everyday word used as one (王朝更替): the hard negatives a title linker
# must not fire on. A phrase that happens to contain a whole title of the drawn catalogue is
# left out there, so the truth stays true.
DECOY_POSTS: tuple[str, ...] = (
    "周末在后花园晒太阳，喝个下午茶",
    "小区花园里的月季开了，好香",
    "今晚的星空好美，感觉整个星球都安静了",
    "星球大战新剧有人追吗",
    "这个王冠造型的发夹也太可爱了吧",
    "历史课讲到王朝更替，原来这么有意思",
    "英式下午茶套餐打卡，司康饼绝了",
    "港湾边的日落，随手一拍都是壁纸",
    "冬日暖阳，适合去湖边散步",
    "灯塔下面拍照出片率超高",
    "坐火车看风景，英伦乡村太美了",
    "茶的味道，还是家乡的好",
    "最近在学烘焙，周末做了司康",
    "律师朋友推荐了几本书",
    "神探类的推理小说有推荐吗",
    "这个游戏的竞技场模式好难打",
    "夏天的风好舒服，想去海边",
    "蓝色的海和绿色的山，这就是苏格兰吧",
    "地球上最美的风景之一",
    "合唱团的演出太感人了",
    "博物馆里的肖像画看了一下午",
    "秘密基地找到了，不告诉你们在哪",
    "一个人的旅程也要好好走完",
    "城堡主题的婚礼好梦幻",
)
# Fan nicknames, abbreviations and other translations of the curated titles (title_zh ->
# aliases), written to the item's `attributes["aliases"]`, '|'-separated.
ALIASES: dict[str, tuple[str, ...]] = {
    "泰晤士神探": ("泰探",),
    "科茨沃尔德谋杀案": ("科村谋杀案",),
    "野性不列颠": ("狂野不列颠",),
    "火车环游英伦": ("英国铁路之旅", "GBRJ"),
    "泰晤士河的秘密生活": ("泰晤士河秘史",),
    "天穹竞技场": ("天竞",),
    "下午茶大亨": ("茶大亨",),
    "冰冻星球": ("冰封星球",),
}
# A generated series is nicknamed by the first characters of its place and noun (惠特比神探 ->
# 惠探) unless that is an everyday word (多家, 汉学) or shared by two series.
SERIES_NICKNAME_STOP: frozenset[str] = frozenset({"格律", "利家", "多家", "汉医", "汉学", "汉律"})
