"""Table constructors: every module's rows become frames with the documented dtypes."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from helpers import tables


def test_mixed_date_formats_all_survive() -> None:
    # pandas infers one format from the first value; later values in another format
    # must not silently become NaT.
    df = tables.frame(
        "dates",
        [{"date": "2023-12-20 10:00"}, {"date": "2023-11-02"},
         {"date": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}, {"date": None}],
    )
    assert df["date"].tolist()[:3] == [
        pd.Timestamp("2023-12-20 10:00", tz="UTC"),
        pd.Timestamp("2023-11-02", tz="UTC"),
        pd.Timestamp("2020-01-01", tz="UTC"),
    ]
    assert pd.isna(df["date"].iloc[3])


def test_every_table_has_its_schema_when_empty() -> None:
    for name in tables.TABLES:
        df = tables.empty(name)
        assert list(df.columns) == tables.columns(name)
        assert [str(t) for t in df.dtypes] == list(tables.SCHEMAS[name].values())


def test_unknown_columns_are_dropped_and_missing_ones_null() -> None:
    df = tables.frame("comments", [{"doc_id": "d", "secret": 1}])
    assert "secret" not in df.columns
    assert df.loc[0, "text"] is pd.NA


@pytest.mark.parametrize("rows", [
    [{"doc_id": "d1", "title": "عنوان", "body": None, "part": 2}, {"doc_id": "d2"}],
    [{"doc_id": "d1", "title": 5, "part": 1}],  # not a str: the general path coerces it
    [{"doc_id": "d1", "part": "2"}],  # a number as text: pandas' coercion
    [],
])
def test_frame_with_python_text_equals_frame_then_astype(rows):
    storage = pd.StringDtype("python")
    got = tables.frame("articles", rows, text=storage)
    want = tables.frame("articles", rows)
    for col, dtype in tables.SCHEMAS["articles"].items():
        if dtype == "string":
            want[col] = want[col].astype(storage)
    pd.testing.assert_frame_equal(got, want)
