"""Word families: which word forms count for "lead" and "manage", read from YAML.

A family file names each family and sorts its forms by what they are (see the comments
in ``families.yaml``, the default). Every problem in a file is reported with the file,
the line and how to fix it, because the file is written by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from colead.errors import InvalidData

DEFAULT_FAMILIES_NAME = "families.yaml"
#: the kinds of forms a family lists, in the order the file shows them
FORM_KINDS = ("nouns", "verb_forms", "adjectives", "also_nouns")
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Family:
    """One word family, e.g. ``lead``: its forms sorted by part of speech."""

    name: str
    nouns: frozenset[str]
    verb_forms: frozenset[str]
    adjectives: frozenset[str]
    also_nouns: frozenset[str]

    @property
    def forms(self) -> tuple[str, ...]:
        """Every form, nouns first, in a stable order (the order of output columns)."""
        return (
            *sorted(self.nouns),
            *sorted(self.verb_forms),
            *sorted(self.adjectives - self.nouns - self.verb_forms),
        )


@dataclass(frozen=True)
class FamilySet:
    """The families of one analysis, in file order, with a lookup from form to family."""

    families: tuple[Family, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.families)

    def family_of(self) -> dict[str, Family]:
        """Each form (lower case) to its family."""
        return {form: family for family in self.families for form in family.forms}


def default_families_path() -> Path:
    return Path(str(resources.files("colead.vocab").joinpath(DEFAULT_FAMILIES_NAME)))


def load_families(path: str | Path | None = None) -> FamilySet:
    """Read a family file; the built-in lead/manage families when ``path`` is None.

    Raises
    ------
    InvalidData
        naming the file, the line and the fix when the file is missing or malformed.
    """
    source = Path(path) if path is not None else default_families_path()
    try:
        text = source.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidData(
            f"Word family file not found: {source}", "Check the path given to --families."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidData(
            f"Word family file cannot be read: {source}: {exc}",
            "Save the family file as UTF-8 text YAML.",
        ) from None
    return parse_families(text, str(source))


def _problem(source: str, node: yaml.Node | None, message: str, fix: str) -> InvalidData:
    where = f", line {node.start_mark.line + 1}" if node is not None else ""
    return InvalidData(f"{source}{where}: {message}", fix)


def parse_families(text: str, source: str = "<families>") -> FamilySet:
    """Families from YAML text; ``source`` names the file in messages."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        raise InvalidData(
            f"{source}: not valid YAML: lists or mappings are nested too deeply",
            "Remove the extra brackets: families hold lists of words only.",
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise InvalidData(
            f"{source}{where}: not valid YAML: {problem}",
            "Fix the YAML syntax (indentation, colons, brackets) at that position.",
        ) from None
    example = "families:\n  lead:\n    nouns: [leader]\n    verb_forms: [lead, leading]"
    if not isinstance(root, yaml.MappingNode):
        raise _problem(
            source, root, "expected a mapping with a 'families' key", f"Write e.g.\n{example}"
        )
    top = {key.value: value for key, value in root.value if isinstance(key, yaml.ScalarNode)}
    families_node = top.get("families")
    if not isinstance(families_node, yaml.MappingNode) or not families_node.value:
        raise _problem(
            source,
            families_node or root,
            "'families' must map each family name to its forms",
            f"Write e.g.\n{example}",
        )
    seen: dict[str, str] = {}
    families = []
    for name_node, body in families_node.value:
        name = str(name_node.value).strip()
        if not name or not isinstance(name_node, yaml.ScalarNode):
            raise _problem(source, name_node, "a family needs a name", "Name it, e.g. 'lead:'.")
        families.append(_family(source, name, body, seen))
    if len(families) != len({f.name for f in families}):
        raise _problem(
            source, families_node, "two families share a name", "Give each family its own name."
        )
    return FamilySet(tuple(families))


def _family(source: str, name: str, body: yaml.Node, seen: dict[str, str]) -> Family:
    if not isinstance(body, yaml.MappingNode):
        raise _problem(
            source,
            body,
            f"family {name!r} must list its forms under {', '.join(FORM_KINDS)}",
            f"Write e.g.\n  {name}:\n    nouns: [...]\n    verb_forms: [...]",
        )
    kinds: dict[str, frozenset[str]] = {kind: frozenset() for kind in FORM_KINDS}
    for key, value in body.value:
        kind = str(key.value)
        if kind not in kinds:
            raise _problem(
                source,
                key,
                f"family {name!r} has an unknown key {kind!r}",
                f"Use only {', '.join(FORM_KINDS)}.",
            )
        kinds[kind] = _forms(source, name, kind, value)
    listed = kinds["nouns"] | kinds["verb_forms"] | kinds["adjectives"]
    if not listed:
        raise _problem(
            source, body, f"family {name!r} has no forms", "List at least one noun or verb form."
        )
    stray = kinds["also_nouns"] - kinds["verb_forms"]
    if stray:
        raise _problem(
            source,
            body,
            f"family {name!r}: also_nouns {sorted(stray)} are not among its verb_forms",
            "also_nouns marks verb forms that can be nouns; list them under verb_forms too.",
        )
    for form in sorted(listed):
        if form in seen and seen[form] != name:
            raise _problem(
                source,
                body,
                f"the form {form!r} is in both {seen[form]!r} and {name!r}",
                "A form can count for one family only; remove it from one of them.",
            )
        seen[form] = name
    return Family(
        name, kinds["nouns"], kinds["verb_forms"], kinds["adjectives"], kinds["also_nouns"]
    )


def _forms(source: str, family: str, kind: str, node: yaml.Node) -> frozenset[str]:
    if not isinstance(node, yaml.SequenceNode):
        raise _problem(
            source,
            node,
            f"{family}.{kind} must be a list of words",
            f"Write e.g. {kind}: [word, words]",
        )
    forms = set()
    for item in node.value:
        word = str(item.value).strip().lower().replace("’", "'")
        if not isinstance(item, yaml.ScalarNode) or not _WORD.fullmatch(word):
            raise _problem(
                source,
                item,
                f"{family}.{kind}: {item.value!r} is not a single word",
                "List single words of letters only (no spaces, digits or hyphens).",
            )
        forms.add(word)
    return frozenset(forms)
