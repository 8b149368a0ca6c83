"""Publishing a wave's answers: once, at a close, and only in steps no one can subtract.

Results show only *released* forms. Closing a wave releases its submitted forms; after a
reopen (or an import into a closed wave), a person's new forms are released only when
comparing the results before and after cannot isolate fewer than the anonymity minimum of
them (:func:`colead.analysis.disclosure.changes_safe_to_release`); until then they are held
back and the person's published figures stay as they were. Released answers never change:
the survey and imports refuse to alter them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from colead.analysis.disclosure import changes_safe_to_release
from colead.analysis.review import person_scale_ids
from colead.analysis.scoring import scale_index, score_forms
from colead.domain import WaveStatus
from colead.errors import ResultsNotPublished
from colead.store.release import (
    anything_released,
    mark_released,
    release_all,
    submitted_forms,
    waiting_ratees,
)
from colead.store.reviews import load_framework_version
from colead.store.schema import Review, Wave, utcnow
from colead.store.waves import get_wave, list_waves

__all__ = ["Release", "published_wave", "release_answers", "require_published"]


@dataclass(frozen=True)
class Release:
    """What a release published, and what still waits."""

    released: int
    #: submitted forms still unpublished, and the people they are about
    held_back: int
    people_waiting: int

    def describe(self, minimum: int | None) -> str | None:
        """A sentence for the person who closed the wave, or None when nothing waits."""
        if not self.held_back:
            return None
        return (
            f"{self.held_back} late form(s) about {self.people_waiting} person(s) are held "
            f"back: published alone they would let someone comparing the results before and "
            "after work out individual answers. They are published once enough new forms "
            f"({minimum or 'the anonymity minimum'} or more) arrive in each changed rater "
            "group: reopen the wave, then close it again."
        )


def require_published(review_name: str, wave: Wave) -> None:
    """Refuse scores and comments of a wave that is not closed (participation only).

    Raises
    ------
    ResultsNotPublished
        for a draft or open (also a reopened) wave.
    """
    if wave.status == WaveStatus.closed.value:
        return
    state = "still a draft" if wave.status == WaveStatus.draft.value else "open"
    raise ResultsNotPublished(
        f"Wave {wave.name!r} of review {review_name!r} is {state}: its results are "
        "published when it closes, so that no single answer can be read from the change.",
        f"Until then only participation is shown (`colead wave list --review "
        f"{review_name!r}`, or the wave's progress page in the console); close it with "
        f"`colead wave close --review {review_name!r} --wave {wave.name!r}`.",
    )


def published_wave(session: Session, review: Review, wave_name: str | None) -> Wave:
    """The named wave when its results are published, or by default the latest closed one.

    Raises
    ------
    ResultsNotPublished
        when the named wave (or, with no name, every wave) is not closed.
    """
    if wave_name is not None:
        wave = get_wave(session, review, wave_name)
        require_published(review.name, wave)
        return wave
    waves = list_waves(session, review.id)
    closed = [w for w in waves if w.status == WaveStatus.closed.value]
    if closed:
        return closed[-1]
    wave = get_wave(session, review, None)  # WaveNotFound when the review has none
    require_published(review.name, wave)
    return wave


def release_answers(
    session: Session, wave: Wave, minimum: int | None, at: datetime | None = None
) -> Release:
    """Release the wave's submitted, unpublished forms wherever that is safe.

    Parameters
    ----------
    session
        An open transaction (the caller holds the wave's lock).
    wave
        A wave being closed, or a closed wave that received imported forms.
    minimum
        Anonymity minimum; None when the caller does not know it, and then a person's new
        forms join earlier published ones never (they wait for a close that knows it).
    at
        The release time (now by default).
    """
    moment = at or utcnow()
    people = waiting_ratees(session, wave.id)
    if not people:
        return Release(0, 0, 0)
    if not anything_released(session, wave.id):
        # a first close: nothing is published yet, so everything goes at once
        return Release(release_all(session, wave.id, moment), 0, 0)
    framework = load_framework_version(session, wave.framework_version_id)
    forms, codes = submitted_forms(session, wave.id, len(framework.item_ids), people)
    waiting = ~forms["released"].to_numpy(dtype=bool)
    released = ~waiting
    item_scale, scale_ids = scale_index(framework)
    scores, _ = score_forms(codes, item_scale, len(scale_ids), framework.min_answered_fraction)
    scores = scores[:, [scale_ids.index(s) for s in person_scale_ids(framework)]]
    relations = forms["relation"].astype(str).to_numpy()
    chosen: list[int] = []
    held, waiting_people = 0, 0
    for rows in forms.groupby("ratee", sort=False).indices.values():
        new = rows[waiting[rows]]
        if not len(new):
            continue
        first = not released[rows].any()
        if first or (
            minimum is not None
            and changes_safe_to_release(
                relations[rows].tolist(), scores[rows], released[rows], minimum
            )
        ):
            chosen.extend(forms["response_id"].to_numpy()[new].tolist())
        else:
            held += len(new)
            waiting_people += 1
    mark_released(session, chosen, moment)
    return Release(len(chosen), held, waiting_people)
