"""A backup taken while the server saves forms is one consistent snapshot: it holds every
save acknowledged before it started, and no form half-written; restored into an empty
database it is a working colead database.
"""

from __future__ import annotations

import dataclasses
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from colead.privacy.backup import backup_database, restore_database
from colead.store import backup as store_backup
from colead.store.waves import hash_token
from reliability.databases import sibling_database
from reliability.live_wave import Server, answer_forms, open_live_wave, stored_forms

pytestmark = [pytest.mark.reliability, pytest.mark.integration]

DEVICES = 4
LOAD_SECONDS = 3.0


def test_a_backup_under_load_is_consistent_and_restores(database_url: str, tmp_path: Path) -> None:
    live = open_live_wave(database_url, seed=12)
    tokens = list(live.tokens)
    file = tmp_path / "under-load.backup"
    server = Server(database_url)
    server.start()
    try:
        with ThreadPoolExecutor(DEVICES) as pool:
            running = [
                pool.submit(answer_forms, server.port, tokens[k::DEVICES], live, k, LOAD_SECONDS)
                for k in range(DEVICES)
            ]
            time.sleep(LOAD_SECONDS / 3)
            began = time.monotonic()
            made = backup_database(database_url, file, actor="tester")
            ended = time.monotonic()
            outcomes = [future.result(timeout=120) for future in running]
    finally:
        server.kill()
    assert all(outcome.refused == [] for outcome in outcomes)
    sent = {t: a for o in outcomes for t, a in o.sent.items()}
    before = {t: o.saved[t] for o in outcomes for t, at in o.acknowledged_at.items() if at < began}
    during = sum(began <= at <= ended for o in outcomes for at in o.acknowledged_at.values())
    after = sum(at > ended for o in outcomes for at in o.acknowledged_at.values())
    assert before, "no save was acknowledged before the backup began"
    if made.kind == "sqlite":
        assert store_backup.integrity_problems(file) == []

    with sibling_database(database_url, tmp_path) as copy:
        restore_database(copy, file, force=False, actor="tester")
        forms = stored_forms(dataclasses.replace(live, url=copy))

    for token, answers in before.items():
        found = forms.get(hash_token(token))
        assert found is not None and found.codes == live.expected(answers), token
    by_hash = {hash_token(t): a for t, a in sent.items()}
    for digest, found in forms.items():
        assert found.codes == live.expected(by_hash[digest]), "a form in the backup is partial"
    backend = make_url(database_url).get_backend_name()
    print(
        f"backup under load ({backend}): {len(before)} saves acknowledged before it, "
        f"{during} while it ran, {after} after; {len(forms)} forms in the copy, all whole, "
        f"0 of the earlier saves missing"
    )
