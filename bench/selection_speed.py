"""Benchmark: ranking people by development need, against analysing the wave it ranks.

The selection ranks every rated person of a wave (``rank_results``); it runs on a wave
that has already been analysed. Both are timed here in the same process on the same
simulated wave, so the figure to quote is the ratio (ranking time / analysis time). The
below-par check needs the percentile of every person's score on every practice: the
ranking computes them per practice for everyone at once (``percentiles``); the one-score-
at-a-time form (``percentile_rank``), which the ranking used before, is timed on the same
scores as a second baseline, and both must give the same percentiles before any time is
printed.

    PYTHONPATH=src python bench/selection_speed.py [--size medium] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from colead.analysis import analyse_wave
from colead.analysis.benchmark import build_norms, percentile_rank, percentiles
from colead.analysis.selection import rank_results
from colead.framework import load_framework
from colead.simulation.review import simulate
from colead.simulation.wave_data import simulated_wave_data


def _median_seconds(job: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        job()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium", choices=("small", "medium", "large"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    framework = load_framework()
    simulated = simulate(framework, size=args.size, seed=7)
    data = simulated_wave_data(simulated, 0, framework)
    results = analyse_wave(data, 3)
    scores = results.person_scores.observer_means
    norms, _ = build_norms(scores, min_n=10)
    practice = next(iter(norms))
    values = scores[practice].to_numpy(dtype=np.float64)
    together = percentiles(values, norms[practice])
    one_by_one = np.array([percentile_rank(float(v), norms[practice]).percentile for v in values])
    np.testing.assert_allclose(together, one_by_one, rtol=0, atol=1e-12)

    analysis = _median_seconds(lambda: analyse_wave(data, 3), args.repeat)
    ranking = _median_seconds(lambda: rank_results(results, simulated.people), args.repeat)
    vector = _median_seconds(lambda: percentiles(values, norms[practice]), args.repeat)
    loop = _median_seconds(
        lambda: [percentile_rank(float(v), norms[practice]) for v in values], args.repeat
    )
    people = len(rank_results(results, simulated.people).people)
    print(f"{args.size}: {people} people ranked, medians of {args.repeat}")
    print(f"analyse_wave            {analysis:8.3f} s")
    print(f"rank_results            {ranking:8.3f} s   ({ranking / analysis:.2f} × the analysis)")
    print(f"percentiles, one call   {vector * 1000:8.2f} ms  ({len(values)} scores of {practice})")
    print(f"percentile_rank, a loop {loop * 1000:8.2f} ms  ({loop / vector:.0f} × the one call)")


if __name__ == "__main__":
    main()
