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
sheet: People       # XLSX sheet to read (default: the first)
```
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from colead.errors import InvalidData


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    columns: dict[str, str] = Field(default_factory=dict)
    items: dict[str, str] = Field(default_factory=dict)
    values: dict[str, int | str] = Field(default_factory=dict)
    sheet: str | None = None


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
            "Allowed sections: columns, items, values, sheet.",
        ) from None
