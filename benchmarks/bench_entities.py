"""Mention finding speed: our automaton against one regex alternation over all aliases.

Both run in the same process on the same documents (the seeds and the real evaluation
samples, repeated to ``--docs`` documents) and both start from the same normalised key;
the baseline is one compiled ``re`` alternation of every alias form (with the optional
attached particle and word boundaries), the way one would write it without an automaton.
Ours also maps offsets back to the original text and numbers sentences and paragraphs.

    .venv/bin/python benchmarks/bench_entities.py [--docs 300] [--repeat 1]

Prints documents/s and MB/s for each, and the ratio (target: ours >= 10x).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from helpers import entities, textnorm  # noqa: E402


def documents(n: int) -> tuple[list[str], list[str]]:
    """``(dense, sparse)``: the seeds (many mentions) and the evaluation samples, ``n`` each."""
    from helpers import loading

    seeds = [p.read_text(encoding="utf-8") for p in sorted((REPO / "corpus").glob("*.txt"))]
    samples = []
    eval_dir = REPO.parent / "shared" / "eval"
    for rel in ("ar/saudinewsnet_2015-08-11_sample61.json", "fa/fars-news-1_sample60.json"):
        path = eval_dir / rel
        if path.exists():
            arts = loading.read_file(path, eval_dir)["articles"]
            samples += [f"{t}\n{b}" for t, b in zip(arts["title"].fillna(""),
                                                   arts["body"].fillna(""), strict=True)]
    samples = samples or seeds

    def cycle(texts: list[str]) -> list[str]:
        return [texts[i % len(texts)] for i in range(n)]

    return cycle(seeds), cycle(samples)


def baseline_regex() -> re.Pattern[str]:
    """One alternation over every alias form of the registry, longest first."""
    m = entities.matcher()
    keys = {pattern.strip()[plen:] for pattern, (_, _, plen, _) in m.automaton.items()}
    particles = "|".join(re.escape(textnorm.normalize(p)) for p in
                         entities.cues()["prefixes"]["particles"])
    alias = "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{particles})?({alias})(?!\w)")


def run_ours(texts: list[str]) -> int:
    return sum(len(entities.find_mentions(t, "body")) for t in texts)


def run_baseline(texts: list[str], pattern: re.Pattern[str]) -> int:
    total = 0
    for t in texts:
        key = textnorm.normalize(t)
        total += sum(1 for _ in pattern.finditer(key))
    return total


def timed(fn, *args, repeat: int) -> tuple[float, int]:
    times, result = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    matcher = entities.matcher()
    build = time.perf_counter() - start
    start = time.perf_counter()
    pattern = baseline_regex()
    pattern.search("warm up")
    build_re = time.perf_counter() - start
    print(f"registry: {len(matcher.ids)} entities, {len(matcher.aliases)} aliases, "
          f"{len(matcher.automaton)} automaton patterns (built in {build:.2f} s); "
          f"baseline regex built in {build_re:.2f} s")
    ratios = []
    for name, texts in zip(("dense (seeds)", "sparse (eval samples)"), documents(args.docs),
                           strict=True):
        mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
        ours, n_ours = timed(run_ours, texts, repeat=args.repeat)
        base, n_base = timed(run_baseline, texts, pattern, repeat=args.repeat)
        ratios.append(base / ours)
        print(f"{name}: {len(texts)} docs, {mb:.1f} MB")
        print(f"  ours     {len(texts) / ours:10,.0f} docs/s {mb / ours:7.2f} MB/s "
              f"({n_ours} mentions)")
        print(f"  baseline {len(texts) / base:10,.0f} docs/s {mb / base:7.2f} MB/s "
              f"({n_base} matches)")
        print(f"  ours is {base / ours:.1f}x the baseline")
    return 0 if min(ratios) >= 10 else 1


if __name__ == "__main__":
    raise SystemExit(main())
