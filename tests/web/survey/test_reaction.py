"""The reaction questionnaire page ``/r/<token>``: one page on a phone, a thank-you page,
bad posts refused without a 500, replays refused, unknown links treated like survey links."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from colead.config import load_settings
from colead.development.reactions import ITEMS, create_reaction_links
from colead.store import init_database
from colead.store.schema_development import ProgrammeReaction
from colead.store.waves import hash_token
from colead.web import create_app
from colead.web.limits import MAX_UNKNOWN_TOKENS
from development.test_reactions import PROGRAMME, REVIEW, session_on, store_reaction_programme

pytestmark = pytest.mark.integration

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
GOOD = {item.id: "4" for item in ITEMS}


@pytest.fixture
def url(database_url: str, tmp_path: Path) -> str:
    init_database(database_url)
    return store_reaction_programme(database_url, tmp_path / "data")


@pytest.fixture
def tokens(url: str) -> dict[str, str]:
    with session_on(url) as session:
        return create_reaction_links(session, REVIEW, PROGRAMME, actor="tester")


@pytest.fixture
def client(url: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = load_settings(database_url=url, data_dir=str(tmp_path), secret_key="s" * 40)
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        yield test_client


def _stored(url: str, token: str) -> tuple[Any, Any, Any]:
    with session_on(url) as session:
        row = session.execute(
            select(
                ProgrammeReaction.answers,
                ProgrammeReaction.comment,
                ProgrammeReaction.submitted_at,
            ).where(ProgrammeReaction.token_hash == hash_token(token))
        ).one()
        return row[0], row[1], row[2]


def _csrf(client: TestClient, token: str) -> str:
    page = client.get(f"/r/{token}")
    assert page.status_code == 200, page.text
    found = _CSRF.search(page.text)
    assert found is not None
    return found.group(1)


def test_the_page_asks_every_statement_on_one_accessible_page(
    client: TestClient, tokens: dict[str, str]
) -> None:
    page = client.get(f"/r/{tokens['C2']}")
    assert page.status_code == 200
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    html = page.text
    assert '<html lang="en">' in html and 'name="viewport"' in html
    assert "<h1>How was Leading together?</h1>" in html and "Ben Client" in html
    for item in ITEMS:
        assert "<legend>" in html and item.text in html
        for value in range(1, 6):
            assert f'id="{item.id}-{value}" name="{item.id}" value="{value}"' in html
    assert html.count("Strongly agree") == len(ITEMS)
    assert '<label for="comment">' in html


def test_answers_are_stored_once_and_the_thank_you_page_follows(
    client: TestClient, url: str, tokens: dict[str, str]
) -> None:
    token = tokens["C2"]
    data = {**GOOD, "relevance": "5", "comment": "Good <b>mix</b>.", "csrf": _csrf(client, token)}
    sent = client.post(f"/r/{token}", data=data)
    assert sent.status_code == 303 and sent.headers["location"] == f"/r/{token}/thanks"
    thanks = client.get(sent.headers["location"])
    assert thanks.status_code == 200 and "<h1>Thank you</h1>" in thanks.text
    answers, comment, submitted = _stored(url, token)
    assert answers == {**{k: 4 for k in GOOD}, "relevance": 5}
    assert comment == "Good <b>mix</b>." and submitted is not None
    # the link now shows that the answers were received, not the form
    again = client.get(f"/r/{token}")
    assert again.status_code == 200 and "has been received" in again.text
    assert "<form" not in again.text


def test_a_replayed_post_is_refused_and_the_first_answers_stay(
    client: TestClient, url: str, tokens: dict[str, str]
) -> None:
    token = tokens["C1"]
    data = {**GOOD, "csrf": _csrf(client, token)}
    assert client.post(f"/r/{token}", data=data).status_code == 303
    first = _stored(url, token)
    replay = client.post(f"/r/{token}", data={**data, "relevance": "1", "comment": "again"})
    assert replay.status_code == 409 and "Already answered" in replay.text
    assert _stored(url, token) == first


@pytest.mark.parametrize(
    ("change", "flagged"),
    [
        ({"apply": "6"}, "apply"),
        ({"apply": "0"}, "apply"),
        ({"apply": "four"}, "apply"),
        ({"apply": ""}, "apply"),
        ({"satisfaction": "3.0"}, "satisfaction"),
    ],
)
def test_answers_off_the_scale_show_the_form_again_with_nothing_stored(
    client: TestClient,
    url: str,
    tokens: dict[str, str],
    change: dict[str, str],
    flagged: str,
) -> None:
    token = tokens["S1"]
    data = {**GOOD, **change, "comment": "kept", "csrf": _csrf(client, token)}
    page = client.post(f"/r/{token}", data=data)
    assert page.status_code == 422
    assert "Some answers are missing or could not be read" in page.text
    assert f'href="#q-{flagged}"' in page.text and f'id="err-{flagged}"' in page.text
    assert 'value="4" checked' in page.text and ">kept</textarea>" in page.text
    assert _stored(url, token) == (None, None, None)


def test_tampered_item_ids_and_repeated_fields_are_refused(
    client: TestClient, url: str, tokens: dict[str, str]
) -> None:
    token = tokens["S2"]
    csrf = _csrf(client, token)
    tampered = client.post(f"/r/{token}", data={**GOOD, "model_1": "5", "csrf": csrf})
    assert tampered.status_code == 422 and "not on this page" in tampered.text
    renamed = {k if k != "apply" else "apply_x": v for k, v in GOOD.items()}
    assert client.post(f"/r/{token}", data={**renamed, "csrf": csrf}).status_code == 422
    twice = [*GOOD.items(), ("apply", "5"), ("csrf", csrf)]
    body = "&".join(f"{k}={v}" for k, v in twice)
    headers = {"content-type": "application/x-www-form-urlencoded"}
    assert client.post(f"/r/{token}", content=body, headers=headers).status_code == 422
    two_comments = [*GOOD.items(), ("comment", "a"), ("comment", "b"), ("csrf", csrf)]
    body = "&".join(f"{k}={v}" for k, v in two_comments)
    assert client.post(f"/r/{token}", content=body, headers=headers).status_code == 422
    assert _stored(url, token) == (None, None, None)


def test_a_post_without_the_pages_field_is_refused(
    client: TestClient, url: str, tokens: dict[str, str]
) -> None:
    token = tokens["C2"]
    for csrf in ("", "forged", "é" * 10, _csrf(client, tokens["C1"])):
        page = client.post(f"/r/{token}", data={**GOOD, "csrf": csrf})
        assert page.status_code == 403 and "were not sent" in page.text
    assert _stored(url, token) == (None, None, None)


def test_broken_bodies_never_cause_a_server_error(
    client: TestClient, url: str, tokens: dict[str, str]
) -> None:
    token = tokens["C2"]
    attempts: list[dict[str, Any]] = [
        {"content": b"\xff\xfe\x00garbage", "headers": {"content-type": "multipart/form-data"}},
        {
            "content": b"--x\r\nbroken",
            "headers": {"content-type": "multipart/form-data; boundary=x"},
        },
        {"content": b'{"apply": 5}', "headers": {"content-type": "application/json"}},
        {"data": {**GOOD, "comment": "x" * 70_000}},
        {"data": {f"field{i}": "1" for i in range(80)}},
        {"files": {"upload": ("a.txt", b"hello")}},
    ]
    for attempt in attempts:
        answer = client.post(f"/r/{token}", **attempt)
        assert 400 <= answer.status_code < 500, (attempt, answer.status_code)
    assert _stored(url, token) == (None, None, None)


def test_a_comment_too_long_for_the_form_is_shown_again(
    client: TestClient, url: str, tokens: dict[str, str]
) -> None:
    token = tokens["C2"]
    data = {**GOOD, "comment": "y" * 4001, "csrf": _csrf(client, token)}
    page = client.post(f"/r/{token}", data=data)
    assert page.status_code == 422 and 'id="err-comment"' in page.text
    assert _stored(url, token) == (None, None, None)


def test_thanks_before_answering_leads_back_to_the_form(
    client: TestClient, tokens: dict[str, str]
) -> None:
    token = tokens["C2"]
    answer = client.get(f"/r/{token}/thanks")
    assert answer.status_code == 303 and answer.headers["location"] == f"/r/{token}"


def test_unknown_links_get_the_survey_link_error_and_count_towards_the_limit(
    client: TestClient, tokens: dict[str, str]
) -> None:
    page = client.get("/r/" + "A" * 43)
    assert page.status_code == 404 and "This link does not work" in page.text
    posted = client.post("/r/" + "B" * 43, data=GOOD)
    assert posted.status_code == 404 and "This link does not work" in posted.text
    assert client.get("/r/short").status_code == 404
    for attempt in range(MAX_UNKNOWN_TOKENS - 3):
        assert client.get(f"/r/guess-{attempt:04d}-xxxxxxxxxxxx").status_code == 404
    assert client.get("/r/guess-again-xxxxxxxxxxxxx").status_code == 429
    assert client.get(f"/r/{tokens['C2']}").status_code == 429
