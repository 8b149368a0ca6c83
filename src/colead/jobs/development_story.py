"""The development loop of the demo: from the baseline to the evidence of impact.

After the simulated relationship is stored, the demo walks the loop a real review would:
check the programme's cohort against the evidence of the baseline, agree development plans
for the enrolled people and let them work on them, keep the relationship's improvement
actions, collect the programme's reaction questionnaire, state what a KPI unit is worth, and
check that the scales behave the same in both waves. Everything goes through the same core
functions as the CLI and the console, so the demo exercises them end to end.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy import Engine

from colead.analysis.benchmark import Norm
from colead.analysis.stability import StabilityResult
from colead.development.kpi_values import set_kpi_value
from colead.development.plans import (
    ActionChange,
    PlanGeneration,
    apply_action_change,
    generate_plans,
    list_plan_actions,
    set_plan_status,
)
from colead.development.programmes import ProgrammeSummary, show_programme
from colead.development.reactions import ITEMS, SCALE, record_reactions_bulk
from colead.development.review_actions import (
    list_review_actions,
    seed_review_actions,
    update_review_action,
)
from colead.development.selection import SelectionReport, select_participants
from colead.fieldwork.follow_up import review_stability
from colead.simulation.outcomes import KPI_BENEFIT_PERIODS, KPI_VALUES, reaction_answers
from colead.simulation.review import SimulatedReview
from colead.store import transaction
from colead.store.plans import actions_by_id

ACTOR = "demo"
#: share of completers who answer the reaction questionnaire
REACTION_RESPONSE_RATE = 0.8

# How far the simulated people got with their plans: completers of the programme mostly
# finished their actions, those who dropped out mostly did not start.
_PROGRESS = {
    True: {"done": 0.6, "in_progress": 0.25, "open": 0.15},
    False: {"done": 0.15, "in_progress": 0.25, "open": 0.6},
}
# Owners of the relationship's improvement actions, and how far each has got.
_REVIEW_ACTIONS = {
    "link_deliverables": ("Joint relationship management team", "done"),
    "measure_leadership": ("Relationship manager, client", "done"),
    "develop_all_levels": ("Head of learning and development, supplier", "in_progress"),
    "evaluate": ("Relationship manager, supplier", "in_progress"),
}


@dataclass(frozen=True)
class DevelopmentStory:
    """What the demo did between the baseline and the evaluation."""

    programme: ProgrammeSummary
    selection: SelectionReport
    plans: PlanGeneration
    #: plan actions by status after the simulated follow-through
    plan_actions: dict[str, int]
    #: the relationship's improvement actions by status
    review_actions: dict[str, int]
    stability: StabilityResult
    #: reaction questionnaires answered, of those asked (everyone who completed)
    reactions: tuple[int, int]
    #: KPIs given a money value per unit, for the ROI
    kpi_values: int


def run_development_story(
    engine: Engine,
    simulated: SimulatedReview,
    review: str,
    *,
    minimum: int,
    norms: Mapping[str, Norm] | None,
    seed: int,
) -> DevelopmentStory:
    """Walk the development loop on a stored simulated review (see the module docstring)."""
    baseline, follow_up = simulated.waves[0], simulated.waves[-1]
    programme = str(simulated.programme["name"])
    selection = select_participants(
        engine, review, baseline.name, minimum, norms=norms, programme=programme
    )
    enrolled = sorted(str(p) for p in simulated.enrolments["person_id"])
    programme_end = date.fromisoformat(str(simulated.programme["end"]))
    plans = generate_plans(
        engine,
        review,
        baseline.name,
        people=enrolled,
        actor=ACTOR,
        due=programme_end + timedelta(days=60),
        minimum=minimum,
        today=programme_end,
    )
    completed = set(simulated.truth.completed)
    rng = np.random.default_rng([12, seed])
    with transaction(engine) as session:
        for plan in plans.created:
            set_plan_status(session, plan.plan_id, "agreed", actor=plan.person)
        actions = list_plan_actions(session, review)
        rows = actions_by_id(session, [a.id for a in actions])
        for action in actions:
            progress = _PROGRESS[action.person in completed]
            status = str(rng.choice(list(progress), p=list(progress.values())))
            # the person updates their own plan, as they would from their link
            change = ActionChange(status=status)
            apply_action_change(session, rows[action.id], change, actor=action.person or ACTOR)
        seed_review_actions(session, review, ACTOR, due_date=programme_end + timedelta(days=90))
        for logged in list_review_actions(session, review):
            owner, status = _REVIEW_ACTIONS.get(logged.topic or "", (None, logged.status))
            change = ActionChange(status=status, owner=owner)
            update_review_action(session, review, logged.id, change, actor=ACTOR)
        asked, answers = _reactions(sorted(completed), rng)
        record_reactions_bulk(session, review, programme, answers, ACTOR, minimum=minimum)
        for kpi, (value, source) in KPI_VALUES.items():
            set_kpi_value(
                session,
                review,
                kpi,
                value,
                currency="GBP",
                periods=KPI_BENEFIT_PERIODS,
                source=source,
                actor=ACTOR,
            )
        plan_actions = Counter(a.status for a in list_plan_actions(session, review))
        review_actions = Counter(a.status for a in list_review_actions(session, review))
        stability = review_stability(session, review, [baseline.name, follow_up.name])
        summary = show_programme(session, review, programme).summary
    return DevelopmentStory(
        programme=summary,
        selection=selection,
        plans=plans,
        plan_actions=dict(plan_actions),
        review_actions=dict(review_actions),
        stability=stability.result,
        reactions=(len(answers), asked),
        kpi_values=len(KPI_VALUES),
    )


def _reactions(
    completers: list[str], rng: np.random.Generator
) -> tuple[int, dict[str, dict[str, int]]]:
    """Simulated answers of the completers who return the questionnaire (about 80 %)."""
    answering = [p for p in completers if rng.random() < REACTION_RESPONSE_RATE]
    low, high = SCALE[0][0], SCALE[-1][0]
    items = [item.id for item in ITEMS]
    return len(completers), reaction_answers(answering, items, low, high, rng)
