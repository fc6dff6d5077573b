"""`Released`: only the release step makes one, and surfaces take nothing else."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from pydantic import BaseModel

from culturebridge.api._models import published
from culturebridge.config import PrivacyConfig
from culturebridge.privacy import GuardReport, Policy, Released, guard

ROOT = Path(__file__).resolve().parents[2]


class Result(BaseModel):
    rows: list[dict[str, object]]
    privacy: GuardReport


class Plain(BaseModel):
    rows: list[int]


def _policy(tmp_path: Path, k: int = 10) -> Policy:
    return Policy(PrivacyConfig(k=k), tmp_path)


def _guarded(policy: Policy) -> Result:
    g = policy.guard(pa.table({"value": ["a", "b"], "users": [50, 3]}))
    return Result(rows=g.to_pylist(), privacy=g.report)


def test_the_policy_seals_what_its_guard_released(tmp_path: Path) -> None:
    policy = _policy(tmp_path)
    out = policy.publish(_guarded(policy))
    assert isinstance(out, Released)
    assert out.value.rows[1]["users"] is None
    assert out.notes() == ["1 of 2 cells below k=10 users suppressed"]
    # a view of a released result (some rows, another envelope) stays released
    first = out.map(lambda r: r.rows[:1])
    assert first.value == out.value.rows[:1] and first.reports == out.reports
    # a copy made on the way (a cache, a top-n cut) keeps the guard's mark
    cut = out.value.model_copy(update={"rows": out.value.rows[:1]})
    assert policy.publish(cut).value.rows == cut.rows


def test_nothing_else_makes_a_released_result(tmp_path: Path) -> None:
    policy = _policy(tmp_path)
    result = _guarded(policy)
    with pytest.raises(TypeError, match="release step only"):
        Released(result, (result.privacy,), seal=object())
    with pytest.raises(TypeError, match="no guard report"):
        policy.publish(Plain(rows=[1, 2]))
    # a report written by hand, or by the bare guard function, was not issued by the policy
    forged = result.model_copy(
        update={
            "privacy": GuardReport(
                k=10, cells=2, suppressed=0, complementary=0, blanked_columns=["users"]
            )
        }
    )
    with pytest.raises(TypeError, match="did not issue"):
        policy.publish(forged)
    bare = guard(pa.table({"users": [50]}), k=10)
    with pytest.raises(TypeError, match="did not issue"):
        policy.publish(Result(rows=bare.to_pylist(), privacy=bare.report))
    # nor does a result parsed back from JSON (a report loses its mark when serialised)
    with pytest.raises(TypeError, match="did not issue"):
        policy.publish(Result.model_validate_json(result.model_dump_json()))
    # a result guarded with a smaller k cannot be published under a larger one
    with pytest.raises(TypeError, match="did not issue"):
        _policy(tmp_path, k=20).publish(result)


def test_a_route_that_returns_an_unreleased_result_fails(tmp_path: Path) -> None:
    policy = _policy(tmp_path)

    @published
    def good() -> Released[Result]:
        return policy.publish(_guarded(policy))

    @published
    def bad() -> Released[Result]:
        return _guarded(policy)  # type: ignore[return-value]

    assert good().rows[0]["users"] == 50
    with pytest.raises(TypeError, match="not Released"):
        bad()


@pytest.mark.skipif(shutil.which("mypy") is None and not (ROOT / ".venv/bin/mypy").exists(),
                    reason="mypy is not installed")  # fmt: skip
def test_publishing_an_unguarded_result_is_a_type_error(tmp_path: Path) -> None:
    """The surfaces' signatures make skipping the release step a mypy error (strict mode)."""
    snippet = tmp_path / "surface.py"
    snippet.write_text(
        "from culturebridge.analytics import PreferencesResult\n"
        "from culturebridge.cli._analytics import emit\n"
        "from culturebridge.reports import write_designer_report\n"
        "from culturebridge.fashion import FashionTrendsResult\n"
        "from pathlib import Path\n"
        "def cli(r: PreferencesResult) -> None:\n"
        "    emit(r, json_out=True, draw=lambda: None)\n"
        "def report(r: FashionTrendsResult) -> None:\n"
        "    write_designer_report(r, Path('x.html'))\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", str(snippet)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 2, done.stdout + done.stderr
    assert all("Released" in line for line in errors), errors
