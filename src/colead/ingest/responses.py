"""Import nominations (who rates whom) and responses (packed item codes) into a wave."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from colead.domain import BLANK, NOT_OBSERVED
from colead.errors import InvalidData
from colead.framework import Framework
from colead.ingest.completion import UNFINISHED_CHOICES, Completion, read_completion
from colead.ingest.mapping import Mapping
from colead.ingest.pairs import RATEE_COLUMNS, RATER_COLUMNS, Pair, PairRules, names_someone
from colead.ingest.problems import (
    ImportReport,
    ProblemLog,
    RowNumbers,
    Severity,
    column_values,
    text,
)
from colead.store.release import released_answers
from colead.store.reviews import audit
from colead.store.schema import FrameworkVersion, Wave
from colead.store.waves import PackedResponse, add_assignments, assignment_index, save_responses


def require_people_columns(frame: pd.DataFrame, source: str, kind: str) -> None:
    """Refuse a table that cannot name a ratee, a rater or a relation in any row."""
    missing = []
    if not names_someone(frame, RATEE_COLUMNS):
        missing.append("the rated person (ratee_id, ratee_email or ratee_name)")
    if not names_someone(frame, RATER_COLUMNS):
        missing.append("the rater (rater_id, rater_email or rater_name)")
    if "relation" not in frame.columns:
        missing.append("the relation (relation)")
    if missing:
        raise InvalidData(
            f"{source}: the {kind} table has no column for {'; '.join(missing)}.",
            f"Columns found: {', '.join(map(str, frame.columns))}. Rename a column or map it "
            "in the mapping file's 'columns:' section (see docs/importing.md).",
        )


def import_nominations(
    session: Session,
    review_id: int,
    wave: Wave,
    frame: pd.DataFrame,
    source: str,
    *,
    rows: RowNumbers | None = None,
    actor: str = "import",
    mapping: Mapping | None = None,
) -> tuple[ImportReport, dict[tuple[int, int], str]]:
    """Create assignments from rows naming a ratee, a rater and their relation.

    People are named by id, e-mail or unique name (:mod:`colead.ingest.person_refs`) and
    relations by any known label (:mod:`colead.ingest.labels`). Returns the report and the
    plain survey tokens of the new assignments.
    """
    require_people_columns(frame, source, "nominations")
    rows = rows or RowNumbers()
    report = ImportReport(kind="nominations", source=source, rows=len(frame))
    log = ProblemLog(report)
    rules = PairRules(session, review_id, log, frame, mapping)
    pairs: list[tuple[int, int, str]] = []
    first_row: dict[tuple[str, str], int] = {}
    for position in range(len(frame)):
        row = rows(position)
        pair = rules.pair(position, row)
        if pair is None:
            continue
        if (pair.ratee, pair.rater) in first_row:
            log(
                row,
                "rater_id",
                pair.rater,
                f"nominates the same rater for {pair.ratee} as row "
                f"{first_row[(pair.ratee, pair.rater)]}",
                "Keep one row per rater and ratee.",
            )
            continue
        first_row[(pair.ratee, pair.rater)] = row
        pairs.append((rules.ids[pair.ratee], rules.ids[pair.rater], pair.relation))
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
    mapping: Mapping | None = None,
    unfinished: str = "keep",
) -> ImportReport:
    """Store forms: ``meta`` rows (ratee, rater, relation, comments and the completion
    columns of :mod:`colead.ingest.completion`) with their item codes (forms x framework
    items, int8).

    A form for a pair that has no assignment yet creates one (survey tools often collect
    answers without a nomination list). A form is rejected whole when its relation
    contradicts its assignment, when it holds a value outside the response scale, or when
    a finished response has no answer at all (a completed form always holds one: a form
    counted in results must have something to count). An unfinished response is stored
    as in progress (not counted in results or response rates) when ``unfinished`` is
    ``"keep"``, or rejected with its reason when it is ``"reject"``. When a rater answered
    about one ratee twice, a finished response is kept before an unfinished one, then the
    one recorded last (``recorded_at``, else the later row); the other is rejected.
    """
    if unfinished not in UNFINISHED_CHOICES:
        raise ValueError(f"unfinished must be one of {UNFINISHED_CHOICES}")
    require_people_columns(meta, source, "responses")
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
    rules = PairRules(session, review_id, log, meta, mapping)
    completion = read_completion(meta)
    strengths, suggestions = (
        column_values(meta, "comment_strengths"),
        column_values(meta, "comment_suggestions"),
    )

    scale = framework.response_scale
    allowed = np.zeros(256, dtype=bool)
    allowed[np.arange(scale.minimum, scale.maximum + 1) % 256] = True
    allowed[[BLANK % 256, NOT_OBSERVED % 256]] = True
    bad_cells = ~allowed[codes.astype(np.uint8)]
    bad_rows = set(np.flatnonzero(bad_cells.any(axis=1)).tolist())
    no_items = set(np.flatnonzero((codes == BLANK).all(axis=1)).tolist())

    index = assignment_index(session, wave.id)
    finished: list[bool] = completion.finished.tolist()
    checked: list[tuple[Pair, int]] = []
    for position in range(len(meta)):
        row = rows(position)
        pair = rules.pair(position, row)
        if pair is None:
            continue
        key = (rules.ids[pair.ratee], rules.ids[pair.rater])
        if key in index and index[key][1] != pair.relation:
            log(
                row,
                "relation",
                pair.relation,
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
        empty = position in no_items and not (
            text(strengths[position]) or text(suggestions[position])
        )
        if not finished[position]:
            if unfinished == "reject":
                log(
                    row,
                    "completed",
                    None,
                    f"is a response the respondent did not finish ({completion.reason(position)})",
                    "It was not stored because unfinished responses were to be rejected; import "
                    "again keeping unfinished responses to store it as in progress, or let the "
                    "rater finish it.",
                )
                continue
            if empty:
                log(
                    row,
                    "completed",
                    None,
                    "is an unfinished response with no answers yet "
                    f"({completion.reason(position)}); there was nothing to store",
                    "Nothing to do; a later export will hold the answers once given.",
                    Severity.warning,
                )
                continue
        elif empty:
            log(
                row,
                None,
                None,
                "is a finished response with no answers in any question column colead read; "
                "the form was not stored",
                "If the answers are in columns the import did not match (see the notes), map "
                "them in the mapping file's 'items:' section; otherwise remove the row.",
            )
            continue
        checked.append((pair, position))

    accepted = [
        (rules.ids[pair.ratee], rules.ids[pair.rater], pair.relation, position)
        for pair, position in _latest_of_each_pair(checked, completion, rows, log)
    ]
    add_assignments(session, wave.id, [(a, b, rel) for a, b, rel, _ in accepted])
    index = assignment_index(session, wave.id)
    packed = np.ascontiguousarray(codes, dtype=np.int8)
    accepted = _published_unchanged(
        accepted,
        index,
        packed,
        completion,
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
                submitted=finished[position],
            )
            for a, b, _, position in accepted
        ],
    )
    report.in_progress = sum(not finished[p] for *_, p in accepted)
    if report.in_progress:
        report.notes.append(
            f"{report.in_progress} response(s) were unfinished in the survey tool and were "
            "stored as in progress: they count in no result and no response rate until "
            "completed (import with unfinished responses rejected to leave them out)"
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
        in_progress=report.in_progress,
        rejected=len(report.rejected_rows),
    )
    return report


def _latest_of_each_pair(
    checked: list[tuple[Pair, int]],
    completion: Completion,
    rows: RowNumbers,
    log: ProblemLog,
) -> list[tuple[Pair, int]]:
    """One response per rater and ratee: a finished one before an unfinished one (a rater
    who finished and then opened the survey again has not withdrawn the answers), then the
    one recorded last (by ``recorded_at`` when all have one, else the later row of the
    file). The others are rejected, saying which was kept and why."""
    by_pair: dict[tuple[str, str], list[tuple[Pair, int]]] = {}
    for pair, position in checked:
        by_pair.setdefault((pair.ratee, pair.rater), []).append((pair, position))
    if len(by_pair) == len(checked):
        return checked
    recorded = completion.recorded

    def when(position: int) -> pd.Timestamp | None:
        if recorded is None:
            return None
        value = recorded.iat[position]
        return None if pd.isna(value) else value

    kept: list[tuple[Pair, int]] = []
    for responses in by_pair.values():
        if len(responses) == 1:
            kept.append(responses[0])
            continue
        times = [when(p) for _, p in responses]
        dated = all(t is not None for t in times)
        done = [bool(completion.finished[p]) for _, p in responses]
        order = sorted(
            range(len(responses)),
            key=lambda k: (
                (done[k], times[k], responses[k][1]) if dated else (done[k], responses[k][1])
            ),
        )
        last = order[-1]
        winner = responses[last]
        kept.append(winner)
        for k in order[:-1]:
            pair, position = responses[k]
            if done[last] and not done[k]:
                why = (
                    f"unfinished, while row {rows(winner[1])} is a finished response, "
                    "which was kept"
                )
            elif dated:
                why = (
                    f"recorded {times[k]:%Y-%m-%d %H:%M}, before row {rows(winner[1])} "
                    f"(recorded {times[last]:%Y-%m-%d %H:%M}), which was kept"
                )
            else:
                why = f"an earlier row than row {rows(winner[1])}, which was kept"
            log(
                rows(position),
                "rater_id",
                pair.rater,
                f"answered about {pair.ratee} again; this response is {why}",
                "colead keeps one response of a rater about a ratee: the latest finished one. "
                "Remove this row if that is right, or the other one if this is the response "
                "to keep.",
            )
    kept.sort(key=lambda item: item[1])
    return kept


def _published_unchanged(
    accepted: list[tuple[int, int, str, int]],
    index: dict[tuple[int, int], tuple[int, str]],
    packed: np.ndarray,
    completion: Completion,
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
        if before is not None and (before != now or not completion.finished[position]):
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
