"""The per-file pipeline, the Parquet cache and local parallelism (helpers.pipeline).

Cache behaviour is tested with a small stand-in loader and stage (one article per line),
so these tests check the cache, not the analyses; the last tests run the real modules on
the seeds and the evaluation samples.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import sys
import time
import types
from pathlib import Path

import pandas as pd
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import pipeline, tables

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "corpus"
EVAL = REPO.parent / "shared" / "eval"


# --------------------------------------------------------------------------- stand-ins


def _fake_read_file(path: Path, root: Path, options: object = None) -> dict[str, pd.DataFrame]:
    rel = pipeline.relpath(path, root)
    text = Path(path).read_text(encoding="utf-8")
    if text.startswith("BROKEN"):
        raise ValueError("cannot parse")
    rows = []
    for part, line in enumerate(x for x in text.splitlines() if x.strip()):
        title, _, body = line.partition("|")
        doc_id = hashlib.blake2b(f"{rel}:{part}".encode(), digest_size=8).hexdigest()
        rows.append({"doc_id": doc_id, "file": rel, "part": part, "lang": "ar",
                     "title": title, "body": body, "format": "txt"})
    return {"articles": tables.frame("articles", rows), "comments": tables.empty("comments"),
            "problems": tables.empty("problems")}


def _fake_dates_run(tbls: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    arts = tbls["articles"]
    if arts["body"].str.contains("CRASH").any():
        raise RuntimeError("dates stage failed")
    rows = [{"doc_id": d, "text": "2023", "field": "body", "start": 0, "end": 4,
             "calendar": "gregorian", "date": "2023-01-01", "rule": "fake"}
            for d in arts["doc_id"]]
    return {**tbls, "dates": tables.frame("dates", rows)}


FAKES = {
    "loading": types.SimpleNamespace(read_file=_fake_read_file),
    "dates": types.SimpleNamespace(run=_fake_dates_run),
    "sources": None,
    "entities": None,
}


@pytest.fixture
def fake_stages(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Replace the stage modules with the stand-ins; count the files read, per file."""
    monkeypatch.setattr(pipeline, "_stage_module", lambda name: FAKES.get(name))
    calls: dict[str, int] = {}
    real = pipeline.load_file

    def counting(path: Path, root: Path, options: object = None) -> dict[str, pd.DataFrame]:
        rel = pipeline.relpath(Path(path), Path(root))
        calls[rel] = calls.get(rel, 0) + 1
        return real(path, root, options)

    monkeypatch.setattr(pipeline, "load_file", counting)
    monkeypatch.setattr(pipeline, "fingerprint", lambda options=None: "test")
    return calls


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("عنوان أ|نص أول\nعنوان ب|نص ثان\n", encoding="utf-8")
    (root / "b.txt").write_text("تیتر|متن فارسی\n", encoding="utf-8")
    (root / "sub" / "c.txt").write_text("title c|body c\n", encoding="utf-8")
    return root


def _build(root: Path, tmp_path: Path, **kw: object) -> pipeline.Store:
    return pipeline.build(root, cache_dir=tmp_path / "cache", workers=1, progress=False, **kw)


# --------------------------------------------------------------------------- process_file


def test_process_file_chains_stages_and_returns_every_table(fake_stages, corpus):
    out = pipeline.process_file(corpus / "a.txt", corpus)
    assert sorted(out) == sorted(tables.TABLES)
    assert out["articles"]["title"].tolist() == ["عنوان أ", "عنوان ب"]
    assert len(out["dates"]) == 2
    for name, df in out.items():
        assert list(df.columns) == tables.columns(name)


def test_failing_stage_is_a_problem_row_and_others_still_run(fake_stages, tmp_path):
    (tmp_path / "x.txt").write_text("t|CRASH here\n", encoding="utf-8")
    out = pipeline.process_file(tmp_path / "x.txt", tmp_path)
    assert len(out["articles"]) == 1
    assert out["problems"][["file", "stage", "reason"]].values.tolist() == [
        ["x.txt", "dates", "stage-error"]]
    assert "dates stage failed" in out["problems"].loc[0, "detail"]


def test_failing_loader_is_a_problem_row(fake_stages, tmp_path):
    (tmp_path / "bad.txt").write_text("BROKEN", encoding="utf-8")
    out = pipeline.process_file(tmp_path / "bad.txt", tmp_path)
    assert out["articles"].empty
    assert out["problems"].loc[0, "stage"] == "load"


