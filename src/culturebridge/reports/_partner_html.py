"""The partner report, drawn and written: one self-contained HTML page (and its PDF).

`partner_report_html` only formats a computed `PartnerReport` (see `_partner`): every section
has its charts (Plotly.js specs from `_charts`, the bundle inlined once), a sentence or two on
what they show, and a "How this was computed" list naming the analysis (as the CLI command that
runs it), the period, the segment definitions and what the privacy guard did to each result.
A section the partner has no data for is listed at the end with its reason, never drawn empty.

`write_partner_report` writes the page atomically, prints it to PDF with headless Chromium when
asked (print CSS keeps charts and tables whole; offline-minded flags) and appends both exports
to the workspace's audit log, with their SHA-256.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from culturebridge.campaign import SegmentTest
from culturebridge.errors import UserError
from culturebridge.localise import ATTRIBUTE_NAMES, DATA_VALUES, value_name
from culturebridge.privacy import Released
from culturebridge.query import ALL, OTHER_PARTNERS
from culturebridge.reports import _charts as charts
from culturebridge.reports._findings import headline_zh
from culturebridge.reports._overview import Overview, write_report_file
from culturebridge.reports._partner import (
    LEADERBOARD_TOP,
    PLATFORM,
    SECTION_TITLES,
    SEGMENTS_LISTED,
    PartnerReport,
    has_rows,
    top_rows,
)
from culturebridge.workspace import Workspace

# ---------------------------------------------------------------------------- html


def e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _pct(x: float | None, digits: int = 1) -> str:
    return "—" if x is None else f"{x:.{digits}%}"


CSS = """
:root { --ink:#1f2937; --muted:#6b7280; --line:#e5e7eb; --accent:#2563eb; --bg:#f8fafc; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans GB",
             "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif; }
main { max-width: 980px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h1 small, h2 small { font-weight: 400; color: var(--muted); margin-left: 8px; }
h1 small { font-size: 18px; }
h2 { font-size: 19px; margin: 32px 0 8px; border-bottom: 1px solid var(--line);
     padding-bottom: 4px; }
h2 small { font-size: 15px; }
h3 { font-size: 15px; margin: 16px 0 4px; }
.meta, .note, figcaption { color: var(--muted); font-size: 13px; }
section.card { background:#fff; border:1px solid var(--line); border-radius:8px;
               padding: 12px 16px; margin: 12px 0; }
figure { margin: 8px 0 16px; }
.chart { width: 100%; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 8px 0; }
th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid var(--line);
         vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
details.method { margin-top: 8px; font-size: 13px; color: #374151; }
details.method summary { cursor: pointer; color: var(--accent); }
details.method ul { margin: 4px 0; padding-left: 20px; }
ul.omitted li { color: var(--muted); }
.sig { color: #15803d; font-weight: 600; }
nav ol { columns: 2; font-size: 14px; }
@page { size: A4; margin: 10mm; }
@media print {
  body { background: #fff; font-size: 12px; }
  main { max-width: none; padding: 0; }
  section.card { border: none; padding: 0; break-inside: auto; }
  figure, .chart, table, tr { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  details.method { display: block; }
  details.method > * { display: block; }
  nav { display: none; }
}
"""

PRINT_JS = """
window.addEventListener('beforeprint', function () {
  document.querySelectorAll('.chart').forEach(function (el) {
    if (el.data) { Plotly.relayout(el, {width: el.clientWidth}); }
  });
  document.querySelectorAll('details').forEach(function (d) { d.open = true; });
});
"""


class _Html:
    """Collects one report's HTML, numbering the chart divs, in one language (`en` or `zh`):
    `say` picks the text, charts are labelled through the data-value termbase."""

    def __init__(self, lang: str = "en", words: dict[str, str] | None = None) -> None:
        self.parts: list[str] = []
        self.charts = 0
        self.lang = lang
        self.words = words or {}

    def say(self, en: str, zh: str) -> str:
        return zh if self.lang == "zh" else en

    def note(self, text: str) -> str:
        """A guard's note (English, from `GuardReport.note`) in the report's language."""
        return privacy_note(text, self.lang)

    def add(self, text: str) -> None:
        self.parts.append(text)

    def chart(self, figure: charts.Figure | None, caption: str, *, missing: str) -> None:
        if figure is None:
            self.add(f'<p class="note">{e(missing)}</p>')
            return
        self.charts += 1
        if self.lang == "zh":
            figure = charts.translate(figure, "zh", self.words)
        self.add("<figure>")
        self.add(charts.chart_html(f"chart-{self.charts}", figure))
        self.add(f"<figcaption>{e(caption)}</figcaption></figure>")

    def table(self, header: Sequence[str], rows: Sequence[Sequence[object]], num: set[int]) -> None:
        head = "".join(f'<th class="num">{e(h)}</th>' if i in num else f"<th>{e(h)}</th>"
                       for i, h in enumerate(header))  # fmt: skip
        body = "".join(
            "<tr>"
            + "".join(
                f'<td class="num">{e(c)}</td>' if i in num else f"<td>{e(c)}</td>"
                for i, c in enumerate(r)
            )
            + "</tr>"
            for r in rows
        )
        self.add(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")

    def method(self, lines: Sequence[str]) -> None:
        items = "".join(f"<li>{e(x)}</li>" for x in lines if x)
        self.add(
            f'<details class="method"><summary>{self.say("How this was computed", "计算方法")}'
            f"</summary><ul>{items}</ul></details>"
        )


def _period_text(h: _Html, r: PartnerReport) -> str:
    s = r.scope
    if s.period_from or s.period_to:
        first, last = s.period_from or h.say("start", "开始"), s.period_to or h.say("end", "结束")
        return h.say(f"{first} to {last}", f"{first} 至 {last}")
    trend = r.item_trends
    if trend is not None and trend.periods:
        first_week, last_week = trend.periods[0], trend.periods[-1]
        return h.say(
            f"weeks of {first_week} to {last_week} (every event in the workspace)",
            f"{first_week} 至 {last_week} 各周（工作区内的全部行为）",
        )
    return h.say("every event in the workspace", "工作区内的全部行为")


def _scope_line(h: _Html, r: PartnerReport) -> str:
    if r.partner == PLATFORM:
        return h.say(
            "Scope: the platform (every partner's items).", "范围：平台（全部合作方的条目）。"
        )
    return h.say(
        f"Scope: partner {r.partner}. Item-level figures cover its own items only; every other "
        f"partner's item is counted in one value, “{OTHER_PARTNERS}”.",
        f"范围：合作方 {r.partner}。条目级数据仅涵盖其自有条目；其他合作方的条目合计为一项"
        f"“（其他合作方）”。",
    )


def privacy_note(text: str, lang: str) -> str:
    """The guard's English note (`GuardReport.note`) in `lang`."""
    if lang != "zh":
        return text
    out = re.sub(
        r"(\d+) of (\d+) cells below k=(\d+) users suppressed",
        r"\2 个单元格中有 \1 个低于 k=\3 位用户，已隐藏",
        text,
    )
    out = re.sub(r"no cell below k=(\d+) users", r"没有低于 k=\1 位用户的单元格", out)
    out = re.sub(
        r"(\d+) more suppressed to protect published totals", r"另有 \1 个为保护合计而隐藏", out
    )
    return re.sub(
        r"user counts noised \((\w+), epsilon ([\d.]+)\)", r"用户数已加噪（\1，ε=\2）", out
    )


def _words(r: PartnerReport, lang: str) -> dict[str, str]:
    """What the charts' labels become in `lang`: data values, then the items' titles."""
    words = {v: value_name(v, lang) for v in DATA_VALUES}
    for i in r.items:
        words[i.label] = i.name(lang)
        words[i.item_id] = i.name(lang)
    return words


def partner_report_html(released: Released[PartnerReport], lang: str = "en") -> str:
    """Format a computed, released `PartnerReport` as one self-contained HTML page, in English
    or (`lang="zh"`) in Chinese: headings, prose, tables, chart labels, findings and notes;
    titles in the reader's language first."""
    if lang not in ("en", "zh"):
        raise UserError(f"--lang must be en or zh, not {lang!r}")
    r = released.value
    h = _Html(lang, _words(r, lang))
    k = r.scope.k
    labels = {i.item_id: i.name(lang) for i in r.items}
    renders: dict[str, Callable[[], None]] = {
        "findings": lambda: _findings(h, r),
        "catalogue": lambda: _catalogue(h, r),
        "audiences": lambda: _audiences(h, r),
        "preferences": lambda: _preferences(h, r, labels),
        "trends": lambda: _trends(h, r, labels),
        "fashion": lambda: _fashion(h, r),
        "social": lambda: _social(h, r),
        "campaigns": lambda: _campaigns(h, r),
        "localisation": lambda: _localisation(h, r),
        "esports": lambda: _esports(h, r),
    }
    zh = lang == "zh"
    for key in r.sections:
        en, cn = SECTION_TITLES[key]
        first, second = (cn, en) if zh else (en, cn)
        h.add(f'<section class="card" id="{key}"><h2>{e(first)} <small>{e(second)}</small></h2>')
        renders[key]()
        h.add("</section>")
    body = "\n".join(h.parts)
    nav = "".join(
        f'<li><a href="#{key}">{e(SECTION_TITLES[key][1 if zh else 0])}</a></li>'
        for key in r.sections
    )
    omitted = "".join(
        f"<li>{e(SECTION_TITLES[key][1 if zh else 0])}: {e(why)}</li>"
        for key, why in r.omitted.items()
    )
    name = (r.name_zh or r.name_en) if zh else r.name_en
    other = r.name_en if zh else r.name_zh
    other_name = f"<small>{e(other)}</small>" if other and other != name else ""
    title = h.say(f"{name}: audience report", f"{name}：受众报告")
    sector = r.sector or h.say("no sector", "未注明行业")
    meta = h.say(
        f"Audience report for {e(r.partner)} ({e(sector)}) · workspace {e(r.workspace)} · "
        f"generated {e(r.generated_at.isoformat())} by culturebridge {e(r.version)} · "
        f"reference date {e(r.scope.reference_date)} · privacy threshold k={k}",
        f"{e(r.partner)}（{e(sector)}）的受众报告 · 工作区 {e(r.workspace)} · 由 culturebridge "
        f"{e(r.version)} 生成于 {e(r.generated_at.isoformat())} · 参考日期 "
        f"{e(r.scope.reference_date)} · 隐私阈值 k={k}",
    )
    about = h.say(
        f"Every figure passed the privacy guard: a cell with fewer than k={k} distinct users "
        "is suppressed (with complementary suppression where shares sum to one), and no user id "
        "leaves the warehouse. Each section's “How this was computed” names the guard's effect "
        "on each result. Charts are drawn by Plotly.js, embedded in this file: nothing is "
        "fetched.",
        f"所有数据均经过隐私保护：少于 k={k} 位不同用"
        "户的单元格会被隐藏（份额合计为一时另做补充隐藏），"
        "任何用户 ID 都不会离开数据仓库。各部分的“计算方法”说明了隐私保护对每项结果的影响。"
        "图表由嵌入本文件的 Plotly.js 绘制，不会联网获取任何内容。",
    )
    left_out = h.say("Sections left out:", "未包含的部分：")
    computed = h.say(f"Computed in {r.elapsed_s:g} s.", f"计算耗时 {r.elapsed_s:g} 秒。")
    about_title = h.say(
        "About this report <small>关于本报告</small>", "关于本报告 <small>About</small>"
    )
    return f"""<!doctype html>
<html lang="{"zh-CN" if zh else "en"}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="culturebridge {e(r.version)}">
<title>{e(title)}</title>
<style>{CSS}</style>
<script>{charts.plotly_js()}</script>
<script>{PRINT_JS}</script>
</head>
<body>
<main>
<h1>{e(name)} {other_name}</h1>
<p class="meta">{meta}</p>
<p class="meta">{e(_scope_line(h, r))} {h.say("Period", "时间范围")}: {e(_period_text(h, r))}.</p>
<nav><ol>{nav}</ol></nav>
{body}
<section class="card" id="about"><h2>{about_title}</h2>
<p class="note">{about}</p>
{f'<p>{left_out}</p><ul class="omitted">{omitted}</ul>' if omitted else ""}
<p class="note">{computed}</p>
</section>
</main>
</body>
</html>
"""


# ---------------------------------------------------------------------------- sections


def _findings(h: _Html, r: PartnerReport) -> None:
    ov = r.overview
    assert ov is not None
    zh = h.lang == "zh"

    def seg_words(name: str) -> str:
        if not zh:
            return ""
        return ov.segments_zh.get(name, name) if name != ALL else "全体用户"

    if ov.findings:
        partner = (r.name_zh or r.name_en) if zh else r.name_en
        groups = (
            [("", ov.findings)]
            if r.partner == PLATFORM
            else [
                (
                    h.say(f"About {partner}'s titles", f"关于{partner}的作品"),
                    [f for f in ov.findings if f.about_partner],
                ),
                (
                    h.say("Across the platform", "全平台"),
                    [f for f in ov.findings if not f.about_partner],
                ),
            ]
        )
        kinds = {"preference": "偏好", "trend": "趋势", "audience": "受众", "funnel": "漏斗",
                 "catalogue": "作品"}  # fmt: skip
        for heading, found in groups:
            if not found:
                continue
            if heading:
                h.add(f"<h3>{e(heading)}</h3>")
            h.add('<ol class="findings">')
            for f in found:
                if zh:
                    text, kind = headline_zh(f, seg_words(f.segment)), kinds.get(f.kind, f.kind)
                    h.add(f'<li>{e(text)} <span class="note">[{e(kind)}]</span></li>')
                    continue
                title_zh = f" <small>({e(f.title_zh)})</small>" if f.title_zh else ""
                h.add(f'<li>{e(f.headline)}{title_zh} <span class="note">[{e(f.kind)}]</span></li>')
            h.add("</ol>")
    else:
        h.add(
            '<p class="note">'
            + h.say(
                "No finding passed the tests (significant after Benjamini–Hochberg, lift "
                "interval above 1).",
                "没有发现通过检验（Benjamini–Hochberg 校正后显著，且提升度区间高于 1）。",
            )
            + "</p>"
        )
    if ov.reach is not None:
        h.chart(
            charts.reach_bars(ov.reach),
            h.say(
                "Users reached and active users per week, all users (platform-wide).",
                "每周触达用户与活跃用户，全体用户（全平台）。",
            ),
            missing=h.say(
                "Reach per week: every week suppressed (fewer than k users).",
                "每周触达：所有周均被隐藏（少于 k 位用户）。",
            ),
        )
    if ov.funnel is not None:
        who = seg_words(ov.funnel.segment) if zh else segment_label_text(ov, ov.funnel.segment)
        h.chart(
            charts.funnel_bars(ov.funnel),
            h.say(
                f"Step conversion of {who} against all users, with 95% intervals.",
                f"{who}与全体用户的分步转化率，含 95% 置信区间。",
            ),
            missing=h.say(
                "Funnel: every stage suppressed (fewer than k users).",
                "漏斗：所有阶段均被隐藏（少于 k 位用户）。",
            ),
        )
    weights = ", ".join(f"{value_name(k, h.lang)} {v:g}" for k, v in sorted(ov.weights.items()))
    lines = [
        h.say(
            "Findings: the overview scan (as `culturebridge overview --partner`) compares the "
            "demographic built-in segments with all users along kind, genre, style, colour, "
            "pattern and item; a preference is kept when its Benjamini–Hochberg adjusted p is "
            f"below {ov.config.alpha:g}, its 95% lift interval lies above 1 and the lift is at "
            f"least ×{ov.config.min_lift:g}; trends are Mann–Kendall tests on weekly shares; "
            "growth per week is a log-linear fit of the share.",
            "发现：概览扫描（同 `culturebridge overview --partner`）将内置人口细分人群与全体用户在"
            "类型、题材、风格、颜色、图案和条目上进行比较；当 Benjamini–Hochberg 校正后的 p 值低于 "
            f"{ov.config.alpha:g}、提升度的 95% 区间高于 1 且提升度至少为 ×{ov.config.min_lift:g} "
            "时保留该偏好；趋势采用每周份额的 Mann–Kendall 检验，每周增长为份额的对数线性拟合。",
        ),
        h.say(
            "Engagement is weighted by event type (a rating by its stars): ",
            "互动按行为类型加权（评分按星级）：",
        )
        + weights,  # fmt: skip
        *(
            h.say(f"Segment {name}: {d}", f"细分人群 {name}：{ov.segments_zh.get(name, d)}")
            for name, d in ov.segments.items()
        ),
        *(
            h.say("Privacy", "隐私") + f" ({_what(p.what, h.lang)}): {h.note(p.note)}"
            for p in ov.privacy
        ),
        *(h.say("Not computed", "未计算") + f": {s}" for s in ov.skipped),
    ]
    h.method(lines)


_DIMS_ZH = {
    "kind": "类型",
    "genre": "题材",
    "item": "条目",
    "partner": "合作方",
    "attributes.style": "风格",
    "attributes.colour": "颜色",
    "attributes.pattern": "图案",
    "attributes.category": "品类",
}


def _what(text: str, lang: str) -> str:
    """What a privacy note is about ("preferences gen_z vs all by kind") in `lang`."""
    if lang != "zh":
        return text

    def dim(d: str) -> str:
        return _DIMS_ZH.get(d, d)

    rules: list[tuple[str, Callable[[re.Match[str]], str]]] = [
        (r"^preferences (\S+) vs (\S+) by (\S+)$",
         lambda m: f"偏好：{m[1]} 对比 {'全体' if m[2] == 'all' else m[2]}，按{dim(m[3])}"),
        (r"^trends by (\S+): weekly cells$", lambda m: f"按{dim(m[1])}的趋势：每周单元格"),
        (r"^trends by (\S+): per value$", lambda m: f"按{dim(m[1])}的趋势：每个取值"),
        (r"^reach per week$", lambda m: "每周触达"),
        (r"^funnel (\S+) vs all$", lambda m: f"漏斗：{m[1]} 对比全体"),
        (r"^audience of (\S+)$", lambda m: f"{m[1]} 的受众"),
    ]  # fmt: skip
    for pattern, say in rules:
        m = re.match(pattern, text)
        if m:
            return say(m)
    return text


def segment_label_text(ov: Overview, name: str) -> str:
    return ov.segments.get(name, name) if name != ALL else "all users"


def _catalogue(h: _Html, r: PartnerReport) -> None:
    shown = r.items[:15]
    k = r.scope.k
    if r.partner != PLATFORM:
        intro = h.say(
            f"{len(r.items)} titles; the {len(shown)} with the most engaged users are listed.",
            f"共 {len(r.items)} 部作品；列出参与用户最多的 {len(shown)} 部。",
        )
    else:
        intro = h.say(
            f"{len(r.items)} items on the platform; the {len(shown)} with the most engaged users "
            "are listed.",
            f"平台上共 {len(r.items)} 个条目；列出参与用户最多的 {len(shown)} 个。",
        )
    h.add(f"<p>{e(intro)}</p>")
    first, second = ("中文标题", "title") if h.lang == "zh" else ("title", "中文标题")
    hidden = h.say(f"< {k} (suppressed)", f"< {k}（已隐藏）")
    h.table(
        [h.say("item", "条目"), first, second, h.say("kind", "类型"),
         h.say("engaged users", "参与用户")],
        [
            [
                i.item_id,
                (i.title_zh if h.lang == "zh" else i.title_en) or "—",
                (i.title_en if h.lang == "zh" else i.title_zh) or "—",
                value_name(i.kind, h.lang) if i.kind else "—",
                f"{i.users:,}" if i.users is not None else hidden,
            ]
            for i in shown
        ],
        {4},
    )  # fmt: skip
    h.method(
        [
            h.say(
                "Engaged users: distinct users with any event on the item over the period.",
                "参与用户：在所选期间内对该条目有任何行为的不同用户数。",
            ),
            h.say("Privacy (engaged users per item)", "隐私（每个条目的参与用户）")
            + f": {h.note(r.items_privacy)}",
        ]
    )


def _audiences(h: _Html, r: PartnerReport) -> None:
    for a in r.audiences:
        name = r.title_of(a.item_id, h.lang)
        h.add(f"<h3>{e(name)}</h3>")
        top = a.top("age_band")
        if top is not None and top.lift is not None:
            h.add(
                "<p>"
                + e(
                    h.say(
                        f"Over-represented: the {top.value} age band, ×{top.lift:.1f} its share "
                        "of all engagement.",
                        f"占比偏高：{top.value} 岁年龄段，为其在全部互动中份额的 ×{top.lift:.1f}。",
                    )
                )
                + "</p>"
            )
        h.chart(
            charts.audience_bars(a),
            h.say(
                f"Share of the engagement with {name} by age band, against all engagement.",
                f"{name}的互动按年龄段的份额，对比全部互动。",
            ),
            missing=h.say(
                f"{name}: every age band suppressed (fewer than k users).",
                f"{name}：所有年龄段均被隐藏（少于 k 位用户）。",
            ),
        )
    h.method(
        [
            h.say(
                "Audience profile (as `culturebridge audience --item`): each age band's share of "
                "the item's weighted engagement against its share of all engagement; lift = item "
                "share / base share, with Benjamini–Hochberg adjusted tests.",
                "受众画像（同 `culturebridge audience --item`）：各年龄段在该条目加权互动中的份额，"
                "对比其在全部互动中的份额；提升度 = 条目份额 / 基准"
                "份额，检验经 Benjamini–Hochberg 校正。",
            ),
            h.say(
                f"Age bands come from birth year at the reference date {r.scope.reference_date}.",
                f"年龄段按参考日期 {r.scope.reference_date} 时的出生年份计算。",
            ),
            *(
                h.say("Privacy", "隐私") + f" ({a.item_id}): {h.note(a.privacy.note())}"
                for a in r.audiences
            ),
        ]
    )


def _dim_noun(h: _Html, d: str) -> str:
    if h.lang == "zh":
        return {"item": "作品", "kind": "类型", "genre": "题材"}.get(d, d)
    return {"item": "title", "kind": "kind", "genre": "genre"}.get(d, d)


def _segment_name(h: _Html, r: PartnerReport, name: str) -> str:
    if h.lang != "zh" or r.overview is None:
        return name
    return r.overview.segments_zh.get(name) or r.segments_zh.get(name) or name


def _preferences(h: _Html, r: PartnerReport, labels: dict[str, str]) -> None:
    for p in r.preferences:
        if not has_rows(p):
            continue
        other = h.say("(other partners' items)", "（其他合作方的条目）")
        lbl = {**{v: value_name(v, h.lang) for v in (x.value for x in p.rows)}, **labels}
        lbl[OTHER_PARTNERS] = other
        who = _segment_name(h, r, p.segment)
        noun = _dim_noun(h, p.dimension)
        h.add(f"<h3>{e(h.say(f'{p.segment} by {noun}', f'{who}：按{noun}'))}</h3>")
        sig = [
            x for x in p.rows if x.significant and (x.ci_low or 0) > 1 and x.value != OTHER_PARTNERS
        ]
        if sig:
            best = max(sig, key=lambda x: x.lift or 0)
            what = lbl.get(best.value, best.value)
            assert best.ci_low is not None and best.ci_high is not None
            h.add(
                "<p>"
                + e(
                    h.say(
                        f"{p.segment_definition} over-index most on {what}: ×{best.lift:.2f} "
                        f"against all users (95% CI {best.ci_low:.2f}–{best.ci_high:.2f}).",
                        f"{who}最偏好{what}：提升度 ×{best.lift:.2f}（对比全体用户，95% 置信区间 "
                        f"{best.ci_low:.2f}–{best.ci_high:.2f}）。",
                    )
                )
                + "</p>"
            )
        h.chart(
            charts.preference_bars(p, lbl),
            h.say(
                f"Lift of {p.segment} against all users by {noun} (the 12 largest; blue: the "
                "whole 95% interval above 1).",
                f"{who}对比全体用户按{noun}的提升度（前 12 项；蓝色：95% 区间整体高于 1）。",
            ),
            missing=h.say("Every value suppressed.", "所有取值均被隐藏。"),
        )
    h.method(
        [
            h.say(
                "Preferences (as `culturebridge prefs -s SEGMENT --by DIM`): the segment's share "
                "of weighted engagement per value against all users' share; lift with a "
                "user-clustered 95% interval, Benjamini–Hochberg adjusted.",
                "偏好（同 `culturebridge prefs -s "
                "细分人群 --by 维度`）：该人群各取值的加权互动份额，"
                "对比全体用户的份额；提升度含按用户聚类的 95% 区间，经 Benjamini–Hochberg 校正。",
            ),
            *(
                h.say(f"Segment {s}: {d}", f"细分人群 {s}：{_segment_name(h, r, s)}")
                for s, d in r.key_segments.items()
            ),
            *(
                h.say("Privacy", "隐私") + f" ({p.segment}, {p.dimension}): "
                f"{h.note(p.privacy.note())}"
                for p in r.preferences
            ),
        ]
    )


def _trends(h: _Html, r: PartnerReport, labels: dict[str, str]) -> None:
    t = r.item_trends
    notes: list[str] = []
    if t is not None and t.rows:
        rows = [x for x in t.rows if x.value != OTHER_PARTNERS and not x.suppressed]
        rows.sort(key=lambda x: -(x.users or 0))
        lbl = (
            labels
            if t.dimension == "item"
            else {v: value_name(v, h.lang) for v in (x.value for x in t.rows)}
        )
        series = [(lbl.get(x.value, x.value), x) for x in top_rows(t)]
        noun = (
            h.say("your titles", "您的作品")
            if t.dimension == "item"
            else h.say("each kind", "各类型")
        )
        h.add(
            "<h3>"
            + e(h.say(f"Weekly share of all engagement: {noun}", f"全部互动中的每周份额：{noun}"))
            + "</h3>"
        )
        sig = [x for x in rows if x.significant and x.relative_change is not None]
        if sig:
            h.add("<ul>")
            moving = {"rising": "上升", "falling": "下降", "flat": "平稳"}
            for x in sorted(sig, key=lambda x: -abs(x.relative_change or 0))[:5]:
                g = x.growth_rate if x.growth_rate is not None else x.relative_change or 0
                h.add(
                    f"<li>{e(lbl.get(x.value, x.value))}: "
                    + e(
                        h.say(
                            f"{x.direction} {g:+.1%} a week", f"每周{moving[x.direction]} {g:+.1%}"
                        )
                    )
                    + "</li>"
                )
            h.add("</ul>")
        h.chart(
            charts.trend_lines(series, forecast=True),
            h.say(
                f"Weekly share of all users' weighted engagement for {noun} with the most "
                "engaged users; dashed: forecast with its 80% band.",
                f"参与用户最多的{noun}在全体用户加权互动中的每周份额；虚线：预测及其 80% 区间。",
            ),
            missing=h.say("Every week suppressed.", "所有周均被隐藏。"),
        )
        notes += [
            h.say(
                f"Trends by {t.dimension}: Mann–Kendall test per series (Benjamini–Hochberg); "
                "growth per week: log-linear fit of the share; damped-trend forecast.",
                f"按{_dim_noun(h, t.dimension)}的趋势：每条序列做 "
                "Mann–Kendall 检验（Benjamini–Hochberg 校正）；"
                "每周增长：份额的对数线性拟合；阻尼趋势预测。",
            ),
            h.say("Privacy (weekly cells)", "隐私（每周单元格）") + f": {h.note(t.privacy.note())}",
            h.say("Privacy (per value)", "隐私（每个取值）")
            + f": {h.note(t.value_privacy.note())}",
        ]
    ov = r.overview
    if ov is not None and ov.trend_series:
        h.add(
            "<h3>"
            + e(h.say("Market trends: the strongest rising and falling values (all users)",
                      "市场趋势：上升与下降最明显的取值（全体用户）"))
            + "</h3>"
        )  # fmt: skip
        h.chart(
            charts.trend_lines([(s.label, s.row) for s in ov.trend_series]),
            h.say(
                "Weekly share of engagement for the values moving fastest on the platform; "
                "dashed: forecast with its 80% band.",
                "平台上变化最快的取值的每周互动份额；虚线：预测及其 80% 区间。",
            ),
            missing=h.say("Every week suppressed.", "所有周均被隐藏。"),
        )
        notes.append(
            h.say(
                "Market trends: the overview's strongest significant rising and falling values "
                "(genre tags that repeat an attribute value are drawn as the attribute).",
                "市场趋势：概览中最显著的上升与下降取值（与属性值重复的题材标签按属性绘制）。",
            )
        )
    h.method(notes)


def _fashion(h: _Html, r: PartnerReport) -> None:
    f = r.fashion
    assert f is not None
    who = _segment_name(h, r, f.segment)
    base = h.say(f.baseline_definition, "全体用户" if f.baseline == ALL else f.baseline_definition)
    h.add(
        "<p>"
        + e(
            h.say(
                f"{f.segment_label} ({f.segment}) against {base}: what this audience "
                "over-indexes on, by attribute.",
                f"{who}（{f.segment}）对比{base}：这一受众按属性偏好的取值。",
            )
        )
        + "</p>"
    )
    for attr in ("category", "colour", "pattern", "style"):
        rows = [
            x
            for x in f.rows
            if x.attribute == attr
            and x.source == "catalogue"
            and not x.suppressed
            and x.preference.lift is not None
        ]
        if not rows:
            continue
        rows.sort(key=lambda x: -(x.preference.lift or 0))
        if h.lang == "zh":
            bars = [(x.label_zh or x.label, x.preference) for x in rows]
        else:
            bars = [
                (x.label + (f" ({x.label_zh})" if x.label_zh else ""), x.preference) for x in rows
            ]
        attr_name = ATTRIBUTE_NAMES.get(attr, (attr, attr))[1 if h.lang == "zh" else 0]
        h.add(f"<h3>{e(attr_name)}</h3>")
        h.chart(
            charts.lift_bars(bars[:10]),
            h.say(
                f"Lift of {f.segment} against {f.baseline} by {attr} (catalogue attributes).",
                f"{who}对比{base}按{attr_name}的提升度（目录属性）。",
            ),
            missing=h.say("Every value suppressed.", "所有取值均被隐藏。"),
        )
    movers = [x for x in f.rows if x.trend is not None and x.trend.significant and not x.suppressed]
    movers.sort(key=lambda x: -abs(x.growth.rate or 0))
    if movers:
        h.add(f"<h3>{e(h.say(f'Movers in {f.segment}', f'{who}中变化明显的取值'))}</h3><ul>")
        moving = {"rising": "上升", "falling": "下降", "flat": "平稳"}
        for x in movers[:6]:
            if h.lang == "zh":
                rate = x.growth.rate or 0
                text = f"{x.label_zh or x.label}：每周{moving[x.direction]} {rate:+.1%}"
            else:
                text = x.sentence or x.label
            h.add(f"<li>{e(text)}</li>")
        h.add("</ul>")
        h.chart(
            charts.trend_lines(
                [
                    (
                        x.label_zh or x.label if h.lang == "zh" else f"{x.attribute}: {x.label}",
                        x.trend,
                    )
                    for x in movers[:5]
                    if x.trend
                ],
                forecast=False,
            ),
            h.say(
                f"Weekly share within {f.segment}'s fashion engagement for the significant movers.",
                f"显著变化取值在{who}时尚互动中的每周份额。",
            ),
            missing=h.say("Every week suppressed.", "所有周均被隐藏。"),
        )
    products = [i for i in r.items if i.kind == "fashion"]
    if products and r.partner != PLATFORM:
        h.add(f"<h3>{e(h.say('Your products', '您的产品'))}</h3>")
        attrs = ("category", "colour", "pattern", "style")
        names = [ATTRIBUTE_NAMES[a][1 if h.lang == "zh" else 0] for a in attrs]
        first, second = ("中文标题", "title") if h.lang == "zh" else ("title", "中文标题")
        h.table(
            [h.say("item", "条目"), first, second, *names, h.say("engaged users", "参与用户")],
            [
                [
                    i.item_id,
                    (i.title_zh if h.lang == "zh" else i.title_en) or "—",
                    (i.title_en if h.lang == "zh" else i.title_zh) or "—",
                    *(
                        value_name(i.attributes[a], h.lang) if a in i.attributes else "—"
                        for a in attrs
                    ),
                    f"{i.users:,}" if i.users is not None else h.say("suppressed", "已隐藏"),
                ]
                for i in products[:20]
            ],
            {7},
        )
    h.method(
        [
            h.say(
                "Fashion trends (as `culturebridge fashion trends --segment "
                f"{f.segment}`): the segment's share of engagement with fashion items per "
                "attribute value against the baseline, lift with a user-clustered interval "
                f"(Benjamini–Hochberg at {f.alpha:g}); trends are Mann–Kendall per {f.period}, "
                "growth a log-linear fit of the share.",
                "时尚趋势（同 `culturebridge fashion tren"
                f"ds --segment {f.segment}`）：该人群在各属性"
                "取值上的时尚条目互动份额，对比基准；提升度含按用户聚类的区间（Benjamini–Hochberg，"
                f"{f.alpha:g}）；趋势为每{'周' if f.period == 'week' else f.period}"
                "的 Mann–Kendall 检验，"
                "增长为份额的对数线性拟合。",
            ),
            h.say("Sources", "数据来源")
            + f": {', '.join(f.sources)}"
            + (f"; {h.say('left out', '未包含')}: {'; '.join(f.skipped)}" if f.skipped else ""),
            h.say(f"Segment {f.segment}: {f.segment_definition}", f"细分人群 {f.segment}：{who}"),
            *(
                h.say("Privacy", "隐私") + f" ({n.what}): {h.note(n.report.note())}"
                for n in f.privacy
            ),
        ]
    )


def _social(h: _Html, r: PartnerReport) -> None:
    m = r.mentions
    assert m is not None
    rows = [x for x in m.rows if x.item_id != OTHER_PARTNERS and x.posts and not x.suppressed]
    rows.sort(key=lambda x: -(x.posts or 0))
    h.add(
        "<p>"
        + e(
            h.say(
                f"{m.posts:,} posts read; {m.linked_posts:,} name at least one item in scope.",
                f"共读取 {m.posts:,} 条帖子，其中 {m.linked_posts:,} 条提及至少一个范围内的条目。",
            )
        )
        + "</p>"
    )
    h.chart(
        charts.count_bars(
            [(r.title_of(x.item_id, h.lang), float(x.posts or 0)) for x in rows[:12]],
            x_title="posts naming the item",
        ),
        h.say(
            "Posts naming each of the most-mentioned items (Chinese or English title, alias or "
            "pinyin).",
            "提及最多的条目各自的帖子数（中文或英文标题、别名或拼音）。",
        ),
        missing=h.say(
            "No item's mentions could be published (fewer than k authors).",
            "没有可发布的条目提及数据（少于 k 位作者）。",
        ),
    )
    s = r.sentiment
    notes = [
        h.say(
            "Mentions (as `culturebridge social mentions`): posts linked to items by title, alias "
            "and pinyin forms; each item is one privacy cell counted in distinct authors.",
            "提及（同 `culturebridge social mentions`）：按标题、别名和拼音将帖子关联到条目；"
            "每个条目为一个隐私单元格，按不同作者计数。",
        ),
        h.say("Privacy (mentions)", "隐私（提及）") + f": {h.note(m.privacy.note())}",
    ]
    if s is not None:
        drawn = r.sentiment_monthly or s
        unit = drawn.period
        unit_zh = {"week": "周", "month": "月", "day": "日"}.get(unit, unit)
        top = [x.item_id for x in rows[:4]]
        series = []
        for item in top:
            cells = sorted(
                (c for c in drawn.cells if c.item_id == item), key=lambda c: c.period_start
            )
            if cells:
                points = [(c.period_start.isoformat(), c.negative_share) for c in cells]
                series.append((r.title_of(item, h.lang), points))
        h.add(
            "<h3>"
            + e(h.say(f"Negative share of posts per {unit}", f"每{unit_zh}负面帖子占比"))
            + "</h3>"
        )
        platform = drawn.platform_negative_share
        h.chart(
            charts.weekly_lines(series, y_title="negative share of posts", percent=True),
            h.say(
                f"Share of each {unit}'s posts naming the item that read as negative; gaps: "
                f"{unit}s suppressed (fewer than k authors)."
                + (
                    f" Platform-wide: {_pct(platform)} of linked posts."
                    if platform is not None
                    else ""
                ),
                f"每{unit_zh}提及该条目的帖子中负面帖子的占比；"
                f"空缺：被隐藏的{unit_zh}（少于 k 位作者）。"
                + (f"全平台：关联帖子的 {_pct(platform)}。" if platform is not None else ""),
            ),
            missing=h.say(
                f"No {unit}ly sentiment could be published for the most-mentioned items.",
                f"提及最多的条目没有可发布的每{unit_zh}情绪数据。",
            ),
        )
        if s.alerts:
            h.add(f"<h3>{e(h.say('Alerts', '预警'))}</h3>")
            h.table(
                [h.say("week", "周"), h.say("item", "条目"), h.say("posts", "帖子数"),
                 h.say("negative", "负面占比"), h.say("baseline", "基准")],
                [
                    [
                        a.period_start.isoformat(),
                        r.title_of(a.item_id, h.lang),
                        a.posts,
                        _pct(a.negative_share),
                        _pct(a.baseline_share),
                    ]
                    for a in s.alerts
                ],
                {2, 3, 4},
            )  # fmt: skip
        else:
            h.add(
                '<p class="note">'
                + e(h.say(f"No sentiment alert among {s.tested} item-weeks tested.",
                          f"在检验的 {s.tested} 个条目周中没有情绪预警。"))
                + "</p>"
            )  # fmt: skip
        notes += [
            h.say(
                "Sentiment (as `culturebridge social alerts`): each post scored by the shipped "
                "Chinese sentiment model (character n-grams with an emoji and slang lexicon); an "
                "alert is a week whose negative share rises significantly above the item's own "
                f"baseline (alpha {s.config.alpha:g}, at least {s.config.min_posts} posts).",
                "情绪（同 `culturebridge social aler"
                "ts`）：每条帖子由内置的中文情绪模型打分（字符 n-gram，"
                "含表情与网络用语词典）；当某周负面占比显著高于该条目自身基准时发出预警"
                f"（alpha {s.config.alpha:g}，至少 {s.config.min_posts} 条帖子）。",
            ),
            h.say("Privacy (weekly sentiment cells)", "隐私（每周情绪单元格）")
            + f": {h.note(s.privacy.note())}",
            *(
                [
                    h.say("Privacy (monthly sentiment cells)", "隐私（每月情绪单元格）")
                    + f": {h.note(r.sentiment_monthly.privacy.note())}"
                ]
                if r.sentiment_monthly is not None
                else []
            ),
        ]
    h.method(notes)


def _campaigns(h: _Html, r: PartnerReport) -> None:
    notes: list[str] = []
    zh = h.lang == "zh"
    for rep in r.campaigns:
        an = rep.analysis
        h.add(f"<h3>{e(rep.name or rep.campaign_id)} <small>({e(rep.campaign_id)})</small></h3>")
        when = ""
        if rep.start and rep.end:
            when = h.say(
                f"{rep.start.date()} to {rep.end.date()}, ",
                f"{rep.start.date()} 至 {rep.end.date()}，",
            )
        srm = h.say(
            an.srm.message,
            "样本比例检查："
            + ("存在不匹配" if an.srm.flagged else "未发现不匹配")
            + f"（p = {an.srm.p_value:.3g}）。",
        )
        h.add(
            "<p>"
            + e(
                when
                + h.say(f"{rep.units:,} users randomised. ", f"随机分组用户 {rep.units:,} 位。")
            )
            + e(srm)
            + "</p>"
        )
        rows = []
        for c in an.comparisons:
            kind = next((m.kind for m in an.metrics if m.metric == c.metric), "binary")
            lift = (
                "—"
                if c.lift is None
                else (f"{c.lift * 100:+.2f} pp" if kind == "binary" else f"{c.lift:+,.2f}")
            )
            ci = "" if c.ci_low is None or c.ci_high is None else (
                f"{c.ci_low * 100:+.2f} to {c.ci_high * 100:+.2f}" if kind == "binary"
                else f"{c.ci_low:+,.2f} to {c.ci_high:+,.2f}"
            )  # fmt: skip
            if zh:
                ci = ci.replace(" to ", " 至 ")
            p = (
                "—"
                if c.p_value is None
                else ("<0.0001" if c.p_value < 1e-4 else f"{c.p_value:.4f}")
            )
            arms = h.say(
                f"{c.arm} vs {an.settings.control}",
                f"{value_name(c.arm, 'zh')} 对比 {value_name(an.settings.control, 'zh')}",
            )
            metric_label = (
                value_name(c.metric, h.lang)
                if zh
                else c.metric
                + (" (CNY per user)" if c.metric == "revenue" and rep.campaign_id else "")
            )
            rows.append([metric_label, arms, lift, ci, p])
        h.table(
            [h.say("metric", "指标"), h.say("arms", "组别"), h.say("lift", "提升"),
             h.say("95% CI", "95% 置信区间"), "p"],
            rows,
            set(),
        )  # fmt: skip
        h.chart(
            charts.campaign_arm_bars(rep),
            h.say(
                "Mean per user in each arm, with 95% intervals.", "各组人均值，含 95% 置信区间。"
            ),
            missing=h.say("No arm could be published.", "没有可发布的组别。"),
        )
        kinds = {m.metric: m.kind for m in an.metrics}
        sig = [t for t in an.segments if t.significant and not t.suppressed]
        if sig:
            h.add(
                "<p>"
                + e(
                    h.say(
                        "Segments where the campaign worked (significant after "
                        f"{an.settings.correction} correction):",
                        f"活动有效的细分人群（经 {an.settings.correction} 校正后显著）：",
                    )
                )
                + "</p><ul>"
            )
            for m in kinds:
                rows_m = sorted((t for t in sig if t.metric == m), key=lambda t: -(t.lift or 0))
                for t in rows_m[:SEGMENTS_LISTED]:
                    h.add(f'<li class="sig">{e(_segment_effect(t, kinds[m], h.lang))}</li>')
                if len(rows_m) > SEGMENTS_LISTED:
                    more = len(rows_m) - SEGMENTS_LISTED
                    h.add(
                        "<li>"
                        + e(
                            h.say(
                                f"… {more} more for {m}", f"… {value_name(m, 'zh')}还有 {more} 项"
                            )
                        )
                        + "</li>"
                    )
            h.add("</ul>")
        else:
            h.add(
                '<p class="note">'
                + e(h.say("No segment shows a significant effect after correction.",
                          "校正后没有细分人群显示出显著效果。"))
                + "</p>"
            )  # fmt: skip
        metric = next((m.metric for m in an.metrics if m.metric == "conversion"), None) or (
            an.metrics[0].metric if an.metrics else None
        )
        dims = list(dict.fromkeys(t.dimension for t in an.segments))
        for d in dims:
            if metric is None:
                break
            metric_name, dim_name = value_name(metric, h.lang), _dimension_name(d, h.lang)
            h.chart(
                charts.campaign_segment_bars(rep, metric=metric, dimension=d),
                h.say(
                    f"Lift in {metric} by {d} (green: significant after correction), with 95% "
                    "intervals.",
                    f"按{dim_name}的{metric_name}提升（绿色：校正后显著），含 95% 置信区间。",
                ),
                missing=h.say(
                    f"{d}: every segment suppressed (fewer than {an.settings.min_cell} users).",
                    f"{dim_name}：所有细分均被隐藏（少于 {an.settings.min_cell} 位用户）。",
                ),
            )
        suppressed = sum(1 for t in an.segments if t.suppressed)
        metrics = ", ".join(m.metric for m in an.metrics)
        notes += [
            h.say(
                f"{rep.campaign_id} (as `culturebridge campaign report --campaign "
                f"{rep.campaign_id}`): users as randomised (intention to treat), metrics per user "
                f"over the campaign window ({metrics}; revenue in CNY); lifts with 95% intervals "
                f"against the control arm '{an.settings.control}', CUPED on a {rep.pre_days}-day "
                "pre-period where available.",
                f"{rep.campaign_id}（同 `culturebridge campai"
                f"gn report --campaign {rep.campaign_id}`）："
                f"按随机分组分析（意向性分析），活动期内的人均指标（{metrics}；收入以人民币计）；"
                f"对比对照组“{an.settings.control}”的提升"
                f"及 95% 区间，可用时以 {rep.pre_days} 天前期"
                "数据做 CUPED。",
            ),
            h.say(
                f"Sample-ratio check: chi-square p={an.srm.p_value:.3g} (flag below "
                f"{an.srm.threshold:g}).",
                f"样本比例检查：卡方 p={an.srm.p_value:.3g}（低于 {an.srm.threshold:g} 时标记）。",
            ),
            h.say(
                f"Segments: {', '.join(dims)}; {an.settings.correction} correction at alpha "
                f"{an.settings.alpha:g}; cells below {an.settings.min_cell} users suppressed "
                f"({suppressed} of {len(an.segments)} segment tests).",
                f"细分维度：{'、'.join(_dimension_name(d, 'zh') for d in dims)}"
                f"；{an.settings.correction} "
                f"校正，alpha {an.settings.alpha:g}；少于"
                f" {an.settings.min_cell} 位用户的单元格已隐藏"
                f"（{len(an.segments)} 项细分检验中的 {suppressed} 项）。",
            ),
        ]
        if rep.dropped:
            notes.append(
                h.say("Left out: ", "未包含：")
                + ", ".join(f"{k}: {v:,}" for k, v in rep.dropped.items())
            )
    h.method(notes)


def _dimension_name(d: str, lang: str) -> str:
    if lang != "zh":
        return d
    return {"age_band": "年龄段", "gender": "性别", "city_tier": "城市等级", "platform": "平台",
            "province": "省份"}.get(d, d)  # fmt: skip


def _segment_effect(t: SegmentTest, kind: str, lang: str = "en") -> str:
    """ "conversion, age_band 25-34: +10.7 pp (95% CI +8.8 to +12.5; 5.2% → 15.9%)"."""
    lift, lo, hi = t.lift or 0.0, t.ci_low or 0.0, t.ci_high or 0.0
    to = " 至 " if lang == "zh" else " to "
    ci = "95% 置信区间 " if lang == "zh" else "95% CI "
    if kind == "binary":
        effect = f"{lift * 100:+.1f} pp ({ci}{lo * 100:+.1f}{to}{hi * 100:+.1f}"
        means = f"{_pct(t.control_mean)} → {_pct(t.arm_mean)}"
    else:
        effect = f"{lift:+,.2f} ({ci}{lo:+,.2f}{to}{hi:+,.2f}"
        means = f"{t.control_mean or 0:,.2f} → {t.arm_mean or 0:,.2f}"
    if lang == "zh":
        segment = value_name(t.segment, "zh")
        return (
            f"{value_name(t.metric, 'zh')}，{_dimension_name(t.dimension, 'zh')} {segment}："
            f"{effect}；{means}）"
        )
    return f"{t.metric}, {t.dimension} {t.segment}: {effect}; {means})"


def _localisation(h: _Html, r: PartnerReport) -> None:
    q = r.localise
    assert q is not None
    h.add(
        "<p>"
        + e(
            h.say(
                f"{q.items} items checked: {len(q.missing)} missing Chinese texts, "
                f"{len(q.inconsistencies)} terminology problems, {len(q.too_long)} texts over "
                "the interface limits.",
                f"已检查 {q.items} 个条目：缺少中文文本 {len(q.missing)} 处，术语问题 "
                f"{len(q.inconsistencies)} 处，超出界面长度限制 {len(q.too_long)} 处。",
            )
        )
        + "</p>"
    )
    item, field = h.say("item", "条目"), h.say("field", "字段")
    if q.missing:
        h.add(f"<h3>{e(h.say('Missing Chinese text', '缺少中文文本'))}</h3>")
        h.table(
            [item, h.say("title", "标题"), field],
            [[m["item_id"], m["title"], m["field"]] for m in q.missing[:15]],
            set(),
        )
    if q.inconsistencies:
        h.add(f"<h3>{e(h.say('Terminology', '术语'))}</h3>")
        h.table(
            [item, field, h.say("term", "术语"), h.say("expected", "应为"),
             h.say("problem", "问题"), h.say("found", "实际")],
            [
                [x["item_id"], x["field"], x["term"], x["expected"], x["problem"], x["found"]]
                for x in q.inconsistencies[:15]
            ],
            set(),
        )  # fmt: skip
    if q.too_long:
        h.add(f"<h3>{e(h.say('Too long for the interface', '超出界面长度'))}</h3>")
        h.table(
            [item, field, h.say("length", "长度"), h.say("limit", "上限")],
            [[x["item_id"], x["field"], x["length"], x["limit"]] for x in q.too_long[:15]],
            {2, 3},
        )
    limits = ", ".join(f"{k} {v}" for k, v in q.limits.items())
    h.method(
        [
            h.say(
                "As `culturebridge localise check`: the catalogue's titles and descriptions "
                "against the workspace's termbase (user terms, titles, partner names, packaged "
                f"glossary, fashion lexicon) and the interface limits {limits} characters.",
                "同 `culturebridge localise chec"
                "k`：按工作区术语库（用户术语、标题、合作方名称、内置术语表、"
                f"时尚词典）及界面长度限制（{limits} 个字符）检查目录中的标题与描述。",
            ),
            h.say(
                "Catalogue text only: no user data is involved, so no privacy threshold applies.",
                "仅涉及目录文本，不含用户数据，因此不适用隐私阈值。",
            ),
        ]
    )


def _esports(h: _Html, r: PartnerReport) -> None:
    for lb in r.leaderboards:
        matches = h.say(f"{lb.matches:,} matches", f"{lb.matches:,} 场比赛")
        h.add(f"<h3>{e(lb.game)} <small>({e(matches)})</small></h3>")
        h.chart(
            charts.leaderboard_chart([(s.name, s.rating, s.sd) for s in lb.standings]),
            h.say(
                "Top players by the rating that ranks them, μ − 2σ (dot), with the range to "
                "μ + 2σ and the mean μ marked.",
                "按排名评分 μ − 2σ（圆点）排列的顶尖选手，线段延伸至 μ + 2σ，并标出平均评分 μ。",
            ),
            missing=h.say("Nobody with 10+ matches.", "没有比赛场次达到 10 场的选手。"),
        )
    h.method(
        [
            h.say(
                "As `culturebridge esports leaderboard`: the culturebridge rating model with its "
                "default settings, run online over every match in time order; players with at "
                f"least 10 matches, the top {LEADERBOARD_TOP} per game by rating − 2 sd.",
                "同 `culturebridge esports leaderboa"
                "rd`：culturebridge 评分模型（默认设置），按时间顺序"
                "在线处理每场比赛；至少 10 场比赛的选手，每个游戏按评分 "
                f"− 2 标准差取前 {LEADERBOARD_TOP} 名。",
            ),
            h.say(
                "Player handles as they appear in the matches table; no audience data is used.",
                "选手名称与比赛表一致；未使用任何受众数据。",
            ),
        ]
    )


# ---------------------------------------------------------------------------- files


class WrittenReport(BaseModel):
    html: str
    pdf: str | None = None
    sections: list[str]
    sha256: str
    bytes: int


def chromium_path() -> Path | None:
    """The Chromium that prints PDFs: $CULTUREBRIDGE_CHROMIUM, else `chromium` on PATH, else
    /usr/bin/chromium."""
    env = os.environ.get("CULTUREBRIDGE_CHROMIUM")
    if env:
        return Path(env) if Path(env).exists() else None
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return Path(found)
    default = Path("/usr/bin/chromium")
    return default if default.exists() else None


def chromium_args(user_data_dir: Path) -> list[str]:
    """Headless, offline-minded flags: no background networking, updates, sync or GPU."""
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-default-apps",
        "--disable-extensions",
        f"--user-data-dir={user_data_dir}",
        "--window-size=760,1100",
        "--run-all-compositor-stages-before-draw",
        "--virtual-time-budget=10000",
    ]


def write_pdf(html_path: Path, pdf_path: Path, *, timeout_s: float = 180.0) -> Path:
    """Print the HTML report to PDF with headless Chromium (charts drawn first)."""
    exe = chromium_path()
    if exe is None:
        raise UserError(
            "--pdf needs Chromium (not found: install the chromium package or set "
            f"CULTUREBRIDGE_CHROMIUM); the HTML report was written to {html_path}"
        )
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_pdf = pdf_path.with_name(f".{pdf_path.name}.{os.getpid()}.tmp")
    with tempfile.TemporaryDirectory(prefix="cb-chromium-") as profile:
        cmd = [
            str(exe),
            *chromium_args(Path(profile)),
            f"--print-to-pdf={tmp_pdf}",
            "--no-pdf-header-footer",
            html_path.resolve().as_uri(),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired:
            tmp_pdf.unlink(missing_ok=True)
            raise UserError(
                f"Chromium did not finish printing the PDF in {timeout_s:g} s; the HTML report "
                f"was written to {html_path}"
            ) from None
    if proc.returncode != 0 or not tmp_pdf.exists() or tmp_pdf.stat().st_size == 0:
        tmp_pdf.unlink(missing_ok=True)
        last = (proc.stderr.decode("utf-8", "replace").strip().splitlines() or [""])[-1]
        raise UserError(
            f"Chromium could not print the PDF (exit {proc.returncode}: {last[:200]}); the HTML "
            f"report was written to {html_path}"
        )
    tmp_pdf.replace(pdf_path)
    return pdf_path


def write_partner_report(
    ws: Workspace,
    released: Released[PartnerReport],
    output: Path,
    *,
    pdf: Path | None = None,
    lang: str = "en",
) -> WrittenReport:
    """Write the HTML (atomically, in `lang`: en or zh), optionally its PDF, and log the
    export to the audit log."""
    from culturebridge.privacy import audit, who

    if output.suffix.lower() not in (".html", ".htm"):
        raise UserError(f"--output: expected an .html file, not {output}")
    text = partner_report_html(released, lang)
    report = released.value
    data = text.encode("utf-8")
    path = write_report_file(output, text)
    digest = hashlib.sha256(data).hexdigest()
    entry: dict[str, Any] = {
        "ts": datetime.now(UTC).isoformat(timespec="seconds"),
        "channel": "report",
        "who": who(),
        "command": "report",
        "kind": "report",
        "partner": report.partner,
        "params": {"sections": report.sections, "lang": lang},
        "k": report.scope.k,
        "path": str(path.resolve()),
        "rows": len(report.sections),
        "sha256": digest,
        "status": "exported",
    }
    audit(ws.root, entry)
    written_pdf = None
    if pdf is not None:
        written_pdf = write_pdf(path, pdf)
        pdf_digest = hashlib.sha256(written_pdf.read_bytes()).hexdigest()
        audit(
            ws.root,
            {**entry, "path": str(written_pdf.resolve()), "sha256": pdf_digest, "format": "pdf"},
        )
    return WrittenReport(
        html=str(path),
        pdf=str(written_pdf) if written_pdf is not None else None,
        sections=report.sections,
        sha256=digest,
        bytes=len(data),
    )


__all__ = [
    "WrittenReport",
    "chromium_path",
    "partner_report_html",
    "write_partner_report",
    "write_pdf",
]
