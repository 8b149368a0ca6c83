"""The console's language analyser: log in, upload documents, see the table, the chart
and the role-only guidance; bad files and oversize files are reported per file; nothing
is stored; forms need their CSRF token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from colead.accounts.admins import create_admin
from colead.config import load_settings
from colead.store import make_engine, transaction
from colead.store.schema import AuditEntry
from colead.web import create_app
from colead.web.admin import vocab as admin_vocab
from vocab import documents as docs
from web.stored import SurveyDatabase, store_survey_review

pytestmark = pytest.mark.integration

EMAIL = "vocab-admin@example.org"
PASSWORD = "a long enough admin password"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PAPER = (
    Path(__file__).parents[2]
    / "reference"
    / "vocab"
    / ("collaborative-leadership-discussion-paper.txt")
)


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


@pytest.fixture
def client(stored: SurveyDatabase, tmp_path: Path) -> Iterator[TestClient]:
    settings = load_settings(database_url=stored.url, data_dir=str(tmp_path / "data"))
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        yield test_client


def _csrf(client: TestClient, path: str) -> str:
    found = _CSRF.search(client.get(path).text)
    assert found is not None
    return found.group(1)


@pytest.fixture
def admin(client: TestClient) -> TestClient:
    response = client.post(
        "/admin/login",
        data={"email": EMAIL, "password": PASSWORD, "csrf": _csrf(client, "/admin/login")},
    )
    assert response.status_code == 303
    return client


def _analyse(client: TestClient, files: list[tuple[str, bytes]]) -> str:
    response = client.post(
        "/admin/vocab",
        data={"csrf": _csrf(client, "/admin/vocab")},
        files=[("files", (name, data)) for name, data in files],
    )
    assert response.status_code == 200, response.text
    return response.text


def test_the_page_needs_a_login_and_is_linked_from_the_reviews(client: TestClient) -> None:
    response = client.get("/admin/vocab")
    assert response.status_code == 303 and response.headers["location"] == "/admin/login"


def test_the_reviews_page_links_to_the_analyser(admin: TestClient) -> None:
    assert 'href="/admin/vocab"' in admin.get("/admin/").text


def _audit_entries(url: str) -> int:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            return session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    finally:
        engine.dispose()


def test_uploaded_documents_are_counted_with_chart_and_guidance(
    admin: TestClient, tmp_path: Path, stored: SurveyDatabase
) -> None:
    audited = _audit_entries(stored.url)
    html = _analyse(admin, [("paper.txt", PAPER.read_bytes()), ("guide.docx", docs.docx_bytes())])
    # Table 1: the paper's 67 and 29, the guide's 6 and 4, overall 73 and 33
    table = re.search(r"<caption>Counts per document.*?</table>", html, re.S)
    assert table is not None
    cells = re.findall(r'<td class="number">([^<]+)</td>', table.group(0))
    assert cells == ["67", "6", "73", "69%", "29", "4", "33", "31%"]
    assert 'role="img"' in html and '<desc id="chart-desc">paper.txt – lead: 67' in html
    assert "Senior leaders should" in html
    assert "Part of speech of verb forms by rules." in html
    # nothing is kept and nothing changes: no stored file, no audit entry
    assert not any((tmp_path / "data").rglob("*.docx"))
    assert _audit_entries(stored.url) == audited


def test_unreadable_and_oversize_files_are_listed_and_the_rest_analysed(
    admin: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(admin_vocab, "MAX_VOCAB_FILE_BYTES", 2000)
    html = _analyse(
        admin,
        [
            ("guide.md", docs.markdown()),
            ("scan.pdf", docs.scanned_pdf()),
            ("big.txt", b"lead " * 1000),
        ],
    )
    assert "scan.pdf: the PDF has no text layer" in html
    assert "big.txt: the file is larger than" in html
    assert '<th scope="col" class="number">guide.md</th>' in html


def test_no_file_is_an_error_page(admin: TestClient) -> None:
    response = admin.post("/admin/vocab", data={"csrf": _csrf(admin, "/admin/vocab")})
    assert response.status_code in (400, 422)
    assert "No document was chosen" in response.text


def test_a_post_without_the_csrf_token_is_refused(admin: TestClient) -> None:
    response = admin.post("/admin/vocab", files=[("files", ("g.md", docs.markdown()))])
    assert response.status_code == 403
