"""The translation pipeline: memory, termbase, fuzzy memory, then a backend with protected
terms; and the backends' clean failures when their packages or models are missing."""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import pytest

from culturebridge.config import get_settings
from culturebridge.errors import UserError
from culturebridge.localise import (
    NO_TRANSLATION,
    ArgosTranslator,
    CTranslate2Translator,
    MemoryTranslator,
    Term,
    Termbase,
    Translation,
    TranslationMemory,
    Translator,
    Unit,
    Variant,
    make_translator,
    to_traditional,
)


@pytest.fixture
def tm() -> TranslationMemory:
    memory = TranslationMemory()
    memory.add("Blue Planet returns this autumn.", "《蓝色星球》今年秋天回归。", tuid="a")
    memory.add("The festival starts on Friday.", "音乐节周五开幕。", tuid="b")
    return memory


@pytest.fixture
def tb() -> Termbase:
    return Termbase(
        [
            Term(en="Blue Planet", zh="蓝色星球", domain="title", forbidden=("蓝色行星",)),
            Term(en="Big Ben", zh="大本钟", zh_hant="大笨鐘", domain="tourism"),
            Term(en="London", zh="伦敦", domain="tourism"),
        ]
    )


class FakeBackend:
    """Implements the Translator protocol: 'translates' word by word from a tiny dictionary
    and passes everything else through, as an MT model passes a placeholder through."""

    name = "fake"
    WORDS = {"watch": "观看", "tonight": "今晚", "in": "在", "visit": "参观"}

    def __init__(self, drop_placeholders: bool = False) -> None:
        self.seen: list[str] = []
        self.drop = drop_placeholders

    def translate(self, texts: Sequence[str], *, source: str, target: str) -> list[Translation]:
        self.seen += list(texts)
        out = []
        for text in texts:
            words = [self.WORDS.get(w.lower(), w) for w in text.split()]
            if self.drop:
                words = [w for w in words if not w.startswith("⟦")]
            out.append(Translation(text, "".join(words), f"mt:{self.name}"))
        return out


def test_fake_backend_satisfies_the_protocol() -> None:
    assert isinstance(FakeBackend(), Translator)
    assert isinstance(MemoryTranslator(), Translator)


def test_default_says_plainly_it_has_no_translation(tm: TranslationMemory, tb: Termbase) -> None:
    (tr,) = MemoryTranslator(tm, tb).translate(["Something never seen."], source="en", target="zh")
    assert tr.text is None and tr.origin == "none" and not tr.found
    assert (
        tr.message
        == NO_TRANSLATION
        == ("no translation in the memory or termbase; configure an MT backend")
    )
    (empty,) = MemoryTranslator().translate(["Blue Planet"], source="en", target="zh")
    assert empty.origin == "none"


def test_memory_termbase_and_fuzzy_in_order(tm: TranslationMemory, tb: Termbase) -> None:
    translator = MemoryTranslator(tm, tb)
    exact, term, fuzzy, traditional = translator.translate(
        [
            "blue planet returns this autumn.",
            "Blue Planet",
            "The festival starts on Friday．",
            "Big Ben",
        ],
        source="en",
        target="zh",
    )
    assert (exact.origin, exact.text, exact.tuid) == (
        "memory-exact",
        "《蓝色星球》今年秋天回归。",
        "a",
    )
    assert (term.origin, term.text) == ("termbase", "蓝色星球")
    assert fuzzy.origin == "memory-exact"  # full-width punctuation is normalised away
    assert traditional.text == "大本钟"
    near = translator.translate(["The festival starts on Fridays."], source="en", target="zh")[0]
    assert near.origin == "memory-fuzzy" and near.score is not None and 0.9 <= near.score < 1
    assert "check before use" in near.message
    # below the translator's high threshold a near miss is not used
    far = translator.translate(["The festival ends on Sunday."], source="en", target="zh")[0]
    assert far.origin == "none"


