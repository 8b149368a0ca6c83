"""Nominations: participants propose their own raters, an admin approves or declines.

A participant proposes someone already in the review or someone new (name and e-mail).
Approval turns a nomination into an assignment with a fresh survey-token hash; the rater
then gets their link through the usual invitations (``colead invitations send/export``).
Approving a new person first adds them to the review, placed with the ratee unless the
admin says otherwise. Every step is written to the audit log.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from colead.domain import Relation, WaveStatus
from colead.errors import AlreadyExists, Conflict, InvalidData, NotFound, WaveClosed
from colead.store.nominations import (
    NominationView,
    PlacementDefaults,
    add_nomination,
    add_person,
    assignment_id_of,
    external_id_taken,
    get_nomination,
    list_nominations,
    open_nominations_of,
    organisation_and_site_names,
    organisation_named,
    pending_count,
    person_by_email,
    placement_defaults,
    site_named,
)
from colead.store.participants import ParticipantRecord, assigned_raters, person_in_review
from colead.store.reviews import audit, get_review
from colead.store.schema import Review, Wave, utcnow
from colead.store.schema_console import NOMINATED_RELATIONS, Nomination
from colead.store.waves import add_assignments, get_wave, lock_wave

#: pending nominations one participant may have at once: far above a real 360's needs,
#: low enough that nobody floods the admins' list
MAX_PENDING = 30
NAME_MAX = 200
EMAIL_MAX = 320
NOTE_MAX = 1000
_EMAIL = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Placement:
    """Where an approved new rater goes in the review; None keeps the ratee's."""

    organisation: str | None = None
    site: str | None = None
    level: int | None = None
    external_id: str | None = None


@dataclass(frozen=True)
class Approval:
    nomination_id: int
    assignment_id: int
    rater_id: int
    #: the rater was added to the review by this approval
    created_person: bool


def participant_actor(participant: ParticipantRecord) -> str:
    """How the audit log names a participant acting through their link."""
    return f"participant:{participant.external_id}"


def _clean(text: str | None, limit: int, what: str) -> str | None:
    cleaned = " ".join(_CONTROL.sub(" ", text or "").split())
    if len(cleaned) > limit:
        raise InvalidData(f"The {what} is too long.", f"Use at most {limit} characters.")
    return cleaned or None


def _check_relation(relation: str) -> None:
    if relation not in NOMINATED_RELATIONS:
        raise InvalidData(
            f"{relation!r} is not a relation a rater can be nominated for.",
            "Choose one of: " + ", ".join(r.replace("_", " ") for r in NOMINATED_RELATIONS) + ".",
        )


def _check_line_manager(
    session: Session, participant: ParticipantRecord, rater_id: int | None
) -> None:
    """Only the recorded line manager may be nominated as the line manager.

    The line manager's answers are shown on their own in the ratee's report (the one
    exception to the anonymity minimum besides self), so a colleague nominated as
    "line manager" would be exposed to the ratee.
    """
    me = person_in_review(session, participant.review_id, participant.person_id)
    recorded = me.manager_id if me is not None else None
    if recorded is not None and rater_id != recorded:
        raise InvalidData(
            "Only your line manager on record can be nominated as your line manager.",
            "A line manager's answers are shown on their own in your report; nominate "
            "anyone else as a peer, direct report, partner or other colleague.",
        )


def _check_not_closed(wave: str, status: str) -> None:
    if status == WaveStatus.closed.value:
        raise WaveClosed(
            f"Wave {wave!r} is closed: raters can no longer be nominated or approved.",
            "Nominate raters for a later wave instead.",
        )


def _check_current_wave(session: Session, participant: ParticipantRecord) -> None:
    """Refuse a closed wave, read now and locked: the participant record may be older."""
    wave = session.get_one(Wave, participant.wave_id)
    lock_wave(session, wave)
    _check_not_closed(wave.name, wave.status)