def test_stage_that_fails_to_import_is_reported(monkeypatch, tmp_path):
    pipeline._stage_module.cache_clear()
    broken = pipeline._Broken(SyntaxError("bad"))
    monkeypatch.setattr(pipeline, "_stage_module",
                        lambda name: broken if name == "sources" else FAKES.get(name))
    (tmp_path / "x.txt").write_text("t|b\n", encoding="utf-8")
    out = pipeline.process_file(tmp_path / "x.txt", tmp_path)
    assert out["problems"]["stage"].tolist() == ["sources"]
    assert len(out["dates"]) == 1


# --------------------------------------------------------------------------- cache


def test_build_then_reopen_reads_only_the_cache(fake_stages, corpus, tmp_path):
    store = _build(corpus, tmp_path)
    assert sorted(fake_stages) == ["a.txt", "b.txt", "sub/c.txt"]
    arts = store.read("articles")
    assert sorted(arts["file"]) == ["a.txt", "a.txt", "b.txt", "sub/c.txt"]
    fake_stages.clear()
    again = _build(corpus, tmp_path)
    assert fake_stages == {}
    pd.testing.assert_frame_equal(
        again.read("articles").sort_values("doc_id", ignore_index=True),
        arts.sort_values("doc_id", ignore_index=True))
    assert len(again.read("dates")) == 4


def test_read_returns_the_schema_of_tables(fake_stages, corpus, tmp_path):
    store = _build(corpus, tmp_path)
    for name in tables.TABLES:
        df = store.read(name)
        assert list(df.columns) == tables.columns(name), name
        assert df.dtypes.astype(str).tolist() == list(tables.SCHEMAS[name].values()), name
    assert str(store.read("dates")["date"].dt.tz) == "UTC"


def test_changed_file_is_reread_and_its_old_rows_dropped(fake_stages, corpus, tmp_path):
    _build(corpus, tmp_path)
    fake_stages.clear()
    (corpus / "a.txt").write_text("جديد|نص جديد\n", encoding="utf-8")
    store = _build(corpus, tmp_path)
    assert fake_stages == {"a.txt": 1}
    arts = store.read("articles")
    assert arts.loc[arts["file"] == "a.txt", "title"].tolist() == ["جديد"]
    assert len(arts) == 3
    assert len(store.read("dates")) == 3


def test_touched_but_unchanged_file_is_not_reprocessed(fake_stages, corpus, tmp_path):
    _build(corpus, tmp_path)
    fake_stages.clear()
    path = corpus / "b.txt"
    path.write_bytes(path.read_bytes())  # new mtime, same content
    store = _build(corpus, tmp_path)
    assert fake_stages == {}
    assert len(store.read("articles")) == 4


def test_new_file_alone_is_processed(fake_stages, corpus, tmp_path):
    _build(corpus, tmp_path)
    fake_stages.clear()
    (corpus / "d.txt").write_text("d|body d\n", encoding="utf-8")
    store = _build(corpus, tmp_path)
    assert fake_stages == {"d.txt": 1}
    assert sorted(store.files["file"]) == ["a.txt", "b.txt", "d.txt", "sub/c.txt"]
    assert len(store.read("articles")) == 5


def test_deleted_file_rows_vanish(fake_stages, corpus, tmp_path):
    _build(corpus, tmp_path)
    (corpus / "sub" / "c.txt").unlink()
    store = _build(corpus, tmp_path)
    assert "sub/c.txt" not in set(store.read("articles")["file"])
    assert len(store.read("dates")) == 3
    assert "sub/c.txt" not in set(store.files["file"])


def test_new_fingerprint_reprocesses_everything(fake_stages, corpus, tmp_path, monkeypatch):
    _build(corpus, tmp_path)
    fake_stages.clear()
    monkeypatch.setattr(pipeline, "fingerprint", lambda options=None: "edited registry")
    store = _build(corpus, tmp_path)
    assert sorted(fake_stages) == ["a.txt", "b.txt", "sub/c.txt"]
    assert len(store.read("articles")) == 4