def test_traditional_targets(tm: TranslationMemory, tb: Termbase) -> None:
    translator = MemoryTranslator(tm, tb)
    hk, tw = (
        translator.translate(["Blue Planet returns this autumn."], source="en", target=t)[0]
        for t in ("zh-HK", "zh-TW")
    )
    assert hk.text == to_traditional("《蓝色星球》今年秋天回归。", "hk")
    assert tw.text == to_traditional("《蓝色星球》今年秋天回归。", "tw")
    assert hk.text is not None and hk.text.startswith("《藍色星球》今年秋天")
    (ben,) = translator.translate(["Big Ben"], source="en", target="zh-Hant")
    assert ben.text == "大笨鐘"  # the term's own Traditional form, not a conversion
    # a unit that has the exact target variant gives it, unconverted
    tm.add_unit(
        Unit(
            (
                Variant.plain("en", "Software"),
                Variant.plain("zh-CN", "软件"),
                Variant.plain("zh-TW", "軟體"),
            )
        )
    )
    got = {
        t: translator.translate(["Software"], source="en", target=t)[0].text
        for t in ("zh", "zh-TW", "zh-HK")
    }
    assert got == {"zh": "软件", "zh-TW": "軟體", "zh-HK": "軟件"}
    (back,) = translator.translate(["蓝色星球"], source="zh", target="en")
    assert (back.origin, back.text) == ("termbase", "Blue Planet")


def test_fake_backend_goes_through_the_pipeline_with_terms_protected(
    tm: TranslationMemory, tb: Termbase
) -> None:
    backend = FakeBackend()
    translator = MemoryTranslator(tm, tb, backend=backend)
    memory_hit, machine, none = translator.translate(
        ["Blue Planet returns this autumn.", "Watch Blue Planet tonight in London", ""],
        source="en",
        target="zh",
    )
    assert memory_hit.origin == "memory-exact"  # the backend is not asked what the memory knows
    assert backend.seen == ["Watch ⟦0⟧ tonight in ⟦1⟧"]  # it never sees the terms
    assert machine.origin == "mt:fake"
    assert machine.text == "观看蓝色星球今晚在伦敦" and machine.message == ""
    assert none.origin == "none"


def test_a_lost_placeholder_is_reported(tb: Termbase) -> None:
    translator = MemoryTranslator(termbase=tb, backend=FakeBackend(drop_placeholders=True))
    (tr,) = translator.translate(["Visit London tonight"], source="en", target="zh-HK")
    assert tr.text == "參觀今晚" and "dropped the term(s) London" in tr.message


def test_settings_pick_the_backend(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert make_translator().backend is None
    monkeypatch.setenv("CULTUREBRIDGE_LOCALISE__MT_BACKEND", "ctranslate2")
    get_settings.cache_clear()
    with pytest.raises(UserError, match="CULTUREBRIDGE_LOCALISE__MODEL_PATH"):
        make_translator()
    monkeypatch.setenv("CULTUREBRIDGE_LOCALISE__MODEL_PATH", str(tmp_path / "absent"))
    get_settings.cache_clear()
    with pytest.raises(UserError, match="model not found"):
        make_translator()


@pytest.mark.skipif(
    importlib.util.find_spec("ctranslate2") is not None, reason="ctranslate2 is installed"
)
def test_ctranslate2_without_its_package(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="pip install ctranslate2") as err:
        CTranslate2Translator(tmp_path)
    assert "\n" not in str(err.value)


@pytest.mark.skipif(
    importlib.util.find_spec("argostranslate") is not None, reason="argostranslate is installed"
)
def test_argos_without_its_package(tmp_path: Path) -> None:
    model = tmp_path / "en_zh.argosmodel"
    model.write_bytes(b"")
    with pytest.raises(UserError, match="pip install argostranslate"):
        ArgosTranslator(model)


def test_adapters_need_a_model_path(tmp_path: Path) -> None:
    for make in (lambda p: CTranslate2Translator(p), lambda p: ArgosTranslator(p)):
        with pytest.raises(UserError, match="needs a model"):
            make(None)
        with pytest.raises(UserError, match="model not found"):
            make(tmp_path / "nowhere")
