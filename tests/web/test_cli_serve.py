"""``colead serve``: checks the database, then hands the app factory to uvicorn."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from colead.cli import app
from colead.errors import ConfigurationError, DatabaseUnavailable
from colead.web.app import create_app_from_environment
from web.stored import SurveyDatabase


def test_serve_is_a_command_with_its_options() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--db", "--workers"):
        assert option in result.output


@pytest.mark.integration
def test_serve_runs_the_app_factory_under_uvicorn(
    survey_db: SurveyDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append((args, kwargs)))
    monkeypatch.setenv("COLEAD_DATABASE_URL", "sqlite:///elsewhere.db")
    result = CliRunner().invoke(
        app, ["serve", "--db", survey_db.url, "--port", "8123", "--workers", "2"]
    )
    assert result.exit_code == 0, result.output
    assert calls == [
        (
            ("colead.web.app:create_app_from_environment",),
            {
                "factory": True,
                "host": "127.0.0.1",
                "port": 8123,
                "workers": 2,
                "proxy_headers": False,
                "access_log": False,
            },
        )
    ]
    assert os.environ["COLEAD_DATABASE_URL"] == survey_db.url
    made = create_app_from_environment()
    assert made.title == "colead"


def test_serve_refuses_a_database_it_cannot_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: pytest.fail("must not start"))
    missing = tmp_path / "no" / "such" / "folder" / "colead.db"
    result = CliRunner().invoke(app, ["serve", "--db", f"sqlite:///{missing}"])
    assert isinstance(result.exception, DatabaseUnavailable)


@pytest.mark.integration
def test_serve_believes_forwarded_headers_only_from_the_proxies_given(
    survey_db: SurveyDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.setenv("COLEAD_DATABASE_URL", survey_db.url)
    monkeypatch.setenv("COLEAD_TRUSTED_PROXIES", "")
    given = ["serve", "--db", survey_db.url, "--forwarded-allow-ips", " 127.0.0.1, 10.0.0.0/8"]
    result = CliRunner().invoke(app, given)
    assert result.exit_code == 0, result.output
    # the app reads the headers itself (uvicorn's own reading stays off, so that a request
    # is never rewritten twice); its workers take the setting from the environment
    assert calls[0]["proxy_headers"] is False
    assert os.environ["COLEAD_TRUSTED_PROXIES"] == "127.0.0.1,10.0.0.0/8"
    assert "forwarded headers from 127.0.0.1,10.0.0.0/8 only" in result.output

    refused = CliRunner().invoke(
        app, ["serve", "--db", survey_db.url, "--forwarded-allow-ips", "*"]
    )
    assert isinstance(refused.exception, ConfigurationError)
    assert "not an IP address or network" in refused.exception.message
    assert len(calls) == 1
