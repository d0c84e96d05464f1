"""Fuzzing: random bytes and mutated real samples into the loader and the extractors.

For a bounded number of inputs (the ``fuzz`` settings profile below, about a minute in
all), no exception may escape, no stage may fall back on its catch-all (``unexpected``,
``stage-error``, ``dates-error``, ``match-failed`` problems are bugs), and every row that
points into text must point inside it: ``0 <= start <= end <= len(text)`` and
``text[start:end]`` is the surface the row claims. How many inputs ran and for how long is
written to ``tests/artifacts/fuzz_stats.json``.
"""

from __future__ import annotations

import json
import os
import time
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import dates, entities, loading, pipeline, sources

REPO = Path(__file__).resolve().parents[1]
EVAL = REPO.parent / "shared" / "eval"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

SAMPLES: list[tuple[str, bytes]] = [(p.suffix, p.read_bytes())
                                    for p in sorted((REPO / "corpus").glob("*.txt"))]
if EVAL.is_dir():
    SAMPLES += [(p.suffix, p.read_bytes()) for p in sorted(EVAL.rglob("*"))
                if p.is_file() and p.suffix in (".json", ".xml", ".csv", ".txt")]
# Markers that change how a file is split or parsed.
MARKERS = ["<DOC>", "</DOC>", "{", "}", "[", "]", '"', "إقرأ أيضاً", "اقرأ أيضا", "***",
           " *** ", "\n\n", "\r\n", "<![CDATA[", "]]>", "&amp;", "&lol;", "<!ENTITY x 'y'>",
           "<?xml version='1.0'?>", "<html>", "تاريخ النشر:", "المصدر:", "\u202e", "\u200c",
           "\ufeff", "\x00", "\ufffd", "۱۴۰۲/۱۳/۴۰", "30 فبراير 2023", "IR ۰۹:۳۰ - ",
           "رويترز", "زياد نخالة", "قال ", "«", "»", ",", "\t", "[n]", "99999"]
EXTENSIONS = ["", ".txt", ".json", ".jsonl", ".csv", ".tsv", ".xml", ".rss", ".html"]
CATCH_ALL = {"unexpected", "stage-error", "dates-error", "match-failed"}

FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")),
                deadline=timedelta(seconds=10), derandomize=False, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
STATS: dict[str, dict[str, float]] = {}


def _count(test: str, seconds: float) -> None:
    row = STATS.setdefault(test, {"inputs": 0, "seconds": 0.0})
    row["inputs"] += 1
    row["seconds"] += seconds


@pytest.fixture(scope="module", autouse=True)
def fuzz_stats():
    t0 = time.perf_counter()
    yield
    ARTIFACTS.mkdir(exist_ok=True)
    total = {"inputs": sum(int(r["inputs"]) for r in STATS.values()),
             "wall_seconds": round(time.perf_counter() - t0, 1)}
    (ARTIFACTS / "fuzz_stats.json").write_text(json.dumps(
        {"total": total, "tests": {k: {"inputs": int(v["inputs"]),
                                       "seconds": round(v["seconds"], 1)}
                                   for k, v in STATS.items()}}, indent=1))


# --------------------------------------------------------------------------- strategies


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    """A real sample with a few byte flips, cuts, marker insertions and duplications."""
    suffix, data = draw(st.sampled_from(SAMPLES))
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "duplicate",
                                   "encode"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            del data[pos:]
        elif op == "insert":
            marker = draw(st.sampled_from(MARKERS))
            codec = draw(st.sampled_from(["utf-8", "utf-8", "cp1256", "utf-16-le"]))
            data[pos:pos] = marker.encode(codec, errors="ignore")
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 200))]
        elif op == "duplicate":
            data[pos:pos] = data[pos:pos + draw(st.integers(1, 500))]
        elif op == "encode":
            text = bytes(data).decode("utf-8", errors="replace")
            data = bytearray(text.encode(draw(st.sampled_from(["utf-16", "utf-8-sig"]))))
    if draw(st.booleans()):
        suffix = draw(st.sampled_from(EXTENSIONS))
    return suffix, bytes(data)


random_file = st.tuples(st.sampled_from(EXTENSIONS), st.binary(max_size=3000))
unicode_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=400)


