"""Command line: ``python -m helpers report [--corpus DIR] [--out DIR] [--notebooks ...]``.

Executes the notebooks on a corpus and writes HTML reports (see ``helpers.reports``).

>>> parser().parse_args(["report", "--corpus", "c", "--notebooks", "01_overview"]).notebooks
['01_overview']
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import reports


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="python -m helpers",
                                   description="Arabic and Persian news corpora workbook.")
    commands = main.add_subparsers(dest="command", required=True)
    report = commands.add_parser("report", help="execute the notebooks and write HTML reports")
    report.add_argument("--corpus", default="corpus",
                        help="folder of news files (default: corpus/ of the repository)")
    report.add_argument("--out", default=str(reports.REPO_ROOT / "reports"),
                        help="folder for the HTML reports (default: reports/)")
    report.add_argument("--notebooks", nargs="+", metavar="NAME",
                        help=f"notebooks to run (default: {' '.join(reports.DEFAULT_NOTEBOOKS)})")
    report.add_argument("--cache-dir", default=None, help="cache folder (default: the usual)")
    report.add_argument("--param", action="append", default=[], metavar="NAME=JSON",
                        help='extra notebook parameter, e.g. --param \'languages=["fa"]\'')
    report.add_argument("--show-code", action="store_true", help="keep code cells in the HTML")
    report.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    report.add_argument("--no-progress", action="store_true", help="no progress bar")
    return main


def parse_params(items: list[str]) -> dict[str, object]:
    """``NAME=JSON`` items as a dict (a value that is not JSON is taken as a string).

    >>> parse_params(['languages=["ar", "fa"]', "label_lang=fa", "start=2023-01-01"])
    {'languages': ['ar', 'fa'], 'label_lang': 'fa', 'start': '2023-01-01'}
    """
    params: dict[str, object] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--param needs NAME=VALUE, got {item!r}")
        try:
            params[name.strip()] = json.loads(value)
        except json.JSONDecodeError:
            params[name.strip()] = value
    return params


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        written = reports.build_reports(
            corpus=args.corpus, out=args.out, notebooks=args.notebooks,
            cache_dir=args.cache_dir, params=parse_params(args.param),
            show_code=args.show_code, timeout=args.timeout, progress=not args.no_progress,
        )
    except (reports.ReportError, FileNotFoundError, ValueError) as err:
        print(f"report failed: {err}", file=sys.stderr)
        return 1
    out = Path(args.out).resolve()
    for report in written:
        print(f"{report.path}  ({report.seconds:.1f} s)")
    print(f"{out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
