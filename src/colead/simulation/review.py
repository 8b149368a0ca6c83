"""Synthetic collaborative relationships with planted, known effects.

The simulator tells the discussion paper's case study as data: a client and a supplier (plus
a partner subcontractor for larger sizes) share sites on three continents; management
behaviours are generally sound, leadership is below par and very variable within and across
sites; a development programme for people at every level runs between a baseline and a
follow-up wave; site KPIs follow site leadership. Every planted value is returned in
:class:`GroundTruth`, so demos can tell the story and tests can check that analysis recovers
it.

Generative model (all on the 1–5 metric, then mapped linearly onto the framework's response
scale, which is the identity for the default framework). For person p at site s and level l,
practice (person-family scale) k of family f (leadership is the "passion" family, every other
person family behaves like management)::

    true[p, k] = clip(mu[k] + site[s, k] + level_f[l] + a_f * g_f[p] + e[p, k], 1, 5)

    mu[k]      = 3.25 (leadership) or 3.8 (management) + N(0, 0.12) per practice, the
                 offsets centred within the family
    site[s, k] = b_f * G_f[s] + N(0, c_f), centred over sites, G_f standardised over
                 sites (mean 0, sd 1); leadership b=0.38, c=0.12
                 (sd about 0.4: very variable), management b=0.08, c=0.05
    level_f    = weak gradient (LEADERSHIP_LEVEL_EFFECTS, MANAGEMENT_LEVEL_EFFECTS)
    g_f[p]     = person factor, N(0, 1), leadership and management correlated 0.3;
                 a = 0.45 (leadership), 0.40 (management)
    e[p, k]    = practice-specific N(0, 0.20) leadership, N(0, 0.15) management

A rating by rater r of ratee p on item i of practice k, rounded and clipped to 1..5::

    x = true[p, k] + offset[i] + leniency[r] + view[r, p, k] + 0.3 * [self form]
        + N(0, noise_sd[i])

    offset[i]      ~ N(0, 0.15), centred within its scale
    leniency[r]    ~ N(0, 0.2), a trait of the rater, the same in both waves
    view[r, p, k]  ~ N(0, 0.2), the rater's own view of this ratee on this practice, the
                   same in both waves (idiosyncratic rater effects are a large part of
                   multi-source rating variance: Scullen, Mount & Goff, 2000)
    noise_sd[i]    set per item so that each scale's alpha on observer forms is a planted
                   target between 0.80 and 0.90, different for every scale, as published
                   360 instruments report (see :mod:`colead.simulation.instrument`)

Items of a site family ("systems") appear on self forms only and rate the rater's own site:
``x = site_systems[s, k] + offset[i] + leniency[r] + view[r, k] + N(0, noise_sd[i])`` with
``site_systems[s, k] = clip(3.5 + N(0, 0.15) per scale + N(0, 0.3) per site + N(0, 0.15), 1,
5)``, ``view[r, k] ~ N(0, 0.4)`` the respondent's own view of the site on scale k and the
target alpha between 0.75 and 0.85; they are BLANK on every other form. Both waves use the
same nominations (who rates whom: see
:mod:`colead.simulation.population`); about 95 % of self forms and 85 % of the others are
completed, drawn afresh in each wave. About 2.5 % of answers are BLANK at random;
NOT_OBSERVED is about 3 %, 8 % for partner and direct-report raters on management items,
0.5 % for self ratings of a person.

Between the waves 22 % of people from every level enrol (more likely when their true
leadership is low); a completer's leadership rises by ``programme_effect[k]``, a
non-completer's by half of it, and everybody's leadership drifts by ``general_drift``.
Quarterly KPIs per site: ``base + slope * (L[s] - mean L) + slope * w[q] * dL[s] + site
noise + quarter noise``, where L is the site mean of true leadership at baseline, dL its
change by the follow-up and w ramps from 0 to 1 over the two quarters after the programme.

The programme costs 1,850 per participant plus 24,000 of other costs (design, venues,
evaluation) and has six sessions: completers attend five or six, the others one to four
(:func:`colead.simulation.outcomes.attendance`). What a unit of each KPI is worth, for the
ROI, is stated in :data:`colead.simulation.outcomes.KPI_VALUES` (fictional figures), and
reaction questionnaire answers come from :func:`colead.simulation.outcomes.reaction_answers`.

Scullen, S. E., Mount, M. K., & Goff, M. (2000). Understanding the latent structure of job
performance ratings. *Journal of Applied Psychology*, 85(6), 956–970.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from colead.domain import BLANK, NOT_OBSERVED
from colead.framework.model import Framework, RatedUnit
from colead.simulation import instrument, outcomes, population
from colead.simulation.records import GroundTruth, SimulatedReview, SimulatedWave

__all__ = [
    "SIZES",
    "GroundTruth",
    "SimulatedReview",
    "SimulatedWave",
    "SizeSpec",
    "simulate",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
ObjectArray = npt.NDArray[np.object_]


@dataclass(frozen=True)
class SizeSpec:
    """How large a simulated relationship is."""

    people: int
    sites: int
    organisations: int
    periods: int


SIZES: dict[str, SizeSpec] = {
    "small": SizeSpec(people=300, sites=8, organisations=2, periods=8),
    "medium": SizeSpec(people=3000, sites=24, organisations=3, periods=8),
    "large": SizeSpec(people=20000, sites=80, organisations=3, periods=8),
}

# Planted values, named so the module docstring and GroundTruth can point at them.
LEADERSHIP_MEAN = 3.25
MANAGEMENT_MEAN = 3.8
SYSTEMS_MEAN = 3.5
LEADERSHIP_LEVEL_EFFECTS = {1: 0.20, 2: 0.15, 3: 0.10, 4: 0.05, 5: 0.0}
MANAGEMENT_LEVEL_EFFECTS = {1: 0.25, 2: 0.20, 3: 0.15, 4: 0.05, 5: -0.05}
SELF_INFLATION = 0.3
RATER_LENIENCY_SD = 0.2
VIEW_SD = 0.2
SITE_VIEW_SD = 0.4
GENERAL_DRIFT = 0.03
PROGRAMME_EFFECTS = {"model": 0.30, "inspire": 0.30, "challenge": 0.28, "enable": 0.45}
DEFAULT_PROGRAMME_EFFECT = 0.35  # any other leadership practice, e.g. "encourage"

_P_BLANK = 0.025
_RESPONSE_RATE = (0.95, 0.85)  # self, everybody else
_ENROL_RATE, _COMPLETION_RATE = 0.22, 0.9


@dataclass(frozen=True)
class _Layout:
    """Where each framework item and scale goes in the generative model."""

    person_scales: tuple[str, ...]
    passion: BoolArray  # per person scale: belongs to the leadership ("passion") family
    system_scales: tuple[str, ...]  # scales of families that rate a site
    item_person: IntArray  # per item: column in person_scales, or -1
    item_system: IntArray  # per item: column in system_scales, or -1
    scale_starts: IntArray  # first item of each framework scale
    scale_is_person: BoolArray
    low: int
    high: int


def simulate(
    framework: Framework, size: str | SizeSpec = "small", seed: int = 0
) -> SimulatedReview:
    """Simulate a two-wave relationship review with planted effects.

    Parameters
    ----------
    framework
        Measurement framework; needs at least one family that rates people.
    size
        A key of :data:`SIZES` or a :class:`SizeSpec`.
    seed
        Non-negative seed; the same framework, size and seed give identical output.

    Returns
    -------
    SimulatedReview
    """
    spec, size_name = _resolve_size(size)
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    lay = _layout(framework)
    org_names = population.organisation_names(spec.organisations, _rng(seed, 1))
    org_roles = list(population.ORGANISATION_ROLES[: spec.organisations])
    site_names, regions = population.make_sites(spec.sites)
    pop, people = population.make_people(spec.people, org_names, site_names, _rng(seed, 2))
    pairs = population.make_nominations(pop, _rng(seed, 3))

    rng = _rng(seed, 4)
    true0, mu, site_eff, site_sys = _true_scores(lay, pop, spec.sites, rng)
    offsets = rng.normal(0.0, 0.15, lay.item_person.size)
    for codes in (lay.item_person, lay.item_system):  # centre within scales: means stay mu
        for k in range(codes.max() + 1):
            offsets[codes == k] -= offsets[codes == k].mean()
    leniency = rng.normal(0.0, RATER_LENIENCY_SD, pop.level.size)
    enrolled, completed, effect, true1 = _enrol(lay, true0, _rng(seed, 5))
    # What all items of a scale share on one form: the ratee's (or site's) true score, the
    # rater's leniency and the rater's own view.
    common = pd.concat(
        [
            pd.Series(true0.var(axis=0) + VIEW_SD**2, index=lay.person_scales),
            pd.Series(site_sys[pop.site].var(axis=0) + SITE_VIEW_SD**2, index=lay.system_scales),
        ]
    )
    common += RATER_LENIENCY_SD**2
    target_alpha, noise_sd = instrument.plant(
        framework, lay.person_scales, common, lay.high - lay.low, _rng(seed, 11)
    )
    views = _Views.draw(lay, pairs[0].size, pop.level.size, _rng(seed, 12))

    periods = [outcomes.period_label(q) for q in range(spec.periods)]
    base_q = spec.periods // 2 - 1  # baseline in the middle, follow-up in the last quarter
    pid = people["person_id"].to_numpy(dtype=object)
    model = _Model(framework, lay, pop, pid, pairs, site_sys, offsets, leniency, noise_sd, views)
    waves = (
        _wave(model, "baseline", periods[base_q], true0, _rng(seed, 6)),
        _wave(model, "follow-up", periods[-1], true1, _rng(seed, 7)),
    )
    programme, enrolments = outcomes.programme(
        pid[enrolled], completed[enrolled], base_q, _rng(seed, 8)
    )
    attendance = outcomes.attendance(pid[enrolled], completed[enrolled], _rng(seed, 10))
    headcount = np.bincount(pop.site, minlength=spec.sites)
    site_lead = np.stack(
        [
            np.bincount(pop.site, t[:, lay.passion].mean(axis=1), spec.sites) / headcount
            for t in (true0, true1)
        ],
        axis=1,
    )
    kpis, slopes = outcomes.kpis(site_names, periods, site_lead, base_q, _rng(seed, 9))

    site_index = pd.Index(site_names, name="site")
    person_index = pd.Index(pid, name="person_id")
    truth = GroundTruth(
        scale_means=dict(zip(lay.person_scales, mu.tolist(), strict=True)),
        site_effects=pd.DataFrame(site_eff, index=site_index, columns=list(lay.person_scales)),
        level_effects=dict(LEADERSHIP_LEVEL_EFFECTS),
        management_level_effects=dict(MANAGEMENT_LEVEL_EFFECTS),
        self_inflation=SELF_INFLATION,
        rater_leniency_sd=RATER_LENIENCY_SD,
        view_sd=VIEW_SD,
        site_view_sd=SITE_VIEW_SD,
        target_alpha=dict(zip(framework.scale_ids, target_alpha.tolist(), strict=True)),
        item_noise_sd=dict(zip(framework.item_ids, noise_sd.tolist(), strict=True)),
        item_offsets=dict(zip(framework.item_ids, offsets.tolist(), strict=True)),
        person_true=pd.DataFrame(true0, index=person_index, columns=list(lay.person_scales)),
        person_true_followup=pd.DataFrame(
            true1, index=person_index.copy(), columns=list(lay.person_scales)
        ),
        site_systems=pd.DataFrame(
            site_sys, index=site_index.copy(), columns=list(lay.system_scales)
        ),
        site_leadership=pd.DataFrame(
            site_lead, index=site_index.copy(), columns=["baseline", "follow_up"]
        ),
        programme_effect=dict(zip(lay.person_scales, effect.tolist(), strict=True)),
        general_drift=GENERAL_DRIFT,
        enrolled=frozenset(pid[enrolled].tolist()),
        completed=frozenset(pid[completed].tolist()),
        kpi_leadership_slope=slopes,
    )
    return SimulatedReview(
        name=f"Demo: {org_names[0]} – {org_names[1]} (seed {seed}, {size_name})",
        seed=seed,
        size=size_name,
        organisations=pd.DataFrame({"organisation": org_names, "organisation_role": org_roles}),
        sites=pd.DataFrame({"site": site_names, "region": regions}),
        people=people,
        waves=waves,
        kpis=kpis,
        programme=programme,
        enrolments=enrolments,
        truth=truth,
        attendance=attendance,
    )


def _rng(seed: int, stream: int) -> np.random.Generator:
    # One independent stream per component, so changing one part never shifts the others.
    return np.random.default_rng([stream, seed])


def _resolve_size(size: str | SizeSpec) -> tuple[SizeSpec, str]:
    if isinstance(size, SizeSpec):
        spec, name = size, next((k for k, v in SIZES.items() if v == size), "custom")
    elif size in SIZES:
        spec, name = SIZES[size], size
    else:
        raise ValueError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
    if spec.organisations not in (2, 3) or spec.sites < 1 or spec.periods < 8:
        raise ValueError("a size needs 2 or 3 organisations, at least 1 site and 8 periods")
    if spec.people < 12 * spec.sites:
        raise ValueError("a size needs at least 12 people per site")
    return spec, name


def _layout(framework: Framework) -> _Layout:
    person_families = [f for f in framework.families if f.rates is RatedUnit.person]
    if not person_families:
        raise ValueError(f"framework {framework.label} has no family that rates people")
    ids = [f.id for f in person_families]
    continuum = framework.continuum
    passion = continuum.passion if continuum and continuum.passion in ids else None
    passion = passion or ("leadership" if "leadership" in ids else ids[0])
    fam = framework.scale_family
    person = tuple(s.id for s in framework.scales if fam[s.id] in ids)
    system = tuple(s.id for s in framework.scales if fam[s.id] not in ids)
    col_p, col_s = {k: i for i, k in enumerate(person)}, {k: i for i, k in enumerate(system)}
    sizes = [len(s.items) for s in framework.scales]
    return _Layout(
        person_scales=person,
        passion=np.array([fam[k] == passion for k in person], dtype=bool),
        system_scales=system,
        item_person=np.array([col_p.get(k, -1) for k in framework.item_scale], dtype=np.int64),
        item_system=np.array([col_s.get(k, -1) for k in framework.item_scale], dtype=np.int64),
        scale_starts=np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64),
        scale_is_person=np.array([s.id in col_p for s in framework.scales], dtype=bool),
        low=framework.response_scale.minimum,
        high=framework.response_scale.maximum,
    )


def _true_scores(
    lay: _Layout, pop: population.Population, n_sites: int, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Baseline true scores, practice means, site effects and true site systems means."""
    p = lay.passion
    n, k = pop.level.size, p.size
    # Practice offsets and the general site factors are standardised, so every seed tells
    # the same story: family means exactly as planted, sites always clearly apart.
    mu = rng.normal(0.0, 0.12, k)
    for family in (p, ~p):
        if family.any():
            mu[family] -= mu[family].mean()
    mu += np.where(p, LEADERSHIP_MEAN, MANAGEMENT_MEAN)
    general = rng.standard_normal((n_sites, 2))
    general = (general - general.mean(axis=0)) / np.maximum(general.std(axis=0), 1e-9)
    site = np.where(p, 0.38 * general[:, [0]], 0.08 * general[:, [1]])
    site = site + rng.normal(0.0, 1.0, (n_sites, k)) * np.where(p, 0.12, 0.05)
    site -= site.mean(axis=0)
    lead_level = np.array([0.0, *LEADERSHIP_LEVEL_EFFECTS.values()])[pop.level]
    mgmt_level = np.array([0.0, *MANAGEMENT_LEVEL_EFFECTS.values()])[pop.level]
    g = rng.standard_normal((n, 2))
    g[:, 1] = 0.3 * g[:, 0] + np.sqrt(1 - 0.3**2) * g[:, 1]  # leaders often manage well too
    person = np.where(
        p, 0.45 * g[:, [0]] + lead_level[:, None], 0.40 * g[:, [1]] + mgmt_level[:, None]
    )
    specific = rng.standard_normal((n, k)) * np.where(p, 0.20, 0.15)
    true = np.clip(mu + site[pop.site] + person + specific, 1.0, 5.0)
    q = len(lay.system_scales)
    systems = SYSTEMS_MEAN + rng.normal(0.0, 0.15, q) + 0.3 * rng.standard_normal((n_sites, 1))
    systems = np.clip(systems + rng.normal(0.0, 0.15, (n_sites, q)), 1.0, 5.0)
    return true, mu, site, systems


