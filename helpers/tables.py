"""The tidy tables every module exchanges: column names, dtypes and empty constructors.

Each table is a pandas DataFrame. Modules build rows as plain dicts and call
:func:`frame` to get a DataFrame with exactly these columns in this order, so that
tables from different files concatenate and round-trip through Parquet unchanged.

>>> import pandas as pd
>>> list(frame("problems", []).columns)
['file', 'part', 'doc_id', 'stage', 'reason', 'detail']
>>> row = frame("problems", [{"file": "a.txt", "reason": "empty", "detail": "no text"}]).loc[0]
>>> row["file"], row["stage"] is pd.NA
('a.txt', True)
"""

from __future__ import annotations

import datetime as dt
import functools
import numbers
from collections.abc import Iterable, Mapping

import pandas as pd
import pyarrow as pa

# dtype names: "string" (nullable text), "Int64" (nullable int), "float64",
# "datetime64[ns, UTC]", "bool", "object" (lists).
SCHEMAS: dict[str, dict[str, str]] = {
    # One row per article.
    "articles": {
        "doc_id": "string",  # stable id: hash of (file, part)
        "file": "string",  # path relative to the corpus root, with "/"
        "part": "Int64",  # 0-based position of the article in its file
        "lang": "string",  # ar, fa, en or und
        "title": "string",
        "body": "string",
        "published": "datetime64[ns, UTC]",  # filled by helpers.dates
        "published_rule": "string",  # which evidence gave `published`
        "outlet": "string",  # canonical outlet id, filled by helpers.sources
        "outlet_rule": "string",
        "url": "string",
        "record_id": "string",  # the id the record's format states (DOCID, NEWSID, a JSON id)
        "format": "string",  # txt, json, jsonl, csv, tsv, trec, xml, rss, atom, html, mirastext
        "encoding": "string",  # as detected/declared, e.g. utf-8, utf-8-sig, utf-16, cp1256
        "dateline": "string",  # a line such as "تاريخ النشر: 24th, December 2023 GMT"
        "date_stated": "string",  # raw date the record's format states (pubDate, a date field)
        "date_field": "string",  # which field/tag `date_stated` came from
        "outlet_stated": "string",  # raw source/site/network the format states
        "author": "string",  # raw byline the format states
        "category": "string",
        "source_line": "string",  # raw "المصدر: ..." line split off the body
        "keywords": "string",  # raw keyword line content, items as written
        "warnings": "string",  # "; "-joined human-readable notes about this article
    },
    # One row per reader comment split off an article.
    "comments": {
        "comment_id": "string",  # f"{doc_id}-c{n}"
        "doc_id": "string",
        "n": "Int64",  # 0-based position among the article's comments
        "text": "string",
        "date_raw": "string",  # the comment's date as written, e.g. "IR ۰۹:۳۰ - ۱۴۰۲/۰۳/۱۶"
        "author": "string",
    },
    # One row per file or record that could not be read fully, or per rejected value.
    "problems": {
        "file": "string",
        "part": "Int64",
        "doc_id": "string",
        "stage": "string",  # load, dates, sources, entities, cache
        "reason": "string",  # short code, e.g. "encoding", "json-malformed", "empty"
        "detail": "string",  # a sentence a user understands
    },
    # One row per date expression found (helpers.dates).
    "dates": {
        "doc_id": "string",
        "comment_id": "string",  # set when field == "comment_date" or "comment"
        "text": "string",  # as written
        "field": "string",  # article column (title, body, dateline, ...) or comment_date/comment
        "start": "Int64",
        "end": "Int64",
        "calendar": "string",  # gregorian, jalali, hijri
        "date": "datetime64[ns, UTC]",  # the instant (midnight local time when no time is given)
        "tz": "string",  # IANA zone the expression was read in, e.g. Asia/Tehran, UTC
        "precision": "string",  # day, month, year (minute when a time is given)
        "role": "string",  # published, updated, comment, mentioned
        "rule": "string",
        "confidence": "float64",
    },
    # One row per attribution (helpers.sources).
    "sources": {
        "doc_id": "string",
        "name": "string",  # canonical registry id, or the surface when unknown
        "registry_id": "string",  # null when the name is not in the registry
        "kind": "string",  # outlet, agency, cited, quoted
        "surface": "string",
        "field": "string",
        "start": "Int64",
        "end": "Int64",
        "order": "Int64",  # position in the attribution chain of its sentence
        "rule": "string",
    },
    # One row per entity mention (helpers.entities).
    "mentions": {
        "doc_id": "string",
        "entity_id": "string",
        "name": "string",
        "type": "string",  # person, organisation, place, other
        "surface": "string",
        "field": "string",  # title or body
        "start": "Int64",
        "end": "Int64",
        "sentence": "Int64",  # 0-based sentence index within the field
        "paragraph": "Int64",  # 0-based paragraph index within the field
        "register": "string",  # neutral, or the register of a loaded alias
    },
}

