"""Export then import gives the same data (property-based, hypothesis).

People with awkward names (commas, quotes, line breaks, accents, text that a spreadsheet
would run as a formula) go out through `export people` as CSV and XLSX and come back
through `import people` into a second review unchanged.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from builders import close_stored_wave, stored_wave
from colead.ingest.importing import import_file
from colead.jobs.exports import export_table
from colead.store import make_engine, transaction
from colead.store.people import people_frame
from colead.store.reviews import get_review

pytestmark = pytest.mark.integration

_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00")
    | st.sampled_from(list(",\"\n=+-@'")),
    min_size=1,
    max_size=30,
).filter(lambda s: s.strip() == s and s.strip() != "" and s.upper() not in {"NA", "N/A"})

_person = st.fixed_dictionaries(
    {
        "name": _text,
        "organisation": st.sampled_from(["Client Co", "Supplier, Ltd", "Ünternehmen"]),
        "site": st.sampled_from(["North", "=South", "Zürich"]),
        "role_title": _text,
        "level": st.integers(1, 5),
    }
)


def _stored(url: str, review: str) -> pd.DataFrame:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            frame = people_frame(session, get_review(session, review).id)
    finally:
        engine.dispose()
    return (
        frame.drop(columns=["email", "manager_id"]).sort_values("person_id").reset_index(drop=True)
    )


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_person, min_size=1, max_size=8), st.sampled_from([".csv", ".xlsx"]))
@example(
    [
        {
            "name": "'=x",
            "organisation": "Client Co",
            "site": "=South",
            "role_title": "-1",
            "level": 2,
        }
    ],
    ".csv",
)
def test_people_survive_export_and_import(people: list[dict[str, object]], suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        url = f"sqlite:///{tmp / 'r.db'}"
        source = pd.DataFrame(people)
        source.insert(0, "person_id", [f"P{k:03d}" for k in range(len(source))])
        source.to_csv(tmp / "people.csv", index=False)
        first = import_file(url, "people", tmp / "people.csv", review="A")
        assert first.rejected == 0, first.problems
        export_table(url, "people", tmp / f"out{suffix}", review="A")
        second = import_file(url, "people", tmp / f"out{suffix}", review="B")
        assert second.rejected == 0, second.problems
        pd.testing.assert_frame_equal(_stored(url, "A"), _stored(url, "B"))


_PEOPLE_CSV = """person_id,name,organisation,organisation_role,site,level
C1,Ana Client,Client Co,client,North,1
C2,Ben Client,Client Co,client,North,3
S1,Cy Supplier,Supplier Ltd,supplier,North,2
S2,Di Supplier,Supplier Ltd,supplier,North,5
"""
_ORGANISATION = {"C1": "client", "C2": "client", "S1": "supplier", "S2": "supplier"}
_ITEMS = ("model_1", "model_2", "inspire_1", "plan_1", "context_1")
# Answers as a survey tool might write them; "" is a skipped item.
_ANSWER = st.sampled_from(["1", "2", "3", "4", "5", "NA", "Not observed", "Often", ""])


def _relation(ratee: str, rater: str) -> str:
    if ratee == rater:
        return "self"
    return "partner" if _ORGANISATION[ratee] != _ORGANISATION[rater] else "peer"


def _stored_answers(url: str, review: str) -> dict[tuple[str, str, str], list[int]]:
    data = stored_wave(url, review)
    keys = data.responses[["ratee_id", "rater_id", "relation"]].itertuples(index=False)
    return {tuple(key): data.values[k].tolist() for k, key in enumerate(keys)}  # type: ignore[misc]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.tuples(st.sampled_from(list(_ORGANISATION)), st.sampled_from(list(_ORGANISATION))),
        st.lists(_ANSWER, min_size=len(_ITEMS), max_size=len(_ITEMS)),
        min_size=1,
        max_size=10,
    ),
    st.sampled_from([".csv", ".xlsx", ".parquet"]),
)
def test_responses_survive_export_and_import(
    forms: dict[tuple[str, str], list[str]], suffix: str
) -> None:
    """Long answers in, exported with rater ids, imported into a second review: the same
    answers, skipped and "not observed" items included."""
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        url = f"sqlite:///{tmp}/round.db"
        (tmp / "people.csv").write_text(_PEOPLE_CSV, encoding="utf-8")
        rows = [
            (ratee, rater, _relation(ratee, rater), item, answer)
            for (ratee, rater), answers in forms.items()
            for item, answer in zip(_ITEMS, answers, strict=True)
        ]
        long = pd.DataFrame(rows, columns=["ratee_id", "rater_id", "relation", "item_id", "value"])
        long.to_csv(tmp / "answers.csv", index=False)
        for review in ("First", "Second"):
            assert import_file(url, "people", tmp / "people.csv", review=review).rejected == 0
        first = import_file(url, "responses", tmp / "answers.csv", review="First")
        assert (first.imported, first.rejected) == (len(forms), 0)

        close_stored_wave(url, "First", "baseline")  # results and exports follow the close
        exported = tmp / f"responses{suffix}"
        export_table(url, "responses", exported, review="First", identifiable=True)
        if suffix == ".parquet":  # colead reads CSV and Excel: convert as a user would
            pd.read_parquet(exported).to_csv(exported := tmp / "responses.csv", index=False)
        second = import_file(url, "responses", exported, review="Second")
        assert (second.imported, second.rejected) == (len(forms), 0)
        assert _stored_answers(url, "Second") == _stored_answers(url, "First")
