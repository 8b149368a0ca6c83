"""Parallel logins through the console: the account locks, and password checks are bounded.

The requests go to the app at the same time (one event loop, the login route in the
app's thread pool), as a burst from one client would.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from colead.accounts import admins
from colead.accounts.admins import create_admin
from colead.accounts.passwords import CHECKS_AT_ONCE
from colead.config import load_settings
from colead.store import make_engine, transaction
from colead.store.schema import AdminUser
from colead.web import create_app
from web.loops import own_loop
from web.stored import store_survey_review

pytestmark = pytest.mark.integration

EMAIL = "admin@example.org"
PASSWORD = "a long enough admin password"
PARALLEL = 20
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def _burst(database_url: str, data_dir: Path) -> list[int]:
    settings = load_settings(database_url=database_url, data_dir=str(data_dir), secret_key="k" * 48)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="https://testserver") as client,
    ):
        page = await client.get("/admin/login")
        found = _CSRF.search(page.text)
        assert found is not None
        form = {"email": EMAIL, "csrf": found.group(1)}
        answers = await asyncio.gather(
            *[
                client.post("/admin/login", data={**form, "password": f"guess {i}"})
                for i in range(PARALLEL)
            ]
        )
    return [answer.status_code for answer in answers]


def test_a_burst_of_logins_locks_the_account_and_checks_a_few_at_a_time(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_survey_review(database_url)
    engine = make_engine(database_url)
    try:
        with transaction(engine) as session:
            create_admin(session, EMAIL, PASSWORD)
    finally:
        engine.dispose()

    running, most = 0, 0
    guard = threading.Lock()
    real = admins.password_matches

    def slow(password_hash: str, password: str) -> bool:
        nonlocal running, most
        with guard:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        try:
            return real(password_hash, password)
        finally:
            with guard:
                running -= 1

    monkeypatch.setattr(admins, "password_matches", slow)
    statuses = own_loop(lambda: _burst(database_url, tmp_path / "data"))

    assert statuses == [401] * PARALLEL
    assert 1 <= most <= CHECKS_AT_ONCE
    engine = make_engine(database_url)
    try:
        with transaction(engine) as session:
            assert session.scalars(select(AdminUser.locked_until)).one() is not None
    finally:
        engine.dispose()
