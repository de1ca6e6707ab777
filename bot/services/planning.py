"""Session planning: the occurrences of a set's series, the programme's end, and the reminder
rows each session owes. Runs inside the caller's unit of work (set-up, the calendar, the tick).

Reminders are rows derived from sessions, unique on (session, target, kind), where the target
is a user id or the channel id, never NULL; inserted with ``ON CONFLICT DO NOTHING``. Only sets
whose ``replan_at`` mark has passed are planned by the tick (an indexed query).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from bot.domain import delivery as dv
from bot.domain import roles
from bot.domain import schedule as sched
from bot.domain.reminders import (
    Kind,
    ReminderSettings,
    SessionFacts,
    deliverable_at,
    kind_of,
    plan_for_session,
)
from bot.domain.status import SessionStatus
from bot.services import access, rota
from bot.services.readmodels import session_info
from bot.services.views import SessionInfo
from bot.storage import agenda_queries as aq
from bot.storage import queries as q
from bot.storage.models import LearningSet, PlannedSession, Reminder

#: Reminder kinds that tell a member about a session: if one went out for the old time, the
#: member gets a "moved" or "cancelled" notice.
ANNOUNCING = (Kind.PREP_PROMPT, Kind.PREP_NUDGE, Kind.REPORT_REMINDER)
#: Sent, or maybe sent (a timeout, a process that died mid-call).
REACHED = (dv.State.SENT, dv.State.UNKNOWN)


# -- sessions ----------------------------------------------------------------------------------
def _occurrence(lset: LearningSet, index: int) -> sched.Occurrence:
    return sched.occurrences(
        lset.anchor_date, lset.session_time, lset.timezone, lset.cadence_weeks, start=index, count=1
    )[0]


def programme_over(lset: LearningSet, occ: sched.Occurrence, planned_in_series: int) -> bool:
    """The programme's end (a number of sessions, or a last date) stops the series."""
    if lset.programme_sessions is not None and planned_in_series >= lset.programme_sessions:
        return True
    return lset.programme_ends_on is not None and occ.local_date > lset.programme_ends_on


def plan_sessions(s: Session, lset: LearningSet, now: datetime) -> int:
    """Plan occurrences until the set has ``PLANNED_AHEAD`` upcoming sessions, or its
    programme ends, and give the coming sessions their facilitators (``rota.assign``). Returns
    how many were added. Occurrences that would already be over are skipped, never planned."""
    missing = sched.PLANNED_AHEAD - len(q.upcoming_sessions(s, lset.team_id, lset.id, now))
    if missing <= 0:
        rota.assign(s, lset, now)  # members or sessions may have changed
        return 0
    # Continue the series after its latest occurrence (moved sessions keep their series date;
    # extra sessions have none and do not count).
    latest = q.latest_series_session(s, lset.team_id, lset.id)
    in_series = q.series_count(s, lset.team_id, lset.id)
    index = 0
    last = latest.series_date if latest is not None else None
    if last is not None and last >= lset.anchor_date:
        index = sched.index_on_or_after(lset.anchor_date, lset.cadence_weeks, last)
        if _occurrence(lset, index).local_date <= last:
            index += 1
    added = 0
    while added < missing:
        occ = _occurrence(lset, index)
        index += 1
        if programme_over(lset, occ, in_series):
            break
        if sched.session_end(occ.starts_at, lset.session_minutes) <= now:
            continue
        if q.session_at(s, lset.team_id, lset.id, occ.starts_at) is not None:
            continue  # a session was moved (or added) onto this occurrence: it stands for it
        s.add(
            PlannedSession(
                team_id=lset.team_id,
                set_id=lset.id,
                local_date=occ.local_date,
                local_time=occ.local_time,
                timezone=occ.timezone,
                starts_at=occ.starts_at,
                duration_minutes=lset.session_minutes,
                series_date=occ.local_date,
            )
        )
        lset.planned_until = occ.starts_at
        added += 1
        in_series += 1
    s.flush()
    rota.assign(s, lset, now)
    return added


