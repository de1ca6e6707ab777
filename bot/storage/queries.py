"""Queries shared by the services. Every query is scoped by team id."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    Result,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.domain.schedule import MAX_SESSION_MINUTES
from bot.domain.status import SessionStatus, SetStatus
from bot.storage.models import (
    ActionReport,
    LearningSet,
    Membership,
    PlannedSession,
    RulesAgreement,
    Workspace,
)


def upsert_insert(session: Session) -> Callable[..., Any]:
    """The session's dialect's ``insert`` (with ``on_conflict_do_nothing/update``): both
    databases spell an upsert the same way, through different constructs."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def rowcount(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed."""
    return cast(CursorResult[Any], result).rowcount


def ensure_workspace(session: Session, team_id: str) -> None:
    """Insert the workspace row if it is missing (safe under concurrent requests)."""
    insert = upsert_insert(session)
    session.execute(
        insert(Workspace).values(team_id=team_id).on_conflict_do_nothing(index_elements=["team_id"])
    )


def set_by_channel(session: Session, team_id: str, channel_id: str) -> LearningSet | None:
    return session.scalar(
        select(LearningSet).where(
            LearningSet.team_id == team_id,
            LearningSet.channel_id == channel_id,
            LearningSet.status == SetStatus.ACTIVE,
        )
    )


def channel_has_set_elsewhere(session: Session, team_id: str, channel_id: str) -> bool:
    """Whether another workspace runs a set in this channel (shared through Slack Connect).
    The one deliberate read across workspaces: it answers yes or no, nothing of the set."""
    found = session.scalar(
        select(LearningSet.id)
        .where(
            LearningSet.channel_id == channel_id,
            LearningSet.team_id != team_id,
            LearningSet.status == SetStatus.ACTIVE,
        )
        .limit(1)
    )
    return found is not None


def set_by_id(session: Session, team_id: str, set_id: int) -> LearningSet | None:
    return session.scalar(
        select(LearningSet).where(LearningSet.team_id == team_id, LearningSet.id == set_id)
    )


def membership(session: Session, team_id: str, set_id: int, user_id: str) -> Membership | None:
    return session.scalar(
        select(Membership).where(
            Membership.team_id == team_id,
            Membership.set_id == set_id,
            Membership.user_id == user_id,
        )
    )


def active_members(session: Session, team_id: str, set_id: int) -> Sequence[Membership]:
    return session.scalars(
        select(Membership)
        .where(
            Membership.team_id == team_id,
            Membership.set_id == set_id,
            Membership.left_at.is_(None),
        )
        .order_by(Membership.joined_at, Membership.id)
    ).all()


def ever_a_member(session: Session, team_id: str, user_id: str) -> bool:
    """Has this person been in any set of the workspace (left or closed ones too)?"""
    found = session.scalar(
        select(Membership.id)
        .where(Membership.team_id == team_id, Membership.user_id == user_id)
        .limit(1)
    )
    return found is not None


def _active_member_of(team_id: str, user_id: str) -> tuple[Any, ...]:
    """The user's active memberships of active sets (a join of the two tables)."""
    return (
        LearningSet.team_id == team_id,
        LearningSet.status == SetStatus.ACTIVE,
        Membership.team_id == team_id,
        Membership.user_id == user_id,
        Membership.left_at.is_(None),
    )


def sets_of_user(session: Session, team_id: str, user_id: str) -> Sequence[LearningSet]:
    return session.scalars(
        select(LearningSet)
        .join(Membership, Membership.set_id == LearningSet.id)
        .where(*_active_member_of(team_id, user_id))
        .order_by(LearningSet.name, LearningSet.id)
    ).all()


def memberships_of_user(session: Session, team_id: str, user_id: str) -> Sequence[Membership]:
    """The user's active memberships of active sets (their sets loaded with them)."""
    return session.scalars(
        select(Membership)
        .join(LearningSet, Membership.set_id == LearningSet.id)
        .where(*_active_member_of(team_id, user_id))
        .order_by(LearningSet.name, LearningSet.id)
    ).all()


def agreed_user_ids(session: Session, team_id: str, set_id: int, version: int) -> set[str]:
    return set(
        session.scalars(
            select(RulesAgreement.user_id).where(
                RulesAgreement.team_id == team_id,
                RulesAgreement.set_id == set_id,
                RulesAgreement.rules_version == version,
            )
        )
    )


