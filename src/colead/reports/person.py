"""The individual 360 report: one person's results in one wave -> one self-contained HTML page.

The page opens with a one-page summary (:mod:`person_summary`), then shows the person's
scores by rater group, item by item, blind spots, norms, competences and comments
(:mod:`person_sections`), the change since the review's earlier wave (:mod:`person_change`),
where to start and the person's own development plan (:mod:`person_plan`). Everything comes
from the engine's own decisions, prepared as ``WaveContext`` and ``PersonData`` by
:mod:`colead.jobs.person_reports`; the Jinja2 template only lays the page out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from colead.reports.person_change import change_section
from colead.reports.person_data import (
    GROUP_ORDER,
    SELF,
    PersonData,
    WaveContext,
    group_label,
    lookup,
    person_scales,
)
from colead.reports.person_plan import plan_practices, plan_section
from colead.reports.person_sections import (
    ItemStat,
    benchmark_section,
    comments_section,
    competences_section,
    gaps_section,
    grouping_note,
    item_stats,
    item_tables,
    person_scale_groups,
    practice_block,
    ranked_table,
    systems_block,
    top_and_bottom,
)
from colead.reports.person_summary import (
    development_section,
    person_priorities,
    summary_section,
)
from colead.reports.review import environment
from colead.reports.sections import SYNTHETIC_BANNER

__all__ = [
    "GROUP_ORDER",
    "ItemStat",
    "PersonData",
    "WaveContext",
    "group_label",
    "person_context",
    "render_person_html",
    "top_and_bottom",
]


def person_context(wave: WaveContext, person: PersonData, *, generated_at: str) -> dict[str, Any]:
    """Everything the person template shows, as ready strings, tables and SVG markup."""
    cells = lookup(person.scores)
    fw = wave.framework
    items = item_stats(wave, person, cells)
    top, bottom = top_and_bottom(items)
    shown_groups = person_scale_groups(wave, cells)
    in_plan = plan_practices(person.plans)
    priorities = person_priorities(wave, person, cells)
    change = change_section(wave, person, in_plan)
    return {
        "wave": wave,
        "person": person,
        "generated_at": generated_at,
        "minimum": wave.minimum,
        "framework_label": fw.label,
        "scale_points": [(p.value, p.label) for p in fw.response_scale.points],
        "scale_min": fw.response_scale.minimum,
        "scale_max": fw.response_scale.maximum,
        "group_labels": [group_label(g) for g in shown_groups if g != SELF],
        "grouping": grouping_note(wave, person, cells),
        "n_observer_forms": len(person.observer_relations),
        "has_self": person.self_codes is not None,
        "practice_blocks": [
            practice_block(wave, title, scales, cells, k)
            for k, (title, scales) in enumerate(person_scales(fw))
        ],
        "systems": systems_block(wave, person),
        "item_tables": item_tables(items, wave.minimum),
        "top": ranked_table(top, "Top five behaviours: highest all-observer means"),
        "bottom": ranked_table(bottom, "Bottom five behaviours: lowest all-observer means"),
        "gaps": gaps_section(wave, person),
        "benchmark": benchmark_section(wave, cells),
        "synthetic_banner": SYNTHETIC_BANNER,
        "competences": competences_section(wave, person),
        "comments": comments_section(person),
        "comment_prompts": {c.id: c.prompt for c in fw.comments},
        "development": development_section(wave, priorities, in_plan),
        "change": change,
        "plan": plan_section(wave, person),
        "summary": summary_section(wave, person, cells, priorities, change, in_plan),
    }


def render_person_html(
    wave: WaveContext, person: PersonData, *, generated_at: str | None = None
) -> str:
    """Render one person's 360 report as a complete, self-contained HTML document.

    ``generated_at`` is the text of the generation date; the current UTC time when None
    (pass a fixed value for reproducible output).
    """
    stamp = generated_at or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    template = environment().get_template("person.html.j2")
    return template.render(**person_context(wave, person, generated_at=stamp))
