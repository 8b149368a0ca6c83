"""Attacks on the anonymity minimum: differencing, overlapping views, parameters, exports.

The stored review is ``web.anonymity_review``: T1 (site Tiny) has two observers besides
the manager, a peer and an "other", so both are hidden. Three copies of it share one
database:

* ``A``: as built;
* ``C``: A plus one more completed form that stays hidden (a first peer of T2);
* ``B``: C with every hidden rater's answers changed (T1's peer and other answer 5, not 2;
  T2's new peer 5, not 1).

Rather than trying each combination of published numbers an attacker could subtract, the
tests prove the stronger property that makes every combination useless: **no published
number depends on a hidden rater's answers** (B and C publish exactly the same figures),
and **one more hidden response changes only counts** (A and C differ in nothing else).
Overlapping filters (organisation minus site, level minus site, the whole review minus
its sites), reports before and after a response, request parameters and exports are all
covered by that, and are also tried directly below.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from builders import close_stored_wave, default_framework
from colead.accounts.admins import create_admin
from colead.accounts.api_tokens import issue_token
from colead.analysis.export import results_to_dict
from colead.analysis.results import ReviewResults
from colead.config import load_settings
from colead.domain import ALWAYS_SHOWN
from colead.ingest.importing import import_file
from colead.jobs.analyse import analyse_review
from colead.jobs.drilldown import person_view, site_names, site_view
from colead.jobs.exports import export_table
from colead.jobs.person_reports import write_person_reports
from colead.reports.review import render_review_html
from colead.store import init_database, open_database, transaction
from colead.web import create_app
from colead.web.admin.wave_results import review_people
from reliability.databases import sibling_database
from web import anonymity_review as anon

pytestmark = [pytest.mark.reliability, pytest.mark.integration]

MINIMUM = 3
WAVE = anon.WAVE
REVIEWS = {"A": "Defeat Alpha", "B": "Defeat Bravo", "C": "Defeat Charlie"}
#: the extra hidden form of C and B: T2's first peer, S4
EXTRA = ("T2", "S4", "peer")
#: keys whose values are counts of forms or raters; one more form may change them, and
#: nothing else
COUNTS = {
    "n", "n_forms", "n_raters", "n_observers", "completed", "invited", "rate",
    "responded", "forms", "withheld",
}  # fmt: skip
ADMIN = "defeat-admin@example.org"
#: people whose individual reports are compared: T1 (hidden raters), T2, their manager S1
REPORTED = ("T1", "T2", "S1")


@dataclass(frozen=True)
class Stored:
    url: str
    token: str


def _store_variant(url: str, folder: Path, review: str, *, hidden: int, extra: int | None) -> None:
    """The anonymity review under ``review``; T1's hidden raters answer ``hidden``; with
    ``extra`` set, T2 also has the form ``EXTRA`` answering it."""
    items = default_framework().item_ids
    folder.mkdir(parents=True, exist_ok=True)
    forms = [(ratee, rater, relation) for ratee, rater, relation, _ in anon.forms()]
    answers = anon.responses()
    hidden_rows = (answers["ratee_id"] == "T1") & answers["relation"].isin(["peer", "other"])
    answers.loc[hidden_rows, items] = hidden
    if extra is not None:
        forms.append(EXTRA)
        base = dict(zip(("ratee_id", "rater_id", "relation"), EXTRA, strict=True))
        row = {"wave": WAVE, **base, **dict.fromkeys(items, extra)}
        answers = pd.concat([answers, pd.DataFrame([row])], ignore_index=True)
    anon.people().to_csv(folder / "people.csv", index=False)
    nominations = pd.DataFrame(forms, columns=["ratee_id", "rater_id", "relation"])
    nominations.assign(wave=WAVE).to_csv(folder / "nominations.csv", index=False)
    answers.to_csv(folder / "responses.csv", index=False)
    for kind in ("people", "nominations", "responses"):
        wave = None if kind == "people" else WAVE
        outcome = import_file(url, kind, folder / f"{kind}.csv", review=review, wave=wave)
        assert outcome.rejected == 0, outcome.problems
    close_stored_wave(url, review, WAVE)  # results are published at the close


def _backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get("COLEAD_TEST_DATABASE_URL") else ["sqlite"]


@pytest.fixture(scope="module", params=_backends())
def stored(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stored]:
    folder = tmp_path_factory.mktemp("defeat")
    base = (
        f"sqlite:///{folder / 'seed.db'}"
        if request.param == "sqlite"
        else os.environ["COLEAD_TEST_DATABASE_URL"]
    )
    with sibling_database(base, folder) as url:
        init_database(url)
        _store_variant(url, folder / "A", REVIEWS["A"], hidden=anon.TINY_ANSWER, extra=None)
        _store_variant(url, folder / "C", REVIEWS["C"], hidden=anon.TINY_ANSWER, extra=1)
        _store_variant(url, folder / "B", REVIEWS["B"], hidden=5, extra=5)
        engine = open_database(url)
        try:
            with transaction(engine) as session:
                create_admin(session, ADMIN, "a long enough admin password")
                token = issue_token(session, ADMIN, "defeat").token
        finally:
            engine.dispose()
        yield Stored(url, token)


# ------------------------------------------------------------------- what is published


def _analysed(url: str, review: str) -> tuple[ReviewResults, pd.DataFrame]:
    engine = open_database(url)
    try:
        return analyse_review(engine, review, WAVE, MINIMUM), review_people(engine, review)
    finally:
        engine.dispose()


def _plain(value: Any) -> Any:
    """Dataclasses (tables of the drill-down views) as comparable plain data."""
    return json.loads(json.dumps(dataclasses.asdict(value), default=str))


def _file_rows(url: str, review: str, kind: str, folder: Path) -> list[dict[str, Any]]:
    path = folder / f"{review}-{kind}.csv"
    export_table(url, kind, path, review=review, wave=WAVE, minimum=MINIMUM)
    frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    return frame.to_dict("records")


def _report_text(html: str, review: str) -> str:
    """The words and figures a reader sees, with the review's own name taken out."""
    html = re.sub(r"<style>.*?</style>", " ", html, flags=re.S)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(review, "REVIEW")
    return re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", "DATE", text)