def nominate(
    session: Session,
    participant: ParticipantRecord,
    *,
    relation: str,
    rater_id: int | None = None,
    name: str | None = None,
    email: str | None = None,
    note: str | None = None,
) -> NominationView:
    """Propose a rater for the participant's own 360 in their wave.

    Either ``rater_id`` (a person of the review) or ``name`` and ``email`` (someone new).
    Refuses a closed wave, the participant themself, someone already proposed (pending
    or approved) or already asked, and more than MAX_PENDING pending nominations.
    """
    _check_current_wave(session, participant)
    _check_relation(relation)
    if relation == Relation.manager.value:
        _check_line_manager(session, participant, rater_id)
    cleaned_note = _clean(note, NOTE_MAX, "note")
    wave_id, ratee_id = participant.wave_id, participant.person_id
    if pending_count(session, wave_id, ratee_id) >= MAX_PENDING:
        raise Conflict(
            f"You already have {MAX_PENDING} nominations waiting for approval.",
            "Wait until they are approved, or withdraw some before nominating more.",
        )
    existing = open_nominations_of(session, wave_id, ratee_id)
    if rater_id is not None:
        person = person_in_review(session, participant.review_id, rater_id)
        if person is None:
            raise NotFound("That person is not part of this review.", "Search for them again.")
        if person.id == ratee_id:
            raise InvalidData("You cannot nominate yourself.", "Your self-assessment is separate.")
        if person.id in assigned_raters(session, wave_id, ratee_id) or any(
            rid == person.id for rid, _ in existing
        ):
            raise AlreadyExists(
                f"{person.name} is already nominated or asked to give you feedback.",
                "Each person rates you once; choose someone else.",
            )
        made = add_nomination(
            session,
            wave_id=wave_id,
            ratee_id=ratee_id,
            relation=relation,
            rater_id=person.id,
            rater_name=None,
            rater_email=None,
            note=cleaned_note,
        )
        shown = person.name
    else:
        clean_name = _clean(name, NAME_MAX, "name")
        clean_email = (email or "").strip()
        if not clean_name:
            raise InvalidData("Give the name of the person you nominate.", "Fill in their name.")
        if len(clean_email) > EMAIL_MAX or not _EMAIL.fullmatch(clean_email):
            raise InvalidData(
                "That e-mail address does not look right.",
                "Give an address like name@example.org.",
            )
        lowered = clean_email.lower()
        if participant.email and participant.email.strip().lower() == lowered:
            raise InvalidData("You cannot nominate yourself.", "Your self-assessment is separate.")
        if any((e or "").strip().lower() == lowered for _, e in existing):
            raise AlreadyExists(
                "Someone with that e-mail address is already nominated.",
                "Each person rates you once; choose someone else.",
            )
        made = add_nomination(
            session,
            wave_id=wave_id,
            ratee_id=ratee_id,
            relation=relation,
            rater_id=None,
            rater_name=clean_name,
            rater_email=clean_email,
            note=cleaned_note,
        )
        shown = clean_name
    audit(
        session,
        participant_actor(participant),
        "nominate",
        "nomination",
        made.id,
        review_id=participant.review_id,
        wave=participant.wave_name,
        relation=relation,
        rater=shown,
        new_person=rater_id is None,
    )
    return list_nominations(session, wave_id, ids=[made.id])[0]


def withdraw(session: Session, participant: ParticipantRecord, nomination_id: int) -> None:
    """Withdraw one of the participant's own pending nominations (it is deleted)."""
    _check_current_wave(session, participant)
    nomination = get_nomination(session, nomination_id, for_update=True)
    if (
        nomination is None
        or nomination.ratee_id != participant.person_id
        or nomination.wave_id != participant.wave_id
    ):
        raise NotFound("That nomination does not exist.", "Reload your page.")
    if nomination.status != "pending":
        raise Conflict(
            f"That nomination is already {nomination.status}, so it cannot be withdrawn.",
            "Ask the review's organisers if it should change.",
        )
    audit(
        session,
        participant_actor(participant),
        "withdraw",
        "nomination",
        nomination.id,
        review_id=participant.review_id,
        wave=participant.wave_name,
        relation=nomination.relation,
    )
    session.delete(nomination)
    session.flush()


