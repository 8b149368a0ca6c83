"""The console's privacy page: find a person, export them as a JSON download, erase them only
when their id is typed again, set the retention and purge a due wave only with the box
ticked; every change audited with the admin as actor, login and CSRF required.

One stored four-person review per backend serves the whole module; each test works on its
own people (export and refused erasure: S2, erasure: C1, none of them in the wave
the purge test purges) or on the retention, so that
the tests do not depend on their order.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from colead.ingest.uploads import review_folder
from colead.store.schema import Wave
from privacy_data import BACKENDS, POSTGRES_ENV
from reliability.databases import sibling_database
from web.admin.test_security import database_state
from web.development_loop import (
    EMAIL,
    audit_rows,
    console_client,
    log_in,
    review_url,
    session_on,
    store_small,
    text_of,
)
from web.stored import REVIEW, SurveyDatabase

pytestmark = pytest.mark.integration

PAGE = f"{review_url(REVIEW)}/privacy"


@pytest.fixture(scope="module", params=BACKENDS)
def stored(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SurveyDatabase]:
    """The four-person review of web.stored with an admin, once per backend."""
    folder = tmp_path_factory.mktemp("privacy-console")
    if request.param == "sqlite":
        yield store_small(f"sqlite:///{folder / 'colead.db'}")
        return
    with sibling_database(os.environ[POSTGRES_ENV], folder) as url:
        yield store_small(url)


@pytest.fixture(scope="module")
def console(
    stored: SurveyDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, str]]:
    """A logged-in console client and its CSRF token."""
    for client in console_client(stored.url, tmp_path_factory.mktemp("data")):
        yield client, log_in(client)


def test_the_page_explains_and_finds_one_person(console: tuple[TestClient, str]) -> None:
    client, _ = console
    review = client.get(review_url(REVIEW))
    assert f'href="{PAGE}"' in review.text
    page = client.get(PAGE)
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Export downloads, as one JSON file" in text and "Erase removes" in text
    assert "Purge deletes the individual answers" in text
    for wave in ("earlier", "baseline", "later"):
        assert f">{wave}</th>" in page.text
    found = client.get(PAGE, params={"person": "DI@supplier.test"})
    assert found.status_code == 200
    assert "Di Supplier" in found.text and "Type <strong>S2</strong> to confirm" in found.text
    # only the person's own details: not their manager's name, nor anyone else's
    assert not [n for n in ("Ana Client", "Ben Client", "Cy Supplier") if n in found.text]
    unknown = client.get(PAGE, params={"person": "Z9"})
    assert unknown.status_code == 404 and "has no person &#39;Z9&#39;" in unknown.text


def test_export_downloads_the_person_as_json_and_is_audited(
    console: tuple[TestClient, str], stored: SurveyDatabase
) -> None:
    client, csrf = console
    answer = client.post(f"{PAGE}/export", data={"csrf": csrf, "person": "di@supplier.test"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.headers["content-disposition"] == 'attachment; filename="privacy-S2.json"'
    assert answer.headers["cache-control"] == "no-store"
    document = json.loads(answer.content.decode("utf-8"))
    assert document["person"]["person_id"] == "S2" and document["person"]["name"] == "Di Supplier"
    assert (EMAIL, {}) in audit_rows(stored.url, "privacy_export")

    before = database_state(stored.url)
    unknown = client.post(f"{PAGE}/export", data={"csrf": csrf, "person": "nobody@x.test"})
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("text/html")
    assert "has no person" in unknown.text and "content-disposition" not in unknown.headers
    assert database_state(stored.url) == before


def test_a_wrong_confirmation_erases_nothing(
    console: tuple[TestClient, str], stored: SurveyDatabase
) -> None:
    client, csrf = console
    before = database_state(stored.url)
    for confirm in ("", "C2", "s2", "di@supplier.test"):
        refused = client.post(
            f"{PAGE}/erase",
            data={"csrf": csrf, "person": "S2", "confirm": confirm, "delete_ratings": "yes"},
        )
        assert refused.status_code == 422
        assert "Nobody was erased" in refused.text and "Type S2 exactly" in refused.text
    assert database_state(stored.url) == before


def test_erasure_shows_the_counts_under_the_anonymous_id_only(
    console: tuple[TestClient, str], stored: SurveyDatabase
) -> None:
    client, csrf = console
    people = client.get(f"{review_url(REVIEW)}/people")
    assert "Ana Client" in people.text
    folder = review_folder(client.app.state.console.data_dir, REVIEW)  # type: ignore[attr-defined]
    uploads = [folder / "20250101T090000Z-a1b2c3-people.csv", folder / "bounces" / "x"]
    uploads[1] = uploads[1].with_name("20250102T090000Z-d4e5f6-returned.mbox")
    for upload in uploads:
        upload.parent.mkdir(parents=True, exist_ok=True)
        upload.write_text("C1,Ana Client,ana@client.test\n", encoding="utf-8")
    done = client.post(
        f"{PAGE}/erase",
        data={"csrf": csrf, "person": "ana@client.test", "confirm": "ana@client.test"},
    )
    assert done.status_code == 200
    text = text_of(done.text)
    assert "Erased" in text and "participant link(s)" in text
    assert "Removed 2 uploaded file(s) of the review" in text
    assert not any(upload.exists() for upload in uploads)
    assert "Kept: 2 form(s) they filled in, without comments, as anonymous rater erased-" in text
    assert "Ana Client" not in done.text and "ana@client.test" not in done.text
    assert "Ana Client" not in client.get(f"{review_url(REVIEW)}/people").text
    actors = [actor for actor, _ in audit_rows(stored.url, "privacy_erase")]
    assert actors == [EMAIL]
    again = client.post(f"{PAGE}/erase", data={"csrf": csrf, "person": "C1", "confirm": "C1"})
    assert again.status_code == 404 and "has no person" in again.text


def test_retention_and_a_purge_that_needs_the_box_ticked(
    console: tuple[TestClient, str], stored: SurveyDatabase
) -> None:
    client, csrf = console
    for months in ("0", "abc", "1201"):
        refused = client.post(f"{PAGE}/retention", data={"csrf": csrf, "months": months})
        assert refused.status_code == 422 and "The retention was not changed" in refused.text
    made = client.post(f"{PAGE}/retention", data={"csrf": csrf, "months": "12"})
    assert made.status_code == 303 and made.headers["location"] == f"{PAGE}?done=retention"
    shown = text_of(client.get(made.headers["location"]).text)
    assert "The review now keeps answers 12 month(s) after a wave closes." in shown
    kept = client.post(f"{PAGE}/retention", data={"csrf": csrf, "keep": "yes"})
    assert kept.status_code == 303
    assert "keeps individual answers for good" in text_of(client.get(PAGE).text)
    client.post(f"{PAGE}/retention", data={"csrf": csrf, "months": "12"})
    assert [d["after"] for a, d in audit_rows(stored.url, "retention_set") if a == EMAIL] == [
        12,
        None,
        12,
    ]

    with session_on(stored.url) as session:
        session.execute(
            update(Wave)
            .where(Wave.id == stored.wave_ids["earlier"])
            .values(closed_at=datetime(2020, 3, 1, 12, tzinfo=UTC))
        )
    listed = client.get(PAGE)
    assert "<td>2020-03-01</td><td>2021-03-01</td>" in listed.text
    assert "Yes: 1 form(s), 0 answered" in listed.text
    before = database_state(stored.url)
    unticked = client.post(f"{PAGE}/purge", data={"csrf": csrf})
    assert unticked.status_code == 422 and "confirmation box was not ticked" in unticked.text
    assert database_state(stored.url) == before

    purged = client.post(f"{PAGE}/purge", data={"csrf": csrf, "confirm": "yes"})
    assert purged.status_code == 200
    assert "Purged 1 wave(s): 1 form(s) deleted." in purged.text
    assert "nothing to purge" in purged.text  # the list below is read after the purge
    assert [(a, d["wave"]) for a, d in audit_rows(stored.url, "privacy_purge")] == [
        (EMAIL, "earlier")
    ]


def test_without_a_login_or_the_csrf_token_nothing_happens(
    console: tuple[TestClient, str], stored: SurveyDatabase, tmp_path: Path
) -> None:
    client, csrf = console
    before = database_state(stored.url)
    forged_token = csrf[:-4] + ("AAAA" if not csrf.endswith("AAAA") else "BBBB")
    for form in ("export", "erase", "retention", "purge"):
        data = {"person": "S1", "confirm": "S1", "months": "1", "keep": "yes"}
        forged = client.post(f"{PAGE}/{form}", data={**data, "csrf": forged_token})
        assert forged.status_code == 403 and "did not come from this site" in forged.text
    for visitor in console_client(stored.url, tmp_path):
        assert visitor.get(PAGE).headers["location"] == "/admin/login"
        for form in ("export", "erase", "retention", "purge"):
            answer = visitor.post(f"{PAGE}/{form}", data={"person": "S1", "confirm": "S1"})
            assert answer.status_code == 303 and answer.headers["location"] == "/admin/login"
    assert database_state(stored.url) == before
