"""The whole story in a real browser, through a real mail server.

An admin logs in, creates a review, uploads its people and forms, creates and opens a wave
and sends the invitations; they arrive at a local SMTP server (aiosmtpd); a rater follows
the link in their e-mail and completes the survey on a phone-sized screen; the admin then
sees the response in the wave's progress, closes the wave and downloads the review report.
axe-core checks each console page on the way (no serious or critical WCAG 2.1 AA violation).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest
import uvicorn
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from browser.pages import DESKTOP, PHONE, new_context
from browser.test_survey_accessibility import blocking_violations
from builders import default_framework
from colead.accounts.admins import create_admin
from colead.config import load_settings
from colead.domain import Relation
from colead.fieldwork.survey import build_form
from colead.store import init_database, make_engine, transaction
from colead.web.app import create_app

pytestmark = [pytest.mark.browser, pytest.mark.integration]
#: how long a PDF report may take to lay out and download
PDF_MS = 60_000

EMAIL = "consultant@colead.test"
PASSWORD = "a long and careful passphrase"
REVIEW = "Client Co – Supplier Ltd 2026"
WAVE = "baseline"
PEOPLE = """person_id,name,email,organisation,organisation_role,site,level,role_title,manager_id
C1,Ada Client,ada@client.test,Client Co,client,North,2,Operations director,
C2,Ben Client,ben@client.test,Client Co,client,North,3,Contract manager,C1
C3,Cy Client,cy@client.test,Client Co,client,North,3,Planner,C1
C4,Di Client,di@client.test,Client Co,client,North,3,Buyer,C1
S1,Eve Supplier,eve@supplier.test,Supplier Ltd,supplier,North,3,Account manager,
"""
FORMS = """ratee_id,rater_id,relation
C2,C2,self
C2,C1,manager
C2,C3,peer
C2,C4,peer
C2,S1,partner
"""
_STARTUP_SECONDS = 10.0
_MAIL_SECONDS = 10.0


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: dict[str, EmailMessage] = {}
        self._lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content
        assert isinstance(content, bytes)
        message = message_from_bytes(content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        with self._lock:
            for recipient in envelope.rcpt_tos:
                self.messages[recipient] = message
        return "250 Message accepted for delivery"

    def wait_for(self, count: int) -> dict[str, EmailMessage]:
        deadline = time.monotonic() + _MAIL_SECONDS
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return dict(self.messages)
            time.sleep(0.05)
        raise AssertionError(f"expected {count} messages, got {len(self.messages)}")


@dataclass(frozen=True)
class Console:
    base_url: str
    database_url: str
    inbox: Inbox


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Console]:
    """colead serve on a new database with one admin, mailing through a local SMTP server."""
    url = f"sqlite:///{tmp_path / 'colead.db'}"
    init_database(url)
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            create_admin(session, EMAIL, PASSWORD)
    finally:
        engine.dispose()

    inbox = Inbox()
    smtp_port = _free_port()
    mail_server = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    mail_server.start()
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings = load_settings(
        database_url=url,
        public_url=base_url,
        data_dir=str(tmp_path / "data"),
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_tls="none",
        mail_from="Leadership review <review@colead.test>",
        reminders_every=0,
    )
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="console-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + _STARTUP_SECONDS
    try:
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start on 127.0.0.1:{port}")
            time.sleep(0.02)
        yield Console(base_url, url, inbox)
    finally:
        server.should_exit = True
        thread.join(timeout=_STARTUP_SECONDS)
        mail_server.stop()


def _upload(page: Page, kind: str, path: Path, wave: str = "") -> None:
    page.get_by_role("link", name="Upload a file").click()
    page.get_by_label("What the file holds").select_option(kind)
    if wave:
        page.get_by_label(re.compile("^Wave")).select_option(wave)
    page.get_by_label(re.compile("^File")).set_input_files(str(path))
    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_role("heading", name=f"Result of {kind} import")).to_be_visible()
    page.get_by_role("link", name=f"Back to {REVIEW}").click()


def _complete_survey(page: Page, link: str) -> None:
    """Answer every question as a manager would, by tapping, then submit."""
    form = build_form(default_framework(), Relation.manager)
    page.goto(link)
    expect(page.locator("h1")).to_have_text("Feedback for Ben Client")
    page.get_by_role("link", name="Start").click()
    for number in range(1, len(form.pages)):
        for question in form.page(number).questions:
            value = form.choices[(question.position + number) % 5].value
            page.locator(f'label[for="{question.item_id}-{value}"]').click()
        page.get_by_role("button", name="Next", exact=True).click()
    page.locator("#comment_strengths").fill("Keeps both sites informed.")
    page.get_by_role("button", name="Next: review your answers").click()
    page.get_by_role("button", name="Submit your answers").click()
    expect(page.locator("h1")).to_contain_text("Thank you")


def test_from_an_empty_console_to_a_downloaded_report(
    browser: Browser, console: Console, tmp_path: Path
) -> None:
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE, encoding="utf-8")
    forms = tmp_path / "forms.csv"
    forms.write_text(FORMS, encoding="utf-8")
    admin = new_context(browser, accept_downloads=True, **DESKTOP)
    phone = new_context(browser, **PHONE)
    try:
        page = admin.new_page()
        page.goto(f"{console.base_url}/admin/")
        page.get_by_label("E-mail").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        problems = blocking_violations(page, "reviews")

        page.get_by_label(re.compile("^Name")).fill(REVIEW)
        page.get_by_role("button", name="Create the review").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(REVIEW)

        _upload(page, "people", people)
        page.get_by_label(re.compile("^Wave name")).fill(WAVE)
        page.get_by_role("button", name="Create the wave as a draft").click()
        _upload(page, "nominations", forms, WAVE)
        page.get_by_role("button", name="Open").click()
        expect(page.get_by_role("cell", name="open", exact=True)).to_be_visible()
        problems += blocking_violations(page, "review")

        page.get_by_role("link", name=f"Mail of {WAVE}").click()
        problems += blocking_violations(page, "mail")
        page.get_by_role("button", name="Send invitations").click()
        messages = console.inbox.wait_for(5)
        invitation = messages["ada@client.test"]
        body = invitation.get_body(preferencelist=("plain",))
        assert body is not None
        links = re.findall(rf"{re.escape(console.base_url)}/s/[A-Za-z0-9_-]+", body.get_content())
        assert len(links) == 1, "Ada rates one person: one link"

        _complete_survey(phone.new_page(), links[0])

        page.goto(f"{console.base_url}/admin/")
        page.get_by_role("link", name=REVIEW).first.click()
        page.get_by_role("link", name=f"Progress of {WAVE}").click()
        counts = page.locator("dl.counts")
        expect(counts.locator("dt:text-is('Submitted') + dd")).to_have_text("1")
        expect(counts.locator("dt:text-is('Forms') + dd")).to_have_text("5")
        expect(counts.locator("dt:text-is('Response rate') + dd")).to_have_text("20%")
        manager_row = page.locator("#by-relation + div tr", has=page.get_by_role("rowheader"))
        expect(manager_row.filter(has_text="Manager")).to_contain_text("100%")
        problems += blocking_violations(page, "progress")

        problems += _download_report(page, tmp_path)
        problems += _find_a_person_on_the_privacy_page(page, console.base_url)
    finally:
        admin.close()
        phone.close()
    assert problems == []


def _find_a_person_on_the_privacy_page(page: Page, base_url: str) -> list[str]:
    """From the review, open Privacy and find Ada by e-mail: her details and the erase
    confirmation are shown; the accessibility problems of the page with both forms."""
    page.goto(f"{base_url}/admin/")
    page.get_by_role("link", name=REVIEW).first.click()
    page.get_by_role("link", name="Privacy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy")
    page.get_by_label("Person id or e-mail address").fill("ADA@client.test")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_text("Type C1 to confirm")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Download everything"))).to_be_visible()
    return blocking_violations(page, "privacy")


def _download_report(page: Page, tmp_path: Path) -> list[str]:
    """From the wave's results, download the review report as PDF and check its text;
    the accessibility problems of the results page."""
    page.get_by_role("link", name="Back to").first.click()
    # results are published when the wave closes
    page.get_by_role("button", name="Close").click()
    expect(page.get_by_role("cell", name="closed", exact=True)).to_be_visible()
    page.get_by_role("link", name=f"Results of {WAVE}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(WAVE)
    problems = blocking_violations(page, "results")
    # Laying out a PDF takes seconds, more on a busy machine: wait for it, not for a page.
    with page.expect_download(timeout=PDF_MS) as started:
        page.get_by_role("link", name="Review report (PDF)").click(timeout=PDF_MS)
    target = tmp_path / "report.pdf"
    started.value.save_as(target)
    assert target.read_bytes().startswith(b"%PDF-")
    text = " ".join(page_.extract_text() for page_ in PdfReader(target).pages)
    assert REVIEW in " ".join(text.split())
    return problems
