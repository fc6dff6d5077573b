"""`localise`: the catalogue check, the termbase, the translation memory, translation, script.

    culturebridge localise check DIR [--json] [--limits FILE.toml] [--fail-on-issues]
    culturebridge localise terms DIR [--output FILE.csv]
    culturebridge localise tm import FILE.(tmx|csv) --memory TM.tmx
    culturebridge localise tm export --memory TM.tmx --output FILE.(tmx|csv)
    culturebridge localise tm search --memory TM.tmx "query" [--semantic] [--n 5]
    culturebridge localise translate [--memory TM.tmx] [--workspace DIR] "text"
    culturebridge localise translate ... --input FILE.csv --column C --output OUT.csv
    culturebridge localise script "文本" --to hk|tw|t|s
    culturebridge localise pinyin "标题"...

`check` exits 0 whatever it finds (it is a report), or 1 with `--fail-on-issues` when it finds
anything, for CI. Every user mistake is one line on stderr and exit 2.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table as RichTable
from rich.text import Text

from culturebridge.cli._common import console, err_console, handle_errors, print_json, progress_bar
from culturebridge.errors import UserError

group = typer.Typer(
    help="Localisation: catalogue check, termbase, translation memory, translation, script.",
    no_args_is_help=True,
)
tm_group = typer.Typer(help="Translation memory: import, export, search.", no_args_is_help=True)

Dir = Annotated[Path, typer.Argument(help="Workspace folder.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
MemoryOpt = Annotated[
    Path, typer.Option("--memory", help="Translation memory file (.tmx, or .csv).")
]
SourceOpt = Annotated[
    str | None,
    typer.Option("--source-lang", help="Source language (default: guessed from the script)."),
]
TargetOpt = Annotated[
    str | None,
    typer.Option("--target-lang", help="Target language (default: the memory's other one)."),
]


def register(app: typer.Typer) -> None:
    group.command("check")(check_cmd)
    group.command("terms")(terms_cmd)
    tm_group.command("import")(tm_import_cmd)
    tm_group.command("export")(tm_export_cmd)
    tm_group.command("search")(tm_search_cmd)
    group.add_typer(tm_group, name="tm")
    group.command("translate")(translate_cmd)
    group.command("script")(script_cmd)
    group.command("pinyin")(pinyin_cmd)
    app.add_typer(group, name="localise")


def _interactive(json_out: bool) -> bool:
    return not json_out and sys.stderr.isatty()


# ---------------------------------------------------------------------------------- check


@handle_errors
def check_cmd(
    directory: Dir,
    limits_file: Annotated[
        Path | None,
        typer.Option(
            "--limits",
            help="TOML file with title_zh, title_en, description_zh, description_en "
            "(characters; at the top level or under [limits]).",
        ),
    ] = None,
    fail_on_issues: Annotated[
        bool, typer.Option("--fail-on-issues", help="Exit 1 when anything is found.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """List missing Chinese titles and descriptions, term inconsistencies, over-long texts.

    Terms: the workspace's termbase (DIR/localise/termbase.csv) over its titles and partner
    names, the packaged glossary and the fashion lexicon; see `localise terms`.
    """
    from culturebridge.localise import UiLimits, check_workspace
    from culturebridge.workspace import Workspace

    limits = UiLimits.load(limits_file) if limits_file is not None else UiLimits()
    ws = Workspace.open(directory)
    result = check_workspace(ws, limits=limits)
    if json_out:
        print_json(result.model_dump(mode="json"))
    else:
        _draw_check(result)
    if fail_on_issues and not result.ok:
        raise typer.Exit(1)


def _table(title: str, *columns: str) -> RichTable:
    return RichTable(*columns, box=box.SIMPLE_HEAD, title=title, title_justify="left")


def _draw_check(result: Any) -> None:
    if result.missing:
        t = _table("Missing Chinese text", "item", "kind", "missing", "title")
        for m in result.missing:
            t.add_row(m.item_id, m.kind, m.field, Text(m.title))
        console.print(t)
    if result.inconsistencies:
        t = _table("Term inconsistencies", "item", "field", "term", "expected", "problem", "found")
        for f in result.inconsistencies:
            t.add_row(
                f.item_id,
                f.field,
                Text(f.term),
                Text(f.expected),
                Text(f.problem, style="red" if f.problem == "forbidden" else ""),
                Text(f.found),
            )
        console.print(t)
    if result.too_long:
        t = _table("Over the UI length limits", "item", "field", "length", "limit", "text")
        for c in t.columns[2:4]:
            c.justify = "right"
        for x in result.too_long:
            t.add_row(x.item_id, x.field, str(x.length), str(x.limit), Text(x.text))
        console.print(t)
    c = result.counts
    summary = (
        f"{result.items:,} items, {result.terms:,} terms: "
        f"{c['missing_title_zh']} missing Chinese titles, "
        f"{c['missing_description_zh']} missing Chinese descriptions, "
        f"{c['inconsistent_terms']} term inconsistencies, {c['too_long']} over length"
    )
    console.print(Text(summary, style="green" if result.ok else "bold"))


# ---------------------------------------------------------------------------------- terms


@handle_errors
def terms_cmd(
    directory: Dir,
    output: Annotated[
        Path | None,
        typer.Option("--output", help="Write the CSV here instead of printing it."),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Export the workspace's effective termbase as CSV.

    The user termbase, titles, partner names, packaged glossary and fashion lexicon, merged;
    columns en, zh, zh_hant, domain, zh_variants, forbidden, note.
    """
    from culturebridge.localise import workspace_termbase
    from culturebridge.workspace import Workspace

    tb = workspace_termbase(Workspace.open(directory))
    if output is not None:
        tb.write_csv(output)
        err_console.print(f"{len(tb):,} terms written to {output}", highlight=False)
    elif json_out:
        print_json([t.model_dump(mode="json") for t in tb.terms])
    else:
        sys.stdout.write(tb.csv_text())


