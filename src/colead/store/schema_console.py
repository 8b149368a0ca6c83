"""Tables of the web console: nominations, participant links, mail, sessions and logins.

They live apart from ``schema`` to keep each module readable; ``schema`` imports this
module at its end, so ``Base.metadata`` always holds every table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from colead.store.schema_base import Base, utcnow

#: relations a participant may nominate raters for (self is assigned, never nominated)
NOMINATED_RELATIONS = ("manager", "peer", "direct_report", "partner", "other")


class Nomination(Base):
    """A rater proposed by a participant for their own 360, waiting for an admin's decision.

    The rater is someone already in the review (``rater_id``) or someone new, named by
    ``rater_name`` and ``rater_email``; approving a new rater adds them to the review.
    Approval creates the assignment and links it here.
    """

    __tablename__ = "nomination"
    __table_args__ = (
        CheckConstraint(
            "relation IN ('manager', 'peer', 'direct_report', 'partner', 'other')",
            name="relation_nominable",
        ),
        CheckConstraint("status IN ('pending', 'approved', 'declined')", name="status_known"),
        CheckConstraint("rater_id IS NOT NULL OR rater_email IS NOT NULL", name="rater_identified"),
        Index("ix_nomination_wave_ratee", "wave_id", "ratee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id", ondelete="CASCADE"))
    ratee_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    relation: Mapped[str] = mapped_column(String(20))
    rater_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    rater_name: Mapped[str | None] = mapped_column(String(200))
    rater_email: Mapped[str | None] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    #: why the participant chose them, or why the admin declined
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(320))
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignment.id", ondelete="SET NULL")
    )


class ParticipantLink(Base):
    """A participant's own link for one wave: nominate raters, follow progress, read the
    report once the wave closes. Only the SHA-256 of the token is stored."""

    __tablename__ = "participant_link"
    __table_args__ = (UniqueConstraint("wave_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MailTemplate(Base):
    """A review's own wording of one kind of e-mail, replacing the packaged template."""

    __tablename__ = "mail_template"
    __table_args__ = (UniqueConstraint("review_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(320))


class Reminder(Base):
    """A reminder to the raters of a wave who have not submitted, due at a set time."""

    __tablename__ = "reminder"
    __table_args__ = (UniqueConstraint("wave_id", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: set when a run has taken the reminder, so that two runs never send it twice
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[dict[str, Any] | None]


class MailEvent(Base):
    """One e-mail to one address: sent, refused by the server, or bounced later."""

    __tablename__ = "mail_event"
    __table_args__ = (
        CheckConstraint("status IN ('sent', 'refused', 'bounced')", name="status_known"),
        Index("ix_mail_event_wave_person", "wave_id", "person_id"),
        Index("ix_mail_event_email", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"))
    wave_id: Mapped[int | None] = mapped_column(ForeignKey("wave.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    email: Mapped[str] = mapped_column(String(320))
    #: invitation, reminder, participant, ...
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10))
    detail: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AdminSessionRecord(Base):
    """A logged-in browser of an admin. The cookie names it by a random id whose SHA-256
    is stored here, so that logging out, or out everywhere, ends it on every worker."""

    __tablename__ = "admin_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    admin_id: Mapped[int] = mapped_column(
        ForeignKey("admin_user.id", ondelete="CASCADE"), index=True
    )
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class LoginFailure(Base):
    """A failed login from one client address, for the per-address rate limit shared by
    every worker. Old rows are deleted as new ones arrive."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
