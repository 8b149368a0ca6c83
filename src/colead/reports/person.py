"""The individual 360 report: one person's results in one wave -> one self-contained HTML page.

Everything shown comes from the engine's own decisions: group scores are the rows of
``PersonScores.table`` (already folded for anonymity by :mod:`colead.analysis.scoring`),
blind spots and hidden strengths come from :func:`self_other_gaps`, percentiles from
:func:`percentile_rank`, competences from :func:`competence_profile` (see
:mod:`colead.jobs.person_reports`, which prepares ``WaveContext`` and ``PersonData`` from an
analysed wave). Item-level observer means obey the rule of the all-observer scale mean
(:func:`observers_shown`, applied to the raters who answered the item). Comments are pooled,
never attributed, and sorted, so their order says nothing about who wrote them. The Jinja2
template only lays the page out.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup
from scipy import stats

from colead.analysis.anonymity import OBSERVERS, OTHERS, observers_shown
from colead.analysis.benchmark import Norm, percentile_rank
from colead.analysis.individual import BLIND_SPOT, HIDDEN_STRENGTH, self_other_gaps
from colead.analysis.scoring import codes_to_values
from colead.domain import NOT_OBSERVED, Relation
from colead.framework import Framework, RatedUnit, Scale
from colead.reports.chart_specs import BarSeries, GroupedBars, format_score
from colead.reports.charts import render_chart
from colead.reports.review import environment
from colead.reports.sections import BANDS, SYNTHETIC_BANNER, ordinal, signed
from colead.reports.tables import Cell, Row, Table, relation_label

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

SELF = Relation.self.value
MANAGER = Relation.manager.value
#: Rater groups in page order: relations, then folded small groups, then all observers.
GROUP_ORDER = (*(r.value for r in Relation), OTHERS, OBSERVERS)
#: Items listed as most and least often seen, and practices the development page covers.
TOP_N = 5
LOWEST_PRACTICES = 3

#: (mean, sd, n raters) of one scale and group
Score = tuple[float, float, int]


@dataclass(frozen=True)
class WaveContext:
    """What every person's page of one wave shares.

    ``site_systems``: site -> systems scale -> (mean, n people), for shown sites only.
    """

    review: str
    wave: str
    framework: Framework
    minimum: int
    gap_margin: float = 0.5
    norms: Mapping[str, Norm] | None = None
    site_systems: Mapping[str, Mapping[str, tuple[float, int]]] = field(default_factory=dict)


@dataclass(frozen=True)
class PersonData:
    """One rated person's inputs.

        ``scores`` are this person's rows of ``PersonScores.table`` (``ratee_id, scale_id, group,
        n_raters, mean, sd``), already folded. ``self_codes`` is the person's own form (int8 codes
        in framework item order) or None; ``observer_codes`` (forms × items) and
        ``observer_relations`` are the other forms about them. ``systems_self`` holds their own
        systems scale scores, ``gaps`` their rows of ``SelfOtherGaps.table`` (computed from
        ``scores`` when None), ``competences`` (competence id, ``self`` or ``observers``) ->
        (mean, n). Comments hold text only: ``strengths`` and ``suggestions`` come only from the
    forms :func:`colead.analysis.disclosure.comment_forms` allows, and ``comments_shown`` says
    whether there are any such forms.
    """

    person_id: str
    name: str
    scores: pd.DataFrame
    observer_codes: np.ndarray
    observer_relations: tuple[str, ...]
    self_codes: np.ndarray | None = None
    organisation: str = ""
    site: str = ""
    role_title: str = ""
    own_comments: tuple[str, ...] = ()
    strengths: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()
    systems_self: Mapping[str, float] = field(default_factory=dict)
    gaps: pd.DataFrame | None = None
    competences: Mapping[tuple[str, str], tuple[float, int]] = field(default_factory=dict)
    #: whether observers' comments may be shown (the disclosure rule for comments)
    comments_shown: bool = False
    #: the copy the person opens themselves: only it shows their own ratings of their site,
    #: which are anonymous site data for everyone else
    own_copy: bool = False


@dataclass(frozen=True)
class ItemStat:
    """One item on a person's page: own answer (as text) and the observers' mean."""

    scale: Scale
    text: str
    self_text: str
    mean: float
    n: int
    shown: bool


@dataclass(frozen=True)
class Action:
    scale: str
    score: str
    n: int
    texts: tuple[str, ...]


def group_label(group: str) -> str:
    """Reader-facing name of a rater group; the person's own rating is "You"."""
    if group == SELF:
        return "You"
    if group == OBSERVERS:
        return "All observers"
    return relation_label(group)


# ---------------------------------------------------------------------------- helpers


