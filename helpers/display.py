"""Safe HTML for corpus text in notebooks and reports: escaped, bidi-neutral, direction-aware.

Corpus text is untrusted: a title may hold ``<script>`` or ``<img onerror=...>``, and
pandas' ``Styler`` does not escape by default. Everything here builds its HTML itself and
escapes every cell, index label, column name and caption. Bidi control characters are
removed from what is displayed (the stored tables keep them), and each cell gets
``dir="auto"`` with ``unicode-bidi: plaintext``, start-aligned, so ``Reuters: رويترز``
(left to right) and ``رويترز Reuters 2023`` (right to left) both read right inside a
left-to-right page. Links from the corpus are shown as text, never made live.

>>> import pandas as pd
>>> html = safe_table_html(pd.DataFrame({"title": ["<script>alert(1)</script>"]}))
>>> "<script>" in html, "&lt;script&gt;" in html
(False, True)
>>> highlight_html("قال زیاد النخاله <b>", ["زياد النخالة"])
'قال <mark>زیاد النخاله</mark> &lt;b&gt;'
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

import pandas as pd

from . import textnorm
from .rtl import clean

CSS_CLASS = "nw-table"
# !important: JupyterLab's own table style (also in nbconvert's lab template) right-aligns
# every cell with a more specific selector.
STYLE = f"""<style>
table.{CSS_CLASS} {{border-collapse: collapse; font-size: 0.9em; margin: 0.5em 0;}}
table.{CSS_CLASS} th, table.{CSS_CLASS} td {{border-bottom: 1px solid #ddd;
  padding: 0.25em 0.6em; vertical-align: top; text-align: start !important;
  unicode-bidi: plaintext !important;}}
