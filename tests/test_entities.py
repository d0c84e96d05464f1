"""Entity registry and mentions: normalisation, prefixes, boundaries, overlaps, offsets."""

from __future__ import annotations

import re
from bisect import bisect_right
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import entities, tables, textnorm

SEEDS = Path(__file__).resolve().parents[1] / "corpus"


def found(text: str, field: str = "body", registry=None) -> list[tuple[str, str]]:
    return [(m["entity_id"], m["surface"]) for m in entities.find_mentions(text, field, registry)]


def ids(text: str) -> list[str]:
    return [e for e, _ in found(text)]


# --------------------------------------------------------------------------- registry
def test_shipped_registry_is_large_clean_and_trilingual() -> None:
    reg = entities.load_registry()
    assert len(reg) >= 300
    assert reg["id"].is_unique
    assert reg["id"].str.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*").all()
    assert set(reg["type"]) <= set(entities.TYPES)
    for col in ("label_en", "label_ar", "label_fa"):
        assert (reg[col].str.strip() != "").all(), col
    assert entities.matcher().conflicts == ()


def test_registry_covers_the_types_the_issue_names() -> None:
    counts = entities.load_registry()["type"].value_counts()
    assert counts["person"] >= 100 and counts["place"] >= 100 and counts["organisation"] >= 60


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        ("Hezbollah", "hezbollah"), ("حزب‌الله", "hezbollah"), ("داعش", "isis"),
        ("الأمم المتحدة", "un"), ("سازمان ملل", "un"), ("الحوثيين", "houthis"),
        ("انصارالله", "houthis"), ("أردوغان", "recep-tayyip-erdogan"),
        ("اردوغان", "recep-tayyip-erdogan"), ("عراقچی", "abbas-araghchi"),
        ("عباس عراقجي", "abbas-araghchi"), ("کرانه باختری", "west-bank"),
        ("الضفة الغربية", "west-bank"), ("آیت‌الله خامنه‌ای", "ali-khamenei"),
        ("الوكالة الدولية للطاقة الذرية", "iaea"), ("آژانس بین‌المللی انرژی اتمی", "iaea"),
        ("مجلس التعاون الخليجي", "gcc"), ("الأونروا", "unrwa"), ("نتانیاهو", "benjamin-netanyahu"),
    ],
)
def test_registry_names_in_both_languages(text: str, entity: str) -> None:
    assert ids(f"قال {text} اليوم") == [entity]


def test_parse_alias_register_and_exact() -> None:
    assert entities.parse_alias("رژیم صهیونیستی@loaded") == ("رژیم صهیونیستی", "loaded", False)
    assert entities.parse_alias("=الإخوان") == ("الإخوان", "neutral", True)


def test_loaded_names_carry_their_register() -> None:
    ms = entities.find_mentions("الكيان الصهيوني وإسرائيل و رژیم صهیونیستی")
    assert [(m["entity_id"], m["register"]) for m in ms] == [
        ("israel", "loaded"), ("israel", "neutral"), ("israel", "loaded")]


def test_exact_alias_gets_no_generated_forms() -> None:
    # =الاحتلال is listed exactly: the bare noun احتلال (occupation) is not Israel.
    assert ids("الاحتلال") == ["israel"]
    assert ids("احتلال عسكري") == []


def test_user_registry_extends_and_replaces() -> None:
    extra = pd.DataFrame([
        {"id": "john-doe", "type": "person", "label_en": "John Doe", "label_ar": "جون دو",
         "aliases_fa": "جان دو"},
        {"id": "cairo", "type": "place", "label_en": "Cairo (edited)", "label_ar": "القاهرة",
         "label_fa": "قاهره"},
    ])
    reg = entities.load_registry(extra=extra)
    assert len(reg) == len(entities.load_registry()) + 1
    assert entities.registry_fingerprint(reg) != entities.registry_fingerprint()
    ms = entities.find_mentions("دیدار جان دو در قاهره", registry=reg)
    assert [(m["entity_id"], m["name"]) for m in ms] == [
        ("john-doe", "John Doe"), ("cairo", "Cairo (edited)")]
    assert entities.label(["john-doe"], "ar", registry=reg) == ["جون دو"]


def test_registry_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("id,type,label_en,label_ar\nfoo-bar,organisation,Foo Bar,فوبار\n",
                    encoding="utf-8")
    reg = entities.load_registry(path)
    assert reg.loc[0, "aliases_fa"] == ""
    assert found("بيان فوبار", registry=reg) == [("foo-bar", "فوبار")]


def test_conflicting_aliases_are_reported_not_silently_merged() -> None:
    reg = entities.load_registry(extra=pd.DataFrame([{"id": "zz", "aliases_ar": "حماس"}]))
    assert ("حماس", "hamas", "zz") in entities.compile_registry(reg).conflicts


def test_label_languages() -> None:
    assert entities.label(["gaza", "gaza"], "en") == ["Gaza", "Gaza"]
    assert entities.label(["gaza"], "ar") == ["غزة"]
    assert entities.label(["gaza"], "fa") == ["غزه"]
    assert entities.label(["nobody"], "fa") == [None]


