"""Files in, tidy tables out: discovery, encodings, formats, one row per article.

``read_file(path, root, options)`` reads one file of any supported format and returns
``{"articles", "comments", "problems"}`` built with :func:`helpers.tables.frame`. It never
raises: whatever goes wrong becomes a ``problems`` row naming the file and the reason, and
everything that could be read is kept.

Formats (by extension, then by content): raw text pages (``.txt`` or no extension; see
:mod:`helpers.rawtext`), JSON arrays or objects holding a list of articles, JSON Lines,
CSV/TSV (delimiter sniffed; also the one-value-per-line layout of Persica), TREC-style
``<DOC>`` XML and other record XML (Hamshahri, TNews), RSS 2.0 and Atom feeds, saved HTML
pages, and MirasText ``***``-separated lines. All XML goes through ``defusedxml``.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     _ = Path(tmp, "a.jsonl").write_text('{"title": "عنوان", "text": "متن خبر است"}\\n')
...     out = read_file(Path(tmp, "a.jsonl"), Path(tmp))
>>> [str(v) for v in out["articles"].loc[0, ["file", "part", "format", "lang", "title"]]]
['a.jsonl', '0', 'jsonl', 'fa', 'عنوان']
"""

from __future__ import annotations

import ast
import codecs
import csv
import hashlib
import html
import io
import json
import os
import re
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

import defusedxml.ElementTree as SafeET
import pandas as pd
from defusedxml.common import DefusedXmlException

from . import rawtext, tables
from .language import detect_language

STAGE = "load"
ROOT_DOCS = re.compile(r"^(readme|license|licence|copying|notice|changelog|authors)(\.[\w.]+)?$",
                       re.IGNORECASE)
SKIP_SUFFIXES = frozenset({".dtd", ".xsd", ".pyc", ".parquet", ".db", ".lock"})

# Field names recognised in records (case-insensitive), best first. LoadOptions.field_map
# adds names in front of these.
FIELDS: dict[str, list[str]] = {
    "body": ["content", "content:encoded", "encoded", "text", "body", "article", "paragraphs",
             "description", "maintext", "main_text", "fulltext", "full_text", "story",
             "article_body", "articlebody"],
    "lead": ["abstract", "summary", "brief", "lead", "teaser", "intro", "excerpt"],
    "title": ["title", "headline", "head", "subject", "heading"],
    "date": ["date", "pubdate", "date_publish", "published", "datepublished", "publish_date",
             "publication_date", "published_at", "pub_date", "publishdate", "utcdate",
             "dc:date", "date_published", "issued", "created", "created_at", "datetime",
             "time", "updated", "date_modify", "modified"],
    "outlet": ["source", "site", "network", "outlet", "website", "publisher", "source_name",
               "sitename", "site_name", "agency", "newspaper", "domain", "media"],
    "url": ["url", "link", "href", "canonical", "permalink", "source_url", "uri", "guid"],
    "author": ["author", "byline", "authors", "writer", "creator", "dc:creator"],
    "category": ["category", "cat", "section", "categories", "service", "topic"],
    "subcategory": ["subcat", "subcategory", "sub_category", "subsection"],
    "keywords": ["tags", "keywords", "keyword", "tag", "news_keywords"],
}
# Times a crawler recorded: never a publication date.
CRAWL_FIELDS = ("date_extracted", "date_crawled", "crawled_at", "crawl_date", "date_download",
                "scraped_at", "fetched_at", "date_scraped", "downloaded_at")
RECORD_LIST_KEYS = ("articles", "items", "data", "records", "docs", "documents", "news",
                    "results", "entries", "posts", "rows", "hits")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_CHUNK = 1 << 16
# decoders that never give a lone surrogate, strict or replacing what they cannot decode
_SURROGATE_FREE = frozenset({"utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"})
# formats whose values are pieces of the text or JSON strings
_ESCAPES_NEED_BACKSLASH = frozenset({"json", "jsonl", "csv", "tsv"})
_UNICODE_ESCAPE = re.compile(r"\\[uU]")  # one scan, several times faster than two "in" tests
NULL_STRINGS = frozenset({"", "nan", "none", "null", "n/a", "na", "[]", "{}"})
_NULL_MAX = max(map(len, NULL_STRINGS))
_PLANS = 64  # distinct key sets per file whose field plan is kept

_ATOM = "{http://www.w3.org/2005/Atom}"
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"\x1f\x8b",
                 b"BZh", b"\xfd7zXZ", b"Rar!", b"7z\xbc\xaf", b"\x00\x00\x01\x00", b"RIFF",
                 b"OggS", b"ID3", b"\x7fELF", b"MZ", b"PAR1", b"SQLite format 3")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_DOCTYPE = re.compile(r"<!DOCTYPE\s[^>\[]*(\[.*?\]\s*)?>", re.IGNORECASE | re.DOTALL)
_ENTITY_DECL = re.compile(r"<!ENTITY", re.IGNORECASE)
_AMP = re.compile(r"&(?!(?:#\d+|#x[0-9a-fA-F]+|amp|lt|gt|quot|apos);)(\w+;)?")
_TREC_DOC = re.compile(r"<DOC>(.*?)</DOC>", re.DOTALL | re.IGNORECASE)
_TREC_FIELD = re.compile(r"<([A-Za-z][\w.-]*)([^>]*)>(.*?)</\1>", re.DOTALL)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
_HTML_TAG = re.compile(r"<(p|br|div|span|a|b|i|strong|em|img|ul|ol|li|h[1-6]|table)\b[^>]*>",
                       re.IGNORECASE)
_MULTI_BLANK = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_SPACES = re.compile(r"[ \t\u00a0]+")
_DIGITS_ONLY = re.compile(r"^\d{3,}$")
_DATE_VALUE = re.compile(
    r"^[\d\u0660-\u0669\u06f0-\u06f9]{1,4}[/\-.:]+[\d\u0660-\u0669\u06f0-\u06f9/\-.: T+Z]*$"
)
_MIRAS_SEP = " *** "
_ARABIC_LETTER = re.compile("[\u0621-\u06ff]")


@dataclass
class LoadOptions:
    """How files are read. Plain data, so it can be sent to worker processes.

    ``field_map`` adds field names of your data to the ones recognised, per column:
    ``{"body": ["matn"], "title": ["onvan"]}`` (columns: body, lead, title, date, outlet,
    url, author, category, subcategory, keywords). ``encoding`` forces one codec for every
    file. Bigger files than ``max_file_bytes`` become a ``too-large`` problem.
    ``split_pages=False`` keeps a raw page as one article (no split at "read also"
    headers); ``clean_structured=False`` keeps the bodies of JSON/CSV/XML/feeds/HTML as
    given instead of taking furniture lines (keywords, source lines, comments) off them.

    >>> import pickle
    >>> pickle.loads(pickle.dumps(LoadOptions(field_map={"body": ["matn"]}))).field_map
    {'body': ['matn']}
    """

    field_map: dict[str, list[str]] = field(default_factory=dict)
    max_file_bytes: int = 512 * 1024 * 1024
    encoding: str | None = None
    split_pages: bool = True
    clean_structured: bool = True


