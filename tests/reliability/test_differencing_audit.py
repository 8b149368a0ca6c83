"""The differencing auditor (``reliability.differencing``) against everything colead publishes.

Crafted review (the attacks that once worked, each a protected set the attacker can name):

* R1 has one partner rater, X1, folded into "Others (combined)" with R1's two peers; R5 has
  three partner raters. The review-wide profile by relation once published "Partner: 4
  forms", and 4 x partner - 3 x R5's partner group gave X1's score.
* R2 has a line manager and two peers: the peers' scores are withheld, and their comments
  must be too (once the manager's form raised the count to three).
* L is the only respondent at site Lonely: their ratings of the site (the systems scales)
  must not be readable from the raw rows, tied to them by ratee id and the people list.

Every view, export and API answer of the closed wave is collected four times, the
protected raters answering 1, 5, 2 and 4 and everyone else answering afresh each time; a
figure (or a pair of figures subtracted) that gives a protected total in every run is a
leak, since only a pair that really isolates the protected forms keeps doing so when every
other answer changes. The same runs on the demo-sized simulated review with small groups
planted, and across time (results before and after a late answer).
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from builders import default_framework
from colead.accounts.admins import create_admin
from colead.accounts.api_tokens import issue_token
from colead.config import load_settings
from colead.fieldwork.lifecycle import close_wave, open_wave
from colead.framework import RatedUnit
from colead.ingest.importing import import_file
from colead.jobs.analyse import analyse_review
from colead.jobs.drilldown import person_view, site_names, site_view
from colead.jobs.exports import export_table
from colead.privacy.person import export_person
from colead.store import init_database, open_database, transaction
from colead.web import create_app
from colead.web.admin.wave_results import review_people
from reliability.databases import sibling_database
from reliability.differencing import Figure, figures, leaks, pairs_tried
from web import anonymity_review as anon

pytestmark = [pytest.mark.reliability, pytest.mark.integration]

MINIMUM = 3
WAVE = "baseline"
ADMIN = "auditor@example.org"
#: what the protected raters answer on every item, one run each. Scale scores sit on a grid
#: of twelfths, so two sums agree by chance now and then; four runs with fresh answers make a
#: chance agreement at the same place in all of them negligible, while a real leak stays.
RUNS = (1, 5, 2, 4)
#: what L answers about their lone site in the same runs: not in step with the others, so no
#: sum of protected answers can stand in for another in every run
LONE = {1: 2, 5: 1, 2: 4, 4: 5}
SECRET_NOTE = "written by a withheld rater"
#: forms whose whole group is withheld: their comments must appear nowhere
WITHHELD = {("R2", "Q1"), ("R2", "Q2")}


def _person(pid: str, org: str, site: str, level: int, manager: str | None) -> dict[str, Any]:
    role = "client" if org == "Client Co" else "supplier"
    return anon._person(pid, org, role, site, level, manager)


def crafted_people() -> pd.DataFrame:
    rows = [
        _person("M1", "Client Co", "North", 2, None),
        _person("M2", "Client Co", "South", 2, None),
    ]
    rows += [
        _person(p, "Client Co", "North", 3, "M1") for p in ("R1", "R5", "R6", "R7", "P1", "P2")
    ]
    rows += [_person(p, "Client Co", "South", 3, "M2") for p in ("R2", "R8", "R9", "Q1", "Q2")]
    rows += [_person("L", "Client Co", "Lonely", 4, "M2")]
    rows += [_person(p, "Supplier Ltd", "South", 3, None) for p in ("X1", "Y1", "Y2", "Y3")]
    return pd.DataFrame(rows)


def crafted_forms() -> list[tuple[str, str, str, bool]]:
    """(ratee, rater, relation, protected)."""
    forms: list[tuple[str, str, str, bool]] = []
    for ratee, manager in (("R1", "M1"), ("R5", "M1"), ("R6", "M1"), ("R7", "M1")):
        forms += [(ratee, ratee, "self", False), (ratee, manager, "manager", False)]
    forms += [("R1", "X1", "partner", True), ("R1", "P1", "peer", True), ("R1", "P2", "peer", True)]
    forms += [("R5", y, "partner", False) for y in ("Y1", "Y2", "Y3")]
    for ratee in ("R6", "R7"):
        forms += [(ratee, p, "peer", False) for p in ("P1", "P2", "R5")]
    forms += [("R2", "R2", "self", False), ("R2", "M2", "manager", False)]
    forms += [("R2", "Q1", "peer", True), ("R2", "Q2", "peer", True)]
    for ratee in ("R8", "R9"):
        forms += [(ratee, ratee, "self", False), (ratee, "M2", "manager", False)]
        forms += [(ratee, p, "peer", False) for p in ("Q1", "Q2", "R2")]
    forms += [("L", "L", "self", True), ("L", "M2", "manager", False)]
    return forms


#: the protected sets: name -> forms (ratee, rater), and whether only the site scales count
def crafted_secrets() -> dict[str, tuple[list[tuple[str, str]], bool]]:
    small = {"R1": ["X1", "P1", "P2"], "R2": ["Q1", "Q2"]}
    known = {"R1": ["M1", "R1"], "R2": ["M2", "R2"]}
    secrets: dict[str, tuple[list[tuple[str, str]], bool]] = {}
    for ratee, raters in small.items():
        for size in range(1, MINIMUM):
            for part in itertools.combinations(raters, size):
                for extra in range(len(known[ratee]) + 1):
                    for alongside in itertools.combinations(known[ratee], extra):
                        name = f"{ratee}:{'+'.join(part + alongside)}"
                        secrets[name] = ([(ratee, r) for r in part + alongside], False)
    secrets["L's site ratings"] = ([("L", "L")], True)
    return secrets


def _answers(forms: list[tuple[str, str, str, bool]], secret: int) -> pd.DataFrame:
    items = default_framework().item_ids
    rng = np.random.default_rng(17 + secret)  # everyone else answers afresh in each run
    rows = []
    for ratee, rater, relation, protected in forms:
        mine = secret if relation != "self" else LONE[secret]
        values = [mine] * len(items) if protected else rng.integers(2, 5, len(items)).tolist()
        rows.append(
            {
                "wave": WAVE,
                "ratee_id": ratee,
                "rater_id": rater,
                "relation": relation,
                **dict(zip(items, values, strict=True)),
                "comment_strengths": f"{rater} about {ratee}: "
                + (SECRET_NOTE if (ratee, rater) in WITHHELD else "a note"),
            }
        )
    return pd.DataFrame(rows)


def _true_totals(
    answers: pd.DataFrame, secrets: Mapping[str, tuple[list[tuple[str, str]], bool]]
) -> dict[str, dict[str, tuple[int, float]]]:
    """Protected set -> scale -> (forms, total of their scale scores), from the raw answers."""
    framework = default_framework()
    keyed = answers.set_index(["ratee_id", "rater_id"])
    totals: dict[str, dict[str, tuple[int, float]]] = {}
    for name, (forms, site_only) in secrets.items():
        per_scale = {}
        for scale in framework.scales:
            rates_site = framework.family(framework.scale_family[scale.id]).rates is RatedUnit.site
            if rates_site != site_only:
                continue
            ids = [i.id for i in scale.items]
            scores = [float(np.mean(keyed.loc[form, ids].astype(float))) for form in forms]
            per_scale[scale.id] = (len(forms), float(sum(scores)))
        totals[name] = per_scale
    return totals


@dataclass(frozen=True)
class Published:
    figures: list[Figure]
    #: every text published, for the comment check
    text: str


def _store(
    url: str, folder: Path, review: str, answers: pd.DataFrame, people: pd.DataFrame
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    people.to_csv(folder / "people.csv", index=False)
    answers[["wave", "ratee_id", "rater_id", "relation"]].to_csv(
        folder / "nominations.csv", index=False
    )
    answers.to_csv(folder / "responses.csv", index=False)
    for kind in ("people", "nominations", "responses"):
        wave = None if kind == "people" else WAVE
        outcome = import_file(url, kind, folder / f"{kind}.csv", review=review, wave=wave)
        assert outcome.rejected == 0, outcome.problems


def _api(url: str, token: str, path: str) -> Any:
    app = create_app(load_settings(database_url=url, anonymity_minimum=MINIMUM))
    with TestClient(app) as client:
        answer = client.get(path, headers={"Authorization": f"Bearer {token}"})
    return answer


def collect(url: str, token: str, review: str, folder: Path, people: list[str]) -> Published:
    """Every figure colead publishes about the review's closed wave."""
    engine = open_database(url)
    try:
        results = analyse_review(engine, review, WAVE, MINIMUM)
        directory = review_people(engine, review)
        privacy = [
            export_person(engine, review, pid, minimum=MINIMUM, actor="auditor") for pid in people
        ]
    finally:
        engine.dispose()
    base = f"/api/v1/reviews/{review}/waves/{WAVE}"
    api = _api(url, token, f"{base}/results")
    assert api.status_code == 200, api.text
    rows = _api(url, token, f"{base}/responses?limit=1000")
    assert rows.status_code == 200, rows.text
    drill = {
        "sites": {
            s: dataclasses.asdict(site_view(results, directory, s)) for s in site_names(results)
        },
        "people": {p: dataclasses.asdict(person_view(results, directory, p)) for p in people},
    }
    exported = {}
    for kind in ("scores", "responses"):
        path = folder / f"{kind}.csv"
        export_table(url, kind, path, review=review, wave=WAVE, minimum=MINIMUM)
        exported[kind] = pd.read_csv(path, encoding="utf-8-sig").to_dict("records")
    published = {
        "api": api.json(),
        "drill": json.loads(json.dumps(drill, default=str)),
        "scores": exported["scores"],
        "privacy": json.loads(json.dumps(privacy, default=str)),
    }
    # a person's own export holds the forms they wrote: their own words, not a disclosure
    about_others = [{k: v for k, v in doc.items() if k != "forms_as_rater"} for doc in privacy]
    everything = json.dumps(
        [{**published, "privacy": about_others}, rows.json(), exported["responses"]], default=str
    )
    _check_rows_name_no_one(rows.json()["items"], exported["responses"])
    return Published(list(figures(published)), everything)


