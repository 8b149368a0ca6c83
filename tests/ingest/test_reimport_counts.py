"""Re-importing enrolments and norms reports inserted / updated / unchanged rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from colead.ingest.importing import import_file
from colead.store import make_engine
from colead.store.schema import AuditEntry, Enrolment, Norm, NormSet, Person, Programme

pytestmark = pytest.mark.integration

PEOPLE = """person_id,name,email,organisation,role,site,job_title,level
C1,Ana Client,ana@client.test,Client Co,client,North,Director,1
S1,Cy Supplier,cy@supplier.test,Supplier Ltd,supplier,North,Site lead,2
S2,Di Supplier,di@supplier.test,Supplier Ltd,supplier,North,Engineer,5
"""

ENROLMENTS = """person_id,programme,start,end,completed
C1,Leading across boundaries,2024-06-01,2024-11-30,yes
S1,Leading across boundaries,2024-06-01,,no
S2,Coaching basics,2024-09-15,2024-12-15,true
"""

# Values chosen so that a lossy round trip through the database would show as a change.
NORMS = """scale_id,n,mean,sd,p25,p50,p75,source
model,400,3.6,0.5,3.3,3.6,3.9,Sector survey 2025
inspire,250,3.1415926535897931,0.30000000000000004,,,,Sector survey 2025
enable,1200,2.718281828459045,0.123456789012345678,2.5,2.75,3.0,Sector survey 2025
"""


def _counts(outcome: Any) -> tuple[int, int, int, int]:
    return outcome.imported, outcome.updated, outcome.unchanged, outcome.rejected


def _enrolments(url: str) -> dict[tuple[str, str], tuple[date | None, date | None, bool]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(
                    Programme.name,
                    Person.external_id,
                    Enrolment.start_date,
                    Enrolment.end_date,
                    Enrolment.completed,
                )
                .join(Programme, Programme.id == Enrolment.programme_id)
                .join(Person, Person.id == Enrolment.person_id)
            ).all()
    finally:
        engine.dispose()
    return {(name, person): (start, end, done) for name, person, start, end, done in rows}


def _norms(url: str, name: str) -> dict[str, tuple[Any, ...]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(Norm.scale_id, Norm.n, Norm.mean, Norm.sd, Norm.p25, Norm.p50, Norm.p75)
                .join(NormSet, NormSet.id == Norm.norm_set_id)
                .where(NormSet.name == name)
            ).all()
    finally:
        engine.dispose()
    return {scale: tuple(values) for scale, *values in rows}


def _audit_details(url: str, entity: str) -> list[dict[str, Any]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            details = connection.scalars(
                select(AuditEntry.detail)
                .where(AuditEntry.action == "import", AuditEntry.entity == entity)
                .order_by(AuditEntry.id)
            ).all()
    finally:
        engine.dispose()
    return [dict(d or {}) for d in details]


def test_enrolments_reimport_reports_unchanged_and_updated(
    database_url: str, tmp_path: Path
) -> None:
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE, encoding="utf-8")
    assert import_file(database_url, "people", people, review="R").imported == 3

    path = tmp_path / "enrolments.csv"
    path.write_text(ENROLMENTS, encoding="utf-8")
    first = import_file(database_url, "enrolments", path, review="R")
    assert _counts(first) == (3, 0, 0, 0)
    again = import_file(database_url, "enrolments", path, review="R")
    assert _counts(again) == (0, 0, 3, 0)
    assert _enrolments(database_url) == {
        ("Leading across boundaries", "C1"): (date(2024, 6, 1), date(2024, 11, 30), True),
        ("Leading across boundaries", "S1"): (date(2024, 6, 1), None, False),
        ("Coaching basics", "S2"): (date(2024, 9, 15), date(2024, 12, 15), True),
    }

    # S1 finishes the programme: one row corrected, the others as before.
    path.write_text(
        ENROLMENTS.replace(
            "S1,Leading across boundaries,2024-06-01,,no",
            "S1,Leading across boundaries,2024-06-01,2024-12-01,yes",
        ),
        encoding="utf-8",
    )
    fixed = import_file(database_url, "enrolments", path, review="R")
    assert _counts(fixed) == (0, 1, 2, 0)
    assert _enrolments(database_url) == {
        ("Leading across boundaries", "C1"): (date(2024, 6, 1), date(2024, 11, 30), True),
        ("Leading across boundaries", "S1"): (date(2024, 6, 1), date(2024, 12, 1), True),
        ("Coaching basics", "S2"): (date(2024, 9, 15), date(2024, 12, 15), True),
    }

    details = _audit_details(database_url, "enrolments")
    assert [(d["inserted"], d["updated"], d["unchanged"], d["rejected"]) for d in details] == [
        (3, 0, 0, 0),
        (0, 0, 3, 0),
        (0, 1, 2, 0),
    ]


def test_enrolments_not_in_the_file_are_kept(database_url: str, tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE, encoding="utf-8")
    import_file(database_url, "people", people, review="R")
    path = tmp_path / "enrolments.csv"
    path.write_text(ENROLMENTS, encoding="utf-8")
    import_file(database_url, "enrolments", path, review="R")

    partial = tmp_path / "enrolments-c1.csv"
    partial.write_text(
        "person_id,programme,start,end,completed\n"
        "C1,Leading across boundaries,2024-06-01,2024-11-30,yes\n",
        encoding="utf-8",
    )
    outcome = import_file(database_url, "enrolments", partial, review="R")
    assert _counts(outcome) == (0, 0, 1, 0)
    assert len(_enrolments(database_url)) == 3


def test_norms_reimport_reports_unchanged_and_updated(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "Sector.csv"
    path.write_text(NORMS, encoding="utf-8")
    first = import_file(database_url, "norms", path, review="R")
    assert _counts(first) == (3, 0, 0, 0)
    again = import_file(database_url, "norms", path, review="R")
    assert _counts(again) == (0, 0, 3, 0)
    stored = _norms(database_url, "Sector")
    assert stored == {
        "model": (400, 3.6, 0.5, 3.3, 3.6, 3.9),
        "inspire": (250, 3.141592653589793, 0.30000000000000004, None, None, None),
        "enable": (1200, 2.718281828459045, 0.12345678901234568, 2.5, 2.75, 3.0),
    }

    # The enable norm is corrected; the other scales are as before.
    path.write_text(
        NORMS.replace("enable,1200,2.718281828459045", "enable,1250,2.75"), encoding="utf-8"
    )
    fixed = import_file(database_url, "norms", path, review="R")
    assert _counts(fixed) == (0, 1, 2, 0)
    assert _norms(database_url, "Sector") == stored | {
        "enable": (1250, 2.75, 0.12345678901234568, 2.5, 2.75, 3.0)
    }

    details = _audit_details(database_url, "norms")
    assert [(d["inserted"], d["updated"], d["unchanged"], d["rejected"]) for d in details] == [
        (3, 0, 0, 0),
        (0, 0, 3, 0),
        (0, 1, 2, 0),
    ]


def test_norms_reimport_drops_scales_no_longer_in_the_file(
    database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "Sector.csv"
    path.write_text(NORMS, encoding="utf-8")
    import_file(database_url, "norms", path, review="R")
    path.write_text(
        "\n".join(line for line in NORMS.splitlines() if not line.startswith("inspire")) + "\n",
        encoding="utf-8",
    )
    outcome = import_file(database_url, "norms", path, review="R")
    assert _counts(outcome) == (0, 0, 2, 0)
    assert sorted(_norms(database_url, "Sector")) == ["enable", "model"]
