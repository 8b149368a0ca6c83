"""Follow-up waves: measure the same relationships again, and check the scales still work.

A follow-up wave reuses every assignment (ratee, rater, relation) of an earlier wave with
fresh survey tokens; raters receive their new links through the usual invitations. People
who left are dropped, raters can be swapped with a replacement file, and a new framework
version is accepted only with a declared mapping of old item ids to new ones, kept in the
audit log so later comparisons can find it (:func:`item_renames`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from colead.analysis.data import WaveData
from colead.analysis.stability import StabilityResult, scale_blocks, scale_stability
from colead.domain import Relation
from colead.errors import InvalidData
from colead.fieldwork.lifecycle import WaveInfo, create_draft_wave, review_waves
from colead.framework import Framework
from colead.ingest.reader import read_file
from colead.store.follow_up import (
    FOLLOW_UP_ACTION,
    PriorAssignment,
    follow_up_record,
    wave_assignments,
)
from colead.store.people import person_ids
from colead.store.reviews import audit, get_review, load_framework_version
from colead.store.schema import Review, Wave
from colead.store.waves import add_assignments, find_wave, get_wave, list_waves, load_wave_data

REPLACE_COLUMNS = ("old_rater_id", "new_rater_id", "ratee_id")


@dataclass(frozen=True)
class Replacement:
    """One row of a replacement file; ``line`` is its line in the file (header = 1).

    ``new_rater_id`` None means the person left: they neither rate nor are rated again.
    ``ratee_id`` limits the row to the assignments rating that one person.
    """

    line: int
    old_rater_id: str
    new_rater_id: str | None
    ratee_id: str | None = None


@dataclass(frozen=True)
class Change:
    """An assignment of the earlier wave that was dropped or given another rater."""

    ratee_id: str
    rater_id: str
    relation: str
    #: the new rater, or None when the assignment was dropped
    new_rater_id: str | None
    reason: str


@dataclass(frozen=True)
class FollowUpWave:
    wave: WaveInfo
    from_wave: str
    framework: str
    kept: int
    replaced: tuple[Change, ...]
    dropped: tuple[Change, ...]
    mapping: dict[str, str] | None


@dataclass(frozen=True)
class ReviewStability:
    review: str
    result: StabilityResult


def read_replacements(path: Path) -> list[Replacement]:
    """Parse ``old_rater_id,new_rater_id[,ratee_id]`` (header names case-insensitive)."""
    cells = read_file(path).cells
    if cells.empty:
        raise InvalidData(f"{path}: the file has no header row.", _REPLACE_HINT)
    header = [_key(v) for v in cells.iloc[0]]
    missing = [c for c in REPLACE_COLUMNS[:2] if c not in header]
    if missing:
        raise InvalidData(f"{path}: missing column(s) {', '.join(missing)}.", _REPLACE_HINT)
    at = {name: header.index(name) for name in REPLACE_COLUMNS if name in header}
    rows = []
    for index in range(1, len(cells)):
        row = cells.iloc[index]

        def cell(name: str, row: object = row) -> str | None:
            if name not in at:
                return None
            value = row.iloc[at[name]]  # type: ignore[attr-defined]
            text = str(value).strip() if value is not None else ""
            return text or None

        old = cell("old_rater_id")
        if old is None:
            raise InvalidData(
                f"{path}: row {index + 1}, column old_rater_id: empty.",
                "Every row names the rater being replaced.",
            )
        rows.append(Replacement(index + 1, old, cell("new_rater_id"), cell("ratee_id")))
    return rows


_REPLACE_HINT = (
    "Columns: old_rater_id, new_rater_id and optionally ratee_id; leave new_rater_id empty "
    "for someone who left."
)


def _key(value: object) -> str:
    return "_".join(str(value or "").strip().lower().split())


def read_item_mapping(path: Path) -> dict[str, str]:
    """A YAML mapping ``old item id: new item id`` (optionally under an ``items:`` key)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError) as exc:
        raise InvalidData(f"{path}: not a readable YAML file: {exc}", _MAPPING_HINT) from None
    if isinstance(data, dict) and set(data) == {"items"}:
        data = data["items"]
    if not isinstance(data, dict) or not data:
        raise InvalidData(f"{path}: expected a mapping of old item ids to new ones.", _MAPPING_HINT)
    bad = [str(k) for k, v in data.items() if not isinstance(v, str | int)]
    if bad:
        raise InvalidData(f"{path}: no new item id for {', '.join(bad)}.", _MAPPING_HINT)
    return {str(k): str(v) for k, v in data.items()}


