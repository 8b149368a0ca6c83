"""The money value of one KPI unit, stated by the user, and the other inputs of the ROI.

Phillips' level 5 turns an isolated KPI change into money with a value per unit that only
the organisation can state (a contract's penalty schedule, the finance team's standard cost
of an incident …): it is never guessed. Each value is checked, stored once per review and
KPI, and every change is written to the audit log. :func:`roi_inputs` gathers what the
evaluation needs: the stated values and the fully loaded costs of the programmes whose
participants are evaluated. The command line (:mod:`colead.cli.roi`) and the admin console
call these same functions.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd
from sqlalchemy.orm import Session

from colead.analysis.programme import UnitValue
from colead.analysis.roi import ProgrammeCosts
from colead.development.programmes import list_programmes
from colead.errors import InvalidData, NotFound
from colead.store.kpi_values import delete_kpi_value, kpi_names, kpi_value_rows, put_kpi_value
from colead.store.reviews import audit, get_review

__all__ = [
    "DEFAULT_CURRENCY",
    "RoiInputs",
    "known_kpis",
    "list_kpi_values",
    "remove_kpi_value",
    "roi_inputs",
    "set_kpi_value",
]

DEFAULT_CURRENCY = "GBP"
#: the longest note on where a value comes from
MAX_SOURCE = 500
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def _money(value: float) -> str:
    return f"{value:,.2f}"


def _check(
    value: float, currency: str, periods: float, source: str | None
) -> tuple[str, str | None]:
    """The cleaned currency and source; InvalidData naming what is wrong."""
    if not math.isfinite(value) or value <= 0:
        raise InvalidData(
            f"A value per KPI unit must be a positive amount (got {value}).",
            "Give what one unit of the KPI is worth, e.g. 2500 for one percentage point.",
        )
    code = currency.strip().upper()
    if not _CURRENCY.match(code):
        raise InvalidData(
            f"{currency!r} is not a currency code.",
            "Use a three-letter code such as GBP, EUR or USD.",
        )
    if not math.isfinite(periods) or periods <= 0:
        raise InvalidData(
            f"The periods of benefit must be more than 0 (got {periods}).",
            "Count the KPI periods the benefit lasts, e.g. 4 quarters for the first year.",
        )
    text = (source or "").strip() or None
    if text is not None and len(text) > MAX_SOURCE:
        raise InvalidData(
            f"The source is {len(text)} characters long.", f"Keep it to {MAX_SOURCE} characters."
        )
    return code, text


def _known_kpi(session: Session, review_id: int, review: str, kpi: str) -> str:
    name = kpi.strip()
    known = kpi_names(session, review_id)
    if name not in known:
        hint = (
            "Known KPIs: " + "; ".join(known) + "."
            if known
            else "The review has no KPIs yet: import them first (colead import kpis)."
        )
        raise InvalidData(f"Review {review!r} has no KPI named {name!r}.", hint)
    return name


def set_kpi_value(
    session: Session,
    review: str,
    kpi: str,
    value_per_unit: float,
    *,
    currency: str = DEFAULT_CURRENCY,
    periods: float = 1.0,
    source: str | None = None,
    actor: str = "system",
) -> UnitValue:
    """State (or restate) what one unit of ``kpi`` is worth in ``review``.

    Raises InvalidData for a value that is not a positive amount, a currency that is not a
    three-letter code, periods not above 0, or a KPI the review does not hold (the error
    names the KPIs it does hold).
    """
    review_row = get_review(session, review)
    code, text = _check(value_per_unit, currency, periods, source)
    name = _known_kpi(session, review_row.id, review_row.name, kpi)
    row, before = put_kpi_value(
        session,
        review_row.id,
        name,
        value_per_unit=float(value_per_unit),
        currency=code,
        periods=float(periods),
        source=text,
    )
    audit(
        session,
        actor,
        "kpi_value.set",
        "kpi_value",
        row.id,
        review_id=review_row.id,
        kpi=name,
        value_per_unit=row.value_per_unit,
        currency=code,
        periods=row.periods,
        source=text,
        before=(
            None
            if before is None
            else {"value_per_unit": before.value_per_unit, "currency": before.currency,
                  "periods": before.periods}
        ),
    )  # fmt: skip
    return UnitValue(name, row.value_per_unit, row.currency, row.periods, row.source)


def known_kpis(session: Session, review: str) -> list[str]:
    """The KPIs of the review that a value can be stated for."""
    return kpi_names(session, get_review(session, review).id)


def list_kpi_values(session: Session, review: str) -> list[UnitValue]:
    """The review's stated values, in KPI name order."""
    review_row = get_review(session, review)
    return [
        UnitValue(r.kpi, r.value_per_unit, r.currency, r.periods, r.source)
        for r in kpi_value_rows(session, review_row.id)
    ]


