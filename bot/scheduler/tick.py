"""One scheduler pass. APScheduler only fires it; the database says what is due."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.agenda import vote_or_agenda
from bot.services.agenda import AgendaService
from bot.services.sets import SetService

log = logging.getLogger("bot.scheduler")


@dataclass(frozen=True)
class TickSummary:
    at: datetime
    sets: int
    sessions_planned: int
    votes_closed: int = 0
    reminders_sent: int = 0  # reminders arrive with the scheduling issue

    def line(self) -> str:
        return (
            f"tick at {self.at.isoformat()}: {self.sets} active set(s), "
            f"{self.sessions_planned} session(s) planned, {self.votes_closed} vote(s) closed, "
            f"{self.reminders_sent} reminder(s) sent"
        )


def run_tick(
    sets: SetService, agenda: AgendaService, client: WebClient | None, at: datetime
) -> TickSummary:
    """Keep every set's planning horizon filled as of ``at``; close the agenda votes of sessions
    that have ended and update their messages in place."""
    count, planned = sets.extend_horizons(at)
    closed = agenda.close_finished(at)
    for state in closed:
        if client is not None and state.message_ts:
            try:
                client.chat_update(
                    channel=state.channel_id, ts=state.message_ts, **vote_or_agenda(state).kwargs()
                )
            except SlackApiError as exc:
                log.warning(
                    "could not update a closed vote's message: %s", exc.response.get("error")
                )
    return TickSummary(at=at, sets=count, sessions_planned=planned, votes_closed=len(closed))
