"""The reports' figures, each counted in the database (SQL aggregates grouped by set, and by
session or member where a report shows that), never by loading rows into Python. Every figure
about people carries how many people it comes from, so that a report can hide it below the
threshold (``bot.domain.review.THRESHOLD``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, case, func, select
from sqlalchemy.orm import Session

from bot.domain.actions import ActionStatus
from bot.domain.status import SessionStatus, VoteStatus
from bot.storage.models import (
    Action,
    ActionReport,
    AgendaItem,
    AgendaVote,
    LogEntry,
    MemberGoal,
    Membership,
    PlannedSession,
    SessionAttendance,
    SessionReview,
)


@dataclass(frozen=True)
class Counted:
    """A count, and how many distinct people it comes from."""

    n: int
    people: int


def _held(team_id: str, now: datetime) -> tuple[Any, ...]:
    """The joined session is one of the workspace's held sessions (started, not cancelled):
    fenced to the team so that no other workspace's sessions are read."""
    return (
        PlannedSession.team_id == team_id,
        PlannedSession.starts_at < now,
        PlannedSession.status == SessionStatus.PLANNED,
    )


def since_filter(session_id: Any, since: datetime | None) -> tuple[Any, ...]:
    """Only rows of sessions that started from ``since`` on: a member's report counts from
    their joining (``bot.domain.newcomers``); no filter without ``since`` (organisers)."""
    if since is None:
        return ()
    return (session_id.in_(select(PlannedSession.id).where(PlannedSession.starts_at >= since)),)


def _ints(rows: Sequence[Sequence[object]]) -> list[tuple[int, ...]]:
    return [tuple(int(v or 0) for v in row) for row in rows]  # type: ignore[call-overload]


def sessions(
    s: Session, team_id: str, set_ids: Sequence[int], now: datetime, since: datetime | None = None
) -> dict[int, tuple[int, int]]:
    """set -> (sessions held, sessions planned), cancelled ones left out."""
    held = func.sum(case((PlannedSession.starts_at < now, 1), else_=0))
    rows = s.execute(
        select(PlannedSession.set_id, held, func.count() - held)
        .where(
            PlannedSession.team_id == team_id,
            PlannedSession.set_id.in_(set_ids),
            PlannedSession.status == SessionStatus.PLANNED,
            *since_filter(PlannedSession.id, since),
        )
        .group_by(PlannedSession.set_id)
    ).all()
    return {r[0]: (r[1], r[2]) for r in _ints(rows)}


def attendance(
    s: Session, team_id: str, set_ids: Sequence[int], now: datetime, since: datetime | None = None
) -> dict[int, tuple[int, int, int, int]]:
    """set -> (present marks, all marks, sessions recorded, members marked), of held sessions
    whose attendance the facilitator saved."""
    rows = s.execute(
        select(
            SessionAttendance.set_id,
            func.sum(case((SessionAttendance.present, 1), else_=0)),
            func.count(),
            func.count(SessionAttendance.session_id.distinct()),
            func.count(SessionAttendance.user_id.distinct()),
        )
        .join(PlannedSession, PlannedSession.id == SessionAttendance.session_id)
        .where(
            SessionAttendance.team_id == team_id,
            SessionAttendance.set_id.in_(set_ids),
            *_held(team_id, now),
            *since_filter(SessionAttendance.session_id, since),
        )
        .group_by(SessionAttendance.set_id)
    ).all()
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in _ints(rows)}


def airtime(
    s: Session, team_id: str, set_ids: Sequence[int], since: datetime | None = None
) -> dict[int, dict[str, tuple[int, int]]]:
    """set -> presenter -> (topics presented, minutes), from confirmed agendas."""
    rows = s.execute(
        select(
            AgendaItem.set_id,
            AgendaItem.presenter_id,
            func.count(),
            func.sum(AgendaItem.minutes),
        )
        .join(AgendaVote, AgendaVote.id == AgendaItem.vote_id)
        .where(
            AgendaItem.team_id == team_id,
            AgendaItem.set_id.in_(set_ids),
            AgendaVote.status == VoteStatus.CONFIRMED,
            *since_filter(AgendaVote.session_id, since),
        )
        .group_by(AgendaItem.set_id, AgendaItem.presenter_id)
    ).all()
    out: dict[int, dict[str, tuple[int, int]]] = {}
    for set_id, presenter, n, minutes in rows:
        out.setdefault(int(set_id), {})[str(presenter)] = (int(n), int(minutes or 0))
    return out


