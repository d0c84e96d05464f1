"""Source charts: articles per outlet, what each outlet relays or cites, the attribution graph.

Every function takes the tidy tables (``articles``, ``sources``) and a label language
(``en``, ``ar``, ``fa``: registry outlets are shown by their name in that language), and
returns a matplotlib ``Figure``; an empty table gives a small "no data" figure, never an
error. All text goes through ``helpers.rtl.rtl_label`` (via ``helpers.charts.common``).

>>> from helpers import tables
>>> arts = tables.frame("articles", [{"doc_id": "d1", "outlet": "mashregh"},
...                                  {"doc_id": "d2", "outlet": "mashregh"}])
>>> fig = articles_per_outlet(arts, lang="fa")
>>> from helpers.rtl import rtl_label
>>> fig.axes[0].get_yticklabels()[0].get_text() == rtl_label("مشرق نیوز")
True
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from .. import sources as _sources
from . import common

#: Chart words per label language, from ``data/chart_words.json``.
WORDS = {lang: common.words("sources", lang) for lang in common.languages("sources")}
_LAYERS = {"outlet": 0, "agency": 1, "cited": 1, "quoted": 2}
_COLORS = {0: "#2f6f8f", 1: "#d08c2f", 2: "#6f9f4f"}


def _lang(lang: str) -> str:
    return lang if lang in WORDS else "en"


def display_name(name: object, lang: str = "en") -> str:
    """A registry id as its first spelling in ``lang``; other names unchanged.

    >>> display_name("reuters", "ar"), display_name("reuters", "en"), display_name("سما", "fa")
    ('رويترز', 'Reuters', 'سما')
    >>> display_name("shana", "ar")
    'شانا'
    """
    if not isinstance(name, str):
        return ""
    reg = _sources.registry()
    if name not in reg.index:
        return name
    row = reg.loc[name]
    order = {"ar": ("names_ar", "names_fa"), "fa": ("names_fa", "names_ar")}.get(lang, ())
    for col in order:
        for spelling in row[col].split("|"):
            spelling = spelling.strip().lstrip("~").replace("(ال)", "ال")
            if spelling:
                return spelling
    return row["name_en"] or name


def outlet_counts(articles: pd.DataFrame) -> pd.Series:
    """Articles per outlet, largest first (articles without an outlet are left out).

    >>> from helpers import tables
    >>> arts = tables.frame("articles", [{"outlet": "a"}, {"outlet": "b"}, {"outlet": "b"},
    ...                                  {"outlet": None}])
    >>> outlet_counts(arts).to_dict()
    {'b': 2, 'a': 1}
    """
    if articles.empty or "outlet" not in articles:
        return pd.Series(dtype="int64")
    counts = articles["outlet"].dropna().astype(str).value_counts()
    return counts.astype("int64")


def articles_per_outlet(articles: pd.DataFrame, lang: str = "en", top: int = 20,
                        title: object = None) -> Figure:
    """Horizontal bars: how many articles each outlet published (top ``top``)."""
    words = WORDS[_lang(lang)]
    counts = outlet_counts(articles).head(top)
    labels = [display_name(n, lang) for n in counts.index]
    return common.barh(labels, counts.to_numpy(), title=title or words["per_outlet"],
                       xlabel=words["articles"])


def citation_table(sources: pd.DataFrame, articles: pd.DataFrame | None = None,
                   kinds: tuple[str, ...] = ("agency", "cited")) -> pd.DataFrame:
    """Outlets (rows) by names they relay or cite (columns): number of articles.

    The outlet of an article is ``articles.outlet`` when given, else its ``outlet`` row.

    >>> from helpers import tables
    >>> src = tables.frame("sources", [
    ...     {"doc_id": "1", "name": "mashregh", "kind": "outlet"},
    ...     {"doc_id": "1", "name": "sama", "kind": "agency"},
    ...     {"doc_id": "1", "name": "sama", "kind": "agency"},
    ...     {"doc_id": "2", "name": "mashregh", "kind": "outlet"},
    ...     {"doc_id": "2", "name": "reuters", "kind": "cited"}])
    >>> citation_table(src).to_dict()
    {'reuters': {'mashregh': 1}, 'sama': {'mashregh': 1}}
    """
    outlets = _doc_outlets(sources, articles)
    if sources.empty or outlets.empty:
        return pd.DataFrame()
    cited = sources[sources["kind"].isin(kinds)][["doc_id", "name"]].drop_duplicates()
    merged = cited.merge(outlets, on="doc_id")
    merged = merged[merged["name"] != merged["outlet"]]
    if merged.empty:
        return pd.DataFrame()
    table = pd.crosstab(merged["outlet"].astype(str), merged["name"].astype(str))
    table.index.name = table.columns.name = None
    return table


def _doc_outlets(sources: pd.DataFrame, articles: pd.DataFrame | None) -> pd.DataFrame:
    if articles is not None and not articles.empty:
        outlets = articles[["doc_id", "outlet"]].dropna()
    elif not sources.empty:
        outlets = (sources[sources["kind"] == "outlet"][["doc_id", "name"]]
                   .drop_duplicates("doc_id").rename(columns={"name": "outlet"}))
    else:
        return pd.DataFrame(columns=["doc_id", "outlet"])
    return outlets.astype({"doc_id": "string", "outlet": "string"})


def citation_matrix(sources: pd.DataFrame, articles: pd.DataFrame | None = None,
                    lang: str = "en", top: int = 15, title: object = None) -> Figure:
    """Heatmap: for the ``top`` outlets and names, how many articles relay or cite each."""
    words = WORDS[_lang(lang)]
    table = citation_table(sources, articles)
    if not table.empty:
        rows = table.sum(axis=1).sort_values(ascending=False).index[:top]
        cols = table.sum(axis=0).sort_values(ascending=False).index[:top]
        table = table.loc[rows, cols]
        table.index = [display_name(n, lang) for n in table.index]
        table.columns = [display_name(n, lang) for n in table.columns]
    return common.heatmap(table, title=title or words["matrix"],
                          colorbar_label=words["articles"])


def attribution_edges(sources: pd.DataFrame, articles: pd.DataFrame | None = None
                      ) -> pd.DataFrame:
    """Edges outlet -> agency or cited medium -> quoted person, counted over articles.

    A quoted person hangs from the agency or medium before it in the same sentence
    (the chain of the ``order`` column), else from the article's outlet.

    >>> from helpers import tables
    >>> src = tables.frame("sources", [
    ...     {"doc_id": "1", "name": "mashregh", "kind": "outlet", "field": "body",
    ...      "start": 9, "order": 0},
    ...     {"doc_id": "1", "name": "sama", "kind": "agency", "field": "body", "start": 30,
    ...      "order": 1},
    ...     {"doc_id": "1", "name": "داوود شهاب", "kind": "quoted", "field": "body",
    ...      "start": 45, "order": 2}])
    >>> attribution_edges(src)[["source", "target", "count"]].values.tolist()
    [['mashregh', 'sama', 1], ['sama', 'داوود شهاب', 1]]
    """
    columns = ["source", "target", "source_layer", "target_layer", "count"]
    outlets = _doc_outlets(sources, articles)
    if sources.empty or outlets.empty:
        return pd.DataFrame(columns=columns)
    outlet_of = dict(zip(outlets["doc_id"], outlets["outlet"], strict=True))
    edges: list[tuple[str, str, int, int, str]] = []
    rows = sources.sort_values(["doc_id", "field", "start"], na_position="last")
    for doc, group in rows.groupby("doc_id", sort=False):
        outlet = outlet_of.get(doc)
        if outlet is None:
            continue
        last_relay: str | None = None
        for row in group.itertuples():
            if row.order == 0 or pd.isna(row.order):
                last_relay = None
            if row.kind in ("agency", "cited") and row.name != outlet:
                edges.append((outlet, row.name, 0, 1, doc))
                last_relay = row.name
            elif row.kind == "quoted":
                source = last_relay or outlet
                edges.append((source, row.name, 1 if last_relay else 0, 2, doc))
    if not edges:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(edges, columns=columns[:4] + ["doc_id"]).drop_duplicates()
    counted = (frame.groupby(columns[:4], sort=False).size().rename("count").reset_index()
               .sort_values("count", ascending=False, kind="stable").reset_index(drop=True))
    return counted[columns]


def attribution_graph(sources: pd.DataFrame, articles: pd.DataFrame | None = None,
                      lang: str = "en", top: int = 40, title: object = None) -> Figure:
    """Layered graph, left to right: outlets, the agencies and media they relay or cite,
    the people and bodies quoted; edge width grows with the number of articles."""
    import networkx as nx

    words = WORDS[_lang(lang)]
    edges = attribution_edges(sources, articles).head(top)
    if edges.empty:
        return common.empty_figure(f"{words['graph']}: no data")
    graph = nx.DiGraph()
    for e in edges.itertuples():
        # a node keeps its leftmost layer (an agency quoted directly stays an agency)
        for node, layer in ((e.source, e.source_layer), (e.target, e.target_layer)):
            if node not in graph or graph.nodes[node]["layer"] > layer:
                graph.add_node(node, layer=int(layer))
        graph.add_edge(e.source, e.target, weight=int(e.count))
    pos = nx.multipartite_layout(graph, subset_key="layer", align="vertical")
    per_layer = pd.Series([d["layer"] for _, d in graph.nodes(data=True)]).value_counts()
    fig, ax = common.new_figure(9.0, max(3.5, 0.45 * int(per_layer.max()) + 1.5))
    # An edge that skips the middle layer (outlet -> quoted) is drawn as an arc, so it
    # cannot seem to pass through an agency standing between the two.
    for skips in (False, True):
        chosen = [e for e in graph.edges
                  if (graph.nodes[e[1]]["layer"] - graph.nodes[e[0]]["layer"] > 1) == skips]
        if chosen:
            nx.draw_networkx_edges(
                graph, pos, edgelist=chosen, ax=ax, edge_color="#9aa5ad", arrows=True,
                width=[0.8 + 1.2 * graph.edges[e]["weight"] ** 0.5 for e in chosen],
                arrowsize=10, node_size=300,
                connectionstyle="arc3,rad=0.25" if skips else "arc3")
    for layer, color in _COLORS.items():
        nodes = [n for n, d in graph.nodes(data=True) if d["layer"] == layer]
        nx.draw_networkx_nodes(graph, pos, nodelist=nodes, node_color=color, node_size=120,
                               ax=ax)
    for node, (x, y) in pos.items():
        label = common.shorten(display_name(node, lang), 28)
        common.annotate(ax, label, (x, y), xytext=(0, 8), textcoords="offset points",
                        ha="center", fontsize=8)
    for layer, key in ((0, "outlet"), (1, "agency"), (2, "quoted")):
        xs = [p[0] for n, p in pos.items() if graph.nodes[n]["layer"] == layer]
        if xs:
            common.annotate(ax, words[key], (xs[0], -0.02), xycoords=("data", "axes fraction"),
                            ha="center", va="top", fontsize=9, color=_COLORS[layer])
    ax.set_axis_off()
    ax.margins(x=0.18, y=0.08)
    common.set_title(ax, title or words["graph"])
    return fig
