"""Cronbach's alpha and McDonald's omega, checked against R and published values.

R references (R 4.2, psych 2.2.9, lavaan 0.6-14) are produced by
``tests/reference/psychometrics/alpha.R`` and ``omega.R`` from the committed CSV inputs
(``make_inputs.py`` made the simulated ones; ``bfi_agreeableness.csv`` is ``psych::bfi``
items A1–A5). The tests only read the committed ``*.out.json``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from colead.analysis import codes_to_values
from colead.analysis.psychometrics import PSI_LOWER, cronbach_alpha, mcdonald_omega

REF = Path(__file__).resolve().parent.parent / "reference" / "psychometrics"


def _json(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((REF / name).read_text())
    return data


def _bfi_agreeableness() -> pd.DataFrame:
    frame = pd.read_csv(REF / "bfi_agreeableness.csv")
    frame["A1"] = 7 - frame["A1"]  # reverse keyed on the 1..6 scale: psych's keys=c(-1,1,1,1,1)
    return frame


def _input(case: str) -> tuple[pd.DataFrame, str]:
    data, _, missing = case.rpartition("_")
    if missing not in ("pairwise", "listwise"):
        data, missing = case, "pairwise"
    if data == "bfi":
        return _bfi_agreeableness(), missing
    return pd.read_csv(REF / f"{data}.csv"), missing


def _exact_covariance_data(cov: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Data whose sample covariance (ddof=1) is exactly ``cov``, up to rounding."""
    z = np.random.default_rng(seed).normal(size=(n, cov.shape[0]))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False)).T)
    return np.asarray(z @ np.linalg.cholesky(cov).T)


# --------------------------------------------------------------------------- alpha vs R

ALPHA_CASES = ["bfi_pairwise", "bfi_listwise", "sim6_pairwise", "sim6_listwise"]


@pytest.mark.parametrize("case", [*ALPHA_CASES, "constant_pairwise"])
def test_alpha_matches_psych(case: str) -> None:
    """``psych::alpha(x, keys, use = "pairwise")`` and ``psych::alpha(na.omit(x))``.

    raw_alpha, item.stats$r.drop and alpha.drop$raw_alpha are closed forms of the same
    covariance matrix: tolerance 1e-9. The interval is ``psych:::alpha.ci(alpha, n, k)``
    at this module's n (rows with at least two answers).
    """
    expected = _json("alpha.out.json")[case]
    data, missing = _input(case)
    result = cronbach_alpha(data, missing=missing)
    assert result.missing == missing
    assert result.n == expected["n_ge2"]
    assert result.k == expected["k"]
    assert result.alpha == pytest.approx(expected["alpha"], abs=1e-9)
    assert result.ci95[0] == pytest.approx(expected["feldt_lower_n_ge2"], abs=1e-9)
    assert result.ci95[1] == pytest.approx(expected["feldt_upper_n_ge2"], abs=1e-9)
    for item in expected["items"]:
        assert result.item_total[item] == pytest.approx(expected["r_drop"][item], abs=1e-9)
        assert result.alpha_if_deleted[item] == pytest.approx(
            expected["alpha_if_deleted"][item], abs=1e-9
        )


def test_feldt_interval_is_psychs_when_every_row_has_two_answers() -> None:
    """psych's ``feldt`` uses nrow(x); ours uses rows with >= 2 answers.

    In bfi A1–A5 every row has two or more answers, so the printed psych interval is
    reproduced; sim6 has a blank row and a one-answer row (298 of 300 count), so psych's
    interval is slightly narrower there.
    """
    ref = _json("alpha.out.json")
    bfi = cronbach_alpha(_bfi_agreeableness())
    assert ref["bfi_pairwise"]["psych_n"] == bfi.n == 2800
    assert bfi.ci95 == pytest.approx(
        (ref["bfi_pairwise"]["feldt_lower"], ref["bfi_pairwise"]["feldt_upper"]), abs=1e-9
    )
    sim = cronbach_alpha(pd.read_csv(REF / "sim6.csv"))
    assert (sim.n, ref["sim6_pairwise"]["psych_n"]) == (298, 300)
    assert sim.ci95[0] < ref["sim6_pairwise"]["feldt_lower"]
    assert sim.ci95[1] > ref["sim6_pairwise"]["feldt_upper"]


