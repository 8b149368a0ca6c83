"""A simulated wave as the analysis reads it, without a database in between."""

from __future__ import annotations

from colead.analysis.data import WaveData
from colead.framework import Framework
from colead.simulation.review import SimulatedReview


def simulated_wave_data(simulated: SimulatedReview, index: int, framework: Framework) -> WaveData:
    """The analysis input of one simulated wave, without a database."""
    wave = simulated.waves[index]
    done = set(zip(wave.responses["ratee_id"], wave.responses["rater_id"], strict=True))
    assignments = wave.nominations[["ratee_id", "rater_id", "relation"]].copy()
    pairs = zip(assignments["ratee_id"], assignments["rater_id"], strict=True)
    assignments["completed"] = [pair in done for pair in pairs]
    return WaveData(
        review=simulated.name,
        wave=wave.name,
        framework=framework,
        people=simulated.people,
        assignments=assignments,
        responses=wave.responses[["ratee_id", "rater_id", "relation"]],
        values=wave.values,
        period=wave.period or None,
    )
