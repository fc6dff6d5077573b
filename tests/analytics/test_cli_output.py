"""What an analyst reads in a terminal or a pipe: tables whole at any width, one privacy line,
segment and baseline side by side, units named, numbers that say what they are."""

from __future__ import annotations

import os
import re
import subprocess

from tests.conftest import Demo
from tests.helpers import CLI
from tests.test_cli import invoke


def piped(*args: object) -> str:
    """The command's output through a real pipe, as `culturebridge … | less` gets it."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    proc = subprocess.run(
        [str(CLI), *map(str, args)], capture_output=True, text=True, env=env, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_piped_tables_are_not_cut_at_80_columns(demo: Demo) -> None:
    out = piped("trends", demo.ws.root, "--by", "kind")
    rows = [line for line in out.splitlines() if line.startswith("│")]
    assert rows and all(line.endswith("│") for line in rows)  # one line per row, nothing wrapped
    assert all("…" not in line for line in rows)
    # the sparkline and the forecast sit on the row of their value
    fashion = next(line for line in rows if " fashion " in line)
    assert re.search(r"[▁▂▃▄▅▆▇█]{10,}", fashion) and re.search(r"\d%\)", fashion)


def test_privacy_is_one_line(demo: Demo) -> None:
    code, out, err = invoke("trends", demo.ws.root, "--by", "kind")
    assert code == 0, err
    assert len([line for line in out.splitlines() if line.startswith("privacy:")]) == 1


def test_the_funnel_puts_segment_and_baseline_side_by_side(demo: Demo) -> None:
    out = piped("funnel", demo.ws.root, "--segment", "gen_z", "--all-kinds")
    rows = [line for line in out.splitlines() if line.startswith("│")]
    assert len(rows) == 4  # one row per stage, both groups on it
    assert "all: from impression" in out


def test_revenue_names_its_currency(demo: Demo) -> None:
    code, out, err = invoke("campaign", "report", demo.ws.root, "--campaign", "c_britannia_summer")
    assert code == 0, err
    assert "revenue (CNY per user)" in out


def test_p_values_and_lifts_say_what_they_are(demo: Demo) -> None:
    code, out, err = invoke("prefs", demo.ws.root, "--segment", "gen_z_tier1", "--by", "kind")
    assert code == 0, err
    assert not re.search(r"(?<![\d.])0(?![\d.,%])\s*│", out)  # no bare "0" p-value
    assert "—×" not in out