def _check_rows_name_no_one(*tables: list[dict[str, Any]]) -> None:
    """Raw rows are single forms, so they are not figures to subtract: they are safe when no
    row can be told apart from the others of its person and group (at least the minimum of
    them), and a lone site's ratings are blank."""
    framework = default_framework()
    site_items = [
        i.id
        for s in framework.scales
        if framework.family(framework.scale_family[s.id]).rates is RatedUnit.site
        for i in s.items
    ]
    for rows in tables:
        frame = pd.DataFrame(rows)
        sizes = frame.groupby(["ratee_id", "relation"]).size()
        for (ratee, relation), size in sizes.items():
            assert size >= MINIMUM or relation in ("self", "manager"), (ratee, relation, size)
        lone = frame[(frame["ratee_id"] == "L") & (frame["relation"] == "self")]
        if "L" in set(frame["ratee_id"]):  # the crafted review's lone respondent
            assert len(lone) == 1 and lone[site_items].isna().all(axis=None)


def _report(name: str, runs: list[Any], found: list[Any]) -> None:
    """Figures for docs/reliability.md (run with -s)."""
    figures_, secrets = runs[0]
    print(
        f"differencing audit, {name}: {len(figures_):,} figures per run, {len(secrets)} "
        f"protected sets, {pairs_tried(figures_, secrets):,} pairs tried per run, "
        f"{len(runs)} runs, {len(found)} found"
    )


