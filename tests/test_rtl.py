"""Right-to-left chart labels, proved by pixels on the running matplotlib.

Each chart label type (ticks, titles, axis labels, legends, annotations, heatmap ticks,
colour-bar labels, empty-chart messages) is drawn with the seeds' names and cropped out of
the rendered figure; the crop is compared with a reference rendering of the same word by a
real shaping engine (Pillow with raqm: HarfBuzz + FriBiDi), stored in tests/rtl_reference/.
Negative controls show that the comparison fails for text that reads wrong (the opposite
recipe, the reversed string), so a pass means joined, right-to-left and not mirrored.

CI runs this file twice: on the matplotlib of requirements.txt (3.11, shapes itself) and in
.venv310 (matplotlib 3.10: the reshaper + bidi path).

Regenerate the references after a font update with ``python tests/test_rtl.py``.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont
from PIL import Image, ImageDraw, ImageFont

from helpers import rtl
from helpers.charts import common

rtl.setup_fonts()

REFERENCE_DIR = Path(__file__).parent / "rtl_reference"
EVAL_TRUTH = Path(__file__).resolve().parents[2] / "shared" / "eval" / "ground_truth.csv"

# The seeds' names (both seed documents), a Jalali date in Persian digits and brackets.
SEED_NAMES = [
    "زياد نخالة",
    "زیاد النخاله",
    "عباس کامل",
    "حركة الجهاد الإسلامي",
    "جنبش جهاد اسلامی فلسطین",
    "خبرگزاری سما",
    "حزب الله",
    "می\u200cگوید",
    "۱۴۰۲/۰۳/۱۶",
    "الجهاد (مصر)",
]
REF_SIZE = 64  # pixels per em of the reference renderings
DPI = 300
COMPARE_HEIGHT = 24
# Correlation with the reference. Measured: correct labels 0.81-1.00 (3.10 bold titles
# lowest: presentation-form glyphs differ slightly from shaped ones); reversed strings and
# the other matplotlib's recipe 0.00-0.58.
GOOD = 0.75
BAD = 0.65
FONTS = {"regular": rtl.FONT_FAMILIES[0], "heading": rtl.HEADING_FAMILIES[0]}


def font_path(kind: str) -> str:
    if kind == "heading":
        return findfont(common.heading_font())
    return findfont(FontProperties(family=rtl.FONT_FAMILIES))


# --- images ---------------------------------------------------------------------------


def ink(gray: np.ndarray) -> np.ndarray:
    """Dark-on-light or light-on-dark array cropped to its ink, as ink intensity 0..255."""
    if gray.mean() > 127:
        gray = 255 - gray
    ys, xs = np.nonzero(gray > 60)
    if ys.size == 0:
        return gray[:1, :1] * 0
    return gray[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of two ink crops at a common size, 0 if aspects differ >12%."""
    aspect_a, aspect_b = a.shape[1] / a.shape[0], b.shape[1] / b.shape[0]
    if not 0.88 < aspect_a / aspect_b < 1.12:
        return 0.0
    # Both scaled to a small common size: stroke weight and hinting differences between
    # rasterisers fade, letter shapes, joins and order stay.
    size = (max(8, round(COMPARE_HEIGHT * aspect_b)), COMPARE_HEIGHT)
    ra, rb = (np.asarray(Image.fromarray(x.astype(np.uint8)).resize(size, Image.LANCZOS), float)
              for x in (a, b))
    best = -1.0
    for dy in (-1, 0, 1):  # crops may be off by a pixel after scaling
        for dx in (-2, -1, 0, 1, 2):
            sa = _shifted(ra, dy, dx)
            sb = _shifted(rb, -dy, -dx)
            sa, sb = sa - sa.mean(), sb - sb.mean()
            norm = np.sqrt((sa * sa).sum() * (sb * sb).sum())
            best = max(best, float((sa * sb).sum() / norm) if norm else 0.0)
    return best


def _shifted(a: np.ndarray, dy: int, dx: int) -> np.ndarray:
    return a[max(dy, 0) : a.shape[0] + min(dy, 0), max(dx, 0) : a.shape[1] + min(dx, 0)]


def pillow_reference(text: str, kind: str) -> np.ndarray:
    """``text`` drawn by Pillow's raqm layout (a real shaper) in the font of ``kind``."""
    return _reference_for_font(text, font_path(kind))


