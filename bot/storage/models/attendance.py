"""Attendance: members' answers for coming sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.crypto import EncryptedText
from bot.storage.models.base import Base, MemberSessionRow, SlackId
from bot.storage.types import utcnow


class Rsvp(MemberSessionRow, Base):
    """A member's answer for one session: coming, or apologies (with a reason only they see).
    It follows the session when the session moves."""

    __tablename__ = "rsvps"

    answer: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(EncryptedText)  # private: shown to its author only
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)


class SessionAttendance(MemberSessionRow, Base):
    """Who attended a session that took place, as the facilitator confirmed it (until then,
    attendance is read from the answers, the agenda and the report-backs)."""

    __tablename__ = "session_attendance"

    present: Mapped[bool] = mapped_column(Boolean)
    recorded_by: Mapped[str] = mapped_column(SlackId)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