def _lookup(scores: pd.DataFrame) -> dict[tuple[str, str], Score]:
    return {
        (str(r["scale_id"]), str(r["group"])): (
            float(r["mean"]),
            float(r["sd"]),
            int(r["n_raters"]),
        )
        for r in scores.to_dict("records")
    }


def _person_scales(framework: Framework) -> list[tuple[str, list[Scale]]]:
    return [(f.title, f.scales) for f in framework.families if f.rates is RatedUnit.person]


def _with_n(mean: float, n: int) -> Cell:
    return Cell(f"{format_score(mean)} (n = {n})" if math.isfinite(mean) else "–")


def _likely_range(value: Score | None) -> str:
    """95% interval of a group mean: mean ± t(0.975, n−1) · sd / √n."""
    if value is None or value[2] < 2 or not math.isfinite(value[1]):
        return "–"
    mean, sd, n = value
    half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    return f"{format_score(mean - half)} to {format_score(mean + half)}"


def _chart(
    wave: WaveContext, title: str, categories: Sequence[str], series: Sequence[BarSeries], cid: str
) -> Markup:
    low, high = wave.framework.response_scale.minimum, wave.framework.response_scale.maximum
    spec = GroupedBars(
        title=title,
        categories=tuple(categories),
        series=tuple(series),
        scale_min=low,
        scale_max=high,
        axis_label=f"Mean score ({low} to {high})",
        minimum=wave.minimum,
    )
    # The chart module escapes every piece of text it draws.
    return Markup(render_chart(spec, chart_id=cid))


# ---------------------------------------------------------------------------- sections


def _practice_block(
    wave: WaveContext, title: str, scales: list[Scale], cells: dict[tuple[str, str], Score], k: int
) -> dict[str, Any]:
    groups = [g for g in GROUP_ORDER if any((s.id, g) in cells for s in scales)]
    none: Score = (math.nan, math.nan, 0)
    series = [
        BarSeries(
            group_label(g),
            tuple(cells.get((s.id, g), none)[0] for s in scales),
            tuple(cells.get((s.id, g), none)[2] for s in scales),
        )
        for g in groups
    ]
    names = [s.title for s in scales]
    rows = tuple(
        Row(
            s.title,
            (
                *(_with_n(*cells.get((s.id, g), none)[::2]) for g in groups),
                Cell(_likely_range(cells.get((s.id, OBSERVERS)))),
            ),
        )
        for s in scales
    )
    columns = (*(group_label(g) for g in groups), "All observers: 95% range")
    caption = f"{title}: mean score and n raters for you and each rater group"
    chart_title = f"{title}: you and each rater group"
    return {
        "title": title,
        "chart": _chart(wave, chart_title, names, series, f"chart-groups-{k}"),
        "table": Table(caption, "Practice", columns, rows),
        "empty": not groups,
    }


def _systems_block(wave: WaveContext, person: PersonData) -> dict[str, Any] | None:
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
    mean_of = [_with_n(*site.get(s.id, (math.nan, 0))) for s in scales]
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
        "chart": _chart(wave, title, [s.title for s in scales], series, "chart-systems"),
        "table": Table(caption, "Clause / scale", columns, rows),
        "has_self": any(math.isfinite(v) for v in own.values()),
        "own_copy": person.own_copy,
    }


def _item_stats(
    wave: WaveContext, person: PersonData, cells: dict[tuple[str, str], Score]
) -> list[ItemStat]:
    fw = wave.framework
    position = {item_id: k for k, item_id in enumerate(fw.item_ids)}
    answered = person.observer_codes >= 0
    values = codes_to_values(person.observer_codes)
    relations = np.asarray(person.observer_relations, dtype=object)
    own = person.self_codes
    found = []
    for _, scales in _person_scales(fw):
        for scale in scales:
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


def _item_tables(items: list[ItemStat], minimum: int) -> list[Table]:
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


def _ranked_table(items: list[ItemStat], caption: str) -> Table | None:
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