TABLES = tuple(SCHEMAS)


def columns(name: str) -> list[str]:
    """Column names of table ``name``.

    >>> columns("comments")[:2]
    ['comment_id', 'doc_id']
    """
    return list(SCHEMAS[name])


def frame(name: str, rows: Iterable[Mapping[str, object]] | pd.DataFrame,
          text: pd.StringDtype | None = None) -> pd.DataFrame:
    """Build table ``name`` from ``rows``: known columns in order, missing ones null, dtypes set.

    Extra keys in ``rows`` are dropped, so a module cannot leak a private column. ``text``
    gives the text columns another string storage (the pipeline's batches hold them as
    Python ``str``, ``pd.StringDtype("python")``), made straight from the rows' values.

    >>> df = frame("mentions", [{"doc_id": "d1", "start": 3, "end": 7}])
    >>> df.loc[0, "end"] - df.loc[0, "start"]
    np.int64(4)
    >>> str(df.dtypes["start"])
    'Int64'
    """
    schema = SCHEMAS[name]
    if isinstance(rows, pd.DataFrame):
        if list(rows.columns) == list(schema) and list(rows.dtypes) == _dtypes(name):
            return rows.reset_index(drop=True)
        return _convert(name, rows)
    rows = list(rows)
    if not rows:
        return _empty(name).copy() if text is None else _text_as(_empty(name), name, text)
    if text is not None:  # the text columns in another storage (the batch path's Python str)
        fast = _from_records_text(name, rows, text)
        return fast if fast is not None else _text_as(frame(name, rows), name, text)
    fast = _from_records(name, rows)
    return fast if fast is not None else _convert(name, pd.DataFrame(rows))


def _text_as(df: pd.DataFrame, name: str, text: pd.StringDtype) -> pd.DataFrame:
    out = df.copy(deep=False)
    for col in _typed_columns(name, "string"):
        out[col] = out[col].astype(text)
    return out


def _from_records_text(name: str, rows: list[Mapping[str, object]], text: pd.StringDtype
                       ) -> pd.DataFrame | None:
    """:func:`_from_records` with the text columns made straight from the rows' ``str``
    (not encoded for Arrow and decoded again); None when a text value is not a str."""
    strings = _typed_columns(name, "string")
    values = {col: [row.get(col) for row in rows] for col in strings}
    if not all(v is None or type(v) is str for col in strings for v in values[col]):
        return None
    others = _from_records(name, rows, skip=strings)
    if others is None:
        return None
    return pd.DataFrame({col: pd.array(values[col], dtype=text) if col in values else others[col]
                         for col in SCHEMAS[name]}, copy=False)


@functools.cache
def _dtypes(name: str) -> list[object]:
    return list(_empty(name).dtypes)


@functools.cache
def _empty(name: str) -> pd.DataFrame:
    return _convert(name, pd.DataFrame())