class LoadError(Exception):
    """A reason a file (or record) cannot be read: ``reason`` is the problems code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


# --------------------------------------------------------------------------- discovery


def discover(root: Path) -> tuple[list[Path], pd.DataFrame]:
    """Candidate files under ``root`` (sorted) and a ``problems`` table of what was skipped.

    Hidden files and folders, documentation at the corpus root (README, LICENSE...) and
    schema files (``.dtd``) are skipped. Symbolic links are followed only when they stay
    inside ``root`` and do not loop.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     for name in ("README.md", "a.txt", ".hidden.txt", "sub/b.json"):
    ...         Path(tmp, name).parent.mkdir(exist_ok=True)
    ...         _ = Path(tmp, name).write_text("x")
    ...     files, problems = discover(Path(tmp))
    ...     [f.relative_to(tmp).as_posix() for f in files], len(problems)
    (['a.txt', 'sub/b.json'], 0)
    """
    root = Path(root)
    problems: list[dict[str, Any]] = []
    files: list[Path] = []
    try:
        real_root = root.resolve(strict=True)
    except OSError as exc:
        problems.append(_problem(root.as_posix(), "unreadable",
                                 f"The corpus folder {root} cannot be opened: {_describe(exc)}."))
        return [], tables.frame("problems", problems)
    seen_dirs = {real_root}
    links = False  # only a tree with links can list one file twice

    def onerror(exc: OSError) -> None:
        where = _rel(Path(exc.filename), root) if exc.filename else "?"
        problems.append(_problem(where, "unreadable",
                                 f"{where} cannot be listed: {_describe(exc)}."))

    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror, followlinks=True):
        here = Path(dirpath)
        keep = []
        for d in sorted(dirnames):
            sub = here / d
            if d.startswith("."):
                continue
            if sub.is_symlink():
                target = sub.resolve()
                rel = _rel(sub, root)
                if not _inside(target, real_root):
                    problems.append(_problem(rel, "symlink-outside",
                                             f"{rel} links to {target}, outside the corpus; "
                                             "not followed."))
                    continue
                if target in seen_dirs or _inside(here.resolve(), target):
                    problems.append(_problem(rel, "symlink-loop",
                                             f"{rel} links to a folder already read; "
                                             "not followed."))
                    continue
            real = sub.resolve()
            if real in seen_dirs:
                continue
            seen_dirs.add(real)
            links = links or sub.is_symlink()
            keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            if name.startswith(".") or Path(name).suffix.lower() in SKIP_SUFFIXES:
                continue
            path = here / name
            if here == root and ROOT_DOCS.match(name):
                continue
            rel = _rel(path, root)
            if path.is_symlink():
                links = True
                try:
                    target = path.resolve(strict=True)
                except (OSError, RuntimeError) as exc:
                    problems.append(_problem(rel, "broken-link",
                                             f"{rel} is a link that leads nowhere: "
                                             f"{_describe(exc)}."))
                    continue
                if not _inside(target, real_root):
                    problems.append(_problem(rel, "symlink-outside",
                                             f"{rel} links to {target}, outside the corpus; "
                                             "not read."))
                    continue
            if not path.is_file():
                continue
            files.append(path)
    if not links:
        files.sort(key=lambda p: _rel(p, root))
        return files, tables.frame("problems", problems)
    files.sort(key=lambda p: (p.is_symlink(), _rel(p, root)))
    unique: dict[Path, Path] = {}
    for path in files:  # a link to a file already listed would load its articles twice
        real = path.resolve()
        if real in unique:
            rel = _rel(path, root)
            problems.append(_problem(rel, "duplicate-link",
                                     f"{rel} links to {_rel(unique[real], root)}, which is "
                                     "read once, under its own name."))
            continue
        unique[real] = path
    files = sorted(unique.values(), key=lambda p: _rel(p, root))
    return files, tables.frame("problems", problems)


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _rel(path: Path, root: Path) -> str:
    """``path`` relative to ``root``, with forward slashes (``path`` itself if outside).

    >>> _rel(Path("/c/ar/a.txt"), Path("/c")), _rel(Path("/d/a.txt"), Path("/c"))
    ('ar/a.txt', '/d/a.txt')
    """
    if isinstance(path, PurePosixPath) and isinstance(root, PurePosixPath):
        # Normalised POSIX paths: under a root other than "/" or "//" exactly when the text
        # starts with root's and a slash, so the rest is the relative path (no Path built)
        full, base = str(path), str(root)
        under = not base.endswith("/") and full.startswith(f"{base}/")
        rel = full[len(base) + 1 :] if under else None
    else:
        rel = None
    if rel is None:
        try:
            rel = Path(path).relative_to(root).as_posix()
        except ValueError:
            rel = Path(path).as_posix()
    # a name that is not UTF-8 (a zip made on Windows) keeps its bytes as \xNN: storable text
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


# --------------------------------------------------------------------------- one file


def doc_id(file: str, part: int) -> str:
    """Stable id of article ``part`` of ``file`` (relative posix path): 16 hex digits.

    >>> doc_id("ar/a.txt", 0)
    '6e478c8402b93c0f'
    >>> doc_id("ar/a.txt", 0) == doc_id("ar/a.txt", 0) != doc_id("ar/a.txt", 1)
    True
    """
    return hashlib.blake2b(f"{file}\x00{part}".encode(), digest_size=8).hexdigest()


def read_file(
    path: Path, root: Path, options: LoadOptions | None = None
) -> dict[str, pd.DataFrame]:
    """``{"articles", "comments", "problems"}`` of one file. Never raises.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = Path(tmp, "bad.json").write_text('[{"title": "x"')
    ...     out = read_file(Path(tmp, "bad.json"), Path(tmp))
    >>> len(out["articles"]), out["problems"].loc[0, "reason"]
    (0, 'json-malformed')
    """
    return {name: tables.frame(name, rows)
            for name, rows in read_records(path, root, options).items()}


def read_records(
    path: Path, root: Path, options: LoadOptions | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The rows :func:`read_file` holds, as plain dicts (the pipeline frames a whole batch).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = Path(tmp, "a.txt").write_text("عنوان\\n\\nنص الخبر هنا.")
    ...     out = read_records(Path(tmp, "a.txt"), Path(tmp))
    >>> [len(out[n]) for n in ("articles", "comments", "problems")], out["articles"][0]["part"]
    ([1, 0, 0], 0)
    """
    options = options or LoadOptions()
    path = path if isinstance(path, Path) else Path(path)
    root = root if isinstance(root, Path) else Path(root)
    rel = _rel(path, root)
    reader = _Reader(rel, options)
    try:
        reader.run(path)
    except LoadError as exc:
        reader.problem(exc.reason, exc.detail)
    except RecursionError:
        reader.problem("too-deep", f"{rel} is nested too deeply to be read.")
    except MemoryError:
        reader.problem("too-large", f"{rel} does not fit in memory.")
    except Exception as exc:  # never raise on a bad file: report it
        reader.problem("unexpected", f"{rel} could not be read: {_describe(exc)}.")
    return reader.rows()


