"""Exports of people, scores and raw responses: formats, spreadsheet safety, anonymity."""

from __future__ import annotations

import functools
import io
import math
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from sqlalchemy import select

from builders import close_stored_wave, default_framework, store_people
from colead.domain import BLANK, NOT_OBSERVED, WaveStatus
from colead.errors import OutputError
from colead.framework import load_framework
from colead.ingest import import_people
from colead.ingest.spreadsheet import safe_frame
from colead.jobs import exports
from colead.jobs.analyse import analyse_review
from colead.jobs.demo import run_demo
from colead.jobs.exports import (
    ExportResult,
    anonymous_responses,
    export_table,
)
from colead.store import init_database, open_database, transaction
from colead.store.exports import people_table, responses_wide
from colead.store.reviews import (
    get_or_create_review,
    get_review,
    load_framework_version,
    register_framework,
)
from colead.store.schema import AuditEntry
from colead.store.waves import (
    PackedResponse,
    add_assignments,
    assignment_index,
    create_wave,
    get_wave,
    list_waves,
    load_wave_data,
    save_responses,
)

pytestmark = pytest.mark.integration

FORMATS = (".csv", ".xlsx", ".parquet")
KINDS = ("people", "scores", "responses")


@functools.cache
def _demo() -> tuple[str, str, tuple[str, ...]]:
    """(database URL, review name, wave names) of one demo database for the session."""
    folder = Path(tempfile.mkdtemp(prefix="colead-export-"))
    url = f"sqlite:///{folder}/d.db"
    demo = run_demo(
        database_url=url,
        out_dir=folder / "o",
        framework=load_framework(),
        seed=3,
        size="small",
        minimum=3,
    )
    return url, demo.review, tuple(w.name for w in demo.simulated.waves)


def _copy_of_demo(tmp_path: Path) -> str:
    """A private copy of the demo database, for tests that change it."""
    url, _, _ = _demo()
    source = Path(url.removeprefix("sqlite:///"))
    target = tmp_path / "copy.db"
    shutil.copyfile(source, target)
    return f"sqlite:///{target}"


@functools.cache
def _expected(kind: str, wave: str | None = None) -> pd.DataFrame:
    """What an export of ``kind`` should hold, built straight from the store / engine."""
    url, review, _ = _demo()
    engine = open_database(url)
    try:
        if kind == "scores":
            results = analyse_review(engine, review, wave, 3)
            frame = results.person_scores.table.reset_index(drop=True)
            frame.insert(0, "wave", results.wave)
            return frame
        with transaction(engine) as session:
            stored = get_review(session, review)
            if kind == "people":
                return people_table(session, stored)
            if kind == "responses":
                return anonymous_responses(session, review, wave, 3).table
            return responses_wide(session, stored, get_wave(session, stored, wave))
    finally:
        engine.dispose()


