"""Benchmark of the whole pipeline on a synthetic corpus (see ``benchmarks/synth.py``).

Prints, for each stage (load+split+clean+language, dates, sources, mentions) and for the
whole pipeline: articles per second, MB per second, peak memory (resident memory of the
process tree, workers included; for the full run also PSS, where the pages a forked worker
shares with its parent count once) and the ratio to a baseline measured in the same run
(reading the same bytes and applying one ``str.translate`` normalisation pass); then the
time to reopen the cached corpus into the notebook tables, and the speed-up from 1 to 2
processes.

The stage timings and the 1-versus-2 comparison run on a corpus of ``--compare`` articles
(default: all of them, at most 50,000); the full ``--articles`` corpus is then processed
with ``--workers`` processes for throughput and peak memory, and reopened.

Usage::

    python benchmarks/bench_pipeline.py --articles 100000 --workers 2 [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth  # noqa: E402

from helpers import pipeline, tables  # noqa: E402

STAGE_NAMES = {"load": "load+split+clean+language", "keys": "normalised keys (shared)",
               "dates": "dates", "sources": "sources", "entities": "mentions"}


# --------------------------------------------------------------------------- measuring


class PeakRSS:
    """Peak memory of a process and all its children, sampled every 100 ms.

    ``peak_rss`` is the plain sum of resident sizes, which counts the pages a forked worker
    shares with its parent once per process. With ``pss_every`` (seconds), ``peak`` is the
    proportional set size (PSS) summed over the tree, as the machine sees it; reading it
    costs about 10 ms per process, so it is sampled less often (and not at all by default:
    ``peak`` is then ``peak_rss``).
    """

    def __init__(self, pid: int | None = None, interval: float = 0.1,
                 pss_every: float | None = None) -> None:
        self.pid = pid or os.getpid()
        self.interval = interval
        self.pss_every = pss_every
        self._last_pss = -1e9
        self.peak = 0
        self.peak_rss = 0
        self.cpu = 0.0  # CPU seconds the sampling itself used (subtracted from measures)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self, full: bool) -> tuple[int, int]:
        try:
            root = psutil.Process(self.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return 0, 0
        pss = rss = 0
        for proc in procs:
            try:
                info = proc.memory_full_info() if full else proc.memory_info()
            except psutil.Error:
                continue
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
        return pss, rss

    def _update(self, force: bool = False) -> None:
        now = time.monotonic()
        full = self.pss_every is not None and (force or now - self._last_pss >= self.pss_every)
        if full:
            self._last_pss = now
        pss, rss = self._sample(full)
        self.peak_rss = max(self.peak_rss, rss)
        if full or self.pss_every is None:
            self.peak = max(self.peak, pss)

    def _run(self) -> None:
        start = time.thread_time()
        while not self._stop.is_set():
            self._update()
            self.cpu = time.thread_time() - start
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRSS:
        self._update(force=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._update(force=True)


@dataclass
class Measure:
    seconds: float = 0.0  # wall clock
    cpu: float = 0.0  # CPU seconds of this process and its (finished) children
    main_cpu: float = 0.0  # CPU seconds of this process alone
    peak: int = 0  # PSS of the process tree
    peak_rss: int = 0  # RSS summed over the process tree (shared pages counted in each)


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


@contextmanager
def measured(pid: int | None = None, pss_every: float | None = None) -> Iterator[Measure]:
    m = Measure()
    with PeakRSS(pid, pss_every=pss_every) as rss:
        t0, c0, own0 = time.perf_counter(), _cpu(), time.process_time()
        yield m
        m.seconds, m.cpu = time.perf_counter() - t0, _cpu() - c0
        m.main_cpu = time.process_time() - own0
    m.peak, m.peak_rss = rss.peak, rss.peak_rss
    m.cpu -= rss.cpu
    m.main_cpu -= rss.cpu


def corpus_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def baseline(root: Path) -> tuple[float, int]:
    """CPU seconds to read every file, decode it and apply one ``str.translate`` pass; bytes."""
    table = _translate_table()
    nbytes = 0
    t0 = time.process_time()
    for path in corpus_files(root):
        data = path.read_bytes()
        nbytes += len(data)
        text = data.decode("utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8",
                           errors="replace")
        text.translate(table)
    return time.process_time() - t0, nbytes


def _translate_table() -> dict[int, str]:
    """The normalisation key's character map as a ``str.translate`` table."""
    from helpers import textnorm

    try:
        return textnorm._table()
    except AttributeError:  # fall back to the data file
        out: dict[int, str] = {}
        for entry in textnorm.mappings():
            for ch in entry["from"]:
                out[ord(ch)] = entry["to"]
        return out


