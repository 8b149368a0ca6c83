"""Benchmark: the analysis engine on simulated reviews, medium against large.

Times ``analyse_wave`` on the follow-up wave and the programme evaluation across both
waves, in one process, without a database (loading is measured by bench/wave_load.py).
The figure to quote is large/medium scaling and the large wall time; peak memory is the
process's maximum resident set size.

    python bench/analyse_speed.py [--sizes medium,large] [--repeat 3]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

from colead.analysis import analyse_wave, evaluate_programme
from colead.analysis.measurement import composite_alpha
from colead.framework import load_framework
from colead.pipeline import simulated_wave_data
from colead.simulate import simulate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="medium,large")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    framework = load_framework()
    passion = framework.family("leadership").scale_ids
    timings: dict[str, float] = {}
    for size in args.sizes.split(","):
        simulated = simulate(framework, size=size, seed=1)
        before = simulated_wave_data(simulated, 0, framework)
        after = simulated_wave_data(simulated, 1, framework)
        runs = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            pre = analyse_wave(before, 3, kpis=simulated.kpis)
            post = analyse_wave(after, 3, kpis=simulated.kpis)
            evaluate_programme(
                pre.person_scores.observer_means,
                post.person_scores.observer_means,
                baseline_wave=before.wave,
                follow_up_wave=after.wave,
                people=simulated.people,
                enrolments=simulated.enrolments,
                composite_scales=passion,
                reliability=composite_alpha(
                    before.values, before.responses["relation"], framework, passion
                ),
                kpis=simulated.kpis,
            )
            runs.append(time.perf_counter() - started)
        timings[size] = statistics.median(runs)
        values = before.values.size + after.values.size
        print(
            f"{size:7s} {len(simulated.people):6d} people, {values / 1e6:5.1f} M item values: "
            f"two waves + evaluation {timings[size]:.2f} s (median of {args.repeat})"
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak_mb:.0f} MB")
    if "medium" in timings and "large" in timings:
        print(f"large / medium time ratio {timings['large'] / timings['medium']:.1f}x")


if __name__ == "__main__":
    main()
