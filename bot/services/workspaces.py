"""Workspace lifecycle: installed, uninstalled, sending stopped and resumed; the members'
own time zones, as Slack tells us they change."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update

from bot.clock import Clock
from bot.domain import delivery as dv
from bot.domain import schedule as sched
from bot.domain.reminders import deliverable_at, kind_of
from bot.domain.status import SessionStatus
from bot.services.reminder_context import WORKSPACE_STOPPED
from bot.storage import purge
from bot.storage import queries as q
from bot.storage.db import Database
from bot.storage.models import Membership, PlannedSession, Reminder, Workspace

#: A request from a team is checked against ``uninstalled_at`` at most this often (per
#: process): the check costs a read, and every Slack request passes through it.
SEEN_RECHECK = timedelta(minutes=1)
#: Why a reminder was skipped while its workspace was stopped (``ReminderService.context``).
STOPPED_SKIP_REASON = WORKSPACE_STOPPED  # rows skipped so before reminders waited instead
#: Slack's ``tokens_revoked`` event: the reason recorded when it stops sending.
TOKENS_REVOKED = "tokens_revoked"
#: Slack's ``app_uninstalled`` event: the reason recorded when it stops sending.
APP_UNINSTALLED = "app_uninstalled"
ZONE_MAX = 64  # Membership.tz


class WorkspaceService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._seen: dict[str, datetime] = {}  # team -> when a request last found it installed
        self._lock = threading.Lock()

    # -- installed / uninstalled ------------------------------------------------------------
    def uninstalled(self, team_id: str) -> None:
        """The app was removed from the workspace: the scheduler stops serving it."""
        with self._lock:
            self._seen.pop(team_id, None)
        now = self._clock()
        with self._db.write() as s, s.begin():
            q.ensure_workspace(s, team_id)
            s.execute(  # a second event does not restart the grace period
                update(Workspace)
                .where(Workspace.team_id == team_id, Workspace.uninstalled_at.is_(None))
                .values(uninstalled_at=now)
            )
            s.execute(
                update(Workspace)
                .where(Workspace.team_id == team_id, Workspace.sending_stopped_at.is_(None))
                .values(sending_stopped_at=now, sending_stopped_reason=APP_UNINSTALLED)
            )

    def installed(self, team_id: str) -> int:
        """An OAuth install (or a reinstall within the grace period): the workspace is served
        again, its sets planned and reminded; what its stop kept back is owed again. Returns
        how many reminders were owed again."""
        now = self._clock()
        with self._lock:
            self._seen.pop(team_id, None)
        with self._db.write() as s, s.begin():
            q.ensure_workspace(s, team_id)
            s.execute(
                update(Workspace)
                .where(Workspace.team_id == team_id, Workspace.uninstalled_at.is_not(None))
                .values(uninstalled_at=None, installed_at=now)
            )
        return self.resume_sending(team_id, now)

    def installed_count(self) -> int:
        """How many workspaces have the app installed (``/metrics``)."""
        with self._db.read() as s:
            return int(
                s.scalar(
                    select(func.count())
                    .select_from(Workspace)
                    .where(Workspace.uninstalled_at.is_(None))
                )
                or 0
            )

    def uninstalled_teams(self) -> list[str]:
        """Workspaces the app was removed from whose data is still kept (the grace period):
        nothing is sent to them."""
        with self._db.read() as s:
            return sorted(  # uninstalling stops sending too: the stopped ones' index serves
                s.scalars(
                    select(Workspace.team_id).where(
                        Workspace.sending_stopped_at.is_not(None),
                        Workspace.uninstalled_at.is_not(None),
                    )
                )
            )

    def purge_uninstalled(self, at: datetime, grace: timedelta) -> dict[str, dict[str, int]]:
        """Delete the data of every workspace uninstalled more than ``grace`` ago, one
        workspace per transaction. Returns the rows deleted, by workspace and table."""
        with self._db.read() as s:
            teams = list(
                s.scalars(
                    select(Workspace.team_id).where(
                        Workspace.sending_stopped_at.is_not(None),
                        Workspace.uninstalled_at < at - grace,
                    )
                )
            )
        purged: dict[str, dict[str, int]] = {}
        for team in teams:
            with self._db.write() as s, s.begin():
                still = s.scalar(
                    select(Workspace.team_id)
                    .where(Workspace.team_id == team, Workspace.uninstalled_at < at - grace)
                    .with_for_update()
                )
                if still is not None:  # not reinstalled meanwhile, nor purged by another pass
                    purged[team] = purge.delete_team(s, team)
        return purged

    def request_from(self, team_id: str) -> bool:
        """A signed request came from ``team_id``, so the app is installed there: a workspace
        marked uninstalled is marked installed again (its sets are planned and reminded
        again). Looked up at most once per ``SEEN_RECHECK`` per team; True if it was
        marked installed again."""
        now = self._clock()
        with self._lock:
            last = self._seen.get(team_id)
            if last is not None and last <= now < last + SEEN_RECHECK:
                return False
            self._seen[team_id] = now
        with self._db.read() as s:
            gone = s.scalar(select(Workspace.uninstalled_at).where(Workspace.team_id == team_id))
        if gone is None:
            return False
        with self._db.write() as s, s.begin():
            done = s.execute(
                update(Workspace)
                .where(Workspace.team_id == team_id, Workspace.uninstalled_at.is_not(None))
                .values(uninstalled_at=None, installed_at=now)
            )
            if not q.rowcount(done):
                return False
        self.resume_sending(team_id, now)
        return True

    # -- sending stopped / resumed ----------------------------------------------------------
    def stop_sending(self, team_id: str, reason: str) -> bool:
        """Slack says the bot's token no longer works (``tokens_revoked``): stop sending to
        the workspace now. An earlier stop (and its reason) is kept. True if it stopped."""
        with self._db.write() as s, s.begin():
            q.ensure_workspace(s, team_id)
            done = s.execute(
                update(Workspace)
                .where(Workspace.team_id == team_id, Workspace.sending_stopped_at.is_(None))
                .values(sending_stopped_at=self._clock(), sending_stopped_reason=reason[:64])
            )
            return bool(q.rowcount(done))

    def stopped_teams(self) -> list[str]:
        """Installed workspaces whose sending is stopped (the scheduler probes their token)."""
        with self._db.read() as s:
            # Sorted here: an ORDER BY would let SQLite prefer scanning every workspace in key
            # order to reading the partial index of the stopped ones.
            return sorted(
                s.scalars(
                    select(Workspace.team_id).where(
                        Workspace.sending_stopped_at.is_not(None),
                        Workspace.uninstalled_at.is_(None),
                    )
                )
            )

    def resume_sending(self, team_id: str, at: datetime) -> int:
        """The token works again: sending resumes. Reminders that the stop kept from being
        delivered (Slack refused them with a token error, or they were skipped because the
        workspace was stopped) and that are still useful are owed again: back to pending, due
        now (quiet hours are still checked when they are sent). Slack never posted them, so
        this cannot double a message. Returns how many were revived."""
        with self._db.write() as s, s.begin():
            done = s.execute(
                update(Workspace)
                .where(Workspace.team_id == team_id, Workspace.sending_stopped_at.is_not(None))
                .values(sending_stopped_at=None, sending_stopped_reason=None)
            )
            if not q.rowcount(done):
                return 0
            rows = s.scalars(
                select(Reminder)
                .join(PlannedSession, PlannedSession.id == Reminder.session_id)
                .where(
                    Reminder.team_id == team_id,
                    Reminder.useful_until > at,
                    PlannedSession.status == SessionStatus.PLANNED,
                    or_(
                        (Reminder.status == dv.State.FAILED.value)
                        & Reminder.reason.in_(sorted(dv.WORKSPACE_ERRORS)),
                        (Reminder.status == dv.State.SKIPPED.value)
                        & (Reminder.reason == STOPPED_SKIP_REASON),
                    ),
                )
                .with_for_update(of=Reminder)
            ).all()
            for row in rows:
                row.status = dv.State.PENDING.value
                row.send_after = at
                row.updated_at = at
            return len(rows)

    # -- members' time zones ----------------------------------------------------------------
    def member_zone_changed(self, team_id: str, user_id: str, tz: str) -> int:
        """Slack says ``user_id`` now lives in ``tz`` (``user_change``): every membership of
        theirs in the team takes the new zone, and their DM reminders not sent yet move out of
        the new zone's quiet hours. A zone we cannot read is ignored (the last good one keeps
        applying). Returns how many reminders were rescheduled."""
        if not tz or len(tz) > ZONE_MAX or not sched.is_valid_zone(tz):
            return 0
        mine = (Membership.team_id == team_id, Membership.user_id == user_id)
        with self._db.read() as s:  # most profile changes are not a member's new zone
            stale = s.scalar(
                select(Membership.id)
                .where(*mine, or_(Membership.tz.is_(None), Membership.tz != tz))
                .limit(1)
            )
        if stale is None:
            return 0
        now = self._clock()
        with self._db.write() as s, s.begin():
            s.execute(update(Membership).where(*mine).values(tz=tz))
            rows = s.scalars(
                select(Reminder)
                .where(
                    Reminder.team_id == team_id,
                    Reminder.target == user_id,
                    Reminder.status == dv.State.PENDING.value,
                )
                .with_for_update()
            ).all()
            moved = 0
            for row in rows:
                kind = kind_of(row.kind)
                if kind.to_channel:
                    continue
                planned = deliverable_at(kind, row.due_at, tz)
                # A retry waiting out a backoff keeps at least that wait.
                after = planned if row.attempts == 0 else max(planned, row.send_after)
                if after != row.send_after:
                    row.send_after = after
                    row.updated_at = now
                    moved += 1
            return moved