table.{CSS_CLASS} td.num {{text-align: end !important; font-variant-numeric: tabular-nums;}}
table.{CSS_CLASS} caption {{caption-side: top; text-align: start; color: #555;}}
.nw-article {{unicode-bidi: plaintext; text-align: start; line-height: 1.7;
  border-left: 3px solid #ddd; padding: 0.3em 0.8em; margin: 0.6em 0;}}
.nw-article h4 {{margin: 0.2em 0;}}
.nw-meta {{color: #555; font-size: 0.85em;}}
mark {{background: #ffe58a;}}
</style>"""
_SPACE = re.compile(r"\s+")


def display_text(value: object, max_chars: int | None = 300) -> str:
    """A cell value as plain display text: bidi controls out, whitespace collapsed, cut.

    Not escaped (``cell_html`` does that). Missing values become "".

    >>> display_text("\u202eرويترز\u202c  Reuters")
    'رويترز Reuters'
    >>> display_text(pd.NA), display_text(float("nan")), display_text(None)
    ('', '', '')
    >>> display_text("x" * 10, max_chars=5)
    'xxxx…'
    >>> display_text(pd.Timestamp("2023-12-24", tz="UTC"))
    '2023-12-24'
    >>> display_text(1234.5)
    '1,234.5'
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    if isinstance(value, pd.Timestamp):
        if value.hour == value.minute == value.second == 0:
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, (list, tuple, set)):
        value = ", ".join(display_text(v, None) for v in value)
    text = _SPACE.sub(" ", clean(value)).strip()
    if max_chars is not None and len(text) > max_chars:
        text = text[: max_chars - 1].rstrip() + "…"
    return text


def highlight_html(text: object, terms: Iterable[str] | None, max_chars: int | None = None) -> str:
    """``text`` escaped, with every occurrence of ``terms`` wrapped in ``<mark>``.

    Terms match on the normalised key (so ي/ی, ة/ه, diacritics and digit systems do not
    matter), whole words only; the marks go around the original text.

    >>> highlight_html("وفد حركة الجهاد الإسلامي", ["الجهاد الاسلامي"])
    'وفد حركة <mark>الجهاد الإسلامي</mark>'
    >>> highlight_html("تاريخ ۱۴۰۲/۰۳/۱۶", ["1402"])
    'تاريخ <mark>۱۴۰۲</mark>/۰۳/۱۶'
    >>> highlight_html("Hamas and Hamastan", ["hamas"])
    '<mark>Hamas</mark> and Hamastan'
    >>> highlight_html("<img src=x onerror=alert(1)>", ["img"])
    '&lt;<mark>img</mark> src=x onerror=alert(1)&gt;'
    >>> highlight_html(None, ["x"])
    ''
    """
    shown = display_text(text, max_chars)
    spans = match_spans(shown, terms or [])
    parts, last = [], 0
    for start, end in spans:
        parts.append(html.escape(shown[last:start]))
        parts.append(f"<mark>{html.escape(shown[start:end])}</mark>")
        last = end
    parts.append(html.escape(shown[last:]))
    return "".join(parts)


def match_spans(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) spans of ``terms`` in ``text``, matched on the key.

    >>> match_spans("زیاد النخاله و زياد نخالة", ["زياد النخالة", "نخاله"])
    [(0, 12), (20, 25)]
    >>> match_spans("abc", ["", "  "])
    []
    """
    pattern = _terms_pattern(tuple(terms))
    if pattern is None or not text:
        return []
    keyed = textnorm.keyed(text)
    spans = [keyed.span(m.start(), m.end()) for m in pattern.finditer(keyed.key)]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if start >= end:
            continue
        if merged and start < merged[-1][1]:
            continue
        merged.append((start, end))
    return merged


@lru_cache(maxsize=256)
def _terms_pattern(terms: tuple[str, ...]) -> re.Pattern | None:
    keys = sorted({k.strip() for k in (textnorm.normalize(t) for t in terms) if k.strip()},
                  key=len, reverse=True)
    if not keys:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(k) for k in keys) + r")(?!\w)")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def cell_html(value: object, tag: str = "td", terms: Sequence[str] | None = None,
              max_chars: int | None = 300) -> str:
    """One table cell: escaped text, ``dir="auto"``, numbers end-aligned.

    >>> cell_html("رويترز Reuters 2023")
    '<td dir="auto">رويترز Reuters 2023</td>'
    >>> cell_html(12)
    '<td class="num" dir="ltr">12</td>'
    >>> cell_html('"><b onmouseover=x>', tag="th")
    '<th dir="auto">&quot;&gt;&lt;b onmouseover=x&gt;</th>'
    """
    if _is_number(value) and not (isinstance(value, float) and math.isnan(value)):
        shown = f"{value:,}" if isinstance(value, int) else display_text(value)
        return f'<{tag} class="num" dir="ltr">{html.escape(shown)}</{tag}>'
    return f'<{tag} dir="auto">{highlight_html(value, terms, max_chars)}</{tag}>'


def safe_table_html(
    df: pd.DataFrame | pd.Series,
    max_rows: int = 50,
    highlight: Sequence[str] | None = None,
    caption: str | None = None,
    index: bool = True,
    max_chars: int | None = 300,
    style: bool = True,
) -> str:
    """``df`` as an HTML table with every piece of text escaped and direction-aware.

    ``highlight`` terms are marked in text cells; at most ``max_rows`` rows are shown (a
    caption says how many there are); ``index=False`` leaves the index out.

    >>> df = pd.DataFrame({"outlet": ["Reuters: رويترز"], "n": [3]}, index=["<i>x</i>"])
    >>> html = safe_table_html(df, style=False)
    >>> '<td dir="auto">Reuters: رويترز</td>' in html, "<i>" in html
    (True, False)
    >>> "showing 1 of 3" in safe_table_html(pd.DataFrame({"a": [1, 2, 3]}), max_rows=1)
    True
    """
    if isinstance(df, pd.Series):
        df = df.to_frame(name=df.name if df.name is not None else "value")
    shown = df.head(max_rows)
    notes = [caption] if caption else []
    if len(df) > len(shown):
        notes.append(f"showing {len(shown):,} of {len(df):,} rows")
    out = [STYLE] if style else []
    out.append(f'<table class="{CSS_CLASS}">')
    if notes:
        out.append(f'<caption dir="auto">{html.escape(display_text(" · ".join(notes), None))}'
                   "</caption>")
    header = ([cell_html(_index_name(df), "th")] if index else []) + [
        cell_html(str(c), "th") for c in shown.columns
    ]
    out.append("<thead><tr>" + "".join(header) + "</tr></thead><tbody>")
    for label, row in zip(shown.index, shown.itertuples(index=False, name=None), strict=True):
        cells = [cell_html(label, "th", max_chars=max_chars)] if index else []
        cells += [cell_html(v, terms=highlight, max_chars=max_chars) for v in row]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _index_name(df: pd.DataFrame) -> str:
    names = [n for n in df.index.names if n is not None]
    return " / ".join(str(n) for n in names)


def article_html(
    title: object,
    body: object,
    meta: dict[str, object] | None = None,
    terms: Sequence[str] | None = None,
    max_chars: int | None = 3000,
) -> str:
    """One article for reading: title, a metadata line and the body paragraphs, escaped,
    with ``terms`` marked. URLs in ``meta`` stay text.

    >>> out = article_html("<b>t</b>", "سطر أول\\n\\nسطر ثان", {"url": "javascript:x"}, ["سطر"])
    >>> "<b>" in out, out.count("<mark>"), "href" in out
    (False, 2, False)
    """
    meta_text = " · ".join(f"{k}: {display_text(v, 200)}" for k, v in (meta or {}).items()
                           if display_text(v, 200))
    paragraphs = [p for p in re.split(r"\n\s*\n|\n", str(clean(body))[: max_chars or None])
                  if p.strip()]
    parts = ['<div class="nw-article" dir="auto">',
             f'<h4 dir="auto">{highlight_html(title, terms)}</h4>']
    if meta_text:
        parts.append(f'<div class="nw-meta" dir="auto">{html.escape(meta_text)}</div>')
    parts += [f'<p dir="auto">{highlight_html(p, terms, None)}</p>' for p in paragraphs]
    parts.append("</div>")
    return "\n".join(parts)


def show(df: pd.DataFrame | pd.Series, **kwargs):
    """``safe_table_html`` as an IPython HTML object (what a notebook cell displays).

    >>> show(pd.DataFrame({"a": ["<x>"]})).data.count("&lt;x&gt;")
    1
    """
    from IPython.display import HTML

    return HTML(safe_table_html(df, **kwargs))


def show_html(fragment: str):
    """An HTML fragment built by this module, as an IPython HTML object, with the style.

    >>> "nw-article" in show_html(article_html("t", "b")).data
    True
    """
    from IPython.display import HTML

    return HTML(STYLE + fragment)
