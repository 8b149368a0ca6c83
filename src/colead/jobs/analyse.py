"""Job: analyse one stored wave, with the programme evaluation when there is one to make.

Reads everything the analysis needs in one snapshot, then hands plain frames to
:mod:`colead.analysis`; the command line, the console, the API and the report jobs all
analyse a stored wave through :func:`analyse_review`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

import pandas as pd
from sqlalchemy import Engine

from colead.analysis import ReviewResults
from colead.analysis.benchmark import Norm
from colead.analysis.review import analyse_with_baseline, compare_with_baseline
from colead.domain import WaveStatus
from colead.fieldwork.release import published_wave
from colead.store.engine import snapshot
from colead.store.outcomes import enrolments_frame, kpis_frame
from colead.store.plans import plan_actions_frame
from colead.store.reviews import get_review, load_framework_version
from colead.store.waves import list_waves, load_wave_data


def analyse_review(
    engine: Engine,
    review_name: str,
    wave_name: str | None,
    minimum: int,
    norms: Mapping[str, Norm] | None = None,
) -> ReviewResults:
    """Analyse one closed wave of a stored review (the latest closed one by default).

    Raises ``ResultsNotPublished`` for a wave that is not closed: while raters can answer,
    only participation is published.

    For a wave after the first, the results hold the change since baseline: the review's
    first wave's published site, organisation and relationship figures beside this wave's
    (:func:`~colead.analysis.review.compare_with_baseline`). The first wave, not the previous
    one, is the reference: it is the measurement before any development, and the programme
    evaluation compares the same two waves, so one report has one baseline. It needs the
    first wave closed and on the same framework version; otherwise a note says why nothing
    is compared.

    When an earlier wave exists and people were enrolled in a programme, the results also
    hold the programme evaluation from the first wave to this one, with the reaction
    questionnaires' scores (Kirkpatrick level 1) and, when KPI values and programme costs
    are recorded, the ROI (costs summed over the programmes of the people enrolled).
    """
    from colead.development.kpi_values import RoiInputs, roi_inputs
    from colead.store.reactions import submitted_reaction_scores

    # One snapshot for every read: an import committing between them must not be half seen.
    with snapshot(engine) as session:
        review = get_review(session, review_name)
        wave = published_wave(session, review, wave_name)
        framework = load_framework_version(session, wave.framework_version_id)
        data = load_wave_data(session, review, wave, framework)
        kpis = kpis_frame(session, review.id)
        enrolments = enrolments_frame(session, review.id)
        first = list_waves(session, review.id)[0]
        later = first.id != wave.id
        same_items = first.framework_version_id == wave.framework_version_id
        # Change since baseline shows the first wave's published figures: it needs that
        # wave closed (while a wave is open only its participation is published).
        comparable = later and same_items and first.status == WaveStatus.closed.value
        evaluated = later and same_items and not enrolments.empty
        baseline = (
            load_wave_data(session, review, first, framework) if comparable or evaluated else None
        )
        reaction: list[float] = []
        roi = RoiInputs((), None, None)
        plan_actions = None
        if evaluated:
            reaction = submitted_reaction_scores(session, review.id)
            roi = roi_inputs(session, review.name, enrolments)
            plan_actions = plan_actions_frame(session, review.id)
    results = analyse_with_baseline(
        data,
        baseline if evaluated else None,
        minimum,
        enrolments=enrolments,
        norms=norms,
        kpis=kpis,
        programme_start=_earliest(enrolments["programme_start"]),
        programme_end=_latest(enrolments["programme_end"]),
        reaction=reaction or None,
        kpi_values=roi.values,
        costs=roi.costs,
        costs_note=roi.costs_note,
        plan_actions=plan_actions,
    )
    if baseline is not None and comparable:
        return compare_with_baseline(results, data, baseline, minimum)
    if later and not comparable:
        why = (
            "it uses another version of the framework"
            if not same_items
            else "its results are not published yet (the wave is not closed)"
        )
        note = f"No change since baseline is shown: {first.name} cannot be compared, as {why}."
        return replace(results, notes=(*results.notes, note))
    return results


def _earliest(values: pd.Series) -> date | None:
    found = [v for v in values if isinstance(v, date)]
    return min(found) if found else None


def _latest(values: pd.Series) -> date | None:
    found = [v for v in values if isinstance(v, date)]
    return max(found) if found else None
