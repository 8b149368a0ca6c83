"""Factories for test data: small, explicit, built fresh for each test."""

from __future__ import annotations

from functools import cache

import pandas as pd

from colead.analysis import WaveData
from colead.framework import Framework, load_framework
from colead.pipeline import simulated_wave_data
from colead.simulate import SimulatedReview, simulate


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