_MAPPING_HINT = "Write one line per item, old id: new id, e.g. `model_1: model_1a`."


def check_item_mapping(old: Framework, new: Framework, mapping: Mapping[str, str]) -> None:
    """Refuse a mapping that names unknown items or merges two old items into one."""
    problems = [f"{k} is not an item of {old.label}" for k in mapping if k not in old.item_ids]
    problems += [
        f"{v} (for {k}) is not an item of {new.label}"
        for k, v in mapping.items()
        if v not in new.item_ids
    ]
    seen: dict[str, str] = {}
    for k, v in mapping.items():
        if v in seen:
            problems.append(f"{seen[v]} and {k} both map to {v}")
        seen[v] = k
    if problems:
        raise InvalidData("The item mapping does not fit: " + "; ".join(problems) + ".")


def create_follow_up_wave(
    session: Session,
    review_name: str,
    from_wave: str,
    wave_name: str,
    *,
    framework: Framework | None = None,
    mapping: Mapping[str, str] | None = None,
    replacements: Sequence[Replacement] = (),
    period: str | None = None,
    actor: str = "cli",
) -> FollowUpWave:
    """Create draft wave ``wave_name`` with the assignments of ``from_wave``.

    The earlier wave's framework version is used unless ``framework`` differs from it, in
    which case ``mapping`` (old item id -> new item id) is required; it is checked and kept
    in the audit entry of the new wave. Replacement rows are validated all at once: any
    problem raises InvalidData naming each row and column, and nothing is created.
    """
    review = get_review(session, review_name)
    previous = get_wave(session, review, from_wave)
    old_framework = load_framework_version(session, previous.framework_version_id)
    target = framework or old_framework
    changed = target.fingerprint != old_framework.fingerprint
    if changed and not mapping:
        raise InvalidData(
            f"Wave {previous.name!r} used {old_framework.label}; {target.label} is a different "
            "framework, so the waves can only be compared through a declared item mapping.",
            "Give --mapping MAP.yaml (old item id: new item id), or leave out --framework "
            "to keep the same version.",
        )
    if not changed and mapping:
        raise InvalidData(
            f"Wave {previous.name!r} already uses {target.label}: a mapping is only for a "
            "different framework version.",
            "Leave out --mapping, or give the new framework with --framework.",
        )
    if mapping:
        check_item_mapping(old_framework, target, mapping)

    people = person_ids(session, review.id)
    prior = wave_assignments(session, previous.id)
    rows, replaced, dropped = _plan(prior, replacements, people)
    created = create_draft_wave(session, review.name, wave_name, target, period=period, actor=actor)
    wave = find_wave(session, review.id, created.wave.name)
    assert wave is not None  # created just above, in this transaction
    add_assignments(session, wave.id, [(people[a], people[b], rel) for a, b, rel in rows])
    audit(
        session,
        actor,
        FOLLOW_UP_ACTION,
        "wave",
        wave.id,
        review_id=review.id,
        name=wave.name,
        from_wave=previous.name,
        from_wave_id=previous.id,
        framework=target.label,
        from_framework=old_framework.label,
        mapping=dict(mapping) if mapping else None,
        kept=len(rows),
        replaced=[_record(c) for c in replaced],
        dropped=[_record(c) for c in dropped],
    )
    info = next(w for w in review_waves(session, review.name) if w.name == wave.name)
    return FollowUpWave(
        info,
        previous.name,
        target.label,
        len(rows),
        tuple(replaced),
        tuple(dropped),
        dict(mapping) if mapping else None,
    )


def _record(change: Change) -> dict[str, str | None]:
    return {
        "ratee_id": change.ratee_id,
        "rater_id": change.rater_id,
        "relation": change.relation,
        "new_rater_id": change.new_rater_id,
        "reason": change.reason,
    }


