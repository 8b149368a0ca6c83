"""Fixtures of the browser tests: the survey served by uvicorn, and Debian's Chromium.

Each test gets a fresh SQLite database (built like tests/web's) and its own server on a free
port of 127.0.0.1. The browser is started once per session from /usr/bin/chromium; nothing
is downloaded. A missing browser is an error, not a skip, so CI cannot pass without it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Playwright, sync_playwright

from browser.pages import LiveSurvey
from colead.config import load_settings
from colead.web.app import create_app
from web.stored import store_survey_review

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_STARTUP_SECONDS = 10.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def live_survey(tmp_path: Path) -> Iterator[LiveSurvey]:
    db = store_survey_review(f"sqlite:///{tmp_path / 'colead.db'}")
    app = create_app(load_settings(database_url=db.url))
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="survey-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + _STARTUP_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the survey server did not start on 127.0.0.1:{port}")
        time.sleep(0.02)
    try:
        yield LiveSurvey(f"http://127.0.0.1:{port}", db)
    finally:
        server.should_exit = True
        thread.join(timeout=_STARTUP_SECONDS)


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        raise RuntimeError(
            f"The browser tests need Chromium at {CHROMIUM}, which is missing. "
            "Install it (Debian/Ubuntu: apt-get install chromium); .ci/run does so in CI."
        )
    chromium = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True, timeout=30_000
    )
    try:
        yield chromium
    finally:
        chromium.close()
