"""The JSON API against its own OpenAPI schema, with inputs generated from the schema.

Every operation is called with generated parameters (and with a stored review's real names)
and must never fail with a 5xx, must answer what the schema says, and must fail in the one
error shape ``{"error": {"code", "message", "details"}}``. Bounded and derandomized, so it
runs in seconds and the same way every time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from colead.accounts.admins import create_admin
from colead.accounts.api_tokens import issue_token
from colead.config import load_settings
from colead.store import make_engine, transaction
from colead.web import create_app
from web.stored import REVIEW, SurveyDatabase, store_survey_review

pytestmark = pytest.mark.integration

SCHEMA_PATH = "/api/v1/openapi.json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
#: generated cases per operation: enough to reach every parameter's edges, quick to run
MAX_EXAMPLES = 12
#: real names of the stored review, so that successful answers are checked too
KNOWN_PATHS = [
    {"name": REVIEW},
    {"name": REVIEW, "wave": "baseline"},
    {"name": REVIEW, "wave": "earlier"},
    {"name": REVIEW, "wave": "later"},
]


def assert_error_shape(response: Any) -> None:
    """A failure answers ``{"error": {"code": str, "message": str, "details": ...}}``."""
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, body
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]


@pytest.fixture
def served(database_url: str) -> Iterator[tuple[FastAPI, str, TestClient]]:
    """The app, running, and a valid bearer token."""
    stored: SurveyDatabase = store_survey_review(database_url)
    engine = make_engine(stored.url)
    try:
        with transaction(engine) as session:
            create_admin(session, "api@example.org", "a long enough api password")
            token = issue_token(session, "api@example.org", "schema test").token
    finally:
        engine.dispose()
    app = create_app(load_settings(database_url=stored.url, secret_key="k" * 48))
    with TestClient(app) as client:  # runs the lifespan: the engine and API state exist
        yield app, token, client


def test_every_operation_keeps_to_the_schema(served: tuple[FastAPI, str, TestClient]) -> None:
    app, token, client = served
    schema = schemathesis.openapi.from_asgi(SCHEMA_PATH, app)
    auth = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {
        "/api/v1/reviews",
        "/api/v1/reviews/{name}/waves/{wave}/results",
    }
    answered: set[int] = set()

    def check(case: Any, headers: dict[str, str]) -> None:
        # sent by hand: negative generation would otherwise drop or mangle the token, and
        # every such request would count towards the failed-authentication limit
        sent = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        response = client.request(
            case.method, case.formatted_path, params=case.query or None, headers={**sent, **headers}
        )
        case.validate_response(response, checks=CHECKS)
        answered.add(response.status_code)
        if response.status_code >= 400:
            assert_error_shape(response)

    for operation in operations:
        wanted = {part[1:-1] for part in operation.path.split("/") if part.startswith("{")}
        known = next((k for k in KNOWN_PATHS if set(k) == wanted), None) if wanted else None
        # generated paths find nothing; the stored review's names reach the queries too
        for mode in GenerationMode:
            for fixed in [None, known] if known else [None]:
                strategy = operation.as_strategy(mode, path_parameters=fixed)

                @given(case=strategy)
                @settings(
                    max_examples=MAX_EXAMPLES,
                    derandomize=True,
                    deadline=None,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                )
                def generated(case: Any) -> None:
                    check(case, auth)

                generated()
        for path_parameters in KNOWN_PATHS if wanted else [{}]:
            if set(path_parameters) == wanted:
                check(operation.Case(path_parameters=path_parameters), auth)
    # 409: results and rows of the open and the draft wave are not published yet
    assert answered == {200, 404, 409, 422}


def test_every_operation_needs_a_token(served: tuple[FastAPI, str, TestClient]) -> None:
    app, _, _ = served
    schema = schemathesis.openapi.from_asgi(SCHEMA_PATH, app)
    for result in schema.get_all_operations():
        operation = result.ok()
        wanted = {part[1:-1] for part in operation.path.split("/") if part.startswith("{")}
        known = next(known for known in KNOWN_PATHS if set(known) == wanted) if wanted else {}
        for headers in ({}, {"Authorization": "Bearer colead_not-a-real-token"}):
            response = operation.Case(path_parameters=known).call(headers=headers)
            assert response.status_code == 401, (operation.path, response.status_code)
            assert response.headers["www-authenticate"] == ["Bearer"]
            assert_error_shape(response)
            assert response.json()["error"]["code"] == "unauthorized"


def test_the_checks_catch_an_answer_off_the_schema(served: tuple[FastAPI, str, TestClient]) -> None:
    app, _, _ = served
    schema = schemathesis.openapi.from_asgi(SCHEMA_PATH, app)
    operation = schema["/api/v1/reviews"]["GET"]
    off_schema = FastAPI()
    off_schema.get("/api/v1/reviews")(lambda: {"items": "none", "total": 0})
    with TestClient(off_schema) as fake:
        wrong = fake.get("/api/v1/reviews")
    with pytest.raises(FailureGroup, match="distinct failures"):
        operation.Case().validate_response(wrong, checks=CHECKS)
    with pytest.raises(AssertionError):
        assert_error_shape(httpx.Response(404, json={"detail": "Not Found"}))
