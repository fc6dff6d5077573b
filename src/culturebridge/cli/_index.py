"""The command index: each command's module and the first paragraph of its help.

`culturebridge --help` lists commands from here, without importing any of them; a command's
module is imported when it runs (`cli._LazyGroup`). `tests/test_cli.py` checks that this index
matches the commands' own help, and says how to regenerate it when it does not."""

from __future__ import annotations

COMMANDS: dict[str, tuple[str, str]] = {
    "init": (
        "_workspace",
        "Create a workspace: workspace.toml (0600, with the secret), lake/, warehouse, rejects/.",
    ),
    "status": ("_workspace", "Tables with row counts and time ranges, ingest history and rejects."),
    "schema": (
        "_workspace",
        "The canonical tables: columns, types, enums, required fields and ranges.",
    ),
    "ingest": (
        "_ingest",
        "Ingest FILES into TABLE: validated, pseudonymised, deduplicated and committed atomically.",
    ),
    "demo": (
        "_demo",
        "Generate the demo universe with planted truth and ingest it like real data.",
    ),
    "segments": (
        "_segments",
        "List the workspace's audience segments with their sizes and share of all users.",
    ),
    "prefs": (
        "_analytics",
        "What a segment engages with more (or less) than its baseline, value by value.",
    ),
    "trends": (
        "_analytics",
        "Each value's share per period: rising and falling values (Mann–Kendall with Sen's "
        "slope, BH-adjusted), emerging values, and a damped-trend forecast with 80% "
        "intervals.",
    ),
    "funnel": (
        "_analytics",
        "Impression → view → engage → purchase, per item kind, with conversion rates and "
        "user-clustered 95% intervals. A journey starts at an impression of an item and "
        "reaches a stage when it holds an event of that stage after every earlier one.",
    ),
    "reach": (
        "_analytics",
        "Reach (users with any event), active users (who did more than see or click) and "
        "frequency (events per reached user), per period.",
    ),
    "retention": (
        "_analytics",
        "Weekly cohorts (the week of a user's first event in range) and the share of "
        "each that is active again 1, 2, ... weeks later, with Wilson 95% intervals.",
    ),
    "audience": (
        "_analytics",
        "Who engages with an item: age bands, city tiers, provinces, platforms and "
        "genders, each cell's share of the item's weighted engagement against its share "
        "of all engagement.",
    ),
    "breakdown": (
        "_analytics",
        "Users and events per value of any dimension (of the item, the event or the "
        "user) in a period, with the period just before it beside them (--compare "
        "previous).",
    ),
    "paths": (
        "_analytics",
        "What people do next: after each event matching --after, the same user's next event "
        "(within --within hours), as event type and item kind, by users.",
    ),
    "stickiness": (
        "_analytics",
        "How often people come back: user-weeks by days active (1-7), and DAU, WAU, "
        "MAU and DAU/MAU at the last day with events.",
    ),
    "overview": (
        "_overview",
        "The strongest findings (segment preferences, rising and falling values, the "
        "most skewed item audience) and a self-contained HTML report with their charts.",
    ),
    "serve": (
        "_serve",
        "The REST API (under /api/v1, OpenAPI at /api/v1/docs) and the dashboard (/), for "
        "one workspace. Log in to the dashboard with a key from `culturebridge keys "
        "create`.",
    ),
    "report": (
        "_report",
        "What matters to one partner, with charts and how each figure was computed, in one "
        "self-contained HTML file (opens offline; nothing is fetched), in English or "
        "Chinese (--lang zh); --pdf prints it to PDF.",
    ),
    "keys": (
        "_serve",
        "API keys: each belongs to one partner (or `platform`) with scope read, admin or capture.",
    ),
    "recommend": (
        "_recommend",
        "Recommend titles, games and products: fit models, write top-N lists, evaluate.",
    ),
    "fashion": (
        "_fashion",
        "Fashion intelligence: tag images and posts, trends per segment, collection fit.",
    ),
    "social": (
        "_social",
        "Chinese social listening: sentiment, title mentions, keywords and topics, alerts.",
    ),
    "localise": (
        "_localise",
        "Localisation: catalogue check, termbase, translation memory, translation, script.",
    ),
    "esports": (
        "_esports",
        "E-sports: ratings, predictions, leaderboards, rating histories and matchmaking.",
    ),
    "campaign": (
        "_campaign",
        "Campaigns: experiment reports, uplift modelling and privacy-safe targeting.",
    ),
}

MODULES = (
    "_workspace",
    "_ingest",
    "_demo",
    "_segments",
    "_analytics",
    "_overview",
    "_serve",
    "_report",
    "_recommend",
    "_fashion",
    "_social",
    "_localise",
    "_esports",
    "_campaign",
)
"""Every module that registers commands, in the order `--help` lists them."""


def build() -> dict[str, tuple[str, str]]:
    """The index as the commands' own help gives it (imports every command module)."""
    import importlib
    import inspect

    import typer
    import typer.main

    out: dict[str, tuple[str, str]] = {}
    groups: dict[str, tuple[str, str]] = {}
    for module in MODULES:
        app = typer.Typer()
        app.callback()(lambda: None)
        importlib.import_module(f"culturebridge.cli.{module}").register(app)
        for name, cmd in typer.main.get_group(app).commands.items():
            first = " ".join(inspect.cleandoc(cmd.help or "").split("\n\n")[0].split())
            (groups if hasattr(cmd, "commands") else out)[name] = (module, first)
    return {**out, **groups}  # Typer lists commands before groups


if __name__ == "__main__":  # python -m culturebridge.cli._index > src/culturebridge/cli/_index.py
    import pprint

    print(pprint.pformat(build(), width=100, sort_dicts=False))
