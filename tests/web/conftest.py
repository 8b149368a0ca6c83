"""Fixtures of the web tests: a stored review with survey links, and a client of the app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from colead.config import load_settings
from colead.web import create_app
from web.stored import SurveyDatabase, store_survey_review


@pytest.fixture
def survey_db(database_url: str) -> SurveyDatabase:
    return store_survey_review(database_url)


@pytest.fixture
def client(survey_db: SurveyDatabase) -> Iterator[TestClient]:
    app = create_app(load_settings(database_url=survey_db.url))
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client
