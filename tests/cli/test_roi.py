"""``colead roi``: KPI unit values from the command line, and the return it prints.

The printed return is checked against the evaluation's own KPI table, recomputed by hand
with Phillips' formulas (Phillips & Phillips 2005, ch. 1: BCR = benefits / costs,
ROI % = (benefits − costs) / costs × 100).
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from builders import people_frame
from colead.analysis.programme import UnitValue, programme_roi
from colead.analysis.review import analyse_with_baseline
from colead.analysis.roi import ProgrammeCosts
from colead.cli import app
from colead.cli.roi import _print_roi
from colead.errors import ColeadError
from colead.framework import load_framework
from colead.ingest.importing import import_file
from colead.jobs.analyse import analyse_review
from colead.jobs.demo import store_simulation
from colead.simulation.review import simulate
from colead.simulation.wave_data import simulated_wave_data
from colead.store import init_database, open_database

pytestmark = pytest.mark.integration

REVIEW = "Facilities"
ON_TIME = "On-time delivery (%)"


def _cli(*args: str) -> tuple[int, str]:
    """Exit code and output; a domain error gives its exit code and message, as
    ``colead.cli.main`` does."""
    result = CliRunner().invoke(app, list(args))
    if isinstance(result.exception, ColeadError):
        return result.exception.exit_code, str(result.exception)
    return result.exit_code, result.output


@pytest.fixture
def url(database_url: str, tmp_path: Path) -> str:
    """A review with four people at one site and one KPI over two quarters."""
    people_frame().to_csv(tmp_path / "people.csv", index=False)
    assert import_file(database_url, "people", tmp_path / "people.csv", review=REVIEW).rejected == 0
    pd.DataFrame(
        {"site": ["North", "North"], "period": ["2024-Q1", "2024-Q2"], "kpi": [ON_TIME] * 2,
         "value": [91.0, 93.0]}
    ).to_csv(tmp_path / "kpis.csv", index=False)  # fmt: skip
    assert import_file(database_url, "kpis", tmp_path / "kpis.csv", review=REVIEW).rejected == 0
    return database_url


def test_values_are_set_listed_and_removed_from_the_command_line(url: str) -> None:
    code, text = _cli("roi", "value", "list", "--review", REVIEW, "--db", url)
    assert code == 0 and "No KPI of review 'Facilities' has a money value yet." in text
    code, text = _cli(
        "roi", "value", "set", "--review", REVIEW, "--kpi", ON_TIME, "--value", "2500",
        "--currency", "eur", "--periods", "2", "--source", "contract schedule", "--db", url,
    )  # fmt: skip
    assert code == 0
    assert f"{ON_TIME}: one unit is worth EUR 2,500.00, counted over 2 periods." in text
    code, text = _cli(
        "roi", "value", "set", "--review", REVIEW, "--kpi", ON_TIME, "--value", "3000", "--db", url
    )
    assert code == 0 and "GBP 3,000.00, counted over 4 periods" in text  # the defaults
    code, text = _cli("roi", "value", "list", "--review", REVIEW, "--db", url)
    assert code == 0 and text.strip() == f"{ON_TIME}: GBP 3,000.00 per unit, 4 periods"
    code, text = _cli("roi", "value", "remove", "--review", REVIEW, "--kpi", ON_TIME, "--db", url)
    assert code == 0 and f"Removed the value of {ON_TIME}." in text
    code, text = _cli("roi", "value", "list", "--review", REVIEW, "--db", url)
    assert "has a money value yet" in text


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (
            ("set", "--review", REVIEW, "--kpi", ON_TIME, "--value", "0"),
            2,
            "must be a positive amount",
        ),
        (
            ("set", "--review", REVIEW, "--kpi", ON_TIME, "--value", "10", "--currency", "pounds"),
            2,
            "not a currency code",
        ),
        (
            ("set", "--review", REVIEW, "--kpi", ON_TIME, "--value", "10", "--periods", "0"),
            2,
            "more than 0",
        ),
        (
            ("set", "--review", REVIEW, "--kpi", "Profit", "--value", "10"),
            2,
            f"Known KPIs: {ON_TIME}.",
        ),
        (
            ("set", "--review", "Nope", "--kpi", ON_TIME, "--value", "10"),
            5,
            "No review named 'Nope'",
        ),
        (("remove", "--review", REVIEW, "--kpi", ON_TIME), 5, "has no value to remove"),
    ],
)
def test_mistakes_give_a_message_and_an_exit_code(
    url: str, args: tuple[str, ...], exit_code: int, message: str
) -> None:
    code, text = _cli("roi", "value", *args, "--db", url)
    assert code == exit_code and message in text


@pytest.fixture
def simulated(database_url: str) -> str:
    """The small simulated review (seed 3): two waves, a programme with costs, KPIs."""
    framework = load_framework()
    init_database(database_url)
    engine = open_database(database_url)
    try:
        stored = store_simulation(engine, simulate(framework, "small", seed=3), framework)
    finally:
        engine.dispose()
    return stored.review


def test_roi_show_says_how_to_start_then_prints_phillips_return(
    database_url: str, simulated: str
) -> None:
    code, text = _cli("roi", "show", "--review", simulated, "--db", database_url)
    assert code == 0
    assert "No money value per KPI unit has been entered." in text
    assert f'colead roi value set --review "{simulated}" --kpi "KPI" --value V' in text
    code, _ = _cli(
        "roi",
        "value",
        "set",
        "--review",
        simulated,
        "--kpi",
        ON_TIME,
        "--value",
        "20000",
        "--db",
        database_url,
    )
    assert code == 0
    code, text = _cli("roi", "show", "--review", simulated, "--db", database_url)
    assert code == 0
    engine = open_database(database_url)
    try:
        ev = analyse_review(engine, simulated, None, 3).evaluation
    finally:
        engine.dispose()
    assert ev is not None and ev.costs is not None
    did = ev.kpi_did.set_index("kpi").loc[ON_TIME]
    benefit = did["estimate"] * did["n_treated"] * 4 * 20_000  # baseline-adjusted change
    costs = ev.costs.cost_per_participant * ev.costs.participants + ev.costs.other_costs
    assert f"Benefits: GBP {benefit:,.2f}" in text
    assert f"Fully loaded costs: GBP {costs:,.2f}" in text
    # 8 sites and no KPI improved beyond chance after Holm: no return to quote, a range
    assert ev.roi is not None and not ev.roi.determined
    assert f"ROI: cannot be determined, because {ev.roi.undetermined_reason}." in text
    assert f"ROI: {(benefit - costs) / costs * 100:.0f}%" not in text
    assert "Benefit–cost ratio:" not in text
    assert "the ROI could lie from " in text
    assert "Isolation method: difference in differences" in text
    code, text = _cli(
        "roi", "show", "--review", simulated, "--wave", "baseline", "--db", database_url
    )
    assert code == 5 and "has no programme to evaluate" in text


def test_the_review_report_command_shows_the_relationship_action_log(
    database_url: str, simulated: str, tmp_path: Path
) -> None:
    code, _ = _cli("actions", "seed", "--review", simulated, "--db", database_url)
    assert code == 0
    out = tmp_path / "review.html"
    code, text = _cli("report", "review", "--review", simulated, "--out", str(out),
                      "--db", database_url)  # fmt: skip
    assert code == 0, text
    html = out.read_text(encoding="utf-8")
    assert ">Relationship action log</h2>" in html
    assert "4 actions (open 4)." in html
    assert "Re-measure after the development programme" in html


def test_a_supported_return_is_printed_as_a_figure_with_its_ratio(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The determined case needs a KPI that improved beyond chance on 10 sites or more: the
    # evaluation's own table, with that verdict set, gives it (see test_programme_roi.py).
    framework = load_framework()
    sim = simulate(framework, "small", seed=3)
    results = analyse_with_baseline(
        simulated_wave_data(sim, 1, framework), simulated_wave_data(sim, 0, framework), 3,
        enrolments=sim.enrolments, kpis=sim.kpis,
        programme_start=date.fromisoformat(sim.programme["start"]),
        programme_end=date.fromisoformat(sim.programme["end"]),
    )  # fmt: skip
    ev = results.evaluation
    assert ev is not None
    table = ev.kpi_did.assign(n_clusters=12, verdict="inconclusive")
    table.loc[table["kpi"] == ON_TIME, "verdict"] = "improved"
    values = (UnitValue(ON_TIME, 20_000.0, "GBP", 4.0),)
    costs = ProgrammeCosts(1_850.0, 66, 24_000.0)
    roi, currency, notes = programme_roi(table, values, costs)
    assert roi is not None and roi.determined and roi.roi_percent is not None
    _print_roi(
        REVIEW,
        dataclasses.replace(
            ev, roi=roi, roi_currency=currency, roi_notes=notes, kpi_values=values, costs=costs
        ),
    )
    text = " ".join(capsys.readouterr().out.split())
    assert f"Benefit–cost ratio: {roi.bcr:.2f} : 1" in text
    assert f"ROI: {roi.roi_percent:.0f}% (from {roi.roi_low:.0f}% to {roi.roi_high:.0f}%" in text
    assert "cannot be determined" not in text
