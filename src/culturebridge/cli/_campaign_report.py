"""`campaign report`: did a campaign work, and for whom.

    culturebridge campaign report DIR --campaign ID [--sequential] [--correction holm|bh] [--json]
    culturebridge campaign report --input FILE.csv --arm-col COL [--control VALUE]
        --metrics a,b [--pre a=col] [--segments c,d] [--arms A,B] [--json]

Per arm: users and every metric with its interval; against the control: absolute and relative
lift with intervals and p-values, CUPED-adjusted lift where a pre-period exists, always-valid
intervals with --sequential; a sample-ratio-mismatch check first; segment tests with Holm (or
Benjamini-Hochberg) control, cells below the privacy threshold suppressed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.table import Column
from rich.table import Table as RichTable
from rich.text import Text

from culturebridge.cli._common import console, handle_errors, print_json, print_released, running
from culturebridge.errors import UserError


def _pct(x: float | None, kind: str) -> str:
    if x is None:
        return "–"
    return f"{x:.2%}" if kind == "binary" else f"{x:,.2f}"


def _lift(x: float | None, kind: str) -> str:
    if x is None:
        return "–"
    return f"{x * 100:+.2f} pp" if kind == "binary" else f"{x:+,.2f}"


def _ci(lo: float | None, hi: float | None, kind: str) -> str:
    if lo is None or hi is None:
        return ""
    if kind == "binary":
        return f"{lo * 100:+.2f} to {hi * 100:+.2f}"
    return f"{lo:+,.2f} to {hi:+,.2f}"


def _p(p: float | None) -> str:
    return "–" if p is None else ("<0.0001" if p < 1e-4 else f"{p:.4f}")


def _parse_pre(values: list[str]) -> dict[str, str]:
    out = {}
    for v in values:
        metric, sep, col = v.partition("=")
        if not sep or not metric or not col:
            raise UserError(f"--pre takes METRIC=COLUMN (e.g. spend=history), not {v!r}")
        out[metric.strip()] = col.strip()
    return out


def _parse_expected(value: str | None) -> dict[str, float] | None:
    if value is None:
        return None
    out = {}
    for part in value.split(","):
        arm, sep, share = part.partition("=")
        try:
            out[arm.strip()] = float(share)
        except ValueError:
            raise UserError(
                f"--expected takes ARM=SHARE,... (e.g. a=0.5,b=0.5), not {value!r}"
            ) from None
        if not sep:
            raise UserError(f"--expected takes ARM=SHARE,... (e.g. a=0.5,b=0.5), not {value!r}")
    return out


def _names(value: str | None) -> list[str] | None:
    return None if value is None else [v.strip() for v in value.split(",") if v.strip()]


@handle_errors
def report_cmd(
    directory: Annotated[
        Path | None, typer.Argument(help="Workspace folder.", metavar="DIR", show_default=False)
    ] = None,
    campaign: Annotated[
        str | None, typer.Option("--campaign", "-c", help="Campaign id (workspace).")
    ] = None,
    input_file: Annotated[
        Path | None, typer.Option("--input", help="A per-unit export instead of a workspace.")
    ] = None,
    arm_col: Annotated[str | None, typer.Option("--arm-col", help="(--input) Arm column.")] = None,
    metrics: Annotated[
        str | None,
        typer.Option(
            "--metrics",
            help="Metrics: workspace conversion,visit,revenue (default all); --input: columns.",
        ),
    ] = None,
    pre: Annotated[
        list[str] | None,
        typer.Option("--pre", help="(--input) METRIC=COLUMN pre-period covariate for CUPED."),
    ] = None,
    segments: Annotated[
        str | None,
        typer.Option(
            "--segments",
            help="Segment dimensions: workspace age_band,gender,city_tier,platform (default "
            "all); --input: columns (default none).",
        ),
    ] = None,
    arms: Annotated[
        str | None, typer.Option("--arms", help="(--input) Keep only these arms: A,B.")
    ] = None,
    expected: Annotated[
        str | None, typer.Option("--expected", help="(--input) Planned shares: A=0.5,B=0.5.")
    ] = None,
    control: Annotated[
        str | None, typer.Option("--control", help="Control arm (default: the arm called control).")
    ] = None,
    pre_days: Annotated[
        int, typer.Option("--pre-days", help="(workspace) Days before assignment for CUPED.")
    ] = 28,
    cuped: Annotated[bool, typer.Option("--cuped/--no-cuped", help="CUPED adjustment.")] = True,
    sequential: Annotated[
        bool,
        typer.Option(
            "--sequential", help="Always-valid intervals and p-values, safe to check every day."
        ),
    ] = False,
    correction: Annotated[
        str, typer.Option("--correction", help="Segment multiplicity control: holm or bh.")
    ] = "holm",
    alpha: Annotated[float, typer.Option("--alpha", help="Significance level.")] = 0.05,
    segment_metric: Annotated[
        str | None, typer.Option("--segment-metric", help="Metric whose segment table is shown.")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Did the campaign work, and for whom: lifts, intervals, SRM, CUPED and segments."""
    from culturebridge.campaign import report_file, report_workspace

    if correction not in ("holm", "bh"):
        raise UserError(f"--correction must be holm or bh, not {correction!r}")
    if not 0 < alpha < 1:
        raise UserError(f"--alpha must be between 0 and 1, not {alpha:g}")
    if input_file is not None:
        if directory is not None or campaign is not None:
            raise UserError("give a workspace DIR with --campaign, or --input FILE, not both")
        if arm_col is None or not metrics:
            raise UserError("--input needs --arm-col and --metrics")
        rep = running(
            lambda: report_file(
                input_file, arm_col=arm_col, control=control, metrics=_names(metrics) or [],
                pre=_parse_pre(pre or []), dimensions=_names(segments) or [],
                arms=_names(arms), expected=_parse_expected(expected), sequential=sequential,
                correction=correction, alpha=alpha,  # type: ignore[arg-type]
            ),
            "analysing",
            json_out,
        )  # fmt: skip
        # the user's own file, not the warehouse: nothing is released, so it prints as it is
        if json_out:
            print_json(rep.model_dump(mode="json"))
        else:
            draw_report(rep, segment_metric)
        return
    else:
        from culturebridge.query import Analysis
        from culturebridge.workspace import Workspace

        if directory is None or campaign is None:
            raise UserError("give a workspace DIR and --campaign ID (or --input FILE)")
        for flag, value in (("--arm-col", arm_col), ("--pre", pre), ("--arms", arms),
                            ("--expected", expected)):  # fmt: skip
            if value:
                raise UserError(f"{flag} is for --input files; a workspace knows its arms")
        ws = Workspace.open(directory)
        with Analysis.open(ws) as a:
            kwargs = {}
            if metrics:
                kwargs["metrics"] = _names(metrics)
            if segments is not None:
                kwargs["dimensions"] = _names(segments)
            rep = running(
                lambda: report_workspace(
                    a, campaign, control=control, pre_days=pre_days, cuped=cuped,
                    sequential=sequential, correction=correction, alpha=alpha,  # type: ignore[arg-type]
                    **kwargs,  # type: ignore[arg-type]
                ),
                "analysing the campaign",
                json_out,
            )  # fmt: skip
            out = a.publish(rep)
    if json_out:
        print_released(out)
        return
    draw_report(out.value, segment_metric)


