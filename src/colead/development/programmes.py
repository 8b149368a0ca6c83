"""Development programmes of a review: create them, enrol people, record attendance and
completion, and give their fully loaded costs to the ROI.

Every function works in the caller's transaction and writes to the audit log. The command
line (:mod:`colead.cli.programme`) and the admin console call the same functions; files of
enrolments arrive through ``colead import enrolments`` (:mod:`colead.ingest.outcomes`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from colead.analysis.roi import ProgrammeCosts
from colead.errors import AlreadyExists, InvalidData, NotFound, UnknownPerson
from colead.store.people import person_ids as review_person_ids
from colead.store.programmes import (
    EnrolmentRow,
    ProgrammeRow,
    add_enrolments,
    add_programme,
    enrolment_rows,
    enrolments_of,
    find_programme,
    programme_names,
    programme_rows,
)
from colead.store.reviews import audit, get_review, refuse_slash
from colead.store.schema import Programme, Review

__all__ = [
    "EnrolResult",
    "ProgrammeDetail",
    "ProgrammeSummary",
    "create_programme",
    "enrol",
    "list_programmes",
    "programme_costs",
    "programme_in",
    "record_attendance",
    "set_completed",
    "set_costs",
    "show_programme",
]


@dataclass(frozen=True)
class ProgrammeSummary:
    """A programme as listed: its details, who is enrolled and what it costs."""

    name: str
    provider: str | None
    start_date: date | None
    end_date: date | None
    cost_per_participant: float | None
    other_costs: float | None
    enrolled: int
    completed: int
    sessions_attended: int
    sessions_total: int
    #: enrolments with a record of attendance
    with_attendance: int

    @property
    def total_cost(self) -> float | None:
        """Cost per participant × enrolled + other costs; None when no cost is recorded.

        Everyone enrolled counts, completed or not: the money was spent on them (Phillips'
        fully loaded costs)."""
        if self.cost_per_participant is None and self.other_costs is None:
            return None
        return (self.cost_per_participant or 0.0) * self.enrolled + (self.other_costs or 0.0)

    @property
    def attendance_rate(self) -> float | None:
        """Sessions attended / sessions held, over enrolments with a record of it."""
        return self.sessions_attended / self.sessions_total if self.sessions_total else None

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.enrolled if self.enrolled else None


@dataclass(frozen=True)
class ProgrammeDetail:
    summary: ProgrammeSummary
    enrolments: tuple[EnrolmentRow, ...]


@dataclass(frozen=True)
class EnrolResult:
    programme: str
    added: tuple[str, ...]
    already: tuple[str, ...]


def _summary(row: ProgrammeRow) -> ProgrammeSummary:
    return ProgrammeSummary(
        name=row.name,
        provider=row.provider,
        start_date=row.start_date,
        end_date=row.end_date,
        cost_per_participant=row.cost_per_participant,
        other_costs=row.other_costs,
        enrolled=row.enrolled,
        completed=row.completed,
        sessions_attended=row.sessions_attended,
        sessions_total=row.sessions_total,
        with_attendance=row.with_attendance,
    )


def programme_in(session: Session, review: Review, name: str) -> Programme:
    """The review's programme called ``name``; NotFound names the known ones."""
    programme = find_programme(session, review.id, name)
    if programme is None:
        known = programme_names(session, review.id)
        hint = (
            "Known programmes: " + ", ".join(known)
            if known
            else "Create one with `colead programme create`."
        )
        raise NotFound(f"No programme named {name!r} in review {review.name!r}.", hint)
    return programme


def _people(session: Session, review: Review, people: Sequence[str]) -> dict[str, int]:
    """External id -> database id; every unknown id is named in one error."""
    if not people:
        raise InvalidData("Name at least one person.", "Use --person ID (repeat for several).")
    known = review_person_ids(session, review.id, list(dict.fromkeys(people)))
    unknown = [p for p in dict.fromkeys(people) if p not in known]
    if unknown:
        raise UnknownPerson(
            f"Not a person in review {review.name!r}: {', '.join(unknown)}.",
            "Import the people first (`colead import people`) or correct the id.",
        )
    return {p: known[p] for p in dict.fromkeys(people)}