def _read(path: Path) -> pd.DataFrame:
    """Read an export back; only empty cells count as missing ("NA" stays text)."""
    if path.suffix == ".csv":
        return pd.read_csv(path, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    if path.suffix == ".xlsx":
        return pd.read_excel(path, keep_default_na=False, na_values=[""])
    return pd.read_parquet(path)


def _cell(value: Any) -> str:
    """One comparable spelling of a cell, whatever the format made of its type."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        rounded = round(value, 9)  # XLSX keeps about 15 significant digits
        return str(int(rounded)) if rounded.is_integer() else f"{rounded:.9f}"
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value
        return _cell(number) if value.strip() and value[0].isdigit() else value
    return str(value)


def _normalised(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {c: [_cell(v) for v in frame[c].tolist()] for c in frame.columns}, dtype=object
    )


# --- each kind in each format --------------------------------------------------------


@pytest.mark.parametrize("suffix", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_round_trips_in_each_format(kind: str, suffix: str, tmp_path: Path) -> None:
    url, review, waves = _demo()
    path = tmp_path / f"{kind}{suffix}"
    result = export_table(url, kind, path, review=review)

    expected = _expected(kind)
    if suffix != ".parquet":
        expected = safe_frame(expected)
    back = _read(path)
    assert isinstance(result, ExportResult)
    assert (result.kind, result.path, result.identifiable) == (kind, path, False)
    assert (result.rows, result.columns) == expected.shape == back.shape
    assert list(back.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(_normalised(back), _normalised(expected))
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary left behind
    if kind != "people":
        assert set(back["wave"]) == {waves[-1]}


def test_csv_starts_with_a_byte_order_mark_for_excel(tmp_path: Path) -> None:
    url, review, _ = _demo()
    export_table(url, "people", tmp_path / "p.csv", review=review)
    assert (tmp_path / "p.csv").read_bytes().startswith(b"\xef\xbb\xbfperson_id,name,")


def test_responses_use_the_canonical_wide_layout_and_codes(tmp_path: Path) -> None:
    url, review, waves = _demo()
    path = tmp_path / "r.csv"
    export_table(url, "responses", path, review=review, wave=waves[0], identifiable=True)
    back = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")

    engine = open_database(url)
    try:
        with transaction(engine) as session:
            stored = get_review(session, review)
            wave = get_wave(session, stored, waves[0])
            framework = load_framework_version(session, wave.framework_version_id)
            data = load_wave_data(session, stored, wave, framework)
    finally:
        engine.dispose()
    items = list(framework.item_ids)
    assert list(back.columns) == [
        "wave",
        "ratee_id",
        "rater_id",
        "relation",
        *items,
        "comment_strengths",
        "comment_suggestions",
    ]
    assert set(back["wave"]) == {waves[0]}
    cells = back[items].to_numpy()
    assert set(cells.ravel()) <= {"1", "2", "3", "4", "5", "NA", ""}
    assert (cells == "NA").sum() == (data.values == NOT_OBSERVED).sum() > 0
    assert (cells == "").sum() == (data.values == -1).sum()
    assert back["comment_strengths"].ne("").any()
    keys = list(zip(back["ratee_id"], back["rater_id"], strict=True))
    assert keys == list(zip(data.responses["ratee_id"], data.responses["rater_id"], strict=True))


def test_parquet_keeps_item_answers_as_text_and_numbers_as_numbers(tmp_path: Path) -> None:
    url, review, _ = _demo()
    export_table(url, "responses", tmp_path / "r.parquet", review=review)
    export_table(url, "scores", tmp_path / "s.parquet", review=review)
    responses = pd.read_parquet(tmp_path / "r.parquet")
    scores = pd.read_parquet(tmp_path / "s.parquet")
    assert set(responses["model_1"].dropna()) <= {"1", "2", "3", "4", "5", "NA"}
    assert pd.api.types.is_integer_dtype(scores["n_raters"])
    assert pd.api.types.is_float_dtype(scores["mean"])


# --- spreadsheet formula injection ----------------------------------------------------


def test_a_formula_in_a_name_is_neutralised_end_to_end(tmp_path: Path) -> None:
    url = _copy_of_demo(tmp_path)
    _, review, _ = _demo()
    formula = '=HYPERLINK("http://example.invalid/x","click")'
    engine = open_database(url)
    try:
        with transaction(engine) as session:
            stored = get_review(session, review)
            first = people_table(session, stored).iloc[0]
            person = pd.DataFrame(
                [
                    {
                        "person_id": "ZZ999",
                        "name": formula,
                        "organisation": first["organisation"],
                        "site": first["site"],
                        "role_title": "@cmd",
                        "level": 3,
                    }
                ]
            )
            report = import_people(session, stored, person, "test")
            assert report.inserted == 1
    finally:
        engine.dispose()

    out = tmp_path / "out"
    for suffix in FORMATS:
        export_table(url, "people", out / f"people{suffix}", review=review)
    csv = (out / "people.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK(" in csv and ",'@cmd," in csv
    assert "\n=HYPERLINK" not in csv and ",=HYPERLINK" not in csv

    sheet = openpyxl.load_workbook(out / "people.xlsx").active
    assert sheet is not None
    rows = list(sheet.iter_rows(min_row=2))
    ours = next(r for r in rows if r[0].value == "ZZ999")
    assert ours[1].value == "'" + formula and ours[1].data_type == "s"
    assert all(r[7].data_type == "n" for r in rows)  # levels stay numbers

    parquet = pd.read_parquet(out / "people.parquet").set_index("person_id")
    assert parquet.loc["ZZ999", "name"] == formula  # typed data: unchanged


def test_control_characters_cannot_smuggle_a_formula_into_a_spreadsheet(tmp_path: Path) -> None:
    """A control character in front of a formula is removed before the guard looks, not
    after it (openpyxl refuses control characters, so they must go before writing)."""
    url = _copy_of_demo(tmp_path)
    _, review, _ = _demo()
    formula = '=HYPERLINK("http://example.invalid/x","click")'
    engine = open_database(url)
    try:
        with transaction(engine) as session:
            stored = get_review(session, review)
            first = people_table(session, stored).iloc[0]
            person = pd.DataFrame(
                [
                    {
                        "person_id": "ZZ998",
                        "name": "\x01" + formula,
                        "organisation": first["organisation"],
                        "site": first["site"],
                        "role_title": "\x0e=1+1",
                        "level": 3,
                    }
                ]
            )
            assert import_people(session, stored, person, "test").inserted == 1
    finally:
        engine.dispose()

    out = tmp_path / "out"
    export_table(url, "people", out / "people.xlsx", review=review)
    export_table(url, "people", out / "people.csv", review=review)

    sheet = openpyxl.load_workbook(out / "people.xlsx").active
    assert sheet is not None
    assert [c.coordinate for r in sheet.iter_rows() for c in r if c.data_type == "f"] == []
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    ours = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "ZZ998")
    cells = {name: cell.value for name, cell in zip(header, ours, strict=True)}
    assert (cells["name"], cells["role_title"]) == ("'" + formula, "'=1+1")
    text = (out / "people.csv").read_text(encoding="utf-8-sig")
    quoted = "\"'" + formula.replace('"', '""') + '"'
    assert quoted in text and ",'=1+1," in text
    assert "\x01" not in text and "\x0e" not in text


# --- anonymity -----------------------------------------------------------------------


def test_anonymous_responses_hold_no_rater_and_no_small_group(tmp_path: Path) -> None:
    url, review, _ = _demo()
    path = tmp_path / "r.xlsx"
    result = export_table(url, "responses", path, review=review)
    back = pd.read_excel(path, keep_default_na=False, na_values=[""])
    everything = _expected("identifiable")

    assert "rater_id" not in back.columns
    assert not result.identifiable
    sizes = back.groupby(["ratee_id", "relation"]).size()
    small = sizes[(sizes < 3) & (sizes.index.get_level_values("relation") != "self")]
    assert small.empty
    assert (back["relation"] == "self").sum() == (everything["relation"] == "self").sum()
    withheld = len(everything) - len(back)
    assert withheld > 0
    assert any(f"{withheld} form(s) withheld" in note for note in result.notes)


def test_identifiable_export_names_raters_and_is_audited(tmp_path: Path) -> None:
    url = _copy_of_demo(tmp_path)
    _, review, _ = _demo()
    path = tmp_path / "named.parquet"
    result = export_table(url, "responses", path, review=review, identifiable=True, actor="ann")
    back = pd.read_parquet(path)

    assert result.identifiable and "rater_id" in back.columns
    assert len(back) == result.rows == len(_expected("identifiable"))
    engine = open_database(url)
    try:
        with transaction(engine) as session:
            entries = [
                entry
                for entry in session.scalars(
                    select(AuditEntry).where(AuditEntry.action == "export_identifiable")
                )
                if entry.detail and entry.detail.get("path") == str(path)
            ]
            stored = get_review(session, review)
            latest = list_waves(session, stored.id)[-1]
            assert len(entries) == 1
            entry = entries[0]
            assert (entry.actor, entry.entity, entry.entity_id, entry.review_id) == (
                "ann",
                "responses",
                latest.id,
                stored.id,
            )
            assert entry.detail == {"path": str(path), "rows": result.rows}
    finally:
        engine.dispose()


def _identifiable_audits(url: str, path: Path) -> list[dict[str, object]]:
    """Audit details of identifiable exports written to ``path``."""
    engine = open_database(url)
    try:
        with transaction(engine) as session:
            return [
                entry.detail
                for entry in session.scalars(
                    select(AuditEntry).where(AuditEntry.action == "export_identifiable")
                )
                if entry.detail and entry.detail.get("path") == str(path)
            ]
    finally:
        engine.dispose()


def test_anonymous_export_writes_no_audit_entry(tmp_path: Path) -> None:
    url = _copy_of_demo(tmp_path)
    _, review, _ = _demo()
    path = tmp_path / "r.csv"
    export_table(url, "responses", path, review=review)
    assert _identifiable_audits(url, path) == []


# --- errors and atomic writing --------------------------------------------------------


def test_unknown_extension_is_an_output_error_naming_the_formats(tmp_path: Path) -> None:
    url, review, _ = _demo()
    with pytest.raises(OutputError) as caught:
        export_table(url, "people", tmp_path / "people.json", review=review)
    assert caught.value.hint is not None
    assert all(suffix in caught.value.hint for suffix in FORMATS)
    assert list(tmp_path.iterdir()) == []


def test_unwritable_folder_is_an_output_error(tmp_path: Path) -> None:
    url, review, _ = _demo()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(OutputError) as caught:
        export_table(url, "people", blocker / "sub" / "people.csv", review=review)
    assert caught.value.hint
    with pytest.raises(OutputError):
        export_table(url, "people", tmp_path, review=review)  # a folder, not a file name


def test_missing_folders_are_created(tmp_path: Path) -> None:
    url, review, _ = _demo()
    path = tmp_path / "new" / "deeper" / "people.xlsx"
    export_table(url, "people", path, review=review)
    assert path.is_file()


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, review, _ = _demo()
    path = tmp_path / "people.csv"
    path.write_text("old contents")

    def broken(frame: pd.DataFrame, target: Path) -> None:
        target.write_text("half a fi")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(exports, "write_csv", broken)
    with pytest.raises(OutputError, match="No space left"):
        export_table(url, "people", path, review=review)
    assert path.read_text() == "old contents"
    assert [p.name for p in tmp_path.iterdir()] == ["people.csv"]


def test_options_that_do_not_apply_are_reported(tmp_path: Path) -> None:
    url, review, waves = _demo()
    result = export_table(
        url, "people", tmp_path / "p.csv", review=review, wave=waves[0], identifiable=True
    )
    assert not result.identifiable
    assert len(result.notes) == 2


def test_a_failed_identifiable_export_leaves_no_audit_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _copy_of_demo(tmp_path)
    _, review, _ = _demo()

    def broken(frame: pd.DataFrame, target: Path) -> None:
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(exports, "_write_parquet", broken)
    path = tmp_path / "r.parquet"
    with pytest.raises(OutputError):
        export_table(url, "responses", path, review=review, identifiable=True)
    assert not path.exists()
    assert _identifiable_audits(url, path) == []


# --- whole numbers ---------------------------------------------------------------------


def _review_with_blank_answers(url: str) -> tuple[str, list[str]]:
    """A stored review whose closed wave has an item column of answers and blanks only
    (no "NA"), next to one that mixes answers, blanks and "NA"; returns the review and the
    framework's item ids."""
    framework = default_framework()
    items = list(framework.item_ids)
    # a peer and two partners: one group of three "others" that anonymous exports keep
    forms = [("C2", "C2", "self"), ("C2", "C1", "peer"), ("C2", "S1", "partner")]
    forms.append(("C2", "S2", "partner"))
    codes = np.full((len(forms), len(items)), 4, dtype=np.int8)
    codes[:, 0] = [BLANK, 3, 5, 3]  # answers and a blank: pandas would make these floats
    codes[:, 1] = [NOT_OBSERVED, 5, BLANK, 4]
    review = "Whole numbers"
    init_database(url)
    engine = open_database(url)
    try:
        with transaction(engine) as session:
            stored, _ = get_or_create_review(session, review)
            ids = store_people(session, stored.id)
            version = register_framework(session, framework)
            wave = create_wave(session, stored.id, "baseline", version.id, WaveStatus.open)
            add_assignments(session, wave.id, [(ids[a], ids[b], rel) for a, b, rel in forms])
            index = assignment_index(session, wave.id)
            save_responses(
                session,
                version.id,
                [
                    PackedResponse(index[(ids[a], ids[b])][0], row.tobytes(), "Listens", None)
                    for (a, b, _), row in zip(forms, codes, strict=True)
                ],
            )
    finally:
        engine.dispose()
    close_stored_wave(url, review, "baseline")
    return review, items


def _whole_number_columns(kind: str, items: list[str]) -> list[str]:
    return {"responses": items, "people": ["level"], "scores": ["n_raters"]}[kind]


@pytest.mark.parametrize(
    ("kind", "identifiable"),
    [("people", False), ("scores", False), ("responses", False), ("responses", True)],
)
def test_csv_writes_whole_numbers_without_a_decimal_point(
    kind: str, identifiable: bool, database_url: str, tmp_path: Path
) -> None:
    review, items = _review_with_blank_answers(database_url)
    path = tmp_path / f"{kind}.csv"
    export_table(database_url, kind, path, review=review, identifiable=identifiable)

    text = path.read_text(encoding="utf-8-sig")
    table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert len(table) > 0
    for column in _whole_number_columns(kind, items):
        cells = set(table[column])
        assert all(re.fullmatch(r"\d+|NA|", cell) for cell in cells), (column, cells)
    if kind == "responses":
        assert len(table) == 4  # anonymous: the self form and three "others"
        assert set(table[items[0]]) == {"", "3", "5"}  # answers and blanks, no "NA"
        assert set(table[items[1]]) == {"", "4", "5", "NA"}  # not observed is still "NA"
        assert ".0," not in text and not re.search(r"\.0$", text, re.MULTILINE)
    if kind == "scores":
        assert set(table["mean"]) >= {"4.0"}  # scores are decimals and stay decimals


@pytest.mark.parametrize("kind", KINDS)
def test_xlsx_writes_whole_numbers_as_integer_cells(
    kind: str, database_url: str, tmp_path: Path
) -> None:
    review, items = _review_with_blank_answers(database_url)
    path = tmp_path / f"{kind}.xlsx"
    export_table(database_url, kind, path, review=review, identifiable=kind == "responses")

    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    header = [str(name) for name in rows[0]]
    assert len(rows) > 1
    for column in _whole_number_columns(kind, items):
        cells = [row[header.index(column)] for row in rows[1:]]
        assert all(type(c) is int or c in (None, "NA") for c in cells), (column, cells)
        assert any(type(c) is int for c in cells), (column, cells)
    if kind == "responses":
        first = [row[header.index(items[0])] for row in rows[1:]]
        assert sorted(first, key=str) == [3, 3, 5, None]
        assert "NA" in [row[header.index(items[1])] for row in rows[1:]]
    if kind == "scores":
        # XLSX has one number type: a mean of 4.0 reads back as 4, a number all the same
        assert all(type(row[header.index("mean")]) in (int, float) for row in rows[1:])


@pytest.mark.parametrize("kind", KINDS)
def test_parquet_writes_whole_numbers_as_integers_and_answers_as_plain_text(
    kind: str, database_url: str, tmp_path: Path
) -> None:
    review, items = _review_with_blank_answers(database_url)
    path = tmp_path / f"{kind}.parquet"
    export_table(database_url, kind, path, review=review, identifiable=kind == "responses")

    back = pd.read_parquet(path)
    if kind == "responses":
        assert set(back[items[0]].dropna()) == {"3", "5"}
        assert set(back[items[1]].dropna()) == {"4", "5", "NA"}
        assert back[items[0]].isna().sum() == 1
    else:
        for column in _whole_number_columns(kind, items):
            assert pd.api.types.is_integer_dtype(back[column]), back[column].dtype
    if kind == "scores":
        assert pd.api.types.is_float_dtype(back["mean"])


def test_an_empty_people_table_keeps_an_integer_level_column(
    database_url: str, tmp_path: Path
) -> None:
    init_database(database_url)
    engine = open_database(database_url)
    try:
        with transaction(engine) as session:
            get_or_create_review(session, "Empty")
    finally:
        engine.dispose()
    path = tmp_path / "people.parquet"
    result = export_table(database_url, "people", path, review="Empty")
    back = pd.read_parquet(path)
    assert result.rows == len(back) == 0
    assert pd.api.types.is_integer_dtype(back["level"]), back["level"].dtype
