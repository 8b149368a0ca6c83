"""Retention: how long a review keeps individual answers after a wave closes, and the purge.

The store keeps no wave-level aggregates apart from the forms they are computed from, so a
purged wave cannot be analysed again. Purging therefore deletes the wave's forms entirely
(answers, comments, survey links) together with its nominations, participant links and
e-mail records, and keeps the wave itself (name, period, dates), the people, KPIs,
programmes, plans and the audit log. Reports written before the purge are files and stay;
``colead analyse --json`` before it keeps the wave's anonymous results as a file.

Files uploaded in the console are copies of imported answers and people lists, kept in the
data folder (:mod:`colead.ingest.uploads`). A purged wave takes with it every upload of its
review that arrived before the wave closed: those are the files its answers, raters and
people could have come from (uploads are kept per review, not per wave, so the moment is
the only sound line). Uploads also have a retention of their own, in days
(``COLEAD_UPLOAD_RETENTION_DAYS``), applied by :func:`purge_old_uploads`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from colead.errors import InvalidData
from colead.ingest.uploads import StoredUpload, remove_uploads, review_uploads
from colead.store import transaction
from colead.store.privacy import overwrite_deleted_content
from colead.store.retention import PurgeCandidate, delete_wave_answers, purge_candidates
from colead.store.reviews import audit, get_review, list_review_names
from colead.store.schema import utcnow
from colead.store.waves import list_waves

__all__ = [
    "MAX_MONTHS",
    "OldUploads",
    "PurgedWave",
    "RetentionView",
    "WaveRetention",
    "add_months",
    "purge",
    "purge_old_uploads",
    "set_retention",
    "show_retention",
]

#: a century: anything longer is a typing mistake, and "keep" is the way to say forever
MAX_MONTHS = 1200


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus whole calendar months; the day is clamped to the month's last
    (31 January + 1 month = 28 or 29 February)."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    days = [31, 29 if _leap(year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return moment.replace(year=year, month=month + 1, day=min(moment.day, days[month]))


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _utc(moment: datetime) -> datetime:
    # SQLite hands times back without their zone; colead stores them in UTC
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def set_retention(engine: Engine, review: str, months: int | None, *, actor: str) -> int | None:
    """Set (or, with None, remove) the review's retention in months; returns the old one."""
    if months is not None and not 1 <= months <= MAX_MONTHS:
        raise InvalidData(
            f"{months} is not a retention period.",
            f"Give whole months from 1 to {MAX_MONTHS}, or --keep to keep answers for good.",
        )
    with transaction(engine) as session:
        target = get_review(session, review)
        before = target.retention_months
        target.retention_months = months
        audit(
            session,
            actor,
            "retention_set",
            "review",
            target.id,
            review_id=target.id,
            before=before,
            after=months,
        )
    return before


@dataclass(frozen=True)
class WaveRetention:
    wave: str
    status: str
    closed_at: datetime | None
    #: when its answers may be purged; None while open, or when the review keeps them
    purge_from: datetime | None


@dataclass(frozen=True)
class RetentionView:
    review: str
    months: int | None
    waves: list[WaveRetention]


def show_retention(engine: Engine, review: str) -> RetentionView:
    """The review's policy and, for each wave, from when its answers may be purged."""
    with transaction(engine) as session:
        target = get_review(session, review)
        months = target.retention_months
        waves = [
            WaveRetention(
                wave=w.name,
                status=w.status,
                closed_at=_utc(w.closed_at) if w.closed_at else None,
                purge_from=(
                    add_months(_utc(w.closed_at), months)
                    if months is not None and w.closed_at is not None and w.status == "closed"
                    else None
                ),
            )
            for w in list_waves(session, target.id)
        ]
    return RetentionView(target.name, months, waves)


@dataclass(frozen=True)
class PurgedWave:
    """A wave past its review's retention: what it held, and (unless a dry run) what went."""

    review: str
    wave: str
    closed_at: datetime
    purge_from: datetime
    forms: int
    answered: int
    deleted: dict[str, int] | None
    #: uploaded files of the review that arrived before the wave closed (removed, unless
    #: a dry run)
    uploads: int = 0