# --------------------------------------------------------------------------- normalisation
NORMALISATION_CASES = [
    # (case, text, entity, surface)
    ("teh marbuta / heh", "غزه", "gaza", "غزه"),
    ("heh / teh marbuta", "قاهرة", "cairo", "قاهرة"),
    ("stem of an ال alias", "خليل", None, None),  # الخليل is Hebron, خليل a first name
    ("Arabic / Persian yeh", "الجهاد الإسلامی", "islamic-jihad", "الجهاد الإسلامی"),
    ("Persian / Arabic yeh", "زياد النخالة", "ziyad-nakhalah", "زياد النخالة"),
    ("keheh / kaf", "عباس كامل", "abbas-kamel", "عباس كامل"),
    ("kaf / keheh", "عباس کامل", "abbas-kamel", "عباس کامل"),
    ("article dropped inside", "زياد نخالة", "ziyad-nakhalah", "زياد نخالة"),
    ("article added inside", "زیاد النخاله", "ziyad-nakhalah", "زیاد النخاله"),
    ("diacritics", "القَاهِرَةُ", "cairo", "القَاهِرَةُ"),
    ("tatweel", "القـــاهرة", "cairo", "القـــاهرة"),
    ("hamza seats", "الاردن", "jordan", "الاردن"),
    ("alef maqsura", "موسي أبو مرزوق", "mousa-abu-marzouk", "موسي أبو مرزوق"),
    ("ZWNJ or space", "خامنه‌ای", "ali-khamenei", "خامنه‌ای"),
    ("ZWNJ written as space", "خامنه ای", "ali-khamenei", "خامنه ای"),
    ("Persian digits in a name", "گروه ۲۰", "g20", "گروه ۲۰"),
    ("Latin case", "HAMAS", "hamas", "HAMAS"),
    ("presentation forms", "ﺣﻤﺎﺱ", "hamas", "ﺣﻤﺎﺱ"),
]


@pytest.mark.parametrize(("case", "text", "entity", "surface"), NORMALISATION_CASES)
def test_normalisation_as_seen_by_matching(case: str, text: str, entity: str | None,
                                           surface: str | None) -> None:
    expected = [] if entity is None else [(entity, surface)]
    assert found(f"وقال {text} أمس") == expected, case


# --------------------------------------------------------------------------- prefixes
PREFIX_CASES = [
    # (text, entity, surface): the particle is not part of the surface
    ("والقاهرة", "cairo", "القاهرة"),
    ("فالقاهرة", "cairo", "القاهرة"),
    ("بالقاهرة", "cairo", "القاهرة"),
    ("كالقاهرة", "cairo", "القاهرة"),
    ("للقاهرة", "cairo", "قاهرة"),
    ("وللقاهرة", "cairo", "قاهرة"),
    ("ومصر", "egypt", "مصر"),
    ("بمصر", "egypt", "مصر"),
    ("لمصر", "egypt", "مصر"),
    ("فمصر", "egypt", "مصر"),
    ("كمصر", "egypt", "مصر"),
    ("وبمصر", "egypt", "مصر"),
    ("لحماس", "hamas", "حماس"),
    ("بقطاع غزة", "gaza", "قطاع غزة"),
    ("لمنظمة التعاون الرقمي", "digital-cooperation-organization", "منظمة التعاون الرقمي"),
    ("للأمم المتحدة", "un", "أمم المتحدة"),
    ("لـمصر", "egypt", "مصر"),
]


@pytest.mark.parametrize(("text", "entity", "surface"), PREFIX_CASES)
def test_attached_particles(text: str, entity: str, surface: str) -> None:
    sentence = f"وصل الوفد {text} أمس"
    ms = entities.find_mentions(sentence)
    assert [(m["entity_id"], m["surface"]) for m in ms] == [(entity, surface)]
    assert sentence[ms[0]["start"]:ms[0]["end"]] == surface


@pytest.mark.parametrize(
    "text",
    [
        "المصريين", "مصري", "مصرية", "الحماس", "بحماسة", "غزاوي", "فلسطيني", "فلسطینی‌ها",
        "الإسرائيلي", "ايرانيان", "القاهري", "ومصرف", "مصرع", "لبنانية", "تهرانی",
        "والحماس", "زيادة", "عراقي",
    ],
)
def test_no_alias_inside_a_longer_word(text: str) -> None:
    assert found(f"قال {text} أمس") == []


def test_the_article_is_never_added_to_a_first_word() -> None:
    # حماس is Hamas; الحماس is "enthusiasm".
    assert ids("بكل الحماس") == []
    assert ids("حماس") == ["hamas"]


def test_punctuation_and_text_edges_are_boundaries() -> None:
    assert found("«غزة»") == [("gaza", "غزة")]
    assert found("(مصر)،") == [("egypt", "مصر")]
    assert found("غزة") == [("gaza", "غزة")]
    assert found("Egypt's") == [("egypt", "Egypt")]


