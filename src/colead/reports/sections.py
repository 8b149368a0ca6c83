"""Sections of the review report on the benchmark, competences and people.

Each builder takes ``ReviewResults`` and returns a ``Section`` (or ``None`` when its result
field is absent): a heading, and paragraphs, cautions and ``Table``\\ s in reading order, all
as ready strings. The template partial ``_sections.html.j2`` only lays them out. Plain words
come first; every number keeps its n; groups below the anonymity minimum show no values.
Measurement quality is in :mod:`measurement_section`, contract results and the programme in
:mod:`outcome_sections`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from colead.analysis.results import Profile, ReviewResults, ScaleInfo
from colead.domain import LEVEL_LABELS
from colead.reports.chart_specs import format_rate, format_score
from colead.reports.tables import (
    Cell,
    Row,
    Table,
    family_ids,
    group_order,
    hidden_groups,
    suppressed_text,
    systems_tables,
    to_count,
    to_flag,
    to_float,
)

#: Alpha, omega, ICC(2) and rwg at or above this are "good" / "agreement".
GOOD = 0.70
#: Fewer sites than this make a site-level result exploratory (DESIGN §5).
MIN_SITES = 10
SYNTHETIC_BANNER = "These norms are synthetic (simulated), not a real benchmark."
EXPLORATORY = "Exploratory only: fewer than 10 sites — a hint for discussion, not evidence."
BANDS = {"low": "below par", "middle": "typical", "high": "above par"}


@dataclass(frozen=True)
class Block:
    """One piece of a section: ``p`` (paragraph), ``h3``, ``caution``, ``table`` or
    ``figure`` (``svg`` drawn by the chart module, ``text`` its caption)."""

    kind: str
    text: str = ""
    table: Table | None = None
    svg: str | None = None


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    nav: str
    blocks: tuple[Block, ...]


def p(text: str) -> Block:
    return Block("p", text)


def h3(text: str) -> Block:
    return Block("h3", text)


def caution(text: str) -> Block:
    return Block("caution", text)


def tab(table: Table) -> Block:
    return Block("table", table=table)


# ---------------------------------------------------------------------------- numbers


def signed(value: Any) -> str:
    number = to_float(value)
    return f"{number:+.2f}" if math.isfinite(number) else "–"


def with_ci(value: Any, low: Any, high: Any, *, sign: bool = False) -> str:
    """``0.32 [0.28, 0.36]``: a value and its 95% confidence interval."""
    fmt: Callable[[Any], str] = signed if sign else (lambda v: format_score(to_float(v)))
    text = fmt(value)
    if text == "–" or not (math.isfinite(to_float(low)) and math.isfinite(to_float(high))):
        return text
    return f"{text} [{fmt(low)}, {fmt(high)}]"


def p_value(value: Any) -> str:
    number = to_float(value)
    if not math.isfinite(number):
        return "–"
    return "< 0.001" if number < 0.001 else f"{number:.3f}"


def ordinal(percentile: Any) -> str:
    """A percentile as an ordinal ("55th"), rounded to a whole number."""
    number = to_float(percentile)
    if not math.isfinite(number):
        return "–"
    k = round(number)
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def share(part: int, whole: int) -> str:
    return f"{format_rate(part, whole)} ({part} of {whole})"


def competence_title(competence_id: str) -> str:
    """Readable title from a framework-independent id: ``open_to_sharing`` -> "Open to sharing"."""
    return competence_id.replace("_", " ").capitalize()


def records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    return [] if frame is None else list(frame.to_dict("records"))


def scale_titles(results: ReviewResults) -> dict[str, str]:
    return {s.id: s.title for s in results.scales}


def period_range(periods: Iterable[str]) -> str:
    found = list(periods)
    if not found:
        return "no periods"
    return found[0] if len(found) == 1 else f"{found[0]} to {found[-1]}"


def note_row(header: str, text: str, span: int) -> Row:
    return Row(header, (Cell(text, span=span, kind="note"),))


# ---------------------------------------------------------------------------- benchmark


def benchmark_section(results: ReviewResults) -> Section | None:
    frames: list[tuple[pd.DataFrame, Profile, str]] = [
        (frame, profile, corner)
        for frame, profile, corner in (
            (results.benchmark_by_site, results.site_profile, "Site"),
            (results.benchmark_by_organisation, results.organisation_profile, "Organisation"),
        )
        if frame is not None and not frame.empty
    ]
    if not frames:
        return None
    synthetic = " (synthetic norms)" if results.norms_synthetic else ""
    blocks: list[Block] = []
    if results.norms_synthetic:
        blocks.append(caution(SYNTHETIC_BANNER))
    source = f" Norms: {results.norms_source}." if results.norms_source else ""
    blocks.append(
        p(
            "Each group's mean is placed among the people of the norm group: the percentile is "
            "the share of people in the norms who score lower. Below the 30th percentile reads "
            f'"below par", above the 70th "above par", in between "typical".{source}'
        )
    )
    for whole, profile, corner in frames:
        # Hidden groups never reach a table, even if a caller ranked them.
        frame = whole[~whole["group"].astype(str).isin(hidden_groups(profile))]
        if corner == "Site":
            blocks += [p(text) for text in _below_par_sentences(results, frame)]
        for family in results.families:
            ranked = set(frame["scale_id"].astype(str))
            scales = [s for s in results.scales_of(family) if s.id in ranked]
            if scales:
                title = results.families.get(family, family)
                caption = f"{title} practices by {corner.lower()}: percentile and band{synthetic}"
                blocks.append(tab(_benchmark_table(frame, profile, scales, caption, corner)))
    reasons = {
        r["reason"] for f, _, _ in frames for r in records(f) if isinstance(r["reason"], str)
    }
    if reasons:
        blocks.append(p(f"Some cells have no percentile: {'; '.join(sorted(reasons))}."))
    return Section("benchmark", "Compared with the benchmark", "Benchmark", tuple(blocks))


def _below_par_sentences(results: ReviewResults, frame: pd.DataFrame) -> list[str]:
    """How many sites are below par on each practice, and which sites on most practices."""
    if frame.empty:
        return []
    n_sites = frame["group"].nunique()
    low = frame[frame["band"] == "low"]
    ranked = set(frame["scale_id"].astype(str))
    counted = [(s.title, int((low["scale_id"] == s.id).sum())) for s in results.scales]
    per_scale = [f"{title} {k} of {n_sites}" for title, k in counted if k]
    clear = sum(1 for s in results.scales if s.id in ranked) - len(per_scale)
    if per_scale:
        sentences = [f"Sites below par (under the 30th percentile): {'; '.join(per_scale)}."]
        if clear:
            sentences[0] += f" No site is below par on the other {clear} practices."
    else:
        sentences = [f"No site is below par on any of the {clear} practices."]
    lead = {s.id for s in results.scales_of(family_ids(results)[0])}
    counts = low[low["scale_id"].isin(lead)].groupby("group").size()
    most = [f"{g} ({n} of {len(lead)})" for g, n in counts.items() if n > len(lead) / 2]
    if most:
        sentences.append(f"Below par in most leadership practice areas: {', '.join(most)}.")
    return sentences


def _benchmark_table(
    frame: pd.DataFrame, profile: Profile, scales: list[ScaleInfo], caption: str, corner: str
) -> Table:
    cells = {(str(r["group"]), str(r["scale_id"])): r for r in records(frame)}
    groups = list(dict.fromkeys([*group_order(profile), *frame["group"].astype(str)]))
    hidden = set(hidden_groups(profile))
    rows = []
    for group in groups:
        if group in hidden:
            rows.append(note_row(group, suppressed_text(profile.minimum), len(scales) + 1))
            continue
        found = [cells.get((group, s.id)) for s in scales]
        ns = [to_count(r.get("n_people")) for r in found if r is not None]
        if not ns:
            continue
        row_n = max(ns)
        row = [Cell(str(row_n))]
        for rec in found:
            if rec is None or not math.isfinite(to_float(rec.get("percentile"))):
                row.append(Cell("no norm", kind="note"))
                continue
            text = f"{ordinal(rec['percentile'])}, {BANDS.get(str(rec['band']), rec['band'])}"
            n = to_count(rec.get("n_people"))
            row.append(Cell(text if n == row_n else f"{text} (n = {n})"))
        rows.append(Row(group, tuple(row)))
    return Table(caption, corner, ("n people", *(s.title for s in scales)), tuple(rows))


# ---------------------------------------------------------------------------- people


def title_section(results: ReviewResults) -> Section | None:
    t = results.title_vs_leading
    if t is None:
        return None
    minimum = results.anonymity_minimum
    rows = []
    for rec in records(t.by_level):
        level = to_count(rec.get("level"))
        label = f"{level} {rec.get('label') or LEVEL_LABELS.get(level, '')}".strip()
        n = to_count(rec.get("n_people"))
        if not to_flag(rec.get("shown")) or n < minimum:
            rows.append(note_row(label, suppressed_text(minimum), 2))
            continue
        rows.append(Row(label, (Cell(str(n)), Cell(share(to_count(rec.get("n_leading")), n)))))
    table = Table(
        "People leading, by level: n people and share whose observers see them leading",
        "Level",
        ("n people", "Leading"),
        tuple(rows),
    )

    def levels(values: tuple[int, ...]) -> str:
        names = [f"{v} {LEVEL_LABELS.get(v, '')}".strip().lower() for v in values]
        return ", ".join(names)

    untitled, titled = levels(t.untitled_levels), levels(t.titled_levels)
    blocks = (
        p(
            "Leading is a behaviour, not a position: a person counts as leading when their "
            f"observers' mean leadership score is {format_score(t.threshold)} or more."
        ),
        p(
            f"{t.leading_without_title} of {t.n_untitled} people without a leadership title "
            f"(levels {untitled}) lead without a title. {t.title_without_leading} of "
            f"{t.n_titled} people with a title (levels {titled}) hold a title without leading."
        ),
        tab(table),
    )
    return Section("title", "A title does not make a leader", "Title and leading", blocks)


def self_other_section(results: ReviewResults) -> Section | None:
    gaps = results.self_other
    if gaps is None or gaps.counts.empty:
        return None
    titles = scale_titles(results)
    minimum = results.anonymity_minimum
    rows = []
    for rec in records(gaps.counts):
        scale = str(rec["scale_id"])
        n = to_count(rec.get("n_people"))
        if n < minimum:
            rows.append(note_row(titles.get(scale, scale), suppressed_text(minimum), 4))
            continue
        counts = [to_count(rec.get(k)) for k in ("blind_spot", "hidden_strength", "aligned")]
        rows.append(
            Row(titles.get(scale, scale), (Cell(str(n)), *(Cell(share(c, n)) for c in counts)))
        )
    margin = format_score(gaps.margin)
    table = Table(
        "Self and others: people with a blind spot, a hidden strength or aligned, n people",
        "Practice",
        ("n people", "Blind spot", "Hidden strength", "Aligned"),
        tuple(rows),
    )
    blocks = (
        p(
            f"A blind spot: a person rates themself at least {margin} points above their "
            f"observers. A hidden strength: at least {margin} points below. Only counts over the "
            "whole review are shown; nobody is named in this report."
        ),
        tab(table),
    )
    return Section("self-other", "How people see themselves", "Self and others", blocks)


def competence_section(results: ReviewResults) -> Section | None:
    profiles = [
        (prof, corner)
        for prof, corner in (
            (results.competences_by_site, "site"),
            (results.competences_by_organisation, "organisation"),
        )
        if prof is not None and not prof.table.empty
    ]
    if not profiles:
        return None
    blocks = [
        p(
            "Competences are not asked about directly: each is derived from the practice means "
            "through a documented reconstruction of the ICW/WBS mapping of practices to "
            "competences. Read them as another view of the same scores, not as new evidence."
        )
    ]
    for profile, corner in profiles:
        ids = dict.fromkeys(profile.table["scale_id"].astype(str))
        scales = tuple(ScaleInfo(c, competence_title(c), "competence", 0) for c in ids)
        caption = f"Collaborative leader competences by {corner}: mean score, n people"
        for table in systems_tables(profile, scales, caption=caption, corner="Competence"):
            blocks.append(tab(table))
        hidden = hidden_groups(profile)
        if hidden:
            blocks.append(
                p(f"Not shown (fewer than {profile.minimum} people): {', '.join(hidden)}.")
            )
    title = "Collaborative leader competences"
    return Section("competences", title, "Competences", tuple(blocks))