def actions(
    s: Session, team_id: str, set_ids: Sequence[int], since: datetime | None = None
) -> dict[int, dict[str, Counted]]:
    """set -> where its actions stand -> Counted. An open action stands where its latest
    report put it (``partly``, ``not_yet``), or ``open`` without one; a closed one by its status
    (``done``, ``changed``, ``dropped``). Also ``committed``: all of them."""
    latest = (
        select(ActionReport.action_id, func.max(ActionReport.id).label("report_id"))
        .where(ActionReport.team_id == team_id, ActionReport.set_id.in_(set_ids))
        .group_by(ActionReport.action_id)
        .subquery()
    )
    standing = case(
        (Action.status != ActionStatus.OPEN.value, Action.status),
        else_=func.coalesce(ActionReport.status, ActionStatus.OPEN.value),
    ).label("standing")
    per_action = (
        select(Action.set_id, Action.owner_id, standing)
        .outerjoin(latest, latest.c.action_id == Action.id)
        .outerjoin(
            ActionReport,
            and_(ActionReport.id == latest.c.report_id, ActionReport.team_id == team_id),
        )
        .where(
            Action.team_id == team_id,
            Action.set_id.in_(set_ids),
            *since_filter(Action.session_id, since),
        )
        .subquery()
    )
    grouped = s.execute(
        select(
            per_action.c.set_id,
            per_action.c.standing,
            func.count(),
            func.count(per_action.c.owner_id.distinct()),
        ).group_by(per_action.c.set_id, per_action.c.standing)
    ).all()
    totals = s.execute(
        select(Action.set_id, func.count(), func.count(Action.owner_id.distinct()))
        .where(
            Action.team_id == team_id,
            Action.set_id.in_(set_ids),
            *since_filter(Action.session_id, since),
        )
        .group_by(Action.set_id)
    ).all()
    out: dict[int, dict[str, Counted]] = {}
    for set_id, where, n, people in grouped:
        out.setdefault(int(set_id), {})[str(where)] = Counted(int(n), int(people))
    for set_id, n, people in totals:
        out.setdefault(int(set_id), {})["committed"] = Counted(int(n), int(people))
    return out


def reviews(
    s: Session, team_id: str, set_ids: Sequence[int], now: datetime, since: datetime | None = None
) -> dict[int, list[tuple[int, datetime, int, float]]]:
    """set -> its held sessions with answers, oldest first: (session, start, answers, average
    score). The average is the database's; a report shows it only from enough answers."""
    rows = s.execute(
        select(
            SessionReview.set_id,
            SessionReview.session_id,
            PlannedSession.starts_at,
            func.count(),
            func.avg(SessionReview.useful.cast(Integer) * 1.0),
        )
        .join(PlannedSession, PlannedSession.id == SessionReview.session_id)
        .where(
            SessionReview.team_id == team_id,
            SessionReview.set_id.in_(set_ids),
            *_held(team_id, now),
            *since_filter(SessionReview.session_id, since),
        )
        .group_by(SessionReview.set_id, SessionReview.session_id, PlannedSession.starts_at)
        .order_by(PlannedSession.starts_at)
    ).all()
    out: dict[int, list[tuple[int, datetime, int, float]]] = {}
    for set_id, session_id, starts_at, n, average in rows:
        out.setdefault(int(set_id), []).append(
            (int(session_id), starts_at, int(n), float(average or 0))
        )
    return out


