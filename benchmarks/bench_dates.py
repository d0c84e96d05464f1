"""Date extraction: ``helpers.dates.find_dates`` next to dateparser's ``search_dates``.

Both run in the same process on the same documents: the seeds and the evaluation samples
(``../shared/eval/``), each also written with Arabic-Indic and with Persian digits, so a few
hundred real documents. ``search_dates`` (with ``languages=['ar', 'fa']``, as the issue
asks) is slow, so it runs on a subset (``--subset``) and both are reported per document.

Rates are documents per second of CPU time (``time.process_time``), best of ``--repeat``
runs, so that other work on the machine does not skew the ratio.

Then both run on a labelled subset: real documents whose dates were worked out by hand
(the expected Gregorian day of each date written in them). A tool finds a labelled date
when one of the dates it returns falls on that day (read in the date's own zone for ours,
naive for dateparser); dates it returns on other days are counted as wrong.

Usage::

    python benchmarks/bench_dates.py [--subset 60] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from helpers import dates  # noqa: E402

EVAL = REPO.parent / "shared" / "eval"
_ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def _documents() -> dict[str, str]:
    """Real documents by a readable id: seeds and every evaluation sample."""
    docs: dict[str, str] = {}
    for path in sorted((REPO / "corpus").glob("*.txt")):
        docs[f"seed/{path.stem}"] = path.read_text(encoding="utf-8")
    saudi = json.loads((EVAL / "ar/saudinewsnet_2015-08-11_sample61.json").read_text("utf-8"))
    for i, rec in enumerate(saudi):
        docs[f"saudi/{i}"] = "\n".join([rec["author"], rec["title"], rec["content"]])
    fars = json.loads((EVAL / "fa/fars-news-1_sample60.json").read_text("utf-8"))
    for i, rec in enumerate(fars):
        paragraphs = rec["paragraphs"]
        if not isinstance(paragraphs, str):
            paragraphs = "\n".join(paragraphs)
        docs[f"fars/{i}"] = "\n".join([rec["title"], rec["abstract"], paragraphs])
    lines = (EVAL / "fa/hazm_test/mirastext.txt").read_text("utf-8").splitlines()
    for i, line in enumerate(lines):
        docs[f"miras/{i}"] = line.replace("***", "\n")
    for name in ("hamshahri/1996/ham2_960623.xml", "tnews/201409/20140923.xml", "persica.csv",
                 "pn-summary/test.csv"):
        docs[f"hazm/{name}"] = (EVAL / "fa/hazm_test" / name).read_text("utf-8")
    return docs


# Expected days of the dates written in real documents, worked out by hand.
LABELS: dict[str, set[str]] = {
    "seed/000_84203d1367af4166": {"2023-12-24"},
    "seed/001_3c3f7fb5dec860d1": {"2023-06-06"},
    "saudi/9": {"1941-04-28"},
    "saudi/45": {"2015-08-11"},
    "saudi/46": {"2015-08-11"},
    "saudi/47": {"2015-08-11"},
    "saudi/48": {"2015-06-09"},
    "saudi/49": {"2015-08-11"},
    "saudi/52": {"2016-02-26"},
    "saudi/56": {"2015-08-11"},
    "saudi/57": {"2015-08-11"},
    "saudi/58": {"2015-08-11"},
    "saudi/59": {"2015-08-11"},
    "saudi/60": {"2015-08-11"},
    "saudi/18": {"2015-08-22", "2015-08-30"},
    "fars/20": {"2000-07-01", "1979-11-04", "2003-01-28"},
    "fars/35": {"2014-02-23"},
    "fars/40": {"2013-01-29"},
    "miras/0": {"2017-08-15"},
    "miras/1": {"2016-01-19"},
    "miras/4": {"2017-08-15"},
    "miras/6": {"2017-01-22"},
    "miras/8": {"2017-04-02"},
    "miras/9": {"2017-08-16"},
    "hazm/hamshahri/1996/ham2_960623.xml": {"1996-06-23"},
    "hazm/tnews/201409/20140923.xml": {"2014-09-23", "2014-09-30"},
}


def _variants(docs: dict[str, str]) -> list[str]:
    """Each document as written, with Arabic-Indic digits and with Persian digits."""
    return [v for text in docs.values()
            for v in (text, text.translate(_ARABIC), text.translate(_PERSIAN))]


def _ours_days(text: str) -> set[str]:
    return {
        str(r["date"].tz_convert(r["tz"]).date())
        for r in dates.find_dates(text)
        if r["precision"] in ("day", "minute") and r["date"] is not None
        and str(r["date"]) != "NaT"
    }


def _theirs_days(text: str) -> set[str]:
    from dateparser.search import search_dates

    found = search_dates(text, languages=["ar", "fa"]) or []
    return {str(when.date()) for _, when in found}


def _rate(fn, texts: list[str], repeat: int) -> float:
    """Documents per second of CPU time (best of ``repeat``): fair on a shared, busy machine."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for text in texts:
            fn(text)
        best = min(best, time.process_time() - start)
    return len(texts) / best


def _score(fn, docs: dict[str, str]) -> tuple[int, int, int]:
    total = correct = wrong = 0
    for doc_id, expected in LABELS.items():
        got = fn(docs[doc_id])
        total += len(expected)
        correct += len(expected & got)
        wrong += len(got - expected)
    return total, correct, wrong


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subset", type=int, default=60, help="documents for dateparser")
    parser.add_argument("--repeat", type=int, default=3, help="timing runs (best is kept)")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")

    docs = _documents()
    texts = _variants(docs)
    step = max(1, len(texts) // args.subset)
    subset = texts[::step][: args.subset]
    chars = sum(map(len, texts))
    print(f"documents: {len(texts)} ({len(docs)} real x 3 digit systems), "
          f"{chars / len(texts):,.0f} characters on average; dateparser subset: {len(subset)}")

    dates.find_dates("warm up 2015")  # compile the patterns outside the timing
    _theirs_days("warm up 2015")
    ours_all = _rate(dates.find_dates, texts, args.repeat)
    ours_sub = _rate(dates.find_dates, subset, args.repeat)
    theirs_sub = _rate(_theirs_days, subset, 1)
    print(f"ours, all documents:        {ours_all:10,.0f} documents/s (CPU time)")
    print(f"ours, dateparser's subset:  {ours_sub:10,.0f} documents/s (CPU time)")
    print(f"dateparser search_dates:    {theirs_sub:10,.1f} documents/s (CPU time)")
    print(f"speed-up on the same subset: {ours_sub / theirs_sub:,.0f}x")

    total, ours_ok, ours_wrong = _score(_ours_days, docs)
    _, theirs_ok, theirs_wrong = _score(_theirs_days, docs)
    print(f"labelled subset: {len(LABELS)} documents, {total} labelled dates")
    print(f"  ours:       {ours_ok:3d} correct, {ours_wrong:3d} dates on other days")
    print(f"  dateparser: {theirs_ok:3d} correct, {theirs_wrong:3d} dates on other days")
    return {
        "documents": len(texts), "subset": len(subset), "ours_docs_per_s": ours_all,
        "ours_subset_docs_per_s": ours_sub, "dateparser_docs_per_s": theirs_sub,
        "speedup": ours_sub / theirs_sub, "labelled": total, "ours_correct": ours_ok,
        "ours_wrong": ours_wrong, "dateparser_correct": theirs_ok,
        "dateparser_wrong": theirs_wrong, "when": dt.datetime.now(dt.UTC).isoformat(),
    }


if __name__ == "__main__":
    main()
