"""What surrounds the ratings: free-text comments, the programme and site KPIs."""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt
import pandas as pd

from colead.framework.model import Framework

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
ObjectArray = npt.NDArray[np.object_]

START_YEAR = 2024  # the first KPI quarter is START_YEAR-Q1

# Comment banks: plain sentences without a subject, so they read on self and observer forms
# and never name anyone. Scales without a bank get a sentence built from their title.
_STRENGTHS = {
    "model": ("Keeps promises made to the other organisation.", "Owns up to mistakes openly."),
    "inspire": ("Explains clearly where the joint work is heading.", "Talks about shared goals."),
    "challenge": ("Asks why we do things this way.", "Tries new ideas and shares what worked."),
    "enable": ("Brings both teams together to solve problems.", "Clears blockers between teams."),
    "encourage": ("Thanks people from both organisations.", "Celebrates joint successes."),
    "plan": ("Plans work well ahead and shares the plan early.", "Keeps schedules realistic."),
    "govern": ("Runs joint meetings that end in decisions.", "Follows the agreed processes."),
    "monitor": ("Watches the KPIs and acts early.", "Follows actions through to the end."),
    "competence": ("Makes sure people get the training they need.", "Matches skills to jobs."),
    "comply": ("Keeps safety first on every job.", "Raises risks early and openly."),
}
_SUGGESTIONS = {
    "model": ("Could show more often that the partner's view matters.",),
    "inspire": ("Could explain more often where the contract is heading.",),
    "challenge": ("Could ask for new ideas more often.", "Could question habits that slow us."),
    "enable": ("Could involve the other organisation earlier.", "Could let teams decide more."),
    "encourage": ("Could recognise good work more often.", "Could celebrate joint wins too."),
    "plan": ("Could share plans earlier with the people doing the work.",),
    "govern": ("Could keep joint meetings shorter and more focused.",),
    "monitor": ("Could review performance data more regularly.",),
    "competence": ("Could spend more time coaching new starters.",),
    "comply": ("Could talk about risks before they become problems.",),
}
STRENGTH_SHARE, SUGGESTION_SHARE = 0.40, 0.35
# name, base, signed slope per leadership point, site sd, quarter sd, low, high, higher, target
KPI_SPECS = (
    ("On-time delivery (%)", 91.0, 4.0, 0.8, 0.8, 0.0, 100.0, True, 95.0),
    ("Cost variance (%)", 3.0, -2.5, 0.5, 0.6, -20.0, 40.0, False, 2.0),
    ("Safety incidents per 100k hours", 1.6, -0.8, 0.12, 0.2, 0.0, 20.0, False, np.nan),
    ("Partner satisfaction (1-10)", 6.8, 1.4, 0.2, 0.3, 1.0, 10.0, True, 8.0),
)


def period_label(q: int) -> str:
    """Quarter ``q`` (0-based from START_YEAR-Q1) as ``2024-Q1``."""
    return f"{START_YEAR + q // 4}-Q{q % 4 + 1}"


def comments(
    framework: Framework,
    person_scales: tuple[str, ...],
    scale_starts: IntArray,
    scale_is_person: BoolArray,
    values: npt.NDArray[np.int8],
    rng: np.random.Generator,
) -> tuple[ObjectArray, ObjectArray]:
    """Comments per form: a strength about its highest-rated person practice, a suggestion
    about its lowest; None on forms without one (about 60 % and 65 %).

    ``scale_starts`` is the first item of each framework scale, ``scale_is_person`` marks
    the scales in ``person_scales`` (same order).
    """
    n = values.shape[0]
    answered = values >= 0
    sums = np.add.reduceat(np.where(answered, values, 0).astype(np.float32), scale_starts, 1)
    counts = np.add.reduceat(answered.astype(np.float32), scale_starts, 1)
    sums, counts = sums[:, scale_is_person], counts[:, scale_is_person]
    mean = sums / np.maximum(counts, 1) + 0.01 * rng.random(sums.shape)  # break ties at random
    best = np.argmax(np.where(counts > 0, mean, -np.inf), axis=1)
    worst = np.argmin(np.where(counts > 0, mean, np.inf), axis=1)
    out: list[ObjectArray] = []
    for bank, scale, share, fallback in (
        (_STRENGTHS, best, STRENGTH_SHARE, "A clear strength: {}."),
        (_SUGGESTIONS, worst, SUGGESTION_SHARE, "Could do more of this: {}."),
    ):
        texts = [
            bank.get(k) or (fallback.format(framework.scale(k).title.lower()),)
            for k in person_scales
        ]
        flat = np.array([t for ts in texts for t in ts], dtype=object)
        lens = np.array([len(ts) for ts in texts])
        starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
        text = flat[starts[scale] + rng.integers(0, 1 << 30, n) % lens[scale]]
        text[rng.random(n) >= share] = None
        out.append(text)
    return out[0], out[1]


