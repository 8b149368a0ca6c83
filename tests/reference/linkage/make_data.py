"""Write the input CSVs that linkage.R reads (run once; the outputs are committed).

cd tests/reference/linkage && ../../../.venv/bin/python make_data.py && Rscript linkage.R
"""

from __future__ import annotations

import numpy as np
import pandas as pd

rng = np.random.default_rng(20240612)

# Site-level pairs: (name, n, true correlation, rounding step for ties or 0 for none)
specs = [
    ("n5", 5, 0.6, 0.0),
    ("n7_neg", 7, -0.5, 0.0),
    ("n9", 9, 0.4, 0.0),
    ("n10", 10, 0.5, 0.0),
    ("n12_neg", 12, -0.6, 0.0),
    ("n15", 15, 0.3, 0.0),
    ("n30", 30, 0.35, 0.0),
    ("n40_null", 40, 0.0, 0.0),
    ("n8_ties", 8, 0.5, 0.5),
    ("n25_ties", 25, 0.4, 0.5),
    ("n60", 60, 0.25, 0.0),
]
rows = []
for name, n, rho, step in specs:
    z = rng.multivariate_normal([0.0, 0.0], [[1.0, rho], [rho, 1.0]], size=n)
    x = 3.5 + 0.5 * z[:, 0]
    y = 80 + 6.0 * z[:, 1]
    if step:
        x = np.round(x / step) * step
        y = np.round(y / (10 * step)) * (10 * step)
    rows += [{"dataset": name, "x": a, "y": b} for a, b in zip(x, y, strict=True)]
# Hollander & Wolfe (1973), Nonparametric Statistical Methods, p. 187: the example data of
# R's ?cor.test (x: measure of one type, y: the other, for 9 patients).
hw_x = [44.4, 45.9, 41.9, 53.3, 44.7, 44.1, 50.7, 45.2, 60.1]
hw_y = [2.6, 3.1, 2.5, 5.0, 3.6, 4.0, 5.2, 2.8, 3.8]
rows += [{"dataset": "hollander_wolfe", "x": a, "y": b} for a, b in zip(hw_x, hw_y, strict=True)]
pd.DataFrame(rows).to_csv("correlation_input.csv", index=False, float_format="%.17g")


def panel(
    name: str, n_sites: int, n_periods: int, tau: float, sigma: float, slope: float, drop: float
) -> pd.DataFrame:
    site_x = rng.normal(3.5, 0.4, n_sites)
    u = rng.normal(0.0, tau, n_sites)
    out = []
    for j in range(n_sites):
        for t in range(n_periods):
            x = site_x[j] + rng.normal(0.0, 0.3)
            y = 50 + slope * x + u[j] + rng.normal(0.0, sigma)
            out.append(
                {
                    "dataset": name,
                    "site": f"s{j:02d}",
                    "period": f"2024-Q{t + 1}",
                    "leadership": x,
                    "value": y,
                }
            )
    frame = pd.DataFrame(out)
    frame = frame[rng.random(len(frame)) >= drop].reset_index(drop=True)
    return frame


clear = panel("clear", 15, 4, 1.0, 0.8, 2.0, 0.1)
clear.loc[[3, 17], "value"] = np.nan  # missing KPI values
clear.loc[[25], "leadership"] = np.nan
pd.concat(
    [
        clear,
        panel("no_site_effect", 12, 3, 0.0, 1.0, 1.5, 0.0),
        panel("few_sites", 5, 6, 0.7, 0.5, -1.0, 0.0),
    ],
    ignore_index=True,
).to_csv("mixed_input.csv", index=False, float_format="%.17g")
