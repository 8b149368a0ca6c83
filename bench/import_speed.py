"""Benchmark: importing a long-layout responses CSV (one row per answered item).

Writes people and one wave of a simulated review as CSV files, imports the people, then
times ``colead.importing.import_file`` on the long file. The figure is item rows per
second; peak memory is the process's maximum resident set size.

    python bench/import_speed.py [--size small|medium] [--db URL]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from colead.framework import load_framework
from colead.importing import import_file
from colead.simulate import simulate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="medium")
    parser.add_argument("--db", default=None, help="scratch database URL (default: SQLite)")
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
        long.to_csv(tmp / "long.csv", index=False)
        import_file(url, "people", tmp / "people.csv", review="Bench")
        started = time.perf_counter()
        outcome = import_file(url, "responses", tmp / "long.csv", review="Bench")
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"database {url.split(':')[0]}, size {args.size}")
    print(f"{len(long):,} item rows -> {outcome.imported:,} forms in {seconds:.2f} s")
    print(f"{len(long) / seconds:,.0f} item rows per second; peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
