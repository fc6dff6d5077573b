"""Reports: the strongest findings of a workspace and a self-contained HTML overview.

Each insight is a typed object (`Finding`, `Overview`) that the CLI prints, the API can
serialise and the HTML report embeds; the HTML is one file with inline CSS and SVG charts, so
it can be mailed to a partner and opened offline.
"""

from culturebridge.reports._findings import (
    DEFAULT_DIMENSIONS,
    DEFAULT_SEGMENTS,
    Finding,
    FindingKind,
    FindingsConfig,
    FindingsScan,
    ItemTitle,
    scan,
    segment_label,
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

__all__ = [
    "DEFAULT_DIMENSIONS",
    "DEFAULT_SEGMENTS",
    "Finding",
    "FindingKind",
    "FindingsConfig",
    "FindingsScan",
    "ItemTitle",
    "Overview",
    "PrivacyNote",
    "REPORT_FILE",
    "TrendSeries",
    "build_overview",
    "overview_html",
    "scan",
    "segment_label",
    "strongest_findings",
    "value_label",
    "write_overview",
]