def draw_report(rep: object, segment_metric: str | None = None) -> None:
    """The human view of a CampaignReport."""
    from culturebridge.campaign import UNITS, CampaignReport

    assert isinstance(rep, CampaignReport)
    an = rep.analysis
    kinds = {m.metric: m.kind for m in an.metrics}
    # a workspace campaign's metrics have known units (revenue in CNY); a file's are its own
    units = UNITS if rep.campaign_id else {}

    def named(metric: str) -> str:
        return f"{metric} ({units[metric]})" if metric in units else metric

    if rep.campaign_id:
        window = f"{rep.start:%Y-%m-%d} to {rep.end:%Y-%m-%d}" if rep.start and rep.end else "open"
        console.print(
            f"[bold]{rep.name}[/] ({rep.campaign_id}"
            + (f", partner {rep.partner_id}" if rep.partner_id else "")
            + f"), {window}; {rep.units:,} users assigned",
            highlight=False,
        )
    else:
        dropped = ", ".join(f"{a} {n:,}" for a, n in rep.dropped.items())
        console.print(
            f"{rep.source}: {rep.units:,} units" + (f" (left out: {dropped})" if dropped else ""),
            highlight=False,
        )
    srm = an.srm
    style = "bold red" if srm.flagged else "green"
    console.print(Text(f"Sample ratio: {srm.message}", style=style))

    arms = RichTable(
        "arm",
        "users",
        *(named(m) for m in kinds),
        box=box.SIMPLE_HEAD,
        title="Arms",
        title_justify="left",
    )
    for arm in sorted({a.arm for a in an.arms}, key=lambda x: (x != an.settings.control, x)):
        cells = []
        n = 0
        for m, kind in kinds.items():
            am = an.arm(arm, m)
            n = max(n, am.n)
            cells.append(_pct(am.mean, kind))
        is_control = arm == an.settings.control and "control" not in arm.lower()
        arms.add_row(arm + (" (control)" if is_control else ""), f"{n:,}", *cells)
    console.print(arms)

    several = len({c.arm for c in an.comparisons}) > 1

    def label(metric: str, arm: str) -> str:
        return f"{named(metric)}, {arm}" if several else named(metric)

    lift = RichTable(
        *(Column(h, no_wrap=True) for h in ("metric", "control", "arm", "lift", "95% CI",
                                             "rel.", "p")),
        box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True,
        title=f"Against {an.settings.control}", title_justify="left",
    )  # fmt: skip
    for c in an.comparisons:
        kind = kinds[c.metric]
        rel = f"{c.relative_lift:+.1%}" if c.relative_lift is not None else "–"
        lift.add_row(
            label(c.metric, c.arm), _pct(c.control_mean, kind), _pct(c.arm_mean, kind),
            _lift(c.lift, kind), _ci(c.ci_low, c.ci_high, kind), rel, _p(c.p_value),
        )  # fmt: skip
    console.print(lift)
    if any(c.cuped for c in an.comparisons):
        cu_table = RichTable(
            "metric", "CUPED lift", "95% CI", "p", "variance cut",
            box=box.SIMPLE_HEAD, title_justify="left",
            title=f"CUPED (the {rep.pre_days} days before assignment)"
            if rep.pre_days else "CUPED (pre-period covariates)",
        )  # fmt: skip
        for c in an.comparisons:
            if c.cuped is None:
                continue
            kind = kinds[c.metric]
            cu = c.cuped
            cu_table.add_row(
                label(c.metric, c.arm), _lift(cu.lift, kind), _ci(cu.ci_low, cu.ci_high, kind),
                _p(cu.p_value), f"{(cu.variance_reduction or 0):.0%}",
            )  # fmt: skip
        console.print(cu_table)
    if any(c.sequential for c in an.comparisons):
        sq_table = RichTable(
            "metric", "always-valid 95% CI", "p", box=box.SIMPLE_HEAD,
            title="Always valid (mixture SPRT): safe to check every day", title_justify="left",
        )  # fmt: skip
        for c in an.comparisons:
            if c.sequential is None:
                continue
            kind = kinds[c.metric]
            sq = c.sequential
            sq_table.add_row(
                label(c.metric, c.arm), _ci(sq.ci_low, sq.ci_high, kind), _p(sq.p_value)
            )
        console.print(sq_table)

    if an.segments:
        metric = segment_metric or next(iter(kinds))
        if metric not in kinds:
            raise UserError(
                f"--segment-metric {metric!r} is not a metric here ({', '.join(kinds)})"
            )
        kind = kinds[metric]
        adj = "Holm" if an.settings.correction == "holm" else "BH"
        seg = RichTable(
            "segment", "users", "lift", "95% CI", f"p ({adj})", "",
            box=box.SIMPLE_HEAD, title_justify="left",
            title=f"Segments: {metric}, arm / control users; * significant at "
            f"{an.settings.alpha:g}",
        )  # fmt: skip
        for t in an.segments:
            if t.metric != metric:
                continue
            name = label(f"{t.dimension} {t.segment}", t.arm)
            if t.suppressed:
                seg.add_row(name, Text(t.reason or "suppressed", style="dim"), "", "", "", "")
                continue
            mark = Text("*", style="bold green") if t.significant else Text("")
            seg.add_row(
                name, f"{t.n_arm:,}/{t.n_control:,}", _lift(t.lift, kind),
                _ci(t.ci_low, t.ci_high, kind), _p(t.p_adjusted), mark,
            )  # fmt: skip
        console.print(seg)
