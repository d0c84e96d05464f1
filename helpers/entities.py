"""Entity mentions across Arabic and Persian: the registry, the matcher and suggestions.

The registry (``data/entities.csv``) has one row per entity: ``id``, ``type``, labels in
English, Arabic and Persian, and ``|``-separated aliases per language. An alias may carry
a register (``الكيان الصهيوني@loaded``; default ``neutral``) and a leading ``=`` to keep
it exactly as written (no generated article forms). Labels in Arabic and Persian are
aliases too. Spelling variants (ي/ی, ك/ک, ة/ه, hamza seats, diacritics, tatweel, ZWNJ)
are absorbed by the matching key (``helpers.textnorm``), not listed; forms with and
without the article ال are generated: ال is dropped from any word of an alias, and added
to the words after the first (``زياد نخالة`` also finds ``زیاد النخاله``).

Matching runs on the key of each field with one Aho-Corasick automaton: every pattern
is a variant wrapped in spaces, optionally with an attached particle (و ف ب ل ك, and
لل وال بال ... where they replace an alias's article), searched in the key with every
non-word character turned into a space. So each hit already respects word boundaries;
overlapping hits resolve to the leftmost, then the longest. Offsets point into the
original text and exclude the particle. The pipeline stage searches the keys of many
texts in one pass and looks their offsets and sentence numbers up in bulk.

>>> [(m["entity_id"], m["surface"]) for m in find_mentions("وصل زياد نخالة إلى القاهرة")]
[('ziyad-nakhalah', 'زياد نخالة'), ('cairo', 'القاهرة')]
>>> [(m["entity_id"], m["surface"]) for m in find_mentions("به ریاست زیاد النخاله در قاهره")]
[('ziyad-nakhalah', 'زیاد النخاله'), ('cairo', 'قاهره')]
>>> m = find_mentions("وفد يصل للقاهرة")[0]
>>> m["entity_id"], m["surface"], m["start"], m["end"]
('cairo', 'قاهرة', 10, 15)
>>> find_mentions("المصريين")   # no short alias inside a longer word
[]

Sentences end at . ؟ ? ! ؛ and at newlines (a full stop after a one-letter abbreviation
such as ``د.`` or between digits does not end one); paragraphs are lines: one or more
newlines (blank or not) end a paragraph, which fits both one-paragraph-per-line text and
blank-line-separated text.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from itertools import chain, pairwise
from pathlib import Path

import ahocorasick
import numpy as np
import pandas as pd
import pyarrow as pa

from . import tables, textnorm

DATA_DIR = Path(__file__).parent / "data"
REGISTRY_FILE = DATA_DIR / "entities.csv"
CUES_FILE = DATA_DIR / "entity_cues.json"
USER_REGISTRY_ENV = "NEWSWORK_ENTITIES"
TYPES = ("person", "organisation", "place", "other")
LANGS = ("en", "ar", "fa")
FIELDS = ("title", "body", "keywords")
COLUMNS = ("id", "type", "label_en", "label_ar", "label_fa", "aliases_ar", "aliases_fa",
           "aliases_en")
MAX_VARIANTS = 64

_PUNCT = re.compile(r"[^\w\s]|_")
_ARTICLE = "ال"
_BREAKS = "؟?!؛\n"
_BREAK_PUNCT = "؟?!؛."
_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff]")


# --------------------------------------------------------------------------- registry
@cache
def cues() -> dict:
    """The word lists of ``data/entity_cues.json``.

    >>> "و" in cues()["prefixes"]["particles"]
    True
    """
    return json.loads(CUES_FILE.read_text(encoding="utf-8"))


def load_registry(path: str | Path | None = None, extra: pd.DataFrame | None = None
                  ) -> pd.DataFrame:
    """The entity registry: ``path`` (default ``data/entities.csv``) plus ``extra`` rows.

    Rows of ``extra`` replace rows of the file with the same ``id``. Missing text cells
    become empty strings; an unknown ``type`` becomes ``other``.

    >>> reg = load_registry()
    >>> reg.set_index("id").loc["cairo", "label_fa"]
    'قاهره'
    >>> extra = pd.DataFrame([{"id": "x-y", "type": "person", "label_en": "X Y",
    ...                        "aliases_ar": "اكس واي"}])
    >>> load_registry(extra=extra).set_index("id").loc["x-y", "aliases_fa"]
    ''
    """
    reg = pd.read_csv(path or REGISTRY_FILE, dtype=str, keep_default_na=False,
                      encoding="utf-8")
    if extra is not None and len(extra):
        extra = extra.astype(object).where(extra.notna(), "").astype(str)
        reg = pd.concat([reg[~reg["id"].isin(set(extra["id"]))], extra], ignore_index=True)
    for col in COLUMNS:
        if col not in reg.columns:
            reg[col] = ""
    reg = reg[list(COLUMNS)].fillna("").astype(str)
    reg = reg[reg["id"].str.strip() != ""].drop_duplicates("id", keep="last")
    reg["id"] = reg["id"].str.strip()
    reg["type"] = reg["type"].str.strip().where(reg["type"].str.strip().isin(TYPES), "other")
    return reg.reset_index(drop=True)


def registry_fingerprint(registry: pd.DataFrame | None = None) -> str:
    """A short hash of the registry and the prefix lists, for cache keys.

    >>> len(registry_fingerprint())
    16
    >>> registry_fingerprint() == registry_fingerprint(load_registry())
    True
    """
    return _default_matcher().fingerprint if registry is None else _fingerprint(registry)


def _fingerprint(reg: pd.DataFrame) -> str:
    h = hashlib.sha256()
    h.update(reg[list(COLUMNS)].to_csv(index=False).encode("utf-8"))
    h.update(json.dumps(cues()["prefixes"], sort_keys=True).encode("utf-8"))
    return h.hexdigest()[:16]


def user_registry_path() -> Path | None:
    """The user's registry file (``$NEWSWORK_ENTITIES``), whose rows extend the shipped ones.

    >>> import os
    >>> os.environ.get(USER_REGISTRY_ENV) is None or user_registry_path() is not None
    True
    """
    value = os.environ.get(USER_REGISTRY_ENV)
    return Path(value).expanduser() if value else None


def _user_state() -> tuple[str, int]:
    path = user_registry_path()
    if path is None:
        return "", 0
    try:
        return str(path), path.stat().st_mtime_ns
    except OSError:
        return str(path), -1


def default_registry() -> pd.DataFrame:
    """The shipped registry plus the user's file (``$NEWSWORK_ENTITIES``), read once each."""
    return _registry_for(*_user_state())


@cache
def _registry_for(user_path: str, mtime: int) -> pd.DataFrame:
    if not user_path or mtime < 0:
        return load_registry()
    extra = pd.read_csv(user_path, dtype=str, keep_default_na=False, encoding="utf-8")
    return load_registry(extra=extra)


