"""Shared chart style: figures, labelled bars, heatmaps and PNG files, right-to-left aware.

Every text these helpers draw (titles, ticks, legends, annotations, bar labels) goes
through :func:`helpers.rtl.rtl_label`, so Arabic and Persian read right on any matplotlib.
Figures are built with ``matplotlib.figure.Figure`` (not pyplot): nothing is shown twice
in a notebook and nothing leaks when charts are made in a loop.

>>> fig = barh(["زياد نخالة", "عباس کامل"], [3, 5], title="الأكثر ذكرا")
>>> [t.get_text() for t in fig.axes[0].get_yticklabels()] == [  # bottom to top
...     rtl_label("زياد نخالة"), rtl_label("عباس کامل")]
True
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

from ..atomic import write_atomic
from ..rtl import HEADING_FAMILIES, rtl_label, setup_fonts

WORDS_FILE = Path(__file__).resolve().parents[1] / "data" / "chart_words.json"
BAR_COLOR = "#2f6f8f"
MUTED = "#6b7280"


@cache
def _chart_words() -> dict[str, dict[str, dict[str, object]]]:
    return json.loads(WORDS_FILE.read_text(encoding="utf-8"))


def words(chart: str, lang: str = "en") -> dict[str, object]:
    """The words ``chart`` draws in label language ``lang`` (``data/chart_words.json``).

    A word the file lacks in ``lang`` (or an unknown ``lang``) is the English one.

    >>> words("timeline", "fa")["week"]
    'هفته'
    >>> words("timeline", "xx")["week"]
    'week'
    """
    table = _chart_words()[chart]
    return {**table["en"], **table.get(lang, {})}


def languages(chart: str) -> tuple[str, ...]:
    """The label languages ``data/chart_words.json`` has for ``chart``.

    >>> languages("sources")
    ('en', 'ar', 'fa')
    """
    return tuple(_chart_words()[chart])


def shorten(text: object, width: int = 40) -> str:
    """``text`` cut to ``width`` characters with an ellipsis (on the logical string).

    >>> shorten("حركة الجهاد الإسلامي في فلسطين", 12)
    'حركة الجهاد…'
    >>> shorten(None)
    ''
    """
    s = "" if text is None or text is pd.NA else str(text)
    s = " ".join(s.split())
    return s if len(s) <= width else s[: width - 1].rstrip() + "…"


def heading_font(size: float = 13) -> FontProperties:
    """Bold heading font (IBM Plex Sans Arabic has real bold weights).

    >>> heading_font().get_weight()
    'bold'
    """
    return FontProperties(family=HEADING_FAMILIES, weight="bold", size=size)


def new_figure(width: float = 7.0, height: float = 4.0) -> tuple[Figure, Axes]:
    """A figure with one axes, fonts registered, constrained layout.

    >>> fig, ax = new_figure(4, 3)
    >>> fig.get_size_inches().tolist()
    [4.0, 3.0]
    """
    setup_fonts()
    fig = Figure(figsize=(width, height), layout="constrained")
    ax = fig.add_subplot()
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def set_title(ax: Axes, text: object, size: float = 13) -> Text:
    """Title in the heading font, through ``rtl_label``.

    >>> fig, ax = new_figure()
    >>> set_title(ax, "حزب الله").get_text() == rtl_label("حزب الله")
    True
    """
    return ax.set_title(rtl_label(text), fontproperties=heading_font(size), loc="center")


def set_axis_labels(ax: Axes, xlabel: object = None, ylabel: object = None) -> None:
    """Axis labels through ``rtl_label`` (``None`` leaves a label unchanged).

    >>> fig, ax = new_figure()
    >>> set_axis_labels(ax, "عدد المقالات")
    >>> ax.get_xlabel() == rtl_label("عدد المقالات")
    True
    """
    if xlabel is not None:
        ax.set_xlabel(rtl_label(xlabel))
    if ylabel is not None:
        ax.set_ylabel(rtl_label(ylabel))


def set_ticklabels(
    ax: Axes, axis: str, labels: Sequence[object], rotation: float = 0, width: int = 40
) -> None:
    """Tick labels on ``axis`` ("x" or "y") at positions 0..n-1, shortened, through rtl_label.

    >>> fig, ax = new_figure()
    >>> set_ticklabels(ax, "x", ["حزب الله", "Reuters"])
    >>> [t.get_text() for t in ax.get_xticklabels()] == [rtl_label("حزب الله"), "Reuters"]
    True
    """
    texts = [rtl_label(shorten(v, width)) for v in labels]
    positions = np.arange(len(texts))
    if axis == "x":
        ax.set_xticks(positions, texts, rotation=rotation, rotation_mode="anchor",
                      ha="right" if rotation else "center")
    else:
        ax.set_yticks(positions, texts, rotation=rotation)


def legend(ax: Axes, handles: Sequence | None = None, labels: Sequence[object] | None = None,
           title: object = None, **kwargs):
    """A legend whose labels and title go through ``rtl_label``.

    Without ``labels`` the artists' own labels are used (pass them raw: they are converted
    here, and converting twice is harmless).

    >>> fig, ax = new_figure()
    >>> _ = ax.plot([0, 1], [0, 1], label="خبرگزاری سما")
    >>> legend(ax).get_texts()[0].get_text() == rtl_label("خبرگزاری سما")
    True
    """
    if handles is None or labels is None:
        found_handles, found_labels = ax.get_legend_handles_labels()
        handles = found_handles if handles is None else handles
        labels = found_labels if labels is None else labels
    return ax.legend(
        handles,
        [rtl_label(v) for v in labels],
        title=None if title is None else rtl_label(title),
        **kwargs,
    )


def annotate(ax: Axes, text: object, xy: tuple[float, float], **kwargs) -> Text:
    """``ax.annotate`` with the text through ``rtl_label``.

    >>> fig, ax = new_figure()
    >>> annotate(ax, "می‌گوید", (0.5, 0.5)).get_text() == rtl_label("می‌گوید")
    True
    """
    return ax.annotate(rtl_label(text), xy, **kwargs)


def empty_figure(message: object = "no data", width: float = 7.0, height: float = 1.5) -> Figure:
    """A small figure saying there is nothing to draw (charts never fail on empty tables).

    >>> empty_figure("لا توجد بيانات").axes[0].texts[0].get_text() == rtl_label("لا توجد بيانات")
    True
    """
    fig, ax = new_figure(width, height)
    ax.set_axis_off()
    ax.text(0.5, 0.5, rtl_label(message), ha="center", va="center", color=MUTED,
            transform=ax.transAxes)
    return fig


def barh(
    labels: Sequence[object],
    values: Sequence[float],
    *,
    title: object = None,
    xlabel: object = None,
    ax: Axes | None = None,
    color: str = BAR_COLOR,
    annotate_values: bool = True,
    width: int = 40,
) -> Figure:
    """Horizontal bars of labelled counts, largest on top, values written at the bar ends.

    >>> fig = barh(["a", "b", "c"], [1, 3, 2])
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]  # bottom to top
    ['a', 'c', 'b']
    >>> barh([], [], title="nothing").axes[0].texts[0].get_text()
    'nothing: no data'
    """
    if len(labels) == 0:
        return empty_figure(f"{shorten(title) or 'chart'}: no data")
    order = np.argsort(-np.asarray(values, dtype=float), kind="stable")[::-1]
    shown_labels = [labels[i] for i in order]
    shown_values = np.asarray(values, dtype=float)[order]
    if ax is None:
        fig, ax = new_figure(7.0, max(2.0, 0.35 * len(shown_labels) + 1.2))
    else:
        fig = ax.figure
    bars = ax.barh(np.arange(len(shown_values)), shown_values, color=color)
    set_ticklabels(ax, "y", shown_labels, width=width)
    if annotate_values:
        ax.bar_label(bars, labels=[f"{v:,.0f}" for v in shown_values], padding=3, fontsize=9)
    ax.margins(x=0.12)
    if np.all(shown_values == np.round(shown_values)):  # counts: no 0.25 ticks
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    set_axis_labels(ax, xlabel)
    if title is not None:
        set_title(ax, title)
    return fig


def bar_counts(
    counts: pd.Series, *, top: int = 20, title: object = None, xlabel: object = "articles"
) -> Figure:
    """``barh`` of a Series of counts indexed by label (e.g. ``value_counts()``), top ``top``.

    >>> s = pd.Series({"حزب الله": 4, "عباس کامل": 2, "x": 1})
    >>> len(bar_counts(s, top=2).axes[0].patches)
    2
    """
    counts = counts.dropna().sort_values(ascending=False, kind="stable").head(top)
    return barh([str(i) for i in counts.index], counts.to_numpy(dtype=float),
                title=title, xlabel=xlabel)


def heatmap(
    matrix: pd.DataFrame,
    *,
    title: object = None,
    cmap: str = "Blues",
    annotate_cells: bool = True,
    fmt: str = "{:.0f}",
    colorbar_label: object = None,
    width: int = 30,
) -> Figure:
    """A matrix as a heatmap; row and column labels through ``rtl_label``.

    >>> m = pd.DataFrame([[1, 2], [3, 4]], index=["حزب الله", "b"], columns=["x", "عباس"])
    >>> ax = heatmap(m, title="t").axes[0]
    >>> [t.get_text() for t in ax.get_yticklabels()] == [rtl_label("حزب الله"), "b"]
    True
    >>> len(ax.texts)
    4
    """
    if matrix.empty:
        return empty_figure(f"{shorten(title) or 'matrix'}: no data")
    values = matrix.to_numpy(dtype=float)
    n_rows, n_cols = values.shape
    fig, ax = new_figure(max(4.0, 0.5 * n_cols + 3.0), max(3.0, 0.4 * n_rows + 2.0))
    image = ax.imshow(values, cmap=cmap, aspect="auto")
    longest = max(len(shorten(c, width)) for c in matrix.columns)
    upright = n_cols <= 6 and longest <= 8  # else labels would overlap side by side
    set_ticklabels(ax, "x", list(matrix.columns), rotation=0 if upright else 90, width=width)
    set_ticklabels(ax, "y", list(matrix.index), width=width)
    ax.spines[:].set_visible(False)
    if annotate_cells and n_rows * n_cols <= 400:
        finite = values[np.isfinite(values)]
        middle = (finite.min() + finite.max()) / 2 if finite.size else 0.0
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v):
                ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=8,
                        color="white" if v > middle else "black")
    bar = fig.colorbar(image, ax=ax, shrink=0.8)
    if colorbar_label is not None:
        bar.set_label(rtl_label(colorbar_label))
    if title is not None:
        set_title(ax, title)
    return fig


def figure_png(fig: Figure, dpi: int = 100) -> bytes:
    """``fig`` as PNG bytes, cropped to its content (what notebooks and reports show).

    >>> figure_png(empty_figure())[1:4]
    b'PNG'
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def enable_notebook_display() -> bool:
    """Let IPython show a returned ``Figure`` as an image (these figures are not pyplot's,
    so the inline backend does not know them). True when running under IPython.

    >>> enable_notebook_display()  # not under IPython here
    False
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    shell.display_formatter.formatters["image/png"].for_type(Figure, figure_png)
    return True


def save_png(fig: Figure, path: str | os.PathLike, dpi: int = 100) -> Path:
    """Write ``fig`` as PNG atomically (temporary file, then ``os.replace``).

    >>> import tempfile, pathlib
    >>> out = save_png(empty_figure(), pathlib.Path(tempfile.mkdtemp()) / "e.png")
    >>> out.read_bytes()[:4] == b"\\x89PNG"
    True
    """
    return write_atomic(path, lambda tmp: fig.savefig(tmp, format="png", dpi=dpi))


enable_notebook_display()
