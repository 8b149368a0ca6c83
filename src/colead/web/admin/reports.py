"""The console's downloads: a wave's reports (HTML or PDF) and a review's export tables.

Reports are rendered in memory from the cached analysis, or in a temporary folder for the
individual report (which reads the person's comments and answers itself); exports go
through :func:`colead.jobs.exports.export_table` into a temporary folder that is removed once
the file has been sent. So every download applies the anonymity minimum exactly as
``colead report`` and ``colead export`` do. Each download is written to the audit log with
the admin as the actor.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from colead.analysis.results import ReviewResults
from colead.development.review_actions import action_log
from colead.errors import NotFound
from colead.fieldwork.lifecycle import review_waves
from colead.jobs.exports import KINDS as EXPORT_KINDS
from colead.jobs.exports import export_table
from colead.jobs.output import slug
from colead.reports.review import render_review_html
from colead.store import transaction
from colead.store.reviews import audit, get_review
from colead.web import render
from colead.web.admin.console import PREFIX, AdminPage, Console, app_engine
from colead.web.admin.sessions import AdminSession
from colead.web.admin.wave_results import MAX_NAME, wave_entry

#: what each format is sent as
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
REPORT_FORMATS = ("html", "pdf")
EXPORT_FORMATS = ("csv", "xlsx")
#: what each export table holds, for the exports page
EXPORT_DESCRIPTIONS = {
    "responses": "Completed forms of a wave, without rater ids; only forms whose rater group "
    "reaches the anonymity minimum (self ratings kept).",
    "scores": "Each person's practice scores by rater group after the anonymity rule, for a wave.",
    "people": "The review's people table.",
}


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _split(file: str, formats: tuple[str, ...], what: str) -> tuple[str, str]:
    """``"review.pdf"`` -> ``("review", "pdf")``; NotFound for any other format."""
    stem, dot, suffix = file.rpartition(".")
    if not dot or not stem or suffix not in formats:
        raise NotFound(f"There is no {what} {file!r}.", f"Ask for .{' or .'.join(formats)}.")
    return stem, suffix


def _download(content: bytes, file_name: str, suffix: str) -> Response:
    headers = {
        **render.SECURITY_HEADERS,
        "Content-Disposition": f'attachment; filename="{file_name}"',
    }
    return Response(content, media_type=MEDIA_TYPES[suffix], headers=headers)


def _pdf(html: str) -> bytes:
    from colead.reports.pdf import render_pdf  # WeasyPrint loads slowly: only when asked

    return render_pdf(html)[0]


def _record(request: Request, admin: AdminSession, name: str, action: str, **detail: Any) -> None:
    with transaction(app_engine(request)) as session:
        review = get_review(session, name)
        audit(
            session, admin.email or "", action, "review", review.id, review_id=review.id, **detail
        )


def evaluation_html(results: ReviewResults) -> str:
    """The programme evaluation page; NotFound when the wave has nothing to evaluate."""
    if results.evaluation is None:
        raise NotFound(
            f"Wave {results.wave!r} of review {results.review!r} has no programme to evaluate.",
            "An evaluation needs an earlier wave with the same framework and people enrolled "
            "in a programme; open the results of the follow-up wave.",
        )
    from colead.reports.evaluation import render_evaluation_html

    return render_evaluation_html(results, generated_at=_stamp())


def person_report_html(database_url: str, review: str, wave: str, minimum: int, pid: str) -> str:
    """One person's individual report, made in a temporary folder and read back."""
    from colead.jobs.person_reports import write_person_reports

    with tempfile.TemporaryDirectory(prefix="colead-report-") as folder:
        pages = write_person_reports(
            database_url, review, wave, Path(folder), people=[pid], minimum=minimum, jobs=1
        )
        return pages[0].read_text(encoding="utf-8")


