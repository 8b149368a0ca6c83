"""The analysed wave behind the console's results pages and downloads."""

from __future__ import annotations

import pandas as pd
from fastapi import Request
from sqlalchemy import Engine

from colead.errors import ReviewNotFound, WaveNotFound
from colead.jobs.results_cache import CachedWave, ResultsCache
from colead.store import transaction
from colead.store.exports import people_table
from colead.store.reviews import get_review
from colead.web.admin.console import Console, app_engine

#: names longer than the columns that hold them cannot exist
MAX_NAME = 200


def wave_entry(console: Console, request: Request, name: str, wave: str) -> CachedWave:
    """The analysed wave (from the cache when its data has not changed), at the app's
    anonymity minimum: nothing in a request can lower it."""
    if len(name) > MAX_NAME or "\x00" in name:
        raise ReviewNotFound(f"No review named {name[:MAX_NAME]!r}.")
    if len(wave) > MAX_NAME or "\x00" in wave:
        raise WaveNotFound(f"Review {name!r} has no wave {wave[:MAX_NAME]!r}.")
    cache = request.app.state.results
    assert isinstance(cache, ResultsCache)
    return cache.entry(app_engine(request), name, wave, console.settings.anonymity_minimum)


def review_people(engine: Engine, name: str) -> pd.DataFrame:
    with transaction(engine) as session:
        return people_table(session, get_review(session, name))


def people_of(entry: CachedWave, engine: Engine, name: str) -> pd.DataFrame:
    """The review's people, kept with the cached wave (people changes are audited, so they
    change its fingerprint)."""
    return entry.derived("people", lambda _results: review_people(engine, name))
