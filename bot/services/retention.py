"""Retention (issue 21, point 4): the scheduler clears the free text of sets whose last session
ended more than their ``retention_days`` ago (``bot.domain.retention``), each set once, in its
own transaction; a set still running is never touched."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.clock import Clock
from bot.storage import retention_queries as rq
from bot.storage.db import Database

#: Sets cleared in one pass at most (each in its own transaction): a backlog (the first pass
#: after an upgrade) is worked through over the following passes, not in one long pass.
RETENTION_BATCH = 50


@dataclass(frozen=True)
class RetentionPass:
    cleared: dict[str, int] = field(default_factory=dict)  # texts cleared, by table
    sets: int = 0  # sets cleared
    more: bool = False  # the batch was full: more may be due at once


class RetentionService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def run(self, at: datetime, batch: int = RETENTION_BATCH) -> RetentionPass:
        """Clear the sets due as of ``at``, at most ``batch``; the texts cleared, by table
        (none: nothing due, as on a second pass)."""
        with self._db.read() as s:
            due = rq.due_sets(s, at, batch)
        total: dict[str, int] = {}
        for one in due:
            with self._db.write() as s, s.begin():
                cleared = rq.clear_set(s, one, at) or {}
            for table, n in cleared.items():
                total[table] = total.get(table, 0) + n
        return RetentionPass(cleared=total, sets=len(due), more=len(due) >= batch)
