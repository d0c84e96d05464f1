"""Entity charts: top entities by type, co-occurrence heatmap and network, outlet naming.

Every function takes the tidy tables (``mentions``, the pair table of
``helpers.cooccurrence``, the ``naming`` table) and a label language (``en``, ``ar``,
``fa``), and returns a matplotlib ``Figure``; an empty table gives a small "no data"
figure, never an error. All text goes through ``helpers.rtl.rtl_label``.

>>> from helpers import tables
>>> from helpers.rtl import rtl_label
>>> m = tables.frame("mentions", [{"doc_id": "d", "entity_id": "cairo", "type": "place"}])
>>> fig = top_entities(m, lang="fa")
>>> fig.axes[0].get_yticklabels()[0].get_text() == rtl_label("قاهره")
True
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .. import entities
from . import common

#: Chart words per label language, from ``data/chart_words.json``.
TYPE_TITLES = {lang: common.words("entity_types", lang)
               for lang in common.languages("entity_types")}
WORDS = {lang: common.words("entities", lang) for lang in common.languages("entities")}


def _lang(lang: str) -> str:
    if lang not in entities.LANGS:
        raise ValueError(f"label language must be one of {entities.LANGS}, not {lang!r}")
    return lang


def names(ids: list[str], lang: str) -> list[str]:
    """Display labels of entity ids in ``lang``, the id itself when the registry lacks it.

    >>> names(["gaza", "someone-new"], "ar")
    ['غزة', 'someone-new']
    """
    return [label or i for i, label in zip(ids, entities.label(ids, _lang(lang)), strict=True)]


def entity_counts(mentions: pd.DataFrame, by: str = "articles") -> pd.DataFrame:
    """Per entity: ``entity_id``, ``type``, ``n`` (articles naming it, or mentions).

    >>> from helpers import tables
    >>> m = tables.frame("mentions", [{"doc_id": d, "entity_id": "gaza", "type": "place"}
    ...                               for d in ("a", "a", "b")])
    >>> entity_counts(m, "mentions")["n"].tolist(), entity_counts(m)["n"].tolist()
    ([3], [2])
    """
    if mentions.empty:
        return pd.DataFrame({"entity_id": [], "type": [], "n": []})
    df = mentions.assign(type=mentions["type"].fillna("other"))
    grouped = df.groupby(["entity_id", "type"], sort=False)["doc_id"]
    n = grouped.nunique() if by == "articles" else grouped.size()
    out = n.rename("n").reset_index().sort_values(["n", "entity_id"], ascending=[False, True])
    return out.reset_index(drop=True)


def top_entities(mentions: pd.DataFrame, lang: str = "en", top: int = 10,
                 by: str = "articles") -> Figure:
    """Horizontal bars of the ``top`` entities of each type, by articles (or mentions)."""
    words = WORDS[_lang(lang)]
    counts = entity_counts(mentions, by)
    if counts.empty:
        return common.empty_figure(words["no data"])
    types = [t for t in entities.TYPES if t in set(counts["type"])]
    from ..rtl import setup_fonts

    setup_fonts()
    cols = min(2, len(types))
    rows = math.ceil(len(types) / cols)
    height = max(2.5, 0.32 * min(top, counts.groupby("type").size().max()) + 1.3)
    fig = Figure(figsize=(6.0 * cols, height * rows), layout="constrained")
    for i, kind in enumerate(types):
        ax = fig.add_subplot(rows, cols, i + 1)
        ax.spines[["top", "right"]].set_visible(False)
        sub = counts[counts["type"] == kind].head(top)
        common.barh(names(list(sub["entity_id"]), lang), sub["n"].to_numpy(dtype=float),
                    title=TYPE_TITLES[lang].get(kind, kind), xlabel=words[by], ax=ax)
    return fig


def pair_matrix(pairs: pd.DataFrame, top: int = 15, value: str = "count") -> pd.DataFrame:
    """Symmetric entity × entity matrix of ``value`` for the ``top`` entities by pair count.

    >>> p = pd.DataFrame({"a": ["x", "x"], "b": ["y", "z"], "count": [2, 1]})
    >>> pair_matrix(p, top=2).to_dict()
    {'x': {'x': nan, 'y': 2.0}, 'y': {'x': 2.0, 'y': nan}}
    """
    if pairs.empty:
        return pd.DataFrame()
    weight = pd.concat([pairs[["a", "count"]].rename(columns={"a": "e"}),
                        pairs[["b", "count"]].rename(columns={"b": "e"})])
    keep = list(weight.groupby("e")["count"].sum().sort_values(ascending=False, kind="stable")
                .head(top).index)
    sub = pairs[pairs["a"].isin(keep) & pairs["b"].isin(keep)]
    mat = pd.DataFrame(np.nan, index=keep, columns=keep)
    for a, b, v in sub[["a", "b", value]].itertuples(index=False):
        mat.loc[a, b] = mat.loc[b, a] = float(v)
    return mat


def cooccurrence_heatmap(pairs: pd.DataFrame, lang: str = "en", top: int = 15,
                         value: str = "count") -> Figure:
    """Heatmap of ``value`` (``count``, ``articles``, ``pmi`` or ``npmi``) between top entities.

    >>> from helpers.rtl import rtl_label
    >>> p = pd.DataFrame({"a": ["cairo"], "b": ["gaza"], "count": [3]})
    >>> ax = cooccurrence_heatmap(p, lang="ar").axes[0]
    >>> [t.get_text() for t in ax.get_yticklabels()] == [rtl_label("القاهرة"), rtl_label("غزة")]
    True
    """
    words = WORDS[_lang(lang)]
    mat = pair_matrix(pairs, top, value)
    if mat.empty:
        return common.empty_figure(words["no data"])
    labels = names(list(mat.index), lang)
    mat.index, mat.columns = labels, labels
    fmt = "{:.0f}" if value in ("count", "articles") else "{:.2f}"
    return common.heatmap(mat, cmap="Blues" if fmt == "{:.0f}" else "RdBu_r", fmt=fmt,
                          colorbar_label=value, width=24)


def network(pairs: pd.DataFrame, mentions: pd.DataFrame | None = None, lang: str = "en",
            top_edges: int = 40, weight: str = "npmi", seed: int = 7,
            layout: str = "spring") -> Figure:
    """Entity network: node size by articles naming the entity, edge width by ``weight``.

    The ``top_edges`` pairs by count are drawn; the layout (``spring`` or ``kamada_kawai``)
    uses a fixed ``seed``, so the same table gives the same picture.

    >>> from helpers.rtl import rtl_label
    >>> p = pd.DataFrame({"a": ["cairo"], "b": ["gaza"], "count": [3], "npmi": [0.5]})
    >>> ax = network(p, lang="fa").axes[0]
    >>> sorted(t.get_text() for t in ax.texts) == sorted([rtl_label("قاهره"), rtl_label("غزه")])
    True
    """
    import networkx as nx

    from ..rtl import rtl_label

    words = WORDS[_lang(lang)]
    if pairs.empty:
        return common.empty_figure(words["no data"])
    edges = pairs.sort_values(["count", weight], ascending=False, kind="stable").head(top_edges)
    graph = nx.Graph()
    for a, b, w in edges[["a", "b", weight]].itertuples(index=False):
        graph.add_edge(str(a), str(b), weight=max(float(w), 0.0) if pd.notna(w) else 0.0)
    nodes = list(graph.nodes)
    if mentions is not None and not mentions.empty:
        freq = entity_counts(mentions).set_index("entity_id")["n"]
        sizes = np.array([float(freq.get(n, 1)) for n in nodes])
    else:
        sizes = np.array([float(graph.degree(n)) for n in nodes])
    if layout == "kamada_kawai":
        pos = nx.kamada_kawai_layout(graph)
    else:
        pos = nx.spring_layout(graph, seed=seed, k=1.5 / math.sqrt(max(len(nodes), 1)))
    fig, ax = common.new_figure(9.0, 7.0)
    ax.set_axis_off()
    ws = np.array([graph.edges[e]["weight"] for e in graph.edges])
    top_w = ws.max() if len(ws) and ws.max() > 0 else 1.0
    for (u, v), w in zip(graph.edges, ws, strict=True):
        (x0, y0), (x1, y1) = pos[u], pos[v]
        ax.plot([x0, x1], [y0, y1], color=common.BAR_COLOR, alpha=0.45,
                linewidth=0.5 + 5.0 * w / top_w, zorder=1)
    xy = np.array([pos[n] for n in nodes])
    area = 80 + 1200 * sizes / sizes.max()
    ax.scatter(xy[:, 0], xy[:, 1], s=area, color="#f4a261", edgecolor="white", zorder=2)
    for (x, y), text in zip(xy, names(nodes, lang), strict=True):
        ax.text(x, y, rtl_label(common.shorten(text, 28)), ha="center", va="center",
                fontsize=9, zorder=3)
    ax.margins(0.12)
    return fig


def naming_chart(naming: pd.DataFrame, entity_id: str, lang: str = "en",
                 top_aliases: int = 6) -> Figure:
    """Per outlet and language, the share of each name (and register) used for one entity.

    ``naming`` is the table of ``helpers.cooccurrence.naming``. Names beyond
    ``top_aliases`` are grouped as "other"; loaded registers are hatched.

    >>> nm = pd.DataFrame({"entity_id": ["israel"] * 2, "outlet": ["o"] * 2,
    ...                    "lang": ["fa"] * 2, "key": ["رژيم صهيونيستي", "اسراييل"],
    ...                    "register": ["loaded", "neutral"], "count": [3, 1],
    ...                    "share": [0.75, 0.25], "alias": ["رژیم صهیونیستی", "اسرائیل"]})
    >>> len(naming_chart(nm, "israel").axes[0].patches)
    2
    """
    words = WORDS[_lang(lang)]
    sub = naming[naming["entity_id"] == entity_id] if not naming.empty else naming
    title = names([entity_id], lang)[0]
    if sub.empty:
        return common.empty_figure(f"{title}: {words['no data']}")
    sub = sub.assign(row=sub["outlet"].astype(str) + " (" + sub["lang"].astype(str) + ")",
                     name=sub["alias"].astype(str) + " · " + sub["register"].astype(str))
    order = sub.groupby("name")["count"].sum().sort_values(ascending=False, kind="stable")
    keep = list(order.index[:top_aliases])
    sub = sub.assign(name=sub["name"].where(sub["name"].isin(keep), "…"))
    table = sub.pivot_table(index="row", columns="name", values="share", aggfunc="sum",
                            fill_value=0.0)
    table = table[[c for c in keep + ["…"] if c in table.columns]]
    fig, ax = common.new_figure(8.0, max(2.5, 0.45 * len(table) + 1.8))
    left = np.zeros(len(table))
    colors = [f"C{i}" for i in range(len(table.columns))]
    handles = []
    for color, col in zip(colors, table.columns, strict=True):
        vals = table[col].to_numpy()
        hatch = "//" if col.endswith("· loaded") else None
        bars = ax.barh(np.arange(len(table)), vals, left=left, color=color, hatch=hatch,
                       edgecolor="white")
        handles.append(bars)
        left += vals
    common.set_ticklabels(ax, "y", list(table.index))
    ax.set_xlim(0, 1)
    common.legend(ax, handles, list(table.columns), loc="upper center",
                  bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=8, frameon=False)
    common.set_title(ax, title)
    return fig
