"""Hostile input to every file parser: a result or one clear error, never a crash.

Each parser is given near-valid input with a few things changed (see :mod:`reliability.
hostile`) and must either accept it or raise one :class:`~colead.errors.ColeadError` with a
message. Imports must also be all or nothing: an import that fails leaves every table of
the database exactly as it was, and a dry run never changes anything.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from colead.config import Settings, load_settings
from colead.errors import ConfigurationError, FrameworkInvalid, InvalidData
from colead.fieldwork.follow_up import read_item_mapping, read_replacements
from colead.framework.loader import default_framework_path, framework_problems, parse_framework
from colead.ingest.importing import import_file
from colead.ingest.mapping import load_mapping
from colead.ingest.reader import read_file
from colead.store import make_engine
from colead.vocab.families import default_families_path, parse_families
from colead.vocab.readers import DocumentUnreadable, read_document
from reliability import hostile
from reliability.stored_review import snapshot
from vocab import documents
from web.stored import REVIEW, store_survey_review

pytestmark = pytest.mark.reliability


def fixed(examples: int, shrink: bool = True) -> settings:
    """Bounded, and generated from a fixed seed: a failure repeats on every run. (The
    function-scoped fixtures used here hold no per-example state.) Without ``shrink`` a
    failure is reported as found: shrinking a database example can take minutes."""
    return settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        phases=tuple(Phase) if shrink else (Phase.explicit, Phase.generate),
    )


DEFAULT_YAML = default_framework_path().read_text(encoding="utf-8")
YAML_VALUES = [
    "1e999", ".nan", "-.inf", "[]", "{}", "-1", "~", "''", "0", "99999999999999999999",
    "&a [*a]", "*nowhere", "!!python/object:os.system ls", "[" * 40, "{a: {b: {c:",
    "\"unclosed", "\t", "Ünïcödé 🙂", "\ufeff", "yes", "2024-02-30",
]  # fmt: skip


@st.composite
def near_valid_yaml(draw: st.DrawFn, base: str) -> str:
    """``base`` with a few lines dropped, repeated, or given a hostile value."""
    lines = base.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(lines) - 1))
        move = draw(st.sampled_from(["drop", "repeat", "value", "indent"]))
        if move == "drop":
            del lines[at]
        elif move == "repeat":
            lines.insert(at, lines[draw(st.integers(0, len(lines) - 1))])
        elif move == "indent":
            lines[at] = draw(st.sampled_from(["", " ", "   ", "\t"])) + lines[at]
        elif ":" in lines[at]:
            key = lines[at].split(":", 1)[0]
            value = draw(st.sampled_from(YAML_VALUES) | hostile.cells)
            lines[at] = f"{key}: {value}"
    return "\n".join(lines)


# -- YAML: frameworks, mappings, item mappings, word families ---------------------------


@fixed(100)
@given(near_valid_yaml(DEFAULT_YAML))
def test_a_framework_file_is_valid_or_named_invalid(text: str) -> None:
    error = hostile.parsed_or_refused(lambda: parse_framework(text, source="mine.yaml"))
    assert error is None or (isinstance(error, FrameworkInvalid) and "mine.yaml" in error.message)


@pytest.mark.parametrize("text", ["[" * 1000, "a:\n" + "  - " * 1000 + "x", "{a: " * 1000])
def test_deeply_nested_yaml_is_refused_not_a_crash(text: str, tmp_path: Path) -> None:
    # Found by this suite: the YAML parser recursed past Python's limit (RecursionError).
    with pytest.raises(FrameworkInvalid, match="nested too deeply"):
        parse_framework(text, source="deep.yaml")
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    assert framework_problems(path)
    for parse in (load_mapping, read_item_mapping):
        with pytest.raises(InvalidData):
            parse(path)
    with pytest.raises(InvalidData, match="nested too deeply"):
        parse_families(text, "deep.yaml")


MAPPING_YAML = """columns:
  Employee Number: person_id
items:
  Q5_1: model_1
values:
  Always: 5
  Can't say: not observed
