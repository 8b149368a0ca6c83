"""Benchmark: the disclosure decision and the release check, against the analysis they serve.

In one process, on one simulated wave (no database):

* the baseline: ``analyse_wave``, the whole analysis of the wave;
* ``decide_disclosure``: the grouping of every form and its published cells (the analysis
  runs it once; the individual reports and the raw rows run it again);
* the release check of a re-close in its worst case: every rated person has one late form,
  so ``changes_safe_to_release`` runs for every person.

Quote the ratios to the baseline; absolute times depend on the machine.

    python bench/disclosure_speed.py [--size large] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from colead.analysis.disclosure import changes_safe_to_release, decide_disclosure
from colead.analysis.review import analyse_wave, person_scale_ids
from colead.analysis.scoring import scale_index, score_forms
from colead.framework import load_framework
from colead.simulation.review import simulate
from colead.simulation.wave_data import simulated_wave_data

MINIMUM = 3


def median_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="large")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    framework = load_framework()
    data = simulated_wave_data(simulate(framework, size=args.size, seed=1), 0, framework)
    item_scale, scale_ids = scale_index(framework)
    scores, _ = score_forms(
        data.values, item_scale, len(scale_ids), framework.min_answered_fraction
    )
    scores = scores[:, [scale_ids.index(s) for s in person_scale_ids(framework)]]

    baseline = median_of(args.repeat, lambda: analyse_wave(data, MINIMUM))
    deciding = median_of(args.repeat, lambda: decide_disclosure(data.responses, scores, MINIMUM))

    relations = data.responses["relation"].astype(str).to_numpy()
    by_person = data.responses.groupby("ratee_id", sort=False).indices

    def every_person_one_late_form() -> int:
        safe = 0
        for rows in by_person.values():
            released = np.ones(len(rows), dtype=bool)
            released[-1] = False
            safe += changes_safe_to_release(
                relations[rows].tolist(), scores[rows], released, MINIMUM
            )
        return safe

    checking = median_of(args.repeat, every_person_one_late_form)
    forms = len(data.responses)
    print(f"{args.size}: {len(by_person):,} people rated, {forms:,} forms")
    print(f"baseline: analyse_wave              {baseline * 1000:8.0f} ms")
    print(
        f"decide_disclosure                   {deciding * 1000:8.0f} ms  {deciding / baseline:.3f}x"
    )
    print(
        f"release check, one late form each   {checking * 1000:8.0f} ms  {checking / baseline:.2f}x"
    )


if __name__ == "__main__":
    main()