def programme(
    enrolled: ObjectArray, completed: BoolArray, base_q: int, rng: np.random.Generator
) -> tuple[dict[str, object], pd.DataFrame]:
    """The programme record and its enrolments.

    Three cohorts start five, nine and thirteen weeks into the quarter after the baseline
    quarter ``base_q`` and run twelve weeks each; each enrolled person joins one at random.
    """
    q = base_q + 1
    quarter_start = dt.date(START_YEAR + q // 4, 3 * (q % 4) + 1, 1)
    starts = [quarter_start + dt.timedelta(days=33 + 28 * c) for c in range(3)]
    ends = [s + dt.timedelta(days=84) for s in starts]
    name = "Collaborative Leadership Programme"
    cohort = rng.integers(0, 3, enrolled.size)
    enrolments = pd.DataFrame(
        {
            "person_id": enrolled,
            "programme": np.full(enrolled.size, name, dtype=object),
            "start": np.array([s.isoformat() for s in starts], dtype=object)[cohort],
            "end": np.array([e.isoformat() for e in ends], dtype=object)[cohort],
            "completed": completed.astype(bool),
        }
    )
    programme: dict[str, object] = {
        "name": name,
        "provider": "Fairway Learning Partners (fictional)",
        "start": starts[0].isoformat(),
        "end": ends[-1].isoformat(),
        "cost_per_participant": 1850.0,
        # design, venues and the evaluation itself: Phillips counts them in the full cost
        "other_costs": 24000.0,
        "sessions": SESSIONS,
        "participants": int(enrolled.size),
    }
    return programme, enrolments


#: sessions of the simulated programme
SESSIONS = 6


def attendance(
    enrolled: ObjectArray, completed: BoolArray, rng: np.random.Generator
) -> pd.DataFrame:
    """Sessions attended by each enrolled person: completers miss at most one, the others
    drop out after one to four sessions."""
    completers = rng.integers(SESSIONS - 1, SESSIONS + 1, enrolled.size)
    dropouts = rng.integers(1, SESSIONS - 1, enrolled.size)
    return pd.DataFrame(
        {
            "person_id": enrolled,
            "sessions_attended": np.where(completed, completers, dropouts),
            "sessions_total": np.full(enrolled.size, SESSIONS),
        }
    )


# What one unit of each KPI is worth per site and quarter, as a finance team might state it
# for the ROI (fictional figures, in GBP), and where the figure comes from.
KPI_VALUES: dict[str, tuple[float, str]] = {
    "On-time delivery (%)": (9000.0, "late-delivery penalties and expediting costs (fictional)"),
    "Cost variance (%)": (12000.0, "one point of variance on a site's quarterly spend (fictional)"),
    "Safety incidents per 100k hours": (
        30000.0,
        "average direct cost of a recordable incident, per 100k hours (fictional)",
    ),
    "Partner satisfaction (1-10)": (5000.0, "renewal value at risk per point (fictional)"),
}
#: quarters of benefit counted in the demo's ROI: the first year after the programme
KPI_BENEFIT_PERIODS = 4.0


def reaction_answers(
    person_ids: list[str], item_ids: list[str], low: int, high: int, rng: np.random.Generator
) -> dict[str, dict[str, int]]:
    """Reaction questionnaire answers: each person has an overall liking of the programme
    (most liked it: mean 4 on a 1–5 scale) that colours every item, plus item noise."""
    liking = rng.normal(4.0, 0.55, len(person_ids))
    noise = rng.normal(0.0, 0.5, (len(person_ids), len(item_ids)))
    values = np.clip(np.rint(liking[:, None] + noise), low, high).astype(int)
    return {
        pid: dict(zip(item_ids, (int(v) for v in row), strict=True))
        for pid, row in zip(person_ids, values, strict=True)
    }


def kpis(
    site_names: list[str],
    periods: list[str],
    site_lead: FloatArray,
    base_q: int,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Quarterly KPIs per site and the planted slope of each on site leadership.

    ``site_lead`` holds the site mean of true leadership at baseline and follow-up (columns);
    the programme's change phases in over the two quarters after it (``base_q + 1``).
    """
    n_sites, n_q = len(site_names), len(periods)
    ramp = np.clip((np.arange(n_q) - (base_q + 1)) / 2.0, 0.0, 1.0)  # programme in base_q + 1
    lead0, change = site_lead[:, 0], site_lead[:, 1] - site_lead[:, 0]
    level = (lead0 - lead0.mean())[:, None] + ramp[None, :] * change[:, None]
    frames, slopes = [], {}
    for name, base, slope, site_sd, noise_sd, low, high, higher, target in KPI_SPECS:
        noise = rng.normal(0.0, site_sd, (n_sites, 1)) + rng.normal(0.0, noise_sd, (n_sites, n_q))
        value = np.clip(base + slope * level + noise, low, high).round(2)
        frames.append(
            pd.DataFrame(
                {
                    "site": np.repeat(np.array(site_names, dtype=object), n_q),
                    "period": np.tile(np.array(periods, dtype=object), n_sites),
                    "kpi": np.full(n_sites * n_q, name, dtype=object),
                    "value": value.ravel(),
                    "higher_is_better": np.full(n_sites * n_q, higher),
                    "target": np.full(n_sites * n_q, target, dtype=float),
                }
            )
        )
        slopes[name] = float(slope)
    return pd.concat(frames, ignore_index=True), slopes
