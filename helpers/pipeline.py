"""Per-file processing, the Parquet cache, and parallelism (processes or Dask).

``process_file`` runs the per-file pipeline (``loading.read_file``, then the ``run`` of
``dates``, ``sources`` and ``entities``); ``build`` runs it over a corpus folder in batches
of files, in worker processes or on a Dask cluster, and writes each table as a Parquet
dataset in a cache folder outside the corpus. It returns a :class:`Store` that reads the
tables back with column and filter push-down.

The cache (``cache_dir``, default ``$NEWSWORK_CACHE/<corpus hash>`` or
``~/.cache/newswork/<corpus hash>``) holds ``manifest.parquet`` (one row per file: size,
mtime, content hash, batch) and ``<table>/b<batch>.parquet``. Every stored row carries a
private ``_file`` column, so the rows of one file can be dropped when it changes or
disappears. Reopening an unchanged corpus only stats the files and reads the manifest.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     root = Path(tmp, "corpus"); root.mkdir()
...     default_cache_dir(root).name == corpus_hash(root)
True
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import gc
import hashlib
import importlib
import io
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from . import tables, textnorm
from .atomic import write_atomic

STAGES: tuple[str, ...] = ("dates", "sources", "entities")
FILE_COL = "_file"
CACHE_VERSION = "1"
BATCH_BYTES = 8 * 2**20  # input bytes per batch: big enough for Parquet, small for memory
BATCH_FILES = 2000
COMPACT_BYTES = 32 * 2**20  # batches whose Parquet files are smaller than this get merged
WRITE_BYTES = 96 * 2**20  # Arrow bytes of fresh batches gathered into one stored batch
MANIFEST = "manifest.parquet"
HELPERS = Path(__file__).resolve().parent
_META_KEY = b"newswork"


# --------------------------------------------------------------------------- per file


def process_file(path: Path, root: Path, options: Any = None) -> dict[str, pd.DataFrame]:
    """Read one file and run every analysis stage on it: ``{table name: DataFrame}``.

    Never raises on bad input: a stage that fails or cannot be imported becomes a
    ``problems`` row (``stage`` = its name) and the other stages still run. Every table of
    ``helpers.tables`` is present in the result.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = process_file(Path(tmp, "missing.txt"), Path(tmp))
    >>> sorted(out) == sorted(tables.TABLES)
    True
    >>> len(out["problems"]) >= 1
    True
    """
    path, root = Path(path), Path(root)
    rel = relpath(path, root)
    return _finish(_stages(_framed(load_file(path, root, options)), rel))


Loaded = dict[str, "pd.DataFrame | list[dict[str, Any]]"]


def load_file(path: Path, root: Path, options: Any = None) -> Loaded:
    """One file's tables: ``loading.read_records`` (rows as dicts; the batch frames them
    all at once) or, for a loader without it, ``read_file``; a failure is a problems row.
    """
    rel = relpath(path, root)
    loader = _stage_module("loading")
    t0 = time.process_time()
    read = getattr(loader, "read_records", None) or getattr(loader, "read_file", None)
    if read is None:
        return {"problems": [_problem(rel, "load", "no-loader",
                                      "helpers.loading.read_file is missing")]}
    try:
        result = dict(read(path, root, options))
    except Exception as exc:  # a bad file must never stop the others
        result = {"problems": [_problem(rel, "load", "stage-error", _describe(exc))]}
    _tick("load", t0)
    return result


def _framed(loaded: Loaded) -> dict[str, pd.DataFrame]:
    """``loaded`` with every table as a DataFrame of its schema."""
    return {name: _conform(name, rows) if isinstance(rows, pd.DataFrame)
            else tables.frame(name, rows) for name, rows in loaded.items()}


def _stages(result: dict[str, pd.DataFrame], rel: str, batch: bool = False
            ) -> dict[str, pd.DataFrame]:
    """Run every stage on ``result`` (one file's tables, or a ``batch`` of several files').

    A stage that fails on one file becomes a problems row; on a batch it raises
    ``_Unbatchable`` so that the batch is run again file by file.
    """
    if "articles" not in result:
        return result
    with textnorm.shared_keys():  # the stages share each text's normalised key
        t0 = time.process_time()
        textnorm.prime(_texts_to_key(result))
        _tick("keys", t0)
        return _run_stages(result, rel, batch)


_KEYED_COLUMNS = {"articles": ("title", "body", "keywords"), "comments": ("body",)}


def _texts_to_key(result: dict[str, pd.DataFrame]) -> Iterator[str]:
    """The texts every stage keys: titles, bodies and keyword lines, and comments' bodies."""
    for name, columns in _KEYED_COLUMNS.items():
        df = result.get(name)
        if df is None:
            continue
        for col in columns:
            if col in df:
                yield from (t for t in df[col].tolist() if isinstance(t, str))


def _run_stages(result: dict[str, pd.DataFrame], rel: str, batch: bool
                ) -> dict[str, pd.DataFrame]:
    for stage in STAGES:
        run = getattr(_stage_module(stage), "run", None)
        if run is None:
            continue
        t0 = time.process_time()
        try:
            result = dict(run(result))
        except Exception as exc:
            if batch:
                raise _Unbatchable(stage) from exc
            row = tables.frame("problems", [_problem(rel, stage, "stage-error", _describe(exc))])
            result = {**result, "problems": pd.concat(
                [_conform("problems", result.get("problems", tables.empty("problems"))), row],
                ignore_index=True)}
        finally:
            _tick(stage, t0)
    return result


