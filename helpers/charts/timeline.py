"""Articles over time, and how many articles have a publication date and from what evidence.

Undated articles are never dropped silently: the timeline writes "undated: N" beside the
axis, and :func:`published_coverage` lists them as a row of their own.

>>> import pandas as pd
>>> from helpers import tables
>>> arts = tables.frame("articles", [
...     {"doc_id": "a", "lang": "ar", "published": "2023-12-24", "published_rule": "stated:x"},
...     {"doc_id": "b", "lang": "fa", "published": "2023-12-26", "published_rule": "byline:named"},
...     {"doc_id": "c", "lang": "fa"}])
>>> published_coverage(arts)[["evidence", "articles"]].values.tolist()
[['stated', 1], ['byline', 1], ['undated', 1]]
>>> fig = articles_over_time(arts, freq="D", by="lang")
>>> undated_note(fig)
'undated: 1 (fa 1)'
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from . import common

FREQS = {"D": ("D", 0.8), "W": ("W", 5.0), "M": ("M", 24.0)}
#: Order in which evidence kinds are listed (the order ``helpers.dates`` prefers them).
EVIDENCE_ORDER = ("stated", "dateline", "author", "byline")
TOP_GROUPS = 8
_NOTE_GID = "undated-note"


def _label(text: object) -> str:
    from ..rtl import rtl_label

    return rtl_label(text)


def published_coverage(articles: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Share of articles with a publication date, by the kind of evidence that gave it.

    ``evidence`` is the first part of ``published_rule`` (``stated``, ``dateline``,
    ``author``, ``byline``) or ``undated``; ``share`` is of all articles (of the group
    when ``by`` names a column such as ``lang`` or ``outlet``).

    >>> from helpers import tables
    >>> arts = tables.frame("articles", [{"lang": "ar"}, {"lang": "ar", "published":
    ...     "2015-08-11", "published_rule": "stated:date"}])
    >>> published_coverage(arts, by="lang").values.tolist()
    [['ar', 'stated', 1, 0.5], ['ar', 'undated', 1, 0.5]]
    """
    rule = articles["published_rule"].astype("string").str.split(":", n=1).str[0]
    evidence = rule.where(articles["published"].notna(), "undated").fillna("undated")
    frame = pd.DataFrame({"evidence": evidence.astype(str)})
    keys = ["evidence"]
    if by is not None:
        frame.insert(0, by, articles[by].astype("string").fillna("unknown").to_numpy())
        keys = [by, "evidence"]
    counts = frame.groupby(keys, sort=False).size().rename("articles").reset_index()
    order = {name: i for i, name in enumerate((*EVIDENCE_ORDER, "undated"))}
    counts["_order"] = counts["evidence"].map(order).fillna(len(EVIDENCE_ORDER) - 0.5)
    counts = counts.sort_values([*keys[:-1], "_order"], kind="stable").drop(columns="_order")
    totals = counts.groupby(keys[:-1])["articles"].transform("sum") if by else len(frame)
    counts["share"] = (counts["articles"] / totals).round(4)
    return counts.reset_index(drop=True)


