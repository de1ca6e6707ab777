"""The facilitator rota's requests: a session handed over to a member, or a stand-in asked of
the set."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, SlackId
from bot.storage.types import utcnow


class FacilitationRequest(Base):
    """A session's facilitator asks someone to take the session over: one member
    (``to_user``; they accept or decline) or the whole set (a stand-in: the first member to
    accept takes it). Deciding is a conditional update of ``status``, so two acceptances at
    once leave one winner."""

    __tablename__ = "facilitation_requests"
    __table_args__ = (
        ForeignKeyConstraint(["team_id", "set_id"], ["learning_sets.team_id", "learning_sets.id"]),
        Index("ix_facilitation_requests_session", "session_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    set_id: Mapped[int] = mapped_column(Integer)
    session_id: Mapped[int] = mapped_column(Integer, ForeignKey("sessions.id"))
    kind: Mapped[str] = mapped_column(String(16))  # "handover" (to one member) or "standin"
    from_user: Mapped[str] = mapped_column(SlackId)
    to_user: Mapped[str | None] = mapped_column(SlackId)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(SlackId)
