"""Date expressions in three calendars and three digit systems, with where they stand.

Reads Gregorian (English, Arabic in both naming systems and Maghrebi spellings, Persian),
Jalali (Solar Hijri) and Hijri (Umm al-Qura) dates written with month names or numerically,
with Latin, Arabic-Indic or Persian digits, weekday names, ordinals, times and time zones;
bare years after a cue word (``في ٢٠٢٥``); relative days (``أمس``, ``امروز``). Names,
markers and cue words live in ``data/dates.json``; calendar arithmetic is jdatetime's
(Jalali) and hijridate's (Umm al-Qura).

How a date is stored (the ``dates`` table and ``articles.published``):

- ``date`` is the instant in UTC. A date without a time is midnight of that calendar day in
  the zone it was read in (``tz``), so ``date.tz_convert(tz)`` gives the day back;
  ``precision`` says how much of it is meant (``day``, ``month``, ``year``, ``minute``).
- The zone is the one the text names (``GMT``, ``+03:00``, ``IR``, ``بتوقيت مكة``);
  otherwise Jalali dates are read in Asia/Tehran and Gregorian and Hijri dates in UTC
  (``calendar_zones`` in the data file).
- ``yyyy/mm/dd`` with a year in 1300-1499 is Jalali, or Hijri when a Hijri marker follows
  or the text is Arabic (``lang="ar"``).
- An impossible date (month 13, 30 February, Jalali 1402/13/40) is never shifted: it gives
  no row, and :func:`run` records a ``date-impossible`` problem. A Hijri 30th in a month
  that Umm al-Qura counts as 29 days is read as the day after the 29th (local sighting),
  with lower confidence.
- A stated date from a crawl-time field (``crawl_fields``, e.g. SaudiNewsNet's
  ``date_extracted``) gets role ``crawled`` and is never the publication date.
- Relative days (``اليوم السبت``, ``دیروز``) and a day and month without a year
  (``دوشنبه ۲۱ آبان``) have ``date`` NaT until :func:`run` resolves them against the
  publication date (the nearest such day); without one they stay NaT. Two-digit years
  (``فروردین ماه 97``) are not read.
- ``rule`` says which pattern read a date (``named:jalali``, ``numeric-ymd:hijri``,
  ``year:gregorian``, ``relative:امس``, ``stated:<field>``), with ``+paired`` for one half
  of a double dateline, ``+sighting`` and ``+weekday-mismatch`` when confidence was lowered.

>>> [(r["text"], str(r["date"]), r["calendar"], r["precision"]) for r in find_dates(
...     "تاريخ النشر: 24th, December 2023 GMT")]
[('24th, December 2023 GMT', '2023-12-24 00:00:00+00:00', 'gregorian', 'day')]
>>> r = find_dates("IR ۰۹:۳۰ - ۱۴۰۲/۰۳/۱۶", field="comment_date")[0]
>>> str(r["date"].tz_convert(r["tz"])), r["calendar"], r["precision"]
('2023-06-06 09:30:00+03:30', 'jalali', 'minute')
>>> [(r["text"], r["precision"], r["date"].year) for r in find_dates("اعتماد البيانات في ٢٠٢٥.")]
[('في ٢٠٢٥', 'year', 2025)]
>>> find_dates("موعد 30 فبراير 2023")
[]
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import ahocorasick
import hijridate
import jdatetime
import pandas as pd

from . import tables, textnorm

DATA_FILE = Path(__file__).parent / "data" / "dates.json"
STAGE = "dates"

_UTC = dt.UTC
_NOT_LETTER_AFTER = r"(?![^\W\d_])"
_NOT_LETTER_BEFORE = r"(?<![^\W\d_])"
_TOKEN = re.compile(r"[0-9]+|[^\W\d_]+|[^\w\s]")  # digit runs, words, punctuation
_GAP_STRIP = " ,.-|()\u060c:\u061b;/\n\t"
_WINDOW_BEFORE = 48  # weekday and day before a month name, or time before a numeric date
_WINDOW_AFTER = 60  # marker, time and zone after a year
_MONTH_BEFORE_YEAR = 40  # a month name (maybe two, "أكتوبر (تشرين الأول)") before its year
_SEPARATOR = re.compile(r"[/.-]")


@cache
def data() -> dict:
    """The contents of ``data/dates.json``.

    >>> sorted(data()["months"])
    ['gregorian', 'hijri', 'jalali']
    """
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def _norm(word: str) -> str:
    return textnorm.normalize(word).strip()


def _alt(words) -> str:
    """A regex matching any of ``words`` (longest first), built as a trie for speed.

    A flat alternation of a hundred month names is tried name by name at every position;
    the trie fails after one or two characters.

    >>> _alt(["مه", "مهر", "مارس"])
    'م(?:ارس|ه(?:ر)?)'
    >>> bool(re.fullmatch(_alt(["may", "march", "mar"]), "mar"))
    True
    """
    trie: dict = {}
    for word in {w for w in words if w}:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _trie_regex(trie)


def _trie_regex(node: dict) -> str:
    optional = "" in node
    branches = [re.escape(ch) + _trie_regex(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if optional else body


@dataclass(frozen=True)
class _Lexicon:
    months: dict[str, tuple[str, int]]
    ambiguous: frozenset[str]
    need_year: frozenset[str]
    weekdays: dict[str, int]
    day_words: dict[str, int]
    markers: dict[str, str]
    relative: dict[str, tuple[int, bool]]
    connectors: frozenset[str]
    published_cues: tuple[str, ...]
    updated_cues: tuple[str, ...]
    am: frozenset[str]
    pm: frozenset[str]
    zones: dict[str, str]
    calendar_zones: dict[str, str]
    crawl_fields: frozenset[str]
    year_ranges: dict[str, tuple[int, int]]
    bare_year_ranges: dict[str, tuple[int, int]]
    jalali_numeric: tuple[int, int]
    byline_chars: int


@cache
def _lexicon() -> _Lexicon:
    raw = data()
    months = {
        _norm(name): (cal, int(num))
        for cal, table in raw["months"].items()
        for num, names in table.items()
        for name in names
    }
    return _Lexicon(
        months=months,
        ambiguous=frozenset(_norm(w) for w in raw["ambiguous"]),
        need_year=frozenset(_norm(w) for w in raw["ambiguous"] + raw["need_year"]),
        weekdays={_norm(w): int(n) for n, names in raw["weekdays"].items() for w in names},
        day_words={_norm(w): int(n) for n, names in raw["day_words"].items() for w in names},
        markers={_norm(w): cal for cal, words in raw["markers"].items() for w in words},
        relative={
            _norm(w): (int(v["offset"]), bool(v["needs_weekday"]))
            for w, v in raw["relative"].items()
        },
        connectors=frozenset(_norm(w) for w in raw["connectors"]),
        published_cues=tuple(_norm(w) for w in raw["published_cues"]),
        updated_cues=tuple(_norm(w) for w in raw["updated_cues"]),
        am=frozenset(_norm(w) for w in raw["am_pm"]["am"]),
        pm=frozenset(_norm(w) for w in raw["am_pm"]["pm"]),
        zones={_norm(w): z for w, z in raw["time_zones"].items()},
        calendar_zones=dict(raw["calendar_zones"]),
        crawl_fields=frozenset(f.casefold() for f in raw["crawl_fields"]),
        year_ranges={c: (lo, hi) for c, (lo, hi) in raw["year_ranges"].items()},
        bare_year_ranges={c: (lo, hi) for c, (lo, hi) in raw["bare_year_ranges"].items()},
        jalali_numeric=tuple(raw["jalali_numeric_years"]),
        byline_chars=int(raw["byline_chars"]),
    )


@dataclass(frozen=True)
class _Patterns:
    named: re.Pattern
    month_first: re.Pattern
    numeric: re.Pattern
    bare_year: re.Pattern
    relative: re.Pattern
    weekday_after: re.Pattern
    month: re.Pattern
    yearless: re.Pattern
    day_month: re.Pattern
    # Where named, month_first, numeric and yearless can begin (by name): see _Openers.
    # Not by pattern: hashing a compiled pattern hashes its code, microseconds each time.
    openers: dict[str, _Openers]
    # Whether a day_month match holds digits only at its start (no month name, ordinal
    # suffix or link word of the data file holds one).
    day_month_digits_first: bool


@dataclass(frozen=True)
class _Openers:
    """Where a match of a pattern can begin: at one of the words it can open with.

    ``head`` matches the first character of such a word where the word begins; ``scan``
    also requires a token to start there. A pattern is tried only at these places.
    ``reach`` is the length of the longest word.
    """

    head: re.Pattern
    scan: re.Pattern
    reach: int


def _openers(*word_lists) -> _Openers:
    """The openers of a pattern that begins with one of the words in ``word_lists``.

    >>> o = _openers(["مهر", "may"], ["دی"], "0123456789")
    >>> [m.start() for m in o.scan.finditer("مهر ومهر 12 mayor maximum")]
    [0, 9, 12]
    >>> bool(o.head.match("ومهر", 1)), bool(o.head.match("مه", 0))
    (True, False)
    """
    rests: dict[str, set[str]] = {}
    for words in word_lists:
        for word in words:
            if word and _TOKEN.match(word[0]):  # other characters never start a token
                rests.setdefault(word[0], set()).add(word[1:])
    if not rests:
        never = re.compile("(?!)")
        return _Openers(never, never, 0)
    head = "(?:" + "|".join(
        re.escape(first) + ("" if "" in rest else f"(?={_alt(rest)})")
        for first, rest in sorted(rests.items())
    ) + ")"
    # A token starts at a digit after a non-digit, at a letter after a non-letter, and at
    # any other mark (the classes of _TOKEN). Consuming the first character lets the regex
    # engine skip quickly to the next place holding one.
    scan = re.compile(head + r"(?<![0-9]{2})(?<![^\W\d_]{2})")
    reach = 1 + max(len(r) for rest in rests.values() for r in rest)
    return _Openers(re.compile(head), scan, reach)


@cache
def _patterns() -> _Patterns:
    lex = _lexicon()
    raw = data()
    nl, pl = _NOT_LETTER_AFTER, _NOT_LETTER_BEFORE
    wd = _alt(lex.weekdays)
    prefixes = _alt(_norm(w) for w in raw["weekday_prefixes"])
    ords = _alt(raw["ordinal_suffixes"])
    mon = _alt(lex.months)
    en_mon = _alt(k for k, (cal, _) in lex.months.items() if cal == "gregorian" and k.isascii())
    marks = _alt(lex.markers)
    ampm = _alt(lex.am | lex.pm)
    zones = _alt(lex.zones)
    weekday = rf"{pl}(?:(?:{prefixes}) )?(?P<wd>{wd}){nl}\.?[ ,]*"
    day_words = _alt(lex.day_words)
    links = _alt(_norm(w) for w in raw["day_word_links"])
    month_suffix = _alt(_norm(w) for w in raw["month_suffixes"])
    year_prefix = _alt(_norm(w) for w in raw["year_prefixes"])
    time_links = _alt(_norm(w) for w in raw["time_links"])
    marker = rf"(?:[ ]?(?P<mk>{marks})(?![^\W\d_.]))?"
    time = (
        rf"(?:(?:t|[ ,]*(?:[-|\u2013]|{time_links})?[ ]*)"
        r"(?P<H>(?<!\d)\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?(?!\d)"
        rf"(?:[ ]?(?P<ap>{ampm}){nl})?)?"
    )
    zone = (
        rf"(?:[ ]?(?P<tz>(?:gmt|utc)[ ]?[+-]\d{{1,2}}(?::?\d{{2}})?|[+-]\d{{2}}:?\d{{2}}"
        rf"|(?:{zones}){nl}))?"
    )
    tail = marker + time + zone
    year = r"(?P<y>(?<!\d)\d{4})(?!\d)"
    named = (
        rf"(?:{weekday})?"
        rf"(?:(?:(?P<d>(?<!\d)0?\d{{1,2}})(?:{ords})?|{pl}(?P<dw>{day_words}){nl})"
        rf"[ ,]*(?:(?:{links}) )?)?"
        rf"{pl}(?P<mon>{mon})(?:[ ]?(?:{month_suffix}))?{nl}"
        rf"(?:[ ]?[/(-]?[ ]?(?P<mon2>{mon})\)?{nl})?"
        rf"[ ,]*(?:(?:{year_prefix})[ ]?)?{year}{tail}"
    )
    yearless = (
        rf"(?:{weekday})?"
        rf"(?:(?P<d>(?<!\d)0?\d{{1,2}})(?:{ords})?|{pl}(?P<dw>{day_words}){nl})"
        rf"[ ,]*(?:(?:{links}) )?"
        rf"{pl}(?P<mon>{mon})(?:[ ]?(?:{month_suffix}){nl})?+{nl}"  # possessive: never
        rf"(?![ ,]*(?:(?:{year_prefix})[ ]?)?[0-9])"  # drop "ماه" to dodge a 2-digit year
    )
    month_first = (
        rf"(?:{weekday})?{pl}(?P<mon>{en_mon})\.?[ ]?(?P<d>\d{{1,2}})(?:{ords})?{nl},?[ ]?"
        rf"{year}{tail}"
    )
    numeric = (
        rf"(?:(?P<ptz>{zones})[ ]?)?"
        r"(?:(?P<pH>(?<!\d)\d{1,2}):(?P<pM>\d{2})(?::\d{2})?[ ]?[-|,]?[ ]?)?"
        rf"(?:{weekday})?"
        r"(?:(?P<y>(?<![\d/.])\d{4})(?P<s>[/.-])[ ]?(?P<m>\d{1,2})[ ]?(?P=s)[ ]?"
        r"(?P<d>\d{1,2})(?![\d/])"
        r"|(?P<d2>(?<![\d/.])\d{1,2})[ ]?(?P<s2>[/.-])[ ]?(?P<m2>\d{1,2})[ ]?(?P=s2)[ ]?"
        r"(?P<y2>\d{4})(?![\d/]))"
        + tail
    )
    cues = _alt(_norm(w) for w in raw["year_cues"])
    clitics = re.escape("".join(raw["clitics"]))
    word_start = rf"(?:{pl}|(?<=[{clitics}])(?<![^\W\d_][{clitics}]))"
    bare_year = rf"{word_start}(?P<cue>{cues})[ ]?(?P<y>\d{{4}})(?!\d|[/.:-]\d){marker}"
    relative = rf"(?P<rel>{_alt(lex.relative)}){nl}"
    weekday_after = re.compile(
        rf"[ ,]*(?:\([ ]?(?:(?:{prefixes}) )?(?P<wd>{wd}){nl}[ ]?\)"
        rf"|(?:(?:{prefixes}) )?(?P<wd2>{wd}){nl})"
    )
    compiled = {name: re.compile(pattern) for name, pattern in (
        ("named", named), ("month_first", month_first), ("numeric", numeric),
        ("yearless", yearless))}
    # What each pattern can open with (its optional groups skipped in turn): the weekday
    # with its prefix, a day number or day word, a month name, a zone or time before a
    # numeric date. A token starting with any other character cannot start a match.
    weekday_words = [*(_norm(w) for w in raw["weekday_prefixes"]), *lex.weekdays]
    digits = "0123456789"
    openers = {
        "named": _openers(weekday_words, digits, lex.day_words, lex.months),
        "month_first": _openers(weekday_words, [
            k for k, (cal, _) in lex.months.items() if cal == "gregorian" and k.isascii()]),
        "numeric": _openers(weekday_words, digits, lex.zones),
        "yearless": _openers(weekday_words, digits, lex.day_words),
    }
    return _Patterns(
        bare_year=re.compile(bare_year),
        relative=re.compile(relative),
        weekday_after=weekday_after,
        month=re.compile(rf"{pl}(?:{mon})(?:[ ]?(?:{month_suffix}))?{nl}"),
        day_month=re.compile(
            rf"[0-9]{{1,2}}(?![0-9])(?:{ords})?[ ,]*(?:(?:{links}) )?{pl}(?:{mon})"
        ),
        openers=openers,
        day_month_digits_first=not any(
            ch in "0123456789" for word in (*lex.months, *raw["ordinal_suffixes"],
                                             *(_norm(w) for w in raw["day_word_links"]))
            for ch in word),
        **compiled,
    )


class _Impossible(ValueError):
    """A date that no calendar has (month 13, 30 February)."""


@lru_cache(maxsize=1 << 16)  # news names the same days again and again
def to_gregorian(calendar: str, year: int, month: int, day: int) -> tuple[dt.date, bool]:
    """The Gregorian day of a date in ``calendar``, and whether it was read by local sighting.

    Raises ``ValueError`` for an impossible date and ``OverflowError`` outside the range
    the calendar library covers.

    >>> to_gregorian("jalali", 1375, 4, 3)
    (datetime.date(1996, 6, 23), False)
    >>> to_gregorian("hijri", 1445, 6, 11)
    (datetime.date(2023, 12, 24), False)
    >>> to_gregorian("jalali", 1402, 13, 40)
    Traceback (most recent call last):
    ...
    ValueError: month must be in 1..12
    """
    if calendar == "gregorian":
        return dt.date(year, month, day), False
    if calendar == "jalali":
        return jdatetime.date(year, month, day, locale=_JALALI_LOCALE).togregorian(), False
    if calendar == "hijri":
        try:
            return _hijri(year, month, day), False
        except ValueError:
            if day == 30 and 1 <= month <= 12:
                return _hijri(year, month, 29) + dt.timedelta(days=1), True
            raise
    raise ValueError(f"unknown calendar {calendar!r}")


def _hijri(year: int, month: int, day: int) -> dt.date:
    return dt.date(*hijridate.Hijri(year, month, day).to_gregorian().datetuple())


# Naming the locale spares jdatetime two system locale look-ups per date; only its month
# and weekday names depend on it, never the calendar arithmetic.
_JALALI_LOCALE = jdatetime.FA_LOCALE


@cache
def _zone(name: str) -> dt.tzinfo:
    if name == "UTC":
        return _UTC
    if name.startswith(("+", "-")):
        sign = -1 if name[0] == "-" else 1
        hours, minutes = int(name[1:3]), int(name[4:6])
        return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    return ZoneInfo(name)


def _offset_zone(raw: str) -> str | None:
    """``+03:00``, ``gmt+3``, ``+0330`` -> an IANA ``Etc/GMT-3`` zone or ``+03:30``."""
    m = re.search(r"([+-])(\d{1,2})(?::?(\d{2}))?$", raw)
    if not m:
        return None
    sign, hours, minutes = m.group(1), int(m.group(2)), int(m.group(3) or 0)
    if hours > 14 or minutes >= 60:
        return None
    if minutes == 0:
        return "UTC" if hours == 0 else f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"
    return f"{sign}{hours:02d}:{minutes:02d}"


@dataclass(slots=True)
class _Found:
    """One date expression read from the key, before conversion."""

    kstart: int
    kend: int
    calendar: str
    year: int
    month: int | None
    day: int | None
    time: tuple[int, int, int] | None
    tz: str | None
    weekday: int | None
    rule: str
    confidence: float
    offset: int | None = None
    yearless: bool = False


def _time(m: re.Match, h: str = "H", mi: str = "M", s: str = "S", ap: str | None = "ap"):
    if m.group(h) is None:
        return None
    hour, minute = int(m.group(h)), int(m.group(mi))
    second = int(m.group(s) or 0) if s and m.group(s) else 0
    mark = m.group(ap) if ap else None
    lex = _lexicon()
    if mark in lex.pm and hour < 12:
        hour += 12
    elif mark in lex.am and hour == 12:
        hour = 0
    return hour, minute, second


def _tz_of(m: re.Match, *names: str) -> str | None:
    lex = _lexicon()
    for name in names:
        raw = m.group(name)
        if raw:
            if raw in lex.zones:
                return lex.zones[raw]
            return _offset_zone(raw.replace(" ", ""))
    return None


def _weekday(m: re.Match) -> int | None:
    raw = m.group("wd")
    return _lexicon().weekdays.get(raw) if raw else None


def _in_range(calendar: str, year: int, ranges: dict[str, tuple[int, int]]) -> bool:
    lo, hi = ranges[calendar]
    return lo <= year <= hi


def _read_named(m: re.Match, month_first: bool = False) -> _Found | None:
    lex = _lexicon()
    cal, month = lex.months[m.group("mon")]
    if not month_first and m.group("mon2"):
        cal2, month2 = lex.months[m.group("mon2")]
        if month2 != month or cal2 != cal:
            return None
    day = int(m.group("d")) if m.group("d") else None
    if not month_first and m.group("dw"):
        day = lex.day_words[m.group("dw")]
    if day is None and m.group("mon") in lex.ambiguous:
        return None
    year = int(m.group("y"))
    if not _in_range(cal, year, lex.year_ranges):
        return None
    mark = lex.markers.get(m.group("mk") or "")
    confidence = 0.9 if day else 0.8
    if mark and mark != cal:
        confidence -= 0.3
    rule = f"{'mdy' if month_first else 'named'}:{cal}"
    return _Found(
        m.start(), m.end(), cal, year, month, day, _time(m), _tz_of(m, "tz"), _weekday(m),
        rule, confidence,
    )


def _read_month_first(m: re.Match) -> _Found | None:
    """:func:`_read_named` for the English month-first form (``August 16, 2017``)."""
    return _read_named(m, month_first=True)


def _read_yearless(m: re.Match) -> _Found | None:
    """A day and month without a year (۲۱ آبان): resolved later against the publication date."""
    lex = _lexicon()
    if m.group("mon") in lex.need_year:
        return None
    cal, month = lex.months[m.group("mon")]
    day = int(m.group("d")) if m.group("d") else lex.day_words[m.group("dw")]
    return _Found(
        m.start(), m.end(), cal, 0, month, day, None, None, _weekday(m),
        f"named-no-year:{cal}", 0.6, yearless=True,
    )


def _read_numeric(m: re.Match, lang: str | None) -> _Found | None:
    lex = _lexicon()
    if m.group("y"):
        year, month, day, rule = int(m.group("y")), int(m.group("m")), int(m.group("d")), "ymd"
    else:
        year, month, day, rule = int(m.group("y2")), int(m.group("m2")), int(m.group("d2")), "dmy"
        if month > 12 >= day and m.group("s2") == "/":
            month, day, rule = day, month, "mdy"
    mark = lex.markers.get(m.group("mk") or "")
    lo, hi = lex.jalali_numeric
    if mark:
        cal = mark
    elif lo <= year <= hi:
        cal = "hijri" if lang == "ar" else "jalali"
    else:
        cal = "gregorian"
    if not _in_range(cal, year, lex.year_ranges):
        return None
    time = _time(m) or _time(m, "pH", "pM", "", None)
    return _Found(
        m.start(), m.end(), cal, year, month, day, time, _tz_of(m, "tz", "ptz"), _weekday(m),
        f"numeric-{rule}:{cal}", 0.8,
    )


def _read_bare_year(m: re.Match, lang: str | None) -> _Found | None:
    lex = _lexicon()
    year = int(m.group("y"))
    mark = lex.markers.get(m.group("mk") or "")
    if mark:
        cal = mark
    elif _in_range("gregorian", year, lex.bare_year_ranges):
        cal = "gregorian"
    elif lang == "fa":
        cal = "jalali"
    else:
        return None
    if not _in_range(cal, year, lex.bare_year_ranges):
        return None
    return _Found(m.start(), m.end(), cal, year, None, None, None, None, None, f"year:{cal}", 0.6)


@cache
def _persian_letters() -> re.Pattern:
    return re.compile(f"[{re.escape(data()['persian_letters'])}]")


def _word_start(key: str, pos: int) -> bool:
    """Whether a word starts at ``pos``, allowing a conjunction و/ف glued before it."""
    if pos == 0 or not key[pos - 1].isalpha():
        return True
    clitics = data()["clitics"]
    return key[pos - 1] in clitics and (pos == 1 or not key[pos - 2].isalpha())


def _read_relative(key: str, m: re.Match) -> _Found | None:
    lex = _lexicon()
    if not _word_start(key, m.start()):
        return None
    offset, needs_weekday = lex.relative[m.group("rel")]
    end, weekday = m.end(), None
    after = _patterns().weekday_after.match(key, end)
    if after:
        end, weekday = after.end(), lex.weekdays[after.group("wd") or after.group("wd2")]
    elif needs_weekday:
        return None
    return _Found(
        m.start(), end, "gregorian", 0, None, None, None, None, weekday,
        f"relative:{m.group('rel')}", 0.7, offset,
    )


def _marks(key: str) -> tuple[list[tuple[int, int]], list[int]]:
    """The spans of the runs of digits in the key, and where relative-day words begin.

    Every date form holds one or the other (a year, a day number, ``امروز``), so the rules
    run only around them. One pass of an Aho-Corasick automaton finds both.

    >>> _marks(textnorm.normalize("في 12 آبان 1402 وأمس"))
    ([(3, 5), (11, 15)], [17])
    """
    runs: list[tuple[int, int]] = []
    words: set[int] = set()
    start = end = -1
    for last, length in _mark_automaton().iter(key):  # this loop runs for every digit
        if length:
            words.add(last - abs(length) + 1)
            if length > 0:
                continue
        if last != end:
            if start >= 0:
                runs.append((start, end))
            start = last
        end = last + 1
    if start >= 0:
        runs.append((start, end))
    return runs, sorted(words)


@cache
def _mark_automaton() -> ahocorasick.Automaton:
    """Digits (0), and the relative-day words of the key (their length; negated for a word
    that is a digit too): one plain number, unpacked fastest for every digit of a corpus."""
    automaton = ahocorasick.Automaton()
    marks = dict.fromkeys("0123456789", 0)
    for word in _lexicon().relative:
        if word:
            marks[word] = -len(word) if word in marks else len(word)
    for word, value in marks.items():
        automaton.add_word(word, value)
    automaton.make_automaton()
    return automaton


@cache
def _year_bounds() -> tuple[int, int]:
    ranges = _lexicon().year_ranges.values()
    return min(r[0] for r in ranges), max(r[1] for r in ranges)


def _candidates(key: str, lang: str | None) -> list[_Found]:
    """Date expressions in the key, leftmost-longest, not overlapping.

    One scan finds the runs of digits and the relative-day words. Every dated form has a
    year: for each run of four
    digits that can be one, each family's regex is tried only at the starts of the few
    words before it (a regex that begins with optional groups is slow to scan along a text,
    but quick to try at one position), and the month-name families only where the trie of
    month names finds a month before it. A day and month without a year starts with a day
    number, so it is tried only at the runs of digits.
    """
    found: list[_Found] = []
    runs, words = _marks(key)
    if runs:
        _dated(key, lang, runs, found)
        _yearless(key, runs, found)
    if words:
        found.extend(item for m in _relative_matches(key, words)
                     if (item := _read_relative(key, m)) is not None)
    return _leftmost_longest(found) if len(found) > 1 else found


def _relative_matches(key: str, starts: list[int]) -> list[re.Match]:
    """The matches of the ``relative`` pattern along the key, as ``finditer`` gives them.

    A match begins where one of the words does (``starts``, in order), so the pattern is
    tried only there, not overlapping the previous match, as a scan would.

    >>> key = textnorm.normalize("قال أمس، وأول أمس")
    >>> [m.group() for m in _relative_matches(key, _marks(key)[1])]
    ['امس', 'اول امس']
    """
    pattern, end, out = _patterns().relative, 0, []
    for start in starts:
        if start >= end and (m := pattern.match(key, start)) is not None:
            end = m.end()
            out.append(m)
    return out


def _dated(key: str, lang: str | None, runs: list[tuple[int, int]], found: list[_Found]) -> None:
    """Append to ``found`` the date expressions around each year among the digit ``runs``."""
    pats = _patterns()
    month, named, month_first, numeric = pats.month, pats.named, pats.month_first, pats.numeric
    opens = pats.openers
    cue_ends = _year_cue_ends()
    n = len(key)
    y_lo, y_hi = _year_bounds()
    for p, end in runs:
        if end - p != 4 or not y_lo <= int(key[p:end]) <= y_hi:
            continue
        first = month.search(key, max(0, p - _MONTH_BEFORE_YEAR), p)
        if first is not None:
            lo = max(0, first.start() - _WINDOW_BEFORE)
            _first_match(key, named, opens["named"], lo, p, found, _read_named)
            # The months after the first, as finditer would go on from it.
            if first.group().isascii() or any(
                    h.group().isascii() for h in month.finditer(key, first.end(), p)):
                _first_match(key, month_first, opens["month_first"], lo, p, found,
                             _read_month_first)
        if _SEPARATOR.search(key, max(0, p - 3), min(n, p + 7)):
            _first_match(key, numeric, opens["numeric"], max(0, p - _WINDOW_BEFORE), p, found,
                         _read_numeric, lang)
        if key.endswith(cue_ends, 0, p):  # bare_year puts its cue right before y
            lo, hi = max(0, p - 24), min(n, p + 30)  # short: the cue word, the year, a marker
            found.extend(item for m in pats.bare_year.finditer(key, lo, hi) if m.start("y") == p
                         and (item := _read_bare_year(m, lang)) is not None)


def _first_match(key: str, pattern: re.Pattern, openers: _Openers, lo: int, year: int,
                 found: list[_Found], read: Callable[..., _Found | None], *args) -> None:
    """Append to ``found`` what ``read`` makes of the match of ``pattern`` starting earliest in
    ``[lo, year]`` that holds the year at ``year`` (if it reads as a date).

    Tried where the pattern's ``openers`` let a token begin it, in order, as
    :func:`_token_starts` gives them (written out here: this runs for every year of a corpus).
    """
    n = len(key)
    hi = min(n, year + 4 + _WINDOW_AFTER)
    m = pattern.match(key, lo, hi) if lo <= year and openers.head.match(key, lo) else None
    if m is None or m.end() <= year:
        for t in openers.scan.finditer(key, lo + 1, year + openers.reach):
            start = t.start()
            if start > year:
                return
            m = pattern.match(key, start, hi)
            if m is not None and m.end() > year:
                break
        else:
            return
    if m.end() == hi < n:
        m = pattern.match(key, m.start()) or m
    item = read(m, *args)
    if item is not None:
        found.append(item)


@cache
def _year_cue_ends() -> tuple[str, ...]:
    """How the key ends before a bare year: a year cue, maybe with a space.

    >>> "در سال " in _year_cue_ends()
    True
    """
    cues = {c for c in (_norm(w) for w in data()["year_cues"]) if c}
    return tuple(sorted(cues | {c + " " for c in cues}))


def _yearless(key: str, runs: list[tuple[int, int]], found: list[_Found]) -> None:
    """Append to ``found`` the days and months without a year (``۲۱ آبان``) not inside a date."""
    pats = _patterns()
    n = len(key)
    openers = pats.openers["yearless"]
    covered = None
    for h in _day_month_matches(key, runs):
        q = h.start()
        if q and key[q - 1].isdigit():
            continue
        if covered is None:  # the dates found before this loop began
            covered = [(f.kstart, f.kend) for f in found]
        if any(a <= q < b for a, b in covered):
            continue
        for t in _token_starts(key, openers, max(0, q - _WINDOW_BEFORE), q):
            m = pats.yearless.match(key, t, min(n, h.end() + _WINDOW_AFTER))
            if m is not None and m.end() >= h.end():
                if (item := _read_yearless(m)) is not None:
                    found.append(item)
                break


def _token_starts(key: str, openers: _Openers, lo: int, last: int) -> Iterator[int]:
    """The starts in ``[lo, last]``, in order, of the tokens (``_TOKEN.finditer(key, lo,
    last + 1)``) where a pattern with these ``openers`` can begin: a token starting with
    another character cannot begin a match, so no regex need be tried there.

    Lazy: the caller stops at its first match, and the scan goes no further.

    >>> key = "قال: 12 مهر"
    >>> [t.start() for t in _TOKEN.finditer(key, 1, 11)]
    [1, 3, 5, 8]
    >>> list(_token_starts(key, _openers(["مهر"], "0123456789"), 1, 10))
    [5, 8]
    """
    if lo <= last and openers.head.match(key, lo):  # a token starts at lo
        yield lo
    # The scan may look past last at the rest of a word, but need not go further.
    for m in openers.scan.finditer(key, lo + 1, last + openers.reach):
        t = m.start()
        if t > last:
            return
        yield t


def _day_month_matches(key: str, runs: list[tuple[int, int]]) -> list[re.Match]:
    """The matches of the ``day_month`` pattern along the key that begin a run of digits of
    at most two, as ``finditer`` gives them (others hold no day).

    A match begins with one or two digits that end a run of digits, so only the last two
    positions of each run are tried, in order and not overlapping the previous match. When
    the rest of a match holds no digit, no match reaches the next run, and the start of each
    short run is all there is to try.

    >>> key = textnorm.normalize("12 آبان و 2013 مهر")
    >>> [m.group() for m in _day_month_matches(key, _marks(key)[0])]
    ['12 ابان']
    """
    pats = _patterns()
    pattern, end, out = pats.day_month, 0, []
    if pats.day_month_digits_first:
        return [m for s, e in runs if e - s <= 2 and (m := pattern.match(key, s)) is not None]
    for s, e in runs:
        for q in range(max(s, e - 2, end), e):
            if (m := pattern.match(key, q)) is not None:
                end = m.end()
                if q == s and e - s <= 2:
                    out.append(m)
                break
    return out


def _leftmost_longest(found: list[_Found]) -> list[_Found]:
    found.sort(key=lambda f: (f.kstart, -(f.kend - f.kstart), -f.confidence))
    kept: list[_Found] = []
    for item in found:
        if not kept or item.kstart >= kept[-1].kend:
            kept.append(item)
    return kept


_Read = dict[tuple[str, str | None], list[tuple[_Found, int, int]]]


def _found(text: str, lang: str | None, read: _Read | None = None
           ) -> list[tuple[_Found, int, int]]:
    """Date expressions in ``text``, read on its key, with their offsets in ``text``.

    ``read`` holds those of texts read beforehand (:func:`_read_all`).
    """
    if read is not None and (done := read.get((text, lang))) is not None:
        return done
    return _with_spans(textnorm.keyed(text), lang)


def _with_spans(keyed: textnorm.Keyed, lang: str | None) -> list[tuple[_Found, int, int]]:
    return [(f, *keyed.span(f.kstart, f.kend)) for f in _candidates(keyed.key, lang)]


def _read_all(texts: list[tuple[str, str | None]]) -> _Read:
    """:func:`_found` of every ``(text, lang)``: first every key, then every reading.

    Doing one kind of work at a time keeps the regex engine's patterns in the processor's
    caches: measured a fifth faster than keying and reading each text in turn.
    """
    keys: dict[tuple[str, str | None], textnorm.Keyed] = {}
    for job in dict.fromkeys(texts):
        try:
            keys[job] = textnorm.keyed(job[0])
        except Exception:  # noqa: BLE001 - left out: read and reported in the article's turn
            continue
    read: _Read = {}
    for job, keyed in keys.items():
        try:
            read[job] = _with_spans(keyed, job[1])
        except Exception:  # noqa: BLE001 - left out: read and reported in the article's turn
            continue
    return read


@lru_cache(maxsize=1 << 16)
def _instant(day: dt.date, time: tuple[int, int, int] | None, tz: str) -> pd.Timestamp:
    hour, minute, second = time or (0, 0, 0)
    local = dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=_zone(tz))
    return pd.Timestamp(local.astimezone(_UTC))


def _scan(
    text: str, field: str, lang: str | None, read: _Read | None = None
) -> tuple[list[dict], list[tuple[str, str]]]:
    """Rows for every date in ``text`` and ``(reason, detail)`` for every rejected one."""
    if not isinstance(text, str) or not text or text.isspace():  # not text.strip(): no copy
        return [], []
    lang = _scan_lang(text, lang)
    zones = _lexicon().calendar_zones
    rows: list[dict] = []
    problems: list[tuple[str, str]] = []
    for f, start, end in _found(text, lang, read):
        surface = text[start:end]
        weekday, time = f.weekday, f.time
        if f.offset is not None:  # each row is built whole: a dict grown key by key is slower
            rows.append({
                "text": surface, "field": field, "start": start, "end": end,
                "calendar": f.calendar, "tz": None, "role": "mentioned", "rule": f.rule,
                "confidence": f.confidence, "_weekday": weekday, "_time": time is not None,
                "date": None, "precision": "day", "_offset": f.offset,
            })
            continue
        tz = f.tz or zones[f.calendar]
        if f.yearless:
            rows.append({
                "text": surface, "field": field, "start": start, "end": end,
                "calendar": f.calendar, "tz": tz, "role": "mentioned", "rule": f.rule,
                "confidence": f.confidence, "_weekday": weekday, "_time": time is not None,
                "date": None, "precision": "day", "_yearless": (f.month, f.day),
            })
            continue
        precision = "year" if f.month is None else "month" if f.day is None else "day"
        try:
            day, sighted = to_gregorian(f.calendar, f.year, 1 if f.month is None else f.month,
                                        1 if f.day is None else f.day)  # day 0 is no day 1
            if time and not (time[0] < 24 and time[1] < 60 and time[2] < 60):
                raise _Impossible(f"no such time {time[0]:02d}:{time[1]:02d}")
        except OverflowError as exc:
            problems.append(("date-out-of-range", f"{surface!r} in {field}: {exc}"))
            continue
        except ValueError as exc:
            problems.append(("date-impossible", f"{surface!r} in {field}: {exc}"))
            continue
        rule, confidence = f.rule, f.confidence
        if sighted:
            confidence -= 0.2
            rule += "+sighting"
        if precision == "day" and time:
            precision = "minute"
        if weekday is not None and precision in ("day", "minute") and day.weekday() != weekday:
            confidence -= 0.3
            rule += "+weekday-mismatch"
        rows.append({
            "text": surface, "field": field, "start": start, "end": end,
            "calendar": f.calendar, "tz": tz, "role": "mentioned", "rule": rule,
            "confidence": confidence, "_weekday": weekday, "_time": time is not None,
            "date": _instant(day, time, tz), "precision": precision, "_day": day,
        })
    if len(rows) > 1:
        problems.extend(_check_pairs(text, rows))
    return rows, problems


def _scan_lang(text: str, lang: str | None) -> str | None:
    """The language :func:`_scan` reads ``text`` in: a text with a Persian letter is Persian."""
    if lang is None:
        return "fa" if _persian_letters().search(text) else None
    return lang


def _check_pairs(text: str, rows: list[dict]) -> list[tuple[str, str]]:
    """Double datelines: two calendars side by side must name the same day (Hijri ±1)."""
    lex = _lexicon()
    problems = []
    for a, b in zip(rows, rows[1:], strict=False):
        if a["calendar"] == b["calendar"] or "_day" not in a or "_day" not in b:
            continue
        if a["precision"] not in ("day", "minute") or b["precision"] not in ("day", "minute"):
            continue
        gap = _key_between(text, a["end"], b["start"])
        if gap and gap not in lex.connectors:
            continue
        a["rule"] += "+paired"
        b["rule"] += "+paired"
        tolerance = 1 if "hijri" in (a["calendar"], b["calendar"]) else 0
        if abs((a["_day"] - b["_day"]).days) > tolerance:
            problems.append((
                "calendar-mismatch",
                f"{a['text']!r} ({a['calendar']}, {a['_day']}) and {b['text']!r} "
                f"({b['calendar']}, {b['_day']}) name different days",
            ))
    return problems


def _public(row: dict) -> dict:
    return {k: v for k, v in row.items() if k[0] != "_"}


def find_dates(text: str, field: str = "body", lang: str | None = None) -> list[dict]:
    """Every date expression in ``text``, as rows of the ``dates`` table (role ``mentioned``).

    ``text[start:end] == row["text"]``; ``lang`` ("ar", "fa") decides how a numeric
    ``yyyy/mm/dd`` with a year in 1300-1499 is read. Relative days have ``date`` NaT here
    (:func:`run` resolves them against the publication date).

    >>> rows = find_dates("بيروت 26 شوال 1436 هـ الموافق 11 اغسطس 2015 م واس")
    >>> [(r["text"], r["calendar"], str(r["date"].date())) for r in rows]
    [('26 شوال 1436 هـ', 'hijri', '2015-08-11'), ('11 اغسطس 2015 م', 'gregorian', '2015-08-11')]
    >>> [(r["text"], str(r["date"].date())) for r in find_dates("Wednesday, August 16, 2017")]
    [('Wednesday, August 16, 2017', '2017-08-16')]
    >>> r = find_dates("يكشنبه 3 تير 1375، 23 ژوئن 1996")[0]
    >>> r["text"], r["calendar"], str(r["date"].tz_convert(r["tz"]).date())
    ('يكشنبه 3 تير 1375', 'jalali', '1996-06-23')
    >>> [(r["text"], r["precision"]) for r in find_dates("في سبتمبر أيلول 2019")]
    [('سبتمبر أيلول 2019', 'month')]
    >>> [(r["text"], r["rule"]) for r in find_dates("التقى الوزير، اليوم السبت، مع")]
    [('اليوم السبت', 'relative:اليوم')]
    """
    rows = [_public(r) for r in _scan(text, field, lang)[0]]
    for row in rows:
        if row["date"] is None:
            row["date"] = pd.NaT
    return rows


_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2}|GMT|UTC)?",
    re.IGNORECASE,
)


def parse_stated(value: str, lang: str | None = None) -> dict | None:
    """Read a date that a record's format states (feed, JSON or XML field); None if unreadable.

    ISO 8601 and ``yyyy-mm-dd hh:mm:ss`` without a zone are UTC (as feeds and datasets
    state them); RFC 822 as written; Jalali ``1375/04/03`` in Asia/Tehran; anything else
    that :func:`find_dates` reads as one day.

    >>> p = parse_stated("Tue, 11 Aug 2015 13:45:09 GMT")
    >>> str(p["date"]), p["precision"], p["rule"]
    ('2015-08-11 13:45:09+00:00', 'minute', 'rfc822')
    >>> str(parse_stated("2014-09-23T03:48:23.977")["date"])
    '2014-09-23 03:48:23.977000+00:00'
    >>> p = parse_stated("1375/04/03")
    >>> p["calendar"], str(p["date"].tz_convert(p["tz"]).date())
    ('jalali', '1996-06-23')
    >>> str(parse_stated("1396/5/24 - 15:42")["date"])
    '2017-08-15 11:12:00+00:00'
    >>> parse_stated("138/5//09") is None
    True
    """
    return _parse_stated(value, lang)[0]


def _parse_stated(value: str, lang: str | None) -> tuple[dict | None, list[tuple[str, str]]]:
    if not isinstance(value, str) or not value.strip():
        return None, []
    text = textnorm.fold_digits(value.strip())
    m = _ISO.fullmatch(text)
    if m and not _in_range("jalali", int(m.group(1)), {"jalali": _lexicon().jalali_numeric}):
        try:
            stamp = pd.Timestamp(text.replace(" GMT", "Z").replace(" UTC", "Z"))
            if not pd.Timestamp.min.year < stamp.year < pd.Timestamp.max.year:
                raise ValueError(f"year {stamp.year} is outside the years a date can hold")
        except (ValueError, NotImplementedError, OverflowError) as exc:
            return None, [("date-impossible", f"{value!r}: {exc}")]
        tz = "UTC" if stamp.tzinfo is None else _offset_zone(str(stamp)[-6:]) or "UTC"
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        precision = "minute" if m.group(4) else "day"
        return _stated_row(value, stamp, "gregorian", tz, precision, "iso8601"), []
    if re.match(r"^[A-Za-z]{3},? +\d|^\d{1,2} [A-Za-z]{3} \d{4} \d", text):
        try:
            parsed = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            parsed = None
        if parsed is not None:
            tz = "UTC" if parsed.tzinfo is None else _offset_zone(parsed.strftime("%z")) or "UTC"
            stamp = pd.Timestamp(parsed)
            stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
            return _stated_row(value, stamp, "gregorian", tz, "minute", "rfc822"), []
    rows, problems = _scan(value, "date_stated", lang)
    for row in rows:
        if row["precision"] in ("day", "minute") and row["date"] is not None:
            return _stated_row(
                value, row["date"], row["calendar"], row["tz"], row["precision"], row["rule"]
            ), problems
    return None, problems


def _stated_row(value, stamp, calendar, tz, precision, rule) -> dict:
    return {
        "text": value, "date": stamp, "calendar": calendar, "tz": tz,
        "precision": precision, "rule": rule,
    }


def _str(value) -> str:
    return value if isinstance(value, str) else ""


def _key_between(text: str, start: int, end: int) -> str:
    """The key of ``text[start:end]`` (the text before or between dates), without separators
    at its ends: cut from the key of the whole text, which the batch shares.

    The key maps each character on its own and collapses runs of spaces, so the key of a
    slice is the run of key characters that come from it, except for a space that the
    whole key collapses into one before the slice: stripping drops it from both.
    ``test_key_between_is_the_key_of_the_slice`` holds textnorm to this.

    >>> _key_between("قال - الموافق 2015", 3, 14)
    'الموافق'
    """
    keyed = textnorm.keyed(text)
    lo, hi = keyed.offsets.searchsorted((start, end)).tolist()
    return keyed.key[lo:hi].strip(_GAP_STRIP)


def _byline_role(text: str, row: dict) -> str | None:
    """``published``/``updated`` for a dateline form at the top of a text, else None."""
    lex = _lexicon()
    if row["precision"] not in ("day", "minute") or row["start"] >= lex.byline_chars:
        return None
    start = row["start"]
    prefix = _key_between(text, text.rfind("\n", 0, start) + 1, start)  # its line up to it
    if prefix.endswith(lex.updated_cues):
        return "updated"
    if prefix.endswith(lex.published_cues):
        return "published"
    words = prefix.split()
    if words and words[-1] in _prepositions():
        return None  # "قال في 11 أغسطس 2015": a date the text talks about
    if len(words) <= 3 or row["_time"] or "+paired" in row["rule"]:
        return "published"
    return None


@cache
def _prepositions() -> frozenset[str]:
    """Single-word year cues (في, منذ, در, از ...): a date after one is a mention."""
    return frozenset(w for w in (_norm(c) for c in data()["year_cues"]) if " " not in w)


_TEXT_FIELDS = ("title", "body", "keywords")
_BYLINE_FIELDS = (("dateline", 1), ("author", 2))  # with the rank of their evidence
_SCANNED_FIELDS = (*(field for field, _ in _BYLINE_FIELDS), *_TEXT_FIELDS)


def _article_dates(
    rec: dict, read: _Read | None = None
) -> tuple[list[dict], list[tuple[str, str]], object, object]:
    """Date rows and problems of one article, and its publication instant and rule.

    ``read`` holds the dates of texts read beforehand (:func:`_read_all`).
    """
    lex = _lexicon()
    lang = _str(rec.get("lang")) or None
    rows: list[dict] = []
    problems: list[tuple[str, str]] = []
    evidence: list[tuple[int, pd.Timestamp, str, str]] = []

    stated = _str(rec.get("date_stated"))
    if stated.strip():
        date_field = _str(rec.get("date_field")) or "date_stated"
        parsed, probs = _parse_stated(stated, lang)
        problems.extend(probs)
        if parsed is None:
            if not probs:
                problems.append(("date-unreadable", f"stated date {stated!r} ({date_field})"))
        else:
            crawl = date_field.casefold() in lex.crawl_fields
            role = "crawled" if crawl else "published"
            rows.append({
                **parsed, "field": "date_stated", "start": 0, "end": len(stated),
                "role": role, "rule": f"stated:{date_field}", "confidence": 1.0,
            })
            if not crawl:
                evidence.append((0, parsed["date"], parsed["tz"], f"stated:{date_field}"))

    # A text read beforehand with no date in it gives no row and no problem: skipped here,
    # as _scan would find nothing in it (the texts of an article in a known language are
    # read in that language).
    known: _Read = read if read is not None and lang is not None else {}

    for field, rank in _BYLINE_FIELDS:
        text = _str(rec.get(field))
        if not known.get((text, lang), True):
            found, probs = [], []
        else:
            found, probs = _scan(text, field, lang, read)
        problems.extend(probs)
        if field == "dateline" and text.strip() and not found and not probs:
            problems.append(("date-unreadable", f"dateline {text.strip()!r} holds no date "
                             "that can be read"))
        for row in found:
            if row["precision"] in ("day", "minute") and row["date"] is not None:
                updated = _byline_role(text, row) == "updated"
                row["role"] = "updated" if updated else "published"
                if not updated:
                    evidence.append((rank, row["date"], row["tz"], f"{field}:{row['rule']}"))
            rows.append(row)

    for field in _TEXT_FIELDS:
        text = rec.get(field)
        if not isinstance(text, str) or not known.get((text, lang), True):
            continue
        found, probs = _scan(text, field, lang, read)
        problems.extend(probs)
        for row in found:
            role = _byline_role(text, row) if field == "body" else None
            if role and row["date"] is not None:
                row["role"] = role
                if role == "published":
                    evidence.append((3, row["date"], row["tz"], f"byline:{row['rule']}"))
            rows.append(row)

    evidence.sort(key=lambda e: e[0])
    published, rule = (evidence[0][1], evidence[0][3]) if evidence else (None, None)
    if evidence:
        zone = _zone(evidence[0][2])  # raises here, as ever, for a zone that does not exist
        local_day = None  # the publication's local day: few articles need it, and it is slow
        for row in rows:
            if local_day is None and ("_yearless" in row or "_offset" in row):
                local_day = evidence[0][1].tz_convert(zone).date()
            if "_yearless" in row:
                day = _nearest(row["calendar"], *row["_yearless"], local_day)
                if day is None:
                    problems.append(("date-impossible", f"{row['text']!r} in {row['field']}"))
                    row["_drop"] = True
                    continue
                row.update(date=_instant(day, None, row["tz"]), _day=day)
            elif "_offset" in row:
                tz = evidence[0][2]
                day = local_day + dt.timedelta(days=row["_offset"])
                row.update(tz=tz, date=_instant(day, None, tz), _day=day)
            else:
                continue
            if row["_weekday"] is not None and row["_weekday"] != day.weekday():
                row["confidence"] -= 0.3
                row["rule"] += "+weekday-mismatch"
    return [r for r in rows if "_drop" not in r], problems, published, rule


@lru_cache(maxsize=1 << 14)  # the same days recur across a corpus's articles
def _nearest(calendar: str, month: int, day: int, near: dt.date) -> dt.date | None:
    """The Gregorian day of ``day``/``month`` in ``calendar`` nearest to ``near``; None if none.

    >>> _nearest("jalali", 8, 21, dt.date(2018, 11, 12))
    datetime.date(2018, 11, 12)
    >>> _nearest("gregorian", 12, 30, dt.date(2024, 1, 2))
    datetime.date(2023, 12, 30)
    >>> _nearest("jalali", 8, 31, dt.date(2018, 11, 12)) is None
    True
    """
    if calendar == "jalali":
        year = jdatetime.date.fromgregorian(date=near, locale=_JALALI_LOCALE).year
    elif calendar == "hijri":
        year = hijridate.Gregorian(near.year, near.month, near.day).to_hijri().year
    else:
        year = near.year
    days = []
    for y in (year - 1, year, year + 1):
        try:
            days.append(to_gregorian(calendar, y, month, day)[0])
        except (ValueError, OverflowError):
            continue
    return min(days, key=lambda d: abs((d - near).days)) if days else None


def run(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Pipeline stage: add the ``dates`` table and fill ``articles.published``.

    Publication evidence, best first: a date the record states (``date_stated``; not a
    crawl time), the ``dateline``, a date in the ``author`` byline, a dateline form at the
    top of the body. No evidence leaves ``published`` NaT. Comment dates get role
    ``comment`` and are never publication dates. Never raises on bad text: a failure
    becomes a ``problems`` row with stage ``dates``.

    >>> arts = tables.frame("articles", [
    ...     {"doc_id": "a", "file": "f", "part": 0, "lang": "ar",
    ...      "body": "الرياض 11 أغسطس 2015 - قال الوزير أمس إن"},
    ...     {"doc_id": "b", "file": "f", "part": 1, "lang": "fa", "date_stated": "1375/04/03",
    ...      "date_field": "DATE"},
    ...     {"doc_id": "c", "file": "f", "part": 2, "lang": "ar", "body": "في 2025"}])
    >>> out = run({"articles": arts, "comments": tables.empty("comments"),
    ...            "problems": tables.empty("problems")})
    >>> out["articles"][["doc_id", "published_rule"]].fillna("-").values.tolist()
    [['a', 'byline:named:gregorian'], ['b', 'stated:DATE'], ['c', '-']]
    >>> d = out["dates"]
    >>> d[d["rule"] == "relative:امس"][["text", "date"]].astype(str).values.tolist()
    [['أمس', '2015-08-10 00:00:00+00:00']]
    """
    with textnorm.shared_keys():  # each text keyed once, then cut again by _key_between
        return _run(frames)


