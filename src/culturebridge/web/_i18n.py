"""Every string the dashboard shows, in English and Simplified Chinese.

One table, keyed by a dotted name: the templates call `t("nav.overview")`, and each page embeds
the same table (for its language) as JSON so the scripts label tables, charts and messages from
it too. A test checks that every key has both languages and that every key the templates and
scripts use is here.
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")
DEFAULT_LANG: Lang = "en"
HTML_LANG: dict[Lang, str] = {"en": "en", "zh": "zh-CN"}

MESSAGES: dict[str, tuple[str, str]] = {
    # the frame
    "app.name": ("culturebridge", "文化桥"),
    "app.tagline": ("Audience intelligence dashboard", "受众洞察仪表板"),
    "lang.switch": ("中文", "English"),
    "lang.label": ("Language", "语言"),
    "header.partner": ("Signed in as", "当前身份"),
    "header.logout": ("Sign out", "退出登录"),
    "nav.overview": ("Overview", "概览"),
    "nav.audiences": ("Audiences", "受众"),
    "nav.trends": ("Trends", "趋势"),
    "nav.fashion": ("Fashion", "时尚"),
    "nav.recommendations": ("Recommendations", "推荐"),
    "nav.social": ("Social listening", "社交聆听"),
    "nav.campaigns": ("Campaigns", "营销活动"),
    "nav.esports": ("E-sports", "电子竞技"),
    "nav.localise": ("Localisation QA", "本地化质检"),
    # login
    "login.title": ("Sign in", "登录"),
    "login.intro": (
        "Paste the API key your administrator gave you. It is kept in a secure cookie "
        "for this browser only.",
        "请粘贴管理员提供的 API 密钥。密钥仅保存在本浏览器的安全 Cookie 中。",
    ),
    "login.key": ("API key", "API 密钥"),
    "login.submit": ("Sign in", "登录"),
    "login.error": ("That key is not valid (or has been revoked).", "该密钥无效（或已被吊销）。"),
    "login.missing": ("Please paste a key.", "请粘贴密钥。"),
    # shared states and words
    "state.loading": ("Loading…", "加载中…"),
    "state.empty": ("No data to show.", "暂无数据。"),
    "state.error": ("The data could not be loaded", "数据加载失败"),
    "state.suppressed": ("hidden (below privacy threshold)", "已隐藏（低于隐私阈值）"),
    "state.privacy": ("Privacy notes", "隐私说明"),
    "state.none_own": ("You have no items of this kind.", "您没有此类条目。"),
    "word.all": ("All users", "全部用户"),
    "word.yes": ("yes", "是"),
    "word.no": ("no", "否"),
    "form.segment": ("Segment", "细分人群"),
    "form.dimension": ("Dimension", "维度"),
    "form.period": ("Period", "周期"),
    "form.top": ("Top", "前 N 项"),
    "form.item": ("Item", "条目"),
    "form.game": ("Game", "游戏"),
    "form.show": ("Show", "显示"),
    "form.period.week": ("Week", "周"),
    "form.period.month": ("Month", "月"),
    "dim.kind": ("Kind", "类型"),
    "dim.genre": ("Genre", "题材"),
    "dim.item": ("Item", "条目"),
    "dim.channel": ("Channel", "渠道"),
    "dim.partner": ("Partner", "合作方"),
    "kind.film": ("Film", "电影"),
    "kind.series": ("Series", "剧集"),
    "kind.documentary": ("Documentary", "纪录片"),
    "kind.game": ("Game", "游戏"),
    "kind.fashion": ("Fashion", "时尚"),
    "kind.tourism": ("Tourism", "旅游"),
    "kind.esports_event": ("E-sports event", "电竞赛事"),
    "stage.impression": ("Impression", "曝光"),
    "stage.view": ("View", "观看"),
    "stage.engage": ("Engage", "互动"),
    "stage.purchase": ("Purchase", "购买"),
    # overview
    "overview.title": ("Overview", "概览"),
    "overview.status": ("Workspace status", "工作区状态"),
    "overview.prefs": ("What Gen Z prefers, by kind", "Z 世代偏好（按类型）"),
    "overview.trends": ("Weekly trends by kind", "按类型的每周趋势"),
    "overview.segments": ("Segments", "细分人群"),
    "overview.workspace": ("Workspace", "工作区"),
    "overview.version": ("Data version", "数据版本"),
    "overview.k": ("Privacy threshold k", "隐私阈值 k"),
    # audiences
    "aud.title": ("Audiences", "受众"),
    "aud.builder": ("Segment builder", "细分人群构建器"),
    "aud.age_min": ("Age from", "最小年龄"),
    "aud.age_max": ("Age to", "最大年龄"),
    "aud.genders": ("Genders", "性别"),
    "aud.gender.female": ("Female", "女"),
    "aud.gender.male": ("Male", "男"),
    "aud.gender.other": ("Other", "其他"),
    "aud.tiers": ("City tiers", "城市等级"),
    "aud.tier": ("Tier", "线城市"),
    "aud.platforms": ("Platforms", "平台"),
    "aud.provinces": ("Provinces (comma-separated)", "省份（用逗号分隔）"),
    "aud.by": ("Preferences by", "偏好维度"),
    "aud.preview": ("Preview segment", "预览细分人群"),
    "aud.size": ("Segment size", "人群规模"),
    "aud.users": ("users", "位用户"),
    "aud.too_small": (
        "Fewer users than the privacy threshold: the size is hidden.",
        "用户数低于隐私阈值，规模已隐藏。",
    ),
    "aud.definition": ("Definition", "定义"),
    "aud.prefs": ("Preferences of this segment", "该人群的偏好"),
    "aud.item": ("Audience of one of your items", "您某个条目的受众"),
    "aud.funnel": ("Funnel", "转化漏斗"),
    "aud.any": ("any", "不限"),
    "aud.platform.android": ("Android", "安卓"),
    "aud.platform.ios": ("iOS", "iOS"),
    "aud.platform.mini_program": ("Mini program", "小程序"),
    "aud.platform.web": ("Web", "网页"),
    "aud.platform.tv": ("TV", "电视"),
    # trends
    "trends.title": ("Trends", "趋势"),
    "trends.chart": ("Share over time", "份额随时间变化"),
    "trends.table": ("Rising and falling", "上升与下降"),
    # fashion
    "fashion.title": ("Fashion", "时尚"),
    "fashion.trends": ("Rising attributes", "上升中的时尚属性"),
    "fashion.products": ("Products", "产品"),
    "fashion.image": ("Product image", "产品图片"),
    # recommendations
    "rec.title": ("Recommendations preview", "推荐预览"),
    "rec.pick": ("Pick one of your items", "选择您的一个条目"),
    "rec.similar": ("Similar items", "相似条目"),
    "rec.none": ("No items of yours to preview.", "您没有可预览的条目。"),
    # social
    "social.title": ("Social listening", "社交聆听"),
    "social.mentions": ("Most mentioned items", "提及最多的条目"),
    "social.alerts": ("Sentiment alerts", "情绪预警"),
    "social.no_alerts": ("No alerts.", "暂无预警。"),
    "social.timeline": ("Timeline", "时间线"),
    # campaigns
    "camp.title": ("Campaigns", "营销活动"),
    "camp.list": ("Your campaigns", "您的营销活动"),
    "camp.report": ("A/B report", "A/B 测试报告"),
    "camp.none": ("No campaigns visible to this key.", "此密钥下没有可见的营销活动。"),
    "camp.no_arms": (
        "No A/B report yet: none of these campaigns has users assigned to two or more arms.",
        "暂无 A/B 测试报告：这些活动都还没有用户被分配到两个或以上的组别。",
    ),
    "camp.effect": ("Effect with 95% confidence interval", "效果及 95% 置信区间"),
    # esports
    "es.title": ("E-sports", "电子竞技"),
    "es.leaderboard": ("Leaderboard", "排行榜"),
    "es.predict": ("Predict a match", "预测比赛"),
    "es.team_a": ("Team A (player ids, comma-separated)", "A 队（选手 ID，逗号分隔）"),
    "es.team_b": ("Team B (player ids, comma-separated)", "B 队（选手 ID，逗号分隔）"),
    "es.run_predict": ("Predict", "预测"),
    "es.win_prob": ("Chance of winning", "获胜概率"),
    "es.newcomer": ("no matches yet, rated as a newcomer.", "暂无比赛记录，按新选手估计。"),
    "es.did_you_mean": ("Did you mean", "您是否要找"),
    # localise
    "loc.title": ("Localisation QA", "本地化质检"),
    "loc.findings": ("Findings", "检查结果"),
    "loc.missing": ("Missing Chinese text", "缺少中文文本"),
    "loc.too_long": ("Too long", "文本过长"),
    "loc.none": ("No findings: the catalogue is complete.", "未发现问题：目录完整。"),
    # column headers (field names in API rows)
    "col.table": ("Table", "数据表"),
    "col.rows": ("Rows", "行数"),
    "col.files": ("Files", "文件数"),
    "col.first": ("From", "起始"),
    "col.last": ("To", "截至"),
    "col.name": ("Name", "名称"),
    "col.description": ("Description", "说明"),
    "col.definition": ("Definition", "定义"),
    "col.users": ("Users", "用户数"),
    "col.share_of_users": ("Share of users", "用户占比"),
    "col.value": ("Value", "取值"),
    "col.title": ("Title", "标题"),
    "col.item_id": ("Item id", "条目 ID"),
    "col.kind": ("Kind", "类型"),
    "col.score": ("Score", "得分"),
    "col.segment_share": ("Segment share", "人群份额"),
    "col.baseline_share": ("Baseline share", "基准份额"),
    "col.lift": ("Lift", "提升度"),
    "col.significant": ("Significant", "显著"),
    "col.direction": ("Direction", "方向"),
    "col.slope": ("Slope", "斜率"),
    "col.relative_change": ("Change per period", "每期变化"),
    "col.first_share": ("First share", "期初份额"),
    "col.last_share": ("Last share", "期末份额"),
    "col.emerging": ("Emerging", "新兴"),
    "col.attribute": ("Attribute", "属性"),
    "source.catalogue": ("catalogue", "商品目录"),
    "source.posts": ("posts", "社交帖子"),
    "source.images": ("images", "商品图片"),
    "col.growth": ("Growth", "增长"),
    "col.share": ("Share", "份额"),
    "col.mentions": ("Mentions", "提及次数"),
    "col.posts": ("Posts", "帖子数"),
    "col.negative_share": ("Negative share", "负面占比"),
    "col.baseline": ("Baseline", "基准"),
    "col.period_start": ("Period", "周期"),
    "col.campaign_id": ("Campaign", "活动"),
    "col.start": ("Start", "开始"),
    "col.end": ("End", "结束"),
    "col.arm": ("Arm", "组别"),
    "col.metric": ("Metric", "指标"),
    "col.effect": ("Effect", "效果"),
    "col.ci_low": ("CI low", "置信下限"),
    "col.ci_high": ("CI high", "置信上限"),
    "col.p_value": ("p-value", "p 值"),
    "col.rank": ("Rank", "排名"),
    "col.player": ("Player", "选手"),
    "col.rating": ("Rating", "评分"),
    "col.matches": ("Matches", "比赛场次"),
    "col.win_rate": ("Win rate", "胜率"),
    "col.game": ("Game", "游戏"),
    "col.field": ("Field", "字段"),
    "col.problem": ("Problem", "问题"),
    "col.text": ("Text", "文本"),
    "col.length": ("Length", "长度"),
    "col.limit": ("Limit", "上限"),
    "col.stage": ("Stage", "阶段"),
    "col.group": ("Group", "组"),
    "col.rate_from_first": ("Conversion from impression", "自曝光转化率"),
    "col.partner": ("Partner", "合作方"),
}


def normalise(lang: str | None) -> Lang | None:
    """`zh`, `zh-CN`, `zh-Hans` → "zh"; `en…` → "en"; anything else → None."""
    if not lang:
        return None
    low = lang.strip().lower()
    if low.startswith("zh"):
        return "zh"
    if low.startswith("en"):
        return "en"
    return None


def translate(key: str, lang: Lang) -> str:
    """The string for `key` in `lang`; an unknown key shows as itself (and fails a test)."""
    pair = MESSAGES.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "en" else pair[1]


def catalogue(lang: Lang) -> dict[str, str]:
    """Every string in one language, for the page scripts."""
    return {key: translate(key, lang) for key in MESSAGES}


def value_labels(lang: str) -> dict[str, str]:
    """Item kinds and funnel stages as a reader of `lang` says them ("film" -> "电影")."""
    i = 1 if lang == "zh" else 0
    return {
        key.split(".", 1)[1]: texts[i]
        for key, texts in MESSAGES.items()
        if key.startswith(("kind.", "stage."))
    }
