"""Benchmark: importing a long-layout responses CSV (one row per answered item).

Writes people and one wave of a simulated review as CSV files and imports the people.
Then, each in a fresh child process so that peak memory belongs to that step alone:

- baseline: ``pandas.read_csv`` of the long file, whole, all cells as text (parsing only,
  no validation, nothing stored);
- colead: ``colead.ingest.importing.import_file`` of the same file into the review.

The figures are item rows per second, the ratio of the two times, and how much each child's
peak resident set size grew during the step (libraries loaded before it are not counted;
Linux's VmHWM).

    python bench/import_speed.py [--size small|medium|large] [--db URL] [--repeat N]
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

from colead.framework import load_framework
from colead.ingest.importing import import_file
from colead.simulation.review import simulate


def _baseline(path: Path) -> float:
    started = time.perf_counter()
    pd.read_csv(path, dtype=str, keep_default_na=False)
    return time.perf_counter() - started


def _colead(url: str, path: Path, review: str) -> float:
    started = time.perf_counter()
    outcome = import_file(url, "responses", path, review=review)
    seconds = time.perf_counter() - started
    if outcome.rejected or not outcome.imported:
        raise SystemExit(f"unexpected outcome: {outcome}")
    return seconds


def _peak_mb() -> float:
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec, so a child started by the
    # simulating parent would report the parent's peak.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(queue: multiprocessing.Queue[tuple[float, float]], job: str, args: tuple) -> None:  # type: ignore[type-arg]
    # Libraries are loaded already; what the job adds to the peak is its own.
    at_start = _peak_mb()
    seconds = _baseline(*args) if job == "baseline" else _colead(*args)
    queue.put((seconds, _peak_mb() - at_start))


def _run(job: str, *args: object) -> tuple[float, float]:
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[tuple[float, float]] = context.Queue()
    process = context.Process(target=_child, args=(queue, job, args))
    process.start()
    result = queue.get()
    process.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="medium")
    parser.add_argument("--db", default=None, help="scratch database URL (default: SQLite)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    framework = load_framework()
    simulated = simulate(framework, args.size, seed=1)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        url = args.db or f"sqlite:///{tmp / 'bench.db'}"
        simulated.people.to_csv(tmp / "people.csv", index=False)
        wide = simulated.waves[0].to_wide(framework)
        ids = ["wave", "ratee_id", "rater_id", "relation"]
        long = wide.drop(columns=["comment_strengths", "comment_suggestions"]).melt(
            id_vars=ids, var_name="item_id", value_name="value"
        )
        long = long.dropna(subset=["value"])
        path = tmp / "long.csv"
        long.to_csv(path, index=False)
        rows, megabytes = len(long), path.stat().st_size / 2**20
        del simulated, wide, long
        baseline, colead = [], []
        for run in range(args.repeat):
            review = f"Bench {run}"  # a new review each time: every run inserts every form
            import_file(url, "people", tmp / "people.csv", review=review)
            baseline.append(_run("baseline", path))
            colead.append(_run("colead", url, path, review))
    base_s = statistics.median(s for s, _ in baseline)
    colead_s = statistics.median(s for s, _ in colead)
    print(f"database {url.split(':')[0]}, size {args.size}: {rows:,} item rows, {megabytes:.0f} MB")
    print(
        f"pandas.read_csv (baseline): {base_s:.2f} s, {rows / base_s:,.0f} rows/s, "
        f"peak RSS +{max(m for _, m in baseline):.0f} MB"
    )
    print(
        f"colead import:              {colead_s:.2f} s, {rows / colead_s:,.0f} rows/s, "
        f"peak RSS +{max(m for _, m in colead):.0f} MB"
    )
    print(f"import / parse-only time: {colead_s / base_s:.2f}x (median of {args.repeat})")


if __name__ == "__main__":
    main()
