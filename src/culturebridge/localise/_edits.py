"""Lightly edited queries for measuring translation-memory retrieval.

The evaluation protocol that `benchmarks/localise.py` and the real-data test share: a source
sentence with one or two English words inserted, deleted or replaced (or its punctuation or case
changed), or one to three Chinese characters edited, is what a translator pastes after a writer
has touched an approved sentence; retrieval should still find the original.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

FILLERS_EN = ("the", "a", "very", "also", "new", "just", "really", "now", "still", "all")
FILLERS_ZH = "的了是在不和也都就很有这"


def read_pairs(path: Path) -> list[tuple[str, str]]:
    """(English, Chinese) rows of a WMT en-zh CSV: column `1` is English, `0` Chinese."""
    with path.open(newline="", encoding="utf-8") as fh:
        return [(r["1"], r["0"]) for r in csv.DictReader(fh) if r["0"] and r["1"]]


def edit_en(text: str, rng: np.random.Generator) -> str:
    """1-2 word insertions, deletions or substitutions, or a punctuation or case change."""
    words = text.split()
    for _ in range(int(rng.integers(1, 3))):
        op = rng.choice(["insert", "delete", "substitute", "punctuation", "case"])
        i = int(rng.integers(len(words)))
        if op == "insert":
            words.insert(i, str(rng.choice(FILLERS_EN)))
        elif op == "delete" and len(words) > 3:
            del words[i]
        elif op == "substitute":
            words[i] = str(rng.choice(FILLERS_EN))
        elif op == "punctuation":
            words[-1] = words[-1].rstrip(".!?") + str(rng.choice(["", "!", "?", " ."]))
        else:
            words[i] = words[i].upper() if rng.random() < 0.5 else words[i].lower()
    return " ".join(words)


def edit_zh(text: str, rng: np.random.Generator) -> str:
    """1-3 character insertions, deletions or substitutions, or a punctuation change."""
    chars = list(text)
    for _ in range(int(rng.integers(1, 4))):
        op = rng.choice(["insert", "delete", "substitute", "punctuation"])
        i = int(rng.integers(len(chars)))
        if op == "insert":
            chars.insert(i, str(rng.choice(list(FILLERS_ZH))))
        elif op == "delete" and len(chars) > 4:
            del chars[i]
        elif op == "substitute":
            chars[i] = str(rng.choice(list(FILLERS_ZH)))
        else:
            chars = [{"，": ",", "。": "", "“": '"', "”": '"'}.get(c, c) for c in chars]
    return "".join(chars)