def add_entities(rows: pd.DataFrame | Iterable[Mapping[str, str]],
                 path: str | Path | None = None) -> Path:
    """Save ``rows`` (registry columns) to the user's registry file and use it from now on.

    Rows replace earlier user rows and shipped rows with the same ``id`` (empty cells
    keep the shipped row's value, so a correction need not repeat it). The file is
    ``path``, else ``$NEWSWORK_ENTITIES``, else ``~/.cache/newswork/entities.csv``; this
    sets ``$NEWSWORK_ENTITIES`` so worker processes started later use it too, and the
    registry fingerprint (part of the cache key) changes, so the corpus is re-matched.

    >>> import tempfile, os
    >>> old = os.environ.get(USER_REGISTRY_ENV)
    >>> f = add_entities([{"id": "jane-roe", "type": "person", "label_en": "Jane Roe",
    ...                    "label_ar": "جين رو"}], Path(tempfile.mkdtemp()) / "mine.csv")
    >>> [m["entity_id"] for m in find_mentions("قالت جين رو")]
    ['jane-roe']
    >>> restored = os.environ.pop(USER_REGISTRY_ENV) if old is None else os.environ.update(
    ...     {USER_REGISTRY_ENV: old})
    """
    new = pd.DataFrame(list(rows) if not isinstance(rows, pd.DataFrame) else rows)
    if "id" not in new.columns or new["id"].isna().any():
        raise ValueError("every entity needs an id (a slug such as 'jane-roe')")
    target = Path(path or user_registry_path()
                  or Path.home() / ".cache" / "newswork" / "entities.csv").expanduser()
    old = (pd.read_csv(target, dtype=str, keep_default_na=False, encoding="utf-8")
           if target.exists() else pd.DataFrame(columns=list(COLUMNS)))
    merged = load_registry(REGISTRY_FILE, extra=pd.concat([old, new], ignore_index=True))
    merged = merged[merged["id"].isin(set(old["id"]) | set(new["id"].astype(str)))]
    shipped = load_registry().set_index("id")
    fill = shipped.reindex(merged["id"]).fillna("").reset_index(drop=True)
    merged = merged.reset_index(drop=True)
    merged = merged.where(merged != "", fill).fillna("")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    merged.to_csv(tmp, index=False, encoding="utf-8")
    os.replace(tmp, target)
    os.environ[USER_REGISTRY_ENV] = str(target)
    return target


def parse_alias(alias: str) -> tuple[str, str, bool]:
    """``(text, register, exact)`` of one registry alias.

    >>> parse_alias("الكيان الصهيوني@loaded")
    ('الكيان الصهيوني', 'loaded', False)
    >>> parse_alias(" =الاحتلال@loaded ")
    ('الاحتلال', 'loaded', True)
    >>> parse_alias("غزة")
    ('غزة', 'neutral', False)
    """
    alias = alias.strip()
    text, _, register = alias.partition("@")
    text = text.strip()
    exact = text.startswith("=")
    return text.lstrip("=").strip(), register.strip() or "neutral", exact


def article_variants(key: str) -> list[tuple[str, bool]]:
    """Forms of an alias key with and without the article: ``(variant, first word stripped)``.

    ال is dropped from any word that keeps three letters, and added to words after the
    first; never added to the first word (see ``data/entity_cues.json``). A variant
    whose first word lost its article is only matched after a particle that absorbs the
    article (للقاهرة), see :func:`compile_registry`.

    >>> article_variants("زياد نخاله")
    [('زياد نخاله', False), ('زياد النخاله', False)]
    >>> sorted(article_variants("القاهره"))
    [('القاهره', False), ('قاهره', True)]
    >>> article_variants("حزب الله")
    [('حزب الله', False)]
    """
    words = key.split(" ")
    options: list[list[str]] = []
    for i, word in enumerate(words):
        forms = [word]
        if word.startswith(_ARTICLE):
            if len(word) - 2 >= 3:
                forms.append(word[2:])
        elif i > 0 and len(word) >= 3 and _ARABIC_SCRIPT.match(word):
            forms.append(_ARTICLE + word)
        options.append(forms)
    out: list[tuple[str, bool]] = [("", False)]
    for i, forms in enumerate(options):
        out = [(f"{v} {f}" if v else f, s or (i == 0 and f != forms[0]))
               for v, s in out for f in forms][:MAX_VARIANTS]
    return out


def _aliases(row: Mapping[str, str]) -> list[tuple[str, str, bool]]:
    # Explicit aliases first, so their register wins over a label's neutral one.
    written = [a for col in ("aliases_ar", "aliases_fa", "aliases_en") for a in row[col].split("|")]
    written += [row["label_ar"], row["label_fa"], row["label_en"]]
    seen: dict[str, tuple[str, str, bool]] = {}
    for alias in written:
        text, register, exact = parse_alias(alias)
        if text and text not in seen:
            seen[text] = (text, register, exact)
    return list(seen.values())


# --------------------------------------------------------------------------- matcher
@dataclass(frozen=True)
class Matcher:
    """A compiled registry: the automaton and what its values point to.

    The automaton stores one integer per pattern, ``variant * len(prefix_len) + prefix``:
    the alias variant it spells (whose entity, alias and length are ``variant_entity``,
    ``variant_alias`` and ``variant_len``) and the particle before it (whose length is
    ``prefix_len``); :meth:`decode` reads them.
    """

    automaton: ahocorasick.Automaton
    ids: tuple[str, ...]
    types: tuple[str, ...]
    names: tuple[str, ...]
    aliases: tuple[str, ...]
    registers: tuple[str, ...]
    alias_entity: tuple[int, ...]
    fingerprint: str
    conflicts: tuple[tuple[str, str, str], ...]
    separator: str  # joins the keys of a batch for one pass: see :func:`_scan`
    variant_entity: np.ndarray = field(repr=False, compare=False)
    variant_alias: np.ndarray = field(repr=False, compare=False)
    variant_len: np.ndarray = field(repr=False, compare=False)
    prefix_len: np.ndarray = field(repr=False, compare=False)

    def decode(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                  np.ndarray]:
        """``(entity, alias, particle length, variant length)`` of automaton values.

        >>> m = matcher()
        >>> value = m.automaton.get(" لغزه ")
        >>> ent, alias, plen, vlen = (x.tolist() for x in m.decode(np.array([value])))
        >>> [m.ids[e] for e in ent], [m.aliases[a] for a in alias], plen, vlen
        (['gaza'], ['غزة'], [1], [3])
        """
        variant, prefix = np.divmod(values, len(self.prefix_len))
        return (self.variant_entity[variant], self.variant_alias[variant],
                self.prefix_len[prefix], self.variant_len[variant])


def compile_registry(registry: pd.DataFrame) -> Matcher:
    """Build the automaton of ``registry`` (use :func:`matcher` for the cached one).

    Conflicts (one written alias key under two ids) keep the first row's entity and are
    listed in ``Matcher.conflicts`` as ``(key, kept id, dropped id)``.

    >>> reg = load_registry(extra=pd.DataFrame([{"id": "a", "aliases_ar": "غزة"}]))
    >>> ("غزه", "gaza", "a") in compile_registry(reg).conflicts
    True
    """
    return _compile(registry, _fingerprint(registry))


