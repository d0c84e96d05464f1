"""Sources and attribution: the outlet, the agencies it relays, the media it cites, whom it quotes.

Names come from the registry ``data/outlets.csv`` (one Aho-Corasick automaton over every
spelling, on the normalised key of :mod:`helpers.textnorm`), cue words and patterns from
``data/source_cues.json``. A registry name alone is never an attribution: it needs a cue
(``به گزارش``, ``به نقل از``, ``وفقا لـ``, ``ذكرت صحيفة``, ``according to``...), a credit
position (a byline or dateline at the top of the body or in the author field, ``(رويترز)``),
a source line (``المصدر: ...``) or what the record's format states (source field, url).

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
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import ahocorasick
import pandas as pd

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
_URL = re.compile(r"(?:https?://|www\.)[^\s\"]+")


@dataclass(frozen=True)
class Entry:
    """One spelling of a registry outlet in the automaton."""

    id: str
    kind: str  # the registry kind: agency, broadcaster, newspaper, website...
    strict: bool  # also a common word or place: needs a cue, a type word or quotes
    upper: bool  # an all-capital Latin abbreviation: must be written in capitals
    lil: bool = False  # the لل form (للجارديان): the preposition ل is part of the match


@dataclass(frozen=True)
class _Hit:
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


def _variants(spelling: str) -> list[tuple[str, bool]]:
    """Key variants of one spelling and whether each is strict.

    >>> sorted(k for k, _ in _variants("(ال)جارديان"))
    ['الجارديان', 'جارديان']
    >>> sorted(k for k, _ in _variants("أ ف ب"))
    ['ا . ف . ب', 'ا ف ب', 'ا. ف. ب', 'ا.ف.ب']
    >>> _variants("~فارس")
    [('فارس', True)]
    """
    strict = spelling.startswith("~")
    spelling = spelling.lstrip("~").strip()
    forms = [spelling]
    if spelling.startswith("(ال)"):
        forms = ["ال" + spelling[4:], spelling[4:]]
    keys = []
    for form in forms:
        key = _key(form)
        parts = key.split(" ")
        if len(parts) > 1 and all(len(p) == 1 for p in parts):
            keys += [key, ".".join(parts), ". ".join(parts), " . ".join(parts)]
        else:
            keys.append(key)
    return [(k, strict) for k in dict.fromkeys(keys) if k]


@cache
def _automaton() -> ahocorasick.Automaton:
    auto = ahocorasick.Automaton()
    seen: set[str] = set()
    for row in registry().to_dict("records"):
        for spelling, abbr in _spellings(row):
            bare = spelling.lstrip("~")
            upper = abbr and bare.isascii() and bare.isupper() and len(bare) <= 5
            for key, strict in _variants(spelling):
                entry = Entry(row["id"], row["kind"], strict, upper)
                pairs = [(key, entry)]
                if key.startswith("ال") and not key.isascii():
                    # لل: the preposition ل swallows the alef of ال (للجارديان).
                    pairs.append(("ل" + key[1:], Entry(row["id"], row["kind"], strict, upper,
                                                       lil=True)))
                for k, e in pairs:
                    if k not in seen:
                        seen.add(k)
                        auto.add_word(k, (len(k), e))
    auto.make_automaton()
    return auto


def _compact(key: str) -> str:
    return re.sub(r"[^0-9a-z\u0600-\u06ff]", "", key)


@cache
def _lookup_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for row in registry().to_dict("records"):
        names = [row["id"]] + [s for s, _ in _spellings(row)]
        for domain in row["domains"].split("|"):
            domain = domain.strip().lower()
            if domain:
                names += [domain, domain.split(".")[0]]
        for name in names:
            for key, _ in _variants(name):
                for k in (key, _compact(key)):
                    table.setdefault(k, row["id"])
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
    try:
        host = urlsplit(text if "//" in text else "//" + text).hostname or ""
    except ValueError:
        return None
    labels = host.lower().split(".")
    table = _domain_table()
    for i in range(len(labels) - 1):
        domain = ".".join(labels[i:])
        if domain in table:
            start = url.lower().find(domain)
            return start, start + len(domain), table[domain]
    return None


# ---------------------------------------------------------------------------- cues


@dataclass(frozen=True)
class _Config:
    proclitics: frozenset[str]
    type_words: tuple[str, ...]
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

    def finditer(self, key: str) -> Iterator[re.Match]:
        if not self.starts:
            for m in self.rx.finditer(key):
                if self._starts_word(key, m.start()):
                    yield m
            return
        positions: set[int] = set()
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


def _compile(pattern: str, starts: Iterable[str] = ()) -> _Cue:
    r"""Compile a cue pattern of ``data/source_cues.json``.

    >>> [m.group() for m in _compile(r"(?<![^\W\d_])قال").finditer("وقال مقال قال")]
    ['قال', 'قال']
    >>> [m.span() for m in _compile(r"(?<![^\W\d_])به گزارش", ["به"]).finditer(
    ...     "به گزارش مشرق به نقل از")]
    [(0, 8)]
    """
    return _Cue(pattern, starts)


def _needs(spec: dict) -> re.Pattern | None:
    """Literal words of a pattern, normalised: the pattern runs only if one is present."""
    words = [_norm_pattern(w) for w in spec.get("needs", ())]
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
        type_words=tuple(sorted(set(keys), key=len, reverse=True)),
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
        end_rx=re.compile("[" + re.escape(_chars(c["unknown_end_chars"])) + "]"),
        reporter=_key("خبرنگار"),
    )


# ---------------------------------------------------------------------------- matching


def _hits(kd: textnorm.Keyed, cfg: _Config) -> list[_Hit]:
    """Registry names in the key at word boundaries, longest first, without overlaps."""
    key = kd.key
    found: list[_Hit] = []
    urls = [m.span() for m in _URL.finditer(key)] if "http" in key or "www." in key else []
    for end_idx, (length, entry) in _automaton().iter(key):
        start, end = end_idx - length + 1, end_idx + 1
        if urls and any(s <= start < e for s, e in urls):
            continue  # alalam in http://media.alalam.ir/... is a link, not a credit
        if end < len(key) and key[end].isalnum():
            continue
        prefix = ""
        if start > 0 and key[start - 1].isalnum():
            if key[start].isascii():
                continue
            t = start
            while t > 0 and key[t - 1].isalnum():
                t -= 1
            prefix = key[t:start]
            if prefix not in cfg.proclitics:
                continue
        if entry.upper:
            s, e = kd.span(start, end)
            if not kd.text[s:e].isupper():
                continue
        found.append(_Hit(start, end, entry, prefix))
    found.sort(key=lambda h: (h.start - h.end, h.start))
    taken: list[_Hit] = []
    used = bytearray(len(key))
    for hit in found:
        if not any(used[hit.start:hit.end]):
            taken.append(hit)
            used[hit.start:hit.end] = b"\x01" * (hit.end - hit.start)
    return sorted(taken, key=lambda h: h.start)


def _skip_blank(key: str, i: int) -> int:
    while i < len(key) and key[i] in ' "':
        i += 1
    return i


def _type_word_at(key: str, i: int, cfg: _Config) -> int:
    """End of the type word (صحيفة, خبرگزاری, ...) starting at ``i``, or -1."""
    m = cfg.type_rx.match(key, i)
    return m.end() if m else -1


def _type_word_before(key: str, i: int, cfg: _Config) -> int:
    """Start of a type word ending just before ``i`` (spaces and quotes between), or -1."""
    j = i
    while j > 0 and key[j - 1] in ' "':
        j -= 1
    for word in cfg.type_words:
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


@dataclass
class _Found:
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
    typed_end = _type_word_at(key, i, cfg)
    if i in by_start:
        return i, by_start[i].end, by_start[i].entry
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


def _quoted(key: str, cfg: _Config, lang: str | None, cue_starts: list[int]) -> list[_Found]:
    cue_starts = sorted(cue_starts)
    out = []
    for spec, rx, needs in cfg.quoted:
        if not _cue_lang_ok(spec, lang) or not _present(needs, key):
            continue
        for m in rx.finditer(key):
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


def _source_lines(key: str, hits: list[_Hit], starts: list[int], cfg: _Config,
                  whole: bool) -> list[_Found]:
    out = []
    present = _present(cfg.source_line_needs, key)
    matches = list(cfg.source_line.finditer(key)) if present else []
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
    hits = _hits(kd, cfg)
    starts = [h.start for h in hits]
    found: list[_Found] = []
    claimed: set[int] = set()

    def add(item: _Found) -> None:
        if item.start not in claimed:
            claimed.add(item.start)
            found.append(item)

    if field in ("source_line", "body"):
        for item in _source_lines(key, hits, starts, cfg, field == "source_line"):
            add(item)
    formula_name: str | None = None
    matches = []
    for n, (cue, rx, needs) in enumerate(cfg.cues):
        if _cue_lang_ok(cue, lang) and _present(needs, key):
            matches += [(m.start(), n, m.end(), cue) for m in rx.finditer(key)]
    matches.sort(key=lambda m: m[:2])
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
        told = hit.prefix in ("ل", "ول", "فل") or (hit.entry.lil and hit.prefix in ("", "و", "ف"))
        if hit.start not in claimed and not hit.entry.strict and told:
            add(_Found(hit.start, hit.end, hit.entry, "cited", "ar-told-to"))
    if field in ("body", "author", "dateline"):
        zone = cfg.zone if field == "body" else len(key)
        for item in _credits(kd, hits, claimed, cfg, zone, field):
            add(item)
    for item in _quoted(key, cfg, lang, cue_starts):
        add(item)
    return _rows(kd, found, field)


def _rows(kd: textnorm.Keyed, found: list[_Found], field: str) -> list[dict]:
    found.sort(key=lambda f: f.start)
    bounds = [m.end() for m in _SENTENCE_END.finditer(kd.key)]
    rows, last_sentence, order = [], -1, 0
    for item in found:
        sentence = bisect_right(bounds, item.start)
        order = order + 1 if sentence == last_sentence else 0
        last_sentence = sentence
        s, e = kd.span(item.start, item.end)
        surface = kd.text[s:e]
        rid = item.entry.id if item.entry else None
        rows.append(_row(rid or surface, rid, item.kind, surface, field, s, e, order, item.rule))
    return rows


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
    lang = article.get("lang")
    lang = lang if isinstance(lang, str) else None
    rows = []
    for field in FIELDS:
        value = article.get(field)
        if isinstance(value, str) and value.strip():
            rows += find_sources(value, field, lang)
    for row in rows:
        row["doc_id"] = article.get("doc_id")
    return rows


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
    def first(pred) -> str | None:
        return next((r["name"] for r in rows if pred(r)), None)

    candidates = (
        # a stated name the registry knows, else the url's site, else the name as stated
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
    for article in articles.to_dict("records"):
        article = {k: (None if _missing(v) else v) for k, v in article.items()}
        try:
            found = article_sources(article)
            outlet, rule = choose_outlet(found)
            _relabel(found, outlet)
        except Exception as exc:  # noqa: BLE001 - untrusted text must not stop the corpus
            found, outlet, rule = [], None, None
            problems.append({"file": article.get("file"), "part": article.get("part"),
                             "doc_id": article.get("doc_id"), "stage": "sources",
                             "reason": "sources-failed",
                             "detail": f"attribution extraction failed: {type(exc).__name__}: "
                                       f"{str(exc)[:200]}"})
        rows += found
        outlets.append(outlet)
        rules.append(rule)
    new_articles = articles.copy()
    new_articles["outlet"] = pd.array(outlets, dtype="string")
    new_articles["outlet_rule"] = pd.array(rules, dtype="string")
    out["articles"] = new_articles
    out["sources"] = _tables.frame("sources", rows)
    if problems:
        previous = tables.get("problems")
        frames = [f for f in (previous, _tables.frame("problems", problems)) if f is not None
                  and len(f)]
        out["problems"] = _tables.frame("problems", pd.concat(frames, ignore_index=True))
    elif "problems" not in out:
        out["problems"] = _tables.empty("problems")
    return out


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
