"""A participant's own page: who they are, their self form, their raters, their report.

A participant reaches it through their participant link (see
:mod:`colead.fieldwork.participant_links`), never a login. What it shows of other people obeys the
anonymity rules of the reports: counts of raters asked, never who has answered, and the
individual report only when the wave has closed and enough others answered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from colead.analysis import analyse_wave
from colead.domain import ALWAYS_SHOWN, Relation, WaveStatus
from colead.errors import Conflict, WaveClosed
from colead.jobs.person_reports import (
    _with_actions,
    analyse_earlier,
    earlier_wave_data,
    person_inputs,
    person_plans,
    wave_context,
)
from colead.reports.person import render_person_html
from colead.store.exports import wave_comments
from colead.store.invitations import replace_token_hashes
from colead.store.nominations import NominationView, list_nominations
from colead.store.participants import (
    ParticipantRecord,
    PersonMatch,
    find_participant,
    observer_counts,
    search_people,
    self_form,
    submitted_observer_forms,
)
from colead.store.reviews import audit, load_framework_version
from colead.store.schema import Review, Wave, utcnow
from colead.store.schema_console import NOMINATED_RELATIONS
from colead.store.survey import unknown_link
from colead.store.waves import hash_token, load_wave_data, new_token

#: participant tokens are URL-safe base64, like survey tokens
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,128}")
#: shortest name search and most people listed
SEARCH_MIN_CHARS = 2
SEARCH_LIMIT = 20

SelfState = Literal["none", "not_started", "in_progress", "submitted"]
ReportState = Literal["not_closed", "too_few", "ready"]

RELATION_NAMES: dict[str, tuple[str, str]] = {
    "manager": ("line manager", "line managers"),
    "peer": ("peer", "peers"),
    "direct_report": ("direct report", "direct reports"),
    "partner": ("person from the partner organisation", "people from the partner organisation"),
    "other": ("other colleague", "other colleagues"),
}


@dataclass(frozen=True)
class RaterGroup:
    """One relation's raters of a participant, as counts only."""

    relation: str
    label: str
    #: raters asked (an assignment exists; approved nominations included)
    assigned: int
    #: nominations waiting for an admin
    pending: int
    #: raters this group needs to be shown in the report on its own
    minimum: int
    #: shown whatever its size (the line manager), like the reports do
    always_shown: bool

    @property
    def needed(self) -> int:
        return max(0, self.minimum - self.assigned)

    @property
    def needed_phrase(self) -> str:
        singular, plural = RELATION_NAMES[self.relation]
        return f"{self.needed} more {singular if self.needed == 1 else plural}"


@dataclass(frozen=True)
class ParticipantPage:
    participant: ParticipantRecord
    self_state: SelfState
    groups: tuple[RaterGroup, ...]
    nominations: tuple[NominationView, ...]
    report: ReportState
    minimum: int
    #: raters other than the participant asked in all
    observers_assigned: int

    @property
    def wave_status(self) -> WaveStatus:
        return WaveStatus(self.participant.wave_status)

    @property
    def pending(self) -> tuple[NominationView, ...]:
        return tuple(n for n in self.nominations if n.status == "pending")


def token_hash_of(token: str) -> str:
    """The stored hash of a participant token; unknown_link for one of the wrong shape."""
    if not _TOKEN_SHAPE.fullmatch(token):
        raise unknown_link()
    return hash_token(token)


def participant_of(session: Session, token: str) -> ParticipantRecord:
    """The participant behind a link; the survey's one "link does not work" error when none
    is, so that participant links cannot be told from survey links by probing."""
    found = find_participant(session, token_hash_of(token))
    if found is None:
        raise unknown_link()
    return found


def report_state(participant: ParticipantRecord, observer_forms: int, minimum: int) -> ReportState:
    """When the individual report may be read: after the wave closes, and only with at
    least ``minimum`` submitted forms from others (the reports' rule for showing their
    comments and all-observer figures)."""
    if participant.wave_status != WaveStatus.closed.value:
        return "not_closed"
    return "ready" if observer_forms >= minimum else "too_few"