def trim_programme(s: Session, lset: LearningSet, now: datetime) -> list[SessionInfo]:
    """The programme was shortened: cancel the planned sessions of the series, not started
    yet, that fall beyond its end (the N-th occurrence, or the last date). Extra sessions the
    facilitator added stay. Returns the sessions cancelled."""
    series = s.scalars(
        select(PlannedSession)
        .where(
            PlannedSession.team_id == lset.team_id,
            PlannedSession.set_id == lset.id,
            PlannedSession.series_date.is_not(None),
        )
        .order_by(PlannedSession.series_date, PlannedSession.id)
    ).all()
    doomed = []
    for index, row in enumerate(series):
        if row.status != SessionStatus.PLANNED or row.starts_at <= now:
            continue
        beyond_count = lset.programme_sessions is not None and index >= lset.programme_sessions
        beyond_date = lset.programme_ends_on is not None and row.local_date > lset.programme_ends_on
        if beyond_count or beyond_date:
            doomed.append(row)
    for row in doomed:
        row.status = SessionStatus.CANCELLED
        s.flush()
        session_changed(s, lset, row, now, cancelled=True)
    return [session_info(row) for row in doomed]


def open_for_topics(s: Session, lset: LearningSet, now: datetime) -> PlannedSession | None:
    """The session topics go to now: the next session, unless its agenda vote has opened, in
    which case the one after."""
    for row in q.upcoming_sessions(s, lset.team_id, lset.id, now):
        if aq.vote_of_session(s, row.id) is None:
            return row
    return None


# -- reminders ---------------------------------------------------------------------------------
def _facts(row: PlannedSession, lset: LearningSet) -> SessionFacts:
    return SessionFacts(
        starts_at=row.starts_at,
        local_date=row.local_date,
        local_time=row.local_time,
        timezone=row.timezone,
        duration_minutes=row.duration_minutes,
        cadence_weeks=lset.cadence_weeks,
    )