@dataclass(frozen=True)
class _Model:
    """What stays the same from wave to wave."""

    framework: Framework
    lay: _Layout
    pop: population.Population
    pid: ObjectArray  # person_id per row
    pairs: tuple[IntArray, IntArray, IntArray]  # ratee, rater, relation code
    site_sys: FloatArray
    offsets: FloatArray
    leniency: FloatArray
    noise_sd: FloatArray  # per item
    views: _Views


@dataclass(frozen=True)
class _Views:
    """Each rater's own view, the same in both waves: of the person rated, per person scale
    (one row per nomination), and of their own site, per site scale (one row per person)."""

    of_ratee: npt.NDArray[np.float32]
    of_site: npt.NDArray[np.float32]

    @classmethod
    def draw(cls, lay: _Layout, n_pairs: int, n_people: int, rng: np.random.Generator) -> _Views:
        of_ratee = rng.standard_normal((n_pairs, len(lay.person_scales)), dtype=np.float32)
        of_site = rng.standard_normal((n_people, len(lay.system_scales)), dtype=np.float32)
        return cls(VIEW_SD * of_ratee, SITE_VIEW_SD * of_site)


def _enrol(
    lay: _Layout, true0: FloatArray, rng: np.random.Generator
) -> tuple[BoolArray, BoolArray, FloatArray, FloatArray]:
    """Who enrols and completes, the planted effect per person scale, follow-up true scores.

    Enrolment is open to every level; 22 % of people enrol, those with low true leadership
    more likely (the way programmes are usually filled), completers gain the full effect,
    non-completers half, and everybody's leadership drifts by GENERAL_DRIFT.
    """
    lead = true0[:, lay.passion].mean(axis=1)
    z = (lead - lead.mean()) / max(float(lead.std()), 1e-9)
    # A fixed share of places, filled with odds exp(-0.7 z): low scorers more likely.
    places = round(_ENROL_RATE * lead.size)
    weight = np.exp(-0.7 * z)
    chosen = rng.choice(lead.size, size=places, replace=False, p=weight / weight.sum())
    enrolled = np.zeros(lead.size, dtype=bool)
    enrolled[chosen] = True
    completed = enrolled & (rng.random(lead.size) < _COMPLETION_RATE)
    effect = np.array(
        [
            PROGRAMME_EFFECTS.get(k, DEFAULT_PROGRAMME_EFFECT) if p else 0.0
            for k, p in zip(lay.person_scales, lay.passion, strict=True)
        ]
    )
    dose = np.where(completed, 1.0, 0.5) * enrolled
    true1 = np.clip(true0 + lay.passion * GENERAL_DRIFT + dose[:, None] * effect, 1.0, 5.0)
    return enrolled, completed, effect, true1


