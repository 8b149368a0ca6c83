"""The `colead` command as a user runs it: a real process, real files, real databases."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from colead.framework import default_framework_path
from colead.store import make_engine
from colead.store.schema import AuditEntry, Person, Response, Review

LEADERSHIP_TITLES = [
    "Role model the way",
    "Inspire a collaborative vision",
    "Challenge the status quo",
    "Enable the collaborative team",
    "Encourage others",
]


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("COLEAD_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "colead", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=300,
    )


def _no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout


class _Tables(HTMLParser):
    """Collects the text of every table cell, row by row, with the table caption."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[str, list[list[str]]]] = []
        self._cell: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append(("", []))
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr" and self.tables:
            self.tables[-1][1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None and self.tables:
            self.tables[-1][1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._in_caption and self.tables:
            caption, rows = self.tables[-1]
            self.tables[-1] = (caption + data, rows)
        elif self._cell is not None:
            self._cell.append(data)


def _site_leadership_table(html: str) -> list[list[str]]:
    parser = _Tables()
    parser.feed(html)
    for caption, rows in parser.tables:
        # the site means (the follow-up's change-since-baseline tables also name sites)
        if "leadership practices by site: mean score" in caption.lower():
            return rows
    raise AssertionError("no table of leadership practices by site in the report")


@pytest.mark.integration
def test_demo_runs_twice_without_duplicates_and_reports_every_site(
    database_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "demo"
    for attempt in range(2):
        # PDFs have their own tests (test_cli_report); here the HTML is enough.
        result = run_cli("demo", "--out", str(out), "--db", database_url, "--seed", "3", "--no-pdf")
        assert result.returncode == 0, result.stderr
        _no_traceback(result)
        assert "review.html" in result.stdout
        assert ("(replaced)" in result.stdout) == (attempt == 1)
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            assert connection.scalar(select(func.count()).select_from(Review)) == 1
            people = connection.scalar(select(func.count()).select_from(Person))
            assert 270 <= (people or 0) <= 330
            assert (connection.scalar(select(func.count()).select_from(Response)) or 0) > 3000
            actions = set(connection.scalars(select(AuditEntry.action)))
            assert {"create", "import", "delete"} <= actions
    finally:
        engine.dispose()

    html = (out / "review.html").read_text(encoding="utf-8")
    rows = _site_leadership_table(html)
    header, body = rows[0], [r for r in rows[1:] if r]
    for title in LEADERSHIP_TITLES:
        assert any(title in cell for cell in header), title
    assert len(body) == 8  # every site of the small relationship
    for row in body:
        numbers = [c for c in row[2:] if re.fullmatch(r"\d\.\d\d", c)]
        assert len(numbers) == 5, row  # a mean for every practice at every site
    assert (out / "review-baseline.html").exists() and (out / "review-follow-up.html").exists()
    assert (out / "evaluation.html").exists() and len(list((out / "people").glob("*.html"))) == 5
    assert not list(out.rglob("*.pdf"))


def test_a_malformed_framework_gives_one_clear_error_and_writes_nothing(tmp_path: Path) -> None:
    data = yaml.safe_load(default_framework_path().read_text(encoding="utf-8"))
    data["families"][0]["scales"][1]["items"] = data["families"][0]["scales"][1]["items"][:1]
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(data), encoding="utf-8")
    db = tmp_path / "x.db"
    result = run_cli(
        "demo",
        "--framework",
        str(broken),
        "--db",
        f"sqlite:///{db}",
        "--out",
        str(tmp_path / "out"),
    )
    assert result.returncode == 3
    _no_traceback(result)
    assert str(broken) in result.stderr
    assert "families[0](leadership).scales[1](inspire).items" in result.stderr
    assert not db.exists() and not (tmp_path / "out").exists()

    missing = run_cli("demo", "--framework", str(tmp_path / "nope.yaml"), "--db", f"sqlite:///{db}")
    assert missing.returncode == 3 and "not found" in missing.stderr
    _no_traceback(missing)


def test_an_unreachable_database_gives_one_clear_error_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli(
        "demo", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/colead", "--out", str(out)
    )
    assert result.returncode == 4
    _no_traceback(result)
    assert "Cannot connect" in result.stderr and "COLEAD_DATABASE_URL" in result.stderr
    assert not out.exists()


def test_an_unwritable_output_folder_is_refused_before_any_work(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    db = tmp_path / "x.db"
    result = run_cli("demo", "--out", str(blocker / "out"), "--db", f"sqlite:///{db}")
    assert result.returncode == 8
    _no_traceback(result)
    assert "--out" in result.stderr and not db.exists()


def test_unknown_options_and_bad_settings_are_usage_errors(tmp_path: Path) -> None:
    unknown = run_cli("demo", "--colour", "red")
    assert unknown.returncode == 2 and "No such option" in unknown.stderr
    _no_traceback(unknown)
    size = run_cli("demo", "--size", "huge")
    assert size.returncode == 2 and "huge" in size.stderr
    low = run_cli(
        "init", "--db", f"sqlite:///{tmp_path}/a.db", env={"COLEAD_ANONYMITY_MINIMUM": "2"}
    )
    assert low.returncode == 2 and "COLEAD_ANONYMITY_MINIMUM" in low.stderr
    _no_traceback(low)


@pytest.mark.integration
def test_init_creates_then_reports_up_to_date(database_url: str) -> None:
    first = run_cli("init", "--db", database_url)
    assert first.returncode == 0 and "Created the colead schema" in first.stdout
    again = run_cli("init", "--db", database_url)
    assert again.returncode == 0 and "up to date" in again.stdout


@pytest.mark.integration
def test_report_reads_a_stored_review_and_names_known_reviews_on_a_typo(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/r.db"
    assert run_cli("demo", "--db", db, "--out", str(tmp_path / "demo"), "--no-pdf").returncode == 0
    name = re.search(
        r"Demo: [^\n(]+\(seed 7, small\)", (tmp_path / "demo" / "review.html").read_text()
    )
    assert name is not None
    ok = run_cli(
        "report",
        "review",
        "--review",
        name.group(0),
        "--wave",
        "baseline",
        "--db",
        db,
        "--out",
        str(tmp_path / "r" / "baseline.html"),
    )
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "r" / "baseline.html").read_text().count("Role model the way") >= 1
    analysed = run_cli(
        "analyse",
        "--review",
        name.group(0),
        "--db",
        db,
        "--json",
        str(tmp_path / "r" / "results.json"),
    )
    assert analysed.returncode == 0, analysed.stderr
    assert "Title vs leading" in analysed.stdout
    document = json.loads((tmp_path / "r" / "results.json").read_text(encoding="utf-8"))
    assert document["wave"] == "follow-up" and document["n_sites"] == 8
    typo = run_cli("report", "review", "--review", "Demo", "--db", db)
    assert typo.returncode == 5 and "Known reviews: Demo:" in typo.stderr
    _no_traceback(typo)
    no_wave = run_cli("report", "review", "--review", name.group(0), "--wave", "w9", "--db", db)
    assert no_wave.returncode == 5 and "baseline, follow-up" in no_wave.stderr
    empty = run_cli("report", "review", "--review", "x", "--db", f"sqlite:///{tmp_path}/empty.db")
    assert empty.returncode == 4 and "colead init" in empty.stderr


def test_an_error_message_shows_names_from_the_user_as_they_are(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/e.db"
    assert run_cli("init", "--db", db).returncode == 0
    name = "[bold]Ours[/] :smile:"  # rich would style, fail on "[/]", or draw an emoji
    result = run_cli("report", "review", "--review", name, "--db", db)
    _no_traceback(result)
    assert result.returncode == 5, result.stderr
    assert result.stderr.startswith(f"Error: No review named {name!r}.")
    assert "\x1b[" not in result.stderr


def test_framework_check_and_show(tmp_path: Path) -> None:
    good = run_cli("framework", "check", str(default_framework_path()))
    assert good.returncode == 0 and "valid (colead_default 1.0.0, 84 items)" in good.stdout
    data = yaml.safe_load(default_framework_path().read_text(encoding="utf-8"))
    data["version"] = "one"
    data["families"][0]["scales"][0]["items"][0]["weight"] = 2
    broken = tmp_path / "f.yaml"
    broken.write_text(yaml.safe_dump(data), encoding="utf-8")
    bad = run_cli("framework", "check", str(broken))
    assert bad.returncode == 3 and bad.stderr.count("\n! ") + bad.stderr.startswith("! ") == 2
    shown = run_cli("framework", "show")
    assert shown.returncode == 0 and "enable" in shown.stdout
    version = run_cli("--version")
    assert version.returncode == 0 and version.stdout.startswith("colead ")


@pytest.mark.integration
def test_norms_build_import_list_and_use_in_analyse(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/n.db"
    assert run_cli("demo", "--db", db, "--out", str(tmp_path / "demo"), "--no-pdf").returncode == 0
    review = "Demo: Castlegate Council – Keystone Services (seed 7, small)"
    built = run_cli(
        "norms", "build", "--review", review, "--name", "Pooled", "--min-n", "30", "--db", db
    )
    assert built.returncode == 0, built.stderr
    assert "Norm set 'Pooled' from 300 people: 10 scales" in built.stdout

    table = tmp_path / "norms.csv"
    table.write_text(
        "Scale ID,n,mean,sd,p25,p50,p75,source\n"
        "model,400,3.6,0.5,3.3,3.6,3.9,Sector survey 2025\n"
        "inspire,400,9.0,0.5,,,,Sector survey 2025\n"
        "nonsense,400,3.6,0.5,,,,Sector survey 2025\n"
        "enable,400,3.5,0.5,3.6,3.5,3.9,Sector survey 2025\n",
        encoding="utf-8",
    )
    imported = run_cli("norms", "import", str(table), "--name", "Sector", "--db", db)
    assert imported.returncode == 1
    assert (
        "row 3, column 'mean'" in imported.stderr and "row 4, column 'scale_id'" in imported.stderr
    )
    assert "row 5, column 'p5'" in imported.stderr  # percentiles decrease
    assert "1 scales added, 0 updated, 0 unchanged, 3 rows rejected" in imported.stdout
    _no_traceback(imported)

    listed = run_cli("norms", "list", "--db", db)
    for name in ("Pooled", "Sector", "Synthetic benchmark (demo)"):
        assert name in listed.stdout
    analysed = run_cli(
        "analyse",
        "--review",
        review,
        "--norms",
        "Sector",
        "--db",
        db,
        "--json",
        str(tmp_path / "r.json"),
    )
    assert analysed.returncode == 0, analysed.stderr
    document = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    bands = {r["band"] for r in document["benchmark_by_site"] if r["scale_id"] == "model"}
    assert bands <= {"low", "middle", "high"} and bands
    assert document["norms_source"] == "Sector survey 2025"
    assert document["norms_synthetic"] is False
