"""The REST API (FastAPI): every capability as resources, partner-scoped keys, rate limits and
an audit log. `create_app(DIR)` builds the app; `culturebridge serve DIR` runs it with the
dashboard."""

from culturebridge.api._app import API_PREFIX, create_app
from culturebridge.api._deps import AppState, Caller
from culturebridge.api._keys import KeyPublic, KeyRecord, KeyStore, NewKey, Scope, public
from culturebridge.privacy import PLATFORM

__all__ = [
    "public",
    "API_PREFIX",
    "PLATFORM",
    "AppState",
    "Caller",
    "KeyPublic",
    "KeyRecord",
    "KeyStore",
    "NewKey",
    "Scope",
    "create_app",
]
