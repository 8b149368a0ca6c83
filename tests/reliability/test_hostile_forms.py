"""Garbage posted to every form a person can reach: a page or a 4xx, never a server error.

A logged-in admin posts hostile values to every console form (found from the app's
routes, so forms added later are covered too), with hostile path segments as well; a
participant posts them to their own pages, and a programme participant to the reaction
questionnaire. The survey itself is covered by
``tests/web/survey/test_fuzz.py`` and the JSON API by ``tests/web/api/test_schema.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from colead.config import load_settings
from colead.development.reactions import ITEMS, create_reaction_links
from colead.store import init_database
from colead.web import create_app
from development.test_reactions import PROGRAMME, session_on, store_reaction_programme
from development.test_reactions import REVIEW as REACTION_REVIEW
from reliability import hostile
from vocab import documents
from web.admin.test_security import console_forms
from web.development_loop import console_client, log_in, store_small
from web.participant.test_pages import issue_links
from web.stored import SurveyDatabase

pytestmark = [pytest.mark.reliability, pytest.mark.integration]

#: every field name the console's and participant pages' forms use
FIELDS = [
    "action",
    "audience",
    "body_html",
    "body_text",
    "completed",
    "confirm",
    "currency",
    "current_password",
    "delete_ratings",
    "description",
    "do",
    "due",
    "due_at",
    "email",
    "end",
    "everyone",
    "external_id",
    "file_format",
    "ids",
    "keep",
    "kind",
    "kpi",
    "level",
    "manager_id",
    "months",
    "name",
    "new_password",
    "note",
    "organisation",
    "owner",
    "password",
    "period",
    "periods",
    "person",
    "person_id",
    "programme",
    "provider",
    "q",
    "rater",
    "rater_id",
    "ratee_id",
    "relation",
    "reopen",
    "repeat_password",
    "role_title",
    "site",
    "source",
    "start",
    "status",
    "subject",
    "text",
    "to",
    "until",
    "value",
    "wave",
    "attended",
    "comment",
    "cost_per_participant",
    "other_costs",
]
#: forms whose success would end the session the rest of the examples use
SKIPPED = {"/admin/logout", "/admin/login"}
_SEGMENT = re.compile(r"/(baseline|1|invitation|close|x\.rejected\.csv)(?=/|$)")
values = st.one_of(hostile.cells, st.lists(hostile.cells, min_size=2, max_size=3))
forms = st.dictionaries(st.sampled_from(FIELDS), values, max_size=8)


def bounded(examples: int) -> settings:
    """Fixed seed and count; a failure is reported as found, since shrinking through a
    live app takes minutes. (The fixtures hold no per-example state.)"""
    return settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        phases=(Phase.explicit, Phase.generate),
    )


@pytest.fixture
def stored(database_url: str) -> SurveyDatabase:
    return store_small(database_url)


@pytest.fixture
def console(stored: SurveyDatabase, tmp_path: Path) -> Iterator[TestClient]:
    yield from console_client(stored.url, tmp_path / "data", secret_key="k" * 48)


@pytest.fixture
def csrf(console: TestClient) -> str:
    return log_in(console)


@pytest.fixture
def console_posts(console: TestClient) -> list[str]:
    return [path for path in console_forms(console.app) if path not in SKIPPED]  # type: ignore[arg-type]


#: console forms each example posts to; examples take the forms in turn, so that every
#: form gets several examples whatever the generator prefers
FORMS_PER_EXAMPLE = 5


@bounded(40)
@given(data=st.data(), fields=forms, odd_path=st.booleans())
def test_an_admin_posting_garbage_gets_a_page_not_a_server_error(
    console: TestClient,
    csrf: str,
    console_posts: list[str],
    data: st.DataObject,
    fields: dict[str, str | list[str]],
    odd_path: bool,
) -> None:
    for _ in range(FORMS_PER_EXAMPLE):
        path = console_posts[0]
        console_posts.append(console_posts.pop(0))  # the next form for the next post
        if odd_path:  # a wave, id, kind or file segment that does not exist or is hostile
            segment = quote(data.draw(hostile.cells) or "x", safe="")
            path = _SEGMENT.sub(f"/{segment}", path, count=1)
        response = console.post(path, data={**fields, "csrf": csrf})
        assert response.status_code < 500, (path, fields, response.text[-500:])
        assert "Traceback" not in response.text


def test_a_damaged_docx_upload_is_listed_not_a_server_error(console: TestClient, csrf: str) -> None:
    # Found by this suite: a .docx with broken XML inside answered 500 on /admin/vocab.
    damaged = hostile.rewrite_zip_member(
        documents.docx_bytes(), "word/document.xml", lambda xml: xml[: len(xml) // 2]
    )
    response = console.post(
        "/admin/vocab",
        data={"csrf": csrf},
        files=[
            ("files", ("broken.docx", damaged, "application/octet-stream")),
            ("files", ("good.txt", documents.plain_text(), "text/plain")),
        ],
    )
    assert response.status_code == 200
    assert "broken.docx" in response.text and "cannot be read as a Word document" in response.text


@pytest.fixture
def participant(stored: SurveyDatabase, console: TestClient) -> tuple[str, str]:
    """A participant's token and the CSRF token of their page."""
    token = issue_links(stored.url, "baseline")["C2"]
    page = console.get(f"/p/{token}")
    assert page.status_code == 200
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None
    return token, found.group(1)