# ---------------------------------------------------------------------------------- tm


@handle_errors
def tm_import_cmd(
    file: Annotated[Path, typer.Argument(help="A .tmx or .csv file to add to the memory.")],
    memory: MemoryOpt,
    json_out: JsonOpt = False,
) -> None:
    """Add a TMX or CSV file's units to the memory.

    The memory is created when absent (with the TMX file's header); units already in it (same
    languages and segments) are skipped.
    """
    from culturebridge.localise import TranslationMemory, load_units, read_tmx

    if not memory.exists() and file.suffix.lower() == ".tmx" and memory.suffix.lower() == ".tmx":
        # a new memory from a TMX file keeps that file's header: export gives the file back
        doc = read_tmx(file)
        tm = TranslationMemory(header=doc.header, path=memory)
        units = list(doc.units)
    else:
        units = load_units(file)
        tm = TranslationMemory.load(memory, missing_ok=True)
    stats = tm.merge(units)
    tm.save()
    out = {"memory": str(memory), "added": stats.added, "duplicates": stats.duplicates}
    out["units"] = len(tm)
    if json_out:
        print_json(out)
    else:
        console.print(
            f"{stats.added:,} units added, {stats.duplicates:,} already there; "
            f"{len(tm):,} units in {memory}",
            highlight=False,
        )


@handle_errors
def tm_export_cmd(
    memory: MemoryOpt,
    output: Annotated[Path, typer.Option("--output", help="The .tmx or .csv file to write.")],
    source_lang: SourceOpt = None,
) -> None:
    """Write the memory as TMX 1.4 or CSV.

    TMX keeps everything; CSV keeps plain text pairs (source_lang, target_lang, source, target,
    tuid, note).
    """
    from culturebridge.localise import TranslationMemory

    tm = TranslationMemory.load(memory)
    if output.suffix.lower() == ".csv":
        from culturebridge.localise import write_csv

        write_csv(tm.units, output, source_lang or tm.header.srclang)
    else:
        tm.save(output)
    err_console.print(f"{len(tm):,} units written to {output}", highlight=False)


