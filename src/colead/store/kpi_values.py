"""The money value of one KPI unit per review (``kpi_value``), and the KPI names it may name.

Validation and the audit log are the job of :mod:`colead.development.kpi_values`; this module only
reads and writes rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from colead.store.schema import Kpi, utcnow
from colead.store.schema_development import KpiValue


@dataclass(frozen=True)
class KpiValueRow:
    id: int
    kpi: str
    value_per_unit: float
    currency: str
    periods: float
    source: str | None
    updated_at: datetime | None


def _row(value: KpiValue) -> KpiValueRow:
    return KpiValueRow(
        id=value.id,
        kpi=value.kpi,
        value_per_unit=float(value.value_per_unit),
        currency=value.currency,
        periods=float(value.periods),
        source=value.source,
        updated_at=value.updated_at,
    )


def kpi_names(session: Session, review_id: int) -> list[str]:
    """The KPIs the review holds values for, in name order."""
    query = select(Kpi.name).where(Kpi.review_id == review_id).distinct().order_by(Kpi.name)
    return list(session.scalars(query))


def find_kpi_value(session: Session, review_id: int, kpi: str) -> KpiValue | None:
    return session.scalars(
        select(KpiValue).where(KpiValue.review_id == review_id, KpiValue.kpi == kpi)
    ).one_or_none()


def kpi_value_rows(session: Session, review_id: int) -> list[KpiValueRow]:
    """Every stated value of the review, in KPI name order."""
    query = select(KpiValue).where(KpiValue.review_id == review_id).order_by(KpiValue.kpi)
    return [_row(v) for v in session.scalars(query)]


def put_kpi_value(
    session: Session,
    review_id: int,
    kpi: str,
    *,
    value_per_unit: float,
    currency: str,
    periods: float,
    source: str | None,
) -> tuple[KpiValueRow, KpiValueRow | None]:
    """Insert or replace the value of ``kpi``; returns the new row and the one it replaced."""
    found = find_kpi_value(session, review_id, kpi)
    before = _row(found) if found is not None else None
    if found is None:
        found = KpiValue(review_id=review_id, kpi=kpi)
        session.add(found)
    found.value_per_unit = value_per_unit
    found.currency = currency
    found.periods = periods
    found.source = source
    found.updated_at = utcnow()
    session.flush()
    return _row(found), before


def delete_kpi_value(session: Session, review_id: int, kpi: str) -> KpiValueRow | None:
    """Remove the value of ``kpi``; returns what was removed (None when there was none)."""
    found = find_kpi_value(session, review_id, kpi)
    if found is None:
        return None
    removed = _row(found)
    session.delete(found)
    session.flush()
    return removed
