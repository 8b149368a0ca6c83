"""Tables for export: people and the raw forms of one wave, in the canonical file layouts.

These return everything that is stored, rater ids included; what may leave the system
(anonymity, spreadsheet safety, file formats) is decided by ``colead.jobs.exports``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from colead.analysis.data import WaveData
from colead.domain import BLANK, NOT_OBSERVED
from colead.store.people import people_frame
from colead.store.reviews import load_framework_version
from colead.store.schema import Assignment, Person, Response, Review, Wave
from colead.store.waves import load_wave_data

#: Text written for "not observed" in the wide responses layout (DESIGN §3).
NOT_OBSERVED_TEXT = "NA"

#: The key columns of the wide responses layout, before the item columns.
RESPONSE_KEYS = ("wave", "ratee_id", "rater_id", "relation")
#: The comment columns of the wide responses layout, after the item columns.
COMMENT_COLUMNS = ("comment_strengths", "comment_suggestions")


def people_table(session: Session, review: Review) -> pd.DataFrame:
    """The review's people in the canonical people layout (DESIGN §3)."""
    return people_frame(session, review.id)


def responses_wide(
    session: Session, review: Review, wave: Wave, data: WaveData | None = None
) -> pd.DataFrame:
    """Every completed form of a wave in the canonical wide layout.

    Columns: ``wave, ratee_id, rater_id, relation``, one column per framework item id
    (in framework order), ``comment_strengths, comment_suggestions``. Item cells hold the
    scale point as an ``int``, ``"NA"`` for not observed, or ``None`` for a blank answer;
    the item columns therefore have ``object`` dtype. Rows follow the assignment order,
    which is the order of ``data.responses`` when the wave's ``data`` is given.
    """
    if data is None:
        data = wave_data(session, review, wave)
    keys = data.responses[["ratee_id", "rater_id", "relation"]].reset_index(drop=True)
    items = _decode(data.values, list(data.framework.item_ids))
    comments = wave_comments(session, review, wave)
    pairs = list(zip(keys["ratee_id"], keys["rater_id"], strict=True))
    strengths = [comments.get(pair, (None, None))[0] for pair in pairs]
    suggestions = [comments.get(pair, (None, None))[1] for pair in pairs]
    frame = pd.concat(
        [
            pd.DataFrame({"wave": [wave.name] * len(keys)}),
            keys,
            items,
            pd.DataFrame(
                {"comment_strengths": strengths, "comment_suggestions": suggestions},
                dtype=object,
            ),
        ],
        axis=1,
    )
    return frame


def wave_data(session: Session, review: Review, wave: Wave) -> WaveData:
    """The wave's forms as the analysis reads them, with its own framework version."""
    framework = load_framework_version(session, wave.framework_version_id)
    return load_wave_data(session, review, wave, framework)


def _decode(values: np.ndarray, item_ids: list[str]) -> pd.DataFrame:
    """int8 codes -> object cells: scale points as int, "NA", or None for blank."""
    cells = values.astype(object)
    cells[values == NOT_OBSERVED] = NOT_OBSERVED_TEXT
    cells[values == BLANK] = None
    columns = {item: cells[:, i] for i, item in enumerate(item_ids)}
    return pd.DataFrame(columns, index=range(len(values)), columns=item_ids, dtype=object)


def wave_comments(
    session: Session, review: Review, wave: Wave
) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    """(ratee external id, rater external id) -> (strengths, suggestions) of the wave."""
    ratee = aliased(Person)
    rater = aliased(Person)
    rows = session.connection().execute(
        select(
            ratee.external_id,
            rater.external_id,
            Response.comment_strengths,
            Response.comment_suggestions,
        )
        .join(Assignment, Assignment.id == Response.assignment_id)
        .join(ratee, ratee.id == Assignment.ratee_id)
        .join(rater, rater.id == Assignment.rater_id)
        .where(
            Assignment.wave_id == wave.id,
            ratee.review_id == review.id,
            Response.submitted_at.is_not(None),
        )
    )
    return {(a, b): (s, g) for a, b, s, g in rows}