class _Reader:
    """Collects the rows of one file."""

    def __init__(self, rel: str, options: LoadOptions) -> None:
        self.rel = rel
        self.options = options
        self.articles: list[dict[str, Any]] = []
        self.comments: list[dict[str, Any]] = []
        self.problems: list[dict[str, Any]] = []
        self.encoding: str | None = None
        self.file_warnings: list[str] = []
        self.plans: dict[tuple[Any, ...], _RecordPlan] = {}
        self.text: str | None = None
        self.fmt: str | None = None

    @cached_property
    def names(self) -> dict[str, list[str]]:
        return _field_names(self.options.field_map)  # records need them, text pages do not

    @cached_property
    def surrogates(self) -> bool:
        """Whether a value read from this file may hold a lone surrogate."""
        return (self.text is None or self.fmt is None
                or _may_hold_surrogates(self.text, self.encoding, self.fmt))

    @cached_property
    def name_index(self) -> dict[str, list[tuple[str, int]]]:
        return _name_index(self.names)

    def problem(self, reason: str, detail: str, part: int | None = None) -> None:
        row = _problem(self.rel, reason, detail)
        if part is not None:
            row["part"] = part
            row["doc_id"] = doc_id(self.rel, part)
        self.problems.append(row)

    def rows(self) -> dict[str, list[dict[str, Any]]]:
        return {"articles": self.articles, "comments": self.comments, "problems": self.problems}

    # ---------------------------------------------------------------- bytes to text

    def run(self, path: Path) -> None:
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise LoadError(
                "unreadable", f"{self.rel} cannot be opened: {_describe(exc)}."
            ) from None
        if size > self.options.max_file_bytes:
            raise LoadError("too-large", f"{self.rel} has {size:,} bytes, more than the "
                            f"{self.options.max_file_bytes:,} allowed "
                            "(LoadOptions.max_file_bytes).")
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise LoadError(
                "unreadable", f"{self.rel} cannot be read: {_describe(exc)}."
            ) from None
        if not raw or raw.isspace():  # as "not raw.strip()", without copying the bytes
            raise LoadError("empty", f"{self.rel} is empty.")
        text = self.text = self.decode(raw)
        if not text or text.isspace():
            raise LoadError("empty", f"{self.rel} holds no text.")
        fmt = self.fmt = sniff_format(path.name, text)
        try:
            getattr(self, f"read_{fmt}")(text)
        except LoadError as exc:
            # a format guessed from content alone (a page starting with "[" or "<") that
            # does not parse is read as a text page; unsafe XML is never read further
            by_extension = Path(path.name).suffix.lower() in _EXTENSIONS
            if by_extension or fmt == "txt" or exc.reason == "xml-unsafe" or self.articles:
                raise
            self.file_warnings.append(f"looked like {fmt} but is not ({exc.reason}): "
                                      "read as a text page")
            self.read_txt(text)
        if not self.articles and not self.problems:
            self.problem("no-articles", f"{self.rel} was read as {fmt} but holds no article.")

    def decode(self, raw: bytes) -> str:
        if self.options.encoding:
            self.encoding = self.options.encoding
            return self._decode_with(raw, self.options.encoding)
        text, encoding, note = decode_bytes(raw)
        if encoding is None:
            raise LoadError("binary", f"{self.rel} is not text ({note}).")
        self.encoding = encoding
        if note:
            self.file_warnings.append(note)
        if note.startswith("mixed"):
            self.problem("encoding", f"{self.rel} mixes encodings ({note}); every line was "
                         "decoded in its own and kept.")
        if "\ufffd" in text and encoding not in ("utf-8", "utf-8-sig") or note.startswith("bytes"):
            bad = text.count("\ufffd")
            if bad:
                self.problem("encoding", f"{self.rel}: {bad} byte sequence(s) could not be decoded "
                             f"as {encoding} and were replaced by U+FFFD; the rest was kept.")
        return text

    def _decode_with(self, raw: bytes, encoding: str) -> str:
        try:
            return raw.decode(encoding)
        except LookupError:
            raise LoadError("encoding", f"{self.rel}: unknown encoding {encoding!r} "
                            "(LoadOptions.encoding).") from None
        except UnicodeDecodeError:
            text = raw.decode(encoding, errors="replace")
            self.problem("encoding", f"{self.rel} is not valid {encoding}: "
                         f"{text.count(chr(0xFFFD))} sequence(s) replaced; the rest was kept.")
            self.file_warnings.append(f"undecodable bytes replaced ({encoding})")
            return text

    # ---------------------------------------------------------------- articles

    def add(self, part: int, rec: dict[str, Any], fmt: str) -> None:
        """Add one article from normalised fields (title, body, date_stated, ...)."""
        body = rec.get("body") or ""
        warnings = list(self.file_warnings) + list(rec.pop("warnings", []))
        comments: list[rawtext.Comment] = []
        if body and fmt != "txt" and self.options.clean_structured:
            cleaned = rawtext.clean_body(body)
            body = cleaned.body
            for name in ("dateline", "source_line", "keywords"):
                if getattr(cleaned, name) and not rec.get(name):
                    rec[name] = getattr(cleaned, name)
            comments = cleaned.comments
            warnings += cleaned.warnings
        title = " ".join(rec["title"].split()) if rec.get("title") else None
        rec["title"] = title or None
        if not body and not title:
            self.problem("empty-record", f"{self.rel}: record {part} has neither title nor body; "
                         "skipped.", part)
            return
        if not body:
            warnings.append(f"record {part} has no body")
        did = doc_id(self.rel, part)
        lang_text = f"{title or ''}\n{body}" if len(body) < 2000 else body
        get = rec.get
        self.articles.append({
            "title": title or None, "url": get("url"), "dateline": get("dateline"),
            "date_stated": get("date_stated"), "date_field": get("date_field"),
            "outlet_stated": get("outlet_stated"), "author": get("author"),
            "category": get("category"), "source_line": get("source_line"),
            "keywords": get("keywords"), "doc_id": did, "file": self.rel, "part": part,
            "lang": detect_language(lang_text), "body": body, "format": fmt,
            "encoding": self.encoding,
            "warnings": "; ".join(dict.fromkeys(warnings)) or None,
        })
        for n, c in enumerate(list(comments) + list(rec.get("comments", []))):
            self.comments.append({"comment_id": f"{did}-c{n}", "doc_id": did, "n": n,
                                  "text": c.text, "date_raw": c.date_raw, "author": c.author})

    def add_record(self, part: int, record: Any, fmt: str, defaults: dict[str, Any]) -> None:
        if not isinstance(record, dict):
            self.problem("not-a-record", f"{self.rel}: record {part} is a {type(record).__name__}"
                         ", not an object with fields; skipped.", part)
            return
        keys = tuple(record)
        plan = self.plans.get(keys)
        if plan is None:
            plan = _record_plan(keys, self.names, self.name_index)
            # records of a file mostly share their keys, and a plan depends on nothing else;
            # kept for text keys (all our parsers give), which equal only themselves (1, 1.0
            # and True are equal keys that lower differently)
            if len(self.plans) < _PLANS and all(type(k) is str for k in keys):
                self.plans[keys] = plan
        rec = map_record(record, self.names, plan=plan, surrogates=self.surrogates)
        for key, value in defaults.items():
            rec.setdefault(key, value)
            if rec.get(key) is None:
                rec[key] = value
        self.add(part, rec, fmt)

    # ---------------------------------------------------------------- formats

    def read_txt(self, text: str) -> None:
        pages = rawtext.parse_page(text, split=self.options.split_pages)
        for part, art in enumerate(pages):
            rec = {"title": art.title, "body": art.body, "dateline": art.dateline,
                   "source_line": art.source_line, "keywords": art.keywords,
                   "comments": art.comments, "warnings": art.warnings}
            self.add(part, rec, "txt")

    def read_json(self, text: str) -> None:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            if _looks_like_jsonl(text):
                self.read_jsonl(text)
                return
            raise LoadError("json-malformed", f"{self.rel} is not valid JSON "
                            f"(line {exc.lineno}, column {exc.colno}: {exc.msg}).") from None
        records, defaults = _json_records(data)
        if records is None:
            raise LoadError("json-no-records", f"{self.rel} is JSON but holds no list of "
                            "article objects and no article fields.")
        for part, record in enumerate(records):
            self.add_record(part, record, "json", defaults)

    def read_jsonl(self, text: str) -> None:
        part = -1
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            part += 1
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                self.problem("jsonl-malformed", f"{self.rel}: line {lineno} is not valid JSON "
                             f"({exc.msg}); skipped.", part)
                continue
            self.add_record(part, record, "jsonl", {})

    def read_csv(self, text: str, delimiter: str | None = None) -> None:
        delimiter = _csv_delimiter(text, delimiter)
        fmt = "tsv" if delimiter == "\t" else "csv"
        rows = _csv_rows(text, delimiter)
        if not rows:
            raise LoadError("csv-empty", f"{self.rel} holds no CSV rows.")
        if all(sum(1 for v in row if v.strip()) <= 1 for row in rows[:200]):
            self.read_value_lines([next((v for v in row if v.strip()), "") for row in rows], fmt)
            return
        header = [h.strip().lower() for h in rows[0]]
        known = set().union(*self.names.values())
        if sum(h in known for h in header) >= 1:
            for part, row in enumerate(rows[1:]):
                if not any(v.strip() for v in row):
                    continue
                if len(row) != len(header):
                    self.problem("csv-row", f"{self.rel}: row {part + 2} has {len(row)} fields, "
                                 f"the header {len(header)}; read as far as they match.", part)
                record = {h: _csv_value(v) for h, v in zip(rows[0], row, strict=False)}
                self.add_record(part, record, fmt, {})
            return
        self.read_headerless(rows, fmt)

    def read_tsv(self, text: str) -> None:
        self.read_csv(text, "\t")

    def read_headerless(self, rows: list[list[str]], fmt: str) -> None:
        """A table without a header: the longest column is the body, a short one the title."""
        width = max(len(r) for r in rows)
        means = [sum(len(r[i]) for r in rows if i < len(r)) / len(rows) for i in range(width)]
        body_col = max(range(width), key=means.__getitem__)
        texty = [i for i in range(width) if i != body_col and means[i] > 8
                 and not all(_DIGITS_ONLY.match(r[i].strip() or "0") for r in rows if i < len(r))]
        title_col = min(texty, key=means.__getitem__) if texty else None
        for part, row in enumerate(rows):
            rec = {"body": _csv_value(row[body_col]) if body_col < len(row) else None,
                   "title": _csv_value(row[title_col]) if title_col is not None
                   and title_col < len(row) else None,
                   "warnings": ["no header row: the longest column was taken as the body"]}
            self.add(part, rec, fmt)

    def read_value_lines(self, values: list[str], fmt: str) -> None:
        """A CSV with one value per row (Persica): records start at a numeric id line."""
        values = [v.strip() for v in values]
        starts = [i for i, v in enumerate(values) if _DIGITS_ONLY.match(v)]
        if not starts or starts[0] != 0:
            starts = [0]
        bounds = list(zip(starts, starts[1:] + [len(values)], strict=True))
        for part, (a, b) in enumerate(bounds):
            rec = _shape_record([v for v in values[a:b] if v])
            rec["warnings"] = ["one value per line: fields assigned by position and shape"]
            self.add(part, rec, fmt)

    def read_mirastext(self, text: str) -> None:
        part = -1
        for line in text.splitlines():
            if not line.strip():
                continue
            part += 1
            fields = [f.strip() for f in line.split("***")]
            if len(fields) < 6:
                self.problem("mirastext-line", f"{self.rel}: line {part + 1} has {len(fields)} "
                             "'***' fields instead of 6; read as body only.", part)
                self.add(part, {"body": line.strip()}, "mirastext")
                continue
            content = "***".join(fields[: len(fields) - 5]).strip()
            description, keywords, title, website, url = fields[-5:]
            rec = {"body": _null(content) or _null(description), "keywords": _null(keywords),
                   "title": _null(title), "outlet_stated": _null(website), "url": _null(url)}
            self.add(part, rec, "mirastext")

    def read_xml(self, text: str) -> None:
        try:
            root = parse_xml(text)
        except LoadError as exc:
            # unsafe XML is refused, never handed to the tolerant reader
            if exc.reason != "xml-unsafe" and _TREC_DOC.search(text):
                self.file_warnings.append("not well-formed XML: <DOC> records read with a "
                                          "tolerant reader")
                self.read_trec_fallback(text)
                return
            raise LoadError(exc.reason, f"{self.rel}: {exc.detail}") from None
        kind, outlet, items = xml_records(root)
        if kind == "none":
            raise LoadError("xml-no-records", f"{self.rel} is XML but holds no recognisable "
                            "article records.")
        fmt = {"rss": "rss", "atom": "atom", "trec": "trec"}.get(kind, "xml")
        defaults = {"outlet_stated": outlet} if outlet else {}
        for part, item in enumerate(items):
            record = atom_record(item) if kind == "atom" else element_record(item)
            self.add_record(part, record, fmt, defaults)

    def read_trec_fallback(self, text: str) -> None:
        for part, block in enumerate(_TREC_DOC.findall(text)):
            record: dict[str, Any] = {}
            for tag, attrs, value in _TREC_FIELD.findall(block):
                key = _record_key(tag, attrs)
                value = html.unescape(_CDATA.sub(r"\1", value)).strip()
                if key not in record:
                    record[key] = value
            self.add_record(part, record, "trec", {})

    def read_html(self, text: str) -> None:
        rec = html_record(text)
        if not rec.get("body") and not rec.get("title"):
            raise LoadError("html-empty", f"{self.rel} is an HTML page without article text.")
        self.add(0, rec, "html")