def test_real_fingerprint_follows_data_files(monkeypatch, tmp_path):
    helpers = tmp_path / "helpers"
    (helpers / "data").mkdir(parents=True)
    (helpers / "x.py").write_text("A = 1\n")
    (helpers / "data" / "outlets.csv").write_text("id\nirna\n")
    monkeypatch.setattr(pipeline, "HELPERS", helpers)
    before = pipeline.fingerprint()
    assert pipeline.fingerprint() == before
    (helpers / "data" / "outlets.csv").write_text("id\nirna\nisna\n")
    assert pipeline.fingerprint() != before
    assert pipeline.fingerprint(options={"field_map": {"x": "body"}}) != pipeline.fingerprint()


def test_corrupt_manifest_is_reported_and_rebuilt(fake_stages, corpus, tmp_path):
    _build(corpus, tmp_path)
    (tmp_path / "cache" / pipeline.MANIFEST).write_bytes(b"not parquet at all")
    fake_stages.clear()
    store = _build(corpus, tmp_path)
    assert sorted(fake_stages) == ["a.txt", "b.txt", "sub/c.txt"]
    assert len(store.read("articles")) == 4
    problems = store.read("problems")
    assert problems["stage"].tolist() == ["cache"]
    assert problems["reason"].tolist() == ["cache-corrupt"]
    fake_stages.clear()
    assert _build(corpus, tmp_path).read("problems").empty
    assert fake_stages == {}


def test_corrupt_batch_file_is_reported_and_rebuilt(fake_stages, corpus, tmp_path):
    store = _build(corpus, tmp_path)
    victim = Path(store.paths("articles")[0])
    victim.write_bytes(victim.read_bytes()[:-20] + b"garbage!")
    fake_stages.clear()
    store = _build(corpus, tmp_path)
    assert fake_stages  # the files of that batch were processed again
    assert len(store.read("articles")) == 4
    assert store.read("problems")["stage"].tolist() == ["cache"]


def test_damage_found_while_reading_never_crashes(fake_stages, corpus, tmp_path):
    store = _build(corpus, tmp_path)
    victim = Path(store.paths("articles")[0])
    victim.write_bytes(b"PAR1" + b"\0" * 50 + b"PAR1")
    arts = store.read("articles")
    assert list(arts.columns) == tables.columns("articles")
    assert "cache" in set(store.read("problems")["stage"])
    fake_stages.clear()
    assert len(_build(corpus, tmp_path).read("articles")) == 4


def test_leftover_temporary_and_orphan_files_are_swept(fake_stages, corpus, tmp_path):
    store = _build(corpus, tmp_path)
    orphan = tmp_path / "cache" / "articles" / "b9999999.parquet"
    shutil.copy(store.paths("articles")[0], orphan)
    tmp_file = tmp_path / "cache" / "articles" / ".b0000001.parquet.xyz.tmp"
    tmp_file.write_bytes(b"half")
    tmp_manifest = tmp_path / "cache" / f".{pipeline.MANIFEST}.abc.tmp"
    tmp_manifest.write_bytes(b"half")
    (corpus / "e.txt").write_text("e|e\n", encoding="utf-8")
    store = _build(corpus, tmp_path)
    assert not orphan.exists() and not tmp_file.exists() and not tmp_manifest.exists()
    assert len(store.read("articles")) == 5


def test_cache_inside_the_corpus_is_refused(fake_stages, corpus):
    with pytest.raises(ValueError, match="inside the corpus"):
        pipeline.build(corpus, cache_dir=corpus / ".cache", progress=False)
    with pytest.raises(ValueError, match="inside the corpus"):
        pipeline.build(corpus, cache_dir=corpus, progress=False)
    assert not (corpus / ".cache").exists()


def test_default_cache_dir_is_outside_the_corpus(monkeypatch, corpus, tmp_path):
    monkeypatch.setenv("NEWSWORK_CACHE", str(tmp_path / "caches"))
    cache = pipeline.default_cache_dir(corpus)
    assert cache.parent == tmp_path / "caches"
    monkeypatch.delenv("NEWSWORK_CACHE")
    assert pipeline.default_cache_dir(corpus).is_relative_to(Path.home())
    assert pipeline.default_cache_dir(corpus) != pipeline.default_cache_dir(tmp_path)


def test_build_never_writes_inside_the_corpus(fake_stages, corpus, tmp_path):
    before = sorted((p.relative_to(corpus), p.stat().st_mtime_ns) for p in corpus.rglob("*"))
    _build(corpus, tmp_path)
    after = sorted((p.relative_to(corpus), p.stat().st_mtime_ns) for p in corpus.rglob("*"))
    assert before == after


