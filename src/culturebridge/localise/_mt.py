"""Machine translation behind one protocol, with the memory and the termbase in front.

`Translator` is the protocol: a `name` and `translate(texts, *, source, target)` returning one
`Translation` per text, whose `text` is None when there is no translation (never an invented
one) and whose `origin` says where it came from:

* "memory-exact": an approved pair whose source is the text (normalised, see `_memory`);
* "termbase": the whole text is an approved term (a title, a partner name, a place);
* "memory-fuzzy": an approved pair at or above `fuzzy_threshold` (default 0.9: below that a
  near miss usually differs in a word that matters), flagged so that a person checks it;
* "mt:<backend>": a machine translation by the configured backend;
* "none": nothing found: "no translation in the memory or termbase; configure an MT backend".

`MemoryTranslator` is the default and the pipeline: it tries memory, termbase and fuzzy memory
in that order and hands what is left, if a backend is given, to the backend with the termbase
terms protected: each term in the source is replaced by a placeholder (⟦0⟧, ⟦1⟧, ...) before
the backend sees the text, and the placeholder is replaced by the approved rendering after, so
"Blue Planet" always comes out 蓝色星球. A placeholder the backend lost is reported in the
message, and the term is not silently dropped: the translation keeps its text and says which
terms to check. For a Traditional Chinese target (zh-Hant, zh-TW, zh-HK) renderings come from
the term's `zh_hant` when it has one, and every output is converted with OpenCC for that
audience (`_script`).

Backends (`CTranslate2Translator`, `ArgosTranslator`) import their package when built and raise
a one-line `UserError` when the package or the model is missing; `make_translator` builds the
one the settings name (`CULTUREBRIDGE_LOCALISE__MT_BACKEND`, `__MODEL_PATH`), wrapped in the
pipeline. Nothing is downloaded: a model is a local path.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from culturebridge.config import LocaliseSettings, get_settings
from culturebridge.errors import UserError
from culturebridge.localise._memory import Segment, TranslationMemory
from culturebridge.localise._script import to_traditional
from culturebridge.localise._termbase import Term, Termbase
from culturebridge.localise._text import fold, primary, script_variant

NO_TRANSLATION = "no translation in the memory or termbase; configure an MT backend"
PLACEHOLDER = "⟦{}⟧"
_PLACEHOLDER = re.compile(r"⟦\s*(\d+)\s*⟧")


@dataclass(frozen=True)
class Translation:
    source: str
    text: str | None
    origin: str
    """memory-exact, memory-fuzzy, termbase, mt:<backend> or none."""
    message: str = ""
    score: float | None = None
    """The memory match's similarity (1.0 exact), when it came from the memory."""
    tuid: str | None = None

    @property
    def found(self) -> bool:
        return self.text is not None


@runtime_checkable
class Translator(Protocol):
    name: str

    def translate(self, texts: Sequence[str], *, source: str, target: str) -> list[Translation]: ...


def rendering(term: Term, target: str) -> str:
    """The term in the target language: English, or Chinese for the target's script."""
    if primary(target) != "zh":
        return term.en
    variant = script_variant(target)
    if variant is None:
        return term.zh
    return term.zh_hant or to_traditional(term.zh, variant)


@dataclass(frozen=True)
class Protected:
    text: str
    """The source with placeholders for the terms."""
    renderings: tuple[str, ...]
    terms: tuple[str, ...]


def protect(text: str, termbase: Termbase, source: str, target: str) -> Protected:
    """Replace the termbase's terms in `text` by numbered placeholders."""
    lang = "zh" if primary(source) == "zh" else "en"
    hits = termbase.find(text, lang)
    if not hits:
        return Protected(text, (), ())
    folded = fold(text)
    if len(folded) != len(text):  # NFKC changed lengths: work on the folded text
        text = folded
    parts: list[str] = []
    renderings: list[str] = []
    names: list[str] = []
    last = 0
    for i, hit in enumerate(hits):
        parts.append(text[last : hit.start])
        parts.append(PLACEHOLDER.format(i))
        renderings.append(rendering(hit.term, target))
        names.append(hit.term.en if lang == "en" else hit.term.zh)
        last = hit.end
    parts.append(text[last:])
    return Protected("".join(parts), tuple(renderings), tuple(names))


def restore(text: str, protected: Protected) -> tuple[str, list[str]]:
    """Put the renderings back; the terms whose placeholder the backend lost."""
    seen: set[int] = set()

    def sub(m: re.Match[str]) -> str:
        i = int(m.group(1))
        if i < len(protected.renderings):
            seen.add(i)
            return protected.renderings[i]
        return m.group(0)

    out = _PLACEHOLDER.sub(sub, text)
    lost = [t for i, t in enumerate(protected.terms) if i not in seen]
    return out, lost