def _check_money(label: str, value: float | None) -> None:
    if value is not None and (value < 0 or value != value):
        raise InvalidData(f"The {label} cannot be negative (got {value}).", "Give 0 or more.")


def create_programme(
    session: Session,
    review_name: str,
    name: str,
    *,
    provider: str | None = None,
    start_date: date | None = None,
    end_date: date | None = None,
    cost_per_participant: float | None = None,
    other_costs: float | None = None,
    actor: str = "system",
) -> ProgrammeSummary:
    """Create a programme in a review; a name is used once per review."""
    review = get_review(session, review_name)
    name = name.strip()
    if not name:
        raise InvalidData("A programme needs a name.", "Give --name.")
    refuse_slash("programme", name)
    if start_date and end_date and end_date < start_date:
        raise InvalidData(
            f"The programme ends ({end_date}) before it starts ({start_date}).",
            "Check the order of --start and --end.",
        )
    _check_money("cost per participant", cost_per_participant)
    _check_money("other costs", other_costs)
    if find_programme(session, review.id, name) is not None:
        raise AlreadyExists(
            f"Review {review.name!r} already has a programme named {name!r}.",
            "Choose another name, or enrol people in the existing one.",
        )
    programme = add_programme(
        session,
        review.id,
        name,
        provider=provider,
        start_date=start_date,
        end_date=end_date,
        cost_per_participant=cost_per_participant,
        other_costs=other_costs,
    )
    audit(
        session,
        actor,
        "create",
        "programme",
        programme.id,
        review_id=review.id,
        name=name,
        provider=provider,
        start=start_date.isoformat() if start_date else None,
        end=end_date.isoformat() if end_date else None,
        cost_per_participant=cost_per_participant,
        other_costs=other_costs,
    )
    return _summary(programme_rows(session, review.id, programme.id)[0])


def list_programmes(session: Session, review_name: str) -> list[ProgrammeSummary]:
    review = get_review(session, review_name)
    return [_summary(row) for row in programme_rows(session, review.id)]


def show_programme(session: Session, review_name: str, name: str) -> ProgrammeDetail:
    review = get_review(session, review_name)
    programme = programme_in(session, review, name)
    return ProgrammeDetail(
        summary=_summary(programme_rows(session, review.id, programme.id)[0]),
        enrolments=tuple(enrolment_rows(session, programme.id)),
    )


def enrol(
    session: Session,
    review_name: str,
    name: str,
    people: Sequence[str],
    *,
    actor: str = "system",
) -> EnrolResult:
    """Enrol people by their person id; people already enrolled are left as they are."""
    review = get_review(session, review_name)
    programme = programme_in(session, review, name)
    ids = _people(session, review, people)
    current = enrolments_of(session, programme.id, list(ids.values()))
    added = tuple(p for p, i in ids.items() if i not in current)
    already = tuple(p for p, i in ids.items() if i in current)
    if added:
        add_enrolments(session, programme.id, [ids[p] for p in added])
        audit(
            session,
            actor,
            "enrol",
            "programme",
            programme.id,
            review_id=review.id,
            people=list(added),
        )
    return EnrolResult(programme=programme.name, added=added, already=already)


