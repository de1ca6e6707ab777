"""Queries shared by the services. Every query is scoped by team id."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, bindparam, case, delete, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.domain.schedule import MAX_SESSION_MINUTES
from bot.storage.models import (
    AgendaVote,
    LearningSet,
    Membership,
    PlannedSession,
    RulesAgreement,
    Topic,
    VoteAllocation,
    Workspace,
)


def upsert_insert(session: Session) -> Callable[..., Any]:
    """The session's dialect's ``insert`` (with ``on_conflict_do_nothing/update``): both
    databases spell an upsert the same way, through different constructs."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


# -- the vote click (on the ack's critical path) ------------------------------------------
# Built once, with bind parameters (team, vote, user, topic, count, now): building these
# expressions took a third of a SQLite click's time.


@functools.cache
def vote_click_read(lock: str | None) -> Select[Any]:
    """Vote, set, the voter's membership and the topic, in one read. ``lock`` None (SQLite,
    whose writers are serialised): with ``rules_fixed`` and the voter's totals (``total``,
    ``current``). Otherwise (PostgreSQL): ``FOR <lock> OF agenda_votes FOR UPDATE OF
    memberships``, and the totals must be read after it (``vote_click_totals``)."""
    va = VoteAllocation
    stmt = (
        select(
            AgendaVote.status,
            AgendaVote.session_id,
            AgendaVote.rules,
            LearningSet.settings,
            LearningSet.facilitator_participates,
            Membership.left_at,
            Membership.is_facilitator,
            Topic.session_id.label("topic_session"),
            Topic.status.label("topic_status"),
            Topic.author_id,
        )
        .select_from(AgendaVote)
        .join(
            LearningSet,
            (LearningSet.team_id == AgendaVote.team_id) & (LearningSet.id == AgendaVote.set_id),
        )
        .join(
            Membership,
            (Membership.team_id == AgendaVote.team_id)
            & (Membership.set_id == AgendaVote.set_id)
            & (Membership.user_id == bindparam("user")),
        )
        .outerjoin(Topic, Topic.id == bindparam("topic"))
        .where(AgendaVote.team_id == bindparam("team"), AgendaVote.id == bindparam("vote"))
    )
    if lock is None:
        mine = (va.vote_id == AgendaVote.id) & (va.voter_id == bindparam("user"))
        return stmt.add_columns(
            AgendaVote.rules_fixed,
            select(func.coalesce(func.sum(va.count), 0))
            .where(mine)
            .scalar_subquery()
            .label("total"),
            select(func.coalesce(func.sum(va.count), 0))
            .where(mine, va.topic_id == bindparam("topic"))
            .scalar_subquery()
            .label("current"),
        )
    return stmt.suffix_with(
        f"FOR {lock} OF agenda_votes FOR UPDATE OF memberships", dialect="postgresql"
    )


@functools.cache
def vote_click_totals() -> Select[Any]:
    """The voter's votes in all (``total``) and on the topic (``current``)."""
    va = VoteAllocation
    return select(
        func.coalesce(func.sum(va.count), 0).label("total"),
        func.coalesce(
            func.sum(case((va.topic_id == bindparam("topic"), va.count), else_=0)), 0
        ).label("current"),
    ).where(va.vote_id == bindparam("vote"), va.voter_id == bindparam("user"))


@functools.cache
def vote_click_write(dialect: str) -> Any:
    """Set the voter's count on the topic (insert or update)."""
    va = VoteAllocation
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    upsert = insert(va).values(
        team_id=bindparam("team"),
        vote_id=bindparam("vote"),
        voter_id=bindparam("user"),
        topic_id=bindparam("topic"),
        count=bindparam("count"),
        updated_at=bindparam("now", type_=va.updated_at.type),
    )
    return upsert.on_conflict_do_update(
        index_elements=[va.vote_id, va.voter_id, va.topic_id],
        set_={"count": upsert.excluded.count, "updated_at": upsert.excluded.updated_at},
    )


VOTE_ALLOCATE = text(
    "SELECT outcome, turnout_changed FROM "
    "als_vote_allocate(:team, :vote, :user, :topic, :count, :lock_ms, :now)"
)


def vote_allocate(
    conn: Connection,
    team_id: str,
    vote_id: int,
    user_id: str,
    topic_id: int,
    count: int,
    *,
    lock_ms: int,
    now: datetime,
) -> tuple[bool, bool]:
    """PostgreSQL only: the usual vote click, decided and written in one statement by
    ``als_vote_allocate`` (migration 0007). Returns (done, turnout changed); not done means
    nothing was written and the click is for the full path to decide."""
    row = conn.execute(
        VOTE_ALLOCATE,
        {
            "team": team_id,
            "vote": vote_id,
            "user": user_id,
            "topic": topic_id,
            "count": count,
            "lock_ms": lock_ms,
            "now": now,
        },
    ).one()
    return row.outcome == "ok", bool(row.turnout_changed)


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
            LearningSet.status == "active",
        )
    )


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


def sets_of_user(session: Session, team_id: str, user_id: str) -> Sequence[LearningSet]:
    return session.scalars(
        select(LearningSet)
        .join(Membership, Membership.set_id == LearningSet.id)
        .where(
            LearningSet.team_id == team_id,
            LearningSet.status == "active",
            Membership.team_id == team_id,
            Membership.user_id == user_id,
            Membership.left_at.is_(None),
        )
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


def upcoming_sessions(
    session: Session, team_id: str, set_id: int, now: datetime
) -> list[PlannedSession]:
    """Non-cancelled sessions whose end is after ``now``, earliest first."""
    rows = session.scalars(
        select(PlannedSession)
        .where(
            PlannedSession.team_id == team_id,
            PlannedSession.set_id == set_id,
            PlannedSession.status == "planned",
            PlannedSession.starts_at > now - timedelta(minutes=MAX_SESSION_MINUTES),
        )
        .order_by(PlannedSession.starts_at)
    ).all()
    return [r for r in rows if r.starts_at + timedelta(minutes=r.duration_minutes) > now]


def latest_session(session: Session, team_id: str, set_id: int) -> PlannedSession | None:
    return session.scalar(
        select(PlannedSession)
        .where(PlannedSession.team_id == team_id, PlannedSession.set_id == set_id)
        .order_by(PlannedSession.starts_at.desc())
        .limit(1)
    )


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
        .where(LearningSet.status == "active", Workspace.uninstalled_at.is_(None))
        .order_by(LearningSet.id)
    ).all()


def drop_member_from_open_votes(session: Session, team_id: str, set_id: int, user_id: str) -> bool:
    """A member who leaves (or is removed): their topics leave open votes, with the votes on
    them returned to the voters, and their own votes drop. True if an open vote changed."""
    votes = session.scalars(
        select(AgendaVote).where(
            AgendaVote.team_id == team_id, AgendaVote.set_id == set_id, AgendaVote.status == "open"
        )
    ).all()
    changed = False
    for vote in votes:
        for topic in session.scalars(
            select(Topic).where(
                Topic.session_id == vote.session_id,
                Topic.author_id == user_id,
                Topic.status == "submitted",
            )
        ):
            topic.status = "withdrawn"
            session.execute(delete(VoteAllocation).where(VoteAllocation.topic_id == topic.id))
            changed = True
        dropped = session.execute(
            delete(VoteAllocation).where(
                VoteAllocation.vote_id == vote.id, VoteAllocation.voter_id == user_id
            )
        )
        changed = changed or bool(dropped.rowcount)  # type: ignore[attr-defined]
    session.flush()
    return changed
