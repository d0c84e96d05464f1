"""Language identification: ar, fa, en, und."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import language
from helpers.language import detect_language


@pytest.mark.parametrize("text, expected", [
    # Arabic news prose; one Persian yeh in a keyword line does not change it.
    ("وصل وفد يمثل حركة الجهاد الإسلامي الفلسطينية إلى القاهرة لإجراء محادثات", "ar"),
    ("كلمات دلالية: القاهرة حركة الجهاد الإسلامية قطاع غزة الجهاد الإسلامی", "ar"),
    ("التقى وزير الخارجية مع الأمين العام لمنظمة التعاون الرقمي على هامش منتدى الدوحة", "ar"),
    # Persian, modern spelling and the older spelling with Arabic yeh and kaf.
    ("جنبش جهاد اسلامی فلسطین در بیانیه ای به جزئیات دیدار پرداخت", "fa"),
    ("سكوت جبهه اصلاحات ناشي از يك استراتژي مشخص نيست", "fa"),
    ("زمين‌هاي با كاربري ورزشي منطقه 22 شناسايي مي‌شوند", "fa"),
    ("اين طرح براي مردم است و دولت آن را اجرا مي‌كند", "fa"),
    # Latin, Cyrillic, Urdu, nothing.
    ("The Islamic Jihad delegation arrived in Cairo for talks with Egyptian officials.", "en"),
    ("Пожертвования должны удовлетворять потребности людей", "und"),
    ("Der Minister traf sich mit dem Generalsekretär in Doha.", "und"),
    ("پاکستان میں بارش سے کئی افراد ہلاک ہو گئے ہیں اور سڑکیں بند ہیں۔ ٹریفک متاثر ہوا", "und"),
    ("", "und"),
    ("12345 ... !!!", "und"),
])
def test_detect_language(text, expected):
    assert detect_language(text) == expected


def test_seed_pages(corpus_dir: Path):
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(corpus_dir.glob("*.txt"))}
    assert [detect_language(t) for t in texts.values()] == ["ar", "fa"]


def test_fars_sample_old_and_new_spellings(eval_dir: Path):
    records = json.loads((eval_dir / "fa/fars-news-1_sample60.json").read_text(encoding="utf-8"))
    old = [r for r in records if "ي" in r["title"] and "ی" not in r["title"]]
    assert old, "the sample has titles in the older spelling"
    assert {detect_language(r["title"] + "\n" + r["abstract"]) for r in records} == {"fa"}


def test_saudi_sample_is_arabic(eval_dir: Path):
    path = eval_dir / "ar/saudinewsnet_2015-08-11_sample61.json"
    records = json.loads(path.read_text(encoding="utf-8"))
    assert {detect_language(r["title"] + "\n" + r["content"]) for r in records} == {"ar"}


def test_every_listed_letter_and_word_counts():
    rules = language.rules()
    for lang in ("ar", "fa"):
        other = "fa" if lang == "ar" else "ar"
        for ch in rules.letters[lang]:
            s = language.scores(ch * 3)
            assert s[lang] > s[other], (lang, ch)
        for word in rules.words[lang]:
            s = language.scores(f"{word} {word}")
            assert s[lang] > 0, (lang, word)


@given(st.text(max_size=300))
def test_always_one_of_the_codes(text):
    assert detect_language(text) in language.LANGS


@given(st.text(alphabet="ابتثجحخدذرزسشصضطظعغفقلمنهو ", max_size=200))
def test_shared_letters_alone_decide_nothing_wrongly(text):
    # Letters both languages use give no evidence: never a confident wrong call from them.
    assert detect_language(text) == "und" or any(w in text.split() for ws in
                                                 language.rules().words.values() for w in ws)


def _plain_scores(text: str) -> dict[str, float]:
    """The scores as data/language.json describes them, counted the plain way."""
    rules = language.rules()
    sample = text[: rules.sample_chars]
    words = language.words_only(sample).split()
    return {lang: rules.letter_weight * sum(sample.count(ch) for ch in letters)
            + rules.word_weight * sum(words.count(w) for w in rules.words[lang])
            for lang, letters in rules.letters.items()}


_EVIDENCE = st.sampled_from(
    [w for ws in language.rules().words.values() for w in ws]
    + list("".join(language.rules().letters.values()) + language.rules().other_letters)
    + ["\u200c", "\u064b", "ـ", "1", ".", "\n", "\U0001F600", "\ud800", "\uffff", "abc", "Ж"])


@given(st.lists(_EVIDENCE | st.text(max_size=5), max_size=60).map(" ".join))
def test_scores_count_what_the_rules_say(text):
    # the one-pass counting (letter classes, word automaton) against plain str.count
    assert language.scores(text) == _plain_scores(text)


def test_word_table_keeps_exactly_letters_and_marks():
    import unicodedata

    expected = [cp if unicodedata.category(chr(cp))[0] in "LM" else 0x20 for cp in range(0x10000)]
    assert language._word_table().tolist() == expected
