"""Import nominations (who rates whom) and responses (packed item codes) into a wave."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from colead.domain import BLANK, NOT_OBSERVED, Relation
from colead.errors import InvalidData
from colead.framework import Framework
from colead.ingest.problems import (
    ImportReport,
    ProblemLog,
    RowNumbers,
    column_values,
    require_columns,
    text,
)
from colead.store.release import released_answers
from colead.store.reviews import audit
from colead.store.schema import FrameworkVersion, Organisation, Person, Wave
from colead.store.waves import PackedResponse, add_assignments, assignment_index, save_responses

_RELATIONS = {r.value for r in Relation}


class _PairRules:
    """Checks shared by nominations and responses: known people and a coherent relation."""

    def __init__(self, session: Session, review_id: int, log: ProblemLog) -> None:
        rows = session.execute(
            select(Person.external_id, Person.id, Organisation.name, Person.manager_id)
            .join(Organisation, Organisation.id == Person.organisation_id)
            .where(Person.review_id == review_id)
        )
        self.ids: dict[str, int] = {}
        self.organisation: dict[str, str] = {}
        manager_of: dict[str, int] = {}
        for external, ident, organisation, manager in rows:
            self.ids[external] = ident
            self.organisation[external] = organisation
            if manager is not None:
                manager_of[external] = manager
        external_of = {ident: external for external, ident in self.ids.items()}
        self.line_manager = {p: external_of[m] for p, m in manager_of.items() if m in external_of}
        self.log = log

    def check(self, row: int, ratee: str | None, rater: str | None, relation: str | None) -> bool:
        before = len(self.log.report.problems)
        for column, person in (("ratee_id", ratee), ("rater_id", rater)):
            if person is None:
                self.log(row, column, None, "is empty", "Give the id of a person in the review.")
            elif person not in self.ids:
                self.log(
                    row,
                    column,
                    person,
                    "is not a person in this review",
                    "Import the person first (colead import people) or correct the id.",
                )
        if relation is None or relation not in _RELATIONS:
            self.log(
                row,
                "relation",
                relation,
                "is not a known relation",
                f"Use one of {', '.join(r.value for r in Relation)}.",
            )
        if len(self.log.report.problems) > before:
            return False
        assert ratee is not None and rater is not None
        if (relation == Relation.self.value) != (ratee == rater):
            self.log(
                row,
                "relation",
                relation,
                "self-ratings need rater_id equal to ratee_id, and only they may have it",
                "Use relation 'self' exactly when the rater rates themself.",
            )
        elif relation == Relation.partner.value and (
            self.organisation[ratee] == self.organisation[rater]
        ):
            self.log(
                row,
                "relation",
                relation,
                f"partner raters come from the other organisation, but both are in "
                f"{self.organisation[ratee]!r}",
                "Use 'peer' or 'other' for colleagues of the same organisation.",
            )
        elif relation == Relation.manager.value and self.line_manager.get(ratee, rater) != rater:
            # A line manager's answers are shown to the ratee on their own (the one exception
            # to the anonymity minimum besides self), so only the manager on record may be one.
            self.log(
                row,
                "relation",
                relation,
                f"{rater} is not the line manager on record of {ratee} "
                f"({self.line_manager[ratee]} is); a manager's answers are shown on their own",
                "Use 'peer', 'direct_report' or 'other' for anyone else, or correct "
                "manager_id in the people file first.",
            )
        return len(self.log.report.problems) == before


def _people_by_email(session: Session, review_id: int) -> dict[str, str]:
    rows = session.execute(
        select(Person.email, Person.external_id).where(
            Person.review_id == review_id, Person.email.is_not(None)
        )
    )
    return {str(email).lower(): external for email, external in rows}


def import_nominations(
    session: Session,
    review_id: int,
    wave: Wave,
    frame: pd.DataFrame,
    source: str,
    *,
    rows: RowNumbers | None = None,
    actor: str = "import",
) -> tuple[ImportReport, dict[tuple[int, int], str]]:
    """Create assignments from ``ratee_id, rater_id (or rater_email), relation`` rows.

    A rater may be named by e-mail instead of id (matched case-insensitively to the
    people of the review). Returns the report and the plain survey tokens of the new
    assignments.
    """
    if "rater_id" not in frame.columns and "rater_email" in frame.columns:
        frame = frame.assign(rater_id=None)
    require_columns(frame, ("ratee_id", "rater_id", "relation"), source, "nominations")
    rows = rows or RowNumbers()
    report = ImportReport(kind="nominations", source=source, rows=len(frame))
    log = ProblemLog(report)
    rules = _PairRules(session, review_id, log)
    by_email = _people_by_email(session, review_id)
    emails = column_values(frame, "rater_email")
    pairs: list[tuple[int, int, str]] = []
    first_row: dict[tuple[str, str], int] = {}
    for position, (ratee, rater, relation) in enumerate(
        zip(frame["ratee_id"], frame["rater_id"], frame["relation"], strict=True)
    ):
        row = rows(position)
        ratee_s, rater_s, relation_s = text(ratee), text(rater), _relation(relation)
        email = text(emails[position])
        if rater_s is None and email is not None:
            rater_s = by_email.get(email.lower())
            if rater_s is None:
                log(
                    row,
                    "rater_email",
                    email,
                    "is not the e-mail of a person in this review",
                    "Correct the address or give the rater's person id in rater_id.",
                )
                continue
        if not rules.check(row, ratee_s, rater_s, relation_s):
            continue
        assert ratee_s is not None and rater_s is not None and relation_s is not None
        if (ratee_s, rater_s) in first_row:
            log(
                row,
                "rater_id",
                rater_s,
                f"nominates the same rater for {ratee_s} as row {first_row[(ratee_s, rater_s)]}",
                "Keep one row per rater and ratee.",
            )
            continue
        first_row[(ratee_s, rater_s)] = row
        pairs.append((rules.ids[ratee_s], rules.ids[rater_s], relation_s))
    tokens = add_assignments(session, wave.id, pairs)
    report.inserted = len(tokens)
    audit(
        session,
        actor,
        "import",
        "nominations",
        wave.id,
        review_id=review_id,
        source=source,
        inserted=report.inserted,
        rejected=len(report.rejected_rows),
    )
    return report, tokens


def import_responses(
    session: Session,
    review_id: int,
    wave: Wave,
    framework: Framework,
    meta: pd.DataFrame,
    codes: np.ndarray,
    source: str,
    *,
    rows: RowNumbers | None = None,
    actor: str = "import",
) -> ImportReport:
    """Store completed forms: ``meta`` rows (ratee_id, rater_id, relation, comments) with
    their item codes (forms × framework items, int8).

    A form for a pair that has no assignment yet creates one (survey tools often collect
    answers without a nomination list). A form whose relation contradicts its assignment,
    or that holds a value outside the response scale, is rejected whole: a half-stored
    form would change scores silently.
    """
    require_columns(meta, ("ratee_id", "rater_id", "relation"), source, "responses")
    if codes.shape != (len(meta), len(framework.item_ids)):
        raise ValueError("codes must have one row per form and one column per framework item")
    wave_framework = session.get_one(FrameworkVersion, wave.framework_version_id)
    if wave_framework.fingerprint != framework.fingerprint:
        raise InvalidData(
            f"{source}: the answers were read with framework {framework.label}, but wave "
            f"{wave.name!r} uses {wave_framework.framework_id} {wave_framework.version}.",
            "Read the file with the wave's framework (--framework) or import into a wave "
            "that uses this one.",
        )
    rows = rows or RowNumbers()
    report = ImportReport(kind="responses", source=source, rows=len(meta))
    log = ProblemLog(report)
    rules = _PairRules(session, review_id, log)

    scale = framework.response_scale
    allowed = np.zeros(256, dtype=bool)
    allowed[np.arange(scale.minimum, scale.maximum + 1) % 256] = True
    allowed[[BLANK % 256, NOT_OBSERVED % 256]] = True
    bad_cells = ~allowed[codes.astype(np.uint8)]
    bad_rows = set(np.flatnonzero(bad_cells.any(axis=1)).tolist())

    index = assignment_index(session, wave.id)
    accepted: list[tuple[int, int, str, int]] = []
    seen: dict[tuple[int, int], int] = {}
    for position, (ratee, rater, relation) in enumerate(
        zip(
            column_values(meta, "ratee_id"),
            column_values(meta, "rater_id"),
            column_values(meta, "relation"),
            strict=True,
        )
    ):
        row = rows(position)
        ratee_s, rater_s, relation_s = text(ratee), text(rater), _relation(relation)
        if not rules.check(row, ratee_s, rater_s, relation_s):
            continue
        assert ratee_s is not None and rater_s is not None and relation_s is not None
        key = (rules.ids[ratee_s], rules.ids[rater_s])
        if key in index and index[key][1] != relation_s:
            log(
                row,
                "relation",
                relation_s,
                f"differs from the nomination of this rater ({index[key][1]!r})",
                "Correct the relation in the file or in the nominations.",
            )
            continue
        if position in bad_rows:
            item = framework.item_ids[int(np.flatnonzero(bad_cells[position])[0])]
            log(
                row,
                item,
                int(codes[position, framework.item_ids.index(item)]),
                "is outside the response scale",
                f"Use {scale.minimum}–{scale.maximum}, or leave blank for not observed.",
            )
            continue
        if key in seen:
            log(
                row,
                "rater_id",
                rater_s,
                f"repeats the form of row {seen[key]}",
                "Keep one form per rater and ratee (the latest answers).",
            )
            continue
        seen[key] = row
        accepted.append((key[0], key[1], relation_s, position))

    add_assignments(session, wave.id, [(a, b, rel) for a, b, rel, _ in accepted])
    index = assignment_index(session, wave.id)
    strengths, suggestions = (
        column_values(meta, "comment_strengths"),
        column_values(meta, "comment_suggestions"),
    )
    packed = np.ascontiguousarray(codes, dtype=np.int8)
    accepted = _published_unchanged(
        accepted,
        index,
        packed,
        (column_values(meta, "rater_id"), strengths, suggestions),
        session,
        rows,
        log,
    )
    report.inserted, report.updated, report.unchanged = save_responses(
        session,
        wave.framework_version_id,
        [
            PackedResponse(
                assignment_id=index[(a, b)][0],
                codes=packed[position].tobytes(),
                comment_strengths=text(strengths[position]),
                comment_suggestions=text(suggestions[position]),
            )
            for a, b, _, position in accepted
        ],
    )
    audit(
        session,
        actor,
        "import",
        "responses",
        wave.id,
        review_id=review_id,
        source=source,
        inserted=report.inserted,
        rejected=len(report.rejected_rows),
    )
    return report


def _published_unchanged(
    accepted: list[tuple[int, int, str, int]],
    index: dict[tuple[int, int], tuple[int, str]],
    packed: np.ndarray,
    columns: tuple[Sequence[Any], Sequence[Any], Sequence[Any]],
    session: Session,
    rows: RowNumbers,
    log: ProblemLog,
) -> list[tuple[int, int, str, int]]:
    """The accepted forms, less those that would change answers already published.

    Published answers never change (see :mod:`colead.fieldwork.release`): the results
    before and after such a change would give away what one rater changed.
    """
    published = released_answers(session, [index[(a, b)][0] for a, b, _, _ in accepted])
    if not published:
        return accepted
    raters, strengths, suggestions = columns
    kept = []
    for a, b, relation, position in accepted:
        before = published.get(index[(a, b)][0])
        now = (
            packed[position].tobytes(),
            text(strengths[position]),
            text(suggestions[position]),
        )
        if before is not None and before != now:
            log(
                rows(position),
                "rater_id",
                text(raters[position]),
                "has answers that were published when the wave closed; published answers "
                "cannot change (the results before and after would show what this rater "
                "changed)",
                "Leave this form as it was, or import corrected answers into a new wave.",
            )
            continue
        kept.append((a, b, relation, position))
    return kept


def _relation(value: Any) -> str | None:
    word = text(value)
    return None if word is None else word.lower().replace(" ", "_").replace("-", "_")