def test_bfi_agreeableness_alpha_is_psychs_printed_value() -> None:
    """Agreeableness (A1 reversed) in psych::bfi: psych prints alpha 0.70 both for
    ``psych::alpha(bfi[1:5], keys = c(-1, 1, 1, 1, 1))`` and for the ``agree`` scale of
    ``scoreItems(bfi.keys, bfi)``; the full-precision check is test_alpha_matches_psych."""
    assert round(cronbach_alpha(_bfi_agreeableness()).alpha, 2) == 0.70


def test_nullable_integer_frames_and_infinite_values() -> None:
    """The canonical wide layout uses pandas ``Int64`` with NA; infinities are misuse."""
    floats = pd.read_csv(REF / "sim6.csv")
    ints = floats.astype("Int64")
    assert cronbach_alpha(ints).alpha == cronbach_alpha(floats).alpha
    with pytest.raises(ValueError, match="infinite"):
        cronbach_alpha(floats.fillna(np.inf))


def test_alpha_reproduces_the_psych_manual_congeneric_example() -> None:
    """psych manual, ``?alpha`` example ``alpha(r4)`` with ``r4 <- sim.congeneric()``
    (loadings .8 .7 .6 .5), printed to two decimals: raw_alpha 0.74; r.drop 0.64 0.57
    0.51 0.43; raw alpha if dropped 0.62 0.66 0.70 0.74. Raw data with that exact
    covariance give the same numbers.
    """
    lam = np.array([0.8, 0.7, 0.6, 0.5])
    r4 = np.outer(lam, lam)
    np.fill_diagonal(r4, 1.0)
    result = cronbach_alpha(_exact_covariance_data(r4, 500, seed=1))
    assert result.alpha == pytest.approx(4 / 3 * (1 - 4 / 9.02), abs=1e-9)
    assert round(result.alpha, 2) == 0.74
    items = [f"item{j}" for j in range(1, 5)]
    assert [round(result.item_total[i], 2) for i in items] == [0.64, 0.57, 0.51, 0.43]
    assert [round(result.alpha_if_deleted[i], 2) for i in items] == [0.62, 0.66, 0.70, 0.74]


# ------------------------------------------------------------------ alpha, own behaviour


def test_constant_item_is_left_out_and_named() -> None:
    """A constant item adds nothing to the total's variance; psych::alpha drops it too."""
    result = cronbach_alpha(pd.read_csv(REF / "constant.csv"))
    assert result.k == 4
    assert math.isnan(result.item_total["const"])
    assert math.isnan(result.alpha_if_deleted["const"])
    assert result.reason is not None and "const" in result.reason
    assert 0.0 < result.alpha < 1.0


def test_pairwise_equals_listwise_without_missing_answers() -> None:
    data = pd.read_csv(REF / "omega4.csv")
    a, b = cronbach_alpha(data), cronbach_alpha(data, missing="listwise")
    assert a.alpha == pytest.approx(b.alpha, abs=1e-12)
    assert a.ci95 == pytest.approx(b.ci95, abs=1e-12)
    assert a.n == b.n == 400


def test_array_input_names_items_and_gives_the_frame_result() -> None:
    frame = pd.read_csv(REF / "sim6.csv")
    from_array = cronbach_alpha(frame.to_numpy())
    from_frame = cronbach_alpha(frame)
    assert list(from_array.item_total) == [f"item{j}" for j in range(1, 7)]
    assert from_array.alpha == from_frame.alpha
    assert list(from_array.item_total.values()) == list(from_frame.item_total.values())


def test_ci_level_is_respected() -> None:
    data = pd.read_csv(REF / "sim6.csv")
    wide = cronbach_alpha(data, ci=0.99).ci95
    narrow = cronbach_alpha(data, ci=0.90).ci95
    assert wide[0] < narrow[0] < narrow[1] < wide[1]