@handle_errors
def tm_search_cmd(
    query: Annotated[str, typer.Argument(help="Text to look up.")],
    memory: MemoryOpt,
    semantic: Annotated[
        bool,
        typer.Option(
            "--semantic",
            help="Rank by meaning (multilingual embeddings; finds a unit by either language; "
            "the first search embeds the memory, 25-100 segments/s on a small CPU, then it is "
            "cached beside the file).",
        ),
    ] = False,
    n: Annotated[int, typer.Option("--n", min=1, help="Matches to show.")] = 5,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            min=0.0,
            max=1.0,
            help="Smallest similarity (fuzzy default 0.75, "
            "CULTUREBRIDGE_LOCALISE__FUZZY_THRESHOLD; semantic default 0).",
        ),
    ] = None,
    source_lang: SourceOpt = None,
    target_lang: TargetOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Find the memory's closest segments.

    Exact and fuzzy (character-level edit distance) by default, or by meaning with --semantic.
    """
    from culturebridge.config import get_settings
    from culturebridge.localise import TranslationMemory

    if not query.strip():
        raise UserError("the query is empty")
    tm = TranslationMemory.load(memory)
    if semantic:
        with progress_bar(_interactive(json_out)) as update:
            matches = tm.semantic(
                query,
                source_lang=source_lang,
                target_lang=target_lang,
                n=n,
                threshold=threshold,
                progress=update,
            )
    else:
        cutoff = threshold if threshold is not None else get_settings().localise.fuzzy_threshold
        matches = tm.fuzzy(
            query, source_lang=source_lang, target_lang=target_lang, n=n, threshold=cutoff
        )
    rows = [
        {
            "score": round(m.score, 4),
            "kind": m.kind,
            "source_lang": m.segment.source_lang,
            "source": m.segment.source,
            "target_lang": m.segment.target_lang,
            "target": m.segment.target,
            "tuid": m.segment.tuid,
            "matched": m.matched,
        }
        for m in matches
    ]
    if json_out:
        print_json(rows)
        return
    if not rows:
        console.print(f"no match in {memory} ({len(tm):,} units)", highlight=False)
        return
    t = _table(f"Matches in {memory}", "score", "kind", "source", "target", "tuid")
    t.columns[0].justify = "right"
    for m in matches:
        seg = m.segment
        t.add_row(f"{m.score:.0%}", m.kind, Text(seg.source), Text(seg.target), seg.tuid or "")
    console.print(t)


# ---------------------------------------------------------------------------------- translate


def _read_table(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Rows of a UTF-8 CSV, TSV or JSON Lines file."""
    from culturebridge.localise import read_utf8

    text = read_utf8(path)
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        rows: list[dict[str, str]] = []
        for i, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UserError(f"{path}: line {i} is not JSON ({exc.msg})") from None
            if not isinstance(obj, dict):
                raise UserError(f"{path}: line {i} is not a JSON object")
            rows.append({k: "" if v is None else str(v) for k, v in obj.items()})
        columns = list(dict.fromkeys(k for r in rows for k in r))
        return columns, rows
    if suffix not in (".csv", ".tsv", ".txt"):
        raise UserError(f"{path}: read .csv, .tsv or .jsonl files")
    try:
        reader = csv.DictReader(
            io.StringIO(text, newline=""), delimiter="\t" if suffix == ".tsv" else ","
        )
        rows = [dict(r) for r in reader]
    except csv.Error as exc:
        raise UserError(f"{path}: malformed CSV ({exc})") from None
    return list(reader.fieldnames or []), rows


