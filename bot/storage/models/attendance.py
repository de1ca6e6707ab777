"""Attendance: members' answers for coming sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, SlackId
from bot.storage.types import utcnow


class Rsvp(Base):
    """A member's answer for one session: coming, or apologies (with a reason only they see).
    It follows the session when the session moves."""

    __tablename__ = "rsvps"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id"),
        ForeignKeyConstraint(["team_id", "set_id"], ["learning_sets.team_id", "learning_sets.id"]),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    set_id: Mapped[int] = mapped_column(Integer)
    session_id: Mapped[int] = mapped_column(Integer, ForeignKey("sessions.id"))
    user_id: Mapped[str] = mapped_column(SlackId)
    answer: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)  # private: shown to its author only
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)


class SessionAttendance(Base):
    """Who attended a session that took place, as the facilitator confirmed it (until then,
    attendance is read from the answers, the agenda and the report-backs)."""

    __tablename__ = "session_attendance"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id"),
        ForeignKeyConstraint(["team_id", "set_id"], ["learning_sets.team_id", "learning_sets.id"]),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    set_id: Mapped[int] = mapped_column(Integer)
    session_id: Mapped[int] = mapped_column(Integer, ForeignKey("sessions.id"))
    user_id: Mapped[str] = mapped_column(SlackId)
    present: Mapped[bool] = mapped_column(Boolean)
    recorded_by: Mapped[str] = mapped_column(SlackId)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
