"""Behind a reverse proxy: forwarded addresses are believed only from trusted proxies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from colead.config import load_settings
from colead.errors import ConfigurationError
from colead.store import make_engine, transaction
from colead.store.schema_console import LoginFailure
from colead.web import create_app
from colead.web.limits import MAX_UNKNOWN_TOKENS
from colead.web.proxies import ForwardedHeaders
from web.loops import own_loop
from web.stored import SurveyDatabase

PROXY = "10.0.0.1"
STRANGER = "198.51.100.7"


def _client(url: str, peer: str, tmp_path: Path, trusted: str | None = PROXY) -> TestClient:
    settings = load_settings(
        database_url=url,
        trusted_proxies=trusted,
        secret_key="k" * 48,
        data_dir=str(tmp_path / "data"),
    )
    return TestClient(create_app(settings), client=(peer, 51000), base_url="https://testserver")


@pytest.fixture
def via_proxy(survey_db: SurveyDatabase, tmp_path: Path) -> Iterator[TestClient]:
    with _client(survey_db.url, PROXY, tmp_path) as client:
        yield client


def _guess(client: TestClient, number: int, forwarded_for: str) -> int:
    return client.get(
        f"/s/guess-{number:04d}", headers={"X-Forwarded-For": forwarded_for}
    ).status_code


@pytest.mark.integration
def test_clients_behind_a_trusted_proxy_are_limited_one_by_one(via_proxy: TestClient) -> None:
    for attempt in range(MAX_UNKNOWN_TOKENS):
        assert _guess(via_proxy, attempt, "203.0.113.1") == 404
    assert _guess(via_proxy, 99, "203.0.113.1") == 429
    # another client of the same proxy is not held up by the first
    assert _guess(via_proxy, 100, "203.0.113.2") == 404
    # a client that names itself first does not escape: the proxy appends what it saw
    assert _guess(via_proxy, 101, "203.0.113.2, 203.0.113.1") == 429


@pytest.mark.integration
def test_a_forwarded_address_from_anyone_else_is_ignored(
    survey_db: SurveyDatabase, tmp_path: Path
) -> None:
    with _client(survey_db.url, STRANGER, tmp_path) as client:
        for attempt in range(MAX_UNKNOWN_TOKENS):
            assert _guess(client, attempt, f"203.0.113.{attempt}") == 404
        # a new made-up address every time changes nothing: the limit is on the socket
        assert _guess(client, 99, "203.0.113.250") == 429
        assert _guess(client, 100, PROXY) == 429


@pytest.mark.integration
def test_nothing_is_trusted_by_default(survey_db: SurveyDatabase, tmp_path: Path) -> None:
    with _client(survey_db.url, PROXY, tmp_path, trusted=None) as client:
        for attempt in range(MAX_UNKNOWN_TOKENS):
            assert _guess(client, attempt, f"203.0.113.{attempt}") == 404
        assert _guess(client, 99, "203.0.113.250") == 429


@pytest.mark.integration
def test_failed_logins_are_counted_against_the_real_client(
    via_proxy: TestClient, survey_db: SurveyDatabase
) -> None:
    page = via_proxy.get("/admin/login", headers={"X-Forwarded-For": "203.0.113.9"})
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    refused = via_proxy.post(
        "/admin/login",
        data={"email": "nobody@example.org", "password": "wrong password", "csrf": csrf},
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    assert refused.status_code == 401
    engine = make_engine(survey_db.url)
    try:
        with transaction(engine) as session:
            assert list(session.scalars(select(LoginFailure.client))) == ["203.0.113.9"]
    finally:
        engine.dispose()


@pytest.mark.integration
def test_failed_api_authentications_are_counted_per_real_client(via_proxy: TestClient) -> None:
    def call(forwarded_for: str) -> int:
        headers = {"Authorization": "Bearer not-a-token", "X-Forwarded-For": forwarded_for}
        return via_proxy.get("/api/v1/reviews", headers=headers).status_code

    statuses = [call("203.0.113.1") for _ in range(25)]
    assert statuses[0] == 401 and statuses[-1] == 429
    assert call("203.0.113.2") == 401


# --- the middleware itself -------------------------------------------------------------


def _seen(peer: str, headers: dict[str, str], trusted: str) -> tuple[str, str]:
    """The client address and scheme the app sees for a request from ``peer``."""
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.update(client=scope["client"][0], scheme=scope["scheme"])

    scope = {
        "type": "http",
        "scheme": "http",
        "client": (peer, 4000),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    networks = load_settings(trusted_proxies=trusted).trusted_networks()
    own_loop(lambda: ForwardedHeaders(app, networks)(scope, None, None))  # type: ignore[arg-type]
    return seen["client"], seen["scheme"]


def test_the_first_address_left_of_the_trusted_proxies_is_the_client() -> None:
    chain = {"X-Forwarded-For": "192.0.2.5, 203.0.113.7, 10.1.2.3", "X-Forwarded-Proto": "https"}
    assert _seen("10.0.0.1", chain, "10.0.0.0/8") == ("203.0.113.7", "https")
    assert _seen("10.0.0.1", chain, "10.0.0.1") == ("10.1.2.3", "https")
    assert _seen("10.0.0.1", chain, "10.0.0.0/8, 203.0.113.0/24") == ("192.0.2.5", "https")
    assert _seen("192.0.2.1", chain, "10.0.0.0/8") == ("192.0.2.1", "http")
    assert _seen("::1", {"X-Forwarded-For": "2001:db8::5"}, "::1") == ("2001:db8::5", "http")
    # an address the proxy could not have written stops the walk at the proxy
    assert _seen("10.0.0.1", {"X-Forwarded-For": "<script>"}, "10.0.0.1") == ("10.0.0.1", "http")
    assert _seen("10.0.0.1", {"X-Forwarded-Proto": "javascript"}, "10.0.0.1")[1] == "http"


def test_a_trusted_proxy_must_be_an_address_or_a_network() -> None:
    assert load_settings(trusted_proxies=" 10.0.0.1 ,192.168.0.0/16").trusted_proxies == (
        "10.0.0.1,192.168.0.0/16"
    )
    for wrong in ("*", "proxy.example.org", "10.0.0.1/33", "10.0.0.1;10.0.0.2"):
        with pytest.raises(ConfigurationError, match="COLEAD_TRUSTED_PROXIES"):
            load_settings(trusted_proxies=wrong)
