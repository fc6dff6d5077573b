"""Schemathesis against the API's own OpenAPI spec: whatever a client sends that the spec
allows (or nearly allows), the server answers with no 5xx. Run as a partner key and as the
platform's admin key (whose extra routes include ingest and key management)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from culturebridge.api import create_app
from tests.api.conftest import Served


@pytest.fixture(scope="module")
def api_schema(served: Served) -> Any:
    app = create_app(served.ws.root)
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


SETTINGS = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
)


def fuzz(schema: Any, headers: dict[str, str]) -> int:
    """Every operation of the spec, `SETTINGS.max_examples` generated cases each; returns how
    many operations ran. (Schemathesis' own pytest plugin does not run under this pytest, so
    its strategies are driven with Hypothesis directly.)"""
    ran = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @SETTINGS
        def one(case: Any) -> None:
            if case.method.upper() == "DELETE" and case.path.startswith("/api/v1/keys"):
                # revoking would take out the keys the other tests use
                case.path_parameters = {"key_id": "k_doesnotexist"}
            response = case.call(headers=headers, timeout=300)
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path} {case.query} -> "
                f"{response.status_code}: {response.text[:300]}"
            )

        one()
        ran += 1
    return ran


def test_no_server_errors_as_a_partner(api_schema: Any, served: Served) -> None:
    assert fuzz(api_schema, served.auth("albion")) >= 5


def test_no_server_errors_as_the_platform_admin(api_schema: Any, served: Served) -> None:
    assert fuzz(api_schema, served.auth("platform_admin")) >= 5
