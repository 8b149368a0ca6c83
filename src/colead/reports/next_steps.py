"""What to do next, and the change findings of "In plain words", from this wave's evidence.

Every recommendation is built from the figures of the wave it is written for and names them
(``evidence``), with the conclusion of the source paper it follows (``basis``). A baseline
wave's steps rest on where things stand: the weakest practice, the sites with system but no
passion, leading without a title, the weakest system. A follow-up wave's steps rest first
on what changed since baseline (:mod:`colead.analysis.wave_change`): sites that fell back,
sites that moved on the system and passion map, where leading is still lowest, and the
change across the relationship. Only groups shown at the anonymity minimum are named, and
only shown change rows are read (:func:`~colead.reports.change_section.change_rows`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from colead.analysis.results import ChangeSinceBaseline, ReviewResults
from colead.analysis.wave_change import RELATIONSHIP
from colead.domain import QUADRANT_LABELS
from colead.reports.change_section import ChangeRow, change_rows, moved_groups, signed_change
from colead.reports.chart_specs import format_score
from colead.reports.sections import scale_titles
from colead.reports.summary import Finding
from colead.reports.tables import family_ids, hidden_groups, profile_stats

__all__ = ["NextStep", "change_findings", "next_steps"]

#: sites named at most in one recommendation
MAX_NAMED = 3
#: a fall needs a step of its own from a tenth of a scale point on: a smaller fall, however
#: certain, is reported in the change table and the summary but is not worth a round of talks
NOTABLE_FALL = 0.1
#: how good each place on the system and passion map is (a move sideways is neither way)
_RANK = {"neither": 0, "system_without_passion": 1, "passion_without_system": 1, "both": 2}


@dataclass(frozen=True)
class NextStep:
    """One recommendation: what to do, the figures of this wave it rests on, and why."""

    title: str
    text: str
    #: the figures of this wave the recommendation is built from
    evidence: str
    #: the conclusion of the source paper it follows from
    basis: str


def _names(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _family_title(results: ReviewResults, family: str) -> str:
    return results.families.get(family, family).lower()


def next_steps(results: ReviewResults) -> tuple[NextStep, ...]:
    """What to do next for this wave, most pressing first."""
    lead, manage = family_ids(results)
    change = results.change_since_baseline
    found: list[NextStep] = []
    if change is not None:
        found += _fell_back(results, change, lead, manage)
        found += _still_lowest(results, change, lead)
        found += _moved(results, change, lead)
    else:
        found += _system_without_passion(results)
    found += _weakest_practice(results, change, lead)
    found += _beyond_senior_roles(results)
    found += _weakest_system(results)
    found.append(_evaluate(results, change, lead, manage))
    return tuple(found)


def change_findings(results: ReviewResults) -> tuple[Finding, ...]:
    """The change since baseline in a sentence or two (nothing for a wave without one)."""
    change = results.change_since_baseline
    if change is None:
        return ()
    lead, manage = family_ids(results)
    found = []
    overall = [
        f"{_family_title(results, f)} moved from {_from_to(rows[0])}"
        for f in (lead, manage)
        if (rows := change_rows(change, by=RELATIONSHIP, measure=f))
    ]
    if overall:
        found.append(
            Finding(
                "change",
                f"Since {change.baseline_wave}, across the whole relationship "
                f"{_names(overall)} (after minus before, 95% CI in brackets).",
            )
        )
    parts = []
    for family in (lead, manage):
        sites = change_rows(change, by="site", measure=family)
        rose = [r.group for r in sites if r.clear_rise]
        fell = [r.group for r in sites if r.clear_fall]
        if family == lead and sites:
            parts.append(
                f"{_family_title(results, family)} rose clearly at {len(rose)} of {len(sites)} "
                f"sites compared and fell clearly at "
                + (f"{len(fell)} ({_names(fell)})" if fell else "none")
            )
        elif fell:
            parts.append(f"{_family_title(results, family)} fell clearly at {_names(fell)}")
    moved = moved_groups(change, "site")
    if moved:
        parts.append(
            "on the system and passion map "
            + "; ".join(
                f"{g} moved from {QUADRANT_LABELS.get(a, a)} to {QUADRANT_LABELS.get(b, b)}"
                for g, a, b in moved
            )
        )
    if parts:
        text = "; ".join(parts) + "."
        found.append(Finding("change", text[0].upper() + text[1:]))
    return tuple(found)


def _from_to(row: ChangeRow) -> str:
    """``3.21 to 3.30 (+0.09 [+0.07, +0.11], n 299 → 300)``."""
    return row.figures().replace(" → ", " to ", 1)


# ---------------------------------------------------------------------------- follow-up


def _fell_back(
    results: ReviewResults, change: ChangeSinceBaseline, lead: str, manage: str
) -> list[NextStep]:
    falls = [
        (family, row)
        for family in (lead, manage)
        for row in change_rows(change, by="site", measure=family)
        if row.clear_fall and row.change <= -NOTABLE_FALL
    ]
    if not falls:
        return []
    falls.sort(key=lambda item: item[1].change)
    named = falls[:MAX_NAMED]
    sites = list(dict.fromkeys(row.group for _, row in named))
    what = "; ".join(
        f"{_family_title(results, family)} fell at {row.group} ({signed_change(row.change)})"
        for family, row in named
    )
    evidence = "; ".join(
        f"{row.group}, {_family_title(results, family)} {row.figures()}" for family, row in named
    )
    return [
        NextStep(
            f"Find out what changed at {_names(sites)}",
            f"Since {change.baseline_wave}, {what}: more than chance alone would give. Talk "
            "with both organisations' people there before the next development round, and "
            "agree what to restore.",
            f"Change since baseline by site: {evidence}.",
            "Evaluate behaviour, not only reaction: a fall in observed behaviour is a result "
            "to act on.",
        )
    ]


def _still_lowest(results: ReviewResults, change: ChangeSinceBaseline, lead: str) -> list[NextStep]:
    rows = change_rows(change, by="site", measure=lead)
    if not rows:
        return []
    lowest = sorted(rows, key=lambda r: r.after)[:2]
    quadrant = _site_quadrants(change)
    system_only = [r.group for r in lowest if quadrant.get(r.group) == "system_without_passion"]
    still = [r for r in lowest if _rank(rows, r, "before") < 2]
    text = (
        f"{_names([r.group for r in lowest])} "
        f"{'are' if len(lowest) > 1 else 'is'} now lowest on {_family_title(results, lead)}"
    )
    if len(still) == len(lowest):
        text += ", as at baseline"
    text += "."
    if system_only:
        text += (
            f" {_names(system_only)} still {'run' if len(system_only) > 1 else 'runs'} on "
            "system without passion."
        )
    text += (
        " Make these sites the first place for leadership development and for the next "
        "round of personal plans, across both organisations."
    )
    evidence = "; ".join(f"{r.group} {r.figures()}" for r in lowest)
    return [
        NextStep(
            f"Develop leading where it is {'still ' if len(still) == len(lowest) else ''}"
            f"lowest: {_names([r.group for r in lowest])}",
            text,
            f"Change since baseline, {_family_title(results, lead)} by site: {evidence}.",
            "A system without passion fails: leading is what collaboration lacks most.",
        )
    ]


def _rank(rows: list[ChangeRow], row: ChangeRow, field: str) -> int:
    """Position of ``row`` among ``rows`` by ``field``, lowest first."""
    ordered = sorted(rows, key=lambda r: float(getattr(r, field)))
    return ordered.index(row)


def _site_quadrants(change: ChangeSinceBaseline) -> dict[str, str]:
    positions = change.positions
    shown = positions[(positions["by"] == "site") & positions["shown"].astype(bool)]
    return {str(r["group"]): str(r["after"]) for r in shown.to_dict("records")}


def _moved(results: ReviewResults, change: ChangeSinceBaseline, lead: str) -> list[NextStep]:
    moved = moved_groups(change, "site")
    if not moved:
        return []
    rows = {r.group: r for r in change_rows(change, by="site", measure=lead)}
    up = [m for m in moved if _RANK.get(m[2], 0) > _RANK.get(m[1], 0)]
    down = [m for m in moved if _RANK.get(m[2], 0) < _RANK.get(m[1], 0)]
    steps = []
    for kind, group in (("up", up), ("down", down)):
        if not group:
            continue
        names = [g for g, _, _ in group][:MAX_NAMED]
        evidence = "; ".join(
            f"{g}: {QUADRANT_LABELS.get(a, a)} → {QUADRANT_LABELS.get(b, b)}"
            + (f", {_family_title(results, lead)} {rows[g].figures()}" if g in rows else "")
            for g, a, b in group[:MAX_NAMED]
        )
        if kind == "up":
            steps.append(
                NextStep(
                    f"Learn from {_names(names)}",
                    f"{_names(names)} moved to a better place on the system and passion map "
                    "since baseline. Ask what their people did differently and share it with "
                    "the sites that have not moved.",
                    f"System and passion at both waves: {evidence}.",
                    "Leading can be developed: a site that moved shows what works here.",
                )
            )
        else:
            steps.append(
                NextStep(
                    f"Check why {_names(names)} lost ground on the map",
                    f"{_names(names)} moved to a weaker place on the system and passion map "
                    "since baseline; agree with both organisations there what to put back.",
                    f"System and passion at both waves: {evidence}.",
                    "Collaboration needs both a system and a passion; losing one undoes it.",
                )
            )
    return steps


# ---------------------------------------------------------------------------- any wave


def _system_without_passion(results: ReviewResults) -> list[NextStep]:
    continuum = results.continuum
    if continuum is None or continuum.table.empty:
        return []
    hidden = set(hidden_groups(results.site_profile))
    table = continuum.table[
        ~continuum.table["group"].astype(str).isin(hidden)
        & (continuum.table["n_people"] >= results.anonymity_minimum)
        & (continuum.table["quadrant"] == "system_without_passion")
    ].sort_values("passion")
    if table.empty:
        return []
    named = table.head(MAX_NAMED)
    sites = [str(g) for g in named["group"]]
    evidence = "; ".join(
        f"{r['group']} passion {format_score(r['passion'])}, system "
        f"{format_score(r['system'])} (n {int(r['n_people'])})"
        for r in named.to_dict("records")
    )
    more = len(table) - len(named)
    tail = f", and {more} more site{'s' if more > 1 else ''}" if more > 0 else ""
    return [
        NextStep(
            f"Bring passion to the system at {_names(sites)}",
            f"{len(table)} of {len(continuum.table)} sites run on system without passion"
            f"{tail}; {_names(sites)} have the least leading. Start leadership development "
            "there, with people of both organisations.",
            f"System and passion by site, {results.wave} (threshold "
            f"{format_score(continuum.threshold)}): {evidence}.",
            "A system without passion fails: measure and develop leading, not only management.",
        )
    ]


def _weakest_practice(
    results: ReviewResults, change: ChangeSinceBaseline | None, lead: str
) -> list[NextStep]:
    titles = scale_titles(results)
    means = results.person_scores.observer_means
    columns = [s.id for s in results.scales_of(lead) if s.id in means.columns]
    values = means[columns].mean(axis=0, skipna=True).dropna() if columns else pd.Series()
    if values.empty:
        return []
    worst = str(values.idxmin())
    n = int(means[worst].notna().sum())
    title = titles.get(worst, worst)
    text = f"{title} is the weakest {_family_title(results, lead)} practice"
    evidence = (
        f"practice means across the relationship, {results.wave}: {title} "
        f"{format_score(values[worst])} (n {n} people)"
    )
    if change is not None:
        rows = {r.measure: r for r in change_rows(change, by=RELATIONSHIP)}
        before = {m: r.before for m, r in rows.items() if m in columns}
        if worst in rows:
            was_weakest = bool(before) and min(before, key=lambda m: before[m]) == worst
            text = f"{title} is {'still' if was_weakest else 'now'} the weakest practice"
            evidence += f"; change since baseline {rows[worst].figures()}"
    return [
        NextStep(
            f"Develop \u201c{title}\u201d first",
            f"{text} ({format_score(values[worst])}). Make it the first theme of leadership "
            "development and of personal plans.",
            evidence[0].upper() + evidence[1:] + ".",
            "Measure leadership, not only management: what is measured can be developed.",
        )
    ]


def _beyond_senior_roles(results: ReviewResults) -> list[NextStep]:
    tvl = results.title_vs_leading
    if tvl is None or not tvl.n_untitled:
        return []
    return [
        NextStep(
            "Develop people beyond senior roles",
            f"{tvl.leading_without_title} people without a senior title already lead; "
            "include team leaders and front-line staff of both organisations in "
            "development, not only senior managers.",
            f"Title and leading, {results.wave}: {tvl.leading_without_title} of "
            f"{tvl.n_untitled} people without a senior title lead often; "
            f"{tvl.title_without_leading} of {tvl.n_titled} with one do not.",
            "Leading is a behaviour at every level, not a role held by a few.",
        )
    ]


def _weakest_system(results: ReviewResults) -> list[NextStep]:
    profile = results.systems_by_site
    cells = [
        (group, scale, stat)
        for (group, scale), stat in profile_stats(profile).items()
        if stat.shown
    ]
    if not cells:
        return []
    titles = scale_titles(results)
    frame = pd.DataFrame(
        [(g, s, stat.mean, stat.n) for g, s, stat in cells],
        columns=["group", "scale_id", "mean", "n"],
    )
    by_scale = frame.groupby("scale_id")["mean"].mean()
    weakest = str(by_scale.idxmin())
    title = titles.get(weakest, weakest)
    lowest = frame[frame["scale_id"] == weakest].nsmallest(2, "mean")
    where = _names(
        [f"{r['group']} ({format_score(r['mean'])}, n {r['n']})" for r in lowest.to_dict("records")]
    )
    return [
        NextStep(
            f"Strengthen \u201c{title}\u201d where it is weakest",
            f"{title} has the lowest systems score, lowest at {_names(list(lowest['group']))}. "
            "Agree actions with those sites and tie them to the contract deliverables they "
            "support.",
            f"Systems and structures by site, {results.wave}: {title} "
            f"{format_score(by_scale[weakest])} on average over the sites shown; lowest at "
            f"{where}.",
            "Link deliverables to the enablers that produce them.",
        )
    ]


def _evaluate(
    results: ReviewResults, change: ChangeSinceBaseline | None, lead: str, manage: str
) -> NextStep:
    basis = "Evaluate beyond reaction: change in behaviour and in business results."
    if change is None:
        return NextStep(
            "Evaluate behaviour and results",
            "Run a follow-up wave with the same items after the development, record who "
            "took part, and keep the KPIs by site and period, so change in behaviour and "
            "in results can be evaluated against people and sites not yet developed.",
            f"This is the first wave ({results.wave}): there is nothing yet to compare with.",
            basis,
        )
    overall = [
        f"{_family_title(results, f)} {rows[0].figures()}"
        for f in (lead, manage)
        if (rows := change_rows(change, by=RELATIONSHIP, measure=f))
    ]
    sites = change_rows(change, by="site", measure=lead)
    unclear = [r.group for r in sites if not (r.clear_rise or r.clear_fall)]
    text = (
        "Keep measuring: repeat the survey and the KPI record at the next review with the "
        "same items, and keep a comparison group, so that the change seen now can be "
        "confirmed and tied to business results."
    )
    if unclear:
        text += (
            f" At {len(unclear)} of {len(sites)} sites the change in "
            f"{_family_title(results, lead)} is still within chance."
        )
    evidence = (
        f"Change since baseline across the whole relationship: {'; '.join(overall)}."
        if overall
        else "Change since baseline: no group is shown at both waves."
    )
    return NextStep("Evaluate behaviour and results", text, evidence, basis)
