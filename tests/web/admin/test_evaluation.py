"""The console's evaluation dashboard and its KPI value form.

A small simulated review (two waves, a programme with costs, KPIs) is stored; the page must
show the report's sections, say how to enter values when there are none, recalculate the
ROI once a value is set (the audited change gives the wave a new data fingerprint), refuse
forms without their CSRF token, and keep what was typed when a value is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from colead.accounts.admins import create_admin
from colead.config import load_settings
from colead.development.kpi_values import list_kpi_values
from colead.development.review_actions import seed_review_actions
from colead.framework import load_framework
from colead.jobs.analyse import analyse_review
from colead.jobs.demo import store_simulation
from colead.simulation.review import simulate
from colead.store import init_database, open_database, transaction
from colead.store.schema import AuditEntry
from colead.web import create_app

pytestmark = pytest.mark.integration

EMAIL = "evaluation-admin@example.org"
PASSWORD = "a long enough admin password"
ON_TIME = "On-time delivery (%)"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def review(database_url: str) -> str:
    framework = load_framework()
    init_database(database_url)
    engine = open_database(database_url)
    try:
        stored = store_simulation(engine, simulate(framework, "small", seed=3), framework)
        with transaction(engine) as session:
            create_admin(session, EMAIL, PASSWORD)
    finally:
        engine.dispose()
    return stored.review


@pytest.fixture
def client(database_url: str, review: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = load_settings(database_url=database_url, data_dir=str(tmp_path / "data"))
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        yield test_client


def _csrf(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None
    return found.group(1)


@pytest.fixture
def admin(client: TestClient) -> TestClient:
    token = _csrf(client.get("/admin/login").text)
    response = client.post(
        "/admin/login", data={"email": EMAIL, "password": PASSWORD, "csrf": token}
    )
    assert response.status_code == 303
    return client


def _page(review: str) -> str:
    return f"/admin/reviews/{quote(review, safe='')}/evaluation"


def _text(html: str) -> str:
    html = re.sub(r"<style>.*?</style>|<svg.*?</svg>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def _values(url: str, review: str) -> list[tuple[str, float, str, float, str | None]]:
    engine = open_database(url)
    try:
        with transaction(engine) as session:
            return [
                (v.kpi, v.value_per_unit, v.currency, v.periods, v.source)
                for v in list_kpi_values(session, review)
            ]
    finally:
        engine.dispose()


def _audit(url: str) -> list[tuple[str, str]]:
    engine = open_database(url)
    try:
        with transaction(engine) as session:
            rows = session.execute(
                select(AuditEntry.actor, AuditEntry.action)
                .where(AuditEntry.action.like("kpi_value.%"))
                .order_by(AuditEntry.id)
            )
            return [(actor, action) for actor, action in rows]
    finally:
        engine.dispose()


def test_the_page_needs_a_login(client: TestClient, review: str) -> None:
    for response in (
        client.get(_page(review)),
        client.post(f"{_page(review)}/kpi-values", data={"kpi": ON_TIME, "value": "1"}),
    ):
        assert response.status_code == 303
        assert response.headers["location"] == "/admin/login"


def test_setting_a_value_brings_the_roi_and_removing_it_takes_it_away(
    admin: TestClient, review: str, database_url: str
) -> None:
    page = admin.get(_page(review))
    assert page.status_code == 200
    text = _text(page.text)
    for heading in (
        "Programme evaluation", "The short answer", "Level by level",
        "Behaviour: what others see", "Results: contract KPIs",
        "Return on investment (Phillips level 5)", "What can and cannot be concluded",
        "Values of KPI units",
    ):  # fmt: skip
        assert heading in text, heading
    assert "No money value per KPI unit has been entered." in text
    assert 'id="chart-did"' in page.text  # the difference-in-differences chart
    assert '<label for="value">' in page.text and '<select id="wave" name="wave">' in page.text
    form = {
        "csrf": _csrf(page.text), "action": "set", "wave": "follow-up", "kpi": ON_TIME,
        "value": "20,000", "currency": "gbp", "periods": "4", "source": "penalty schedule",
    }  # fmt: skip
    response = admin.post(f"{_page(review)}/kpi-values", data=form)
    assert response.status_code == 303
    assert response.headers["location"] == f"{_page(review)}?wave=follow-up"
    assert _values(database_url, review) == [(ON_TIME, 20_000.0, "GBP", 4.0, "penalty schedule")]
    assert _audit(database_url) == [(EMAIL, "kpi_value.set")]

    shown = _text(admin.get(response.headers["location"]).text)
    engine = open_database(database_url)
    try:
        ev = analyse_review(engine, review, "follow-up", 3).evaluation
    finally:
        engine.dispose()
    assert ev is not None and ev.roi is not None and ev.costs is not None
    # by hand (Phillips & Phillips 2005, ch. 1): BCR = B / C, ROI % = (B − C) / C × 100
    did = ev.kpi_did.set_index("kpi").loc[ON_TIME]
    benefit = did["estimate"] * did["n_treated"] * 4 * 20_000  # the baseline-adjusted change
    costs = ev.costs.total
    assert f"Benefits GBP {benefit:,.0f}" in shown
    assert f"Benefit–cost ratio (BCR) {benefit / costs:.2f} : 1" in shown
    assert f"Return on investment (ROI) {(benefit - costs) / costs * 100:.0f}%" in shown
    assert "penalty schedule" in shown
    # 8 sites: the console, like the report, calls it a range and not a return to quote
    assert not ev.roi.determined and "The return cannot be determined" in shown

    remove = {"csrf": form["csrf"], "action": "remove", "wave": "follow-up", "kpi": ON_TIME}
    assert admin.post(f"{_page(review)}/kpi-values", data=remove).status_code == 303
    assert _values(database_url, review) == []
    assert _audit(database_url)[-1] == (EMAIL, "kpi_value.remove")
    assert "No money value per KPI unit has been entered." in _text(admin.get(_page(review)).text)


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
    admin: TestClient, review: str, database_url: str
) -> None:
    form = {"csrf": "forged", "action": "set", "kpi": ON_TIME, "value": "10"}
    response = admin.post(f"{_page(review)}/kpi-values", data=form)
    assert response.status_code == 403
    assert _values(database_url, review) == [] and _audit(database_url) == []


#: typed value, currency and periods, and what the page must say about them
REFUSED = [
    ("ten pounds", "GBP", "4", "is not a number"),
    ("-5", "GBP", "4", "must be a positive amount"),
    ("10", "pounds", "4", "is not a currency code"),
    ("10", "GBP", "0", "more than 0"),
    ("10", "GBP", "nan", "must be a finite number"),
]


def test_a_refused_value_shows_what_to_fix_and_keeps_what_was_typed(
    admin: TestClient, review: str, database_url: str
) -> None:
    token = _csrf(admin.get(_page(review)).text)
    for value, currency, periods, message in REFUSED:
        form = {
            "csrf": token, "action": "set", "wave": "follow-up", "kpi": ON_TIME, "value": value,
            "currency": currency, "periods": periods, "source": "kept <source>",
        }  # fmt: skip
        response = admin.post(f"{_page(review)}/kpi-values", data=form)
        assert response.status_code == 422, value
        assert 'role="alert"' in response.text and message in _text(response.text)
        typed = f'name="value" inputmode="decimal" required maxlength="50" value="{value}"'
        assert typed in response.text
        assert f'name="currency" required maxlength="10" value="{currency}"' in response.text
        assert 'value="kept &lt;source&gt;"' in response.text
        assert f'<option value="{ON_TIME}" selected>' in response.text
    assert _values(database_url, review) == [] and _audit(database_url) == []


def test_an_unknown_kpi_is_refused_naming_the_known_ones(admin: TestClient, review: str) -> None:
    token = _csrf(admin.get(_page(review)).text)
    form = {"csrf": token, "action": "set", "kpi": "Profit", "value": "10"}
    response = admin.post(f"{_page(review)}/kpi-values", data=form)
    assert response.status_code == 422
    assert f"Known KPIs: Cost variance (%); {ON_TIME}" in _text(response.text)


def test_the_baseline_wave_has_nothing_to_evaluate_and_unknown_names_are_404(
    admin: TestClient, review: str
) -> None:
    baseline = admin.get(f"{_page(review)}?wave=baseline")
    assert baseline.status_code == 200
    assert "Wave baseline has no programme to evaluate" in _text(baseline.text)
    assert admin.get(f"{_page(review)}?wave=nope").status_code == 404
    assert admin.get("/admin/reviews/No%20such/evaluation").status_code == 404
    token = _csrf(baseline.text)
    missing = {"csrf": token, "action": "remove", "kpi": ON_TIME}
    assert admin.post(f"{_page(review)}/kpi-values", data=missing).status_code == 404


def test_the_review_report_download_carries_the_relationship_action_log(
    admin: TestClient, review: str, database_url: str
) -> None:
    engine = open_database(database_url)
    try:
        with transaction(engine) as session:
            seed_review_actions(session, review, "tester", owner="Ana", due_date=date(2020, 1, 1))
    finally:
        engine.dispose()
    path = f"/admin/reviews/{quote(review, safe='')}/waves/follow-up/reports/review.html"
    response = admin.get(path)
    assert response.status_code == 200
    text = _text(response.text)
    assert "Relationship action log" in text
    # due in 2020 and still open: every one of the four is overdue
    assert "4 actions (open 4). 4 are overdue" in text
    assert text.count("open, overdue") == 4
