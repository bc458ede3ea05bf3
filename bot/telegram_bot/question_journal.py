"""Updates Telegram has handed over: each claimed once, and the questions among them kept until
they are answered.

Long polling confirms updates to Telegram by batch, before they are answered; a webhook answers
200 as soon as an update is taken; answers may wait minutes behind a group's flood limit. A
crash (SIGKILL, power loss of the container) would lose every update taken and not answered.
So each update is claimed here before Telegram hears it was received: its id, once for all
workers sharing the database (INSERT … ON CONFLICT DO NOTHING: a second delivery of the same
update, to this worker or another, finds it claimed and is dropped); and, for a question
(a message or an edit), its whole Bot API JSON, struck off once handled.

A question in hand is leased to the worker that took it: the worker renews its leases while it
runs (journal_upkeep.py), and lets them go when it stops. One whose lease ran out (its worker
was killed) is taken over by another worker, or by the same worker started again, and answered
then. Only the ids of handled updates stay longer, a few thousand, to recognise a repeat.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from bot.telegram_bot.state_database import StateDatabase

log = logging.getLogger(__name__)

# Handled update ids kept to recognise a repeat: more than Telegram ever hands out again.
HANDLED_KEPT = 5_000
# Kinds of update that carry a question (button presses and inline queries are not worth
# answering minutes late: their spinner has long gone): kept whole until answered.
JOURNALED_KINDS = ("message", "edited_message")
# How long an update taken stays the worker's own without being renewed (TELEGRAM_LEASE_SECONDS).
DEFAULT_LEASE_SECONDS = 30.0

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS telegram_updates (
        update_id BIGINT PRIMARY KEY,
        body TEXT,                       -- the update's JSON while it waits; NULL once handled
        worker TEXT NOT NULL,            -- who has it in hand
        lease_until DOUBLE PRECISION NOT NULL   -- past this, another worker may take it
    )""",
    "CREATE INDEX IF NOT EXISTS telegram_updates_waiting ON telegram_updates (lease_until) WHERE body IS NOT NULL",
)
# A file of the version before this one kept waiting questions and handled ids apart.
_CARRY_OVER = (
    "INSERT INTO telegram_updates SELECT update_id, body, '', 0 FROM waiting WHERE true ON CONFLICT DO NOTHING",
    "INSERT INTO telegram_updates SELECT update_id, NULL, '', 0 FROM handled WHERE true ON CONFLICT DO NOTHING",
    "DROP TABLE waiting",
    "DROP TABLE handled",
)


class QuestionJournal:
    """The journal in `database`, as seen by the worker named `worker` (stable across its
    restarts: hostname and port), whose leases last `lease_seconds`."""

    def __init__(self, database: StateDatabase, worker: str, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> None:
        self.database = database
        self.worker = worker
        self.lease_seconds = lease_seconds
        carry_over = database.has_table("waiting") and database.has_table("handled")
        database.create_schema(_SCHEMA + (_CARRY_OVER if carry_over else ()))

    def claim(self, update_id: int, body: dict[str, Any]) -> bool:
        """Take the update (its Bot API JSON), kept until `done` when it carries a question;
        False when it was taken already, by any worker (Telegram delivering it again)."""
        kept = json.dumps(body) if carries_question(body) else None
        return bool(self.database.run(
            "INSERT INTO telegram_updates VALUES (?, ?, ?, {now} + ?) ON CONFLICT DO NOTHING RETURNING update_id",
            (update_id, kept, self.worker, self.lease_seconds),
        ))

    def done(self, update_id: int) -> None:
        """The update is handled: forget its content, remember its id for a while."""
        self.database.run("UPDATE telegram_updates SET body = NULL WHERE update_id = ? AND body IS NOT NULL", (update_id,))

    def renew(self) -> int:
        """Extend the leases of the questions this worker has in hand; how many there are."""
        return len(self.database.run(
            "UPDATE telegram_updates SET lease_until = {now} + ? WHERE worker = ? AND body IS NOT NULL RETURNING update_id",
            (self.lease_seconds, self.worker),
        ))

    def take_over(self, *, own_too: bool = False) -> list[dict[str, Any]]:
        """The questions of other workers whose lease ran out, now leased to this worker (at
        start, `own_too`: also those its name holds, left by its previous run): Bot API JSON,
        oldest first. Atomic: of workers taking over at once, each question goes to one."""
        whose = "(lease_until < {now} OR worker = ?)" if own_too else "lease_until < {now} AND worker <> ?"
        rows = self.database.run(
            "UPDATE telegram_updates SET worker = ?, lease_until = {now} + ? "
            f"WHERE body IS NOT NULL AND {whose} RETURNING update_id, body",
            (self.worker, self.lease_seconds, self.worker),
        )
        return [json.loads(body) for _, body in sorted(rows)]

    def release(self) -> None:
        """This worker stops: the questions it still has in hand are anyone's to take at once."""
        self.database.run(
            "UPDATE telegram_updates SET lease_until = 0 WHERE worker = ? AND body IS NOT NULL", (self.worker,)
        )

    def forget_old(self, kept: int = HANDLED_KEPT) -> None:
        """Keep the ids of only the `kept` latest handled updates."""
        self.database.run(
            "DELETE FROM telegram_updates WHERE body IS NULL AND update_id <= "
            "(SELECT update_id FROM telegram_updates WHERE body IS NULL ORDER BY update_id DESC LIMIT 1 OFFSET ?)",
            (kept,),
        )

    def waiting(self) -> list[dict[str, Any]]:
        """Every question still waiting for an answer, whoever has it: Bot API JSON, oldest first."""
        rows = self.database.run("SELECT body FROM telegram_updates WHERE body IS NOT NULL ORDER BY update_id")
        return [json.loads(body) for (body,) in rows]


def carries_question(body: dict[str, Any]) -> bool:
    """Whether an update (Bot API JSON) is of a kind the journal keeps whole."""
    return any(kind in body for kind in JOURNALED_KINDS)
