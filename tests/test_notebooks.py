"""The notebooks: short stories committed without outputs, executed on the seed corpus.

Execution goes through ``helpers.reports`` (the same path as ``python -m helpers report``),
on a fresh kernel and an empty cache: an error in any cell fails the test.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from helpers import reports

NOTEBOOKS = sorted(reports.NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED = ["01_overview", "02_dates", "03_sources", "04_entities", "05_explore"]
MAX_LINES = 12


def test_the_five_notebooks_exist():
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_a_short_story_without_outputs(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    first, params = nb.cells[0], nb.cells[1]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert len(first.source.split()) > 30, "a paragraph on what and why"
    assert params.metadata.get("tags") == ["parameters"]
    names = {t.id for node in ast.walk(ast.parse(params.source)) if isinstance(node, ast.Assign)
             for t in (node.targets[0].elts if isinstance(node.targets[0], ast.Tuple)
                       else node.targets)}
    assert {"corpus_path", "cache_dir", "start", "end", "languages", "label_lang"} <= names
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert cell.outputs == [] and cell.execution_count is None, "commit without outputs"
        assert len(cell.source.splitlines()) <= MAX_LINES
        tree = ast.parse(cell.source)
        logic = [type(n).__name__ for n in ast.walk(tree)
                 if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.For, ast.While,
                                   ast.Lambda))]
        assert not logic, f"logic belongs in helpers/: {logic} in {cell.source[:60]!r}"
        assert "matplotlib" not in cell.source and "plt." not in cell.source


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom_on_the_seed_corpus(path: Path, tmp_path: Path):
    nb = reports.inject_parameters(
        nbformat.read(path, as_version=4),
        {"corpus_path": str(reports.REPO_ROOT / "corpus"), "cache_dir": str(tmp_path),
         "progress": False},
    )
    executed = reports.execute(nb, path.name, path.parent, timeout=600)
    errors = [o for c in executed.cells for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors == []
    figures = [o["data"] for c in executed.cells for o in c.get("outputs", [])
               if o.get("data", {}).get("text/plain", "").startswith("<Figure")]
    assert all("image/png" in data for data in figures), "every figure is shown as an image"
    assert figures or path.stem == "05_explore"
    stderr = [o.get("text", "") for c in executed.cells for o in c.get("outputs", [])
              if o.get("name") == "stderr"]
    assert not [s for s in stderr if "findfont" in s or "missing from font" in s], stderr


@pytest.mark.slow
def test_notebooks_run_with_arabic_labels_and_a_language_filter(tmp_path: Path):
    path = reports.NOTEBOOK_DIR / "04_entities.ipynb"
    nb = reports.inject_parameters(
        nbformat.read(path, as_version=4),
        {"corpus_path": str(reports.REPO_ROOT / "corpus"), "cache_dir": str(tmp_path),
         "progress": False, "label_lang": "ar", "languages": ["fa"]},
    )
    reports.execute(nb, path.name, path.parent, timeout=600)
