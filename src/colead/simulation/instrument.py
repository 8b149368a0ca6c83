"""How consistently the simulated survey measures: a planted Cronbach's alpha per scale.

A real 360 instrument does not have one reliability for every scale: each scale's items
share more or less of their variance, and some items are noisier than others. The simulator
plants that, so the demo's reliability table reads like a published instrument's.

Each scale gets a target alpha of one form, drawn in its family's range and spread over the
range (one draw in each of ``m`` equal slices, in random order, for the ``m`` scales of a
family), so that no two scales of a family are alike. The item noise that gives the target
follows from the generative model. An item answer is a common part shared by all items of
its scale on the same form (variance ``c``: the ratee's or site's true score, the rater's
leniency, the rater's own view of the ratee or site on the scale) plus item noise (mean
variance ``u``). With ``k`` items of equal loading, Cronbach's (1951) alpha is::

    alpha = k c / (k c + u)   so   u = k c (1 - alpha) / alpha

Rounding to the response scale adds about ``step**2 / 12`` of that ``u`` (``step`` is one
response point on the 1–5 metric), so the drawn noise gets the rest. Within a scale the
items' noise variances differ (lognormal, sd ITEM_NOISE_SPREAD on the log scale, mean kept),
so item–total correlations differ as they do in real data. Clipping at the ends of the
response scale takes a little off the realised alpha; where the noise would fall below
MIN_NOISE_SD (short site scales with a high target), the realised alpha comes out higher.

Calibration. Observer forms of person scales: alpha 0.80 to 0.90, inside the internal
reliabilities Posner (2016, section 3.1) reports for the Leadership Practices Inventory in
published samples (0.77–0.83 for construction site leaders, 0.78–0.86 for NASA scientists,
0.80–0.92 for engineering managers and their constituents, up to 0.95 elsewhere), the same
range for management as for leadership. The range starts at 0.80, not lower, because noisier
answers hit 1 and 5 more often and clipping shrinks measured change: with lower targets the
recovery test (``tests/analysis/test_recovery.py``) found the planted programme effect less
often inside its confidence interval. Site-rated scales have two or three items, so their
range is lower, 0.75 to 0.85: above the 0.70 that Nunnally & Bernstein (1994) find enough for
early-stage research, the line the review report's reliability check draws.

References
----------
Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
*Psychometrika*, 16(3), 297–334.
Nunnally, J. C., & Bernstein, I. H. (1994). *Psychometric theory* (3rd ed.). McGraw-Hill.
Posner, B. Z. (2016). Investigating the reliability and validity of the Leadership
Practices Inventory. *Administrative Sciences*, 6(4), 17. doi:10.3390/admsci6040017
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import numpy.typing as npt
import pandas as pd

from colead.framework.model import Framework

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Target alpha of one observer form on a person scale (leadership, management, ...).
PERSON_ALPHA_RANGE = (0.80, 0.90)
#: Target alpha of one form on a site-rated scale (two or three items).
SITE_ALPHA_RANGE = (0.75, 0.85)
#: sd of an item's log noise variance around its scale's mean.
ITEM_NOISE_SPREAD = 0.3
#: No item is answered with less noise than this (sd, 1–5 metric).
MIN_NOISE_SD = 0.15


def plant(
    framework: Framework,
    person_scales: Collection[str],
    common_variance: pd.Series,
    points_span: int,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray]:
    """Target alpha per framework scale and the noise sd per item that gives it.

    Parameters
    ----------
    framework
        Its scales (in order) get the targets, its items (in order) the noise.
    person_scales
        Scales that rate people (range PERSON_ALPHA_RANGE); the others rate sites
        (SITE_ALPHA_RANGE).
    common_variance
        Per scale id, on the 1–5 metric: variance of the part its items share on one form.
    points_span
        Highest minus lowest response value: one response point is ``4 / points_span`` on
        the 1–5 metric.
    rng
        Draws the targets and the spread of the items.
    """
    ids = list(framework.scale_ids)
    family = pd.factorize(pd.Series([framework.scale_family[k] for k in ids]))[0]
    ranges = np.array([PERSON_ALPHA_RANGE if k in person_scales else SITE_ALPHA_RANGE for k in ids])
    alpha = target_alphas(family.astype(np.int64), ranges, rng)
    where = {k: i for i, k in enumerate(ids)}
    item_scale = np.array([where[k] for k in framework.item_scale], dtype=np.int64)
    common = common_variance.reindex(ids).to_numpy(dtype=float)
    return alpha, item_noise_sd(item_scale, common, alpha, 4.0 / points_span, rng)


def target_alphas(family: IntArray, ranges: FloatArray, rng: np.random.Generator) -> FloatArray:
    """A target alpha per scale: one draw in each of equal slices of its family's range.

    ``family`` codes each scale's family, ``ranges`` (one row per scale) gives its family's
    ``(low, high)``.
    """
    out = np.empty(family.size)
    for code in np.unique(family):
        members = np.flatnonzero(family == code)
        low, high = ranges[members[0]]
        where = (rng.permutation(members.size) + rng.random(members.size)) / members.size
        out[members] = low + (high - low) * where
    return out


def item_noise_sd(
    item_scale: IntArray,
    common_variance: FloatArray,
    alpha: FloatArray,
    step: float,
    rng: np.random.Generator,
) -> FloatArray:
    """Noise sd per item (1–5 metric) that gives each scale its target ``alpha``.

    Parameters
    ----------
    item_scale
        Scale index of each item (into ``common_variance`` and ``alpha``).
    common_variance
        Variance of the part all items of a scale share on one form, per scale.
    alpha
        Target alpha per scale.
    step
        One response point on the 1–5 metric: its rounding adds ``step**2 / 12``.
    rng
        Draws the spread of the items within a scale.
    """
    k = np.bincount(item_scale, minlength=alpha.size).astype(float)
    unique = k * common_variance * (1.0 - alpha) / alpha
    drawn = np.maximum(unique - step**2 / 12.0, MIN_NOISE_SD**2)
    weight = rng.lognormal(0.0, ITEM_NOISE_SPREAD, item_scale.size)
    scale_mean = np.bincount(item_scale, weight, alpha.size) / np.maximum(k, 1.0)
    noise_sd: FloatArray = np.sqrt(drawn[item_scale] * weight / scale_mean[item_scale])
    return noise_sd