def _convert(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """The general path of :func:`frame`: pandas coerces each column to its dtype."""
    schema = SCHEMAS[name]
    out = {}
    for col, dtype in schema.items():
        if col in df.columns:
            values = df[col].reset_index(drop=True)
            out[col] = values if str(values.dtype) == dtype else _as_dtype(values, dtype)
        else:
            out[col] = _as_dtype(pd.Series([None] * len(df), dtype="object"), dtype)
    return pd.DataFrame(out)


_ARROW_TYPES = {"string": pa.string(), "Int64": pa.int64(), "float64": pa.float64(),
                "datetime64[ns, UTC]": pa.timestamp("ns", tz="UTC"), "bool": pa.bool_()}


@functools.cache
def _arrow_schema(name: str) -> pa.Schema | None:
    types = [_ARROW_TYPES.get(dtype) for dtype in SCHEMAS[name].values()]
    if any(t is None for t in types):
        return None
    return pa.schema(list(zip(SCHEMAS[name], types, strict=True)))


@functools.cache
def _typed_columns(name: str, dtype: str) -> tuple[str, ...]:
    return tuple(c for c, d in SCHEMAS[name].items() if d == dtype)


def _from_records(name: str, rows: list[Mapping[str, object]], skip: tuple[str, ...] = ()
                  ) -> pd.DataFrame | None:
    """Fast path of :func:`frame` through Arrow: None when a value needs pandas' coercion.

    Arrow refuses, rather than converts, the values pandas would coerce (date strings,
    numbers as text, out-of-range dates), so both paths give the same frame; this one is
    about 50 times faster on the small tables of one file.
    """
    schema = _arrow_schema(name)
    if schema is None:
        return None
    if skip:  # columns the caller makes itself
        schema = pa.schema([f for f in schema if f.name not in skip])
    # Arrow would truncate 0.5 to 0 where pandas refuses, and read numbers as instants
    # where pandas may not: such values take the pandas path.
    for cols, kind in ((_typed_columns(name, "Int64"), numbers.Integral),
                       (_typed_columns(name, "datetime64[ns, UTC]"), dt.datetime)):
        for col in cols:
            types = {type(row.get(col)) for row in rows}
            types.discard(type(None))
            if not all(issubclass(t, kind) for t in types):
                return None
    try:
        table = pa.Table.from_pylist(rows, schema=schema)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return None
    return from_arrow(table)


_STRING, _INT, _STAMP = pd.StringDtype(), pd.Int64Dtype(), pd.DatetimeTZDtype("ns", "UTC")


def from_arrow(table: pa.Table) -> pd.DataFrame:
    """An Arrow table with the types of these schemas as a DataFrame with their dtypes.

    Column by column, about twice as fast as ``Table.to_pandas`` on the small tables of
    one file (which pays a fixed cost per call).

    >>> t = pa.table({"doc_id": ["d1", None], "start": pa.array([3, None], pa.int64())})
    >>> from_arrow(t).dtypes.astype(str).tolist()
    ['string', 'Int64']
    """
    out = {}
    for name, col in zip(table.column_names, table.columns, strict=True):
        kind = col.type
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            out[name] = _STRING.__from_arrow__(col)
        elif pa.types.is_integer(kind):
            out[name] = _INT.__from_arrow__(col)
        elif pa.types.is_timestamp(kind) and kind.tz == "UTC" and kind.unit == "ns":
            out[name] = _STAMP.__from_arrow__(col)
        else:
            out[name] = col.to_pandas()
    return pd.DataFrame(out, copy=False)


def _as_dtype(values: pd.Series, dtype: str) -> pd.Series:
    kind = values.dtype.kind
    if dtype.startswith("datetime64"):
        if kind == "M":  # already instants: only the zone and the unit change (fast)
            if getattr(values.dtype, "tz", None) is None:
                values = values.dt.tz_localize("UTC")
            return values.dt.tz_convert("UTC").astype(dtype)
        return pd.to_datetime(values, utc=True, errors="coerce", format="mixed").astype(dtype)
    if dtype == "Int64":
        if kind in "iu":
            return values.astype("Int64")
        return pd.to_numeric(values, errors="coerce").astype("Int64")
    if dtype == "float64":
        return pd.to_numeric(values, errors="coerce").astype("float64")
    if dtype == "string":
        if isinstance(values.dtype, pd.StringDtype):  # pandas' default "str": NaN becomes NA
            return values.astype("string")
        return values.astype("object").where(values.notna(), None).astype("string")
    return values.astype(dtype)


def empty(name: str) -> pd.DataFrame:
    """An empty table ``name`` with the right columns and dtypes.

    >>> empty("dates").shape
    (0, 13)
    """
    return frame(name, [])
