"""The JSON form of results: valid JSON, no NaN, reasons for every withheld value."""

from __future__ import annotations

import json
import math

from builders import small_simulation, wave_data
from colead.analysis import analyse_wave
from colead.analysis.export import SCHEMA_VERSION, results_to_dict

TOP_LEVEL = {
    "schema_version",
    "review",
    "wave",
    "framework_label",
    "anonymity_minimum",
    "scales",
    "participation",
    "person_scores",
    "organisation_profile",
    "site_profile",
    "level_profile",
    "systems_by_site",
    "relation_profile",
    "continuum",
    "self_other",
    "title_vs_leading",
    "competences_by_site",
}


def _walk(value: object):  # type: ignore[no-untyped-def]
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _walk(child)
    elif isinstance(value, list):
        for child in value:
            yield from _walk(child)


def test_results_serialise_to_strict_json_with_stable_keys() -> None:
    data = wave_data(small_simulation(seed=11), 0)
    people = data.people.copy()
    people.loc[people.index[:2], "site"] = "Tiny outpost"
    tiny = type(data)(
        data.review,
        data.wave,
        data.framework,
        people,
        data.assignments,
        data.responses,
        data.values,
    )
    document = results_to_dict(analyse_wave(tiny, minimum=3))
    text = json.dumps(document, allow_nan=False)
    assert set(document) >= TOP_LEVEL and document["schema_version"] == SCHEMA_VERSION
    assert "observer_means" not in text and "observer_counts" not in text
    hidden = [r for r in document["site_profile"]["records"] if r["group"] == "Tiny outpost"]
    assert hidden and all(r["mean"] is None and "fewer than 3" in r["reason"] for r in hidden)
    for record in _walk(json.loads(text)):
        for key, value in record.items():
            assert not (isinstance(value, float) and not math.isfinite(value)), key
    manager_rows = [
        r for r in document["person_scores"]["table"] if r["group"] == "manager" and r["sd"] is None
    ]
    assert manager_rows and manager_rows[0]["null_reasons"]["sd"] == "needs at least 2 values"
