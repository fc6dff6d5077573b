"""Every string the dashboard shows, in English and Simplified Chinese.

One table, keyed by a dotted name: the templates call `t("nav.overview")`, and each page embeds
the same table (for its language) as JSON so the scripts label tables, charts and messages from
it too. A test checks that every key has both languages and that every key the templates and
scripts use is here.
"""

from __future__ import annotations

from typing import Literal

from culturebridge.localise import DATA_VALUES

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
    "nav.explore": ("Explore", "探索"),
    "nav.journeys": ("Journeys", "用户路径"),
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
    "dim.type": ("Event type", "行为类型"),
    "dim.age_band": ("Age band", "年龄段"),
    "dim.city_tier": ("City tier", "城市等级"),
    "dim.province": ("Province", "省份"),
    "dim.platform": ("Platform", "平台"),
    "dim.gender": ("Gender", "性别"),
    "dim.segment": ("Segment", "细分人群"),
    "dim.attributes.style": ("Fashion style", "时尚风格"),
    "dim.attributes.colour": ("Colour", "颜色"),
    "dim.attributes.category": ("Fashion category", "服饰品类"),
    "dim.attributes.pattern": ("Pattern", "图案"),
    "dim.attributes.type": ("Article type", "单品类型"),
    # data values said the same in every dimension (item kinds and stages have their own keys)
    "dim.attributes.material": ("Material", "材质"),
    "dim.attributes.price": ("Price (CNY)", "价格（元）"),
    "dim.attributes.collection": ("Collection", "系列"),
    "dim.attributes.season": ("Season", "季节"),
    "table.partners": ("partners", "合作方"),
    "table.items": ("items", "条目"),
    "table.users": ("users", "用户"),
    "table.events": ("events", "行为事件"),
    "table.posts": ("posts", "社交帖子"),
    "table.matches": ("matches", "比赛"),
    "table.campaigns": ("campaigns", "营销活动"),
    "table.assignments": ("assignments", "实验分组"),
    "city_tier.1": ("Tier 1", "一线城市"),
    "city_tier.2": ("Tier 2", "二线城市"),
    "city_tier.3": ("Tier 3", "三线城市"),
    "city_tier.4": ("Tier 4", "四线城市"),
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
    "overview.quality": ("Data quality of each table's last ingest", "各表最近一次导入的数据质量"),
    "col.finished": ("Finished (UTC)", "完成时间（UTC）"),
    "col.accepted": ("Rows accepted", "接受行数"),
    "col.reject_rate": ("Rejected", "拒收比例"),
    "col.warnings": ("Warnings", "警告"),
    # explore
    "ex.title": ("Explore", "探索"),
    "ex.by": ("Break down by", "细分维度"),
    "ex.measure": ("Measure", "指标"),
    "ex.measure.users": ("Users per value", "各取值的用户数"),
    "ex.measure.lift": ("Preference (lift) against all users", "偏好（提升度，对比全体用户）"),
    "ex.lift_vs_all": (
        "the segment's share of weighted engagement against every user's",
        "该人群的加权互动份额对比全体用户的份额",
    ),
    "col.ci": ("95% CI", "95% 置信区间"),
    "ex.kind": ("Items of kind", "条目类型"),
    "ex.any_kind": ("Any kind", "全部类型"),
    "ex.items_of": ("Items of", "条目归属"),
    "ex.every_partner": ("Every partner", "全部合作方"),
    "ex.range": ("Date range", "日期范围"),
    "ex.last_7": ("Last 7 days", "最近 7 天"),
    "ex.last_28": ("Last 28 days", "最近 28 天"),
    "ex.last_91": ("Last 13 weeks", "最近 13 周"),
    "ex.all_time": ("All time", "全部时间"),
    "ex.custom": ("Custom", "自定义"),
    "ex.from": ("From", "起始日期"),
    "ex.to": ("To", "截止日期"),
    "ex.compare": ("Compare with the previous period", "与上一周期对比"),
    "ex.result": ("Users per value", "各取值的用户数"),
    "ex.vs": ("against", "对比"),
    "ex.total_users": ("users with an event", "有行为的用户"),
    "ex.partition": (
        "each user counts in one value: shares sum to 100%",
        "每位用户只计入一个取值：占比之和为 100%",
    ),
    "ex.overlap": (
        "a user can count in several values: shares can sum past 100%",
        "一位用户可计入多个取值：占比之和可超过 100%",
    ),
    "ex.insight_name": ("Insight name", "洞察名称"),
    "ex.pin": ("Pin to my dashboard", "固定到我的仪表板"),
    "ex.save": ("Save insight", "保存洞察"),
    "ex.saved": ("Saved.", "已保存。"),
    "ex.need_name": ("Give the insight a name first.", "请先为洞察命名。"),
    "ex.insights": ("Saved insights", "已保存的洞察"),
    "ex.question": ("Question", "问题"),
    "ex.delete": ("Delete", "删除"),
    "ex.open": ("Open in Explore", "在探索中打开"),
    "export.csv": ("Download CSV", "下载 CSV"),
    "export.png": ("Download PNG", "下载 PNG"),
    "privacy.none": ("no cell below k={k} users", "没有低于 k={k} 位用户的单元格"),
    "privacy.hidden": (
        "{n} of {cells} cells below k={k} users suppressed",
        "{cells} 个单元格中有 {n} 个低于 k={k} 位用户，已隐藏",
    ),
    "overview.yours": ("{partner}: your items, last 28 days", "{partner}：您的条目（最近 28 天）"),
    "overview.partners": ("Partners, last 28 days", "各合作方（最近 28 天）"),
    "overview.dashboard": ("Your dashboard", "我的仪表板"),
    "overview.no_insights": (
        "Nothing pinned yet: save an insight on the Explore page and it appears here.",
        "尚未固定任何洞察：在“探索”页保存洞察后将显示在这里。",
    ),
    "col.events": ("Events", "行为次数"),
    "col.previous_users": ("Previous period", "上一周期"),
    "col.change": ("Change", "变化"),
    "col.pinned": ("On dashboard", "在仪表板上"),
    "col.owner": ("Owner", "所有者"),
    # journeys
    "jr.title": ("Journeys", "用户路径"),
    "jr.active": ("Active users", "活跃用户"),
    "jr.dau": ("DAU", "日活跃用户"),
    "jr.wau": ("WAU", "周活跃用户"),
    "jr.mau": ("MAU", "月活跃用户"),
    "jr.dau_mau": ("DAU/MAU", "日活/月活"),
    "jr.as_of": ("As of", "截至"),
    "jr.stickiness": ("Days active in a week (share of user-weeks)", "每周活跃天数（用户周占比）"),
    "jr.funnel": ("Funnel of your steps", "自定义转化漏斗"),
    "jr.step": ("Step", "步骤"),
    "jr.no_step": ("(no step)", "（无）"),
    "jr.window": ("Conversion window (days)", "转化窗口（天）"),
    "jr.method": (
        "users with step 1 in the period who then did each step in order within the window",
        "在所选期间完成第 1 步、并在窗口内按顺序完成后续步骤的用户",
    ),
    "jr.from_first": ("From step 1", "自第 1 步转化率"),
    "jr.paths": ("What people do next", "用户接下来做什么"),
    "jr.after": ("After", "在此之后"),
    "jr.within_hours": ("Within (hours)", "时间窗口（小时）"),
    "jr.started": ("users who did it", "完成该行为的用户"),
    "jr.nothing_next": ("did nothing else in the window", "窗口内无后续行为"),
    "col.step": ("Step", "步骤"),
    "col.rate_from_previous": ("From previous step", "上一步转化率"),
    "col.median_hours_from_previous": ("Median time from previous", "距上一步的中位时间"),
    "col.next_type": ("Next event", "下一行为"),
    "col.next_kind": ("On", "条目类型"),
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
    "aud.behaviour": ("Behaviour", "行为"),
    "aud.did": ("Did", "做过"),
    "aud.did_nothing": ("(no behaviour)", "（不限行为）"),
    "aud.on_kind": ("on items of kind", "条目类型"),
    "aud.from_partner": ("from", "来自"),
    "aud.within_days": ("in the last N days", "最近 N 天内"),
    "aud.combine": ("Combine with saved segments", "与已有细分人群组合"),
    "aud.all_of": ("and in all of", "且属于以下全部"),
    "aud.any_of": ("and in any of", "且属于以下任一"),
    "aud.name": ("Name (a-z, 0-9, _)", "名称（小写字母、数字、下划线）"),
    "aud.save": ("Save segment", "保存细分人群"),
    "aud.saved": ("Segments", "细分人群"),
    "aud.saved_from_dashboard": ("Saved from the dashboard", "从仪表板保存"),
    "word.platform": ("platform", "平台"),
    "word.builtin": ("built-in", "内置"),
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
    "fashion.trends": ("Rising and falling attributes", "显著上升与下降的时尚属性"),
    "fashion.products": ("Products", "产品"),
    "fashion.image": ("Product image", "产品图片"),
    "fashion.from_image": (" (from photos)", "（图片识别）"),
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
    "social.terms": ("What its posts said that week", "当周帖子在说什么"),
    "social.pick_alert": (
        "Open an alert to see the words its posts over-used that week.",
        "点击一条预警，查看当周帖子中异常多用的词。",
    ),
    "col.term": ("Term", "词语"),
    "col.expected": ("Expected posts", "预期帖子数"),
    "col.ratio": ("Ratio", "倍数"),
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
    "col.growth_rate": ("Growth per period", "每期增长"),
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
    "col.conservative": ("Rating for the rank (μ − 2σ)", "排名评分（μ − 2σ）"),
    "col.mean_rating": ("Mean rating μ ± 2σ", "平均评分 μ ± 2σ"),
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


MESSAGES.update(
    {
        f"value.{value}": names
        for value, names in DATA_VALUES.items()
        if f"value.{value}" not in MESSAGES
    }
)


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
    """Data values as a reader of `lang` says them ("film" -> "电影", "Guangdong" -> "广东",
    "guochao" -> "国潮"): item kinds, funnel stages and the `value.` table."""
    i = 1 if lang == "zh" else 0
    return {
        key.split(".", 1)[1]: texts[i]
        for key, texts in MESSAGES.items()
        if key.startswith(("kind.", "stage.", "value."))
    }