class MemoryTranslator:
    """The default translator and the pipeline in front of any backend (module docstring)."""

    name = "memory"

    def __init__(
        self,
        memory: TranslationMemory | None = None,
        termbase: Termbase | None = None,
        *,
        backend: Translator | None = None,
        fuzzy_threshold: float = 0.9,
    ) -> None:
        self.memory = memory
        self.termbase = termbase
        self.backend = backend
        self.fuzzy_threshold = fuzzy_threshold

    def translate(self, texts: Sequence[str], *, source: str, target: str) -> list[Translation]:
        out: list[Translation | None] = [self._lookup(t, source, target) for t in texts]
        pending = [i for i, t in enumerate(out) if t is None and texts[i].strip()]
        if self.backend is not None and pending:
            for i, tr in zip(
                pending, self._machine([texts[i] for i in pending], source, target), strict=True
            ):
                out[i] = tr
        message = (
            NO_TRANSLATION
            if self.backend is None
            else f"no translation in the memory or termbase, and none from {self.backend.name}"
        )
        return [
            tr if tr is not None else Translation(texts[i], None, "none", message)
            for i, tr in enumerate(out)
        ]

    def _script(self, text: str, target: str) -> str:
        variant = script_variant(target)
        return to_traditional(text, variant) if variant else text

    def _target(self, segment: Segment, target: str) -> str:
        """The unit's text in exactly the target's tag when it has one (a zh-TW variant for
        zh-TW), else the matched target converted for the target's script."""
        assert self.memory is not None
        unit = self.memory.unit(segment.index) if segment.index >= 0 else None
        exact = unit.variant(target) if unit is not None else None
        if exact is not None and exact.lang.lower() == target.lower():
            return exact.text
        return self._script(segment.target, target)

    def _lookup(self, text: str, source: str, target: str) -> Translation | None:
        if not text.strip():
            return Translation(text, None, "none", "nothing to translate")
        if self.memory is not None:
            hits = self.memory.exact(text, source_lang=source, target_lang=target)
            if hits:
                s = hits[0].segment
                return Translation(
                    text, self._target(s, target), "memory-exact", score=1.0, tuid=s.tuid
                )
        if self.termbase is not None:
            term = self.termbase.lookup(text, "zh" if primary(source) == "zh" else "en")
            if term is not None:
                return Translation(
                    text, rendering(term, target), "termbase", f"approved {term.domain} term"
                )
        if self.memory is not None:
            fuzzy = self.memory.fuzzy(
                text, source_lang=source, target_lang=target, n=1, threshold=self.fuzzy_threshold
            )
            if fuzzy:
                m = fuzzy[0]
                return Translation(
                    text,
                    self._target(m.segment, target),
                    "memory-fuzzy",
                    f"fuzzy match ({m.score:.0%}) of {m.segment.source!r}: check before use",
                    score=m.score,
                    tuid=m.segment.tuid,
                )
        return None

    def _machine(self, texts: list[str], source: str, target: str) -> list[Translation]:
        assert self.backend is not None
        guarded = [
            protect(t, self.termbase, source, target)
            if self.termbase is not None
            else Protected(t, (), ())
            for t in texts
        ]
        raw = self.backend.translate([g.text for g in guarded], source=source, target=target)
        if len(raw) != len(texts):
            raise UserError(
                f"MT backend {self.backend.name} returned {len(raw)} translations for "
                f"{len(texts)} texts"
            )
        out: list[Translation] = []
        for text, g, tr in zip(texts, guarded, raw, strict=True):
            if tr.text is None:
                out.append(replace(tr, source=text))
                continue
            restored, lost = restore(tr.text, g)
            message = tr.message
            if lost:
                message = (message + "; " if message else "") + (
                    f"the backend dropped the term(s) {', '.join(lost)}: check the output"
                )
            out.append(
                Translation(text, self._script(restored, target), tr.origin, message, tr.score)
            )
        return out


# ---------------------------------------------------------------------------------- backends


def _model_dir(model_path: Path | None, backend: str) -> Path:
    if model_path is None:
        raise UserError(
            f"the {backend} backend needs a model: set CULTUREBRIDGE_LOCALISE__MODEL_PATH"
        )
    path = Path(model_path).expanduser()
    if not path.exists():
        raise UserError(f"{backend} model not found: {path}")
    return path


