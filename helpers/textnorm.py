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
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

DATA_FILE = Path(__file__).parent / "data" / "normalization.json"
_SPACES = re.compile(" {2,}")


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
        return list(zip(src, dst))
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
def _lengths() -> np.ndarray:
    lengths = np.ones(0x10000, dtype=np.int64)
    for cp, rep in _table().items():
        if cp < 0x10000:
            lengths[cp] = len(rep)
    return lengths


def normalize(text: str) -> str:
    """The matching key of ``text``: letters folded, marks deleted, digits ASCII, spaces collapsed.

    >>> normalize("القاهرةُ")
    'القاهره'
    >>> normalize("ك ک") == normalize("ک ك")
    True
    >>> normalize("Reuters  (رويترز)")
    'reuters (رويترز)'
    """
    return _SPACES.sub(" ", text.translate(_table()))


def fold_digits(text: str) -> str:
    """Eastern Arabic and Persian digits to ASCII; nothing else changes, so offsets hold.

    >>> fold_digits("۱۴۰۲/۰۳/۱۶ و ٢٠٢٥")
    '1402/03/16 و 2025'
    """
    return text.translate(_digit_table())


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


def keyed(text: str) -> Keyed:
    """Normalise ``text`` and keep, for every key character, where it came from.

    ``offsets`` has ``len(key) + 1`` entries; the last is ``len(text)``.

    >>> k = keyed("ﻻ ـبد")
    >>> k.key, k.offsets.tolist()
    ('لا بد', [0, 0, 1, 3, 4, 5])
    """
    if not text:
        return Keyed(text, "", np.zeros(1, dtype=np.int64))
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    lengths = _lengths()[np.minimum(codes, 0xFFFF)]
    lengths[codes > 0xFFFF] = 1
    raw = text.translate(_table())
    origin = np.repeat(np.arange(len(text), dtype=np.int64), lengths)
    kcodes = np.frombuffer(raw.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    spaces = kcodes == 32
    keep = np.ones(len(kcodes), dtype=bool)
    keep[1:] = ~(spaces[1:] & spaces[:-1])
    if not keep.all():
        raw = kcodes[keep].tobytes().decode("utf-32-le", "surrogatepass")
        origin = origin[keep]
    offsets = np.append(origin, len(text))
    return Keyed(text, raw, offsets)
