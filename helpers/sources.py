"""Sources and attribution: the outlet, the agencies it relays, the media it cites, whom it quotes.

Names come from the registry ``data/outlets.csv``, cue words and patterns from
``data/source_cues.json``. One Aho-Corasick automaton over every spelling and every cue
word, run once on the normalised key of :mod:`helpers.textnorm`, finds where names and
cues can be; the patterns are tried only there (see ``_scan`` and ``_window_plan``), with
the same result as trying them on the whole text. A registry name alone is never an
attribution: it needs a cue (``به گزارش``, ``به نقل از``, ``وفقا لـ``, ``ذكرت صحيفة``,
``according to``...), a credit position (a byline or dateline at the top of the body or in
the author field, ``(رويترز)``), a source line (``المصدر: ...``) or what the record's format
states (source field, url).

Kinds: ``outlet`` (the article's publisher), ``agency`` (relayed, ``به نقل از``, or
credited in a byline, ``بكين - فرانس برس``), ``cited`` (media the text cites or talks to:
``وفقا لـ``, ``ذكرت صحيفة``, ``لـ"رويترز"``), ``quoted`` (people and bodies quoted). Rows of
one sentence are numbered in text order (``order``), so chains read left to right.
:func:`run` takes ``articles.outlet`` from the strongest evidence (``OUTLET_RULES``) and
relabels ``outlet`` rows naming another outlet as ``agency``. Names outside the registry
come out as written, with ``registry_id`` null.

>>> rows = find_sources("به گزارش مشرق به نقل از خبرگزاری سما، داوود شهاب، "
...                     "مسئول دفتر رسانه ای جنبش در بیانیه ای اعلام کرد که ...")
>>> [(r["name"], r["kind"], r["order"]) for r in rows]
[('mashregh', 'outlet', 0), ('sama', 'agency', 1), ('داوود شهاب', 'quoted', 2)]
>>> [(r["name"], r["kind"]) for r in find_sources('وفقا لـ"الجارديان"، فإن الوفد وصل')]
[('guardian', 'cited')]
>>> find_sources("زار مراسل رويترز القاهرة أمس")
[]
"""

from __future__ import annotations

import csv
import json
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import pairwise, repeat
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

try:
    from re import _parser as _sre  # the parsed form of a pattern, for the proofs below
except ImportError:  # Python < 3.11
    import sre_parse as _sre  # type: ignore[no-redef]

import ahocorasick
import pandas as pd
import pyarrow as pa

from . import tables as _tables
from . import textnorm

DATA = Path(__file__).parent / "data"
REGISTRY_FILE = DATA / "outlets.csv"
CUES_FILE = DATA / "source_cues.json"

#: Evidence for ``articles.outlet``, strongest first (values of ``articles.outlet_rule``).
OUTLET_RULES = ("stated", "url", "source-line", "byline", "formula")
_FORMULA_KIND = "formula"
_BYLINE_RULES = ("byline", "dateline")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_LETTER = re.compile(r"[^\W\d_]")
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|\n")
_SENTENCE_CHARS = re.compile(r"[.!?\n]")  # what a match of _SENTENCE_END starts with
_URL = re.compile(r"(?:https?://|www\.)[^\s\"]+")


@dataclass(frozen=True)
class Entry:
    """One spelling of a registry outlet in the automaton."""

    id: str
    kind: str  # the registry kind: agency, broadcaster, newspaper, website...
    strict: bool  # also a common word or place: needs a cue, a type word or quotes
    upper: bool  # an all-capital Latin abbreviation: must be written in capitals
    lil: bool = False  # the لل form (للجارديان): the preposition ل is part of the match


class _Hit(NamedTuple):
    start: int  # key offsets
    end: int
    entry: Entry
    prefix: str  # proclitic letters glued before the name (ل in لرويترز)


# ---------------------------------------------------------------------------- data


def _key(text: str) -> str:
    return textnorm.normalize(text).strip()


def _norm_pattern(pattern: str) -> str:
    """Normalise the Arabic/Persian runs of a regex, leaving escapes such as ``\\W`` alone."""
    return _NON_ASCII.sub(lambda m: textnorm.normalize(m.group()), pattern)


@cache
def cues() -> dict:
    """The cue file as written.

    >>> [c["id"] for c in cues()["cues"]][:2]
    ['fa-be-gozaresh', 'fa-dar-goftogu']
    """
    return json.loads(CUES_FILE.read_text(encoding="utf-8"))


@cache
def registry() -> pd.DataFrame:
    """The outlet registry, one row per outlet or agency, as in ``data/outlets.csv``.

    >>> reg = registry()
    >>> reg.loc["reuters", "kind"], "رويترز" in reg.loc["reuters", "names_ar"]
    ('agency', True)
    """
    with REGISTRY_FILE.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return pd.DataFrame(rows).fillna("").set_index("id", drop=False)


def _spellings(row: Mapping[str, str]) -> Iterable[tuple[str, bool]]:
    """(spelling, is_abbreviation) for every name of a registry row."""
    for col in ("names_ar", "names_fa"):
        for name in row[col].split("|"):
            if name.strip():
                yield name.strip(), False
    if row["name_en"].strip():
        yield row["name_en"].strip(), False
    for name in row["abbreviations"].split("|"):
        if name.strip():
            yield name.strip(), True


def _forms(spelling: str) -> list[str]:
    """The forms of a registry spelling whose keys are its variants (``(ال)``: with and
    without the article).

    >>> _forms("~(ال)جارديان "), _forms("فارس")
    (['الجارديان', 'جارديان'], ['فارس'])
    """
    spelling = spelling.lstrip("~").strip()
    if spelling.startswith("(ال)"):
        return ["ال" + spelling[4:], spelling[4:]]
    return [spelling]


def _variants(spelling: str, keys: Mapping[str, str] | None = None) -> list[tuple[str, bool]]:
    """Key variants of one spelling and whether each is strict; ``keys``: the key of each
    of its forms (see :func:`_keys`), if known.

    >>> sorted(k for k, _ in _variants("(ال)جارديان"))
    ['الجارديان', 'جارديان']
    >>> sorted(k for k, _ in _variants("أ ف ب"))
    ['ا . ف . ب', 'ا ف ب', 'ا. ف. ب', 'ا.ف.ب']
    >>> _variants("~فارس")
    [('فارس', True)]
    """
    strict = spelling.startswith("~")
    found = []
    for form in _forms(spelling):
        key = keys[form] if keys is not None else _key(form)
        parts = key.split(" ")
        if len(parts) > 1 and all(len(p) == 1 for p in parts):
            found += [key, ".".join(parts), ". ".join(parts), " . ".join(parts)]
        else:
            found.append(key)
    return [(k, strict) for k in dict.fromkeys(found) if k]




def _keys(texts: Iterable[str]) -> dict[str, str]:
    """:func:`_key` of each of ``texts``, normalised in one call (``textnorm.normalize_many``).

    >>> _keys(["خبرگزاری  فارس ", "أ ف ب", "a|b"])
    {'خبرگزاری  فارس ': 'خبرگزاري فارس', 'أ ف ب': 'ا ف ب', 'a|b': 'a|b'}
    """
    texts = list(dict.fromkeys(texts))
    keys = textnorm.normalize_many(texts)
    return {text: key.strip() for text, key in zip(texts, keys, strict=True)}


@cache
def _registry_keys() -> dict[str, Entry]:
    """Every key variant of every registry spelling and its entry (earlier rows win)."""
    rows = [(row, list(_spellings(row))) for row in registry().to_dict("records")]
    forms = _keys(form for _, names in rows for spelling, _ in names
                  for form in _forms(spelling))
    keys: dict[str, Entry] = {}
    for row, names in rows:
        for spelling, abbr in names:
            bare = spelling.lstrip("~")
            upper = abbr and bare.isascii() and bare.isupper() and len(bare) <= 5
            for key, strict in _variants(spelling, forms):
                keys.setdefault(key, Entry(row["id"], row["kind"], strict, upper))
                if key.startswith("ال") and not key.isascii():
                    # لل: the preposition ل swallows the alef of ال (للجارديان).
                    keys.setdefault("ل" + key[1:], Entry(row["id"], row["kind"], strict, upper,
                                                         lil=True))
    return keys


def _compact(key: str) -> str:
    return re.sub(r"[^0-9a-z\u0600-\u06ff]", "", key)


@cache
def _lookup_table() -> dict[str, str]:
    rows = []
    for row in registry().to_dict("records"):
        names = [row["id"]] + [s for s, _ in _spellings(row)]
        for domain in row["domains"].split("|"):
            domain = domain.strip().lower()
            if domain:
                names += [domain, domain.split(".")[0]]
        rows.append((row["id"], names))
    forms = _keys(form for _, names in rows for name in names for form in _forms(name))
    table: dict[str, str] = {}
    for rid, names in rows:
        for name in names:
            for key, _ in _variants(name, forms):
                for k in (key, _compact(key)):
                    table.setdefault(k, rid)
    return table


@cache
def _domain_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for row in registry().to_dict("records"):
        for domain in row["domains"].split("|"):
            if domain.strip():
                table.setdefault(domain.strip().lower(), row["id"])
    return table


