"""One scheduler pass. APScheduler only fires it; the database says what is due.

A pass: plan the sets whose planning mark has passed (sessions and their reminders), close the
agenda votes of sessions that have ended, then send the reminders that are due (paced, each
claimed before and recorded after its Slack call). ``als-bot tick --at T`` runs the same pass
as of T; several processes may run passes at once.

A workspace whose sending is stopped (Slack refused the token) is not claimed from: its
reminders wait. At most every ``PROBE_EVERY`` per workspace, as of the pass's ``at``, the pass
asks Slack ``auth.test`` whether the token works again; if it does, for that workspace, sending
resumes in the same pass.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.domain.text import count
from bot.metrics import Metrics
from bot.scheduler.sender import ReminderSender, SendSummary
from bot.services.agenda import AgendaService
from bot.services.live import LiveService
from bot.services.outbox import OutboxService
from bot.services.reminders import ReminderService
from bot.services.retention import RetentionService
from bot.services.workspaces import WorkspaceService
from bot.slack.errors import NETWORK_ERRORS, error_code
from bot.slack.notes import NoteSender, NoteSummary
from bot.slack.outbound import Outbound
from bot.slack.pacing import SENDERS, Pacer
from bot.slack.tokens import Clients, NoToken, clients_of
from bot.storage.db import Database

log = logging.getLogger("bot.scheduler")

#: A stopped workspace's token is tried again (``auth.test``) at most this often.
PROBE_EVERY = timedelta(minutes=15)
#: How long an uninstalled workspace's data is kept, so that a reinstall resumes (a setting:
#: ``ALS_UNINSTALL_GRACE_DAYS``).
UNINSTALL_GRACE = timedelta(days=30)
#: The retention pass (sets whose free text is due to be cleared) runs at most this often.
RETENTION_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class TickSummary:
    at: datetime
    sets: int
    sessions_planned: int
    reminders_planned: int = 0
    votes_closed: int = 0
    sent: SendSummary = field(default_factory=SendSummary)
    resumed: int = 0  # workspaces whose sending resumed in this pass
    notes: NoteSummary = field(default_factory=NoteSummary)
    stages: int = 0  # live sessions moved on by the clock
    #: Workspaces whose data was deleted (uninstalled longer than the grace period): rows by
    #: table.
    purged: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Member texts cleared by the retention pass, by table.
    texts_cleared: dict[str, int] = field(default_factory=dict)

    @property
    def reminders_sent(self) -> int:
        return self.sent.sent

    def line(self) -> str:
        s = self.sent
        return (
            f"tick at {self.at.isoformat()}: {count(self.sets, 'set')} planned, "
            f"{count(self.sessions_planned, 'session')} and "
            f"{count(self.reminders_planned, 'reminder')} added, "
            f"{count(self.votes_closed, 'vote')} closed, {count(s.sent, 'reminder')} sent, "
            f"{s.skipped} skipped, {s.retried} to retry, {s.failed} failed, {s.unknown} unknown"
            + f", {count(self.notes.sent, 'note')} delivered, {self.notes.waiting} to retry"
            + (f", {count(self.stages, 'live session')} moved on" if self.stages else "")
            + (f", sending resumed for {count(self.resumed, 'workspace')}" if self.resumed else "")
            + (
                f", {count(len(self.purged), 'uninstalled workspace')} deleted"
                if self.purged
                else ""
            )
            + (
                f", {count(sum(self.texts_cleared.values()), 'text')} cleared (retention)"
                if self.texts_cleared
                else ""
            )
        )


class Ticker:
    """Everything one scheduler pass needs, for one process. ``client`` is the scheduler's own
    (``scheduler_client``: it never retries a post by itself); ``outbound`` shows what a pass
    changes (an auto-opened vote, closed votes) through that client (default: one without
    Home tabs). ``senders``: threads a pass sends reminders with, each for other workspaces
    (``ReminderSender``)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        client: WebClient | Clients | None,
        *,
        pacer: Pacer | None = None,
        worker: str | None = None,
        outbound: Outbound | None = None,
        grace: timedelta = UNINSTALL_GRACE,
        metrics: Metrics | None = None,
        senders: int = SENDERS,
    ) -> None:
        self.grace = grace
        self.senders = senders
        self.metrics = metrics
        #: Set by ``stop`` (SIGTERM): passes finish their send in flight and claim no more.
        self.stopping = threading.Event()
        self.reminders = ReminderService(db, clock)
        self.agenda = AgendaService(db, clock)
        self.live_sessions = LiveService(db, clock)
        self.workspaces = WorkspaceService(db, clock)
        self.retention = RetentionService(db, clock)
        self.retention_at: datetime | None = None  # the last retention pass
        self.clients = clients_of(client) if client is not None else None
        if outbound is None and client is not None:
            outbound = Outbound(client, publisher=None)
        self.outbound = outbound
        # Stopped workspace -> the last time its token was tried (a refused send counts).
        self.probed: dict[str, datetime] = {}
        self.stopped: set[str] = set()  # nothing is claimed for these: their reminders wait
        self.sender = (
            ReminderSender(
                self.reminders,
                client,
                pacer=pacer,
                open_vote=self.open_vote,
                worker=worker,
                stopping=self.stopping,
                metrics=metrics,
                senders=senders,
            )
            if client is not None
            else None
        )
        # The outbox's notes still due (retries; a process that died after its ack).
        self.notes = (
            NoteSender(
                OutboxService(db, clock),
                client,
                clock,
                self.sender.worker,
                pacer=self.sender.pacer,
                stopping=self.stopping,
            )
            if client is not None and self.sender is not None
            else None
        )
        if self.outbound is not None and self.notes is not None:
            # What the pass changes (a vote it opens or closes) is delivered as it goes.
            self.outbound.use_notes(self.notes)

    def stop(self) -> None:
        """The process was asked to stop: the pass running finishes the send in flight,
        records it and gives its leases back; no pass claims anything after."""
        self.stopping.set()

    def open_vote(self, team_id: str, set_id: int) -> bool:
        """The auto-vote reminder: open the set's vote for its next session, as its facilitator
        would, and show it. False when there was nothing to open."""
        opened = self.agenda.open_for_set(team_id, set_id)
        if opened is None:
            return False
        if self.outbound is not None:
            self.outbound.vote_opened(opened)
        return True

    def resume_stopped(self, at: datetime) -> int:
        """Try the token of each stopped workspace not tried in the last ``PROBE_EVERY``;
        where ``auth.test`` answers for that very workspace, sending resumes. Returns how many
        workspaces resumed."""
        stopped = self.workspaces.stopped_teams()
        self.stopped = {*stopped, *self.workspaces.uninstalled_teams()}
        for team in [t for t in self.probed if t not in self.stopped]:
            del self.probed[team]  # resumed meanwhile (another process)
        if self.clients is None:
            return 0
        resumed = 0
        works_for: dict[str, str] = {}  # token -> the team auth.test answered for ("": refused)
        for team in stopped:
            last = self.probed.get(team)
            if last is not None and last <= at < last + PROBE_EVERY:
                continue
            self.probed[team] = at
            if self._token_team(team, works_for) != team:
                continue
            owed = self.workspaces.resume_sending(team, at)
            self.stopped.discard(team)
            del self.probed[team]
            resumed += 1
            log.warning("sending resumed for workspace %s: %d reminder(s) owed again", team, owed)
        return resumed

    def _token_team(self, team: str, works_for: dict[str, str]) -> str:
        """The team ``team``'s token works for, or "" if there is none or Slack refuses it
        (one ``auth.test`` per token and pass: one token serves every team in single-workspace
        mode)."""
        assert self.clients is not None
        try:
            client = self.clients(team)
        except NoToken as exc:
            log.info("no token to try: %s", exc)
            return ""
        token = client.token or ""
        if token in works_for:
            return works_for[token]
        works_for[token] = ""
        try:
            answer = client.auth_test()
        except SlackApiError as exc:
            log.info("token still refused: %s", error_code(exc))
            return ""
        except NETWORK_ERRORS as exc:
            log.info("token not tried: %s", type(exc).__name__)
            return ""
        works_for[token] = str(answer.get("team_id") or "")
        return works_for[token]

    def live(self, at: datetime, *, run_notes: bool = True) -> int:
        """The live pass (every few seconds): live sessions whose stage's time is up move on,
        and the notes that draw them are sent with every note still due, oldest first (a
        change a 429 put off goes before the changes made since: none is overtaken). Without
        ``run_notes`` (the minute's tick, which runs the notes itself at its end), they wait.
        The members' Home tabs are republished where the stage changed. Returns how many
        sessions moved."""
        if self.stopping.is_set():
            return 0
        moved = self.live_sessions.advance_due(at)
        if self.notes is not None and run_notes:
            self.notes.run(at, exclude_teams=self.stopped)
        for change in moved:  # the members' Home tabs show the stage (none: no publisher)
            if self.outbound is not None:
                self.outbound.homes(change.team_id, change.homes)
        return len(moved)

    def tick(self, at: datetime, *, budget_seconds: float = 50.0) -> TickSummary:
        if self.stopping.is_set():
            return TickSummary(at=at, sets=0, sessions_planned=0)
        resumed = self.resume_stopped(at)
        stages = self.live(at, run_notes=False)
        plan = self.reminders.plan(at)
        closed = self.agenda.close_finished(at)
        for state in closed:
            if self.outbound is None:
                break
            try:
                self.outbound.refresh_votes([state])
            except SlackApiError as exc:
                log.warning("could not update a closed vote's message: %s", error_code(exc))
        sent = (
            self.sender.run(at, budget_seconds=budget_seconds, exclude_teams=self.stopped)
            if self.sender is not None
            else SendSummary()
        )
        for team in sent.stopped:  # a refused send counts as a try of the token
            self.stopped.add(team)
            self.probed[team] = at
        notes = (
            self.notes.run(at, exclude_teams=self.stopped)
            if self.notes is not None
            else NoteSummary()
        )
        purged = self.workspaces.purge_uninstalled(at, self.grace)
        for team, rows in purged.items():
            if self.metrics is not None:
                for table, n in rows.items():
                    self.metrics.count_deleted(table, n)
            tables = ", ".join(f"{table} {n}" for table, n in sorted(rows.items()))
            log.warning(
                "deleted the data of workspace %s, uninstalled more than %d days ago: %d rows (%s)",
                team,
                self.grace.days,
                sum(rows.values()),
                tables,
            )
        cleared = self.clear_expired_texts(at)
        return TickSummary(
            at=at,
            sets=plan.sets,
            sessions_planned=plan.sessions,
            reminders_planned=plan.reminders,
            votes_closed=len(closed),
            sent=sent,
            resumed=resumed,
            notes=notes,
            stages=stages,
            purged=purged,
            texts_cleared=cleared,
        )

    def clear_expired_texts(self, at: datetime) -> dict[str, int]:
        """The retention pass, at most every ``RETENTION_EVERY`` (every pass while a backlog
        lasts): texts cleared, by table."""
        if self.retention_at is not None and at - self.retention_at < RETENTION_EVERY:
            return {}
        done = self.retention.run(at)
        if not done.more:
            self.retention_at = at
        if self.metrics is not None:
            for table, n in done.cleared.items():
                self.metrics.count_cleared(table, n)
        return done.cleared
