"""Norm jobs: import a norms table, build norms by pooling reviews, load a norm set."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from colead.analysis.benchmark import PERCENTILE_POINTS, Norm, build_norms, norm_records
from colead.errors import NotFound
from colead.fieldwork.release import published_wave
from colead.framework import Framework
from colead.ingest import ImportReport
from colead.ingest.norms import import_norms
from colead.ingest.tables import read_table
from colead.store import open_database, transaction
from colead.store.engine import snapshot
from colead.store.norms import list_norm_sets, norm_rows, replace_norm_set
from colead.store.reviews import get_review, load_framework_version
from colead.store.waves import load_wave_data


def import_norms_file(
    database_url: str, path: Path, name: str, framework: Framework, *, synthetic: bool = False
) -> ImportReport:
    frame = read_table(path)
    engine = open_database(database_url)
    try:
        with transaction(engine) as session:
            return import_norms(
                session, frame, str(path), name=name, framework=framework, synthetic=synthetic
            )
    finally:
        engine.dispose()


@dataclass(frozen=True)
class BuiltNorms:
    name: str
    scales: dict[str, int]  # scale id -> n
    skipped: dict[str, str]  # scale id -> reason
    people: int


def build_norms_from_reviews(
    database_url: str,
    reviews: list[str],
    name: str,
    *,
    min_n: int = 30,
    synthetic: bool = False,
) -> BuiltNorms:
    """Pool people's observer scores from the latest wave of each review into a norm set."""
    from colead.analysis import analyse_wave

    engine = open_database(database_url)
    try:
        pooled = []
        # one snapshot for every review pooled: an import committing meanwhile is not half seen
        with snapshot(engine) as session:
            for review_name in reviews:
                review = get_review(session, review_name)
                wave = published_wave(session, review, None)
                framework = load_framework_version(session, wave.framework_version_id)
                data = load_wave_data(session, review, wave, framework)
                means = analyse_wave(data, minimum=3).person_scores.observer_means
                pooled.append(means.set_axis([f"{review.id}:{i}" for i in means.index]))
        scores = pd.concat(pooled)
        source = "pooled from reviews: " + ", ".join(reviews)
        norms, skipped = build_norms(scores, min_n=min_n, source=source, synthetic=synthetic)
        rows = norm_records(norms)
        with transaction(engine) as session:
            replace_norm_set(session, name, rows, source=source, synthetic=synthetic)
    finally:
        engine.dispose()
    return BuiltNorms(
        name=name, scales={k: v.n for k, v in norms.items()}, skipped=skipped, people=len(scores)
    )


def load_norms(database_url: str, name: str) -> dict[str, Norm]:
    """A stored norm set as analysis norms (scale id -> Norm)."""
    engine = open_database(database_url)
    try:
        with transaction(engine) as session:
            found = norm_rows(session, name)
            if found is None:
                known = [s.name for s in list_norm_sets(session)]
                raise NotFound(
                    f"No norm set named {name!r}.",
                    "Known norm sets: " + ", ".join(known) if known else "Import or build one.",
                )
            norm_set, rows = found
    finally:
        engine.dispose()
    return {
        row["scale_id"]: Norm(
            scale_id=row["scale_id"],
            n=row["n"],
            mean=row["mean"],
            sd=row["sd"],
            percentiles={
                p: row[f"p{p}"] for p in PERCENTILE_POINTS if row.get(f"p{p}") is not None
            },
            source=norm_set.source,
            synthetic=norm_set.synthetic,
        )
        for row in rows
    }


def describe_norm_sets(database_url: str) -> list[tuple[str, int, bool, str | None]]:
    """(name, number of scales, synthetic, source) of every stored norm set."""
    engine = open_database(database_url)
    try:
        with transaction(engine) as session:
            described = []
            for norm_set in list_norm_sets(session):
                found = norm_rows(session, norm_set.name)
                count = len(found[1]) if found else 0
                described.append((norm_set.name, count, norm_set.synthetic, norm_set.source))
            return described
    finally:
        engine.dispose()