def reports_router(console: Console) -> APIRouter:
    """Report downloads of a wave and the export page and downloads of a review."""
    router = APIRouter(prefix=PREFIX)
    minimum = console.settings.anonymity_minimum

    @router.get("/reviews/{name}/waves/{wave}/reports/{file}", response_model=None)
    def wave_report(
        request: Request, name: str, wave: str, file: str, admin: AdminPage
    ) -> Response:
        kind, suffix = _split(file, REPORT_FORMATS, "report")
        if kind not in ("review", "evaluation"):
            raise NotFound(f"There is no report {file!r}.", "Use the links on the results page.")
        results = wave_entry(console, request, name, wave).results
        if kind == "review":
            with transaction(app_engine(request)) as session:
                actions = action_log(session, name, datetime.now(UTC).date())
            html = render_review_html(results, generated_at=_stamp(), actions=actions)
        else:
            html = evaluation_html(results)
        content = html.encode("utf-8") if suffix == "html" else _pdf(html)
        _record(request, admin, name, "report.download", kind=kind, format=suffix, wave=wave)
        return _download(content, f"{kind}-{slug(wave)}.{suffix}", suffix)

    @router.get("/reviews/{name}/waves/{wave}/reports/people/{file}", response_model=None)
    def person_report(
        request: Request, name: str, wave: str, file: str, admin: AdminPage
    ) -> Response:
        pid, suffix = _split(file, REPORT_FORMATS, "individual report")
        if len(pid) > MAX_NAME:
            raise NotFound(f"There is no individual report {file[:MAX_NAME]!r}.")
        wave_entry(console, request, name, wave)  # a missing review or wave says so first
        html = person_report_html(console.settings.database_url, name, wave, minimum, pid)
        content = html.encode("utf-8") if suffix == "html" else _pdf(html)
        _record(
            request, admin, name, "report.download", kind="person", format=suffix, wave=wave,
            person=pid,
        )  # fmt: skip
        return _download(content, f"person-{slug(pid)}-{slug(wave)}.{suffix}", suffix)

    @router.get("/reviews/{name}/exports", response_model=None)
    def exports(request: Request, name: str, admin: AdminPage) -> Response:
        with transaction(app_engine(request)) as session:
            get_review(session, name)
            waves = [w.name for w in review_waves(session, name)]
        return console.page(
            request,
            "exports.html.j2",
            admin,
            name=name,
            review_url=console.review_url(request, name),
            kinds=EXPORT_KINDS,
            descriptions=EXPORT_DESCRIPTIONS,
            formats=EXPORT_FORMATS,
            waves=waves,
            minimum=minimum,
        )

    @router.get("/reviews/{name}/exports/{file}", response_model=None)
    def export(
        request: Request, name: str, file: str, admin: AdminPage, wave: str = ""
    ) -> Response:
        kind, suffix = _split(file, EXPORT_FORMATS, "export")
        if kind not in EXPORT_KINDS:
            raise NotFound(f"There is no export {file!r}.", "Use the links on the exports page.")
        with transaction(app_engine(request)) as session:
            get_review(session, name)
        chosen = (wave.strip() or None) if kind != "people" else None
        folder = Path(tempfile.mkdtemp(prefix="colead-export-"))
        try:
            written = export_table(
                console.settings.database_url,
                kind,
                folder / f"{kind}.{suffix}",
                review=name,
                wave=chosen,
                minimum=minimum,
                actor=admin.email or "",
            )
            _record(
                request, admin, name, "export", kind=kind, format=suffix, wave=chosen,
                rows=written.rows,
            )  # fmt: skip
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        label = f"{slug(name)}-{kind}" + (f"-{slug(chosen)}" if chosen else "")
        # Streamed from the temporary folder, which goes once the answer has been sent.
        return FileResponse(
            written.path,
            media_type=MEDIA_TYPES[suffix],
            filename=f"{label}.{suffix}",
            headers=render.SECURITY_HEADERS,
            background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
        )

    return router