def _person_reports(url: str, review: str, folder: Path) -> dict[str, str]:
    """The individual reports of T1 (hidden raters), T2 and their manager S1, made at once."""
    out = folder / f"{review}-people"
    pages = write_person_reports(
        url, review, WAVE, out, people=list(REPORTED), minimum=MINIMUM, jobs=1
    )
    return {page.stem: _report_text(page.read_text(encoding="utf-8"), review) for page in pages}


def published(url: str, review: str, folder: Path) -> dict[str, Any]:
    """Everything colead publishes about one wave: the JSON results (API and console),
    every site and person page, the scores and anonymous responses exports, the review
    report and the person reports of the people at the small site."""
    results, people = _analysed(url, review)
    body = results_to_dict(results)
    body.pop("review", None)
    return {
        "results": body,
        "sites": {s: _plain(site_view(results, people, s)) for s in site_names(results)},
        "people": {
            pid: _plain(person_view(results, people, pid))
            for pid in people["person_id"].astype(str)
        },
        "scores": _file_rows(url, review, "scores", folder),
        "responses": _file_rows(url, review, "responses", folder),
        "review report": _report_text(render_review_html(results, generated_at="fixed"), review),
        "person reports": _person_reports(url, review, folder),
    }


def differences(before: Any, after: Any, path: str = "") -> list[str]:
    """Paths of the leaves that differ (numbers compared to 1e-9)."""
    if isinstance(before, dict) and isinstance(after, dict):
        found = [f"{path}/{k}" for k in set(before) ^ set(after)]
        for key in set(before) & set(after):
            found += differences(before[key], after[key], f"{path}/{key}")
        return found
    if isinstance(before, list) and isinstance(after, list):
        if len(before) != len(after):
            return [f"{path}[len]"]
        return [d for k, (b, a) in enumerate(zip(before, after, strict=True))
                for d in differences(b, a, f"{path}[{k}]")]  # fmt: skip
    if isinstance(before, float) and isinstance(after, float):
        same = (math.isnan(before) and math.isnan(after)) or abs(before - after) < 1e-9
        return [] if same else [path]
    return [] if before == after else [path]