# --- admins ----------------------------------------------------------------------------


def wave_of(session: Session, review_name: str, wave_name: str | None) -> tuple[Review, Wave]:
    review = get_review(session, review_name)
    return review, get_wave(session, review, wave_name)


def review_nominations(
    session: Session, review_name: str, wave_name: str | None
) -> tuple[Review, Wave, list[NominationView]]:
    """The wave's nominations, pending first."""
    review, wave = wave_of(session, review_name, wave_name)
    return review, wave, list_nominations(session, wave.id)


def _chosen(
    session: Session, wave: Wave, ids: Sequence[int] | None, review: Review
) -> list[Nomination]:
    """The nominations named by ``ids`` (every pending one when None), locked."""
    if ids is None:
        ids = [n.id for n in list_nominations(session, wave.id, statuses=["pending"])]
    found: list[Nomination] = []
    for ident in dict.fromkeys(ids):
        nomination = get_nomination(session, ident, for_update=True)
        if nomination is None or nomination.wave_id != wave.id:
            raise NotFound(
                f"Wave {wave.name!r} of review {review.name!r} has no nomination {ident}.",
                "List them with `colead nominations list`.",
            )
        if nomination.status != "pending":
            raise Conflict(
                f"Nomination {ident} is already {nomination.status}.",
                "Only pending nominations can be approved or declined.",
            )
        found.append(nomination)
    return found


def approve_nominations(
    session: Session,
    review_name: str,
    wave_name: str | None,
    ids: Sequence[int] | None,
    *,
    actor: str,
    placement: Placement | None = None,
) -> list[Approval]:
    """Approve pending nominations (every pending one when ``ids`` is None).

    Each becomes an assignment with a fresh token hash; a new person is added to the
    review first (``placement`` overrides where; it applies to every new person approved
    in this call). All or nothing: one refusal approves none.
    """
    review, wave = wave_of(session, review_name, wave_name)
    lock_wave(session, wave)
    _check_not_closed(wave.name, wave.status)
    decided: list[tuple[Nomination, int, bool]] = []
    taken: set[tuple[int, int]] = set()
    for nomination in _chosen(session, wave, ids, review):
        rater_id, created = _rater_of(session, review, nomination, placement or Placement(), actor)
        pair = (nomination.ratee_id, rater_id)
        if rater_id == nomination.ratee_id:
            raise Conflict(
                f"Nomination {nomination.id} names the ratee themself.", "Decline it instead."
            )
        if pair in taken or rater_id in assigned_raters(session, wave.id, nomination.ratee_id):
            raise AlreadyExists(
                f"Nomination {nomination.id}: that rater already has a form about this person.",
                "Decline the nomination instead.",
            )
        taken.add(pair)
        decided.append((nomination, rater_id, created))
    # One insert for the whole batch: adding assignments reads the wave's index once.
    add_assignments(session, wave.id, [(n.ratee_id, r, n.relation) for n, r, _ in decided])
    now = utcnow()
    approvals: list[Approval] = []
    for nomination, rater_id, created in decided:
        assignment = assignment_id_of(session, wave.id, nomination.ratee_id, rater_id)
        nomination.status = "approved"
        nomination.rater_id = rater_id
        nomination.assignment_id = assignment
        nomination.decided_at = now
        nomination.decided_by = actor
        audit(
            session,
            actor,
            "approve",
            "nomination",
            nomination.id,
            review_id=review.id,
            wave=wave.name,
            assignment_id=assignment,
            rater_id=rater_id,
            created_person=created,
        )
        approvals.append(Approval(nomination.id, assignment, rater_id, created))
    session.flush()
    return approvals