def test_two_items_alpha_has_no_alpha_if_deleted() -> None:
    data = pd.read_csv(REF / "omega4.csv")[["o1", "o2"]]
    result = cronbach_alpha(data)
    r = float(np.corrcoef(data["o1"], data["o2"])[0, 1])
    assert result.item_total["o1"] == pytest.approx(r, abs=1e-12)
    assert all(math.isnan(v) for v in result.alpha_if_deleted.values())
    assert result.reason is None


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (np.ones((10, 1)), "at least 2 items"),
        (np.array([[1.0, 2.0, 3.0]]), "fewer than 2 respondents"),
        (np.full((5, 3), np.nan), "fewer than 2 respondents"),
        (np.tile([[3.0, 3.0, 3.0]], (6, 1)), "no variance"),
        (
            np.array([[1, 3, np.nan], [2, 3, np.nan], [3, 3, np.nan], [np.nan, 3, 4]]),
            "no variance",
        ),
        (
            np.array([[1, np.nan, 2], [2, np.nan, 1], [np.nan, 3, 2], [np.nan, 1, 5.0]]),
            "answered together",
        ),
        (np.column_stack([np.arange(8.0), 7 - np.arange(8.0)]), "total score has no variance"),
    ],
)
def test_alpha_degenerate_input_gives_nan_and_a_reason(data: np.ndarray, words: str) -> None:
    result = cronbach_alpha(data)
    assert math.isnan(result.alpha)
    assert all(math.isnan(v) for v in result.ci95)
    assert result.reason is not None and words in result.reason


