"""Entity pairs by sentence, paragraph and article; PMI/NPMI; naming; network charts."""

from __future__ import annotations

import itertools
import math
from collections import Counter

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_entities import seed_articles

from helpers import cooccurrence, entities, tables

# A small corpus worked out by hand. (doc, field, sentence, paragraph, entity)
HAND = [
    ("d1", "body", 0, 0, "A"), ("d1", "body", 0, 0, "B"),
    ("d1", "body", 1, 0, "A"), ("d1", "body", 1, 0, "C"),
    ("d1", "body", 2, 1, "A"), ("d1", "body", 2, 1, "B"), ("d1", "body", 2, 1, "B"),
    ("d2", "body", 0, 0, "A"), ("d2", "body", 0, 0, "B"),
    ("d3", "body", 0, 0, "C"),
    ("d3", "title", 0, 0, "D"),
    ("d3", "keywords", 0, 0, "A"),
]


def hand_mentions() -> pd.DataFrame:
    return tables.frame("mentions", [
        {"doc_id": d, "field": f, "sentence": s, "paragraph": p, "entity_id": e}
        for d, f, s, p, e in HAND])


def pair(df: pd.DataFrame, a: str, b: str) -> pd.Series:
    rows = df[(df["a"] == a) & (df["b"] == b)]
    assert len(rows) == 1, (a, b, df)
    return rows.iloc[0]


def test_sentence_level_by_hand() -> None:
    # Sentence units (keywords excluded): d1s0{A,B} d1s1{A,C} d1s2{A,B} d2s0{A,B}
    # d3-body-s0{C} d3-title-s0{D}: N = 6, n(A) = 4, n(B) = 3, n(C) = 2, n(D) = 1.
    df = cooccurrence.cooccurrence(hand_mentions(), level="sentence")
    assert df[["a", "b", "count", "articles"]].values.tolist() == [
        ["A", "B", 3, 2], ["A", "C", 1, 1]]
    ab, ac = pair(df, "A", "B"), pair(df, "A", "C")
    assert ab["pmi"] == pytest.approx(math.log(3 * 6 / (4 * 3)))  # log 1.5 = 0.4055
    assert ab["npmi"] == pytest.approx(math.log(1.5) / -math.log(3 / 6))  # 0.5850
    assert ac["pmi"] == pytest.approx(math.log(1 * 6 / (4 * 2)))  # log 0.75 = -0.2877
    assert ac["npmi"] == pytest.approx(math.log(0.75) / -math.log(1 / 6))  # -0.1606


def test_paragraph_level_by_hand() -> None:
    # Paragraph units: d1p0{A,B,C} d1p1{A,B} d2p0{A,B} d3-body{C} d3-title{D}: N = 5.
    df = cooccurrence.cooccurrence(hand_mentions(), level="paragraph")
    got = {(r.a, r.b): (r.count, r.articles) for r in df.itertuples()}
    assert got == {("A", "B"): (3, 2), ("A", "C"): (1, 1), ("B", "C"): (1, 1)}
    assert pair(df, "B", "C")["pmi"] == pytest.approx(math.log(1 * 5 / (3 * 2)))


def test_article_level_by_hand_counts_keywords() -> None:
    # Article units: d1{A,B,C} d2{A,B} d3{A,C,D}: N = 3, n(A) = 3, n(B) = 2, n(C) = 2.
    df = cooccurrence.cooccurrence(hand_mentions(), level="article")
    got = {(r.a, r.b): r.count for r in df.itertuples()}
    assert got == {("A", "B"): 2, ("A", "C"): 2, ("A", "D"): 1, ("B", "C"): 1, ("C", "D"): 1}
    assert (df["count"] == df["articles"]).all()
    assert pair(df, "A", "B")["pmi"] == pytest.approx(0.0)  # A is everywhere: no association
    assert pair(df, "A", "B")["npmi"] == pytest.approx(0.0)
    assert pair(df, "C", "D")["npmi"] == pytest.approx(math.log(1.5) / math.log(3))


def test_npmi_is_one_for_pairs_in_every_unit() -> None:
    m = tables.frame("mentions", [{"doc_id": "d", "entity_id": e, "field": "body",
                                   "sentence": 0} for e in "XY"])
    row = cooccurrence.cooccurrence(m).iloc[0]
    assert row["pmi"] == 0.0 and row["npmi"] == 1.0


def test_min_count_and_article_filter() -> None:
    m = hand_mentions()
    assert len(cooccurrence.cooccurrence(m, level="sentence", min_count=2)) == 1
    arts = tables.frame("articles", [{"doc_id": "d2"}, {"doc_id": "d3"}])
    df = cooccurrence.cooccurrence(m, arts, level="sentence")
    assert df[["a", "b", "count"]].values.tolist() == [["A", "B", 1]]


def test_bad_level_and_empty_input() -> None:
    with pytest.raises(ValueError):
        cooccurrence.cooccurrence(hand_mentions(), level="page")
    empty = cooccurrence.cooccurrence(tables.empty("mentions"))
    assert list(empty.columns) == cooccurrence.PAIR_COLUMNS and empty.empty