# --------------------------------------------------------------------------- overlaps
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("قطاع غزة", [("gaza", "قطاع غزة")]),
        ("حركة الجهاد الإسلامي في فلسطين",
         [("islamic-jihad", "حركة الجهاد الإسلامي في فلسطين")]),
        ("طوفان الأقصى", [("al-aqsa-flood", "طوفان الأقصى")]),
        ("سرايا القدس", [("quds-brigades", "سرايا القدس")]),
        ("إسرائيل كاتس", [("israel-katz", "إسرائيل كاتس")]),
        ("جنبش جهاد اسلامی فلسطین", [("islamic-jihad", "جنبش جهاد اسلامی فلسطین")]),
        ("مجلس الأمن الدولي", [("unsc", "مجلس الأمن الدولي")]),
        ("عبد الملك الحوثي", [("abdul-malik-al-houthi", "عبد الملك الحوثي")]),
        ("غزة مصر", [("gaza", "غزة"), ("egypt", "مصر")]),
    ],
)
def test_overlapping_aliases_resolve_to_the_longest(text: str, expected: list) -> None:
    assert found(text) == expected


def test_leftmost_wins_over_a_longer_later_overlap() -> None:
    reg = entities.load_registry(extra=pd.DataFrame([
        {"id": "x-ab", "type": "other", "label_en": "AB", "aliases_ar": "بيت جديد"},
        {"id": "x-bc", "type": "other", "label_en": "BC", "aliases_ar": "جديد كبير جدا"},
    ]))
    assert found("في بيت جديد كبير جدا", registry=reg) == [("x-ab", "بيت جديد")]


# --------------------------------------------------------------------------- offsets
def test_offsets_sentences_and_paragraphs() -> None:
    text = "التقى د. بدر عبد العاطي في الدوحة. ثم زار مصر؟\nوفي غزة\n\nثم قاهره"
    ms = entities.find_mentions(text, "body")
    got = [(m["entity_id"], m["start"], m["end"], m["sentence"], m["paragraph"]) for m in ms]
    assert got == [
        ("badr-abdelatty", 9, 23, 0, 0),  # "د." does not end a sentence
        ("doha", 27, 33, 0, 0),
        ("egypt", 42, 45, 1, 0),
        ("gaza", 51, 54, 2, 1),
        ("cairo", 59, 64, 3, 2),
    ]
    for m in ms:
        assert text[m["start"]:m["end"]] == m["surface"]


WORDS = ["قال", "الوفد", "في", "وزير", "يوم", "كما", "تهران", "مصري", "الحماس", "و", "!", "،",
         "\n", "\n\n", "«", "»", ".", "؟", "Reuters", "۱۴۰۲", "٢٠٢٣"]
ALIASES = ["غزة", "قطاع غزة", "القاهرة", "قاهره", "حماس", "زيادة", "زیاد النخاله", "مصر",
           "الجهاد الإسلامی", "رژیم صهیونیستی", "عباس کامل", "حزب‌الله", "Gaza", "الضفة الغربية"]
PREFIXES = ["", "", "", "و", "ب", "ل", "لل", "ف", "وال"]
MARKS = ["", "", "", "\u064e", "\u0640", "\u200c", "\u0651"]


@st.composite
def news_text(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 12))):
        if draw(st.booleans()):
            word = draw(st.sampled_from(ALIASES))
            mark = draw(st.sampled_from(MARKS))
            cut = draw(st.integers(1, len(word)))
            word = word[:cut] + mark + word[cut:]
            parts.append(draw(st.sampled_from(PREFIXES)) + word)
        else:
            parts.append(draw(st.sampled_from(WORDS)))
    return " ".join(parts)


def _key(text: str) -> str:
    return " ".join(re.sub(r"[\W_]", " ", textnorm.normalize(text)).split())


@settings(max_examples=300, deadline=None)
@given(news_text())
def test_every_offset_points_at_the_text_it_claims(text: str) -> None:
    ms = entities.find_mentions(text, "body")
    last = -1
    for m in ms:
        surface = text[m["start"]:m["end"]]
        assert surface == m["surface"]
        assert surface == surface.strip()
        assert m["start"] >= last  # sorted, not overlapping
        last = m["end"]
        assert m["end"] == len(text) or not re.match(r"\w", textnorm.normalize(text[m["end"]]))
        aliases = entities.default_registry().set_index("id").loc[m["entity_id"]]
        forms = {_key(v) for a in entities._aliases(aliases)
                 for v in [a[0]] + [x for x, _ in entities.article_variants(_key(a[0]))]}
        stem_forms = {f[2:] for f in forms if f.startswith("ال")}
        assert _key(surface) in forms | stem_forms


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_raises(text: str) -> None:
    for m in entities.find_mentions(text, "title"):
        assert text[m["start"]:m["end"]] == m["surface"]


