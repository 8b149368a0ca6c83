"""A small stored review built to test the anonymity minimum of the results pages.

Sites North and South have six people each, rated by self, manager and three peers (or
three direct reports). Two groups are one rater short of the minimum of 3:

* N1's two partner raters (S1, S2) answer 1 on every item, so that group's mean would be
  ``1.00``; the rule folds them with N1's direct reports into "others".
* T1, at the two-person site Tiny, is rated by one peer and one "other" who answer 2 on
  every item (mean ``2.00``); pooled they are still two, so they are withheld.

Everyone else answers 3 to 5 (seeded), so ``1.00`` and ``2.00`` can only come from a leak.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from builders import close_stored_wave, default_framework
from colead.ingest.importing import import_file

REVIEW = "Anon Co – Partner Ltd"
WAVE = "baseline"
PARTNER_ANSWER = 1
TINY_ANSWER = 2
#: the means that only a leak of a group below the minimum could show
LEAKS = ("1.00", "2.00")


@dataclass(frozen=True)
class AnonymityReview:
    url: str
    review: str
    wave: str


def _person(pid: str, org: str, role: str, site: str, level: int, manager: str | None) -> dict:
    return {
        "person_id": pid,
        "name": f"Person {pid}",
        "email": f"{pid.lower()}@example.test",
        "organisation": org,
        "organisation_role": role,
        "site": site,
        "role_title": "Lead" if manager is None else "Member",
        "level": level,
        "manager_id": manager,
    }


def people() -> pd.DataFrame:
    rows = [_person("N1", "Anon Co", "client", "North", 2, None)]
    rows += [_person(f"N{k}", "Anon Co", "client", "North", 3, "N1") for k in range(2, 7)]
    rows += [_person("S1", "Partner Ltd", "supplier", "South", 2, None)]
    rows += [_person(f"S{k}", "Partner Ltd", "supplier", "South", 3, "S1") for k in range(2, 7)]
    rows += [_person("T1", "Partner Ltd", "supplier", "Tiny", 3, "S1")]
    rows += [_person("T2", "Partner Ltd", "supplier", "Tiny", 4, "T1")]
    return pd.DataFrame(rows)


def forms() -> list[tuple[str, str, str, int | None]]:
    """(ratee, rater, relation, fixed answer or None for seeded answers)."""
    made: list[tuple[str, str, str, int | None]] = []
    for prefix in ("N", "S"):
        team = [f"{prefix}{k}" for k in range(2, 7)]
        lead = f"{prefix}1"
        for k, pid in enumerate(team):
            made.append((pid, pid, "self", None))
            made.append((pid, lead, "manager", None))
            made += [(pid, team[(k + j) % len(team)], "peer", None) for j in (1, 2, 3)]
        made.append((lead, lead, "self", None))
        made += [(lead, pid, "direct_report", None) for pid in team[:3]]
    made += [("N1", "S1", "partner", PARTNER_ANSWER), ("N1", "S2", "partner", PARTNER_ANSWER)]
    made += [("T1", "T1", "self", None), ("T1", "S1", "manager", None)]
    made += [("T1", "T2", "peer", TINY_ANSWER), ("T1", "S3", "other", TINY_ANSWER)]
    made += [("T2", "T2", "self", None), ("T2", "T1", "manager", None)]
    return made


def responses(seed: int = 5) -> pd.DataFrame:
    items = default_framework().item_ids
    rng = np.random.default_rng(seed)
    rows = []
    for ratee, rater, relation, fixed in forms():
        values = (
            [fixed] * len(items) if fixed is not None else rng.integers(3, 6, len(items)).tolist()
        )
        base = {"wave": WAVE, "ratee_id": ratee, "rater_id": rater, "relation": relation}
        rows.append({**base, **dict(zip(items, values, strict=True))})
    return pd.DataFrame(rows)


def store_anonymity_review(url: str, folder: Path) -> AnonymityReview:
    """Import the review's people, nominations and responses through the import job."""
    folder.mkdir(parents=True, exist_ok=True)
    people().to_csv(folder / "people.csv", index=False)
    nominations = pd.DataFrame(
        [(r, t, rel) for r, t, rel, _ in forms()], columns=["ratee_id", "rater_id", "relation"]
    )
    nominations.assign(wave=WAVE).to_csv(folder / "nominations.csv", index=False)
    responses().to_csv(folder / "responses.csv", index=False)
    for kind in ("people", "nominations", "responses"):
        wave = None if kind == "people" else WAVE
        outcome = import_file(url, kind, folder / f"{kind}.csv", review=REVIEW, wave=wave)
        assert outcome.rejected == 0, outcome.problems
    close_stored_wave(url, REVIEW, WAVE)
    return AnonymityReview(url, REVIEW, WAVE)
