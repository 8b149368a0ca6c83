"""The console's evaluation dashboard: did the programme change anything, and did it pay?

One page per review (``/admin/reviews/{name}/evaluation``, the wave chosen with ``?wave=``)
shows the same sections as the programme evaluation report (Kirkpatrick's levels, the
difference in differences drawn and tabled, reliable change, KPI change, the Phillips ROI
and what can and cannot be concluded), made once per version of the wave's data through
the shared results cache. Below them the money value of each KPI unit can be set or
removed; every change goes through :mod:`colead.development.kpi_values`, is audited (which gives the
wave a new data fingerprint, so the next view recalculates the ROI) and answers with a 303
back to the page. A refused value shows the page again with what was typed and what to fix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from colead.analysis.results import ReviewResults
from colead.development.kpi_values import (
    DEFAULT_CURRENCY,
    MAX_SOURCE,
    known_kpis,
    list_kpi_values,
    remove_kpi_value,
    set_kpi_value,
)
from colead.errors import ColeadError, InvalidData, NotFound
from colead.fieldwork.lifecycle import review_waves
from colead.reports.evaluation import evaluation_sections
from colead.store import transaction
from colead.web.admin.console import (
    PREFIX,
    AdminForm,
    AdminPage,
    Console,
    app_engine,
    quote_part,
    see_other,
)
from colead.web.admin.forms import refused_status
from colead.web.admin.sessions import AdminSession
from colead.web.admin.wave_results import MAX_NAME, wave_entry

#: periods of benefit offered when a value is first set (4 quarters: the first year)
DEFAULT_PERIODS = "4"


@dataclass(frozen=True)
class EnteredValue:
    """The KPI value form as typed, kept when it is refused."""

    kpi: str = ""
    value: str = ""
    currency: str = DEFAULT_CURRENCY
    periods: str = DEFAULT_PERIODS
    source: str = ""


def evaluation_content(results: ReviewResults) -> dict[str, Any]:
    """The report's sections and facts the dashboard shows (kept with the cached wave)."""
    ev = results.evaluation
    if ev is None:
        return {"ev": None, "sections": ()}
    return {"ev": ev, "sections": evaluation_sections(results)}


def _number(text: str, label: str) -> float:
    """A number as typed in the form ("2,500" and "2500.50" both read); InvalidData if not."""
    cleaned = text.strip().replace(",", "").replace(" ", "")
    try:
        number = float(cleaned)
    except ValueError:
        raise InvalidData(
            f"The {label} {text.strip()!r} is not a number.", "Type digits, e.g. 2500 or 4."
        ) from None
    if not math.isfinite(number):
        raise InvalidData(f"The {label} must be a finite number.", "Type digits, e.g. 2500.")
    return number


def evaluation_router(console: Console) -> APIRouter:
    """The evaluation dashboard of a review and its KPI value form."""
    router = APIRouter(prefix=PREFIX)

    def page_url(request: Request, name: str, wave: str) -> str:
        query = f"?{urlencode({'wave': wave})}" if wave else ""
        return f"{console.review_url(request, name)}/evaluation{query}"

    def show(
        request: Request,
        name: str,
        wave: str,
        admin: AdminSession,
        refused: ColeadError | None = None,
        entered: EnteredValue | None = None,
    ) -> Response:
        if len(name) > MAX_NAME:
            raise NotFound(f"No review named {name[:MAX_NAME]!r}.")
        with transaction(app_engine(request)) as session:
            waves = [w.name for w in review_waves(session, name)]
            values = list_kpi_values(session, name)
            kpis = known_kpis(session, name)
        if not waves:
            chosen = ""
            content: dict[str, Any] = {"ev": None, "sections": ()}
            results = None
        else:
            chosen = wave.strip() or waves[-1]
            entry = wave_entry(console, request, name, chosen)
            content = entry.derived("evaluation", evaluation_content)
            results = entry.results
        if entered is None:
            entered = EnteredValue(kpi=kpis[0] if kpis else "")
        return console.page(
            request,
            "evaluation.html.j2",
            admin,
            status=refused_status(refused),
            name=name,
            review_url=console.review_url(request, name),
            base=f"{console.review_url(request, name)}/evaluation",
            waves=waves,
            wave=chosen,
            r=results,
            minimum=console.settings.anonymity_minimum,
            values=values,
            kpis=kpis,
            refused=refused,
            entered=entered,
            max_source=MAX_SOURCE,
            download=(
                f"{console.review_url(request, name)}/waves/{quote_part(chosen)}/reports"
                if chosen
                else ""
            ),
            **content,
        )

    @router.get("/reviews/{name}/evaluation", response_model=None)
    def evaluation(
        request: Request,
        name: str,
        admin: AdminPage,
        wave: Annotated[str, Query(max_length=MAX_NAME)] = "",
    ) -> Response:
        return show(request, name, wave, admin)

    @router.post("/reviews/{name}/evaluation/kpi-values", response_model=None)
    def kpi_value(
        request: Request,
        name: str,
        admin: AdminForm,
        action: Annotated[str, Form(max_length=10)] = "set",
        wave: Annotated[str, Form(max_length=MAX_NAME)] = "",
        kpi: Annotated[str, Form(max_length=200)] = "",
        value: Annotated[str, Form(max_length=50)] = "",
        currency: Annotated[str, Form(max_length=10)] = DEFAULT_CURRENCY,
        periods: Annotated[str, Form(max_length=20)] = DEFAULT_PERIODS,
        source: Annotated[str, Form(max_length=MAX_SOURCE + 100)] = "",
    ) -> Response:
        actor = admin.email or ""
        if action == "remove":
            with transaction(app_engine(request)) as session:
                remove_kpi_value(session, name, kpi, actor=actor)
            return see_other(page_url(request, name, wave))
        if action != "set":
            raise InvalidData(f"Unknown action {action!r}.", "Use the buttons on the page.")
        try:
            amount = _number(value, "value per unit")
            span = _number(periods, "number of periods")
            with transaction(app_engine(request)) as session:
                set_kpi_value(
                    session, name, kpi, amount, currency=currency, periods=span,
                    source=source, actor=actor,
                )  # fmt: skip
        except InvalidData as refused:
            # The page comes back with what was typed and what to fix; nothing was stored.
            entered = EnteredValue(kpi, value, currency, periods, source)
            return show(request, name, wave, admin, refused=refused, entered=entered)
        return see_other(page_url(request, name, wave))

    return router
