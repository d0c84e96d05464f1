"""Safe HTML tables and articles: escaped corpus text, direction per cell, marked matches."""

from __future__ import annotations

import csv
from pathlib import Path

import lxml.html
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import display

HOSTILE = [
    "<script>document.title='pwned'</script>",
    "<img src=x onerror=\"document.title='pwned'\">",
    '"><svg onload=alert(1)>',
    "<a href='javascript:alert(1)'>click</a>",
    "</td></tr></table><iframe src=//evil>",
]
EVAL_TRUTH = Path(__file__).resolve().parents[2] / "shared" / "eval" / "ground_truth.csv"


def live_markup(html: str) -> list[str]:
    """Elements and attributes that would run or load something, as found by a parser."""
    tree = lxml.html.fromstring(f"<div>{html}</div>")
    found = [el.tag for el in tree.iter() if el.tag in {"script", "img", "svg", "iframe", "a"}]
    found += [f"{el.tag}@{name}" for el in tree.iter() for name in el.attrib
              if name.startswith("on") or name in {"href", "src"}]
    return found


def test_hostile_text_in_cells_index_columns_and_caption_is_not_live():
    df = pd.DataFrame({h: [h, "ok"] for h in HOSTILE}, index=HOSTILE[:2])
    html = display.safe_table_html(df, caption=HOSTILE[0], highlight=["script", "img"])
    assert live_markup(html) == []
    tree = lxml.html.fromstring(html.split("</style>")[-1])
    assert HOSTILE[0] in tree.text_content()  # shown as text, in full


def test_styler_would_have_been_live():
    """Why display.py builds its own HTML: pandas Styler does not escape by default."""
    html = pd.DataFrame({"t": [HOSTILE[1]]}).style.to_html()
    assert "img" in live_markup(html)


def test_each_cell_reads_in_its_own_direction():
    df = pd.DataFrame({"outlet": ["Reuters: رويترز", "رويترز Reuters 2023"], "n": [1, 2]})
    tree = lxml.html.fromstring(display.safe_table_html(df, index=False, style=False))
    cells = tree.xpath("//td")
    assert [c.get("dir") for c in cells] == ["auto", "ltr", "auto", "ltr"]
    assert [c.text_content() for c in cells] == ["Reuters: رويترز", "1",
                                                 "رويترز Reuters 2023", "2"]
    assert "unicode-bidi: plaintext" in display.STYLE
    assert "text-align: start" in display.STYLE


def test_bidi_controls_are_removed_from_display_and_kept_in_the_data():
    df = pd.DataFrame({"title": ["\u202eزياد نخالة\u202c"]})
    html = display.safe_table_html(df)
    assert "\u202e" not in html and "زياد نخالة" in html
    assert df.loc[0, "title"].startswith("\u202e")


def test_links_from_the_corpus_are_text():
    df = pd.DataFrame({"url": ["http://www.3alyoum.com/news/a/شرم-أبحر"]})
    html = display.safe_table_html(df)
    assert "<a" not in html and "http://www.3alyoum.com/news/a/شرم-أبحر" in html


@pytest.mark.parametrize(
    ("text", "term", "marked"),
    [
        ("وصل زياد نخالة إلى القاهرة", "زیاد نخاله", "زياد نخالة"),  # ي/ی, ة/ه
        ("حركة الجهاد الإسلامي", "الجهاد الاسلامي", "الجهاد الإسلامي"),  # hamza seat
        ("قالَ المتحدث", "قال", "قالَ"),  # diacritics
        ("می\u200cگوید که", "می گوید", "می\u200cگوید"),  # ZWNJ
        ("سنة ١٤٤٥ هـ", "1445", "١٤٤٥"),  # Arabic-Indic digits
        ("Reuters said", "reuters", "Reuters"),  # case
    ],
)
def test_matches_are_marked_across_spelling_variants(text, term, marked):
    html = display.highlight_html(text, [term])
    tree = lxml.html.fromstring(f"<p>{html}</p>")
    assert [m.text_content() for m in tree.iter("mark")] == [marked]
    assert tree.text_content() == text


def test_partial_words_are_not_marked():
    assert "<mark>" not in display.highlight_html("الجهادية", ["الجهاد"])


def test_article_html_marks_terms_and_stays_inert():
    out = display.article_html(HOSTILE[0], HOSTILE[1] + "\n\nزياد نخالة", {"url": HOSTILE[3]},
                               ["زياد نخالة"])
    assert live_markup(out) == []
    assert out.count("<mark>") == 1


