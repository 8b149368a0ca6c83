"""`colead import`: whole files into a review, bad rows quarantined, re-imports idempotent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from colead.ingest.importing import import_file
from colead.store import make_engine
from colead.store.schema import AuditEntry, Kpi, Person

pytestmark = pytest.mark.integration

HEADER = "Employee ID,Full Name,E-mail,Organization,Organisation Role,Location,Job Title,Grade"
PEOPLE = (
    HEADER
    + """,Line Manager
C1,Ana Client,ana@client.test,Client Co,client,North,Director,1,
C2,Ben Client,ben@client.test,Client Co,client,North,Contract manager,3,C1
S1,Cy Supplier,cy@supplier.test,Supplier Ltd,supplier,North,Site lead,2,
S2,Di Supplier,di@supplier.test,Supplier Ltd,supplier,North,Engineer,5,S1
S3,Ed Supplier,ed@supplier.test,Supplier Ltd,supplier,South,Engineer,9,S1
"""
)


def _count(url: str, model: type) -> int:  # type: ignore[type-arg]
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        engine.dispose()


def test_people_with_synonym_headers_bad_rows_quarantined_and_reimport(
    database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "hr-extract.csv"
    path.write_text(PEOPLE, encoding="utf-8")
    first = import_file(database_url, "people", path, review="R")
    assert first.review_created
    assert (first.read, first.imported, first.rejected, first.exit_code) == (5, 4, 1, 1)
    (problem,) = first.problems
    assert (problem.row, problem.column) == (6, "level")
    quarantine = path.with_name("hr-extract.rejected.csv")
    assert first.quarantine == quarantine
    rejected = pd.read_csv(quarantine, dtype=str)
    assert rejected.columns.tolist()[-1] == "error" and rejected["Employee ID"].tolist() == ["S3"]
    assert "level" in rejected["error"].iloc[0]

    # The user fixes the rejected row and imports it again: nothing else changes.
    fixed = rejected.drop(columns="error").assign(Grade="4")
    fixed.to_csv(quarantine, index=False)
    second = import_file(database_url, "people", quarantine, review="R")
    assert (second.imported, second.rejected, second.exit_code) == (1, 0, 0)
    assert not quarantine.with_name("hr-extract.rejected.rejected.csv").exists()

    again = import_file(database_url, "people", path, review="R")
    assert (again.imported, again.updated, again.unchanged, again.rejected) == (0, 0, 4, 1)
    assert _count(database_url, Person) == 5
    assert _count(database_url, AuditEntry) >= 3


def test_the_rejected_rows_file_carries_no_live_formula(database_url: str, tmp_path: Path) -> None:
    formula = '=HYPERLINK("http://example.invalid/x","click")'
    path = tmp_path / "people.csv"
    quoted = '"' + formula.replace('"', '""') + '"'
    path.write_text(
        f"{HEADER}\nS4,{quoted},s4@supplier.test,Supplier Ltd,supplier,North,\x0e@SUM(1),9\n",
        encoding="utf-8",
    )
    outcome = import_file(database_url, "people", path, review="R")
    assert (outcome.imported, outcome.rejected) == (0, 1)
    assert outcome.quarantine is not None
    rejected = pd.read_csv(outcome.quarantine, dtype=str, encoding="utf-8-sig")
    assert rejected["Full Name"].tolist() == ["'" + formula]
    assert rejected["Job Title"].tolist() == ["'@SUM(1)"]
    cells = [str(v) for v in rejected.drop(columns="error").to_numpy().ravel()]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\x0e"))]

    # corrected and imported again, the guard is gone and the text is as it was given
    rejected.drop(columns="error").assign(Grade="4").to_csv(path, index=False)
    assert import_file(database_url, "people", path, review="R").imported == 1
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            stored = connection.execute(select(Person.name, Person.role_title)).one()
    finally:
        engine.dispose()
    assert tuple(stored) == (formula, "@SUM(1)")


def test_dry_run_writes_nothing(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE, encoding="utf-8")
    outcome = import_file(database_url, "people", path, review="R", dry_run=True)
    assert outcome.dry_run and outcome.imported == 4 and outcome.rejected == 1
    assert outcome.quarantine is None and not path.with_name("people.rejected.csv").exists()
    assert _count(database_url, Person) == 0


def test_kpis_from_excel_and_nominations(database_url: str, tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE, encoding="utf-8")
    import_file(database_url, "people", people, review="R")
    kpis = tmp_path / "kpis.xlsx"
    pd.DataFrame(
        {
            "Site": ["North", "North", "South", "Nowhere"],
            "Quarter": ["2024-Q1", "2024q2", "2024-Q1", "2024-Q1"],
            "KPI": ["On time (%)"] * 4,
            "Value": ["91.5", "1,002", "88", "90"],
        }
    ).to_excel(kpis, index=False)
    outcome = import_file(database_url, "kpis", kpis, review="R")
    assert (outcome.imported, outcome.rejected) == (2, 2)  # South has nobody; Nowhere unknown
    assert _count(database_url, Kpi) == 2
    again = import_file(database_url, "kpis", kpis, review="R")
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 2)
    corrected = pd.read_excel(kpis, dtype=str)
    corrected.loc[0, "Value"] = "92"
    corrected.to_excel(kpis, index=False)
    fixed = import_file(database_url, "kpis", kpis, review="R")
    assert (fixed.imported, fixed.updated, fixed.unchanged) == (0, 1, 1)

    nominations = tmp_path / "raters.csv"
    nominations.write_text(
        "ratee_id,rater_id,relation\nC2,C2,self\nC2,S2,partner\nC2,C1,manager\nC2,C9,peer\n",
        encoding="utf-8",
    )
    outcome = import_file(database_url, "nominations", nominations, review="R")
    assert outcome.wave == "baseline" and (outcome.imported, outcome.rejected) == (3, 1)

    by_email = tmp_path / "raters-by-email.csv"
    by_email.write_text(
        "Ratee,Rater E-mail,Relationship\nC2,CY@supplier.test,partner\nC2,nobody@x.test,peer\n",
        encoding="utf-8",
    )
    outcome = import_file(database_url, "nominations", by_email, review="R")
    assert (outcome.imported, outcome.rejected) == (1, 1)
    assert outcome.problems[0].column == "rater_email"


def test_a_file_of_the_wrong_kind_is_refused_with_exit_code_2(tmp_path: Path) -> None:
    path = tmp_path / "kpis.csv"
    path.write_text("site,period,kpi,value\nNorth,2024,On time,90\n", encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "colead",
            "import",
            "people",
            str(path),
            "--review",
            "R",
            "--db",
            f"sqlite:///{tmp_path}/x.db",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "does not look like a people file" in result.stderr
    assert "Traceback" not in result.stderr


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "colead", *args], capture_output=True, text=True, timeout=300
    )


def test_a_review_from_files_only_then_exported_and_reimported_unchanged(tmp_path: Path) -> None:
    """The issue's story: an HR extract, a survey-tool export and a KPI sheet, no Python."""
    from colead.framework import load_framework
    from colead.simulation.review import simulate

    framework = load_framework()
    simulated = simulate(framework, "small", seed=4)
    db = f"sqlite:///{tmp_path}/files.db"
    simulated.people.to_csv(tmp_path / "hr.csv", index=False)
    wave = simulated.waves[0]
    wide = wave.to_wide(framework).drop(columns="wave")
    # A Qualtrics-style export: export tags, question text, import ids, then the answers.
    texts = [
        framework.items[framework.item_ids.index(c)].text if c in framework.item_ids else c
        for c in wide.columns
    ]
    imports = [json.dumps({"ImportId": c}) for c in wide.columns]
    body = wide.astype(object).where(wide.notna(), "").astype(str).values.tolist()
    qualtrics = pd.DataFrame([list(wide.columns), texts, imports, *body])
    qualtrics.to_csv(tmp_path / "survey.csv", index=False, header=False)
    simulated.kpis.to_csv(tmp_path / "kpis.csv", index=False)

    for kind, name in (("people", "hr.csv"), ("responses", "survey.csv"), ("kpis", "kpis.csv")):
        result = _cli("import", kind, str(tmp_path / name), "--review", "Files", "--db", db)
        assert result.returncode == 0, result.stdout + result.stderr
    # an imported wave is open: results are published when it closes
    refused = _cli("analyse", "--review", "Files", "--db", db)
    assert refused.returncode == 6 and "published when it closes" in refused.stderr
    closed = _cli("wave", "close", "--review", "Files", "--wave", "baseline", "--db", db)
    assert closed.returncode == 0, closed.stdout + closed.stderr
    analysed = _cli("analyse", "--review", "Files", "--db", db)
    assert analysed.returncode == 0 and "Title vs leading" in analysed.stdout

    exported = tmp_path / "responses.csv"
    result = _cli(
        "export", "responses", str(exported), "--review", "Files", "--identifiable", "--db", db
    )
    assert result.returncode == 0, result.stderr
    again = _cli("import", "responses", str(exported), "--review", "Files", "--db", db)
    assert again.returncode == 0, again.stdout + again.stderr
    # The summary row reads: read │ imported │ updated │ unchanged │ rejected.
    summary = [
        [cell.strip() for cell in line.split("│")[1:-1]]
        for line in again.stdout.splitlines()
        if line.count("│") == 6
    ][-1]
    assert summary == [str(len(wide)), "0", "0", str(len(wide)), "0"]


def test_long_responses_with_an_unknown_item_quarantine_the_whole_form(
    database_url: str, tmp_path: Path
) -> None:
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE, encoding="utf-8")
    import_file(database_url, "people", people, review="R")
    long = tmp_path / "answers.csv"
    long.write_text(
        "ratee_id,rater_id,relation,item_id,value\n"
        "C2,C2,self,model_1,4\nC2,C2,self,model_2,Often\n"
        "C2,S2,partner,model_1,3\nC2,S2,partner,modle_2,5\n",
        encoding="utf-8",
    )
    outcome = import_file(database_url, "responses", long, review="R")
    assert (outcome.read, outcome.imported, outcome.rejected) == (4, 1, 2)
    unknown = [p for p in outcome.problems if p.column == "item_id"]
    assert unknown and "model_2" in unknown[0].hint
    quarantined = pd.read_csv(outcome.quarantine, dtype=str)
    assert quarantined["rater_id"].tolist() == ["S2", "S2"]