def record_attendance(
    session: Session,
    review_name: str,
    name: str,
    person: str,
    attended: int,
    of: int | None = None,
    *,
    actor: str = "system",
) -> EnrolmentRow:
    """Record how many of the programme's sessions an enrolled person attended.

    ``of`` (the sessions held) is kept from an earlier record when not given.
    """
    review = get_review(session, review_name)
    programme = programme_in(session, review, name)
    pid = _people(session, review, [person])[person]
    enrolment = enrolments_of(session, programme.id, [pid]).get(pid)
    if enrolment is None:
        raise NotFound(
            f"{person} is not enrolled in {programme.name!r}.",
            "Enrol them first with `colead programme enrol`.",
        )
    total = of if of is not None else enrolment.sessions_total
    if attended < 0:
        raise InvalidData(f"Sessions attended cannot be negative (got {attended}).")
    if total is None:
        raise InvalidData(
            "The number of sessions held is not known yet.", "Give it once with --of M."
        )
    if total < 1:
        raise InvalidData(f"A programme holds at least one session (got {total}).")
    if attended > total:
        raise InvalidData(
            f"{person} cannot attend {attended} of {total} sessions.",
            "Check --attended and --of.",
        )
    before = (enrolment.sessions_attended, enrolment.sessions_total)
    enrolment.sessions_attended, enrolment.sessions_total = attended, total
    session.flush()
    audit(
        session,
        actor,
        "attendance",
        "enrolment",
        enrolment.id,
        review_id=review.id,
        programme=programme.name,
        person=person,
        before=list(before),
        after=[attended, total],
    )
    return enrolment_rows(session, programme.id, pid)[0]


def set_completed(
    session: Session,
    review_name: str,
    name: str,
    people: Sequence[str],
    completed: bool = True,
    *,
    actor: str = "system",
) -> int:
    """Mark enrolled people as having completed (or, with ``completed=False``, not yet
    completed) the programme; returns how many changed. Everyone named must be enrolled."""
    review = get_review(session, review_name)
    programme = programme_in(session, review, name)
    ids = _people(session, review, people)
    current = enrolments_of(session, programme.id, list(ids.values()))
    missing = [p for p, i in ids.items() if i not in current]
    if missing:
        raise NotFound(
            f"Not enrolled in {programme.name!r}: {', '.join(missing)}.",
            "Enrol them first with `colead programme enrol`.",
        )
    changed = [p for p, i in ids.items() if current[i].completed != completed]
    for p in changed:
        current[ids[p]].completed = completed
    session.flush()
    if changed:
        audit(
            session,
            actor,
            "complete" if completed else "uncomplete",
            "programme",
            programme.id,
            review_id=review.id,
            people=changed,
        )
    return len(changed)


def set_costs(
    session: Session,
    review_name: str,
    name: str,
    *,
    cost_per_participant: float | None,
    other_costs: float | None,
    actor: str = "system",
) -> ProgrammeSummary:
    """Replace a programme's costs (None clears one), audited with before and after."""
    review = get_review(session, review_name)
    programme = programme_in(session, review, name)
    _check_money("cost per participant", cost_per_participant)
    _check_money("other costs", other_costs)
    before = [programme.cost_per_participant, programme.other_costs]
    after = [cost_per_participant, other_costs]
    if before != after:
        programme.cost_per_participant, programme.other_costs = cost_per_participant, other_costs
        session.flush()
        audit(
            session,
            actor,
            "costs",
            "programme",
            programme.id,
            review_id=review.id,
            programme=programme.name,
            before=before,
            after=after,
        )
    return _summary(programme_rows(session, review.id, programme.id)[0])


def programme_costs(session: Session, review_name: str, name: str) -> ProgrammeCosts:
    """The programme's fully loaded costs for :func:`colead.analysis.roi.phillips_roi`."""
    summary = show_programme(session, review_name, name).summary
    if summary.cost_per_participant is None and summary.other_costs is None:
        raise InvalidData(
            f"Programme {name!r} has no recorded costs, so no return can be calculated.",
            "Record --cost-per-participant and/or --other-costs.",
        )
    return ProgrammeCosts(
        cost_per_participant=summary.cost_per_participant or 0.0,
        participants=summary.enrolled,
        other_costs=summary.other_costs or 0.0,
    )
