"""Raw forms as rows that identify no rater: the anonymous responses export and API.

The rows follow the same disclosure decision as every other figure of the wave
(:func:`colead.analysis.review.wave_disclosure`):

- a form withheld from its person's results is withheld here too; a form folded into
  "others" is labelled "others";
- a form's answers on a person scale are blanked where its cell is not published (its group
  had fewer than the minimum scores on that scale, or the form scored too few items);
- self forms are kept, but their answers about the respondent's **site** (the systems
  scales) are blanked where the site has fewer than the minimum respondents on that scale,
  the rule of the systems-by-site profile: a ratee id and a site list would otherwise tie a
  lone respondent to their site's ratings;
- the line manager, shown alone in reports, is one known person whose raw form and comments
  would be attributed to them: manager forms are kept only where a person has at least the
  minimum of them.

Rater ids are dropped and rows are ordered by content, so their order cannot be matched to a
nomination list.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from colead.analysis.data import WaveData
from colead.analysis.review import person_scale_ids, wave_disclosure
from colead.analysis.scoring import scale_index, score_forms
from colead.domain import Relation
from colead.framework import RatedUnit

__all__ = ["AnonymousRows", "anonymous_rows"]

_SELF = Relation.self.value
_MANAGER = Relation.manager.value


@dataclass(frozen=True)
class AnonymousRows:
    """The rows that may leave the system, and what was held back.

    Attributes
    ----------
    table
        The wide layout without ``rater_id``; ``relation`` is the published group.
    withheld_forms
        Forms left out entirely.
    blanked_answers
        Item answers of kept forms that were blanked (unpublished cells, small sites).
    """

    table: pd.DataFrame
    withheld_forms: int
    blanked_answers: int


def anonymous_rows(wide: pd.DataFrame, data: WaveData, minimum: int) -> AnonymousRows:
    """Anonymous rows of one wave.

    Parameters
    ----------
    wide
        The wave's forms in the canonical wide layout (``wave, ratee_id, rater_id,
        relation``, one column per item id, the comment columns), rows aligned with
        ``data.responses``.
    data
        The same wave as the analysis reads it.
    minimum
        Anonymity minimum.
    """
    framework = data.framework
    decided = wave_disclosure(data, minimum)
    labels = decided.labels
    relation = data.responses["relation"].astype(str).to_numpy()
    ratee = data.responses["ratee_id"].astype(str).to_numpy()
    managers = pd.Series(relation == _MANAGER).groupby(ratee).transform("sum").to_numpy()
    keep = np.array([label is not None for label in labels], dtype=bool)
    keep &= (relation != _MANAGER) | (managers >= minimum)

    item_scale, scale_ids = scale_index(framework)
    scores, _ = score_forms(
        data.values, item_scale, len(scale_ids), framework.min_answered_fraction
    )
    answered = data.values >= 0
    visible = np.ones(data.values.shape, dtype=bool)
    for j, scale_id in enumerate(person_scale_ids(framework)):
        items = item_scale == scale_ids.index(scale_id)
        visible[:, items] &= decided.published[:, [j]]
    site_of = data.people.set_index(data.people["person_id"].astype(str))["site"]
    rater_site = data.responses["rater_id"].astype(str).map(site_of).to_numpy()
    is_self = relation == _SELF
    for family in framework.families:
        if family.rates is not RatedUnit.site:
            continue
        for scale in family.scales:
            k = scale_ids.index(scale.id)
            scored = is_self & ~np.isnan(scores[:, k])
            sizes = pd.Series(scored).groupby(rater_site).transform("sum").fillna(0).to_numpy()
            small_site = is_self & (sizes < minimum)
            visible[np.ix_(np.flatnonzero(small_site), np.flatnonzero(item_scale == k))] = False

    item_ids = list(framework.item_ids)
    table = wide.reset_index(drop=True).copy()
    blank = ~visible & answered
    items = np.array(table[item_ids].to_numpy(dtype=object), dtype=object)
    items[blank] = None
    table[item_ids] = items
    table["relation"] = pd.Series(labels, dtype=object).astype(str)
    table = table.loc[keep].drop(columns=["rater_id"])
    order = table.astype(str).sort_values(list(table.columns), kind="stable").index
    return AnonymousRows(
        table=table.loc[order].reset_index(drop=True),
        withheld_forms=int((~keep).sum()),
        blanked_answers=int(blank[keep].sum()),
    )
