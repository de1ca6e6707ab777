"""One scheduler pass. APScheduler only fires it; the database says what is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.services.sets import SetService


@dataclass(frozen=True)
class TickSummary:
    at: datetime
    sets: int
    sessions_planned: int
    reminders_sent: int = 0  # reminders arrive with the scheduling issue

    def line(self) -> str:
        return (
            f"tick at {self.at.isoformat()}: {self.sets} active set(s), "
            f"{self.sessions_planned} session(s) planned, {self.reminders_sent} reminder(s) sent"
        )


def run_tick(sets: SetService, at: datetime) -> TickSummary:
    """Keep every set's planning horizon filled as of ``at``. Reminders come later."""
    count, planned = sets.extend_horizons(at)
    return TickSummary(at=at, sets=count, sessions_planned=planned)
