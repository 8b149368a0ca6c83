"""The console's mail: the wave's mail page (send, schedule, history, bounces) and the
review's e-mail templates."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from colead.config import load_settings
from colead.store import make_engine, transaction
from colead.store.people import person_ids
from colead.store.reviews import get_review
from colead.store.schema import AuditEntry
from colead.store.waves import add_assignments
from colead.web import create_app
from colead.web.admin.mail import EDITABLE_KINDS
from mail import test_smtp as test_mail
from mail.test_bounces import delivery_report, write_mbox
from mail.test_mail_events import mail_events
from mail.test_smtp import SENDER, Collector, free_port
from web.admin import test_reviews as test_admin
from web.admin.test_reviews import EMAIL, _login
from web.stored import REVIEW, SurveyDatabase

pytestmark = pytest.mark.integration

# shared fixtures: a real SMTP server, and the stored review with an admin
smtp = test_mail.smtp
stored = test_admin.stored

REVIEW_URL = f"/admin/reviews/{quote(REVIEW, safe='')}"
MAIL_URL = f"{REVIEW_URL}/waves/baseline/mail"
TEMPLATES_URL = f"{REVIEW_URL}/templates"
RATERS = ["ana@client.test", "ben@client.test", "cy@supplier.test"]


def _client(url: str, data_dir: Path, port: int) -> TestClient:
    settings = load_settings(
        database_url=url, data_dir=str(data_dir), smtp_port=port, mail_from=SENDER,
        reminders_every=0,
    )  # fmt: skip
    return TestClient(create_app(settings), follow_redirects=False)


@pytest.fixture
def mail_console(
    stored: SurveyDatabase, smtp: tuple[Collector, int], tmp_path: Path
) -> Iterator[tuple[TestClient, str]]:
    with _client(stored.url, tmp_path / "data", smtp[1]) as client:
        yield client, _login(client)


def _audit(url: str) -> list[tuple[str, str]]:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            rows = session.execute(
                select(AuditEntry.actor, AuditEntry.action).order_by(AuditEntry.id)
            )
            return [(actor, action) for actor, action in rows]
    finally:
        engine.dispose()


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_sending_invitations_and_reminders_from_the_mail_page(
    mail_console: tuple[TestClient, str], stored: SurveyDatabase, smtp: tuple[Collector, int]
) -> None:
    client, csrf = mail_console
    handler, _ = smtp
    page = client.get(MAIL_URL)
    assert page.status_code == 200
    assert "No letter of this wave has been e-mailed yet." in page.text
    assert "links sent earlier for those forms stop working" in page.text
    assert 'type="datetime-local"' in page.text and "The time is in UTC" in page.text

    refused = client.post(f"{MAIL_URL}/send", data={"kind": "invitation", "to": "all"})
    assert refused.status_code == 403 and handler.envelopes == []
    sent = client.post(f"{MAIL_URL}/send", data={"kind": "invitation", "to": "all", "csrf": csrf})
    assert sent.status_code == 303
    done = "done=invitation&sent=3&refused=0&skipped=0&invited=0"
    assert sent.headers["location"] == f"{MAIL_URL}?{done}"
    assert sorted(handler.messages()) == RATERS
    shown = _text(client.get(sent.headers["location"]).text)
    assert "Invitations: 3 sent, 0 refused by the mail server" in shown
    assert "invitation 3 0 0" in shown  # the counts table: sent, refused, bounced
    assert "Ben Client ben@client.test invitation sent" in shown

    # everyone has been invited: "not yet invited" sends nothing and leaves links alone
    handler.envelopes.clear()
    again = client.post(f"{MAIL_URL}/send", data={"kind": "invitation", "to": "new", "csrf": csrf})
    assert again.headers["location"].endswith("sent=0&refused=0&skipped=0&invited=5")
    assert handler.envelopes == []
    assert "5 form(s) left out as already invited" in client.get(again.headers["location"]).text

    # a form added later is invited on its own; the rater's other links stay as they are
    engine = make_engine(stored.url)
    try:
        with transaction(engine) as session:
            ids = person_ids(session, get_review(session, REVIEW).id)
            add_assignments(session, stored.wave_ids["baseline"], [(ids["S2"], ids["S1"], "peer")])
    finally:
        engine.dispose()
    added = client.post(f"{MAIL_URL}/send", data={"kind": "invitation", "to": "new", "csrf": csrf})
    assert added.headers["location"].endswith("sent=1&refused=0&skipped=0&invited=5")
    (cy,) = handler.messages().values()
    body = cy.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Di Supplier (peer)" in body and body.count("/s/") == 1
    handler.envelopes.clear()

    reminded = client.post(f"{MAIL_URL}/send", data={"kind": "reminder", "csrf": csrf})
    assert reminded.status_code == 303 and "done=reminder&sent=3" in reminded.headers["location"]
    assert [e["kind"] for e in mail_events(stored.url)] == ["invitation"] * 4 + ["reminder"] * 3
    actions = _audit(stored.url)
    assert (EMAIL, "send_invitations") in actions and (EMAIL, "send_reminders") in actions


def test_scheduling_and_cancelling_a_reminder(
    mail_console: tuple[TestClient, str], stored: SurveyDatabase
) -> None:
    client, csrf = mail_console
    made = client.post(f"{MAIL_URL}/schedule", data={"due_at": "2099-01-05T09:00", "csrf": csrf})
    assert made.status_code == 303 and made.headers["location"] == f"{MAIL_URL}?done=scheduled"
    page = client.get(made.headers["location"]).text
    assert "2099-01-05 09:00" in _text(page) and "scheduled" in page
    found = re.search(r'action="([^"]+/reminders/(\d+)/cancel)"', page)
    assert found is not None
    past = client.post(f"{MAIL_URL}/schedule", data={"due_at": "2020-01-05T09:00", "csrf": csrf})
    assert past.status_code == 422 and "in the past" in past.text
    closed = client.post(
        f"{REVIEW_URL}/waves/earlier/mail/schedule",
        data={"due_at": "2099-01-05T09:00", "csrf": csrf},
    )
    assert closed.status_code == 410
    cancelled = client.post(found.group(1), data={"csrf": csrf})
    assert cancelled.status_code == 303
    assert "No reminders are scheduled." in client.get(MAIL_URL).text
    actions = [a for _, a in _audit(stored.url)]
    assert actions.count("schedule_reminder") == 1 and actions.count("cancel_reminder") == 1


def test_uploading_bounces_lists_the_address_and_the_fix(
    mail_console: tuple[TestClient, str], smtp: tuple[Collector, int], tmp_path: Path
) -> None:
    client, csrf = mail_console
    handler, _ = smtp
    client.post(f"{MAIL_URL}/send", data={"kind": "invitation", "to": "all", "csrf": csrf})
    cy = handler.messages()["cy@supplier.test"]
    mbox = write_mbox(
        tmp_path / "in.mbox",
        [delivery_report("cy@supplier.test", cy), delivery_report("ben@client.test", None,
                                                                   status="4.4.1")],
    )  # fmt: skip
    with mbox.open("rb") as handle:
        page = client.post(
            f"{MAIL_URL}/bounces",
            data={"csrf": csrf},
            files={"file": ("in.mbox", handle, "application/mbox")},
        )
    assert page.status_code == 200
    text = _text(page.text)
    assert "Bounces recorded 1" in text and "Temporary failures (not recorded) 1" in text
    assert "Cy Supplier S1 cy@supplier.test" in text
    assert "Correct the e-mail in the people file and upload it again." in text
    handler.envelopes.clear()
    client.post(f"{MAIL_URL}/send", data={"kind": "reminder", "csrf": csrf})
    assert sorted(handler.messages()) == ["ana@client.test", "ben@client.test"]

    empty = client.post(f"{MAIL_URL}/bounces", data={"csrf": csrf})
    assert empty.status_code == 422 and "No file was chosen" in empty.text


def test_an_unreachable_mail_server_is_a_clear_error_page(
    stored: SurveyDatabase, tmp_path: Path
) -> None:
    with _client(stored.url, tmp_path / "data", free_port()) as client:
        csrf = _login(client)
        response = client.post(f"{MAIL_URL}/send", data={"kind": "invitation", "csrf": csrf})
    assert response.status_code == 400
    assert "Cannot reach the mail server" in response.text and "mail_unavailable" in response.text
    assert mail_events(stored.url) == []


def test_editing_previewing_and_resetting_templates(
    mail_console: tuple[TestClient, str], stored: SurveyDatabase, smtp: tuple[Collector, int]
) -> None:
    client, csrf = mail_console
    handler, _ = smtp
    page = client.get(TEMPLATES_URL)
    assert page.status_code == 200
    # every letter colead sends can be reworded: the raters', participants' and programme ones
    assert page.text.count("Uses the <strong>packaged default</strong>") == len(EDITABLE_KINDS)
    for title in ("Participant", "Overdue actions", "Reaction", "Reaction reminder"):
        assert f">{title}</h2>" in page.text
    assert "Dear Ana Client," in page.text  # the preview with sample data
    assert "Subject: <strong>Reminder: your feedback for the Client Co – Supplier Ltd" in page.text

    bad = {"subject": "Hi", "body_text": "Hello\n{{ nme }}", "body_html": "", "csrf": csrf}
    refused = client.post(f"{TEMPLATES_URL}/invitation", data=bad)
    assert refused.status_code == 422
    assert "unknown variable &#39;nme&#39; on line 2" in refused.text
    assert "Hello\n{{ nme }}</textarea>" in refused.text  # what was typed is kept

    good = {
        "subject": "Rate {{ wave }}",
        "body_text": "Hi {{ rater_name }}\n{% for form in forms %}{{ form.url }}\n{% endfor %}",
        "body_html": "<p>Hi {{ rater_name }}</p>",
        "csrf": csrf,
    }
    saved = client.post(f"{TEMPLATES_URL}/invitation", data=good)
    assert saved.status_code == 303
    page = client.get(saved.headers["location"])
    assert f"<strong>Customised</strong> by {EMAIL}" in page.text
    assert "Subject: <strong>Rate baseline</strong>" in page.text

    client.post(f"{MAIL_URL}/send", data={"kind": "invitation", "to": "all", "csrf": csrf})
    ben = handler.messages()["ben@client.test"]
    assert ben["Subject"] == "Rate baseline"
    html = ben.get_body(("html",))
    assert html is not None and "<p>Hi Ben Client</p>" in html.get_content()  # type: ignore[attr-defined]

    reset = client.post(f"{TEMPLATES_URL}/invitation/reset", data={"csrf": csrf})
    assert reset.status_code == 303
    assert client.get(TEMPLATES_URL).text.count("packaged default</strong>") == len(EDITABLE_KINDS)
    assert client.post(f"{TEMPLATES_URL}/letter", data=good).status_code == 404
    actions = [(a, b) for a, b in _audit(stored.url) if "mail_template" in b]
    assert actions == [(EMAIL, "set_mail_template"), (EMAIL, "reset_mail_template")]
