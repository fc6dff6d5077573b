"""Schemathesis on the fashion, social and localise routes only: whatever a client sends that
the spec allows (or nearly allows), the answer is never a 5xx. (The whole spec is fuzzed by
`test_fuzz.py`; this runs the same cases on these routes as a fashion partner's key.)"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from culturebridge.api import create_app
from tests.api.conftest import Served

pytestmark = pytest.mark.slow

PREFIXES = ("/api/v1/fashion", "/api/v1/social", "/api/v1/localise")


@pytest.fixture(scope="module")
def api_schema(served: Served) -> Any:
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(served.ws.root))


@pytest.mark.parametrize("who", ["lfc", "platform"])
def test_no_server_errors(api_schema: Any, served: Served, who: str) -> None:
    ran = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith(PREFIXES):
            continue

        @given(case=operation.as_strategy())
        @settings(
            max_examples=10,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def one(case: Any) -> None:
            response = case.call(headers=served.auth(who), timeout=300)
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path} {case.query} -> "
                f"{response.status_code}: {response.text[:300]}"
            )

        one()
        ran += 1
    assert ran >= 10
