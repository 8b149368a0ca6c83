"""Norm sets: per-scale reference distributions for benchmarking."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from colead.store.schema import Norm, NormSet, table_of

PERCENTILE_COLUMNS = ("p5", "p10", "p25", "p50", "p75", "p90", "p95")


VALUE_COLUMNS = ("n", "mean", "sd", *PERCENTILE_COLUMNS)


def _same(stored: Any, given: Any) -> bool:
    """Equal values; numbers that survived a round trip through the database count as equal."""
    if stored is None or given is None:
        return stored is None and given is None
    return math.isclose(float(stored), float(given), rel_tol=1e-12, abs_tol=0.0)


def replace_norm_set(
    session: Session,
    name: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    source: str | None,
    synthetic: bool,
) -> tuple[NormSet, int, int, int]:
    """Create the norm set ``name`` or replace its rows (one row per scale).

    A scale already in the set is updated when any of its values differ; scales of the set
    not in ``rows`` are removed. Returns (norm set, inserted, updated, unchanged).
    """
    norm_set = session.scalars(select(NormSet).where(NormSet.name == name)).one_or_none()
    if norm_set is None:
        norm_set = NormSet(name=name)
        session.add(norm_set)
    norm_set.source = source
    norm_set.synthetic = synthetic
    session.flush()
    current = {
        scale: values
        for scale, *values in session.execute(
            select(Norm.scale_id, *(getattr(Norm, c) for c in VALUE_COLUMNS)).where(
                Norm.norm_set_id == norm_set.id
            )
        )
    }
    fresh, changed = [], []
    for r in rows:
        stored = current.get(r["scale_id"])
        if stored is None:
            fresh.append(r)
        elif not all(_same(old, r.get(c)) for c, old in zip(VALUE_COLUMNS, stored, strict=True)):
            changed.append(r)
    kept = {r["scale_id"] for r in rows} - {r["scale_id"] for r in changed}
    stale = [scale for scale in current if scale not in kept]
    if stale:
        session.execute(
            delete(Norm).where(Norm.norm_set_id == norm_set.id, Norm.scale_id.in_(stale))
        )
    writes = [*fresh, *changed]
    if writes:
        session.execute(
            insert(table_of(Norm)), [{"norm_set_id": norm_set.id} | dict(r) for r in writes]
        )
    return norm_set, len(fresh), len(changed), len(rows) - len(writes)


def list_norm_sets(session: Session) -> list[NormSet]:
    return list(session.scalars(select(NormSet).order_by(NormSet.name)))


def norm_rows(session: Session, name: str) -> tuple[NormSet, list[dict[str, Any]]] | None:
    """A norm set and its rows as plain dicts, or None when it does not exist."""
    norm_set = session.scalars(select(NormSet).where(NormSet.name == name)).one_or_none()
    if norm_set is None:
        return None
    rows = session.scalars(
        select(Norm).where(Norm.norm_set_id == norm_set.id).order_by(Norm.scale_id)
    )
    columns = ("scale_id", "n", "mean", "sd", *PERCENTILE_COLUMNS)
    return norm_set, [{c: getattr(r, c) for c in columns} for r in rows]
