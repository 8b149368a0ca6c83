"""Invitation links: a fresh survey token per assignment, handed out once, in a file.

Only the SHA-256 of a token is stored, so a link can be handed out only when its token is
made; issuing again replaces the stored hash, and the earlier link stops working. The
file is the one place the plain tokens exist: it is written with owner-only permissions,
through the spreadsheet formula-injection guard of the exports.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy.orm import Session

from colead.domain import WaveStatus
from colead.errors import OutputError, WaveClosed
from colead.ingest.spreadsheet import write_csv
from colead.jobs.output import unwritable_folder
from colead.store import open_database, transaction
from colead.store.invitations import invitation_targets, replace_token_hashes
from colead.store.reviews import audit, get_review
from colead.store.waves import get_wave, hash_token, lock_wave, new_token

COLUMNS = ("rater_name", "rater_email", "ratee_name", "relation", "survey_url")


@dataclass(frozen=True)
class Invitations:
    """The links of one wave, issued in the caller's transaction."""

    review: str
    wave: str
    status: WaveStatus
    #: one row per issued link, columns :data:`COLUMNS`
    table: pd.DataFrame
    #: submitted forms left out (only_pending)
    skipped: int


@dataclass(frozen=True)
class InvitationExport:
    path: Path
    rows: int
    review: str
    wave: str
    notes: tuple[str, ...]


def survey_url(base_url: str, token: str) -> str:
    """The personal survey address of a token."""
    return f"{base_url.rstrip('/')}/s/{token}"


def issue_invitations(
    session: Session,
    review_name: str,
    wave_name: str | None,
    base_url: str,
    *,
    only_pending: bool = False,
    actor: str = "cli",
) -> Invitations:
    """Give every assignment of the wave (the latest when None) a fresh survey token.

    A closed wave is WaveClosed. With ``only_pending`` submitted forms keep their links
    and are left out. The new hashes and an audit entry with the count are written to
    ``session``; the plain tokens exist only in the returned table.
    """
    review = get_review(session, review_name)
    wave = get_wave(session, review, wave_name)
    lock_wave(session, wave)
    status = WaveStatus(wave.status)
    if status is WaveStatus.closed:
        raise closed_wave_error(review.name, wave.name)
    targets = invitation_targets(session, wave.id)
    chosen = [t for t in targets if not (only_pending and t.completed)]
    tokens = {t.assignment_id: new_token() for t in chosen}
    replace_token_hashes(session, {ident: hash_token(tok) for ident, tok in tokens.items()})
    audit(
        session,
        actor,
        "issue_invitations",
        "wave",
        wave.id,
        review_id=review.id,
        name=wave.name,
        count=len(chosen),
        only_pending=only_pending,
        skipped=len(targets) - len(chosen),
    )
    table = pd.DataFrame(
        [
            (
                t.rater_name,
                t.rater_email,
                t.ratee_name,
                t.relation,
                survey_url(base_url, tokens[t.assignment_id]),
            )
            for t in chosen
        ],
        columns=list(COLUMNS),
    )
    return Invitations(review.name, wave.name, status, table, len(targets) - len(chosen))


def export_invitations(
    database_url: str,
    path: Path,
    *,
    review: str,
    base_url: str,
    wave: str | None = None,
    only_pending: bool = False,
    actor: str = "cli",
) -> InvitationExport:
    """Issue the links of a wave and write them to the CSV file ``path``.

    The file is written before the new tokens are committed and moved into place after:
    when anything fails, the earlier links keep working and no half file is left.
    """
    check_target(path)
    engine = open_database(database_url)
    temporary: Path | None = None
    try:
        with transaction(engine) as session:
            issued = issue_invitations(
                session, review, wave, base_url, only_pending=only_pending, actor=actor
            )
            temporary = _write_temporary(issued.table, path)
        _move(temporary, path)
    finally:
        engine.dispose()
        if temporary is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
    return InvitationExport(
        path=path,
        rows=len(issued.table),
        review=issued.review,
        wave=issued.wave,
        notes=tuple(_notes(issued)),
    )


def check_target(path: Path) -> None:
    """Fail before any token is issued when ``path`` is no writable CSV file."""
    if path.suffix.lower() != ".csv":
        raise OutputError(
            f"Cannot write invitations to {path}: it is not a .csv file.",
            "Name the file with the .csv extension.",
        )
    if path.is_dir():
        raise OutputError(f"Cannot write invitations to {path}: it is a folder.", "Give a file.")
    existing = unwritable_folder(path.absolute().parent)
    if existing is not None:
        raise OutputError(
            f"Cannot write invitations to {path}: {existing} is not a writable folder.",
            "Choose a file in a folder you can write to.",
        )


def _write_temporary(table: pd.DataFrame, path: Path) -> Path:
    folder = path.absolute().parent
    name: str | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # mkstemp creates the file readable by its owner only: it holds live links
        handle, name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
        os.close(handle)
        write_csv(table, name)
    except OSError as exc:
        if name is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)
        raise OutputError(
            f"Cannot write {path}: {exc.strerror or exc}",
            "Check the folder is writable and has space; no link was changed.",
        ) from None
    return Path(name)


def _move(temporary: Path, path: Path) -> None:
    try:
        os.replace(temporary, path)
    except OSError as exc:
        raise OutputError(
            f"Cannot write {path}: {exc.strerror or exc}. The new links were issued, so the "
            "earlier ones no longer work.",
            "Close the file if another program has it open and run the export again.",
        ) from None


def _notes(issued: Invitations) -> list[str]:
    notes: list[str] = []
    if issued.status is WaveStatus.draft:
        notes.append(
            f"Wave {issued.wave!r} is still a draft: the links accept answers once it is opened "
            f"(`colead wave open --review {issued.review!r} --wave {issued.wave!r}`)."
        )
    if issued.skipped:
        notes.append(f"{issued.skipped} submitted form(s) left out; their links are unchanged.")
    if issued.table.empty:
        notes.append(
            "No links were issued: every form of the wave is submitted."
            if issued.skipped
            else "No links were issued: the wave has no assignments yet; import nominations "
            "first (`colead import nominations`)."
        )
    else:
        notes.append(
            "Links issued earlier for these forms no longer work. The file holds personal "
            "links: send each rater their own, and delete the file when done."
        )
    return notes


def closed_wave_error(review: str, wave: str) -> WaveClosed:
    return WaveClosed(
        f"Wave {wave!r} of review {review!r} is closed: no invitations can be issued for it.",
        f"Reopen it on purpose with `colead wave open --review {review!r} --wave {wave!r} "
        "--reopen` (recorded in the audit log), or choose another wave with --wave.",
    )