# --------------------------------------------------------------------------- encodings


def decode_bytes(raw: bytes) -> tuple[str, str | None, str]:
    """``(text, encoding, note)``; ``encoding`` is None for binary data.

    UTF-8 is tried first; byte-order marks are honoured; otherwise charset-normalizer
    guesses (Windows-1256 is preferred among the Arabic code pages when it decodes).

    >>> decode_bytes("سلام".encode("utf-16"))[1:]
    ('utf-16', '')
    >>> decode_bytes("مرحبا بكم في القاهرة".encode("cp1256"))[1:]
    ('cp1256', 'encoding guessed as cp1256')
    >>> decode_bytes(b"%PDF-1.4 ...")[1]
    """
    for bom, name in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                      (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            text = raw.decode(name, errors="replace")
            bad = text.count("\ufffd")
            return text, name, f"bytes not valid {name} replaced ({bad})" if bad else ""
    if raw.startswith(_BINARY_MAGIC):
        return "", None, "a binary file format signature"
    if b"\x00" in raw[:65536]:
        utf16 = _bomless_utf16(raw)
        if utf16:
            return raw.decode(utf16, errors="replace"), utf16, f"encoding guessed as {utf16}"
        return "", None, "it contains NUL bytes"
    try:
        return raw.decode("utf-8"), "utf-8", ""
    except UnicodeDecodeError:
        pass
    mixed = _decode_mixed(raw)
    if mixed:
        return mixed
    damaged = _damaged_utf8(raw)
    if damaged is not None:
        bad = damaged.count("\ufffd")
        return damaged, "utf-8", f"bytes not valid utf-8 replaced ({bad})"
    guess = _guess_encoding(raw)
    text = raw.decode(guess or "utf-8", errors="replace")
    if _control_share(text) > 0.02:  # random bytes decode "fine" as a code page
        return "", None, "its bytes decode to control characters in every encoding tried"
    if guess and len(text) > 200 and _space_share(text) < 0.02:
        return "", None, f"as {guess} it would be text without spaces: random bytes, not text"
    if guess:
        return text, guess, f"encoding guessed as {guess}"
    return text, "utf-8", f"bytes not valid utf-8 replaced ({text.count(chr(0xFFFD))})"


def _space_share(text: str, sample: int = 65536) -> float:
    """Share of whitespace: words in any language are separated, random bytes are not.

    >>> round(_space_share("مرحبا بكم في القاهرة"), 2), _space_share("¼،قùگƒّآ»±")
    (0.15, 0.0)
    """
    head = text[:sample]
    return sum(map(head.count, " \n\t\r")) / len(head) if head else 0.0


def _control_share(text: str, sample: int = 65536) -> float:
    """Share of control characters other than whitespace: near 0 in any real text.

    >>> _control_share("سلام دنیا"), _control_share("a" + chr(1) + "b" + chr(2))
    (0.0, 0.5)
    """
    head = text[:sample]
    if not head:
        return 0.0
    controls = len(_CONTROLS.findall(head))
    return controls / len(head)


def _damaged_utf8(raw: bytes) -> str | None:
    """``raw`` as UTF-8 with the odd bad byte replaced, when it is UTF-8 with some damage.

    Valid multi-byte sequences must outnumber the invalid bytes three to one; a text in a
    legacy code page forms valid sequences only by chance.

    >>> _damaged_utf8("سلام دنیا".encode() + bytes([255]))
    'سلام دنیا�'
    >>> _damaged_utf8("سلام دنیا".encode("cp1256", "replace")) is None
    True
    """
    text = raw.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    multibyte = len(text) - len(text.encode("ascii", "ignore")) - bad
    return text if multibyte >= 3 * max(bad, 1) else None


def _decode_mixed(raw: bytes) -> tuple[str, str, str] | None:
    """Mostly UTF-8 with some lines in one other code page: each line read in its own.

    A line that is UTF-8 with a stray bad byte stays UTF-8 (the byte is replaced).

    >>> text, enc, note = _decode_mixed("سطر أول\\n".encode() * 3 + "سطر ثان\\n".encode("cp1256"))
    >>> text.splitlines()[-1], enc, note
    ('سطر ثان', 'utf-8+cp1256', 'mixed encodings: 1 of 4 lines read as cp1256')
    >>> _decode_mixed("سطر أول\\n".encode() * 3 + "سطر ثان".encode() + b"\\xff\\n") is None
    True
    """
    lines = raw.splitlines(keepends=True)
    bad = []
    for i, line in enumerate(lines):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            if _damaged_utf8(line) is None:
                bad.append(i)
    if len(lines) < 2 or not bad or 2 * sum(len(lines[i]) for i in bad) > len(raw):
        return None
    other = _guess_encoding(b"".join(lines[i] for i in bad))
    if not other or other.replace("_", "-").lower() in ("utf-8", "ascii"):
        return None
    bad_set = set(bad)
    text = "".join(line.decode(other if i in bad_set else "utf-8", errors="replace")
                   for i, line in enumerate(lines))
    note = f"mixed encodings: {len(bad)} of {len(lines)} lines read as {other}"
    return text, f"utf-8+{other}", note


_ARABIC_PAGES = {"cp1256", "windows-1256", "iso8859_6", "iso-8859-6", "cp720", "cp864",
                 "mac_arabic", "cp1006", "mac_farsi"}


def _guess_encoding(raw: bytes) -> str | None:
    # imported for a first file that is not UTF-8: costs every worker process about 7 ms
    import charset_normalizer

    try:
        best = charset_normalizer.from_bytes(raw[:200_000]).best()
    except Exception:
        best = None
    name = best.encoding if best is not None else None
    if name in ("utf_8", "utf-8"):
        name = None
    if name is None or name.lower() in _ARABIC_PAGES or name.startswith(("cp12", "latin", "iso")):
        try:
            text = raw.decode("cp1256")
        except UnicodeDecodeError:
            return name
        if len(_ARABIC_LETTER.findall(text[:5000])) > len(text[:5000]) * 0.2:
            return "cp1256"
    return name


def _bomless_utf16(raw: bytes) -> str | None:
    sample = raw[:4096]
    even, odd = sample[0::2], sample[1::2]
    if not even or not odd:
        return None
    if odd.count(0) > 0.3 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.3 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    if even.count(6) + odd.count(6) > 0.3 * len(sample) / 2:
        return "utf-16-be" if even.count(6) > odd.count(6) else "utf-16-le"
    return None


# --------------------------------------------------------------------------- format sniffing

_EXTENSIONS = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv",
               ".tsv": "tsv", ".tab": "tsv", ".xml": "xml", ".trec": "xml", ".sgml": "xml",
               ".sgm": "xml", ".rss": "xml", ".atom": "xml", ".html": "html", ".htm": "html",
               ".xhtml": "html", ".shtml": "html"}