def test_stage_failing_on_one_file_of_a_batch(fake_stages, corpus, tmp_path):
    (corpus / "crash.txt").write_text("t|CRASH\n", encoding="utf-8")
    store = _build(corpus, tmp_path)
    assert store.read("problems")[["file", "stage"]].values.tolist() == [["crash.txt", "dates"]]
    dated = store.read("dates").merge(store.read("articles"), on="doc_id")["file"]
    assert sorted(set(dated)) == ["a.txt", "b.txt", "sub/c.txt"]
    assert len(store.read("articles")) == 5


@pytest.mark.parametrize("batched", [True, False])
def test_batched_stages_equal_file_by_file(fake_stages, corpus, tmp_path, monkeypatch,
                                           batched):
    monkeypatch.setattr(pipeline, "BATCH_STAGES", batched)
    files = sorted(str(p) for p in corpus.rglob("*.txt"))
    res = pipeline.process_batch(files, str(corpus))
    assert [f["articles"] for f in res.files] == [2, 1, 1]
    assert res.rows == {"articles": 4, "dates": 4}


def test_bad_file_among_good_ones(fake_stages, corpus, tmp_path):
    (corpus / "zz.txt").write_text("BROKEN file", encoding="utf-8")
    store = _build(corpus, tmp_path)
    assert len(store.read("articles")) == 4
    problems = store.read("problems")
    assert problems[["file", "stage"]].values.tolist() == [["zz.txt", "load"]]


# --------------------------------------------------------------------------- push-down


def test_push_down_reads_only_requested_columns(fake_stages, corpus, tmp_path, monkeypatch):
    store = _build(corpus, tmp_path)
    seen = []
    real = pipeline.Store._dataset

    class Spy:
        def __init__(self, dataset):
            self.dataset = dataset

        def to_table(self, columns=None, filter=None):  # noqa: A002 (pyarrow's name)
            seen.append(columns)
            return self.dataset.to_table(columns=columns, filter=filter)

    monkeypatch.setattr(pipeline.Store, "_dataset", lambda self, t: Spy(real(self, t)))
    df = store.read("articles", columns=["doc_id", "title"])
    assert list(df.columns) == ["doc_id", "title"]
    assert seen == [["doc_id", "title"]]
    assert str(df.dtypes["title"]) == "string"


def test_filters_are_pushed_down(fake_stages, corpus, tmp_path):
    store = _build(corpus, tmp_path)
    dnf = store.read("articles", columns=["file", "part"], filters=[("file", "==", "a.txt")])
    assert dnf["part"].tolist() == [0, 1]
    expr = store.read("articles", filters=pc.field("part") > 0)
    assert expr["title"].tolist() == ["عنوان ب"]


def test_unknown_table_or_column_is_a_clear_error(fake_stages, corpus, tmp_path):
    store = _build(corpus, tmp_path)
    with pytest.raises(KeyError, match="unknown table"):
        store.read("nope")
    with pytest.raises(KeyError, match="no column"):
        store.read("articles", columns=["doc_id", "nope"])


def test_empty_corpus_gives_empty_tables(fake_stages, tmp_path):
    root = tmp_path / "empty"
    root.mkdir()
    store = _build(root, tmp_path)
    for name in tables.TABLES:
        pd.testing.assert_frame_equal(store.read(name), tables.empty(name))


def test_iter_partitions_covers_the_table(fake_stages, corpus, tmp_path):
    store = pipeline.build(corpus, cache_dir=tmp_path / "cache", workers=2, progress=False)
    parts = list(store.iter_partitions("articles", columns=["doc_id"]))
    assert sum(len(p) for p in parts) == 4


# --------------------------------------------------------------------------- batching


@pytest.mark.parametrize(
    ("sizes", "max_bytes", "max_files", "expected"),
    [
        ([], 10, 5, []),
        ([3, 3, 3], 10, 5, [[0, 1, 2]]),
        ([6, 6, 6], 10, 5, [[0], [1], [2]]),
        ([50, 1, 1], 10, 5, [[0], [1, 2]]),
        ([1, 1, 1, 1, 1], 100, 2, [[0, 1], [2, 3], [4]]),
    ],
)
def test_plan_batches(sizes, max_bytes, max_files, expected):
    files = [(i, s) for i, s in enumerate(sizes)]
    assert pipeline.plan_batches(files, max_bytes, max_files) == expected