@handle_errors
def translate_cmd(
    text: Annotated[str | None, typer.Argument(help="Text to translate.")] = None,
    memory: Annotated[
        Path | None, typer.Option("--memory", help="Translation memory file (.tmx or .csv).")
    ] = None,
    workspace: Annotated[
        Path | None,
        typer.Option("--workspace", help="Use this workspace's termbase (titles, partners)."),
    ] = None,
    input_file: Annotated[
        Path | None, typer.Option("--input", help="A CSV, TSV or JSONL file of texts.")
    ] = None,
    column: Annotated[
        str | None, typer.Option("--column", help="The --input column to translate.")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", help="CSV to write: the input plus translation columns."),
    ] = None,
    source: Annotated[str, typer.Option("--source", help="Source language.")] = "en",
    target: Annotated[
        str,
        typer.Option("--target", help="Target language: zh, zh-HK, zh-TW, zh-Hant, en, ..."),
    ] = "zh",
    json_out: JsonOpt = False,
) -> None:
    """Translate with the memory, the termbase and the configured MT backend.

    The backend is CULTUREBRIDGE_LOCALISE__MT_BACKEND (default: none). Without a translation
    it says so plainly, and exits 1, instead of inventing one.
    """
    from culturebridge.localise import (
        TranslationMemory,
        build_termbase,
        make_translator,
        workspace_termbase,
    )
    from culturebridge.workspace import Workspace

    if (text is None) == (input_file is None):
        raise UserError("give either a text or --input FILE (with --column and --output)")
    if input_file is not None and (column is None or output is None):
        raise UserError("--input needs --column and --output")
    tm = TranslationMemory.load(memory) if memory is not None else None
    tb = workspace_termbase(Workspace.open(workspace)) if workspace else build_termbase()
    translator = make_translator(tm, tb)
    if text is not None:
        (tr,) = translator.translate([text], source=source, target=target)
        if json_out:
            print_json(_translation_json(tr))
        elif tr.text is None:
            err_console.print(tr.message, highlight=False, markup=False, soft_wrap=True)
            raise typer.Exit(1)
        else:
            console.print(Text(tr.text))
            note = f"{tr.origin}" + (f": {tr.message}" if tr.message else "")
            err_console.print(Text(note, style="dim"), soft_wrap=True)
        return
    assert input_file is not None and column is not None and output is not None
    columns, rows = _read_table(input_file)
    if column not in columns:
        raise UserError(f"{input_file}: no column {column!r} (has {', '.join(columns)})")
    texts = [r.get(column) or "" for r in rows]
    results = []
    batch = 256
    with progress_bar(_interactive(json_out)) as update:
        for start in range(0, len(texts), batch):
            chunk = texts[start : start + batch]
            results += translator.translate(chunk, source=source, target=target)
            update("translating", start + len(chunk), len(texts))
    extra = ["translation", "origin", "score", "message"]
    clash = [c for c in extra if c in columns]
    if clash:
        raise UserError(f"{input_file}: already has column(s) {', '.join(clash)}")
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=columns + extra, lineterminator="\n")
    w.writeheader()
    for row, tr in zip(rows, results, strict=True):
        w.writerow(
            row
            | {
                "translation": tr.text or "",
                "origin": tr.origin,
                "score": "" if tr.score is None else f"{tr.score:.4f}",
                "message": tr.message,
            }
        )
    try:
        output.write_text(buf.getvalue(), encoding="utf-8", newline="")
    except OSError as exc:
        raise UserError(f"{output}: cannot write ({exc.strerror})") from None
    counts: dict[str, int] = {}
    for tr in results:
        counts[tr.origin] = counts.get(tr.origin, 0) + 1
    summary = {"rows": len(results), "output": str(output), "origins": counts}
    if json_out:
        print_json(summary)
    else:
        parts = ", ".join(f"{v:,} {k}" for k, v in sorted(counts.items()))
        console.print(f"{len(results):,} rows written to {output}: {parts}", highlight=False)


def _translation_json(tr: Any) -> dict[str, Any]:
    return {
        "source": tr.source,
        "text": tr.text,
        "origin": tr.origin,
        "message": tr.message,
        "score": tr.score,
        "tuid": tr.tuid,
    }


# ---------------------------------------------------------------------------------- script


@handle_errors
def script_cmd(
    text: Annotated[str, typer.Argument(help="Chinese text.")],
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="hk (Hong Kong Traditional), tw (Taiwan, with Taiwan phrases), "
            "t (standard Traditional) or s (Simplified, from any of them).",
        ),
    ],
    json_out: JsonOpt = False,
) -> None:
    """Convert between Simplified and Traditional Chinese (OpenCC)."""
    from culturebridge.localise import to_simplified, to_traditional

    convert: dict[str, Callable[[str], str]] = {
        "hk": lambda s: to_traditional(s, "hk"),
        "tw": lambda s: to_traditional(s, "tw"),
        "t": lambda s: to_traditional(s, "t"),
        "s": lambda s: to_simplified(s, "tw"),
    }
    if to not in convert:
        raise UserError(f"--to must be hk, tw, t or s, not {to!r}")
    out = convert[to](text)
    if json_out:
        print_json({"text": text, "to": to, "converted": out})
    else:
        console.print(Text(out))


@handle_errors
def pinyin_cmd(
    titles: Annotated[list[str], typer.Argument(help="Chinese titles.")],
    sort: Annotated[bool, typer.Option("--sort", help="List them in pinyin order.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Toneless pinyin and initials of Chinese titles, for search keys and sorting."""
    from culturebridge.localise import pinyin_initials, pinyin_key, sort_titles

    ordered = sort_titles(titles) if sort else titles
    rows = [{"title": t, "pinyin": pinyin_key(t), "initials": pinyin_initials(t)} for t in ordered]
    if json_out:
        print_json(rows)
        return
    t = _table("", "title", "pinyin", "initials")
    for r in rows:
        t.add_row(Text(r["title"]), r["pinyin"], r["initials"])
    console.print(t)
