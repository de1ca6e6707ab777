"""Send due reminders: claim one, read what it says, call Slack outside any transaction, record
the outcome. Paced (``bot.slack.pacing``) so Slack's limits are respected without being told,
and a 429 for one workspace only pauses that workspace.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.reminders import reminder_message, unreachable_notice
from bot.domain import delivery as dv
from bot.domain.reminders import Kind
from bot.metrics import Metrics
from bot.services.reminder_context import WORKSPACE_STOPPED, Claimed, Decision
from bot.services.reminders import ReminderService
from bot.services.views import Context
from bot.slack.errors import NETWORK_ERRORS, api_outcome, network_outcome
from bot.slack.pacing import Pacer
from bot.slack.tokens import NO_TOKEN, Clients, NoToken, clients_of

log = logging.getLogger("bot.scheduler")


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class SendSummary:
    sent: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    unknown: int = 0
    rate_limited: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    # Workspaces found stopped (Slack refused the token) during the run.
    stopped: set[str] = field(default_factory=set)

    def add(self, state: dv.State, outcome: dv.Outcome) -> None:
        if outcome == dv.Outcome.RATE_LIMITED:
            self.rate_limited += 1
        match state:
            case dv.State.SENT:
                self.sent += 1
            case dv.State.SKIPPED:
                self.skipped += 1
            case dv.State.FAILED:
                self.failed += 1
            case dv.State.UNKNOWN:
                self.unknown += 1
            case _:
                self.retried += 1


#: A reminder's state after an attempt, as ``als_reminders_total``'s outcome (still pending:
#: "retried"; put off by quiet hours or the channel's pace: not counted).
_METRIC = {
    dv.State.SENT: "sent",
    dv.State.SKIPPED: "skipped",
    dv.State.FAILED: "failed",
    dv.State.UNKNOWN: "failed",
}


class ReminderSender:
    """One process's sending loop. ``open_vote(team_id, set_id)`` opens a session's agenda vote
    (the auto-vote reminder); the scheduler pass (``Ticker.open_vote``) gives it."""

    def __init__(
        self,
        reminders: ReminderService,
        client: WebClient | Clients,
        *,
        pacer: Pacer | None = None,
        worker: str | None = None,
        open_vote: Callable[[str, int], bool] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        stopping: threading.Event | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self._metrics = metrics
        #: Set when the process is asked to stop (SIGTERM): the send in flight finishes and is
        #: recorded, nothing more is claimed, and the leases are given back.
        self.stopping = stopping or threading.Event()
        self._reminders = reminders
        self._clients = clients_of(client)
        self.pacer = pacer or Pacer()
        self.worker = worker or worker_id()
        self._open_vote = open_vote
        self._sleep = sleep
        self._monotonic = monotonic
        self._claimed_any = False  # this run took a send lease (to give back at its end)

    def run(
        self,
        at: datetime,
        *,
        budget_seconds: float = 50.0,
        exclude_teams: Iterable[str] = (),
    ) -> SendSummary:
        """Send what is due as of ``at`` until nothing is, or ``budget_seconds`` of wall time
        have gone (the next tick goes on from there). Nothing is claimed for the workspaces in
        ``exclude_teams`` (stopped: their reminders wait)."""
        summary = SendSummary()
        start = self._monotonic()
        deadline = start + budget_seconds
        self._claimed_any = False
        try:
            self._loop(at, start, deadline, summary, set(exclude_teams))
        finally:
            if self._claimed_any:
                # Other processes may send for these workspaces now, unless Slack asked us
                # to wait (then the lease runs until the pause ends).
                self._reminders.release_leases(self.worker, keep=self.pacer.paused_teams())
        return summary

    def _now(self, at: datetime, start: float) -> datetime:
        """``at`` moved on by the wall time this run has taken (for send leases)."""
        return at + timedelta(seconds=self._monotonic() - start)

    def _loop(
        self,
        at: datetime,
        start: float,
        deadline: float,
        summary: SendSummary,
        stopped: set[str],
    ) -> None:
        while self._monotonic() < deadline and not self.stopping.is_set():
            busy = self.pacer.busy_teams()
            claimed = self._reminders.claim_next(
                at, self.worker, exclude_teams={*busy, *stopped}, now=self._now(at, start)
            )
            if claimed is None:
                if not busy:
                    break
                if not self._reminders.has_due(at):
                    break
                # Only paced workspaces have work: wait for the first to have a token again
                # (as of now: the claim that found nothing took some of that wait).
                wait = min(self.pacer.busy_teams().values(), default=0.0)
                if self._monotonic() + wait >= deadline:
                    break
                self._sleep(wait)
                continue
            self._claimed_any = True
            state, outcome = self._deliver(claimed, at, summary)
            if claimed.team_id in summary.stopped:
                stopped.add(claimed.team_id)
            if outcome == dv.Outcome.RATE_LIMITED:
                pause = self.pacer.paused_teams().get(claimed.team_id, 0.0)
                now = self._now(at, start)
                self._reminders.hold_lease(
                    claimed.team_id, self.worker, now, now + timedelta(seconds=pause)
                )
            summary.add(state, outcome)
            if self._metrics is not None and outcome != dv.Outcome.DEFER:
                self._metrics.count_reminder(claimed.kind, _METRIC.get(state, "retried"))

    def _deliver(
        self, c: Claimed, at: datetime, summary: SendSummary
    ) -> tuple[dv.State, dv.Outcome]:
        ctx = self._reminders.context(c, at)
        if isinstance(ctx, Decision):
            summary.by_reason[ctx.reason] = summary.by_reason.get(ctx.reason, 0) + 1
            if ctx.reason == WORKSPACE_STOPPED:
                summary.stopped.add(c.team_id)
            outcome = dv.Outcome.DEFER if ctx.until is not None else dv.Outcome.SKIP
            state = self._reminders.record(
                c, outcome, at, until=ctx.until, reason=ctx.reason, worker=self.worker
            )
            return state, outcome
        channel = ctx.channel_id if ctx.kind.to_channel else c.target
        wait = self.pacer.wait_for_channel(channel)
        if wait > 0:
            state = self._reminders.record(
                c,
                dv.Outcome.DEFER,
                at,
                until=at + timedelta(seconds=wait),
                reason="channel pace",
                worker=self.worker,
            )
            return state, dv.Outcome.DEFER
        self.pacer.spend(c.team_id, channel)
        outcome, extra = self._call(c, ctx, channel)
        if outcome == dv.Outcome.RATE_LIMITED:
            self.pacer.pause(c.team_id, extra["retry_after"].total_seconds())
        state = self._reminders.record(c, outcome, at, worker=self.worker, **extra)
        if outcome == dv.Outcome.TARGET_GONE:
            self._tell_facilitator(c, ctx, channel, extra.get("reason") or "error")
        elif outcome == dv.Outcome.WORKSPACE_GONE:
            self._reminders.stop_workspace(c.team_id, extra.get("reason") or "error", at)
            summary.stopped.add(c.team_id)
            log.error("stopped sending for a workspace: %s", extra.get("reason"))
        return state, outcome

    def _call(self, c: Claimed, ctx: Context, channel: str) -> tuple[dv.Outcome, dict[str, Any]]:
        try:
            if ctx.kind == Kind.AUTO_VOTE:
                if self._open_vote is None or not self._open_vote(c.team_id, c.set_id):
                    return dv.Outcome.SKIP, {"reason": "vote not opened"}
                return dv.Outcome.SENT, {"channel_id": ctx.channel_id}
            message = reminder_message(ctx)
            client = self._clients(c.team_id)
            response = client.chat_postMessage(channel=channel, **message.kwargs())
            return dv.Outcome.SENT, {
                "channel_id": response.get("channel"),
                "ts": response.get("ts"),
            }
        except SlackApiError as exc:
            return api_outcome(exc)
        except NETWORK_ERRORS as exc:
            return network_outcome(exc), {"reason": type(exc).__name__[:64]}
        except NoToken:  # not installed, or its token's refresh failed: the workspace waits
            return dv.Outcome.WORKSPACE_GONE, {"reason": NO_TOKEN}

    def _tell_facilitator(self, c: Claimed, ctx: Context, channel: str, error: str) -> None:
        is_channel = ctx.kind.to_channel
        if not self._reminders.mark_unreachable(c.team_id, c.set_id, c.target, error):
            return
        if not ctx.facilitator_id or ctx.facilitator_id == c.target:
            return
        try:
            self._clients(c.team_id).chat_postMessage(
                channel=ctx.facilitator_id,
                **unreachable_notice(ctx.set_name, c.target, is_channel, error).kwargs(),
            )
        except (SlackApiError, NoToken, *NETWORK_ERRORS) as exc:
            log.warning("could not tell the facilitator: %s", type(exc).__name__)