def _backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get("COLEAD_TEST_DATABASE_URL") else ["sqlite"]


@pytest.fixture(scope="module", params=_backends())
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    folder = tmp_path_factory.mktemp("audit")
    base = (
        f"sqlite:///{folder / 'seed.db'}"
        if request.param == "sqlite"
        else os.environ["COLEAD_TEST_DATABASE_URL"]
    )
    with sibling_database(base, folder) as url:
        init_database(url)
        engine = open_database(url)
        try:
            with transaction(engine) as session:
                create_admin(session, ADMIN, "a long enough admin password")
                token = issue_token(session, ADMIN, "audit").token
        finally:
            engine.dispose()
        yield url, token


def _close(url: str, review: str) -> None:
    engine = open_database(url)
    try:
        with transaction(engine) as session:
            close_wave(session, review, WAVE, minimum=MINIMUM, actor="auditor")
    finally:
        engine.dispose()


def test_the_crafted_review_gives_no_protected_answer_away(
    server: tuple[str, str], tmp_path: Path
) -> None:
    url, token = server
    people = crafted_people()
    forms = crafted_forms()
    secrets = crafted_secrets()
    runs = []
    texts = []
    for secret in RUNS:
        review = f"Audit {secret}"
        answers = _answers(forms, secret)
        _store(url, tmp_path / str(secret), review, answers, people)
        _close(url, review)
        published = collect(
            url, token, review, tmp_path / f"out{secret}", list(people["person_id"])
        )
        runs.append((published.figures, _true_totals(answers, secrets)))
        texts.append(published.text)
    # the auditor itself must see the figures it audits
    assert sum(1 for f in runs[0][0] if f.scale == "model") > 50
    found = leaks(runs)
    _report("crafted review", runs, found)
    where = {f.where: f for f in runs[0][0]}
    shown = [f"{x} :: {where.get(x.larger)} - {where.get(x.smaller or '')}" for x in found[:5]]
    assert found == [], "\n".join(shown)
    for text in texts:  # R2's manager must not carry R2's two peers' comments into view
        at = text.find(SECRET_NOTE)
        assert at < 0, text[max(0, at - 300) : at + 50]
        assert "M2 about R2: a note" not in text