def remove_kpi_value(session: Session, review: str, kpi: str, *, actor: str = "system") -> None:
    """Remove the stated value of ``kpi``; NotFound when it has none."""
    review_row = get_review(session, review)
    name = kpi.strip()
    removed = delete_kpi_value(session, review_row.id, name)
    if removed is None:
        stated = [r.kpi for r in kpi_value_rows(session, review_row.id)]
        hint = "KPIs with a value: " + "; ".join(stated) + "." if stated else "No KPI has a value."
        raise NotFound(f"KPI {name!r} of review {review_row.name!r} has no value to remove.", hint)
    audit(
        session,
        actor,
        "kpi_value.remove",
        "kpi_value",
        removed.id,
        review_id=review_row.id,
        kpi=name,
        value_per_unit=removed.value_per_unit,
        currency=removed.currency,
        periods=removed.periods,
    )


@dataclass(frozen=True)
class RoiInputs:
    """What the ROI needs besides the evaluation: stated values and fully loaded costs."""

    values: tuple[UnitValue, ...]
    costs: ProgrammeCosts | None
    #: where the costs come from, in words, for the report
    costs_note: str | None


def roi_inputs(session: Session, review: str, enrolments: pd.DataFrame) -> RoiInputs:
    """The stated KPI values and the costs of the programmes people in ``enrolments`` took.

    Costs are summed over the review's programmes that have someone in ``enrolments``
    (``programme`` column), since the evaluation compares everyone enrolled in any of them
    with everyone else. Each programme counts cost per participant × everyone enrolled
    (completed or not: the money was spent) plus its other costs, as Phillips' fully loaded
    costs do. Programmes without recorded costs are named in the note, not counted as free.
    """
    values = tuple(list_kpi_values(session, review))
    taken = set(enrolments["programme"].astype(str)) if "programme" in enrolments else set()
    chosen = [p for p in list_programmes(session, review) if p.name in taken and p.enrolled]
    costed = [p for p in chosen if p.total_cost is not None]
    uncosted = [p.name for p in chosen if p.total_cost is None]
    if not costed:
        note = (
            f"No costs are recorded for {', '.join(repr(n) for n in uncosted)}."
            if uncosted
            else None
        )
        return RoiInputs(values, None, note)
    participants = sum(p.enrolled for p in costed)
    per_participant = sum((p.cost_per_participant or 0.0) * p.enrolled for p in costed)
    other = sum(p.other_costs or 0.0 for p in costed)
    parts = [
        f"{p.name!r}: {p.enrolled} enrolled × {_money(p.cost_per_participant or 0.0)} + "
        f"{_money(p.other_costs or 0.0)} other costs"
        for p in costed
    ]
    note = (
        (
            "Costs are the fully loaded costs of the programme "
            if len(costed) == 1
            else "Costs are summed over the programmes whose participants are in this evaluation: "
        )
        + "; ".join(parts)
        + "."
    )
    if uncosted:
        note += f" Not counted, no costs recorded: {', '.join(repr(n) for n in uncosted)}."
    costs = ProgrammeCosts(
        # the mean cost per participant keeps the total exact across programmes
        cost_per_participant=per_participant / participants,
        participants=participants,
        other_costs=other,
    )
    return RoiInputs(values, costs, note)