# Sentence and paragraph numbers are computed from candidate break characters only; these
# tests hold them to the rule read character by character (the slow, obvious way).
def reference_segments(text: str) -> tuple[tuple[list[int], list[int]],
                                           tuple[list[int], list[int]]]:
    def word(i: int) -> bool:
        return 0 <= i < len(text) and text[i].isalnum() and text[i] <= "\uffff"

    def sentence_break(i: int) -> bool:
        return text[i] in "؟?!؛\n" or (
            text[i] == "." and word(i - 1) and word(i - 2) and not word(i + 1))

    def runs(is_break, is_filler) -> tuple[list[int], list[int]]:
        starts, ends = [], []
        i = 0
        while i < len(text):
            if is_filler(i) and i > 0 and not is_filler(i - 1):  # fillers after text
                j = i
                while j < len(text) and is_filler(j):
                    j += 1
                breaks = [k for k in range(i, j) if is_break(k)]
                if breaks:
                    starts.append(breaks[0])
                    ends.append(j)
                i = j
            else:
                i += 1
        return starts, ends

    return (runs(sentence_break, lambda i: text[i].isspace() or text[i] in "؟?!؛."),
            runs(lambda i: text[i] == "\n", lambda i: text[i].isspace()))


BREAKY = ["ب", "غزة", "a", "1", "٣", "_", " ", "  ", "\n", "\n\n", "\t", "\r\n", "\u00a0",
          "\u2028", "\u200c", ".", "..", "د.", "؟", "?", "!", "؛", "،", "«", "\U0001d400", "\ud800"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(BREAKY), max_size=30).map("".join))
def test_segments_follow_the_rule_character_by_character(text: str) -> None:
    assert entities.segments(text) == reference_segments(text)
    sentences, paragraphs = reference_segments(text)[0][0], reference_segments(text)[1][0]
    for stop in range(len(text) + 1):  # a full stop just before ``stop`` still sees after it
        assert entities._starts(text, stop) == ([i for i in sentences if i < stop],
                                                [i for i in paragraphs if i < stop])


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_segments_of_arbitrary_text(text: str) -> None:
    assert entities.segments(text) == reference_segments(text)


def test_segments_of_the_seeds() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        assert entities.segments(text) == reference_segments(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(BREAKY + list("مصر,\"-/()")), max_size=40).map("".join))
def test_masked_key_keeps_exactly_the_word_characters(text: str) -> None:
    expected = "".join(ch if ch.isalnum() and ch <= "\uffff" else " " for ch in text)
    assert entities.masked_key(text) == expected


def test_character_classes_of_the_break_rule_agree_with_str_methods() -> None:
    # The regexes of the break rule rely on re's classes meaning what str methods say.
    chars = "".join(chr(c) for c in range(0x30000) if not 0xD800 <= c < 0xE000)
    word = re.compile(entities._WORD)
    assert "".join(word.findall(chars)) == "".join(
        ch for ch in chars if ch.isalnum() and ch <= "\uffff")
    assert "".join(entities._SENTENCE_TEXT.findall(chars)) == "".join(
        ch for ch in chars if not (ch.isspace() or ch in "؟?!؛."))
    assert "".join(entities._PARAGRAPH_TEXT.findall(chars)) == "".join(
        ch for ch in chars if not ch.isspace())


def test_code_point_tables_are_the_classes_character_by_character() -> None:
    # The tables are built from the few characters a class misses; here every BMP code
    # point is checked against the class itself.
    chars = [chr(c) for c in range(0x10000)]
    assert entities._mask_table().tolist() == [
        ord(ch) if ch.isalnum() else 32 for ch in chars]
    flags = ((entities._IS_WORD, re.compile(entities._WORD)),
             (entities._IS_TEXT, entities._SENTENCE_TEXT),
             (entities._IS_LINE_TEXT, entities._PARAGRAPH_TEXT),
             (entities._IS_NEWLINE, re.compile("\n")),
             (entities._IS_BREAK, re.compile("[؟?!؛\n]")),
             (entities._IS_DOT, re.compile("[.]")))
    assert entities._break_table().tolist() == [
        sum(flag for flag, rx in flags if rx.fullmatch(ch)) for ch in chars]


# The stage matches all texts of a batch at once (one automaton pass over the joined keys,
# offsets and sentence numbers looked up in bulk); these tests hold it to each text alone,
# the plain way: _hits of its key, Keyed.span of each hit, the character-by-character rule.
def plain_mentions(text: str) -> list[tuple[int, int, int, int, int, int]]:
    keyed = textnorm.keyed(text)
    (sentences, _), (paragraphs, _) = reference_segments(text)
    out = []
    for ks, ke, ent, alias in entities._hits(keyed.key, entities.matcher()):
        start, end = keyed.span(ks, ke)
        out.append((start, end, bisect_right(sentences, start), bisect_right(paragraphs, start),
                    ent, alias))
    return out


SEPARATOR = entities.matcher().separator
# marks the key drops: a diacritic stays in a surface, an invisible format character not
DROPPED = ["\u064e", "\u200f", "\ufeff", "\u064e\u200f", "\u00ad"]
BATCH_TEXT = st.one_of(news_text(), st.lists(st.sampled_from(
    BREAKY + ALIASES + WORDS + DROPPED + [SEPARATOR, f"غزة{SEPARATOR}", "غزة\u200f"]),
    max_size=25).map("".join))


@settings(max_examples=200, deadline=None)
@given(st.lists(BATCH_TEXT, min_size=1, max_size=6))
def test_texts_matched_together_as_each_alone(texts: list[str]) -> None:
    cols = entities._mention_columns(texts, entities.matcher())
    got = list(zip(*(cols[c].tolist() for c in ("text", "start", "end", "sentence",
                                                 "paragraph", "entity", "alias")), strict=True))
    assert got == [(n, *m) for n, text in enumerate(texts) for m in plain_mentions(text)]
    assert cols["surface"] == [texts[n][s:e] for n, s, e, *_ in got]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(BATCH_TEXT, st.text(max_size=60)), min_size=1, max_size=6))