def _plan(
    prior: Sequence[PriorAssignment], replacements: Sequence[Replacement], people: Mapping[str, int]
) -> tuple[list[tuple[str, str, str]], list[Change], list[Change]]:
    """The new wave's (ratee, rater, relation) rows, with what was swapped and dropped."""
    problems: list[str] = []
    left: dict[str, int] = {}
    swaps: dict[tuple[str, str | None], Replacement] = {}
    for row in replacements:
        where = f"row {row.line}"
        for column, value in (
            ("old_rater_id", row.old_rater_id),
            ("new_rater_id", row.new_rater_id),
            ("ratee_id", row.ratee_id),
        ):
            if value is not None and value not in people:
                problems.append(f"{where}, column {column}: {value!r} is not in the review")
        key = (row.old_rater_id, row.ratee_id)
        if key in swaps:
            problems.append(f"{where}: repeats row {swaps[key].line}")
        swaps[key] = row
        if row.new_rater_id is None and row.ratee_id is None:
            left[row.old_rater_id] = row.line

    rows: list[tuple[str, str, str]] = []
    replaced: list[Change] = []
    dropped: list[Change] = []
    used: set[int] = set()
    made: dict[tuple[str, str], int | None] = {}
    for a in prior:
        ratee, rater, relation = a.ratee_id, a.rater_id, a.relation
        if ratee in left or rater in left:
            who = ratee if ratee in left else rater
            dropped.append(Change(ratee, rater, relation, None, f"{who} left (row {left[who]})"))
            continue
        swap = swaps.get((rater, ratee)) or swaps.get((rater, None))
        # A self-rating belongs to the ratee: a general swap of a rater leaves it alone.
        if swap is not None and relation == Relation.self.value and swap.ratee_id is None:
            swap = None
        new_rater = rater
        if swap is not None:
            used.add(swap.line)
            if swap.new_rater_id is None:
                dropped.append(
                    Change(ratee, rater, relation, None, f"no replacement (row {swap.line})")
                )
                continue
            new_rater = swap.new_rater_id
            if relation == Relation.self.value and new_rater != ratee:
                problems.append(
                    f"row {swap.line}, column new_rater_id: {ratee}'s self-rating cannot be "
                    f"given to {new_rater}"
                )
            if new_rater == ratee and relation != Relation.self.value:
                problems.append(
                    f"row {swap.line}, column new_rater_id: {new_rater} would rate themselves "
                    f"as {relation}"
                )
            replaced.append(
                Change(ratee, rater, relation, new_rater, f"replaced (row {swap.line})")
            )
        pair = (ratee, new_rater)
        if pair in made:
            line = swap.line if swap is not None else made[pair]
            problems.append(
                f"row {line}, column new_rater_id: {new_rater} would rate {ratee} twice"
            )
        made[pair] = swap.line if swap is not None else None
        rows.append((ratee, new_rater, relation))
    for row in replacements:
        if row.line not in used and row.old_rater_id not in left and row.old_rater_id in people:
            target = f" for {row.ratee_id}" if row.ratee_id else ""
            problems.append(
                f"row {row.line}, column old_rater_id: {row.old_rater_id} is not a rater"
                f"{target} in the earlier wave"
            )
    if problems:
        raise InvalidData(
            "The replacement file has problems: " + "; ".join(problems) + ".", _REPLACE_HINT
        )
    return rows, replaced, dropped


def item_renames(session: Session, waves: Sequence[Wave]) -> dict[int, dict[str, str]]:
    """wave pk -> {its item id: the id of the same item in the earliest wave of the chain}.

    Follows the mappings declared when follow-up waves were created; a wave made another
    way, or with the same framework, compares its items under their own ids.
    """
    renames: dict[int, dict[str, str]] = {}
    for wave in waves:
        record = follow_up_record(session, wave.id)
        if record is None:
            renames[wave.id] = {}
            continue
        base = renames.get(int(record.get("from_wave_id") or 0), {})
        mapping = record.get("mapping") or {}
        if mapping:
            renames[wave.id] = {new: base.get(old, old) for old, new in mapping.items()}
        else:
            renames[wave.id] = dict(base)
    return renames


def review_stability(
    session: Session, review_name: str, wave_names: Sequence[str] | None = None
) -> ReviewStability:
    """Alpha and item–total correlations of every scale in each wave, with drift warnings.

    Without ``wave_names``, every wave with at least one submitted form, oldest first.
    """
    review = get_review(session, review_name)
    if wave_names:
        chosen = [get_wave(session, review, name) for name in wave_names]
        chosen.sort(key=lambda w: w.ordinal)
    else:
        chosen = list_waves(session, review.id)
    renames = item_renames(session, list_waves(session, review.id))
    blocks = []
    for wave in chosen:
        data = _load(session, review, wave)
        if not wave_names and len(data.responses) == 0:
            continue
        blocks.append(
            (
                wave.name,
                scale_blocks(
                    data.values,
                    data.responses["relation"],
                    data.framework,
                    rename=renames.get(wave.id),
                ),
            )
        )
    return ReviewStability(review.name, scale_stability(blocks))


def _load(session: Session, review: Review, wave: Wave) -> WaveData:
    framework = load_framework_version(session, wave.framework_version_id)
    return load_wave_data(session, review, wave, framework)
