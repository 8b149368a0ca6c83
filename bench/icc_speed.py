"""Benchmark: Shrout & Fleiss ICCs, colead vs pingouin, on one 20,000 targets × 5 raters table.

Both run in the same process on the same data, so the figure to quote is the ratio
(pingouin time / colead time), not an absolute time. pingouin takes a long table (one row per
target and rater); colead's ``shrout_fleiss`` takes the targets × raters matrix, and
``shrout_fleiss_long`` the same long table as pingouin (timed too, for a like-for-like
figure). The six ICCs, F values and 95% bounds must agree before any time is printed.

pingouin is not a colead dependency (it is the ``bench`` extra); run from a separate venv:

    python3 -m venv /tmp/pgvenv
    /tmp/pgvenv/bin/pip install pingouin numpy pandas scipy statsmodels pydantic \\
        pydantic-settings pyyaml
    PYTHONPATH=src /tmp/pgvenv/bin/python bench/icc_speed.py [--targets 20000] [--raters 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pingouin as pg

from colead.analysis.agreement import ShroutFleiss, shrout_fleiss, shrout_fleiss_long

# pingouin >= 0.5.x names the forms ICC1 ... ICC3k like psych; 0.6+ uses McGraw & Wong
# style labels. Both map onto Shrout & Fleiss (1979): 1 = one-way random, A = two-way
# random absolute agreement (S&F case 2), C = two-way mixed consistency (S&F case 3).
PINGOUIN_LABELS = {
    "ICC1": "ICC1",
    "ICC2": "ICC2",
    "ICC3": "ICC3",
    "ICC1k": "ICC1k",
    "ICC2k": "ICC2k",
    "ICC3k": "ICC3k",
    "ICC(1,1)": "ICC1",
    "ICC(A,1)": "ICC2",
    "ICC(C,1)": "ICC3",
    "ICC(1,k)": "ICC1k",
    "ICC(A,k)": "ICC2k",
    "ICC(C,k)": "ICC3k",
}


def make_data(targets: int, raters: int, seed: int = 2024) -> np.ndarray:
    rng = np.random.default_rng(seed)
    true = rng.normal(0.0, 1.0, size=(targets, 1))
    bias = rng.normal(0.0, 0.3, size=(1, raters))
    return 4.0 + true + bias + rng.normal(0.0, 0.8, size=(targets, raters))


def to_long(matrix: np.ndarray) -> pd.DataFrame:
    targets, raters = matrix.shape
    return pd.DataFrame(
        {
            "target": np.repeat(np.arange(targets), raters),
            "rater": np.tile([f"r{j}" for j in range(raters)], targets),
            "score": matrix.ravel(),
        }
    )


def median_time(func: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def check_agreement(ours: ShroutFleiss, theirs: pd.DataFrame, tol: float = 1e-9) -> float:
    """Largest absolute difference over ICC, F and both bounds; raise if above ``tol``."""
    worst = 0.0
    for row in theirs.itertuples(index=False):
        key = PINGOUIN_LABELS[str(row.Type)]
        form = ours.forms[key]
        low, up = (float(v) for v in row.CI95)
        pairs = [(form.value, row.ICC), (form.F, row.F), (form.ci95[0], low), (form.ci95[1], up)]
        for a, b in pairs:
            worst = max(worst, abs(float(a) - float(b)) / max(1.0, abs(float(b))))
    if worst > tol:
        raise SystemExit(f"colead and pingouin disagree: max relative difference {worst:.3g}")
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--targets", type=int, default=20_000)
    parser.add_argument("--raters", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    # pingouin rounds CI95 to 2 decimals by default; compare at full precision.
    pg.options["round.column.CI95"] = None
    matrix = make_data(args.targets, args.raters)
    long = to_long(matrix)

    def run_pingouin() -> pd.DataFrame:
        return pg.intraclass_corr(data=long, targets="target", raters="rater", ratings="score")

    def run_long() -> ShroutFleiss:
        return shrout_fleiss_long(long, target="target", rater="rater", score="score")

    shrout_fleiss(matrix)  # first call loads scipy's distribution machinery
    t_ours, ours = median_time(lambda: shrout_fleiss(matrix), args.repeat)
    t_long, ours_long = median_time(run_long, args.repeat)
    t_pg, theirs = median_time(run_pingouin, args.repeat)

    worst = check_agreement(ours, theirs)
    check_agreement(ours_long, theirs)
    print(f"data: {args.targets} targets x {args.raters} raters, median of {args.repeat} runs")
    print(f"pingouin {pg.__version__} intraclass_corr (long): {t_pg * 1000:9.1f} ms")
    print(f"colead shrout_fleiss (matrix):          {t_ours * 1000:9.1f} ms")
    print(f"colead shrout_fleiss_long (long):       {t_long * 1000:9.1f} ms")
    print(f"ratio pingouin / shrout_fleiss:      {t_pg / t_ours:7.1f}x")
    print(f"ratio pingouin / shrout_fleiss_long: {t_pg / t_long:7.1f}x")
    print(f"six ICCs, F and 95% bounds agree: max relative difference {worst:.2g}")
    for key, form in ours.forms.items():
        low, up = form.ci95
        print(f"  {key:6s} {form.value:.6f}  [{low:.6f}, {up:.6f}]  F={form.F:.4f}")


if __name__ == "__main__":
    main()
