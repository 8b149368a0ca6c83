"""The console's results: a wave's dashboard and its drill-down to one site or one person.

Every figure comes from the same shaping as the review report (``review_context``) or from
:mod:`colead.jobs.drilldown`, so the anonymity minimum is applied exactly as in the report: no
group below it shows a number here. The analysis comes from the shared results cache
(:mod:`colead.jobs.results_cache`), and so does the dashboard's shaped content (charts
included), made once per version of the wave's data. The minimum is the app's setting;
nothing in a request can lower it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from colead.analysis.results import ReviewResults
from colead.errors import InvalidData
from colead.jobs.drilldown import person_view, relation_tables, site_names, site_view
from colead.reports.review import key_figures, review_context
from colead.web.admin.audit import audit_router
from colead.web.admin.console import PREFIX, AdminPage, Console, app_engine, quote_part, see_other
from colead.web.admin.reports import reports_router
from colead.web.admin.wave_results import MAX_NAME, people_of, wave_entry


def dashboard_context(results: ReviewResults) -> dict[str, Any]:
    """The report's shaped content the dashboard shows, charts rendered (kept per entry)."""
    context = review_context(results, generated_at="")
    return {
        "r": results,
        "minimum": results.anonymity_minimum,
        "figures": key_figures(results),
        "findings": context["findings"],
        "relation_chart": context["relation_chart"],
        "organisation_chart": context["organisation_chart"],
        "site_chart": context["site_chart"],
        "quadrant_chart": context["quadrant_chart"],
        "has_continuum": context["has_continuum"],
        "participation": context["participation"],
        "relation_tables": relation_tables(results),
        "site_tables": context["site_tables"],
        "sites": site_names(results),
        "has_evaluation": results.evaluation is not None,
    }


def results_router(console: Console) -> APIRouter:
    """The dashboard and drill-down pages under ``/admin/reviews/{name}/waves/{wave}``,
    with the report and export downloads and the audit log."""
    router = APIRouter(prefix=PREFIX)

    def wave_url(request: Request, name: str, wave: str) -> str:
        return f"{console.review_url(request, name)}/waves/{quote_part(wave)}"

    @router.get("/reviews/{name}/waves/{wave}/results", response_model=None)
    def dashboard(request: Request, name: str, wave: str, admin: AdminPage) -> Response:
        entry = wave_entry(console, request, name, wave)
        shaped = entry.derived("dashboard", dashboard_context)
        return console.page(
            request,
            "results.html.j2",
            admin,
            name=name,
            wave=wave,
            review_url=console.review_url(request, name),
            base=wave_url(request, name, wave),
            **shaped,
        )

    @router.get("/reviews/{name}/waves/{wave}/results/sites/{site}", response_model=None)
    def site(request: Request, name: str, wave: str, site: str, admin: AdminPage) -> Response:
        entry = wave_entry(console, request, name, wave)
        people = people_of(entry, app_engine(request), name)
        view = site_view(entry.results, people, site)
        return console.page(
            request,
            "results_site.html.j2",
            admin,
            name=name,
            wave=wave,
            base=wave_url(request, name, wave),
            view=view,
            minimum=entry.results.anonymity_minimum,
        )

    @router.get("/reviews/{name}/waves/{wave}/results/people", response_model=None)
    def find_person(
        request: Request,
        name: str,
        wave: str,
        admin: AdminPage,
        person: Annotated[str, Query(max_length=MAX_NAME)] = "",
    ) -> Response:
        # The dashboard's "find a person" form (GET, no script) lands here.
        if not person.strip():
            raise InvalidData("No person id was given.", "Type a person id from the people list.")
        return see_other(
            f"{wave_url(request, name, wave)}/results/people/{quote_part(person.strip())}"
        )

    @router.get("/reviews/{name}/waves/{wave}/results/people/{person_id}", response_model=None)
    def person(
        request: Request, name: str, wave: str, person_id: str, admin: AdminPage
    ) -> Response:
        entry = wave_entry(console, request, name, wave)
        people = people_of(entry, app_engine(request), name)
        view = person_view(entry.results, people, person_id)
        return console.page(
            request,
            "results_person.html.j2",
            admin,
            name=name,
            wave=wave,
            base=wave_url(request, name, wave),
            view=view,
            minimum=entry.results.anonymity_minimum,
        )

    combined = APIRouter()
    combined.include_router(router)
    combined.include_router(reports_router(console))
    combined.include_router(audit_router(console))
    return combined