sheet: People
"""
ITEM_MAPPING_YAML = "items:\n  model_1: model_1\n  plan_1: plan_2\n"
FAMILIES_YAML = default_families_path().read_text(encoding="utf-8")


@fixed(60)
@given(
    st.sampled_from(["mapping", "items", "families"]).flatmap(
        lambda kind: st.tuples(
            st.just(kind),
            near_valid_yaml(
                {"mapping": MAPPING_YAML, "items": ITEM_MAPPING_YAML, "families": FAMILIES_YAML}[
                    kind
                ]
            ),
        )
    ),
    st.sampled_from(["utf-8", "utf-16", "cp1252"]),
)
def test_side_yaml_files_are_read_or_refused(case: tuple[str, str], encoding: str) -> None:
    kind, text = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{kind}.yaml"
        path.write_bytes(text.encode(encoding, errors="replace"))
        parse = {
            "mapping": lambda: load_mapping(path),
            "items": lambda: read_item_mapping(path),
            "families": lambda: parse_families(text, str(path)),
        }[kind]
        error = hostile.parsed_or_refused(parse)
        assert error is None or isinstance(error, InvalidData)


def test_a_binary_item_mapping_is_refused(tmp_path: Path) -> None:
    # Found while writing this suite: bytes that are not UTF-8 escaped as UnicodeDecodeError.
    path = tmp_path / "items.yaml"
    path.write_bytes(b"\xff\xfe\x00model_1: \xa0\x81")
    with pytest.raises(InvalidData, match="not a readable YAML file"):
        read_item_mapping(path)


# -- documents for the vocabulary analysis ---------------------------------------------

DOCUMENTS = {
    "guide.docx": documents.docx_bytes(),
    "guide.pdf": documents.pdf_bytes(),
    "guide.html": documents.html(),
    "guide.md": documents.markdown(),
    "guide.txt": documents.plain_text(),
}


@fixed(150)
@given(st.sampled_from(sorted(DOCUMENTS)), st.booleans(), st.data())
def test_a_damaged_document_is_read_or_named_unreadable(
    name: str, inside: bool, data: st.DataObject
) -> None:
    original = DOCUMENTS[name]
    if inside and name.endswith(".docx"):
        damaged = hostile.damage_zip_member(original, data.draw)
    else:
        damaged = hostile.flip_bytes(original, data.draw)
    error = hostile.parsed_or_refused(lambda: read_document(name, damaged))
    assert error is None or (isinstance(error, DocumentUnreadable) and name in error.message)


def test_a_docx_with_broken_xml_is_unreadable_not_a_crash() -> None:
    # Found by this suite: lxml's XMLSyntaxError (and zlib.error) escaped the reader, so an
    # upload to the console's vocabulary page answered 500.
    damaged = hostile.rewrite_zip_member(
        DOCUMENTS["guide.docx"], "word/document.xml", lambda xml: xml[: len(xml) // 2]
    )
    with pytest.raises(DocumentUnreadable, match="cannot be read as a Word document"):
        read_document("guide.docx", damaged)


# -- workbooks and replacement lists -----------------------------------------------------


@fixed(40)
@given(st.sampled_from(sorted(hostile.BASE_TABLES)), st.data())
def test_a_damaged_workbook_gives_cells_or_a_clear_error(kind: str, data: st.DataObject) -> None:
    book = hostile.table_xlsx(hostile.BASE_TABLES[kind])
    damaged = hostile.damage_zip_member(book, data.draw)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input.xlsx"
        path.write_bytes(damaged)
        error = hostile.parsed_or_refused(lambda: read_file(path))
        assert error is None or (isinstance(error, InvalidData) and str(path) in error.message)


def test_a_workbook_whose_sheet_xml_is_broken_is_refused(tmp_path: Path) -> None:
    # Found by this suite: sheets are parsed lazily, so ParseError and TypeError escaped.
    book = hostile.table_xlsx(hostile.BASE_TABLES["people"])
    path = tmp_path / "people.xlsx"
    broken = hostile.rewrite_zip_member(book, "xl/worksheets/sheet1.xml", lambda x: x[:-40])
    path.write_bytes(broken)
    with pytest.raises(InvalidData, match="not a readable Excel workbook"):
        read_file(path)


@fixed(40)
@given(st.data())
def test_a_replacement_list_is_read_or_refused(data: st.DataObject) -> None:
    table = [["old_rater_id", "new_rater_id", "ratee_id"], ["C1", "S1", "C2"], ["S2", "", ""]]
    mutated = hostile.mutate_table(table, data, data.draw(st.integers(1, 4)))
    content = hostile.table_bytes(
        mutated, data.draw(hostile.encodings), data.draw(hostile.delimiters)
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "replace.csv"
        path.write_bytes(content)
        hostile.parsed_or_refused(lambda: read_replacements(path))


# -- settings from the environment ------------------------------------------------------

SETTING_NAMES = [name for name in Settings.model_fields if name != "database_url"]


@pytest.fixture
def clean_environment() -> Iterator[None]:
    saved = {k: v for k, v in os.environ.items() if k.startswith("COLEAD_")}
    yield
    for key in [k for k in os.environ if k.startswith("COLEAD_")]:
        del os.environ[key]
    os.environ.update(saved)


@fixed(80)
@given(
    st.dictionaries(
        st.sampled_from(SETTING_NAMES),
        st.sampled_from(["0", "-1", "65536", "1e3", "ssl", "SSL ", "yes", "production", "", " "])
        | st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=30),
        max_size=4,
    )
)
def test_settings_from_the_environment_load_or_name_the_variable(
    clean_environment: None, values: dict[str, str]
) -> None:
    for key in [k for k in os.environ if k.startswith("COLEAD_")]:
        del os.environ[key]
    for name, value in values.items():
        os.environ[f"COLEAD_{name.upper()}"] = value
    try:
        load_settings()
    except ConfigurationError as error:
        assert "COLEAD_" in error.message and error.hint


# -- imports into a stored review: all or nothing ----------------------------------------


@pytest.mark.integration
@fixed(40, shrink=False)
@given(
    name=st.sampled_from(sorted(hostile.BASE_TABLES)),
    steps=st.integers(0, 4),
    xlsx=st.booleans(),
    dry_run=st.booleans(),
    data=st.data(),
)
def test_an_import_stores_everything_or_nothing(
    stored_url: str, name: str, steps: int, xlsx: bool, dry_run: bool, data: st.DataObject
) -> None:
    table = hostile.mutate_table(hostile.BASE_TABLES[name], data, steps)
    if xlsx:
        content, suffix = hostile.table_xlsx(table), ".xlsx"
    else:
        encoding, delimiter = data.draw(hostile.encodings), data.draw(hostile.delimiters)
        content, suffix = hostile.table_bytes(table, encoding, delimiter), ".csv"
    engine = make_engine(stored_url)
    try:
        before = snapshot(engine)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"{name}{suffix}"
            path.write_bytes(content)
            outcome = None

            def run() -> None:
                nonlocal outcome
                outcome = import_file(
                    stored_url, hostile.IMPORT_KIND[name], path, review=REVIEW, dry_run=dry_run
                )

            error = hostile.parsed_or_refused(run)
        after = snapshot(engine)
    finally:
        engine.dispose()
    if error is not None or dry_run:
        assert after == before
    if outcome is not None:
        assert outcome.read >= outcome.rejected >= 0


@pytest.fixture
def stored_url(database_url: str) -> str:
    """The four-person review of :mod:`web.stored`, with its three waves: one database
    per backend for every example (successful imports add to it as they go)."""
    store_survey_review(database_url)
    return database_url


@pytest.mark.integration
def test_a_norm_n_beyond_the_column_is_a_rejected_row(stored_url: str, tmp_path: Path) -> None:
    # Found by this suite: n = 457685049994680 passed validation and PostgreSQL refused it
    # ("integer out of range"), a traceback instead of a rejected row.
    path = tmp_path / "norms.csv"
    path.write_text("scale_id,n,mean,sd\nmodel,457685049994680,3.4,0.6\nplan,80,3.1,0.7\n")
    outcome = import_file(stored_url, "norms", path, review=REVIEW)
    assert (outcome.imported, outcome.rejected) == (1, 1)
    assert "whole number from 2 to" in str(outcome.problems[0])