# ------------------------------------------------------------------------ across time

LATE = ("Y4", "Y5", "Y6")


def _late_people() -> pd.DataFrame:
    extra = [_person(p, "Supplier Ltd", "South", 3, None) for p in LATE]
    return pd.concat([crafted_people(), pd.DataFrame(extra)], ignore_index=True)


def _import_late(url: str, folder: Path, review: str, raters: tuple[str, ...], secret: int) -> Any:
    forms = [("R5", rater, "partner", True) for rater in raters]
    answers = _answers(forms, secret)
    folder.mkdir(parents=True, exist_ok=True)
    answers.to_csv(folder / "late.csv", index=False)
    return import_file(
        url, "responses", folder / "late.csv", review=review, wave=WAVE, minimum=MINIMUM
    )


def _set_status(url: str, review: str, action: str) -> list[str]:
    engine = open_database(url)
    try:
        with transaction(engine) as session:
            if action == "reopen":
                open_wave(session, review, WAVE, reopen=True, actor="auditor")
                return []
            change = close_wave(session, review, WAVE, minimum=MINIMUM, actor="auditor")
            said = change.release.describe(MINIMUM) if change.release else None
            return [said] if said else []
    finally:
        engine.dispose()


def _without_counts(figures_: list[Figure]) -> list[tuple[str | None, int, float]]:
    return sorted((f.scale, f.n, round(f.mean, 9)) for f in figures_)


def test_results_before_and_after_a_late_answer_give_nothing_of_it_away(
    server: tuple[str, str], tmp_path: Path
) -> None:
    """Finding 3: while a wave is open nothing but participation is published; after a
    reopen, one late partner of R5 is held back (the results stay exactly as they were),
    and three late partners together are published."""
    url, token = server
    people = _late_people()
    forms = crafted_forms()
    runs = []
    for secret in RUNS:
        review = f"Late {secret}"
        _store(url, tmp_path / f"l{secret}", review, _answers(forms, RUNS[0]), people)
        base = f"/api/v1/reviews/{review}/waves/{WAVE}"
        refused = _api(url, token, f"{base}/results")
        assert refused.status_code == 409 and refused.json()["error"]["code"] == (
            "results_not_published"
        )
        assert _api(url, token, f"{base}/responses").status_code == 409
        assert _set_status(url, review, "close") == []
        ids = list(people["person_id"])
        first = collect(url, token, review, tmp_path / f"first{secret}", ids)

        _set_status(url, review, "reopen")
        _import_late(url, tmp_path / f"late1-{secret}", review, LATE[:1], secret)
        assert _api(url, token, f"{base}/results").status_code == 409
        held = _set_status(url, review, "close")
        assert held and "1 late form(s) about 1 person(s) are held back" in held[0]
        second = collect(url, token, review, tmp_path / f"second{secret}", ids)
        assert _without_counts(second.figures) == _without_counts(first.figures)

        _set_status(url, review, "reopen")
        _import_late(url, tmp_path / f"late2-{secret}", review, LATE[1:], secret)
        assert _set_status(url, review, "close") == []
        third = collect(url, token, review, tmp_path / f"third{secret}", ids)
        assert _without_counts(third.figures) != _without_counts(first.figures)

        secrets = {}
        for size in (1, 2):
            for part in itertools.combinations(LATE, size):
                per_scale = {
                    s.id: (size, float(size * secret))
                    for s in default_framework().scales
                    if default_framework().family(default_framework().scale_family[s.id]).rates
                    is RatedUnit.person
                }
                secrets["R5:" + "+".join(part)] = per_scale
        before_and_after = [
            dataclasses.replace(f, where=f"before{f.where}") for f in first.figures
        ] + [dataclasses.replace(f, where=f"after{f.where}") for f in third.figures]
        runs.append((before_and_after, secrets))
    found = leaks(runs)
    _report("before and after late answers", runs, found)
    assert found == [], "\n".join(map(str, found[:10]))