def test_real_titles_round_trip_as_text():
    if not EVAL_TRUTH.is_file():
        pytest.skip(f"evaluation samples not found at {EVAL_TRUTH}")
    with EVAL_TRUTH.open(encoding="utf-8") as handle:
        titles = [r["title"] for r in csv.DictReader(handle) if r["title"]]
    df = pd.DataFrame({"title": titles})
    tree = lxml.html.fromstring(display.safe_table_html(df, max_rows=len(df), index=False,
                                                        max_chars=None, style=False))
    assert [td.text_content() for td in tree.xpath("//td")] == [
        display.display_text(t, None) for t in titles]


CELL = st.one_of(st.text(max_size=30), st.integers(), st.none(),
                 st.floats(allow_nan=True, allow_infinity=False))


@given(st.lists(st.tuples(CELL, CELL), min_size=1, max_size=5), st.text(max_size=10))
def test_any_cell_shows_exactly_its_text(rows, column):
    df = pd.DataFrame(rows, columns=[column or "a", "b"])
    tree = lxml.html.fromstring(display.safe_table_html(df, index=False, max_chars=None,
                                                        style=False))
    assert len(tree.xpath("//tbody/tr")) == len(df)
    assert len(tree.xpath("//td")) == 2 * len(df)
    values = [v for r in df.itertuples(index=False) for v in r]
    for td, value in zip(tree.xpath("//td"), values, strict=True):
        if isinstance(value, str):
            assert td.text_content() == display.display_text(value, None)
            assert td.get("dir") == "auto"


def test_show_returns_an_html_object():
    assert "nw-table" in display.show(pd.Series({"a": 1}, name="n"))._repr_html_()


# --- the explorer (helpers.explore) ---------------------------------------------------


@pytest.fixture(scope="module")
def seed_corpus(tmp_path_factory):
    import helpers

    return helpers.open_corpus("corpus", cache_dir=tmp_path_factory.mktemp("cache"),
                               progress=False)


def test_explorer_finds_the_seed_articles_by_word_and_entity(seed_corpus):
    from helpers import explore

    ex = explore.Explorer(seed_corpus.articles, seed_corpus.mentions)
    # Arabic letters find the Persian spelling (زیاد النخاله) and whole words only.
    assert ex.run(explore.Query(words="زياد النخالة"))["lang"].tolist() == ["fa"]
    assert ex.run(explore.Query(words="نخالة"))["lang"].tolist() == ["ar"]
    assert set(ex.run(explore.Query(words="زياد"))["lang"]) == {"ar", "fa"}
    assert ex.run(explore.Query(lang=("fa",), words="زياد"))["lang"].tolist() == ["fa"]
    entity = ex.mentions["entity_id"].value_counts().index[0]
    by_entity = ex.run(explore.Query(entity_id=entity))
    assert set(by_entity["doc_id"]) == set(ex.mentions.loc[ex.mentions["entity_id"] == entity,
                                                           "doc_id"])
    html = ex.html(explore.Query(entity_id=entity))
    assert "<mark>" in html and live_markup(html) == []


def test_explorer_date_range_drops_undated_articles(seed_corpus):
    from helpers import explore

    ex = explore.Explorer(seed_corpus.articles, seed_corpus.mentions)
    dated = ex.articles["published"].dropna()
    found = ex.run(explore.Query(start=dated.min().date(), end=dated.max().date()))
    assert len(found) == len(dated)


def test_explorer_widget_builds_and_reacts(seed_corpus):
    pytest.importorskip("ipywidgets")
    from helpers import explore

    box = explore.explorer(seed_corpus)
    output = box.children[-1]
    before = output.value
    words = box.children[0].children[2].children[0]
    words.value = "نخالة"
    assert output.value != before and "<mark>" in output.value


def test_hostile_articles_are_inert_in_the_explorer():
    from helpers import explore, tables

    arts = tables.frame("articles", [{"doc_id": str(i), "title": h, "body": h + " غزة",
                                      "url": "javascript:alert(1)"}
                                     for i, h in enumerate(HOSTILE)])
    html = explore.results_html(arts, words="غزة script")
    assert live_markup(html) == [] and html.count("<mark>") >= len(HOSTILE)


def test_entity_options_survive_missing_names():
    from helpers import explore, tables

    m = tables.frame("mentions", [{"doc_id": "a", "entity_id": "x"}])
    assert explore.entity_options(m) == [("x (1)", "x")]
