"""The normalised matching key, with offsets back to the original text.

Arabic and Persian write the same name with different letters (ي/ی, ك/ک, ة/ه), with or
without diacritics, tatweel, hamza seats and zero-width non-joiners, and with three digit
systems. Extractors match on one *key* and report offsets into the *original* text, which
is what the user reads. The mappings live in ``data/normalization.json``.

>>> normalize("زیاد النخاله") == normalize("زياد النخالة")
True
>>> normalize("الجهاد الإسلامی") == normalize("الجهاد الإسلامي")
True
>>> normalize("می‌گوید ۱۴۰۲/۰۳/۱۶")
'مي گويد 1402/03/16'
>>> k = keyed("قالَ  رويترز")
>>> k.key
'قال رويترز'
>>> start, end = k.span(4, 10)
>>> "قالَ  رويترز"[start:end]
'رويترز'
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

DATA_FILE = Path(__file__).parent / "data" / "normalization.json"
_SPACES = re.compile(" {2,}")
_NON_ASCII_DIGIT = re.compile("[\u0660-\u0669\u06f0-\u06f9]")


@cache
def mappings() -> list[dict]:
    """The mapping entries of ``data/normalization.json``, as written there.

    >>> any(m["name"] == "tatweel deleted" for m in mappings())
    True
    """
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))["mappings"]


def _pairs(entry: dict) -> list[tuple[str, str]]:
    src, dst = entry["from"], entry["to"]
    if len(src) == len(dst):
        return list(zip(src, dst, strict=True))
    return [(ch, dst) for ch in src]


@cache
def _table() -> dict[int, str]:
    table: dict[int, str] = {}
    for entry in mappings():
        for ch, rep in _pairs(entry):
            table[ord(ch)] = rep
    # Latin, Greek and Cyrillic letters are case-folded.
    for cp in range(0x41, 0x530):
        ch = chr(cp)
        folded = ch.casefold()
        if folded != ch and cp not in table:
            table[cp] = folded
    # Arabic presentation forms fold to base letters, then through the mappings.
    for lo, hi in ((0xFB50, 0xFDFF), (0xFE70, 0xFEFF)):
        for cp in range(lo, hi + 1):
            base = unicodedata.normalize("NFKC", chr(cp))
            if base != chr(cp) and cp not in table:
                table[cp] = base.translate(table)
    return table


@cache
def _digit_table() -> dict[int, str]:
    return {
        ord(ch): rep for entry in mappings() if entry.get("digits") for ch, rep in _pairs(entry)
    }


@cache
def _lookup() -> tuple[np.ndarray, np.ndarray]:
    """Code-point tables for the one-to-one and deleting mappings, and which need expanding.

    A vectorised lookup is about ten times faster than ``str.translate`` with a dict.
    """
    mapped = np.arange(0x10000, dtype=np.uint32)
    expands = np.zeros(0x10000, dtype=bool)
    for cp, rep in _table().items():
        if cp >= 0x10000:
            continue
        if len(rep) == 1:
            mapped[cp] = ord(rep)
        elif not rep:
            mapped[cp] = _DELETED
        else:
            expands[cp] = True
    return mapped, expands


_DELETED = np.uint32(0xFFFFFFFF)
_EXPANDS = np.uint32(0xFFFFFFFE)
_OFFSET = np.int32  # half the memory of int64 for the keys a batch shares; texts stay < 2 GB


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _decode(codes: np.ndarray) -> str:
    return codes.tobytes().decode("utf-32-le", "surrogatepass")


def _with_end(origin: np.ndarray, end: int) -> np.ndarray:
    out = np.empty(len(origin) + 1, dtype=_OFFSET)
    out[:-1] = origin
    out[-1] = end
    return out


def _key_codes(text: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Key code points and their origins, or None when a one-to-many mapping is present."""
    codes = _codes(text)
    key = _full_lookup()[codes]
    origin = np.arange(len(codes), dtype=_OFFSET)
    if len(key) and key.max() >= _EXPANDS and (key == _EXPANDS).any():
        return None  # a one-to-many mapping: the general path
    return _delete_and_collapse(key, origin)