def sniff_format(name: str, text: str) -> str:
    """The reader for a file: json, jsonl, csv, tsv, xml, html, mirastext or txt.

    >>> sniff_format("a.json", "[]"), sniff_format("x", '{"a": 1}\\n{"a": 2}')
    ('json', 'jsonl')
    >>> sniff_format("m.txt", "متن *** توضیح *** nan *** عنوان *** site.ir *** http://x\\n")
    'mirastext'
    >>> sniff_format("p.txt", "<!DOCTYPE html><html><body>x</body></html>")
    'html'
    >>> sniff_format("page.txt", "عنوان\\nمتن")
    'txt'
    """
    suffix = Path(name).suffix.lower()
    head = text.lstrip("\ufeff \t\r\n")[:2048]
    if suffix in _EXTENSIONS:
        fmt = _EXTENSIONS[suffix]
        if fmt == "json" and not head.startswith("[") and _looks_like_jsonl(text):
            return "jsonl"
        if fmt == "xml" and re.match(r"(<!DOCTYPE\s+html|<html)", head, re.IGNORECASE):
            return "html"
        return fmt
    if head.startswith(("{", "[")):
        return "jsonl" if _looks_like_jsonl(text) else "json"
    if head.startswith("<"):
        low = head.lower()
        if "<html" in low or "<!doctype html" in low or "<body" in low or "<head" in low:
            return "html"
        return "xml"
    if _looks_like_mirastext(text):
        return "mirastext"
    return "txt"


def _first_lines(text: str, n: int, chunk: int = 4096) -> list[str]:
    """``text.splitlines()[:n]``, splitting only the start of a big text when that is enough.

    When the start holds more than ``n`` lines, each of the first ``n`` ends with a line
    break that has text after it inside the start, so they are the text's first lines. The
    start grows sixteenfold until it holds them (or is the whole text).

    >>> _first_lines("a\\r\\nb\\rc\\x85d\\ne", 3, chunk=4), _first_lines("a\\nb", 5)
    (['a', 'b', 'c'], ['a', 'b'])
    >>> [len(line) for line in _first_lines("x" * 100 + "\\ny\\nz", 2, chunk=4)]
    [100, 1]
    """
    while True:
        head = text[:chunk]
        lines = head.splitlines()
        if len(lines) > n or len(head) == len(text):
            return lines[:n]
        chunk *= 16


def _looks_like_jsonl(text: str) -> bool:
    lines = [ln for ln in _first_lines(text.lstrip("\ufeff"), 20) if ln.strip()]
    if len(lines) < 2:
        return False
    try:
        return all(isinstance(json.loads(ln), dict) for ln in lines[:5])
    except json.JSONDecodeError:
        return False


def _looks_like_mirastext(text: str) -> bool:
    if _MIRAS_SEP not in text:  # then no line has a separator: not MirasText
        return False
    lines = [ln for ln in _first_lines(text, 50) if ln.strip()]
    return bool(lines) and sum(ln.count(_MIRAS_SEP) >= 5 for ln in lines) >= 0.8 * len(lines)


# --------------------------------------------------------------------------- records


def _field_names(field_map: dict[str, list[str]]) -> dict[str, list[str]]:
    names = {col: list(aliases) for col, aliases in FIELDS.items()}
    for col, aliases in (field_map or {}).items():
        extra = [aliases] if isinstance(aliases, str) else list(aliases)
        names[col] = [a.lower() for a in extra] + names.get(col, [])
    return names


def _name_index(names: dict[str, list[str]]) -> dict[str, list[tuple[str, int]]]:
    """Each field name of ``names`` -> the columns it may fill, with its rank there.

    >>> _name_index(_field_names({"body": ["text"]}))["text"]
    [('body', 0), ('body', 4)]
    """
    index: dict[str, list[tuple[str, int]]] = {}
    for col, aliases in names.items():
        for rank, name in enumerate(aliases):
            index.setdefault(name, []).append((col, rank))
    return index


class _RecordPlan(NamedTuple):
    """Where a record with given keys keeps each of our fields (see :func:`_record_plan`)."""

    columns: dict[str, tuple[Any, ...]]  # column -> the record's keys to try, best first
    also_dates: tuple[tuple[str, Any], ...]  # (lowered, key) of "date[calendar]" fields
    crawl: tuple[tuple[str, Any], ...]  # (name, key) of crawl-time fields, in CRAWL_FIELDS order
    original: dict[str, str]  # lowered name -> the record's own spelling


def _record_plan(keys: tuple[Any, ...], names: dict[str, list[str]],
                 index: dict[str, list[tuple[str, int]]]) -> _RecordPlan:
    """What :func:`map_record` looks up in a record with ``keys``, worked out once.

    A lowered name stands for the first key (in the record's order) that lowers to it.

    >>> plan = _record_plan(("Title", "text", "TITLE", "date[persian]"), FIELDS,
    ...                     _name_index(FIELDS))
    >>> plan.columns["title"], plan.columns["body"], plan.also_dates
    (('Title',), ('text',), (('date[persian]', 'date[persian]'),))
    """
    first_key: dict[str, Any] = {}
    for key in keys:
        first_key.setdefault(str(key).strip().lower(), key)
    present: dict[str, list[tuple[int, str]]] = {}
    for name in first_key:
        for col, rank in index.get(name, ()):
            present.setdefault(col, []).append((rank, name))
    dates = names["date"]
    return _RecordPlan(
        columns={col: tuple(first_key[name] for _, name in sorted(found))
                 for col, found in present.items()},
        also_dates=tuple((name, key) for name, key in first_key.items()
                         if "[" in name and name.split("[", 1)[0] in dates),
        crawl=tuple((name, first_key[name]) for name in CRAWL_FIELDS if name in first_key),
        original={name: str(key) for name, key in first_key.items()},
    )


