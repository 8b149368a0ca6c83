"""The analysis engine: pure functions from arrays and tables to result dataclasses."""

from colead.analysis.anonymity import fold_groups, observers_shown
from colead.analysis.data import WaveData
from colead.analysis.profiles import (
    continuum_positions,
    group_profile,
    participation,
    site_systems_profile,
)
from colead.analysis.results import (
    QUADRANT_LABELS,
    QUADRANTS,
    ContinuumPosition,
    Participation,
    PersonScores,
    Profile,
    ReviewResults,
    ScaleInfo,
)
from colead.analysis.review import analyse_wave
from colead.analysis.scoring import (
    codes_to_values,
    person_scale_scores,
    scale_index,
    score_forms,
)

__all__ = [
    "QUADRANTS",
    "QUADRANT_LABELS",
    "ContinuumPosition",
    "Participation",
    "PersonScores",
    "Profile",
    "ReviewResults",
    "ScaleInfo",
    "WaveData",
    "analyse_wave",
    "codes_to_values",
    "continuum_positions",
    "fold_groups",
    "group_profile",
    "observers_shown",
    "participation",
    "person_scale_scores",
    "scale_index",
    "score_forms",
    "site_systems_profile",
]
