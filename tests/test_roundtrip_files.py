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

from colead.exporting import export_table
from colead.importing import import_file
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
