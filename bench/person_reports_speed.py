"""Benchmark: individual 360 reports, 1,000 pages of a medium review.

Stores a simulated medium review (3,000 people) in SQLite, then times in one process
``write_person_reports`` for the first 1,000 rated people: once with one worker (the
baseline) and once with the default pool (one thread per CPU). Each run loads and analyses
the wave, then renders and writes every page; the figure to quote is the default run's
wall time (target: at most 60 s for 1,000 pages) and its ratio to the one-worker run.

    python bench/person_reports_speed.py [--size medium] [--people 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from colead.framework import load_framework
from colead.jobs.demo import store_simulation
from colead.jobs.person_reports import write_person_reports
from colead.simulation.review import simulate
from colead.store import init_database, open_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="medium")
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    framework = load_framework()
    simulated = simulate(framework, size=args.size, seed=1)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        url = f"sqlite:///{tmp / 'bench.db'}"
        init_database(url)
        engine = open_database(url)
        try:
            stored = store_simulation(engine, simulated, framework)
        finally:
            engine.dispose()
        people = sorted(simulated.people["person_id"].astype(str))[: args.people]
        timings: dict[str, list[float]] = {"1 worker": [], "default pool": []}
        for run in range(args.repeat):
            for label, jobs in (("1 worker", 1), ("default pool", None)):
                out = tmp / f"{label.replace(' ', '-')}-{run}"
                started = time.perf_counter()
                pages = write_person_reports(
                    url, stored.review, None, out, people=people, minimum=3, jobs=jobs
                )
                timings[label].append(time.perf_counter() - started)
                assert len(pages) == len(people)
        size_kb = sum(p.stat().st_size for p in pages) / len(pages) / 1024
    serial = statistics.median(timings["1 worker"])
    pooled = statistics.median(timings["default pool"])
    print(f"{len(people):,} individual reports of a {args.size} review ({os.cpu_count()} CPUs)")
    for label, values in timings.items():
        shown = ", ".join(f"{v:.1f}" for v in values)
        print(f"  {label}: median {statistics.median(values):.1f} s ({shown})")
    print(f"  default pool / 1 worker: {pooled / serial:.2f}x; mean page {size_kb:.0f} kB")
    print(f"  {len(people) / pooled:.0f} pages per second with the default pool")


if __name__ == "__main__":
    main()
