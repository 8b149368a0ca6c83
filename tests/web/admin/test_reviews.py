"""The admin console: login and lockout, sessions and CSRF, waves, uploads and downloads."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from builders import people_frame
from colead.accounts.admins import MAX_FAILED_LOGINS, create_admin
from colead.config import load_settings
from colead.domain import WaveStatus
from colead.errors import ConfigurationError
from colead.fieldwork.lifecycle import review_waves
from colead.ingest.uploads import review_folder
from colead.store import make_engine, transaction
from colead.store.admins import find_admin
from colead.store.schema import AuditEntry
from colead.web import create_app
from colead.web.admin.sessions import COOKIE_NAME, secure_cookie
from web.stored import REVIEW, SurveyDatabase, store_survey_review

pytestmark = pytest.mark.integration

EMAIL = "admin@example.org"
PASSWORD = "a long enough admin password"
LOCAL = "http://127.0.0.1:8000"
REVIEW_URL = f"/admin/reviews/{quote(REVIEW, safe='')}"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


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


def _client(url: str, data_dir: Path, public_url: str = LOCAL) -> TestClient:
    settings = load_settings(database_url=url, data_dir=str(data_dir), public_url=public_url)
    return TestClient(create_app(settings), follow_redirects=False)


@pytest.fixture
def console(stored: SurveyDatabase, tmp_path: Path) -> Iterator[TestClient]:
    with _client(stored.url, tmp_path / "data") as client:
        yield client


def _csrf(client: TestClient, path: str = "/admin/login") -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text
    found = _CSRF.search(response.text)
    assert found is not None
    return found.group(1)


def _login(client: TestClient, email: str = EMAIL, password: str = PASSWORD) -> str:
    """Log in; the page's CSRF token after login."""
    response = client.post(
        "/admin/login", data={"email": email, "password": password, "csrf": _csrf(client)}
    )
    assert response.status_code == 303 and response.headers["location"] == "/admin/"
    return _csrf(client, "/admin/")


def _refusal(client: TestClient, email: str, password: str) -> str:
    response = client.post(
        "/admin/login", data={"email": email, "password": password, "csrf": _csrf(client)}
    )
    assert response.status_code == 401
    assert COOKIE_NAME not in response.headers.get("set-cookie", "")
    found = re.search(r'role="alert">\s*<h2>[^<]*</h2>\s*<p>([^<]*)</p>', response.text)
    assert found is not None
    return found.group(1)


def _statuses(url: str) -> dict[str, WaveStatus]:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            return {wave.name: wave.status for wave in review_waves(session, REVIEW)}
    finally:
        engine.dispose()


def _wave_audit(url: str) -> list[tuple[str, str, str]]:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            rows = session.execute(
                select(AuditEntry.actor, AuditEntry.action, AuditEntry.detail)
                .where(AuditEntry.entity == "wave", AuditEntry.action != "create")
                .order_by(AuditEntry.id)
            )
            return [
                (actor, action, (detail or {}).get("name", "")) for actor, action, detail in rows
            ]
    finally:
        engine.dispose()


def test_login_opens_the_console_and_logout_ends_it(console: TestClient) -> None:
    csrf = _login(console)
    home = console.get("/admin/")
    assert home.status_code == 200 and REVIEW in home.text and EMAIL in home.text
    for wave in ("earlier", "baseline", "later"):
        assert wave in home.text
    assert ">open<" in home.text and ">closed<" in home.text and ">draft<" in home.text
    assert "0%" in home.text  # the open wave has forms and none submitted

    out = console.post("/admin/logout", data={"csrf": csrf})
    assert out.status_code == 303 and out.headers["location"] == "/admin/login"
    assert console.get("/admin/").headers["location"] == "/admin/login"


def test_every_failure_says_the_same(console: TestClient) -> None:
    unknown = _refusal(console, "nobody@example.org", PASSWORD)
    wrong = _refusal(console, EMAIL, "not the password at all")
    malformed = _refusal(console, "not an address", PASSWORD)
    assert unknown == wrong == malformed
    assert "Wrong e-mail or password." in unknown


