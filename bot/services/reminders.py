"""The scheduler's use cases: plan reminder rows, claim the due ones, record what happened.

The database is the source of truth (see ``../shared/ARCHITECTURE.md``, "Reminders that are
neither lost nor doubled"):

1. **Plan**: reminders are rows derived from sessions, unique on (session, target, kind), where
   the target is a user id or the channel id, never NULL; inserted with ``ON CONFLICT DO
   NOTHING``. Only sets whose ``replan_at`` mark has passed are planned (an indexed query).
2. **Claim**: one due row at a time, in a short transaction (PostgreSQL: ``FOR UPDATE SKIP
   LOCKED``; SQLite: ``BEGIN IMMEDIATE``), under a lease kept in ``send_after``.
3. **Send** outside any transaction (``bot.scheduler.sender``), then **record** the outcome
   through the pure state machine in ``bot.domain.delivery``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain import delivery as dv
from bot.domain import schedule as sched
from bot.domain.actions import ActionStatus
from bot.domain.reminders import (
    Kind,
    ReminderSettings,
    SessionFacts,
    deliverable_at,
    kind_of,
    plan_for_session,
    quiet_hours_end,
)
from bot.domain.topics import TopicStatus
from bot.services.sets import plan_sessions
from bot.storage import queries as q
from bot.storage.db import Database
from bot.storage.models import (
    LIVE_REMINDER,
    Action,
    ActionReport,
    Commitment,
    LearningSet,
    Membership,
    PlannedSession,
    Reminder,
    SendLease,
    Topic,
    Workspace,
)

LEASE = timedelta(minutes=2)
#: How long a process keeps a workspace's sending to itself after its last claim (see
#: ``SendLease``): longer than any gap between two of its sends, short enough that another
#: process takes over soon after the holder died.
TEAM_LEASE = timedelta(seconds=30)
#: A stopped workspace's reminders wait (pending) this long before they are looked at again;
#: the tick tries the workspace's token (``auth.test``) as often.
STOPPED_WAIT = timedelta(minutes=15)
WORKSPACE_STOPPED = "workspace stopped"
#: Reminder kinds that tell a member about a session: if one went out for the old time, the
#: member gets a "moved" or "cancelled" notice.
ANNOUNCING = (Kind.PREP_PROMPT, Kind.PREP_NUDGE, Kind.REPORT_REMINDER)
# The claim queries spell the live condition exactly as the partial index does (literal
# values): SQLite cannot match bound parameters to a partial index's WHERE.


@dataclass(frozen=True)
class Claimed:
    """A reminder this process may now send."""

    id: int
    team_id: str
    set_id: int
    session_id: int
    target: str
    kind: str
    attempts: int


@dataclass(frozen=True)
class OpenAction:
    id: int
    text: str
    shared: bool


@dataclass(frozen=True)
class Context:
    """Everything one reminder's message needs, read just before sending (never stored)."""

    kind: Kind
    set_id: int
    set_name: str
    channel_id: str
    target: str
    session_id: int
    starts_at: datetime
    ends_at: datetime
    facilitator_id: str | None
    topics_in: int = 0
    reports_in: int = 0
    reporters: int = 0
    actions: tuple[OpenAction, ...] = ()


@dataclass(frozen=True)
class Decision:
    """Do not send now: skip for good (``until`` None) or wait until ``until``."""

    reason: str
    until: datetime | None = None


@dataclass
class PlanSummary:
    sets: int = 0
    sessions: int = 0
    reminders: int = 0
    set_ids: list[int] = field(default_factory=list)


def _facts(row: PlannedSession, lset: LearningSet) -> SessionFacts:
    return SessionFacts(
        starts_at=row.starts_at,
        local_date=row.local_date,
        local_time=row.local_time,
        timezone=row.timezone,
        duration_minutes=row.duration_minutes,
        cadence_weeks=lset.cadence_weeks,
    )


