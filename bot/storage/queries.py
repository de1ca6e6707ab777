"""Queries shared by the services. Every query is scoped by team id."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    Connection,
    CursorResult,
    Result,
    Select,
    bindparam,
    case,
    delete,
    func,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.domain.schedule import MAX_SESSION_MINUTES
from bot.domain.status import SessionStatus, SetStatus, VoteStatus
from bot.domain.topics import TopicStatus
from bot.storage.models import (
    ActionReport,
    AgendaItem,
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
# Built once, with bind parameters (team, vote, user, topic, count, now).


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
            LearningSet.status == SetStatus.ACTIVE,
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
            PlannedSession.status == SessionStatus.PLANNED,
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
        .where(LearningSet.status == SetStatus.ACTIVE, Workspace.uninstalled_at.is_(None))
        .order_by(LearningSet.id)
    ).all()


def drop_member_from_open_votes(session: Session, team_id: str, set_id: int, user_id: str) -> bool:
    """A member who leaves (or is removed): their topics leave open votes, with the votes on
    them returned to the voters, and their own votes drop. True if an open vote changed."""
    votes = session.scalars(
        select(AgendaVote).where(
            AgendaVote.team_id == team_id,
            AgendaVote.set_id == set_id,
            AgendaVote.status == VoteStatus.OPEN,
        )
    ).all()
    changed = False
    for vote in votes:
        for topic in session.scalars(
            select(Topic).where(
                Topic.session_id == vote.session_id,
                Topic.author_id == user_id,
                Topic.status == TopicStatus.SUBMITTED,
            )
        ):
            topic.status = TopicStatus.WITHDRAWN
            session.execute(delete(VoteAllocation).where(VoteAllocation.topic_id == topic.id))
            changed = True
        dropped = session.execute(
            delete(VoteAllocation).where(
                VoteAllocation.vote_id == vote.id, VoteAllocation.voter_id == user_id
            )
        )
        changed = changed or bool(rowcount(dropped))
    session.flush()
    return changed


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


# -- topics and votes ----------------------------------------------------------------------
def submitted_topics(session: Session, session_id: int) -> list[Topic]:
    """A session's submitted topics, in submission order."""
    return list(
        session.scalars(
            select(Topic)
            .where(Topic.session_id == session_id, Topic.status == TopicStatus.SUBMITTED)
            .order_by(Topic.submitted_at, Topic.id)
        )
    )


def topic_of(session: Session, session_id: int, author_id: str) -> Topic | None:
    """The author's answer for a session (any status)."""
    return session.scalar(
        select(Topic).where(Topic.session_id == session_id, Topic.author_id == author_id)
    )


def vote_of_session(session: Session, session_id: int) -> AgendaVote | None:
    return session.scalar(select(AgendaVote).where(AgendaVote.session_id == session_id))


def vote_by_id(
    session: Session, team_id: str, vote_id: int, *, lock: bool = False
) -> AgendaVote | None:
    stmt = select(AgendaVote).where(AgendaVote.team_id == team_id, AgendaVote.id == vote_id)
    return session.scalar(stmt.with_for_update() if lock else stmt)


def open_votes(session: Session, team_id: str, set_id: int) -> Sequence[AgendaVote]:
    return session.scalars(
        select(AgendaVote).where(
            AgendaVote.team_id == team_id,
            AgendaVote.set_id == set_id,
            AgendaVote.status == VoteStatus.OPEN,
        )
    ).all()


def latest_vote(
    session: Session, team_id: str, set_id: int, *, open_only: bool = False
) -> AgendaVote | None:
    """The set's most recently opened vote (``open_only``: among the open ones)."""
    stmt = select(AgendaVote).where(AgendaVote.team_id == team_id, AgendaVote.set_id == set_id)
    if open_only:
        stmt = stmt.where(AgendaVote.status == VoteStatus.OPEN)
    return session.scalar(stmt.order_by(AgendaVote.opened_at.desc(), AgendaVote.id.desc()).limit(1))


def agenda_items(session: Session, vote_id: int) -> list[tuple[AgendaItem, Topic]]:
    """A vote's agenda, in order, with each item's topic."""
    rows = session.execute(
        select(AgendaItem, Topic)
        .join(Topic, Topic.id == AgendaItem.topic_id)
        .where(AgendaItem.vote_id == vote_id)
        .order_by(AgendaItem.position)
    ).all()
    return [(item, topic) for item, topic in rows]


def voters_among(session: Session, vote_id: int, eligible: Sequence[str]) -> int:
    """How many of ``eligible`` have cast at least one vote."""
    count = session.scalar(
        select(func.count(func.distinct(VoteAllocation.voter_id))).where(
            VoteAllocation.vote_id == vote_id,
            VoteAllocation.count > 0,
            VoteAllocation.voter_id.in_(eligible),
        )
    )
    return int(count or 0)


def votes_of(session: Session, vote_id: int, voter_id: str) -> dict[int, int]:
    """A voter's votes: topic id -> count."""
    return {
        a.topic_id: a.count
        for a in session.scalars(
            select(VoteAllocation).where(
                VoteAllocation.vote_id == vote_id, VoteAllocation.voter_id == voter_id
            )
        )
    }


def tallies(session: Session, vote_id: int, voters: Sequence[str]) -> dict[int, int]:
    """Votes per topic, counting only ``voters``."""
    out: dict[int, int] = {}
    wanted = set(voters)
    for a in session.scalars(select(VoteAllocation).where(VoteAllocation.vote_id == vote_id)):
        if a.voter_id in wanted:
            out[a.topic_id] = out.get(a.topic_id, 0) + a.count
    return out


def airtime_ledger(
    session: Session, team_id: str, set_id: int
) -> dict[str, tuple[int, int, datetime | None]]:
    """Presenter -> (sessions presented, minutes given, last presented), confirmed agendas."""
    rows = session.execute(
        select(AgendaItem.presenter_id, AgendaItem.minutes, PlannedSession.starts_at)
        .join(AgendaVote, AgendaVote.id == AgendaItem.vote_id)
        .join(PlannedSession, PlannedSession.id == AgendaVote.session_id)
        .where(
            AgendaItem.team_id == team_id,
            AgendaItem.set_id == set_id,
            AgendaVote.status == VoteStatus.CONFIRMED,
        )
    ).all()
    ledger: dict[str, tuple[int, int, datetime | None]] = {}
    for presenter, minutes, starts_at in rows:
        count, total, last = ledger.get(presenter, (0, 0, None))
        ledger[presenter] = (count + 1, total + minutes, max(filter(None, (last, starts_at))))
    return ledger
