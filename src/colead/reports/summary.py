"""The executive summary of the review report, in plain language.

Every sentence is generated from the wave's results and carries its numbers, so a board
reads what is strong, what is below par, where sites differ, whether management and
leadership are in balance and what the evidence on KPIs does and does not say. Only groups
the anonymity rule shows are named. What changed since baseline and the recommendations
("What to do next") are built in :mod:`colead.reports.next_steps`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from colead.analysis.results import Profile, ReviewResults
from colead.reports.chart_specs import format_rate, format_score
from colead.reports.sections import MIN_SITES, scale_titles
from colead.reports.tables import family_ids

__all__ = [
    "Finding",
    "executive_summary",
    "programme_findings",
]

#: Family means closer than this are "in balance" (a fifth of a scale point).
BALANCE_MARGIN = 0.2
#: Below this response rate the summary warns that results may not represent everyone.
LOW_RESPONSE = 0.6


@dataclass(frozen=True)
class Finding:
    """One sentence of the summary; ``topic`` names what it is about (for styling, tests)."""

    topic: str
    text: str


def _shown(profile: Profile | None) -> pd.DataFrame:
    if profile is None or profile.table.empty:
        return pd.DataFrame(columns=["group", "scale_id", "mean", "n_people"])
    table = profile.table
    # The same double guard as the report's tables: marked shown *and* enough people.
    visible = table["shown"].astype(bool) & (table["n_people"] >= profile.minimum)
    return table[visible & table["mean"].notna()]


def _family_mean(results: ReviewResults, family: str) -> float | None:
    """Mean over people of their mean observer score on the family's scales."""
    scales = [s.id for s in results.scales_of(family)]
    means = results.person_scores.observer_means
    columns = [s for s in scales if s in means.columns]
    if not columns:
        return None
    per_person = means[columns].mean(axis=1, skipna=True).dropna()
    return float(per_person.mean()) if len(per_person) else None


def _scale_means(results: ReviewResults, family: str) -> pd.Series:
    """Mean over people of each scale's observer score, for the family's scales."""
    means = results.person_scores.observer_means
    columns = [s.id for s in results.scales_of(family) if s.id in means.columns]
    return means[columns].mean(axis=0, skipna=True).dropna()


