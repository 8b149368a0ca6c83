"""The console's selection page: ranking by need, the level mix of a cohort, enrolling."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from builders import small_simulation
from colead.development import programmes
from colead.development.selection import select_participants
from colead.store import init_database, open_database
from web.anonymity_review import LEAKS, store_anonymity_review
from web.development_loop import (
    SIMULATED_SEED,
    add_admin,
    console_client,
    log_in,
    review_url,
    session_on,
    store_simulated,
    store_small,
    text_of,
)
from web.stored import REVIEW

pytestmark = pytest.mark.integration


@pytest.fixture
def simulated(database_url: str, tmp_path: Path) -> Iterator[tuple[str, TestClient, str]]:
    review = store_simulated(database_url)
    for client in console_client(database_url, tmp_path / "data"):
        yield review, client, log_in(client)


def _ranked(url: str, review: str, wave: str) -> list[str]:
    engine = open_database(url)
    try:
        return [p.person_id for p in select_participants(engine, review, wave, 3).selection.people]
    finally:
        engine.dispose()


def test_people_and_sites_of_the_latest_closed_wave_ranked_by_need(
    simulated: tuple[str, TestClient, str], database_url: str
) -> None:
    review, console, _ = simulated
    page = console.get(f"{review_url(review)}/selection")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Ranked by development need in wave follow-up" in text
    ranked = _ranked(database_url, review, "follow-up")
    shown = [p for p in ranked if f'name="person" value="{p}"' in page.text]
    assert shown == ranked[:50]  # the head of the ranking, in its order
    positions = [page.text.index(f'value="{p}"') for p in shown]
    assert positions == sorted(positions)
    assert f"Show all {len(ranked)} ranked people" in text
    # every site has at least the minimum of ranked people here, so each shows its share
    assert "not shown" not in text


def test_the_level_mix_of_ticked_people_and_enrolling_them(
    simulated: tuple[str, TestClient, str], database_url: str
) -> None:
    review, console, csrf = simulated
    selection = f"{review_url(review)}/selection"
    people = small_simulation(SIMULATED_SEED).people
    senior = list(people.loc[people["level"].isin([1, 2]), "person_id"][:4])
    front = list(people.loc[people["level"] == 5, "person_id"][:1])
    with session_on(database_url) as session:
        programmes.create_programme(session, review, "Senior team", actor="test")

    checked = console.post(selection, data={"csrf": csrf, "person": senior, "do": "check"})
    assert checked.status_code == 200
    text = text_of(checked.text)
    assert "Level mix of the people ticked" in text
    assert "develop beyond senior roles" in text  # four of four from levels 1–2
    levels = people.set_index("person_id").loc[senior, "level"].value_counts()
    for level, label in ((1, "Executive"), (2, "Senior manager")):
        count = int(levels.get(level, 0))
        assert f"{level} {label} {count} {100 * count / 4:.0f}%" in text
    # the ticked people stay ticked, wherever they rank
    ticked = re.findall(r'name="person" value="([^"]+)"[^>]* checked>', checked.text)
    assert sorted(ticked) == sorted(senior)

    nowhere = console.post(selection, data={"csrf": csrf, "person": senior, "do": "enrol"})
    assert nowhere.status_code == 422
    assert "Choose the programme" in text_of(nowhere.text)
    nobody = console.post(selection, data={"csrf": csrf, "do": "enrol", "programme": "Senior team"})
    assert nobody.status_code == 422 and "No one was chosen" in text_of(nobody.text)

    cohort = senior + front
    enrolled = console.post(
        selection,
        data={"csrf": csrf, "person": cohort, "do": "enrol", "programme": "Senior team"},
    )
    assert enrolled.status_code == 303
    assert enrolled.headers["location"].endswith("/programmes/Senior%20team?done=enrolled")
    with session_on(database_url) as session:
        detail = programmes.show_programme(session, review, "Senior team")
    assert sorted(e.person_id for e in detail.enrolments) == sorted(cohort)

    mix = console.get(f"{selection}?programme=Senior%20team")
    mix_text = text_of(mix.text)
    assert "Level mix of programme 'Senior team'" in mix_text
    assert "5 cohort members compared with" in mix_text
    # 4 of 5 (80 %) from the top levels still counts as drawn from them
    assert "4 of 5 cohort members (80%) are at levels 1–2" in mix_text


def test_what_the_minimum_withholds_stays_out_of_the_page(
    database_url: str, tmp_path: Path
) -> None:
    init_database(database_url)
    anonymous = store_anonymity_review(database_url, tmp_path / "files")  # stored closed
    add_admin(database_url)
    for console in console_client(database_url, tmp_path / "data"):
        log_in(console)
        page = console.get(f"{review_url(anonymous.review)}/selection?everyone=1")
        assert page.status_code == 200
        text = text_of(page.text)
        # Tiny has one ranked person: its figures are withheld
        assert "Tiny fewer than 3 not shown" in text
        # T1's observers are too few to be shown, so T1 is not ranked at all
        assert "1 rated people are not ranked" in text
        assert "Person T1" not in text and 'value="T1"' not in page.text
        assert not any(leak in text for leak in LEAKS)


def test_forms_need_their_token_and_reviews_must_exist(database_url: str, tmp_path: Path) -> None:
    store_small(database_url)
    selection = f"{review_url(REVIEW)}/selection"
    for console in console_client(database_url, tmp_path / "data"):
        csrf = log_in(console)
        for forged in ({}, {"csrf": "wrong"}):
            refused = console.post(
                selection, data={"person": ["C2"], "do": "enrol", "programme": "X", **forged}
            )
            assert refused.status_code == 403
        assert console.get("/admin/reviews/Nope/selection").status_code == 404
        unknown = console.post(
            "/admin/reviews/Nope/selection", data={"csrf": csrf, "person": ["C2"]}
        )
        assert unknown.status_code == 404
