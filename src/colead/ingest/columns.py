"""Canonical columns of each import kind, their common synonyms, and matching.

Matching is case-, space- and punctuation-insensitive (``Employee ID``, ``employee_id`` and
``EmployeeID`` are one name); a mapping file's ``columns:`` section comes first.
"""

from __future__ import annotations

import re

import pandas as pd

from colead.ingest.mapping import Mapping

KINDS = ("people", "nominations", "responses", "kpis", "norms", "enrolments")

REQUIRED: dict[str, tuple[str, ...]] = {
    "people": ("person_id", "name", "organisation", "site", "level"),
    "nominations": ("ratee_id", "relation"),
    "responses": ("ratee_id", "rater_id", "relation"),
    "kpis": ("site", "period", "kpi", "value"),
    "norms": ("scale_id", "n", "mean", "sd"),
    "enrolments": ("person_id", "programme"),
}

SYNONYMS: dict[str, tuple[str, ...]] = {
    "person_id": ("employee id", "employee number", "staff id", "id", "person", "emp id"),
    "name": ("full name", "employee name", "person name"),
    "email": (
        "e-mail",
        "email address",
        "e-mail address",
        "mail",
        "work email",
        "work e-mail",
        "business email",
        "office email",
        "company email",
        "corporate email",
        "work email address",
        "email (work)",
    ),
    "organisation": ("organization", "company", "org", "employer"),
    "organisation_role": ("organization role", "org role", "party"),
    "site": ("location", "site name", "workplace", "office"),
    "role_title": ("job title", "title", "position", "role"),
    "level": ("grade", "band", "level 1-5"),
    "manager_id": ("manager", "line manager", "line manager id", "supervisor id", "reports to"),
    "ratee_id": ("ratee", "subject id", "participant id", "leader id", "rated person"),
    "ratee_email": ("participant email", "subject email", "leader email"),
    "ratee_name": ("participant name", "subject name", "leader name", "rated person name"),
    "rater_id": ("rater", "respondent id", "assessor id", "reviewer id"),
    "rater_email": ("rater e-mail", "respondent email", "reviewer email", "assessor email"),
    "rater_name": ("respondent name", "reviewer name", "assessor name"),
    "relation": ("relationship", "rater group", "rater type", "role of rater"),
    "item_id": ("item", "question id", "question"),
    "value": ("score", "rating", "answer", "response"),
    "kpi": ("kpi name", "measure", "metric", "indicator"),
    "period": ("quarter", "month", "year", "date"),
    "higher_is_better": ("higher better", "direction"),
    "target": ("goal",),
    "scale_id": ("scale", "practice"),
    "programme": ("program", "programme name", "course"),
    "start": ("start date", "from"),
    "end": ("end date", "to"),
    "completed": ("complete", "finished"),
    "progress": ("progress (%)", "percent complete"),
    "submitted_at": ("submitted", "submit date", "date submitted", "submitdate"),
    "recorded_at": ("recorded date", "recorded", "response date"),
    "comment_strengths": ("strengths", "what works well"),
    "comment_suggestions": ("suggestions", "improvements", "what could be better"),
    "wave": ("round", "survey round"),
}


def squash(name: object) -> str:
    """Lower case without spaces, underscores or punctuation: the key names are matched on."""
    return re.sub(r"[^0-9a-z]+", "", str(name).strip().lower())


_LOOKUP: dict[str, str] = {}
for _canonical, _others in SYNONYMS.items():
    for _name in (_canonical, *_others):
        _LOOKUP.setdefault(squash(_name), _canonical)
for _kind_columns in REQUIRED.values():
    for _canonical in _kind_columns:
        _LOOKUP.setdefault(squash(_canonical), _canonical)


def match_columns(frame: pd.DataFrame, mapping: Mapping) -> pd.DataFrame:
    """Rename a frame's columns to canonical names; unknown columns keep their own name.

    When two file columns would both become the same canonical column, the first keeps it
    and the other keeps its original name (so nothing is silently overwritten).
    """
    explicit = {squash(k): v for k, v in mapping.columns.items()}
    renamed: dict[str, str] = {}
    taken: set[str] = set()
    for column in frame.columns:
        key = squash(column)
        target = explicit.get(key) or _LOOKUP.get(key)
        if target is None or target in taken:
            renamed[str(column)] = str(column)
            continue
        renamed[str(column)] = target
        taken.add(target)
    return frame.rename(columns=renamed)


#: every canonical column name of every kind
CANONICAL_COLUMNS = frozenset(SYNONYMS) | {c for cols in REQUIRED.values() for c in cols}

#: columns each kind reads besides its required ones (responses: see survey_tools)
OPTIONAL: dict[str, tuple[str, ...]] = {
    "people": ("email", "organisation_role", "role_title", "manager_id"),
    "nominations": (
        "ratee_id", "ratee_email", "ratee_name", "rater_id", "rater_email", "rater_name",
    ),
    "kpis": ("higher_is_better", "target"),
    "norms": ("source", "p5", "p10", "p25", "p50", "p75", "p90", "p95"),
    "enrolments": ("start", "end", "completed"),
}  # fmt: skip
_EMAIL_LIKE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def unread_columns(frame: pd.DataFrame, kind: str) -> list[str]:
    """Notes naming every column of a table that an import of ``kind`` does not read.

    A dropped column is often one the user needs (a "Work email" the synonyms missed),
    so each is named, with a louder note when its cells look like e-mail addresses and
    the table has no e-mail column.
    """
    known = {*REQUIRED.get(kind, ()), *OPTIONAL.get(kind, ())}
    unread = [str(c) for c in frame.columns if str(c) not in known]
    if not unread:
        return []
    notes = [
        f"column(s) {', '.join(repr(c) for c in unread)} were not read: a {kind} file has no "
        "column of that name. If one holds something colead should read, name its column "
        "in the mapping file's 'columns:' section (e.g. \"Mail (work): email\" reads it as "
        "the e-mail; docs/importing.md lists the canonical names)"
    ]
    wants_email = kind == "people" and "email" not in frame.columns
    for column in unread:
        values = frame[column].dropna().astype(str).str.strip()
        values = values[values != ""]
        if (
            wants_email
            and len(values)
            and values.head(50).map(_EMAIL_LIKE.match).notna().mean() > 0.8
        ):
            notes.append(
                f"column {column!r} holds e-mail addresses but was not read as the e-mail; "
                f"map it in 'columns:' ({column}: email) or rename it 'email'"
            )
    return notes