def reference(text: str, kind: str = "regular") -> np.ndarray:
    """The stored reference rendering of ``text`` (see ``write_references``)."""
    index = SEED_NAMES.index(text)
    path = REFERENCE_DIR / f"{kind}_{index:02d}.png"
    return ink(np.asarray(Image.open(path).convert("L"), dtype=float))


def draw(fig: Figure) -> np.ndarray:
    """Render ``fig`` at DPI with missing glyphs as errors; the grey pixel array."""
    FigureCanvasAgg(fig)
    fig.set_dpi(DPI)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].mean(axis=2)


def crop_text(pixels: np.ndarray, fig: Figure, text) -> np.ndarray:
    box = text.get_window_extent(fig.canvas.get_renderer())
    height = pixels.shape[0]
    top, bottom = int(np.floor(height - box.y1)), int(np.ceil(height - box.y0))
    left, right = int(np.floor(box.x0)), int(np.ceil(box.x1))
    crop = ink(pixels[max(top, 0) : bottom, max(left, 0) : right])
    turns = round(text.get_rotation() / 90) % 4
    return np.rot90(crop, -turns) if text.get_rotation() % 90 == 0 else crop


def label_crops(fig: Figure, names: list[str]) -> list[tuple[str, np.ndarray]]:
    """Ink crops of every text artist of ``fig`` showing ``rtl_label(name)``."""
    pixels = draw(fig)
    wanted = {rtl.rtl_label(n): n for n in names}
    return [
        (wanted[text.get_text()], crop_text(pixels, fig, text))
        for text in fig.findobj(matplotlib.text.Text)
        if text.get_visible() and text.get_text() in wanted
    ]


def single_label(label: str, kind: str = "regular") -> np.ndarray:
    fig = Figure(figsize=(14, 1.5))
    props = common.heading_font(20) if kind == "heading" else FontProperties(
        family=rtl.FONT_FAMILIES, size=20)
    fig.text(0.5, 0.5, label, ha="center", va="center", fontproperties=props)
    pixels = draw(fig)
    return ink(pixels)


# --- chart label types -----------------------------------------------------------------


def _bar_ticks() -> Figure:
    return common.barh(SEED_NAMES, list(range(len(SEED_NAMES), 0, -1)))


def _axis_labels() -> list[Figure]:
    figs = []
    for name in SEED_NAMES:
        fig, ax = common.new_figure(6, 2)
        common.set_axis_labels(ax, xlabel=name)
        figs.append(fig)
    return figs


def _titles() -> list[Figure]:
    figs = []
    for name in SEED_NAMES:
        fig, ax = common.new_figure(6, 2)
        common.set_title(ax, name)
        figs.append(fig)
    return figs


def _legend() -> Figure:
    fig, ax = common.new_figure(6, 6)
    for i, name in enumerate(SEED_NAMES):
        ax.plot([0, 1], [i, i], label=name)
    common.legend(ax, loc="center left", bbox_to_anchor=(1, 0.5))
    return fig


def _annotations() -> Figure:
    fig, ax = common.new_figure(6, 6)
    ax.set_ylim(-1, len(SEED_NAMES))
    for i, name in enumerate(SEED_NAMES):
        common.annotate(ax, name, (0.5, i), ha="center")
    return fig


def _heatmaps() -> list[Figure]:
    import pandas as pd

    figs = []
    for start in range(0, len(SEED_NAMES), 3):
        cols = SEED_NAMES[start : start + 3]
        matrix = pd.DataFrame(np.arange(len(cols) * 2).reshape(2, -1), columns=cols,
                              index=SEED_NAMES[start + 1 : start + 3] or ["x", "y"])
        figs.append(common.heatmap(matrix, colorbar_label=cols[0]))
    return figs


def _empty() -> list[Figure]:
    return [common.empty_figure(name) for name in SEED_NAMES]


LABEL_TYPES = {
    "bar ticks": (_bar_ticks, "regular"),
    "axis labels": (_axis_labels, "regular"),
    "titles": (_titles, "heading"),
    "legend": (_legend, "regular"),
    "annotations": (_annotations, "regular"),
    "heatmap ticks and colour bar": (_heatmaps, "regular"),
    "empty-chart message": (_empty, "regular"),
}