def _names(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def executive_summary(results: ReviewResults) -> tuple[Finding, ...]:
    """Plain-language findings of one wave, most general first."""
    lead, manage = family_ids(results)
    titles = scale_titles(results)
    found: list[Finding] = []
    part = results.participation
    if part.invited:
        text = (
            f"{part.completed} of {part.invited} invited forms were completed "
            f"({format_rate(part.completed, part.invited)})."
        )
        if part.completed / part.invited < LOW_RESPONSE:
            text += " With so few forms back, the results may not speak for everyone."
        found.append(Finding("participation", text))

    lead_means = _scale_means(results, lead)
    if len(lead_means) >= 2:
        best, worst = lead_means.idxmax(), lead_means.idxmin()
        found.append(
            Finding(
                "practices",
                f"The strongest {results.families.get(lead, lead).lower()} practice is "
                f"{titles[best]} ({format_score(lead_means[best])}), the weakest "
                f"{titles[worst]} ({format_score(lead_means[worst])}), on the "
                f"{results.scale_min}–{results.scale_max} scale as observers see it.",
            )
        )
    found.extend(_balance(results, lead, manage))
    found.extend(_below_par(results, titles))
    found.extend(_site_differences(results, lead))
    tvl = results.title_vs_leading
    if tvl is not None and tvl.n_untitled and tvl.n_titled:
        found.append(
            Finding(
                "levels",
                f"Leading is not only a matter of title: {tvl.leading_without_title} of "
                f"{tvl.n_untitled} people without a senior title lead often, while "
                f"{tvl.title_without_leading} of {tvl.n_titled} with one do not.",
            )
        )
    found.extend(_kpi_evidence(results))
    found.extend(programme_findings(results))
    return tuple(found)


def _balance(results: ReviewResults, lead: str, manage: str) -> list[Finding]:
    lead_mean, manage_mean = _family_mean(results, lead), _family_mean(results, manage)
    if lead_mean is None or manage_mean is None:
        return []
    lead_title = results.families.get(lead, lead).lower()
    manage_title = results.families.get(manage, manage).lower()
    gap = manage_mean - lead_mean
    if abs(gap) < BALANCE_MARGIN:
        text = (
            f"{manage_title.capitalize()} ({format_score(manage_mean)}) and {lead_title} "
            f"({format_score(lead_mean)}) are in balance."
        )
    elif gap > 0:
        text = (
            f"{manage_title.capitalize()} ({format_score(manage_mean)}) is ahead of "
            f"{lead_title} ({format_score(lead_mean)}): the relationship runs more on system "
            "than on passion."
        )
    else:
        text = (
            f"{lead_title.capitalize()} ({format_score(lead_mean)}) is ahead of "
            f"{manage_title} ({format_score(manage_mean)}): passion outruns the system that "
            "should carry it."
        )
    continuum = results.continuum
    if continuum is not None and not continuum.table.empty:
        counts = continuum.table["quadrant"].value_counts()
        system_only = int(counts.get("system_without_passion", 0))
        if system_only:
            text += f" {system_only} of {len(continuum.table)} sites show system without passion."
    return [Finding("balance", text)]


def _below_par(results: ReviewResults, titles: dict[str, str]) -> list[Finding]:
    bench = results.benchmark_by_site
    if bench is None or bench.empty:
        return []
    enough = bench["n_people"] >= results.anonymity_minimum
    low = bench[(bench["band"] == "low") & bench["percentile"].notna() & enough]
    source = "synthetic norms, for illustration only" if results.norms_synthetic else "norms"
    if low.empty:
        return [Finding("benchmark", f"No site is below par on any scale ({source}).")]
    parts = []
    for site, rows in list(low.groupby("group", sort=True))[:3]:
        scales = [titles.get(str(s), str(s)) for s in rows["scale_id"]]
        parts.append(f"{site} on {_names(scales)}")
    more = low["group"].nunique() - len(parts)
    tail = f", and {more} more site{'s' if more > 1 else ''}" if more > 0 else ""
    return [
        Finding(
            "benchmark",
            f"Below par, under the benchmark's 30th percentile ({source}): "
            f"{'; '.join(parts)}{tail}.",
        )
    ]


def _site_differences(results: ReviewResults, lead: str) -> list[Finding]:
    sites = _shown(results.site_profile)
    lead_ids = {s.id for s in results.scales_of(lead)}
    sites = sites[sites["scale_id"].isin(lead_ids)]
    if sites["group"].nunique() < 2:
        return []
    composite = sites.groupby("group")["mean"].mean()
    high, low = composite.idxmax(), composite.idxmin()
    text = (
        f"Sites differ: {high} has the highest {results.families.get(lead, lead).lower()} "
        f"scores ({format_score(composite[high])}), {low} the lowest "
        f"({format_score(composite[low])})."
    )
    measurement = results.measurement
    if measurement is not None and not measurement.site_variability.empty:
        variability = measurement.site_variability
        rows = variability[variability["scale_id"].isin(lead_ids)]
        reliable = rows[(rows["p"] < 0.05) & (rows["icc2"] >= 0.7)]
        text += (
            f" On {len(reliable)} of {len(rows)} practices the site means differ by more than "
            "chance and are reliable enough to compare."
        )
    return [Finding("sites", text)]


def _kpi_evidence(results: ReviewResults) -> list[Finding]:
    frame = results.linkage
    if frame is None or frame.empty:
        return []
    same = frame[(frame["lag"].astype(str) == "0") & frame["pearson_r"].notna()]
    if same.empty:
        return []
    row = same.loc[same["pearson_r"].abs().idxmax()]
    n_sites = int(row["n_sites"])
    clear = np.sign(row["pearson_ci_low"]) == np.sign(row["pearson_ci_high"])
    direction = "higher" if row["pearson_r"] > 0 else "lower"
    text = (
        f"The clearest KPI link is {row['kpi']}: sites with more leading had {direction} "
        f"values (r = {row['pearson_r']:.2f}, 95% CI {row['pearson_ci_low']:.2f} to "
        f"{row['pearson_ci_high']:.2f}, {n_sites} sites). "
        if clear
        else f"No KPI shows a clear link with leading (largest: {row['kpi']}, r = "
        f"{row['pearson_r']:.2f}, 95% CI {row['pearson_ci_low']:.2f} to "
        f"{row['pearson_ci_high']:.2f}). "
    )
    text += "A correlation says the two go together, not that one causes the other"
    text += (
        f"; with fewer than {MIN_SITES} sites it is exploratory." if n_sites < MIN_SITES else "."
    )
    return [Finding("kpis", text)]


def programme_findings(results: ReviewResults) -> list[Finding]:
    """The programme's effect on the composite score, in one sentence (or nothing).

    The baseline-adjusted effect is the headline when it could be estimated; the simple
    difference in differences is named beside it, so the part owed to regression to the
    mean is visible.
    """
    ev = results.evaluation
    if ev is None or ev.did.empty:
        return []
    rows = ev.did[ev.did["measure"] == ev.composite]
    if rows.empty or pd.isna(rows["effect"].iloc[0]) or pd.isna(rows["ci_low"].iloc[0]):
        return []
    row = rows.iloc[0]
    if min(row["n_treated"], row["n_control"]) < results.anonymity_minimum:
        return []
    adjusted = "adjusted_effect" in row.index and not pd.isna(row["adjusted_ci_low"])
    prefix = "adjusted_" if adjusted else ""
    effect = float(row[f"{prefix}effect"])
    low, high = float(row[f"{prefix}ci_low"]), float(row[f"{prefix}ci_high"])
    span = f"{effect:+.2f} points, 95% CI {low:+.2f} to {high:+.2f}"
    if adjusted:
        span += (
            f", compared with people who started at the same score; the simple difference "
            f"in differences, {float(row['effect']):+.2f}, includes regression to the mean"
        )
    if low > 0:
        text = (
            f"People on the development programme improved their {ev.composite} score more "
            f"than those not enrolled ({span})."
        )
    elif high < 0:
        text = f"People on the programme fell behind those not enrolled ({span})."
    else:
        text = f"The programme shows no clear difference in {ev.composite} scores ({span})."
    return [
        Finding(
            "programme",
            text + " Enrolment was not random: see \u201cWhat can and cannot be concluded\u201d.",
        )
    ]
