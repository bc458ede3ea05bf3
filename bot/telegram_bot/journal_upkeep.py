"""What each worker does for the shared journal while it runs, every third of a lease: renew the
leases of the questions it has in hand (so no other worker takes them while their answers wait,
say, behind a group's flood limit), take over those of a worker that fell silent (killed before
it answered what it had accepted), and forget what is too old to matter."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from bot.telegram_bot.question_journal import QuestionJournal

log = logging.getLogger(__name__)

# Renewals per lease: a worker must miss two in a row (a stalled event loop, a slow database)
# before another may take its questions.
RENEWALS_PER_LEASE = 3


async def keep_journal(
    journal: QuestionJournal, take_up: Callable[[list[dict[str, Any]]], None], trims: Sequence[Callable[[], None]] = (),
) -> None:
    """Until cancelled: every `journal.lease_seconds / RENEWALS_PER_LEASE` seconds, renew this
    worker's leases, hand the questions taken over from silent workers to `take_up` (Bot API
    JSON, oldest first), and trim the journal to its size, and the rest with `trims`. A database
    that cannot be reached costs one warning line a round; the next round tries again."""
    interval = journal.lease_seconds / RENEWALS_PER_LEASE
    while True:
        await asyncio.sleep(interval)
        try:
            await asyncio.to_thread(journal.renew)
            taken = await asyncio.to_thread(journal.take_over)
            take_up(taken)
            for trim in (journal.forget_old, *trims):
                await asyncio.to_thread(trim)
        except Exception as error:  # noqa: BLE001 - the next round tries again
            log.warning("could not renew or take over questions in the Telegram working state: %s", error)