# ------------------------------------------------------------------------ the demo review


def _planted_demo(secret: int) -> tuple[Any, dict[str, dict[str, tuple[int, float]]]]:
    """The demo's simulated review (baseline wave) with small groups planted: three people
    keep one partner rater, three keep only their manager and two peers. The protected raters
    answer ``secret`` on every item."""
    from colead.simulation.review import simulate

    framework = default_framework()
    simulated = simulate(framework, size="small", seed=42)
    wave = simulated.waves[0]
    forms = wave.responses.reset_index(drop=True)
    counts = forms.groupby(["ratee_id", "relation"]).size().unstack(fill_value=0)
    lone_partner = list(counts.index[(counts.get("partner", 0) >= 2)][:3])
    two_peers = [
        r
        for r in counts.index[(counts.get("peer", 0) >= 2) & (counts.get("manager", 0) == 1)]
        if r not in lone_partner
    ][:3]
    keep = np.ones(len(forms), dtype=bool)
    protected: dict[str, list[int]] = {}
    for ratee in lone_partner:
        rows = np.flatnonzero((forms["ratee_id"] == ratee) & (forms["relation"] == "partner"))
        keep[rows[1:]] = False
        protected[f"{ratee}:partner"] = [int(rows[0])]
    for ratee in two_peers:
        mine = forms["ratee_id"] == ratee
        peers = np.flatnonzero(mine & (forms["relation"] == "peer"))
        keep[np.flatnonzero(mine & ~forms["relation"].isin(["self", "manager"]))] = False
        keep[peers[:2]] = True
        protected[f"{ratee}:peers"] = [int(p) for p in peers[:2]]
    # everyone answers afresh in each run (same items skipped, so the same cells publish)
    values = wave.values.copy()
    fresh = np.random.default_rng(secret).integers(1, 6, values.shape).astype(np.int8)
    values = np.where(values > 0, fresh, values)
    for rows in protected.values():
        values[rows] = secret
    chosen = np.flatnonzero(keep)
    kept_pairs = set(zip(forms.loc[keep, "ratee_id"], forms.loc[keep, "rater_id"], strict=True))
    nominations = wave.nominations[
        [
            pair in kept_pairs
            for pair in zip(wave.nominations["ratee_id"], wave.nominations["rater_id"], strict=True)
        ]
    ]
    planted = dataclasses.replace(
        wave,
        responses=forms.loc[keep].reset_index(drop=True),
        values=values[chosen],
        nominations=nominations.reset_index(drop=True),
    )
    review = dataclasses.replace(simulated, name=f"Demo {secret}", waves=(planted,))
    person_scales = [
        s.id
        for s in framework.scales
        if framework.family(framework.scale_family[s.id]).rates is RatedUnit.person
    ]
    secrets: dict[str, dict[str, tuple[int, float]]] = {}
    for name, rows in protected.items():
        for size in range(1, len(rows) + 1):
            for part in itertools.combinations(rows, size):
                secrets[f"{name}{part}"] = {s: (size, float(size * secret)) for s in person_scales}
    return review, secrets


def test_the_demo_review_with_small_groups_planted_gives_nothing_away(
    server: tuple[str, str], tmp_path: Path
) -> None:
    from colead.jobs.demo import store_simulation

    url, token = server
    runs = []
    for secret in RUNS:
        review, secrets = _planted_demo(secret)
        engine = open_database(url)
        try:
            store_simulation(engine, review, default_framework(), MINIMUM)
        finally:
            engine.dispose()
        planted = sorted({name.split(":")[0] for name in secrets})
        people = planted + sorted(set(review.people["person_id"].astype(str)) - set(planted))[:20]
        published = collect(url, token, review.name, tmp_path / f"demo{secret}", people)
        runs.append((published.figures, secrets))
    assert len(runs[0][0]) > 5000  # the whole review's figures were read
    found = leaks(runs)
    _report("demo review, small groups planted", runs, found)
    assert found == [], "\n".join(map(str, found[:10]))
