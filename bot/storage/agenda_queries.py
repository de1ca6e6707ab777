"""Queries of topics, agenda votes, ballots and agendas (``bot.storage.queries`` has the sets,
members and sessions). Every query is scoped by team id or by a row found through one.

The vote click's statements are on the ack's critical path: built once, with bind parameters
(team, vote, user, topic, count, now).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, bindparam, case, delete, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.domain.status import VoteStatus
from bot.domain.topics import TopicStatus
from bot.storage.models import (
    AgendaItem,
    AgendaVote,
    LearningSet,
    Membership,
    PlannedSession,
    Topic,
    VoteAllocation,
)
from bot.storage.queries import rowcount

# -- the vote click ----------------------------------------------------------------------------


def _vote_set_member(*columns: Any) -> Select[Any]:
    """A vote with its set and the voter's membership (outer join: ``member_id`` None when not a
    member), and ``columns``; the click's read and the ballot's redraw share it. Binds
    ``user``."""
    return (
        select(
            AgendaVote.status,
            AgendaVote.session_id,
            AgendaVote.rules,
            AgendaVote.rules_fixed,
            LearningSet.name,
            LearningSet.settings,
            LearningSet.facilitator_participates,
            Membership.id.label("member_id"),
            Membership.left_at,
            Membership.is_facilitator,
            *columns,
        )
        .select_from(AgendaVote)
        .join(
            LearningSet,
            (LearningSet.team_id == AgendaVote.team_id) & (LearningSet.id == AgendaVote.set_id),
        )
        .outerjoin(
            Membership,
            (Membership.team_id == AgendaVote.team_id)
            & (Membership.set_id == AgendaVote.set_id)
            & (Membership.user_id == bindparam("user")),
        )
    )


def _voter_total() -> Any:
    """The voter's votes in all in the vote (``total``), for a read of the vote. Binds
    ``user``."""
    va = VoteAllocation
    mine = (va.vote_id == AgendaVote.id) & (va.voter_id == bindparam("user"))
    return select(func.coalesce(func.sum(va.count), 0)).where(mine).scalar_subquery().label("total")


@functools.cache
def vote_click_facts() -> Select[Any]:
    """SQLite (its writers are serialised, so nothing can change under this read): everything a
    click is decided on, in one read: the vote and its set, the voter's membership and the
    topic (outer joins: None when missing), and the voter's votes in all (``total``) and on the
    topic (``current``)."""
    va = VoteAllocation
    mine = (va.vote_id == AgendaVote.id) & (va.voter_id == bindparam("user"))
    return (
        _vote_set_member(
            Topic.session_id.label("topic_session"),
            Topic.status.label("topic_status"),
            Topic.author_id,
            _voter_total(),
            select(func.coalesce(func.sum(va.count), 0))
            .where(mine, va.topic_id == bindparam("topic"))
            .scalar_subquery()
            .label("current"),
        )
        .outerjoin(Topic, Topic.id == bindparam("topic"))
        .where(AgendaVote.team_id == bindparam("team"), AgendaVote.id == bindparam("vote"))
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


# -- the voter's ballot, redrawn after each click: statements built once, columns only ------


@functools.cache
def ballot_facts() -> Select[Any]:
    """What a voter's ballot is drawn on, in one read: the vote and its set, the voter's
    membership (outer join: ``member_id`` None when not a member) and their votes in all
    (``total``). Binds ``team``, ``vote`` and ``user``."""
    return _vote_set_member(_voter_total()).where(
        AgendaVote.team_id == bindparam("team"), AgendaVote.id == bindparam("vote")
    )


@functools.cache
def ballot_topics() -> Select[*tuple[Any, ...]]:
    """A session's submitted topics, in submission order, as the ballot shows them (the
    columns of ``TopicInfo``), each with the voter's votes on it (``votes``). Binds ``team``,
    ``session``, ``vote`` and ``user``."""
    va = VoteAllocation
    mine = (
        (va.vote_id == bindparam("vote"))
        & (va.voter_id == bindparam("user"))
        & (va.topic_id == Topic.id)
    )
    return (
        select(
            Topic.id,
            Topic.set_id,
            Topic.session_id,
            Topic.author_id,
            Topic.status,
            Topic.title,
            Topic.scenario,
            Topic.question,
            Topic.tried,
            Topic.shared,
            Topic.carried_from_id,
            Topic.submitted_at,
            func.coalesce(va.count, 0).label("votes"),
        )
        .outerjoin(va, mine)
        .where(
            Topic.team_id == bindparam("team"),
            Topic.session_id == bindparam("session"),
            Topic.status == TopicStatus.SUBMITTED,
        )
        .order_by(Topic.submitted_at, Topic.id)
    )


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
