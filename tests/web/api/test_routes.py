"""The JSON API under /api/v1: tokens, shapes, paging, errors, rate limit and schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner

from builders import default_framework, small_simulation
from colead.accounts.admins import create_admin
from colead.accounts.api_tokens import issue_token, revoke_token
from colead.analysis.export import results_to_dict
from colead.cli import app as cli_app
from colead.config import load_settings
from colead.jobs.analyse import analyse_review
from colead.jobs.demo import store_simulation
from colead.jobs.exports import export_table
from colead.store import init_database, open_database, transaction
from colead.store.schema import ApiToken, AuditEntry
from colead.web import create_app
from colead.web.api.errors import RateLimited
from colead.web.api.routes import FailureLimiter

pytestmark = pytest.mark.integration

ADMIN = "api-admin@example.org"
PASSWORD = "a long enough passphrase"


@dataclass
class ApiDatabase:
    url: str
    review: str
    waves: list[str]
    token: str
    revoked: str
    token_hashes: list[str]


@pytest.fixture
def api_db(database_url: str) -> ApiDatabase:
    simulated = small_simulation(11)
    init_database(database_url)
    engine = open_database(database_url)
    try:
        store_simulation(engine, simulated, default_framework())
        with transaction(engine) as session:
            create_admin(session, ADMIN, PASSWORD)
            live = issue_token(session, ADMIN, "dashboard")
            old = issue_token(session, ADMIN, "old script")
            revoke_token(session, old.info.id)
        with transaction(engine) as session:
            hashes = list(session.scalars(select(ApiToken.token_hash)))
    finally:
        engine.dispose()
    waves = [wave.name for wave in simulated.waves]
    return ApiDatabase(database_url, simulated.name, waves, live.token, old.token, hashes)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def api(api_db: ApiDatabase) -> Iterator[TestClient]:
    app = create_app(load_settings(database_url=api_db.url))
    with TestClient(app, follow_redirects=False, raise_server_exceptions=False) as client:
        yield client


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def get(api: TestClient, db: ApiDatabase, path: str, **params: Any) -> Any:
    response = api.get(f"/api/v1{path}", headers=auth(db.token), params=params)
    assert response.status_code == 200, response.text
    return response.json()


def assert_error(body: Any, code: str | None = None) -> dict[str, Any]:
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "details"}
    assert isinstance(error["code"], str) and isinstance(error["message"], str)
    if code is not None:
        assert error["code"] == code
    assert "Traceback" not in json.dumps(body)
    return dict(error)


def reviews_path(db: ApiDatabase, rest: str = "") -> str:
    return f"/api/v1/reviews/{quote(db.review, safe='')}{rest}"


def test_refusals_look_the_same(api: TestClient, api_db: ApiDatabase) -> None:
    answers = [
        api.get("/api/v1/reviews"),
        api.get("/api/v1/reviews", headers=auth("colead_not-a-token")),
        api.get("/api/v1/reviews", headers=auth(api_db.revoked)),
        api.get("/api/v1/reviews", headers={"Authorization": f"Basic {api_db.token}"}),
        api.get(reviews_path(api_db, "/people"), headers=auth(api_db.revoked)),
    ]
    assert {r.status_code for r in answers} == {401}
    assert len({r.text for r in answers}) == 1
    assert_error(answers[0].json(), "unauthorized")
    assert answers[0].headers["www-authenticate"] == "Bearer"


def test_a_token_records_its_use(api: TestClient, api_db: ApiDatabase) -> None:
    get(api, api_db, "/reviews")
    engine = open_database(api_db.url)
    try:
        with transaction(engine) as session:
            used = session.scalars(select(ApiToken).where(ApiToken.name == "dashboard")).one()
            assert used.last_used_at is not None
            actions = set(session.scalars(select(AuditEntry.action).where(
                AuditEntry.entity == "api_token")))  # fmt: skip
    finally:
        engine.dispose()
    assert actions == {"create", "revoke"}


def test_each_endpoint_answers_its_shape(api: TestClient, api_db: ApiDatabase) -> None:
    reviews = get(api, api_db, "/reviews")
    assert reviews["total"] == 1 and reviews["limit"] == 100 and reviews["offset"] == 0
    assert [r["name"] for r in reviews["items"]] == [api_db.review]
    assert set(reviews["items"][0]) == {"name", "description", "created_at"}

    people = get(api, api_db, reviews_path(api_db, "/people")[7:])
    assert people["total"] == 300 and len(people["items"]) == 100
    assert set(people["items"][0]) == {
        "id", "name", "organisation", "organisation_role", "site", "role_title", "level",
        "manager_id",
    }  # fmt: skip

    waves = get(api, api_db, reviews_path(api_db, "/waves")[7:])
    assert [w["name"] for w in waves["items"]] == api_db.waves
    first = waves["items"][0]
    assert first["status"] == "closed" and first["assignments"] >= first["completed"] > 0

    wave = quote(api_db.waves[0], safe="")
    forms = get(api, api_db, reviews_path(api_db, f"/waves/{wave}/assignments")[7:])
    assert forms["total"] == first["assignments"]
    assert set(forms["items"][0]) == {"ratee", "rater", "relation", "completed"}
    assert sum(f["completed"] for f in forms["items"]) <= len(forms["items"])


def test_pages_follow_limit_and_offset(api: TestClient, api_db: ApiDatabase) -> None:
    path = reviews_path(api_db, "/people")[7:]
    whole = get(api, api_db, path, limit=1000)
    assert len(whole["items"]) == whole["total"] == 300
    pages = [get(api, api_db, path, limit=70, offset=start) for start in range(0, 300, 70)]
    assert [p["offset"] for p in pages] == [0, 70, 140, 210, 280]
    assert all(p["total"] == 300 and p["limit"] == 70 for p in pages)
    assert [i for p in pages for i in p["items"]] == whole["items"]
    assert get(api, api_db, path, offset=5000)["items"] == []

    for bad in ({"limit": 1001}, {"limit": 0}, {"offset": -1}, {"limit": "ten"}):
        response = api.get(f"/api/v1{path}", headers=auth(api_db.token), params=bad)
        assert response.status_code == 422
        error = assert_error(response.json(), "invalid_parameters")
        assert error["details"][0]["location"][0] == "query"


def test_unknown_review_and_wave_are_not_found(api: TestClient, api_db: ApiDatabase) -> None:
    for path in (
        "/api/v1/reviews/No%20such%20review/waves",
        "/api/v1/reviews/No%20such%20review/people",
        reviews_path(api_db, "/waves/nowave/assignments"),
        reviews_path(api_db, "/waves/nowave/results"),
        "/api/v1/reviews/%00/waves",
        "/api/v1/nothing-here",
    ):
        response = api.get(path, headers=auth(api_db.token))
        assert response.status_code == 404, path
        assert_error(response.json())
    response = api.get("/api/v1/reviews/x/waves", headers=auth(api_db.token))
    assert_error(response.json(), "review_not_found")
    response = api.post("/api/v1/reviews", headers=auth(api_db.token))
    assert response.status_code == 405
    assert_error(response.json(), "method_not_allowed")


def test_results_are_the_anonymity_safe_analysis(api: TestClient, api_db: ApiDatabase) -> None:
    wave = api_db.waves[0]
    response = api.get(
        reviews_path(api_db, f"/waves/{quote(wave, safe='')}/results"), headers=auth(api_db.token)
    )
    assert response.status_code == 200
    engine = open_database(api_db.url)
    try:
        expected = results_to_dict(analyse_review(engine, api_db.review, wave, 3))
    finally:
        engine.dispose()
    assert response.json() == json.loads(json.dumps(expected))
    assert "observer_means" not in response.text


def test_responses_are_the_anonymous_export(
    api: TestClient, api_db: ApiDatabase, tmp_path: Path
) -> None:
    """The endpoint pages through the same rows as `colead export responses` writes."""
    wave = api_db.waves[0]
    path = f"/reviews/{quote(api_db.review, safe='')}/waves/{quote(wave, safe='')}/responses"
    first = get(api, api_db, path, limit=50)
    rows = list(first["items"])
    for offset in range(50, first["total"], 50):
        rows += get(api, api_db, path, limit=50, offset=offset)["items"]
    assert len(rows) == first["total"] > 0

    target = tmp_path / "responses.csv"
    result = export_table(api_db.url, "responses", target, review=api_db.review, wave=wave)
    exported = pd.read_csv(target, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert len(exported) == first["total"] == result.rows
    assert "rater_id" not in exported.columns
    assert all("rater_id" not in row for row in rows)
    as_text = [
        {key: "" if value is None else str(value) for key, value in row.items()} for row in rows
    ]
    assert as_text == exported.to_dict(orient="records")
    kept = {row["relation"] for row in rows}
    assert kept <= {"self", "manager", "peer", "direct_report", "partner", "other", "others"}
    notes = " ".join(result.notes)
    if first["withheld"]:
        assert f"{first['withheld']} form(s) withheld" in notes
    else:
        assert "No form withheld" in notes


def test_no_answer_reveals_a_token(api: TestClient, api_db: ApiDatabase) -> None:
    wave = quote(api_db.waves[-1], safe="")
    paths = ["/reviews", *(reviews_path(api_db, p)[7:] for p in ("/people", "/waves"))]
    paths.append(reviews_path(api_db, f"/waves/{wave}/assignments")[7:])
    texts = [api.get(f"/api/v1{p}", headers=auth(api_db.token), params={"limit": 1000}).text
             for p in paths]  # fmt: skip
    texts.append(api.get("/api/v1/reviews", headers=auth(api_db.revoked)).text)
    texts.append(api.get("/api/v1/openapi.json").text)
    for text in texts:
        for secret in (api_db.token, api_db.revoked, *api_db.token_hashes):
            assert secret not in text
        assert "token_hash" not in text


def test_repeated_failures_are_rate_limited(api: TestClient, api_db: ApiDatabase) -> None:
    clock = Clock()
    api.app.state.api.limiter = FailureLimiter(clock=clock)  # type: ignore[attr-defined]
    for _ in range(20):
        assert api.get("/api/v1/reviews", headers=auth("wrong")).status_code == 401
    limited = api.get("/api/v1/reviews", headers=auth(api_db.token))
    assert limited.status_code == 429
    assert_error(limited.json(), "rate_limited")
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    clock.now += 30
    assert api.get("/api/v1/reviews", headers=auth(api_db.token)).status_code == 429
    clock.now += 31
    assert api.get("/api/v1/reviews", headers=auth(api_db.token)).status_code == 200


def test_limiter_forgets_and_bounds_clients() -> None:
    clock = Clock()
    limiter = FailureLimiter(max_failures=2, window=10, clock=clock, max_clients=3)
    for client in ("a", "b", "c", "d"):
        limiter.failed(client)
        limiter.failed(client)
    assert len(limiter._failures) == 3
    with pytest.raises(RateLimited, match="Too many"):
        limiter.check("d")
    clock.now += 11
    limiter.check("d")
    assert "d" not in limiter._failures


def test_unexpected_errors_are_generic(
    api: TestClient, api_db: ApiDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    import colead.web.api.routes as api_module

    def broken(*args: object) -> object:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api_module, "reviews_page", broken)
    response = api.get("/api/v1/reviews", headers=auth(api_db.token))
    assert response.status_code == 500
    assert_error(response.json(), "internal_error")
    assert "secret internals" not in response.text


def test_survey_pages_keep_their_html_errors(api: TestClient) -> None:
    response = api.get("/s/not-a-link")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


def test_openapi_lists_every_endpoint(api: TestClient) -> None:
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.text)
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {
        "/api/v1/reviews",
        "/api/v1/reviews/{name}/people",
        "/api/v1/reviews/{name}/waves",
        "/api/v1/reviews/{name}/waves/{wave}/assignments",
        "/api/v1/reviews/{name}/waves/{wave}/responses",
        "/api/v1/reviews/{name}/waves/{wave}/results",
    }
    models = schema["components"]["schemas"]
    assert {"ReviewPage", "PersonOut", "AssignmentOut", "WaveResults", "ApiErrorResponse"} <= set(
        models
    )
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
    assert all(s.startswith("/api/") for s in schema["paths"])


segment = st.text(st.characters(codec="utf-8"), max_size=12).map(lambda s: quote(s, safe=""))
query = st.dictionaries(
    st.sampled_from(["limit", "offset", "x", ""]),
    st.one_of(st.integers(-(10**30), 10**30).map(str), st.text(max_size=8)),
    max_size=3,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    parts=st.lists(
        st.one_of(segment, st.sampled_from(["reviews", "people", "waves", "assignments"])),
        max_size=5,
    ),
    params=query,
    authorised=st.booleans(),
)
def test_no_path_or_query_gives_a_server_error(
    api: TestClient,
    api_db: ApiDatabase,
    parts: list[str],
    params: dict[str, str],
    authorised: bool,
) -> None:
    api.app.state.api.limiter = FailureLimiter()  # type: ignore[attr-defined]
    headers = auth(api_db.token) if authorised else {}
    response = api.get("/api/v1/" + "/".join(parts), headers=headers, params=params)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert_error(response.json())


def test_cli_creates_and_revokes_tokens(api_db: ApiDatabase) -> None:
    runner = CliRunner()
    db = ("--db", api_db.url)
    created = runner.invoke(
        cli_app, ["admin", "token", "create", "--email", ADMIN.upper(), "--name", "cli", *db]
    )
    assert created.exit_code == 0, created.output
    token = created.output.strip().splitlines()[-1]
    assert token.startswith("colead_")
    token_id = int(created.output.split("Created API token ")[1].split()[0])
    app = create_app(load_settings(database_url=api_db.url))
    with TestClient(app) as client:
        assert client.get("/api/v1/reviews", headers=auth(token)).status_code == 200
        revoked = runner.invoke(cli_app, ["admin", "token", "revoke", "--id", str(token_id), *db])
        assert revoked.exit_code == 0, revoked.output
        assert "Revoked" in revoked.output
        assert client.get("/api/v1/reviews", headers=auth(token)).status_code == 401
    again = runner.invoke(cli_app, ["admin", "token", "revoke", "--id", str(token_id), *db])
    assert again.exit_code == 0 and "Already revoked" in again.output
    unknown = runner.invoke(cli_app, ["admin", "token", "revoke", "--id", "99999", *db])
    assert unknown.exit_code != 0
    nobody = runner.invoke(
        cli_app, ["admin", "token", "create", "--email", "no@example.org", "--name", "x", *db]
    )
    assert nobody.exit_code != 0