def test_two_processes_give_the_same_tables(fake_stages, corpus, tmp_path):
    for i in range(20):
        (corpus / f"many{i:02d}.txt").write_text(f"t{i}|b{i}\nu{i}|c{i}\n", encoding="utf-8")
    one = pipeline.build(corpus, cache_dir=tmp_path / "c1", workers=1, progress=False)
    two = pipeline.build(corpus, cache_dir=tmp_path / "c2", workers=2, progress=False)
    for name in ("articles", "dates"):
        a = one.read(name).sort_values(["doc_id"], ignore_index=True)
        b = two.read(name).sort_values(["doc_id"], ignore_index=True)
        pd.testing.assert_frame_equal(a, b)
    assert len(two.read("articles")) == 44


def test_many_small_updates_are_compacted(fake_stages, corpus, tmp_path):
    for i in range(12):
        (corpus / f"n{i}.txt").write_text(f"t{i}|b{i}\n", encoding="utf-8")
        store = _build(corpus, tmp_path)
    assert len(store.paths("articles")) < 8
    assert len(store.read("articles")) == 16


def test_fresh_batches_are_gathered_into_one_stored_batch(fake_stages, corpus, tmp_path,
                                                          monkeypatch):
    monkeypatch.setattr(pipeline, "_batch_bytes", lambda files, workers: 1)  # 3 batches
    together = pipeline.build(corpus, cache_dir=tmp_path / "one", workers=1, progress=False)
    monkeypatch.setattr(pipeline, "WRITE_BYTES", 1)
    apart = pipeline.build(corpus, cache_dir=tmp_path / "three", workers=1, progress=False)
    assert len(together.paths("articles")) == 1
    assert len(apart.paths("articles")) == 3
    assert set(together.files["batch"]) == {together.files["batch"].iloc[0]}
    for store in (together, apart):  # every file is traced to the batch holding its rows
        for _, row in store.files.iterrows():
            arts = store.read("articles", filters=[("file", "==", row["file"])])
            assert len(arts) == row["articles"]
    pd.testing.assert_frame_equal(together.read("articles"), apart.read("articles"))


def test_progress_bar_shows_files_and_articles(fake_stages, corpus, tmp_path, capsys):
    pipeline.build(corpus, cache_dir=tmp_path / "cache", workers=1, progress=True)
    err = capsys.readouterr().err
    assert "3/3" in err and "articles=4" in err


# --------------------------------------------------------------------------- real modules


def _real_corpus(tmp_path: Path) -> Path:
    root = tmp_path / "real"
    shutil.copytree(SEEDS, root / "seeds")
    shutil.copytree(EVAL, root / "eval", ignore=shutil.ignore_patterns("*.csv", "*.md"))
    return root


needs_loader = pytest.mark.skipif(
    pipeline._stage_module("loading") is None, reason="helpers.loading not written yet")


@needs_loader
def test_real_corpus_builds_and_reopens(tmp_path):
    root = _real_corpus(tmp_path)
    store = pipeline.build(root, cache_dir=tmp_path / "cache", workers=2, progress=False)
    arts = store.read("articles")
    assert len(arts) > 100
    assert set(arts["lang"]) >= {"ar", "fa"}
    assert arts["doc_id"].is_unique
    reopened = pipeline.build(root, cache_dir=tmp_path / "cache", progress=False)
    assert reopened.stats["processed"] == 0
    pd.testing.assert_frame_equal(reopened.read("articles"), arts)


@needs_loader
def test_real_seeds_three_articles(tmp_path):
    store = pipeline.build(SEEDS, cache_dir=tmp_path / "cache", workers=1, progress=False)
    assert len(store.read("articles")) == 3


# --------------------------------------------------------------------------- tables.frame


_VALUES = st.one_of(
    st.none(), st.text(max_size=5), st.integers(-10**6, 10**6),
    st.floats(-1e6, 1e6), st.just(float("nan")), st.booleans(),
    st.datetimes(min_value=dt.datetime(1200, 1, 1), max_value=dt.datetime(2300, 1, 1),
                 timezones=st.sampled_from([None, dt.UTC,
                                            dt.timezone(dt.timedelta(hours=3, minutes=30))])),
    st.sampled_from(["2023-12-24", "۱۴۰۲/۰۳/۱۶", "12", "nan", ""]),
)


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(["dates", "mentions", "problems"]),
       rows=st.lists(st.dictionaries(st.sampled_from(
           ["doc_id", "start", "end", "date", "confidence", "part", "text", "extra"]),
           _VALUES, max_size=5), max_size=4))
