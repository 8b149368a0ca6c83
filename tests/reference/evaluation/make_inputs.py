"""Generate the committed inputs of the evaluation R references (run once; fixed seeds).

.venv/bin/python tests/reference/evaluation/make_inputs.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent


def paired() -> pd.DataFrame:
    rng = np.random.default_rng(20130863)
    # Lakens (2013), Table 1: movie ratings of 10 people; "pre" = movie 2, "post" = movie 1.
    sets = [("lakens", [9, 6, 7, 8, 7, 9, 8, 8, 8, 7], [9, 7, 8, 9, 8, 9, 9, 10, 9, 9])]
    for name, n, effect, corr in [
        ("n25", 25, 0.3, 0.6),
        ("n300", 300, 0.15, 0.8),
        ("negative", 15, -0.8, 0.3),
        ("missing", 40, 0.5, 0.5),
    ]:
        pre = rng.normal(3.2, 0.6, n)
        post = corr * (pre - 3.2) + np.sqrt(1 - corr**2) * rng.normal(0, 0.6, n) + 3.2 + effect
        if name == "missing":
            pre[[3, 17]] = np.nan
            post[[17, 21, 30]] = np.nan
        sets.append((name, list(np.round(pre, 4)), list(np.round(post, 4))))
    return pd.concat(
        [pd.DataFrame({"set": s, "pre": a, "post": b}) for s, a, b in sets], ignore_index=True
    )


def reliable() -> pd.DataFrame:
    rng = np.random.default_rng(1991)
    n = 60
    pre = np.round(rng.normal(3.0, 0.5, n), 3)
    post = np.round(pre + rng.normal(0.2, 0.45, n), 3)
    return pd.DataFrame({"id": [f"P{k:03d}" for k in range(n)], "pre": pre, "post": post})


def did() -> pd.DataFrame:
    rng = np.random.default_rng(44001)
    n_sites, n_people = 8, 240
    site = rng.integers(0, n_sites, n_people)
    treated = rng.random(n_people) < 0.15 + 0.05 * site
    person = rng.normal(0, 0.4, n_people)
    shock = rng.normal(0, 0.15, (n_sites, 2))
    rows = []
    for p in range(n_people):
        for w in (0, 1):
            y = (
                3.2
                + 0.2 * treated[p]
                + person[p]
                + shock[site[p], w]
                + w * (0.05 + 0.3 * treated[p])
            )
            rows.append((f"P{p:03d}", f"S{site[p]}", int(treated[p]), w, y + rng.normal(0, 0.3)))
    frame = pd.DataFrame(rows, columns=["person_id", "site", "treated", "post", "score"])
    drop = rng.choice(len(frame), 25, replace=False)  # some people miss a wave
    frame = frame.drop(index=drop).reset_index(drop=True)
    frame["score"] = frame["score"].round(4)
    return frame


def kpi() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(9)
    sites = [f"Site{k:02d}" for k in range(12)]
    share = np.round(rng.uniform(0.0, 0.45, len(sites)), 3)
    periods = [f"{y}-Q{q}" for y in (2024, 2025) for q in (1, 2, 3, 4)]
    rows = []
    for s, sh in zip(sites, share, strict=True):
        base = rng.normal(90, 2)
        for k, per in enumerate(periods):
            lift = 1.5 * (sh >= 0.2) * (k >= 5)
            rows.append((s, per, "Defects (ppm)", round(base - lift + rng.normal(0, 0.8), 3)))
    values = pd.DataFrame(rows, columns=["site", "period", "kpi", "value"])
    return values, pd.DataFrame({"site": sites, "share": share})


if __name__ == "__main__":
    paired().to_csv(HERE / "paired_input.csv", index=False)
    reliable().to_csv(HERE / "reliable_input.csv", index=False)
    did().to_csv(HERE / "did_input.csv", index=False)
    values, share = kpi()
    values.to_csv(HERE / "kpi_input.csv", index=False)
    share.to_csv(HERE / "kpi_share_input.csv", index=False)