def lookup(name: str | None) -> str | None:
    """The registry id of an outlet name, abbreviation, id, domain or dataset source id.

    >>> lookup("صدى البلد"), lookup("Mehr"), lookup("was"), lookup("al-jazirah")
    ('sada-elbalad', 'mehr', 'spa', 'aljazirah')
    >>> lookup("www.hamshahrionline.ir"), lookup("خبرگزاری فارس"), lookup("Nobody Daily")
    ('hamshahri', 'fars', None)
    """
    if not isinstance(name, str) or not name.strip():
        return None
    key = _key(name).strip("\"' ")
    table = _lookup_table()
    found = table.get(key) or table.get(_compact(key))
    if found is None and "." in key and " " not in key:
        found = domain_outlet(key)
    return found


def domain_outlet(url: str | None) -> str | None:
    """The registry id of the site of ``url`` (a url or a bare host).

    >>> domain_outlet("http://ru.shabestan.ir/mobile/detail/5397")
    'shabestan'
    >>> domain_outlet("https://www.farsnews.ir/news/8506280376"), domain_outlet("x.example")
    ('fars', None)
    """
    span = _domain_span(url)
    return None if span is None else span[2]


def _domain_span(url: str | None) -> tuple[int, int, str] | None:
    if not isinstance(url, str) or not url.strip():
        return None
    text = url.strip()
    origin = _ORIGIN.match(text)
    try:
        # The host depends on the netloc alone, and many urls share one: urlsplit of the
        # netloc is remembered. Tabs and newlines (which urlsplit deletes first) take the
        # general path.
        site = _netloc_site(origin.group(1)) if origin else _host_site(
            urlsplit(text if "//" in text else "//" + text).hostname or "")
    except ValueError:
        return None
    if site is None:
        return None
    domain, rid = site
    start = url.lower().find(domain)
    return start, start + len(domain), rid


#: scheme://netloc as urlsplit reads them: the netloc ends at the first / ? or #.
_ORIGIN = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://([^/?#\t\r\n]*)(?=[/?#]|\Z)")


@lru_cache(maxsize=4096)
def _netloc_site(netloc: str) -> tuple[str, str] | None:
    """:func:`_host_site` of the host of ``scheme://netloc...`` (urlsplit raises the same
    ValueError for a bad netloc whatever comes before or after it).

    >>> _netloc_site("user@www.FarsNews.ir:443")
    ('farsnews.ir', 'fars')
    """
    return _host_site(urlsplit("//" + netloc).hostname or "")


def _host_site(host: str) -> tuple[str, str] | None:
    """The registry domain ending ``host`` (the longest) and its outlet id, or None."""
    labels = host.lower().split(".")
    table = _domain_table()
    for i in range(len(labels) - 1):
        domain = ".".join(labels[i:])
        if domain in table:
            return domain, table[domain]
    return None


# ---------------------------------------------------------------------------- cues


@dataclass(frozen=True)
class _Config:
    proclitics: frozenset[str]
    longest_proclitic: int
    type_words: tuple[str, ...]
    type_words_by_end: dict[str, tuple[str, ...]]  # the type words ending with each character
    separators: str
    dashes: str
    zone: int
    window: int
    max_words: int
    stops: tuple[str, ...]
    end_chars: str
    not_names: frozenset[str]
    dateline_tail: re.Pattern
    source_line: re.Pattern
    source_line_needs: re.Pattern | None
    cues: tuple[tuple[dict, _Cue, re.Pattern | None], ...]
    quoted: tuple[tuple[dict, _Cue, re.Pattern | None], ...]
    quoted_stops: tuple[str, ...]
    quoted_not_names: frozenset[str]
    type_rx: re.Pattern
    type_ends: tuple[frozenset[str], frozenset[str]] | None  # first and last characters
    end_rx: re.Pattern
    reporter: str


_WORD_START = ("(?<![^\\W\\d_])", "(?<![\\w])", "(?<!\\w)")


class _Cue:
    """A compiled cue pattern.

    A leading word-start lookbehind is checked in Python instead, and a pattern with
    ``starts`` (the literal words its matches begin with) is tried only where one of them
    occurs: ``str.find`` scans for them far faster than the regex engine tries a pattern at
    every position. A glued و or ف before the start is allowed (وذكرت, فبحسب).
    """

    def __init__(self, pattern: str, starts: Iterable[str] = ()) -> None:
        self.word_start = pattern.startswith(_WORD_START)
        if self.word_start:
            pattern = pattern[pattern.index(")") + 1:]
        self.rx = re.compile(_norm_pattern(pattern))
        self.starts = tuple(_norm_pattern(s) for s in starts)

    def _starts_word(self, key: str, start: int) -> bool:
        if not self.word_start or start == 0 or not key[start - 1].isalnum():
            return True
        return key[start - 1] in "وف" and (start == 1 or not key[start - 2].isalnum())

    def finditer(self, key: str, positions: Iterable[int] | None = None
                 ) -> Iterator[re.Match]:
        """Matches in text order; ``positions``: where the start words occur, if known."""
        if not self.starts:
            for m in self.rx.finditer(key):
                if self._starts_word(key, m.start()):
                    yield m
            return
        if positions is None:
            positions = set()
            for word in self.starts:
                pos = key.find(word)
                while pos >= 0:
                    positions.add(pos)
                    pos = key.find(word, pos + 1)
        last_end = 0
        for pos in sorted(positions):
            if pos < last_end or not self._starts_word(key, pos):
                continue
            m = self.rx.match(key, pos)
            if m:
                last_end = max(m.end(), pos + 1)
                yield m

    def finditer_in(self, key: str, windows: Iterable[tuple[int, int]], plan: _Plan,
                    needed: list[int] | None = None) -> Iterator[re.Match]:
        r"""Matches starting in ``windows``, as :func:`_matches_in` finds them.

        >>> cue = _compile(r"(?<![^\W\d_])قال [^\W\d_]+")
        >>> plan = _Plan(".", re.compile("[.]"), 0)
        >>> [m.group() for m in cue.finditer_in("قال علي. ثم قال حسن. وقال زيد", [(8, 19)], plan)]
        ['قال حسن']
        """
        for m in _matches_in(self.rx, key, windows, plan, needed):
            if self._starts_word(key, m.start()):
                yield m


def _matches_in(rx: re.Pattern, key: str, windows: Iterable[tuple[int, int]], plan: _Plan,
                needed: list[int] | None = None) -> Iterator[re.Match]:
    """Matches starting in ``windows`` (sorted, disjoint ``(start, end)`` spans of ``key``)
    of a pattern whose matches are never empty and never span a window's end; ``plan``: how
    far past a window its lookaheads read, and where its matches may start (see
    ``_window_plan``). With ``needed`` (sorted positions of words every match contains), a
    window is left once none of them is ahead.
    """
    for start, end in windows:
        endpos = min(len(key), end + plan.reach)
        pos = start
        while True:
            m = _search(rx, key, pos, end, endpos, plan)  # as finditer: no match is empty
            if m is None:
                break
            yield m
            pos = m.end()
            if needed is not None:
                k = bisect_left(needed, pos)
                if k == len(needed) or needed[k] >= end:
                    break  # a further match would hold a needed word past pos


def _search(rx: re.Pattern, key: str, pos: int, end: int, endpos: int, plan: _Plan
            ) -> re.Match | None:
    r"""``rx.search(key, pos, endpos)`` if that match starts before ``end``, else None.

    With ``plan.after`` the pattern is tried only where its opening lookbehind holds
    (right after one of those characters, or at 0 with ``plan.at_start``): it matches
    nowhere else, so the first match found there is the one a search finds.

    >>> rx = re.compile(r"(?:^|(?<=[.])) ?(?P<n>[a-z]+) said")
    >>> plan = _Plan(".", re.compile("[.]"), 0, re.compile("[.]"), True)
    >>> _search(rx, "x. bob said. al said", 1, 20, 20, plan).group("n")
    'bob'
    """
    if plan.after is None:
        m = rx.search(key, pos, endpos)
        return m if m is not None and m.start() < end else None
    while True:
        if pos == 0 and plan.at_start:
            at = 0
        else:
            found = plan.after.search(key, max(pos - 1, 0), end - 1)
            if found is None:
                return None
            at = found.end()
        if at >= end:
            return None
        m = rx.match(key, at, endpos)
        if m is not None:
            return m
        pos = at + 1


def _compile(pattern: str, starts: Iterable[str] = ()) -> _Cue:
    r"""Compile a cue pattern of ``data/source_cues.json``.

    >>> [m.group() for m in _compile(r"(?<![^\W\d_])قال").finditer("وقال مقال قال")]
    ['قال', 'قال']
    >>> [m.span() for m in _compile(r"(?<![^\W\d_])به گزارش", ["به"]).finditer(
    ...     "به گزارش مشرق به نقل از")]
    [(0, 8)]
    """
    return _Cue(pattern, starts)


def _need_words(spec: dict) -> tuple[str, ...]:
    """The ``needs`` of a pattern, normalised."""
    return tuple(_norm_pattern(w) for w in spec.get("needs", ()))


