"""Report tables: many sites are split over tables that fit a page."""

from __future__ import annotations

import pandas as pd

from colead.analysis.results import Profile, ScaleInfo
from colead.reports.tables import SITES_PER_TABLE, systems_tables

SCALES = (
    ScaleInfo("context", "Context", "systems", 3),
    ScaleInfo("plan", "Planning", "systems", 3),
)


def _profile(n_sites: int, hidden: frozenset[int] = frozenset()) -> Profile:
    rows = [
        {
            "group": f"Site {k:02d}",
            "scale_id": scale.id,
            "n_people": 2 if k in hidden else 10 + k,
            "n_raters": 10 + k,
            "mean": 3.0 + k / 100,
            "sd": 0.5,
            "ci_low": 2.5,
            "ci_high": 3.5,
            "shown": k not in hidden,
        }
        for k in range(n_sites)
        for scale in SCALES
    ]
    return Profile("site", pd.DataFrame(rows), 3)


def test_many_sites_are_split_into_tables_of_at_most_ten_columns() -> None:
    tables = systems_tables(_profile(24, hidden=frozenset({5})), SCALES)
    assert [len(t.columns) for t in tables] == [SITES_PER_TABLE, SITES_PER_TABLE, 3]
    assert tables[0].caption.endswith("(sites 1–10 of 23)")
    assert tables[-1].caption.endswith("(sites 21–23 of 23)")
    shown = [site for t in tables for site in t.columns]
    assert shown == [f"Site {k:02d}" for k in range(24) if k != 5]  # hidden site left out
    for table in tables:
        assert table.rows[0].header == "n people"
        assert [r.header for r in table.rows[1:]] == ["Context", "Planning"]


def test_a_few_sites_make_one_table_with_the_plain_caption() -> None:
    (table,) = systems_tables(_profile(4), SCALES, caption="By site")
    assert table.caption == "By site" and len(table.columns) == 4
    assert systems_tables(_profile(2, hidden=frozenset({0, 1})), SCALES) == []