def test_parts_sum_to_the_whole() -> None:
    m = hand_mentions()
    parts = [m[m["doc_id"] == d] for d in ("d3", "d1", "d2")]  # entities appear out of order
    for level in cooccurrence.LEVELS:
        whole = cooccurrence.cooccurrence(m, level=level)
        summed = cooccurrence.cooccurrence_from_parts(iter(parts), level=level)
        pd.testing.assert_frame_equal(whole, summed)


MENTION = st.tuples(st.sampled_from(["d1", "d2", "d3", "d4"]), st.integers(0, 3),
                    st.sampled_from(["P", "Q", "R", "S", "T"]))


@settings(max_examples=150, deadline=None)
@given(st.lists(MENTION, min_size=1, max_size=40))
def test_sparse_counts_match_a_brute_force_count(rows: list[tuple[str, int, str]]) -> None:
    m = tables.frame("mentions", [{"doc_id": d, "field": "body", "sentence": s,
                                   "paragraph": 0, "entity_id": e} for d, s, e in rows])
    units: dict[tuple[str, int], set[str]] = {}
    for d, s, e in rows:
        units.setdefault((d, s), set()).add(e)
    counts: Counter = Counter()
    docs: dict[tuple[str, str], set[str]] = {}
    for (d, _), ents in units.items():
        for a, b in itertools.combinations(sorted(ents), 2):
            counts[a, b] += 1
            docs.setdefault((a, b), set()).add(d)
    df = cooccurrence.cooccurrence(m)
    assert {(r.a, r.b): (r.count, r.articles) for r in df.itertuples()} == {
        k: (v, len(docs[k])) for k, v in counts.items()}
    assert (df["a"] < df["b"]).all()
    assert df["npmi"].between(-1 - 1e-9, 1 + 1e-9).all()
    halves = [m[m["doc_id"].isin(["d1", "d2"])], m[~m["doc_id"].isin(["d1", "d2"])]]
    pd.testing.assert_frame_equal(df, cooccurrence.cooccurrence_from_parts(halves))


# --------------------------------------------------------------------------- the seeds
@pytest.fixture(scope="module")
def seeds() -> tuple[pd.DataFrame, pd.DataFrame]:
    articles = seed_articles()
    return articles, entities.run({"articles": articles})["mentions"]


def test_seed_pairs(seeds: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    articles, mentions = seeds
    df = cooccurrence.cooccurrence(mentions, articles, level="article")
    assert pair(df, "cairo", "ziyad-nakhalah")["articles"] == 2  # Arabic and Persian
    assert pair(df, "abbas-kamel", "ziyad-nakhalah")["articles"] == 1
    second = {"badr-abdelatty", "deemah-al-yahya", "digital-cooperation-organization", "doha"}
    with_nakhalah = set(df[df["a"] == "ziyad-nakhalah"]["b"]) | set(
        df[df["b"] == "ziyad-nakhalah"]["a"])
    assert not second & with_nakhalah
    assert pair(df, "badr-abdelatty", "doha")["count"] == 1
    sentence = cooccurrence.cooccurrence(mentions, articles, level="sentence")
    assert pair(sentence, "badr-abdelatty", "deemah-al-yahya")["count"] == 1
    # Same article but never the same sentence:
    assert sentence[(sentence["a"] == "abbas-kamel") & (sentence["b"] == "dawood-shehab")
                    ]["count"].sum() == 1


def test_naming_per_outlet(seeds: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    articles, mentions = seeds
    articles = articles.assign(outlet=articles["lang"].map({"ar": "elbalad", "fa": "mashregh"}))
    table = cooccurrence.naming(mentions, articles)
    israel = table[table["entity_id"] == "israel"]
    fa = israel[israel["outlet"] == "mashregh"]
    assert set(fa["register"]) == {"loaded"}
    assert fa["share"].sum() == pytest.approx(1.0)
    assert set(fa["alias"]) == {"رژیم صهیونیستی", "رژیم اشغالگر", "دشمن صهیونیستی"}
    ar = israel[israel["outlet"] == "elbalad"]
    assert ar[["register", "count"]].values.tolist() == [["neutral", 3]]
    nakhalah = table[table["entity_id"] == "ziyad-nakhalah"]
    assert set(nakhalah["lang"]) == {"ar", "fa"}
    no_outlet = cooccurrence.naming(mentions, articles.assign(outlet=None))
    assert set(no_outlet["outlet"]) == {"unknown"}


# --------------------------------------------------------------------------- charts
def test_heatmap_and_network_charts(seeds: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    from helpers.charts import entities as charts
    from helpers.rtl import rtl_label

    articles, mentions = seeds
    pairs = cooccurrence.cooccurrence(mentions, articles, level="article")
    ax = charts.cooccurrence_heatmap(pairs, lang="fa", top=8, value="npmi").axes[0]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert len(ticks) == 8 and rtl_label("قاهره") in ticks
    fig = charts.network(pairs, mentions, lang="ar", top_edges=15)
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert rtl_label("زياد نخالة") in texts
    again = charts.network(pairs, mentions, lang="ar", top_edges=15)
    positions = [t.get_position() for t in fig.axes[0].texts]
    assert positions == [t.get_position() for t in again.axes[0].texts]  # fixed seed
    assert charts.network(pairs.iloc[:0], lang="en").axes[0].texts  # "no data"
    kk = charts.network(pairs, mentions, lang="en", top_edges=10, layout="kamada_kawai")
    assert kk.axes[0].texts
