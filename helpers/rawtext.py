"""Raw scraped news pages: split a page into articles and take the page furniture off.

A scraped page holds the headline, a dateline, the story, then furniture: a source line,
keywords, "read also" links (sometimes followed by a whole second story), share buttons,
the readers' comments with their counters and captcha, and "don't miss" menus. This module
turns such a text into :class:`Article` records: the title, the body (the story's lines,
unchanged), the furniture that carries facts (``dateline``, ``source_line``, ``keywords``,
comments with their raw dates) in fields of their own, and the rest dropped. The markers
live in ``data/furniture.json`` and are compared on the normalised key
(:func:`helpers.textnorm.normalize`), as whole lines.

>>> page = '''وفد يصل إلى القاهرة
... تاريخ النشر: 24th, December 2023 GMT
... وصل وفد يمثل الحركة إلى القاهرة لإجراء محادثات مع مسئولين أمنيين مصريين في العاصمة.
... المصدر: صدى البلد
... كلمات دلالية: القاهرة غزة
... شارك'''
>>> [art] = parse_page(page)
>>> art.title, art.dateline, art.source_line, art.keywords
('وفد يصل إلى القاهرة', 'تاريخ النشر: 24th, December 2023 GMT', 'المصدر: صدى البلد', 'القاهرة غزة')
>>> art.body
'وصل وفد يمثل الحركة إلى القاهرة لإجراء محادثات مع مسئولين أمنيين مصريين في العاصمة.'
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import NamedTuple

from . import textnorm

DATA_FILE = Path(__file__).parent / "data" / "furniture.json"

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_BLANK_RUN = re.compile(r"\n(?:[ \t\u00a0\u200f\u200e]*\n)+")
# from the first letter or digit to the last: what is left when both edges lose their
# punctuation, bullets and spaces (a search is several times faster than substituting
# "^[\W_]+|[\W_]+$")
_CORE = re.compile(r"[^\W_](?:.*[^\W_])?", re.DOTALL)
_SPACE_RUN = re.compile(" {2,}")
_WORD = re.compile(r"[^\W_]+")
_WORD_SEPARATORS = re.compile(r"[\W_]+")
_DATE_IN_LINE = re.compile(r"\d{1,4}\s*[/\-.]\s*\d{1,2}\s*[/\-.]\s*\d{1,4}|\d{1,2}:\d{2}")
_NUMBER = re.compile(r"\d+")
_ONLY_NUMBERS = re.compile(r"^[\d\s\W]*$")
_YEAR = re.compile(r"(?<!\d)(1[34]\d\d|19\d\d|20\d\d)(?!\d)")
_KEY_CHARS = 96  # markers are short: only the start of a line is normalised
_MAX_MARKER_LINE = 120
_MAX_TITLE = 300
_DATE_LINE_MAX = 90
_TOP_LINES = 3
# Distinct line starts whose key and markers are remembered: furniture and boilerplate
# lines repeat from page to page and from record to record.
_LINE_CACHE = 8192
_FIRST_WORD_CHARS = 24  # enough for the first word of most lines


@dataclass
class Comment:
    """A reader comment: its text, the date line as written, and the author if stated."""

    text: str
    date_raw: str | None = None
    author: str | None = None


@dataclass
class Article:
    """One article taken from a page; ``body`` keeps the original lines of the story."""

    title: str | None = None
    body: str = ""
    dateline: str | None = None
    source_line: str | None = None
    keywords: str | None = None
    comments: list[Comment] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Markers:
    """The marker lists of ``data/furniture.json`` as sets of keys."""

    split_headers: frozenset[str]
    min_body_chars: int
    keyword_prefixes: re.Pattern[str]
    source_prefixes: re.Pattern[str]
    date_prefixes: re.Pattern[str]
    drop_prefixes: re.Pattern[str]
    comment_sections: frozenset[str]
    comment_prompts: tuple[str, ...]
    tail_menus: frozenset[str]
    share_words: frozenset[str]
    end_markers: frozenset[str]
    inline_prefixes: tuple[str, ...]
    first_words: frozenset[str]  # first word of each key that _line_info may match


@cache
def _short_normalizer() -> Callable[[str], str]:
    """``textnorm.normalize`` for short strings: its own mapping table, applied with
    ``str.translate`` (its vectorised path costs about 50 µs a call, too much per line).
    ``tests/test_rawtext.py`` checks that both give the same key."""
    table_of = getattr(textnorm, "_table", None)
    if table_of is None:
        return textnorm.normalize
    mapped = {**table_of(), 0: ""}  # normalize deletes NUL too
    if max(mapped) > 0xFFFF:  # a list up to there would be too big
        return lambda text: _single_spaces(text.translate(mapped))
    # A list with every code point up to the last mapped one: str.translate raises and
    # clears a LookupError for each character a dict lacks, which doubles its cost.
    table: list[int | str] = list(range(max(mapped) + 1))
    for cp, rep in mapped.items():
        table[cp] = rep
    return lambda text: _single_spaces(text.translate(table))


def _single_spaces(text: str) -> str:
    """``text`` with each run of spaces made one (most lines have none to merge).

    >>> _single_spaces("a  b   c d")
    'a b c d'
    """
    return _SPACE_RUN.sub(" ", text) if "  " in text else text


def line_key(line: str) -> str:
    """The key a line is compared on: normalised, edges without punctuation or bullets.

    >>> line_key("  • إقرأ أيضاً:")
    'اقرا ايضا'
    >>> line_key("// انتهى //")
    'انتهي'
    >>> line_key("برچسب‌ها:")
    'برچسب ها'
    """
    return _head_key(line[:_KEY_CHARS])


@lru_cache(maxsize=_LINE_CACHE)
def _head_key(head: str) -> str:
    core = _CORE.search(_short_normalizer()(head))
    return core.group(0) if core else ""


@cache
def markers() -> Markers:
    """``data/furniture.json``, loaded once, every marker turned into its line key.

    >>> "اقرا ايضا" in markers().split_headers
    True
    """
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))

    def keys(name: str) -> list[str]:
        return [k for k in (line_key(m) for m in data[name]["markers"]) if k]

    def longest_first(name: str) -> tuple[str, ...]:
        return tuple(sorted(set(keys(name)), key=len, reverse=True))

    def prefix_pattern(name: str, space_ok: bool = False) -> re.Pattern[str]:
        alternatives = "|".join(re.escape(p) for p in longest_first(name))
        follow = r"\s*:|$| " if space_ok else r"\s*:|$"
        return re.compile(f"^(?:{alternatives})(?={follow})")

    matched = ("split_headers", "keyword_prefixes", "source_prefixes", "date_prefixes",
               "drop_prefixes", "comment_sections", "tail_menus", "share_words", "end_markers")
    return Markers(
        split_headers=frozenset(keys("split_headers")),
        min_body_chars=int(data["split_headers"]["min_body_chars"]),
        keyword_prefixes=prefix_pattern("keyword_prefixes"),
        source_prefixes=prefix_pattern("source_prefixes"),
        date_prefixes=prefix_pattern("date_prefixes", space_ok=True),
        drop_prefixes=prefix_pattern("drop_prefixes"),
        comment_sections=frozenset(keys("comment_sections")),
        comment_prompts=longest_first("comment_prompts"),
        tail_menus=frozenset(keys("tail_menus")),
        share_words=frozenset(keys("share_words")),
        end_markers=frozenset(keys("end_markers")),
        inline_prefixes=tuple(data["inline_prefixes"]["markers"]),
        first_words=frozenset(_first_word(k) for name in matched for k in keys(name)),
    )


def _first_word(key: str) -> str | None:
    """The first word of a key (letters and digits; "_" separates, as in a key's edges).

    >>> _first_word("كلمات دلاليه: غزه"), _first_word("// انتهي"), _first_word("...")
    ('كلمات', 'انتهي', None)
    """
    found = _WORD.search(key)
    return found.group(0) if found else None


def _first_key_word(head: str) -> str | None:
    """``_first_word(line_key(head))``, normalising only the start of ``head`` when it holds
    the whole first word.

    The key is ``head`` mapped character by character, so the key of a start of ``head``
    is a start of its key: a word followed there by something else is the key's first word.

    >>> _first_key_word("  • إقرأ أيضاً:"), len(_first_key_word("ب" * 40 + " ج"))
    ('اقرا', 40)
    """
    start = _short_normalizer()(head[:_FIRST_WORD_CHARS])
    found = _WORD.search(start)
    if len(head) <= _FIRST_WORD_CHARS or found and found.end() < len(start):
        return found.group(0) if found else None
    return _first_word(_head_key(head))


class _LineInfo(NamedTuple):
    """What the markers say about a line, from its key (see :func:`_line_info`)."""

    whole: str | None  # the whole-line marker list matched first: end, comments or menu
    split_header: bool
    share: bool
    prefix: str | None  # the first prefix rule that applies: keywords, source, drop, dateline


@lru_cache(maxsize=_LINE_CACHE)
def _line_info(head: str) -> _LineInfo:
    """The markers matched by a line that starts with ``head`` (its first ``_KEY_CHARS``).

    Every marker rule needs the key to start with the first word of a marker, so a line
    starting with another word (most lines) is passed without working out its key.

    >>> _line_info("كلمات دلالية: غزة").prefix, _line_info("التعليقات").whole
    ('keywords', 'comments')
    >>> _line_info("وصل وفد يمثل الحركة إلى القاهرة") == _NO_INFO
    True
    """
    if _first_key_word(head) not in markers().first_words:
        return _NO_INFO
    return _classify(_head_key(head))


def _classify(key: str) -> _LineInfo:
    """The markers a line key matches, in the order :func:`parse_lines` checks them.

    >>> _classify("كلمات دلاليه: غزه").prefix, _classify("فيسبوك تويتر").share
    ('keywords', True)
    """
    m = markers()
    whole = None
    if key in m.end_markers:
        whole = "end"
    elif key in m.comment_sections:
        whole = "comments"
    elif key in m.tail_menus:
        whole = "menu"
    prefix = None
    if _prefix(key, m.keyword_prefixes):
        prefix = "keywords"
    elif _prefix(key, m.source_prefixes):
        prefix = "source"
    elif _prefix(key, m.drop_prefixes):
        prefix = "drop"
    else:
        date_prefix = _prefix(key, m.date_prefixes)
        if date_prefix and (":" in key[: len(date_prefix) + 2] or _NUMBER.search(key)):
            prefix = "dateline"
    return _LineInfo(whole, key in m.split_headers, bool(key) and is_share_line(key), prefix)


# a line no marker matches (among them blank lines and long ones without an early colon)
_NO_INFO = _LineInfo(whole=None, split_header=False, share=False, prefix=None)


def _split_lines(text: str) -> list[str]:
    """``text`` cut at \\r\\n, \\r and \\n (and nothing else, unlike ``str.splitlines``).

    >>> _split_lines("a\\r\\nb\\rc\\nd\\x85e"), _split_lines("a\\nb")
    (['a', 'b', 'c', 'd\\x85e'], ['a', 'b'])
    """
    return _LINE_BREAK.split(text) if "\r" in text else text.split("\n")


def _prefix(key: str, pattern: re.Pattern[str]) -> str | None:
    """The marker ``key`` starts with (followed by ':', the end, or a space where allowed).

    >>> _prefix("كلمات دلاليه: غزه", markers().keyword_prefixes)
    'كلمات دلاليه'
    >>> _prefix("كلمات دلاليه كثيره", markers().keyword_prefixes) is None
    True
    """
    found = pattern.match(key)
    return found.group(0) if found else None


def _after_colon(line: str) -> str:
    for colon in (":", "：", "؛"):
        if colon in line:
            return line.split(colon, 1)[1].strip()
    return ""


def is_share_line(key: str) -> bool:
    """True when a line key is only share buttons.

    >>> is_share_line(line_key("فيسبوك تويتر واتساب"))
    True
    >>> is_share_line(line_key("شارك الرئيس في القمة"))
    False
    """
    m = markers()
    if not key or key in m.share_words:
        return bool(key)
    first = _WORD.search(key)  # most lines fail here, before the key is split into words
    if first is None or first.group(0) not in m.share_words:
        return False
    words = [w for w in _WORD_SEPARATORS.split(key) if w]
    return len(words) <= 12 and all(w in m.share_words for w in words)


def is_date_line(line: str) -> bool:
    """True for a short line made of a date: two numbers or more, one of them a year.

    >>> is_date_line("۲۴ مرداد ۱۳۹۶ - ۱۹:۴۰")
    True
    >>> is_date_line("السبت 23 ديسمبر 2023")
    True
    >>> is_date_line("انتخابات 2024 في أمريكا")
    False
    >>> is_date_line("قال الوزير إن 25 شخصا قتلوا في عام 2023 في الهجوم على المدينة الساحلية")
    False
    """
    if len(line) > _DATE_LINE_MAX:
        return False
    folded = textnorm.fold_digits(line)
    if len(_NUMBER.findall(folded)) < 2 or not _YEAR.search(folded):
        return False
    return len(folded.split()) <= 10 and not folded.rstrip().endswith((".", "؟", "?"))


def _comment_header(line: str) -> Comment | None:
    """A comment header (a short line holding a date or time), or None.

    >>> _comment_header("IR ۰۹:۳۰ - ۱۴۰۲/۰۳/۱۶")
    Comment(text='', date_raw='IR ۰۹:۳۰ - ۱۴۰۲/۰۳/۱۶', author=None)
    >>> _comment_header("علی رضایی ۱۴۰۲/۰۳/۱۶")
    Comment(text='', date_raw='۱۴۰۲/۰۳/۱۶', author='علی رضایی')
    >>> _comment_header("این خبر خوبی است") is None
    True
    """
    if len(line) > _DATE_LINE_MAX:
        return None
    folded = textnorm.fold_digits(line)
    found = _DATE_IN_LINE.search(folded)
    if not found:
        return None
    first_digit = _NUMBER.search(folded)
    head = line[: first_digit.start()].strip(" -|:•·،,") if first_digit else ""
    if len(head) >= 3 and not head.isupper():
        return Comment(text="", date_raw=line[first_digit.start() :].strip(), author=head)
    return Comment(text="", date_raw=line)


def _is_prompt(key: str) -> bool:
    m = markers()
    for p in m.comment_prompts:
        if key == p:
            return True
        if key.startswith(p) and key[len(p)] in ": ":
            return len(key[len(p) :].split()) <= 3
    return False


def strip_inline_prefix(text: str) -> str:
    """``text`` without navigation a scraper left at its very start.

    >>> strip_inline_prefix(" \\xa0 Next Previous عين اليوم – جدة")
    'عين اليوم – جدة'
    >>> strip_inline_prefix("النص")
    'النص'
    """
    stripped = text.lstrip()
    for n, folded in _folded_inline_prefixes():
        if stripped[:n].casefold() == folded:
            return stripped[n:].lstrip()
    return text


@cache
def _folded_inline_prefixes() -> tuple[tuple[int, str], ...]:
    """Length and case-folded text of each inline prefix, in the order of the data file."""
    return tuple((len(p), p.casefold()) for p in markers().inline_prefixes)


# A line as parse_lines reads it: the line, stripped, short enough to be a whole-line
# marker, and what its key says (_NO_INFO for a blank line or a long one without a colon).
_Line = tuple[str, str, bool, _LineInfo]


def _read_lines(lines: list[str]) -> list[_Line]:
    """Each line with its stripped text and its markers, worked out once per page."""
    out: list[_Line] = []
    append, info_of = out.append, _line_info  # bound once: pages have many lines
    for line in lines:
        stripped = line.strip()
        short = len(stripped) <= _MAX_MARKER_LINE
        # a long line can only be furniture as "marker: ...", with the colon near its start
        if stripped and (short or ":" in stripped[: _KEY_CHARS // 2]):
            append((line, stripped, short, info_of(stripped[:_KEY_CHARS])))
        else:
            append((line, stripped, short, _NO_INFO))
    return out


def _segments(lines: list[_Line]) -> list[list[_Line]]:
    """``lines`` cut at "read also" headers, the header lines removed."""
    segments: list[list[_Line]] = [[]]
    for line in lines:
        if line[2] and line[3].split_header:
            segments.append([])
        else:
            segments[-1].append(line)
    return segments


def split_segments(text: str) -> list[list[str]]:
    """The lines of ``text`` cut at "read also" headers (the header lines removed).

    >>> [len(s) for s in split_segments("أ\\nب\\nاقرأ أيضا:\\nج\\nد")]
    [2, 2]
    """
    return [[line[0] for line in segment]
            for segment in _segments(_read_lines(_split_lines(text)))]


def parse_lines(lines: list[str], *, find_title: bool = True) -> Article:
    """One article from its lines: title, body and furniture fields (see the module doc).

    >>> art = parse_lines(["عنوان الخبر", "", "نص الخبر هنا.", "نظر شما", "IR ۰۹:۳۰ - ۱۴۰۲/۰۳/۱۶",
    ...                    "0 0", "متن نظر", "فیلم برگزیده", "یک عنوان دیگر"])
    >>> art.title, art.body
    ('عنوان الخبر', 'نص الخبر هنا.')
    >>> art.comments
    [Comment(text='متن نظر', date_raw='IR ۰۹:۳۰ - ۱۴۰۲/۰۳/۱۶', author=None)]
    """
    return _parse(_read_lines(lines), find_title)


def _parse(lines: list[_Line], find_title: bool) -> Article:
    art = Article()
    state = "body"
    body: list[str] = []
    keywords: list[str] = []
    sources: list[str] = []
    datelines: list[str] = []
    comments: list[Comment] = []
    want_keywords = False
    top_seen = 0
    for line, stripped, short, info in lines:
        if not stripped:
            if state == "body" and body:
                body.append("")
            continue
        # most lines match no marker (_NO_INFO): only the state and the story checks apply
        marked = info is not _NO_INFO
        if marked and short:
            whole = info.whole
            if whole == "end":
                continue
            if whole == "comments":
                state = "comments"
                continue
            if whole == "menu":
                state = "menu"
                continue
        if state != "body":
            if state == "comments":
                _comment_line(stripped, comments)
            continue  # a menu runs to the end
        if marked and short and info.share:
            continue
        if want_keywords:
            keywords.append(stripped)
            want_keywords = False
            continue
        prefix = info.prefix if marked else None
        if prefix == "keywords":
            rest = _after_colon(stripped)
            if rest:
                keywords.append(rest)
            else:
                want_keywords = True
            continue
        if prefix == "source":
            sources.append(stripped)
            continue
        if prefix == "drop":
            continue
        if prefix == "dateline":
            datelines.append(stripped)
            continue
        if find_title and art.title is None:
            if len(stripped) <= _MAX_TITLE:
                art.title = stripped
                continue
            art.warnings.append("no title line: the first line is too long to be a headline")
            find_title = False
        if top_seen < _TOP_LINES and not datelines and is_date_line(stripped):
            datelines.append(stripped)
            continue
        top_seen += 1
        body.append(line.rstrip())
    art.body = _BLANK_RUN.sub("\n\n", "\n".join(body)).strip()
    art.keywords = " | ".join(keywords) or None
    art.source_line = "\n".join(sources) or None
    art.dateline = "\n".join(datelines) or None
    art.comments = [c for c in comments if c.text]
    if len(comments) > len(art.comments):
        art.warnings.append(f"{len(comments) - len(art.comments)} comment header(s) without text")
    return art


def _comment_line(stripped: str, comments: list[Comment]) -> None:
    text = stripped.lstrip("•·-*–● \t")
    if not text or _is_prompt(line_key(text)):
        return
    if _ONLY_NUMBERS.match(textnorm.fold_digits(text)) and len(text) <= 20:
        return  # vote counters such as "0 0"
    header = _comment_header(text)
    if header is not None:
        comments.append(header)
        return
    if not comments:
        comments.append(Comment(text=""))
    last = comments[-1]
    last.text = f"{last.text}\n{text}" if last.text else text


def parse_page(text: str, *, split: bool = True, find_title: bool = True) -> list[Article]:
    """The articles of a raw page: split at "read also" headers, furniture separated.

    A segment after a header that has too little body to be an article is a related-article
    link: it is dropped and noted in the previous article's warnings.

    >>> page = "خبر أول\\nنص الخبر الأول.\\nاقرأ أيضا:\\nعنوان مرتبط"
    >>> [a.title for a in parse_page(page)]
    ['خبر أول']
    >>> parse_page(page)[0].warnings
    ['dropped a related-article link after a "read also" header: عنوان مرتبط']
    >>> parse_page("")
    []
    """
    lines = _read_lines(_split_lines(strip_inline_prefix(text)))
    segments = _segments(lines) if split else [lines]
    min_body = markers().min_body_chars
    articles: list[Article] = []
    for i, segment in enumerate(segments):
        art = _parse(segment, find_title)
        if i > 0 and len(art.body) < min_body:
            if articles and (art.title or art.body):
                link = art.title or art.body[:80]
                articles[-1].warnings.append(
                    f'dropped a related-article link after a "read also" header: {link}'
                )
                articles[-1].comments.extend(art.comments)
            continue
        if art.title or art.body or art.comments:
            articles.append(art)
    return articles


def clean_body(text: str) -> Article:
    """Furniture taken off a body that came with its own title (JSON, CSV, feeds, HTML).

    No splitting and no title line: only furniture lines leave the text.

    >>> art = clean_body("نص الخبر.\\nكلمات دلالية: غزة\\n// انتهى //")
    >>> art.body, art.keywords, art.title
    ('نص الخبر.', 'غزة', None)
    """
    return _parse(_read_lines(_split_lines(strip_inline_prefix(text))), find_title=False)
