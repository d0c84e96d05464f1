"""The Dask path of helpers.pipeline gives the same tables as the local path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers import pipeline, tables

REPO = Path(__file__).resolve().parents[1]
EVAL = REPO.parent / "shared" / "eval"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(pipeline._stage_module("loading") is None,
                       reason="helpers.loading not written yet"),
]


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        yield c


def _corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    shutil.copytree(REPO / "corpus", root / "seeds")
    if EVAL.is_dir():
        shutil.copytree(EVAL, root / "eval", ignore=shutil.ignore_patterns("*.csv", "*.md"))
    for i in range(6):  # more batches than workers
        (root / f"extra{i}.txt").write_text(
            f"خبر رقم {i}\nوصل الوزير إلى القاهرة يوم ۱۴۰۲/۰۳/{10 + i} لبحث الأوضاع.\n",
            encoding="utf-8")
    return root


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(list(df.columns), ignore_index=True, na_position="first")


def test_dask_equals_local(client, tmp_path):
    root = _corpus(tmp_path)
    local = pipeline.build(root, cache_dir=tmp_path / "local", workers=1, progress=False)
    dask = pipeline.build(root, cache_dir=tmp_path / "dask", scheduler=client, progress=False)
    assert dask.stats["processed"] == local.stats["processed"] > 0
    for name in tables.TABLES:
        pd.testing.assert_frame_equal(_sorted(dask.read(name)), _sorted(local.read(name)),
                                      obj=name)
    assert len(local.read("articles")) > 0
    cols = ["file", "size", "hash", "articles"]
    pd.testing.assert_frame_equal(dask.files[cols], local.files[cols])


def test_dask_by_scheduler_address_then_incremental(client, tmp_path):
    root = _corpus(tmp_path)
    address = client.scheduler.address
    first = pipeline.build(root, cache_dir=tmp_path / "c", scheduler=address, progress=False)
    (root / "extra0.txt").unlink()
    (root / "new.txt").write_text("عنوان\nنص الخبر الجديد\n", encoding="utf-8")
    second = pipeline.build(root, cache_dir=tmp_path / "c", scheduler=address, progress=False)
    assert second.stats["processed"] == 1
    files = set(second.read("articles", columns=["file"])["file"])
    assert "extra0.txt" not in files
    assert second.stats["files"] == first.stats["files"]


def test_cooccurrence_large_on_dask_equals_in_memory(client, tmp_path):
    from helpers import cooccurrence

    root = _corpus(tmp_path)
    store = pipeline.build(root, cache_dir=tmp_path / "c", workers=2, progress=False)
    expected = cooccurrence.cooccurrence(store.read("mentions"), level="article")
    got = pipeline.cooccurrence_large(store, level="article", scheduler=client)
    pd.testing.assert_frame_equal(got, expected)