def _compile(registry: pd.DataFrame, fingerprint: str) -> Matcher:
    """:func:`compile_registry` of a registry whose fingerprint is known."""
    prefixes = cues()["prefixes"]
    particles = [textnorm.normalize(p) for p in prefixes["particles"]]
    article = [textnorm.normalize(p) for p in prefixes["article"]]
    rows = registry.to_dict("records")
    ids = [row["id"] for row in rows]
    written_aliases = [(ent, alias) for ent, row in enumerate(rows) for alias in _aliases(row)]
    keys = _alias_keys([text for _, (text, _, _) in written_aliases])
    written: dict[str, int] = {}
    conflicts: list[tuple[str, str, str]] = []
    aliases, registers, alias_entity = [], [], []
    variants: list[str] = []
    variant_alias: list[int] = []
    # The variants (indices in ``variants``) each particle may precede: an alias's own key
    # (``first``), its other forms (``later``), and the forms whose first word lost its
    # article (``stripped``); ``_ar`` for the aliases in Arabic script.
    first, first_ar, later, later_ar, stripped = [], [], [], [], []
    for (ent, (text, register, exact)), key in zip(written_aliases, keys, strict=True):
        if len(key.replace(" ", "")) < 2:
            continue
        if key in written and alias_entity[written[key]] != ent:
            conflicts.append((key, ids[alias_entity[written[key]]], ids[ent]))
            continue
        idx = len(aliases)
        written.setdefault(key, idx)
        aliases.append(text)
        registers.append(register)
        alias_entity.append(ent)
        arabic = bool(_ARABIC_SCRIPT.search(key))
        for vi, (variant, lost_article) in enumerate(
                [(key, False)] if exact else article_variants(key)):
            # Without its article the first word is often a common noun (رقة, خليل,
            # جزائر): match it only where a particle replaced the article.
            if lost_article and not text.startswith(_ARTICLE):
                continue
            vid = len(variants)
            variants.append(variant)
            variant_alias.append(idx)
            if lost_article:
                stripped.append(vid)
            else:
                (later if vi else first).append(vid)
                if arabic:
                    (later_ar if vi else first_ar).append(vid)
    # A pattern is a particle, a variant and spaces; spelled by several candidates, it
    # keeps the one of lowest rank (particle length, not the alias's own key, alias, then
    # the order above). Two candidates spell the same pattern only with particles of one
    # length, so with the same particle: the candidates are listed particle by particle,
    # shortest first, each in rank order, and the first of a pattern wins.
    pres = sorted(dict.fromkeys(["", *particles, *article]), key=len)
    patterns: list[str] = []
    values: list[int] = []
    for pid, p in enumerate(pres):
        heads, tails = [], []
        if p == "":
            heads, tails = [first], [later]
        elif p in particles:
            heads, tails = [first_ar], [later_ar]
        if p in article:
            tails.append(stripped)
        for vids in (*heads, tails[0] if len(tails) == 1 else sorted(set(chain(*tails)))):
            patterns += [f" {p}{variants[v]} " for v in vids]
            values += [v * len(pres) + pid for v in vids]
    best = dict(zip(reversed(patterns), reversed(values), strict=True))  # the first wins
    letters = set(" ").union(*variants, *pres)  # every character of the patterns
    # The order of insertion changes only speed (a node tries its children in the order
    # they were added): this one, long particles first, scans within 2% of patterns sorted
    # by letter frequency, which took 30 ms more to build.
    automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
    for pattern, value in best.items():
        automaton.add_word(pattern, value)
    automaton.make_automaton()
    variant_alias_array = np.array(variant_alias, dtype=np.int64)
    return Matcher(automaton, tuple(ids), tuple(row["type"] for row in rows),
                   tuple(row["label_en"] or row["id"] for row in rows), tuple(aliases),
                   tuple(registers), tuple(alias_entity), fingerprint, tuple(conflicts),
                   _separator(letters),
                   np.array(alias_entity, dtype=np.int64)[variant_alias_array],
                   variant_alias_array, np.fromiter(map(len, variants), np.int64, len(variants)),
                   np.fromiter(map(len, pres), np.int64, len(pres)))




def _alias_keys(texts: list[str]) -> list[str]:
    """The matching key of each alias: normalised, non-word characters as single spaces.

    The texts are normalised in one call (``textnorm.normalize_many``).

    >>> _alias_keys(["الجهاد الإسلامی", " غزة|", "ﻻ-بد"])
    ['الجهاد الاسلامي', 'غزه', 'لا بد']
    """
    normalised = textnorm.normalize_many(texts)
    masked = masked_key("".join(normalised))  # one character for one: cut at the same places
    ends = np.cumsum(np.fromiter(map(len, normalised), np.int64, len(normalised))).tolist()
    return [" ".join(masked[start:end].split()) for start, end in pairwise([0, *ends])]


def _separator(letters: Iterable[str]) -> str:
    """A word character that is none of ``letters`` (those of the patterns), so no hit can
    span it. A word character survives :func:`masked_key`, so it stays between the keys it
    joins.

    >>> _separator([" ", "غ", "\\u4e00"])
    '丁'
    """
    used = set(letters)
    return next(ch for ch in map(chr, range(0x4E00, 0x10000)) if ch.isalnum() and ch not in used)


_MATCHERS: dict[str, Matcher] = {}


def matcher(registry: pd.DataFrame | Matcher | None = None) -> Matcher:
    """The compiled matcher of ``registry`` (default: the shipped one), cached by fingerprint."""
    if isinstance(registry, Matcher):
        return registry
    if registry is None:
        return _default_matcher()
    fp = _fingerprint(registry)
    if fp not in _MATCHERS:
        _MATCHERS[fp] = _compile(registry, fp)
    return _MATCHERS[fp]


def _default_matcher() -> Matcher:
    return _matcher_for(*_user_state())


@cache
def _matcher_for(user_path: str, mtime: int) -> Matcher:
    reg = _registry_for(user_path, mtime)
    fp = _fingerprint(reg)
    if fp not in _MATCHERS:
        _MATCHERS[fp] = _compile(reg, fp)
    return _MATCHERS[fp]


@cache
def _mask_table() -> np.ndarray:
    """Per BMP code point: itself for a word character (``re``'s ``\\w`` without ``_``),
    else a space; U+FFFF (where code points above the BMP are clipped) is not a word one."""
    table = np.arange(0x10000, dtype=np.uint16)
    table[_bmp_codes(_bmp_misses(_WORD))] = 32  # _WORD is isalnum() on the BMP
    return table


@cache
def _bmp_chars() -> str:
    return "".join(map(chr, range(0x10000)))


@cache
def _bmp_misses(rx: str) -> str:
    """The BMP characters that the one-character pattern ``rx`` does not match: one regex
    pass over them all, which lists only the misses (cheap when they are few).

    >>> _bmp_misses(r"\\S")[:4]
    '\\t\\n\\x0b\\x0c'
    """
    return "".join(re.findall(f"(?!(?:{rx}))[\\s\\S]", _bmp_chars()))


