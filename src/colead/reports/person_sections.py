"""Sections of the individual report about this wave: groups, items, gaps, norms, comments.

Everything shown comes from the engine's own decisions: group scores are the rows of
``PersonScores.table`` (already folded for anonymity by :mod:`colead.analysis.scoring`),
blind spots and hidden strengths come from :func:`self_other_gaps`, percentiles from
:func:`percentile_rank`, competences from :func:`competence_profile`. Item-level observer
means obey the rule of the all-observer scale mean (:func:`observers_shown`, applied to the
raters who answered the item). Comments are pooled, never attributed, and sorted, so their
order says nothing about who wrote them.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from colead.analysis.anonymity import OBSERVERS, OTHERS, fold_groups, observers_shown
from colead.analysis.benchmark import percentile_rank
from colead.analysis.individual import BLIND_SPOT, HIDDEN_STRENGTH, self_other_gaps
from colead.analysis.scoring import codes_to_values
from colead.domain import NOT_OBSERVED
from colead.framework import RatedUnit, Scale
from colead.reports.chart_specs import BarSeries, format_score
from colead.reports.person_data import (
    GROUP_ORDER,
    MANAGER,
    NO_SCORE,
    SELF,
    Cells,
    PersonData,
    WaveContext,
    chart,
    group_label,
    join_words,
    likely_range,
    person_scales,
    practice_list,
    with_n,
)
from colead.reports.sections import BANDS, ordinal, signed
from colead.reports.tables import Cell, Row, Table, relation_label

__all__ = [
    "TOP_N",
    "ItemStat",
    "benchmark_section",
    "comments_section",
    "competences_section",
    "gaps_section",
    "grouping_note",
    "item_stats",
    "item_tables",
    "practice_block",
    "ranked_table",
    "systems_block",
    "top_and_bottom",
]

#: Items listed as most and least often seen.
TOP_N = 5


@dataclass(frozen=True)
class ItemStat:
    """One item on a person's page: own answer (as text) and the observers' mean."""

    scale: Scale
    text: str
    self_text: str
    mean: float
    n: int
    shown: bool


# ---------------------------------------------------------------------------- groups


def practice_block(
    wave: WaveContext, title: str, scales: list[Scale], cells: Cells, k: int
) -> dict[str, Any]:
    groups = [g for g in GROUP_ORDER if any((s.id, g) in cells for s in scales)]
    series = [
        BarSeries(
            group_label(g),
            tuple(cells.get((s.id, g), NO_SCORE)[0] for s in scales),
            tuple(cells.get((s.id, g), NO_SCORE)[2] for s in scales),
        )
        for g in groups
    ]
    names = [s.title for s in scales]
    rows = tuple(
        Row(
            s.title,
            (
                *(with_n(*cells.get((s.id, g), NO_SCORE)[::2]) for g in groups),
                Cell(likely_range(cells.get((s.id, OBSERVERS)))),
            ),
        )
        for s in scales
    )
    columns = (*(group_label(g) for g in groups), "All observers: 95% range")
    caption = f"{title}: mean score and n raters for you and each rater group"
    chart_title = f"{title}: you and each rater group"
    return {
        "title": title,
        "chart": chart(wave, chart_title, names, series, f"chart-groups-{k}"),
        "table": Table(caption, "Practice", columns, rows),
        "empty": not groups,
    }


def grouping_note(wave: WaveContext, person: PersonData, cells: Cells) -> dict[str, str]:
    """How this person's raters are grouped, as ready sentences.

    The grouping is decided once per person and wave (:func:`fold_groups` on the forms they
    received, as :func:`colead.analysis.disclosure.decide_disclosure` does), so it is told
    once in ``grouping``. Only groups shown on their own are named: naming the relations
    inside "Others (combined)", or those left out, would tell the person that someone of
    that relation answered (a lone direct report, say), and no page says who answered.
    ``per_practice`` names the shown groups missing from some practices (too few of their
    people rated that practice), ``same_as_all`` says when "Others (combined)" holds every
    observer and so repeats "All observers", and ``observers_held`` when answers are left
    out of "All observers" somewhere. Empty strings when there is nothing to say.
    """
    m = wave.minimum
    counts = Counter(person.observer_relations)
    grouping = fold_groups(counts, m)
    alone = [r for r in GROUP_ORDER if grouping.get(r) == r]
    combined = any(g == OTHERS for g in grouping.values())
    withheld = any(g is None for g in grouping.values())
    parts = []
    if alone:
        verb = "is" if len(alone) == 1 else "are"
        parts.append(f"{_names(alone)} {verb} shown separately")
    rest = "everyone else who rated you" if alone else "everyone who rated you"
    if combined:
        parts.append(f"{rest} is combined as “Others (combined)”")
    elif withheld:
        parts.append(f"the answers of {rest} cannot be shown, not even combined")
    grouping_text = ""
    if parts:
        rule = (
            f"any group other than your line manager is shown only with at least {m} people, "
            "and the grouping is the same on every practice"
        )
        grouping_text = f"{_capital('; '.join(parts))}: {rule}."
    names = [s.id for s in practice_list(wave.framework)]
    published = [g for g in (*alone, OTHERS) if any((s, g) in cells for s in names)]
    gaps = [g for g in published if not all((s, g) in cells for s in names)]
    per_practice = []
    if MANAGER in gaps:
        per_practice.append(
            "Your line manager gave no score on some practices (they answered “not observed” "
            "to most of those statements)."
        )
    groups = [f"“{group_label(g)}”" for g in gaps if g != MANAGER]
    if groups:
        verb = "has" if len(groups) == 1 else "have"
        per_practice.append(
            f"{join_words(groups)} {verb} no average on some practices, where fewer than {m} "
            "of the group's people gave a score (the others answered “not observed” to most "
            "of those statements)."
        )
    same = (
        combined
        and not alone
        and not withheld
        and all(
            cells.get((s, OTHERS), NO_SCORE)[2] == cells.get((s, OBSERVERS), NO_SCORE)[2]
            for s in names
        )
    )
    held = any(r != MANAGER for r in counts) and not all((s, OBSERVERS) in cells for s in names)
    return {
        "grouping": grouping_text,
        "per_practice": " ".join(per_practice),
        "same_as_all": (
            "Everyone who rated you is in that one combined group, so its figures are the same "
            "as “All observers”."
            if same
            else ""
        ),
        "observers_held": (
            "For some practices a few answers are not shown, alone or in “All observers”, "
            "because too few people gave them."
            if held
            else ""
        ),
    }


def _names(relations: list[str]) -> str:
    return join_words([_lower(relation_label(r)) for r in relations])


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower(label: str) -> str:
    """ "Line manager" -> "your line manager", "Peers" -> "peers" (mid-sentence)."""
    if label == relation_label(MANAGER):
        return "your line manager"
    if label.startswith("Partner"):
        return "people in the partner organisation"
    return label[0].lower() + label[1:]


def systems_block(wave: WaveContext, person: PersonData) -> dict[str, Any] | None:
    scales = [s for f in wave.framework.families if f.rates is RatedUnit.site for s in f.scales]
    if not scales:
        return None
    own = person.systems_self if person.own_copy else {}
    site = wave.site_systems.get(person.site, {})
    everyone = f"Everyone at {person.site}" if person.site else "Everyone at your site"
    series = []
    if person.own_copy:
        values = tuple(own.get(s.id, math.nan) for s in scales)
        series.append(BarSeries("You", values, (1,) * len(scales)))
    if site:
        pairs = [site.get(s.id, (math.nan, 0)) for s in scales]
        series.append(BarSeries(everyone, tuple(m for m, _ in pairs), tuple(n for _, n in pairs)))
    if not series:
        return {"own_copy": False, "has_self": False, "chart": None, "table": None}
    mean_of = [with_n(*site.get(s.id, (math.nan, 0))) for s in scales]
    if person.own_copy:
        rows = tuple(
            Row(s.title, (Cell(format_score(own.get(s.id))), mean))
            for s, mean in zip(scales, mean_of, strict=True)
        )
        columns: tuple[str, ...] = ("Your view", everyone)
        caption = "Systems and structures: your own rating and your site's mean (n people)"
        title = "Systems and structures at your site: your view and your site's"
    else:
        rows = tuple(Row(s.title, (mean,)) for s, mean in zip(scales, mean_of, strict=True))
        columns = (everyone,)
        caption = "Systems and structures: your site's mean (n people)"
        title = "Systems and structures at your site"
    return {
        "chart": chart(wave, title, [s.title for s in scales], series, "chart-systems"),
        "table": Table(caption, "Clause / scale", columns, rows),
        "has_self": any(math.isfinite(v) for v in own.values()),
        "own_copy": person.own_copy,
    }


# ---------------------------------------------------------------------------- items


def item_stats(wave: WaveContext, person: PersonData, cells: Cells) -> list[ItemStat]:
    fw = wave.framework
    position = {item_id: k for k, item_id in enumerate(fw.item_ids)}
    answered = person.observer_codes >= 0
    values = codes_to_values(person.observer_codes)
    relations = np.asarray(person.observer_relations, dtype=object)
    own = person.self_codes
    found = []
    for scale in practice_list(fw):
        observers_ok = (scale.id, OBSERVERS) in cells
        for item in scale.items:
            k = position[item.id]
            who = Counter(str(r) for r in relations[answered[:, k]])
            n = sum(who.values())
            shown = observers_ok and n > 0 and observers_shown(who, wave.minimum)
            mean = float(np.mean(values[answered[:, k], k])) if shown else math.nan
            mine = "–" if own is None or own[k] < 0 else str(int(own[k]))
            if own is not None and own[k] == NOT_OBSERVED:
                mine = "not observed"
            found.append(ItemStat(scale, item.text, mine, mean, n if shown else 0, shown))
    return found


def item_tables(items: list[ItemStat], minimum: int) -> list[Table]:
    by_scale: dict[str, list[ItemStat]] = {}
    for i in items:
        by_scale.setdefault(i.scale.id, []).append(i)
    note = f"not shown (fewer than {minimum} answers, or none)"
    tables = []
    for found in by_scale.values():
        rows = []
        for i in found:
            cells: tuple[Cell, ...] = (Cell(i.self_text), Cell(note, span=2, kind="note"))
            if i.shown:
                cells = (Cell(i.self_text), Cell(format_score(i.mean)), Cell(str(i.n)))
            rows.append(Row(i.text, cells))
        caption = f"{found[0].scale.title}: your answer and all observers' mean per item"
        tables.append(Table(caption, "Item", ("You", "All observers", "n observers"), tuple(rows)))
    return tables


def ranked_table(items: list[ItemStat], caption: str) -> Table | None:
    if not items:
        return None
    rows = tuple(
        Row(i.text, (Cell(i.scale.title, kind="text"), Cell(format_score(i.mean)), Cell(str(i.n))))
        for i in items
    )
    columns = ("Practice", "All observers", "n observers")
    return Table(caption, "Behaviour", columns, rows, column_kinds=("text", "num", "num"))


def top_and_bottom(items: list[ItemStat], n: int = TOP_N) -> tuple[list[ItemStat], list[ItemStat]]:
    """Shown items with the highest and lowest observer means; ties keep framework order."""
    shown = [i for i in items if i.shown]
    order = list(range(len(shown)))
    top = sorted(order, key=lambda k: (-shown[k].mean, k))[:n]
    bottom = sorted(order, key=lambda k: (shown[k].mean, k))[:n]
    return [shown[k] for k in top], [shown[k] for k in bottom]


# ---------------------------------------------------------------------------- gaps, norms


def gaps_section(wave: WaveContext, person: PersonData) -> dict[str, Any]:
    titles = {s.id: s.title for s in wave.framework.scales}
    found = person.gaps
    if found is None:
        found = self_other_gaps(person.scores, margin=wave.gap_margin).table
    reading = {BLIND_SPOT: "Blind spot", HIDDEN_STRENGTH: "Hidden strength"}
    rows = []
    for rec in found.to_dict("records"):
        cells = (
            Cell(format_score(rec["self"])),
            with_n(float(rec["observers"]), int(rec["n_observers"])),
            Cell(signed(rec["gap"])),
            Cell(reading.get(str(rec["kind"]), "Close to others"), kind="text"),
        )
        rows.append(Row(titles.get(str(rec["scale_id"]), str(rec["scale_id"])), cells))
    caption = "You and all observers per practice: difference and what it suggests"
    columns = ("You", "All observers", "Difference", "Reading")
    kinds = ("num", "num", "num", "text")
    return {
        "table": Table(caption, "Practice", columns, tuple(rows), column_kinds=kinds)
        if rows
        else None,
        "blind": [r.header for r in rows if r.cells[-1].text == reading[BLIND_SPOT]],
        "hidden": [r.header for r in rows if r.cells[-1].text == reading[HIDDEN_STRENGTH]],
        "margin": format_score(wave.gap_margin),
    }


def benchmark_section(wave: WaveContext, cells: Cells) -> dict[str, Any] | None:
    if not wave.norms:
        return None
    rows = []
    for s in practice_list(wave.framework):
        value, norm = cells.get((s.id, OBSERVERS)), wave.norms.get(s.id)
        if value is None:
            rows.append(Row(s.title, (Cell("not shown", span=3, kind="note"),)))
        elif norm is None:
            missing = Cell("no norm", span=2, kind="note")
            rows.append(Row(s.title, (with_n(value[0], value[2]), missing)))
        else:
            rank = percentile_rank(value[0], norm)
            band = Cell(BANDS.get(rank.band, "no band"), kind="text")
            where = (Cell(ordinal(rank.percentile)), band)
            rows.append(Row(s.title, (with_n(value[0], value[2]), *where)))
    caption = "Your observers' mean against the norm group: percentile and band"
    columns = ("All observers", "Percentile", "Band")
    table = Table(caption, "Practice", columns, tuple(rows), column_kinds=("num", "num", "text"))
    first = next(iter(wave.norms.values()))
    synthetic = any(n.synthetic for n in wave.norms.values())
    return {"table": table, "source": first.source, "synthetic": synthetic}


def competences_section(wave: WaveContext, person: PersonData) -> dict[str, Any] | None:
    fw = wave.framework
    if not fw.competences:
        return None
    values = person.competences
    titles = {s.id: s.title for s in fw.scales}
    groups = [g for g in (SELF, OBSERVERS) if any(k[1] == g for k in values)]
    pairs = {g: [values.get((c.id, g), (math.nan, 0)) for c in fw.competences] for g in groups}
    series = [
        BarSeries(group_label(g), tuple(m for m, _ in pairs[g]), tuple(n for _, n in pairs[g]))
        for g in groups
    ]
    rows = tuple(
        Row(
            c.title,
            (
                Cell(", ".join(titles.get(p, p) for p in c.practices), kind="text"),
                with_n(*values.get((c.id, SELF), (math.nan, 0))),
                with_n(*values.get((c.id, OBSERVERS), (math.nan, 0))),
            ),
        )
        for c in fw.competences
    )
    caption = "Competences: the practices each draws on, your mean and all observers' mean"
    columns = ("Practices", "You", "All observers")
    title = "Collaborative leader competences: you and all observers"
    names = [c.title for c in fw.competences]
    return {
        "chart": chart(wave, title, names, series, "chart-competences"),
        "table": Table(caption, "Competence", columns, rows, column_kinds=("text", "num", "num")),
        "note": fw.competence_note,
    }


# ---------------------------------------------------------------------------- comments


def _sorted_texts(texts: tuple[str, ...]) -> list[tuple[str, int]]:
    """Distinct comments in alphabetical order, each with how many people wrote it."""
    counts = Counter(t.strip() for t in texts if t and t.strip())
    return sorted(counts.items(), key=lambda kv: (kv[0].casefold(), kv[0]))


def comments_section(person: PersonData) -> dict[str, Any]:
    enough = person.comments_shown
    return {
        "shown": enough,
        "strengths": _sorted_texts(person.strengths) if enough else [],
        "suggestions": _sorted_texts(person.suggestions) if enough else [],
        "own": [t for t, _ in _sorted_texts(person.own_comments)],
    }


def person_scale_groups(wave: WaveContext, cells: Cells) -> list[str]:
    """Groups with a published cell on some practice, in page order."""
    ids = [s.id for _, scales in person_scales(wave.framework) for s in scales]
    return [g for g in GROUP_ORDER if any((s, g) in cells for s in ids)]
