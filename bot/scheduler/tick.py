"""One scheduler pass. APScheduler only fires it; the database says what is due.

A pass: plan the sets whose planning mark has passed (sessions and their reminders), close the
agenda votes of sessions that have ended, then send the reminders that are due (paced, each
claimed before and recorded after its Slack call). ``als-bot tick --at T`` runs the same pass
as of T; several processes may run passes at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.agenda import vote_or_agenda
from bot.clock import Clock
from bot.scheduler.sender import Pacer, ReminderSender, SendSummary
from bot.services.agenda import AgendaService
from bot.services.reminders import ReminderService
from bot.storage.db import Database

log = logging.getLogger("bot.scheduler")


@dataclass(frozen=True)
class TickSummary:
    at: datetime
    sets: int
    sessions_planned: int
    reminders_planned: int = 0
    votes_closed: int = 0
    sent: SendSummary = field(default_factory=SendSummary)

    @property
    def reminders_sent(self) -> int:
        return self.sent.sent

    def line(self) -> str:
        s = self.sent
        return (
            f"tick at {self.at.isoformat()}: {self.sets} set(s) planned, "
            f"{self.sessions_planned} session(s) and {self.reminders_planned} reminder(s) "
            f"added, {self.votes_closed} vote(s) closed, {s.sent} reminder(s) sent, "
            f"{s.skipped} skipped, {s.retried} to retry, {s.failed} failed, {s.unknown} unknown"
        )


def scheduler_client(token: str, api_url: str, *, timeout: int = 10) -> WebClient:
    """The scheduler's own Slack client: no automatic retries (a retried post could double a
    message; the delivery state machine decides what is retried)."""
    return WebClient(token=token, base_url=api_url, timeout=timeout, retry_handlers=[])


class Ticker:
    """Everything one scheduler pass needs, for one process."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        client: WebClient | None,
        *,
        pacer: Pacer | None = None,
        open_vote: Callable[[str, int], bool] | None = None,
        worker: str | None = None,
    ) -> None:
        self.reminders = ReminderService(db, clock)
        self.agenda = AgendaService(db, clock)
        self.client = client
        self.sender = (
            ReminderSender(self.reminders, client, pacer=pacer, open_vote=open_vote, worker=worker)
            if client is not None
            else None
        )

    def tick(self, at: datetime, *, budget_seconds: float = 50.0) -> TickSummary:
        plan = self.reminders.plan(at)
        closed = self.agenda.close_finished(at)
        for state in closed:
            if self.client is not None and state.message_ts:
                try:
                    self.client.chat_update(
                        channel=state.channel_id,
                        ts=state.message_ts,
                        **vote_or_agenda(state).kwargs(),
                    )
                except SlackApiError as exc:
                    log.warning(
                        "could not update a closed vote's message: %s", exc.response.get("error")
                    )
        sent = (
            self.sender.run(at, budget_seconds=budget_seconds)
            if self.sender is not None
            else SendSummary()
        )
        return TickSummary(
            at=at,
            sets=plan.sets,
            sessions_planned=plan.sessions,
            reminders_planned=plan.reminders,
            votes_closed=len(closed),
            sent=sent,
        )
