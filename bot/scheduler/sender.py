"""Send due reminders: claim one, read what it says, call Slack outside any transaction, record
the outcome. Paced (``bot.slack.pacing``) so Slack's limits are respected without being told,
and a 429 for one workspace only pauses that workspace.

A run's ``senders`` threads send for different workspaces at once (a workspace's sends stay one
at a time, in order, as its pacing needs): while one waits on Slack or the database, another
sends. Claims are taken one at a time in the process, each for a workspace no other thread of
it is sending for.
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
from bot.slack.pacing import SENDERS, Pacer
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

    def merge(self, other: SendSummary) -> None:
        """Add another sender thread's counts to these."""
        self.sent += other.sent
        self.skipped += other.skipped
        self.retried += other.retried
        self.failed += other.failed
        self.unknown += other.unknown
        self.rate_limited += other.rate_limited
        for reason, n in other.by_reason.items():
            self.by_reason[reason] = self.by_reason.get(reason, 0) + n
        self.stopped |= other.stopped

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


@dataclass
class _Run:
    """What a run's sender threads share: the workspaces being sent for, those found stopped,
    and the lock that takes claims one at a time."""

    at: datetime
    start: float
    deadline: float
    stopped: set[str]
    lock: threading.Lock = field(default_factory=threading.Lock)
    claiming: threading.Lock = field(default_factory=threading.Lock)
    in_flight: set[str] = field(default_factory=set)
    finished: int = 0  # sends finished by the run's threads (a wait that missed one ends)
    changed: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.changed = threading.Condition(self.lock)


class ReminderSender:
    """One process's sending loop, in ``senders`` threads a run. ``open_vote(team_id,
    set_id)`` opens a session's agenda vote (the auto-vote reminder); the scheduler pass
    (``Ticker.open_vote``) gives it."""

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
        senders: int = SENDERS,
    ) -> None:
        if senders < 1:
            raise ValueError("a run needs at least one sender")
        self._metrics = metrics
        #: Set when the process is asked to stop (SIGTERM): the sends in flight finish and are
        #: recorded, nothing more is claimed, and the leases are given back.
        self.stopping = stopping or threading.Event()
        self._reminders = reminders
        self._clients = clients_of(client)
        self.pacer = pacer or Pacer()
        self.worker = worker or worker_id()
        self.senders = senders
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
        start = self._monotonic()
        run = _Run(at, start, start + budget_seconds, set(exclude_teams))
        self._claimed_any = False
        summaries = [SendSummary()]
        threads: list[threading.Thread] = []
        errors: list[BaseException] = []

        def sender(summary: SendSummary) -> None:
            try:
                self._loop(run, summary)
            except BaseException as exc:  # raised again by the run, after the others end
                errors.append(exc)

        def start_others() -> None:  # once there is something to send
            for i in range(1, self.senders):
                summaries.append(SendSummary())
                thread = threading.Thread(
                    target=sender, args=(summaries[-1],), name=f"reminder-sender-{i}", daemon=True
                )
                thread.start()
                threads.append(thread)

        try:
            try:
                self._loop(run, summaries[0], start_others if self.senders > 1 else None)
            finally:
                for thread in threads:
                    thread.join()
            if errors:
                raise errors[0]
        finally:
            if self._claimed_any:
                # Other processes may send for these workspaces now, unless Slack asked us
                # to wait (then the lease runs until the pause ends).
                self._reminders.release_leases(self.worker, keep=self.pacer.paused_teams())
        for other in summaries[1:]:
            summaries[0].merge(other)
        return summaries[0]

    def _now(self, at: datetime, start: float) -> datetime:
        """``at`` moved on by the wall time this run has taken (for send leases)."""
        return at + timedelta(seconds=self._monotonic() - start)

    def _claim(self, run: _Run) -> tuple[Claimed | None, dict[str, float], int | None]:
        """The next reminder of a workspace that is free (not paced, stopped, or being sent
        for by another thread), with the paced workspaces, and, if another thread was sending,
        how many sends the run had finished then."""
        with run.claiming:
            busy = self.pacer.busy_teams()
            with run.lock:
                excluded = {*busy, *run.stopped, *run.in_flight}
                others = run.finished if run.in_flight else None
            claimed = self._reminders.claim_next(
                run.at, self.worker, exclude_teams=excluded, now=self._now(run.at, run.start)
            )
            if claimed is not None:
                with run.lock:
                    run.in_flight.add(claimed.team_id)
        return claimed, busy, others

    def _loop(
        self, run: _Run, summary: SendSummary, start_others: Callable[[], None] | None = None
    ) -> None:
        at = run.at
        while self._monotonic() < run.deadline and not self.stopping.is_set():
            claimed, busy, others = self._claim(run)
            if claimed is None:
                if not busy and others is None:
                    break
                if not self._reminders.has_due(at):
                    break
                # Only paced workspaces, or those another thread sends for, have work: wait
                # for the first to have a token again (as of now: the claim that found nothing
                # took some of that wait), or for another thread to finish a send.
                paced = min(self.pacer.busy_teams().values(), default=None)
                left = run.deadline - self._monotonic()
                if others is None:
                    if paced is None:
                        continue  # its token came back since the claim: claim again now
                    if paced >= left:
                        break
                    self._sleep(paced)
                    continue
                with run.changed:
                    if run.finished == others:  # no send finished since the claim
                        run.changed.wait(max(0.0, left if paced is None else min(paced, left)))
                continue
            self._claimed_any = True
            if start_others is not None:
                start_others()
                start_others = None
            try:
                self._send(run, claimed, summary)
            finally:
                with run.changed:
                    run.in_flight.discard(claimed.team_id)
                    run.finished += 1
                    run.changed.notify_all()

    def _send(self, run: _Run, claimed: Claimed, summary: SendSummary) -> None:
        at = run.at
        state, outcome = self._deliver(claimed, at, summary)
        if claimed.team_id in summary.stopped:
            with run.lock:
                run.stopped.add(claimed.team_id)
        if outcome == dv.Outcome.RATE_LIMITED:
            pause = self.pacer.paused_teams().get(claimed.team_id, 0.0)
            now = self._now(at, run.start)
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
