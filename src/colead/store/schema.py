"""The database schema (SQLAlchemy 2, declarative).

Response values are stored as one packed int8 vector per completed form, in the item
order of the wave's framework version: a wave of millions of item values then loads with
one query and one ``numpy.frombuffer`` per row, instead of millions of per-item rows.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from colead.store.schema_base import NAMING_CONVENTION as NAMING_CONVENTION
from colead.store.schema_base import Base as Base
from colead.store.schema_base import review_fk
from colead.store.schema_base import table_of as table_of
from colead.store.schema_base import utcnow as utcnow


class FrameworkVersion(Base):
    """A framework as it was when a wave used it; response vectors follow its item order."""

    __tablename__ = "framework_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[str] = mapped_column(String(40))
    version: Mapped[str] = mapped_column(String(20))
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Review(Base):
    __tablename__ = "review"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: months a closed wave's individual answers are kept (``colead privacy purge``);
    #: None keeps them for good
    retention_months: Mapped[int | None] = mapped_column(Integer)


class Organisation(Base):
    __tablename__ = "organisation"
    __table_args__ = (UniqueConstraint("review_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(review_fk(), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(20))


class Site(Base):
    __tablename__ = "site"
    __table_args__ = (UniqueConstraint("review_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(review_fk(), index=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(100))


class Person(Base):
    __tablename__ = "person"
    __table_args__ = (
        UniqueConstraint("review_id", "external_id"),
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(review_fk(), index=True)
    external_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    role_title: Mapped[str | None] = mapped_column(String(200))
    level: Mapped[int] = mapped_column(Integer)
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )


class Wave(Base):
    __tablename__ = "wave"
    __table_args__ = (
        UniqueConstraint("review_id", "name"),
        CheckConstraint("status IN ('draft', 'open', 'closed')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(review_fk(), index=True)
    name: Mapped[str] = mapped_column(String(100))
    ordinal: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    framework_version_id: Mapped[int] = mapped_column(ForeignKey("framework_version.id"))
    #: the KPI period in which the wave ran ("2024-Q3"), to line behaviour up with results
    period: Mapped[str | None] = mapped_column(String(10))
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Assignment(Base):
    """One form asked of one rater about one ratee in one wave."""

    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("wave_id", "ratee_id", "rater_id"),
        CheckConstraint(
            "relation IN ('self', 'manager', 'peer', 'direct_report', 'partner', 'other')",
            name="relation_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id", ondelete="CASCADE"), index=True)
    ratee_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    rater_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str] = mapped_column(String(20))
    #: SHA-256 of the rater's survey token; the token itself is never stored
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Response(Base):
    """A completed (or saved) form: packed item codes plus the two comments."""

    __tablename__ = "response"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignment.id", ondelete="CASCADE"), unique=True
    )
    framework_version_id: Mapped[int] = mapped_column(ForeignKey("framework_version.id"))
    item_values: Mapped[bytes] = mapped_column(LargeBinary)
    comment_strengths: Mapped[str | None] = mapped_column(Text)
    comment_suggestions: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: when the answers joined the published results (at a close; see fieldwork.release).
    #: Published answers never change, so earlier figures cannot be subtracted from later.
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Kpi(Base):
    __tablename__ = "kpi"
    __table_args__ = (UniqueConstraint("site_id", "period", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(review_fk(), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    value: Mapped[float] = mapped_column(Float)
    higher_is_better: Mapped[bool] = mapped_column(Boolean, default=True)
    target: Mapped[float | None] = mapped_column(Float)


class NormSet(Base):
    __tablename__ = "norm_set"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    source: Mapped[str | None] = mapped_column(Text)
    #: synthetic norms (the demo's) are labelled as such wherever they appear
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Norm(Base):
    __tablename__ = "norm"
    __table_args__ = (UniqueConstraint("norm_set_id", "scale_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    norm_set_id: Mapped[int] = mapped_column(ForeignKey("norm_set.id", ondelete="CASCADE"))
    scale_id: Mapped[str] = mapped_column(String(40))
    n: Mapped[int] = mapped_column(Integer)
    mean: Mapped[float] = mapped_column(Float)
    sd: Mapped[float] = mapped_column(Float)
    p5: Mapped[float | None] = mapped_column(Float)
    p10: Mapped[float | None] = mapped_column(Float)
    p25: Mapped[float | None] = mapped_column(Float)
    p50: Mapped[float | None] = mapped_column(Float)
    p75: Mapped[float | None] = mapped_column(Float)
    p90: Mapped[float | None] = mapped_column(Float)
    p95: Mapped[float | None] = mapped_column(Float)


class Programme(Base):
    __tablename__ = "programme"
    __table_args__ = (UniqueConstraint("review_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(review_fk(), index=True)
    name: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str | None] = mapped_column(String(200))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    cost_per_participant: Mapped[float | None] = mapped_column(Float)
    #: costs not tied to a participant (design, venue, evaluation), for the ROI
    other_costs: Mapped[float | None] = mapped_column(Float)


class Enrolment(Base):
    __tablename__ = "enrolment"
    __table_args__ = (UniqueConstraint("programme_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    sessions_attended: Mapped[int | None] = mapped_column(Integer)
    sessions_total: Mapped[int | None] = mapped_column(Integer)


class DevelopmentPlan(Base):
    __tablename__ = "development_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    wave_id: Mapped[int | None] = mapped_column(ForeignKey("wave.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Action(Base):
    """A development action of a person's plan, or a review-level improvement action."""

    __tablename__ = "action"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(review_fk(), index=True)
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("development_plan.id", ondelete="CASCADE"), index=True
    )
    practice_id: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(200))
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    #: no foreign key: the log must outlive what it describes
    review_id: Mapped[int | None] = mapped_column(Integer, index=True)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class AdminUser(Base):
    """Someone who runs reviews through the admin console or the API; raters never log in."""

    __tablename__ = "admin_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stored lower-case and stripped, so one address is one account
    email: Mapped[str] = mapped_column(String(320), unique=True)
    #: argon2id hash in PHC string form; the password itself is never stored
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: failed logins since the last success or lock; reaching the limit locks the account
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """A named bearer token of an admin for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    admin_id: Mapped[int] = mapped_column(
        ForeignKey("admin_user.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# The console's and the development loop's tables register themselves on Base.metadata.
from colead.store import (  # noqa: E402
    schema_console,  # noqa: F401
    schema_development,  # noqa: F401
)