def sessions_not_cancelled(
    session: Session, team_id: str, set_id: int, *, started_by: datetime | None = None
) -> Sequence[PlannedSession]:
    """The set's sessions that are not cancelled (those started by ``started_by``, if given),
    earliest first."""
    stmt = select(PlannedSession).where(
        PlannedSession.team_id == team_id,
        PlannedSession.set_id == set_id,
        PlannedSession.status == SessionStatus.PLANNED.value,
    )
    if started_by is not None:
        stmt = stmt.where(PlannedSession.starts_at <= started_by)
    return session.scalars(stmt.order_by(PlannedSession.starts_at, PlannedSession.id)).all()


def upcoming_sessions(
    session: Session, team_id: str, set_id: int, now: datetime
) -> list[PlannedSession]:
    """Non-cancelled sessions whose end is after ``now``, earliest first."""
    rows = session.scalars(
        select(PlannedSession)
        .where(
            PlannedSession.team_id == team_id,
            PlannedSession.set_id == set_id,
            PlannedSession.status == SessionStatus.PLANNED,
            PlannedSession.starts_at > now - timedelta(minutes=MAX_SESSION_MINUTES),
        )
        .order_by(PlannedSession.starts_at)
    ).all()
    return [r for r in rows if r.starts_at + timedelta(minutes=r.duration_minutes) > now]


def latest_series_session(session: Session, team_id: str, set_id: int) -> PlannedSession | None:
    """The set's latest occurrence of its recurrence (by series date; extra sessions aside)."""
    return session.scalar(
        select(PlannedSession)
        .where(
            PlannedSession.team_id == team_id,
            PlannedSession.set_id == set_id,
            PlannedSession.series_date.is_not(None),
        )
        .order_by(PlannedSession.series_date.desc())
        .limit(1)
    )


def series_count(session: Session, team_id: str, set_id: int) -> int:
    """How many occurrences of the series have been planned (cancelled ones included)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(PlannedSession)
            .where(
                PlannedSession.team_id == team_id,
                PlannedSession.set_id == set_id,
                PlannedSession.series_date.is_not(None),
            )
        )
        or 0
    )


def session_at(
    session: Session, team_id: str, set_id: int, starts_at: datetime
) -> PlannedSession | None:
    return session.scalar(
        select(PlannedSession).where(
            PlannedSession.team_id == team_id,
            PlannedSession.set_id == set_id,
            PlannedSession.starts_at == starts_at,
        )
    )


def active_sets(session: Session) -> Sequence[LearningSet]:
    return session.scalars(
        select(LearningSet)
        .join(Workspace, Workspace.team_id == LearningSet.team_id)
        .where(LearningSet.status == SetStatus.ACTIVE, Workspace.uninstalled_at.is_(None))
        .order_by(LearningSet.id)
    ).all()


# -- sessions, as the loop sees them -------------------------------------------------------
def last_started_session(
    session: Session, lset: LearningSet, now: datetime
) -> PlannedSession | None:
    """The set's latest session that has started (the one a log entry or new actions are about)."""
    return session.scalar(
        select(PlannedSession)
        .where(
            PlannedSession.team_id == lset.team_id,
            PlannedSession.set_id == lset.id,
            PlannedSession.status == SessionStatus.PLANNED,
            PlannedSession.starts_at <= now,
        )
        .order_by(PlannedSession.starts_at.desc())
        .limit(1)
    )


def report_session(
    session: Session, lset: LearningSet, now: datetime, after: datetime
) -> PlannedSession | None:
    """The session whose report-back round a report made ``now`` goes to: the next session
    (or the one in progress) that starts after the session the action was committed at."""
    for row in upcoming_sessions(session, lset.team_id, lset.id, now):
        if row.starts_at > after:
            return row
    return None


def next_session_after(
    session: Session, lset: LearningSet, row: PlannedSession
) -> PlannedSession | None:
    """The set's planned session that follows ``row``."""
    return session.scalar(
        select(PlannedSession)
        .where(
            PlannedSession.set_id == lset.id,
            PlannedSession.status == SessionStatus.PLANNED,
            PlannedSession.starts_at > row.starts_at,
        )
        .order_by(PlannedSession.starts_at)
        .limit(1)
    )


def report_of(session: Session, action_id: int, session_id: int) -> ActionReport | None:
    return session.scalar(
        select(ActionReport).where(
            ActionReport.action_id == action_id, ActionReport.session_id == session_id
        )
    )


def mark_unreachable(s: Session, team_id: str, set_id: int, target: str, error: str) -> bool:
    """Record that Slack refuses ``target`` (the set's channel or a member) for good. True the
    first time (the facilitator is told once)."""
    lset = set_by_id(s, team_id, set_id)
    if lset is None:
        return False
    if target == lset.channel_id:
        first = lset.channel_unreachable is None
        lset.channel_unreachable = error
        return first
    member = membership(s, team_id, set_id, target)
    if member is None:
        return False
    first = member.unreachable is None
    member.unreachable = error
    return first
