"""Load a framework file and turn every problem into one clear message."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from colead.errors import FrameworkInvalid
from colead.framework.model import FieldProblem, Framework

DEFAULT_FRAMEWORK_NAME = "default.yaml"


def default_framework_path() -> Path:
    return Path(str(resources.files("colead.framework").joinpath(DEFAULT_FRAMEWORK_NAME)))


def load_framework(path: str | Path | None = None) -> Framework:
    """Read and validate a framework; the built-in default when ``path`` is None.

    Raises
    ------
    FrameworkInvalid
        naming the file, the field (as a dotted path with list positions) and the problem.
    """
    source = Path(path) if path is not None else default_framework_path()
    try:
        text = source.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise FrameworkInvalid(
            f"Framework file not found: {source}",
            "Check the path given to --framework (or COLEAD_FRAMEWORK_PATH).",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FrameworkInvalid(
            f"Framework file cannot be read: {source}: {exc}",
            "Save the framework as a UTF-8 text YAML file.",
        ) from None
    return parse_framework(text, source=str(source))


def parse_framework(text: str, source: str = "<framework>") -> Framework:
    try:
        data = yaml.safe_load(text)
    except RecursionError:
        raise FrameworkInvalid(
            f"{source}: not valid YAML: lists or mappings are nested too deeply",
            "A framework nests families, scales and items only; remove the extra brackets.",
        ) from None
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise FrameworkInvalid(
            f"{source}: not valid YAML{where}: {problem}",
            "Fix the YAML syntax (indentation, quotes, colons) at that position.",
        ) from None
    if not isinstance(data, dict):
        raise FrameworkInvalid(
            f"{source}: the file must hold a mapping with id, version, response_scale and "
            "families at the top level",
            "See the built-in framework (colead framework show) for the layout.",
        )
    try:
        return Framework.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field, message = _describe(first, data)
        more = len(exc.errors()) - 1
        extra = f" (and {more} more problem{'s' if more != 1 else ''})" if more else ""
        raise FrameworkInvalid(
            f"{source}: field '{field}': {message}{extra}",
            "Correct that field in the framework file; run `colead framework check FILE` "
            "to list every problem.",
        ) from None


def framework_problems(path: str | Path) -> list[str]:
    """Every validation problem in a framework file, one line each (for `framework check`)."""
    source = Path(path)
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        try:
            load_framework(source)
        except FrameworkInvalid as exc:
            return [exc.message]
        return []
    try:
        Framework.model_validate(data)
    except ValidationError as exc:
        return ["{}: field '{}': {}".format(source, *_describe(e, data)) for e in exc.errors()]
    return []


def _describe(error: Any, data: Any) -> tuple[str, str]:
    """(field path, problem) of one pydantic error, using a FieldProblem's own place."""
    loc = tuple(error.get("loc", ()))
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, FieldProblem):
        loc = (*loc, *cause.loc)
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    return _field_path(loc, data), message


def _field_path(loc: tuple[int | str, ...] | Any, data: Any) -> str:
    """Render a pydantic location as ``families[0](leadership).scales[1](inspire).items``."""
    parts: list[str] = []
    node = data
    for step in loc:
        if isinstance(step, int):
            label = ""
            if isinstance(node, list) and 0 <= step < len(node):
                node = node[step]
                if isinstance(node, dict) and isinstance(node.get("id"), str):
                    label = f"({node['id']})"
            else:
                node = None
            parts.append(f"[{step}]{label}")
        else:
            node = node.get(step) if isinstance(node, dict) else None
            parts.append(("." if parts else "") + str(step))
    return "".join(parts) or "(top level)"
