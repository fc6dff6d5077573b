"""Benchmark social listening on the demo: mention linking against the per-post truth, the
planted sentiment spike, and how long each stage takes.

    python benchmarks/social.py                      # 20,000 users (20,000 posts)
    python benchmarks/social.py --users 200000       # 200,000 posts

Generates a demo universe into a temporary folder, ingests it, then times `post_mentions`
(linking every post), `item_sentiment` (link + score + alerts) and `social_topics` (keywords,
bursts, topic clusters on a 2,000-text embedded sample). Prints a markdown table for
benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq

from culturebridge.demo import DemoConfig, generate
from culturebridge.ingest import ingest
from culturebridge.query import Analysis
from culturebridge.schema import TABLES
from culturebridge.social._alerts import item_sentiment
from culturebridge.social._mentions import post_mentions
from culturebridge.social._topics import TopicsConfig, social_topics
from culturebridge.workspace import Workspace


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--sample", type=int, default=2000, help="texts embedded for topics")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="cb-social-"))
    try:
        demo = generate(tmp / "src", DemoConfig(users=args.users, events=args.events))
        ws = Workspace.create(tmp / "ws")
        for table in TABLES:
            if demo.files.get(table):
                ingest(ws, table, demo.files[table])
        truth_path = tmp / "src" / demo.truth["post_mentions"]["path"]
        truth = pq.read_table(truth_path).to_pylist()
        spike = demo.truth["sentiment_spike"]

        with Analysis.open(ws) as a:
            t0 = time.perf_counter()
            links = post_mentions(a.con)
            t_link = time.perf_counter() - t0
            t0 = time.perf_counter()
            sentiment = item_sentiment(a, period="week")
            t_alerts = time.perf_counter() - t0
            t0 = time.perf_counter()
            topics = social_topics(
                a, segment=None, period="week", config=TopicsConfig(sample=args.sample)
            )
            t_topics = time.perf_counter() - t0

        found = {(r["post_id"], r["item_id"]) for r in links.to_pylist()}
        rows = []
        for form in sorted({r["form"] for r in truth}):
            posts = [r for r in truth if r["form"] == form]
            planted = {(r["post_id"], r["item_id"]) for r in posts if r["item_id"]}
            ids = {r["post_id"] for r in posts}
            linked = {p for p in found if p[0] in ids}
            tp = len(linked & planted)
            precision = tp / len(linked) if linked else 1.0
            recall = tp / len(planted) if planted else 1.0
            rows.append((form, len(posts), precision, recall, len(linked - planted)))
        planted_all = {(r["post_id"], r["item_id"]) for r in truth if r["item_id"]}
        tp = len(found & planted_all)

        n_posts = len(truth)
        print(
            f"# social listening on the demo ({date.today()}, {platform.machine()}, "
            f"{_cores()} cores, {n_posts:,} posts)\n"
        )
        print("| form | posts | precision | recall | false links |")
        print("|---|---:|---:|---:|---:|")
        for form, n, p, r, fp in rows:
            print(f"| {form} | {n:,} | {p:.3f} | {r:.3f} | {fp} |")
        print(
            f"| **all** | {n_posts:,} | {tp / max(len(found), 1):.3f} | "
            f"{tp / max(len(planted_all), 1):.3f} | {len(found - planted_all)} |\n"
        )
        alerts = [(al.item_id, str(al.period_start)) for al in sentiment.alerts]
        expected = [(spike["item_id"], spike["week_start"])]
        print(
            f"alerts: {alerts} (planted: {expected}; "
            f"{'found, no false alarm' if alerts == expected else 'MISMATCH'}); "
            f"{sentiment.tested:,} item-weeks tested\n"
        )
        spike_week = date.fromisoformat(spike["week_start"])
        burst_terms = [b.term for b in topics.bursts if b.period_start == spike_week]
        print(f"bursting terms in the spike week: {', '.join(burst_terms[:12])}\n")
        print("| stage | seconds | posts/s |")
        print("|---|---:|---:|")
        for name, secs in (
            ("link mentions (post_mentions)", t_link),
            ("item sentiment + alerts", t_alerts),
            (f"topics (keywords, bursts, {topics.embedded_texts:,} texts embedded)", t_topics),
        ):
            print(f"| {name} | {secs:.1f} | {n_posts / secs:,.0f} |")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
