"""The live session: where a running session is (its step and clock), and one message per
part of it in the agenda message's thread (``bot.domain.live``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.domain.status import LiveStatus
from bot.storage.crypto import EncryptedText
from bot.storage.models.base import Base, SlackId
from bot.storage.types import utcnow

RUNNING = f"status = '{LiveStatus.RUNNING.value}'"


class LiveSession(Base):
    """A session being run in Slack. ``revision`` grows with every change: a click names the
    revision it saw, and only one change can follow a revision (two *Next stage* at once
    advance once)."""

    __tablename__ = "live_sessions"
    __table_args__ = (
        UniqueConstraint("session_id"),
        # The live pass's "stages whose time is up": a range on deadlines of running sessions.
        Index(
            "ix_live_sessions_running_deadline",
            "deadline",
            postgresql_where=text(RUNNING),
            sqlite_where=text(RUNNING),
        ),
        ForeignKeyConstraint(["team_id", "set_id"], ["learning_sets.team_id", "learning_sets.id"]),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    set_id: Mapped[int] = mapped_column(Integer)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"))
    channel_id: Mapped[str] = mapped_column(SlackId)
    thread_ts: Mapped[str | None] = mapped_column(String(32))  # the agenda message
    steps: Mapped[list[Any]] = mapped_column(JSON)  # [[part, stage, minutes], ...]
    step: Mapped[int] = mapped_column(Integer, default=0)
    deadline: Mapped[datetime | None]  # None: a time-out, or ended
    paused_left: Mapped[int | None] = mapped_column(Integer)  # seconds, during a time-out
    status: Mapped[str] = mapped_column(String(16), default=LiveStatus.RUNNING.value)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    started_by: Mapped[str] = mapped_column(SlackId)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


class LivePart(Base):
    """One part of a live session (the opening, a topic, the closing): its message in the
    thread, kept in place (the outbox's ``Note.LIVE``, ``ref_id`` = this row)."""

    __tablename__ = "live_parts"
    __table_args__ = (UniqueConstraint("live_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    set_id: Mapped[int] = mapped_column(Integer)
    live_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"))
    position: Mapped[int] = mapped_column(Integer)  # the steps' part
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    presenter_id: Mapped[str | None] = mapped_column(SlackId)
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    question: Mapped[str | None] = mapped_column(EncryptedText)  # shared preparation, or typed
    message_ts: Mapped[str | None] = mapped_column(String(32))
