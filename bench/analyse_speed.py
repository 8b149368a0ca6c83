"""Benchmark: the analysis engine on simulated reviews, medium against large.

Times ``analyse_with_baseline`` (what ``colead analyse`` runs after loading: the full
follow-up wave plus the programme evaluation from the baseline), in one process, without a
database (loading is measured by bench/wave_load.py).
The figure to quote is large/medium scaling and the large wall time; peak memory is the
process's maximum resident set size.

    python bench/analyse_speed.py [--sizes medium,large] [--repeat 3]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from datetime import date

from colead.analysis.review import analyse_with_baseline
from colead.framework import load_framework
from colead.simulation.review import simulate
from colead.simulation.wave_data import simulated_wave_data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="medium,large")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    framework = load_framework()
    timings: dict[str, float] = {}
    for size in args.sizes.split(","):
        simulated = simulate(framework, size=size, seed=1)
        before = simulated_wave_data(simulated, 0, framework)
        after = simulated_wave_data(simulated, 1, framework)
        runs = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            analyse_with_baseline(
                after,
                before,
                3,
                enrolments=simulated.enrolments,
                kpis=simulated.kpis,
                programme_start=date.fromisoformat(str(simulated.programme["start"])),
                programme_end=date.fromisoformat(str(simulated.programme["end"])),
            )
            runs.append(time.perf_counter() - started)
        timings[size] = statistics.median(runs)
        values = before.values.size + after.values.size
        print(
            f"{size:7s} {len(simulated.people):6d} people, {values / 1e6:5.1f} M item values: "
            f"analyse with baseline {timings[size]:.2f} s (median of {args.repeat})"
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak_mb:.0f} MB")
    if "medium" in timings and "large" in timings:
        print(f"large / medium time ratio {timings['large'] / timings['medium']:.1f}x")


if __name__ == "__main__":
    main()