@pytest.mark.parametrize("label_type", list(LABEL_TYPES))
def test_every_label_type_renders_the_seed_names_like_a_shaping_engine(label_type):
    build, kind = LABEL_TYPES[label_type]
    figs = build()
    crops: list[tuple[str, np.ndarray]] = []
    for fig in figs if isinstance(figs, list) else [figs]:
        crops.extend(label_crops(fig, SEED_NAMES))
    drawn = {name for name, _ in crops}
    assert drawn == set(SEED_NAMES), f"labels not drawn: {set(SEED_NAMES) - drawn}"
    scores = [(name, similarity(crop, reference(name, kind))) for name, crop in crops]
    poor = [(name, round(score, 3)) for name, score in scores if score < GOOD]
    assert not poor, f"{label_type} on matplotlib {matplotlib.__version__}: {poor}"


@pytest.mark.parametrize("name", SEED_NAMES)
def test_wrong_recipes_are_caught_by_the_comparison(name):
    """The comparison fails for labels that read wrong, so the tests above can fail."""
    from arabic_reshaper import reshape
    from bidi.algorithm import get_display

    ref = reference(name)
    assert similarity(single_label(rtl.rtl_label(name)), ref) >= GOOD
    reversed_label = rtl.rtl_label(name[::-1])
    assert similarity(single_label(reversed_label), ref) < BAD
    if name[0].isdigit():
        return  # digits need no shaping: only their order can be wrong
    # The recipe of the other matplotlib: reshaping where matplotlib shapes (reversed and
    # unjoined), raw logical text where it does not (unjoined, left to right).
    wrong = get_display(reshape(name)) if rtl.matplotlib_shapes() else name
    assert similarity(single_label(wrong), ref) < BAD


def test_the_path_matches_what_matplotlib_can_do():
    from matplotlib import ft2font

    has_raqm = bool(getattr(ft2font, "__libraqm_version__", None))
    assert rtl.matplotlib_shapes() is has_raqm
    label = rtl.rtl_label("حزب الله")
    if has_raqm:
        assert label == "حزب الله"
    else:
        # Presentation forms in visual order, no U+FDF2 ligature.
        assert label == "\ufeea\ufee0\ufedf\ufe8d \ufe8f\ufeb0\ufea3"


@pytest.mark.skipif(not rtl.pillow_shapes(), reason="Pillow without raqm: no live reference")
@pytest.mark.parametrize("kind", list(FONTS))
def test_stored_references_match_a_fresh_shaping_engine_rendering(kind):
    for name in SEED_NAMES:
        assert similarity(pillow_reference(name, kind), reference(name, kind)) > 0.97, name


def _eval_titles() -> list[str]:
    if not EVAL_TRUTH.is_file():
        return []
    with EVAL_TRUTH.open(encoding="utf-8") as handle:
        return [r["title"] for r in csv.DictReader(handle) if r["title"] and r["lang"] != "en"]


@pytest.mark.slow
@pytest.mark.skipif(not rtl.pillow_shapes(), reason="Pillow without raqm: no live reference")
def test_real_headlines_render_like_a_shaping_engine():
    titles = _eval_titles()
    if not titles:
        pytest.skip(f"evaluation samples not found at {EVAL_TRUTH}")
    scores = {}
    for title in titles:
        text = common.shorten(rtl.clean(title), 45)
        if not all(ord(c) < 0x250 or 0x600 <= ord(c) <= 0x6FF or c == "…" for c in text):
            continue  # the reference font covers Latin and Arabic only
        # Harakat are dropped on the reshaper path (nothing would position them).
        expected = text if rtl.matplotlib_shapes() else rtl._HARAKAT.sub("", text)
        drawn = single_label(rtl.rtl_label(text))
        scores[text] = similarity(drawn, pillow_reference(expected, "regular"))
    assert len(scores) >= 100
    poor = {t: round(s, 3) for t, s in scores.items() if s < GOOD}
    assert len(poor) <= len(scores) // 50, poor


