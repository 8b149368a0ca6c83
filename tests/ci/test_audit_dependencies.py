"""``.ci/audit-dependencies``: a known vulnerability fails CI; unchecked packages are named.

The script runs ``PYTHON -m pip freeze`` and ``PYTHON -m pip_audit``; here PYTHON is a stand-in
that prints a fixed freeze and a fixed pip-audit JSON report (the format of
``pip-audit --format json``), so each outcome is checked without the network.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "audit-dependencies"


def _audit(tmp_path: Path, report: dict[str, Any], **env: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "report.json").write_text(json.dumps(report))
    stand_in = tmp_path / "python"
    stand_in.write_text(
        "#!/bin/sh\n"
        'if [ "$2" = "pip" ]; then echo "jinja2==2.10"; echo "pyyaml==6.0.2"; exit 0; fi\n'
        f'cat "{tmp_path / "report.json"}"\n'
    )
    stand_in.chmod(0o755)
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(stand_in)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )


def test_a_known_vulnerability_fails_and_names_the_fix(tmp_path: Path) -> None:
    report = {
        "dependencies": [
            {
                "name": "jinja2",
                "version": "2.10",
                "vulns": [{"id": "GHSA-462w-v97r-4m45", "fix_versions": ["2.10.1"]}],
            },
            {"name": "pyyaml", "version": "6.0.2", "vulns": []},
        ],
        "fixes": [],
    }
    done = _audit(tmp_path, report)
    assert done.returncode == 1
    assert "VULNERABLE jinja2 2.10: GHSA-462w-v97r-4m45 (fixed in 2.10.1)" in done.stdout
    assert "2 of 2 packages checked, 1 known vulnerabilities" in done.stdout


def test_a_clean_report_passes(tmp_path: Path) -> None:
    report = {"dependencies": [{"name": "pyyaml", "version": "6.0.2", "vulns": []}]}
    done = _audit(tmp_path, report)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 of 1 packages checked, 0 known vulnerabilities" in done.stdout


def test_unchecked_packages_are_named_and_fail_when_required(tmp_path: Path) -> None:
    reason = "Dependency not found on PyPI and could not be audited: pyyaml (6.0.2)"
    report = {
        "dependencies": [
            {"name": "jinja2", "version": "3.1.6", "vulns": []},
            {"name": "pyyaml", "skip_reason": reason},
        ]
    }
    lenient = _audit(tmp_path, report)
    assert lenient.returncode == 0
    assert "1 of 2 packages checked" in lenient.stdout
    assert "NOT CHECKED (1): pyyaml" in lenient.stdout and reason in lenient.stdout
    strict = _audit(tmp_path, report, COLEAD_AUDIT_REQUIRED="1")
    assert strict.returncode == 1


def test_no_report_at_all_fails(tmp_path: Path) -> None:
    stand_in = tmp_path / "python"
    stand_in.write_text('#!/bin/sh\nif [ "$2" = "pip" ]; then exit 0; fi\necho broken >&2\n')
    stand_in.chmod(0o755)
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(stand_in)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert "pip-audit gave no report" in done.stderr