def test_five_failures_lock_the_account(console: TestClient, stored: SurveyDatabase) -> None:
    first = _refusal(console, EMAIL, "wrong password number 0")
    for attempt in range(1, MAX_FAILED_LOGINS):
        assert _refusal(console, EMAIL, f"wrong password number {attempt}") == first
    assert _refusal(console, EMAIL, PASSWORD) == first  # locked: even the right one fails
    engine = make_engine(stored.url)
    try:
        with transaction(engine) as session:
            admin = find_admin(session, EMAIL)
            assert admin is not None and admin.locked_until is not None
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "path",
    ["/admin/", REVIEW_URL, f"{REVIEW_URL}/upload", f"{REVIEW_URL}/rejected/x.rejected.csv"],
)
def test_pages_need_a_login(console: TestClient, path: str) -> None:
    response = console.get(path)
    assert response.status_code == 303 and response.headers["location"] == "/admin/login"


def test_posts_need_a_login(console: TestClient, stored: SurveyDatabase) -> None:
    csrf = _csrf(console)  # an anonymous session's token does not log anybody in
    response = console.post(f"{REVIEW_URL}/waves/baseline/close", data={"csrf": csrf})
    assert response.status_code == 303 and response.headers["location"] == "/admin/login"
    assert _statuses(stored.url)["baseline"] is WaveStatus.open


def test_a_forged_cookie_is_no_session(console: TestClient) -> None:
    console.cookies.set(COOKIE_NAME, "e30.forged.signature")
    assert console.get("/admin/").headers["location"] == "/admin/login"


def test_session_cookie_flags(stored: SurveyDatabase, tmp_path: Path) -> None:
    for public_url, secure in ((LOCAL, False), ("https://survey.example.org", True)):
        with _client(stored.url, tmp_path, public_url) as client:
            cookie = client.get("/admin/login").headers["set-cookie"]
        flags = [part.strip().lower() for part in cookie.split(";")]
        assert cookie.startswith(f"{COOKIE_NAME}=")
        assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
        assert "max-age=28800" in flags
        assert ("secure" in flags) is secure


def test_secure_unless_plain_http_on_localhost() -> None:
    assert not secure_cookie("http://localhost:8000")
    assert not secure_cookie("http://127.0.0.1")
    assert secure_cookie("http://survey.example.org")
    assert secure_cookie("https://127.0.0.1:8443")


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_a_post_without_its_csrf_token_is_refused(
    console: TestClient, stored: SurveyDatabase, token: str | None
) -> None:
    _login(console)
    data = {} if token is None else {"csrf": token}
    response = console.post(f"{REVIEW_URL}/waves/baseline/close", data=data)
    assert response.status_code == 403
    assert _statuses(stored.url)["baseline"] is WaveStatus.open
    assert _wave_audit(stored.url) == []
    login = console.post("/admin/login", data={"email": EMAIL, "password": PASSWORD, **data})
    assert login.status_code == 403


def test_open_and_close_waves(console: TestClient, stored: SurveyDatabase) -> None:
    csrf = _login(console)
    page = console.get(REVIEW_URL)
    assert page.status_code == 200 and f"{REVIEW_URL}/waves/baseline/close" in page.text

    closed = console.post(f"{REVIEW_URL}/waves/baseline/close", data={"csrf": csrf})
    assert closed.status_code == 303 and closed.headers["location"] == REVIEW_URL
    opened = console.post(f"{REVIEW_URL}/waves/later/open", data={"csrf": csrf})
    assert opened.status_code == 303
    reopened = console.post(f"{REVIEW_URL}/waves/earlier/open", data={"csrf": csrf, "reopen": "1"})
    assert reopened.status_code == 303

    assert _statuses(stored.url) == {
        "earlier": WaveStatus.open,
        "baseline": WaveStatus.closed,
        "later": WaveStatus.open,
    }
    assert _wave_audit(stored.url) == [
        (EMAIL, "close", "baseline"),
        (EMAIL, "open", "later"),
        (EMAIL, "reopen", "earlier"),
    ]
    assert "Reopen" in console.get(REVIEW_URL).text


def test_a_step_the_life_cycle_forbids_shows_the_error_page(
    console: TestClient, stored: SurveyDatabase
) -> None:
    csrf = _login(console)
    response = console.post(f"{REVIEW_URL}/waves/later/close", data={"csrf": csrf})
    assert response.status_code == 400 and "still a draft" in response.text
    missing = console.get("/admin/reviews/No%20such%20review")
    assert missing.status_code == 404 and "No review named" in missing.text
    assert _wave_audit(stored.url) == []


def _people_csv() -> bytes:
    extra = [
        {"person_id": "N1", "name": "Eve New", "organisation": "Client Co", "site": "North",
         "level": 4},
        {"person_id": "N2", "name": "Flo Bad", "organisation": "Client Co", "site": "North",
         "level": 9},
    ]  # fmt: skip
    buffer = io.StringIO()
    people_frame(extra).to_csv(buffer, index=False)
    return buffer.getvalue().encode()