def test_keys_scanned_together_as_each_alone(texts: list[str]) -> None:
    m = entities.matcher()
    keys = [textnorm.keyed(t).key for t in texts] + [f" غزه{m.separator}مصر ", ""]
    assert entities._scan(keys, m).T.tolist() == [
        [n, *hit] for n, key in enumerate(keys) for hit in entities._hits(key, m)]


def test_the_separator_is_a_word_character_in_no_pattern() -> None:
    m = entities.matcher()
    assert entities.masked_key(m.separator) == m.separator
    assert not any(m.separator in pattern for pattern in m.automaton.keys())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.lists(st.sampled_from(BREAKY), max_size=15).map("".join),
                          st.text(max_size=40)), min_size=1, max_size=5))
def test_breaks_of_texts_joined_by_newlines_are_each_texts_own(texts: list[str]) -> None:
    sentences, paragraphs = entities._break_starts("\n".join(texts))
    at = 0
    for text in texts:
        (own_sentences, _), (own_paragraphs, _) = reference_segments(text)
        inside = slice(at, at + len(text))
        assert [i - at for i in sentences.tolist() if inside.start <= i < inside.stop] == \
            own_sentences
        assert [i - at for i in paragraphs.tolist() if inside.start <= i < inside.stop] == \
            own_paragraphs
        at += len(text) + 1


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 0xFFFF), max_size=3 * entities._LOOKUP_CHUNK // 2))
def test_lookup_in_chunks_is_plain_indexing(codes: list[int]) -> None:
    table = entities._mask_table()
    codes_array = np.array(codes, dtype=np.uint16)
    assert entities._lookup(table, codes_array).tolist() == table[codes_array].tolist()


def test_chunked_run_and_a_failing_text_leave_the_others_unchanged(monkeypatch) -> None:
    articles = seed_articles()
    whole = entities.run({"articles": articles})
    monkeypatch.setattr(entities, "CHUNK_CHARS", 500)
    chunked = entities.run({"articles": articles})
    pd.testing.assert_frame_equal(chunked["mentions"], whole["mentions"])
    bad_title = articles.loc[1, "title"]
    plain = entities._mention_columns

    def failing(texts: list[str], m: entities.Matcher) -> dict:
        if bad_title in texts:
            raise RuntimeError("boom")
        return plain(texts, m)

    monkeypatch.setattr(entities, "_mention_columns", failing)
    out = entities.run({"articles": articles})
    expected = whole["mentions"][~((whole["mentions"]["doc_id"] == articles.loc[1, "doc_id"])
                                   & (whole["mentions"]["field"] == "title"))]
    assert len(expected) < len(whole["mentions"])  # the failing title names entities
    pd.testing.assert_frame_equal(out["mentions"], expected.reset_index(drop=True))
    assert out["problems"][["doc_id", "stage", "reason"]].values.tolist() == [
        [articles.loc[1, "doc_id"], "entities", "match-failed"]]


# --------------------------------------------------------------------------- pipeline stage
def seed_articles() -> pd.DataFrame:
    """The seeds as articles without the loader: title = first line, keywords line split off."""
    rows = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for part, chunk in enumerate(re.split(r"\nإقرأ أيضاً:\n", text)):
            title, _, body = chunk.partition("\n")
            kw = re.search(r"^كلمات دلالية: (.*)$", body, flags=re.M)
            body = re.sub(r"^كلمات دلالية: .*$", "", body, flags=re.M)
            lang = "fa" if "ی" in title else "ar"
            rows.append({"doc_id": f"{path.stem}-{part}", "file": path.name, "part": part,
                         "lang": lang, "title": title, "body": body,
                         "keywords": kw.group(1) if kw else None})
    return tables.frame("articles", rows)


def _by_doc(mentions: pd.DataFrame) -> dict[str, set[str]]:
    return mentions.groupby("doc_id")["entity_id"].apply(set).to_dict()


def check_seed_entities(articles: pd.DataFrame, mentions: pd.DataFrame) -> None:
    ar = articles[articles["title"].str.contains("زياد نخالة")]["doc_id"].item()
    fa = articles[articles["lang"] == "fa"]["doc_id"].item()
    second = articles[articles["title"].str.contains("منظمة التعاون الرقمي", regex=False)
                      ]["doc_id"].item()
    docs = _by_doc(mentions)
    both = {"ziyad-nakhalah", "islamic-jihad", "hamas", "cairo", "gaza", "egypt"}
    assert both - {"egypt"} <= docs[ar]
    assert "egypt" in docs[second]  # the first Arabic article only says مصريين
    assert both <= docs[fa]
    assert {"abbas-kamel", "dawood-shehab", "west-bank", "jerusalem", "israel"} <= docs[fa]
    assert {"badr-abdelatty", "deemah-al-yahya", "digital-cooperation-organization", "doha",
            "egypt"} <= docs[second]
    assert "ziyad-nakhalah" not in docs[second]
    surfaces = mentions.groupby("entity_id")["surface"].apply(set)
    assert {"زياد نخالة", "زیاد النخاله"} <= surfaces["ziyad-nakhalah"]
    assert {"القاهرة", "قاهره"} <= surfaces["cairo"]
    assert {"غزة", "غزه"} <= surfaces["gaza"]
    kw = mentions[(mentions["field"] == "keywords") & (mentions["doc_id"] == ar)]
    assert "الجهاد الإسلامی" in set(kw["surface"])
    merged = mentions.merge(articles[["doc_id", "title", "body", "keywords"]], on="doc_id")
    for row in merged.itertuples():
        assert getattr(row, row.field)[row.start:row.end] == row.surface


