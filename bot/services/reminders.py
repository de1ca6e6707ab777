"""The scheduler's use cases: plan the reminder rows of the sets that are due, claim the due
reminders, say what each one's message needs, record what happened.

The database is the source of truth (see ``../shared/ARCHITECTURE.md``, "Reminders that are
neither lost nor doubled"):

1. **Plan**: ``bot.services.planning`` derives the rows from sessions; the tick plans the sets
   whose ``replan_at`` mark has passed (an indexed query).
2. **Claim**: one due row at a time, in a short transaction (PostgreSQL: ``FOR UPDATE SKIP
   LOCKED``; SQLite: ``BEGIN IMMEDIATE``), under a lease kept in ``send_after``.
3. **Send** outside any transaction (``bot.scheduler.sender``), then **record** the outcome
   through the pure state machine in ``bot.domain.delivery``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain import delivery as dv
from bot.domain.status import SetStatus
from bot.services.delivery_rows import apply_delivery, delivery_of
from bot.services.planning import plan_set_reminders, settle_changed
from bot.services.reminder_context import (
    Claimed,
    Decision,
    context_of,
)
from bot.services.views import Context
from bot.storage import queries as q
from bot.storage.db import Database
from bot.storage.models import (
    LIVE_REMINDER,
    LearningSet,
    Reminder,
    SendLease,
    Workspace,
)

LEASE = timedelta(minutes=2)
#: How long a process keeps a workspace's sending to itself after its last claim (see
#: ``SendLease``): longer than any gap between two of its sends, short enough that another
#: process takes over soon after the holder died.
TEAM_LEASE = timedelta(seconds=30)
# The claim queries spell the live condition exactly as the partial index does (literal
# values): SQLite cannot match bound parameters to a partial index's WHERE.


@dataclass
class PlanSummary:
    sets: int = 0
    sessions: int = 0
    reminders: int = 0
    set_ids: list[int] = field(default_factory=list)


class ReminderService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    # -- plan -----------------------------------------------------------------------------
    def plan(self, at: datetime, *, limit: int = 200) -> PlanSummary:
        """Plan the sets whose mark has passed (new, changed, or a session just ended), a
        batch at a time. A tick with nothing to plan costs one indexed query."""
        summary = PlanSummary()
        while True:
            with self._db.write() as s, s.begin():
                sets = s.scalars(
                    select(LearningSet)
                    .join(Workspace, Workspace.team_id == LearningSet.team_id)
                    .where(
                        LearningSet.replan_at <= at,
                        LearningSet.status == SetStatus.ACTIVE,
                        Workspace.uninstalled_at.is_(None),
                    )
                    .order_by(LearningSet.replan_at)
                    .limit(limit)
                    .with_for_update(skip_locked=True, of=LearningSet)
                ).all()
                for lset in sets:
                    before = q.series_count(s, lset.team_id, lset.id)
                    summary.reminders += plan_set_reminders(s, lset, at)
                    summary.sessions += q.series_count(s, lset.team_id, lset.id) - before
                    summary.set_ids.append(lset.id)
                summary.sets += len(sets)
            if len(sets) < limit:
                return summary

    # -- claim ----------------------------------------------------------------------------
    def claim_next(
        self,
        at: datetime,
        worker: str,
        *,
        exclude_teams: Iterable[str] = (),
        now: datetime | None = None,
    ) -> Claimed | None:
        """Take the next due reminder for sending, or None. Rows that turn out useless (too
        late) or whose sender died with the outcome unknown are settled on the way.

        Only reminders of workspaces no other process is sending for: claiming one takes (or
        extends) the workspace's ``SendLease`` until ``now`` (default ``at``) + TEAM_LEASE, so
        one process at a time paces a workspace's sends."""
        excluded = set(exclude_teams)
        lease_now = now or at
        while True:
            with self._db.write() as s, s.begin():
                taken_elsewhere = (
                    select(SendLease.team_id)
                    .where(
                        SendLease.team_id == Reminder.team_id,
                        SendLease.holder != worker,
                        SendLease.until > lease_now,
                    )
                    .exists()
                )
                stmt = (
                    select(Reminder)
                    .where(text(LIVE_REMINDER), Reminder.send_after <= at, ~taken_elsewhere)
                    .order_by(Reminder.send_after, Reminder.id)
                    .limit(1)
                    .with_for_update(skip_locked=True, of=Reminder)
                )
                if excluded:
                    stmt = stmt.where(Reminder.team_id.not_in(sorted(excluded)))
                row = s.scalar(stmt)
                if row is None:
                    return None
                if not self._take_lease(s, row.team_id, worker, lease_now):
                    # Another process took this workspace since the query: leave the row
                    # (nothing was changed in this transaction).
                    excluded.add(row.team_id)
                    continue
                d = dv.claim(delivery_of(row), at, LEASE)
                apply_delivery(row, d, at)
                if d.status == dv.State.CLAIMED:
                    row.lease_until = d.send_after
                    row.claimed_by = worker
                    return Claimed(
                        id=row.id,
                        team_id=row.team_id,
                        set_id=row.set_id,
                        session_id=row.session_id,
                        target=row.target,
                        kind=row.kind,
                        attempts=row.attempts,
                    )

    @staticmethod
    def _take_lease(
        s: Session,
        team_id: str,
        worker: str,
        now: datetime,
        until: datetime | None = None,
    ) -> bool:
        """Take or extend ``team_id``'s send lease; False if another process holds it."""
        insert = q.upsert_insert(s)
        stmt = insert(SendLease).values(
            team_id=team_id, holder=worker, until=until or now + TEAM_LEASE
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[SendLease.team_id],
            set_={"holder": stmt.excluded.holder, "until": stmt.excluded.until},
            where=or_(SendLease.holder == worker, SendLease.until <= now),
        )
        return s.execute(stmt.returning(SendLease.team_id)).first() is not None

    def hold_lease(self, team_id: str, worker: str, now: datetime, until: datetime) -> bool:
        """Keep ``team_id``'s sending to this process until ``until`` (a 429's pause: no other
        process may start sending for the workspace while Slack asked us to wait)."""
        with self._db.write() as s, s.begin():
            return self._take_lease(s, team_id, worker, now, until)

    def release_leases(self, worker: str, *, keep: Iterable[str] = ()) -> None:
        """The process stops sending: other processes may send for its workspaces at once,
        except those in ``keep`` (paused after a 429: their ``hold_lease`` runs on)."""
        kept = sorted(set(keep))
        with self._db.write() as s, s.begin():
            stmt = delete(SendLease).where(SendLease.holder == worker)
            if kept:
                stmt = stmt.where(SendLease.team_id.not_in(kept))
            s.execute(stmt)

    def due_count(self, at: datetime) -> int:
        """How many reminders are due and not yet sent (the backlog ``/metrics`` shows)."""
        with self._db.read() as s:
            return int(
                s.scalar(
                    select(func.count())
                    .select_from(Reminder)
                    .where(text(LIVE_REMINDER), Reminder.send_after <= at)
                )
                or 0
            )

    def has_due(self, at: datetime) -> bool:
        with self._db.read() as s:
            return (
                s.scalar(
                    select(Reminder.id)
                    .where(text(LIVE_REMINDER), Reminder.send_after <= at)
                    .limit(1)
                )
                is not None
            )

    # -- what to send ---------------------------------------------------------------------
    def context(self, c: Claimed, at: datetime) -> Context | Decision:
        """What the message says, or why it should not be sent (now)."""
        with self._db.read() as s:
            return context_of(s, c, at)

    # -- record ---------------------------------------------------------------------------
    def record(
        self,
        c: Claimed,
        outcome: dv.Outcome,
        at: datetime,
        *,
        retry_after: timedelta | None = None,
        until: datetime | None = None,
        reason: str | None = None,
        channel_id: str | None = None,
        ts: str | None = None,
        worker: str | None = None,
    ) -> dv.State:
        """Record what happened to a claimed reminder. Outcomes decided before any call to
        Slack (skip, defer) give the claim's attempt back."""
        with self._db.write() as s, s.begin():
            row = s.get(Reminder, c.id, with_for_update=True)
            if row is None:
                return dv.State.SKIPPED
            if row.status != dv.State.CLAIMED or (worker is not None and row.claimed_by != worker):
                return dv.State(row.status)  # our lease ran out and another process took it
            d = dv.record(
                delivery_of(row), outcome, at, retry_after=retry_after, until=until, reason=reason
            )
            apply_delivery(row, d, at)
            if d.status == dv.State.SENT:
                row.sent_at = at
                row.channel_id = channel_id
                row.message_ts = ts
            settle_changed(s, row, at)
            return d.status

    def mark_unreachable(self, team_id: str, set_id: int, target: str, error: str) -> bool:
        """A target Slack refuses for good. True the first time (tell the facilitator)."""
        with self._db.write() as s, s.begin():
            return q.mark_unreachable(s, team_id, set_id, target, error)

    def stop_workspace(self, team_id: str, error: str, at: datetime) -> None:
        with self._db.write() as s, s.begin():
            s.execute(
                update(Workspace)
                .where(Workspace.team_id == team_id, Workspace.sending_stopped_at.is_(None))
                .values(sending_stopped_at=at, sending_stopped_reason=error)
            )

    # -- inspection (tests, benchmarks, `als-bot tick`) -------------------------------------
    def counts(self) -> dict[str, int]:
        with self._db.read() as s:
            return dict(
                s.execute(select(Reminder.status, func.count()).group_by(Reminder.status)).all()
            )


__all__ = ["LIVE_REMINDER", "Claimed", "Decision", "ReminderService"]
