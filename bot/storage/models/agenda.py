"""Topics, agenda votes, ballots and agendas."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.domain.status import VoteStatus
from bot.storage.crypto import EncryptedText
from bot.storage.models.base import Base, SlackId
from bot.storage.types import utcnow


class Topic(Base):
    """A member's response for one session: a topic (private or shared), or "no topic"."""

    __tablename__ = "topics"
    __table_args__ = (
        UniqueConstraint("session_id", "author_id"),
        ForeignKeyConstraint(["team_id", "set_id"], ["learning_sets.team_id", "learning_sets.id"]),
        Index("ix_topics_team_set", "team_id", "set_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    set_id: Mapped[int] = mapped_column(Integer)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"))
    author_id: Mapped[str] = mapped_column(SlackId)
    status: Mapped[str] = mapped_column(String(16))  # submitted | no_topic | withdrawn
    title: Mapped[str] = mapped_column(String(80), default="")
    scenario: Mapped[str] = mapped_column(EncryptedText, default="")
    question: Mapped[str] = mapped_column(EncryptedText, default="")
    tried: Mapped[str] = mapped_column(EncryptedText, default="")
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    # Carried over from an earlier session where it was not chosen: wins ties.
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


#: Votes still open, or closed but not confirmed (the partial index and its queries).
UNFINISHED_VOTE = f"status IN ('{VoteStatus.OPEN}', '{VoteStatus.CLOSED}')"


class AgendaVote(Base):
    """The agenda vote of one session, and then its agenda (same channel message)."""

    __tablename__ = "agenda_votes"
    __table_args__ = (
        UniqueConstraint("session_id"),
        # The tick's "votes of sessions that have ended": an index range on when they end,
        # over unfinished votes only (its cost does not grow with the votes still running).
        Index(
            "ix_agenda_votes_unfinished_ends_at",
            "ends_at",
            postgresql_where=text(UNFINISHED_VOTE),
            sqlite_where=text(UNFINISHED_VOTE),
        ),
        ForeignKeyConstraint(["team_id", "set_id"], ["learning_sets.team_id", "learning_sets.id"]),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    set_id: Mapped[int] = mapped_column(Integer)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"))
    # open -> closed (agenda drafted, the facilitator may adjust) -> confirmed; or skipped.
    status: Mapped[str] = mapped_column(String(16), default=VoteStatus.OPEN.value)
    channel_id: Mapped[str] = mapped_column(SlackId)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    # The rules in force; frozen (rules_fixed) once the first vote is cast.
    rules: Mapped[dict[str, Any]] = mapped_column(default=dict)
    rules_fixed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Every topic fitted the session's places: the agenda was drafted at once, with no vote.
    without_vote: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    opened_by: Mapped[str] = mapped_column(SlackId)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    # The end of its session (kept in step when the session moves): a vote still unfinished
    # then is closed and confirmed by the scheduler.
    ends_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]


class VoteAllocation(Base):
    """How many of one voter's votes one topic has."""

    __tablename__ = "vote_allocations"
    __table_args__ = (
        UniqueConstraint("vote_id", "voter_id", "topic_id"),
        Index("ix_vote_allocations_vote_voter", "vote_id", "voter_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    vote_id: Mapped[int] = mapped_column(ForeignKey("agenda_votes.id"))
    voter_id: Mapped[str] = mapped_column(SlackId)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"))
    count: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AgendaItem(Base):
    """A chosen topic on a session's agenda: its place and minutes. Items of confirmed agendas
    form the set's airtime ledger (who presented, when, for how long)."""

    __tablename__ = "agenda_items"
    __table_args__ = (
        UniqueConstraint("vote_id", "topic_id"),
        Index("ix_agenda_items_team_set", "team_id", "set_id"),  # the reports' counts
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    set_id: Mapped[int] = mapped_column(Integer)
    vote_id: Mapped[int] = mapped_column(ForeignKey("agenda_votes.id"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"))
    presenter_id: Mapped[str] = mapped_column(SlackId)
    position: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer)
    votes: Mapped[int] = mapped_column(Integer, default=0)