def _finish(result: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Every table of ``helpers.tables``, with its exact columns and dtypes."""
    return {name: _conform(name, result[name]) if name in result else tables.empty(name)
            for name in tables.TABLES}


STAGE_SECONDS: dict[str, float] = {}  # CPU seconds per stage in this process (benchmarks)


def _tick(stage: str, since: float) -> float:
    now = time.process_time()
    STAGE_SECONDS[stage] = STAGE_SECONDS.get(stage, 0.0) + now - since
    return now


def relpath(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` with ``/``, as the ``file`` column holds it.

    >>> relpath(Path("/c/ar/x.txt"), Path("/c"))
    'ar/x.txt'
    >>> relpath(Path(os.fsdecode(b"/c/a\\xe1.txt")), Path("/c"))  # not UTF-8: bytes as \\xNN
    'a\\\\xe1.txt'
    """
    text, base = os.fspath(path), os.fspath(root).rstrip("/")
    if os.sep == "/" and text.startswith(base + "/") and "/./" not in text and "//" not in text:
        rel = text[len(base) + 1:]  # fast path: millions of calls on a large corpus
    else:
        try:
            rel = Path(path).relative_to(root).as_posix()
        except ValueError:
            rel = Path(path).as_posix()
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@functools.cache
def _stage_module(name: str) -> Any:
    """``helpers.<name>``, or None when that module does not exist (yet)."""
    try:
        return importlib.import_module(f"{__package__}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"{__package__}.{name}":
            return None
        return _Broken(exc)
    except Exception as exc:
        return _Broken(exc)


class _Broken:
    """Stands in for a stage module that fails to import: its ``run`` raises that error."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def run(self, _tables: object) -> dict[str, pd.DataFrame]:
        raise ImportError(f"module failed to import: {_describe(self.exc)}")

    def read_file(self, *_args: object) -> dict[str, pd.DataFrame]:
        raise ImportError(f"module failed to import: {_describe(self.exc)}")

    read_records = read_file


def _problem(file: str, stage: str, reason: str, detail: str) -> dict[str, object]:
    return {"file": file, "stage": stage, "reason": reason, "detail": detail}


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def _conform(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with exactly the columns and dtypes of table ``name`` (cheap when it has them)."""
    return tables.frame(name, df)


# --------------------------------------------------------------------------- Arrow schemas


_ARROW_TYPES = {
    "string": pa.string(),
    "Int64": pa.int64(),
    "float64": pa.float64(),
    "datetime64[ns, UTC]": pa.timestamp("ns", tz="UTC"),
    "bool": pa.bool_(),
}


@functools.cache
def arrow_schema(name: str) -> pa.Schema:
    """The Arrow schema table ``name`` is stored with (plus the private ``_file`` column).

    >>> arrow_schema("problems").names[-1]
    '_file'
    >>> str(arrow_schema("articles").field("published").type)
    'timestamp[ns, tz=UTC]'
    """
    fields = [pa.field(c, _ARROW_TYPES[t]) for c, t in tables.SCHEMAS[name].items()]
    return pa.schema([*fields, pa.field(FILE_COL, pa.string())])


def to_arrow(name: str, df: pd.DataFrame, owners: str | Sequence[str] | np.ndarray) -> pa.Table:
    """Table ``name`` as Arrow, with ``_file``: one file for all rows, or one per row.

    >>> t = to_arrow("problems", tables.frame("problems", [{"reason": "x"}] * 3),
    ...              ["a.txt", "b.txt", "b.txt"])
    >>> t.column("_file").to_pylist()
    ['a.txt', 'b.txt', 'b.txt']
    """
    df = _conform(name, df)
    if isinstance(owners, str):
        owners = [owners] * len(df)
    schema = arrow_schema(name)
    data = pa.Table.from_pandas(df, schema=schema.remove(schema.get_field_index(FILE_COL)),
                                preserve_index=False)
    return data.append_column(schema.field(FILE_COL), pa.array(owners, pa.string()))


def to_pandas(name: str, table: pa.Table) -> pd.DataFrame:
    """Arrow ``table`` as a DataFrame with the dtypes of ``helpers.tables`` (no ``_file``)."""
    table = table.drop_columns([c for c in table.column_names if c not in tables.SCHEMAS[name]])
    return tables.from_arrow(table)


_STRING = tables.empty("problems").dtypes["file"]


def _pandas_type(arrow_type: pa.DataType) -> Any:
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return _STRING
    if pa.types.is_integer(arrow_type):
        return pd.Int64Dtype()
    return None


def parquet_bytes(table: pa.Table) -> bytes:
    """``table`` as zstd-compressed Parquet bytes (one stored batch of a table)."""
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


# --------------------------------------------------------------------------- batches


@dataclass
class BatchResult:
    """What a worker returns for a batch of files: its tables as Arrow, and the stats.

    Arrow rather than Parquet bytes: the writer gathers several batches into one Parquet
    file per table, so the bytes are encoded once, in files big enough that they need no
    merging later (see :func:`_write_batches`).
    """

    files: list[dict[str, object]]  # file, size, mtime_ns, hash, articles
    tables: dict[str, pa.Table]  # table name -> rows with their FILE_COL (tables with rows only)
    rows: dict[str, int]
    seconds: float = 0.0
    stage_seconds: dict[str, float] = field(default_factory=dict)


BATCH_STAGES = True  # run each stage once per batch of files rather than once per file


def process_batch(paths: Sequence[str], root: str, options: Any = None) -> BatchResult:
    """Process files ``paths`` (absolute) under ``root``; module level so it pickles.

    Files are loaded one by one; then each stage runs once on the tables of the whole
    batch (the stages work article by article, and a call per file costs more in pandas
    overhead than the analysis of a short page). When a stage fails on the batch, or a row
    cannot be traced back to its file, the batch is run file by file instead, so a bad
    file still only costs its own problem row.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = Path(tmp, "a.txt").write_text("x")
    ...     res = process_batch([str(Path(tmp, "a.txt"))], tmp)
    >>> res.files[0]["file"], res.files[0]["size"]
    ('a.txt', 1)
    """
    gc.freeze()  # what exists already (registries, automata' data) is not rescanned meanwhile
    try:
        return _process_batch(paths, root, options)
    finally:
        gc.unfreeze()


def _process_batch(paths: Sequence[str], root: str, options: Any) -> BatchResult:
    t0 = time.perf_counter()
    before = dict(STAGE_SECONDS)
    loaded: list[tuple[str, Loaded]] = []
    files = []
    for p in paths:
        path = Path(p)
        rel = relpath(path, Path(root))
        size, mtime = _stat(path)
        files.append({"file": rel, "size": size, "mtime_ns": mtime, "hash": file_hash(path)})
        loaded.append((rel, load_file(path, Path(root), options)))
    frames, owners = _run_batch(loaded)
    per_file = Counter(owners["articles"])
    for f in files:
        f["articles"] = per_file.get(f["file"], 0)
    payload, rows = {}, {}
    for name, df in frames.items():
        if len(df):
            table = to_arrow(name, df, owners[name])
            payload[name] = table
            rows[name] = table.num_rows
    stages = {k: v - before.get(k, 0.0) for k, v in STAGE_SECONDS.items()}
    return BatchResult(files, payload, rows, time.perf_counter() - t0, stages)


class _Unbatchable(Exception):
    """The batch must be run file by file."""


Owned = tuple[dict[str, pd.DataFrame], dict[str, list[str]]]


def _run_batch(loaded: list[tuple[str, Loaded]]) -> Owned:
    """Stage every file of ``loaded``: the tables, and the file each row comes from."""
    if BATCH_STAGES and sum("articles" in t for _, t in loaded) > 1:
        try:
            return _run_batched(loaded)
        except _Unbatchable:
            pass
    return _combine([(rel, _finish(_stages(_framed(t), rel))) for rel, t in loaded])


def _combine(results: list[tuple[str, dict[str, pd.DataFrame]]]) -> Owned:
    frames, owners = {}, {}
    for name in tables.TABLES:
        parts = [(rel, out[name]) for rel, out in results if len(out[name])]
        frames[name] = (pd.concat([df for _, df in parts], ignore_index=True) if parts
                        else tables.empty(name))
        owners[name] = [rel for rel, df in parts for _ in range(len(df))]
    return frames, owners


_PY_STRING = pd.StringDtype("python")
_PY_TEXT_TABLES = ("articles", "comments")


def _gather(loaded: list[tuple[str, Loaded]]) -> Owned:
    """The loaded tables of several files as one table each (rows framed once), and owners."""
    frames, owners = {}, {}
    for name in tables.TABLES:
        rows: list[dict[str, Any]] = []
        row_owners: list[str] = []
        parts: list[pd.DataFrame] = []
        part_owners: list[str] = []
        for rel, t in loaded:
            value = t.get(name)
            if value is None or not len(value):
                continue
            if isinstance(value, pd.DataFrame):
                parts.append(_conform(name, value))
                part_owners += [rel] * len(value)
            else:
                rows += value
                row_owners += [rel] * len(value)
        text = _PY_STRING if name in _PY_TEXT_TABLES else None  # as _python_strings makes them
        pieces = ([tables.frame(name, rows, text)] if rows else []) + parts
        if pieces:
            frames[name] = (pieces[0] if len(pieces) == 1
                            else pd.concat(pieces, ignore_index=True))
            owners[name] = row_owners + part_owners
    return frames, owners


def _python_strings(frames: dict[str, pd.DataFrame],
                    storage: pd.StringDtype = _PY_STRING) -> dict[str, pd.DataFrame]:
    """The text columns of ``articles`` and ``comments`` held as Python strings.

    Every stage reads the title and body as lists of str; from Arrow-backed columns each
    read would decode them again (new objects whose keys ``textnorm.shared_keys`` must hash
    again). Called with ``storage=tables._STRING`` it turns them back.
    """
    out = dict(frames)
    for name in _PY_TEXT_TABLES:
        if name in out:
            df = out[name].copy(deep=False)
            for col, dtype in tables.SCHEMAS[name].items():
                if dtype == "string" and col in df and df[col].dtype != storage:
                    df[col] = _as_strings(df[col], storage)
            out[name] = df
    return out


def _as_strings(values: pd.Series, storage: pd.StringDtype) -> pd.Series:
    """``values.astype(storage)``; from Python to Arrow strings in one pyarrow pass (pandas'
    own conversion checks and copies every value first, which costs twice as much).

    >>> s = pd.Series(["ا", None, "b"], dtype=_PY_STRING)
    >>> out = _as_strings(s, tables._STRING)
    >>> out.equals(s.astype(tables._STRING)), out.dtype == tables._STRING
    (True, True)
    """
    if storage.storage != "pyarrow" or values.dtype != _PY_STRING:
        return values.astype(storage)
    arrow = pa.array(values.to_numpy(dtype=object, na_value=None), type=pa.large_string(),
                     from_pandas=True)
    out = pd.Series(pd.arrays.ArrowStringArray(arrow), index=values.index, name=values.name,
                    copy=False)
    return out if out.dtype == storage else values.astype(storage)


def _run_batched(loaded: list[tuple[str, Loaded]]) -> Owned:
    todo = [(rel, t) for rel, t in loaded if "articles" in t]
    gathered, loaded_owners = _gather(todo)
    doc_owner: dict[str, str] = {}
    file_owner: dict[str, str] = {}
    for name, df in gathered.items():
        if "doc_id" in df:
            for doc, rel in zip(df["doc_id"].tolist(), loaded_owners[name], strict=True):
                if doc is not pd.NA and doc_owner.setdefault(doc, rel) != rel:
                    raise _Unbatchable(f"doc_id {doc} in two files")
        if "file" in df:
            for name_in_file, rel in zip(df["file"].tolist(), loaded_owners[name], strict=True):
                if name_in_file is not pd.NA:
                    file_owner.setdefault(name_in_file, rel)
    combined = _python_strings(_finish(_stages(_python_strings(gathered), "", batch=True)),
                               tables._STRING)
    owners = {}
    for name, df in combined.items():
        docs = df["doc_id"].tolist() if "doc_id" in df else [pd.NA] * len(df)
        names = df["file"].tolist() if "file" in df else [pd.NA] * len(df)
        owner = [doc_owner.get(d) if d is not pd.NA else None for d in docs]
        owner = [o if o is not None else (file_owner.get(n) if n is not pd.NA else None)
                 for o, n in zip(owner, names, strict=True)]
        if None in owner:
            raise _Unbatchable(f"{name} rows without their file")
        owners[name] = owner
    rest = [(rel, _finish(_framed(t))) for rel, t in loaded if "articles" not in t]
    if rest:
        frames, extra = _combine(rest)
        for name in tables.TABLES:
            combined[name] = pd.concat([combined[name], frames[name]], ignore_index=True)
            owners[name] = owners[name] + extra[name]
    return combined, owners


def _stat(path: Path | str) -> tuple[int, int]:
    try:
        st = os.stat(path)
        return st.st_size, st.st_mtime_ns
    except OSError:
        return -1, -1


def file_hash(path: Path) -> str:
    """Content hash of a file (blake2b, 128 bits, hex); ``""`` when it cannot be read.

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile() as f:
    ...     len(file_hash(Path(f.name)))
    32
    """
    h = hashlib.blake2b(digest_size=16)
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(2**20), b""):
                h.update(chunk)
    except OSError:
        return ""
    return h.hexdigest()


def plan_batches(files: Sequence[tuple[str, int]], max_bytes: int = BATCH_BYTES,
                 max_files: int = BATCH_FILES) -> list[list[str]]:
    """Group ``(path, size)`` in order into batches of at most ``max_bytes`` / ``max_files``.

    A file larger than ``max_bytes`` is a batch of its own.

    >>> plan_batches([("a", 5), ("b", 5), ("c", 5), ("d", 20)], max_bytes=10)
    [['a', 'b'], ['c'], ['d']]
    """
    batches: list[list[str]] = []
    current: list[str] = []
    size = 0
    for path, nbytes in files:
        if current and (size + nbytes > max_bytes or len(current) >= max_files):
            batches.append(current)
            current, size = [], 0
        current.append(path)
        size += max(nbytes, 0)
    if current:
        batches.append(current)
    return batches


# --------------------------------------------------------------------------- cache folder


def corpus_hash(root: Path) -> str:
    """Short hash of the absolute corpus path: the name of its default cache folder.

    >>> len(corpus_hash(Path("/tmp")))
    16
    """
    return hashlib.blake2b(str(Path(root).resolve()).encode(), digest_size=8).hexdigest()


def default_cache_dir(root: Path) -> Path:
    """``$NEWSWORK_CACHE/<hash>`` or ``~/.cache/newswork/<hash>`` for corpus ``root``."""
    base = os.environ.get("NEWSWORK_CACHE") or Path.home() / ".cache" / "newswork"
    return Path(base).expanduser() / corpus_hash(root)


def check_cache_dir(cache_dir: Path, root: Path) -> Path:
    """``cache_dir`` resolved; ValueError when it is inside the corpus (never written to).

    >>> check_cache_dir(Path("/data/corpus/.cache"), Path("/data/corpus"))
    Traceback (most recent call last):
    ...
    ValueError: the cache folder /data/corpus/.cache is inside the corpus folder /data/corpus; \
choose a cache_dir outside it
    """
    cache, base = Path(cache_dir).expanduser().resolve(), Path(root).resolve()
    if cache == base or cache.is_relative_to(base):
        raise ValueError(
            f"the cache folder {cache} is inside the corpus folder {base}; "
            "choose a cache_dir outside it"
        )
    return cache


def fingerprint(options: Any = None) -> str:
    """Hash of the code and data files (and options) the tables depend on.

    Editing any ``helpers/*.py``, any file under ``helpers/data/``, the entity registry
    (``entities.registry_fingerprint()``) or the options re-processes the corpus.
    """
    h = hashlib.blake2b(digest_size=16)
    h.update(CACHE_VERSION.encode())
    files = sorted(HELPERS.glob("*.py")) + sorted(
        p for p in (HELPERS / "data").rglob("*") if p.is_file()
    )
    for p in files:
        h.update(p.relative_to(HELPERS).as_posix().encode() + b"\0")
        with contextlib.suppress(OSError):
            h.update(p.read_bytes())
    entities = _stage_module("entities")
    registry = getattr(entities, "registry_fingerprint", None)
    if callable(registry):
        with contextlib.suppress(Exception):
            h.update(str(registry()).encode())
    h.update(repr(options).encode())
    return h.hexdigest()


# --------------------------------------------------------------------------- manifest

_MANIFEST_SCHEMA = pa.schema([
    pa.field("file", pa.string()),
    pa.field("size", pa.int64()),
    pa.field("mtime_ns", pa.int64()),
    pa.field("hash", pa.string()),
    pa.field("batch", pa.int64()),
    pa.field("articles", pa.int64()),
])


@dataclass
class Manifest:
    """The cache's index: files (with their batch) and batches (with their table files)."""

    fingerprint: str = ""
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    batches: dict[int, dict[str, Any]] = field(default_factory=dict)  # id -> {table: bytes}
    next_batch: int = 0
    dirty: bool = False  # differs from what is on disk
    tree: str | None = None  # tree_signature() when ``files`` was discovered, if reusable

    def frame(self) -> pd.DataFrame:
        rows = [{"file": f, **{k: v[k] for k in ("size", "mtime_ns", "hash", "batch",
                                                  "articles")}}
                for f, v in sorted(self.files.items())]
        table = pa.Table.from_pylist(rows, schema=_MANIFEST_SCHEMA)
        return table.to_pandas(types_mapper=_pandas_type)

    def write(self, cache: Path) -> None:
        rows = [{"file": f, **v} for f, v in sorted(self.files.items())]
        table = pa.Table.from_pylist(rows, schema=_MANIFEST_SCHEMA)
        meta = {"version": CACHE_VERSION, "fingerprint": self.fingerprint,
                "next_batch": self.next_batch, "tree": self.tree,
                "batches": {str(k): v for k, v in self.batches.items()}}
        table = table.replace_schema_metadata({_META_KEY: json.dumps(meta).encode()})
        write_atomic(cache / MANIFEST, parquet_bytes(table))

    @classmethod
    def read(cls, cache: Path) -> Manifest:
        table = pq.read_table(cache / MANIFEST)
        meta = json.loads(table.schema.metadata[_META_KEY])
        if meta.get("version") != CACHE_VERSION:
            raise ValueError(f"cache version {meta.get('version')} != {CACHE_VERSION}")
        cols = table.to_pydict()
        keys = [k for k in cols if k != "file"]
        files = {f: dict(zip(keys, values, strict=True))
                 for f, *values in zip(cols["file"], *(cols[k] for k in keys), strict=True)}
        batches = {int(k): v for k, v in meta["batches"].items()}
        return cls(meta["fingerprint"], files, batches, int(meta["next_batch"]),
                   tree=meta.get("tree"))


def batch_path(cache: Path, table: str, batch: int) -> Path:
    return cache / table / f"b{batch:07d}.parquet"


# --------------------------------------------------------------------------- the store


class Store:
    """The cached tables of one corpus, read with column and filter push-down.

    ``files`` is the manifest (file, size, mtime_ns, hash, batch, articles). ``read``
    returns the tables with the schema of ``helpers.tables``.
    """

    def __init__(self, cache_dir: Path, manifest: Manifest,
                 problems: Iterable[dict[str, object]] = (), root: Path | None = None) -> None:
        self.cache_dir = Path(cache_dir)
        self.root = root
        self._manifest = manifest
        self.cache_problems = list(problems)
        self.stats: dict[str, Any] = {}

    @property
    def files(self) -> pd.DataFrame:
        return self._manifest.frame()

    def paths(self, table: str) -> list[str]:
        """The Parquet files holding ``table``, in batch order."""
        return [str(batch_path(self.cache_dir, table, b))
                for b, info in sorted(self._manifest.batches.items()) if info.get(table)]

    def _dataset(self, table: str) -> ds.Dataset:
        return ds.dataset(self.paths(table), format="parquet", schema=arrow_schema(table))

    def read(self, table: str, columns: list[str] | None = None, filters: Any = None
             ) -> pd.DataFrame:
        """Table ``table``; only ``columns`` (default all), only rows matching ``filters``.

        ``filters`` is a ``pyarrow.compute`` expression (``pc.field("lang") == "fa"``) or
        the DNF list pandas and pyarrow accept (``[("lang", "==", "fa")]``); both are
        pushed down to the Parquet reader.
        """
        if table not in tables.SCHEMAS:
            raise KeyError(f"unknown table {table!r}; tables are {', '.join(tables.TABLES)}")
        columns = list(columns) if columns is not None else tables.columns(table)
        unknown = [c for c in columns if c not in tables.SCHEMAS[table]]
        if unknown:
            raise KeyError(f"table {table!r} has no column(s) {unknown}")
        expr = _expression(filters)
        arrow = self._read_arrow(table, columns, expr)
        if table == "problems" and self.cache_problems:
            schema = arrow_schema("problems")
            extra = pa.Table.from_pandas(
                tables.frame("problems", self.cache_problems),
                schema=schema.remove(schema.get_field_index(FILE_COL)), preserve_index=False)
            if expr is not None:
                extra = extra.filter(expr)
            arrow = pa.concat_tables([extra.select(columns), arrow])
        df = to_pandas(table, arrow)
        schema = tables.SCHEMAS[table]
        for col in columns:  # empty or all-null columns may come back as another dtype
            if str(df.dtypes[col]) != schema[col]:
                df[col] = tables._as_dtype(df[col], schema[col])
        return df

    def _read_arrow(self, table: str, columns: list[str], expr: Any) -> pa.Table:
        schema = arrow_schema(table)
        empty = schema.empty_table().select(columns)
        if not self.paths(table):
            return empty
        try:
            return self._dataset(table).to_table(columns=columns, filter=expr)
        except (OSError, pa.ArrowException) as exc:
            # a damaged batch file: read the others, report it, and let build() redo it
            good = []
            for path in self.paths(table):
                try:
                    good.append(ds.dataset(path, format="parquet", schema=schema)
                                .to_table(columns=columns, filter=expr))
                except (OSError, pa.ArrowException):
                    self.cache_problems.append(_problem(
                        path, "cache", "cache-corrupt",
                        f"unreadable cache file skipped ({_describe(exc)}); "
                        "open the corpus again to rebuild it"))
                    _invalidate(self.cache_dir, Path(path))
            return pa.concat_tables([empty, *good]) if good else empty

    def iter_partitions(self, table: str, columns: list[str] | None = None,
                        filters: Any = None) -> Iterator[pd.DataFrame]:
        """Table ``table`` one batch file at a time (memory bounded by one batch)."""
        columns = list(columns) if columns is not None else tables.columns(table)
        expr = _expression(filters)
        for path in self.paths(table):
            arrow = ds.dataset(path, format="parquet", schema=arrow_schema(table)).to_table(
                columns=columns, filter=expr)
            yield to_pandas(table, arrow)

    def __repr__(self) -> str:
        return f"Store({str(self.cache_dir)!r}, files={len(self._manifest.files)})"


def _expression(filters: Any) -> Any:
    if filters is None or isinstance(filters, pc.Expression):
        return filters
    return pq.filters_to_expression(filters)


def _invalidate(cache: Path, path: Path) -> None:
    """Remove the batch of a damaged file from the manifest so build() re-processes it."""
    with contextlib.suppress(Exception), _locked(cache):
        manifest = Manifest.read(cache)
        batch = int(path.stem.lstrip("b"))
        manifest.batches.pop(batch, None)
        manifest.files = {f: v for f, v in manifest.files.items() if v["batch"] != batch}
        manifest.write(cache)


@contextlib.contextmanager
def _locked(cache: Path) -> Iterator[None]:
    """An exclusive lock on the cache folder (two notebooks building at once wait)."""
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# --------------------------------------------------------------------------- build


def discover(root: Path, problems: list[dict[str, object]] | None = None) -> list[Path]:
    """The corpus files under ``root`` (``loading.discover`` when it exists), sorted.

    What discovery skipped (links leading outside, loops) is appended to ``problems``.
    """
    loader = _stage_module("loading")
    found = getattr(loader, "discover", None)
    if callable(found):
        listed = found(root)
        if isinstance(listed, tuple):  # (files, problems table)
            listed, skipped = listed
            if problems is not None:
                problems.extend(skipped.to_dict("records"))
        paths = [Path(p) for p in listed]
        paths = [p if p.is_absolute() else root / p for p in paths]
    else:
        paths = [p for p in root.rglob("*") if p.is_file()
                 and not any(part.startswith(".") for part in p.relative_to(root).parts)]
    unique = {str(p): p for p in paths}  # all under root: the absolute order is the relative one
    return [unique[k] for k in sorted(unique)]


def _utf8(path: Path) -> bool:
    try:
        os.fspath(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


RACY_SECONDS = 2.0  # a folder changed this recently may change again unseen (coarse mtimes)


def tree_signature(root: Path) -> str | None:
    """Hash of every folder's path, mtime and ctime under ``root``, or None when unusable.

    Adding, removing or renaming a file changes its folder's mtime, so an unchanged
    signature means the same files as last time and discovery can be skipped on reopen.
    None (always discover) when the tree holds a symbolic link, cannot be listed, or a
    folder's mtime is within the last ``RACY_SECONDS`` (a change in the same clock tick
    would go unseen).
    """
    lines = []
    newest = 0
    stack = [os.fspath(root)]
    try:
        while stack:
            folder = stack.pop()
            st = os.stat(folder)
            newest = max(newest, st.st_mtime_ns)
            lines.append(f"{folder}\0{st.st_mtime_ns}\0{st.st_ctime_ns}")
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_symlink():
                        return None
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
    except OSError:
        return None
    if newest > time.time_ns() - RACY_SECONDS * 1e9:
        return None
    text = "\n".join(sorted(lines)).encode("utf-8", "surrogateescape")
    return hashlib.blake2b(text, digest_size=16).hexdigest()


def build(root: str | Path, cache_dir: str | Path | None = None, options: Any = None,
          workers: int | None = None, scheduler: Any = None, progress: bool = True) -> Store:
    """Process the corpus under ``root`` into the Parquet cache, reusing what is still valid.

    Only new and changed files are processed (stat first, content hash when the stat
    changed); rows of changed and deleted files are dropped. ``workers`` processes (default:
    all cores; 1 runs in this process); ``scheduler`` a Dask scheduler address,
    ``"local"`` (a LocalCluster) or a ``distributed.Client`` to run the batches on Dask
    instead (workers must see ``root`` at the same path). Returns the :class:`Store`.
    """
    root = Path(root).expanduser().resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {root}")
    cache = check_cache_dir(Path(cache_dir) if cache_dir else default_cache_dir(root), root)
    t0 = time.perf_counter()
    with _locked(cache):
        problems: list[dict[str, object]] = []
        manifest = _open_manifest(cache, fingerprint(options), problems)
        tree = tree_signature(root)
        if tree is not None and tree == manifest.tree:  # no file added, removed or renamed
            paths = [root / f for f in manifest.files]
        else:
            found: list[dict[str, object]] = []
            paths = discover(root, found)
            problems += found
            if found or not all(_utf8(p) for p in paths):  # rebuilt from relpaths next time
                tree = None
        todo = _changes(root, paths, manifest)
        if manifest.tree != tree:
            manifest.tree, manifest.dirty = None, True  # set again once the build completes
        _drop_files(cache, manifest, todo.drop)
        results = _run(todo.process, root, options, workers, scheduler, progress)
        totals: dict[str, Any] = {"articles": 0, "worker_seconds": 0.0, "stage_seconds": {}}
        written = _write_batches(cache, manifest, results, totals)
        if todo.drop or written:
            _compact(cache, manifest)
        manifest.tree = tree
        if todo.drop or written or todo.touched or manifest.dirty:
            manifest.write(cache)
        _sweep(cache, manifest)
    store = Store(cache, manifest, problems, root)
    store.stats = {"processed": len(todo.process), "dropped": len(todo.drop),
                   "files": len(manifest.files), "seconds": time.perf_counter() - t0, **totals}
    return store


def _open_manifest(cache: Path, fp: str, problems: list[dict[str, object]]) -> Manifest:
    """The valid manifest of ``cache``, or a fresh one (with a problem row when damaged)."""
    if not (cache / MANIFEST).exists():
        return Manifest(fp, dirty=True)
    try:
        manifest = Manifest.read(cache)
    except Exception as exc:
        problems.append(_problem(str(cache / MANIFEST), "cache", "cache-corrupt",
                                 f"unreadable cache manifest, cache rebuilt ({_describe(exc)})"))
        return Manifest(fp, dirty=True)
    if manifest.fingerprint != fp:
        return Manifest(fp, next_batch=manifest.next_batch, dirty=True)
    damaged = [b for b, info in manifest.batches.items() if not _batch_ok(cache, b, info)]
    for b in damaged:
        problems.append(_problem(str(cache / f"*/b{b:07d}.parquet"), "cache", "cache-corrupt",
                                 f"damaged cache batch {b}: its files were processed again"))
        manifest.batches.pop(b)
    if damaged:
        manifest.dirty = True
        manifest.files = {f: v for f, v in manifest.files.items() if v["batch"] in
                          manifest.batches}
    return manifest


def _batch_ok(cache: Path, batch: int, info: dict[str, int]) -> bool:
    """Whether every table file of ``batch`` exists with its recorded size and Parquet footer."""
    for table, nbytes in info.items():
        path = batch_path(cache, table, batch)
        try:
            if path.stat().st_size != nbytes:
                return False
            with open(path, "rb") as fh:
                fh.seek(-4, os.SEEK_END)
                if fh.read(4) != b"PAR1":
                    return False
        except OSError:
            return False
    return True


@dataclass
class _Todo:
    process: list[tuple[str, int]]  # (absolute path, size) to process
    drop: set[str]  # relpaths whose rows must go (changed or deleted)
    touched: bool = False  # some stat changed without the content changing


def _changes(root: Path, paths: list[Path], manifest: Manifest) -> _Todo:
    process: list[tuple[str, int]] = []
    drop: set[str] = set()
    seen = set()
    touched = False
    for path in paths:
        rel = relpath(path, root)
        seen.add(rel)
        size, mtime = _stat(path)
        old = manifest.files.get(rel)
        if old is not None and old["size"] == size and old["mtime_ns"] == mtime:
            continue
        if old is not None and old["size"] == size and file_hash(path) == old["hash"]:
            old["mtime_ns"] = mtime  # touched, not changed
            touched = True
            continue
        if old is not None:
            drop.add(rel)
        process.append((str(path), max(size, 0)))
    drop |= set(manifest.files) - seen
    return _Todo(process, drop, touched)


def _drop_files(cache: Path, manifest: Manifest, drop: set[str]) -> None:
    """Rewrite the batches holding rows of ``drop`` without them (copy on write)."""
    if not drop:
        return
    batches = sorted({manifest.files[f]["batch"] for f in drop if f in manifest.files})
    for f in drop:
        manifest.files.pop(f, None)
    for b in batches:
        keep = [f for f, v in manifest.files.items() if v["batch"] == b]
        if keep:
            _rewrite(cache, manifest, [b], keep_files=set(keep))
        else:
            manifest.batches.pop(b, None)


def _rewrite(cache: Path, manifest: Manifest, batches: list[int],
             keep_files: set[str] | None = None) -> int:
    """Merge ``batches`` into one new batch (keeping only ``keep_files`` rows if given)."""
    new = manifest.next_batch
    manifest.next_batch += 1
    info: dict[str, int] = {}
    for table in tables.TABLES:
        paths = [str(batch_path(cache, table, b)) for b in batches
                 if manifest.batches.get(b, {}).get(table)]
        if not paths:
            continue
        data = ds.dataset(paths, format="parquet", schema=arrow_schema(table))
        expr = pc.field(FILE_COL).isin(sorted(keep_files)) if keep_files is not None else None
        arrow = data.to_table(filter=expr)
        if arrow.num_rows:
            payload = parquet_bytes(arrow)
            write_atomic(batch_path(cache, table, new), payload)
            info[table] = len(payload)
    for b in batches:
        manifest.batches.pop(b, None)
    manifest.batches[new] = info
    for v in manifest.files.values():
        if v["batch"] in batches:
            v["batch"] = new
    return new


def _compact(cache: Path, manifest: Manifest, target: int = COMPACT_BYTES) -> None:
    """Merge small batches (e.g. after many small updates) into batches of about ``target``."""
    small = sorted(b for b, info in manifest.batches.items() if sum(info.values()) < target // 4)
    if len(small) < 8:
        return
    group: list[int] = []
    size = 0
    for b in small:
        group.append(b)
        size += sum(manifest.batches[b].values())
        if size >= target:
            _rewrite(cache, manifest, group)
            group, size = [], 0
    if len(group) > 1:
        _rewrite(cache, manifest, group)


def _sweep(cache: Path, manifest: Manifest) -> None:
    """Delete batch and temporary files the manifest no longer refers to."""
    live = {batch_path(cache, t, b) for b, info in manifest.batches.items() for t in info}
    for leftover in cache.glob(f".{MANIFEST}.*.tmp"):  # a write interrupted by a crash
        with contextlib.suppress(OSError):
            leftover.unlink()
    for table in tables.TABLES:
        folder = cache / table
        if folder.is_dir():
            for p in folder.iterdir():
                if p not in live:
                    with contextlib.suppress(OSError):
                        p.unlink()


def _write_batches(cache: Path, manifest: Manifest, results: Iterable[BatchResult],
                   totals: dict[str, Any], group_bytes: int | None = None) -> int:
    """Store the results as new batches (the caller writes the manifest); sum the stats.

    Results are gathered until they hold ``group_bytes`` (default ``WRITE_BYTES``) of Arrow
    data, then written as one batch: about 20 MB of Parquet, which :func:`_compact` leaves
    alone, so a fresh build encodes every row once instead of writing small files and
    merging them.
    """
    group_bytes = WRITE_BYTES if group_bytes is None else group_bytes
    count = 0
    group: list[BatchResult] = []
    size = 0
    unsaved = 0
    for res in results:
        totals["articles"] += sum(int(f["articles"]) for f in res.files)
        totals["worker_seconds"] += res.seconds
        for stage, sec in res.stage_seconds.items():
            totals["stage_seconds"][stage] = totals["stage_seconds"].get(stage, 0.0) + sec
        group.append(res)
        size += sum(t.nbytes for t in res.tables.values())
        count += 1
        if size >= group_bytes:
            unsaved += len(group)
            _write_group(cache, manifest, group)
            group, size = [], 0
            if unsaved >= 64:  # a crash loses at most this much work
                manifest.write(cache)
                unsaved = 0
    if group:
        _write_group(cache, manifest, group)
    return count


def _write_group(cache: Path, manifest: Manifest, group: list[BatchResult]) -> None:
    """Write the results of ``group`` as one new batch and record its files."""
    b = manifest.next_batch
    manifest.next_batch += 1
    info = {}
    for table in tables.TABLES:
        parts = [res.tables[table] for res in group if table in res.tables]
        if parts:
            payload = parquet_bytes(parts[0] if len(parts) == 1 else pa.concat_tables(parts))
            write_atomic(batch_path(cache, table, b), payload)
            info[table] = len(payload)
    manifest.batches[b] = info
    for res in group:
        for f in res.files:
            manifest.files[str(f["file"])] = {k: f[k] for k in
                                              ("size", "mtime_ns", "hash", "articles")}
            manifest.files[str(f["file"])]["batch"] = b


# --------------------------------------------------------------------------- executors


def _run(files: list[tuple[str, int]], root: Path, options: Any, workers: int | None,
         scheduler: Any, progress: bool) -> Iterator[BatchResult]:
    if not files:
        return iter(())
    workers = workers or os.cpu_count() or 1
    batches = plan_batches(files, max_bytes=_batch_bytes(files, workers))
    if scheduler is not None:
        results = _run_dask(batches, root, options, scheduler, workers)
    elif workers <= 1 or len(batches) == 1:
        results = (process_batch(b, str(root), options) for b in batches)
    else:
        results = _run_processes(batches, root, options, workers)
    return _progress(results, len(files), progress)


def _batch_bytes(files: list[tuple[str, int]], workers: int) -> int:
    """Batch size: at most BATCH_BYTES, but enough batches to keep every worker busy."""
    total = sum(size for _, size in files)
    return max(64 * 1024, min(BATCH_BYTES, total // (workers * 4) + 1))


def _run_processes(batches: list[list[str]], root: Path, options: Any, workers: int
                   ) -> Iterator[BatchResult]:
    """Batches on a process pool, at most 2 per worker in flight (memory stays flat)."""
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending = set()
        queue = iter(batches)
        for batch in queue:
            pending.add(pool.submit(process_batch, batch, str(root), options))
            if len(pending) >= 2 * workers:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                nxt = next(queue, None)
                if nxt is not None:
                    pending.add(pool.submit(process_batch, nxt, str(root), options))
                yield fut.result()


def _run_dask(batches: list[list[str]], root: Path, options: Any, scheduler: Any,
              workers: int) -> Iterator[BatchResult]:
    """Batches as a ``dask.bag`` on a distributed cluster, gathered as they finish."""
    import dask.bag as db
    from distributed import as_completed

    with _client(scheduler, workers) as client:
        bag = db.from_sequence(batches, npartitions=len(batches)).map(
            process_batch, str(root), options)
        futures = client.compute(bag.to_delayed())
        for fut in as_completed(futures):
            yield from fut.result()
            fut.release()


@contextlib.contextmanager
def _client(scheduler: Any, workers: int) -> Iterator[Any]:
    """A ``distributed.Client``: the one given, one for an address, or a LocalCluster's."""
    from distributed import Client, LocalCluster

    if isinstance(scheduler, Client):
        yield scheduler
    elif scheduler == "local":
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            yield client
    else:
        with Client(scheduler) as client:
            yield client


def _progress(results: Iterator[BatchResult], nfiles: int, show: bool) -> Iterator[BatchResult]:
    """Pass ``results`` through, updating a tqdm bar (files; articles and speed as postfix)."""
    bar = None
    if show:
        from tqdm.auto import tqdm

        bar = tqdm(total=nfiles, unit="file", desc="processing", file=sys.stderr)
    articles, t0 = 0, time.perf_counter()
    try:
        for res in results:
            articles += sum(int(f["articles"]) for f in res.files)
            if bar is not None:
                rate = articles / max(time.perf_counter() - t0, 1e-9)
                bar.set_postfix(articles=articles, speed=f"{rate:,.0f} art/s", refresh=False)
                bar.update(len(res.files))
            yield res
    finally:
        if bar is not None:
            bar.close()


# --------------------------------------------------------------------------- co-occurrence

_MENTION_UNITS = ["doc_id", "entity_id", "field", "sentence", "paragraph"]


def cooccurrence_large(store: Store, level: str = "sentence", min_count: int = 1,
                       doc_ids: Iterable[str] | None = None, scheduler: Any = None
                       ) -> pd.DataFrame:
    """Entity pairs of a corpus too large for one mentions frame: sparse sums per batch.

    Reads the mentions table one batch file at a time (a batch holds whole files, so
    whole articles), counts each with ``cooccurrence.part_counts`` and sums the sparse
    matrices; ``doc_ids`` restricts to those articles (pushed down to Parquet). With
    ``scheduler`` (as in :func:`build`) the batches are counted on Dask workers. The
    result equals ``cooccurrence.cooccurrence(store.read("mentions"), level=level)``.
    """
    from . import cooccurrence as co

    expr = pc.field("doc_id").isin(sorted(set(doc_ids))) if doc_ids is not None else None
    paths = store.paths("mentions")
    if scheduler is not None:
        parts = _dask_counts(paths, level, expr, scheduler)
    else:
        parts = (co.part_counts(_read_part(p, expr), level) for p in paths)
    index: dict[str, int] = {}
    total: Any = None
    for counts in parts:
        total = _add_counts(total, counts, index)
    if total is None:
        return co.cooccurrence(tables.empty("mentions"), level=level, min_count=min_count)
    return co.scores(total, min_count)


def _read_part(path: str, expr: Any) -> pd.DataFrame:
    arrow = ds.dataset(path, format="parquet", schema=arrow_schema("mentions")).to_table(
        columns=_MENTION_UNITS, filter=expr)
    return to_pandas("mentions", arrow)


def _count_part(path: str, level: str, expr: Any) -> Any:
    from . import cooccurrence as co

    return co.part_counts(_read_part(path, expr), level)


def _add_counts(total: Any, counts: Any, index: dict[str, int]) -> Any:
    """``total`` + ``counts`` with ``counts``' entities mapped into the shared ``index``."""
    from scipy import sparse

    from . import cooccurrence as co

    where = np.array([index.setdefault(i, len(index)) for i in counts.ids], dtype=np.int64)
    n = len(index)

    def moved(mat: Any) -> Any:
        coo = mat.tocoo()
        return sparse.csr_matrix((coo.data, (where[coo.row], where[coo.col])), shape=(n, n))

    pairs, arts = moved(counts.pairs), moved(counts.articles)
    if total is None:
        return co.Counts(list(index), pairs, arts, counts.units)
    total.grow(n)
    return co.Counts(list(index), total.pairs + pairs, total.articles + arts,
                     total.units + counts.units)


def _dask_counts(paths: list[str], level: str, expr: Any, scheduler: Any) -> Iterator[Any]:
    import dask.bag as db
    from distributed import as_completed

    if not paths:
        return
    with _client(scheduler, os.cpu_count() or 1) as client:
        bag = db.from_sequence(paths, npartitions=len(paths)).map(_count_part, level, expr)
        for fut in as_completed(client.compute(bag.to_delayed())):
            yield from fut.result()