def test_seeds_without_the_loader() -> None:
    articles = seed_articles()
    out = entities.run({"articles": articles, "problems": tables.empty("problems")})
    assert list(out["mentions"].columns) == tables.columns("mentions")
    assert out["problems"].empty
    check_seed_entities(articles, out["mentions"])
    persian = out["mentions"][out["mentions"]["doc_id"].str.startswith("001")]
    registers = persian[persian["entity_id"] == "israel"]["register"]
    assert set(registers) == {"loaded"}


def test_seeds_through_the_loader() -> None:
    loading = pytest.importorskip("helpers.loading")
    parts = [loading.read_file(p, SEEDS) for p in sorted(SEEDS.glob("*.txt"))]
    articles = pd.concat([p["articles"] for p in parts], ignore_index=True)
    out = entities.run({"articles": articles, "problems": tables.empty("problems")})
    check_seed_entities(articles, out["mentions"])


def test_run_does_not_mutate_and_reports_problems_instead_of_raising() -> None:
    arts = tables.frame("articles", [
        {"doc_id": "a", "title": "حماس\u202e في غزة\ufeff", "body": None},
        {"doc_id": "b", "title": "", "body": "\x00\x01 مصر " * 3},
    ])
    before = arts.copy()
    out = entities.run({"articles": arts})
    pd.testing.assert_frame_equal(arts, before)
    assert out["articles"] is arts
    assert set(out["mentions"]["entity_id"]) == {"hamas", "gaza", "egypt"}
    assert found("حماس\ud800 في غزة") == [("hamas", "حماس"), ("gaza", "غزة")]


def test_run_rows_are_the_mentions_of_each_field_in_order() -> None:
    seed = sorted(SEEDS.glob("*.txt"))[0].read_text(encoding="utf-8")
    records = [{"doc_id": "a", "title": "حماس في غزة", "body": seed, "keywords": "غزة، مصر"},
               {"doc_id": None, "title": "مصر و غزة"},  # a missing id stays missing
               {"doc_id": "c", "body": "لا شيء"}, {"doc_id": "d", "body": "وفد للقاهرة."}]
    out = entities.run({"articles": tables.frame("articles", records)})["mentions"]
    expected = [{**m, "doc_id": r["doc_id"]} for r in records for field in entities.FIELDS
                for m in entities.find_mentions(r.get(field), field)]
    assert len(out) == len(expected) > 20
    pd.testing.assert_frame_equal(out, tables.frame("mentions", expected))


def test_run_accepts_untyped_articles() -> None:
    # Ids that are not text take the general path of tables.frame, as before.
    arts = pd.DataFrame({"doc_id": [7, 8], "file": ["f", "f"], "part": [0, 1],
                         "title": ["حماس في غزة", None], "body": [None, "وفد للقاهرة"]})
    out = entities.run({"articles": arts})["mentions"]
    assert out["doc_id"].tolist() == ["7", "7", "8"]
    expected = [{**m, "doc_id": doc} for doc, title, body in zip(arts["doc_id"], arts["title"],
                                                                 arts["body"], strict=True)
                for field, text in (("title", title), ("body", body))
                for m in entities.find_mentions(text, field)]
    pd.testing.assert_frame_equal(out, tables.frame("mentions", expected))

def test_run_with_a_broken_registry_reports_a_problem() -> None:
    arts = tables.frame("articles", [{"doc_id": "a", "title": "غزة"}])
    out = entities.run({"articles": arts}, registry=pd.DataFrame({"nonsense": [1]}))
    assert out["mentions"].empty
    assert out["problems"].loc[0, "stage"] == "entities"


def test_run_on_empty_articles() -> None:
    out = entities.run({"articles": tables.empty("articles")})
    assert list(out["mentions"].columns) == tables.columns("mentions")


# --------------------------------------------------------------------------- real samples
def eval_articles(eval_dir: Path) -> pd.DataFrame:
    loading = pytest.importorskip("helpers.loading")
    files = [eval_dir / "ar" / "saudinewsnet_2015-08-11_sample61.json",
             eval_dir / "fa" / "fars-news-1_sample60.json"]
    return pd.concat([loading.read_file(f, eval_dir)["articles"] for f in files],
                     ignore_index=True)