def _delete_and_collapse(key: np.ndarray, origin: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop the deleted code points, then every space that follows a space (with origins)."""
    if len(key) and key.max() >= _EXPANDS:
        keep = key != _DELETED
        key, origin = key[keep], origin[keep]
    spaces = key == 32
    double = spaces[1:] & spaces[:-1]
    if double.any():
        single = np.ones(len(key), dtype=bool)
        single[1:] = ~double
        key, origin = key[single], origin[single]
    return key, origin


@cache
def _full_lookup() -> np.ndarray:
    """Each code point's key code: itself, another, ``_DELETED`` or ``_EXPANDS`` (one to many).

    One gather over all of Unicode (4 MB) spares the per-call steps that kept code points
    above the BMP out of the BMP tables; those keep their code, as before.
    """
    mapped, expands = _lookup()
    full = np.arange(0x110000, dtype=np.uint32)
    full[:0x10000] = np.where(expands, _EXPANDS, mapped)
    return full


def normalize(text: str) -> str:
    """The matching key of ``text``: letters folded, marks deleted, digits ASCII, spaces collapsed.

    >>> normalize("القاهرةُ")
    'القاهره'
    >>> normalize("ك ک") == normalize("ک ك")
    True
    >>> normalize("Reuters  (رويترز)")
    'reuters (رويترز)'
    """
    if not text:
        return text
    if _SHARED is not None and text in _SHARED:
        return _SHARED[text].key
    if len(text) < SMALL:
        small = _small_key(text)
        if small is not None:
            return small[0]
    found = _key_codes(text)
    if found is None:
        return _SPACES.sub(" ", text.translate(_table()))
    return _decode(found[0])


def normalize_many(texts: Sequence[str]) -> list[str]:
    """:func:`normalize` of each of ``texts``, in one call on them joined.

    For building data structures from thousands of short strings (registry spellings,
    aliases): one numpy pass instead of one per string. The texts are joined by a
    separator that keys to itself, and the key maps each character alone and merges only
    runs of spaces, so the separators split the key exactly where they split the texts;
    when a text holds the separator (or something keys to it), each is normalised alone.

    >>> normalize_many(["الجهاد الإسلامی", " غزة  ", "ﻻ|بد", ""])
    ['الجهاد الاسلامي', ' غزه ', 'لا|بد', '']
    """
    sep = _separator()
    joined = sep.join(texts)
    if joined.count(sep) == len(texts) - 1:
        keys = normalize(joined).split(sep)
        if len(keys) == len(texts):
            return keys
    return [normalize(text) for text in texts]


def fold_digits(text: str) -> str:
    """Eastern Arabic and Persian digits to ASCII; nothing else changes, so offsets hold.

    >>> fold_digits("۱۴۰۲/۰۳/۱۶ و ٢٠٢٥")
    '1402/03/16 و 2025'
    """
    if not _NON_ASCII_DIGIT.search(text):
        return text
    codes = _codes(text)
    mapped = _digit_lookup()
    return _decode(np.where(codes > 0xFFFF, codes, mapped[np.minimum(codes, 0xFFFF)]))


@cache
def _digit_lookup() -> np.ndarray:
    mapped = np.arange(0x10000, dtype=np.uint32)
    for cp, rep in _digit_table().items():
        mapped[cp] = ord(rep)
    return mapped


@dataclass(frozen=True)
class Keyed:
    """A text and its key, with ``offsets[i]`` the index in ``text`` of key character ``i``."""

    text: str
    key: str
    offsets: np.ndarray

    def span(self, kstart: int, kend: int) -> tuple[int, int]:
        """Map the key span ``[kstart, kend)`` to a span of the original text.

        The span ends before the next key character's origin, without trailing spaces
        or invisible format characters, so it keeps a word's own diacritics.

        >>> k = keyed("بالقاهرةِ،")
        >>> k.key
        'بالقاهره,'
        >>> s, e = k.span(1, 8)
        >>> k.text[s:e]
        'القاهرةِ'
        """
        start = int(self.offsets[kstart])
        if kend <= kstart:
            return start, start
        end = int(self.offsets[kend])
        last = int(self.offsets[kend - 1]) + 1
        while end > last and (
            self.text[end - 1].isspace() or unicodedata.category(self.text[end - 1]) == "Cf"
        ):
            end -= 1
        return start, max(end, last)


_SHARED: dict[str, Keyed] | None = None  # the keys of this shared_keys() scope
_SHARED_CHARS = [0]
SHARED_MAX_CHARS = 64_000_000  # a scope forgets its keys past this many characters


@contextmanager
def shared_keys() -> Iterator[None]:
    """Within this scope, :func:`keyed` computes the key of each distinct text only once.

    The pipeline opens one scope per batch of files, so that the dates, sources and
    entities stages share the key of every title and body instead of each normalising it
    again. Outside a scope nothing is kept. Scopes nest (the outermost one owns the memo).

    >>> body = "وصل الوفد إلى القاهرةُ صباح اليوم للمشاركة في المحادثات"
    >>> with shared_keys():
    ...     keyed(body) is keyed(body)
    True
    >>> keyed(body) is keyed(body)
    False
    """
    global _SHARED
    outer = _SHARED is not None
    if not outer:
        _SHARED, _SHARED_CHARS[0] = {}, 0
    try:
        yield
    finally:
        if not outer:
            _SHARED = None


def keyed(text: str) -> Keyed:
    """Normalise ``text`` and keep, for every key character, where it came from.

    ``offsets`` has ``len(key) + 1`` entries; the last is ``len(text)``.

    >>> k = keyed("ﻻ ـبد")
    >>> k.key, k.offsets.tolist()
    ('لا بد', [0, 0, 1, 3, 4, 5])
    """
    shared = _SHARED
    if shared is None:
        return _keyed(text)
    found = shared.get(text)
    if found is None:
        found = shared[text] = _keyed(text)
        _SHARED_CHARS[0] += len(text)
        if _SHARED_CHARS[0] > SHARED_MAX_CHARS:
            shared.clear()
            _SHARED_CHARS[0] = 0
    return found


SMALL = 48  # below this many characters a Python loop beats numpy's per-call overhead


@cache
def _small_table() -> dict[str, str | None]:
    """The BMP mappings by character, None for the one-to-many ones (as :func:`_lookup`)."""
    return {chr(cp): (rep if len(rep) <= 1 else None)
            for cp, rep in _table().items() if cp < 0x10000}


def _small_key(text: str) -> tuple[str, list[int]] | None:
    """:func:`_key_codes`' key and origins by a loop, for short texts; None when one expands.

    >>> _small_key("ﻻ") is None
    True
    >>> _small_key("أَحمد  ی")
    ('احمد ي', [0, 2, 3, 4, 5, 7])
    """
    table = _small_table()
    chars: list[str] = []
    origin: list[int] = []
    space = False
    for i, ch in enumerate(text):
        rep = table.get(ch, ch)
        if rep is None:
            return None
        if not rep:
            continue
        if rep == " ":
            if space:
                continue
            space = True
        else:
            space = False
        chars.append(rep)
        origin.append(i)
    return "".join(chars), origin


PRIME_CHUNK = 256_000  # characters keyed per numpy pass: its arrays (1 MB each) stay in cache


def prime(texts: Iterable[str]) -> int:
    """Key every text of ``texts`` into the :func:`shared_keys` memo in a few numpy passes.

    The pipeline calls this once per batch with every title and body, so the stages find
    each key ready: keying texts one at a time costs a numpy round per text, which for a
    batch of thousands of short fields weighs more than the work itself. Outside a scope
    it does nothing. Returns the number of texts keyed.

    >>> texts = ["قالَ  رويترز", "ﻻ ـبد", "", "  x  "]
    >>> def plain(k):
    ...     return k.text, k.key, k.offsets.tolist()
    >>> with shared_keys():
    ...     prime(texts)
    ...     [plain(keyed(t)) == plain(_keyed(t)) for t in texts]
    3
    [True, True, True, True]
    """
    shared = _SHARED
    if shared is None:
        return 0
    todo: list[str] = []
    seen: set[str] = set()
    size = 0
    done = 0
    room = SHARED_MAX_CHARS - _SHARED_CHARS[0]
    for text in texts:
        if not text or text in shared or text in seen:
            continue
        if len(text) > room:
            break  # the memo is full: later texts are keyed on demand
        room -= len(text)
        seen.add(text)
        todo.append(text)
        size += len(text) + 1
        if size >= PRIME_CHUNK:
            done += _prime_chunk(todo, shared)
            todo, seen, size = [], set(), 0
    if todo:
        done += _prime_chunk(todo, shared)
    return done


@cache
def _separator() -> str:
    """A character that keys to itself and is no space: between texts it keeps them apart.

    Texts may contain it too; it only has to survive keying and stop runs of spaces from
    joining across texts.
    """
    full = _full_lookup()
    for cp in (ord("|"), *range(0x21, 0x7F)):
        if full[cp] == cp:
            return chr(cp)
    raise ValueError("no ASCII character keys to itself")  # pragma: no cover


def _prime_chunk(texts: list[str], shared: dict[str, Keyed]) -> int:
    """Key ``texts`` (distinct, non-empty) in one pass and store them in ``shared``.

    The texts are joined, each followed by a separator that keys to itself, so every
    separator survives in the joined key and its origin is exactly where its text ends:
    text ``i`` owns the key between separators ``i - 1`` and ``i``, and its offsets end on
    its separator, which is ``len(text)`` from its start (as ``_keyed`` appends).
    """
    sep = _separator()
    joined = sep.join(texts) + sep
    codes = _codes(joined)
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    ends = np.cumsum(lengths + 1) - 1  # where each text's separator is in ``codes``
    starts = ends - lengths
    key = _full_lookup()[codes]
    origin = np.arange(len(codes), dtype=np.int64)
    expanding: set[int] = set()
    hit = np.flatnonzero(key == _EXPANDS) if key.max() >= _EXPANDS else ()
    if len(hit):  # these texts take the one-to-many path, one by one
        expanding = set(np.searchsorted(ends, hit).tolist())
        key[hit] = ord(sep)  # any valid code: these texts' keys are discarded
    key, origin = _delete_and_collapse(key, origin)
    at = np.searchsorted(origin, ends)  # each separator's index in the key
    owner_start = np.repeat(starts, np.diff(at, prepend=-1))
    offsets = (origin - owner_start).astype(_OFFSET)
    offsets.flags.writeable = False  # every text's offsets are a view of this array
    joined_key = _decode(key)
    first = 0
    for i, (text, last) in enumerate(zip(texts, at.tolist(), strict=True)):
        if i in expanding:
            shared[text] = _keyed_expanding(text)
        else:
            shared[text] = Keyed(text, joined_key[first:last], offsets[first:last + 1])
        _SHARED_CHARS[0] += len(text)
        first = last + 1
    return len(texts)


def _keyed(text: str) -> Keyed:
    if not text:
        return Keyed(text, "", np.zeros(1, dtype=_OFFSET))
    if len(text) < SMALL:
        small = _small_key(text)
        if small is not None:
            return Keyed(text, small[0], np.array([*small[1], len(text)], dtype=_OFFSET))
    found = _key_codes(text)
    if found is not None:
        return Keyed(text, _decode(found[0]), _with_end(found[1], len(text)))
    return _keyed_expanding(text)


def _keyed_expanding(text: str) -> Keyed:
    """The general path, for texts with ligatures or other one-to-many mappings."""
    table = _table()
    lengths = np.array([len(table.get(ord(ch), ch)) for ch in text], dtype=np.int64)
    raw = text.translate(table)
    origin = np.repeat(np.arange(len(text), dtype=_OFFSET), lengths)
    kcodes = _codes(raw)
    spaces = kcodes == 32
    keep = np.ones(len(kcodes), dtype=bool)
    keep[1:] = ~(spaces[1:] & spaces[:-1])
    if not keep.all():
        raw = _decode(kcodes[keep])
        origin = origin[keep]
    return Keyed(text, raw, _with_end(origin, len(text)))
