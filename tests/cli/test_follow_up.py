"""``colead wave follow-up`` and ``colead wave stability`` from the command line."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import Result
from typer.testing import CliRunner

from builders import default_framework, small_simulation
from colead.cli import app
from colead.errors import InvalidData
from colead.jobs.demo import store_simulation
from colead.store import init_database, open_database

pytestmark = pytest.mark.integration


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def stored(database_url: str) -> Iterator[tuple[str, str]]:
    init_database(database_url)
    engine = open_database(database_url)
    try:
        result = store_simulation(engine, small_simulation(11), default_framework())
    finally:
        engine.dispose()
    yield database_url, result.review


def test_follow_up_with_a_replacement_file(stored: tuple[str, str], tmp_path: Path) -> None:
    url, review = stored
    # P00015 rates P00001 as manager in the simulated baseline; P00003 does not rate P00001.
    replace = tmp_path / "replace.csv"
    replace.write_text("old_rater_id,new_rater_id,ratee_id\nP00015,P00003,P00001\n")
    result = invoke(
        "wave", "follow-up", "--review", review, "--from", "baseline", "--wave", "third",
        "--period", "2026", "--replace", str(replace), "--db", url,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Created wave 'third'" in result.output
    assert "1 with a new rater, 0 dropped" in result.output
    assert "P00003" in result.output
    listed = invoke("wave", "list", "--review", review, "--db", url)
    assert "third" in listed.output


def test_problems_are_reported_not_raised_as_tracebacks(
    stored: tuple[str, str], tmp_path: Path
) -> None:
    url, review = stored
    replace = tmp_path / "replace.csv"
    replace.write_text("old_rater_id,new_rater_id\nP00015,NOBODY\n")
    base = ("wave", "follow-up", "--review", review, "--from", "baseline", "--wave", "x")
    result = invoke(*base, "--replace", str(replace), "--db", url)
    assert isinstance(result.exception, InvalidData)
    assert "row 2, column new_rater_id" in result.exception.message

    content = default_framework().model_dump(mode="json")
    content["version"] = "2.0.0"
    framework = tmp_path / "framework.yaml"
    framework.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    result = invoke(*base, "--framework", str(framework), "--db", url)
    assert isinstance(result.exception, InvalidData)
    assert "--mapping" in (result.exception.hint or "")

    mapping = tmp_path / "map.yaml"
    mapping.write_text("model_1: model_1\n", encoding="utf-8")
    result = invoke(*base, "--mapping", str(mapping), "--db", url)
    assert isinstance(result.exception, InvalidData)
    assert "no --framework" in result.exception.message

    result = invoke(*base, "--framework", str(framework), "--mapping", str(mapping), "--db", url)
    assert result.exit_code == 0, result.output
    assert "Item mapping stored with the wave: 1 items." in result.output


@pytest.fixture
def stored_weak_item(database_url: str) -> Iterator[tuple[str, str]]:
    """The simulated review with item plan_2 answered at random in both waves, so the
    stability check has a standing weakness to warn about."""
    simulated = small_simulation(11)
    column = default_framework().item_ids.index("plan_2")
    rng = np.random.default_rng(3)
    waves = []
    for wave in simulated.waves:
        values = wave.values.copy()
        answered = values[:, column] > 0
        values[answered, column] = rng.integers(1, 6, int(answered.sum()))
        waves.append(dataclasses.replace(wave, values=values))
    init_database(database_url)
    engine = open_database(database_url)
    try:
        weak = dataclasses.replace(simulated, waves=tuple(waves))
        result = store_simulation(engine, weak, default_framework())
    finally:
        engine.dispose()
    yield database_url, result.review


def test_stability_table_and_json(stored_weak_item: tuple[str, str]) -> None:
    url, review = stored_weak_item
    table = invoke("wave", "stability", "--review", review, "--db", url)
    assert table.exit_code == 0, table.output
    assert "scale stability across waves" in table.output
    assert "model" in table.output and "follow-up" in table.output

    result = invoke(
        "wave", "stability", "--review", review, "--waves", "baseline,follow-up", "--json",
        "--db", url,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["waves"] == ["baseline", "follow-up"]
    assert payload["thresholds"]["alpha_floor"] == 0.70
    model = [s for s in payload["scales"] if s["scale_id"] == "model"]
    assert [s["wave"] for s in model] == ["baseline", "follow-up"]
    assert all(0.7 < s["alpha"] < 1 for s in model)
    assert not [w for w in payload["warnings"] if w["scale_id"] == "model"]
    assert {"kind", "drift", "message"} <= set(payload["warnings"][0])
    weak = [w for w in payload["warnings"] if w["kind"] == "item_low"]
    assert weak and all(w["item_id"] == "plan_2" for w in weak)
    assert not [w for w in payload["warnings"] if w["drift"]]


def test_drift_warnings_are_plain_lines_that_show_wave_names_as_they_are(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from colead.analysis.stability import DriftWarning, ScaleWave, StabilityResult
    from colead.cli import follow_up as cli_follow_up
    from colead.fieldwork import follow_up

    first, second = "[bold]w1[/bold]", "w2 [/]"
    result = StabilityResult(
        waves=(first, second),
        scales=(
            ScaleWave("model", first, 0.85, 40, 6, {}),
            ScaleWave("model", second, 0.55, 40, 6, {}),
        ),
        warnings=(
            DriftWarning("model", second, "alpha_low", 0.55, previous_wave=first, previous=0.85),
        ),
    )
    stability = follow_up.ReviewStability("[bold]R[/bold]", result)
    monkeypatch.setattr(follow_up, "review_stability", lambda *_: stability)
    monkeypatch.setattr(cli_follow_up, "_session", lambda _db: contextlib.nullcontext())

    shown = invoke("wave", "stability", "--review", "R")
    assert shown.exit_code == 0, shown.output
    assert shown.stderr == f"! drift: {result.warnings[0].message}\n"
    assert f"in {first})" in shown.stderr
    assert "[yellow]" not in shown.output
    assert "[bold]R[/bold]: scale stability across waves" in shown.stdout