def _needs(spec: dict) -> re.Pattern | None:
    """Literal words of a pattern, normalised: the pattern runs only if one is present."""
    words = _need_words(spec)
    return re.compile("|".join(map(re.escape, words))) if words else None


def _present(needs: re.Pattern | None, key: str) -> bool:
    return needs is None or needs.search(key) is not None


def _chars(chars: str) -> str:
    """The characters and their key forms (« becomes a quote); whitespace is kept as is.

    >>> _chars("،«") == '،,«"'
    True
    """
    out = []
    for ch in chars:
        out += [ch] + [k for k in textnorm.normalize(ch) if not ch.isspace()]
    return "".join(dict.fromkeys(out))


@cache
def _config() -> _Config:
    c = cues()
    keys = [_key(w) for w in c["type_words"]]
    return _Config(
        proclitics=frozenset(_key(p) for p in c["proclitics"]),
        longest_proclitic=max((len(_key(p)) for p in c["proclitics"]), default=0),
        type_words=tuple(sorted(set(keys), key=len, reverse=True)),
        type_words_by_end={ch: tuple(w for w in sorted(set(keys), key=len, reverse=True)
                                     if w.endswith(ch)) for ch in {k[-1:] for k in keys}},
        separators=_chars(c["separators"]),
        dashes=c["dashes"],
        zone=int(c["zone_chars"]),
        window=int(c["window_chars"]),
        max_words=int(c["max_unknown_words"]),
        stops=tuple(_norm_pattern(s) for s in c["unknown_stops"]),
        end_chars=_chars(c["unknown_end_chars"]),
        not_names=frozenset(_key(n) for n in c["not_names"]),
        dateline_tail=re.compile(_norm_pattern(c["dateline_tail"])),
        source_line=re.compile(_norm_pattern(c["source_line"]["pattern"])),
        source_line_needs=_needs(c["source_line"]),
        cues=tuple((cue, _compile(cue["pattern"], cue.get("needs", ())), None)
                   for cue in c["cues"]),
        quoted=tuple((q, _compile(q["pattern"]), _needs(q)) for q in c["quoted"]),
        quoted_stops=tuple(_norm_pattern(s) for s in c["quoted_name_stops"]),
        quoted_not_names=frozenset(_key(n) for n in c["quoted_not_names"]),
        type_rx=re.compile("(?:" + "|".join(map(re.escape, sorted(set(keys), key=len,
                                                                 reverse=True)))
                           + r")(?!\w)"),
        type_ends=(frozenset(k[0] for k in keys), frozenset(k[-1] for k in keys))
        if all(keys) else None,
        end_rx=re.compile("[" + re.escape(_chars(c["unknown_end_chars"])) + "]"),
        reporter=_key("خبرنگار"),
    )


# ---------------------------------------------------------------------------- pattern proofs
# A quoted pattern is tried when one of its needed words occurs anywhere in the key. When
# its own regex proves that a match never consumes some punctuation (_BOUNDS), is never
# empty and always contains one of the needed words, every match lies in a stretch of text
# without that punctuation holding a needed word, so it is tried only there (see
# _window_plan). A pattern the proofs cannot handle is tried on the whole key as before.

_BOUNDS = "\n.!?,:;\"()[]"  # punctuation that may bound where a pattern can match
_REPEATS = (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT)
_START_ANCHORS = (_sre.AT_BEGINNING, _sre.AT_BEGINNING_LINE, _sre.AT_BEGINNING_STRING)
_CATEGORIES = {
    _sre.CATEGORY_DIGIT: str.isdecimal,
    _sre.CATEGORY_NOT_DIGIT: lambda c: not c.isdecimal(),
    _sre.CATEGORY_SPACE: str.isspace,
    _sre.CATEGORY_NOT_SPACE: lambda c: not c.isspace(),
    _sre.CATEGORY_WORD: lambda c: c.isalnum() or c == "_",
    _sre.CATEGORY_NOT_WORD: lambda c: not (c.isalnum() or c == "_"),
    _sre.CATEGORY_LINEBREAK: lambda c: c == "\n",
    _sre.CATEGORY_NOT_LINEBREAK: lambda c: c != "\n",
}
_MAX_LANGUAGE = 4096  # fixed strings followed per run of a pattern


class _Unproven(Exception):
    """A construct the proofs do not handle."""


def _children(op: object, av: object) -> list:
    """The parsed sub-patterns of one node."""
    if op is _sre.SUBPATTERN:
        return [av[3]]
    if op is _sre.BRANCH:
        return list(av[1])
    if op in _REPEATS:
        return [av[2]]
    if op is _sre.ATOMIC_GROUP:
        return [av]
    if op in (_sre.ASSERT, _sre.ASSERT_NOT):
        return [av[1]]
    if op is _sre.GROUPREF_EXISTS:
        return [s for s in av[1:] if s is not None]
    return []


def _in_class(items: list, ch: str) -> bool:
    r"""Whether a parsed character class matches ``ch``.

    >>> _in_class(_sre.parse(r"[^\W\d_]")[0][1], "."), _in_class(_sre.parse("[^,.]")[0][1], "!")
    (False, True)
    """
    negate = bool(items) and items[0][0] is _sre.NEGATE
    hit = False
    for op, av in items[1:] if negate else items:
        if op is _sre.LITERAL:
            hit = hit or av == ord(ch)
        elif op is _sre.RANGE:
            hit = hit or av[0] <= ord(ch) <= av[1]
        elif op is _sre.CATEGORY and av in _CATEGORIES:
            hit = hit or _CATEGORIES[av](ch)
        else:
            raise _Unproven(op)
    return hit != negate


def _shape(seq: Iterable) -> tuple[set[str], int]:
    r"""The characters of ``_BOUNDS`` a part of ``seq`` may consume, and how far past its
    position a match may look ahead.

    Raises :class:`_Unproven` for anchors other than at a start (``$`` or ``\b`` would see
    a window's end), case-blind groups, back-references, unbounded or nested lookarounds
    and anything else not handled here.

    >>> consumed, reach = _shape(_sre.parse(r"(?<=[.:])(?P<n>[^\W\d_]+) ?, ?(?:x|y)(?!\w)"))
    >>> sorted(consumed), reach
    ([','], 1)
    """
    consumed: set[str] = set()
    reach = 0
    for op, av in seq:
        if op is _sre.LITERAL:
            consumed.update(ch for ch in _BOUNDS if av == ord(ch))
        elif op is _sre.IN:
            consumed.update(ch for ch in _BOUNDS if _in_class(av, ch))
        elif op in (_sre.NOT_LITERAL, _sre.ANY):
            consumed.update(_BOUNDS)
        elif op is _sre.SUBPATTERN and av[1] & re.IGNORECASE:
            raise _Unproven("ignorecase")
        elif op in (_sre.SUBPATTERN, _sre.BRANCH, _sre.ATOMIC_GROUP) or op in _REPEATS:
            for sub in _children(op, av):
                more, far = _shape(sub)
                consumed |= more
                reach = max(reach, far)
        elif op in (_sre.ASSERT, _sre.ASSERT_NOT):
            # a lookbehind reads the real text before a window, a lookahead its width
            if any(o in (_sre.ASSERT, _sre.ASSERT_NOT) for o, _ in _walk(av[1])):
                raise _Unproven("nested lookaround")
            width = av[1].getwidth()[1] if av[0] == 1 else 0
            if width > 1000:
                raise _Unproven("unbounded lookahead")
            reach = max(reach, width)
        elif op is _sre.AT and av in _START_ANCHORS:
            pass
        else:
            raise _Unproven(op)
    return consumed, reach


def _walk(seq: Iterable) -> Iterator[tuple]:
    """Every node of a parsed pattern, depth first."""
    for op, av in seq:
        yield op, av
        for sub in _children(op, av):
            yield from _walk(sub)


def _language(seq: Iterable) -> set[str] | None:
    """The few fixed strings ``seq`` can match (a superset), or None.

    >>> sorted(_language(_sre.parse("a ?(?:b|cd)(?!x)")))
    ['a b', 'a cd', 'ab', 'acd']
    >>> _language(_sre.parse("a+")) is None
    True
    """
    out = {""}
    for op, av in seq:
        part = _node_language(op, av)
        if part is None:
            return None
        out = {a + b for a in out for b in part}
        if len(out) > _MAX_LANGUAGE:
            return None
    return out


def _node_language(op: object, av: object) -> set[str] | None:
    if op is _sre.LITERAL:
        return {chr(av)}
    if op is _sre.IN and all(o is _sre.LITERAL for o, _ in av):
        return {chr(v) for _, v in av}
    if op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):
        return {""}  # zero width: the text around it is contiguous
    if op is _sre.SUBPATTERN and not av[1] & re.IGNORECASE or op is _sre.ATOMIC_GROUP:
        return _language(_children(op, av)[0])
    if op is _sre.BRANCH:
        parts = [_language(b) for b in av[1]]
        return None if None in parts else set().union(*parts)
    if op in _REPEATS and av[1] <= 3:
        one = _language(av[2])
        if one is None:
            return None
        out, level = set(), {""}
        for n in range(av[1] + 1):
            if n >= av[0]:
                out |= level
            level = {a + b for a in level for b in one}
            if len(level) > _MAX_LANGUAGE:
                return None
        return out
    return None


