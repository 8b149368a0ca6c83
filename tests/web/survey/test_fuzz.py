"""Whatever is posted to whatever survey address, the answer is never a server error."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import default_framework
from web.stored import SurveyDatabase

pytestmark = pytest.mark.integration

FRAMEWORK = default_framework()
NAMES = [*FRAMEWORK.item_ids[:8], "comment_strengths", "comment_suggestions", "action"]
text = st.text(st.characters(codec="utf-8"), max_size=40)
values = st.one_of(
    st.sampled_from(["1", "3", "5", "na", "", "0", "6", "NA", "next", "back", "review"]),
    text,
    st.integers(-300, 300).map(str),
)
fields = st.dictionaries(
    st.one_of(st.sampled_from(NAMES), text),
    st.one_of(values, st.lists(values, max_size=3)),
    max_size=8,
)
paths = st.sampled_from(
    ["", "/page/1", "/page/2", "/page/11", "/page/12", "/page/0", "/page/-1", "/page/x",
     "/page/99999", "/review", "/submit", "/thanks", "/page/1/extra"]
)  # fmt: skip


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    who=st.one_of(st.sampled_from(["manager", "self", "closed", "draft"]), text),
    path=paths,
    method=st.sampled_from(["POST", "GET"]),
    form=fields,
)
def test_no_input_gives_a_server_error(
    client: TestClient,
    survey_db: SurveyDatabase,
    who: str,
    path: str,
    method: str,
    form: dict[str, str | list[str]],
) -> None:
    token = survey_db.tokens.get(who, who)
    url = f"/s/{quote(token, safe='')}{path}"
    response = client.request(method, url, data=form if method == "POST" else None)
    assert response.status_code < 500
    # 429: the examples guess many unknown links from one address, which gets limited.
    assert response.status_code in {200, 303, 400, 404, 405, 409, 410, 422, 429}
    assert "<script" not in response.text.lower()
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data; boundary=x", b"--x\r\nbroken"),
        ("multipart/form-data", b"no boundary at all"),
        ("application/x-www-form-urlencoded", b"%zz=%ff&model_1=%00&=&&=="),
        ("application/json", b'{"model_1": "3"}'),
        ("text/plain", b"\xff\xfe\x00"),
    ],
)
def test_malformed_bodies_are_refused_plainly(
    client: TestClient, survey_db: SurveyDatabase, content_type: str, body: bytes
) -> None:
    token = survey_db.tokens["manager"]
    for path in ("/page/1", "/submit"):
        response = client.post(
            f"/s/{token}{path}", content=body, headers={"content-type": content_type}
        )
        assert response.status_code < 500


def test_an_uploaded_file_is_refused(client: TestClient, survey_db: SurveyDatabase) -> None:
    token = survey_db.tokens["manager"]
    response = client.post(f"/s/{token}/page/1", files={"model_1": ("a.txt", b"3", "text/plain")})
    assert response.status_code == 400
