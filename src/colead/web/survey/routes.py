"""The rater survey's routes: read the request, call ``colead.fieldwork.survey``, render a page.

Every POST ends in a redirect (Post/Redirect/Get), so reloading a page never posts twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from colead.errors import NotFound
from colead.fieldwork.survey import PageInvalid, Survey, SurveyService
from colead.web import render

router = APIRouter()

_PAGE_NUMBER = re.compile(r"[0-9]{1,4}")
#: far above what a page of questions and two comments needs
_MAX_FIELDS = 500
_MAX_FIELD_BYTES = 64 * 1024


@dataclass(frozen=True)
class Links:
    """The form's addresses, relative to the server root."""

    base: str

    def page(self, number: int) -> str:
        return f"{self.base}/page/{number}" if number > 0 else self.base

    @property
    def review(self) -> str:
        return f"{self.base}/review"

    @property
    def submit(self) -> str:
        return f"{self.base}/submit"

    @property
    def thanks(self) -> str:
        return f"{self.base}/thanks"


def _service(request: Request) -> SurveyService:
    service = request.app.state.survey
    assert isinstance(service, SurveyService)
    return service


def _links(request: Request, token: str) -> Links:
    return Links(f"{request.scope.get('root_path', '')}/s/{token}")


async def _open(request: Request, token: str) -> Survey:
    """The form behind the link, refusing one whose wave does not take answers."""
    survey = await run_in_threadpool(_service(request).open, token)
    survey.require_open()
    return survey


def _page_number(text: str) -> int:
    if not _PAGE_NUMBER.fullmatch(text):
        raise NotFound(f"This survey has no page {text!r}.", "Start again from the link.")
    return int(text)


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=render.SECURITY_HEADERS)


def _context(survey: Survey, links: Links, **extra: Any) -> dict[str, Any]:
    return {"survey": survey, "form": survey.form, "links": links, **extra}


async def _fields(request: Request) -> dict[str, list[str]]:
    """The posted form fields (text only; uploaded files are not fields of a survey)."""
    try:
        form = await request.form(
            max_files=0, max_fields=_MAX_FIELDS, max_part_size=_MAX_FIELD_BYTES
        )
    except HTTPException:
        raise
    except Exception:  # a body the form parser cannot read at all
        raise HTTPException(400) from None
    fields: dict[str, list[str]] = {}
    for name, value in form.multi_items():
        if isinstance(value, str):
            fields.setdefault(name, []).append(value)
    return fields


@router.get("/s/{token}", response_class=HTMLResponse)
async def welcome(request: Request, token: str) -> HTMLResponse:
    survey = await _open(request, token)
    return render.page("welcome.html.j2", **_context(survey, _links(request, token)))


@router.get("/s/{token}/page/{number}", response_class=HTMLResponse)
async def show_page(request: Request, token: str, number: str) -> HTMLResponse:
    survey = await _open(request, token)
    page = survey.form.page(_page_number(number))
    return render.page(
        "page.html.j2",
        **_context(
            survey,
            _links(request, token),
            page=page,
            answers=survey.answers,
            progress=survey.form.progress(survey.answers, page.number),
            invalid=(),
        ),
    )


@router.post("/s/{token}/page/{number}", response_model=None)
async def save_page(request: Request, token: str, number: str) -> HTMLResponse | RedirectResponse:
    page_number = _page_number(number)
    fields = await _fields(request)
    action = (fields.get("action") or ["next"])[-1]
    links = _links(request, token)
    try:
        target = await run_in_threadpool(
            _service(request).save_page, token, page_number, fields, action
        )
    except PageInvalid as invalid:
        survey = await _open(request, token)
        page = survey.form.page(invalid.number)
        return render.page(
            "page.html.j2",
            422,
            **_context(
                survey,
                links,
                page=page,
                answers=invalid.answers,
                progress=survey.form.progress(invalid.answers, page.number),
                invalid=invalid.invalid,
                error=invalid,
            ),
        )
    return _see_other(links.review if target == "review" else links.page(target))


@router.get("/s/{token}/review", response_class=HTMLResponse)
async def review(request: Request, token: str) -> HTMLResponse:
    survey = await _open(request, token)
    return render.page(
        "review.html.j2",
        **_context(survey, _links(request, token), answers=survey.answers),
    )


@router.post("/s/{token}/submit", response_model=None)
async def submit(request: Request, token: str) -> RedirectResponse:
    await _fields(request)
    await run_in_threadpool(_service(request).submit, token)
    return _see_other(_links(request, token).thanks)


@router.get("/s/{token}/thanks", response_model=None)
async def thanks(request: Request, token: str) -> HTMLResponse | RedirectResponse:
    survey = await _open(request, token)
    links = _links(request, token)
    if not survey.submitted:
        return _see_other(links.review)
    return render.page("thanks.html.j2", **_context(survey, links))