def masked_key(key: str) -> str:
    """``key`` with every non-word character turned into a space (same length).

    >>> masked_key('غزه,"مصر"_x')
    'غزه  مصر  x'
    >>> masked_key("a\\U0001d400b\\ud800")  # above the BMP, or a lone surrogate
    'a b '
    """
    # A surrogate is no word character, so the mask holds none: one 16-bit unit per
    # character, decoded straight from the array's buffer.
    return codecs.utf_16_le_decode(_lookup(_mask_table(), _bmp_codes(key)))[0]


def _bmp_codes(text: str) -> np.ndarray:
    """One code per character of ``text``: its code point, U+FFFF above the BMP.

    >>> _bmp_codes("a\\U0001d400\\ud800").tolist()
    [97, 65535, 55296]
    """
    data = text.encode("utf-16-le", "surrogatepass")
    if len(data) == 2 * len(text):  # no character above the BMP: one 16-bit unit each
        return np.frombuffer(data, dtype=np.uint16)
    return np.minimum(np.frombuffer(text.encode("utf-32-le", "surrogatepass"),
                                    dtype=np.uint32), 0xFFFF)


_LOOKUP_CHUNK = 1 << 16


def _lookup(table: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """``table[codes]``, a chunk at a time: take() widens each chunk's indices to 64 bits,
    and a chunk's stay in the cache (1.5x faster on the keys of a batch).

    >>> _lookup(np.array([7, 8, 9]), np.array([2, 0, 1, 2])).tolist()
    [9, 7, 8, 9]
    """
    if len(codes) <= _LOOKUP_CHUNK:
        return table.take(codes)
    out = np.empty(len(codes), dtype=table.dtype)
    for i in range(0, len(codes), _LOOKUP_CHUNK):
        table.take(codes[i:i + _LOOKUP_CHUNK], out=out[i:i + _LOOKUP_CHUNK])
    return out


def _chars(chars: str) -> str:
    """The body of a regex character class holding exactly ``chars``.

    >>> _chars("؟?.!")
    '!\\\\.\\\\?؟'
    """
    return "".join(re.escape(c) for c in sorted(set(chars)))


# A word character for the sentence rule: alphanumeric and in the BMP, as in masked_key.
_WORD = r"[^\W_\U00010000-\U0010FFFF]"
# A sentence break: a break character, or a full stop after two word characters and before
# none (matched at each candidate position).
_SENTENCE_BREAK = re.compile(rf"[{_chars(_BREAKS)}.](?:(?<!\.)|(?<={_WORD}{_WORD}\.)(?!{_WORD}))")
_SENTENCE_TEXT = re.compile(rf"[^\s{_chars(_BREAK_PUNCT)}]")  # neither a space nor a break
_SENTENCE_FILLER = re.compile(rf"[\s{_chars(_BREAK_PUNCT)}]*")
_PARAGRAPH_TEXT = re.compile(r"\S")
_PARAGRAPH_FILLER = re.compile(r"\s*")
# Flags of _break_table; the two that can break a sentence are the highest.
_IS_WORD, _IS_TEXT, _IS_LINE_TEXT, _IS_NEWLINE, _IS_BREAK, _IS_DOT = 1, 2, 4, 8, 16, 32


@cache
def _break_table() -> np.ndarray:
    """Per BMP code point, the flags of the sentence and paragraph rule (U+FFFF, where code
    points above the BMP are clipped, is text but no word character, as they are).

    >>> [int(_break_table()[ord(c)]) for c in "ب.؟\\n "]
    [7, 36, 20, 24, 0]
    """
    # A regex lists its matches or misses about as fast as there are of them: the classes
    # most characters are in are set everywhere and cleared at their misses.
    table = np.full(0x10000, _IS_WORD | _IS_TEXT | _IS_LINE_TEXT, dtype=np.uint8)
    for flag, rx in ((_IS_WORD, _WORD), (_IS_TEXT, _SENTENCE_TEXT.pattern),
                     (_IS_LINE_TEXT, _PARAGRAPH_TEXT.pattern)):
        table[_bmp_codes(_bmp_misses(rx))] &= 0xFF ^ flag
    for flag, rx in ((_IS_NEWLINE, "\n"), (_IS_BREAK, f"[{_chars(_BREAKS)}]"), (_IS_DOT, r"\.")):
        table[_bmp_codes("".join(re.findall(rx, _bmp_chars())))] |= flag  # at their code points
    return table


def _starts(text: str, stop: int | None = None) -> tuple[list[int], list[int]]:
    """Where sentences and paragraphs after the first begin (see :func:`segments`).

    A sentence (paragraph) begins at the first break of each run of breaks and fillers
    with text before it, that is at a break with text between it and the previous break
    (or the start). Only breaks before ``stop`` (default: all) are listed.

    >>> _starts("د. بدر وصل. ثم؟\\n\\nغادر")
    ([10, 14], [15])
    >>> _starts("\\n\\nغزة  \\n. \\nمصر!")
    ([7, 14], [7, 10])
    """
    sentences: list[int] = []
    paragraphs: list[int] = []
    after_sentence = after_paragraph = 0  # where the text since the previous break begins
    for i in _break_candidates(text, len(text) if stop is None else stop):
        if _SENTENCE_BREAK.match(text, i):
            if _SENTENCE_TEXT.search(text, after_sentence, i):
                sentences.append(i)
            after_sentence = i + 1
        if text[i] == "\n":
            if _PARAGRAPH_TEXT.search(text, after_paragraph, i):
                paragraphs.append(i)
            after_paragraph = i + 1
    return sentences, paragraphs


def _break_candidates(text: str, stop: int) -> list[int]:
    """Sorted positions before ``stop`` of the characters that can break a sentence.

    Every sentence or paragraph break is one of them, so only they need a closer look;
    one ``str.find`` scan per character is several times faster than a regex class.

    >>> _break_candidates("ج. د؟ هـ!\\nو.", 10)
    [1, 4, 8, 9]
    """
    out = []
    for ch in {*_BREAKS, "."}:
        i = text.find(ch, 0, stop)
        while i >= 0:
            out.append(i)
            i = text.find(ch, i + 1, stop)
    out.sort()
    return out


def _break_starts(text: str) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_starts` of ``text``, the rule applied to all characters at once: for the
    long text of many joined ones (:func:`_numbers`), where a loop over breaks is slow.

    >>> [x.tolist() for x in _break_starts("د. بدر وصل. ثم؟\\n\\nغادر")]
    [[10, 14], [15]]
    """
    flags = _lookup(_break_table(), _bmp_codes(text))
    candidates = np.flatnonzero(flags >= _IS_BREAK)  # every break is one of them

    def has(flag: int, at: np.ndarray) -> np.ndarray:  # beyond the text: no flag
        inside = (at >= 0) & (at < len(text))
        return inside & ((flags.take(np.clip(at, 0, max(len(text) - 1, 0))) & flag) > 0)

    kind = flags[candidates]
    # a full stop breaks after two word characters and before none
    dot_breaks = (has(_IS_WORD, candidates - 1) & has(_IS_WORD, candidates - 2)
                  & ~has(_IS_WORD, candidates + 1))
    breaks = candidates[((kind & _IS_BREAK) > 0) | dot_breaks]
    newlines = candidates[(kind & _IS_NEWLINE) > 0]
    return (_after_text(text, breaks, has(_IS_TEXT, breaks - 1), _SENTENCE_TEXT),
            _after_text(text, newlines, has(_IS_LINE_TEXT, newlines - 1), _PARAGRAPH_TEXT))


def _after_text(text: str, breaks: np.ndarray, text_before: np.ndarray, rx: re.Pattern[str]
                ) -> np.ndarray:
    """The ``breaks`` with text (``rx``) between them and the previous break (or the start),
    given whether the character just before each is text.

    >>> _after_text("ب. .", np.array([1, 3]), np.array([True, False]), _SENTENCE_TEXT).tolist()
    [1]
    """
    previous = np.concatenate([[-1], breaks[:-1]])
    gap = breaks - 1 > previous  # characters between the previous break and this one
    found = gap & text_before
    # Otherwise look for text in the rest of the gap: rare (a space before a newline).
    for i in np.flatnonzero(gap & ~text_before).tolist():
        found[i] = rx.search(text, previous[i] + 1, breaks[i] - 1) is not None
    return breaks[found]


def segments(text: str) -> tuple[tuple[list[int], list[int]], tuple[list[int], list[int]]]:
    """Sentence and paragraph breaks of ``text``: ``((starts, ends), (starts, ends))``.

    A sentence ends at ؟ ? ! ؛ or a newline, or at a full stop after two word characters
    and before a non-word one; a paragraph at newlines. Runs of breaks and spaces are one.

    >>> segments("د. بدر وصل. ثم؟\\n\\nغادر")
    (([10, 14], [12, 17]), ([15], [17]))
    """
    sentences, paragraphs = _starts(text)
    return ((sentences, [_SENTENCE_FILLER.match(text, i).end() for i in sentences]),
            (paragraphs, [_PARAGRAPH_FILLER.match(text, i).end() for i in paragraphs]))


def _hits(key: str, m: Matcher) -> list[tuple[int, int, int, int]]:
    """Non-overlapping ``(kstart, kend, entity, alias)`` in ``key``, leftmost then longest."""
    hits = list(m.automaton.iter(masked_key(f" {key} ")))
    if not hits:
        return []
    ends, values = np.array(hits, dtype=np.int64).T
    ents, aliases, plens, vlens = (x.tolist() for x in m.decode(values))
    # begin: the pattern's leading space, = key index of the particle's start
    found = [(end - plen - vlen - 1, -(plen + vlen), plen, vlen, ent, alias)
             for end, ent, alias, plen, vlen in zip(ends.tolist(), ents, aliases, plens, vlens,
                                                    strict=True)]
    found.sort()
    out = []
    last = -1
    for begin, _, plen, vlen, ent, alias in found:
        if begin < last:
            continue
        kstart = begin + plen
        last = kstart + vlen
        out.append((kstart, last, ent, alias))
    return out


_NO_HITS = np.zeros((5, 0), dtype=np.int64)


def _scan(keys: list[str], m: Matcher) -> np.ndarray:
    """:func:`_hits` of every key in one automaton pass: rows ``key, kstart, kend, entity,
    alias``, one column per hit, in the order of the keys and then of their hits.

    The keys are searched joined by ``m.separator``, a word character that no pattern
    contains, so no hit spans two keys and each key has a space on either side, as alone.

    >>> m = matcher()
    >>> hits = _scan(["غزه", "لا شيء", "حماس في غزه"], m)
    >>> hits[:3].tolist(), [m.ids[e] for e in hits[3]]
    ([[0, 2, 2], [0, 0, 8], [3, 4, 11]], ['gaza', 'hamas', 'gaza'])
    """
    joined = masked_key(f" {m.separator} ".join(["", *keys, ""]))
    found = list(m.automaton.iter(joined))
    if not found:
        return _NO_HITS
    # where each key's leading space is in ``joined``
    bases = _laid_out(keys, gap=3, first=2)
    ends, values = np.fromiter(chain.from_iterable(found), np.int64, 2 * len(found)
                               ).reshape(-1, 2).T
    ent, alias, plen, vlen = m.decode(values)
    begin = ends - plen - vlen - 1  # the pattern's leading space
    key = np.searchsorted(bases, begin, "right") - 1
    begin -= bases[key]  # = the key index of the particle's start
    # A pattern is its text: two hits with the same key, begin and length are one hit.
    order = np.lexsort((-(plen + vlen), begin, key))
    key, begin, kstart, ent, alias = (x[order] for x in (key, begin, begin + plen, ent, alias))
    kend = kstart + vlen[order]
    keep = _leftmost_longest(key, begin, kend)
    return np.stack([key, kstart, kend, ent, alias])[:, keep]


def _laid_out(items: list, gap: int = 0, first: int = 0) -> np.ndarray:
    """Where each of ``items`` starts when they are laid end to end ``gap`` apart from
    ``first``, as in ``"-".join(items)`` (``gap=1``).

    >>> _laid_out(["ab", "", "cde"], gap=1).tolist(), _laid_out([]).tolist()
    ([0, 3, 4], [])
    """
    sizes = np.fromiter(map(len, items), np.int64, len(items)) + gap
    return np.concatenate([[first], first + np.cumsum(sizes[:-1])])[:len(items)]


def _leftmost_longest(key: np.ndarray, begin: np.ndarray, kend: np.ndarray) -> np.ndarray:
    """Which hits (sorted by key, begin, longest first) :func:`_hits` keeps: each one that
    starts after the end of the last one kept in its key.

    >>> _leftmost_longest(np.array([0, 0, 0, 1]), np.array([0, 2, 5, 1]),
    ...                   np.array([4, 6, 7, 3])).tolist()
    [True, False, True, True]
    """
    keep = np.ones(len(key), dtype=bool)
    clash = (key[1:] == key[:-1]) & (begin[1:] < kend[:-1])
    if not clash.any():  # no hit overlaps the one before it: all are kept
        return keep
    clashing = np.unique(key[1:][clash])
    begins, kends = begin.tolist(), kend.tolist()
    for lo, hi in zip(np.searchsorted(key, clashing).tolist(),
                      np.searchsorted(key, clashing, "right").tolist(), strict=True):
        last = -1
        for i in range(lo, hi):
            if begins[i] < last:
                keep[i] = False
            else:
                last = kends[i]
    return keep


def _spans(keyeds: list[textnorm.Keyed], key: np.ndarray, kstart: np.ndarray,
           kend: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``Keyed.span`` of each hit of :func:`_scan`: starts and ends in the original texts.

    >>> ks = [textnorm.keyed("في غزة"), textnorm.keyed("القاهرةُ ")]
    >>> [x.tolist() for x in _spans(ks, np.array([0, 1]), np.array([3, 0]), np.array([6, 7]))]
    [[3, 0], [6, 8]]
    """
    texts = np.unique(key)
    offsets = [keyeds[k].offsets for k in texts.tolist()]
    where = np.zeros(len(keyeds), dtype=np.int64)  # each text's offsets in ``flat``
    where[texts] = _laid_out(offsets)
    flat = np.concatenate(offsets)
    at = where[key]
    start, end = (flat[at + k].astype(np.int64) for k in (kstart, kend))
    # Keyed.span ends at the next key character's origin, trimmed back towards the hit's
    # last character only across dropped characters: none were dropped where end == last.
    for i in np.flatnonzero(end > flat[at + kend - 1] + 1).tolist():
        start[i], end[i] = keyeds[key[i]].span(int(kstart[i]), int(kend[i]))
    return start, end


def _numbers(texts: list[str], key: np.ndarray, start: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    """Sentence and paragraph numbers of the hits starting at ``start`` of ``texts[key]``.

    The texts with hits are read at once, joined by newlines. A newline breaks sentences
    and paragraphs and is no word character, which is all the rule sees of a text's edges,
    so each text keeps the breaks it has alone; the joints only add breaks between texts,
    which no hit counts.

    >>> [x.tolist() for x in _numbers(["أ. ب", "ج\\nد؟ هـ"], np.array([0, 1, 1]),
    ...                               np.array([3, 2, 5]))]
    [[0, 1, 2], [0, 1, 1]]
    """
    which, index = np.unique(key, return_inverse=True)
    chosen = [texts[k] for k in which.tolist()]
    # where each chosen text starts in the joined one
    shift = _laid_out(chosen, gap=1)[index]
    at = shift + start
    return tuple(np.searchsorted(breaks, at, "right") - np.searchsorted(breaks, shift, "left")
                 for breaks in _break_starts("\n".join(chosen)))


def _mention_columns(texts: list[str], m: Matcher) -> dict[str, np.ndarray | list[str]]:
    """The mentions of all ``texts`` as columns: ``text`` (index into ``texts``), ``start``,
    ``end``, ``sentence``, ``paragraph``, ``entity``, ``alias`` and ``surface``.

    >>> cols = _mention_columns(["غزة.\\nوفي مصر", "لا شيء", "قطاع غزة"], matcher())
    >>> cols["text"].tolist(), cols["sentence"].tolist(), cols["surface"]
    ([0, 0, 2], [0, 1, 0], ['غزة', 'مصر', 'قطاع غزة'])
    """
    keyeds = [textnorm.keyed(t) for t in texts]
    key, kstart, kend, ent, alias = _scan([k.key for k in keyeds], m)
    if not len(key):
        start = end = sentence = paragraph = key
    else:
        start, end = _spans(keyeds, key, kstart, kend)
        sentence, paragraph = _numbers(texts, key, start)
    surfaces = [texts[k][s:e] for k, s, e in zip(key.tolist(), start.tolist(), end.tolist(),
                                                  strict=True)]
    return {"text": key, "start": start, "end": end, "sentence": sentence,
            "paragraph": paragraph, "entity": ent, "alias": alias, "surface": surfaces}


def _mentions(text: str, m: Matcher) -> list[tuple[int, int, int, int, int, int]]:
    """``(start, end, sentence, paragraph, entity, alias)`` of the mentions in ``text``.

    >>> m = matcher()
    >>> [(s, e, sent, para, m.ids[ent]) for s, e, sent, para, ent, _ in
    ...  _mentions("غزة.\\nوفي مصر", m)]
    [(0, 3, 0, 0, 'gaza'), (9, 12, 1, 1, 'egypt')]
    """
    keyed = textnorm.keyed(text)
    hits = _hits(keyed.key, m)
    if not hits:
        return []
    spans = [keyed.span(ks, ke) for ks, ke, _, _ in hits]
    # spans follow the key's order, so the last one starts last
    sentences, paragraphs = _starts(text, spans[-1][0] + 1)
    return [(start, end, bisect_right(sentences, start), bisect_right(paragraphs, start),
             ent, alias) for (start, end), (_, _, ent, alias) in zip(spans, hits, strict=True)]


def find_mentions(text: str, field: str = "title",
                  registry: pd.DataFrame | Matcher | None = None) -> list[dict]:
    """Registry entities named in ``text``: one dict per mention, offsets into ``text``.

    Keys: ``entity_id``, ``name`` (English label), ``type``, ``surface`` (as written,
    without an attached particle), ``field``, ``start``, ``end``, ``sentence``,
    ``paragraph`` (0-based, see the module docstring), ``register``, ``alias`` (the
    registry alias that matched).

    >>> ms = find_mentions("الكيان الصهيوني يقصف غزة.\\nوفي الضفة الغربية", "body")
    >>> [(m["entity_id"], m["register"], m["sentence"], m["paragraph"]) for m in ms]
    [('israel', 'loaded', 0, 0), ('gaza', 'neutral', 0, 0), ('west-bank', 'neutral', 1, 1)]
    >>> find_mentions(None) + find_mentions("")
    []
    """
    if not isinstance(text, str) or not text:
        return []
    m = matcher(registry)
    return [{"entity_id": m.ids[ent], "name": m.names[ent], "type": m.types[ent],
             "surface": text[start:end], "field": field, "start": start, "end": end,
             "sentence": sentence, "paragraph": paragraph,
             "register": m.registers[alias], "alias": m.aliases[alias]}
            for start, end, sentence, paragraph, ent, alias in _mentions(text, m)]


CHUNK_CHARS = 1 << 18  # texts matched together: their joined key and arrays stay in the cache


def run(tables_in: Mapping[str, pd.DataFrame],
        registry: pd.DataFrame | Matcher | None = None) -> dict[str, pd.DataFrame]:
    """Pipeline stage: add ``mentions`` for the title, body and keywords of every article.

    Returns a new dict; an error on one article becomes a ``problems`` row (stage
    ``entities``) and the other articles are still processed.

    >>> arts = tables.frame("articles", [{"doc_id": "d1", "title": "حماس في غزة"}])
    >>> out = run({"articles": arts, "problems": tables.empty("problems")})
    >>> out["mentions"][["entity_id", "start", "end"]].values.tolist()
    [['hamas', 0, 4], ['gaza', 8, 11]]
    """
    out = dict(tables_in)
    articles = tables_in.get("articles")
    problems = [tables_in.get("problems", tables.empty("problems"))]
    if articles is None or articles.empty:
        out["mentions"] = tables.empty("mentions")
        return out
    try:
        m = matcher(registry)
    except Exception as exc:  # a broken user registry must not stop the other stages
        out["mentions"] = tables.empty("mentions")
        out["problems"] = _concat(problems, [_problem(None, "registry", exc)])
        return out
    cols = [c for c in FIELDS if c in articles.columns]
    sub = articles[["doc_id", "file", "part", *cols]]
    # every text with its article row and field, article by article
    texts, rows, fields = [], [], []
    for i, values in enumerate(zip(*(sub[c].tolist() for c in cols), strict=True)):
        for f, text in enumerate(values):
            if isinstance(text, str) and text:
                texts.append(text)
                rows.append(i)
                fields.append(f)
    found: list[dict] = []
    bad = []
    for lo, hi in _chunks([len(t) for t in texts], CHUNK_CHARS):
        try:
            found.append(_rows_of(_mention_columns(texts[lo:hi], m), lo))
            continue
        except Exception:  # untrusted text: find the culprit, match the others alone
            pass
        for n in range(lo, hi):
            try:
                found.append(_rows_of(_mention_columns([texts[n]], m), n))
            except Exception as exc:
                bad.append(_problem(sub.iloc[[rows[n]]].to_dict("records")[0], "match-failed",
                                    exc, cols[fields[n]]))
    out["mentions"] = _mentions_frame(sub["doc_id"], cols, np.array(rows, np.int64),
                                      np.array(fields, np.int64), found, m)
    out["problems"] = _concat(problems, bad)
    return out


def _rows_of(columns: dict, first: int) -> dict:
    """``columns`` of :func:`_mention_columns` with ``text`` counted from ``first``."""
    return {**columns, "text": columns["text"] + first}


def _chunks(sizes: list[int], limit: int) -> list[tuple[int, int]]:
    """``(lo, hi)`` ranges of consecutive items of at most ``limit`` in total (or one item).

    >>> _chunks([3, 3, 3, 9, 1], 6)
    [(0, 2), (2, 3), (3, 4), (4, 5)]
    """
    if sum(sizes) <= limit:
        return [(0, len(sizes))] if sizes else []
    out = []
    lo = total = 0
    for i, size in enumerate(sizes):
        if i > lo and total + size > limit:
            out.append((lo, i))
            lo, total = i, 0
        total += size
    if lo < len(sizes):
        out.append((lo, len(sizes)))
    return out


def _mentions_frame(doc_ids: pd.Series, cols: list[str], rows: np.ndarray, fields: np.ndarray,
                    found: list[dict], m: Matcher) -> pd.DataFrame:
    """The mentions table of ``found`` (see :func:`run`), built column by column in Arrow:
    text ``n``'s article row is ``rows[n]`` and its field ``cols[fields[n]]``; the columns
    that come from the registry or the article are taken by index.

    >>> found = [_mention_columns(["في غزة"], matcher())]
    >>> df = _mentions_frame(pd.Series(["d"]), ["body"], np.array([0]), np.array([0]), found,
    ...                      matcher())
    >>> df[["doc_id", "entity_id", "surface", "end"]].values.tolist(), str(df.dtypes["end"])
    ([['d', 'gaza', 'غزة', 6]], 'Int64')
    """
    found = [f for f in found if len(f["text"])]
    if not found:
        return tables.frame("mentions", [])
    col = {c: np.concatenate([f[c] for f in found]) for c in
           ("text", "start", "end", "sentence", "paragraph", "entity", "alias")}
    surfaces = [s for f in found for s in f["surface"]]
    row = rows[col["text"]]
    try:
        ent, alias = pa.array(col["entity"]), pa.array(col["alias"])
        arrays = {
            "doc_id": pa.array(doc_ids, pa.string()).take(pa.array(row)),
            "entity_id": pa.array(m.ids, pa.string()).take(ent),
            "name": pa.array(m.names, pa.string()).take(ent),
            "type": pa.array(m.types, pa.string()).take(ent),
            "surface": pa.array(surfaces, pa.string()),
            "field": pa.array(cols, pa.string()).take(pa.array(fields[col["text"]])),
            **{c: pa.array(col[c]) for c in ("start", "end", "sentence", "paragraph")},
            "register": pa.array(m.registers, pa.string()).take(alias),
        }
        table = pa.table([arrays[c] for c in tables.columns("mentions")],
                         names=tables.columns("mentions"))
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        # values Arrow refuses (lone surrogates, ids that are not text): pandas coerces them
        ids = doc_ids.tolist()
        return tables.frame("mentions", [
            {"doc_id": ids[i], "entity_id": m.ids[e], "name": m.names[e], "type": m.types[e],
             "surface": surface, "field": cols[f], "start": s, "end": t, "sentence": se,
             "paragraph": pg, "register": m.registers[a]}
            for i, f, surface, s, t, se, pg, e, a in zip(
                row.tolist(), fields[col["text"]].tolist(), surfaces,
                *(col[c].tolist() for c in ("start", "end", "sentence", "paragraph", "entity",
                                            "alias")), strict=True)])
    return tables.frame("mentions", tables.from_arrow(table))


def _problem(rec: Mapping | None, reason: str, exc: Exception, field: str = "") -> dict:
    rec = rec or {}
    where = f" in {field}" if field else ""
    return {"file": rec.get("file"), "part": rec.get("part"), "doc_id": rec.get("doc_id"),
            "stage": "entities", "reason": reason,
            "detail": f"entity matching failed{where}: {type(exc).__name__}: {exc}"}


def _concat(frames: list[pd.DataFrame], rows: list[dict]) -> pd.DataFrame:
    if not rows:
        return frames[0]
    return pd.concat([f for f in frames if len(f)] + [tables.frame("problems", rows)],
                     ignore_index=True)


def label(entity_ids: Iterable[str], lang: str = "en",
          registry: pd.DataFrame | None = None) -> list[str | None]:
    """Display labels of ``entity_ids`` in ``lang`` (en, ar, fa); English when one is missing.

    >>> label(["cairo", "ziyad-nakhalah", "no-such-id"], "fa")
    ['قاهره', 'زیاد النخاله', None]
    """
    table = _labels(lang, *_user_state()) if registry is None else _label_map(registry, lang)
    return [table.get(str(i)) for i in entity_ids]


@cache
def _labels(lang: str, user_path: str, mtime: int) -> dict[str, str]:
    return _label_map(_registry_for(user_path, mtime), lang)


def _label_map(reg: pd.DataFrame, lang: str) -> dict[str, str]:
    col = f"label_{lang}" if lang in LANGS else "label_en"
    return {r["id"]: (r[col] or r["label_en"] or r["id"]) for r in reg.to_dict("records")}


# --------------------------------------------------------------------------- suggestions
@dataclass(frozen=True)
class _CueSet:
    before: re.Pattern[str]
    after: re.Pattern[str]
    heads: re.Pattern[str]
    stop: frozenset[str]
    connectors: frozenset[str]
    written: dict[str, str]


@cache
def _cue_set() -> _CueSet:
    c = cues()
    written: dict[str, str] = {}
    for group in ("person_before_name", "person_after_name", "organisation_heads"):
        for w in c[group]:
            written.setdefault(textnorm.normalize(w), w)

    def alt(words: list[str]) -> str:
        keys = sorted({textnorm.normalize(w) for w in words}, key=len, reverse=True)
        return "|".join(re.escape(k) for k in keys)

    # Attached particles from the data file; "لل" forms absorb the article of a cue.
    prefixes = c["prefixes"]["particles"] + [a for a in c["prefixes"]["article"]
                                             if a.endswith("لل")]
    pre = f"(?:{alt(prefixes)})?"
    word = r"[^\W\d_]{2,}"
    return _CueSet(
        # Names are read in lookaheads, so one name does not hide the next cue.
        before=re.compile(rf"(?<!\w){pre}(?P<cue>{alt(c['person_before_name'])})"
                          rf"(?=(?P<name>(?: +{word}){{1,4}}))"),
        # a name starts at a word start: trying every letter of a 100k-letter word is O(n²)
        after=re.compile(rf"(?<![^\W\d_])(?P<name>{word}(?: +{word}){{1,2}})(?: +| *\| *)"
                         rf"(?P<cue>{alt(c['person_after_name'])})(?!\w)"),
        heads=re.compile(rf"(?<!\w){pre}(?P<cue>{alt(c['organisation_heads'])})"
                         rf"(?=(?P<name>(?: +{word}){{1,3}}))"),
        stop=frozenset(textnorm.normalize(w) for w in c["stopwords"]),
        connectors=frozenset(textnorm.normalize(w) for w in c.get("name_connectors", [])),
        written=written,
    )


def _words(masked: str, start: int, end: int) -> list[tuple[int, int, str]]:
    return [(start + w.start(), start + w.end(), w.group())
            for w in re.finditer(r"\S+", masked[start:end])]


def _name_words(words: list[tuple[int, int, str]], cs: _CueSet, backwards: bool = False
                ) -> list[tuple[int, int, str]]:
    """The words up to the first stopword (from the cue outwards), connectors trimmed."""
    seq = words[::-1] if backwards else words
    kept = []
    for w in seq:
        if w[2] in cs.stop:
            break
        kept.append(w)
    kept = kept[::-1] if backwards else kept
    while kept and kept[0][2] in cs.connectors:
        kept = kept[1:]
    while kept and kept[-1][2] in cs.connectors:
        kept = kept[:-1]
    return kept


def _candidates(masked: str, cs: _CueSet) -> list[tuple[int, int, str, str]]:
    """``(kstart, kend, type, cue)`` of names next to cue words in the masked key.

    >>> k = _PUNCT.sub("|", textnorm.normalize("التقى الأمير محمد بن نايف، وقائد القوات"))
    >>> [(k[s:e], t) for s, e, t, _ in _candidates(k, _cue_set())]
    [('محمد بن نايف', 'person')]
    """
    out = []
    for mt in cs.before.finditer(masked):
        words = _words(masked, *mt.span("name"))
        first = words[0][2]
        if first.startswith(_ARTICLE) and first.endswith(("ي", "يه")):
            words = words[1:]  # a nisba after a title: وزير الخارجية الإيراني عباس عراقجي
        kept = _name_words(words, cs)
        if len(kept) >= 2:
            out.append((kept[0][0], kept[-1][1], "person", mt.group("cue")))
    for mt in cs.after.finditer(masked):
        kept = _name_words(_words(masked, *mt.span("name")), cs, backwards=True)
        if len(kept) >= 2:
            out.append((kept[0][0], kept[-1][1], "person", mt.group("cue")))
    for mt in cs.heads.finditer(masked):
        kept = _name_words(_words(masked, *mt.span("name")), cs)
        if kept:
            out.append((mt.start("cue"), kept[-1][1], "organisation", mt.group("cue")))
    return [(s, e, kind, cs.written.get(cue, cue)) for s, e, kind, cue in out]


def suggest(articles: pd.DataFrame, mentions: pd.DataFrame | None = None, top: int = 50,
            registry: pd.DataFrame | Matcher | None = None) -> pd.DataFrame:
    """Names the registry lacks, found next to cue words, ranked by articles then count.

    Columns: ``candidate`` (as most often written), ``key`` (matching key), ``type``
    (person or organisation, a guess from the cue), ``cues`` (as in
    ``data/entity_cues.json``), ``count``, ``articles``, ``example`` (a sentence).
    Candidates that overlap a known mention (from ``mentions``, else found with
    ``registry``) are left out.

    >>> arts = tables.frame("articles", [{"doc_id": "d", "title": "وصل السفير جون دو إلى غزة"}])
    >>> suggest(arts)[["candidate", "type", "cues", "count"]].values.tolist()
    [['جون دو', 'person', 'السفير', 1]]
    """
    cols = ["candidate", "key", "type", "cues", "count", "articles", "example"]
    if articles is None or articles.empty:
        return pd.DataFrame(columns=cols)
    m = matcher(registry)
    cs = _cue_set()
    known: dict[tuple[str, str], list[tuple[int, int]]] = {}
    if mentions is not None and len(mentions):
        for doc, field, start, end in mentions[["doc_id", "field", "start", "end"]].itertuples(
                index=False):
            known.setdefault((str(doc), str(field)), []).append((int(start), int(end)))
    fields = [c for c in ("title", "body") if c in articles.columns]
    found = []
    for rec in articles[["doc_id", *fields]].to_dict("records"):
        for field in fields:
            text = rec[field]
            if not isinstance(text, str) or not text:
                continue
            try:
                found.extend(_suggest_field(text, str(rec["doc_id"]), field, m, cs, known))
            except Exception:  # untrusted text: a suggestion is never worth an error
                continue
    if not found:
        return pd.DataFrame(columns=cols)
    df = pd.DataFrame(found)
    grouped = df.groupby("key", sort=False).agg(
        candidate=("surface", lambda s: s.value_counts().index[0]),
        type=("type", lambda s: s.value_counts().index[0]),
        cues=("cue", lambda s: ", ".join(sorted(set(s)))),
        count=("surface", "size"),
        articles=("doc_id", "nunique"),
        example=("example", "first"),
    ).reset_index()
    grouped = grouped.sort_values(["articles", "count", "key"], ascending=[False, False, True])
    return grouped[cols].head(top).reset_index(drop=True)


def _suggest_field(text: str, doc_id: str, field: str, m: Matcher, cs: _CueSet,
                   known: dict[tuple[str, str], list[tuple[int, int]]]) -> list[dict]:
    keyed = textnorm.keyed(text)
    masked = _PUNCT.sub("|", keyed.key)  # punctuation ends a name; same length as the key
    spans = known.get((doc_id, field))
    if spans is None:
        spans = [keyed.span(s, e) for s, e, _, _ in _hits(keyed.key, m)]
    (breaks, ends), _ = segments(text)
    rows = []
    for ks, ke, kind, cue in _candidates(masked, cs):
        start, end = keyed.span(ks, ke)
        if any(s < end and start < e for s, e in spans):
            continue
        sent = bisect_right(breaks, start)
        lo = ends[sent - 1] if sent > 0 else 0
        hi = breaks[sent] + 1 if sent < len(breaks) else len(text)
        rows.append({"doc_id": doc_id, "surface": text[start:end], "key": masked[ks:ke],
                     "type": kind, "cue": cue, "example": " ".join(text[lo:hi].split())})
    return rows
