"""Reports: the strongest findings of a workspace, a self-contained HTML overview, and each
partner's report.

Each insight is a typed object (`Finding`, `Overview`, `PartnerReport`) that the CLI prints,
the API can serialise and the HTML report embeds; each HTML report is one file with inline CSS
and charts (SVG in the overview, Plotly.js inlined in the partner report, see `_charts`), so it
can be mailed to a partner and opened offline.
"""

from typing import TYPE_CHECKING

from culturebridge._lazy import lazy_getattr
from culturebridge.reports._charts import (
    chart,
    chart_html,
    count_bars,
    plotly_js,
    plotly_js_path,
    translate,
)
from culturebridge.reports._findings import (
    DEFAULT_DIMENSIONS,
    DEFAULT_SEGMENTS,
    Finding,
    FindingKind,
    FindingsConfig,
    FindingsScan,
    ItemTitle,
    scan,
    strongest_findings,
    value_label,
)
from culturebridge.reports._overview import (
    REPORT_FILE,
    Overview,
    PrivacyNote,
    TrendSeries,
    build_overview,
    overview_html,
    write_overview,
)

if TYPE_CHECKING:
    from culturebridge.reports._designer import (
        MOVERS,
        ExampleItem,
        example_items,
        example_key,
        write_designer_report,
    )
    from culturebridge.reports._partner import (
        PLATFORM,
        PartnerReport,
        build_partner_report,
        open_report_analysis,
    )
    from culturebridge.reports._partner_html import (
        WrittenReport,
        partner_report_html,
        write_partner_report,
        write_pdf,
    )

_LAZY = {
    **dict.fromkeys(
        ("MOVERS", "ExampleItem", "example_items", "example_key", "write_designer_report"),
        "culturebridge.reports._designer",
    ),
    **dict.fromkeys(
        ("PLATFORM", "PartnerReport", "build_partner_report", "open_report_analysis"),
        "culturebridge.reports._partner",
    ),
    **dict.fromkeys(
        ("WrittenReport", "partner_report_html", "write_partner_report", "write_pdf"),
        "culturebridge.reports._partner_html",
    ),
}
"""The partner and designer reports pull in social listening, fashion and localisation:
imported on first use, so every other command starts without them."""


__getattr__ = lazy_getattr(__name__, _LAZY)


__all__ = [
    "MOVERS",
    "ExampleItem",
    "example_items",
    "example_key",
    "write_designer_report",
    "DEFAULT_DIMENSIONS",
    "DEFAULT_SEGMENTS",
    "Finding",
    "FindingKind",
    "FindingsConfig",
    "FindingsScan",
    "ItemTitle",
    "Overview",
    "PLATFORM",
    "PartnerReport",
    "PrivacyNote",
    "REPORT_FILE",
    "TrendSeries",
    "WrittenReport",
    "build_overview",
    "build_partner_report",
    "chart",
    "chart_html",
    "open_report_analysis",
    "overview_html",
    "partner_report_html",
    "plotly_js",
    "plotly_js_path",
    "scan",
    "strongest_findings",
    "translate",
    "count_bars",
    "value_label",
    "write_overview",
    "write_partner_report",
    "write_pdf",
]