def purge(
    engine: Engine,
    review: str | None,
    *,
    data_dir: Path,
    dry_run: bool,
    actor: str,
    now: datetime | None = None,
) -> list[PurgedWave]:
    """Delete the individual answers of every closed wave past its review's retention,
    and the review's uploads that arrived before the wave closed.

    Parameters
    ----------
    engine
        The colead database.
    review
        Only this review; None for every review with a retention policy.
    data_dir
        The data folder of the console's uploads (``COLEAD_DATA_DIR``).
    dry_run
        List what would go and change nothing.
    actor
        Who asked, for the audit log (one ``privacy_purge`` entry per purged wave).
    now
        The current time (tests pass a fixed one).

    Raises
    ------
    OutputError
        When an uploaded file cannot be deleted; nothing in the database is changed then.
    """
    moment = _utc(now or utcnow())
    with transaction(engine) as session:
        review_id = get_review(session, review).id if review is not None else None
        due = [
            (c, add_months(_utc(c.closed_at), c.months))
            for c in purge_candidates(session, review_id)
        ]
        done: list[PurgedWave] = []
        # oldest first, so that an upload older than two purged waves goes with the first
        due.sort(key=lambda pair: _utc(pair[0].closed_at))
        claimed: set[Path] = set()
        for candidate, purge_from in due:
            if purge_from > moment:
                continue
            closed = _utc(candidate.closed_at)
            files = [
                u
                for u in review_uploads(data_dir, candidate.review)
                if u.stored_at <= closed and u.path not in claimed
            ]
            claimed.update(u.path for u in files)
            deleted = None if dry_run else _purge_wave(session, candidate, actor, files)
            done.append(
                PurgedWave(
                    review=candidate.review,
                    wave=candidate.wave,
                    closed_at=_utc(candidate.closed_at),
                    purge_from=purge_from,
                    forms=candidate.forms,
                    answered=candidate.answered,
                    deleted=deleted,
                    uploads=len(files),
                )
            )
    return done


def _purge_wave(
    session: Session, candidate: PurgeCandidate, actor: str, files: list[StoredUpload]
) -> dict[str, int]:
    overwrite_deleted_content(session)
    deleted = delete_wave_answers(session, candidate.wave_id)
    # inside the transaction: a file that cannot be deleted leaves the answers as well
    removed = remove_uploads(files)
    audit(
        session,
        actor,
        "privacy_purge",
        "wave",
        candidate.wave_id,
        review_id=candidate.review_id,
        wave=candidate.wave,
        retention_months=candidate.months,
        answered=candidate.answered,
        uploads_removed=removed,
        **deleted,
    )
    return deleted


@dataclass(frozen=True)
class OldUploads:
    """A review's uploads kept longer than the upload retention (removed, unless a dry
    run)."""

    review: str
    files: int


def purge_old_uploads(
    engine: Engine,
    review: str | None,
    *,
    data_dir: Path,
    keep_days: int,
    dry_run: bool,
    actor: str,
    now: datetime | None = None,
) -> list[OldUploads]:
    """Delete the uploads that arrived more than ``keep_days`` days ago.

    Parameters
    ----------
    engine
        The colead database (it names the reviews whose folders are looked in).
    review
        Only this review; None for every review.
    data_dir
        The data folder of the console's uploads (``COLEAD_DATA_DIR``).
    keep_days
        How long uploads are kept (``COLEAD_UPLOAD_RETENTION_DAYS``); 0 keeps them until
        their wave is purged or a person of the review is erased.
    dry_run
        List what would go and change nothing.
    actor
        Who asked, for the audit log (one ``privacy_purge_uploads`` entry per review).
    now
        The current time (tests pass a fixed one).
    """
    if keep_days <= 0:
        return []
    cutoff = _utc(now or utcnow()) - timedelta(days=keep_days)
    found: list[OldUploads] = []
    with transaction(engine) as session:
        names = [get_review(session, review).name] if review else list_review_names(session)
        for name in names:
            old = [u for u in review_uploads(data_dir, name) if u.stored_at < cutoff]
            if not old:
                continue
            if not dry_run:
                target = get_review(session, name)
                audit(
                    session,
                    actor,
                    "privacy_purge_uploads",
                    "review",
                    target.id,
                    review_id=target.id,
                    keep_days=keep_days,
                    uploads_removed=remove_uploads(old),
                )
            found.append(OldUploads(name, len(old)))
    return found