def logs(
    s: Session, team_id: str, set_ids: Sequence[int], since: datetime | None = None
) -> dict[int, Counted]:
    """set -> learning-log entries written, and by how many members."""
    rows = s.execute(
        select(LogEntry.set_id, func.count(), func.count(LogEntry.author_id.distinct()))
        .where(
            LogEntry.team_id == team_id,
            LogEntry.set_id.in_(set_ids),
            *since_filter(LogEntry.session_id, since),
        )
        .group_by(LogEntry.set_id)
    ).all()
    return {r[0]: Counted(r[1], r[2]) for r in _ints(rows)}


def goals(
    s: Session, team_id: str, set_ids: Sequence[int]
) -> dict[int, tuple[int, dict[int, int]]]:
    """set -> (goals written, rating -> members who gave it)."""
    written = s.execute(
        select(MemberGoal.set_id, func.count())
        .where(MemberGoal.team_id == team_id, MemberGoal.set_id.in_(set_ids))
        .group_by(MemberGoal.set_id)
    ).all()
    ratings = s.execute(
        select(MemberGoal.set_id, MemberGoal.rating, func.count())
        .where(
            MemberGoal.team_id == team_id,
            MemberGoal.set_id.in_(set_ids),
            MemberGoal.rating.is_not(None),
        )
        .group_by(MemberGoal.set_id, MemberGoal.rating)
    ).all()
    out: dict[int, tuple[int, dict[int, int]]] = {
        int(set_id): (int(n), {}) for set_id, n in written
    }
    for set_id, rating, n in ratings:
        out.setdefault(int(set_id), (0, {}))[1][int(rating or 0)] = int(n)
    return out


def reviews_overall(
    s: Session, team_id: str, set_ids: Sequence[int], now: datetime
) -> dict[int, tuple[int, float, int]]:
    """set -> (answers, sum of scores, members who answered) over its held sessions."""
    rows = s.execute(
        select(
            SessionReview.set_id,
            func.count(),
            func.sum(SessionReview.useful),
            func.count(SessionReview.user_id.distinct()),
        )
        .join(PlannedSession, PlannedSession.id == SessionReview.session_id)
        .where(
            SessionReview.team_id == team_id,
            SessionReview.set_id.in_(set_ids),
            *_held(team_id, now),
        )
        .group_by(SessionReview.set_id)
    ).all()
    return {int(r[0]): (int(r[1]), float(r[2] or 0), int(r[3])) for r in rows}


def members(s: Session, team_id: str, set_ids: Sequence[int]) -> dict[int, int]:
    """set -> its active members (the lead aside)."""
    rows = s.execute(
        select(Membership.set_id, func.count())
        .where(
            Membership.team_id == team_id,
            Membership.set_id.in_(set_ids),
            Membership.left_at.is_(None),
            Membership.is_facilitator.is_(False),
        )
        .group_by(Membership.set_id)
    ).all()
    return {int(r[0]): int(r[1]) for r in rows}


def goal_sums(s: Session, team_id: str, set_ids: Sequence[int]) -> dict[int, tuple[int, int, int]]:
    """set -> (goals written, ratings given, sum of ratings)."""
    rows = s.execute(
        select(
            MemberGoal.set_id,
            func.count(),
            func.count(MemberGoal.rating),
            func.sum(MemberGoal.rating),
        )
        .where(MemberGoal.team_id == team_id, MemberGoal.set_id.in_(set_ids))
        .group_by(MemberGoal.set_id)
    ).all()
    return {int(r[0]): (int(r[1]), int(r[2]), int(r[3] or 0)) for r in rows}


def topics(s: Session, team_id: str, set_ids: Sequence[int]) -> dict[int, Counted]:
    """set -> topics presented on confirmed agendas, and by how many members."""
    rows = s.execute(
        select(AgendaItem.set_id, func.count(), func.count(AgendaItem.presenter_id.distinct()))
        .join(AgendaVote, AgendaVote.id == AgendaItem.vote_id)
        .where(
            AgendaItem.team_id == team_id,
            AgendaItem.set_id.in_(set_ids),
            AgendaVote.status == VoteStatus.CONFIRMED,
        )
        .group_by(AgendaItem.set_id)
    ).all()
    return {int(r[0]): Counted(int(r[1]), int(r[2])) for r in rows}
