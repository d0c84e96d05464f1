"""Which language an article is in: ``ar``, ``fa``, ``en`` or ``und``.

Arabic and Persian share one script, so the decision rests on letters only one of them
uses (پ چ ژ گ ک ی against ة ى) and on common function words, weighted as in
``data/language.json``. Persian written with Arabic ي/ك (older Persian sites) is still
Persian: ي and ك are not counted as Arabic evidence, and the Persian function words are
listed in that spelling too. A text mostly in Latin letters is ``en`` when English
function words are frequent; anything else (Cyrillic, Urdu, too little text) is ``und``.

>>> detect_language("وفد من حركة الجهاد الإسلامي يصل إلى القاهرة لبحث الأوضاع في غزة")
'ar'
>>> detect_language("هیات جهاد اسلامی با رئیس دستگاه اطلاعات مصر دیدار کرد")
'fa'
>>> detect_language("سكوت جبهه اصلاحات ناشي از يك استراتژي مشخص نيست")
'fa'
>>> detect_language("The delegation arrived in Cairo for talks with the mediators.")
'en'
>>> detect_language("Пожертвования должны удовлетворять потребности людей")
'und'
>>> detect_language("")
'und'
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

DATA_FILE = Path(__file__).parent / "data" / "language.json"
LANGS = ("ar", "fa", "en", "und")

# Code-point ranges of letters by script, as (first, last, script).
_SCRIPT_RANGES = (
    (0x0041, 0x005A, "latin"),
    (0x0061, 0x007A, "latin"),
    (0x00C0, 0x024F, "latin"),
    (0x0370, 0x03FF, "other"),  # Greek
    (0x0400, 0x052F, "other"),  # Cyrillic
    (0x0531, 0x058F, "other"),  # Armenian
    (0x05D0, 0x05EA, "other"),  # Hebrew
    (0x0620, 0x064A, "arabic"),
    (0x066E, 0x06D3, "arabic"),
    (0x06D5, 0x06D5, "arabic"),
    (0x06FA, 0x06FF, "arabic"),
    (0x0750, 0x077F, "arabic"),
    (0x0900, 0x0DFF, "other"),  # Indic scripts
    (0x0E00, 0x0EFF, "other"),  # Thai, Lao
    (0x1E00, 0x1EFF, "latin"),
    (0x3040, 0x30FF, "other"),  # kana
    (0x4E00, 0x9FFF, "other"),  # CJK
    (0xAC00, 0xD7AF, "other"),  # Hangul
    (0xFB50, 0xFDFF, "arabic"),
    (0xFE70, 0xFEFC, "arabic"),
)
_SCRIPTS = ("none", "latin", "arabic", "other")


@dataclass(frozen=True)
class _Rules:
    sample_chars: int
    letter_weight: float
    word_weight: float
    min_score: float
    letters: dict[str, str]
    words: dict[str, tuple[str, ...]]
    other_letters: str
    other_min_share: float
    english_words: tuple[str, ...]
    english_min_share: float


@cache
def rules() -> _Rules:
    """The evidence of ``data/language.json``, loaded once.

    >>> "پ" in rules().letters["fa"]
    True
    """
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    langs = data["langs"]
    return _Rules(
        sample_chars=int(data["sample_chars"]),
        letter_weight=float(data["letter_weight"]),
        word_weight=float(data["word_weight"]),
        min_score=float(data["min_score"]),
        letters={lang: spec["letters"] for lang, spec in langs.items()},
        words={lang: tuple(spec["words"]) for lang, spec in langs.items()},
        other_letters=data["other_arabic_script"]["letters"],
        other_min_share=float(data["other_arabic_script"]["min_share"]),
        english_words=tuple(data["english_words"]),
        english_min_share=float(data["english_min_share"]),
    )


@cache
def _script_table() -> np.ndarray:
    """Script index (into ``_SCRIPTS``) of every BMP code point."""
    table = np.zeros(0x10000, dtype=np.uint8)
    for first, last, script in _SCRIPT_RANGES:
        table[first : last + 1] = _SCRIPTS.index(script)
    return table


def script_counts(text: str) -> dict[str, int]:
    """Letters of ``text`` by script: latin, arabic, other.

    >>> script_counts("abc ابت ЖЖ 12")
    {'latin': 3, 'arabic': 3, 'other': 2}
    """
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    scripts = _script_table()[np.minimum(codes, 0xFFFF)]
    counts = np.bincount(scripts, minlength=len(_SCRIPTS))
    return {name: int(counts[i]) for i, name in enumerate(_SCRIPTS) if name != "none"}


@cache
def _word_table() -> np.ndarray:
    """Every BMP code point that is not a letter or a combining mark maps to a space."""
    table = np.full(0x10000, 0x20, dtype=np.uint32)
    for cp in range(0x10000):
        if unicodedata.category(chr(cp))[0] in "LM":
            table[cp] = cp
    return table


def words_only(text: str) -> str:
    """``text`` with every character but letters and marks turned into a space, padded.

    A numpy lookup: about ten times faster than a regular expression substitution.

    >>> words_only("قال: «هذا»، 2023").split()
    ['قال', 'هذا']
    >>> words_only("ab")
    ' ab '
    """
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    mapped = np.where(codes > 0xFFFF, 0x20, _word_table()[np.minimum(codes, 0xFFFF)])
    return " " + mapped.astype(np.uint32).tobytes().decode("utf-32-le") + " "


def _word_counts(counts: Counter[str], words: tuple[str, ...]) -> int:
    return sum(counts[w] for w in words)


def scores(text: str) -> dict[str, float]:
    """The Persian and Arabic scores of ``text`` (letters plus weighted function words).

    >>> s = scores("وفد من حركة الجهاد الإسلامی في القاهرة")
    >>> s["ar"] > s["fa"]
    True
    """
    r = rules()
    sample = text[: r.sample_chars]
    counts = Counter(words_only(text[: r.sample_chars]).split())
    out = {}
    for lang, letters in r.letters.items():
        n_letters = sum(sample.count(ch) for ch in letters)
        n_words = _word_counts(counts, r.words[lang])
        out[lang] = r.letter_weight * n_letters + r.word_weight * n_words
    return out


def detect_language(text: str | None) -> str:
    """``ar``, ``fa``, ``en`` or ``und`` for ``text`` (see the module docstring).

    An Arabic page with one Persian letter stays Arabic; Persian with Arabic yeh and kaf
    stays Persian:

    >>> detect_language("كلمات دلالية: القاهرة حركة الجهاد الإسلامية قطاع غزة الجهاد الإسلامی")
    'ar'
    >>> detect_language("اختصاص 12 ميليارد ريال تسهيلات جهت آزادي زندانيان محكوم به پرداخت ديه")
    'fa'
    >>> detect_language("Le ministre est arrivé au Caire pour des entretiens.")
    'und'
    """
    if not text:
        return "und"
    r = rules()
    counts = script_counts(text[: r.sample_chars])
    arabic, latin, other = counts["arabic"], counts["latin"], counts["other"]
    if arabic == latin == other == 0:
        return "und"
    if arabic >= latin and arabic >= other:
        return _arabic_script_language(text, arabic, r)
    if latin > other:
        return _latin_language(text, r)
    return "und"


def _arabic_script_language(text: str, letters: int, r: _Rules) -> str:
    sample = text[: r.sample_chars]
    other = sum(sample.count(ch) for ch in r.other_letters)
    if other >= max(2, r.other_min_share * letters):
        return "und"
    s = scores(text)
    fa, ar = s.get("fa", 0.0), s.get("ar", 0.0)
    if max(fa, ar) < r.min_score or fa == ar:
        return "und"
    return "fa" if fa > ar else "ar"


def _latin_language(text: str, r: _Rules) -> str:
    words = words_only(text[: r.sample_chars].lower()).split()
    english = _word_counts(Counter(words), r.english_words)
    return "en" if english >= max(2.0, r.english_min_share * len(words)) else "und"
