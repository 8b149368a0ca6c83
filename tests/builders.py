"""Factories for test data: small, explicit, built fresh for each test."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

from colead.analysis import WaveData
from colead.framework import Framework, load_framework
from colead.simulation.review import SimulatedReview, simulate
from colead.simulation.wave_data import simulated_wave_data


@cache
def default_framework() -> Framework:
    # Framework is frozen (immutable), so sharing one parsed copy is safe.
    return load_framework()


def people_frame(rows: list[dict[str, object]] | None = None) -> pd.DataFrame:
    """A tiny canonical people table: two organisations at one site, plus extra rows."""
    base: list[dict[str, object]] = [
        {"person_id": "C1", "name": "Ana Client", "email": "ana@client.test",
         "organisation": "Client Co", "organisation_role": "client", "site": "North",
         "role_title": "Director", "level": 1, "manager_id": None},
        {"person_id": "C2", "name": "Ben Client", "email": "ben@client.test",
         "organisation": "Client Co", "organisation_role": "client", "site": "North",
         "role_title": "Contract manager", "level": 3, "manager_id": "C1"},
        {"person_id": "S1", "name": "Cy Supplier", "email": "cy@supplier.test",
         "organisation": "Supplier Ltd", "organisation_role": "supplier", "site": "North",
         "role_title": "Site lead", "level": 2, "manager_id": None},
        {"person_id": "S2", "name": "Di Supplier", "email": "di@supplier.test",
         "organisation": "Supplier Ltd", "organisation_role": "supplier", "site": "North",
         "role_title": "Engineer", "level": 5, "manager_id": "S1"},
    ]  # fmt: skip
    return pd.DataFrame(base + (rows or []))


def small_simulation(seed: int = 11) -> SimulatedReview:
    return simulate(default_framework(), size="small", seed=seed)


def wave_data(simulated: SimulatedReview, wave_index: int = 0) -> WaveData:
    """The analysis input for one simulated wave, built without a database."""
    return simulated_wave_data(simulated, wave_index, default_framework())


def stored_wave(url: str, review: str) -> WaveData:
    """The latest wave of a stored review, as the analysis loads it."""
    from colead.store import make_engine, transaction
    from colead.store.reviews import get_review, load_framework_version
    from colead.store.waves import get_wave, load_wave_data

    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            target = get_review(session, review)
            wave = get_wave(session, target)
            framework = load_framework_version(session, wave.framework_version_id)
            return load_wave_data(session, target, wave, framework)
    finally:
        engine.dispose()


def store_files_review(
    url: str,
    folder: Path,
    review: str,
    extra_people: list[dict[str, object]],
    forms: list[tuple[str, str, str]],
) -> None:
    """A review built through the import job: the standard people plus ``extra_people``,
    the nominations ``forms`` (ratee, rater, relation) in wave "baseline", and C2's self
    form answered (4 on every item) and so submitted."""
    from colead.ingest.importing import import_file

    folder.mkdir(parents=True, exist_ok=True)
    people_frame(extra_people).to_csv(folder / "people.csv", index=False)
    nominations = pd.DataFrame(forms, columns=["ratee_id", "rater_id", "relation"])
    nominations.assign(wave="baseline").to_csv(folder / "nominations.csv", index=False)
    items = {item: 4 for item in default_framework().item_ids}
    answers = {"wave": "baseline", "ratee_id": "C2", "rater_id": "C2", "relation": "self"}
    pd.DataFrame([{**answers, **items}]).to_csv(folder / "responses.csv", index=False)
    for kind in ("people", "nominations", "responses"):
        wave = None if kind == "people" else "baseline"
        outcome = import_file(url, kind, folder / f"{kind}.csv", review=review, wave=wave)
        assert outcome.rejected == 0, outcome.problems