def test_every_real_title_renders_without_missing_glyphs():
    titles = _eval_titles() or SEED_NAMES
    fig = Figure(figsize=(8, 0.2 * len(titles)), dpi=40)
    for i, title in enumerate(titles):
        fig.text(0.02, 1 - (i + 0.5) / len(titles), rtl.rtl_label(title), fontsize=8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(io.BytesIO(), format="png")


def test_a_missing_glyph_is_an_error():
    fig = common.empty_figure("中文")
    with pytest.raises(UserWarning, match="missing from font"):
        draw(fig)


def test_dollar_signs_do_not_turn_a_headline_into_mathtext():
    headline = "خسارة $5 مليار و $6 مليون"
    with matplotlib.rc_context({"text.parse_math": True}):
        crop = single_label(rtl.rtl_label(headline))
        as_math = single_label(headline if rtl.matplotlib_shapes() else rtl.visual_order(headline))
    if rtl.pillow_shapes():
        ref = pillow_reference(headline, "regular")
        assert similarity(crop, ref) >= GOOD
        assert similarity(as_math, ref) < BAD


def test_bidi_controls_in_the_corpus_do_not_reorder_labels():
    hostile = "\u202e" + "زياد نخالة" + "\u202c\u2067\u200f"
    assert rtl.rtl_label(hostile) == rtl.rtl_label("زياد نخالة")
    assert similarity(single_label(rtl.rtl_label(hostile)), reference("زياد نخالة")) >= GOOD


def test_brackets_are_mirrored_on_the_reshaper_path():
    visual = rtl.visual_order("الجهاد (مصر)")
    assert visual.startswith("(") and visual.index(")") < visual.index(" ")


def test_zwnj_is_removed_after_reshaping_and_kept_for_a_shaper():
    assert "\u200c" not in rtl.visual_order("می\u200cگوید")
    assert rtl.clean("می\u200cگوید") == "می\u200cگوید"


def test_setup_fonts_is_idempotent_and_sets_the_fallback_chain():
    first = rtl.setup_fonts()
    assert rtl.setup_fonts() == first
    assert {"Noto Sans Arabic", "IBM Plex Sans Arabic"} <= set(first)
    assert list(matplotlib.rcParams["font.family"])[-1] == "DejaVu Sans"
    assert matplotlib.rcParams["text.parse_math"] is False


def test_save_png_writes_a_readable_image(tmp_path):
    out = common.save_png(common.barh(SEED_NAMES[:3], [1, 2, 3], title="عنوان"), tmp_path / "a.png")
    assert Image.open(out).size[0] > 100
    assert not list(tmp_path.glob(".*.tmp"))


LABEL_TEXT = st.text(
    alphabet=st.sampled_from(
        sorted(set("".join(SEED_NAMES)) | set("abc XYZ 0123456789 ()[]:$،؟«»")
               | {"\u202b", "\u202e", "\u2066", "\u200f", "\u061c", "\u200b", "\n", "\t"})
    ),
    max_size=40,
)


@given(LABEL_TEXT)
def test_rtl_label_invariants(text):
    label = rtl.rtl_label(text, escape_math=False)
    assert rtl.rtl_label(label, escape_math=False) == label  # applying twice changes nothing
    assert not set(label) & {"\u202b", "\u202e", "\u2066", "\u200f", "\u061c", "\u200b", "\t"}
    if rtl.matplotlib_shapes():
        assert label == rtl.clean(text)
    else:
        assert not rtl._LOGICAL_ARABIC.search(label)  # every letter shaped
        assert "\u200c" not in label


@given(st.text(max_size=30))
def test_rtl_label_never_raises(text):
    assert isinstance(rtl.rtl_label(text), str)
    assert isinstance(rtl.pil_label(text), str)


# --- references -----------------------------------------------------------------------


def write_references() -> None:
    """Render the references with Pillow + raqm (run after a font update)."""
    if not rtl.pillow_shapes():
        raise SystemExit("Pillow without raqm cannot render references")
    rtl.setup_fonts()
    REFERENCE_DIR.mkdir(exist_ok=True)
    manifest = {"engine": "Pillow raqm", "size_px": REF_SIZE, "names": SEED_NAMES, "fonts": {}}
    for kind in FONTS:
        manifest["fonts"][kind] = Path(font_path(kind)).name
        for i, name in enumerate(SEED_NAMES):
            buffer = io.BytesIO()
            Image.fromarray(255 - pillow_reference(name, kind).astype(np.uint8)).save(
                buffer, format="PNG", optimize=True)
            (REFERENCE_DIR / f"{kind}_{i:02d}.png").write_bytes(buffer.getvalue())
    (REFERENCE_DIR / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_references()
    print(f"wrote references to {REFERENCE_DIR}", file=sys.stderr)


# --- the domain chart modules, on the seed corpus ---------------------------------------

ARABIC_LETTER = rtl._LOGICAL_ARABIC


@pytest.fixture(scope="module")
def seed_corpus(tmp_path_factory):
    import helpers

    return helpers.open_corpus("corpus", cache_dir=tmp_path_factory.mktemp("cache"),
                               progress=False)


def _domain_charts(corpus, lang: str) -> dict[str, Figure]:
    from helpers.charts import entities as entity_charts
    from helpers.charts import sources as source_charts
    from helpers.charts import timeline

    view = corpus.with_labels(lang)
    pairs = view.cooccurrence()
    arabic_langs = view.articles.assign(lang=view.articles["lang"].map(
        {"ar": "عربي", "fa": "فارسی"}))
    return {
        "timeline": timeline.articles_over_time(arabic_langs, freq="M", by="lang"),
        "articles per outlet": source_charts.articles_per_outlet(view.articles, lang=lang),
        "citation matrix": source_charts.citation_matrix(view.sources, view.articles, lang=lang),
        "top entities": entity_charts.top_entities(view.mentions, lang=lang),
        "co-occurrence heatmap": entity_charts.cooccurrence_heatmap(pairs, lang=lang),
    }


@pytest.mark.skipif(not rtl.pillow_shapes(), reason="Pillow without raqm: no live reference")
@pytest.mark.parametrize("lang", ["ar", "fa"])
def test_domain_charts_draw_arabic_and_persian_labels_like_a_shaping_engine(
        seed_corpus, lang, monkeypatch):
    """Every upright Arabic-script text of the domain charts, compared with a reference."""
    import helpers.charts.common as common_module

    logical: dict[str, str] = {}
    real = rtl.rtl_label

    def recording(text, **kwargs):
        out = real(text, **kwargs)
        logical[out] = rtl.clean(text)
        return out

    monkeypatch.setattr(rtl, "rtl_label", recording)
    for module_name in ("common", "entities", "sources", "timeline"):
        module = sys.modules.get(f"helpers.charts.{module_name}") or common_module
        if hasattr(module, "rtl_label"):
            monkeypatch.setattr(module, "rtl_label", recording)
    charts = _domain_charts(seed_corpus, lang)
    compared, poor = 0, []
    for chart, fig in charts.items():
        pixels = draw(fig)
        for text in fig.findobj(matplotlib.text.Text):
            shown = text.get_text()
            source = logical.get(shown)
            if not (text.get_visible() and source and ARABIC_LETTER.search(source)):
                continue
            if text.get_rotation() % 90:
                continue
            expected = source if rtl.matplotlib_shapes() else rtl._HARAKAT.sub("", source)
            font = findfont(text.get_fontproperties())
            ref = _reference_for_font(expected, font)
            score = similarity(crop_text(pixels, fig, text), ref)
            compared += 1
            if score < GOOD:
                poor.append((chart, source, round(score, 3)))
    assert compared >= 15, f"only {compared} Arabic-script labels found"
    assert not poor, poor


def _reference_for_font(text: str, font: str) -> np.ndarray:
    """``text`` drawn by Pillow's raqm layout (HarfBuzz + FriBiDi) with the font file."""
    engine = ImageFont.truetype(font, REF_SIZE, layout_engine=ImageFont.Layout.RAQM)
    left, top, right, bottom = engine.getbbox(text)
    image = Image.new("L", (right - left + 40, bottom - top + 40), 0)
    ImageDraw.Draw(image).text((20 - left, 20 - top), text, font=engine, fill=255)
    return ink(np.asarray(image, dtype=float))


def test_headings_use_a_real_bold_font_without_warnings(caplog):
    fig, ax = common.new_figure()
    common.set_title(ax, "خبرگزاری سما")
    with caplog.at_level("WARNING", logger="matplotlib.font_manager"):
        draw(fig)
    assert [r.getMessage() for r in caplog.records] == []
    assert "Bold" in Path(findfont(common.heading_font())).name