def _run(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """:func:`run` within its scope of shared keys."""
    articles = frames["articles"]
    comments = frames.get("comments")
    rows: list[dict] = []
    problems: list[dict] = []
    published: list[object] = []
    rules: list[object] = []
    where: dict[str | None, tuple[object, object, str | None]] = {}
    records = _records(articles, _ARTICLE_COLUMNS)
    texts = _texts(records)
    # The pipeline keys titles, bodies and keyword lines beforehand; the short fields that
    # only this stage reads are keyed here, all in one go rather than one by one.
    textnorm.prime([*(text for text, _ in texts), *_short_fields(records, comments)])
    read = _read_all(texts)
    for rec in records:
        doc_id = _str(rec.get("doc_id")) or None
        base = {"file": _str(rec.get("file")) or None, "part": _int(rec.get("part")),
                "doc_id": doc_id}
        where[doc_id] = (base["file"], base["part"], _str(rec.get("lang")) or None)
        try:
            found, probs, when, rule = _article_dates(rec, read)
        except Exception as exc:  # noqa: BLE001 - untrusted text must never stop the stage
            found, when, rule = [], None, None
            probs = [("dates-error", f"{type(exc).__name__}: {exc}")]
        for row in found:  # tables.frame drops the private "_" keys
            row["doc_id"] = doc_id
            rows.append(row)
        if probs:
            problems.extend({**base, "stage": STAGE, "reason": r, "detail": d} for r, d in probs)
        published.append(when)
        rules.append(rule)
    if comments is not None and len(comments):
        rows_c, probs_c = _comment_dates(comments, where)
        rows.extend(rows_c)
        problems.extend(probs_c)
    out_articles = articles.copy(deep=False)  # copy-on-write: the input stays as it was
    dtypes = tables.SCHEMAS["articles"]
    out_articles["published"] = pd.Series(
        pd.to_datetime(pd.Series(published, dtype="object"), utc=True).array,
        index=articles.index,
    ).astype(dtypes["published"])
    out_articles["published_rule"] = pd.Series(
        rules, index=articles.index, dtype=dtypes["published_rule"]
    )
    old = frames.get("problems")
    new_problems = tables.frame("problems", problems)
    all_problems = new_problems if old is None or not len(old) else pd.concat(
        [old, new_problems], ignore_index=True
    )
    return {**frames, "articles": out_articles, "dates": tables.frame("dates", rows),
            "problems": tables.frame("problems", all_problems)}


_ARTICLE_COLUMNS = ("doc_id", "file", "part", "lang", "date_stated", "date_field", "dateline",
                    "author", *_TEXT_FIELDS)


def _texts(records: list[dict]) -> list[tuple[str, str | None]]:
    """The texts :func:`_article_dates` scans in ``records``, each with the language it is
    read in."""
    out = []
    for rec in records:
        lang = _str(rec.get("lang")) or None
        for field in _SCANNED_FIELDS:
            text = _str(rec.get(field))
            if text and not text.isspace():
                out.append((text, _scan_lang(text, lang)))
    return out


def _short_fields(records: list[dict], comments: pd.DataFrame | None) -> list[str]:
    """The stated dates of ``records`` and the dates of ``comments``, as written."""
    out = [text for rec in records if isinstance(text := rec.get("date_stated"), str)]
    if comments is not None and "date_raw" in comments:
        out.extend(text for text in comments["date_raw"].tolist() if isinstance(text, str))
    return out


def _records(df: pd.DataFrame, columns) -> list[dict]:
    """Rows of ``df`` as dicts of plain values (much faster than ``to_dict("records")``)."""
    names = [c for c in columns if c in df.columns]
    if not names:
        return [{} for _ in range(len(df))]
    return [dict(zip(names, row, strict=True)) for row in zip(*(df[c].tolist() for c in names),
                                                              strict=True)]


def _int(value) -> int | None:
    if type(value) is int:
        return value
    return None if value is None or pd.isna(value) else int(value)


def _comment_dates(comments: pd.DataFrame, where: dict) -> tuple[list[dict], list[dict]]:
    rows, problems = [], []
    for rec in _records(comments, ("comment_id", "doc_id", "date_raw")):
        raw = _str(rec.get("date_raw"))
        if not raw.strip():
            continue
        doc_id = _str(rec.get("doc_id")) or None
        file, part, lang = where.get(doc_id, (None, None, None))
        try:
            found, probs = _scan(raw, "comment_date", lang)
        except Exception as exc:  # noqa: BLE001 - untrusted text must never stop the stage
            found, probs = [], [("dates-error", f"{type(exc).__name__}: {exc}")]
        if not found and not probs:
            probs = [("date-unreadable", f"comment date {raw!r}")]
        comment_id = _str(rec.get("comment_id")) or None
        for row in found:
            row.update(role="comment", rule=f"comment:{row['rule']}")
            row.update(doc_id=doc_id, comment_id=comment_id)
            rows.append(row)  # tables.frame drops the private "_" keys
        problems.extend(
            {"file": file, "part": part, "doc_id": doc_id, "stage": STAGE, "reason": r, "detail": d}
            for r, d in probs
        )
    return rows, problems
