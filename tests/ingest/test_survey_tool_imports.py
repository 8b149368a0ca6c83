"""Every survey tool's export of one 360 imports exactly, cell by cell, on both databases.

The exports and their truth are in ``tests/ingest/data/tools`` (see its README): 12 people,
72 forms, written from each tool's documented layout. Each is imported the way a
consultant would, with ``--format auto`` and with the tool's name, no hand editing and no
mapping (except the Qualtrics numeric export's recode of "Not observed" as 6), and every
stored answer, comment, relation and completion state is compared with the truth.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from builders import stored_forms
from colead.domain import BLANK, NOT_OBSERVED
from colead.framework import load_framework
from colead.ingest.importing import import_file
from colead.store import make_engine
from colead.store.schema import Assignment, Person, Review, Wave

pytestmark = pytest.mark.integration

DATA = Path(__file__).parent / "data" / "tools"
ITEMS = load_framework().item_ids

EXPORTS = [
    ("qualtrics-text.csv", "qualtrics", None),
    ("qualtrics-self-block.csv", "qualtrics", None),
    ("qualtrics-numeric.csv", "qualtrics", "qualtrics-numeric-mapping.yaml"),
    ("msforms-by-name.xlsx", "msforms", None),
    ("msforms-by-id.xlsx", "msforms", None),
    ("googleforms.csv", "googleforms", None),
    ("surveymonkey.csv", "surveymonkey", None),
    ("surveymonkey.xlsx", "surveymonkey", None),
    ("limesurvey-codes.csv", "limesurvey", None),
    ("limesurvey-text.csv", "limesurvey", None),
]

Form = tuple[str, str, str]


def _read(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _truth(prefix: str) -> dict[Form, dict[str, object]]:
    """Per form (ratee, rater, relation): status, answers by item, and both comments."""
    forms: dict[Form, dict[str, object]] = {}
    for row in _read(f"{prefix}-forms.csv"):
        key = (row["ratee_id"], row["rater_id"], row["relation"])
        forms[key] = {"status": row["status"], "answers": {}, "comments": (None, None)}
    for row in _read(f"{prefix}.csv"):
        key = (row["ratee_id"], row["rater_id"], row["relation"])
        forms[key]["answers"][row["item_id"]] = row["value"]  # type: ignore[index]
    for row in _read(f"{prefix}-comments.csv"):
        key = (row["ratee_id"], row["rater_id"], row["relation"])
        forms[key]["comments"] = (
            row["comment_strengths"] or None,
            row["comment_suggestions"] or None,
        )
    return forms


def _stored(url: str, review: str) -> dict[Form, dict[str, object]]:
    stored: dict[Form, dict[str, object]] = {}
    for ratee_id, rater_id, relation, values, submitted, strengths, suggestions in stored_forms(
        url, review
    ):
        codes = np.frombuffer(values, dtype=np.int8)
        answers = {}
        for item, code in zip(ITEMS, codes.tolist(), strict=True):
            if code == BLANK:
                continue
            answers[item] = "not_observed" if code == NOT_OBSERVED else str(code)
        stored[(ratee_id, rater_id, relation)] = {
            "status": "completed" if submitted else "in_progress",
            "answers": answers,
            "comments": (strengths, suggestions),
        }
    return stored


def _compare(stored: dict[Form, dict[str, object]], truth: dict[Form, dict[str, object]]) -> None:
    assert sorted(stored) == sorted(truth)
    cells = 0
    for form, expected in truth.items():
        got = stored[form]
        assert got["status"] == expected["status"], form
        assert got["comments"] == expected["comments"], form
        for item in ITEMS:
            assert got["answers"].get(item) == expected["answers"].get(item), (form, item)  # type: ignore[union-attr]
            cells += 1
    assert cells == len(truth) * len(ITEMS)


def _copy(tmp_path: Path, *names: str) -> list[Path]:
    copies = []
    for name in names:
        shutil.copy(DATA / name, tmp_path / name)
        copies.append(tmp_path / name)
    return copies


@pytest.mark.parametrize(("export", "tool", "mapping"), EXPORTS, ids=[e[0] for e in EXPORTS])
def test_each_tool_export_imports_exactly(
    database_url: str, tmp_path: Path, export: str, tool: str, mapping: str | None
) -> None:
    people, path = _copy(tmp_path, "people.csv", export)
    mapping_path = DATA / mapping if mapping else None
    truth = _truth("truth")
    assert len(truth) == 72
    for review, file_format in (("auto", "auto"), ("named", tool)):
        assert import_file(database_url, "people", people, review=review).rejected == 0
        outcome = import_file(
            database_url,
            "responses",
            path,
            review=review,
            file_format=file_format,
            mapping_path=mapping_path,
        )
        assert (outcome.read, outcome.imported, outcome.rejected) == (72, 72, 0), outcome.problems
        assert outcome.problems == () and outcome.quarantine is None
        assert not any("matched no item" in note for note in outcome.notes), outcome.notes
        _compare(_stored(database_url, review), truth)
        again = import_file(
            database_url, "responses", path, review=review, file_format=file_format,
            mapping_path=mapping_path,
        )  # fmt: skip
        assert (again.imported, again.updated, again.unchanged) == (0, 0, 72)


@pytest.mark.parametrize("export", ["qualtrics-unfinished.csv", "limesurvey-unfinished.csv"])
def test_unfinished_and_repeated_responses_mid_fieldwork(
    database_url: str, tmp_path: Path, export: str
) -> None:
    people, path = _copy(tmp_path, "people.csv", export)
    assert import_file(database_url, "people", people, review="R").rejected == 0
    outcome = import_file(database_url, "responses", path, review="R")
    truth = _truth("truth-unfinished")
    in_progress = [form for form, t in truth.items() if t["status"] == "in_progress"]
    assert len(in_progress) == 1
    # the earlier of the two responses of one rater is the one rejected, saying why
    assert (outcome.imported, outcome.in_progress, outcome.rejected) == (len(truth), 1, 1)
    (problem,) = outcome.problems
    assert "answered about" in problem.message and "which was kept" in problem.message
    _compare(_stored(database_url, "R"), truth)

    assert import_file(database_url, "people", people, review="S").rejected == 0
    rejected = import_file(database_url, "responses", path, review="S", unfinished="reject",
                           dry_run=True)  # fmt: skip
    assert rejected.rejected == 2 and rejected.in_progress == 0
    assert any("did not finish" in p.message for p in rejected.problems)


def test_hr_roster_and_consultant_nominations_import_without_a_mapping(
    database_url: str, tmp_path: Path
) -> None:
    for roster in ("hr-roster.csv", "hr-roster.xlsx"):
        (path,) = _copy(tmp_path, roster)
        outcome = import_file(database_url, "people", path, review=roster)
        assert (outcome.imported, outcome.rejected) == (12, 0), outcome.problems
        assert outcome.notes == ()
        engine = make_engine(database_url)
        with engine.connect() as connection:
            stored = {
                row[0]: (row[1], row[2], row[3])
                for row in connection.execute(
                    select(Person.external_id, Person.name, Person.email, Person.level)
                    .join(Review, Review.id == Person.review_id)
                    .where(Review.name == roster)
                )
            }
        engine.dispose()
        expected = {
            row["person_id"]: (row["name"], row["email"], int(row["level"]))
            for row in _read("people.csv")
        }
        assert stored == expected
        (nominations,) = _copy(tmp_path, "nominations-consultant.csv")
        named = import_file(database_url, "nominations", nominations, review=roster)
        assert (named.imported, named.rejected) == (72, 0), named.problems
    engine = make_engine(database_url)
    with engine.connect() as connection:
        ratee, rater = Person.__table__.alias(), Person.__table__.alias()
        pairs = set(
            connection.execute(
                select(ratee.c.external_id, rater.c.external_id, Assignment.relation)
                .join(ratee, ratee.c.id == Assignment.ratee_id)
                .join(rater, rater.c.id == Assignment.rater_id)
                .join(Wave, Wave.id == Assignment.wave_id)
                .join(Review, Review.id == Wave.review_id)
                .where(Review.name == "hr-roster.csv")
            ).all()
        )
    engine.dispose()
    assert pairs == set(_truth("truth"))