def test_frame_fast_path_equals_pandas_coercion(name, rows):
    """tables.frame's Arrow fast path (used on every file) gives what pandas coercion gives."""
    try:
        expected = tables._convert(name, pd.DataFrame(rows))
    except (TypeError, ValueError) as exc:
        with pytest.raises(type(exc)):
            tables.frame(name, rows)
        return
    pd.testing.assert_frame_equal(tables.frame(name, rows), expected)


@pytest.mark.parametrize("values", [
    pd.Series(pd.to_datetime(["2023-06-06", None]).astype("datetime64[s]")),
    pd.Series(pd.to_datetime(["2023-06-06 12:00", None], utc=True).astype("datetime64[us, UTC]")),
    pd.Series(pd.to_datetime(["2023-06-06 12:00"]).tz_localize("Asia/Tehran")),
    pd.Series(["2023-06-06", "garbage"], dtype="str"),
])
def test_frame_converts_instants_like_to_datetime(values):
    got = tables.frame("dates", pd.DataFrame({"date": values}))["date"]
    expected = pd.to_datetime(values, utc=True, errors="coerce").astype("datetime64[ns, UTC]")
    pd.testing.assert_series_equal(got, expected, check_names=False)


def test_frame_converts_numpy_ints_and_pandas_strings():
    df = pd.DataFrame({"doc_id": pd.Series(["a", None], dtype="str"), "start": [1, 2]})
    got = tables.frame("mentions", df)
    assert got["doc_id"].tolist() == ["a", pd.NA]
    assert str(got.dtypes["start"]) == "Int64" and got["start"].tolist() == [1, 2]


@pytest.fixture(scope="module")
def real_store(tmp_path_factory):
    if pipeline._stage_module("loading") is None:
        pytest.skip("helpers.loading not written yet")
    tmp = tmp_path_factory.mktemp("real")
    root = _real_corpus(tmp)
    for i in range(3):  # several batches, entities shared between them
        shutil.copy(sorted(SEEDS.glob("*.txt"))[0], root / f"copy{i}.txt")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pipeline, "WRITE_BYTES", 1)  # each batch stored on its own
        return pipeline.build(root, cache_dir=tmp / "cache", workers=2, progress=False)


@pytest.mark.parametrize("level", ["sentence", "paragraph", "article"])
def test_cooccurrence_large_equals_in_memory(real_store, level):
    from helpers import cooccurrence

    assert len(real_store.paths("mentions")) > 1
    mentions = real_store.read("mentions")
    assert len(mentions) > 0
    expected = cooccurrence.cooccurrence(mentions, level=level)
    pd.testing.assert_frame_equal(pipeline.cooccurrence_large(real_store, level=level),
                                  expected)
    some = sorted(set(mentions["doc_id"]))[:5]
    pd.testing.assert_frame_equal(
        pipeline.cooccurrence_large(real_store, level=level, doc_ids=some),
        cooccurrence.cooccurrence(mentions[mentions["doc_id"].isin(some)], level=level))


def test_cooccurrence_large_of_an_empty_store(fake_stages, tmp_path):
    root = tmp_path / "empty"
    root.mkdir()
    assert pipeline.cooccurrence_large(_build(root, tmp_path)).empty


def test_real_stages_give_the_same_tables_batched_or_file_by_file(real_store, monkeypatch):
    """The stages work article by article, so one call per batch equals one per file."""
    root = real_store.root
    files = [str(root / f) for f in real_store.files["file"]]
    out = {}
    for batched in (True, False):
        monkeypatch.setattr(pipeline, "BATCH_STAGES", batched)
        res = pipeline.process_batch(files, str(root))
        out[batched] = {name: table.to_pandas() for name, table in res.tables.items()}
    assert out[True].keys() == out[False].keys()
    for name, df in out[False].items():
        cols = list(df.columns)
        pd.testing.assert_frame_equal(
            out[True][name].sort_values(cols, ignore_index=True),
            df.sort_values(cols, ignore_index=True), obj=name)