def test_upload_people_with_a_bad_row(
    console: TestClient, stored: SurveyDatabase, tmp_path: Path
) -> None:
    csrf = _login(console)
    form = console.get(f"{REVIEW_URL}/upload")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text

    response = console.post(
        f"{REVIEW_URL}/upload",
        data={"csrf": csrf, "kind": "people", "wave": "", "file_format": "auto"},
        files={"file": ("../../HR extract.csv", _people_csv(), "text/csv")},
    )
    assert response.status_code == 200, response.text
    counts = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", response.text))
    assert counts == {
        "Rows read": "6",
        "Imported": "1",
        "Updated": "0",
        "Unchanged": "4",
        "Rejected": "1",
    }
    assert "level" in response.text

    link = re.search(r'href="([^"]+/rejected/[^"]+)"', response.text)
    assert link is not None
    download = console.get(link.group(1))
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    lines = download.text.strip().splitlines()
    assert len(lines) == 2 and "N2" in lines[1] and lines[0].endswith("error")

    folder = review_folder(tmp_path / "data", REVIEW)
    stored_files = sorted(path.name for path in folder.iterdir())
    assert len(stored_files) == 2 and all("HR-extract" in name for name in stored_files)
    assert not (tmp_path / "HR extract.csv").exists()

    engine = make_engine(stored.url)
    try:
        with transaction(engine) as session:
            actors = session.scalars(
                select(AuditEntry.actor).where(AuditEntry.action == "import_file")
            ).all()
    finally:
        engine.dispose()
    assert actors == [EMAIL]


def test_upload_responses_chooses_what_happens_to_unfinished_ones(
    console: TestClient, stored: SurveyDatabase
) -> None:
    csrf = _login(console)
    forms = (
        b"ratee_id,rater_id,relation,Finished,Progress,model_1\n"
        b"C2,S1,Partner organisation,True,100,4\n"
        b"S2,C2,Partner organisation,False,40,3\n"
    )

    def upload(unfinished: str) -> dict[str, str]:
        response = console.post(
            f"{REVIEW_URL}/upload",
            data={"csrf": csrf, "kind": "responses", "wave": "imported", "file_format": "auto",
                  "unfinished": unfinished},
            files={"file": ("forms.csv", forms, "text/csv")},
        )  # fmt: skip
        assert response.status_code == 200, response.text
        return dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", response.text))

    rejected = upload("reject")
    assert (rejected["Imported"], rejected["Rejected"]) == ("1", "1")
    assert "In progress (unfinished)" not in rejected
    kept = upload("keep")
    assert (kept["Imported"], kept["In progress (unfinished)"], kept["Rejected"]) == ("1", "1", "0")


@pytest.mark.parametrize(
    "name",
    [
        "..%2F..%2Fcolead.rejected.csv",
        "%2E%2E%2Fsecret.rejected.csv",
        "%2E%2E",
        ".hidden.rejected.csv",
        "people.csv",
        "missing.rejected.csv",
    ],
)
def test_downloads_stay_in_the_review_folder(
    console: TestClient, tmp_path: Path, name: str
) -> None:
    (tmp_path / "data" / "colead.rejected.csv").parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / "data" / "colead.rejected.csv").write_text("secret\n")
    _login(console)
    response = console.get(f"{REVIEW_URL}/rejected/{name}")
    assert response.status_code == 404
    assert "secret" not in response.text


@pytest.mark.parametrize("secret", [None, "change-me", "too-short"])
def test_production_needs_a_secret(database_url: str, secret: str | None) -> None:
    settings = load_settings(database_url=database_url, env="production", secret_key=secret)
    with pytest.raises(ConfigurationError, match="COLEAD_SECRET_KEY"):
        create_app(settings)


def test_production_starts_with_a_secret(stored: SurveyDatabase, tmp_path: Path) -> None:
    settings = load_settings(
        database_url=stored.url,
        env="production",
        secret_key="k" * 48,
        public_url="https://survey.example.org",
        mail_from="colead@example.org",
        data_dir=str(tmp_path),
    )
    with TestClient(create_app(settings), follow_redirects=False) as client:
        assert client.get("/admin/login").status_code == 200


def test_development_makes_a_key_and_says_so(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="colead.web"):
        create_app(load_settings(database_url=database_url))
    assert "COLEAD_SECRET_KEY is not set" in caplog.text
