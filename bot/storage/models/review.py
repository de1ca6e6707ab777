"""The closing review: one member's answer about one session (anonymous: only averages and
counts from three answers on are ever shown, ``bot.domain.review``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, SlackId
from bot.storage.types import utcnow


class SessionReview(Base):
    """How useful a member found a session (1-5) and, optionally, one line on how the set
    worked. The member is kept so that a second answer replaces the first; no view shows it."""

    __tablename__ = "session_reviews"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id"),
        ForeignKeyConstraint(["team_id", "set_id"], ["learning_sets.team_id", "learning_sets.id"]),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    set_id: Mapped[int] = mapped_column(Integer)
    session_id: Mapped[int] = mapped_column(Integer, ForeignKey("sessions.id"))
    user_id: Mapped[str] = mapped_column(SlackId)
    useful: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(200))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