class CTranslate2Translator:
    """A CTranslate2 model directory (e.g. an OPUS-MT model converted with
    `ct2-transformers-converter`), tokenised with the SentencePiece models beside it
    (`source.spm`, `target.spm`). Needs `pip install ctranslate2 sentencepiece`. Use it
    through `MemoryTranslator(backend=...)` for the memory and protected terms."""

    name = "ctranslate2"

    def __init__(
        self,
        model_path: Path | None,
        *,
        device: str = "cpu",
        beam_size: int = 4,
        target_prefix: str | None = None,
    ) -> None:
        path = _model_dir(model_path, self.name)
        try:
            import ctranslate2
            import sentencepiece
        except ImportError:
            raise UserError(
                "the ctranslate2 backend needs its packages: pip install ctranslate2 sentencepiece"
            ) from None
        spm = {side: path / f"{side}.spm" for side in ("source", "target")}
        absent = [p.name for p in spm.values() if not p.is_file()]
        if not path.is_dir() or absent:
            raise UserError(
                f"{path}: not a CTranslate2 model folder with source.spm and target.spm"
            )
        try:
            self._model: Any = ctranslate2.Translator(str(path), device=device)
        except (RuntimeError, ValueError) as exc:
            raise UserError(f"{path}: cannot load the CTranslate2 model ({exc})") from None
        self._source: Any = sentencepiece.SentencePieceProcessor(model_file=str(spm["source"]))
        self._target: Any = sentencepiece.SentencePieceProcessor(model_file=str(spm["target"]))
        self.beam_size = beam_size
        self.target_prefix = target_prefix

    def translate(self, texts: Sequence[str], *, source: str, target: str) -> list[Translation]:
        batch = [self._source.encode(t, out_type=str) for t in texts]
        prefix = [[self.target_prefix]] * len(batch) if self.target_prefix else None
        results = self._model.translate_batch(batch, target_prefix=prefix, beam_size=self.beam_size)
        out = []
        for text, res in zip(texts, results, strict=True):
            tokens = list(res.hypotheses[0])
            if self.target_prefix and tokens[:1] == [self.target_prefix]:
                tokens = tokens[1:]
            out.append(Translation(text, self._target.decode(tokens), f"mt:{self.name}"))
        return out


class ArgosTranslator:
    """An Argos Translate package (`.argosmodel` file, installed into Argos's package folder
    on first use, or a folder Argos has already installed). Needs `pip install
    argostranslate`. Use it through `MemoryTranslator(backend=...)`."""

    name = "argos"

    def __init__(self, model_path: Path | None) -> None:
        path = _model_dir(model_path, self.name)
        try:
            import argostranslate.package
            import argostranslate.translate
        except ImportError:
            raise UserError(
                "the argos backend needs its package: pip install argostranslate"
            ) from None
        if path.is_file():
            try:
                argostranslate.package.install_from_path(path)
            except Exception as exc:  # Argos raises plain Exceptions for a bad package
                raise UserError(f"{path}: not an Argos package ({exc})") from None
        self._translate: Any = argostranslate.translate

    def translate(self, texts: Sequence[str], *, source: str, target: str) -> list[Translation]:
        src, tgt = _argos_code(source), _argos_code(target)
        try:
            model = self._translate.get_translation_from_codes(src, tgt)
        except Exception:  # Argos: AttributeError/StopIteration when the pair is absent
            model = None
        if model is None:
            raise UserError(f"no installed Argos model translates {src} to {tgt}")
        return [Translation(t, str(model.translate(t)), f"mt:{self.name}") for t in texts]


def _argos_code(lang: str) -> str:
    """Argos's language codes: zh (Simplified), zt (Traditional), else the primary subtag."""
    return "zt" if script_variant(lang) else primary(lang)


BackendName = Literal["memory", "ctranslate2", "argos"]


def make_backend(settings: LocaliseSettings) -> Translator | None:
    """The backend the settings name, or None for the memory-only default."""
    if settings.mt_backend == "ctranslate2":
        return CTranslate2Translator(settings.model_path, device=settings.device)
    if settings.mt_backend == "argos":
        return ArgosTranslator(settings.model_path)
    return None


def make_translator(
    memory: TranslationMemory | None = None,
    termbase: Termbase | None = None,
    *,
    settings: LocaliseSettings | None = None,
) -> MemoryTranslator:
    """The pipeline (memory, termbase, fuzzy memory) with the configured backend behind it."""
    s = settings or get_settings().localise
    return MemoryTranslator(
        memory, termbase, backend=make_backend(s), fuzzy_threshold=s.mt_fuzzy_threshold
    )