def articles_over_time(
    articles: pd.DataFrame, freq: str = "D", by: str | None = None, tz: str = "UTC",
    lang: str = "en",
) -> Figure:
    """Articles per day, week or month (``freq`` "D", "W", "M"), stacked by ``by``.

    ``by`` is None, "lang" or "outlet" (any articles column works); the eight largest groups
    are drawn and the rest merged into "other". Days are counted in ``tz`` (pass
    "Asia/Tehran" for a Persian corpus: a Jalali date is midnight Tehran time, which is the
    evening before in UTC). Undated articles are counted in a note beside the axis.
    Titles and labels are in ``lang`` (en, ar, fa: ``data/chart_words.json``).

    >>> from helpers import tables
    >>> arts = tables.frame("articles", [{"published": "2015-08-11"}, {}])
    >>> fig = articles_over_time(arts, freq="M")
    >>> len(fig.axes[0].patches), undated_note(fig)
    (1, 'undated: 1')
    >>> from helpers.rtl import rtl_label
    >>> undated_note(articles_over_time(arts, lang="fa")) == rtl_label("بی‌تاریخ: 1")
    True
    """
    if freq not in FREQS:
        raise ValueError(f"freq must be one of {sorted(FREQS)}, not {freq!r}")
    period, width = FREQS[freq]
    words = common.words("timeline", lang)
    published = pd.to_datetime(articles["published"], utc=True)
    dated = published.notna().to_numpy()
    groups = (
        articles[by].astype("string").fillna(str(words["unknown"]))
        if by is not None
        else pd.Series(["all"] * len(articles), index=articles.index, dtype="string")
    )
    note = _undated_text(groups[~dated], by, str(words["undated"]))
    if not dated.any():
        fig = common.empty_figure(str(words["none"]))
        _place_note(fig.axes[0], note)
        return fig
    local = published[dated].dt.tz_convert(tz).dt.tz_localize(None)
    bins = local.dt.to_period(period).dt.start_time
    table = (
        pd.DataFrame({"bin": bins.to_numpy(), "group": groups[dated].to_numpy()})
        .groupby(["bin", "group"]).size().unstack("group", fill_value=0)
    )
    table = _top_columns(table, str(words["other"]))
    full = pd.period_range(table.index.min(), table.index.max(), freq=period).start_time
    table = table.reindex(full, fill_value=0)
    fig, ax = common.new_figure(8.0, 4.0)
    bottom = pd.Series(0, index=table.index)
    for column in table.columns:
        ax.bar(table.index, table[column], width=width, bottom=bottom, label=str(column),
               align="edge" if freq != "D" else "center")
        bottom = bottom + table[column]
    # A few periods would otherwise stretch to fill the axis: keep one period of air.
    span = pd.Timedelta(days=width / 0.8 if freq == "D" else width * 1.25)
    ax.set_xlim(table.index.min() - span, table.index.max() + 2 * span)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if by is not None:
        common.legend(ax, title=by, fontsize=8)
    names = {"D": "day", "W": "week", "M": "month"}
    common.set_axis_labels(ax, None, str(words["per"]).format(period=words[names[freq]]))
    common.set_title(ax, str(words["title"]).format(tz=tz))
    fig.autofmt_xdate()
    _place_note(ax, note)
    return fig


def _top_columns(table: pd.DataFrame, other: str = "other") -> pd.DataFrame:
    order = table.sum().sort_values(ascending=False, kind="stable").index
    if len(order) <= TOP_GROUPS:
        return table[order]
    kept = table[order[: TOP_GROUPS - 1]].copy()
    kept[other] = table[order[TOP_GROUPS - 1:]].sum(axis=1)
    return kept


def _undated_text(groups: pd.Series, by: str | None, template: str = "undated: {n}") -> str:
    text = template.format(n=len(groups))
    if by is not None and len(groups):
        counts = groups.value_counts().sort_index()
        text += " (" + ", ".join(f"{k} {v}" for k, v in counts.items()) + ")"
    return text


def _place_note(ax, note: str) -> None:
    """The undated count in a box under the time axis (where the layout keeps room for it)."""
    style = {"fontsize": 9, "color": common.MUTED,
             "bbox": {"boxstyle": "round", "facecolor": "white", "edgecolor": "0.8"}}
    if ax.axison:
        text = ax.set_xlabel(_label(note), loc="right", **style)
    else:
        text = ax.text(0.5, 0.1, _label(note), transform=ax.transAxes, ha="center", **style)
    text.set_gid(_NOTE_GID)


def undated_note(fig: Figure) -> str | None:
    """The "undated: N" note of a timeline figure, as drawn.

    >>> undated_note(common.empty_figure()) is None
    True
    """
    for ax in fig.axes:
        for text in [ax.xaxis.label, *ax.texts]:
            if text.get_gid() == _NOTE_GID:
                return text.get_text()
    return None
