"""Arabic and Persian news corpora in Jupyter: the helper package the notebooks call.

Public entry points:

- ``open_corpus(path)``: the corpus as tidy tables (``articles``, ``comments``,
  ``problems``, ``dates``, ``sources``, ``mentions``) plus ``cooccurrence(...)``,
  ``naming()`` and ``suggest_entities()``;
- ``load_corpus(path)``: shortcut for ``open_corpus(path).articles``;
- ``rtl_label(text)``: any text as a correct matplotlib label on the running matplotlib
  (pass-through where matplotlib shapes text itself, reshaped and reordered where not);
- chart functions in ``helpers.charts`` (``timeline``, ``sources``, ``entities``), safe
  HTML tables in ``helpers.display``, the JupyterLab explorer in ``helpers.explore``.

Importing the package registers the bundled Arabic and Persian fonts with matplotlib.
See ``helpers/README.md`` for how the modules fit together.
"""

from .corpus import Corpus, load_corpus, open_corpus
from .rtl import rtl_label, setup_fonts

setup_fonts()

__all__ = ["Corpus", "load_corpus", "open_corpus", "rtl_label", "setup_fonts"]
