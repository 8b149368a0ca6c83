"""Every console form refuses a missing or forged CSRF token, and no bad cookie opens a page.

The forms are found from the app's routes, so that forms added later are covered too.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI, routing
from fastapi.testclient import TestClient
from itsdangerous.timed import TimestampSigner
from sqlalchemy import delete, select, update

from colead.store import make_engine, transaction
from colead.store.schema import AdminUser, Base, utcnow
from colead.store.schema_console import AdminSessionRecord
from colead.web.admin.sessions import COOKIE_NAME, MAX_AGE
from web.admin.test_sessions import (
    LOCAL,
    console_client,
    is_logged_out,
    log_in,
    page_csrf,
    run_sql,
)
from web.admin.test_sessions import console as console  # a fixture used here
from web.admin.test_sessions import stored as stored  # a fixture used here
from web.stored import REVIEW, SurveyDatabase

pytestmark = pytest.mark.integration

#: plausible values for the path parameters of console forms, by parameter name
PATH_VALUES = {
    "name": REVIEW,
    "review": REVIEW,
    "wave": "baseline",
    "action": "close",
    "kind": "invitation",
    "site": "North",
    "person_id": "C2",
    "person": "C2",
    "file": "x.rejected.csv",
}
_PARAMETER = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")
#: a column that a request may change without changing anything: a session's last use
_NOTED_USE = (AdminSessionRecord.__tablename__, "last_seen_at")


def console_forms(app: FastAPI) -> list[str]:
    """The paths of every POST route under /admin, path parameters filled in."""
    paths = set()
    for route in routing.iter_route_contexts(app.routes):
        path, methods = route.path, route.methods or set()
        if path and path.startswith("/admin") and "POST" in methods:
            paths.add(
                _PARAMETER.sub(
                    lambda found: quote(PATH_VALUES.get(found.group(1), "1"), safe=""), path
                )
            )
    return sorted(paths)


def database_state(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, as comparable tuples."""
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            state = {}
            for table in Base.metadata.sorted_tables:
                columns = [c for c in table.columns if (table.name, c.name) != _NOTED_USE]
                rows = session.execute(select(*columns).order_by(*table.primary_key.columns))
                state[table.name] = [tuple(map(repr, row)) for row in rows]
            return state
    finally:
        engine.dispose()


def test_every_console_form_refuses_a_missing_or_forged_token(
    console: TestClient, stored: SurveyDatabase
) -> None:
    real = log_in(console)
    forms = console_forms(console.app)  # type: ignore[arg-type]
    expected = {
        "/admin/login",
        "/admin/logout",
        "/admin/account/password",
        "/admin/account/sessions/end-others",
        "/admin/account/tokens",
        f"/admin/reviews/{quote(REVIEW, safe='')}/waves/baseline/close",
    }
    assert expected <= set(forms)
    before = database_state(stored.url)
    forged = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    for path in forms:
        for data in ({}, {"csrf": forged}, {"csrf": ""}):
            response = console.post(path, data={**data, "email": "x", "name": "x"})
            assert response.status_code == 403, (path, data, response.status_code)
            assert "did not come from this site" in response.text
    assert database_state(stored.url) == before
    assert not is_logged_out(console)


@pytest.mark.parametrize(
    "breakage", ["forged signature", "expired cookie", "revoked session", "deleted admin"]
)
def test_no_broken_session_opens_a_page(
    stored: SurveyDatabase, tmp_path: Path, breakage: str
) -> None:
    with console_client(stored.url, tmp_path) as client:
        if breakage == "expired cookie":
            stamp = int(time.time()) - MAX_AGE - 60
            with pytest.MonkeyPatch.context() as patched:
                patched.setattr(TimestampSigner, "get_timestamp", lambda self: stamp)
                csrf = log_in(client)
                # the stored session is young: only the cookie's own age ends it
                assert not is_logged_out(client)
        else:
            csrf = log_in(client)
        if breakage == "forged signature":
            value = client.cookies[COOKIE_NAME]
            client.cookies.set(COOKIE_NAME, value[:-3] + ("xyz" if value[-3:] != "xyz" else "abc"))
        elif breakage == "revoked session":
            run_sql(stored.url, update(AdminSessionRecord).values(revoked_at=utcnow()))
        elif breakage == "deleted admin":
            run_sql(stored.url, delete(AdminUser))
        assert is_logged_out(client)
        for path in ("/admin/", "/admin/account"):
            response = client.get(path)
            assert response.status_code == 303 and response.headers["location"] == "/admin/login"
        closed = client.post(
            f"/admin/reviews/{quote(REVIEW, safe='')}/waves/baseline/close", data={"csrf": csrf}
        )
        assert closed.status_code == 303 and closed.headers["location"] == "/admin/login"
        login = client.get("/admin/login")
        assert login.status_code == 200 and COOKIE_NAME in login.headers["set-cookie"]


@pytest.mark.parametrize(
    ("public_url", "secure"),
    [
        (LOCAL, False),
        ("http://localhost", False),
        ("https://survey.example.org", True),
        ("http://survey.example.org", True),
    ],
)
def test_cookie_flags_before_and_after_login(
    stored: SurveyDatabase, tmp_path: Path, public_url: str, secure: bool
) -> None:
    with console_client(stored.url, tmp_path, public_url) as client:
        visitor = client.get("/admin/login").headers["set-cookie"]
        csrf = page_csrf(client)
        logged_in = client.post(
            "/admin/login",
            data={"email": "admin@example.org", "password": "a long enough admin password",
                  "csrf": csrf},
        ).headers["set-cookie"]  # fmt: skip
    for cookie in (visitor, logged_in):
        flags = [part.strip().lower() for part in cookie.split(";")]
        assert cookie.startswith(f"{COOKIE_NAME}=")
        assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
        assert f"max-age={MAX_AGE}" in flags
        assert ("secure" in flags) is secure


@pytest.fixture
def two_browsers(stored: SurveyDatabase, tmp_path: Path) -> Iterator[tuple[TestClient, TestClient]]:
    with (
        console_client(stored.url, tmp_path / "a") as first,
        console_client(stored.url, tmp_path / "b") as second,
    ):
        yield first, second


def test_a_cookie_from_another_browser_keeps_its_own_csrf_token(
    two_browsers: tuple[TestClient, TestClient], stored: SurveyDatabase
) -> None:
    first, second = two_browsers
    log_in(first)
    theirs = log_in(second)
    response = first.post("/admin/account/sessions/end-others", data={"csrf": theirs})
    assert response.status_code == 403
    assert not is_logged_out(second)
