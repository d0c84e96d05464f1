"""Which entities appear together, and how each outlet names them.

A *unit* is a sentence, a paragraph or an article. ``X`` is the binary units × entities
matrix; ``X.T @ X`` holds on its diagonal the units naming each entity and off it the
units naming both of a pair. Scores use ``N`` = the units that name at least one entity:

    pmi(a, b)  = log( n(a, b) · N / (n(a) · n(b)) )
    npmi(a, b) = pmi(a, b) / −log( n(a, b) / N )      (1 when n(a, b) = N)

At sentence and paragraph level units are taken within one field (``title``, ``body``);
the ``keywords`` line is a list, not prose, so it only counts at article level.

>>> from helpers import tables
>>> m = tables.frame("mentions", [
...     {"doc_id": "d1", "entity_id": "x", "field": "body", "sentence": 0},
...     {"doc_id": "d1", "entity_id": "y", "field": "body", "sentence": 0},
...     {"doc_id": "d2", "entity_id": "x", "field": "body", "sentence": 0},
... ])
>>> cooccurrence(m)[["a", "b", "count", "articles"]].values.tolist()
[['x', 'y', 1, 1]]
>>> round(float(cooccurrence(m).loc[0, "pmi"]), 4)   # log(1 * 2 / (2 * 1))
0.0
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

LEVELS = ("sentence", "paragraph", "article")
PAIR_COLUMNS = ["a", "b", "count", "articles", "pmi", "npmi"]
PROSE_FIELDS = ("title", "body")


@dataclass
class Counts:
    """Sparse sums over one or more partitions: pair units, pair articles, units."""

    ids: list[str]
    pairs: sparse.csr_matrix  # entity × entity, units naming both (diagonal: naming one)
    articles: sparse.csr_matrix  # entity × entity, articles with a unit naming both
    units: int

    def grow(self, n: int) -> None:
        """Pad both matrices to ``n`` × ``n`` (new entities seen in a later partition)."""
        if self.pairs.shape[0] < n:
            self.pairs = _resized(self.pairs, n)
            self.articles = _resized(self.articles, n)


def _resized(mat: sparse.csr_matrix, n: int) -> sparse.csr_matrix:
    coo = mat.tocoo()
    return sparse.csr_matrix((coo.data, (coo.row, coo.col)), shape=(n, n))


def _units(mentions: pd.DataFrame, level: str) -> pd.DataFrame:
    """Distinct (unit, doc, entity) rows of ``mentions`` at ``level``."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    df = mentions[["doc_id", "entity_id", "field", "sentence", "paragraph"]].dropna(
        subset=["doc_id", "entity_id"])
    if level == "article":
        keys = df["doc_id"].astype(str)
    else:
        df = df[df["field"].isin(PROSE_FIELDS)]
        keys = (df["doc_id"].astype(str) + "\x1f" + df["field"].astype(str) + "\x1f"
                + df[level].astype("Int64").astype(str))
    out = pd.DataFrame({"unit": keys.to_numpy(), "doc": df["doc_id"].astype(str).to_numpy(),
                        "entity": df["entity_id"].astype(str).to_numpy()})
    return out.drop_duplicates(["unit", "entity"])


def part_counts(mentions: pd.DataFrame, level: str = "sentence",
                index: dict[str, int] | None = None) -> Counts:
    """Sparse counts of one partition; ``index`` (entity id → column) is extended in place.

    >>> from helpers import tables
    >>> m = tables.frame("mentions", [{"doc_id": "d", "entity_id": e, "field": "body",
    ...                                "sentence": 0} for e in ("x", "y")])
    >>> c = part_counts(m)
    >>> c.pairs.toarray().tolist(), c.units
    ([[1, 1], [1, 1]], 1)
    """
    index = {} if index is None else index
    units = _units(mentions, level)
    for ent in units["entity"].unique():
        index.setdefault(ent, len(index))
    n = len(index)
    cols = units["entity"].map(index).to_numpy(dtype=np.int64)
    unit_codes, unit_ix = np.unique(units["unit"].to_numpy(), return_inverse=True)
    x = sparse.csr_matrix((np.ones(len(units), dtype=np.int64), (unit_ix, cols)),
                          shape=(len(unit_codes), n))
    pairs = (x.T @ x).tocsr()
    # Articles per pair: rows (doc, a) × units, times X, gives units of doc naming a and b;
    # each non-zero is one (doc, a, b), so counting them per (a, b) counts articles.
    docs = units["doc"].to_numpy()
    da = pd.MultiIndex.from_arrays([docs, cols])
    da_codes, da_uniques = pd.factorize(da)
    r = sparse.csr_matrix((np.ones(len(units), dtype=np.int64), (da_codes, unit_ix)),
                          shape=(len(da_uniques), len(unit_codes)))
    per_doc = (r @ x).tocoo()
    a_of_row = np.asarray(da_uniques.get_level_values(1), dtype=np.int64)[per_doc.row]
    arts = sparse.csr_matrix((np.ones(len(per_doc.data), dtype=np.int64),
                              (a_of_row, per_doc.col)), shape=(n, n))
    return Counts(list(index), pairs, arts, len(unit_codes))


def cooccurrence_from_parts(parts: Iterable[pd.DataFrame], level: str = "sentence",
                            min_count: int = 1) -> pd.DataFrame:
    """Pairs over several mention frames (partitions holding whole articles), summed sparsely.

    >>> from helpers import tables
    >>> rows = [{"doc_id": d, "entity_id": e, "field": "body", "sentence": 0}
    ...         for d, e in (("d1", "x"), ("d1", "y"), ("d2", "x"), ("d2", "y"))]
    >>> m = tables.frame("mentions", rows)
    >>> cooccurrence_from_parts([m.iloc[:2], m.iloc[2:]]).equals(cooccurrence(m))
    True
    """
    index: dict[str, int] = {}
    total: Counts | None = None
    for part in parts:
        counts = part_counts(part, level, index)
        if total is None:
            total = counts
            continue
        n = len(index)
        total.grow(n)
        counts.grow(n)
        total = Counts(list(index), total.pairs + counts.pairs,
                       total.articles + counts.articles, total.units + counts.units)
    if total is None:
        return _empty()
    return scores(total, min_count)