def participant_page(session: Session, token: str, minimum: int) -> ParticipantPage:
    participant = participant_of(session, token)
    form = self_form(session, participant.wave_id, participant.person_id)
    state: SelfState = (
        "none"
        if form is None
        else "submitted"
        if form.submitted
        else "in_progress"
        if form.started
        else "not_started"
    )
    counts = observer_counts(session, participant.wave_id, participant.person_id)
    nominations = list_nominations(session, participant.wave_id, ratee_id=participant.person_id)
    pending: dict[str, int] = {}
    for nomination in nominations:
        if nomination.status == "pending":
            pending[nomination.relation] = pending.get(nomination.relation, 0) + 1
    groups = tuple(
        RaterGroup(
            relation=relation,
            label=Relation(relation).label,
            assigned=counts.get(relation, 0),
            pending=pending.get(relation, 0),
            minimum=1 if relation in ALWAYS_SHOWN else minimum,
            always_shown=relation in ALWAYS_SHOWN,
        )
        for relation in NOMINATED_RELATIONS
    )
    # Submission counts stay inside this function: the page learns only the report's state.
    submitted = (
        submitted_observer_forms(session, participant.wave_id, participant.person_id)
        if participant.wave_status == WaveStatus.closed.value
        else 0
    )
    return ParticipantPage(
        participant=participant,
        self_state=state,
        groups=groups,
        nominations=tuple(nominations),
        report=report_state(participant, submitted, minimum),
        minimum=minimum,
        observers_assigned=sum(counts.values()),
    )


def find_people(session: Session, token: str, text: str) -> list[PersonMatch]:
    """People of the participant's review whose name contains ``text`` (names only)."""
    participant = participant_of(session, token)
    wanted = " ".join(text.split())
    if len(wanted) < SEARCH_MIN_CHARS:
        return []
    return search_people(
        session,
        participant.review_id,
        wanted[:100],
        limit=SEARCH_LIMIT,
        exclude=participant.person_id,
    )


def rate_yourself(session: Session, token: str) -> str:
    """A fresh survey token for the participant's self form; the one from their
    invitation stops working (only hashes are stored, so it cannot be shown again)."""
    participant = participant_of(session, token)
    if participant.wave_status == WaveStatus.closed.value:
        raise WaveClosed(
            f"Wave {participant.wave_name!r} is closed: the self-assessment can no longer be "
            "changed.",
            "Your report will use the answers you submitted before it closed.",
        )
    if participant.wave_status == WaveStatus.draft.value:
        raise Conflict(
            "The survey is not open yet.",
            "Come back to this page once you are told the survey has opened.",
        )
    form = self_form(session, participant.wave_id, participant.person_id)
    if form is None:
        raise Conflict(
            "You have no self-assessment in this wave.",
            "Ask the review's organisers if you expected one.",
        )
    token = new_token()
    replace_token_hashes(session, {form.assignment_id: hash_token(token)})
    audit(
        session,
        f"participant:{participant.external_id}",
        "reissue_self_link",
        "assignment",
        form.assignment_id,
        review_id=participant.review_id,
        wave=participant.wave_name,
    )
    return token


def report_html(session: Session, token: str, minimum: int) -> tuple[ReportState, str]:
    """The participant's individual 360 report as HTML once it may be read; otherwise its
    state and an empty string (no figure is computed, let alone returned)."""
    participant = participant_of(session, token)
    submitted = submitted_observer_forms(session, participant.wave_id, participant.person_id)
    state = report_state(participant, submitted, minimum)
    if state != "ready":
        return state, ""
    review = session.get_one(Review, participant.review_id)
    wave = session.get_one(Wave, participant.wave_id)
    framework = load_framework_version(session, wave.framework_version_id)
    data = load_wave_data(session, review, wave, framework)
    comments = wave_comments(session, review, wave)
    person = participant.external_id
    # The same page as the report job writes: change since the earlier wave and the plan.
    earlier_data = earlier_wave_data(session, review, wave, framework)
    plans = person_plans(session, review, wave, [person], utcnow().date())
    results = analyse_wave(data, minimum)
    earlier = analyse_earlier(earlier_data, minimum) if earlier_data is not None else None
    shared = wave_context(
        results,
        _with_actions(framework),
        earlier_wave=earlier.data.wave if earlier is not None else None,
    )
    inputs = person_inputs(
        data, results, [person], comments, own_copy=True, earlier=earlier, plans=plans
    )
    return state, render_person_html(shared, inputs[person])