def test_real_samples_offsets_and_coverage(eval_dir: Path) -> None:
    articles = eval_articles(eval_dir)
    out = entities.run({"articles": articles})
    mentions = out["mentions"]
    assert out["problems"] is None or len(out["problems"]) == 0
    merged = mentions.merge(articles[["doc_id", "title", "body", "keywords"]], on="doc_id")
    for row in merged.itertuples():
        assert getattr(row, row.field)[row.start:row.end] == row.surface
    by_lang = mentions.merge(articles[["doc_id", "lang"]], on="doc_id")
    # Most articles of either language name at least one registry entity.
    share = by_lang.groupby("lang")["doc_id"].nunique() / articles.groupby("lang").size()
    assert (share.dropna() > 0.5).all(), share
    assert "iran" in set(by_lang[by_lang["lang"] == "fa"]["entity_id"])
    assert "saudi-arabia" in set(by_lang[by_lang["lang"] == "ar"]["entity_id"])


# --------------------------------------------------------------------------- suggestions
def test_suggest_finds_cue_words_and_skips_known_names() -> None:
    articles = seed_articles()
    mentions = entities.run({"articles": articles})["mentions"]
    sug = entities.suggest(articles, mentions, top=100)
    assert list(sug.columns) == ["candidate", "key", "type", "cues", "count", "articles",
                                 "example"]
    assert "خبرگزاری سما" in set(sug["candidate"])
    row = sug.set_index("candidate").loc["خبرگزاری سما"]
    assert row["type"] == "organisation" and "سما" in row["example"]
    known = {"زیاد النخاله", "زياد نخالة", "عباس کامل", "ديما اليحيى", "بدر عبد العاطي"}
    assert not known & set(sug["candidate"])


@pytest.mark.parametrize(
    ("text", "candidate", "kind"),
    [
        ("التقى الأمير محمد بن نايف في الرياض", "محمد بن نايف", "person"),
        ("وقال وزير الخارجية الإيراني عباس عراقجی أمس", None, None),  # known: not suggested
        ("وقال المتحدث باسم الجيش أفيخاي أدرعي", None, None),  # المتحدث باسم + an organisation
        ("أعلنت حركة المجاهدين الفلسطينية في بيان", "حركة المجاهدين الفلسطينية",
         "organisation"),
        ("دیدار با فرهاد مجیدی، سخنگوی باشگاه", "فرهاد مجیدی", "person"),
        ("به گزارش خبرگزاری تسنیم، امروز", "خبرگزاری تسنیم", "organisation"),
    ],
)
def test_suggest_patterns(text: str, candidate: str | None, kind: str | None) -> None:
    arts = tables.frame("articles", [{"doc_id": "d", "body": text}])
    sug = entities.suggest(arts)
    if candidate is None:
        assert "عراقجی" not in "".join(sug["candidate"])
        return
    assert (candidate, kind) in set(zip(sug["candidate"], sug["type"], strict=True))


def test_suggest_ranks_by_articles() -> None:
    arts = tables.frame("articles", [
        {"doc_id": f"d{i}", "body": text} for i, text in enumerate([
            "قال السفير جون دو", "قال السفير جون دو", "قال السفير جين رو وقال السفير جين رو"])
    ])
    sug = entities.suggest(arts)
    assert sug[["candidate", "count", "articles"]].values.tolist() == [
        ["جون دو", 2, 2], ["جين رو", 2, 1]]


# --------------------------------------------------------------------------- charts
def test_charts_top_entities_and_naming() -> None:
    from helpers import cooccurrence
    from helpers.charts import entities as charts
    from helpers.rtl import rtl_label

    articles = seed_articles().assign(outlet=lambda d: d["file"].str[:3])
    mentions = entities.run({"articles": articles})["mentions"]
    fig = charts.top_entities(mentions, lang="fa", top=5)
    titles = {ax.get_title() for ax in fig.axes}
    assert rtl_label("افراد") in titles and rtl_label("مکان‌ها") in titles
    ticks = {t.get_text() for ax in fig.axes for t in ax.get_yticklabels()}
    assert rtl_label("زیاد النخاله") in ticks
    table = cooccurrence.naming(mentions, articles)
    fig = charts.naming_chart(table, "israel", lang="en")
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any("loaded" in t for t in legend)
    assert charts.naming_chart(table, "nobody").axes[0].texts  # a "no data" figure
    with pytest.raises(ValueError):
        charts.top_entities(mentions, lang="de")