@needs_loader
def test_synthetic_corpus_goes_through_every_stage(tmp_path):
    """The benchmark's corpus: every layout loads, no stage crashes, nearly every article."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    import synth

    stats = synth.generate(tmp_path / "synth", 400, seed=3)
    store = pipeline.build(tmp_path / "synth", cache_dir=tmp_path / "cache", workers=2,
                           progress=False)
    arts = store.read("articles", columns=["doc_id", "format", "lang"])
    assert len(arts) >= 0.95 * stats["articles"]
    assert arts["doc_id"].is_unique
    assert set(arts["lang"]) >= {"ar", "fa"}
    suffixes = {p.suffix for p in (tmp_path / "synth").rglob("*.*")}
    expected = {s.lstrip(".") for s in suffixes & {".json", ".jsonl", ".csv", ".tsv", ".txt"}}
    assert set(arts["format"]) >= expected and len(expected) >= 2
    files = store.files
    silent = set(files.loc[files["articles"] == 0, "file"]) - set(store.read("problems")["file"])
    assert not silent  # a file gives articles or says why not
    crashes = store.read("problems", filters=[("reason", "==", "stage-error")])
    assert crashes.empty, crashes["detail"].tolist()[:3]
    assert len(store.read("dates")) and len(store.read("sources"))


def _age(root: Path, seconds: float = 60) -> None:
    """Date every folder under ``root`` ``seconds`` back (as if it was made a while ago)."""
    past = time.time() - seconds
    for folder in [root, *(p for p in root.rglob("*") if p.is_dir())]:
        os.utime(folder, (past, past))


def test_reopen_of_an_unchanged_tree_skips_discovery(fake_stages, corpus, tmp_path,
                                                      monkeypatch):
    _age(corpus)
    _build(corpus, tmp_path)
    listed = []
    real = pipeline.discover
    monkeypatch.setattr(pipeline, "discover", lambda *a: listed.append(1) or real(*a))
    fake_stages.clear()
    store = _build(corpus, tmp_path)
    assert listed == [] and fake_stages == {}
    assert len(store.read("articles")) == 4
    (corpus / "sub" / "new.txt").write_text("n|n\n", encoding="utf-8")
    store = _build(corpus, tmp_path)
    assert listed == [1] and fake_stages == {"sub/new.txt": 1}
    (corpus / "a.txt").unlink()
    _age(corpus)
    store = _build(corpus, tmp_path)
    assert sorted(store.files["file"]) == ["b.txt", "sub/c.txt", "sub/new.txt"]


def test_changed_content_is_seen_even_when_discovery_is_skipped(fake_stages, corpus, tmp_path):
    _age(corpus)
    _build(corpus, tmp_path)
    fake_stages.clear()
    (corpus / "b.txt").write_text("تیتر نو|متن نو\n", encoding="utf-8")
    _age(corpus)  # folders look untouched: only the file's own stat changed
    store = _build(corpus, tmp_path)
    assert fake_stages == {"b.txt": 1}
    assert "تیتر نو" in set(store.read("articles")["title"])


@pytest.mark.parametrize("case", ["recent", "symlink"])
def test_tree_signature_refuses_when_unsure(corpus, case):
    _age(corpus)
    assert pipeline.tree_signature(corpus) is not None
    if case == "recent":
        (corpus / "fresh.txt").write_text("x", encoding="utf-8")
    else:
        (corpus / "link").symlink_to(corpus / "sub")
        _age(corpus)
    assert pipeline.tree_signature(corpus) is None


def test_batched_stages_give_the_schema_dtypes_and_the_per_file_tables(tmp_path):
    """The batch path (text held as Python strings while stages run) ends in the schema's
    exact dtypes, with the same rows as processing each file alone."""
    paths = sorted(p for p in SEEDS.iterdir() if p.suffix == ".txt")
    assert len(paths) >= 2
    loaded = [(pipeline.relpath(p, SEEDS), pipeline.load_file(p, SEEDS)) for p in paths]
    frames, owners = pipeline._run_batched(loaded)
    alone, _ = pipeline._combine([(rel, pipeline.process_file(p, SEEDS))
                                  for (rel, _), p in zip(loaded, paths, strict=True)])
    for name in tables.TABLES:
        assert list(frames[name].dtypes) == list(tables.empty(name).dtypes), name
        assert len(owners[name]) == len(frames[name])
        key = [c for c in tables.columns(name) if c in ("doc_id", "field", "start", "n")]
        a = frames[name].sort_values(key or list(frames[name].columns)).reset_index(drop=True)
        b = alone[name].sort_values(key or list(alone[name].columns)).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, obj=name)
