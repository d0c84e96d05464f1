"""python -m helpers report: parameters injected, errors named, no live markup from the corpus.

A tiny corpus with hostile titles and bodies (``<script>``, ``<img onerror>``, an SVG
``onload``, a ``javascript:`` URL) goes through the real notebooks; the reports must show
that text as text. The browser test opens a report in headless Chromium and reads the
page title back: the payloads would change it if any of them ran.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import lxml.html
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from helpers import __main__ as cli
from helpers import reports

PWNED = "PWNED"
SCRIPT = f"<script>document.title='{PWNED}'</script>"
IMG = f"<img src=x onerror=\"document.title='{PWNED}'\">"
SVG = f"<svg onload=\"document.title='{PWNED}'\"></svg>"
PAYLOADS = [SCRIPT, IMG, SVG]


def hostile_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "page.txt").write_text(
        f"{SCRIPT} وفد من حركة الجهاد الإسلامي يصل إلى القاهرة برئاسة زياد نخالة\n"
        "تاريخ النشر: 24th, December 2023 GMT\n"
        f"قال مسؤول في الحركة لـ\"رويترز\" {IMG} إن الوفد سيبحث الأوضاع في قطاع غزة.\n"
        f"ويؤكد موقف المجموعة {SVG} التزامها بالسعي إلى حل.\n",
        encoding="utf-8",
    )
    records = [
        {"title": f"{IMG} دیدار هیات جهاد اسلامی با عباس کامل",
         "content": f"به گزارش مشرق به نقل از خبرگزاری سما، {SCRIPT} زیاد النخاله گفت.",
         "url": "javascript:document.title='PWNED'"},
        {"title": "Reuters: رويترز", "content": f"{SVG} رويترز Reuters 2023",
         "url": "http://example.org/<script>"},
    ]
    (folder / "feed.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return folder


def assert_inert(page: str) -> None:
    assert reports.live_markup(page) == []
    tree = lxml.html.document_fromstring(page)
    assert tree.xpath("//script | //svg | //iframe | //*[@onerror] | //*[@onload]") == []
    assert [img.get("src")[:11] for img in tree.iter("img")] == (
        ["data:image/"] * len(list(tree.iter("img"))))


# --- fast: the pieces --------------------------------------------------------------------


def test_live_markup_finds_what_would_run():
    page = f"<html><body><p>ok</p>{SCRIPT}{IMG}<a href='javascript:x'>x</a></body></html>"
    found = reports.live_markup(page)
    assert {"script", "img@onerror", "img@src=x", "a@href=javascript:x"} <= set(found)


def test_finish_html_drops_nbconvert_scripts_but_keeps_output_scripts_for_the_check():
    page = ("<html><head><script src='require.js'></script></head><body>"
            "<script type='application/vnd.jupyter.widget-view+json'>{}</script>"
            f"<h1 id='t'>T</h1><div>{SCRIPT}</div></body></html>")
    finished = reports.finish_html(page, "T")
    assert "require.js" not in finished and "widget-view" not in finished
    assert reports.live_markup(finished) == ["script"]


def test_parameters_are_plain_data_only():
    with pytest.raises(ValueError, match="plain data"):
        reports.parameters_source({"x": object()})
    assert "x = \"a'b\"" in reports.parameters_source({"x": "a'b"})


def test_every_notebook_has_a_parameters_cell_the_injection_follows():
    for path in sorted(reports.NOTEBOOK_DIR.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        injected = reports.inject_parameters(nb, {"corpus_path": "/x"})
        tags = [c.metadata.get("tags", []) for c in injected.cells]
        at = tags.index(["parameters"])
        assert tags[at + 1] == [reports.INJECTED_TAG], path.name


def test_cli_parses_params():
    args = cli.parser().parse_args(["report", "--param", 'languages=["fa"]'])
    assert cli.parse_params(args.param) == {"languages": ["fa"]}


# --- slow: real notebooks, real kernels --------------------------------------------------


@pytest.fixture(scope="module")
def hostile_reports(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    corpus = hostile_corpus(base / "corpus")
    out = base / "reports"
    written = reports.build_reports(corpus, out, cache_dir=base / "cache", progress=False)
    return out, written


@pytest.mark.slow
def test_reports_from_a_hostile_corpus_contain_no_live_markup(hostile_reports):
    out, written = hostile_reports
    assert [r.notebook for r in written] == list(reports.DEFAULT_NOTEBOOKS)
    for report in written:
        assert_inert(report.path.read_text(encoding="utf-8"))
    overview = lxml.html.parse(str(out / "01_overview.html")).getroot()
    shown = overview.text_content()
    assert SCRIPT in shown or SCRIPT[:40] in shown  # the title is shown, as text
    assert "onerror" in shown
    index = (out / "index.html").read_text(encoding="utf-8")
    assert_inert(index)
    assert all(f'href="{r.path.name}"' in index for r in written)


@pytest.mark.slow
def test_reports_have_a_title_contents_and_embedded_images_and_no_code(hostile_reports):
    out, _ = hostile_reports
    page = lxml.html.parse(str(out / "01_overview.html")).getroot()
    assert page.findtext(".//title") == "Overview of the corpus"
    toc = page.xpath("//nav[@class='toc']//a/@href")
    assert "#Quality-panel" in toc
    assert page.xpath("//img[starts-with(@src, 'data:image/png;base64,')]")
    code_inputs = "//*[contains(@class, 'jp-CodeCell')]//*[contains(@class, 'jp-InputArea')]"
    assert not page.xpath(code_inputs)
    assert "open_corpus" not in page.text_content()


@pytest.mark.slow
def test_a_failing_cell_fails_the_command_naming_notebook_and_cell(tmp_path, capsys):
    nb = new_notebook(cells=[
        new_markdown_cell("# Broken"),
        new_code_cell("corpus_path = None", metadata={"tags": ["parameters"]}),
        new_code_cell("x = 1"),
        new_code_cell("raise ValueError('boom')"),
    ])
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, path)
    code = cli.main(["report", "--corpus", "corpus", "--out", str(tmp_path / "out"),
                     "--notebooks", str(path), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1
    assert "broken.ipynb: cell 5 failed (ValueError: boom)" in err
    assert not (tmp_path / "out" / "broken.html").exists()


@pytest.mark.slow
def test_the_command_line_writes_the_reports(tmp_path):
    out = tmp_path / "reports"
    done = subprocess.run(
        [sys.executable, "-m", "helpers", "report", "--corpus", "corpus", "--out", str(out),
         "--notebooks", "01_overview", "--cache-dir", str(tmp_path / "cache"), "--no-progress"],
        cwd=reports.REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["01_overview.html", "index.html"]


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _browser(url: str, *args: str, tmp: Path) -> str:
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp / 'profile'}", *args, url]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout


@pytest.mark.slow
@pytest.mark.browser
def test_no_payload_runs_in_a_browser(hostile_reports, tmp_path):
    if _chromium() is None:
        pytest.skip("chromium is not installed (bash .ci/setup --browser installs it)")
    out, written = hostile_reports
    artifacts = Path(__file__).parent / "artifacts"
    artifacts.mkdir(exist_ok=True)
    for report in written:
        dom = _browser(report.path.as_uri(), "--dump-dom", "--virtual-time-budget=3000",
                       tmp=tmp_path)
        title = lxml.html.document_fromstring(dom).findtext(".//title")
        assert title and PWNED not in title, report.notebook
        _browser(report.path.as_uri(), f"--screenshot={artifacts / (report.notebook + '.png')}",
                 "--window-size=1280,2400", tmp=tmp_path)
