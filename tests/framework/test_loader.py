"""Loading framework files: every mistake becomes one FrameworkInvalid naming file, field, problem.

Bad files are built from the built-in default.yaml: load it as plain data, break one thing,
write it to a temporary file and load that.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from colead.errors import FrameworkInvalid
from colead.framework import (
    default_framework_path,
    framework_problems,
    load_framework,
    parse_framework,
)


def _default_data() -> dict[str, Any]:
    """A fresh, mutable copy of the built-in framework as plain data."""
    data = yaml.safe_load(default_framework_path().read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _write(tmp_path: Path, data: Any, name: str = "framework.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _load_error(path: Path) -> FrameworkInvalid:
    with pytest.raises(FrameworkInvalid) as caught:
        load_framework(path)
    return caught.value


# --- mutations: each breaks exactly one rule ------------------------------------------------


def _duplicate_item_id(data: dict[str, Any]) -> None:
    data["families"][0]["scales"][0]["items"][1]["id"] = "model_1"


def _unknown_practice(data: dict[str, Any]) -> None:
    data["competences"][0]["practices"].append("daydream")


def _scale_with_one_item(data: dict[str, Any]) -> None:
    del data["families"][1]["scales"][0]["items"][1:]


def _person_item_without_self_text(data: dict[str, Any]) -> None:
    del data["families"][0]["scales"][2]["items"][3]["self_text"]


def _non_consecutive_scale(data: dict[str, Any]) -> None:
    data["response_scale"]["points"][2]["value"] = 7


def _unknown_extra_key(data: dict[str, Any]) -> None:
    data["families"][0]["scales"][0]["items"][0]["weight"] = 2


def _threshold_outside_scale(data: dict[str, Any]) -> None:
    data["continuum"]["threshold"] = 6


def _site_item_with_self_text(data: dict[str, Any]) -> None:
    data["families"][2]["scales"][0]["items"][0]["self_text"] = "I review objectives"


def _bad_version(data: dict[str, Any]) -> None:
    data["version"] = "v1"


def _unknown_continuum_axis(data: dict[str, Any]) -> None:
    data["continuum"]["passion"] = "charisma"


def _duplicate_action_id(data: dict[str, Any]) -> None:
    data["families"][1]["scales"][0]["actions"][1]["id"] = "model_action_1"


def _site_scale_with_actions(data: dict[str, Any]) -> None:
    data["families"][2]["scales"][0]["actions"] = [{"id": "context_action_1", "text": "Ask."}]


def _action_with_extra_key(data: dict[str, Any]) -> None:
    data["families"][0]["scales"][1]["actions"][0]["weeks"] = 4


# (mutation, text naming the field, text naming the problem)
CASES: list[tuple[Callable[[dict[str, Any]], None], str, str]] = [
    (
        _duplicate_item_id,
        "families[0](leadership).scales[0](model).items[1](model_1).id",
        "item id 'model_1' is used more than once",
    ),
    (
        _unknown_practice,
        "competences[0](strategic_thinking).practices[",
        "maps to 'daydream', which is not a scale",
    ),
    (
        _scale_with_one_item,
        "families[1](management).scales[0](plan).items",
        "at least 2 items",
    ),
    (
        _person_item_without_self_text,
        "families[0](leadership).scales[2](challenge).items[3](challenge_4).self_text",
        "item 'challenge_4' rates a person and needs self_text",
    ),
    (_non_consecutive_scale, "response_scale", "consecutive"),
    (
        _unknown_extra_key,
        "families[0](leadership).scales[0](model).items[0](model_1).weight",
        "Extra inputs are not permitted",
    ),
    (_threshold_outside_scale, "field 'continuum.threshold'", "outside the response scale 1..5"),
    (_bad_version, "version", "should match pattern"),
    (
        _site_item_with_self_text,
        "families[2](systems).scales[0](context).items[0](context_1).self_text",
        "site items have one wording only",
    ),
    (_unknown_continuum_axis, "field 'continuum.passion'", "'charisma' is not a family id"),
    (
        _duplicate_action_id,
        "families[1](management).scales[0](plan).actions[1](model_action_1).id",
        "action id 'model_action_1' is used more than once",
    ),
    (
        _site_scale_with_actions,
        "families[2](systems).scales[0](context).actions",
        "development actions belong to scales that rate a person",
    ),
    (
        _action_with_extra_key,
        "families[0](leadership).scales[1](inspire).actions[0](inspire_action_1).weeks",
        "Extra inputs are not permitted",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "field", "problem"), CASES, ids=[case[0].__name__.strip("_") for case in CASES]
)
def test_one_broken_rule_gives_one_clear_error(
    tmp_path: Path, mutate: Callable[[dict[str, Any]], None], field: str, problem: str
) -> None:
    data = _default_data()
    mutate(data)
    path = _write(tmp_path, data)

    error = _load_error(path)

    assert str(path) in error.message
    assert "field '" in error.message
    assert field in error.message
    assert problem in error.message
    assert "more problem" not in error.message
    assert error.hint
    assert error.exit_code == 3


def test_unchanged_copy_loads_with_the_default_fingerprint(tmp_path: Path) -> None:
    path = _write(tmp_path, _default_data())
    assert load_framework(path).fingerprint == load_framework().fingerprint


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "no-such-framework.yaml"
    error = _load_error(path)
    assert str(path) in error.message
    assert "not found" in error.message
    assert error.hint


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(
        'id: broken\nversion: "1.0"\ntitle: Broken\n  families: oops\n', encoding="utf-8"
    )
    error = _load_error(path)
    assert str(path) in error.message
    assert "not valid YAML" in error.message
    assert "line 4" in error.message
    assert error.hint


@pytest.mark.parametrize("text", ["- id: a\n- id: b\n", "just a sentence\n", ""])
def test_top_level_must_be_a_mapping(tmp_path: Path, text: str) -> None:
    path = tmp_path / "list.yaml"
    path.write_text(text, encoding="utf-8")
    error = _load_error(path)
    assert str(path) in error.message
    assert "mapping" in error.message


def test_parse_framework_names_its_source() -> None:
    with pytest.raises(FrameworkInvalid) as caught:
        parse_framework("[1, 2]", source="pasted.yaml")
    assert caught.value.message.startswith("pasted.yaml: ")


def test_several_problems_are_counted_in_the_single_error(tmp_path: Path) -> None:
    data = _default_data()
    _bad_version(data)
    _scale_with_one_item(data)
    data["colour"] = "blue"
    error = _load_error(_write(tmp_path, data))
    assert "(and 2 more problems)" in error.message


def test_framework_problems_lists_every_problem(tmp_path: Path) -> None:
    data = _default_data()
    _bad_version(data)
    _scale_with_one_item(data)
    _unknown_extra_key(data)
    data["colour"] = "blue"
    path = _write(tmp_path, data)

    problems = framework_problems(path)

    assert len(problems) == 4
    for line in problems:
        assert line.startswith(f"{path}: field '")
    joined = "\n".join(problems)
    assert "field 'version'" in joined
    assert "field 'colour'" in joined
    assert "families[1](management).scales[0](plan).items" in joined
    assert "items[0](model_1).weight" in joined


def test_framework_problems_for_unreadable_yaml_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("id: [unclosed\n", encoding="utf-8")
    problems = framework_problems(path)
    assert len(problems) == 1
    assert str(path) in problems[0]
    assert "line" in problems[0]


def test_framework_problems_for_missing_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "missing.yaml"
    problems = framework_problems(path)
    assert len(problems) == 1
    assert str(path) in problems[0]


def test_framework_problems_empty_for_default() -> None:
    assert framework_problems(default_framework_path()) == []


def test_actions_do_not_change_the_fingerprint(tmp_path: Path) -> None:
    data = _default_data()
    for family in data["families"]:
        for scale in family["scales"]:
            scale.pop("actions", None)
    bare = load_framework(_write(tmp_path, data))
    assert not bare.has_actions
    assert bare.fingerprint == load_framework().fingerprint
