"""Generate the simulated inputs read by alpha.R, omega.R and test_psychometrics.py.

Run once from the repository root (``.venv/bin/python tests/reference/psychometrics/
make_inputs.py``); the CSVs are committed, so neither R nor the tests re-run this.
``bfi_agreeableness.csv`` is not made here: alpha.R exports it from ``psych::bfi``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent


def _likert(latent: np.ndarray, loadings: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    noise = rng.normal(size=(latent.size, loadings.size))
    cont = 3.0 + latent[:, None] * loadings + noise * np.sqrt(1.0 - loadings**2)
    return np.clip(np.rint(cont), 1, 5)


def main() -> None:
    rng = np.random.default_rng(2024)
    # sim6: 6-item Likert scale, 300 respondents, 10 % of answers missing at random; row 0
    # is blanked entirely and row 1 keeps one answer, so the "rows with >= 2 answers" n
    # differs from the row count psych::alpha uses.
    x = _likert(rng.normal(size=300), np.array([0.8, 0.75, 0.7, 0.6, 0.55, 0.5]), rng)
    x[rng.random(x.shape) < 0.10] = np.nan
    x[0, :] = np.nan
    x[1, 1:] = np.nan
    pd.DataFrame(x, columns=[f"q{j + 1}" for j in range(6)]).to_csv(
        HERE / "sim6.csv", index=False, na_rep="NA"
    )

    # constant: 4 informative items and one answered "4" by everyone.
    rng = np.random.default_rng(7)
    c = _likert(rng.normal(size=60), np.array([0.7, 0.7, 0.6, 0.5]), rng)
    c = np.column_stack([c[:, :2], np.full(60, 4.0), c[:, 2:]])
    pd.DataFrame(c, columns=["c1", "c2", "const", "c3", "c4"]).to_csv(
        HERE / "constant.csv", index=False, na_rep="NA"
    )

    # omega4: continuous one-factor data, standardized loadings .8 .7 .6 .5, n = 400.
    rng = np.random.default_rng(44)
    lam = np.array([0.8, 0.7, 0.6, 0.5])
    f = rng.normal(size=400)
    o = f[:, None] * lam + rng.normal(size=(400, 4)) * np.sqrt(1 - lam**2)
    pd.DataFrame(o, columns=["o1", "o2", "o3", "o4"]).to_csv(HERE / "omega4.csv", index=False)

    # heywood3: three items with r12 = r13 = .85, r23 = .60, so the one-factor solution
    # wants lambda1^2 = .85 * .85 / .60 > 1 (a Heywood case).
    rng = np.random.default_rng(3)
    corr = np.array([[1.0, 0.85, 0.85], [0.85, 1.0, 0.6], [0.85, 0.6, 1.0]])
    h = rng.multivariate_normal(np.zeros(3), corr, size=500)
    pd.DataFrame(h, columns=["h1", "h2", "h3"]).to_csv(HERE / "heywood3.csv", index=False)


if __name__ == "__main__":
    main()
