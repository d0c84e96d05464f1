"""Arabic and Persian text in matplotlib (and Pillow) charts: labels, fonts, settings.

matplotlib 3.11 wheels bundle libraqm and shape Arabic and Persian themselves: a label must
be passed through unchanged. matplotlib 3.10 and older draw one glyph per code point from
left to right: there the label is reshaped into presentation forms (``arabic_reshaper``)
and put into visual order (``python-bidi``) first. ``rtl_label`` detects which case applies
(``matplotlib.ft2font.__libraqm_version__``), so the same notebook is right on both.

>>> label = rtl_label("حزب الله")
>>> label == "حزب الله" if matplotlib_shapes() else label != "حزب الله"
True
>>> rtl_label("Reuters\u202e: رويترز") == rtl_label("Reuters: رويترز")
True
>>> "$" in rtl_label("$5 and $6") and "$$" not in rtl_label("$5 and $6")
True
"""

from __future__ import annotations

import re
from functools import cache

import matplotlib
from matplotlib import font_manager

#: Family names matplotlib knows the packaged fonts by, in fallback order: Arabic and
#: Persian first, then DejaVu Sans (bundled with matplotlib) for Latin and symbols.
FONT_FAMILIES = ["Noto Sans Arabic", "DejaVu Sans"]
#: A family with real bold weights, for headings (Noto Sans Arabic is one variable font
#: that matplotlib draws at a single weight). On the reshaper path Noto Sans Arabic backs
#: it up: IBM Plex Sans Arabic lacks many Persian isolated presentation forms. Where
#: matplotlib shapes, glyphs come from the base letters Plex has, and listing Noto would
#: only log "Failed to find font weight bold" (matplotlib 3.11 checks every family).
HEADING_FAMILIES = ["IBM Plex Sans Arabic", "DejaVu Sans"]
_FONT_PACKAGES = ("noto-sans-arabic", "ibm-plex-sans-arabic")

# Bidi embeddings, overrides and isolates, LRM/RLM, ALM: a label from the corpus must not
# reorder the chart around it. Zero-width and format characters that draw as boxes or bars
# go too; ZWNJ/ZWJ are kept where the shaper uses them (Persian می‌گوید).
_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
_INVISIBLE = "\u200b\u2060-\u2064\u206a-\u206f\ufeff\u00ad\u180e\ufff9-\ufffb"
_CONTROL = "\x00-\x09\x0b-\x1f\x7f-\x9f"
_STRIP = re.compile(f"[{_BIDI_CONTROLS}{_INVISIBLE}]")
_TO_SPACE = re.compile(f"[{_CONTROL}\u2028\u2029]")
_JOINERS = re.compile("[\u200c\u200d]")
_HARAKAT = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed]")
_DOLLAR = re.compile(r"(?<!\\)\$")
# Letters the reshaper turns into presentation forms (not digits, punctuation, tatweel).
_LOGICAL_ARABIC = re.compile(
    "[\u0621-\u063f\u0641-\u064a\u066e-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06ff"
    "\u0750-\u077f\u08a0-\u08ff]"
)
_OTHER_RTL_LETTER = re.compile("[\u05d0-\u05ea\u0710-\u074f\u0780-\u07b0\u07ca-\u07ea]")


@cache
def matplotlib_shapes() -> bool:
    """True if the running matplotlib shapes complex scripts itself (built with libraqm).

    >>> isinstance(matplotlib_shapes(), bool)
    True
    """
    from matplotlib import ft2font

    return bool(getattr(ft2font, "__libraqm_version__", None))


@cache
def pillow_shapes() -> bool:
    """True if Pillow has its raqm layout engine (then it shapes text itself).

    >>> isinstance(pillow_shapes(), bool)
    True
    """
    try:
        from PIL import features
    except ImportError:
        return False
    return bool(features.check("raqm"))