def map_record(record: dict[str, Any], names: dict[str, list[str]],
               index: dict[str, list[tuple[str, int]]] | None = None,
               plan: _RecordPlan | None = None, surrogates: bool = True) -> dict[str, Any]:
    """Our fields from a record's own field names (case-insensitive; see ``FIELDS``).

    ``index`` is ``_name_index(names)`` and ``plan`` is ``_record_plan(tuple(record), names,
    index)``, for a caller that maps many records (with the same keys). ``surrogates=False``
    says that no value can hold a lone surrogate (see :func:`_may_hold_surrogates`).

    >>> rec = map_record({"Headline": "عنوان", "matn": "متن", "date_extracted": "2015-08-11",
    ...                   "source": "3alyoum"}, _field_names({"body": ["matn"]}))
    >>> rec["title"], rec["body"], rec["outlet_stated"], rec["date_stated"]
    ('عنوان', 'متن', '3alyoum', None)
    >>> rec["warnings"]
    ['crawl time date_extracted=2015-08-11 is not a publication date']
    """
    if plan is None:
        index = _name_index(names) if index is None else index
        plan = _record_plan(tuple(record), names, index)
    columns = plan.columns
    out: dict[str, Any] = {"warnings": []}

    def first(col: str, items: bool = False) -> tuple[Any, Any]:
        for key in columns.get(col, ()):
            value = (_items(record[key], surrogates) if items
                     else _text(record[key], surrogates))
            if value:
                return key, value
        return None, None

    _, out["title"] = first("title")
    body_field, body = first("body")
    if body is None:
        body_field, body = first("lead")
        if body is not None:
            out["warnings"].append(f"body taken from the {_lowered(body_field)!r} field")
    out["body"] = body
    date_key, out["date_stated"] = first("date")
    out["date_field"] = None if date_key is None else str(date_key)
    _, out["outlet_stated"] = first("outlet")
    _, out["url"] = first("url")
    _, out["author"] = first("author", items=True)
    _, category = first("category", items=True)
    _, sub = first("subcategory", items=True)
    out["category"] = f"{category}/{sub}" if category and sub else category or sub
    _, out["keywords"] = first("keywords", items=True)
    for name, key in plan.also_dates:
        if key != date_key:  # the field the date came from is not repeated
            value = _text(record[key], surrogates)
            if value:
                out["warnings"].append(f"also stated: {plan.original[name]}={value}")
    for name, key in plan.crawl:
        value = _text(record[key], surrogates)
        if value:
            out["warnings"].append(f"crawl time {name}={value} is not a publication date")
    return out


def _lowered(key: Any) -> str:
    """A record key as field names are compared: text, stripped, lower case.

    >>> _lowered(" Abstract ")
    'abstract'
    """
    return str(key).strip().lower()


def _text(value: Any, surrogates: bool = True) -> str | None:
    """A field value as text: lists joined by blank lines, HTML turned into text, nulls None.

    Lone surrogates become U+FFFD, unless ``surrogates=False`` says there can be none.

    >>> _text("['پاراگراف یک', 'پاراگراف دو']")
    'پاراگراف یک\\n\\nپاراگراف دو'
    >>> _text([{"text": "a"}, "b"]), _text({"name": "Ali"}), _text("nan"), _text(12)
    ('a\\n\\nb', 'Ali', None, '12')
    >>> _text("<p>سطر</p><p>دوم</p>")
    'سطر\\n\\nدوم'
    >>> _text("x\\ud800y")
    'x\ufffdy'
    """
    if type(value) is str:  # the common case first: none of the checks below applies
        text = value
    elif value is None or isinstance(value, bool):
        return None
    elif isinstance(value, (int, float)):
        return None if value != value else str(value)
    elif isinstance(value, dict):
        for key in ("text", "name", "value", "content", "#text", "@value"):
            if key in value:
                return _text(value[key], surrogates)
        return None
    elif isinstance(value, (list, tuple)):
        parts = [t for t in (_text(v, surrogates) for v in value) if t]
        return "\n\n".join(parts) or None
    else:
        text = str(value)
    if surrogates and _has_surrogate(text):  # "\ud800" escapes in JSON: Parquet cannot store them
        text = _SURROGATE.sub("\ufffd", text)
    stripped = text.strip()
    if _is_null(stripped):
        return None
    if stripped.startswith("[") and stripped.endswith("]") and len(stripped) < 5_000_000:
        parsed = _literal_list(stripped)
        if parsed is not None:
            return _text(parsed, surrogates)
    if "<" in stripped and _HTML_TAG.search(stripped):  # every tag starts with "<"
        return html_to_text(stripped) or None
    return stripped


def _has_surrogate(text: str) -> bool:
    """True when ``text`` holds a lone surrogate code point.

    UTF-8 refuses exactly the surrogates, and its encoder is several times faster than a
    regular expression scan. It encodes a slice at a time, so a huge text is not copied.

    >>> _has_surrogate("x\\ud800y"), _has_surrogate("سلام 😀"), _has_surrogate("abc")
    (True, False, False)
    """
    if text.isascii():
        return False
    for start in range(0, len(text), _SURROGATE_CHUNK):
        try:
            text[start : start + _SURROGATE_CHUNK].encode("utf-8")
        except UnicodeEncodeError:
            return True
    return False


def _may_hold_surrogates(text: str, encoding: str | None, fmt: str) -> bool:
    """False when no value read from a JSON or CSV ``text`` can hold a lone surrogate.

    Such a value is a piece of the text, or made by escapes (JSON's, or a Python literal's
    read as a list) that spell a surrogate only with a backslash followed by u or U in the
    text itself (a backslash the escapes make is "\\\\" or "\\u005c"). So the text must hold
    neither such a pair nor a surrogate; a text our UTF decoders give holds none (they turn
    bad bytes into U+FFFD). Other formats are never cleared: an XML character reference
    can make a backslash.

    >>> _may_hold_surrogates('{"a": "b"}', "utf-8", "json")
    False
    >>> _may_hold_surrogates('["\\\\ud800"]', "utf-8", "json")
    True
    >>> _may_hold_surrogates("x", "utf-8", "xml")
    True
    >>> _may_hold_surrogates("x\\ud800", "utf-7", "csv"), _may_hold_surrogates("x", "cp1256", "csv")
    (True, False)
    """
    if fmt not in _ESCAPES_NEED_BACKSLASH or _UNICODE_ESCAPE.search(text):
        return True
    return encoding not in _SURROGATE_FREE and _has_surrogate(text)


def _is_null(stripped: str) -> bool:
    """True when a stripped value stands for no value: empty, "nan", "None", "[]"...

    ``str.lower`` never shortens a text, so a longer text than every null string is none.

    >>> _is_null("NaN"), _is_null(" nan"), _is_null("نص")
    (True, False, False)
    """
    return len(stripped) <= _NULL_MAX and stripped.lower() in NULL_STRINGS


def _items(value: Any, surrogates: bool = True) -> str | None:
    """A list-valued field (tags, authors) as one string, items joined by " | ".

    >>> _items(["غزة", "القاهرة"]), _items("['a', 'b']"), _items("تهران")
    ('غزة | القاهرة', 'a | b', 'تهران')
    """
    if isinstance(value, str) and value.strip().startswith("["):
        parsed = _literal_list(value.strip())
        value = parsed if parsed is not None else value
    if isinstance(value, (list, tuple)):
        parts = [t for t in (_text(v, surrogates) for v in value) if t]
        return " | ".join(parts) or None
    return _text(value, surrogates)


def _literal_list(text: str) -> list[Any] | None:
    """A list written as JSON or as a Python literal (never evaluated as code)."""
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return None
    return value if isinstance(value, list) else None


