"""The HTML we build from a hostile corpus, opened in headless Chromium: nothing from it runs.

Two kinds of page are checked: a page of report cells built with ``helpers.display`` from
every table of the hostile corpus, and the HTML report (``python -m helpers report``) when
the reports module exists. Each page is checked twice: statically (lxml: no ``<script>``
with the payload, no ``on*`` attribute with it, no ``javascript:`` link, no injected
element) and live (Chromium's DOM after scripts ran: the title is not ``PWNED``). A control
page with a live payload proves the live check can fail. Screenshots are kept in
``tests/artifacts/``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import lxml.html
import pytest
from hostile import make_hostile_corpus, remove_hostile_corpus

import helpers
from helpers import display

pytestmark = [pytest.mark.browser]

CHROMIUM = shutil.which("chromium")
REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
MARK = "PWNED"

if CHROMIUM is None:
    pytestmark.append(pytest.mark.skip(
        reason="chromium is not on PATH (Debian's chromium package; `bash .ci/setup --browser`)"))


def chromium(url: str, profile: Path, *extra: str, timeout: int = 120) -> str:
    """Run headless Chromium on ``url``; its stdout (the DOM with ``--dump-dom``)."""
    cmd = [CHROMIUM or "chromium", "--headless", "--no-sandbox", "--disable-gpu",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
           "--virtual-time-budget=5000", *extra, url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    return out.stdout


def live_markup(page: str) -> list[str]:
    """What in ``page`` (HTML) is live markup carrying the payload."""
    doc = lxml.html.document_fromstring(page)
    found = []
    for script in doc.iter("script"):
        if MARK in (script.text or "") or MARK in (script.get("src") or ""):
            found.append(f"<script> {(script.text or '')[:80]!r}")
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        for name, value in el.attrib.items():
            low = value.strip().lower()
            if name.lower().startswith("on") and MARK in value:
                found.append(f"<{el.tag} {name}={value[:60]!r}>")
            target = low.replace("\t", "").replace("\n", "")
            image = el.tag == "img" and name.lower() == "src" and target.startswith("data:image/")
            if name.lower() in ("href", "src", "action", "formaction") and not image and \
                    target.startswith(("javascript:", "data:", "vbscript:")):
                found.append(f"<{el.tag} {name}={value[:60]!r}>")
        if el.tag in ("h1", "iframe", "object", "embed") and "PWNED-LAYOUT" in el.text_content():
            found.append(f"<{el.tag}> injected from a title")
    return found


def title_of(dom: str) -> str:
    doc = lxml.html.document_fromstring(dom) if dom.strip() else None
    found = doc.find(".//title") if doc is not None else None
    return (found.text or "") if found is not None else ""


@pytest.fixture(scope="module")
def hostile_corpus(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("browser")
    info = make_hostile_corpus(base / "corpus")
    corpus = helpers.open_corpus(info["root"], cache_dir=base / "cache", workers=1,
                                 progress=False)
    yield {**info, "corpus": corpus, "base": base}
    remove_hostile_corpus(info["root"])


def cells_page(corpus: helpers.Corpus) -> str:
    """Every table of the corpus as report cells, and the hostile articles for reading."""
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>hostile cells</title>",
             display.STYLE, "</head><body><h2>hostile corpus: report cells</h2>"]
    arts = corpus.articles
    hostile = arts[arts["file"].str.startswith(("display/", "enc/", "dates/"))]
    parts.append(display.safe_table_html(
        hostile[["file", "title", "outlet_stated", "outlet", "url", "author", "category"]],
        max_rows=100, style=False, caption="articles with hostile text"))
    for name in ("problems", "sources", "mentions", "dates"):
        df = corpus.problems if name == "problems" else corpus.table(name)
        parts.append(display.safe_table_html(df, max_rows=60, style=False, caption=name))
    for _, row in hostile[hostile["file"].str.startswith("display/")].iterrows():
        parts.append(display.article_html(row["title"], row["body"],
                                          {"outlet": row["outlet_stated"], "url": row["url"]},
                                          terms=["زياد نخالة"], max_chars=2000))
    parts.append("</body></html>")
    return "\n".join(parts)


def report_pages(corpus_root: Path, base: Path) -> list[Path]:
    """The HTML report of ``corpus_root``, built by ``python -m helpers report``."""
    if not (REPO / "helpers" / "reports.py").exists() or \
            not (REPO / "helpers" / "__main__.py").exists():
        pytest.skip("helpers.reports / python -m helpers report does not exist yet")
    out = base / "report"
    env = {**os.environ, "NEWSWORK_CACHE": str(base / "report-cache"), "MPLBACKEND": "Agg",
           "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "-m", "helpers", "report", "--corpus",
                          str(corpus_root), "--out", str(out), "--no-progress",
                          "--timeout", "600"], capture_output=True, text=True,
                         cwd=REPO, env=env, timeout=1800)
    assert run.returncode == 0, run.stderr[-3000:]
    pages = sorted(out.rglob("*.html"))
    assert pages, f"no HTML report in {out}: {run.stdout[-1000:]}"
    return pages


def check_page(path: Path, profile: Path, screenshot: Path | None) -> None:
    page = path.read_text(encoding="utf-8")
    assert not live_markup(page), f"{path.name}: {live_markup(page)[:5]}"
    dom = chromium(path.as_uri(), profile, "--dump-dom")
    assert dom.strip(), f"Chromium rendered nothing for {path}"
    assert MARK not in title_of(dom), f"{path.name}: a script from the corpus ran"
    assert not live_markup(dom), f"{path.name} (live DOM): {live_markup(dom)[:5]}"
    if screenshot is not None:
        ARTIFACTS.mkdir(exist_ok=True)
        chromium(path.as_uri(), profile, f"--screenshot={screenshot}", "--window-size=1280,2400",
                 "--hide-scrollbars")
        assert screenshot.is_file() and screenshot.stat().st_size > 10_000


def test_the_live_check_can_fail(tmp_path):
    """Control: a page with the payload left live does change the title in Chromium."""
    page = tmp_path / "control.html"
    page.write_text("<html><head><title>safe</title></head><body>"
                    "<p>x</p><script>document.title='PWNED'</script></body></html>")
    assert live_markup(page.read_text())
    assert title_of(chromium(page.as_uri(), tmp_path / "profile", "--dump-dom")) == MARK


def test_report_cells_from_a_hostile_corpus_run_nothing(hostile_corpus, tmp_path):
    page = tmp_path / "cells.html"
    page.write_text(cells_page(hostile_corpus["corpus"]), encoding="utf-8")
    text = page.read_text(encoding="utf-8")
    assert "&lt;script&gt;document.title=" in text  # the payload is shown, as text
    check_page(page, tmp_path / "profile", ARTIFACTS / "hostile_cells.png")


def test_html_report_from_a_hostile_corpus_runs_nothing(hostile_corpus, tmp_path):
    pages = report_pages(hostile_corpus["root"], hostile_corpus["base"])
    for i, page in enumerate(pages):
        shot = ARTIFACTS / ("hostile_report.png" if i == 0 else f"hostile_report_{i}.png")
        check_page(page, tmp_path / f"profile{i}", shot)
