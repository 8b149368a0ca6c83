"""The console's results: dashboard, drill-down, report downloads and exports.

The stored review (``web.anonymity_review``) has two groups one rater short of the minimum,
whose answers are chosen so that their means (``1.00``, ``2.00``) can only appear through a
leak; every page and download is checked for them.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from colead.accounts.admins import create_admin
from colead.analysis.results import ReviewResults
from colead.config import load_settings
from colead.jobs.analyse import analyse_review
from colead.reports.chart_specs import format_score
from colead.store import open_database, transaction
from colead.store.schema import AuditEntry
from colead.web import create_app
from web.anonymity_review import LEAKS, AnonymityReview, store_anonymity_review

pytestmark = pytest.mark.integration

EMAIL = "results-admin@example.org"
PASSWORD = "a long enough admin password"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def stored(database_url: str, tmp_path: Path) -> AnonymityReview:
    made = store_anonymity_review(database_url, tmp_path / "files")
    engine = open_database(database_url)
    try:
        with transaction(engine) as session:
            create_admin(session, EMAIL, PASSWORD)
    finally:
        engine.dispose()
    return made


@pytest.fixture
def client(stored: AnonymityReview, tmp_path: Path) -> Iterator[TestClient]:
    settings = load_settings(database_url=stored.url, data_dir=str(tmp_path / "data"))
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def admin(client: TestClient) -> TestClient:
    page = client.get("/admin/login")
    found = _CSRF.search(page.text)
    assert found is not None
    response = client.post(
        "/admin/login", data={"email": EMAIL, "password": PASSWORD, "csrf": found.group(1)}
    )
    assert response.status_code == 303
    return client


@pytest.fixture
def expected(stored: AnonymityReview) -> ReviewResults:
    engine = open_database(stored.url)
    try:
        return analyse_review(engine, stored.review, stored.wave, 3)
    finally:
        engine.dispose()


def wave_path(stored: AnonymityReview, rest: str = "") -> str:
    return f"/admin/reviews/{quote(stored.review, safe='')}/waves/{stored.wave}{rest}"


def visible_text(html: str) -> str:
    """What a reader sees: no styles, no chart markup (its coordinates are not figures)."""
    html = re.sub(r"<style>.*?</style>", " ", html, flags=re.S)
    html = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def assert_no_leak(html: str) -> None:
    text = visible_text(html)
    for mean in LEAKS:
        # A signed figure ("+2.00") is a gap between two shown means, not a mean.
        found = re.search(rf"(?<![+\-−\d.]){re.escape(mean)}(?!\d)", text)
        assert found is None, f"{mean} appears: a group below the minimum leaked"


def audit_details(url: str, action: str) -> list[dict[str, object]]:
    engine = open_database(url)
    try:
        with transaction(engine) as session:
            rows = session.scalars(
                select(AuditEntry.detail).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
            return [dict(detail or {}) for detail in rows]
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------- access


def test_every_page_needs_a_login(client: TestClient, stored: AnonymityReview) -> None:
    review = f"/admin/reviews/{quote(stored.review, safe='')}"
    paths = [
        wave_path(stored, "/results"),
        wave_path(stored, "/results/sites/North"),
        wave_path(stored, "/results/people/N1"),
        wave_path(stored, "/reports/review.html"),
        wave_path(stored, "/reports/people/N1.pdf"),
        f"{review}/exports",
        f"{review}/exports/people.csv",
        "/admin/audit",
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/admin/login"


def test_unknown_review_wave_site_or_person_is_a_404_page(
    admin: TestClient, stored: AnonymityReview
) -> None:
    paths = [
        wave_path(stored, "/results").replace("/baseline/", "/nope/"),
        "/admin/reviews/No%20such%20review/waves/baseline/results",
        wave_path(stored, "/results/sites/Atlantis"),
        wave_path(stored, "/results/people/X9"),
        wave_path(stored, "/reports/people/X9.html"),
        wave_path(stored, "/reports/review.docx"),
        wave_path(stored, "/results").replace("/baseline/", "/" + "w" * 300 + "/"),
    ]
    for path in paths:
        response = admin.get(path)
        assert response.status_code == 404, path
        assert "<h1" in response.text and "Traceback" not in response.text


# ---------------------------------------------------------------------------- dashboard


def test_dashboard_shows_the_analysis(
    admin: TestClient, stored: AnonymityReview, expected: ReviewResults
) -> None:
    response = admin.get(wave_path(stored, "/results"))
    assert response.status_code == 200
    html = response.text
    text = visible_text(html)
    part = expected.participation
    assert f"{part.completed} of {part.invited}" in text
    assert str(expected.n_people) in text and expected.n_people == 14
    assert html.count("<svg") >= 3 and "<script" not in html
    # Sites: North and South shown with their means, Tiny only as "not shown".
    site = expected.site_profile.table
    north = site[(site["group"] == "North") & (site["scale_id"] == "model")].iloc[0]
    assert bool(north["shown"]) and format_score(north["mean"]) in text
    tiny = site[site["group"] == "Tiny"]
    assert not tiny["shown"].any()
    assert "Tiny" in text
    # Relations: peers shown with their mean, partner (2 raters) and other (1) not.
    relations = expected.relation_profile
    assert relations is not None
    table = relations.table
    peer = table[(table["group"] == "peer") & (table["scale_id"] == "model")].iloc[0]
    assert format_score(peer["mean"]) in text
    assert not table[table["group"].isin(["partner", "other"])]["shown"].any()
    # N1's two partners are shown in N1's "Others (combined)", so review-wide they count
    # there too: pooled with N1's direct reports, never as a partner group of two
    others = table[(table["group"] == "others") & (table["scale_id"] == "model")].iloc[0]
    assert bool(others["shown"]) and others["n_people"] == 5
    assert format_score(others["mean"]) in text
    assert "/results/sites/North" in html and "/reports/review.pdf" in html
    assert_no_leak(html)


def test_request_parameters_cannot_lower_the_minimum(
    admin: TestClient, stored: AnonymityReview
) -> None:
    tricks = "?minimum=1&anonymity_minimum=1&min=0&shown=true"
    for rest in ("/results", "/results/sites/Tiny", "/results/people/T1", "/results/people/N1"):
        response = admin.get(wave_path(stored, rest + tricks))
        assert response.status_code == 200, rest
        assert_no_leak(response.text)
    tiny = admin.get(wave_path(stored, "/results/sites/Tiny" + tricks))
    assert "Results withheld" in tiny.text


def test_the_dashboard_is_served_from_the_cache_until_the_data_changes(
    admin: TestClient, stored: AnonymityReview
) -> None:
    cache = admin.app.state.results  # type: ignore[attr-defined]
    first = admin.get(wave_path(stored, "/results"))
    misses = cache.misses
    again = admin.get(wave_path(stored, "/results"))
    assert again.text == first.text and cache.misses == misses
    # A download is a reading, not a change: the cached analysis stays.
    assert admin.get(wave_path(stored, "/reports/review.html")).status_code == 200
    admin.get(wave_path(stored, "/results"))
    assert cache.misses == misses


# ---------------------------------------------------------------------------- drill-down


def test_site_page_shows_the_site_profile_and_rater_groups(
    admin: TestClient, stored: AnonymityReview, expected: ReviewResults
) -> None:
    text = visible_text(admin.get(wave_path(stored, "/results/sites/North")).text)
    site = expected.site_profile.table
    for rec in site[site["group"] == "North"].to_dict("records"):
        assert format_score(rec["mean"]) in text
    assert "6 people" in text
    # N1's own groups are self, others and observers; North's peers come from N2..N6.
    scores = expected.person_scores.table
    north = [f"N{k}" for k in range(1, 7)]
    peers = scores[scores["ratee_id"].isin(north) & (scores["group"] == "peer")]
    model = peers[peers["scale_id"] == "model"]["mean"].mean()
    assert format_score(model) in text
    assert "Partner organisation" not in text


def test_site_below_the_minimum_shows_no_number(admin: TestClient, stored: AnonymityReview) -> None:
    response = admin.get(wave_path(stored, "/results/sites/Tiny"))
    assert response.status_code == 200
    text = visible_text(response.text)
    assert "Results withheld" in text
    assert not re.search(r"\d\.\d\d", text), "a withheld site shows a score"


def test_person_page_shows_only_the_groups_the_rule_allows(
    admin: TestClient, stored: AnonymityReview, expected: ReviewResults
) -> None:
    html = admin.get(wave_path(stored, "/results/people/N1")).text
    text = visible_text(html)
    scores = expected.person_scores.table
    mine = scores[scores["ratee_id"] == "N1"]
    assert set(mine["group"]) == {"self", "others", "observers"}
    for rec in mine.to_dict("records"):
        assert f"{format_score(rec['mean'])} (n = {rec['n_raters']})" in text
    assert "Partner organisation" not in text and "Direct reports" not in text
    assert "/reports/people/N1.html" in html
    assert_no_leak(html)


def test_person_with_withheld_observers_says_so(
    admin: TestClient, stored: AnonymityReview, expected: ReviewResults
) -> None:
    text = visible_text(admin.get(wave_path(stored, "/results/people/T1")).text)
    scores = expected.person_scores.table
    mine = scores[scores["ratee_id"] == "T1"]
    assert set(mine["group"]) == {"self", "manager"}
    assert "2 observer forms about this person are in no group large enough" in text
    assert "Peers" not in text and "Others (combined)" not in text
    assert_no_leak(text)


def test_find_a_person_form_goes_to_their_page(admin: TestClient, stored: AnonymityReview) -> None:
    response = admin.get(wave_path(stored, "/results/people"), params={"person": " N2 "})
    assert response.status_code == 303
    assert response.headers["location"] == wave_path(stored, "/results/people/N2")
    assert admin.get(wave_path(stored, "/results/people"), params={"person": ""}).status_code == 422


# ---------------------------------------------------------------------------- downloads


def test_review_and_person_reports_download_and_are_audited(
    admin: TestClient, stored: AnonymityReview
) -> None:
    review = admin.get(wave_path(stored, "/reports/review.html"))
    assert review.status_code == 200
    assert review.headers["content-type"].startswith("text/html")
    assert 'filename="review-baseline.html"' in review.headers["content-disposition"]
    assert stored.review in review.text
    assert_no_leak(review.text)
    for pid in ("N1", "T1"):
        person = admin.get(wave_path(stored, f"/reports/people/{pid}.html"))
        assert person.status_code == 200 and f"Person {pid}" in person.text
        assert_no_leak(person.text)
    details = audit_details(stored.url, "report.download")
    assert details == [
        {"kind": "review", "format": "html", "wave": "baseline"},
        {"kind": "person", "format": "html", "wave": "baseline", "person": "N1"},
        {"kind": "person", "format": "html", "wave": "baseline", "person": "T1"},
    ]


def test_review_report_pdf_is_a_pdf(admin: TestClient, stored: AnonymityReview) -> None:
    response = admin.get(wave_path(stored, "/reports/review.pdf"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_evaluation_without_a_programme_is_a_clear_error(
    admin: TestClient, stored: AnonymityReview
) -> None:
    response = admin.get(wave_path(stored, "/reports/evaluation.html"))
    assert response.status_code == 404
    assert "has no programme to evaluate" in response.text
    assert audit_details(stored.url, "report.download") == []


def test_exports_page_lists_every_table(admin: TestClient, stored: AnonymityReview) -> None:
    review = f"/admin/reviews/{quote(stored.review, safe='')}"
    html = admin.get(f"{review}/exports").text
    for link in (
        "/exports/people.csv",
        "/exports/people.xlsx",
        "/exports/scores.csv?wave=baseline",
        "/exports/responses.xlsx?wave=baseline",
    ):
        assert f'{review}{link}"' in html.replace("&amp;", "&")


def test_exports_download_anonymised_and_are_audited(
    admin: TestClient, stored: AnonymityReview, expected: ReviewResults
) -> None:
    review = f"/admin/reviews/{quote(stored.review, safe='')}"
    scores = admin.get(f"{review}/exports/scores.csv", params={"wave": "baseline"})
    assert scores.status_code == 200 and scores.headers["content-type"].startswith("text/csv")
    frame = pd.read_csv(io.BytesIO(scores.content), encoding="utf-8-sig")
    assert len(frame) == len(expected.person_scores.table)
    hidden = frame[(frame["ratee_id"] == "T1") & ~frame["group"].isin(["self", "manager"])]
    assert hidden.empty and "partner" not in set(frame["group"])

    answers = admin.get(f"{review}/exports/responses.xlsx", params={"wave": "baseline"})
    assert answers.status_code == 200
    sheet = pd.read_excel(io.BytesIO(answers.content))
    assert "rater_id" not in sheet.columns
    about_t1 = sheet[sheet["ratee_id"] == "T1"]
    assert set(about_t1["relation"]) <= {"self", "manager"}

    people = admin.get(f"{review}/exports/people.csv")
    assert people.status_code == 200 and b"T2" in people.content
    assert admin.get(f"{review}/exports/secrets.csv").status_code == 404
    assert admin.get(f"{review}/exports/people.parquet").status_code == 404
    details = audit_details(stored.url, "export")
    assert [(d["kind"], d["format"], d["wave"]) for d in details] == [
        ("scores", "csv", "baseline"),
        ("responses", "xlsx", "baseline"),
        ("people", "csv", None),
    ]


def test_the_leak_check_sees_a_group_shown_below_the_minimum(stored: AnonymityReview) -> None:
    # The same review analysed with a minimum of 2 shows N1's two partners: the data are
    # built so that a leak would be caught.
    from colead.jobs.drilldown import person_view
    from colead.web.admin.wave_results import review_people

    engine = open_database(stored.url)
    try:
        lowered = analyse_review(engine, stored.review, stored.wave, 2)
        view = person_view(lowered, review_people(engine, stored.review), "N1")
    finally:
        engine.dispose()
    assert "partner" in view.groups
    cells = " ".join(cell.text for table in view.tables for row in table.rows for cell in row.cells)
    with pytest.raises(AssertionError, match=r"1\.00 appears"):
        assert_no_leak(cells)
