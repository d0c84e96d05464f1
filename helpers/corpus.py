"""The one entry point the notebooks use: ``open_corpus(path)`` and the ``Corpus`` object.

A ``Corpus`` holds the tidy tables of a folder of news files (built, or read back from
the Parquet cache, by ``helpers.pipeline``) and the analyses computed from them. A
filtered view (``corpus.filter(lang="fa")``) is another ``Corpus`` over the same cache.

>>> c = open_corpus("corpus", progress=False)   # doctest: +SKIP
>>> c.articles[["lang", "title"]]                 # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import tables

REPO_ROOT = Path(__file__).resolve().parents[1]
LABEL_LANGS = ("en", "ar", "fa")


def resolve_corpus_path(path: str | Path) -> Path:
    """Where ``path`` is: as given, else relative to the repository (for notebooks in notebooks/).

    >>> resolve_corpus_path("corpus").name
    'corpus'
    >>> resolve_corpus_path("/no/such/folder")
    Traceback (most recent call last):
    ...
    FileNotFoundError: corpus folder not found: /no/such/folder
    """
    candidate = Path(path).expanduser()
    if candidate.is_dir():
        return candidate.resolve()
    if not candidate.is_absolute() and (REPO_ROOT / candidate).is_dir():
        return (REPO_ROOT / candidate).resolve()
    raise FileNotFoundError(f"corpus folder not found: {path}")


@dataclass
class Corpus:
    """Tidy tables of one corpus folder, optionally narrowed by language, outlet and dates.

    Attributes are pandas DataFrames with the columns of ``helpers.tables``: ``articles``,
    ``comments``, ``problems``, ``dates``, ``sources``, ``mentions``.
    """

    root: Path
    store: Any
    label_lang: str = "en"
    doc_ids: frozenset[str] | None = None
    view: dict[str, Any] = field(default_factory=dict)
    _cache: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def table(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        """Table ``name`` of this view (all columns unless ``columns`` is given)."""
        key = f"{name}:{','.join(columns or [])}"
        if key not in self._cache:
            df = self.store.read(name, columns=columns)
            if self.doc_ids is not None and "doc_id" in df.columns:
                df = df[df["doc_id"].isin(self.doc_ids)].reset_index(drop=True)
            if name == "mentions" and self.label_lang != "en" and "name" in df.columns:
                df = df.assign(name=_labels(df["entity_id"], self.label_lang, df["name"]))
            self._cache[key] = df
        return self._cache[key]

    @property
    def articles(self) -> pd.DataFrame:
        return self.table("articles")

    @property
    def comments(self) -> pd.DataFrame:
        return self.table("comments")

    @property
    def problems(self) -> pd.DataFrame:
        problems = self.store.read("problems")
        if self.doc_ids is not None:
            keep = problems["doc_id"].isna() | problems["doc_id"].isin(self.doc_ids)
            problems = problems[keep].reset_index(drop=True)
        return problems

    @property
    def dates(self) -> pd.DataFrame:
        return self.table("dates")

    @property
    def sources(self) -> pd.DataFrame:
        return self.table("sources")

    @property
    def mentions(self) -> pd.DataFrame:
        return self.table("mentions")

    def filter(
        self,
        lang: str | list[str] | None = None,
        outlet: str | list[str] | None = None,
        start: str | pd.Timestamp | None = None,
        end: str | pd.Timestamp | None = None,
    ) -> Corpus:
        """A view keeping articles in ``lang``, from ``outlet``, published in [start, end].

        A date bound drops undated articles. Arguments accept one value or a list.
        """
        articles = select_articles(self.articles, lang=lang, outlet=outlet, start=start, end=end)
        view = dict(self.view)
        view.update({k: v for k, v in dict(lang=lang, outlet=outlet, start=start, end=end).items()
                     if v is not None})
        return Corpus(self.root, self.store, self.label_lang,
                      frozenset(articles["doc_id"].astype(str)), view)

    def with_labels(self, lang: str) -> Corpus:
        """The same view with entity names in ``lang`` (en, ar or fa)."""
        if lang not in LABEL_LANGS:
            raise ValueError(f"label language must be one of {LABEL_LANGS}, not {lang!r}")
        return Corpus(self.root, self.store, lang, self.doc_ids, dict(self.view))

    def cooccurrence(self, level: str = "sentence", min_count: int = 1, **filters: Any
                     ) -> pd.DataFrame:
        """Entity pairs that appear together by ``sentence``, ``paragraph`` or ``article``.

        One row per pair: ``a``, ``b``, ``count``, ``articles``, ``pmi``, ``npmi``, with the
        names of both entities in the corpus label language. Keyword filters (lang, outlet,
        start, end) narrow the articles first.
        """
        from . import cooccurrence

        view = self.filter(**filters) if filters else self
        pairs = cooccurrence.cooccurrence(view.mentions, view.articles, level=level,
                                          min_count=min_count)
        return _name_pairs(pairs, view.label_lang)

    def suggest_entities(self, top: int = 50) -> pd.DataFrame:
        """Names the entity registry lacks, found by cue words, ranked, with examples."""
        from . import entities

        return entities.suggest(self.articles, self.mentions, top=top)

    def naming(self) -> pd.DataFrame:
        """Per outlet and language, which names (and registers) it uses for each entity."""
        from . import cooccurrence

        return cooccurrence.naming(self.mentions, self.articles)

    def summary(self) -> pd.Series:
        """Counts a reader wants first: files, articles, languages, dated, with outlet."""
        arts = self.articles
        mentioned = set(self.table("mentions", ["doc_id"])["doc_id"].astype(str))
        return pd.Series(
            {
                "files": arts["file"].nunique(),
                "articles": len(arts),
                "languages": ", ".join(f"{k}: {v}" for k, v in arts["lang"].value_counts().items()),
                "with publication date": int(arts["published"].notna().sum()),
                "with outlet": int(arts["outlet"].notna().sum()),
                "with an entity": int(arts["doc_id"].astype(str).isin(mentioned).sum()),
                "comments": len(self.comments),
                "problems": len(self.problems),
            },
            name=str(self.root.name),
        )

    def __repr__(self) -> str:
        view = f", view={self.view}" if self.view else ""
        return f"Corpus({str(self.root)!r}{view})"


def select_articles(
    articles: pd.DataFrame,
    lang: str | list[str] | None = None,
    outlet: str | list[str] | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Rows of ``articles`` matching every given filter.

    >>> arts = tables.frame("articles", [
    ...     {"doc_id": "a", "lang": "ar", "outlet": "reuters", "published": "2023-12-24"},
    ...     {"doc_id": "b", "lang": "fa", "outlet": "mashregh"},
    ... ])
    >>> select_articles(arts, lang="fa")["doc_id"].tolist()
    ['b']
    >>> select_articles(arts, start="2023-12-01")["doc_id"].tolist()
    ['a']
    """
    keep = pd.Series(True, index=articles.index)
    if lang is not None:
        keep &= articles["lang"].isin([lang] if isinstance(lang, str) else list(lang))
    if outlet is not None:
        keep &= articles["outlet"].isin([outlet] if isinstance(outlet, str) else list(outlet))
    if start is not None:
        keep &= articles["published"] >= _utc(start)
    if end is not None:
        bound = _utc(end)
        if isinstance(end, str) and len(end) <= 10:
            bound = bound + pd.Timedelta(days=1) - pd.Timedelta(1, "ns")
        keep &= articles["published"] <= bound
    return articles[keep.fillna(False).astype(bool)].reset_index(drop=True)


