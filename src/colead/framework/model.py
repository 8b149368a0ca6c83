"""The measurement framework as validated data.

A framework is shipped as YAML (``default.yaml`` beside this module) and describes
families of scales (leadership, management, systems), their items, the response scale,
the open comment questions, the competence view, the "passion and system" continuum and,
per person-rated scale, a library of development actions for the individual report.
Item ids are stable: once published, an id never changes meaning.
"""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from functools import cached_property
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RatedUnit(StrEnum):
    """What a family's items are about."""

    person = "person"  # a 360 rating of one person by self and others
    site = "site"  # each respondent rates their own site, on their self form


class Item(_Strict):
    id: Identifier
    text: Text = Field(description="Observer wording, third person, starts with a verb.")
    self_text: Text | None = Field(
        default=None, description="Self wording ('I ...'); defaults to text for site items."
    )
    clause: str | None = Field(default=None, description="Standard clause the item evidences.")


class DevelopmentAction(_Strict):
    """One concrete step a person can take to grow a practice."""

    id: Identifier
    text: Text = Field(description="Second person, starts with a verb ('Ask the partner ...').")


class Scale(_Strict):
    id: Identifier
    title: Text
    description: Text | None = None
    clause: str | None = None
    items: list[Item] = Field(min_length=2)
    #: suggested development actions (person-rated scales only), shown in individual reports
    actions: list[DevelopmentAction] = Field(default_factory=list)


class Family(_Strict):
    id: Identifier
    title: Text
    description: Text | None = None
    rates: RatedUnit = RatedUnit.person
    scales: list[Scale] = Field(min_length=1)

    @property
    def scale_ids(self) -> list[str]:
        return [s.id for s in self.scales]


class ScalePoint(_Strict):
    value: int
    label: Text


class ResponseScale(_Strict):
    points: list[ScalePoint] = Field(min_length=2)
    not_observed_label: Text = "Not observed"
    #: extra spellings accepted for "not observed" in imported files
    not_observed_codes: list[str] = Field(default_factory=lambda: ["NA", "N/A", "n/a", "NO"])

    @model_validator(mode="after")
    def _consecutive(self) -> ResponseScale:
        values = [p.value for p in self.points]
        if values != list(range(values[0], values[0] + len(values))):
            raise ValueError("point values must be consecutive integers in increasing order")
        if values[0] < 0 or values[-1] > 100:
            raise ValueError("point values must lie between 0 and 100")
        return self

    @property
    def minimum(self) -> int:
        return self.points[0].value

    @property
    def maximum(self) -> int:
        return self.points[-1].value

    @property
    def midpoint(self) -> float:
        return (self.minimum + self.maximum) / 2


class CommentQuestion(_Strict):
    id: Identifier
    prompt: Text
    self_prompt: Text | None = None


class Competence(_Strict):
    id: Identifier
    title: Text
    practices: list[Identifier] = Field(min_length=1)


class Continuum(_Strict):
    """Leadership is the "passion" axis, management the "system" axis (Peters, adapted)."""

    passion: Identifier = "leadership"
    system: Identifier = "management"
    threshold: float = Field(description="Family mean at or above which an axis counts as present.")


