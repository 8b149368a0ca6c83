"""Headers every answer of the app carries, whatever made it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from colead.config import load_settings
from colead.web import create_app

pytestmark = pytest.mark.integration

#: a page, a missing page, a survey guess and an API failure
PATHS = ("/admin/login", "/admin/no-such-page", "/s/not-a-token", "/api/v1/reviews")


def _client(database_url: str, public_url: str, data_dir: Path) -> TestClient:
    settings = load_settings(
        database_url=database_url,
        public_url=public_url,
        secret_key="k" * 48,
        data_dir=str(data_dir),
    )
    return TestClient(create_app(settings), base_url="https://testserver")


@pytest.fixture
def https_client(engine: Engine, database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    with _client(database_url, "https://survey.example.org", tmp_path) as client:
        yield client


def test_https_answers_tell_browsers_to_stay_on_https(https_client: TestClient) -> None:
    for path in PATHS:
        response = https_client.get(path)
        assert response.headers["strict-transport-security"] == (
            "max-age=31536000; includeSubDomains"
        ), path


def test_plain_http_never_sends_hsts(engine: Engine, database_url: str, tmp_path: Path) -> None:
    for public_url in ("http://127.0.0.1:8000", "http://survey.example.org"):
        with _client(database_url, public_url, tmp_path) as client:
            for path in PATHS:
                assert "strict-transport-security" not in client.get(path).headers, path


def test_no_page_may_set_its_base_url(https_client: TestClient) -> None:
    for path in PATHS:
        policy = https_client.get(path).headers["content-security-policy"]
        directives = [d.strip() for d in policy.split(";")]
        assert "base-uri 'none'" in directives, path
        assert "default-src 'none'" in directives and "frame-ancestors 'none'" in directives
