"""Scale stability across waves: alpha, item–total correlations and drift warnings."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from builders import small_simulation, wave_data
from colead.analysis.stability import (
    ALPHA_CHANGE,
    ALPHA_FLOOR,
    ITEM_TOTAL_CHANGE,
    ITEM_TOTAL_FLOOR,
    scale_blocks,
    scale_stability,
)

PERSON_SCALES = (
    "model",
    "inspire",
    "challenge",
    "enable",
    "encourage",
    "plan",
    "govern",
    "monitor",
    "competence",
    "comply",
)


def _plain_alpha(x: np.ndarray) -> float:
    """Cronbach (1951), eq. 2: alpha = k/(k-1) * (1 - sum of item variances / total variance),
    written out with loops over complete rows."""
    n, k = x.shape
    totals = [sum(row) for row in x]
    mean_total = sum(totals) / n
    var_total = sum((t - mean_total) ** 2 for t in totals) / (n - 1)
    var_items = 0.0
    for j in range(k):
        mean_j = sum(x[:, j]) / n
        var_items += sum((v - mean_j) ** 2 for v in x[:, j]) / (n - 1)
    return float(k / (k - 1) * (1 - var_items / var_total))


def _plain_item_total(x: np.ndarray, j: int) -> float:
    """Corrected item–total correlation (Nunnally & Bernstein 1994, ch. 8): the Pearson
    correlation of item j with the sum of the other items, computed with loops."""
    item = list(x[:, j])
    rest = [sum(row) - row[j] for row in x]
    n = len(item)
    mi, mr = sum(item) / n, sum(rest) / n
    sxy = sum((a - mi) * (b - mr) for a, b in zip(item, rest, strict=True))
    sxx = sum((a - mi) ** 2 for a in item)
    syy = sum((b - mr) ** 2 for b in rest)
    return float(sxy / math.sqrt(sxx * syy))


def _waves(seed: int = 11) -> list[tuple[str, dict[str, pd.DataFrame]]]:
    simulated = small_simulation(seed)
    out = []
    for index in range(len(simulated.waves)):
        data = wave_data(simulated, index)
        blocks = scale_blocks(data.values, data.responses["relation"], data.framework)
        out.append((data.wave, {s: blocks[s] for s in PERSON_SCALES}))
    return out


def test_alpha_and_item_total_match_independent_implementations() -> None:
    waves = _waves()
    result = scale_stability(waves)
    for wave, blocks in waves:
        for scale_id in ("model", "plan"):
            complete = blocks[scale_id].dropna()
            fitted = scale_stability([(wave, {scale_id: complete})]).scales[0]
            x = complete.to_numpy()
            # the formula written out in plain loops (Cronbach 1951); psychometrics' own
            # alpha is checked against R's psych::alpha in tests/analysis/test_psychometrics.py
            assert fitted.alpha == pytest.approx(_plain_alpha(x), abs=1e-10)
            for j, item in enumerate(complete.columns):
                assert fitted.item_total[item] == pytest.approx(_plain_item_total(x, j), abs=1e-10)
    assert {s.wave for s in result.scales} == {"baseline", "follow-up"}


def test_clean_second_wave_shows_no_drift() -> None:
    result = scale_stability(_waves())
    assert not any(result.drifting(s) for s in PERSON_SCALES)
    assert not [w for w in result.warnings if w.drift]
    table = result.table()
    assert len(table) == 2 * len(PERSON_SCALES)
    assert (table["drift"] == 0).all()


def test_scale_below_floor_in_both_waves_is_weak_not_drifting() -> None:
    # Extra answer noise (sd 0.8) in both waves puts the four-item "plan" scale near alpha
    # 0.58 in each: a standing weakness is warned about but is not drift.
    rng = np.random.default_rng(7)
    waves = [
        (wave, {**blocks, "plan": blocks["plan"] + rng.normal(0.0, 0.8, blocks["plan"].shape)})
        for wave, blocks in _waves()
    ]
    result = scale_stability(waves)
    low = [w for w in result.warnings if w.kind == "alpha_low"]
    assert {w.scale_id for w in low} == {"plan"}
    assert {w.wave for w in low} == {"baseline", "follow-up"}
    assert all(not w.drift for w in low)
    assert all(w.value < ALPHA_FLOOR for w in low)
    assert not [w for w in result.warnings if w.drift]


def test_perturbed_item_in_second_wave_is_flagged() -> None:
    waves = _waves()
    rng = np.random.default_rng(5)
    wave, blocks = waves[1]
    perturbed = blocks["model"].copy()
    # model_3 answered at random: it no longer measures what the other items measure.
    perturbed["model_3"] = rng.integers(1, 6, size=len(perturbed)).astype(float)
    waves[1] = (wave, {**blocks, "model": perturbed})
    result = scale_stability(waves)
    assert result.drifting("model")
    assert not any(result.drifting(s) for s in PERSON_SCALES if s != "model")
    kinds = {(w.kind, w.item_id) for w in result.warnings if w.scale_id == "model"}
    assert ("item_change", "model_3") in kinds
    assert ("item_low", "model_3") in kinds
    item = next(w for w in result.warnings if w.kind == "item_change")
    assert item.previous_wave == "baseline" and item.wave == "follow-up"
    assert abs(item.value - item.previous) > ITEM_TOTAL_CHANGE
    assert item.value < ITEM_TOTAL_FLOOR
    assert "model_3" in item.message and "baseline" in item.message


def test_alpha_change_rule_uses_threshold() -> None:
    rng = np.random.default_rng(3)
    common = rng.normal(size=(400, 1))
    strong = pd.DataFrame(common + rng.normal(scale=0.6, size=(400, 4)), columns=list("abcd"))
    weak = pd.DataFrame(common + rng.normal(scale=1.6, size=(400, 4)), columns=list("abcd"))
    result = scale_stability([("w1", {"s": strong}), ("w2", {"s": weak})])
    first, second = result.scales
    assert first.alpha - second.alpha > ALPHA_CHANGE
    kinds = {w.kind for w in result.warnings}
    assert "alpha_change" in kinds
    assert "alpha_low" in kinds and second.alpha < ALPHA_FLOOR


def test_undefined_statistics_raise_no_warning() -> None:
    empty = pd.DataFrame({"a": [np.nan, np.nan], "b": [np.nan, np.nan]})
    result = scale_stability([("w1", {"s": empty}), ("w2", {"s": empty})])
    assert all(math.isnan(s.alpha) for s in result.scales)
    assert result.warnings == ()


def test_renamed_items_are_compared_under_earlier_ids() -> None:
    simulated = small_simulation()
    data = wave_data(simulated, 0)
    blocks = scale_blocks(
        data.values, data.responses["relation"], data.framework, rename={"model_1": "old_1"}
    )
    assert "old_1" in blocks["model"].columns and "model_1" not in blocks["model"].columns
    # Self forms are left out of person scales; the systems scales are answered on them.
    observers = (data.responses["relation"] != "self").sum()
    assert len(blocks["model"]) <= observers
    assert len(blocks["context"]) > 0


def test_wave_names_must_be_unique() -> None:
    with pytest.raises(ValueError, match="unique"):
        scale_stability([("w", {}), ("w", {})])


def test_changes_of_a_scale_weak_in_both_waves_are_not_drift() -> None:
    # Two noisy items sharing a weak common factor: alpha sits well below the floor in both
    # waves and jumps between them; that is the instability of a weak scale, not drift.
    rng = np.random.default_rng(8)

    def block(noise: float) -> pd.DataFrame:
        common = rng.normal(size=(300, 1))
        return pd.DataFrame(common + rng.normal(scale=noise, size=(300, 2)), columns=["a", "b"])

    result = scale_stability([("w1", {"s": block(2.2)}), ("w2", {"s": block(1.4)})])
    first, second = result.scales
    assert first.alpha < ALPHA_FLOOR and second.alpha < ALPHA_FLOOR
    assert second.alpha - first.alpha > ALPHA_CHANGE
    change = next(w for w in result.warnings if w.kind == "alpha_change")
    assert not change.drift and "weak scale" in change.message
    assert not result.drifting("s")
    # the same jump on a scale that was acceptable before is drift
    strong = pd.DataFrame(rng.normal(size=(300, 1)) + rng.normal(scale=0.5, size=(300, 2)))
    strong.columns = ["a", "b"]
    assert scale_stability([("w1", {"s": strong}), ("w2", {"s": block(2.2)})]).drifting("s")