@bounded(40)
@given(
    where=st.sampled_from(
        ["nominate", "self", "nominations/1/withdraw", "nominations/x/withdraw",
         "plan/actions/1", "plan/1/note", "plan/x/note"]
    ),
    fields=forms,
    real_token=st.booleans(),
)  # fmt: skip
def test_a_participant_posting_garbage_gets_a_page_not_a_server_error(
    console: TestClient,
    participant: tuple[str, str],
    where: str,
    fields: dict[str, str | list[str]],
    real_token: bool,
) -> None:
    token, csrf = participant
    if not real_token:
        token = token[:-3] + "zzz"
    response = console.post(f"/p/{token}/{where}", data={**fields, "csrf": csrf})
    assert response.status_code < 500, (where, fields, response.text[-500:])


@pytest.fixture
def reaction_client(database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, list[str]]]:
    """A client of the app and the reaction questionnaire tokens of a programme."""
    init_database(database_url)
    store_reaction_programme(database_url, tmp_path / "files")
    with session_on(database_url) as session:
        tokens = sorted(
            create_reaction_links(session, REACTION_REVIEW, PROGRAMME, actor="t").values()
        )
    settings = load_settings(database_url=database_url, data_dir=str(tmp_path), secret_key="s" * 40)
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield client, tokens


REACTION_FIELDS = [item.id for item in ITEMS] + ["comment", "csrf", "relevance[]", ""]


@bounded(40)
@given(
    which=st.integers(0, 4),
    fields=st.dictionaries(st.sampled_from(REACTION_FIELDS) | hostile.cells, values, max_size=8),
    real_csrf=st.booleans(),
)
def test_a_reaction_posting_garbage_gets_a_page_not_a_server_error(
    reaction_client: tuple[TestClient, list[str]],
    which: int,
    fields: dict[str, str | list[str]],
    real_csrf: bool,
) -> None:
    client, tokens = reaction_client
    token = tokens[which % len(tokens)]
    if real_csrf:
        page = client.get(f"/r/{token}")
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        if found is not None:  # None once this token's answers are in: the thanks page
            fields = {**fields, "csrf": found.group(1)}
    response = client.post(f"/r/{token}", data=fields)
    assert response.status_code in {303, 400, 403, 404, 409, 413, 422, 429}, (
        fields,
        response.status_code,
        response.text[-500:],
    )
