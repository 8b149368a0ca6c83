"""`colead stats`: the engine on a user's CSV, checked against the committed R outputs.

References (see tests/reference/*/ for the R scripts):
- ICC: Shrout & Fleiss (1979) Table 2, values from R ``psych::ICC(x, lmer = FALSE)``.
- alpha: R ``psych::alpha`` on the psych ``bfi`` agreeableness items (A1 reversed).
- aggregation: R ``multilevel::ICC1/ICC2(aov(y ~ as.factor(grp)))``.
- rwg: R ``multilevel::rwg(x, grpid, ranvar = 2)`` (5 options, uniform null).
- rci: Jacobson & Truax (1991) with a hand-computed example (SD 10, r .75 → S_diff 7.07).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from colead.cli import app

REF = Path(__file__).parents[1] / "reference"
runner = CliRunner()


def _json(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["stats", *args, "--json"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, "--json prints exactly one JSON object"
    document = json.loads(lines[0])
    assert isinstance(document, dict)
    return document


def test_icc_on_the_shrout_fleiss_table_matches_psych(tmp_path: Path) -> None:
    wide = pd.read_csv(REF / "agreement" / "sf_table2.csv")
    long = (
        wide.rename_axis("target")
        .reset_index()
        .melt(id_vars="target", var_name="judge", value_name="rating")
    )
    path = tmp_path / "ratings.csv"
    long.to_csv(path, index=False)
    document = _json(
        "icc", str(path), "--target", "target", "--rater", "judge", "--score", "rating"
    )
    reference = pd.read_csv(REF / "agreement" / "shrout_fleiss.out.csv")
    reference = reference[(reference["data"] == "sf_table2") & (~reference["lmer"])]
    published = {
        "ICC1": 0.17,
        "ICC2": 0.29,
        "ICC3": 0.71,
        "ICC1k": 0.44,
        "ICC2k": 0.62,
        "ICC3k": 0.91,
    }
    for row in reference.itertuples():
        form = document[row.type]
        assert isinstance(form, dict)
        assert form["value"] == pytest.approx(float(row.ICC), abs=1e-9)
        assert form["ci95"] == pytest.approx([float(row.lower), float(row.upper)], abs=1e-9)
        assert form["F"] == pytest.approx(float(row.F), rel=1e-9)
        assert round(form["value"], 2) == published[row.type]


def test_alpha_matches_psych_alpha(tmp_path: Path) -> None:
    data = pd.read_csv(REF / "psychometrics" / "bfi_agreeableness.csv")
    data["A1"] = 7 - data["A1"]  # reverse-keyed as in psych's example (keys = c(-1,1,1,1,1))
    path = tmp_path / "bfi.csv"
    data.to_csv(path, index=False)
    reference = json.loads((REF / "psychometrics" / "alpha.out.json").read_text())
    for missing in ("pairwise", "listwise"):
        document = _json("alpha", str(path), "--items", "A1,A2,A3,A4,A5", "--missing", missing)
        expected = reference[f"bfi_{missing}"]
        assert document["alpha"] == pytest.approx(expected["alpha"], abs=1e-9)
        assert document["k"] == 5


def test_aggregation_matches_multilevel(tmp_path: Path) -> None:
    document = _json(
        "aggregation", str(REF / "agreement" / "icc_groups.csv"), "--group", "grp", "--score", "y"
    )
    expected = json.loads((REF / "agreement" / "icc_aggregation.out.json").read_text())["y"]
    assert document["icc1"] == pytest.approx(expected["icc1"], abs=1e-9)
    assert document["icc2"] == pytest.approx(expected["icc2"], abs=1e-9)
    assert (document["groups"], document["n"]) == (expected["groups"], expected["n"])


def test_rwg_matches_multilevel() -> None:
    document = _json(
        "rwg",
        str(REF / "agreement" / "rwg5.csv"),
        "--group",
        "grp",
        "--items",
        "i1",
        "--options",
        "5",
    )
    reference = pd.read_csv(REF / "agreement" / "rwg.out.csv")
    single = reference[
        (reference["stat"] == "rwg")
        & (reference["options"] == 5)
        & (reference["null"] == "uniform")
    ]
    groups = document["groups"]
    assert isinstance(groups, dict)
    compared = 0
    for row in single.itertuples():
        if pd.isna(row.value):
            continue
        assert groups[row.grp]["rwg"] == pytest.approx(row.value, abs=1e-9)
        compared += 1
    assert compared >= 5


def test_rci_counts_a_hand_computed_example(tmp_path: Path) -> None:
    path = tmp_path / "change.csv"
    path.write_text("pre,post\n50,64\n50,40\n50,52\n40,\n", encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "stats",
            "rci",
            str(path),
            "--pre",
            "pre",
            "--post",
            "post",
            "--reliability",
            "0.75",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["improved"] == 1 and document["deteriorated"] == 1
    assert document["unchanged"] == 1


def test_a_non_numeric_cell_is_named_with_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("a,b,c\n1,2,3\n4,five,6\n", encoding="utf-8")
    result = runner.invoke(app, ["stats", "alpha", str(path), "--items", "a,b,c"])
    assert result.exit_code != 0
    assert "row 3, column 'b'" in str(result.exception)
