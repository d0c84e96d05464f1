"""Per-stage CPU time on a synthetic corpus, and a check that the stages' tables are unchanged.

For speed work on one stage: the corpus is generated once (``benchmarks/synth.py``), loaded
in the pipeline's batches, and every stage (``dates``, ``sources``, ``entities``) is timed on
each batch exactly as ``pipeline.process_batch`` runs it. The numbers are CPU seconds of
this process (so per core) next to the baseline measured in the same run (read the bytes,
one ``str.translate`` pass), as ``bench_pipeline.py`` prints them.

``--save-ref DIR`` writes every table the stages produce; ``--check-ref DIR`` compares
against such a reference and prints the first differences, so a faster stage can be shown
to give the same tables.

Usage::

    python benchmarks/bench_stages.py --articles 10000 [--only dates] [--repeat 3]
    python benchmarks/bench_stages.py --articles 10000 --save-ref /tmp/ref
    python benchmarks/bench_stages.py --articles 10000 --check-ref /tmp/ref
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_pipeline  # noqa: E402
import synth  # noqa: E402

from helpers import pipeline, tables, textnorm  # noqa: E402


def corpus(workdir: Path, articles: int, seed: int) -> Path:
    root = workdir / f"corpus-{articles}"
    if not root.exists():
        synth.generate(root, articles, seed=seed)
    return root


def load_batches(root: Path) -> tuple[list[dict[str, pd.DataFrame]], float]:
    """The corpus as the pipeline's batches, each loaded and combined; load CPU seconds."""
    files = [(str(p), p.stat().st_size) for p in bench_pipeline.corpus_files(root)]
    batches = pipeline.plan_batches(files)
    out = []
    t0 = time.process_time()
    for paths in batches:
        loaded = [(p, pipeline.load_file(Path(p), root)) for p in paths]
        out.append(pipeline._gather([(p, t) for p, t in loaded if "articles" in t])[0])
    return out, time.process_time() - t0


def run_stages(batches: list[dict[str, pd.DataFrame]], only: list[str] | None
               ) -> tuple[list[dict[str, pd.DataFrame]], dict[str, float]]:
    seconds: dict[str, float] = {}
    results = []
    for batch in batches:
        result = pipeline._python_strings(batch)  # as pipeline._run_batched
        with textnorm.shared_keys():  # as pipeline._stages: one key per text for all stages
            t0 = time.process_time()
            textnorm.prime(pipeline._texts_to_key(result))
            seconds["keys"] = seconds.get("keys", 0.0) + time.process_time() - t0
            for stage in pipeline.STAGES:
                if only and stage not in only:
                    continue
                run = pipeline._stage_module(stage).run
                t0 = time.process_time()
                result = dict(run(result))
                seconds[stage] = seconds.get(stage, 0.0) + time.process_time() - t0
        results.append(pipeline._python_strings(pipeline._finish(result), tables._STRING))
    return results, seconds


def combined(results: list[dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    return {name: pd.concat([r[name] for r in results], ignore_index=True)
            for name in tables.TABLES}


def save(results: dict[str, pd.DataFrame], where: Path) -> None:
    where.mkdir(parents=True, exist_ok=True)
    for name, df in results.items():
        df.to_pickle(where / f"{name}.pkl")


def check(results: dict[str, pd.DataFrame], where: Path, limit: int = 8) -> int:
    """Print the differences from the reference in ``where``; the number of tables differing."""
    bad = 0
    for name, df in results.items():
        ref = pd.read_pickle(where / f"{name}.pkl")
        if df.equals(ref):
            print(f"  {name}: same ({len(df):,} rows)")
            continue
        bad += 1
        cols = ""
        if df.shape == ref.shape and list(df.columns) == list(ref.columns):
            cols = " in columns " + ", ".join(
                c for c in df.columns if not df[c].reset_index(drop=True).equals(
                    ref[c].reset_index(drop=True)))
        print(f"  {name}: DIFFERENT ({len(df):,} rows, reference {len(ref):,}){cols}")
        a = df.astype("string").fillna("<NA>")
        b = ref.astype("string").fillna("<NA>")
        keys = [c for c in ("doc_id", "comment_id", "field", "start", "name", "text", "rule")
                if c in a.columns]
        merged = a.merge(b, how="outer", indicator=True, on=list(a.columns))
        only = merged[merged["_merge"] != "both"].sort_values(keys + ["_merge"])
        with pd.option_context("display.width", 200, "display.max_colwidth", 60):
            print(only.head(limit).to_string())
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/newswork-bench-stages"))
    parser.add_argument("--corpus", type=Path, default=None,
                        help="a folder to use instead of the synthetic corpus")
    parser.add_argument("--only", action="append", choices=pipeline.STAGES)
    parser.add_argument("--repeat", type=int, default=1, help="best of N timings of the stages")
    parser.add_argument("--save-ref", type=Path)
    parser.add_argument("--check-ref", type=Path)
    args = parser.parse_args(argv)
    root = args.corpus or corpus(args.workdir, args.articles, args.seed)
    base_s, nbytes = bench_pipeline.baseline(root)
    base_s = min(base_s, bench_pipeline.baseline(root)[0])
    base_mbs = nbytes / 1e6 / base_s
    batches, load_s = load_batches(root)
    articles = sum(len(b["articles"]) for b in batches)
    best: dict[str, float] = {}
    for _ in range(max(1, args.repeat)):
        results, seconds = run_stages(batches, args.only)
        best = {k: min(v, best.get(k, v)) for k, v in seconds.items()}
    print(f"{root.name}: {articles:,} articles, {nbytes / 1e6:.0f} MB, {len(batches)} batches")
    print(bench_pipeline.HEADER)
    row = bench_pipeline._row
    print(row("baseline (read+translate)", articles, nbytes, base_s, base_mbs))
    print(row("load+split+clean+language", articles, nbytes, load_s, base_mbs))
    for stage, s in best.items():
        print(row(bench_pipeline.STAGE_NAMES[stage], articles, nbytes, s, base_mbs))
    out = combined(results)
    if args.save_ref:
        save(out, args.save_ref)
        print(f"reference saved in {args.save_ref}")
    if args.check_ref:
        return 1 if check(out, args.check_ref) else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
