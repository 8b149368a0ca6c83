"""The rater survey through HTTP: pages, saving, resuming, submitting, closed waves."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest
from fastapi.testclient import TestClient
from httpx import Response

from builders import default_framework
from colead.domain import BLANK, NOT_OBSERVED, Relation, WaveStatus
from colead.fieldwork.survey import build_form
from reports.html_checks import check_page
from web.stored import SurveyDatabase

pytestmark = pytest.mark.integration

FORM = build_form(default_framework(), Relation.manager)
PAGE1 = [q.item_id for q in FORM.page(1).questions]
PAGE2 = [q.item_id for q in FORM.page(2).questions]
COMMENTS = len(FORM.pages)


def text_of(response: Response) -> str:
    """The page's visible text, in one line, without the style sheet."""
    body = re.sub(r"<style>.*?</style>", " ", response.text, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def checked(response: Response) -> dict[str, str]:
    """Question id -> the value of its checked radio button."""
    return dict(re.findall(r'name="([a-z0-9_]+)" value="([^"]+)" checked', response.text))


def codes_of(survey_db: SurveyDatabase, name: str) -> np.ndarray:
    record = survey_db.record(name)
    assert record.codes is not None
    return np.frombuffer(record.codes, dtype=np.int8)


def position(item_id: str) -> int:
    return default_framework().item_ids.index(item_id)


def test_welcome_names_the_ratee_the_relation_and_the_promise(
    client: TestClient, survey_db: SurveyDatabase
) -> None:
    response = client.get(f"/s/{survey_db.tokens['partner']}")
    assert response.status_code == 200
    check_page(response.text)
    text = text_of(response)
    assert "Feedback for Ben Client" in text
    assert "Ben Client, Contract manager, Client Co" in text
    assert "someone in the partner organisation" in text
    assert "groups of fewer than 3 people are combined with others" in text.lower()
    assert "never attributed" in text
    assert "Save and finish later" in text
    manager = text_of(client.get(f"/s/{survey_db.tokens['manager']}"))
    assert "their line manager" in manager
    assert "shown to Ben Client on their own" in manager


def test_a_saved_page_comes_back_on_any_device(
    client: TestClient, survey_db: SurveyDatabase
) -> None:
    token = survey_db.tokens["manager"]
    posted = {PAGE1[0]: "4", PAGE1[1]: "na", PAGE1[2]: "1", "action": "next"}
    response = client.post(f"/s/{token}/page/1", data=posted)
    assert response.status_code == 303
    assert response.headers["location"] == f"/s/{token}/page/2"
    assert survey_db.record("manager").submitted_at is None
    with TestClient(client.app, follow_redirects=False) as other_device:
        again = other_device.get(f"/s/{token}/page/1")
        assert checked(again) == {PAGE1[0]: "4", PAGE1[1]: "na", PAGE1[2]: "1"}
        assert f"3 of {len(FORM.questions)} questions answered" in text_of(again)
        welcome = text_of(other_device.get(f"/s/{token}"))
    assert "Continue where you left off" in welcome
    assert f'href="/s/{token}/page/1"' in client.get(f"/s/{token}").text


def test_back_and_next_save_and_move(client: TestClient, survey_db: SurveyDatabase) -> None:
    token = survey_db.tokens["manager"]
    back = client.post(f"/s/{token}/page/2", data={PAGE2[0]: "2", "action": "back"})
    assert back.headers["location"] == f"/s/{token}/page/1"
    home = client.post(f"/s/{token}/page/1", data={"action": "back"})
    assert home.headers["location"] == f"/s/{token}"
    last = client.post(f"/s/{token}/page/{COMMENTS}", data={"action": "next"})
    assert last.headers["location"] == f"/s/{token}/review"
    assert codes_of(survey_db, "manager")[position(PAGE2[0])] == 2


def test_an_invalid_answer_is_shown_again_and_nothing_is_lost(
    client: TestClient, survey_db: SurveyDatabase
) -> None:
    token = survey_db.tokens["manager"]
    client.post(f"/s/{token}/page/1", data={PAGE1[0]: "5"})
    posted = {PAGE1[0]: "3", PAGE1[1]: "7", PAGE1[2]: "na", "action": "next"}
    response = client.post(f"/s/{token}/page/1", data=posted)
    assert response.status_code == 422
    check_page(response.text)
    text = text_of(response)
    assert "Some answers could not be saved" in text
    assert "Choose one of the answers below" in text
    assert f'href="#q-{PAGE1[1]}"' in response.text
    assert checked(response) == {PAGE1[0]: "3", PAGE1[2]: "na"}
    stored = codes_of(survey_db, "manager")
    assert stored[position(PAGE1[0])] == 5  # the refused post changed nothing
    assert stored[position(PAGE1[2])] == BLANK


def test_blank_and_not_observed_are_stored_as_their_codes(
    client: TestClient, survey_db: SurveyDatabase
) -> None:
    token = survey_db.tokens["manager"]
    client.post(f"/s/{token}/page/1", data={PAGE1[0]: "na", PAGE1[1]: "", PAGE1[2]: "2"})
    codes = codes_of(survey_db, "manager")
    assert len(codes) == len(default_framework().item_ids)
    assert codes[position(PAGE1[0])] == NOT_OBSERVED
    assert codes[position(PAGE1[1])] == BLANK
    assert codes[position(PAGE1[2])] == 2
    assert codes[position(PAGE2[0])] == BLANK


def test_comments_are_saved(client: TestClient, survey_db: SurveyDatabase) -> None:
    token = survey_db.tokens["manager"]
    posted = {
        "comment_strengths": "Shares plans <early>\r\nand often.",
        "comment_suggestions": "",
    }
    client.post(f"/s/{token}/page/{COMMENTS}", data=posted)
    record = survey_db.record("manager")
    assert record.comment_strengths == "Shares plans <early>\nand often."
    assert record.comment_suggestions is None
    page = client.get(f"/s/{token}/page/{COMMENTS}")
    assert "Shares plans &lt;early&gt;\nand often.</textarea>" in page.text
    assert "What does this person do" in text_of(page)


def test_review_lists_every_answer_with_links_back(
    client: TestClient, survey_db: SurveyDatabase
) -> None:
    token = survey_db.tokens["manager"]
    client.post(f"/s/{token}/page/1", data={PAGE1[0]: "4", PAGE1[1]: "na"})
    client.post(f"/s/{token}/page/{COMMENTS}", data={"comment_strengths": "Clear plans."})
    response = client.get(f"/s/{token}/review")
    assert response.status_code == 200
    check_page(response.text)
    text = text_of(response)
    first, second = FORM.page(1).questions[:2]
    assert f"{first.text} Often" in text
    assert f"{second.text} Not observed" in text
    assert text.count("No answer") == len(FORM.questions) - 2
    assert "Clear plans." in text
    assert f"You have answered 2 of {len(FORM.questions)} questions" in text
    for page in FORM.pages:
        assert f'href="/s/{token}/page/{page.number}"' in response.text


def test_submit_stores_exactly_what_was_answered(
    client: TestClient, survey_db: SurveyDatabase
) -> None:
    token = survey_db.tokens["manager"]
    client.post(f"/s/{token}/page/1", data={q: str(1 + k % 5) for k, q in enumerate(PAGE1)})
    client.post(f"/s/{token}/page/2", data={PAGE2[0]: "na"})
    client.post(f"/s/{token}/page/{COMMENTS}", data={"comment_suggestions": "Ask earlier."})
    assert client.get(f"/s/{token}/thanks").headers["location"] == f"/s/{token}/review"
    response = client.post(f"/s/{token}/submit")
    assert response.status_code == 303
    assert response.headers["location"] == f"/s/{token}/thanks"
    record = survey_db.record("manager")
    assert record.submitted_at is not None
    expected = np.full(len(default_framework().item_ids), BLANK, dtype=np.int8)
    for k, item in enumerate(PAGE1):
        expected[position(item)] = 1 + k % 5
    expected[position(PAGE2[0])] = NOT_OBSERVED
    assert codes_of(survey_db, "manager").tolist() == expected.tolist()
    assert record.comment_suggestions == "Ask earlier."
    thanks = client.get(f"/s/{token}/thanks")
    assert thanks.status_code == 200
    assert "Thank you" in text_of(thanks)


def test_submitting_nothing_is_refused(client: TestClient, survey_db: SurveyDatabase) -> None:
    token = survey_db.tokens["manager"]
    response = client.post(f"/s/{token}/submit")
    assert response.status_code == 422
    assert "Nothing to submit yet" in text_of(response)
    assert f'href="/s/{token}"' in response.text
    assert survey_db.record("manager").codes is None


def test_a_submitted_form_can_be_changed_and_submitted_again(
    client: TestClient, survey_db: SurveyDatabase
) -> None:
    token = survey_db.tokens["manager"]
    client.post(f"/s/{token}/page/1", data={PAGE1[0]: "2"})
    client.post(f"/s/{token}/submit")
    first = survey_db.record("manager").submitted_at
    assert "Submit again" in client.get(f"/s/{token}/review").text
    edit = client.post(f"/s/{token}/page/1", data={PAGE1[0]: "5", "action": "review"})
    assert edit.headers["location"] == f"/s/{token}/review"
    assert survey_db.record("manager").submitted_at == first  # still submitted meanwhile
    client.post(f"/s/{token}/submit")
    record = survey_db.record("manager")
    assert codes_of(survey_db, "manager")[position(PAGE1[0])] == 5
    assert record.submitted_at is not None and first is not None
    assert record.submitted_at >= first


def test_a_closed_wave_is_polite_and_changes_nothing(
    client: TestClient, survey_db: SurveyDatabase
) -> None:
    token = survey_db.tokens["closing"]
    client.post(f"/s/{token}/page/1", data={PAGE1[0]: "3"})
    client.post(f"/s/{token}/submit")
    survey_db.set_status("baseline", WaveStatus.closed)
    before = survey_db.record("closing")
    for path in ("", "/page/1", "/review", "/thanks"):
        page = client.get(f"/s/{token}{path}")
        assert page.status_code == 410
        text = text_of(page)
        assert "This survey has closed" in text
        assert "can no longer be given or changed" in text
        assert "your answers were received before the survey closed" in text
    for path, data in (("/page/1", {PAGE1[0]: "5"}), ("/submit", {})):
        refused = client.post(f"/s/{token}{path}", data=data)
        assert refused.status_code == 410
    assert survey_db.record("closing") == before
    never = text_of(client.get(f"/s/{survey_db.tokens['closed']}"))
    assert "This survey has closed" in never
    assert "received" not in never
    assert client.post(f"/s/{survey_db.tokens['closed']}/page/1", data={}).status_code == 410
    assert survey_db.record("closed").codes is None


def test_a_wave_not_yet_open_takes_no_answers(
    client: TestClient, survey_db: SurveyDatabase
) -> None:
    token = survey_db.tokens["draft"]
    page = client.get(f"/s/{token}")
    assert page.status_code == 409
    assert "not open yet" in text_of(page)
    assert client.post(f"/s/{token}/page/1", data={PAGE1[0]: "3"}).status_code == 409
    assert survey_db.record("draft").codes is None


def test_unknown_and_forged_links_get_one_plain_not_found(
    client: TestClient, survey_db: SurveyDatabase
) -> None:
    real = survey_db.tokens["manager"]
    forged = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    pages = [
        client.get(f"/s/{forged}"),
        client.get("/s/x"),
        client.get(f"/s/{'a' * 43}/page/1"),
        client.post(f"/s/{forged}/page/1", data={PAGE1[0]: "3"}),
        client.post(f"/s/{forged}/submit"),
        client.get(f"/s/{forged}/review"),
    ]
    assert {p.status_code for p in pages} == {404}
    assert len({p.text for p in pages}) == 1
    text = text_of(pages[0])
    assert "This link does not work" in text
    assert forged not in pages[0].text
    assert "Ben Client" not in text
    assert client.get(f"/s/{real}/page/99").status_code == 404
    assert client.get(f"/s/{real}/page/first").status_code == 404
    assert client.get("/nowhere").status_code == 404


def test_every_response_carries_the_security_headers_and_no_script(
    client: TestClient, survey_db: SurveyDatabase
) -> None:
    token = survey_db.tokens["manager"]
    responses = [
        client.get(f"/s/{token}"),
        client.get(f"/s/{token}/page/1"),
        client.post(f"/s/{token}/page/1", data={PAGE1[0]: "9"}),
        client.post(f"/s/{token}/page/1", data={PAGE1[0]: "4"}),
        client.get(f"/s/{token}/page/{COMMENTS}"),
        client.get(f"/s/{token}/review"),
        client.post(f"/s/{token}/submit"),
        client.get(f"/s/{token}/thanks"),
        client.get(f"/s/{survey_db.tokens['closed']}"),
        client.get(f"/s/{survey_db.tokens['draft']}"),
        client.get("/s/unknown-token-of-some-length"),
        client.delete(f"/s/{token}"),
        client.get("/"),
    ]
    assert {r.status_code for r in responses} >= {200, 303, 404, 405, 409, 410, 422}
    for response in responses:
        headers = response.headers
        assert headers["content-security-policy"] == (
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        )
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["cache-control"] == "no-store"
        assert "<script" not in response.text.lower()
        if response.status_code != 303:
            assert headers["content-type"].startswith("text/html")
            check_page(response.text)


def test_an_unexpected_error_shows_a_plain_page_without_details(survey_db: SurveyDatabase) -> None:
    from colead.config import load_settings
    from colead.web import create_app

    app = create_app(load_settings(database_url=survey_db.url))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert "Something went wrong on our side" in text_of(response)
    assert "secret detail" not in response.text
    assert "Traceback" not in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert response.headers["cache-control"] == "no-store"


def test_the_self_assessment_uses_self_wording(
    client: TestClient, survey_db: SurveyDatabase
) -> None:
    token = survey_db.tokens["self"]
    framework = default_framework()
    welcome = text_of(client.get(f"/s/{token}"))
    assert "Your self-assessment" in welcome
    page = text_of(client.get(f"/s/{token}/page/1"))
    assert "How often do you do each of these?" in page
    assert framework.items[0].self_text in page
    assert framework.items[0].text not in page
    form = build_form(framework, Relation.self)
    site = next(p for p in form.pages if p.about == "site")
    site_page = text_of(client.get(f"/s/{token}/page/{site.number}"))
    assert "true at your site" in site_page
    comments = text_of(client.get(f"/s/{token}/page/{len(form.pages)}"))
    assert "What do you do that helps" in comments
    client.post(f"/s/{token}/page/{site.number}", data={site.questions[0].item_id: "4"})
    assert codes_of(survey_db, "self")[site.questions[0].position] == 4


def test_observers_are_not_asked_about_sites(client: TestClient, survey_db: SurveyDatabase) -> None:
    token = survey_db.tokens["peer"]
    welcome = text_of(client.get(f"/s/{token}"))
    assert "Feedback for Di Supplier" in welcome
    assert "a peer" in welcome
    for page in FORM.pages:
        assert "at your site" not in text_of(client.get(f"/s/{token}/page/{page.number}"))