def test_listwise_with_no_complete_row() -> None:
    data = np.array([[1, 2, np.nan], [np.nan, 3, 4], [2, np.nan, 5.0]])
    result = cronbach_alpha(data, missing="listwise")
    assert math.isnan(result.alpha) and result.n == 0
    assert result.reason is not None


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: cronbach_alpha(np.ones((4, 3)), missing="mean"), "missing must be"),
        (lambda: cronbach_alpha(np.ones((4, 3)), ci=95), "ci must"),
        (lambda: cronbach_alpha(np.ones(4)), "2-D"),
        (lambda: cronbach_alpha(pd.DataFrame({"a": ["x", "y"], "b": [1, 2]})), "numeric"),
        (lambda: mcdonald_omega(np.ones((4, 3, 2))), "2-D"),
        (lambda: mcdonald_omega(np.ones((4, 3)), missing="all"), "missing must be"),
    ],
)
def test_misuse_raises_value_error(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------- omega vs R

OMEGA_CASES = ["omega4", "sim6_pairwise", "sim6_listwise", "bfi_pairwise"]


@pytest.mark.parametrize("case", OMEGA_CASES)
def test_omega_matches_factanal_and_lavaan(case: str) -> None:
    """``factanal(covmat = R, factors = 1, n.obs = n)`` and ``lavaan::cfa("f =~ ...",
    sample.cov = R, sample.nobs = n, std.lv = TRUE, estimator = "ML")`` standardized
    loadings, R = ``cor(x, use = "pairwise")``.

    Tolerance 1e-5: both R fits stop at their optimisers' default tolerances (factanal's
    L-BFGS-B with factr 1e7, lavaan's nlminb) and differ from each other by up to 1.5e-6;
    this fit is converged much more tightly.
    """
    expected = _json("omega.out.json")[case]
    data, missing = _input(case)
    result = mcdonald_omega(data, missing=missing)
    assert result.converged and result.reason is None
    assert result.n == expected["n"]
    assert result.k == len(expected["items"])
    assert result.omega == pytest.approx(expected["factanal_omega"], abs=1e-5)
    assert result.omega == pytest.approx(expected["lavaan_omega"], abs=1e-5)
    for item in expected["items"]:
        assert result.loadings[item] == pytest.approx(expected["factanal_loadings"][item], abs=1e-5)
        assert result.loadings[item] == pytest.approx(expected["lavaan_loadings"][item], abs=1e-5)
        assert result.uniquenesses[item] == pytest.approx(
            expected["factanal_uniquenesses"][item], abs=2e-5
        )


def test_heywood_case_is_bounded_like_factanal_and_reported() -> None:
    """factanal's lower = 0.005 bound: h1's uniqueness sits on it (r12 = r13 = .85,
    r23 = .60 want lambda1^2 > 1). lavaan has no bound (a negative variance), so only
    factanal is the reference; 1 - lambda^2 is reported, factanal reports the bound itself.
    """
    expected = _json("omega.out.json")["heywood3"]
    result = mcdonald_omega(pd.read_csv(REF / "heywood3.csv"))
    assert result.converged
    assert result.reason is not None and "Heywood" in result.reason and "h1" in result.reason
    assert expected["factanal_uniquenesses"]["h1"] == PSI_LOWER
    assert result.omega == pytest.approx(expected["factanal_omega"], abs=1e-5)
    for item in expected["items"]:
        assert result.loadings[item] == pytest.approx(expected["factanal_loadings"][item], abs=1e-5)
    assert result.uniquenesses["h1"] == pytest.approx(1 - result.loadings["h1"] ** 2)


def test_omega_recovers_an_exact_one_factor_structure() -> None:
    """Data whose correlation matrix is exactly λλᵀ + diag(1 − λ²) with λ = (.8, .7, .6,
    .5): ML returns λ, and omega = 2.6² / (2.6² + 2.26) (McDonald 1999)."""
    lam = np.array([0.8, 0.7, 0.6, 0.5])
    corr = np.outer(lam, lam)
    np.fill_diagonal(corr, 1.0)
    result = mcdonald_omega(_exact_covariance_data(corr * 4.0, 300, seed=2))
    assert np.array(list(result.loadings.values())) == pytest.approx(lam, abs=1e-6)
    assert result.omega == pytest.approx(6.76 / 9.02, abs=1e-9)


def test_loadings_are_signed_to_a_positive_sum() -> None:
    data = pd.read_csv(REF / "omega4.csv")
    flipped = mcdonald_omega(-data)
    original = mcdonald_omega(data)
    assert flipped.loadings == pytest.approx(original.loadings, abs=1e-8)
    one_reversed = mcdonald_omega(data.assign(o4=-data["o4"]))
    assert one_reversed.loadings["o4"] == pytest.approx(-original.loadings["o4"], abs=1e-6)
    assert one_reversed.omega < original.omega


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (np.random.default_rng(0).normal(size=(20, 2)), "at least 3 items"),
        (
            np.column_stack([np.random.default_rng(0).normal(size=(20, 3)), np.full(20, 2.0)])[
                :, [0, 3, 1]
            ],
            "one factor needs 3",
        ),
        (np.tile(np.random.default_rng(0).normal(size=(20, 1)), (1, 3)), "not positive definite"),
        (np.full((4, 3), np.nan), "fewer than 2 respondents"),
    ],
)
def test_omega_degenerate_input_gives_nan_and_a_reason(data: np.ndarray, words: str) -> None:
    result = mcdonald_omega(data)
    assert math.isnan(result.omega) and not result.converged
    assert all(math.isnan(v) for v in result.loadings.values())
    assert result.reason is not None and words in result.reason


# ------------------------------------------------------------------ project simulator


def test_alpha_of_simulated_leadership_items_is_plausible() -> None:
    """The 6 'model' items over observer forms of a small simulated review."""
    from colead.framework import load_framework
    from colead.simulation.review import simulate

    framework = load_framework()
    wave = simulate(framework, "small", seed=0).waves[0]
    columns = [j for j, scale in enumerate(framework.item_scale) if scale == "model"]
    observers = (wave.responses["relation"] != "self").to_numpy()
    values = codes_to_values(wave.values[observers][:, columns])
    alpha = cronbach_alpha(values)
    omega = mcdonald_omega(values)
    assert len(columns) == 6 and alpha.k == 6
    assert 0.6 < alpha.alpha < 0.95 and alpha.reason is None
    assert alpha.ci95[0] < alpha.alpha < alpha.ci95[1]
    assert omega.converged and 0.6 < omega.omega < 0.95