def _contains(seq: Iterable, words: tuple[str, ...]) -> bool:
    r"""Whether every match of ``seq`` contains one of ``words`` (proved, else False).

    A run of parts matching few fixed strings proves it if each of its strings does;
    else a part that every match goes through (a group, each branch of an alternative,
    a repeat at least once) may prove it.

    >>> rx = _sre.parse(r"(?P<n>[^\W\d_]+) ?, ?(?:رئيس|وزير)")
    >>> _contains(rx, (", رئيس", ",رئيس", ", وزير", ",وزير")), _contains(rx, (", رئيس",))
    (True, False)
    """
    def proves(strings: set[str]) -> bool:
        return all(any(w in s for w in words) for s in strings)

    run = {""}
    for op, av in seq:
        part = _node_language(op, av)
        if part is None:
            run = {""}
            ic = op is _sre.SUBPATTERN and av[1] & re.IGNORECASE
            if op is _sre.BRANCH:
                if all(_contains(b, words) for b in av[1]):
                    return True
            elif (op in (_sre.SUBPATTERN, _sre.ATOMIC_GROUP) and not ic
                  or op in _REPEATS and av[0] >= 1):
                if _contains(_children(op, av)[0], words):
                    return True
            continue
        longer = {a + b for a in run for b in part}
        run = longer if len(longer) <= _MAX_LANGUAGE else part
        if proves(run):
            return True
    return False


def _first_run(seq: Iterable, words: tuple[str, ...]) -> tuple[int, set[str]] | None:
    """Where the first top-level run of fixed strings proving ``_contains`` begins (an
    index in ``seq``), and the characters its strings may have before their first word.

    >>> _first_run(_sre.parse(r"[^\\W\\d_]+ ?,(?:x|y)"), (",x", ",y"))
    (1, {' '})
    """
    run, first = {""}, 0
    for i, (op, av) in enumerate(seq):
        part = _node_language(op, av)
        if part is None:
            run, first = {""}, i + 1
            continue
        longer = {a + b for a in run for b in part}
        run, first = (longer, first) if len(longer) <= _MAX_LANGUAGE else (part, i)
        offsets = [min((o for o in (s.find(w) for w in words) if o >= 0), default=-1)
                   for s in run]
        if -1 not in offsets:
            return first, {ch for s, o in zip(run, offsets, strict=True) for ch in s[:o]}
    return None


@dataclass(frozen=True)
class _Plan:
    """Where a quoted pattern can match, as proved from its regex (see _window_plan)."""

    left: str  # a match starts after the last of these before its needed word
    right: re.Pattern  # ... and ends before the first of these after it
    reach: int  # how far past that end it may look ahead
    after: re.Pattern | None = None  # a match starts right after one of these characters
    at_start: bool = False  # ... or at the start of the text (see _opening)


def _window_plan(pattern: str, words: tuple[str, ...]) -> _Plan | None:
    r"""Where a pattern whose matches all contain one of ``words`` can match, or None if
    that cannot be proved from the pattern (it is then tried on the whole key).

    A match never consumes the characters of ``_BOUNDS`` no part of the pattern consumes
    (``right``), nor, before its needed word, those the parts before it do not consume
    (``left``: the name before ``, رئيس`` is letters and spaces).

    >>> plan = _window_plan(r"(?:^|(?<=[.]))(?P<n>[^\W\d_]+) ?,(?:x|y)[^.!?]*(?!z)",
    ...                     (",x", ",y"))
    >>> plan.left == _BOUNDS, plan.right.search("a, b: c. d").start(), plan.reach
    (True, 7, 1)
    >>> _window_plan(r"[^\W\d_]+ ?, ?(?:x|y)", (",x",)) is None
    True
    >>> _window_plan(r"(?P<n>.+),(?:x|y)", (",x", ",y")) is None
    True
    """
    if not words or not all(words):
        return None
    try:
        parsed = _sre.parse(pattern)
        if parsed.state.flags & re.IGNORECASE or parsed.getwidth()[0] == 0:
            return None
        consumed, reach = _shape(parsed)
        right = "".join(ch for ch in _BOUNDS if ch not in consumed)
        if not right or not _contains(parsed, words):
            return None
        left = right
        first = _first_run(parsed, words)
        if first is not None:
            before = _shape(parsed[:first[0]])[0] | first[1]
            left = "".join(ch for ch in _BOUNDS if ch not in before)
        opening = _opening(parsed)
    except (_Unproven, re.error, RecursionError):
        return None
    after = None if opening is None else re.compile("[" + re.escape(opening[0]) + "]")
    return _Plan(left, re.compile("[" + re.escape(right) + "]"), reach, after,
                 opening is not None and opening[1])


def _opening(parsed: _sre.SubPattern) -> tuple[str, bool] | None:
    r"""``(chars, at_start)`` for a pattern opening with ``(?:^|(?<=[chars]))``: a match
    starts only right after one of ``chars`` (or, with ``at_start``, at the text's start).
    None for any other opening.

    >>> _opening(_sre.parse(r"(?:^|(?<=[.:\n])) ?(?P<n>x)"))
    ('.:\n', True)
    >>> _opening(_sre.parse(r"(?<=[.:]) ?x")), _opening(_sre.parse(r"(?:^|(?<=[.:]) ?)x"))
    (('.:', False), None)
    """
    if not parsed or parsed.state.flags & re.MULTILINE:  # ^ would match after each \n
        return None
    op, av = parsed[0]
    chars, at_start = "", False
    for branch in av[1] if op is _sre.BRANCH else [[parsed[0]]]:
        if len(branch) != 1:
            return None
        op, av = branch[0]
        if op is _sre.AT and av in (_sre.AT_BEGINNING, _sre.AT_BEGINNING_STRING):
            at_start = True
        elif (op is _sre.ASSERT and av[0] == -1 and len(av[1]) == 1 and av[1][0][0] is _sre.IN
              and all(o is _sre.LITERAL for o, _ in av[1][0][1])):
            chars += "".join(chr(v) for _, v in av[1][0][1])
        else:
            return None
    return (chars, at_start) if chars else None


# ---------------------------------------------------------------------------- scan


class _Word(NamedTuple):
    """One string of the scan automaton: a registry spelling, a cue word, or several of these."""

    length: int
    entry: Entry | None = None  # the registry spelling it is
    cues: tuple[int, ...] = ()  # cues (indices in _Config.cues) whose matches start with it
    quoted: tuple[int, ...] = ()  # quoted patterns (indices in _Config.quoted) needing it
    source_line: bool = False  # a word the source-line pattern needs


@dataclass(frozen=True)
class _Scanner:
    automaton: ahocorasick.Automaton
    scanned_cues: frozenset[int]  # tried only where their start words are (all of them)
    always_quoted: frozenset[int]  # quoted patterns that need no word: always tried
    quoted_plans: tuple[_Plan | None, ...]  # per quoted pattern: see _window_plan
    source_line_always: bool  # the source-line pattern needs no word
    source_line_plan: _Plan | None  # see _window_plan


@dataclass
class _Scan:
    """What one pass of the scan automaton found in a key."""

    names: list[tuple[int, int, Entry]]  # registry spellings ending a word: start, end, entry
    cue_starts: dict[int, set[int]]  # cue index -> where its start words begin
    quoted: dict[int, list[int]]  # quoted patterns whose needed words are present (or
    # need none) -> where those words begin
    source_line: bool  # the source-line pattern's needed words are present (or it needs none)
    source_line_at: list[int]  # where those words begin


@cache
def _scanner() -> _Scanner:
    """One Aho-Corasick automaton over every registry key and every cue and needed word.

    It replaces a scan of the key per spelling, per cue word and per needed word by one
    pass: a cue is tried exactly where one of its start words begins (as ``_Cue.finditer``
    would find them with ``str.find``), and a pattern with needed words only if one occurs
    (as ``_present`` would). Both follow from the data files, so they hold for new words.
    """
    cfg = _config()
    words: dict[str, dict] = {}

    def slot(word: str) -> dict:
        return words.setdefault(word, {"entry": None, "cues": [], "quoted": [],
                                       "source_line": False})

    for key, entry in _registry_keys().items():
        slot(key)["entry"] = entry
    scanned = set()
    for n, (_, cue, _) in enumerate(cfg.cues):
        if cue.starts and all(cue.starts):  # an empty start word would start everywhere
            scanned.add(n)
            for word in dict.fromkeys(cue.starts):
                slot(word)["cues"].append(n)
    always = set()
    for n, (spec, _, _) in enumerate(cfg.quoted):
        needed = _need_words(spec)
        if not needed or not all(needed):  # no words, or an empty one: always present
            always.add(n)
            continue
        for word in dict.fromkeys(needed):
            slot(word)["quoted"].append(n)
    needed = _need_words(cues()["source_line"])
    for word in needed:
        slot(word)["source_line"] = True
    auto = ahocorasick.Automaton()
    for word in _by_letter_frequency(words):
        v = words[word]
        auto.add_word(word, _Word(len(word), v["entry"], tuple(v["cues"]), tuple(v["quoted"]),
                                  v["source_line"]))
    auto.make_automaton()
    plans = tuple(_window_plan(rx.rx.pattern, _need_words(spec)) for spec, rx, _ in cfg.quoted)
    return _Scanner(auto, frozenset(scanned), frozenset(always), plans,
                    not needed or not all(needed), _window_plan(cfg.source_line.pattern, needed))


