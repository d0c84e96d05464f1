"""The matching key: every mapping in data/normalization.json, idempotence, offsets."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import textnorm

MAPPING_CASES = [
    (entry["name"], ch, rep)
    for entry in textnorm.mappings()
    for ch, rep in textnorm._pairs(entry)
]


@pytest.mark.parametrize(("name", "char", "expected"), MAPPING_CASES)
def test_each_mapping_inside_a_word(name: str, char: str, expected: str) -> None:
    # A character between two letters, so space collapsing does not hide the mapping.
    assert textnorm.normalize(f"ب{char}ب") == f"ب{expected}ب", name


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("زياد نخالة", "زیاد نخاله"),
        ("الجهاد الإسلامي", "الجهاد الإسلامی"),
        ("كرانه باختری", "کرانه باختري"),
        ("مسئول", "مسيول"),
        ("رئيس", "رییس"),
        ("آمريكا", "امریکا"),
        ("مُحَمَّد", "محمد"),
        ("القاهـــرة", "القاهره"),
        ("می‌گوید", "می گوید"),
        ("خبرگزاری\u200cها", "خبرگزاری ها"),
        ("١٤٠٢/٠٣/١٦", "۱۴۰۲/۰۳/۱۶"),
        ("«حماس»", '"حماس"'),
        ("REUTERS", "reuters"),
        ("ﺍﻟﻘﺎﻫﺮﺓ", "القاهرة"),  # presentation forms
        ("غزة\u200f", "غزه"),  # a right-to-left mark
    ],
)
def test_spellings_share_one_key(a: str, b: str) -> None:
    assert textnorm.normalize(a) == textnorm.normalize(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [("حماس", "حمص"), ("مصر", "مصير"), ("ايران", "ايرلندا"), ("2023", "2024")],
)
def test_different_words_keep_different_keys(a: str, b: str) -> None:
    assert textnorm.normalize(a) != textnorm.normalize(b)


def test_whitespace_runs_collapse_to_one_space() -> None:
    assert textnorm.normalize("غزة \u200c\n\t  مصر") == "غزه مصر"


def test_fold_digits_keeps_length() -> None:
    text = "تاریخ ۱۴۰۲/۰۳/۱۶ و ٢٠٢٥"
    folded = textnorm.fold_digits(text)
    assert len(folded) == len(text)
    assert folded == "تاریخ 1402/03/16 و 2025"


TEXT = st.text(
    alphabet=st.sampled_from(
        list("ابتثجحخدذرزسشصضطظعغفقكلمنهويةىئؤأإآکیگچپژۀ ًٌٍَُِّـ٠١۲۳09aZ .،\n")
        + ["\u200c", "\u200f", "\u202b", "ﻻ", "ﷲ", "ﺍ", "\t"]
    ),
    max_size=80,
)


@given(TEXT)
def test_normalising_twice_changes_nothing(text: str) -> None:
    once = textnorm.normalize(text)
    assert textnorm.normalize(once) == once


@given(TEXT)
def test_keyed_agrees_with_normalize(text: str) -> None:
    k = textnorm.keyed(text)
    assert k.key == textnorm.normalize(text)
    assert len(k.offsets) == len(k.key) + 1
    assert k.offsets[-1] == len(text)
    assert all(0 <= o <= len(text) for o in k.offsets)
    assert list(k.offsets) == sorted(k.offsets)


@given(TEXT, st.data())
def test_every_span_points_at_text_with_the_same_key(text: str, data: st.DataObject) -> None:
    k = textnorm.keyed(text)
    if not k.key:
        return
    i = data.draw(st.integers(0, len(k.key) - 1))
    j = data.draw(st.integers(i + 1, len(k.key)))
    start, end = k.span(i, j)
    piece = text[start:end]
    assert textnorm.normalize(piece).strip() == k.key[i:j].strip() or _expansion_cut(text, k, i, j)


def _expansion_cut(text: str, k: textnorm.Keyed, i: int, j: int) -> bool:
    # A span that starts or ends inside a one-to-many expansion (a ligature such as ﻻ)
    # necessarily covers the whole original character.
    return any(
        len(unicodedata.normalize("NFKC", text[k.offsets[p]])) > 1 for p in (i, j - 1)
    )


def test_span_excludes_prefix_and_punctuation() -> None:
    text = "وصل وفد إلى القاهرةِ، اليوم"
    k = textnorm.keyed(text)
    ks = k.key.index("القاهره")
    start, end = k.span(ks, ks + len("القاهره"))
    assert text[start:end] == "القاهرةِ"


SHORT = st.text(
    alphabet=st.one_of(
        st.sampled_from(sorted({chr(cp) for cp in textnorm._table() if cp < 0x10000})),
        st.sampled_from(list(" \u00a0\t\nابجد هوز ی ك 123 ABC")),
        st.characters(),
    ),
    max_size=textnorm.SMALL - 1,
)


@given(SHORT)
def test_short_text_loop_gives_the_numpy_key(text: str) -> None:
    small = textnorm._small_key(text)
    found = textnorm._key_codes(text)
    assert (small is None) == (found is None)
    if small is not None:
        assert small[0] == textnorm._decode(found[0]) == textnorm.normalize(text)
        assert small[1] == found[1].tolist()
        k = textnorm.keyed(text)
        assert k.key == small[0] and k.offsets.tolist() == [*small[1], len(text)]
        assert k.offsets.dtype == textnorm.keyed("x" * 200).offsets.dtype


MANY = st.lists(st.one_of(SHORT, TEXT, st.text(max_size=120)), max_size=12)


def _plain(k: textnorm.Keyed) -> tuple[str, str, list[int], object]:
    return k.text, k.key, k.offsets.tolist(), k.offsets.dtype


@given(MANY, st.integers(1, 200))
def test_primed_keys_equal_keys_made_one_by_one(texts: list[str], chunk: int) -> None:
    # Small chunks put texts on both sides of a chunk boundary.
    old = textnorm.PRIME_CHUNK
    textnorm.PRIME_CHUNK = chunk
    try:
        with textnorm.shared_keys():
            textnorm.prime(texts)
            primed = [_plain(textnorm.keyed(t)) for t in texts]
    finally:
        textnorm.PRIME_CHUNK = old
    assert primed == [_plain(textnorm._keyed(t)) for t in texts]


def test_prime_outside_a_scope_keeps_nothing() -> None:
    assert textnorm.prime(["قال رويترز"]) == 0


def test_prime_stops_when_the_memo_is_full(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(textnorm, "SHARED_MAX_CHARS", 10)
    with textnorm.shared_keys():
        assert textnorm.prime(["abcdef", "ghijkl", "mn"]) == 1
        assert textnorm.keyed("ghijkl").key == "ghijkl"


@given(st.lists(st.one_of(TEXT, SHORT, st.sampled_from(["|", " | ", "a|b", "  "])), max_size=10))
def test_normalize_many_equals_normalize_of_each(texts: list[str]) -> None:
    assert textnorm.normalize_many(texts) == [textnorm.normalize(t) for t in texts]