class Framework(_Strict):
    id: Identifier
    version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+(\.\d+)?$")]
    title: Text
    description: Text | None = None
    min_answered_fraction: float = Field(default=2 / 3, gt=0, le=1)
    response_scale: ResponseScale
    comments: list[CommentQuestion] = Field(default_factory=list)
    families: list[Family] = Field(min_length=1)
    competences: list[Competence] = Field(default_factory=list)
    competence_note: Text | None = None
    continuum: Continuum | None = None

    @model_validator(mode="after")
    def _references(self) -> Framework:
        for kind, places in (
            ("family", [(("families", f), fam.id) for f, fam in enumerate(self.families)]),
            ("scale", [(("families", f, "scales", s), sc.id) for f, s, sc in self._scales_at()]),
            (
                "item",
                [
                    (("families", f, "scales", s, "items", i), it.id)
                    for f, s, i, it in self._items_at()
                ],
            ),
            ("comment", [(("comments", c), q.id) for c, q in enumerate(self.comments)]),
            (
                "action",
                [
                    (("families", f, "scales", s, "actions", a), action.id)
                    for f, s, sc in self._scales_at()
                    for a, action in enumerate(sc.actions)
                ],
            ),
            ("competence", [(("competences", c), q.id) for c, q in enumerate(self.competences)]),
        ):
            seen: set[str] = set()
            for loc, ident in places:
                if ident in seen:
                    raise FieldProblem((*loc, "id"), f"{kind} id '{ident}' is used more than once")
                seen.add(ident)
        family_ids = {f.id for f in self.families}
        person_scales = {
            s.id for f in self.families if f.rates is RatedUnit.person for s in f.scales
        }
        for c, competence in enumerate(self.competences):
            for p, practice in enumerate(competence.practices):
                if practice not in person_scales:
                    raise FieldProblem(
                        ("competences", c, "practices", p),
                        f"competence '{competence.id}' maps to '{practice}', which is not a "
                        "scale of a family that rates people",
                    )
        for f, s, scale in self._scales_at():
            if scale.actions and self.families[f].rates is not RatedUnit.person:
                raise FieldProblem(
                    ("families", f, "scales", s, "actions"),
                    f"scale '{scale.id}' rates a site; development actions belong to scales "
                    "that rate a person",
                )
        for f, s, i, item in self._items_at():
            rates = self.families[f].rates
            if rates is RatedUnit.person and item.self_text is None:
                raise FieldProblem(
                    ("families", f, "scales", s, "items", i, "self_text"),
                    f"item '{item.id}' rates a person and needs self_text (the 'I ...' wording)",
                )
            if rates is RatedUnit.site and item.self_text is not None:
                raise FieldProblem(
                    ("families", f, "scales", s, "items", i, "self_text"),
                    f"item '{item.id}' rates a site; site items have one wording only",
                )
        if self.continuum is not None:
            for axis_name in ("passion", "system"):
                axis = getattr(self.continuum, axis_name)
                if axis not in family_ids:
                    raise FieldProblem(
                        ("continuum", axis_name), f"continuum axis '{axis}' is not a family id"
                    )
            low, high = self.response_scale.minimum, self.response_scale.maximum
            if not low <= self.continuum.threshold <= high:
                raise FieldProblem(
                    ("continuum", "threshold"),
                    f"threshold {self.continuum.threshold} lies outside the response scale "
                    f"{low}..{high}",
                )
        return self

    def _scales_at(self) -> list[tuple[int, int, Scale]]:
        return [
            (f, s, sc) for f, fam in enumerate(self.families) for s, sc in enumerate(fam.scales)
        ]

    def _items_at(self) -> list[tuple[int, int, int, Item]]:
        return [(f, s, i, it) for f, s, sc in self._scales_at() for i, it in enumerate(sc.items)]

    # Derived views. The item order below is the order of the packed response vectors
    # stored for this framework version, so it must only ever follow the file.

    @cached_property
    def items(self) -> tuple[Item, ...]:
        return tuple(i for f in self.families for s in f.scales for i in s.items)

    @cached_property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.items)

    @cached_property
    def scales(self) -> tuple[Scale, ...]:
        return tuple(s for f in self.families for s in f.scales)

    @cached_property
    def scale_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.scales)

    @cached_property
    def item_scale(self) -> tuple[str, ...]:
        """Scale id of each item, in item order."""
        return tuple(s.id for s in self.scales for _ in s.items)

    @cached_property
    def scale_family(self) -> dict[str, str]:
        return {s.id: f.id for f in self.families for s in f.scales}

    def family(self, family_id: str) -> Family:
        for family in self.families:
            if family.id == family_id:
                return family
        raise KeyError(family_id)

    def scale(self, scale_id: str) -> Scale:
        for scale in self.scales:
            if scale.id == scale_id:
                return scale
        raise KeyError(scale_id)

    @cached_property
    def fingerprint(self) -> str:
        """Hash of the content; two files with the same meaning share it.

        Development actions are advice printed in reports, not part of what is measured, so
        they are left out: adding or rewording actions keeps the fingerprint, and waves
        already stored with the framework keep matching it.
        """
        content = self.model_dump(mode="json")
        for family in content["families"]:
            for scale in family["scales"]:
                del scale["actions"]
        canonical = json.dumps(content, sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    @property
    def has_actions(self) -> bool:
        return any(scale.actions for scale in self.scales)

    @property
    def label(self) -> str:
        return f"{self.id} {self.version}"


class FieldProblem(ValueError):
    """A rule broken at a known place in the file, so the loader can name the field."""

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc
