"""The analysis engine: pure functions from arrays and tables to result dataclasses.

One module per family of statistics: :mod:`scoring`, :mod:`psychometrics` (alpha, omega),
:mod:`agreement` (rwg, ICCs), :mod:`benchmark` (norms, percentiles), :mod:`linkage` and
:mod:`mixedmodel` (KPI links), :mod:`evaluation` and :mod:`kirkpatrick` (programme change).
:mod:`review` orchestrates them for one wave, :mod:`programme` across two.
"""

from colead.analysis.agreement import icc_aggregation, rwg, rwg_j, shrout_fleiss
from colead.analysis.anonymity import fold_groups, observers_shown
from colead.analysis.benchmark import Norm, build_norms, percentile_rank
from colead.analysis.data import WaveData
from colead.analysis.evaluation import difference_in_differences, paired_change, reliable_change
from colead.analysis.linkage import correlate, site_linkage
from colead.analysis.profiles import (
    continuum_positions,
    group_profile,
    participation,
    site_systems_profile,
)
from colead.analysis.programme import ProgrammeEvaluation, evaluate_programme
from colead.analysis.psychometrics import cronbach_alpha, mcdonald_omega
from colead.analysis.results import (
    ContinuumPosition,
    MeasurementQuality,
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
from colead.domain import QUADRANT_LABELS, QUADRANTS

__all__ = [
    "QUADRANTS",
    "QUADRANT_LABELS",
    "ContinuumPosition",
    "MeasurementQuality",
    "Norm",
    "Participation",
    "PersonScores",
    "Profile",
    "ProgrammeEvaluation",
    "ReviewResults",
    "ScaleInfo",
    "WaveData",
    "analyse_wave",
    "build_norms",
    "codes_to_values",
    "continuum_positions",
    "correlate",
    "cronbach_alpha",
    "difference_in_differences",
    "evaluate_programme",
    "fold_groups",
    "group_profile",
    "icc_aggregation",
    "mcdonald_omega",
    "observers_shown",
    "paired_change",
    "participation",
    "percentile_rank",
    "person_scale_scores",
    "reliable_change",
    "rwg",
    "rwg_j",
    "scale_index",
    "score_forms",
    "shrout_fleiss",
    "site_linkage",
    "site_systems_profile",
]
