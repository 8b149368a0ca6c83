"""The unknown-link limit holds for requests sent at the same time, and spares busy offices."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from colead.config import load_settings
from colead.web import create_app
from colead.web.limits import (
    IN_FLIGHT_ROOM,
    FailureLimiter,
    UnknownTokenLimit,
)
from web.loops import own_loop
from web.stored import SurveyDatabase


async def _at_once(app: FastAPI | UnknownTokenLimit, paths: list[str]) -> Counter[int]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        answers = await asyncio.gather(*[client.get(path) for path in paths])
    return Counter(answer.status_code for answer in answers)


@pytest.mark.integration
def test_a_burst_of_guesses_passes_the_limit_by_no_more_than_the_room(
    survey_db: SurveyDatabase,
) -> None:
    app = create_app(load_settings(database_url=survey_db.url))
    burst = IN_FLIGHT_ROOM + 40

    async def guesses() -> tuple[Counter[int], Counter[int]]:
        async with app.router.lifespan_context(app):
            rest = await _at_once(app, [f"/s/guess-{i:04d}" for i in range(burst)])
            later = await _at_once(app, ["/s/one-more-guess"])
            return rest, later

    rest, later = own_loop(guesses)
    # before, every one of them was answered 404 (checked and counted apart)
    assert rest[404] <= IN_FLIGHT_ROOM and rest[429] >= burst - IN_FLIGHT_ROOM
    assert later == {429: 1}


def _slow_app() -> FastAPI:
    inner = FastAPI()

    @inner.get("/s/{token}")
    async def form(token: str) -> PlainTextResponse:
        await asyncio.sleep(0.05)  # every request is in flight before any has answered
        return PlainTextResponse("form", status_code=200 if token.startswith("good") else 404)

    return inner


def test_guesses_after_the_limit_are_refused_even_when_valid_requests_are_in_flight() -> None:
    limited = UnknownTokenLimit(_slow_app(), FailureLimiter(max_failures=3, window=60))
    assert own_loop(lambda: _at_once(limited, [f"/s/bad-{i}" for i in range(3)])) == {404: 3}
    assert own_loop(lambda: _at_once(limited, ["/s/good", "/s/bad-x"])) == {429: 2}


def test_an_office_opening_its_links_at_once_is_not_refused() -> None:
    """Fifty colleagues behind one company address, each with a valid link, at once, just
    after one of them mistyped a link."""
    limited = UnknownTokenLimit(_slow_app(), FailureLimiter(max_failures=3, window=60))
    assert own_loop(lambda: _at_once(limited, ["/s/mistyped"])) == {404: 1}
    valid = [f"/s/good-{i}" for i in range(50)]
    assert own_loop(lambda: _at_once(limited, valid)) == {200: 50}
    # answered requests are no longer in flight; three guesses at once still pass (the
    # limit is passed by at most the room), and then the address must wait
    assert own_loop(lambda: _at_once(limited, [f"/s/bad-{i}" for i in range(3)])) == {404: 3}
    assert own_loop(lambda: _at_once(limited, ["/s/good-again"])) == {429: 1}


def test_a_first_burst_of_guesses_overshoots_by_at_most_the_room() -> None:
    limited = UnknownTokenLimit(_slow_app(), FailureLimiter(max_failures=3, window=60))
    burst = IN_FLIGHT_ROOM + 20
    statuses = own_loop(lambda: _at_once(limited, [f"/s/bad-{i}" for i in range(burst)]))
    assert statuses == {404: IN_FLIGHT_ROOM, 429: 20}
    assert own_loop(lambda: _at_once(limited, ["/s/bad-later"])) == {429: 1}