@pytest.fixture(scope="module")
def views(stored: Stored, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("published")
    return {key: published(stored.url, name, folder) for key, name in REVIEWS.items()}


# ------------------------------------------------------------------------------ tests


def test_no_published_number_depends_on_a_hidden_raters_answers(
    views: dict[str, dict[str, Any]],
) -> None:
    """B and C differ only in what hidden raters answered: if any view, file or report
    used those answers, some number would differ. None does, so no difference of
    overlapping views (organisation minus site, level minus site, review minus sites) and
    no combination with the person pages can recover them."""
    assert differences(views["C"], views["B"]) == []


def _keyed(records: list[dict[str, Any]], *keys: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {tuple(r[k] for k in keys): r for r in records}


def test_one_more_hidden_response_reveals_nothing_of_it(views: dict[str, dict[str, Any]]) -> None:
    """A report taken before (A) and after (C) one more response that stays hidden: every
    mean shown in both is the same, no group appears, and the only group that goes is
    T2's "all observers", which stood for the manager alone until a hidden form joined it.
    With C equal to B (previous test), the new rater's answers are in no figure at all."""
    before, after = views["A"]["results"], views["C"]["results"]
    rows_a = _keyed(before["person_scores"]["table"], "ratee_id", "scale_id", "group")
    rows_c = _keyed(after["person_scores"]["table"], "ratee_id", "scale_id", "group")
    assert set(rows_c) <= set(rows_a)
    assert {(r, g) for r, _, g in set(rows_a) - set(rows_c)} == {("T2", "observers")}
    for key in rows_c:
        assert rows_c[key]["mean"] == pytest.approx(rows_a[key]["mean"], abs=1e-12), key
    profiles = [k for k in before if k.endswith("_profile") or k.startswith("competences_by")]
    assert {"site_profile", "organisation_profile", "level_profile", "relation_profile"} <= set(
        profiles
    )
    for name in profiles:
        if not isinstance(before[name], dict):
            continue
        shown_a = _keyed(before[name]["records"], "group", "scale_id")
        shown_c = _keyed(after[name]["records"], "group", "scale_id")
        assert set(shown_a) == set(shown_c), name
        for key, row in shown_c.items():
            assert row.get("shown") == shown_a[key].get("shown"), (name, key)
            assert differences(row.get("mean"), shown_a[key].get("mean")) == [], (name, key)
    assert views["A"]["responses"] == views["C"]["responses"]  # the new form is withheld


def test_overlapping_filters_cannot_be_subtracted_to_a_hidden_group(stored: Stored) -> None:
    """The direct attack: Partner Ltd (8 people) minus site South (6 people) leaves site
    Tiny (T1, T2), which the site view hides. With the person pages, the difference gives
    T1's observer mean; its part not shown on T1's page is what T1's hidden raters said.
    The attack must recover nothing beyond what the person pages already show."""
    results, _ = _analysed(stored.url, REVIEWS["A"])
    org = results.organisation_profile.table.set_index(["group", "scale_id"])
    site = results.site_profile.table.set_index(["group", "scale_id"])
    scores = results.person_scores.table
    assert not site.loc["Tiny", "shown"].any()
    for scale_id in org.loc["Partner Ltd"].index:
        partner, south = org.loc[("Partner Ltd", scale_id)], site.loc[("South", scale_id)]
        assert partner["shown"] and south["shown"]
        tiny_sum = partner["mean"] * partner["n_people"] - south["mean"] * south["n_people"]
        # what the pages show of T1 and T2 besides self: the manager (the only shown group)
        shown = scores[(scores["scale_id"] == scale_id) & (scores["group"] != "self")]
        mine = shown[shown["ratee_id"].isin(["T1", "T2"])]
        managers = mine[mine["group"] == "manager"]
        assert set(managers["ratee_id"]) == {"T1", "T2"}
        # the difference is exactly the two managers' ratings, which the pages show anyway
        assert tiny_sum == pytest.approx(managers["mean"].sum(), abs=1e-9)
    # The same attack on the review-wide profile by relation: all peer forms minus the peer
    # groups of the person pages would leave T1's hidden peer. Nothing is left.
    relation = results.relation_profile.table.set_index(["group", "scale_id"])
    peers = scores[scores["group"] == "peer"]
    for scale_id, on_pages in peers.groupby("scale_id"):
        review_wide = relation.loc[("peer", scale_id)]
        assert review_wide["shown"]
        total = review_wide["mean"] * review_wide["n_people"]  # n_people counts forms here
        assert total == pytest.approx((on_pages["mean"] * on_pages["n_raters"]).sum(), abs=1e-9)


def test_every_group_below_the_minimum_is_self_or_manager(views: dict[str, dict[str, Any]]) -> None:
    for name, view in views.items():
        table = view["results"]["person_scores"]["table"]
        managers = {(r["ratee_id"], r["scale_id"]): r for r in table if r["group"] == "manager"}
        for row in table:
            if row["n_raters"] >= MINIMUM or row["group"] in {r.value for r in ALWAYS_SHOWN}:
                continue
            # "all observers" below the minimum only when the manager is the only observer
            manager = managers.get((row["ratee_id"], row["scale_id"]))
            assert row["group"] == "observers" and manager is not None, (name, row)
            assert (row["n_raters"], row["mean"]) == (manager["n_raters"], manager["mean"])
        for pid, person in view["people"].items():
            if pid == "T1":
                assert person["groups"] == ["self", "manager"] and person["withheld"] == 2
        for row in view["scores"]:
            if int(row["n_raters"]) < MINIMUM:
                assert row["group"] in {"self", "manager", "observers"}, (name, row)
        t1 = [r for r in view["responses"] if r["ratee_id"] == "T1"]
        assert {r["relation"] for r in t1} == {"self"}  # a lone manager's raw form stays out
        assert "rater_id" not in view["responses"][0]


def test_request_parameters_cannot_lower_the_minimum(stored: Stored, tmp_path: Path) -> None:
    settings = load_settings(database_url=stored.url, data_dir=str(tmp_path))
    review = quote(REVIEWS["A"], safe="")
    base = f"/api/v1/reviews/{review}/waves/{WAVE}"
    headers = {"Authorization": f"Bearer {stored.token}"}
    tricks = [
        {"anonymity_minimum": "1", "minimum": "0", "min_group": "-3", "threshold": "0"},
        {"anonymity_minimum": "-1", "shown": "true", "identifiable": "true"},
        {"rater_id": "T2", "ratee_id": "T1", "relation": "peer", "site": "Tiny"},
    ]  # fmt: skip
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        plain = {
            part: client.get(f"{base}/{part}", headers=headers, params={"limit": 1000})
            for part in ("results", "responses")
        }
        assert all(r.status_code == 200 for r in plain.values())
        assert plain["results"].json()["anonymity_minimum"] == MINIMUM
        for trick in tricks:
            for part, expected in plain.items():
                got = client.get(f"{base}/{part}", headers=headers, params={"limit": 1000, **trick})
                assert got.status_code == 200, (part, trick)
                assert got.json() == expected.json(), (part, trick)
        # paging narrows a list, never a group: one row at a time, still no rater ids
        for offset in (0, 1, plain["responses"].json()["total"] - 1):
            page = client.get(
                f"{base}/responses", headers=headers, params={"limit": 1, "offset": offset}
            ).json()
            assert all("rater_id" not in item for item in page["items"])
            assert all(not (i["ratee_id"] == "T1" and i["relation"] != "self")
                       for i in page["items"])  # fmt: skip


def test_the_export_command_cannot_go_below_the_floor(stored: Stored, tmp_path: Path) -> None:
    from colead.errors import ConfigurationError

    for minimum in (2, 1, 0, -1):
        with pytest.raises(ConfigurationError, match="below 3"):
            export_table(
                stored.url, "responses", tmp_path / "r.csv", review=REVIEWS["A"], minimum=minimum
            )
    with pytest.raises(ConfigurationError, match="anonymity_minimum"):
        load_settings(anonymity_minimum=2)