def _by_letter_frequency(words: Iterable[str]) -> list[str]:
    """``words`` ordered letter by letter from the most to the least common letter among them.

    pyahocorasick tries the children of a trie node in the order they were added, for every
    character of the text; added in this order, the common letters (ا, ي, ل, space) are
    found first. The automaton and its hits are the same in any order: only speed changes.

    >>> _by_letter_frequency(["ab", "ba", "aa", "c"])
    ['aa', 'ab', 'ba', 'c']
    """
    words = list(words)
    counts = Counter(ch for word in words for ch in word)
    return sorted(words, key=lambda word: [-counts[ch] for ch in word])


def _scan(key: str) -> _Scan:
    """Registry spellings and cue words in ``key``, in one pass.

    >>> found = _scan("به گزارش مشرق")
    >>> [(s, e, entry.id) for s, e, entry in found.names], found.cue_starts
    ([(9, 13, 'mashregh'), (10, 13, 'shargh')], {0: {0}})
    """
    scanner = _scanner()
    names: list[tuple[int, int, Entry]] = []
    cue_starts: dict[int, set[int]] = {}
    quoted: dict[int, list[int]] = {n: [] for n in scanner.always_quoted}
    source_line = scanner.source_line_always
    source_line_at: list[int] = []
    size = len(key)
    for end, (length, entry, cues_of, quoted_of, of_source_line) in scanner.automaton.iter(key):
        start = end - length + 1
        if entry is not None and (end + 1 == size or not key[end + 1].isalnum()):
            names.append((start, end + 1, entry))  # (a name glued to a letter is none)
        for n in cues_of:
            if n in cue_starts:
                cue_starts[n].add(start)
            else:
                cue_starts[n] = {start}
        for n in quoted_of:
            if n in quoted:
                quoted[n].append(start)
            else:
                quoted[n] = [start]
        if of_source_line:
            source_line = True
            source_line_at.append(start)
    return _Scan(names, cue_starts, quoted, source_line, source_line_at)


# ---------------------------------------------------------------------------- matching


def _hits(kd: textnorm.Keyed, cfg: _Config, names: list[tuple[int, int, Entry]]
          ) -> list[_Hit]:
    """Registry names (``_Scan.names``, which end words) starting words or after proclitics,
    longest first, without overlaps."""
    if not names:
        return []
    key = kd.key
    found: list[_Hit] = []
    urls = None
    for start, end, entry in names:
        prefix = ""
        if start > 0 and key[start - 1].isalnum():
            if key[start].isascii():
                continue
            # a proclitic has at most longest_proclitic letters: no need to walk back further
            t, floor = start - 1, start - cfg.longest_proclitic
            while t > floor and t > 0 and key[t - 1].isalnum():
                t -= 1
            prefix = key[t:start]
            if t > 0 and key[t - 1].isalnum() or prefix not in cfg.proclitics:
                continue
        if entry.upper:
            s, e = kd.span(start, end)
            if not kd.text[s:e].isupper():
                continue
        if urls is None:
            urls = [m.span() for m in _URL.finditer(key)] if "http" in key or "www." in key \
                else []
        if urls and any(s <= start < e for s, e in urls):
            continue  # alalam in http://media.alalam.ir/... is a link, not a credit
        found.append(_Hit(start, end, entry, prefix))
    # The scan lists names by their end: if each ends before the next starts, they are
    # in text order and none overlaps, so every one is kept.
    if all(a.end <= b.start for a, b in pairwise(found)):
        return found
    return _without_overlaps(sorted(found, key=_START))


_START = attrgetter("start")


def _without_overlaps(hits: list[_Hit]) -> list[_Hit]:
    """Of ``hits`` (in text order), the longest first, then the earliest, skipping any hit
    that overlaps one taken, in text order.

    Hits overlap only within a run of hits each starting before the run's furthest end,
    so each run is settled alone, and a hit overlapping no other is kept at once.

    >>> e = Entry("x", "agency", False, False)
    >>> [(h.start, h.end) for h in _without_overlaps(
    ...     [_Hit(0, 4, e, ""), _Hit(2, 9, e, ""), _Hit(5, 7, e, ""), _Hit(9, 12, e, "")])]
    [(2, 9), (9, 12)]
    """
    taken: list[_Hit] = []
    run: list[_Hit] = []
    reach = -1
    for hit in hits:
        if hit.start >= reach and run:
            taken += run if len(run) == 1 else _longest_first(run)
            run = []
        run.append(hit)
        if hit.end > reach:
            reach = hit.end
    return taken + (run if len(run) == 1 else _longest_first(run))


def _longest_first(run: list[_Hit]) -> list[_Hit]:
    taken: list[_Hit] = []
    for hit in sorted(run, key=lambda h: (h.start - h.end, h.start)):
        if all(hit.end <= t.start or t.end <= hit.start for t in taken):
            taken.append(hit)
    return sorted(taken, key=_START)


def _skip_blank(key: str, i: int) -> int:
    while i < len(key) and key[i] in ' "':
        i += 1
    return i


def _type_word_at(key: str, i: int, cfg: _Config) -> int:
    """End of the type word (صحيفة, خبرگزاری, ...) starting at ``i``, or -1."""
    if cfg.type_ends and (i >= len(key) or key[i] not in cfg.type_ends[0]):
        return -1  # no type word starts with this character
    m = cfg.type_rx.match(key, i)
    return m.end() if m else -1


def _type_word_before(key: str, i: int, cfg: _Config) -> int:
    """Start of a type word ending just before ``i`` (spaces and quotes between), or -1."""
    j = i
    while j > 0 and key[j - 1] in ' "':
        j -= 1
    if cfg.type_ends and (j == 0 or key[j - 1] not in cfg.type_ends[1]):
        return -1  # no type word ends with this character
    # only those ending with that character can end there (with an empty one, all are tried)
    words = cfg.type_words if cfg.type_ends is None else cfg.type_words_by_end[key[j - 1]]
    for word in words:
        start = j - len(word)
        if start >= 0 and key.startswith(word, start) and (
            start == 0 or not key[start - 1].isalnum()
        ):
            return start
    return -1


def _delimiter(key: str, i: int, cfg: _Config, limit: int) -> int:
    end = min(len(key), i + limit)
    m = cfg.end_rx.search(key, i, end)
    return m.start() if m else end


def _capture(key: str, i: int, cfg: _Config, limit: int | None = None
             ) -> tuple[int, int] | None:
    """An unknown name starting at ``i``: up to a delimiter, a stop word, ``limit`` or
    max words."""
    if i >= len(key):
        return None
    # a window of the key, never the whole tail: many cues in one text stay linear
    key = key[: min(len(key) if limit is None else limit, i + 120)]
    if i > 0 and key[i - 1] == '"':
        close = key.find('"', i)
        end = close if 0 < close - i <= 60 else -1
    else:
        end = -1
    if end < 0:
        end = _delimiter(key, i, cfg, 80)
        close = key.find('"', i, end)
        if close >= 0:
            end = close
        for stop in cfg.stops:
            pos = key.find(stop, i, end + len(stop))
            if 0 <= pos < end:
                end = pos
        words = key[i:end].split(" ")
        if len(words) > cfg.max_words:
            end = i + len(" ".join(words[: cfg.max_words]))
    while end > i and key[end - 1] in ' "':
        end -= 1
    name = key[i:end]
    if not name or not _LETTER.search(name) or name in cfg.not_names:
        return None
    if name.split(" ")[0] in cfg.not_names:
        return None
    return i, end


class _Found(NamedTuple):
    start: int
    end: int
    entry: Entry | None
    kind: str
    rule: str


