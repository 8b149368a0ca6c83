"""Mapping files: how a user's column names, item columns and answer labels map to colead's.

```yaml
columns:            # file column -> canonical column
  Employee Number: person_id
  Dept site: site
items:              # file column -> framework item id (survey-tool exports)
  Q5_1: model_1
values:             # answer label -> scale point, or "not observed"
  Always: 5
  Can't say: not observed
relations:          # relation label -> colead relation
  Internal customer: other
levels:             # level label -> level 1..5
  Principal: 2
sheet: People       # XLSX sheet to read (default: the first)
```

Keys may be written as numbers (``6: not observed``): YAML reads them as numbers, and
they are taken as the text they spell. docs/importing.md describes every key.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from colead.errors import InvalidData


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    columns: dict[str, str] = Field(default_factory=dict)
    items: dict[str, str] = Field(default_factory=dict)
    values: dict[str, int | str] = Field(default_factory=dict)
    relations: dict[str, str] = Field(default_factory=dict)
    levels: dict[str, int | str] = Field(default_factory=dict)
    sheet: str | None = None

    @field_validator("columns", "items", "values", "relations", "levels", mode="before")
    @classmethod
    def _keys_as_text(cls, section: object) -> object:
        """``6: not observed`` names the answer "6": YAML's number key is that text. A
        section left with comments only (``columns:`` and nothing under it) is empty."""
        if section is None:
            return {}
        if isinstance(section, dict):
            return {_key_text(k): v for k, v in section.items()}
        return section


def _key_text(key: object) -> object:
    if isinstance(key, bool) or key is None:
        return key  # "yes:"/"no:"/"null:" keys are YAML surprises; refused as not text
    if isinstance(key, float) and key.is_integer():
        return str(int(key))
    return str(key) if isinstance(key, int | float) else key


def load_mapping(path: Path | None) -> Mapping:
    """An empty mapping when ``path`` is None; otherwise the validated file."""
    if path is None:
        return Mapping()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except FileNotFoundError:
        raise InvalidData(f"Mapping file not found: {path}", "Check the --mapping path.") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError) as exc:
        raise InvalidData(
            f"{path}: not a readable YAML mapping file: {exc}",
            "Write it as YAML with 'columns:', 'items:' and 'values:' sections.",
        ) from None
    try:
        return Mapping.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        raise InvalidData(
            f"{path}: field '{where}': {first.get('msg', 'invalid')}",
            "Allowed sections: columns, items, values, relations, levels, sheet "
            "(see docs/importing.md). Quote a key YAML reads as true/false/null, e.g. 'No'.",
        ) from None
