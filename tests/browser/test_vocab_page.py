"""The language analyser page in a real browser on a phone-sized screen: an admin logs in,
follows the link from the reviews page, uploads two documents and reads the result; axe-core
finds no serious or critical WCAG 2.1 AA violation before or after, and the page does not
scroll sideways."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, expect

from browser.pages import PHONE, new_context
from browser.test_survey_accessibility import blocking_violations
from colead.accounts.admins import create_admin
from colead.config import load_settings
from colead.store import init_database, make_engine, transaction
from colead.web.app import create_app
from vocab import documents as docs

pytestmark = [pytest.mark.browser, pytest.mark.integration]

EMAIL = "analyst@colead.test"
PASSWORD = "a long and careful passphrase"
PAPER = (
    Path(__file__).parents[1]
    / "reference"
    / "vocab"
    / ("collaborative-leadership-discussion-paper.txt")
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'colead.db'}"
    init_database(url)
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            create_admin(session, EMAIL, PASSWORD)
    finally:
        engine.dispose()
    port = _free_port()
    settings = load_settings(database_url=url, data_dir=str(tmp_path / "data"), reminders_every=0)
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="vocab-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    try:
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_analyse_documents_on_a_phone(browser: Browser, base_url: str, tmp_path: Path) -> None:
    guide = tmp_path / "guide.docx"
    guide.write_bytes(docs.docx_bytes())
    context = new_context(browser, **PHONE)
    try:
        page = context.new_page()
        page.goto(f"{base_url}/admin/")
        page.get_by_label("E-mail").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("link", name="Language analyser").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Lead and manage language in documents"
        )
        problems = blocking_violations(page, "vocab form")
        page.get_by_label("Documents").set_input_files([str(PAPER), str(guide)])
        page.get_by_role("button", name="Analyse").click()
        expect(page.get_by_role("heading", name="Result")).to_be_visible()
        expect(
            page.get_by_role("img", name="Lead and manage words by part of speech")
        ).to_be_visible()
        table = page.get_by_role("table", name="Counts per document (the paper’s Table 1)")
        expect(table.get_by_role("row", name="“Lead” 67 6 73 69%")).to_be_visible()
        problems += blocking_violations(page, "vocab result")
        sideways = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert problems == []
        assert sideways is False
    finally:
        context.close()
