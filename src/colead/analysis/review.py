"""Orchestrate the v1 analyses of one wave into :class:`ReviewResults`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd

from colead.analysis.benchmark import Norm
from colead.analysis.data import WaveData
from colead.analysis.disclosure import WaveDisclosure, decide_disclosure
from colead.analysis.individual import (
    family_means,
    person_quadrants,
    self_other_gaps,
    title_vs_leading,
)
from colead.analysis.measurement import (
    RWG_AGREEMENT,
    composite_alpha,
    reliability_by_scale,
    rwg_by_person,
    site_agreement,
    site_behaviour_agreement,
    site_variability,
)
from colead.analysis.outcomes import group_benchmark, linkage_points, wave_linkage
from colead.analysis.profiles import (
    competence_profile,
    continuum_positions,
    group_profile,
    participation,
    relation_profile,
    site_systems_profile,
)
from colead.analysis.programme import UnitValue, evaluate_programme
from colead.analysis.results import (
    ContinuumPosition,
    MeasurementQuality,
    PersonScores,
    Profile,
    ReviewResults,
    ScaleInfo,
)
from colead.analysis.roi import ProgrammeCosts
from colead.analysis.scoring import (
    person_scale_scores,
    scale_index,
    score_forms,
)
from colead.analysis.wave_change import WaveFigures, wave_change
from colead.domain import BLANK, Relation
from colead.framework import Framework, RatedUnit

__all__ = [
    "analyse_wave",
    "analyse_with_baseline",
    "compare_with_baseline",
    "observer_means",
    "wave_disclosure",
    "wave_figures",
]


def analyse_wave(
    data: WaveData,
    minimum: int,
    *,
    gap_margin: float = 0.5,
    leading_threshold: float | None = None,
    titled_levels: tuple[int, ...] = (1, 2),
    untitled_levels: tuple[int, ...] = (4, 5),
    norms: Mapping[str, Norm] | None = None,
    kpis: pd.DataFrame | None = None,
) -> ReviewResults:
    """Score one wave and build the review-level views.

    Parameters
    ----------
    data
        The wave's people, assignments, responses and values.
    minimum
        Anonymity minimum (see ``Settings.anonymity_minimum``).
    gap_margin
        Self minus observers, in scale points, that makes a blind spot (or, negative, a
        hidden strength).
    leading_threshold
        Observer leadership mean that counts as "leading"; the framework's continuum
        threshold when None.
    titled_levels, untitled_levels
        Levels that hold a leadership title, and levels that do not, for "title vs leading".
    norms
        Norm per scale id; site and organisation means get a percentile and band.
    kpis
        ``site, period, kpi, value, higher_is_better`` for the KPI linkage of this wave.
    """
    framework = data.framework
    item_scale, scale_ids = scale_index(framework)
    scores, _ = score_forms(
        data.values, item_scale, len(scale_ids), framework.min_answered_fraction
    )
    frame = pd.DataFrame(scores, columns=list(scale_ids))
    person_family_scales = person_scale_ids(framework)
    site_family_scales = [
        s.id for f in framework.families if f.rates is RatedUnit.site for s in f.scales
    ]

    person_cols = [scale_ids.index(s) for s in person_family_scales]
    published = _published_people(data, scores[:, person_cols], person_family_scales, minimum)
    disclosure, person_scores, people, profiles = published
    observer_means = person_scores.observer_means
    table = person_scores.table
    relation = data.responses["relation"].astype(str)

    is_self = (relation == Relation.self.value).to_numpy()
    site_scores = frame.loc[is_self, site_family_scales]
    site_scores.index = data.responses.loc[is_self, "rater_id"].astype(str).to_numpy()
    site_of = people.set_index(people["person_id"].astype(str))["site"]
    systems = site_systems_profile(site_scores, site_of, minimum)

    # Forms count under the group the person pages show them in ("others" included), and
    # only in published cells: the review-wide means minus those pages' groups then give
    # back nothing that is not published already.
    hidden = disclosure.withheld_scores(scores[:, person_cols])
    relations = relation_profile(
        data.responses.assign(relation=disclosure.labels),
        frame[person_family_scales].where(disclosure.published),
        minimum,
    )
    competences = {c.id: list(c.practices) for c in framework.competences}

    continuum = None
    extra: dict[str, object] = {}
    if framework.continuum is not None:
        c = framework.continuum
        positions = {
            by: continuum_positions(
                profiles[by],
                framework.family(c.passion).scale_ids,
                framework.family(c.system).scale_ids,
                c.threshold,
                passion_family=c.passion,
                system_family=c.system,
            )
            for by in ("site", "organisation")
        }
        continuum = positions["site"]
        extra["continuum_by_organisation"] = positions["organisation"]
        passion = family_means(observer_means, framework.family(c.passion).scale_ids)
        system = family_means(observer_means, framework.family(c.system).scale_ids)
        person_index = people.set_index(people["person_id"].astype(str))
        threshold = c.threshold if leading_threshold is None else leading_threshold
        extra["title_vs_leading"] = title_vs_leading(
            passion,
            person_index["level"],
            threshold=threshold,
            minimum=minimum,
            titled_levels=titled_levels,
            untitled_levels=untitled_levels,
        )
        for by in ("site", "organisation"):
            extra[f"person_quadrants_by_{by}"] = person_quadrants(
                passion, system, person_index[by], threshold=c.threshold, minimum=minimum
            )

    return ReviewResults(
        review=data.review,
        wave=data.wave,
        framework_label=framework.label,
        anonymity_minimum=minimum,
        scale_min=framework.response_scale.minimum,
        scale_max=framework.response_scale.maximum,
        scales=tuple(
            ScaleInfo(id=s.id, title=s.title, family=f.id, n_items=len(s.items))
            for f in framework.families
            for s in f.scales
        ),
        families={f.id: f.title for f in framework.families},
        n_people=len(people),
        n_sites=people["site"].nunique(),
        n_organisations=people["organisation"].nunique(),
        participation=participation(data.assignments, people),
        person_scores=person_scores,
        organisation_profile=profiles["organisation"],
        site_profile=profiles["site"],
        level_profile=profiles["level"],
        systems_by_site=systems,
        continuum=continuum,
        description=data.description,
        scale_labels=tuple(p.label for p in framework.response_scale.points),
        min_answered_fraction=framework.min_answered_fraction,
        relation_profile=relations,
        competences_by_organisation=competence_profile(profiles["organisation"], competences),
        competences_by_site=competence_profile(profiles["site"], competences),
        self_other=self_other_gaps(table, margin=gap_margin),
        measurement=_measurement(
            replace(data, values=_hidden_blanked(data.values, hidden, item_scale, person_cols)),
            person_family_scales,
            site_family_scales,
            observer_means,
            site_of,
            minimum,
        ),
        **extra,  # type: ignore[arg-type]
        **_outcomes(profiles, continuum, norms, kpis, data.period),  # type: ignore[arg-type]
        wave_period=data.period,
    )


def _published_people(
    data: WaveData, scores: np.ndarray, scale_ids: list[str], minimum: int
) -> tuple[WaveDisclosure, PersonScores, pd.DataFrame, dict[str, Profile]]:
    """The wave's disclosure decision, published person scores and group profiles.

    ``scores`` are the forms' scores on the person-rated scales ``scale_ids``. Shared by the
    full analysis and by :func:`wave_figures`, so a baseline compared with a later wave shows
    exactly the figures of its own report.
    """
    # One decision for the wave: every figure is built from the cells it publishes.
    disclosure = decide_disclosure(data.responses, scores, minimum)
    table, observer_means, observer_counts = person_scale_scores(
        data.responses, scores, scale_ids, minimum, disclosure
    )
    person_scores = PersonScores(
        table=table, observer_means=observer_means, observer_counts=observer_counts
    )
    relation = data.responses["relation"].astype(str)
    # Raters behind the person means: those with a published score on some scale.
    counted = disclosure.published.any(axis=1) & (relation != Relation.self.value).to_numpy()
    observer_pairs = data.responses.loc[counted, ["ratee_id", "rater_id"]].astype(str)
    # Only distinct raters are counted: integer codes make that count cheap.
    observer_pairs["rater_id"] = pd.factorize(observer_pairs["rater_id"])[0]
    people = data.people.copy()
    people["level"] = people["level"].astype(int)
    profiles = {
        by: group_profile(observer_means, people, observer_pairs, by, minimum)
        for by in ("organisation", "site", "level")
    }
    return disclosure, person_scores, people, profiles


def _hidden_blanked(
    values: np.ndarray, hidden: np.ndarray, item_scale: np.ndarray, person_cols: list[int]
) -> np.ndarray:
    """Item codes with the answers of hidden forms (form × person scale) made blank.

    Only forms about other people can be hidden; self forms are always shown.

    Measurement quality (reliability, agreement among a person's or a site's observers)
    is published too, so a hidden rater's answers must not feed it either.
    """
    if not hidden.any():
        return values
    blanked = values.copy()
    for j, scale in enumerate(person_cols):
        rows = np.flatnonzero(hidden[:, j])
        if len(rows):
            blanked[np.ix_(rows, np.flatnonzero(item_scale == scale))] = BLANK
    # Answers on other scales (systems items a data file may carry on any form) of a form
    # hidden anywhere go too: the form's rater is one of the hidden.
    others = np.flatnonzero(~np.isin(item_scale, person_cols))
    blanked[np.ix_(np.flatnonzero(hidden.any(axis=1)), others)] = BLANK
    return blanked


def _measurement(
    data: WaveData,
    person_scales: list[str],
    site_scales: list[str],
    observer_means: pd.DataFrame,
    site_of: pd.Series,
    minimum: int,
) -> MeasurementQuality:
    framework = data.framework
    relation = data.responses["relation"].astype(str)
    reliability = pd.concat(
        [
            reliability_by_scale(data.values, relation, framework, person_scales),
            reliability_by_scale(
                data.values, relation, framework, site_scales, observers_only=False
            ),
        ],
        ignore_index=True,
    )
    person_agreement = rwg_by_person(
        data.values, data.responses, framework, person_scales, minimum=minimum
    )
    valued = person_agreement.dropna(subset=["rwg"])
    summary = (
        valued.groupby("scale_id", sort=False)["rwg"]
        .agg(
            n_people="count",
            median_rwg="median",
            share_agreeing=lambda r: float((r >= RWG_AGREEMENT).mean()),
        )
        .reindex(person_scales)
        .reset_index()
    )
    summary["n_people"] = summary["n_people"].fillna(0).astype(int)
    is_self = (relation == Relation.self.value).to_numpy()
    respondents = data.responses.loc[is_self, "rater_id"].astype(str)
    return MeasurementQuality(
        reliability=reliability,
        site_variability=site_variability(observer_means, site_of, person_scales),
        person_agreement=person_agreement,
        agreement_summary=summary,
        site_agreement=site_agreement(
            data.values[is_self],
            respondents.map(site_of),
            framework,
            site_scales,
            minimum=minimum,
        ),
        site_behaviour_agreement=site_behaviour_agreement(
            data.values, data.responses, site_of, framework, person_scales, minimum=minimum
        ),
    )


def _outcomes(
    profiles: dict[str, Profile],
    continuum: ContinuumPosition | None,
    norms: Mapping[str, Norm] | None,
    kpis: pd.DataFrame | None,
    period: str | None,
) -> dict[str, object]:
    found: dict[str, object] = {}
    if norms:
        found["benchmark_by_site"] = group_benchmark(profiles["site"], norms)
        found["benchmark_by_organisation"] = group_benchmark(profiles["organisation"], norms)
        first = next(iter(norms.values()))
        found["norms_source"] = first.source
        found["norms_synthetic"] = any(n.synthetic for n in norms.values())
    if kpis is not None and continuum is not None and not kpis.empty:
        passion = continuum.table.set_index("group")["passion"]
        found["linkage"] = wave_linkage(
            passion, kpis, wave_period=period, behaviour=continuum.passion_family
        )
        found["linkage_points"] = linkage_points(passion, kpis, wave_period=period)
    return found


def wave_disclosure(data: WaveData, minimum: int) -> WaveDisclosure:
    """The wave's disclosure decision (:func:`decide_disclosure`), from its item codes.

    For outlets that read forms rather than results (individual reports' comments, raw
    anonymous rows): they must group the forms exactly as the analysis did.
    """
    framework = data.framework
    item_scale, scale_ids = scale_index(framework)
    scores, _ = score_forms(
        data.values, item_scale, len(scale_ids), framework.min_answered_fraction
    )
    columns = [scale_ids.index(s) for s in person_scale_ids(framework)]
    return decide_disclosure(data.responses, scores[:, columns], minimum)


def person_scale_ids(framework: Framework) -> list[str]:
    """The scales that rate a person (the others rate the rater's site)."""
    return [s.id for f in framework.families if f.rates is RatedUnit.person for s in f.scales]


def observer_means(data: WaveData, minimum: int = 3) -> pd.DataFrame:
    """Person × scale mean of each person's observers (person-rated scales only).

    The light path for a baseline wave whose full results are not needed.
    """
    return wave_figures(data, minimum).observer_means


def analyse_with_baseline(
    data: WaveData,
    baseline: WaveData | None,
    minimum: int,
    *,
    enrolments: pd.DataFrame,
    norms: Mapping[str, Norm] | None = None,
    kpis: pd.DataFrame | None = None,
    programme_start: date | None = None,
    programme_end: date | None = None,
    reaction: Sequence[float] | None = None,
    kpi_values: Sequence[UnitValue] = (),
    costs: ProgrammeCosts | None = None,
    costs_note: str | None = None,
    plan_actions: pd.DataFrame | None = None,
) -> ReviewResults:
    """:func:`analyse_wave`, plus the programme evaluation from ``baseline`` to this wave.

    The evaluation needs an earlier wave with the same framework, enrolled people and a
    "passion" family; otherwise the results carry no evaluation. ``reaction`` (each
    participant's mean reaction rating) feeds Kirkpatrick level 1, shown only from
    ``minimum`` answers on; ``kpi_values`` and ``costs`` give the Phillips ROI, calculated
    only when both exist (see :func:`colead.analysis.programme.programme_roi`);
    ``plan_actions`` (``person_id, status``) give the participants' plan progress.
    """
    results = analyse_wave(data, minimum, norms=norms, kpis=kpis)
    framework = data.framework
    if (
        baseline is None
        or enrolments.empty
        or framework.continuum is None
        or baseline.framework.fingerprint != framework.fingerprint
    ):
        return results
    passion = framework.family(framework.continuum.passion).scale_ids
    evaluation = evaluate_programme(
        observer_means(baseline, minimum),
        results.person_scores.observer_means,
        baseline_wave=baseline.wave,
        follow_up_wave=data.wave,
        people=data.people,
        enrolments=enrolments,
        composite_scales=passion,
        composite=framework.continuum.passion,
        reliability=composite_alpha(
            baseline.values, baseline.responses["relation"], framework, passion
        ),
        kpis=kpis,
        programme_start=programme_start,
        programme_end=programme_end,
        reaction=reaction,
        reaction_minimum=minimum,
        kpi_values=kpi_values,
        costs=costs,
        costs_note=costs_note,
        plan_actions=plan_actions,
        minimum=minimum,
    )
    return replace(results, evaluation=evaluation)


def wave_figures(data: WaveData, minimum: int) -> WaveFigures:
    """The published person scores and site and organisation profiles of one wave.

    The same figures as :func:`analyse_wave` builds (the same code), without the rest of its
    analysis: the light path for the baseline a later wave is compared with.
    """
    framework = data.framework
    item_scale, scale_ids = scale_index(framework)
    scores, _ = score_forms(
        data.values, item_scale, len(scale_ids), framework.min_answered_fraction
    )
    person_scales = person_scale_ids(framework)
    columns = [scale_ids.index(s) for s in person_scales]
    _, person_scores, people, profiles = _published_people(
        data, scores[:, columns], person_scales, minimum
    )
    return WaveFigures(
        wave=data.wave,
        observer_means=person_scores.observer_means,
        people=people,
        site_profile=profiles["site"],
        organisation_profile=profiles["organisation"],
    )


def compare_with_baseline(
    results: ReviewResults, data: WaveData, baseline: WaveData, minimum: int
) -> ReviewResults:
    """``results`` (the analysis of ``data``) with the change since ``baseline`` added.

    Both waves must use the same framework version (the same items and scales); otherwise
    ``results`` come back unchanged. The baseline's figures are those its own report shows
    (:func:`wave_figures`), this wave's those of ``results``; see
    :func:`colead.analysis.wave_change.wave_change` for what is compared and how.
    """
    framework = data.framework
    if baseline.framework.fingerprint != framework.fingerprint:
        return results
    families = {f.id: list(f.scale_ids) for f in framework.families if f.rates is RatedUnit.person}
    c = framework.continuum
    change = wave_change(
        wave_figures(baseline, minimum),
        WaveFigures(
            wave=results.wave,
            observer_means=results.person_scores.observer_means,
            people=data.people,
            site_profile=results.site_profile,
            organisation_profile=results.organisation_profile,
        ),
        families,
        minimum,
        practices=person_scale_ids(framework),
        continuum=None if c is None else (c.passion, c.system, c.threshold),
    )
    return replace(results, change_since_baseline=change)