def clean(text: object) -> str:
    """Text safe to draw: bidi controls and invisible characters removed, controls spaced.

    The stored data keeps them; only what is drawn loses them. Newlines stay (multi-line
    labels); other control characters become spaces.

    >>> clean("\u202bزياد\u202c نخالة\u200f")
    'زياد نخالة'
    >>> clean("a\\tb\\u200bc")
    'a bc'
    >>> clean(None)
    ''
    >>> clean(1402)
    '1402'
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        try:
            text = str(text)
        except Exception:  # untrusted objects: a label must never raise
            return ""
    return _TO_SPACE.sub(" ", _STRIP.sub("", text))


@cache
def _reshaper():
    import arabic_reshaper

    return arabic_reshaper.ArabicReshaper(
        configuration={
            # Marks are dropped: without a shaper nothing positions them on their letter.
            "delete_harakat": True,
            "support_zwj": True,
            # Lam-alef stays a ligature (obligatory in Arabic script); the word ligature
            # U+FDF2 for الله is missing from fallback fonts and differs from what a
            # shaping engine draws, so it is off (the other word ligatures are off by
            # default).
            "support_ligatures": True,
            "ARABIC LIGATURE ALLAH": False,
        }
    )


def _needs_reordering(text: str) -> bool:
    # Only text with logical right-to-left letters is reshaped and reordered. Text made of
    # presentation forms was reordered already (twice would reverse it back); digits and
    # punctuation alone stay as they are, so that applying this twice changes nothing.
    return bool(_LOGICAL_ARABIC.search(text) or _OTHER_RTL_LETTER.search(text))


def visual_order(text: str) -> str:
    """Text reshaped into presentation forms and put in visual (left-to-right) order.

    What matplotlib 3.10 and older need, and what Pillow without raqm needs. Brackets are
    mirrored (the pure-Python ``bidi.algorithm``; the Rust ``bidi.get_display`` does not
    mirror), ZWNJ/ZWJ are removed after reshaping, harakat always dropped.

    >>> visual_order("الجهاد (مصر)")[0]
    '('
    >>> visual_order("الجهاد (مصر)")[-1]
    'ﺍ'
    >>> "\u200c" in visual_order("می\u200cگوید")
    False
    >>> visual_order("Reuters 2023")
    'Reuters 2023'
    >>> visual_order(visual_order("حزب الله")) == visual_order("حزب الله")
    True
    """
    if not _needs_reordering(text):
        return _JOINERS.sub("", text)
    from bidi.algorithm import get_display

    lines = []
    for line in text.split("\n"):
        shaped = _reshaper().reshape(_HARAKAT.sub("", line))
        lines.append(_JOINERS.sub("", get_display(shaped)))
    return "\n".join(lines)


def rtl_label(text: object, *, escape_math: bool | None = None) -> str:
    """Any text as a correct matplotlib label on the running matplotlib.

    Passes Arabic and Persian through where matplotlib shapes text itself, reshapes and
    reorders them where it does not; removes bidi controls and invisible characters in
    both cases. Applying it twice changes nothing. ``$`` is escaped while
    ``text.parse_math`` is on (the default outside our figures), so a headline with two
    dollar signs is not read as mathtext.

    >>> rtl_label(None)
    ''
    >>> rtl_label("Reuters 2023")
    'Reuters 2023'
    >>> rtl_label("cost $5 or $6", escape_math=True)
    'cost \\\\$5 or \\\\$6'
    >>> rtl_label("cost $5 or $6", escape_math=False)
    'cost $5 or $6'
    >>> rtl_label("زياد نخالة") == ("زياد نخالة" if matplotlib_shapes() else "ﺔﻟﺎﺨﻧ ﺩﺎﻳﺯ")
    True
    """
    label = clean(text)
    if not matplotlib_shapes():
        label = visual_order(label)
    if escape_math is None:
        escape_math = bool(matplotlib.rcParams["text.parse_math"])
    if escape_math:
        label = _DOLLAR.sub(r"\\$", label)
    return label


def pil_label(text: object) -> str:
    """Text for ``PIL.ImageDraw.text``: pass-through with raqm, visual order without.

    >>> pil_label("حزب\u202e الله") == ("حزب الله" if pillow_shapes() else pil_label("حزب الله"))
    True
    """
    label = clean(text)
    return label if pillow_shapes() else visual_order(label)


def font_files() -> list[str]:
    """Paths of the packaged Arabic/Persian font files (those that are installed).

    >>> all(p.endswith((".ttf", ".otf")) for p in font_files())
    True
    """
    import fontpkg

    files = []
    for name in _FONT_PACKAGES:
        try:
            files.extend(str(f.path) for f in fontpkg.family(name).files)
        except fontpkg.FontpkgError:
            continue
    return files


#: rcParams for our figures: the fallback chain and no mathtext for corpus text.
RC: dict[str, object] = {
    "font.family": FONT_FAMILIES,
    "text.parse_math": False,
    "svg.fonttype": "none",
    "axes.unicode_minus": False,
}

_registered: set[str] = set()

if not matplotlib_shapes():
    HEADING_FAMILIES.insert(1, "Noto Sans Arabic")


def setup_fonts(apply_rc: bool = True) -> list[str]:
    """Register the packaged fonts with matplotlib (idempotent, cheap) and apply ``RC``.

    Returns the family names registered. Called when ``helpers`` is imported.

    >>> "Noto Sans Arabic" in setup_fonts()
    True
    >>> matplotlib.rcParams["text.parse_math"]
    False
    """
    for path in font_files():
        if path not in _registered:
            font_manager.fontManager.addfont(path)
            _registered.add(path)
    if apply_rc:
        matplotlib.rcParams.update(RC)
    return sorted({font_manager.FontProperties(fname=p).get_name() for p in _registered})