def _name_after(key: str, pos: int, hits: list[_Hit], starts: list[int], cfg: _Config,
                policy: str, window: bool, quoted_unknown: bool = False,
                stop: int | None = None, by_start: dict[int, _Hit] | None = None
                ) -> tuple[int, int, Entry | None] | None:
    """The name a cue ending at ``pos`` points at: a registry hit, else an unknown name.

    With ``window`` the name may come later in the clause, up to a delimiter or ``stop``
    (where the next cue starts). A name that is also a common word (~ in the registry)
    counts there only after a type word or as the clause's last word
    (``به گزارش سرویس بین الملل فارس به نقل از ...``).
    """
    stop = len(key) if stop is None else stop
    i = _skip_blank(key, pos)
    if by_start is None:
        by_start = {h.start: h for h in hits}
    if i in by_start:
        return i, by_start[i].end, by_start[i].entry
    typed_end = _type_word_at(key, i, cfg)
    if typed_end >= 0:
        j = _skip_blank(key, typed_end)
        if j in by_start:
            return j, by_start[j].end, by_start[j].entry
    if window:
        limit = min(_delimiter(key, i, cfg, cfg.window), stop)
        k = bisect_right(starts, i - 1)
        while k < len(hits) and hits[k].start < limit:
            hit = hits[k]
            last = not key[hit.end:limit].strip(' "')
            if not hit.entry.strict or last or _type_word_before(key, hit.start, cfg) >= 0:
                return hit.start, hit.end, hit.entry
            k += 1
    if policy == "registry":
        return None
    if typed_end >= 0:
        span = _capture(key, i, cfg, stop)
        rest = key[typed_end:span[1]].strip() if span is not None else ""
        if not rest or rest in cfg.not_names:
            span = None  # a type word alone ("قالت صحيفة ...", "خبرنگار ما") names nobody
    elif policy == "any":
        start = i
        if window:
            limit = min(_delimiter(key, i, cfg, cfg.window), stop)
            for j in range(i, limit):
                if (j == i or key[j - 1] == " ") and _type_word_at(key, j, cfg) >= 0:
                    start = j
                    break
            if key.startswith(cfg.reporter, start):
                return None  # "به گزارش خبرنگار ما": the outlet's own reporter, unnamed
        span = _capture(key, start, cfg, stop)
    elif quoted_unknown and i > 0 and key[i - 1] == '"':
        span = _capture(key, i, cfg, stop)
        if span is not None and key.count(" ", *span) > 3:
            span = None  # a quotation, not a name
    else:
        span = None
    return None if span is None else (span[0], span[1], None)


def _sentence_initial(key: str, start: int) -> bool:
    before = key[max(0, start - 40):start].rstrip(' "')
    if not before and start > 40:
        return False  # 40 spaces or quotes: not a sentence start we can see
    if before.endswith(" و") or before == "و":
        before = before[:-1].rstrip(' "')
    return not before or before[-1] in ".!?:\n"


def _cue_lang_ok(cue: dict, lang: str | None) -> bool:
    return lang in (None, "und", "") or cue["lang"] in (lang, "en")


@lru_cache(maxsize=64)
def _for_lang(lang: str | None) -> tuple[frozenset[int], tuple[int, ...], tuple[int, ...]]:
    """The cues that apply to an article in ``lang`` (indices), those of them that are
    not scanned for (tried everywhere), and the quoted patterns that apply, in file order.

    >>> cues_fa, unscanned, quoted_fa = _for_lang("fa")
    >>> sorted({_config().cues[n][0]["lang"] for n in cues_fa}), unscanned
    (['en', 'fa'], ())
    """
    cfg = _config()
    cue_ids = frozenset(n for n, (cue, _, _) in enumerate(cfg.cues) if _cue_lang_ok(cue, lang))
    return (cue_ids, tuple(sorted(cue_ids - _scanner().scanned_cues)),
            tuple(n for n, (spec, _, _) in enumerate(cfg.quoted) if _cue_lang_ok(spec, lang)))


def _credit_side_ok(key: str, kd: textnorm.Keyed, i: int, step: int, cfg: _Config) -> str:
    """What bounds a name on one side: 'edge', 'sep', 'dash', 'strong' (2+ spaces), or ''."""
    j = i
    while 0 <= j < len(key) and key[j] == " ":
        if j + 1 < len(kd.offsets) and kd.offsets[j + 1] - kd.offsets[j] >= 2:
            return "strong"
        j += step
    if j < 0 or j >= len(key):
        return "edge"
    if key[j] in cfg.dashes:
        return "dash"
    if key[j] in cfg.separators:
        return "sep"
    return ""


def _credits(kd: textnorm.Keyed, hits: list[_Hit], claimed: set[int], cfg: _Config,
             zone: int, field: str) -> list[_Found]:
    """Bylines, datelines and parenthesised credits: names standing alone near the top."""
    key = kd.key
    out = []
    previous: _Hit | None = None
    for hit in hits:
        before, previous = previous, hit
        if hit.start >= zone and (hit.start == 0 or key[hit.start - 1] not in "(["):
            continue  # past the zone only a bracketed credit counts (see below)
        if hit.start in claimed or hit.prefix or hit.entry.lil:
            continue
        if before and before.entry.id == hit.entry.id and hit.start - before.end <= 3:
            continue  # وكالة الأنباء الكويتية (كونا): one name, spelled twice
        in_zone = hit.start < zone
        left_char = key[hit.start - 1] if hit.start > 0 else ""
        right_char = key[hit.end] if hit.end < len(key) else ""
        opening, closing = ('("[', ')"]') if in_zone else ("([", ")]")
        # لـ"رويترز": a quote glued to a word is told-to, not a credit
        glued = left_char == '"' and hit.start > 1 and key[hit.start - 2].isalnum()
        bracketed = (left_char and left_char in opening and right_char
                     and right_char in closing and not glued)
        if bracketed and (in_zone or not hit.entry.strict):
            kind = "agency" if hit.entry.kind == "agency" else ("outlet" if in_zone else "cited")
            out.append(_Found(hit.start, hit.end, hit.entry, kind,
                              "byline" if in_zone else "paren-credit"))
            continue
        if not in_zone or glued:
            continue
        start = hit.start
        typed = _type_word_before(key, hit.start, cfg)
        if typed >= 0:
            start = typed
        elif hit.entry.strict:
            continue
        left = _credit_side_ok(key, kd, start - 1, -1, cfg)
        right = _credit_side_ok(key, kd, hit.end, 1, cfg)
        rule = "byline"
        if not left and cfg.dateline_tail.search(key[max(0, start - 24):start]):
            left, rule = "sep", "dateline"
        ok = (left and right) or (left == "dash" or right == "dash")
        if ok:
            # A name opening the field (خبرگزاری فارس: ...) is the outlet's own formula.
            opening = start == 0 and field == "body" and (
                typed == 0 or _type_word_at(key, 0, cfg) >= 0)
            kind = "agency" if hit.entry.kind == "agency" and not opening else "outlet"
            out.append(_Found(hit.start, hit.end, hit.entry, kind, rule))
    return out


def _credit_candidates(key: str, hits: list[_Hit], zone: int) -> list[_Hit]:
    """``hits`` (in text order) without those :func:`_credits` would skip first thing: past
    the ``zone`` only a bracketed name counts, so without a ( or [ there none does.

    >>> e = Entry("x", "agency", False, False)
    >>> hits = [_Hit(0, 1, e, ""), _Hit(5, 6, e, "")]
    >>> len(_credit_candidates("a b c d e", hits, 3)), len(_credit_candidates("a b c (e)", hits, 3))
    (1, 2)
    """
    past = max(zone - 1, 0)
    if key.find("(", past) >= 0 or key.find("[", past) >= 0:
        return hits
    return [hit for hit in hits if hit.start < zone]


def _windows(key: str, positions: Iterable[int], plan: _Plan) -> list[tuple[int, int]]:
    """Where a pattern with ``plan`` can match around its needed words at ``positions``:
    sorted, disjoint ``(start, end)`` spans.

    Each look back or ahead stops at the previous span or at the next bound, so the text
    is read about once whatever the number of positions.

    >>> plan = _Plan(".,", re.compile("[.]"), 0)
    >>> _windows("a. b, c d. e", [8, 6, 1], plan)
    [(5, 9)]
    """
    spans: list[tuple[int, int]] = []
    end = 0
    # The last left bound before a position is the first one in the reversed key after it:
    # one search of a character class instead of a str.rfind per bound character.
    left = _char_class(plan.left) if plan.left else None
    backwards = key[::-1] if left is not None else ""
    size = len(key)
    for pos in sorted(set(positions)):
        if spans and pos < end or plan.right.match(key, pos):
            continue  # in the last span; no match consumes a right bound
        if left is None:  # no left bounds (no plan of _window_plan): as str.rfind would
            start = max(map(key.rfind, plan.left, repeat(end), repeat(pos))) + 1
        else:
            m = left.search(backwards, size - pos, size - end)
            start = size - m.start() if m else 0  # as str.rfind: -1 + 1
        m = plan.right.search(key, pos)
        end = m.start() if m else len(key)
        spans.append((start, end))
    return spans


@lru_cache(maxsize=64)
def _char_class(chars: str) -> re.Pattern:
    """A pattern matching any one of ``chars``.

    >>> _char_class("a]-").findall("x-y]za")
    ['-', ']', 'a']
    """
    return re.compile("[" + re.escape(chars) + "]")


def _quoted(key: str, cfg: _Config, tried: Iterable[int], cue_starts: list[int],
            needed: Mapping[int, list[int]]) -> list[_Found]:
    """People quoted, by the ``quoted`` patterns of indices ``tried`` (in file order);
    ``needed``: where their needed words begin."""
    cue_starts = sorted(cue_starts)
    plans = _scanner().quoted_plans
    out = []
    for n in tried:
        spec, rx, _ = cfg.quoted[n]
        plan = plans[n]
        if plan is None:
            matches = rx.finditer(key)
        else:  # it can match only around its needed words (see _window_plan)
            positions = sorted(needed[n])
            matches = rx.finditer_in(key, _windows(key, positions, plan), plan, positions)
        for m in matches:
            start, end = m.span("name")
            for stop in cfg.quoted_stops:
                pos = key.find(stop, start + 1, end)
                if pos >= 0:
                    end = pos
            k = bisect_right(cue_starts, start)
            if k < len(cue_starts) and cue_starts[k] < end:
                end = cue_starts[k]  # another attribution starts: بحسب "الفرنسية"
            end = len(key[start:end].rstrip(" ,\"")) + start
            name = key[start:end]
            first = name.split(" ")[0]
            if not name or name in cfg.quoted_not_names or first in cfg.quoted_not_names:
                continue
            out.append(_Found(start, end, None, "quoted", spec["id"]))
    return out


