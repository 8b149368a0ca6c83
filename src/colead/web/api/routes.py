"""The JSON API under ``/api/v1``: reviews, people, waves, forms, responses and results.

Every data endpoint needs ``Authorization: Bearer <token>`` (tokens from ``colead admin
token create``). Lists are paged (``limit``, ``offset``) and answer ``{"items", "total",
"limit", "offset"}``. Forms never carry survey tokens; responses are the anonymous rows of
``colead export responses`` (no rater ids, groups below the minimum withheld); results come
from :func:`colead.analysis.export.results_to_dict`, which applies the anonymity minimum: no
endpoint says who answered what. Failures have one shape (see
:mod:`colead.web.api.errors`). Too many failed authentications from one address within a
minute are answered 429 until the minute has passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import Engine

from colead.accounts.admins import aware
from colead.accounts.api_tokens import ApiCaller, TokenRefused, refused, verify_token
from colead.analysis.export import SCHEMA_VERSION, results_to_dict
from colead.errors import ReviewNotFound, WaveNotFound
from colead.jobs.exports import anonymous_responses
from colead.jobs.results_cache import ResultsCache
from colead.store import transaction
from colead.store.listings import (
    Page,
    assignments_page,
    people_page,
    reviews_page,
    waves_page,
)
from colead.store.reviews import get_review
from colead.store.schema import utcnow
from colead.store.waves import get_wave
from colead.web.api.errors import ApiErrorResponse
from colead.web.limits import FailureLimiter as FailureLimiter

PREFIX = "/api/v1"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
#: far beyond any real list, and inside every database's integer range
MAX_OFFSET = 1_000_000_000
#: names longer than the columns that hold them cannot exist
MAX_NAME = 200


@dataclass
class ApiState:
    """What the API keeps in ``app.state.api`` while the app runs."""

    engine: Engine
    minimum: int
    limiter: FailureLimiter
    #: the app's analysed waves, shared with the console
    results: ResultsCache


# --- response models -----------------------------------------------------------------


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    @field_validator("*", mode="after")
    @classmethod
    def _utc(cls, value: Any) -> Any:
        return aware(value) if isinstance(value, datetime) else value


class ReviewOut(_Out):
    name: str
    description: str | None
    created_at: datetime


class PersonOut(_Out):
    id: str
    name: str
    organisation: str
    organisation_role: str | None
    site: str
    role_title: str | None
    level: int
    manager_id: str | None


class WaveOut(_Out):
    name: str
    ordinal: int
    status: str
    period: str | None
    opened_at: datetime | None
    closed_at: datetime | None
    assignments: int
    completed: int


class AssignmentOut(_Out):
    ratee: str
    rater: str
    relation: str
    completed: bool


class _PageOut(BaseModel):
    total: int
    limit: int
    offset: int


class ReviewPage(_PageOut):
    items: list[ReviewOut]


class PersonPage(_PageOut):
    items: list[PersonOut]


class WavePage(_PageOut):
    items: list[WaveOut]


class AssignmentPage(_PageOut):
    items: list[AssignmentOut]


class ResponsePage(_PageOut):
    """Completed forms without rater ids: one object per form with ``ratee_id``,
    ``relation`` (after folding small groups), one key per item id (1-5, "NA" for not
    observed, null for blank) and the two comments."""

    items: list[dict[str, Any]]
    #: forms left out because their rater group stays below the minimum after folding
    withheld: int
    #: answers blanked because the results withhold their cell (or the rater's site is small)
    blanked: int


class WaveResults(BaseModel):
    """All results of one wave (docs/results-schema.md); groups below the anonymity minimum
    are withheld."""

    model_config = ConfigDict(extra="allow")

    schema_version: str = SCHEMA_VERSION
    review: Any = None
    wave: Any = None
    anonymity_minimum: int


# --- dependencies --------------------------------------------------------------------

_bearer = HTTPBearer(auto_error=False, description="An API token of an admin.")


def api_state(request: Request) -> ApiState:
    state = request.app.state.api
    assert isinstance(state, ApiState)
    return state


State = Annotated[ApiState, Depends(api_state)]


def authenticate(
    request: Request,
    state: State,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiCaller:
    client = request.client.host if request.client else "unknown"
    state.limiter.check(client)
    if credentials is None:
        state.limiter.failed(client)
        raise refused()
    try:
        with transaction(state.engine) as session:
            return verify_token(session, credentials.credentials, now=utcnow())
    except TokenRefused:
        state.limiter.failed(client)
        raise


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip.")]
ReviewName = Annotated[str, Path(description="The review's name.")]
WaveName = Annotated[str, Path(description="The wave's name.")]


def _review_name(name: str) -> str:
    if "\x00" in name or len(name) > MAX_NAME:
        raise ReviewNotFound(f"No review named {name[:MAX_NAME]!r}.")
    return name


def _wave_name(name: str) -> str:
    if "\x00" in name or len(name) > MAX_NAME:
        raise WaveNotFound(f"No wave named {name[:MAX_NAME]!r}.")
    return name


def _paged(page: Page, limit: int, offset: int) -> dict[str, Any]:
    return {"items": page.rows, "total": page.total, "limit": limit, "offset": offset}


# --- the router ----------------------------------------------------------------------


def make_api_router() -> APIRouter:
    """The ``/api/v1`` router; the app's lifespan puts :class:`ApiState` in
    ``app.state.api``."""

    errors: dict[int | str, dict[str, Any]] = {
        status: {"model": ApiErrorResponse} for status in (401, 404, 422, 429, 500)
    }
    router = APIRouter(prefix=PREFIX)
    data = APIRouter(dependencies=[Depends(authenticate)], responses=errors, tags=["data"])

    @data.get("/reviews", response_model=ReviewPage)
    def list_reviews(state: State, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0) -> Any:
        """The reviews, by name."""
        with transaction(state.engine) as session:
            return _paged(reviews_page(session, limit, offset), limit, offset)

    @data.get("/reviews/{name}/people", response_model=PersonPage)
    def list_people(
        state: State, name: ReviewName, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
    ) -> Any:
        """The people of a review, by their id (no e-mail addresses)."""
        with transaction(state.engine) as session:
            review = get_review(session, _review_name(name))
            return _paged(people_page(session, review.id, limit, offset), limit, offset)

    @data.get("/reviews/{name}/waves", response_model=WavePage)
    def list_waves(
        state: State, name: ReviewName, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
    ) -> Any:
        """The waves of a review, oldest first, with their forms and submitted forms."""
        with transaction(state.engine) as session:
            review = get_review(session, _review_name(name))
            return _paged(waves_page(session, review.id, limit, offset), limit, offset)

    @data.get("/reviews/{name}/waves/{wave}/assignments", response_model=AssignmentPage)
    def list_assignments(
        state: State,
        name: ReviewName,
        wave: WaveName,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> Any:
        """The forms of a wave: who rates whom, as what, and whether it is submitted."""
        with transaction(state.engine) as session:
            review = get_review(session, _review_name(name))
            found = get_wave(session, review, _wave_name(wave))
            return _paged(assignments_page(session, found.id, limit, offset), limit, offset)

    #: scores and rows of a wave that has not closed are not published (participation only)
    unpublished: dict[int | str, dict[str, Any]] = {
        409: {"model": ApiErrorResponse, "description": "The wave is not closed yet."}
    }

    @data.get(
        "/reviews/{name}/waves/{wave}/responses",
        response_model=ResponsePage,
        responses=unpublished,
    )
    def list_responses(
        state: State,
        name: ReviewName,
        wave: WaveName,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> Any:
        """The submitted forms of a wave as anonymous rows, like `colead export responses`:
        no rater ids, no form whose rater group is below the anonymity minimum, and no answer
        of a cell the results withhold (``blanked`` counts them)."""
        with transaction(state.engine) as session:
            found = anonymous_responses(
                session, _review_name(name), _wave_name(wave), state.minimum
            )
        frame, withheld = found.table, found.withheld_forms
        chosen = frame.iloc[offset : offset + limit].astype(object)
        rows = chosen.where(chosen.notna(), None).to_dict(orient="records")
        return {
            "items": rows,
            "total": len(frame),
            "limit": limit,
            "offset": offset,
            "withheld": withheld,
            "blanked": found.blanked_answers,
        }

    @data.get(
        "/reviews/{name}/waves/{wave}/results", response_model=WaveResults, responses=unpublished
    )
    def wave_results(state: State, name: ReviewName, wave: WaveName) -> JSONResponse:
        """The analysis of a wave, with every group below the anonymity minimum withheld."""
        results = state.results.results(
            state.engine, _review_name(name), _wave_name(wave), state.minimum
        )
        return JSONResponse(results_to_dict(results))

    router.include_router(data)

    @router.get("/openapi.json", include_in_schema=False)
    def openapi() -> JSONResponse:
        schema = get_openapi(
            title="colead API",
            version="1",
            description=__doc__ or "",
            routes=router.routes,
        )
        return JSONResponse(schema)

    return router
