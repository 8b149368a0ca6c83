"""An answer the server has acknowledged survives the server being killed outright."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlencode

import pytest

from builders import default_framework
from colead.domain import Relation
from colead.fieldwork.survey import build_form
from web.stored import SurveyDatabase

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def post(port: int, path: str, fields: dict[str, str]) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(
            "POST",
            path,
            urlencode(fields),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        return connection.getresponse().status
    finally:
        connection.close()


def wait_until_serving(port: int) -> None:
    for _ in range(150):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/s/unknown")
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail("the server did not start")


def test_acknowledged_answers_survive_a_killed_server(survey_db: SurveyDatabase) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "colead", "serve", "--db", survey_db.url, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    form = build_form(default_framework(), Relation.partner)
    token = survey_db.tokens["partner"]
    try:
        wait_until_serving(port)
        page = {q.item_id: "4" for q in form.page(1).questions}
        assert post(port, f"/s/{token}/page/1", {**page, "action": "next"}) == 303
        assert post(port, f"/s/{token}/submit", {}) == 303
    finally:
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=30)
    stored = survey_db.record("partner")
    assert stored.codes is not None
    assert {stored.codes[q.position] for q in form.page(1).questions} == {4}
    assert stored.submitted_at is not None