def test_add_entities_is_used_by_matching_labels_and_fingerprint(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "mine.csv"
    monkeypatch.setenv(entities.USER_REGISTRY_ENV, str(path))  # undone after the test
    before = entities.registry_fingerprint()  # the file does not exist yet
    assert ids("قالت جين رو إن") == []
    assert entities.add_entities(
        [{"id": "jane-roe", "type": "person", "label_en": "Jane Roe", "label_ar": "جين رو"}]
    ) == path
    assert entities.registry_fingerprint() != before
    assert ids("قالت جين رو إن") == ["jane-roe"]
    # A correction of a shipped row: only the new cells, the rest is kept.
    entities.add_entities(pd.DataFrame([{"id": "cairo", "aliases_en": "Cairo|Al-Qahira"}]))
    assert entities.user_registry_path() == path
    assert ids("in Al-Qahira and القاهرة") == ["cairo", "cairo"]
    assert entities.label(["cairo", "jane-roe"], "fa") == ["قاهره", "Jane Roe"]
    arts = tables.frame("articles", [{"doc_id": "d", "body": "جين رو في القاهرة"}])
    assert entities.run({"articles": arts})["mentions"]["entity_id"].tolist() == [
        "jane-roe", "cairo"]
    with pytest.raises(ValueError):
        entities.add_entities([{"label_en": "no id"}])
    monkeypatch.delenv(entities.USER_REGISTRY_ENV)
    assert entities.registry_fingerprint() == before


def test_suggest_needs_a_separate_cue_word() -> None:
    # المسئول is "the official" written as one word: not the cue مسئول after a name.
    arts = tables.frame("articles", [{"doc_id": "d", "body": "بتعزيز التحول الرقمي المسئول"}])
    assert entities.suggest(arts).empty


# The matcher is built in bulk (alias keys normalised together, candidates listed particle
# by particle, each pattern's value an integer); this is the plain construction it stands
# for: every alias, variant and particle in registry order, a pattern keeping the candidate
# of lowest rank (particle length, not the alias's own key, alias).
def plain_patterns(registry: pd.DataFrame, prefixes: dict) -> dict[str, tuple[int, ...]]:
    particles = [textnorm.normalize(p) for p in prefixes["particles"]]
    article = [textnorm.normalize(p) for p in prefixes["article"]]
    best: dict[str, tuple[tuple[int, int, int], tuple[int, int, int, int]]] = {}
    written: dict[str, int] = {}
    alias_entity: list[int] = []
    for ent, row in enumerate(registry.to_dict("records")):
        for text, _, exact in entities._aliases(row):
            key = " ".join(entities.masked_key(textnorm.normalize(text)).split())
            if len(key.replace(" ", "")) < 2:
                continue
            if key in written and alias_entity[written[key]] != ent:
                continue
            idx = len(alias_entity)
            written.setdefault(key, idx)
            alias_entity.append(ent)
            arabic = bool(re.search("[\u0600-\u06ff]", key))
            variants = [(key, False)] if exact else entities.article_variants(key)
            for vi, (variant, stripped) in enumerate(variants):
                if stripped and not text.startswith("ال"):
                    continue
                pre = article if stripped else [""] + (particles if arabic else [])
                for p in pre:
                    rank, value = (len(p), int(vi > 0), idx), (ent, idx, len(p), len(variant))
                    if f" {p}{variant} " not in best or rank < best[f" {p}{variant} "][0]:
                        best[f" {p}{variant} "] = (rank, value)
    return {pattern: value for pattern, (_, value) in best.items()}


def built_patterns(m: entities.Matcher) -> dict[str, tuple[int, ...]]:
    patterns = list(m.automaton.keys())
    decoded = m.decode(np.array([m.automaton.get(p) for p in patterns], dtype=np.int64))
    return dict(zip(patterns, zip(*(x.tolist() for x in decoded), strict=True), strict=True))


def test_the_shipped_matcher_is_the_plain_construction() -> None:
    m = entities.matcher()
    assert built_patterns(m) == plain_patterns(entities.default_registry(),
                                               entities.cues()["prefixes"])


REGISTRY_WORDS = ["غزة", "الغزة", "قاهرة", "القاهرة", "وقاهرة", "لقاهرة", "حماس", "ال", "مصر",
                  "Gaza", "x", "=", "@loaded", "|", ",", " "]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.fixed_dictionaries({
    "id": st.sampled_from(["a", "b", "c", "d"]),
    "label_ar": st.lists(st.sampled_from(REGISTRY_WORDS), max_size=4).map("".join),
    "aliases_ar": st.lists(st.sampled_from(REGISTRY_WORDS), max_size=8).map("".join),
    "aliases_fa": st.lists(st.sampled_from(REGISTRY_WORDS), max_size=4).map("".join)}),
    min_size=1, max_size=6),
    st.lists(st.sampled_from(["", "و", "ل", "لل", "ول", "وال", "ال", "ق"]), max_size=5),
    st.lists(st.sampled_from(["", "لل", "وال", "ل", "و"]), max_size=4))
def test_any_matcher_is_the_plain_construction(rows: list[dict], particles: list[str],
                                               article: list[str]) -> None:
    registry = entities.load_registry(extra=pd.DataFrame(rows))
    prefixes = {"particles": particles, "article": article}
    shipped = entities.cues()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(entities, "cues", lambda: {**shipped, "prefixes": prefixes})
        m = entities.compile_registry(registry)
    assert built_patterns(m) == plain_patterns(registry, prefixes)
    assert not any(m.separator in pattern for pattern in m.automaton.keys())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(ALIASES + PREFIXES + MARKS + ["|", " ", "  ", "-", "\n",
                                                                     "ﻻ", "\U0001d400"]),
                         max_size=6).map("".join), max_size=8))
def test_alias_keys_normalised_together_are_each_alias_s(texts: list[str]) -> None:
    assert entities._alias_keys(texts) == [
        " ".join(entities.masked_key(textnorm.normalize(text)).split()) for text in texts]