def _source_lines(key: str, hits: list[_Hit], cfg: _Config, whole: bool, scan: _Scan
                  ) -> list[_Found]:
    """Source lines (``scan``: where the words the pattern needs are)."""
    out = []
    plan = _scanner().source_line_plan
    if not scan.source_line:
        matches = []
    elif plan is None:
        matches = list(cfg.source_line.finditer(key))
    else:  # it can match only around its needed words (see _window_plan)
        needed = sorted(scan.source_line_at)
        matches = list(_matches_in(cfg.source_line, key, _windows(key, needed, plan), plan,
                                   needed))
    positions = [m.end() for m in matches]
    if whole and not (matches and matches[0].start() == 0):
        positions = [0]
    for pos in positions:
        i = _skip_blank(key, pos)
        line_end = key.find("\n", i)
        line_end = len(key) if line_end < 0 else line_end
        inside = [h for h in hits if i <= h.start < line_end]
        if inside:
            out.append(_Found(inside[0].start, inside[0].end, inside[0].entry, "outlet",
                              "source-line"))
            continue
        end = line_end
        words = key[i:end].strip().split(" ")
        if len(words) > cfg.max_words:
            continue  # a sentence, not a name
        end = len(key[:end].rstrip(" ,.:\"")) if end > i else end
        if end > i and _LETTER.search(key[i:end]):
            out.append(_Found(i, end, None, "outlet", "source-line"))
    return out


def find_sources(text: str, field: str = "body", lang: str | None = None) -> list[dict]:
    """Attributions in one field of one article, as ``sources`` rows without ``doc_id``.

    ``field`` selects what counts: ``body`` (cues, quotes, source lines, bylines in the
    first lines), ``author`` and ``dateline`` (credits anywhere), ``source_line``,
    ``outlet_stated`` (the whole value is the name), ``url`` (its site), anything else
    (cues and quotes only).

    >>> [(r["name"], r["kind"], r["rule"]) for r in find_sources("الرياض - واس", "author")]
    [('spa', 'agency', 'byline')]
    >>> r = find_sources("بكين - فرانس برس: أعلنت الصين ...")[0]
    >>> r["name"], r["kind"], r["surface"], (r["start"], r["end"])
    ('afp', 'agency', 'فرانس برس', (7, 16))
    >>> [(r["name"], r["registry_id"]) for r in find_sources("المصدر: موقع الصباح الجديد",
    ...                                                     "source_line")]
    [('موقع الصباح الجديد', None)]
    """
    if isinstance(text, str) and len(text) <= _MEMO_CHARS and field != "url":
        return [dict(row) for row in _find_short(text, field, lang)]
    return _find_sources(text, field, lang)


# Bylines, datelines, source lines and stated names repeat across articles; urls do not
# (their sites do: see _netloc_site).
_MEMO_CHARS = 64


@lru_cache(maxsize=8192)
def _find_short(text: str, field: str, lang: str | None) -> tuple[dict, ...]:
    """:func:`find_sources` of a short value, remembered (callers get copies of the rows)."""
    return tuple(_find_sources(text, field, lang))


def _find_sources(text: str, field: str, lang: str | None) -> list[dict]:
    if not isinstance(text, str) or not text.strip():
        return []
    if field == "url":
        span = _domain_span(text)
        if span is None:
            return []
        s, e, rid = span
        return [_row(rid, rid, "outlet", text[s:e], field, s, e, 0, "url")]
    if field == "outlet_stated":
        rid = lookup(text)
        s = len(text) - len(text.lstrip())
        e = len(text.rstrip())
        return [_row(rid or text[s:e], rid, "outlet", text[s:e], field, s, e, 0, "stated")]
    cfg = _config()
    kd = textnorm.keyed(text)
    key = kd.key
    scan = _scan(key)
    hits = _hits(kd, cfg, scan.names)
    starts = [h.start for h in hits]
    found: list[_Found] = []
    claimed: set[int] = set()

    def add(item: _Found) -> None:
        if item.start not in claimed:
            claimed.add(item.start)
            found.append(item)

    # Each part below runs only if the scan found what it needs (without a source-line
    # word a body has no source line, without a cue word no cue matches, ...).
    if field == "source_line" or field == "body" and scan.source_line:
        for item in _source_lines(key, hits, cfg, field == "source_line", scan):
            add(item)
    formula_name: str | None = None
    matches = []
    cue_ids, unscanned, quoted_ids = _for_lang(lang)
    for n, positions in scan.cue_starts.items():
        if n in cue_ids:
            cue, rx, _ = cfg.cues[n]
            matches += [(m.start(), n, m.end(), cue) for m in rx.finditer(key, positions)]
    for n in unscanned:
        cue, rx, _ = cfg.cues[n]
        matches += [(m.start(), n, m.end(), cue) for m in rx.finditer(key)]
    matches.sort(key=itemgetter(0, 1))
    by_start = {h.start: h for h in hits}
    cue_starts = [m[0] for m in matches]
    for cue_start, _, cue_end, cue in matches:
        following = bisect_right(cue_starts, cue_end - 1)
        stop = cue_starts[following] if following < len(cue_starts) else len(key)
        got = _name_after(key, cue_end, hits, starts, cfg, cue["name"], cue["window"],
                          cue.get("quoted_unknown", False), stop, by_start)
        if got is None:
            continue
        start, end, entry = got
        kind = cue["kind"]
        if kind == _FORMULA_KIND:
            name = entry.id if entry else key[start:end]
            initial = not cue.get("initial", True) or _sentence_initial(key, cue_start)
            if initial and formula_name in (None, name):
                formula_name, kind = name, "outlet"
            else:
                kind = "cited"
        add(_Found(start, end, entry, kind, cue["id"]))
    for hit in hits:
        if not hit.prefix and not hit.entry.lil:
            continue  # told-to needs a ل before the name
        told = hit.prefix in ("ل", "ول", "فل") or (hit.entry.lil and hit.prefix in ("", "و", "ف"))
        if hit.start not in claimed and not hit.entry.strict and told:
            add(_Found(hit.start, hit.end, hit.entry, "cited", "ar-told-to"))
    if hits and field in ("body", "author", "dateline"):
        zone = cfg.zone if field == "body" else len(key)
        for item in _credits(kd, _credit_candidates(key, hits, zone), claimed, cfg, zone,
                             field):
            add(item)
    tried = [n for n in quoted_ids if n in scan.quoted] if scan.quoted else []
    if tried:
        for item in _quoted(key, cfg, tried, cue_starts, scan.quoted):
            add(item)
    return _rows(kd, found, field)


def _rows(kd: textnorm.Keyed, found: list[_Found], field: str) -> list[dict]:
    if not found:
        return []
    found.sort(key=_START)
    # Only whether a row shares the previous row's sentence matters: it does if the first
    # sentence end after the previous row (a one-character match) is past it.
    rows, order, next_end = [], 0, -1
    for item in found:
        if item.start < next_end:
            order += 1
        else:
            order = 0
            next_end = _sentence_end(kd.key, item.start)
        s, e = kd.span(item.start, item.end)
        surface = kd.text[s:e]
        rid = item.entry.id if item.entry else None
        rows.append(_row(rid or surface, rid, item.kind, surface, field, s, e, order, item.rule))
    return rows


def _sentence_end(key: str, i: int) -> int:
    r"""End of the first match of ``_SENTENCE_END`` starting at ``i`` or later, else
    ``len(key) + 1``; a search for its four characters, faster than the pattern's own.

    >>> _sentence_end("a.b 1.5 c. d", 0), _sentence_end("x?", 0), _sentence_end("ab", 0)
    (10, 2, 3)
    """
    m = _SENTENCE_CHARS.search(key, i)
    while m:
        p = m.start()
        if key[p] == "\n" or p + 1 == len(key) or key[p + 1].isspace():
            return p + 1  # a newline, or [.!?] before a space or at the end
        m = _SENTENCE_CHARS.search(key, p + 1)
    return len(key) + 1


def _row(name: str, rid: str | None, kind: str, surface: str, field: str, start: int,
         end: int, order: int, rule: str) -> dict:
    return {"name": name, "registry_id": rid, "kind": kind, "surface": surface,
            "field": field, "start": start, "end": end, "order": order, "rule": rule}


# ---------------------------------------------------------------------------- stage

#: Article columns scanned, in the order their rows are listed.
FIELDS = ("outlet_stated", "url", "source_line", "author", "dateline", "title", "body")


