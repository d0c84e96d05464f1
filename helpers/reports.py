"""``python -m helpers report``: the notebooks executed with parameters, as HTML reports.

Each notebook in ``notebooks/`` has a cell tagged ``parameters``. A report run adds a cell
tagged ``injected-parameters`` after it (as papermill does) with the corpus path and the
other values, executes the notebook top to bottom on a fresh kernel (nbclient), and turns
it into one self-contained HTML file: images embedded, code hidden (``show_code=True``
keeps it), a title and a table of contents, no JavaScript. ``index.html`` links the
reports. Files are written atomically. A failing cell stops the run with the notebook
and cell named.

Corpus text reaches the HTML only through ``helpers.display`` (escaped) or pandas'
``to_html`` (escaped); as a last guard every report is parsed and refused if it holds a
script, an event handler, a frame or a non-image link target.

>>> src = parameters_source({"corpus_path": "/data/news", "languages": ["ar", "fa"]})
>>> print(src)
# Parameters injected by python -m helpers report
corpus_path = '/data/news'
languages = ['ar', 'fa']
"""

from __future__ import annotations

import html
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .atomic import write_atomic

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
#: Notebooks a report run executes by default (05_explore needs a live kernel).
DEFAULT_NOTEBOOKS = ("01_overview", "02_dates", "03_sources", "04_entities")
PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"
_PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ReportError(RuntimeError):
    """A notebook could not be executed or its HTML is not safe; the message says where."""


@dataclass
class Report:
    """One written report."""

    notebook: str
    title: str
    path: Path
    seconds: float


def parameters_source(params: dict[str, object]) -> str:
    """Python source assigning ``params`` (values written with ``repr``: plain data only).

    >>> parameters_source({"x": None, "y": 1.5})
    '# Parameters injected by python -m helpers report\\nx = None\\ny = 1.5'
    >>> parameters_source({"bad name": 1})
    Traceback (most recent call last):
    ...
    ValueError: not a parameter name: 'bad name'
    """
    lines = ["# Parameters injected by python -m helpers report"]
    for name, value in params.items():
        if not _PARAM_NAME.match(name):
            raise ValueError(f"not a parameter name: {name!r}")
        if not _plain(value):
            raise ValueError(f"parameter {name} must be plain data, not {type(value).__name__}")
        lines.append(f"{name} = {value!r}")
    return "\n".join(lines)


def _plain(value: object) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


def inject_parameters(nb: nbformat.NotebookNode, params: dict[str, object]
                      ) -> nbformat.NotebookNode:
    """A copy of ``nb`` with an ``injected-parameters`` cell after the ``parameters`` cell.

    A previous injected cell is replaced; without a ``parameters`` cell the new cell goes
    first.

    >>> from nbformat.v4 import new_code_cell, new_notebook
    >>> nb = new_notebook(cells=[new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
    ...                          new_code_cell("print(x)")])
    >>> out = inject_parameters(inject_parameters(nb, {"x": 2}), {"x": 3})
    >>> [c.source.splitlines()[-1] for c in out.cells]
    ['x = 1', 'x = 3', 'print(x)']
    """
    out = nbformat.from_dict(nb)
    cells = [c for c in out.cells if INJECTED_TAG not in c.get("metadata", {}).get("tags", [])]
    cell = nbformat.v4.new_code_cell(parameters_source(params),
                                     metadata={"tags": [INJECTED_TAG]})
    where = next((i + 1 for i, c in enumerate(cells)
                  if PARAMETERS_TAG in c.get("metadata", {}).get("tags", [])), 0)
    cells.insert(where, cell)
    out.cells = cells
    return out