@st.composite
def mutated_text(draw: st.DrawFn) -> str:
    """Text of a real sample (decoded) with markers and random text spliced in."""
    _, data = draw(st.sampled_from(SAMPLES))
    text = data.decode("utf-8", errors="replace")
    start = draw(st.integers(0, max(len(text) - 1, 0)))
    text = text[start:start + draw(st.integers(0, 3000))]
    for _ in range(draw(st.integers(0, 5))):
        pos = draw(st.integers(0, len(text)))
        piece = draw(st.one_of(st.sampled_from(MARKERS), unicode_text))
        text = text[:pos] + piece + text[pos:]
    return text


# --------------------------------------------------------------------------- checks


def check_offsets(out: dict[str, pd.DataFrame]) -> None:
    """Every dates/sources/mentions row points at the text it claims, inside its field."""
    arts = out["articles"].set_index("doc_id")
    comments = out["comments"].set_index("comment_id")
    for table, claim in (("dates", "text"), ("sources", "surface"), ("mentions", "surface")):
        for row in out[table].to_dict("records"):
            field = row["field"]
            if field in ("comment", "comment_date"):
                col = "text" if field == "comment" else "date_raw"
                text = comments.loc[row["comment_id"], col]
            else:
                text = arts.loc[row["doc_id"], field]
            assert isinstance(text, str), (table, row)
            start, end = int(row["start"]), int(row["end"])
            assert 0 <= start <= end <= len(text), (table, row, len(text))
            assert text[start:end] == row[claim], (table, row, text[start:end])


def check_tables(out: dict[str, pd.DataFrame], rel: str) -> None:
    for name, df in out.items():
        assert list(df.columns) == list(pipeline.tables.SCHEMAS[name]), name
    problems = out["problems"]
    bugs = problems[problems["reason"].isin(CATCH_ALL)]
    assert bugs.empty, bugs[["stage", "reason", "detail"]].to_string()
    load = problems[problems["stage"] == "load"]
    assert (load["file"] == rel).all()
    assert out["articles"]["doc_id"].is_unique
    assert (out["articles"]["file"] == rel).all()
    check_offsets(out)


def _process(tmp: Path, suffix: str, data: bytes) -> None:
    rel = f"sample{suffix}"
    path = tmp / rel
    path.write_bytes(data)
    out = pipeline.process_file(path, tmp)
    check_tables(out, rel)


# --------------------------------------------------------------------------- tests


@FUZZ
@given(sample=mutated())
def test_mutated_samples_through_the_whole_pipeline(sample, tmp_path_factory):
    t0 = time.perf_counter()
    _process(tmp_path_factory.mktemp("m", numbered=True), *sample)
    _count("mutated_samples_pipeline", time.perf_counter() - t0)


@FUZZ
@given(sample=random_file)
def test_random_bytes_through_the_whole_pipeline(sample, tmp_path_factory):
    t0 = time.perf_counter()
    _process(tmp_path_factory.mktemp("r", numbered=True), *sample)
    _count("random_bytes_pipeline", time.perf_counter() - t0)


@settings(FUZZ, max_examples=FUZZ.max_examples * 4)
@given(text=st.one_of(mutated_text(), unicode_text),
       field=st.sampled_from(["title", "body", "dateline", "author", "source_line", "url",
                              "outlet_stated", "keywords"]),
       lang=st.sampled_from([None, "ar", "fa", "en", "und"]))
def test_extractors_keep_offsets_inside_the_text(text, field, lang):
    t0 = time.perf_counter()
    rows = [(r, "text") for r in dates.find_dates(text, field, lang)]
    rows += [(r, "surface") for r in sources.find_sources(text, field, lang)]
    rows += [(r, "surface") for r in entities.find_mentions(text, field)]
    for row, claim in rows:
        start, end = row["start"], row["end"]
        assert 0 <= start <= end <= len(text), (row, len(text))
        assert text[start:end] == row[claim], row
    stated = dates.parse_stated(text, lang)
    assert stated is None or not pd.isna(stated["date"])
    _count("extractors", time.perf_counter() - t0)


@FUZZ
@given(text=mutated_text())
def test_loader_read_file_on_text_files(text, tmp_path_factory):
    """The loader alone on text that decodes: formats sniffed from content, never a crash."""
    t0 = time.perf_counter()
    tmp = tmp_path_factory.mktemp("t", numbered=True)
    path = tmp / "page"
    path.write_text(text, encoding="utf-8")
    out = loading.read_file(path, tmp)
    assert not out["problems"]["reason"].isin(CATCH_ALL).any(), out["problems"].to_string()
    assert len(out["articles"]) + len(out["problems"]) >= 1 or not text.strip()
    _count("loader_text", time.perf_counter() - t0)