def _utc(value: str | pd.Timestamp) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _labels(ids: pd.Series, lang: str, fallback: pd.Series) -> pd.Series:
    from . import entities

    labels = pd.Series(entities.label(list(ids.astype(str)), lang), index=ids.index)
    return labels.where(labels.notna() & (labels != ""), fallback)


def _name_pairs(pairs: pd.DataFrame, lang: str) -> pd.DataFrame:
    if pairs.empty or "a" not in pairs.columns:
        return pairs
    from . import entities

    names_a = entities.label(list(pairs["a"].astype(str)), lang)
    names_b = entities.label(list(pairs["b"].astype(str)), lang)
    return pairs.assign(name_a=names_a, name_b=names_b)


def open_corpus(
    path: str | Path = "corpus",
    *,
    cache_dir: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    options: Any = None,
    label_lang: str = "en",
) -> Corpus:
    """Read every news file under ``path`` into tidy tables, using the cache when it can.

    ``workers`` processes (default: all cores); ``scheduler`` a Dask scheduler address (or
    ``"local"``) to run on Dask instead; ``options`` a ``helpers.loading.LoadOptions``
    (for example a ``field_map`` for unusual JSON/CSV field names); ``label_lang`` the
    language of entity names in tables and charts (en, ar or fa). The corpus folder is
    never written to; the cache lives in ``cache_dir`` (default: ``$NEWSWORK_CACHE`` or
    ``~/.cache/newswork``).
    """
    from . import pipeline

    root = resolve_corpus_path(path)
    if label_lang not in LABEL_LANGS:
        raise ValueError(f"label language must be one of {LABEL_LANGS}, not {label_lang!r}")
    store = pipeline.build(root, cache_dir=cache_dir, options=options, workers=workers,
                           scheduler=scheduler, progress=progress)
    return Corpus(root, store, label_lang)


def load_corpus(path: str | Path = "corpus", **kwargs: Any) -> pd.DataFrame:
    """The article table of ``path``: shortcut for ``open_corpus(path, ...).articles``."""
    return open_corpus(path, **kwargs).articles


__all__ = ["Corpus", "open_corpus", "load_corpus", "select_articles", "tables"]