def _insert_ignoring_duplicates(s: Session, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    insert = q.upsert_insert(s)
    stmt = insert(Reminder).on_conflict_do_nothing(index_elements=["session_id", "target", "kind"])
    # One multi-row INSERT per batch; RETURNING tells how many were new.
    return len(s.connection().execute(stmt.returning(Reminder.id), rows).all())


def _row(lset: LearningSet, sess: PlannedSession, at: datetime, **values: Any) -> dict[str, Any]:
    return {
        "team_id": lset.team_id,
        "set_id": lset.id,
        "session_id": sess.id,
        "status": dv.State.PENDING.value,
        "attempts": 0,
        "ambiguous": 0,
        "session_revision": sess.revision,
        "created_at": at,
        "updated_at": at,
        **values,
    }


def plan_set_reminders(s: Session, lset: LearningSet, at: datetime) -> int:
    """Plan the set's sessions (its horizon) and every reminder of its upcoming sessions that
    is not planned yet. Sets the set's next ``replan_at`` mark. Returns reminders added."""
    plan_sessions(s, lset, at)
    upcoming = q.upcoming_sessions(s, lset.team_id, lset.id, at)
    added = _insert_ignoring_duplicates(s, planned_rows(s, lset, upcoming, at))
    # Plan again once the earliest upcoming session is over (the horizon then needs one more).
    lset.replan_at = (
        sched.session_end(upcoming[0].starts_at, upcoming[0].duration_minutes) if upcoming else None
    )
    return added


def planned_rows(
    s: Session, lset: LearningSet, upcoming: Iterable[PlannedSession], at: datetime
) -> list[dict[str, Any]]:
    """The reminder rows the set's members and channel are owed for ``upcoming`` sessions."""
    members = q.active_members(s, lset.team_id, lset.id)
    zones = {m.user_id: m.tz or lset.timezone for m in members}
    reachable = [m for m in members if m.unreachable is None]
    presenters = access.participant_ids(lset, reachable)
    lead = access.facilitator_of(reachable)
    cfg = ReminderSettings.load(lset.settings)
    rows: list[dict[str, Any]] = []
    for sess in upcoming:
        # The session's own facilitator, else the lead (who also stands for one unreachable).
        own = sess.facilitator_id
        facilitator = own if own in {m.user_id for m in reachable} else lead
        # A member facilitating the session brings no topic to it (unless the set says the
        # facilitator participates): no topic prompt for it.
        bring = [
            p
            for p in presenters
            if p != own
            or roles.presents_while_facilitating(
                facilitator_participates=lset.facilitator_participates
            )
        ]
        for p in plan_for_session(
            _facts(sess, lset),
            cfg,
            channel_id=lset.channel_id,
            members=[m.user_id for m in reachable],
            presenters=bring,
            facilitator=facilitator,
        ):
            rows.append(
                _row(
                    lset,
                    sess,
                    at,
                    target=p.target,
                    kind=p.kind.value,
                    due_at=p.due_at,
                    send_after=deliverable_at(p.kind, p.due_at, zones.get(p.target)),
                    useful_until=p.useful_until,
                )
            )
    return rows


def session_changed(
    s: Session, lset: LearningSet, row: PlannedSession, at: datetime, *, cancelled: bool = False
) -> None:
    """Re-plan what a moved, cancelled or added session owes, in the caller's transaction.

    Reminders not sent yet are dropped and planned again for the new time (or skipped, for a
    cancelled session). Targets who were already reminded about it get a short notice of
    the change (one per move, ``moved:<revision>``), never a second prompt."""
    # Notices of earlier moves still waiting are replaced by the latest one.
    s.execute(
        delete(Reminder).where(
            Reminder.session_id == row.id, Reminder.status == dv.State.PENDING.value
        )
    )
    # A reminder in flight now (claimed) is settled when its outcome is recorded
    # (``settle_changed``).
    reminded = s.scalars(
        select(Reminder.target)
        .where(
            Reminder.session_id == row.id,
            Reminder.status.in_([state.value for state in REACHED]),
            Reminder.target != lset.channel_id,
            or_(*(Reminder.kind == k for k in ANNOUNCING)),
        )
        .distinct()
    ).all()
    _queue_notices(s, lset, row, reminded, at, cancelled=cancelled)
    s.flush()
    plan_set_reminders(s, lset, at)


def _queue_notices(
    s: Session,
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
        s,
        [
            _row(
                lset,
                row,
                at,
                target=target,
                kind=notice,
                due_at=at,
                send_after=at,
                useful_until=max(useful, at + timedelta(hours=1)),
            )
            for target in targets
        ],
    )


def settle_changed(s: Session, row: Reminder, at: datetime) -> None:
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
    cancelled = sess.status == SessionStatus.CANCELLED
    if row.status in REACHED:
        if kind_of(row.kind) in ANNOUNCING and row.target != lset.channel_id:
            _queue_notices(s, lset, sess, [row.target], at, cancelled=cancelled)
    elif row.status in (dv.State.PENDING, dv.State.SKIPPED) and not cancelled:
        # Planned again for the new time, on the same row (its attempts and any ambiguous
        # outcome stay counted).
        owed = next(
            (
                r
                for r in planned_rows(s, lset, [sess], at)
                if (r["target"], r["kind"]) == (row.target, row.kind)
            ),
            None,
        )
        if owed is None:  # the new time no longer calls for it
            row.status, row.reason = dv.State.SKIPPED.value, "session changed"
            return
        retry_at = row.send_after if row.status == dv.State.PENDING else at
        row.due_at, row.useful_until = owed["due_at"], owed["useful_until"]
        row.send_after = max(owed["send_after"], retry_at)
        row.session_revision = sess.revision
        row.status, row.reason = dv.State.PENDING.value, None