def article_sources(article: Mapping[str, object]) -> list[dict]:
    """All attribution rows of one article (a mapping of ``articles`` columns), with doc_id.

    >>> rows = article_sources({"doc_id": "d1", "lang": "ar", "author": "برلين : رويترز",
    ...                         "outlet_stated": "aleqtisadiya", "body": "قالت صحيفة ..."})
    >>> [(r["name"], r["kind"], r["field"]) for r in rows]
    [('aleqtisadiya', 'outlet', 'outlet_stated'), ('reuters', 'agency', 'author')]
    """
    return _article_rows(article.get("doc_id"), article.get("lang"),
                         [article.get(field) for field in FIELDS])


def _article_rows(doc_id: object, lang: object, values: Iterable[object]) -> list[dict]:
    """:func:`article_sources` of an article given as its ``FIELDS`` values, in order."""
    lang = lang if isinstance(lang, str) else None
    rows = []
    for field, value in zip(FIELDS, values, strict=True):
        if isinstance(value, str) and value.strip():
            rows += find_sources(value, field, lang)
    for row in rows:
        row["doc_id"] = doc_id
    return rows


#: The evidence for ``articles.outlet``, strongest first: a row's rank is the first of these
#: it is (see :func:`_evidence_rank`), and the outlet is the first row of the lowest rank.
_EVIDENCE = (
    "stated",  # a stated name the registry knows
    "url",  # else the url's site
    "stated",  # else the name as stated
    "source-line",
    "byline",  # a byline naming an outlet
    "byline",  # any byline or dateline
    "formula",  # an outlet's own formula (به گزارش مشرق)
)


def _evidence_rank(row: Mapping[str, object]) -> int:
    """The first entry of ``_EVIDENCE`` that ``row`` is, or ``len(_EVIDENCE)``.

    >>> _evidence_rank({"rule": "dateline", "kind": "outlet", "name": "x"})
    4
    >>> _evidence_rank({"rule": "ar-told-to", "kind": "cited", "name": "x"})
    7
    """
    rule = row["rule"]
    if rule == "stated":
        return 0 if row.get("registry_id") is not None else 2
    if rule == "url":
        return 1
    if rule == "source-line":
        return 3
    if rule in _BYLINE_RULES:
        return 4 if row["kind"] == "outlet" else 5
    if row["kind"] == "outlet" and rule not in OUTLET_RULES:
        return 6
    return len(_EVIDENCE)


def choose_outlet(rows: list[dict]) -> tuple[str | None, str | None]:
    """The article's outlet and the rule that gave it, from its attribution rows.

    >>> choose_outlet([{"name": "reuters", "kind": "agency", "rule": "byline",
    ...                 "registry_id": "reuters"},
    ...                {"name": "mashregh", "kind": "outlet", "rule": "fa-be-gozaresh",
    ...                 "registry_id": "mashregh"}])
    ('reuters', 'byline')
    >>> choose_outlet([{"name": "Tehran Times Daily", "kind": "outlet", "rule": "stated",
    ...                 "registry_id": None},
    ...                {"name": "tehrantimes", "kind": "outlet", "rule": "url",
    ...                 "registry_id": "tehrantimes"}])
    ('tehrantimes', 'url')
    >>> choose_outlet([])
    (None, None)
    """
    best, name = len(_EVIDENCE), None
    for row in rows:
        rank = _evidence_rank(row)
        if rank < best:
            best, name = rank, row["name"]
            if rank == 0:
                break
    if best == len(_EVIDENCE):
        return None, None
    if name is None:  # a row without a name (not one of ours): try the weaker evidence
        return _choose_outlet_by_rules(rows)
    return name, _EVIDENCE[best]


def _choose_outlet_by_rules(rows: list[dict]) -> tuple[str | None, str | None]:
    """:func:`choose_outlet` spelled out: evidence by evidence, the first row's name that is
    not None."""
    def first(pred) -> str | None:
        return next((r["name"] for r in rows if pred(r)), None)

    candidates = (
        ("stated", lambda r: r["rule"] == "stated" and r.get("registry_id") is not None),
        ("url", lambda r: r["rule"] == "url"),
        ("stated", lambda r: r["rule"] == "stated"),
        ("source-line", lambda r: r["rule"] == "source-line"),
        ("byline", lambda r: r["rule"] in _BYLINE_RULES and r["kind"] == "outlet"),
        ("byline", lambda r: r["rule"] in _BYLINE_RULES),
        ("formula", lambda r: r["kind"] == "outlet" and r["rule"] not in OUTLET_RULES),
    )
    for rule, pred in candidates:
        name = first(pred)
        if name is not None:
            return name, rule
    return None, None


def _relabel(rows: list[dict], outlet: str | None) -> None:
    for row in rows:
        if row["kind"] == "outlet" and row["name"] != outlet:
            row["kind"] = "agency"
        elif row["kind"] == "agency" and row["name"] == outlet and row["rule"] in _BYLINE_RULES:
            row["kind"] = "outlet"


def run(tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Stage: adds ``sources`` and fills ``articles.outlet`` / ``outlet_rule``.

    Never raises on bad text: an article that fails becomes a ``problems`` row.

    >>> arts = _tables.frame("articles", [{"doc_id": "d1", "lang": "fa",
    ...     "body": "به گزارش مشرق به نقل از خبرگزاری سما، ..."}])
    >>> out = run({"articles": arts, "problems": _tables.empty("problems")})
    >>> out["articles"].loc[0, "outlet"], out["articles"].loc[0, "outlet_rule"]
    ('mashregh', 'formula')
    >>> out["sources"][["name", "kind", "order"]].values.tolist()
    [['mashregh', 'outlet', 0], ['sama', 'agency', 1]]
    """
    out = dict(tables)
    articles = tables["articles"]
    rows: list[dict] = []
    problems: list[dict] = []
    outlets: list[str | None] = []
    rules: list[str | None] = []
    # Plain column lists, not to_dict("records"): only these columns are read; file and
    # part only for a problem row.
    columns = [_cells(articles, c) for c in ("doc_id", "lang") + FIELDS]
    files, parts = ([None] * len(articles) if c not in articles else articles[c].tolist()
                    for c in ("file", "part"))
    for n, (doc_id, lang, *values) in enumerate(zip(*columns, strict=True)):
        try:
            found = _article_rows(doc_id, lang, values)
            outlet, rule = choose_outlet(found)
            _relabel(found, outlet)
        except Exception as exc:  # noqa: BLE001 - untrusted text must not stop the corpus
            found, outlet, rule = [], None, None
            problems.append({"file": _value(files[n]), "part": _value(parts[n]),
                             "doc_id": doc_id, "stage": "sources", "reason": "sources-failed",
                             "detail": f"attribution extraction failed: {type(exc).__name__}: "
                                       f"{str(exc)[:200]}"})
        rows += found
        outlets.append(outlet)
        rules.append(rule)
    new_articles = articles.copy()
    new_articles["outlet"] = pd.array(outlets, dtype="string")
    new_articles["outlet_rule"] = pd.array(rules, dtype="string")
    out["articles"] = new_articles
    out["sources"] = _sources_frame(rows)
    if problems:
        previous = tables.get("problems")
        frames = [f for f in (previous, _tables.frame("problems", problems)) if f is not None
                  and len(f)]
        out["problems"] = _tables.frame("problems", pd.concat(frames, ignore_index=True))
    elif "problems" not in out:
        out["problems"] = _tables.empty("problems")
    return out


def _sources_frame(rows: list[dict]) -> pd.DataFrame:
    """``tables.frame("sources", rows)`` built column by column (rows from :func:`_row`,
    with doc_id), which Arrow converts faster than a list of dicts.

    >>> _sources_frame(article_sources({"doc_id": "d1", "url": "http://www.mehrnews.com/x"})
    ...                ).equals(_tables.frame("sources", article_sources(
    ...                    {"doc_id": "d1", "url": "http://www.mehrnews.com/x"})))
    True
    """
    if not rows:
        return _tables.frame("sources", rows)
    schema = _sources_schema()
    try:
        # the rows' values in schema order, transposed to columns, all in C
        columns = zip(*map(itemgetter(*schema.names), rows), strict=True)
        table = pa.table([pa.array(values, f.type) for f, values in zip(schema, columns,
                                                                          strict=True)],
                         schema=schema)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return _tables.frame("sources", rows)  # a value Arrow refuses: pandas coerces it
    return _tables.frame("sources", _tables.from_arrow(table))


@cache
def _sources_schema() -> pa.Schema:
    types = {"string": pa.string(), "Int64": pa.int64()}
    return pa.schema([(c, types[d]) for c, d in _tables.SCHEMAS["sources"].items()])


def _cells(articles: pd.DataFrame, column: str) -> list:
    """A column's values as the stage reads them (see :func:`_value`), None when absent; a
    string or None is never missing, so pd.isna runs only on the rare other values.

    >>> _cells(pd.DataFrame({"a": ["x", None, float("nan")]}), "a"), _cells(pd.DataFrame(), "b")
    (['x', None, None], [])
    """
    if column not in articles:
        return [None] * len(articles)
    return [v if v is None or isinstance(v, str) else _value(v) for v in articles[column].tolist()]


def _value(value: object) -> object:
    """A cell as the stage reads it: None when missing (None, NA, NaN, NaT).

    >>> _value(pd.NA), _value(float("nan")), _value(3)
    (None, None, 3)
    """
    if value is None or value is pd.NA:
        return None
    return None if _missing(value) else value


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
