"""End to end: the seed corpus through ``open_corpus``, as a notebook user sees it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import helpers
from helpers import tables
from helpers.textnorm import normalize


@pytest.fixture(scope="module")
def seeds(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> helpers.Corpus:
    cache = tmp_path_factory.mktemp("cache")
    return helpers.open_corpus(corpus_dir, cache_dir=cache, workers=1, progress=False)


def _article(corpus: helpers.Corpus, needle: str) -> pd.Series:
    arts = corpus.articles
    hits = arts[arts["title"].map(normalize).str.contains(normalize(needle), regex=False)]
    assert len(hits) == 1, f"expected one article titled with {needle!r}: {arts['title'].tolist()}"
    return hits.iloc[0]


def test_tables_have_the_documented_columns(seeds: helpers.Corpus) -> None:
    for name in tables.TABLES:
        df = getattr(seeds, name)
        assert list(df.columns) == tables.columns(name), name


def test_seeds_give_three_articles(seeds: helpers.Corpus) -> None:
    arts = seeds.articles
    assert len(arts) == 3
    assert sorted(arts["lang"]) == ["ar", "ar", "fa"]
    assert arts["doc_id"].is_unique
    seeds = Path(helpers.corpus.REPO_ROOT, "corpus").glob("*.txt")
    assert set(arts["file"]) == {p.name for p in seeds}


def test_titles_are_the_headlines(seeds: helpers.Corpus) -> None:
    jihad = _article(seeds, "وفد من حركة الجهاد الإسلامي")
    minister = _article(seeds, "وزير الخارجية يلتقي الأمين العام لمنظمة التعاون الرقمي")
    persian = _article(seeds, "در دیدار هیات جهاد اسلامی با رئیس دستگاه اطلاعات مصر چه گذشت")
    assert (jihad["part"], minister["part"], persian["part"]) == (0, 1, 0)
    assert jihad["file"] == minister["file"] != persian["file"]


@pytest.mark.parametrize(
    "furniture",
    ["كلمات دلالية", "إقرأ أيضاً", "captcha", "نظر شما", "این مطالب را از دست ندهید",
     "فیلم برگزیده", "برگزیده ورزشی", "انتشار یافته", "عمر سلیمان", "المصدر: صدى البلد"],
)
def test_no_body_contains_page_furniture(seeds: helpers.Corpus, furniture: str) -> None:
    for body in seeds.articles["body"]:
        assert furniture not in body


def test_bodies_keep_the_article_text(seeds: helpers.Corpus) -> None:
    jihad = _article(seeds, "وفد من حركة الجهاد الإسلامي")
    assert "وفقا لـ\"الجارديان\"" in jihad["body"]
    persian = _article(seeds, "در دیدار هیات جهاد اسلامی")
    assert persian["body"].startswith("جنبش جهاد اسلامی فلسطین در بیانیه ای")
    assert "دو طرف در مورد تحولات سریع سیاسی" in persian["body"]


def test_persian_comment_is_split_off_with_its_date(seeds: helpers.Corpus) -> None:
    persian = _article(seeds, "در دیدار هیات جهاد اسلامی")
    comments = seeds.comments[seeds.comments["doc_id"] == persian["doc_id"]]
    assert len(comments) == 1
    comment = comments.iloc[0]
    assert "۱۴۰۲/۰۳/۱۶" in comment["date_raw"] and "۰۹:۳۰" in comment["date_raw"]
    assert comment["text"].startswith("این که گروه های مبارزه فلسطینی")


def test_publication_dates(seeds: helpers.Corpus) -> None:
    jihad = _article(seeds, "وفد من حركة الجهاد الإسلامي")
    assert jihad["published"].tz is not None
    assert jihad["published"].date() == pd.Timestamp("2023-12-24").date()
    assert pd.isna(_article(seeds, "وزير الخارجية يلتقي")["published"])
    assert pd.isna(_article(seeds, "در دیدار هیات جهاد اسلامی")["published"])


def test_outlets(seeds: helpers.Corpus) -> None:
    outlets = seeds.articles.set_index("lang")["outlet"]
    jihad = _article(seeds, "وفد من حركة الجهاد الإسلامي")
    persian = _article(seeds, "در دیدار هیات جهاد اسلامی")
    assert "balad" in jihad["outlet"].lower()
    assert "mashregh" in persian["outlet"].lower()
    assert len(outlets) == 3


def test_nakhalah_is_one_entity_across_languages(seeds: helpers.Corpus) -> None:
    mentions = seeds.mentions
    jihad = _article(seeds, "وفد من حركة الجهاد الإسلامي")
    persian = _article(seeds, "در دیدار هیات جهاد اسلامی")
    ids = {
        doc: set(mentions.loc[mentions["doc_id"] == doc, "entity_id"])
        for doc in (jihad["doc_id"], persian["doc_id"])
    }
    shared = ids[jihad["doc_id"]] & ids[persian["doc_id"]]
    assert len(shared) >= 5  # Nakhalah, Islamic Jihad, Hamas, Cairo, Gaza, Egypt ...


def test_every_offset_points_at_its_text(seeds: helpers.Corpus) -> None:
    arts = seeds.articles.set_index("doc_id")
    for name, text_col in (("mentions", "surface"), ("sources", "surface"), ("dates", "text")):
        df = getattr(seeds, name)
        for row in df[df["field"].isin(arts.columns)].itertuples():
            text = arts.loc[row.doc_id, row.field]
            assert text[row.start:row.end] == getattr(row, text_col), (name, row)


def test_filter_narrows_every_table(seeds: helpers.Corpus) -> None:
    persian = seeds.filter(lang="fa")
    assert persian.articles["lang"].tolist() == ["fa"]
    assert set(persian.mentions["doc_id"]) <= set(persian.articles["doc_id"])
    assert len(persian.comments) == 1
    dated = seeds.filter(start="2023-12-01", end="2023-12-31")
    assert len(dated.articles) == 1


def test_cooccurrence_at_article_level(seeds: helpers.Corpus) -> None:
    pairs = seeds.cooccurrence(level="article")
    assert {"a", "b", "count", "articles"} <= set(pairs.columns)
    assert (pairs["a"] < pairs["b"]).all()


def test_a_broken_file_costs_only_itself(corpus_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "mixed"
    root.mkdir()
    for seed in corpus_dir.glob("*.txt"):
        shutil.copy(seed, root / seed.name)
    (root / "broken.json").write_text('[{"title": "عنوان", "content": "متن', encoding="utf-8")
    (root / "picture.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    corpus = helpers.open_corpus(root, cache_dir=tmp_path / "cache", workers=1, progress=False)
    assert len(corpus.articles) == 3
    bad = corpus.problems[corpus.problems["stage"] == "load"]
    assert set(bad["file"]) == {"broken.json", "picture.txt"}
    assert bad["detail"].str.len().min() > 10


def test_the_corpus_folder_is_never_written(corpus_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "ro"
    shutil.copytree(corpus_dir, root)
    before = {p: p.stat().st_mtime_ns for p in root.rglob("*")}
    helpers.open_corpus(root, cache_dir=tmp_path / "cache", workers=1, progress=False)
    after = {p: p.stat().st_mtime_ns for p in root.rglob("*")}
    assert before == after


def test_load_corpus_is_the_article_table(corpus_dir: Path, tmp_path: Path) -> None:
    arts = helpers.load_corpus(corpus_dir, cache_dir=tmp_path / "c", workers=1, progress=False)
    assert list(arts.columns) == tables.columns("articles")
    assert len(arts) == 3


def test_a_lone_surrogate_in_json_costs_no_record(tmp_path: Path) -> None:
    root = tmp_path / "json"
    root.mkdir()
    (root / "a.json").write_text(
        '[{"title": "x\\ud800y", "content": "متن \\udc00 خبر"},'
        ' {"title": "دوم", "content": "خبر"}]',
        encoding="utf-8",
    )
    corpus = helpers.open_corpus(root, cache_dir=tmp_path / "cache", workers=1, progress=False)
    assert corpus.articles["title"].tolist() == ["x\ufffdy", "دوم"]
    assert corpus.problems.empty


def test_a_link_to_a_file_inside_the_corpus_is_read_once(corpus_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "linked"
    shutil.copytree(corpus_dir, root)
    seed = sorted(root.glob("*.txt"))[0]
    (root / "again.txt").symlink_to(seed.name)
    corpus = helpers.open_corpus(root, cache_dir=tmp_path / "cache", workers=1, progress=False)
    assert len(corpus.articles) == 3
    assert corpus.problems["reason"].tolist() == ["duplicate-link"]
    assert seed.name in corpus.problems["detail"].iloc[0]