def decline_nominations(
    session: Session,
    review_name: str,
    wave_name: str | None,
    ids: Sequence[int] | None,
    *,
    actor: str,
    note: str | None = None,
) -> list[int]:
    """Decline pending nominations (every pending one when ``ids`` is None), with a note."""
    review, wave = wave_of(session, review_name, wave_name)
    cleaned = _clean(note, NOTE_MAX, "note")
    declined: list[int] = []
    for nomination in _chosen(session, wave, ids, review):
        nomination.status = "declined"
        if cleaned:
            nomination.note = cleaned
        nomination.decided_at = utcnow()
        nomination.decided_by = actor
        audit(
            session,
            actor,
            "decline",
            "nomination",
            nomination.id,
            review_id=review.id,
            wave=wave.name,
            note=cleaned,
        )
        declined.append(nomination.id)
    session.flush()
    return declined


def _rater_of(
    session: Session, review: Review, nomination: Nomination, placement: Placement, actor: str
) -> tuple[int, bool]:
    """The rater's person pk, adding a new person to the review when needed."""
    if nomination.rater_id is not None:
        return nomination.rater_id, False
    email = nomination.rater_email or ""
    known = person_by_email(session, review.id, email)
    if known is not None:
        return known.id, False
    defaults = placement_defaults(session, nomination.ratee_id)
    organisation_name = placement.organisation or defaults.organisation
    site_name = placement.site or defaults.site
    organisation = organisation_named(session, review.id, organisation_name)
    site = site_named(session, review.id, site_name)
    if organisation is None or site is None:
        missing = (
            f"organisation {organisation_name!r}" if organisation is None else f"site {site_name!r}"
        )
        raise InvalidData(
            f"Review {review.name!r} has no {missing}.", "Choose one the review already has."
        )
    level = placement.level if placement.level is not None else defaults.level
    if not 1 <= level <= 5:
        raise InvalidData(f"Level {level} is not between 1 and 5.", "Choose a level from 1 to 5.")
    external_id = _external_id(session, review.id, nomination.id, placement.external_id)
    person = add_person(
        session,
        review_id=review.id,
        external_id=external_id,
        name=nomination.rater_name or email,
        email=email,
        organisation_id=organisation.id,
        site_id=site.id,
        level=level,
    )
    audit(
        session,
        actor,
        "create",
        "person",
        person.id,
        review_id=review.id,
        external_id=external_id,
        nomination_id=nomination.id,
    )
    return person.id, True


def _external_id(session: Session, review_id: int, nomination_id: int, given: str | None) -> str:
    wanted = (given or "").strip()
    if wanted:
        if len(wanted) > 100:
            raise InvalidData("That person id is too long.", "Use at most 100 characters.")
        if external_id_taken(session, review_id, wanted):
            raise AlreadyExists(
                f"Person id {wanted!r} is already taken in this review.",
                "Choose another id, or leave it empty to have one made.",
            )
        return wanted
    candidate, suffix = f"N{nomination_id}", 1
    while external_id_taken(session, review_id, candidate):
        suffix += 1
        candidate = f"N{nomination_id}-{suffix}"
    return candidate


@dataclass(frozen=True)
class WaveNominations:
    """What the console's nominations page of one wave shows."""

    review: str
    wave: str
    wave_status: str
    nominations: list[NominationView]
    #: nomination id -> where its new rater goes unless the admin says otherwise
    defaults: dict[int, PlacementDefaults]
    organisations: list[str]
    sites: list[str]

    @property
    def pending(self) -> list[NominationView]:
        return [n for n in self.nominations if n.status == "pending"]


def wave_nominations(session: Session, review_name: str, wave_name: str) -> WaveNominations:
    review, wave, found = review_nominations(session, review_name, wave_name)
    organisations, sites = organisation_and_site_names(session, review.id)
    defaults = {
        n.id: placement_defaults(session, n.ratee_id)
        for n in found
        if n.is_new and n.status == "pending"
    }
    return WaveNominations(
        review.name, wave.name, wave.status, found, defaults, organisations, sites
    )
