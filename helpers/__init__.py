"""Arabic and Persian news corpora in Jupyter: the helper package the notebooks call.

Public entry points:

- ``open_corpus(path)``: the corpus as tidy tables (``articles``, ``comments``,
  ``problems``, ``dates``, ``sources``, ``mentions``) plus ``cooccurrence(...)`` and
  ``suggest_entities()``;
- ``load_corpus(path)``: shortcut for ``open_corpus(path).articles``;
- ``rtl_label(text)``: any text as a correct matplotlib label on the running matplotlib;
- chart functions in ``helpers.charts``.

See ``helpers/README.md`` for how the modules fit together.
"""

from .corpus import Corpus, load_corpus, open_corpus

__all__ = ["Corpus", "load_corpus", "open_corpus"]
