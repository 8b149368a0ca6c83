"""Write the committed input data for the agreement references (run once; seeds fixed).

    /work/main/.venv/bin/python tests/reference/agreement/make_data.py

The R scripts beside this file read these CSVs; the tests read the same CSVs and the R output.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent


def _likert_groups(rng: np.random.Generator, options: int, items: int, groups: int) -> pd.DataFrame:
    """Groups of raters on an ``options``-point scale, from close agreement to pure noise."""
    rows = []
    for g in range(groups):
        size = int(rng.choice([1, 2, 3, 4, 5, 6, 8, 10, 12, 15]))
        centre = rng.uniform(1, options)
        spread = rng.choice([0.3, 0.6, 1.0, 1.6])
        noise = g % 5 == 4  # every fifth group answers at random: out-of-range rwg
        for _ in range(size):
            if noise:
                vals = rng.integers(1, options + 1, size=items).astype(float)
            else:
                vals = np.clip(np.rint(rng.normal(centre, spread, size=items)), 1, options)
            rows.append([f"g{g:02d}", *vals])
    frame = pd.DataFrame(rows, columns=["grp", *[f"i{j + 1}" for j in range(items)]])
    holes = rng.random(frame.shape[0] * items).reshape(-1, items) < 0.05
    items_cols = frame.columns[1:]
    frame[items_cols] = frame[items_cols].astype(float).mask(holes)
    return frame


def _aggregation(rng: np.random.Generator) -> pd.DataFrame:
    sizes = rng.integers(1, 25, size=40)
    sizes[:3] = 1  # singletons count in the ANOVA df, as in R's aov
    grp = np.repeat([f"s{g:02d}" for g in range(sizes.size)], sizes)
    effect = np.repeat(rng.normal(0, 0.5, size=sizes.size), sizes)
    y = 3.5 + effect + rng.normal(0, 1, size=grp.size)
    noise = rng.normal(0, 1, size=grp.size)
    frame = pd.DataFrame({"grp": grp, "y": y, "noise": noise})
    # Remove group-mean differences from the noise so MSB < MSW: negative ICC(1).
    frame["y_neg"] = noise - frame.groupby("grp")["noise"].transform("mean") + 0.01 * noise
    frame.loc[rng.random(grp.size) < 0.05, "y"] = np.nan
    return frame.drop(columns="noise")


def _raters(rng: np.random.Generator, targets: int, raters: int) -> pd.DataFrame:
    true = rng.normal(0, 1.0, size=(targets, 1))
    bias = rng.normal(0, 0.4, size=(1, raters))
    x = 5 + true + bias + rng.normal(0, 0.7, size=(targets, raters))
    return pd.DataFrame(x, columns=[f"r{j + 1}" for j in range(raters)])


def main() -> None:
    rng = np.random.default_rng(20240611)
    _likert_groups(rng, 5, 4, 40).to_csv(HERE / "rwg5.csv", index=False)
    _likert_groups(rng, 7, 3, 30).to_csv(HERE / "rwg7.csv", index=False)
    _aggregation(rng).to_csv(HERE / "icc_groups.csv", index=False, float_format="%.15g")
    _raters(rng, 200, 5).to_csv(HERE / "sf_sim.csv", index=False, float_format="%.15g")
    # Shrout & Fleiss (1979), Table 2: 6 targets rated by 4 judges.
    table2 = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
    pd.DataFrame(table2, columns=["j1", "j2", "j3", "j4"]).to_csv(
        HERE / "sf_table2.csv", index=False
    )


if __name__ == "__main__":
    main()