# --------------------------------------------------------------------------- report


def _row(name: str, articles: int, nbytes: int, cpu: float, base_mbs: float,
         wall: float | None = None, peak: int | None = None) -> str:
    """One line: throughput per CPU second (one core), its ratio to the baseline, wall, peak."""
    mbs = nbytes / 1e6 / cpu if cpu > 0 else float("inf")
    aps = articles / cpu if cpu > 0 else float("inf")
    wall_s = f"{wall:9.1f}" if wall is not None else "        -"
    peak_s = f"{peak / 2**20:8,.0f}" if peak else "       -"
    return (f"{name:<28} {aps:>11,.0f} {mbs:>8.2f} {mbs / base_mbs:>7.3f} {cpu:>8.1f}"
            f" {wall_s} {peak_s}")


HEADER = (f"{'per core':<28} {'articles/s':>11} {'MB/s':>8} {'x base':>7} {'CPU s':>8}"
          f" {'wall s':>9} {'peak MB':>8}")


def run(args: argparse.Namespace) -> dict:
    # Other people may save a helpers/ file while this runs: pin the code fingerprint so
    # the reopen measures the cache, not a rebuild.
    code = pipeline.fingerprint()
    pipeline.fingerprint = lambda options=None: code
    work = Path(args.workdir or tempfile.mkdtemp(prefix="newswork-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    results: dict = {"articles": args.articles, "workers": args.workers}
    compare_n = min(args.compare or min(args.articles, 50_000), args.articles)
    small = work / f"corpus-{compare_n}"
    big = work / f"corpus-{args.articles}" if args.articles > compare_n else small
    try:
        for root, n in {small: compare_n, big: args.articles}.items():
            if not root.exists():
                t0 = time.perf_counter()
                stats = synth.generate(root, n, seed=args.seed, progress=True)
                print(f"generated {root}: {stats} in {time.perf_counter() - t0:.0f} s")
        _compare(small, work, results, args)
        _full(big, work, results, args, reuse=big == small)
        return results
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}")


def _build(root: Path, cache: Path, workers: int) -> tuple[pipeline.Store, Measure]:
    shutil.rmtree(cache, ignore_errors=True)  # a cache kept by --keep would skip the work
    with measured() as m:
        store = pipeline.build(root, cache_dir=cache, workers=workers, progress=False)
    return store, m


def _compare(root: Path, work: Path, results: dict, args: argparse.Namespace) -> None:
    base_s, nbytes = baseline(root)
    base_s = min(base_s, baseline(root)[0])  # warm file cache
    base_mbs = nbytes / 1e6 / base_s
    store1, m1 = _build(root, work / "cache-1", 1)
    articles = store1.stats["articles"]
    print(f"\ncorpus {root.name}: {articles:,} articles, {store1.stats['files']:,} files, "
          f"{nbytes / 1e6:,.0f} MB; throughput per CPU second, so per core "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)\n")
    print(HEADER)
    print(_row("baseline (read+translate)", articles, nbytes, base_s, base_mbs))
    stages = store1.stats["stage_seconds"]
    for key, label in STAGE_NAMES.items():
        if key in stages:
            print(_row(label, articles, nbytes, stages[key], base_mbs))
    other = m1.cpu - sum(stages.values())
    print(_row("hash, Arrow, Parquet, rest", articles, nbytes, other, base_mbs))
    print(_row("whole pipeline, 1 process", articles, nbytes, m1.cpu, base_mbs, m1.seconds,
               m1.peak))
    store2, m2 = _build(root, work / "cache-2", 2)
    print(_row("whole pipeline, 2 processes", articles, nbytes, m2.cpu, base_mbs, m2.seconds,
               m2.peak))
    speedup = m1.seconds / m2.seconds
    # On a busy machine the wall clock says little: also bound the speed-up from CPU time
    # (the workers' share split over 2 cores, or the main process's serial share).
    workers_cpu = m2.cpu - m2.main_cpu
    estimate = m1.cpu / max(workers_cpu / 2, m2.main_cpu)
    ratio = base_s / m1.cpu
    print(f"\nspeed-up 1 -> 2 processes (wall clock): {speedup:.2f}x (target >= 1.7; "
          f"load average now {os.getloadavg()[0]:.1f})")
    print(f"speed-up 1 -> 2 processes from CPU time: {estimate:.2f}x (workers "
          f"{workers_cpu:.1f} CPU s, main process {m2.main_cpu:.1f} CPU s, 1 process "
          f"{m1.cpu:.1f} CPU s)")
    print(f"whole pipeline / baseline on one core: {ratio:.3f} (target >= 0.2)")
    results.update({
        "compare_articles": articles, "compare_mb": nbytes / 1e6, "baseline_mbs": base_mbs,
        "stage_cpu_seconds": stages, "one_process_cpu_s": m1.cpu,
        "one_process_wall_s": m1.seconds, "two_process_wall_s": m2.seconds,
        "one_process_peak_mb": m1.peak / 2**20, "two_process_peak_mb": m2.peak / 2**20,
        "speedup_1_to_2": speedup, "speedup_cpu_estimate": estimate,
        "ratio_to_baseline": ratio,
        "articles_per_cpu_s": articles / m1.cpu, "loadavg": os.getloadavg()[0],
    })
    _profile_hint(stages, m1.cpu)


def _profile_hint(stages: dict[str, float], total: float) -> None:
    if not stages:
        return
    slow = max(stages, key=stages.get)
    print(f"slowest stage: {STAGE_NAMES.get(slow, slow)} "
          f"({stages[slow]:.1f} CPU s, {100 * stages[slow] / total:.0f} % of the 1-process run)")


def _full(root: Path, work: Path, results: dict, args: argparse.Namespace,
          reuse: bool) -> None:
    cache = work / "cache-2" if reuse else work / "cache-full"
    nbytes = sum(p.stat().st_size for p in corpus_files(root))
    if not reuse:
        articles, m = _build_fresh(root, cache, args.workers)
        print(f"\nfull corpus {root.name}: {articles:,} articles, {nbytes / 1e9:.2f} GB, "
              f"{args.workers} processes: {m.seconds:,.0f} s wall, {m.cpu:,.0f} CPU s, "
              f"{articles / m.seconds:,.0f} articles/s, {nbytes / 1e6 / m.seconds:.1f} MB/s, "
              f"peak memory {m.peak / 2**20:,.0f} MB PSS (target < 2048; RSS summed over "
              f"the processes {m.peak_rss / 2**20:,.0f} MB)")
        results.update({"full_articles": articles, "full_gb": nbytes / 1e9,
                        "full_s": m.seconds, "full_cpu_s": m.cpu,
                        "full_peak_mb": m.peak / 2**20, "full_peak_rss_mb": m.peak_rss / 2**20})
    reopen = _reopen(root, cache)
    print(f"reopen cached corpus into the notebook tables: {reopen['seconds']:.2f} s "
          f"(target < 2 s for 100k articles; files processed again: {reopen['processed']}), "
          f"peak {reopen['peak_mb']:,.0f} MB")
    print("  rows: " + ", ".join(f"{k} {v:,}" for k, v in reopen["rows"].items()))
    print("  seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in reopen["timings"].items()))
    results["reopen"] = reopen


def _build_fresh(root: Path, cache: Path, workers: int) -> tuple[int, Measure]:
    """Build in a new Python process, as a notebook kernel would: nothing left over from
    the comparison runs (their memory, their forked pages) is counted. Articles, measure.
    """
    shutil.rmtree(cache, ignore_errors=True)  # a cache kept by --keep would skip the work
    code = ("import json, sys; from helpers import pipeline; "
            "s = pipeline.build(sys.argv[1], cache_dir=sys.argv[2], workers=int(sys.argv[3]), "
            "progress=False); print(json.dumps(s.stats['articles']))")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-c", code, str(root), str(cache), str(workers)],
                            stdout=subprocess.PIPE, text=True, env=env)
    with measured(proc.pid, pss_every=2.0) as m:
        out, _ = proc.communicate()
    if proc.returncode:
        raise SystemExit(f"the full build failed (exit {proc.returncode})")
    return int(out.strip().splitlines()[-1]), m


def _reopen(root: Path, cache: Path) -> dict:
    """Time a fresh ``open_corpus``-like reopen: build (stats only) and read every table."""
    timings = {}
    with measured() as m:
        t0 = time.perf_counter()
        store = pipeline.build(root, cache_dir=cache, progress=False)
        timings["build"] = time.perf_counter() - t0
        rows = {}
        for name in tables.TABLES:
            t0 = time.perf_counter()
            rows[name] = len(store.read(name))
            timings[name] = time.perf_counter() - t0
    return {"seconds": m.seconds, "peak_mb": m.peak / 2**20, "rows": rows, "timings": timings,
            "processed": store.stats["processed"]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--compare", type=int, default=None,
                        help="articles for stage timings and 1 vs 2 processes")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                        help="processes for the full run (default: all cores)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where corpora and caches go (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep corpora and caches")
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    args = parser.parse_args(argv)
    results = run(args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()