def execute(nb: nbformat.NotebookNode, name: str, cwd: Path, timeout: int = 1800,
            on_cell: Callable[[], None] | None = None) -> nbformat.NotebookNode:
    """Run every cell of ``nb`` in a fresh kernel started in ``cwd``.

    Raises ``ReportError`` naming the notebook, the cell number and the error.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    def executed(cell, cell_index, **_kwargs):
        if on_cell is not None:
            on_cell()

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd)}},
                            on_cell_executed=executed)
    try:
        client.execute(env=kernel_env())
    except CellExecutionError as err:
        index, cell = _failed_cell(nb)
        first = cell.source.strip().splitlines()[0] if cell is not None and cell.source else ""
        raise ReportError(
            f"{name}: cell {index} failed ({err.ename}: {err.evalue})\n  cell starts: {first}"
        ) from None
    except (CellTimeoutError, DeadKernelError) as err:
        raise ReportError(f"{name}: {type(err).__name__}: {err}") from None
    return nb


def kernel_env() -> dict[str, str]:
    """The kernel's environment: ours, with the repository first on ``PYTHONPATH`` (the
    kernel starts in notebooks/, where ``import helpers`` would not find the package).

    >>> kernel_env()["PYTHONPATH"].split(os.pathsep)[0] == str(REPO_ROOT)
    True
    """
    env = dict(os.environ)
    rest = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), *rest])
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    return env


def _failed_cell(nb: nbformat.NotebookNode):
    for index, cell in enumerate(nb.cells, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return index, cell
    return "?", None


def notebook_title(nb: nbformat.NotebookNode, fallback: str) -> str:
    """The first Markdown heading of ``nb`` (without #), else ``fallback``.

    >>> from nbformat.v4 import new_markdown_cell, new_notebook
    >>> notebook_title(new_notebook(cells=[new_markdown_cell("# Dates\\ntext")]), "x")
    'Dates'
    """
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return fallback


def to_html(nb: nbformat.NotebookNode, title: str, show_code: bool = False) -> str:
    """Self-contained HTML of an executed notebook: no scripts, a table of contents."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = not show_code
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.embed_images = True
    body, _resources = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return finish_html(body, title)


def finish_html(document: str, title: str) -> str:
    """nbconvert's page made inert and navigable: its own scripts (MathJax, RequireJS,
    widget state) and external links removed, the title set, a table of contents added.

    >>> page = finish_html("<html><head><script src='x.js'></script></head><body>"
    ...                    "<h2 id='a'>Dates &amp; more</h2></body></html>", "T")
    >>> "<script" in page, '<a href="#a">Dates &amp; more</a>' in page
    (False, True)
    """
    import lxml.html

    tree = lxml.html.document_fromstring(document)
    # Only nbconvert's own scripts go: those in <head> and widget state/views. Any other
    # script (from an output) stays, so that ``live_markup`` finds it and the run fails.
    for element in tree.xpath(
        "//head//script | //script[starts-with(@type, 'application/vnd.jupyter.widget')]"
        " | //link[@rel!='stylesheet' or not(@rel)] | //link[starts-with(@href, 'http')]"
    ):
        element.drop_tree()
    head = tree.find("head")
    for old in head.findall("title"):
        old.drop_tree()
    title_el = lxml.html.Element("title")
    title_el.text = title
    head.insert(0, title_el)
    head.append(lxml.html.fragment_fromstring(f"<style>{REPORT_CSS}</style>"))
    body = tree.find("body")
    headings = [h for h in body.iter("h1", "h2", "h3") if h.get("id")]
    items = []
    for heading in headings:
        for anchor in heading.findall("a"):
            if anchor.get("class") == "anchor-link":
                anchor.drop_tree()
        text = heading.text_content().strip()
        items.append(f'<li class="toc-{heading.tag}"><a href="#{html.escape(heading.get("id"))}">'
                     f"{html.escape(text)}</a></li>")
    nav = lxml.html.fragment_fromstring(
        f'<nav class="toc"><strong>Contents</strong><ul>{"".join(items)}</ul></nav>')
    body.insert(0, nav)
    return "<!DOCTYPE html>\n" + lxml.html.tostring(tree, encoding="unicode")


REPORT_CSS = """
body { max-width: 1100px; margin: 0 auto; padding: 1em 2em; }
nav.toc { border: 1px solid #ddd; padding: 0.5em 1em; margin: 1em 0; background: #fafafa;
          font-family: var(--jp-content-font-family, sans-serif); font-size: 0.9em; }
nav.toc ul { margin: 0.3em 0; padding-left: 1.2em; }
nav.toc li.toc-h3 { margin-left: 1.2em; }
.jp-RenderedImage img { max-width: 100%; height: auto; }
"""

_LIVE_TAGS = {"script", "iframe", "frame", "object", "embed", "applet", "base", "form",
              "meta", "svg", "math", "video", "audio", "source", "track"}


def live_markup(document: str) -> list[str]:
    """Elements and attributes in ``document`` that could run or load anything.

    Allowed: images with ``data:image/`` sources, links to anchors in the page, styles.
    ``meta`` is allowed only for charset and viewport.

    >>> live_markup('<p><img src="data:image/png;base64,AA"><a href="#x">x</a></p>')
    []
    >>> live_markup('<p><img src=x onerror=alert(1)><a href="http://e">e</a></p>')
    ['img@src=x', 'img@onerror', 'a@href=http://e']
    """
    import lxml.html

    tree = lxml.html.document_fromstring(document)
    found = []
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        if tag in _LIVE_TAGS and not (tag == "meta" and set(el.attrib) <= {
                "charset", "name", "content"} and el.get("name") in {None, "viewport"}):
            found.append(tag)
        for name, value in el.attrib.items():
            lowered = name.lower()
            if lowered.startswith("on") or lowered in {"srcdoc", "formaction", "xlink:href"}:
                found.append(f"{tag}@{name}")
            elif lowered == "src" and not value.startswith("data:image/"):
                found.append(f"{tag}@src={value}")
            elif lowered == "href" and not (value.startswith("#") or (
                    tag == "a" and value.endswith(".html") and "/" not in value
                    and ":" not in value)):
                found.append(f"{tag}@href={value}")
            elif lowered == "style" and re.search(r"url\s*\(|expression\s*\(", value, re.I):
                found.append(f"{tag}@style")
    return found


def index_html(reports: Sequence[Report], corpus: Path) -> str:
    """The page linking every report.

    >>> page = index_html([Report("01_overview", "Overview <x>", Path("01_overview.html"), 1.0)],
    ...                   Path("/c"))
    >>> '<a href="01_overview.html">Overview &lt;x&gt;</a>' in page, live_markup(page)
    (True, [])
    """
    items = "".join(
        f'<li><a href="{html.escape(r.path.name)}">{html.escape(r.title)}</a>'
        f" <small>({html.escape(r.notebook)}, {r.seconds:.1f} s)</small></li>"
        for r in reports
    )
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Reports</title>"
        f"<style>{REPORT_CSS}</style></head><body><h1>Reports</h1>"
        f"<p>Corpus <code>{html.escape(str(corpus))}</code>, built {stamp}.</p>"
        f"<ul>{items}</ul></body></html>\n"
    )


