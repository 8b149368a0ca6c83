"""``ReviewResults`` for report tests.

``build_review_results()`` makes a small relationship by hand (two organisations, three sites,
levels 1-5) from a seeded numpy generator aggregated with plain pandas, so the numbers are
realistic and fixed. The third site has two people: below the anonymity minimum, so it must
never be shown.

``build_review_results(analysed=True)`` (or ``build_analysed_results``) instead runs the real
engine on a small simulation, which fills every optional field: measurement quality, benchmark
against synthetic norms, title vs leading, self-other counts, competences, KPI linkage and the
programme evaluation. The engine run is cached: it takes a few seconds.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools

import numpy as np
import pandas as pd

from colead.analysis.results import (
    ChangeSinceBaseline,
    ContinuumPosition,
    Participation,
    PersonScores,
    Profile,
    ReviewResults,
    ScaleInfo,
)

LEADERSHIP = (
    ("model", "Role model the way"),
    ("inspire", "Inspire a collaborative vision"),
    ("challenge", "Challenge the status quo"),
    ("enable", "Enable the collaborative team"),
    ("encourage", "Encourage others"),
)
MANAGEMENT = (
    ("plan", "Plan and organise"),
    ("govern", "Run agreed joint processes and governance"),
    ("monitor", "Monitor performance and act"),
    ("competence", "Ensure competence"),
    ("comply", "Maintain practices, risk and compliance"),
)
SYSTEMS = (
    ("context", "Context of the relationship (4)"),
    ("commitment", "Leadership commitment (5)"),
    ("planning", "Planning (6)"),
    ("working_together", "Working together (8.6)"),
    ("improvement", "Improvement (10)"),
)
SITES = ("Leeds depot", "Lyon plant", "Pune office")
#: people per site; the last site is below the minimum of 3
SITE_SIZES = (8, 6, 2)
ORGANISATIONS = ("Client X", "Supplier Y")
THRESHOLD = 3.5
RELATIONS = ("self", "manager", "peer", "direct_report", "partner")


def _scales() -> tuple[ScaleInfo, ...]:
    return (
        *(ScaleInfo(i, t, "leadership", 6) for i, t in LEADERSHIP),
        *(ScaleInfo(i, t, "management", 4) for i, t in MANAGEMENT),
        *(ScaleInfo(i, t, "systems", 2) for i, t in SYSTEMS),
    )


def _people(rng: np.random.Generator, sites: tuple[str, ...]) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    for site, size in zip(sites, SITE_SIZES, strict=True):
        for k in range(size):
            rows.append(
                {
                    "person_id": f"p{len(rows) + 1:02d}",
                    "site": site,
                    "organisation": ORGANISATIONS[k % 2],
                    "level": int(rng.integers(1, 6)),
                }
            )
    return pd.DataFrame(rows)


def _scores(rng: np.random.Generator, people: pd.DataFrame, sites: tuple[str, ...]) -> pd.DataFrame:
    """Observer means per person × scale: management sound, leadership varying by site."""
    site_effect = dict(zip(sites, (0.3, -0.5, 0.0), strict=True))
    rows: list[dict[str, object]] = []
    for person in people.itertuples(index=False):
        for scale in _scales():
            base = {"leadership": 3.2, "management": 3.9, "systems": 3.6}[scale.family]
            effect = site_effect[str(person.site)] if scale.family == "leadership" else 0.0
            value = float(np.clip(rng.normal(base + effect, 0.45), 1.0, 5.0))
            rows.append(
                {
                    "ratee_id": person.person_id,
                    "scale_id": scale.id,
                    "mean": round(value, 3),
                    "n_raters": int(rng.integers(3, 8)),
                }
            )
    return pd.DataFrame(rows)


def _profile(
    people: pd.DataFrame,
    scores: pd.DataFrame,
    by: str,
    family_ids: set[str],
    minimum: int,
    leak: float | None,
) -> Profile:
    scale_ids = [s.id for s in _scales() if s.family in family_ids]
    merged = scores[scores["scale_id"].isin(scale_ids)].merge(
        people, left_on="ratee_id", right_on="person_id"
    )
    table = (
        merged.groupby([by, "scale_id"], sort=False)
        .agg(
            n_people=("ratee_id", "nunique"),
            n_raters=("n_raters", "sum"),
            mean=("mean", "mean"),
            sd=("mean", "std"),
        )
        .reset_index()
        .rename(columns={by: "group"})
    )
    table["shown"] = table["n_people"] >= minimum
    hidden = ~table["shown"]
    # What the analysis promises (NaN when hidden), unless a test simulates a careless caller.
    table.loc[hidden, "mean"] = np.nan if leak is None else leak
    table.loc[hidden, "sd"] = np.nan if leak is None else 0.77
    table = table[["group", "scale_id", "n_people", "n_raters", "mean", "sd", "shown"]]
    return Profile(by=by, table=table, minimum=minimum)


def _participation(rng: np.random.Generator, people: pd.DataFrame) -> Participation:
    rows = []
    for person in people.itertuples(index=False):
        for relation in RELATIONS:
            for _ in range(1 if relation in ("self", "manager") else 2):
                rows.append(
                    {
                        "organisation": person.organisation,
                        "site": person.site,
                        "relation": relation,
                        "completed": bool(rng.random() < 0.8),
                    }
                )
    forms = pd.DataFrame(rows)

    def by(column: str) -> pd.DataFrame:
        table = (
            forms.groupby(column, sort=False)
            .agg(invited=("completed", "size"), completed=("completed", "sum"))
            .reset_index()
            .rename(columns={column: "group"})
        )
        table["rate"] = table["completed"] / table["invited"]
        return table

    return Participation(
        by_organisation=by("organisation"),
        by_site=by("site"),
        by_relation=by("relation"),
        invited=len(forms),
        completed=int(forms["completed"].sum()),
    )


def _continuum(site_profile: Profile, leak: float | None) -> ContinuumPosition:
    family = {s.id: s.family for s in _scales()}
    table = site_profile.table.assign(family=site_profile.table["scale_id"].map(family))
    rows = []
    for site, part in table.groupby("group", sort=False):
        if not part["shown"].all() and leak is None:
            continue
        passion = float(part.loc[part["family"] == "leadership", "mean"].mean())
        system = float(part.loc[part["family"] == "management", "mean"].mean())
        quadrant = {
            (True, True): "both",
            (True, False): "passion_without_system",
            (False, True): "system_without_passion",
            (False, False): "neither",
        }[(passion >= THRESHOLD, system >= THRESHOLD)]
        n_people = int(part["n_people"].max())
        rows.append(
            {
                "group": site,
                "passion": passion,
                "system": system,
                "n_people": n_people,
                "quadrant": quadrant,
            }
        )
    frame = pd.DataFrame(rows, columns=["group", "passion", "system", "n_people", "quadrant"])
    return ContinuumPosition(frame, THRESHOLD, "leadership", "management")


def build_review_results(
    *,
    seed: int = 20240611,
    minimum: int = 3,
    leak_hidden_value: float | None = None,
    site_names: tuple[str, str, str] = SITES,
    review: str = "Client X – Supplier Y facilities contract",
    analysed: bool = False,
) -> ReviewResults:
    """A realistic wave of results for three sites, one of them below the minimum.

    Parameters
    ----------
    seed
        Seed of the numpy generator: the same seed gives the same numbers.
    minimum
        Anonymity minimum (people per group).
    leak_hidden_value
        If given, hidden rows carry this mean (and sd 0.77) instead of NaN, as a careless
        caller might; the report must still not print it.
    site_names
        Names of the three sites; the third is the small one.
    review
        Review name.
    analysed
        Return the engine's results for a simulated relationship instead, with every optional
        field filled (see ``build_analysed_results``); ``leak_hidden_value`` then hides
        ``HIDDEN_SITE`` and ``review`` names the review. ``seed``, ``minimum`` and
        ``site_names`` do not apply.
    """
    if analysed:
        hide = HIDDEN_SITE if leak_hidden_value is not None else None
        results = build_analysed_results(hide_site=hide, leak_hidden_value=leak_hidden_value)
        return dataclasses.replace(results, review=review)
    rng = np.random.default_rng(seed)
    people = _people(rng, site_names)
    scores = _scores(rng, people, site_names)
    person_family = {"leadership", "management"}
    site_profile = _profile(people, scores, "site", person_family, minimum, leak_hidden_value)
    observer = scores.assign(group="observers", sd=np.nan)
    return ReviewResults(
        review=review,
        wave="baseline",
        framework_label="colead_default 1.0",
        anonymity_minimum=minimum,
        scale_min=1,
        scale_max=5,
        scales=_scales(),
        families={"leadership": "Leadership", "management": "Management", "systems": "Systems"},
        n_people=len(people),
        n_sites=people["site"].nunique(),
        n_organisations=people["organisation"].nunique(),
        participation=_participation(rng, people),
        person_scores=PersonScores(
            table=observer[["ratee_id", "scale_id", "group", "n_raters", "mean", "sd"]],
            observer_means=scores.pivot(index="ratee_id", columns="scale_id", values="mean"),
            observer_counts=scores.pivot(index="ratee_id", columns="scale_id", values="n_raters"),
        ),
        organisation_profile=_profile(
            people, scores, "organisation", person_family, minimum, leak_hidden_value
        ),
        site_profile=site_profile,
        level_profile=_profile(people, scores, "level", person_family, minimum, leak_hidden_value),
        systems_by_site=_profile(people, scores, "site", {"systems"}, minimum, leak_hidden_value),
        continuum=_continuum(site_profile, leak_hidden_value),
        notes=(
            "Partner and other raters fold into 'others' where a group has fewer than 3 raters.",
            "Pune office joined the contract mid-year; its invitations went out late.",
        ),
    )


def build_empty_review_results() -> ReviewResults:
    """Results of a wave with nobody in it: every table empty, no continuum."""
    empty_profile = pd.DataFrame(
        columns=["group", "scale_id", "n_people", "n_raters", "mean", "sd", "shown"]
    )
    empty_rates = pd.DataFrame(columns=["group", "invited", "completed", "rate"])
    return ReviewResults(
        review="Empty review",
        wave="baseline",
        framework_label="colead_default 1.0",
        anonymity_minimum=3,
        scale_min=1,
        scale_max=5,
        scales=_scales(),
        families={"leadership": "Leadership", "management": "Management", "systems": "Systems"},
        n_people=0,
        n_sites=0,
        n_organisations=0,
        participation=Participation(empty_rates, empty_rates, empty_rates, 0, 0),
        person_scores=PersonScores(pd.DataFrame(), pd.DataFrame(), pd.DataFrame()),
        organisation_profile=Profile("organisation", empty_profile, 3),
        site_profile=Profile("site", empty_profile, 3),
        level_profile=Profile("level", empty_profile, 3),
        systems_by_site=Profile("site", empty_profile, 3),
        continuum=None,
    )


#: the smallest site of the simulated relationship; tests hide it to check suppression
HIDDEN_SITE = "Monterrey"
LEADERSHIP_SCALES = ["model", "inspire", "challenge", "enable", "encourage"]


@functools.cache
def _engine_results() -> tuple[ReviewResults, ReviewResults]:
    """The engine's results of waves 0 and 1 of a small simulation.

    Norms come from another simulation (another seed), marked synthetic; wave 1 carries the
    programme evaluation and the change since baseline, which compare wave 0 with wave 1.
    """
    from colead.analysis import analyse_wave
    from colead.analysis.benchmark import build_norms
    from colead.analysis.programme import evaluate_programme
    from colead.analysis.review import compare_with_baseline
    from colead.framework import load_framework
    from colead.simulation.review import simulate
    from colead.simulation.wave_data import simulated_wave_data

    framework = load_framework()
    sim = simulate(framework, "small", seed=3)
    other = simulate(framework, "small", seed=11)
    norm_scores = analyse_wave(simulated_wave_data(other, 0, framework), 3)
    norms, _ = build_norms(
        norm_scores.person_scores.observer_means,
        source="simulated relationships (colead demo)",
        synthetic=True,
    )
    data = [simulated_wave_data(sim, w, framework) for w in (0, 1)]
    waves = [analyse_wave(d, 3, norms=norms, kpis=sim.kpis) for d in data]
    # The follow-up carries its change since baseline, as the job that analyses it adds.
    waves[1] = compare_with_baseline(waves[1], data[1], data[0], 3)
    evaluation = evaluate_programme(
        waves[0].person_scores.observer_means,
        waves[1].person_scores.observer_means,
        baseline_wave=waves[0].wave,
        follow_up_wave=waves[1].wave,
        people=sim.people,
        enrolments=sim.enrolments,
        composite_scales=LEADERSHIP_SCALES,
        reliability=0.9,
        kpis=sim.kpis,
        programme_start=datetime.date.fromisoformat(sim.programme["start"]),
        programme_end=datetime.date.fromisoformat(sim.programme["end"]),
    )
    return waves[0], dataclasses.replace(waves[1], evaluation=evaluation)


def _hide(
    table: pd.DataFrame, column: str, site: str, n: str, values: dict[str, float]
) -> pd.DataFrame:
    """Rows of ``site`` as the analysis reports a group below the minimum (2 people, hidden)."""
    table = table.copy()
    rows = table[column].astype(str) == site
    table.loc[rows, n] = 2
    table.loc[rows, "shown"] = False
    for name, value in values.items():
        table.loc[rows, name] = value
    return table


def build_analysed_results(
    *,
    wave: int = 1,
    hide_site: str | None = None,
    leak_hidden_value: float | None = None,
    norms_synthetic: bool = True,
) -> ReviewResults:
    """The engine's results for a simulated relationship (8 sites, 300 people), all fields set.

    Parameters
    ----------
    wave
        1 (follow-up, with the programme evaluation) or 0 (baseline: no evaluation, but the
        KPI linkage has next-period and repeated-measures rows).
    hide_site
        A site to report as below the anonymity minimum (2 people) in the site profile,
        systems, competences, benchmark and site agreement.
    leak_hidden_value
        With ``hide_site``: the hidden rows carry this mean (percentile, rwg) instead of NaN,
        as a careless caller might; the report must still not print it.
    norms_synthetic
        Whether the norms are marked synthetic.
    """
    results = dataclasses.replace(_engine_results()[wave], norms_synthetic=norms_synthetic)
    if hide_site is None:
        return results
    value = np.nan if leak_hidden_value is None else leak_hidden_value
    profile_values = {"mean": value, "sd": np.nan if leak_hidden_value is None else 0.77}

    def hidden(profile: Profile | None) -> Profile | None:
        if profile is None:
            return None
        table = _hide(profile.table, "group", hide_site, "n_people", profile_values)
        return Profile(profile.by, table, profile.minimum)

    site_profile, systems = hidden(results.site_profile), hidden(results.systems_by_site)
    assert site_profile is not None and systems is not None
    benchmark = results.benchmark_by_site
    if benchmark is not None:
        rows = benchmark["group"].astype(str) == hide_site
        if leak_hidden_value is None:
            benchmark = benchmark[~rows]
        else:
            benchmark = benchmark.copy()
            benchmark.loc[rows, ["mean", "percentile"]] = leak_hidden_value
            benchmark.loc[rows, "n_people"] = 2
    measurement = results.measurement
    if measurement is not None:
        agreement = _hide(measurement.site_agreement, "site", hide_site, "n", {"rwg": value})
        measurement = dataclasses.replace(measurement, site_agreement=agreement)
    return dataclasses.replace(
        results,
        site_profile=site_profile,
        systems_by_site=systems,
        competences_by_site=hidden(results.competences_by_site),
        benchmark_by_site=benchmark,
        measurement=measurement,
        change_since_baseline=_hidden_change(results.change_since_baseline, hide_site, value),
    )


def _hidden_change(
    change: ChangeSinceBaseline | None, site: str, value: float
) -> ChangeSinceBaseline | None:
    """The change since baseline with ``site`` too small at the follow-up (2 people)."""
    if change is None:
        return None
    changes = change.changes.copy()
    rows = (changes["by"] == "site") & (changes["group"] == site)
    changes.loc[rows, ["n_after", "shown"]] = [2, False]
    for column in ("before", "after", "change", "ci_low", "ci_high"):
        changes.loc[rows, column] = value
    positions = change.positions.copy()
    rows = (positions["by"] == "site") & (positions["group"] == site)
    positions.loc[rows, ["before", "after", "moved", "shown"]] = [None, None, False, False]
    return dataclasses.replace(change, changes=changes, positions=positions)
