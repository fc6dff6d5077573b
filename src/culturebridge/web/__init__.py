"""The dashboard: server-rendered pages in English and Chinese whose scripts draw the REST API's
results (with the signed-in key's scope) as tables and Plotly charts, all served locally."""

from culturebridge.web._i18n import LANGS, MESSAGES, translate, value_labels
from culturebridge.web._pages import COOKIE, PAGES, SETTLED, register

__all__ = [
    "COOKIE",
    "LANGS",
    "MESSAGES",
    "PAGES",
    "SETTLED",
    "register",
    "translate",
    "value_labels",
]
