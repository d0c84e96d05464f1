"""Interactive exploration in JupyterLab: filter, search by entity or word, read articles.

The logic is pure functions on the tidy tables (testable without a browser); ``explorer``
wraps them in ipywidgets: language, outlet and date-range filters, a word search and an
entity picker, and the matching articles with matches marked (escaped HTML, ``<mark>``).

>>> import pandas as pd
>>> from helpers import tables
>>> arts = tables.frame("articles", [
...     {"doc_id": "a", "lang": "ar", "title": "وصل زياد نخالة", "body": "إلى القاهرة"},
...     {"doc_id": "b", "lang": "fa", "title": "زیاد النخاله در مصر", "body": "..."},
... ])
>>> search(arts, words="القاهره")["doc_id"].tolist()
['a']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from . import display, textnorm
from .corpus import select_articles

PAGE_SIZE = 10


def search_key(articles: pd.DataFrame) -> pd.Series:
    """The normalised key of title + body per article, computed once per explorer.

    >>> from helpers import tables
    >>> search_key(tables.frame("articles", [{"title": "می‌گوید", "body": "ك"}])).tolist()
    [' مي گويد ك ']
    """
    text = articles["title"].fillna("") + "\n" + articles["body"].fillna("")
    # Padded with spaces so whole-word matching needs no look-behind at the ends.
    return " " + text.map(textnorm.normalize, na_action="ignore").fillna("") + " "


def word_pattern(words: str) -> str | None:
    """A regex matching every word of ``words`` (normalised) as whole words, in any order.

    Returns None when there is nothing to search.

    >>> word_pattern("  ")
    >>> bool(re.search(word_pattern("زیاد نخاله"), " زياد نخاله "))
    True
    """
    keys = [k for k in textnorm.normalize(words or "").split() if k]
    if not keys:
        return None
    # Anchored: an unanchored look-ahead is retried at every position (quadratic).
    return r"\A" + "".join(rf"(?=.*?(?<!\w){re.escape(k)}(?!\w))" for k in keys)


def search(
    articles: pd.DataFrame,
    words: str | None = None,
    entity_id: str | None = None,
    mentions: pd.DataFrame | None = None,
    key: pd.Series | None = None,
) -> pd.DataFrame:
    """Articles containing all ``words`` (matched on the key) and mentioning ``entity_id``.

    ``key`` is ``search_key(articles)`` when the caller keeps it between searches.

    >>> from helpers import tables
    >>> arts = tables.frame("articles", [{"doc_id": "a", "title": "x"}, {"doc_id": "b"}])
    >>> ments = tables.frame("mentions", [{"doc_id": "b", "entity_id": "hamas"}])
    >>> search(arts, entity_id="hamas", mentions=ments)["doc_id"].tolist()
    ['b']
    >>> len(search(arts))
    2
    """
    keep = pd.Series(True, index=articles.index)
    pattern = word_pattern(words or "")
    if pattern is not None:
        key = search_key(articles) if key is None else key
        keep &= key.str.contains(pattern, regex=True, flags=re.DOTALL).fillna(False)
    if entity_id and mentions is not None:
        ids = mentions.loc[mentions["entity_id"] == entity_id, "doc_id"]
        keep &= articles["doc_id"].isin(ids)
    return articles[keep.astype(bool)]


def entity_options(mentions: pd.DataFrame, top: int = 300) -> list[tuple[str, str]]:
    """(label, entity_id) pairs for a picker, most mentioned first, label with a count.

    >>> from helpers import tables
    >>> m = tables.frame("mentions", [{"doc_id": d, "entity_id": e, "name": n}
    ...     for d, e, n in [("a", "x", "حزب الله"), ("b", "x", "حزب الله"), ("a", "y", "Y")]])
    >>> entity_options(m)
    [('حزب الله (2)', 'x'), ('Y (1)', 'y')]
    """
    if mentions.empty:
        return []
    grouped = mentions.groupby("entity_id", sort=False).agg(
        name=("name", "first"), articles=("doc_id", "nunique"))
    grouped = grouped.sort_values("articles", ascending=False, kind="stable").head(top)
    return [(f"{display.display_text(name if isinstance(name, str) and name else eid, 60)}"
             f" ({n})", str(eid))
            for eid, name, n in zip(grouped.index, grouped["name"], grouped["articles"],
                                    strict=True)]


def terms_for(words: str | None, entity_id: str | None, mentions: pd.DataFrame | None,
              doc_id: str) -> list[str]:
    """What to mark in one article: the searched words and the entity's surfaces there.

    >>> from helpers import tables
    >>> m = tables.frame("mentions", [{"doc_id": "a", "entity_id": "x", "surface": "نخالة"}])
    >>> terms_for("غزة", "x", m, "a")
    ['غزة', 'نخالة']
    """
    terms = (words or "").split()
    if entity_id and mentions is not None and not mentions.empty:
        rows = mentions[(mentions["doc_id"] == doc_id) & (mentions["entity_id"] == entity_id)]
        terms += sorted(set(rows["surface"].dropna().astype(str)))
    return terms


def results_html(
    found: pd.DataFrame,
    words: str | None = None,
    entity_id: str | None = None,
    mentions: pd.DataFrame | None = None,
    page: int = 0,
    page_size: int = PAGE_SIZE,
) -> str:
    """One page of matching articles as escaped HTML with matches marked.

    >>> from helpers import tables
    >>> arts = tables.frame("articles", [{"doc_id": "a", "title": "<b>غزة</b>", "body": "غزة"}])
    >>> out = results_html(arts, words="غزة")
    >>> out.count("<mark>"), "<b>" in out
    (2, False)
    """
    total = len(found)
    if total == 0:
        return '<p class="nw-meta">No article matches.</p>'
    start = max(0, min(page, (total - 1) // page_size)) * page_size
    shown = found.iloc[start : start + page_size]
    parts = [f'<p class="nw-meta">{start + 1}–{start + len(shown)} of {total:,} articles</p>']
    for row in shown.itertuples(index=False):
        meta = {"lang": row.lang, "outlet": row.outlet, "published": row.published,
                "file": row.file, "id": row.doc_id, "url": row.url}
        terms = terms_for(words, entity_id, mentions, row.doc_id)
        parts.append(display.article_html(row.title, row.body, meta, terms))
    return "\n".join(parts)


def counts(articles: pd.DataFrame, by: str | list[str], missing: str = "(none)") -> pd.DataFrame:
    """Articles per value of ``by`` (one column or several), with their share, largest first.

    >>> from helpers import tables
    >>> arts = tables.frame("articles", [{"lang": "ar"}, {"lang": "ar"}, {"lang": "fa"}, {}])
    >>> counts(arts, "lang").values.tolist()
    [['ar', 2, 0.5], ['fa', 1, 0.25], ['(none)', 1, 0.25]]
    """
    keys = [by] if isinstance(by, str) else list(by)
    frame = articles[keys].astype("string").fillna(missing)
    table = frame.value_counts(sort=True).rename("articles").reset_index()
    table["share"] = (table["articles"] / max(len(articles), 1)).round(4)
    return table


def monthly(articles: pd.DataFrame, by: str = "lang") -> pd.DataFrame:
    """Dated articles per month (rows, ``YYYY-MM``) and ``by`` value (columns).

    >>> from helpers import tables
    >>> arts = tables.frame("articles", [{"lang": "ar", "published": "2023-12-24"},
    ...                                  {"lang": "fa", "published": "2023-06-06"}, {}])
    >>> monthly(arts).to_dict("index")
    {'2023-06': {'ar': 0, 'fa': 1}, '2023-12': {'ar': 1, 'fa': 0}}
    """
    dated = articles[articles["published"].notna()]
    month = pd.to_datetime(dated["published"], utc=True).dt.strftime("%Y-%m")
    table = pd.crosstab(month.rename("month"), dated[by].astype("string").fillna("(none)"))
    table.columns.name = None
    return table


def quality(articles: pd.DataFrame, mentions: pd.DataFrame, examples: int = 3) -> pd.DataFrame:
    """Per outlet and language: articles, share with a date, an outlet, an entity, all three,
    and the ids of a few articles that have none of the three (where extraction fails).

    >>> from helpers import tables
    >>> arts = tables.frame("articles", [
    ...     {"doc_id": "a", "lang": "ar", "outlet": "x", "published": "2023-12-24"},
    ...     {"doc_id": "b", "lang": "ar"}, {"doc_id": "c", "lang": "ar"}])
    >>> m = tables.frame("mentions", [{"doc_id": "a", "entity_id": "gaza"}])
    >>> quality(arts, m).to_dict("records")[0]["without any"]
    'b, c'
    >>> quality(arts, m)[["outlet", "articles", "date", "outlet found", "entity", "all three"]
    ...     ].values.tolist()
    [['(none)', 2, 0.0, 0.0, 0.0, 0.0], ['x', 1, 1.0, 1.0, 1.0, 1.0]]
    """
    has_entity = articles["doc_id"].isin(mentions["doc_id"])
    flags = pd.DataFrame({
        "outlet": articles["outlet"].astype("string").fillna("(none)"),
        "lang": articles["lang"].astype("string").fillna("(none)"),
        "date": articles["published"].notna().to_numpy(),
        "outlet found": articles["outlet"].notna().to_numpy(),
        "entity": has_entity.to_numpy(),
        "doc_id": articles["doc_id"].astype("string"),
    })
    flags["all three"] = flags["date"] & flags["outlet found"] & flags["entity"]
    none = ~(flags["date"] | flags["outlet found"] | flags["entity"])
    shares = flags.groupby(["outlet", "lang"], sort=True).agg(
        articles=("doc_id", "size"), date=("date", "mean"),
        **{"outlet found": ("outlet found", "mean")}, entity=("entity", "mean"),
        **{"all three": ("all three", "mean")})
    without = (flags[none].groupby(["outlet", "lang"])["doc_id"]
               .agg(lambda ids: ", ".join(ids.head(examples))))
    shares["without any"] = without.reindex(shares.index).fillna("")
    return shares.round(3).reset_index()


def missing(articles: pd.DataFrame, mentions: pd.DataFrame, what: str = "any",
            n: int = 10) -> pd.DataFrame:
    """Up to ``n`` articles lacking ``what`` ("date", "outlet", "entity" or "any"), with
    the columns a reader needs to find them (id, file, part, language, title).

    >>> from helpers import tables
    >>> arts = tables.frame("articles", [{"doc_id": "a", "outlet": "x"}, {"doc_id": "b"}])
    >>> missing(arts, tables.frame("mentions", []), "outlet")["doc_id"].tolist()
    ['b']
    """
    lacks = {
        "date": articles["published"].isna(),
        "outlet": articles["outlet"].isna(),
        "entity": ~articles["doc_id"].isin(mentions["doc_id"]),
    }
    if what == "any":
        mask = lacks["date"] | lacks["outlet"] | lacks["entity"]
    elif what in lacks:
        mask = lacks[what]
    else:
        raise ValueError(f"what must be one of {[*lacks, 'any']}, not {what!r}")
    cols = ["doc_id", "file", "part", "lang", "outlet", "published", "title"]
    return articles.loc[mask.to_numpy(), cols].head(n).reset_index(drop=True)


def samples(articles: pd.DataFrame, n: int = 5, seed: int = 0) -> pd.DataFrame:
    """A reproducible random sample of articles with their main columns.

    >>> from helpers import tables
    >>> arts = tables.frame("articles", [{"doc_id": str(i)} for i in range(10)])
    >>> samples(arts, 3)["doc_id"].tolist() == samples(arts, 3)["doc_id"].tolist()
    True
    """
    cols = ["doc_id", "lang", "outlet", "published", "title", "body"]
    picked = articles.sample(n=min(n, len(articles)), random_state=seed)
    return picked[cols].reset_index(drop=True)


def top_entity(mentions: pd.DataFrame) -> str:
    """The entity named in most articles ("" when there is none).

    >>> from helpers import tables
    >>> top_entity(tables.frame("mentions", [{"doc_id": d, "entity_id": e}
    ...     for d, e in [("a", "x"), ("a", "y"), ("b", "y")]]))
    'y'
    >>> top_entity(tables.frame("mentions", []))
    ''
    """
    if mentions.empty:
        return ""
    per_entity = mentions.groupby("entity_id")["doc_id"].nunique()
    return str(per_entity.sort_values(ascending=False, kind="stable").index[0])


@dataclass
class Query:
    """What the controls say: filters, words, entity and page."""

    lang: tuple[str, ...] = ()
    outlet: tuple[str, ...] = ()
    start: object = None
    end: object = None
    words: str = ""
    entity_id: str | None = None
    page: int = 0


@dataclass
class Explorer:
    """The state behind the widgets: the corpus tables and the cached search key.

    >>> from helpers import tables
    >>> arts = tables.frame("articles", [{"doc_id": "a", "lang": "ar", "title": "غزة"},
    ...                                  {"doc_id": "b", "lang": "fa", "title": "غزه"}])
    >>> ex = Explorer(arts, tables.frame("mentions", []))
    >>> len(ex.run(Query(words="غزة")))
    2
    >>> len(ex.run(Query(lang=("fa",), words="غزة")))
    1
    """

    articles: pd.DataFrame
    mentions: pd.DataFrame
    key: pd.Series = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.articles = self.articles.reset_index(drop=True)
        self.key = search_key(self.articles)

    def run(self, query: Query) -> pd.DataFrame:
        """Articles that match ``query``, newest first (undated last)."""
        kept = select_articles(
            self.articles.assign(_row=range(len(self.articles))),
            lang=list(query.lang) or None,
            outlet=list(query.outlet) or None,
            start=query.start,
            end=query.end,
        )
        rows = kept["_row"].to_numpy()
        found = search(self.articles.iloc[rows], query.words, query.entity_id, self.mentions,
                       key=self.key.iloc[rows])
        return found.sort_values("published", ascending=False, na_position="last", kind="stable")

    def html(self, query: Query) -> str:
        return results_html(self.run(query), query.words, query.entity_id, self.mentions,
                            query.page)


def explorer(corpus, page_size: int = PAGE_SIZE):
    """An ipywidgets explorer for ``corpus`` (a ``helpers.Corpus``), ready to display.

    >>> explorer  # doctest: +ELLIPSIS
    <function explorer at ...>
    """
    import ipywidgets as w

    state = Explorer(corpus.articles, corpus.mentions)
    arts = state.articles
    langs = sorted(arts["lang"].dropna().astype(str).unique())
    outlets = sorted(arts["outlet"].dropna().astype(str).unique())
    lang_box = w.SelectMultiple(options=langs, description="Language", rows=min(4, len(langs) or 1))
    outlet_box = w.SelectMultiple(options=outlets, description="Outlet",
                                  rows=min(6, len(outlets) or 1))
    start_box = w.DatePicker(description="From")
    end_box = w.DatePicker(description="To")
    words_box = w.Text(description="Words", placeholder="a word or name",
                       continuous_update=False)
    entity_box = w.Dropdown(options=[("(any entity)", None)] + entity_options(state.mentions),
                            description="Entity")
    page_box = w.BoundedIntText(value=1, min=1, max=10**6, description="Page")
    output = w.HTML()

    def refresh(_change=None) -> None:
        query = Query(tuple(lang_box.value), tuple(outlet_box.value), start_box.value,
                      end_box.value, words_box.value, entity_box.value, page_box.value - 1)
        output.value = display.STYLE + results_html(
            state.run(query), query.words, query.entity_id, state.mentions, query.page,
            page_size)

    for box in (lang_box, outlet_box, start_box, end_box, words_box, entity_box, page_box):
        box.observe(refresh, names="value")
    refresh()
    controls = w.HBox([w.VBox([lang_box, outlet_box]),
                       w.VBox([start_box, end_box, page_box]),
                       w.VBox([words_box, entity_box])])
    return w.VBox([controls, output])