def _wave(
    model: _Model, name: str, period: str, true: FloatArray, rng: np.random.Generator
) -> SimulatedWave:
    """Same nominations every wave; who responds, the values and comments are fresh draws."""
    ratee, rater, rel = model.pairs
    pid = model.pid
    relation = np.array([r.value for r in population.RELATIONS], dtype=object)
    nominations = pd.DataFrame(
        {
            "wave": np.full(ratee.size, name, dtype=object),
            "ratee_id": pid[ratee],
            "rater_id": pid[rater],
            "relation": relation[rel],
        }
    )
    rate = np.where(rel == population.SELF, *_RESPONSE_RATE)
    done = np.flatnonzero(rng.random(ratee.size) < rate)
    values = _ratings(model, true, done, rng)
    lay = model.lay
    strengths, suggestions = outcomes.comments(
        model.framework, lay.person_scales, lay.scale_starts, lay.scale_is_person, values, rng
    )
    responses = nominations.iloc[done].reset_index(drop=True)
    responses["comment_strengths"] = pd.Series(strengths, dtype=object)
    responses["comment_suggestions"] = pd.Series(suggestions, dtype=object)
    return SimulatedWave(name, nominations, responses, values, period)


def _ratings(
    model: _Model, true: FloatArray, done: IntArray, rng: np.random.Generator
) -> npt.NDArray[np.int8]:
    """Item codes of the completed forms (rows ``done`` of the nominations); float32 keeps
    a large wave's matrix small."""
    lay, offsets = model.lay, model.offsets
    ratee, rater, rel = (a[done] for a in model.pairs)
    n, n_items = ratee.size, offsets.size
    is_self = rel == population.SELF
    lenient = model.leniency[rater].astype(np.float32)[:, None]
    x = np.empty((n, n_items), dtype=np.float32)
    cols = np.flatnonzero(lay.item_person >= 0)
    x[:, cols] = true[ratee][:, lay.item_person[cols]]
    x[:, cols] += model.views.of_ratee[done][:, lay.item_person[cols]]
    x[:, cols] += lenient + np.where(is_self, SELF_INFLATION, 0.0).astype(np.float32)[:, None]
    sys_cols = np.flatnonzero(lay.item_system >= 0)
    x[:, sys_cols] = model.site_sys[model.pop.site[rater]][:, lay.item_system[sys_cols]] + lenient
    x[:, sys_cols] += model.views.of_site[rater][:, lay.item_system[sys_cols]]
    x += offsets.astype(np.float32)
    x += model.noise_sd.astype(np.float32) * rng.standard_normal((n, n_items), dtype=np.float32)
    x = lay.low + (x - 1.0) * ((lay.high - lay.low) / 4.0)
    values = np.clip(np.rint(x), lay.low, lay.high).astype(np.int8)
    # Not-observed chance by rater kind (self, partner or report, other) and item kind
    # (leadership, other person family, site family).
    kind = np.where(
        is_self, 0, np.where((rel == population.PARTNER) | (rel == population.REPORT), 1, 2)
    )
    item_kind = np.where(lay.item_person < 0, 2, np.where(lay.passion[lay.item_person], 0, 1))
    table = np.array([[0.005, 0.005, 0.03], [0.03, 0.08, 0.03], [0.03, 0.03, 0.03]], np.float32)
    u = rng.random((n, n_items), dtype=np.float32)
    values[u < _P_BLANK] = BLANK
    values[(u >= _P_BLANK) & (u < _P_BLANK + table[kind[:, None], item_kind[None, :]])] = (
        NOT_OBSERVED
    )
    values[np.ix_(~is_self, sys_cols)] = BLANK  # site items are asked on self forms only
    return values