def _gaps(wave: WaveContext, person: PersonData) -> dict[str, Any]:
    titles = {s.id: s.title for s in wave.framework.scales}
    found = person.gaps
    if found is None:
        found = self_other_gaps(person.scores, margin=wave.gap_margin).table
    reading = {BLIND_SPOT: "Blind spot", HIDDEN_STRENGTH: "Hidden strength"}
    rows = []
    for rec in found.to_dict("records"):
        cells = (
            Cell(format_score(rec["self"])),
            _with_n(float(rec["observers"]), int(rec["n_observers"])),
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


def _benchmark(wave: WaveContext, cells: dict[tuple[str, str], Score]) -> dict[str, Any] | None:
    if not wave.norms:
        return None
    rows = []
    for _, scales in _person_scales(wave.framework):
        for s in scales:
            value, norm = cells.get((s.id, OBSERVERS)), wave.norms.get(s.id)
            if value is None:
                rows.append(Row(s.title, (Cell("not shown", span=3, kind="note"),)))
            elif norm is None:
                missing = Cell("no norm", span=2, kind="note")
                rows.append(Row(s.title, (_with_n(value[0], value[2]), missing)))
            else:
                rank = percentile_rank(value[0], norm)
                band = Cell(BANDS.get(rank.band, "no band"), kind="text")
                where = (Cell(ordinal(rank.percentile)), band)
                rows.append(Row(s.title, (_with_n(value[0], value[2]), *where)))
    caption = "Your observers' mean against the norm group: percentile and band"
    columns = ("All observers", "Percentile", "Band")
    table = Table(caption, "Practice", columns, tuple(rows), column_kinds=("num", "num", "text"))
    first = next(iter(wave.norms.values()))
    synthetic = any(n.synthetic for n in wave.norms.values())
    return {"table": table, "source": first.source, "synthetic": synthetic}


def _competences(wave: WaveContext, person: PersonData) -> dict[str, Any] | None:
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
                _with_n(*values.get((c.id, SELF), (math.nan, 0))),
                _with_n(*values.get((c.id, OBSERVERS), (math.nan, 0))),
            ),
        )
        for c in fw.competences
    )
    caption = "Competences: the practices each draws on, your mean and all observers' mean"
    columns = ("Practices", "You", "All observers")
    title = "Collaborative leader competences: you and all observers"
    names = [c.title for c in fw.competences]
    return {
        "chart": _chart(wave, title, names, series, "chart-competences"),
        "table": Table(caption, "Competence", columns, rows, column_kinds=("text", "num", "num")),
        "note": fw.competence_note,
    }


def _sorted_texts(texts: tuple[str, ...]) -> list[tuple[str, int]]:
    """Distinct comments in alphabetical order, each with how many people wrote it."""
    counts = Counter(t.strip() for t in texts if t and t.strip())
    return sorted(counts.items(), key=lambda kv: (kv[0].casefold(), kv[0]))


def _comments(wave: WaveContext, person: PersonData) -> dict[str, Any]:
    enough = person.comments_shown
    return {
        "shown": enough,
        "strengths": _sorted_texts(person.strengths) if enough else [],
        "suggestions": _sorted_texts(person.suggestions) if enough else [],
        "own": [t for t, _ in _sorted_texts(person.own_comments)],
    }


def _development(wave: WaveContext, cells: dict[tuple[str, str], Score]) -> dict[str, Any]:
    scales = [s for _, group in _person_scales(wave.framework) for s in group]
    basis = OBSERVERS if any((s.id, OBSERVERS) in cells for s in scales) else SELF
    scored = [
        (cells[(s.id, basis)], k, s)
        for k, s in enumerate(scales)
        if (s.id, basis) in cells and math.isfinite(cells[(s.id, basis)][0])
    ]
    lowest = sorted(scored, key=lambda t: (t[0][0], t[1]))[:LOWEST_PRACTICES]
    actions = [
        Action(s.title, format_score(value[0]), value[2], tuple(a.text for a in s.actions))
        for value, _, s in lowest
    ]
    return {"actions": actions, "basis": "observers" if basis == OBSERVERS else "self"}


# ---------------------------------------------------------------------------- page


def person_context(wave: WaveContext, person: PersonData, *, generated_at: str) -> dict[str, Any]:
    """Everything the person template shows, as ready strings, tables and SVG markup."""
    cells = _lookup(person.scores)
    fw = wave.framework
    items = _item_stats(wave, person, cells)
    top, bottom = top_and_bottom(items)
    scale_ids = [s.id for _, scales in _person_scales(fw) for s in scales]
    shown_groups = [g for g in GROUP_ORDER if any((s, g) in cells for s in scale_ids)]
    observers_everywhere = all((s, OBSERVERS) in cells for s in scale_ids)
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
        "folded": any(g == OTHERS for _, g in cells),
        "some_hidden": any(r != MANAGER for r in person.observer_relations)
        and not observers_everywhere,
        "n_observer_forms": len(person.observer_relations),
        "has_self": person.self_codes is not None,
        "practice_blocks": [
            _practice_block(wave, title, scales, cells, k)
            for k, (title, scales) in enumerate(_person_scales(fw))
        ],
        "systems": _systems_block(wave, person),
        "item_tables": _item_tables(items, wave.minimum),
        "top": _ranked_table(top, "Top five behaviours: highest all-observer means"),
        "bottom": _ranked_table(bottom, "Bottom five behaviours: lowest all-observer means"),
        "gaps": _gaps(wave, person),
        "benchmark": _benchmark(wave, cells),
        "synthetic_banner": SYNTHETIC_BANNER,
        "competences": _competences(wave, person),
        "comments": _comments(wave, person),
        "comment_prompts": {c.id: c.prompt for c in fw.comments},
        "development": _development(wave, cells),
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
