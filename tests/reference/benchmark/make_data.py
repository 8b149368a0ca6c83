"""Write the input CSVs that benchmark.R reads (run once; the outputs are committed).

cd tests/reference/benchmark && ../../../.venv/bin/python make_data.py && Rscript benchmark.R
"""

from __future__ import annotations

import numpy as np
import pandas as pd

rng = np.random.default_rng(20240611)
n = 200
scores = pd.DataFrame(
    {
        "id": [f"p{k:03d}" for k in range(n)],
        # continuous, no ties
        "A": rng.normal(3.5, 0.6, n),
        # half-point scale: many tied values
        "B": np.round(rng.normal(3.2, 0.8, n) * 2) / 2,
        # a quarter unscored
        "C": np.where(rng.random(n) < 0.25, np.nan, rng.gamma(4.0, 0.5, n)),
        # only 20 scored: below min_n = 30
        "D": np.where(np.arange(n) < 20, rng.normal(4.0, 0.5, n), np.nan),
        # no spread
        "E": np.full(n, 4.0),
    }
)
scores.to_csv("norm_scores.csv", index=False, float_format="%.17g")

points = [5, 10, 25, 50, 75, 90, 95]
norms = {
    # strictly increasing points with a usable mean/sd
    "strict": ([2.6, 2.85, 3.2, 3.55, 3.9, 4.2, 4.4], 3.52, 0.55),
    # tied points (25th = 50th, 90th = 95th) with mean/sd
    "tied": ([2.0, 2.5, 3.0, 3.0, 3.5, 4.0, 4.0], 3.0, 0.6),
    # no mean/sd: outside the points the percentile is clamped
    "nosd": ([1.8, 2.1, 2.7, 3.1, 3.6, 4.1, 4.3], float("nan"), float("nan")),
}
rows = [
    {"norm_id": k, "percentile": p, "value": v, "mean": m, "sd": s}
    for k, (values, m, s) in norms.items()
    for p, v in zip(points, values, strict=True)
]
pd.DataFrame(rows).to_csv("norm_points.csv", index=False, float_format="%.17g")

grid = []
for k, (values, _, _) in norms.items():
    lo, hi = min(values), max(values)
    xs = np.concatenate(
        [
            np.linspace(lo - 1.5, hi + 1.5, 41),
            values,
            rng.uniform(lo, hi, 15),
        ]
    )
    grid += [{"norm_id": k, "score": float(x)} for x in xs]
pd.DataFrame(grid).to_csv("rank_scores.csv", index=False, float_format="%.17g")
