"""Console sessions kept in the database, the account page, and the login and link limits."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import delete, func, select, update
from typer.testing import CliRunner

from colead.accounts import admins
from colead.accounts.admins import MAX_CLIENT_FAILURES, create_admin
from colead.cli import app as cli_app
from colead.config import load_settings
from colead.store import make_engine, transaction
from colead.store.schema import AdminUser, ApiToken, AuditEntry, utcnow
from colead.store.schema_console import AdminSessionRecord, LoginFailure
from colead.web import create_app
from colead.web.admin.sessions import COOKIE_NAME
from colead.web.limits import MAX_UNKNOWN_TOKENS, FailureLimiter, UnknownTokenLimit
from web.stored import SurveyDatabase, store_survey_review

pytestmark = pytest.mark.integration

EMAIL = "admin@example.org"
PASSWORD = "a long enough admin password"
LOCAL = "http://127.0.0.1:8000"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


# --- helpers shared with test_admin_security -----------------------------------------


@pytest.fixture
def stored(database_url: str) -> SurveyDatabase:
    db = store_survey_review(database_url)
    engine = make_engine(database_url)
    try:
        with transaction(engine) as session:
            create_admin(session, EMAIL, PASSWORD)
    finally:
        engine.dispose()
    return db


def console_client(url: str, data_dir: Path, public_url: str = LOCAL) -> TestClient:
    settings = load_settings(
        database_url=url, data_dir=str(data_dir), public_url=public_url, secret_key="k" * 48
    )
    # over https, so that the client sends back cookies marked Secure too
    return TestClient(
        create_app(settings),
        base_url="https://testserver",
        follow_redirects=False,
        headers={"user-agent": BROWSER},
    )


@pytest.fixture
def console(stored: SurveyDatabase, tmp_path: Path) -> Iterator[TestClient]:
    with console_client(stored.url, tmp_path / "data") as client:
        yield client


def page_csrf(client: TestClient, path: str = "/admin/login") -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text
    found = _CSRF.search(response.text)
    assert found is not None
    return found.group(1)


def log_in(client: TestClient, email: str = EMAIL, password: str = PASSWORD) -> str:
    """Log in; the CSRF token of the logged-in session."""
    response = client.post(
        "/admin/login", data={"email": email, "password": password, "csrf": page_csrf(client)}
    )
    assert response.status_code == 303 and response.headers["location"] == "/admin/", response.text
    return page_csrf(client, "/admin/")


def is_logged_out(client: TestClient) -> bool:
    response = client.get("/admin/")
    return response.status_code == 303 and response.headers["location"] == "/admin/login"


def run_sql(url: str, *statements: Any) -> list[Any]:
    """Run statements in one transaction; the scalar results of the selects."""
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            return [
                session.scalars(s).all() if s.is_select else session.execute(s) for s in statements
            ]
    finally:
        engine.dispose()


def session_rows(url: str) -> list[AdminSessionRecord]:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            rows = list(session.scalars(select(AdminSessionRecord).order_by(AdminSessionRecord.id)))
            session.expunge_all()
            return rows
    finally:
        engine.dispose()


def cookie_data(client: TestClient) -> dict[str, Any]:
    """What the session cookie says (its signature is not checked here)."""
    value = client.cookies[COOKIE_NAME]
    data: dict[str, Any] = URLSafeTimedSerializer("unused").load_payload(
        value.rsplit(".", 2)[0].encode()
    )
    return data


# --- sessions ------------------------------------------------------------------------


def test_visitors_get_a_cookie_but_no_stored_session(
    console: TestClient, stored: SurveyDatabase
) -> None:
    page_csrf(console)
    assert set(cookie_data(console)) == {"c"}
    assert session_rows(stored.url) == []


def test_a_login_stores_a_session_named_by_its_hash(
    console: TestClient, stored: SurveyDatabase
) -> None:
    log_in(console)
    data = cookie_data(console)
    assert set(data) == {"c", "s"} and EMAIL not in str(data)
    [row] = session_rows(stored.url)
    assert row.session_hash == hashlib.sha256(data["s"].encode()).hexdigest()
    assert row.user_agent == BROWSER and row.revoked_at is None


def test_logout_ends_the_session_for_a_copied_cookie_too(
    console: TestClient, stored: SurveyDatabase
) -> None:
    csrf = log_in(console)
    copied = console.cookies[COOKIE_NAME]
    assert console.post("/admin/logout", data={"csrf": csrf}).status_code == 303
    [row] = session_rows(stored.url)
    assert row.revoked_at is not None
    console.cookies.set(COOKIE_NAME, copied)
    assert is_logged_out(console)


@pytest.mark.parametrize(
    ("column", "age"),
    [("last_seen_at", timedelta(minutes=61)), ("created_at", timedelta(hours=8, minutes=1))],
)
def test_an_idle_or_old_session_ends(
    console: TestClient, stored: SurveyDatabase, column: str, age: timedelta
) -> None:
    log_in(console)
    run_sql(stored.url, update(AdminSessionRecord).values({column: utcnow() - age}))
    assert is_logged_out(console)


def test_use_is_noted_at_most_once_a_minute(console: TestClient, stored: SurveyDatabase) -> None:
    log_in(console)
    earlier = utcnow() - timedelta(minutes=30)
    recent = utcnow() - timedelta(seconds=20)
    run_sql(stored.url, update(AdminSessionRecord).values(last_seen_at=recent))
    assert console.get("/admin/").status_code == 200
    assert admins.aware(session_rows(stored.url)[0].last_seen_at) == admins.aware(recent)
    run_sql(stored.url, update(AdminSessionRecord).values(last_seen_at=earlier))
    assert console.get("/admin/").status_code == 200
    assert admins.aware(session_rows(stored.url)[0].last_seen_at) > utcnow() - timedelta(seconds=30)


def test_the_command_line_logs_an_admin_out_everywhere(
    console: TestClient, stored: SurveyDatabase
) -> None:
    log_in(console)
    result = CliRunner().invoke(
        cli_app, ["admin", "sessions", "revoke", "--email", EMAIL.upper(), "--db", stored.url]
    )
    assert result.exit_code == 0, result.output
    assert "Ended 1 session(s) of admin admin@example.org." in result.output
    assert is_logged_out(console)
    [actor] = run_sql(
        stored.url, select(AuditEntry.actor).where(AuditEntry.action == "revoke_sessions")
    )
    assert actor == ["cli"]


# --- the account page ----------------------------------------------------------------


def test_the_account_page_lists_sessions_and_ends_the_others(
    console: TestClient, stored: SurveyDatabase, tmp_path: Path
) -> None:
    with console_client(stored.url, tmp_path / "other") as elsewhere:
        log_in(elsewhere)
        csrf = log_in(console)
        page = console.get("/admin/account")
        assert page.status_code == 200
        assert page.text.count(BROWSER) == 2 and page.text.count("This browser") == 1
        assert '<th scope="col">Last used</th>' in page.text

        ended = console.post("/admin/account/sessions/end-others", data={"csrf": csrf})
        assert ended.status_code == 303
        assert ended.headers["location"] == "/admin/account?done=sessions"
        assert "logged out everywhere else" in console.get(ended.headers["location"]).text
        assert is_logged_out(elsewhere)
        assert not is_logged_out(console)
        assert console.get("/admin/account").text.count(BROWSER) == 1


def test_a_password_change_keeps_this_session_only(
    console: TestClient, stored: SurveyDatabase, tmp_path: Path
) -> None:
    new = "an even longer new password"
    with console_client(stored.url, tmp_path / "other") as elsewhere:
        log_in(elsewhere)
        csrf = log_in(console)
        wrong = console.post(
            "/admin/account/password",
            data={"csrf": csrf, "current_password": "not it", "new_password": new,
                  "repeat_password": new},
        )  # fmt: skip
        assert wrong.status_code == 422 and "current password is wrong" in wrong.text
        assert not is_logged_out(elsewhere)

        changed = console.post(
            "/admin/account/password",
            data={"csrf": csrf, "current_password": PASSWORD, "new_password": new,
                  "repeat_password": new},
        )  # fmt: skip
        assert changed.status_code == 303
        assert is_logged_out(elsewhere) and not is_logged_out(console)
        log_in(elsewhere, password=new)


def test_api_tokens_are_shown_once_and_can_be_revoked(
    console: TestClient, stored: SurveyDatabase
) -> None:
    csrf = log_in(console)
    created = console.post("/admin/account/tokens", data={"csrf": csrf, "name": "HR dashboard"})
    assert created.status_code == 200
    found = re.search(r'<code class="token">(colead_[^<]+)</code>', created.text)
    assert found is not None
    token = found.group(1)
    bearer = {"authorization": f"Bearer {token}"}
    assert console.get("/api/v1/reviews", headers=bearer).status_code == 200

    page = console.get("/admin/account")
    assert "HR dashboard" in page.text and token not in page.text
    [[token_id]] = run_sql(stored.url, select(ApiToken.id))
    revoked = console.post(f"/admin/account/tokens/{token_id}/revoke", data={"csrf": csrf})
    assert revoked.status_code == 303
    assert console.get("/api/v1/reviews", headers=bearer).status_code == 401
    [actions] = run_sql(
        stored.url,
        select(AuditEntry.action)
        .where(AuditEntry.entity == "api_token", AuditEntry.actor == EMAIL)
        .order_by(AuditEntry.id),
    )
    assert actions == ["create", "revoke"]


def test_another_admins_token_cannot_be_revoked(
    console: TestClient, stored: SurveyDatabase
) -> None:
    from colead.accounts.api_tokens import issue_token

    engine = make_engine(stored.url)
    try:
        with transaction(engine) as session:
            create_admin(session, "other@example.org", "another long password")
            theirs = issue_token(session, "other@example.org", "theirs").info
    finally:
        engine.dispose()
    csrf = log_in(console)
    refused = console.post(f"/admin/account/tokens/{theirs.id}/revoke", data={"csrf": csrf})
    assert refused.status_code == 404
    assert run_sql(stored.url, select(ApiToken.revoked_at)) == [[None]]


# --- login limit per client address --------------------------------------------------


def test_an_address_with_too_many_failures_waits_without_a_password_check(
    console: TestClient, stored: SurveyDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = utcnow()
    run_sql(
        stored.url,
        *[
            LoginFailure.__table__.insert().values(client="testclient", at=now)
            for _ in range(MAX_CLIENT_FAILURES - 1)
        ],
    )
    csrf = page_csrf(console)
    last = console.post("/admin/login", data={"email": EMAIL, "password": "no", "csrf": csrf})
    assert last.status_code == 401

    checks: list[str] = []
    monkeypatch.setattr(admins, "password_matches", lambda h, p: checks.append(p) or True)
    limited = console.post("/admin/login", data={"email": EMAIL, "password": PASSWORD,
                                                 "csrf": csrf})  # fmt: skip
    assert limited.status_code == 429
    assert 14 * 60 < int(limited.headers["retry-after"]) <= 15 * 60
    assert "Too many attempts" in limited.text and "15 minutes" in limited.text
    assert checks == []
    assert run_sql(stored.url, select(func.count()).select_from(LoginFailure)) == [
        [MAX_CLIENT_FAILURES]
    ]


# --- unknown link tokens -------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["/s", "/p"])
def test_too_many_unknown_links_are_answered_429(
    stored: SurveyDatabase, tmp_path: Path, prefix: str
) -> None:
    valid = f"/s/{stored.tokens['manager']}"
    with console_client(stored.url, tmp_path) as client:
        assert client.get(valid).status_code == 200
        for attempt in range(MAX_UNKNOWN_TOKENS):
            assert client.get(f"{prefix}/guess-{attempt:04d}").status_code == 404
        limited = client.get(f"{prefix}/guess-again")
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert "Too many attempts" in limited.text
        assert "Content-Security-Policy" in limited.headers
        assert client.get(valid).status_code == 429  # the address waits, whatever it asks
        assert client.get("/admin/login").status_code == 200  # other pages are not held up


def test_the_link_limit_lifts_after_the_minute() -> None:
    moment = [0.0]
    limiter = FailureLimiter(max_failures=3, window=60, clock=lambda: moment[0])
    inner = FastAPI()

    @inner.get("/s/{token}")
    def form(token: str) -> PlainTextResponse:
        return PlainTextResponse("form", status_code=200 if token == "good" else 404)

    @inner.get("/other/{token}")
    def other(token: str) -> PlainTextResponse:
        return PlainTextResponse("other", status_code=404)

    with TestClient(UnknownTokenLimit(inner, limiter)) as client:
        for _ in range(5):
            assert client.get("/other/x").status_code == 404  # not a token path: not counted
        assert client.get("/s/good").status_code == 200
        for second in range(3):
            moment[0] = float(second)
            assert client.get("/s/bad").status_code == 404
        moment[0] = 30.0
        assert client.get("/s/good").status_code == 429
        moment[0] = 60.5  # the first failure has left the window
        assert client.get("/s/good").status_code == 200
        assert client.get("/s/bad").status_code == 404
        assert client.get("/s/good").status_code == 429


def test_a_deleted_admin_is_logged_out(console: TestClient, stored: SurveyDatabase) -> None:
    log_in(console)
    run_sql(stored.url, delete(AdminUser).where(AdminUser.email == EMAIL))
    assert is_logged_out(console)
