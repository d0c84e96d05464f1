"""Chart functions returning matplotlib figures, one module per concern.

- ``common``: shared style helpers every chart uses (figure, horizontal bars of labelled
  counts, heatmap with right-to-left tick labels, ``save_png``); all text goes through
  ``helpers.rtl.rtl_label``.
- ``timeline``: articles over time, coverage of publication dates.
- ``sources``: articles per outlet, citation matrix, attribution graph.
- ``entities``: top entities, co-occurrence heatmap and network, naming.

Importing this package is cheap: import the module you need
(``from helpers.charts import common``).
"""
