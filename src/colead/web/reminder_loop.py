"""The web app's background check for due reminders, while ``colead serve`` runs.

Every worker runs its own loop; the claim in :func:`colead.fieldwork.reminders.run_due_reminders`
makes sure a reminder is still sent once. The sending blocks (SMTP, database), so it runs
in a thread and never holds up requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import Engine

from colead.config import Settings
from colead.fieldwork.reminders import run_due_reminders

log = logging.getLogger("colead.reminders")


async def check_reminders_forever(engine: Engine, settings: Settings) -> None:
    """Send due reminders every ``settings.reminders_every`` seconds, until cancelled."""
    while True:
        await asyncio.sleep(settings.reminders_every)
        try:
            runs = await asyncio.to_thread(run_due_reminders, engine, settings)
        except Exception:  # one failed check must not stop the next ones
            log.exception("Checking for due reminders failed")
            continue
        for run in runs:
            log.info("Reminder %s of wave %r: %s %s", run.reminder.id, run.reminder.wave,
                     run.status, run.reason)  # fmt: skip


@asynccontextmanager
async def reminders_in_background(engine: Engine, settings: Settings) -> AsyncIterator[None]:
    """Run the check while the block runs (not at all when ``reminders_every`` is 0)."""
    if settings.reminders_every <= 0:
        yield
        return
    task = asyncio.create_task(check_reminders_forever(engine, settings))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
