"""Benchmarks: percentile ranks against norms, and norms built from data.

References are in ``tests/reference/benchmark`` (``benchmark.R``, run on R 4.2): the
interpolation is R ``approx(value, percentile, xout, ties = mean, rule = 2)``, the normal
method ``100 * pnorm(score, mean, sd)``, norms ``quantile(x, type = 7)``, ``mean``, ``sd``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from colead.analysis.benchmark import (
    PERCENTILE_POINTS,
    Norm,
    band,
    build_norms,
    percentile_rank,
    percentile_ranks,
    percentiles,
)

REF = Path(__file__).resolve().parent.parent / "reference" / "benchmark"


def _reference_norms() -> dict[str, Norm]:
    points = pd.read_csv(REF / "norm_points.csv")
    norms = {}
    for norm_id, block in points.groupby("norm_id"):
        norms[str(norm_id)] = Norm(
            scale_id=str(norm_id),
            n=500,
            mean=float(block["mean"].iloc[0]),
            sd=float(block["sd"].iloc[0]),
            percentiles={
                int(p): float(v) for p, v in zip(block["percentile"], block["value"], strict=True)
            },
        )
    return norms


def test_interpolation_matches_r_approx_and_the_scaled_normal_tail() -> None:
    """R: ``approx(value, percentile, xout = score, ties = mean)`` inside the points; the
    scaled normal tail from ``pnorm`` outside; ``rule = 2`` clamping without an sd."""
    norms = _reference_norms()
    scores = pd.read_csv(REF / "rank_scores.csv")
    ref = pd.read_csv(REF / "ranks.out.csv").sort_values("row")
    assert len(ref) == len(scores)
    got, expected = [], []
    for (norm_id, score), (_, r) in zip(
        scores.itertuples(index=False), ref.iterrows(), strict=True
    ):
        assert r["norm_id"] == norm_id
        result = percentile_rank(score, norms[norm_id])
        assert result.method == "interpolated"
        values = norms[norm_id].percentiles.values()
        clamped = norm_id == "nosd" and not min(values) <= score <= max(values)
        assert (result.reason is not None) == clamped, (norm_id, score, result.reason)
        if clamped:
            assert "clamped" in str(result.reason)
        want = r["approx"] if np.isnan(r["tail"]) else r["tail"]
        got.append(result.percentile)
        expected.append(want)
    # 15 significant digits printed by R: agreement to 1e-10 relative is a closed form match.
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_normal_method_matches_r_pnorm() -> None:
    """R: ``100 * pnorm(score, mean, sd)`` when the norm has no percentile points."""
    points = _reference_norms()
    scores = pd.read_csv(REF / "rank_scores.csv")
    ref = pd.read_csv(REF / "ranks.out.csv").sort_values("row")
    for norm_id in ("strict", "tied"):
        base = points[norm_id]
        norm = Norm(norm_id, base.n, base.mean, base.sd, {})
        mask = (scores["norm_id"] == norm_id).to_numpy()
        got = [percentile_rank(s, norm).percentile for s in scores["score"][mask]]
        assert {percentile_rank(s, norm).method for s in scores["score"][mask]} == {"normal"}
        np.testing.assert_allclose(got, ref["normal"][mask], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("z", "phi"),
    # Abramowitz & Stegun (1964), Handbook of Mathematical Functions, Table 26.1.
    [(0.0, 0.5), (1.0, 0.8413447461), (1.96, 0.9750021048), (-2.0, 1 - 0.9772498681)],
)
def test_normal_method_against_published_normal_table(z: float, phi: float) -> None:
    result = percentile_rank(50.0 + 10.0 * z, Norm("t", 1000, 50.0, 10.0, {}))
    assert result.percentile == pytest.approx(100 * phi, abs=1e-8)


def test_build_norms_matches_r_quantile_type_7_and_sd() -> None:
    """R: ``quantile(x, probs, type = 7)``, ``mean(x)``, ``sd(x)`` with NA removed."""
    scores = pd.read_csv(REF / "norm_scores.csv").set_index("id")
    ref = pd.read_csv(REF / "norms.out.csv").set_index("scale")
    norms, reasons = build_norms(scores, min_n=30, source="sim", synthetic=True)
    assert sorted(norms) == ["A", "B", "C"]
    assert set(reasons) == {"D", "E"}
    assert "only 20 people" in reasons["D"]
    assert "equal" in reasons["E"]
    for scale_id, norm in norms.items():
        row = ref.loc[scale_id]
        assert norm.n == row["n"]
        assert norm.source == "sim" and norm.synthetic
        assert norm.mean == pytest.approx(row["mean"], rel=1e-12)
        assert norm.sd == pytest.approx(row["sd"], rel=1e-12)
        got = [norm.percentiles[p] for p in PERCENTILE_POINTS]
        want = [row[f"p{p}"] for p in PERCENTILE_POINTS]
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_type_7_quantile_by_hand() -> None:
    # Hyndman & Fan (1996) definition 7: x[h] with h = (n - 1) p + 1, linear between
    # order statistics; for 1..10, the 25th percentile is 1 + 9 * 0.25 = 3.25.
    norms, _ = build_norms(pd.DataFrame({"s": np.arange(1.0, 11.0)}), min_n=10)
    assert norms["s"].percentiles[25] == pytest.approx(3.25)
    assert norms["s"].percentiles[95] == pytest.approx(1 + 9 * 0.95)
    assert norms["s"].sd == pytest.approx(math.sqrt(55 / 6))


@pytest.mark.parametrize(
    ("p", "expected"),
    [
        (0.0, "low"),
        (29.99, "low"),
        (30.0, "middle"),
        (50.0, "middle"),
        (70.0, "middle"),
        (70.01, "high"),
        (100.0, "high"),
        (float("nan"), "unknown"),
    ],
)
def test_bands_follow_design(p: float, expected: str) -> None:
    assert band(p) == expected


def test_tails_are_continuous_and_monotone() -> None:
    norm = _reference_norms()["strict"]
    lo, hi = min(norm.percentiles.values()), max(norm.percentiles.values())
    for edge, pct in ((lo, 5.0), (hi, 95.0)):
        for step in (-1e-9, 1e-9):
            assert percentile_rank(edge + step, norm).percentile == pytest.approx(pct, abs=1e-6)
    xs = np.linspace(-10, 20, 301)
    values = [percentile_rank(x, norm).percentile for x in xs]
    assert np.all(np.diff(values) >= 0)
    assert min(values) >= 0 and max(values) <= 100
    # far tails stay finite where the plain normal ratio would underflow to 0/0
    assert percentile_rank(-60.0, norm).percentile == pytest.approx(0.0, abs=1e-12)
    assert percentile_rank(80.0, norm).percentile == pytest.approx(100.0, abs=1e-12)


def test_tied_points_take_the_mean_percentile() -> None:
    norm = Norm("t", 100, float("nan"), float("nan"), {25: 3.0, 50: 3.0, 75: 4.0})
    assert percentile_rank(3.0, norm).percentile == pytest.approx(37.5)
    assert percentile_rank(3.5, norm).percentile == pytest.approx((37.5 + 75) / 2)


def test_degenerate_inputs_give_nan_with_a_reason() -> None:
    with_points = Norm("s", 100, 3.0, 0.5, {5: 2.0, 50: 3.0, 95: 4.0})
    missing = percentile_rank(float("nan"), with_points)
    assert math.isnan(missing.percentile) and missing.band == "unknown"
    assert missing.reason == "score is missing"

    flat = percentile_rank(3.0, Norm("s", 100, 3.0, 0.0, {}))
    assert math.isnan(flat.percentile) and "sd = 0" in str(flat.reason)
    assert flat.method == "normal" and flat.band == "unknown"

    no_mean = percentile_rank(3.0, Norm("s", 0, float("nan"), float("nan"), {}))
    assert math.isnan(no_mean.percentile) and no_mean.reason is not None

    broken = percentile_rank(3.0, Norm("s", 100, 3.0, 0.5, {5: 4.0, 95: 2.0}))
    assert math.isnan(broken.percentile) and "not increasing" in str(broken.reason)

    # sd 0 with points: tails cannot use the normal curve, so they clamp and say so
    clamped = percentile_rank(9.0, Norm("s", 100, 3.0, 0.0, {5: 2.0, 95: 4.0}))
    assert clamped.percentile == 95.0 and "clamped" in str(clamped.reason)


def test_percentile_ranks_long_table() -> None:
    scores = pd.DataFrame(
        {"lead": [2.0, 3.0, np.nan], "trust": [4.0, 1.0, 3.0], "other": [1.0, 2.0, 3.0]},
        index=pd.Index(["a", "b", "c"], name="person"),
    )
    norms = {
        "lead": Norm("lead", 100, 3.0, 1.0, {}),
        "trust": Norm("trust", 100, 3.0, 1.0, {5: 1.5, 50: 3.0, 95: 4.5}),
    }
    table = percentile_ranks(scores, norms)
    assert list(table.columns) == [
        "id",
        "scale_id",
        "score",
        "percentile",
        "band",
        "method",
        "reason",
    ]
    assert list(table["id"]) == ["a"] * 3 + ["b"] * 3 + ["c"] * 3
    assert list(table["scale_id"]) == ["lead", "trust", "other"] * 3
    row = table[(table["id"] == "a") & (table["scale_id"] == "trust")].iloc[0]
    assert row["percentile"] == pytest.approx(50 + 45 / 1.5) and row["band"] == "high"
    assert row["method"] == "interpolated"
    other = table[table["scale_id"] == "other"]
    assert other["percentile"].isna().all() and (other["method"] == "none").all()
    assert other["reason"].str.contains("no norm").all()
    nan_row = table[(table["id"] == "c") & (table["scale_id"] == "lead")].iloc[0]
    assert nan_row["reason"] == "score is missing" and nan_row["band"] == "unknown"
    assert percentile_ranks(scores.iloc[:, :0], norms).empty


def test_misuse_raises() -> None:
    with pytest.raises(ValueError, match="min_n"):
        build_norms(pd.DataFrame({"s": [1.0, 2.0]}), min_n=1)
    with pytest.raises(ValueError, match=r"\(0, 100\)"):
        percentile_rank(1.0, Norm("s", 10, 1.0, 1.0, {0: 1.0, 50: 2.0}))
    with pytest.raises(ValueError, match="low"):
        band(50.0, low=80.0, high=20.0)


def test_many_percentiles_at_once_equal_one_at_a_time() -> None:
    # the one-at-a-time form is checked against R's approx() above; the vectorised form
    # must give the very same numbers, tails and missing scores included
    for norm in _reference_norms().values():
        scores = np.array([0.5, norm.mean - 4 * norm.sd, norm.mean, norm.mean + 0.37, 9.0, np.nan])
        expected = [percentile_rank(float(v), norm).percentile for v in scores]
        np.testing.assert_allclose(percentiles(scores, norm), expected, rtol=0, atol=1e-12)
