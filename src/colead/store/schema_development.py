"""Tables of the development loop: programme reactions and the money value of KPI units.

Kept apart from ``schema`` to keep each module readable; ``schema`` imports this module at
its end, so ``Base.metadata`` always holds every table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from colead.store.schema_base import Base, review_fk, utcnow


class ProgrammeReaction(Base):
    """One enrolled person's reaction questionnaire (Kirkpatrick level 1).

    The link is personal (only the SHA-256 of its token is stored) so that each person
    answers once; results are shown only as aggregates of at least the anonymity minimum.
    """

    __tablename__ = "programme_reaction"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolment.id", ondelete="CASCADE"), unique=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    invited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: item id -> answer on the questionnaire's scale
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)
    #: when the answer joined the published summary (in batches of at least the minimum)
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class KpiValue(Base):
    """What one unit of a KPI is worth in money, as the user states it, for the ROI."""

    __tablename__ = "kpi_value"
    __table_args__ = (UniqueConstraint("review_id", "kpi"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(review_fk(), index=True)
    kpi: Mapped[str] = mapped_column(String(200))
    value_per_unit: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3), default="GBP")
    #: periods of benefit counted (e.g. 4 quarters for a first-year benefit)
    periods: Mapped[float] = mapped_column(Float, default=1.0)
    #: where the value comes from (finance team, contract penalty schedule …)
    source: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
