"""Long response files: streamed in chunks, quarantined by form, a million rows, fixed and
imported again."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from builders import stored_wave
from colead.domain import BLANK
from colead.errors import InvalidData
from colead.framework import load_framework
from colead.ingest import text_stream
from colead.ingest.importing import import_file

pytestmark = pytest.mark.integration

PEOPLE = """person_id,name,organisation,organisation_role,site,level
C1,Ana Client,Client Co,client,North,1
C2,Ben Client,Client Co,client,North,3
S1,Cy Supplier,Supplier Ltd,supplier,North,2
S2,Di Supplier,Supplier Ltd,supplier,North,5
"""
HEADER = ["ratee_id", "rater_id", "relation", "item_id", "value"]


def _stored(url: str, review: str) -> dict[tuple[str, str], list[int]]:
    """(ratee, rater) -> stored answer codes of the review's latest wave."""
    data = stored_wave(url, review)
    pairs = zip(data.responses["ratee_id"], data.responses["rater_id"], strict=True)
    return {pair: data.values[k].tolist() for k, pair in enumerate(pairs)}


def _review(url: str, tmp_path: Path, name: str = "R") -> None:
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE, encoding="utf-8")
    assert import_file(url, "people", people, review=name).rejected == 0


def test_forms_split_across_chunks_are_folded_and_quarantined_whole(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(text_stream, "CHUNK_ROWS", 3)  # every form crosses a chunk edge
    _review(database_url, tmp_path)
    path = tmp_path / "answers.csv"
    rows = [
        ("C2", "C2", "self", "model_1", "4"),
        ("C2", "S2", "partner", "model_1", "3"),
        ("C2", "C2", "self", "model_2", "Often"),
        ("C1", "C2", "peer", "model_1", "5"),
        ("C2", "S2", "partner", "model_2", "5"),
        ("C1", "C2", "peer", "model_2", "5"),
        ("C1", "XX", "peer", "model_1", "2"),  # unknown rater: refused by the store
        ("C1", "XX", "peer", "model_2", "2"),
        ("C1", "S1", "partner", "model_1", "7"),  # off the scale: refused by the fold
        ("C1", "S1", "partner", "model_2", "1"),
    ]
    pd.DataFrame(rows, columns=HEADER).to_csv(path, index=False)
    outcome = import_file(database_url, "responses", path, review="R")
    assert (outcome.read, outcome.imported, outcome.rejected) == (10, 3, 4)
    assert any("'imported', 'updated' and 'unchanged' count forms" in n for n in outcome.notes)
    framework = load_framework()
    m1, m2 = framework.item_ids.index("model_1"), framework.item_ids.index("model_2")
    stored = _stored(database_url, "R")
    assert {pair: (codes[m1], codes[m2]) for pair, codes in stored.items()} == {
        ("C2", "C2"): (4, 4), ("C2", "S2"): (3, 5), ("C1", "C2"): (5, 5),
    }  # fmt: skip
    assert outcome.quarantine is not None
    quarantined = pd.read_csv(outcome.quarantine, dtype=str, keep_default_na=False)
    assert quarantined[HEADER].values.tolist() == [list(r) for r in rows[6:]]
    errors = quarantined["error"].tolist()
    assert errors[0] == errors[1] and "rater_id: is not a person in this review" in errors[0]
    assert errors[2].startswith("value: not an answer") and "another row" in errors[3]

    # Fix the quarantined rows where they are and import the file again as it is.
    quarantined.loc[quarantined["rater_id"] == "XX", "rater_id"] = "C1"
    quarantined.loc[quarantined["value"] == "7", "value"] = "2"
    quarantined.loc[quarantined["rater_id"] == "C1", "relation"] = "self"
    quarantined.to_csv(outcome.quarantine, index=False)
    again = import_file(database_url, "responses", outcome.quarantine, review="R")
    assert (again.read, again.imported, again.rejected, again.quarantine) == (4, 2, 0, None)
    assert len(_stored(database_url, "R")) == 5
    assert not outcome.quarantine.with_name("answers.rejected.rejected.csv").exists()


def test_a_long_csv_and_the_same_table_in_excel_store_the_same_answers(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    framework = load_framework()
    pairs = [("C2", "C2", "self"), ("C2", "S2", "partner"), ("C1", "C2", "peer")]
    rows = [
        (ratee, rater, relation, item, str(rng.integers(1, 6)) if rng.random() > 0.1 else "NA")
        for ratee, rater, relation in pairs
        for item in framework.item_ids
    ]
    table = pd.DataFrame(rows, columns=HEADER).sample(frac=1.0, random_state=3)
    stored = {}
    for suffix in ("csv", "xlsx"):
        url = f"sqlite:///{tmp_path}/{suffix}.db"
        _review(url, tmp_path)
        path = tmp_path / f"answers.{suffix}"
        if suffix == "csv":
            table.to_csv(path, index=False)
        else:
            table.to_excel(path, index=False)
        outcome = import_file(url, "responses", path, review="R")
        assert (outcome.imported, outcome.rejected) == (3, 0)
        stored[suffix] = _stored(url, "R")
    assert stored["csv"] == stored["xlsx"]
    assert all(BLANK not in codes for codes in stored["csv"].values())


def test_a_format_that_contradicts_the_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    pd.DataFrame([("C2", "C2", "self", "model_1", "4")], columns=HEADER).to_csv(path, index=False)
    url = f"sqlite:///{tmp_path}/f.db"
    _review(url, tmp_path)
    with pytest.raises(InvalidData, match="--format xlsx was given, but this is a text file"):
        import_file(url, "responses", path, review="R", file_format="xlsx")
    assert import_file(url, "responses", path, review="R", file_format="csv").imported == 1


def test_a_million_rows_import_and_the_bad_forms_come_back_for_fixing(tmp_path: Path) -> None:
    """A million-row long export: every form but two is stored; the two are quarantined
    whole, fixed in the quarantine file and imported again."""
    framework = load_framework()
    n_people, raters_per_ratee = 300, 40
    people = pd.DataFrame(
        {
            "person_id": [f"P{k:04d}" for k in range(n_people)],
            "name": [f"Person {k}" for k in range(n_people)],
            "organisation": "Client Co",
            "organisation_role": "client",
            "site": [f"Site {k % 5}" for k in range(n_people)],
            "level": [k % 5 + 1 for k in range(n_people)],
        }
    )
    people.to_csv(tmp_path / "people.csv", index=False)
    url = f"sqlite:///{tmp_path}/big.db"
    assert import_file(url, "people", tmp_path / "people.csv", review="Big").rejected == 0

    n_items = len(framework.item_ids)
    ratee = np.repeat(np.arange(n_people), raters_per_ratee)
    rater = (ratee + 1 + np.tile(np.arange(raters_per_ratee), n_people)) % n_people
    forms = len(ratee)
    values = np.random.default_rng(11).integers(1, 6, size=forms * n_items)
    ids = people["person_id"].to_numpy()
    long = pd.DataFrame(
        {
            "ratee_id": np.repeat(ids[ratee], n_items),
            "rater_id": np.repeat(ids[rater], n_items),
            "relation": "peer",
            "item_id": np.tile(np.asarray(framework.item_ids), forms),
            "value": values.astype(str),
        }
    )
    assert len(long) >= 1_000_000
    bad_value, bad_rater = 5 * n_items + 3, 17 * n_items
    long.loc[bad_value, "value"] = "55"
    long.loc[bad_rater : bad_rater + n_items - 1, "rater_id"] = "NOBODY"
    path = tmp_path / "export.csv"
    long.to_csv(path, index=False)

    outcome = import_file(url, "responses", path, review="Big")
    assert (outcome.read, outcome.imported) == (len(long), forms - 2)
    assert outcome.rejected == 2 * n_items
    assert outcome.quarantine is not None
    quarantined = pd.read_csv(outcome.quarantine, dtype=str)
    assert len(quarantined) == 2 * n_items
    assert set(quarantined["rater_id"]) == {ids[rater[5]], "NOBODY"}

    quarantined.loc[quarantined["value"] == "55", "value"] = "5"
    quarantined.loc[quarantined["rater_id"] == "NOBODY", "rater_id"] = ids[rater[17]]
    quarantined.to_csv(outcome.quarantine, index=False)
    again = import_file(url, "responses", outcome.quarantine, review="Big")
    assert (again.imported, again.rejected) == (2, 0)
    stored = _stored(url, "Big")
    assert len(stored) == forms
    expected = values.reshape(forms, n_items)
    expected[5, 3] = 5
    for form in (0, 5, 17, forms - 1):
        assert stored[(ids[ratee[form]], ids[rater[form]])] == expected[form].tolist()