def _insert_ignoring_duplicates(session: Session, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    insert = q.upsert_insert(session)
    stmt = insert(Reminder).on_conflict_do_nothing(index_elements=["session_id", "target", "kind"])
    # One multi-row INSERT per batch; RETURNING tells how many were new.
    return len(session.connection().execute(stmt.returning(Reminder.id), rows).all())


def plan_set_reminders(session: Session, lset: LearningSet, at: datetime) -> int:
    """Plan the set's sessions (its horizon) and every reminder of its upcoming sessions that
    is not planned yet. Sets the set's next ``replan_at`` mark. Returns reminders added."""
    plan_sessions(session, lset, at)
    upcoming = q.upcoming_sessions(session, lset.team_id, lset.id, at)
    added = _insert_ignoring_duplicates(session, _planned_rows(session, lset, upcoming, at))
    # Plan again once the earliest upcoming session is over (the horizon then needs one more).
    lset.replan_at = (
        sched.session_end(upcoming[0].starts_at, upcoming[0].duration_minutes) if upcoming else None
    )
    return added


def _planned_rows(
    session: Session, lset: LearningSet, upcoming: Iterable[PlannedSession], at: datetime
) -> list[dict[str, Any]]:
    """The reminder rows the set's members and channel are owed for ``upcoming`` sessions."""
    members = q.active_members(session, lset.team_id, lset.id)
    zones = {m.user_id: m.tz or lset.timezone for m in members}
    active = [m.user_id for m in members if m.unreachable is None]
    presenters = [
        m.user_id
        for m in members
        if m.unreachable is None and (lset.facilitator_participates or not m.is_facilitator)
    ]
    cfg = ReminderSettings.load(lset.settings)
    rows: list[dict[str, Any]] = []
    for sess in upcoming:
        for p in plan_for_session(
            _facts(sess, lset),
            cfg,
            channel_id=lset.channel_id,
            members=active,
            presenters=presenters,
        ):
            rows.append(
                {
                    "team_id": lset.team_id,
                    "set_id": lset.id,
                    "session_id": sess.id,
                    "target": p.target,
                    "kind": p.kind.value,
                    "due_at": p.due_at,
                    "send_after": deliverable_at(p.kind, p.due_at, zones.get(p.target)),
                    "useful_until": p.useful_until,
                    "status": "pending",
                    "attempts": 0,
                    "ambiguous": 0,
                    "session_revision": sess.revision,
                    "created_at": at,
                    "updated_at": at,
                }
            )
    return rows


def session_changed(
    session: Session,
    lset: LearningSet,
    row: PlannedSession,
    at: datetime,
    *,
    cancelled: bool = False,
) -> None:
    """Re-plan what a moved, cancelled or added session owes, in the caller's transaction.

    Reminders not sent yet are dropped and planned again for the new time (or skipped, for a
    cancelled session). Targets who were already reminded about it get a short notice of
    the change (one per move, ``moved:<revision>``), never a second prompt."""
    session.execute(
        delete(Reminder).where(
            Reminder.session_id == row.id,
            Reminder.status == "pending",
            # Notices of earlier moves still waiting are replaced by the latest one.
        )
    )
    # Sent, or maybe sent (a timeout, a process that died mid-call). A reminder in flight now
    # (claimed) is settled when its outcome is recorded (``ReminderService.record``).
    reminded = session.scalars(
        select(Reminder.target)
        .where(
            Reminder.session_id == row.id,
            Reminder.status.in_(("sent", "unknown")),
            Reminder.target != lset.channel_id,
            or_(*(Reminder.kind == k for k in ANNOUNCING)),
        )
        .distinct()
    ).all()
    _queue_notices(session, lset, row, reminded, at, cancelled=cancelled)
    session.flush()
    plan_set_reminders(session, lset, at)


def _queue_notices(
    session: Session,
    lset: LearningSet,
    row: PlannedSession,
    targets: Iterable[str],
    at: datetime,
    *,
    cancelled: bool,
) -> None:
    """A "moved" notice (one per revision) or a "cancelled" notice for each target."""
    notice = Kind.CANCELLED.value if cancelled else f"{Kind.MOVED.value}:{row.revision}"
    useful = row.starts_at if not cancelled else at + timedelta(days=7)
    _insert_ignoring_duplicates(
        session,
        [
            {
                "team_id": lset.team_id,
                "set_id": lset.id,
                "session_id": row.id,
                "target": target,
                "kind": notice,
                "due_at": at,
                "send_after": at,
                "useful_until": max(useful, at + timedelta(hours=1)),
                "status": "pending",
                "attempts": 0,
                "ambiguous": 0,
                "session_revision": row.revision,
                "created_at": at,
                "updated_at": at,
            }
            for target in targets
        ],
    )


def _settle_if_session_changed(s: Session, row: Reminder, at: datetime) -> None:
    """The reminder was in flight (claimed) while its session moved or was cancelled, so
    ``session_changed`` left it alone. Now that its outcome is known: if it went out (or may
    have), the member gets the notice of the change; if it is to be tried again (or was
    skipped), it is planned again for the session's new time."""
    if row.session_revision is None:
        return
    sess = s.get(PlannedSession, row.session_id)
    if sess is None or sess.revision == row.session_revision:
        return
    lset = q.set_by_id(s, row.team_id, row.set_id)
    if lset is None:
        return
    cancelled = sess.status == "cancelled"
    if row.status in ("sent", "unknown"):
        if kind_of(row.kind) in ANNOUNCING and row.target != lset.channel_id:
            _queue_notices(s, lset, sess, [row.target], at, cancelled=cancelled)
    elif row.status in ("pending", "skipped") and not cancelled:
        # Planned again for the new time, on the same row (its attempts and any ambiguous
        # outcome stay counted).
        owed = next(
            (
                r
                for r in _planned_rows(s, lset, [sess], at)
                if (r["target"], r["kind"]) == (row.target, row.kind)
            ),
            None,
        )
        if owed is None:  # the new time no longer calls for it
            row.status, row.reason = "skipped", "session changed"
            return
        retry_at = row.send_after if row.status == "pending" else at
        row.due_at, row.useful_until = owed["due_at"], owed["useful_until"]
        row.send_after = max(owed["send_after"], retry_at)
        row.session_revision = sess.revision
        row.status, row.reason = "pending", None


def _delivery(row: Reminder) -> dv.Delivery:
    return dv.Delivery(
        kind=row.kind,
        status=dv.State(row.status),
        send_after=row.send_after,
        useful_until=row.useful_until,
        attempts=row.attempts,
        ambiguous=row.ambiguous,
        reason=row.reason,
    )


def _apply(row: Reminder, d: dv.Delivery, at: datetime) -> None:
    row.status = d.status.value
    row.send_after = d.send_after
    row.attempts = d.attempts
    row.ambiguous = d.ambiguous
    row.reason = d.reason
    row.updated_at = at
    if d.status != dv.State.CLAIMED:
        row.lease_until = None


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
                        LearningSet.status == "active",
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
                d = dv.claim(_delivery(row), at, LEASE)
                _apply(row, d, at)
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
        kind = kind_of(c.kind)
        with self._db.read() as s:
            lset = q.set_by_id(s, c.team_id, c.set_id)
            ws = s.get(Workspace, c.team_id)
            row = s.get(PlannedSession, c.session_id)
            if lset is None or row is None or lset.status != "active":
                return Decision("set closed")
            if ws is None or ws.uninstalled_at is not None:
                return Decision("app uninstalled")
            if ws.sending_stopped_at is not None:
                # Found stopped mid-pass (another process, the tokens_revoked event): the
                # reminder waits for the token to work again (the tick's probe).
                return Decision(WORKSPACE_STOPPED, until=at + STOPPED_WAIT)
            if row.status == "cancelled" and kind != Kind.CANCELLED:
                return Decision("session cancelled")
            members = q.active_members(s, c.team_id, c.set_id)
            by_user = {m.user_id: m for m in members}
            facilitator = next((m.user_id for m in members if m.is_facilitator), None)
            if kind.to_channel:
                if lset.channel_unreachable:
                    return Decision(f"channel unreachable ({lset.channel_unreachable})")
            else:
                member = by_user.get(c.target)
                if member is None:
                    return Decision("not a member")
                if member.unreachable:
                    return Decision(f"unreachable ({member.unreachable})")
                quiet = quiet_hours_end(at, member.tz or lset.timezone)
                if quiet is not None:
                    return Decision("quiet hours", until=quiet)
            ctx = Context(
                kind=kind,
                set_id=lset.id,
                set_name=lset.name,
                channel_id=lset.channel_id,
                target=c.target,
                session_id=row.id,
                starts_at=row.starts_at,
                ends_at=sched.session_end(row.starts_at, row.duration_minutes),
                facilitator_id=facilitator,
            )
            if kind == Kind.PREP_NUDGE:
                answered = s.scalar(
                    select(Topic.id).where(
                        Topic.session_id == row.id,
                        Topic.author_id == c.target,
                        Topic.status.in_((TopicStatus.SUBMITTED, TopicStatus.NO_TOPIC)),
                    )
                )
                if answered is not None:
                    return Decision("already answered")
            if kind == Kind.REPORT_REMINDER:
                actions = self._open_actions(s, c.team_id, c.set_id, c.target, row.starts_at)
                if not actions:
                    return Decision("no open actions")
                return _with(ctx, actions=actions)
            if kind == Kind.SESSION_POST:
                return _with(ctx, **self._counts(s, c.team_id, c.set_id, row))
            return ctx

    @staticmethod
    def _open_actions(
        s: Session, team_id: str, set_id: int, owner: str, before: datetime
    ) -> tuple[OpenAction, ...]:
        rows = s.execute(
            select(Action.id, Action.text, Commitment.shared)
            .join(Commitment, Commitment.id == Action.commitment_id)
            .join(PlannedSession, PlannedSession.id == Action.session_id)
            .where(
                Action.team_id == team_id,
                Action.set_id == set_id,
                Action.owner_id == owner,
                Action.status == ActionStatus.OPEN,
                PlannedSession.starts_at < before,
            )
            .order_by(PlannedSession.starts_at, Action.commitment_id, Action.position)
        ).all()
        return tuple(OpenAction(id=i, text=t, shared=sh) for i, t, sh in rows)

    @staticmethod
    def _counts(s: Session, team_id: str, set_id: int, row: PlannedSession) -> dict[str, int]:
        topics_in = s.scalar(
            select(func.count())
            .select_from(Topic)
            .where(Topic.session_id == row.id, Topic.status == TopicStatus.SUBMITTED)
        )
        reports_in = s.scalar(
            select(func.count(func.distinct(ActionReport.owner_id))).where(
                ActionReport.session_id == row.id
            )
        )
        reporters = s.scalar(
            select(func.count(func.distinct(Action.owner_id)))
            .join(PlannedSession, PlannedSession.id == Action.session_id)
            .join(
                Membership,
                (Membership.set_id == Action.set_id) & (Membership.user_id == Action.owner_id),
            )
            .where(
                Action.team_id == team_id,
                Action.set_id == set_id,
                Membership.left_at.is_(None),
                PlannedSession.starts_at < row.starts_at,
                or_(
                    Action.status == ActionStatus.OPEN,
                    Action.id.in_(
                        select(ActionReport.action_id).where(ActionReport.session_id == row.id)
                    ),
                ),
            )
        )
        return {
            "topics_in": topics_in or 0,
            "reports_in": reports_in or 0,
            "reporters": reporters or 0,
        }

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
            if row.status != "claimed" or (worker is not None and row.claimed_by != worker):
                return dv.State(row.status)  # our lease ran out and another process took it
            d = dv.record(
                _delivery(row), outcome, at, retry_after=retry_after, until=until, reason=reason
            )
            _apply(row, d, at)
            if d.status == dv.State.SENT:
                row.sent_at = at
                row.channel_id = channel_id
                row.message_ts = ts
            _settle_if_session_changed(s, row, at)
            return d.status

    def mark_unreachable(self, team_id: str, set_id: int, target: str, error: str) -> bool:
        """A target Slack refuses for good. True the first time (tell the facilitator)."""
        with self._db.write() as s, s.begin():
            lset = q.set_by_id(s, team_id, set_id)
            if lset is None:
                return False
            if target == lset.channel_id:
                first = lset.channel_unreachable is None
                lset.channel_unreachable = error
                return first
            member = q.membership(s, team_id, set_id, target)
            if member is None:
                return False
            first = member.unreachable is None
            member.unreachable = error
            return first

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


def _with(ctx: Context, **changes: Any) -> Context:
    return replace(ctx, **changes)


__all__ = [
    "LIVE_REMINDER",
    "Claimed",
    "Context",
    "Decision",
    "ReminderService",
    "plan_set_reminders",
    "session_changed",
]