def notebook_paths(names: Sequence[str] | None = None, folder: Path = NOTEBOOK_DIR
                   ) -> list[Path]:
    """The notebooks to run: ``names`` (with or without ``.ipynb``) or the defaults.

    >>> [p.name for p in notebook_paths(["01_overview"])]
    ['01_overview.ipynb']
    >>> notebook_paths(["nope"])
    Traceback (most recent call last):
    ...
    FileNotFoundError: notebook not found: nope (in notebooks/)
    """
    paths = []
    for name in names or DEFAULT_NOTEBOOKS:
        path = Path(name)
        if not path.suffix:
            path = path.with_suffix(".ipynb")
        if not path.is_file():
            path = folder / path.name
        if not path.is_file():
            raise FileNotFoundError(f"notebook not found: {name} (in {folder.name}/)")
        paths.append(path)
    return paths


def build_reports(
    corpus: str | os.PathLike = "corpus",
    out: str | os.PathLike = REPO_ROOT / "reports",
    notebooks: Sequence[str] | None = None,
    cache_dir: str | os.PathLike | None = None,
    params: dict[str, object] | None = None,
    show_code: bool = False,
    timeout: int = 1800,
    progress: bool = True,
) -> list[Report]:
    """Execute ``notebooks`` on ``corpus`` and write one HTML report each plus index.html.

    ``params`` are extra parameter values (e.g. ``{"languages": ["fa"]}``); the corpus
    path is injected absolute, so the notebooks run from anywhere.
    """
    from tqdm.auto import tqdm

    from .corpus import resolve_corpus_path

    root = resolve_corpus_path(corpus)
    out_dir = Path(out).resolve()
    paths = notebook_paths(notebooks)
    values: dict[str, object] = {"corpus_path": str(root), "progress": False}
    if cache_dir is not None:
        values["cache_dir"] = str(Path(cache_dir).resolve())
    values.update(params or {})
    loaded = [(p, inject_parameters(nbformat.read(p, as_version=4), values)) for p in paths]
    total = sum(sum(1 for c in nb.cells if c.cell_type == "code") for _, nb in loaded)
    reports = []
    with tqdm(total=total, unit="cell", desc="reports", disable=not progress) as bar:
        for path, nb in loaded:
            bar.set_postfix_str(path.stem)
            began = time.perf_counter()
            execute(nb, path.name, path.parent, timeout, on_cell=lambda: bar.update(1))
            title = notebook_title(nb, path.stem)
            page = to_html(nb, title, show_code=show_code)
            found = live_markup(page)
            if found:
                raise ReportError(f"{path.name}: live markup in the report: {found[:5]}")
            target = write_atomic(out_dir / f"{path.stem}.html", page)
            reports.append(Report(path.stem, title, target, time.perf_counter() - began))
    write_atomic(out_dir / "index.html", index_html(reports, root))
    return reports
