"""The life cycle of a wave: draft -> open -> closed, and reopening on purpose.

A wave is created as a draft (nominations can be imported, invitations prepared), opened
when raters may answer, and closed when the round ends. A closed wave opens again only
when the caller asks to reopen it. Every change is written to the audit log in the
caller's transaction; a step the life cycle does not allow is InvalidTransition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from colead.domain import WaveStatus
from colead.errors import AlreadyExists, InvalidData, InvalidTransition
from colead.fieldwork.release import Release, release_answers
from colead.framework import Framework
from colead.ingest.outcomes import normalise_period
from colead.store.reviews import audit, get_or_create_review, get_review, register_framework
from colead.store.schema import Review, Wave, utcnow
from colead.store.waves import (
    create_wave,
    find_wave,
    get_wave,
    list_waves,
    lock_wave,
    set_wave_status,
    wave_form_counts,
)

#: length limit of a wave name in the database
MAX_WAVE_NAME = 100


@dataclass(frozen=True)
class WaveInfo:
    """One wave as the CLI and the admin console show it."""

    review: str
    name: str
    ordinal: int
    status: WaveStatus
    period: str | None
    assignments: int
    completed: int
    created_at: datetime
    opened_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True)
class WaveChange:
    """A status change that was made: ``action`` is open, reopen or close."""

    wave: WaveInfo
    action: str
    before: WaveStatus
    #: at a close: the answers it published and those it held back
    release: Release | None = None


@dataclass(frozen=True)
class CreatedWave:
    wave: WaveInfo
    #: the review did not exist and was created with the wave
    review_created: bool
    framework: str


def create_draft_wave(
    session: Session,
    review_name: str,
    wave_name: str,
    framework: Framework,
    *,
    period: str | None = None,
    actor: str = "cli",
) -> CreatedWave:
    """Create a draft wave (and the review when it is new), measured with ``framework``.

    ``period`` is the KPI period the wave belongs to (``2024``, ``2024-Q3``, ``2024-07``).
    """
    name = wave_name.strip()
    if not name or len(name) > MAX_WAVE_NAME:
        raise InvalidData(
            f"{wave_name!r} cannot be a wave name.",
            f"Give a name of 1 to {MAX_WAVE_NAME} characters, e.g. baseline or follow-up.",
        )
    if not review_name.strip():
        raise InvalidData("The review name is empty.", "Give the review's name with --review.")
    stored_period = None
    if period is not None:
        stored_period = normalise_period(period)
        if stored_period is None:
            raise InvalidData(
                f"{period!r} is not a period.",
                "Give a year (2024), a quarter (2024-Q3) or a month (2024-07).",
            )
    review, review_created = get_or_create_review(session, review_name, actor=actor)
    if find_wave(session, review.id, name) is not None:
        raise AlreadyExists(
            f"Review {review.name!r} already has a wave named {name!r}.",
            f"Choose another name; `colead wave list --review {review.name!r}` shows the waves.",
        )
    version = register_framework(session, framework)
    wave = create_wave(session, review.id, name, version.id, WaveStatus.draft, stored_period)
    label = f"{framework.id} {framework.version}"
    audit(
        session,
        actor,
        "create",
        "wave",
        wave.id,
        review_id=review.id,
        name=name,
        status=WaveStatus.draft.value,
        period=stored_period,
        framework=label,
    )
    return CreatedWave(_info(review, wave, (0, 0)), review_created, label)


def open_wave(
    session: Session,
    review_name: str,
    wave_name: str,
    *,
    reopen: bool = False,
    actor: str = "cli",
    now: datetime | None = None,
) -> WaveChange:
    """Open a draft wave, or with ``reopen`` a closed one, so raters can answer."""
    review, wave = _locked(session, review_name, wave_name)
    current = WaveStatus(wave.status)
    where = f"Wave {wave.name!r} of review {review.name!r}"
    if current is WaveStatus.open:
        raise InvalidTransition(
            f"{where} is already open.",
            f"Raters can answer now; `{_command('close', review, wave)}` ends the round.",
        )
    if current is WaveStatus.closed and not reopen:
        raise InvalidTransition(
            f"{where} is closed.",
            f"To let raters answer again, reopen it on purpose: "
            f"`{_command('open', review, wave)} --reopen` (recorded in the audit log).",
        )
    moment = now or utcnow()
    action = "reopen" if current is WaveStatus.closed else "open"
    set_wave_status(wave, WaveStatus.open, opened_at=wave.opened_at or moment, closed_at=None)
    _audit(session, actor, action, review, wave, current)
    return WaveChange(_describe(session, review, wave), action, current)


def close_wave(
    session: Session,
    review_name: str,
    wave_name: str,
    *,
    minimum: int,
    actor: str = "cli",
    now: datetime | None = None,
) -> WaveChange:
    """Close an open wave: its links stop accepting answers and its results are published.

    The submitted forms are released (:func:`colead.fieldwork.release.release_answers`):
    all of them at a first close; after a reopen, only where the change is large enough
    that nobody can subtract the earlier results from the new ones (``minimum``).
    """
    review, wave = _locked(session, review_name, wave_name)
    current = WaveStatus(wave.status)
    where = f"Wave {wave.name!r} of review {review.name!r}"
    if current is WaveStatus.draft:
        raise InvalidTransition(
            f"{where} is still a draft: only an open wave can be closed.",
            f"Open it first with `{_command('open', review, wave)}`, or leave it as a draft.",
        )
    if current is WaveStatus.closed:
        raise InvalidTransition(
            f"{where} is already closed.",
            f"Nothing to do; `colead wave list --review {review.name!r}` shows the waves.",
        )
    moment = now or utcnow()
    set_wave_status(wave, WaveStatus.closed, opened_at=wave.opened_at, closed_at=moment)
    release = release_answers(session, wave, minimum, moment)
    _audit(
        session,
        actor,
        "close",
        review,
        wave,
        current,
        released=release.released,
        held_back=release.held_back,
    )
    return WaveChange(_describe(session, review, wave), "close", current, release)


def review_waves(session: Session, review_name: str) -> list[WaveInfo]:
    """The waves of a review, oldest first, with their assignments and submitted forms."""
    review = get_review(session, review_name)
    counts = wave_form_counts(session, review.id)
    return [
        _info(review, wave, counts.get(wave.id, (0, 0))) for wave in list_waves(session, review.id)
    ]


def _command(verb: str, review: Review, wave: Wave) -> str:
    return f"colead wave {verb} --review {review.name!r} --wave {wave.name!r}"


def _locked(session: Session, review_name: str, wave_name: str) -> tuple[Review, Wave]:
    review = get_review(session, review_name)
    wave = get_wave(session, review, wave_name)
    lock_wave(session, wave)
    return review, wave


def _audit(
    session: Session,
    actor: str,
    action: str,
    review: Review,
    wave: Wave,
    before: WaveStatus,
    **detail: int,
) -> None:
    audit(
        session,
        actor,
        action,
        "wave",
        wave.id,
        review_id=review.id,
        name=wave.name,
        from_status=before.value,
        to_status=wave.status,
        **detail,
    )


def _describe(session: Session, review: Review, wave: Wave) -> WaveInfo:
    return _info(review, wave, wave_form_counts(session, review.id).get(wave.id, (0, 0)))


def _info(review: Review, wave: Wave, counts: tuple[int, int]) -> WaveInfo:
    return WaveInfo(
        review=review.name,
        name=wave.name,
        ordinal=wave.ordinal,
        status=WaveStatus(wave.status),
        period=wave.period,
        assignments=counts[0],
        completed=counts[1],
        created_at=wave.created_at,
        opened_at=wave.opened_at,
        closed_at=wave.closed_at,
    )
