"""The selection job and ``colead select``: a stored wave ranked, a cohort checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from builders import default_framework, small_simulation, wave_data
from colead.analysis import analyse_wave
from colead.analysis.selection import rank_results
from colead.cli import app
from colead.development.selection import read_cohort_file, select_participants
from colead.errors import InvalidData, NotFound
from colead.jobs.demo import store_simulation
from colead.simulation.review import SimulatedReview
from colead.store import init_database, open_database

runner = CliRunner()


@pytest.fixture
def stored(database_url: str) -> SimulatedReview:
    simulated = small_simulation(11)
    init_database(database_url)
    engine = open_database(database_url)
    try:
        store_simulation(engine, simulated, default_framework())
    finally:
        engine.dispose()
    return simulated


@pytest.mark.integration
def test_a_stored_wave_ranks_as_in_memory_and_checks_the_enrolled_cohort(
    database_url: str, stored: SimulatedReview, tmp_path: Path
) -> None:
    programme = str(stored.programme["name"])
    engine = open_database(database_url)
    try:
        report = select_participants(engine, stored.name, "baseline", 3, programme=programme)
        with pytest.raises(NotFound):
            select_participants(engine, stored.name, None, 3, programme="No such programme")
    finally:
        engine.dispose()

    # The stored wave ranks exactly as the same wave analysed without a database.
    data = wave_data(stored, 0)
    expected = rank_results(analyse_wave(data, 3), data.people)
    assert [p.person_id for p in report.selection.people] == [p.person_id for p in expected.people]
    assert report.wave == "baseline"
    assert report.cohort is not None
    assert report.cohort.size == len(set(stored.enrolments["person_id"]))
    assert report.cohort_source == f"programme {programme!r}"

    as_json = runner.invoke(
        app,
        [
            *("select", "--review", stored.name, "--wave", "baseline"),
            *("--programme", programme, "--top", "5", "--json", "--db", database_url),
        ],
    )
    assert as_json.exit_code == 0, as_json.output
    record = json.loads(as_json.stdout)
    assert len(record["people"]) == 5 and record["n_ranked"] == len(expected.people)
    assert record["cohort"]["size"] == report.cohort.size
    assert sum(level["cohort"] for level in record["cohort"]["levels"]) == report.cohort.size

    senior = data.people.loc[data.people["level"].astype(int) <= 2, "person_id"]
    cohort = tmp_path / "cohort.csv"
    senior.to_frame().to_csv(cohort, index=False)
    text = runner.invoke(
        app,
        ["select", "--review", stored.name, "--cohort-file", str(cohort), "--db", database_url],
    )
    assert text.exit_code == 0, text.output
    warnings = [line for line in text.stdout.splitlines() if line.startswith("! ")]
    assert any("beyond senior roles" in line for line in warnings), text.stdout
    assert "Sites by share of people in need" in text.stdout

    both = runner.invoke(
        app,
        [
            *("select", "--review", stored.name, "--programme", programme),
            *("--cohort-file", str(cohort), "--db", database_url),
        ],
    )
    assert isinstance(both.exception, InvalidData)


def test_cohort_file_takes_the_person_id_column_or_the_only_column(tmp_path: Path) -> None:
    named = tmp_path / "named.csv"
    named.write_text("Name,Person ID\nAna,C1\nBen,C2\nAna again,C1\n", encoding="utf-8")
    assert read_cohort_file(named) == ["C1", "C2"]
    single = tmp_path / "single.csv"
    single.write_text("who\nS1\n\nS2\n", encoding="utf-8")
    assert read_cohort_file(single) == ["S1", "S2"]
    neither = tmp_path / "neither.csv"
    neither.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InvalidData, match="person_id"):
        read_cohort_file(neither)
