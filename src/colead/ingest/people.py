"""Import people (with their organisations, sites and managers) into a review."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from colead.domain import LEVEL_LABELS, OrganisationRole
from colead.ingest.labels import LabelReader
from colead.ingest.mapping import Mapping
from colead.ingest.problems import (
    ImportReport,
    ProblemLog,
    RowNumbers,
    Severity,
    column_values,
    require_columns,
    text,
)
from colead.store.people import person_ids, upsert_organisations, upsert_people, upsert_sites
from colead.store.reviews import audit
from colead.store.schema import Review

REQUIRED = ("person_id", "name", "organisation", "site", "level")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ROLES = {r.value for r in OrganisationRole}


def import_people(
    session: Session,
    review: Review,
    frame: pd.DataFrame,
    source: str,
    *,
    regions: dict[str, str] | None = None,
    rows: RowNumbers | None = None,
    actor: str = "import",
    mapping: Mapping | None = None,
) -> ImportReport:
    """Validate a canonical people table and store the valid rows.

    Levels are 1–5 or a label such as "Director" or "Team Leader"
    (:mod:`colead.ingest.labels`; a mapping's ``levels:`` section adds others). Rows with
    a missing id, name, organisation or site, a level that is neither, or an id already
    used earlier in the file are rejected; an unknown manager or an unusable e-mail
    address keeps the person and drops only that field (a warning).
    """
    labels = LabelReader(levels=mapping.levels if mapping else None)
    require_columns(frame, REQUIRED, source, "people")
    rows = rows or RowNumbers()
    report = ImportReport(kind="people", source=source, rows=len(frame))
    problem = ProblemLog(report)

    valid: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for position, (pid, name, email, org, role, site, title, level, manager) in enumerate(
        zip(
            column_values(frame, "person_id"),
            column_values(frame, "name"),
            column_values(frame, "email"),
            column_values(frame, "organisation"),
            column_values(frame, "organisation_role"),
            column_values(frame, "site"),
            column_values(frame, "role_title"),
            column_values(frame, "level"),
            column_values(frame, "manager_id"),
            strict=True,
        )
    ):
        row = rows(position)
        record: dict[str, Any] = {
            "external_id": text(pid),
            "name": text(name),
            "email": text(email),
            "organisation": text(org),
            "organisation_role": text(role),
            "site": text(site),
            "role_title": text(title),
            "level": labels.level(level),
            "manager_external_id": text(manager),
        }
        errors_before = len(report.problems)
        for field, column_name in (
            ("external_id", "person_id"),
            ("name", "name"),
            ("organisation", "organisation"),
            ("site", "site"),
        ):
            if record[field] is None:
                problem(row, column_name, None, "is empty", f"Give every person a {column_name}.")
        if record["level"] not in LEVEL_LABELS:
            problem(
                row,
                "level",
                level,
                "is not a level from 1 to 5",
                f"Use a number or a label: {LabelReader.level_choices()}. Other labels can "
                "be mapped in the mapping file's 'levels:' section.",
            )
        pid_text = record["external_id"]
        if pid_text is not None and pid_text in seen:
            problem(
                row,
                "person_id",
                pid_text,
                f"repeats the id of row {seen[pid_text]}",
                "Give each person one row; remove or renumber the duplicate.",
            )
        role_text = record["organisation_role"]
        if role_text is not None and role_text.lower() not in _ROLES:
            problem(
                row,
                "organisation_role",
                role_text,
                "is not a known organisation role",
                f"Use one of {', '.join(sorted(_ROLES))}, or leave it empty.",
            )
        if len(report.problems) > errors_before:
            continue
        assert pid_text is not None
        seen[pid_text] = row
        if record["email"] is not None and not _EMAIL.match(record["email"]):
            problem(
                row,
                "email",
                record["email"],
                "is not an e-mail address",
                "The person is kept without an e-mail; correct it and import again.",
                Severity.warning,
            )
            record["email"] = None
        record["organisation_role"] = role_text.lower() if role_text else None
        record["_row"] = row
        valid.append(record)

    known = set(person_ids(session, review.id)) | {r["external_id"] for r in valid}
    for record in valid:
        manager = record["manager_external_id"]
        if manager is not None and (manager not in known or manager == record["external_id"]):
            problem(
                record["_row"],
                "manager_id",
                manager,
                "is not the id of another person in this review",
                "The person is kept without a manager; add the manager and import again.",
                Severity.warning,
            )
            record["manager_external_id"] = None

    organisations = upsert_organisations(
        session, review.id, {r["organisation"]: r["organisation_role"] for r in valid}
    )
    regions = regions or {}
    sites = upsert_sites(session, review.id, {r["site"]: regions.get(r["site"]) for r in valid})
    for record in valid:
        record["organisation_id"] = organisations[record["organisation"]]
        record["site_id"] = sites[record["site"]]
    report.inserted, report.updated, report.unchanged = upsert_people(session, review.id, valid)
    audit(
        session,
        actor,
        "import",
        "people",
        review_id=review.id,
        source=source,
        inserted=report.inserted,
        updated=report.updated,
        rejected=len(report.rejected_rows),
    )
    return report