def _null(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return None if _is_null(stripped) else stripped


def _json_records(data: Any) -> tuple[list[Any] | None, dict[str, Any]]:
    """The article records in parsed JSON, and dataset-level defaults (an outlet)."""
    if isinstance(data, list):
        return data, {}
    if not isinstance(data, dict):
        return None, {}
    lists = {k: v for k, v in data.items() if isinstance(v, list) and v
             and all(isinstance(x, dict) for x in v[:10])}
    defaults: dict[str, Any] = {}
    for key in FIELDS["outlet"]:
        for k, v in data.items():
            if str(k).lower() == key and isinstance(v, str) and v.strip():
                defaults.setdefault("outlet_stated", v.strip())
    if lists:
        key = next((k for k in lists if str(k).lower() in RECORD_LIST_KEYS),
                   max(lists, key=lambda k: len(lists[k])))
        return lists[key], defaults
    lower = {str(k).lower() for k in data}
    if lower & set(FIELDS["body"] + FIELDS["title"]):
        return [data], {}
    return None, {}


def _csv_delimiter(text: str, delimiter: str | None) -> str:
    if delimiter:
        return delimiter
    sample = text[:65536]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        return max(",\t;|", key=first.count)


def _csv_rows(text: str, delimiter: str) -> list[list[str]]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter)
    return [row for row in reader if row]


def _csv_value(value: str) -> str | None:
    """A CSV cell: ``[n]`` paragraph marks (pn-summary) become line breaks.

    >>> _csv_value("یک [n] دو")
    'یک\\nدو'
    """
    value = value.strip()
    if "[n]" in value:
        value = _paragraphs(value).strip()
    return _null(value)


def _paragraphs(text: str) -> str:
    """``text`` with each ``[n]`` mark and the spaces around it turned into one line break.

    The same as ``re.sub(r"\\s*\\[n\\]\\s*", "\\n", text)`` (``\\s`` and ``str.strip`` agree on
    what a space is) without a pattern that, starting with spaces, is tried at every
    position of a long text.

    >>> _paragraphs(" یک [n] دو[n][n]  سه [n]")
    ' یک\\nدو\\n\\nسه\\n'
    """
    parts = text.split("[n]")
    if len(parts) == 1:
        return text
    inner = [part.strip() for part in parts[1:-1]]
    return "\n".join([parts[0].rstrip(), *inner, parts[-1].lstrip()])


def _shape_record(values: list[str]) -> dict[str, Any]:
    """Fields of a record given as bare values: id, title, body, date, time, categories."""
    rec: dict[str, Any] = {}
    rest = list(values)
    if rest and _DIGITS_ONLY.match(rest[0]):
        rest = rest[1:]
    if not rest:
        return rec
    body_i = max(range(len(rest)), key=lambda i: len(rest[i]))
    rec["body"] = rest[body_i]
    before = [v for v in rest[:body_i] if not _DATE_VALUE.match(v)]
    if before:
        rec["title"] = before[0]
    after = rest[body_i + 1 :]
    dates = [v for v in after if _DATE_VALUE.match(v)]
    if dates:
        rec["date_stated"] = " ".join(dates)
        rec["date_field"] = "date value line" + ("s" if len(dates) > 1 else "")
    others = [v for v in after if not _DATE_VALUE.match(v)]
    if others:
        rec["category"] = others[0]
    return rec


# --------------------------------------------------------------------------- XML


def parse_xml(text: str) -> Any:
    """An element tree of ``text`` (several root elements allowed), parsed by defusedxml.

    Entity declarations are refused, so no entity expansion and no external entity can
    happen; an external DTD is never loaded.

    >>> [c.tag for c in parse_xml("<a>1</a><b>2</b>")]
    ['a', 'b']
    >>> parse_xml('<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>')
    Traceback (most recent call last):
    ...
    helpers.loading.LoadError: XML with entity declarations is refused (entity expansion is unsafe).
    """
    body = _XML_DECL.sub("", text.lstrip("\ufeff"), count=1)
    doctype = _DOCTYPE.search(body[:10000])
    if doctype and _ENTITY_DECL.search(doctype.group(0)) or _ENTITY_DECL.search(body[:10000]):
        raise LoadError("xml-unsafe",
                        "XML with entity declarations is refused (entity expansion is unsafe).")
    if doctype:
        body = body[: doctype.start()] + body[doctype.end() :]
    wrapped = f"<_root_>{body}</_root_>"
    # Outside CDATA, comments and processing instructions (each opens with "<!" or "<?") an
    # "&" that _AMP finds starts no valid reference: such a text cannot parse as it is.
    if "<!" in wrapped or "<?" in wrapped or not _AMP.search(wrapped):
        try:
            return SafeET.fromstring(wrapped, forbid_dtd=True)
        except DefusedXmlException as exc:
            raise LoadError("xml-unsafe",
                            f"unsafe XML refused ({type(exc).__name__}).") from None
        except SafeET.ParseError:
            pass
    repaired = _AMP.sub(_fix_entity, wrapped)
    try:
        return SafeET.fromstring(repaired, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise LoadError("xml-unsafe", f"unsafe XML refused ({type(exc).__name__}).") from None
    except SafeET.ParseError as exc:
        raise LoadError("xml-malformed", f"not well-formed XML ({exc}).") from None


def _fix_entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name:
        value = html.unescape(f"&{name}")
        if value != f"&{name}":
            return html.escape(value, quote=False)
        return f"&amp;{name}"
    return "&amp;"


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def xml_records(root: Any) -> tuple[str, str | None, list[Any]]:
    """``(kind, outlet, items)``: kind is rss, atom, trec, xml or none."""
    children = list(root)
    for child in children:
        if _local(child.tag) == "rss" or _local(child.tag) == "rdf":
            channel = child.find("channel")
            outlet = _elem_text(channel.find("title")) if channel is not None else None
            items = child.findall("channel/item") + child.findall("item")
            items += child.findall("{http://purl.org/rss/1.0/}item")
            return "rss", outlet, items
        if child.tag == f"{_ATOM}feed":
            title = child.find(f"{_ATOM}title")
            return "atom", _elem_text(title), child.findall(f"{_ATOM}entry")
    docs = [e for e in root.iter() if _local(e.tag) == "doc"]
    if docs:
        return "trec", None, docs
    record_tags = set(FIELDS["title"]) | set(FIELDS["body"]) | set(FIELDS["lead"])
    items = []

    def walk(elem: Any) -> None:
        for child in elem:
            if sum(_local(g.tag) in record_tags for g in child) >= 1 and len(child) >= 2:
                items.append(child)
            else:
                walk(child)

    walk(root)
    return ("xml" if items else "none"), None, items


def _elem_text(elem: Any) -> str | None:
    if elem is None:
        return None
    return _null("".join(elem.itertext()))


def _record_key(tag: str, attrs: str | dict[str, str]) -> str:
    """Field name of an element; DATE with a calendar attribute keeps it (DATE[persian])."""
    tag = tag.rsplit("}", 1)[-1]
    if isinstance(attrs, str):
        found = re.search(r"calend[ae]r\s*=\s*[\"']?(\w+)", attrs, re.IGNORECASE)
        calendar = found.group(1) if found else None
    else:
        calendar = next((v for k, v in attrs.items() if "calend" in k.lower()), None)
    if calendar and calendar.lower() not in ("western", "gregorian"):
        return f"{tag}[{calendar}]"
    return tag


def element_record(elem: Any) -> dict[str, Any]:
    """The fields of one record element: child tag -> text (the first of repeated tags)."""
    record: dict[str, Any] = {}
    for child in elem:
        key = _record_key(child.tag, dict(child.attrib))
        if child.tag.startswith("{") and not key.startswith(("dc:", "content:")):
            ns = child.tag[1:].split("}", 1)[0]
            if "purl.org/dc" in ns:
                key = f"dc:{key}"
            elif "purl.org/rss/1.0/modules/content" in ns:
                key = f"content:{key}"
        value = _elem_text(child)
        if key.lower() == "link" and not value:
            value = child.get("href")
        if value and key not in record:
            record[key] = value
        elif value and key.lower() in ("category", "cat") and not child.attrib:
            record[key] = f"{record[key]} | {value}"
    return record


def atom_record(entry: Any) -> dict[str, Any]:
    """The fields of an Atom entry (links by rel, author name, published before updated)."""
    record: dict[str, Any] = {}
    for child in entry:
        key = _local(child.tag)
        if key == "link":
            if child.get("rel", "alternate") == "alternate" and "link" not in record:
                record["link"] = child.get("href")
        elif key == "author":
            name = child.find(f"{_ATOM}name")
            record.setdefault("author", _elem_text(name if name is not None else child))
        elif key == "category":
            term = child.get("label") or child.get("term")
            if term:
                record["category"] = f"{record['category']} | {term}" if "category" in record \
                    else term
        elif key in ("content", "summary", "title"):
            value = _elem_text(child)
            if value and child.get("type", "text") in ("html", "xhtml"):
                value = html_to_text(value) if key != "title" else value
            record.setdefault(key, value)
        else:
            record.setdefault(key, _elem_text(child))
    if "published" in record and "updated" in record:
        record.pop("updated")
    return record


# --------------------------------------------------------------------------- HTML

_DROP_TAGS = ("script", "style", "nav", "footer", "header", "aside", "form", "noscript",
              "iframe", "svg", "button", "select", "template", "object", "embed")
_BLOCK_TAGS = {"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
               "table", "blockquote", "section", "article", "pre", "figure", "figcaption",
               "dd", "dt", "main", "header", "footer", "hr"}


def _lxml_html() -> Any:
    """``lxml.html``, imported when a first page or field holds HTML: many corpora hold
    none, and the import costs every worker process about 8 ms."""
    import lxml.html

    return lxml.html


def _html_parser() -> Any:
    return _lxml_html().HTMLParser(no_network=True, remove_comments=True, remove_pis=True,
                                   recover=True, encoding=None)


def _document(text: str) -> Any:
    text = _XML_DECL.sub("", text.lstrip("\ufeff"), count=1)
    return _lxml_html().document_fromstring(text, parser=_html_parser())


def html_to_text(markup: str) -> str:
    """Visible text of an HTML fragment: blocks on their own lines, paragraphs apart.

    >>> html_to_text("<div><p>یک <b>دو</b></p><p>سه<br>چهار</p><script>x()</script></div>")
    'یک دو\\n\\nسه\\nچهار'
    """
    lxml_html = _lxml_html()
    try:
        root = lxml_html.fragment_fromstring(markup, create_parent="div", parser=_html_parser())
    except Exception:
        return _SPACES.sub(" ", re.sub(r"<[^>]+>", " ", markup)).strip()
    return element_text(root)


def element_text(root: Any) -> str:
    """Text of an lxml element with block structure kept as line breaks."""
    for bad in root.iter(*_DROP_TAGS):
        bad.drop_tree()
    parts: list[str] = []

    def walk(el: Any) -> None:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if tag == "br":
            parts.append("\n")
            return
        block = tag in _BLOCK_TAGS
        if block:
            parts.append("\n\n" if tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6",
                                                  "blockquote", "li", "tr") else "\n")
        if el.text and tag:
            parts.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append("\n\n" if tag == "p" else "\n")

    walk(root)
    text = "".join(parts)
    lines = [_SPACES.sub(" ", ln).strip() for ln in text.split("\n")]
    return _MULTI_BLANK.sub("\n\n", "\n".join(lines)).strip()


