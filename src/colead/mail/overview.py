"""What the console's mail page of a wave shows: counts, recent letters, bounces, schedule."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from colead.domain import WaveStatus
from colead.store.mail import (
    BouncedAddress,
    MailEventRow,
    ReminderRow,
    bounced_addresses,
    latest_mail_events,
    list_reminders,
    mail_event_counts,
)
from colead.store.reviews import get_review
from colead.store.waves import get_wave

#: how many recent letters the page lists
RECENT = 50


@dataclass(frozen=True)
class MailOverview:
    review: str
    wave: str
    status: WaveStatus
    #: (kind, status) -> number of letters
    counts: dict[tuple[str, str], int]
    recent: list[MailEventRow]
    bounced: list[BouncedAddress]
    reminders: list[ReminderRow]

    @property
    def kinds(self) -> list[str]:
        return sorted({kind for kind, _ in self.counts})


def mail_overview(session: Session, review_name: str, wave_name: str) -> MailOverview:
    review = get_review(session, review_name)
    wave = get_wave(session, review, wave_name)
    return MailOverview(
        review=review.name,
        wave=wave.name,
        status=WaveStatus(wave.status),
        counts=mail_event_counts(session, wave.id),
        recent=latest_mail_events(session, wave.id, RECENT),
        bounced=bounced_addresses(session, review.id),
        reminders=list_reminders(session, wave_id=wave.id),
    )
