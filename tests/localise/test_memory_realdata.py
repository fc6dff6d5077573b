"""Fuzzy retrieval on real news sentences (WMT newstest 2018-2020, en-zh): a memory of 7,379
pairs, queried with lightly edited sources, must return the right pair first for at least 90%
of the queries in either language, at the default threshold."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from culturebridge.localise import TranslationMemory, Unit, Variant, normalise
from culturebridge.localise._edits import edit_en, edit_zh, read_pairs

FILES = [f"en-zh/newstest{y}_zh_en.csv" for y in (2018, 2019, 2020)]


@pytest.mark.realdata
def test_fuzzy_finds_lightly_edited_sentences(real_file: Callable[[str], Path]) -> None:
    pairs = [p for f in FILES for p in read_pairs(real_file(f))]
    assert len(pairs) == 3960 + 2001 + 1418
    tm = TranslationMemory()
    tm.merge(Unit((Variant.plain("en", en), Variant.plain("zh", zh))) for en, zh in pairs)
    rng = np.random.default_rng(6)
    picks = rng.choice(len(pairs), size=400, replace=False)
    hits = {"en": 0, "zh": 0}
    for k, i in enumerate(picks):
        en, zh = pairs[int(i)]
        lang, source = ("en", en) if k % 2 == 0 else ("zh", zh)
        query = edit_en(source, rng) if lang == "en" else edit_zh(source, rng)
        found = tm.fuzzy(query, source_lang=lang, target_lang="zh" if lang == "en" else "en", n=1)
        hits[lang] += bool(found) and normalise(found[0].segment.source) == normalise(source)
    per_lang = len(picks) // 2
    assert hits["en"] / per_lang >= 0.90, hits
    assert hits["zh"] / per_lang >= 0.90, hits
