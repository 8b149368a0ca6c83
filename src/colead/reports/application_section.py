"""Application (Phillips level 3) in the evaluation report: did participants act on their plans?

Built from ``ProgrammeEvaluation.application`` (:func:`colead.analysis.application.
plan_progress`), which already pools every group below the anonymity minimum; this module
only lays the counts out and says what they do and do not show.
"""

from __future__ import annotations

from colead.analysis.application import POOLED
from colead.analysis.programme import ProgrammeEvaluation
from colead.analysis.results import ReviewResults
from colead.reports.sections import Section, p, records, share, tab
from colead.reports.tables import Cell, Row, Table, to_count

__all__ = ["application_section", "application_sentence"]

_BREAKDOWNS = (("all", "Participants"), ("level", "Level"), ("site", "Site"))


def application_sentence(ev: ProgrammeEvaluation) -> str | None:
    """One sentence on plan progress for the short answer (None without plans)."""
    overall = [r for r in records(ev.application) if r["breakdown"] == "all"]
    if not overall:
        return None
    rec = overall[0]
    live = to_count(rec["actions"]) - to_count(rec["dropped"])
    if live <= 0:
        return None
    done, doing, waiting = (to_count(rec[s]) for s in ("done", "in_progress", "open"))
    return (
        f"Application: {to_count(rec['n_people'])} participants have development plans; of "
        f"their {live} actions, {done / live:.0%} are done, {doing / live:.0%} in progress "
        f"and {waiting / live:.0%} not started."
    )


def application_section(results: ReviewResults) -> tuple[Section, ...]:
    """The plan-progress section, or nothing when no participant has a plan."""
    ev = results.evaluation
    if ev is None or ev.application.empty:
        return ()
    blocks = [
        p(
            "Phillips' level 3, application and implementation, asks whether participants "
            "did what they set out to do (Phillips 2003, ch. 3). Here that is the progress of "
            "the actions in the enrolled people's development plans. It shows effort, not "
            "effect: the behaviour section above shows whether others saw a change."
        ),
        p(
            f"Groups of fewer than {results.anonymity_minimum} participants are pooled into "
            f'"{POOLED}", so no one\u2019s own progress can be read off a small group.'
        ),
    ]
    for breakdown, label in _BREAKDOWNS:
        rows = [r for r in records(ev.application) if r["breakdown"] == breakdown]
        if not rows:
            continue
        blocks.append(tab(_table(rows, label)))
    return (Section("application", "Application: development plans", "Application", tuple(blocks)),)


def _table(rows: list[dict[str, object]], label: str) -> Table:
    body = []
    for rec in rows:
        actions = to_count(rec["actions"])
        live = actions - to_count(rec["dropped"])
        cells = (
            Cell(str(to_count(rec["n_people"]))),
            Cell(str(live)),
            Cell(share(to_count(rec["done"]), live) if live else "–"),
            Cell(share(to_count(rec["in_progress"]), live) if live else "–"),
            Cell(share(to_count(rec["open"]), live) if live else "–"),
            Cell(str(to_count(rec["dropped"]))),
        )
        group = str(rec["group"])
        body.append(Row(f"Level {group}" if label == "Level" and group.isdigit() else group, cells))
    caption = (
        "Plan actions of programme participants"
        + ("" if label == "Participants" else f", by {label.lower()}")
        + " (shares of the actions not dropped)"
    )
    columns = ("n participants", "Actions", "Done", "In progress", "Not started", "Dropped")
    return Table(caption, label, columns, tuple(body))