def cooccurrence(mentions: pd.DataFrame, articles: pd.DataFrame | None = None,
                 level: str = "sentence", min_count: int = 1) -> pd.DataFrame:
    """One row per entity pair (``a`` < ``b``) named in the same ``level`` unit.

    ``articles``, when given, restricts ``mentions`` to its ``doc_id`` (so filters on the
    article table apply). Columns: ``a``, ``b``, ``count`` (units naming both),
    ``articles`` (articles with such a unit), ``pmi``, ``npmi``; sorted by count.
    """
    if articles is not None:
        mentions = mentions[mentions["doc_id"].isin(set(articles["doc_id"].astype(str)))]
    return cooccurrence_from_parts([mentions], level=level, min_count=min_count)


def scores(counts: Counts, min_count: int = 1) -> pd.DataFrame:
    """The pair table of ``counts``: upper triangle, ``count >= min_count``, PMI and NPMI."""
    pairs = sparse.triu(counts.pairs, k=1).tocoo()
    keep = pairs.data >= max(min_count, 1)
    rows, cols, n_ab = pairs.row[keep], pairs.col[keep], pairs.data[keep].astype(float)
    if not len(rows):
        return _empty()
    diag = counts.pairs.diagonal().astype(float)
    total = float(counts.units)
    pmi = np.log(n_ab * total / (diag[rows] * diag[cols]))
    neg_log_p = -np.log(n_ab / total)
    with np.errstate(divide="ignore", invalid="ignore"):
        npmi = np.where(neg_log_p > 0, pmi / np.where(neg_log_p > 0, neg_log_p, 1.0), 1.0)
    ids = np.asarray(counts.ids, dtype=object)
    a, b = ids[rows], ids[cols]
    swap = a > b
    a, b = np.where(swap, b, a), np.where(swap, a, b)
    arts = np.asarray(counts.articles[rows, cols]).ravel()
    out = pd.DataFrame({"a": a, "b": b, "count": n_ab.astype(np.int64),
                        "articles": arts.astype(np.int64), "pmi": pmi, "npmi": npmi})
    out = out.astype({"a": "string", "b": "string"})
    return out.sort_values(["count", "npmi", "a", "b"], ascending=[False, False, True, True]
                           ).reset_index(drop=True)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({"a": pd.Series(dtype="string"), "b": pd.Series(dtype="string"),
                         "count": pd.Series(dtype="int64"),
                         "articles": pd.Series(dtype="int64"),
                         "pmi": pd.Series(dtype="float64"), "npmi": pd.Series(dtype="float64")})


def naming(mentions: pd.DataFrame, articles: pd.DataFrame | None = None) -> pd.DataFrame:
    """How each outlet names each entity: one row per (entity, outlet, lang, alias).

    ``alias`` is the form the outlet writes most often among spellings that share one
    matching key (``key``: ي/ی, ة/ه and other variants merged);
    ``register`` is the registry's (neutral, loaded, ...); ``share`` is the alias's share
    of the outlet's mentions of that entity in that language. Articles without an outlet
    count under ``unknown``.

    >>> from helpers import tables
    >>> arts = tables.frame("articles", [{"doc_id": "d", "outlet": "o", "lang": "fa"}])
    >>> m = tables.frame("mentions", [
    ...     {"doc_id": "d", "entity_id": "israel", "surface": s, "register": r}
    ...     for s, r in [("رژیم صهیونیستی", "loaded"), ("اسرائیل", "neutral"),
    ...                  ("رژیم صهیونیستی", "loaded")]])
    >>> naming(m, arts)[["outlet", "register", "count"]].values.tolist()
    [['o', 'loaded', 2], ['o', 'neutral', 1]]
    """
    from . import textnorm

    cols = ["entity_id", "outlet", "lang", "alias", "register", "count", "share", "key"]
    if mentions is None or mentions.empty:
        return pd.DataFrame(columns=cols)
    df = mentions[["doc_id", "entity_id", "surface", "register"]].copy()
    if articles is not None and len(articles):
        meta = articles[["doc_id", "outlet", "lang"]].drop_duplicates("doc_id")
        df = df.merge(meta, on="doc_id", how="left")
    else:
        df["outlet"], df["lang"] = pd.NA, pd.NA
    df["outlet"] = df["outlet"].astype("string").fillna("unknown")
    df["lang"] = df["lang"].astype("string").fillna("und")
    df["register"] = df["register"].astype("string").fillna("neutral")
    surfaces = df["surface"].astype("string").fillna("")
    keys = {s: textnorm.normalize(s) for s in surfaces.unique()}
    df["key"] = surfaces.map(keys)
    df["surface"] = surfaces
    group = ["entity_id", "outlet", "lang", "key", "register"]
    out = df.groupby(group, dropna=False, sort=False).agg(
        count=("doc_id", "size"),
        alias=("surface", lambda s: s.value_counts().index[0]),
    ).reset_index()
    totals = out.groupby(["entity_id", "outlet", "lang"])["count"].transform("sum")
    out["share"] = out["count"] / totals
    out = out.sort_values(["entity_id", "outlet", "lang", "count", "key"],
                          ascending=[True, True, True, False, True])
    return out[cols].reset_index(drop=True)
