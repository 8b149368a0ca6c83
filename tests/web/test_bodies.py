"""Request bodies are bounded per route before anything reads them.

The requests are made at the ASGI level, so that a test controls what the client declares
(Content-Length) and sends (one chunk at a time), and counts how much the app read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from builders import default_framework
from colead.accounts.admins import create_admin
from colead.config import load_settings
from colead.domain import Relation
from colead.fieldwork.survey import build_form
from colead.ingest.uploads import MAX_UPLOAD_BYTES
from colead.store import make_engine, transaction
from colead.web import create_app
from colead.web.bodies import FORM_BODY_LIMIT
from web.loops import own_loop
from web.stored import REVIEW, SurveyDatabase

pytestmark = pytest.mark.integration

MiB = 1024 * 1024
CHUNK = 64 * 1024
EMAIL = "admin@example.org"
PASSWORD = "a long enough admin password"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
FORM = build_form(default_framework(), Relation.manager)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    #: bytes of the request body the app asked for
    read: int


def _app(url: str, data_dir: Path) -> FastAPI:
    return create_app(load_settings(database_url=url, data_dir=str(data_dir), secret_key="k" * 48))


def _multipart(size: int) -> bytes:
    """A well-formed multipart form holding one file of ``size`` bytes."""
    head = (
        b'--x\r\nContent-Disposition: form-data; name="kind"\r\n\r\npeople\r\n'
        b'--x\r\nContent-Disposition: form-data; name="file"; filename="people.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n"
    )
    return head + b"a" * size + b"\r\n--x--\r\n"


def _send(
    app: FastAPI,
    path: str,
    *,
    size: int,
    declared: int | None = None,
    content_type: str = "application/x-www-form-urlencoded",
    cookie: str = "",
    body: bytes | None = None,
) -> Answer:
    """POST ``body`` (else ``size`` bytes) to ``path`` in chunks; Content-Length
    ``declared`` if given."""
    content = body if body is not None else b"a" * size
    size = len(content)
    headers = [(b"host", b"testserver"), (b"content-type", content_type.encode())]
    if declared is not None:
        headers.append((b"content-length", str(declared).encode()))
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("192.0.2.10", 50000),
        "server": ("testserver", 443),
    }
    read = 0
    answer = Answer(0, {}, b"", 0)

    async def receive() -> dict[str, Any]:
        nonlocal read
        if read >= size:
            return {"type": "http.disconnect"}
        chunk = content[read : read + CHUNK]
        read += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": read < size}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer.status = message["status"]
            answer.headers = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            answer.body += message.get("body", b"")

    async def run() -> None:
        async with app.router.lifespan_context(app):
            await app(scope, receive, send)

    own_loop(run)
    answer.read = read
    return answer


@pytest.fixture
def app(survey_db: SurveyDatabase, tmp_path: Path) -> FastAPI:
    return _app(survey_db.url, tmp_path / "data")


def test_a_huge_declared_body_is_refused_without_reading_it(app: FastAPI) -> None:
    answer = _send(app, "/admin/login", size=16 * MiB, declared=2 * 1024 * MiB)
    assert answer.status == 413 and answer.read == 0
    assert "too large" in answer.body.decode().lower()
    assert "content-security-policy" in answer.headers


def test_a_chunked_body_over_the_limit_is_cut_off(app: FastAPI) -> None:
    for path in ("/admin/login", "/p/no-such-token/nominate"):
        answer = _send(app, path, size=16 * MiB)
        assert answer.status == 413, path
        assert answer.read <= FORM_BODY_LIMIT + CHUNK, path
        assert answer.headers["content-type"].startswith("text/html"), path
        assert answer.headers.get("connection") == "close", path


def test_the_api_answers_too_large_in_its_own_shape(app: FastAPI) -> None:
    answer = _send(
        app, "/api/v1/reviews", size=2 * MiB, declared=2 * MiB, content_type="application/json"
    )
    assert answer.status == 413 and answer.read == 0
    error = json.loads(answer.body)["error"]
    assert error["code"] == "payload_too_large"
    assert error["details"] == {"limit_bytes": FORM_BODY_LIMIT}


def test_an_upload_without_a_login_is_refused_before_it_reaches_the_disk(
    app: FastAPI, tmp_path: Path
) -> None:
    path = f"/admin/reviews/{quote(REVIEW, safe='')}/upload"
    multipart = "multipart/form-data; boundary=x"
    body = _multipart(8 * MiB)
    for declared in (len(body), None):
        answer = _send(app, path, size=0, body=body, declared=declared, content_type=multipart)
        assert answer.status == 413
        assert answer.read <= FORM_BODY_LIMIT + CHUNK
        assert "log in" in answer.body.decode().lower()
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").rglob("*"))


def test_a_logged_in_upload_may_be_large_up_to_its_own_limit(
    survey_db: SurveyDatabase, engine_of: Engine, tmp_path: Path
) -> None:
    with transaction(engine_of) as session:
        create_admin(session, EMAIL, PASSWORD)
    app = _app(survey_db.url, tmp_path / "data")
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        csrf = _CSRF.search(client.get("/admin/login").text)
        assert csrf is not None
        logged_in = client.post(
            "/admin/login", data={"email": EMAIL, "password": PASSWORD, "csrf": csrf.group(1)}
        )
        assert logged_in.status_code == 303
        page = client.get(f"/admin/reviews/{quote(REVIEW, safe='')}/upload")
        found = _CSRF.search(page.text)
        assert found is not None
        big = b"person_id,name\n" + b"x" * (2 * MiB)  # over the limit of other forms
        response = client.post(
            f"/admin/reviews/{quote(REVIEW, safe='')}/upload",
            data={"csrf": found.group(1), "kind": "people", "wave": "", "file_format": "csv"},
            files={"file": ("people.csv", big, "text/csv")},
        )
        assert response.status_code != 413
        assert any((tmp_path / "data").rglob("*people.csv"))
        cookie = f"colead_admin={client.cookies['colead_admin']}"

    multipart = "multipart/form-data; boundary=x"
    upload = f"/admin/reviews/{quote(REVIEW, safe='')}/upload"
    over = _send(app, upload, size=1, declared=MAX_UPLOAD_BYTES + 2 * MiB,
                 content_type=multipart, cookie=cookie)  # fmt: skip
    assert over.status == 413 and over.read == 0
    assert "200 MB" in over.body.decode()


@pytest.fixture
def engine_of(survey_db: SurveyDatabase) -> Iterator[Engine]:
    engine = make_engine(survey_db.url)
    try:
        yield engine
    finally:
        engine.dispose()


def test_ordinary_forms_still_post(client: TestClient, survey_db: SurveyDatabase) -> None:
    token = survey_db.tokens["manager"]
    comments = len(FORM.pages)
    first = {FORM.page(1).questions[0].item_id: "4", "action": "next"}
    assert client.post(f"/s/{token}/page/1", data=first).status_code == 303
    # about what the comment page of a talkative rater posts: two long comments
    long = {
        "comment_strengths": "Clear plans. " * 300,
        "comment_suggestions": "More time on site. " * 200,
        "action": "next",
    }
    assert client.post(f"/s/{token}/page/{comments}", data=long).status_code == 303