def html_record(text: str) -> dict[str, Any]:
    """Title, body, outlet, date, url, author of a saved article page.

    >>> page = '''<html><head><title>T | Site</title>
    ... <meta property="og:title" content="عنوان خبر">
    ... <meta property="og:site_name" content="خبرگزاری">
    ... <meta property="article:published_time" content="2023-12-24T10:00:00Z">
    ... <link rel="canonical" href="https://x.ir/n/1"></head>
    ... <body><nav>منو</nav><article><h1>عنوان خبر</h1><p>بند اول.</p><p>بند دوم.</p></article>
    ... <footer>کپی</footer></body></html>'''
    >>> rec = html_record(page)
    >>> rec["title"], rec["body"], rec["outlet_stated"], rec["date_stated"], rec["url"]
    ('عنوان خبر', 'بند اول.\\n\\nبند دوم.', 'خبرگزاری', '2023-12-24T10:00:00Z', 'https://x.ir/n/1')
    """
    doc = _document(text)
    meta: dict[str, str] = {}
    for m in doc.iter("meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or "").strip().lower()
        value = (m.get("content") or "").strip()
        if key and value:
            meta.setdefault(key, value)
    ld = _json_ld(doc)
    rec: dict[str, Any] = {"warnings": []}
    h1 = doc.find(".//h1")
    title_tag = doc.find(".//title")
    rec["title"] = (meta.get("og:title") or ld.get("headline")
                    or (_null(h1.text_content()) if h1 is not None else None)
                    or (_null(title_tag.text_content()) if title_tag is not None else None))
    rec["outlet_stated"] = meta.get("og:site_name") or ld.get("publisher")
    for key in ("article:published_time", "og:published_time", "datepublished",
                "publishdate", "pubdate", "date", "dc.date", "dc.date.issued",
                "sailthru.date", "article:modified_time"):
        if meta.get(key):
            rec["date_stated"], rec["date_field"] = meta[key], f"meta {key}"
            break
    else:
        if ld.get("datePublished"):
            rec["date_stated"], rec["date_field"] = ld["datePublished"], "JSON-LD datePublished"
        else:
            t = next((e for e in doc.iter("time") if e.get("datetime")), None)
            if t is not None:
                rec["date_stated"], rec["date_field"] = t.get("datetime"), "<time datetime>"
    canonical = next((e.get("href") for e in doc.iter("link")
                      if (e.get("rel") or "").lower() == "canonical" and e.get("href")), None)
    rec["url"] = canonical or meta.get("og:url")
    rec["author"] = meta.get("author") or meta.get("article:author") or ld.get("author")
    rec["category"] = meta.get("article:section") or ld.get("articleSection")
    rec["keywords"] = meta.get("news_keywords") or meta.get("keywords")
    rec["body"] = _main_text(doc)
    if rec["title"] and rec["body"].startswith(rec["title"]):
        rec["body"] = rec["body"][len(rec["title"]) :].lstrip()
    return rec


def _json_ld(doc: Any) -> dict[str, str]:
    """headline, datePublished, author, publisher, articleSection of a JSON-LD article."""
    found: dict[str, str] = {}
    for script in doc.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except (json.JSONDecodeError, RecursionError):
            continue
        items = data if isinstance(data, list) else data.get("@graph", [data]) \
            if isinstance(data, dict) else []
        for item in items:
            if not isinstance(item, dict) or "Article" not in str(item.get("@type", "")):
                continue
            for key in ("headline", "datePublished", "articleSection"):
                if key not in found and _text(item.get(key)):
                    found[key] = _text(item.get(key))
            for key in ("author", "publisher"):
                if key not in found and _text(item.get(key)):
                    found[key] = _text(item.get(key))
    return found


def _main_text(doc: Any) -> str:
    """The article text of a page: the ``<article>`` element, unless a block of paragraphs
    elsewhere holds more text (teaser ``<article>`` cards), then the body as a last resort."""
    for bad in doc.iter(*_DROP_TAGS):
        bad.drop_tree()
    scores: dict[Any, int] = {}
    for p in doc.iter("p"):
        parent = p.getparent()
        if parent is not None:
            scores[parent] = scores.get(parent, 0) + len(p.text_content().strip())
    best_block = max(scores, key=scores.__getitem__) if scores else None
    articles = list(doc.iter("article"))
    if articles:
        best = max(articles, key=lambda a: len(a.text_content()))
        if best_block is None or len(best.text_content()) >= scores[best_block]:
            return element_text(best)
    if best_block is not None:
        return element_text(best_block)
    body = doc.find("body")
    return element_text(body if body is not None else doc)


# --------------------------------------------------------------------------- helpers


def _problem(file: str, reason: str, detail: str) -> dict[str, Any]:
    return {"file": file, "stage": STAGE, "reason": reason, "detail": detail}


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text != type(exc).__name__ else text
