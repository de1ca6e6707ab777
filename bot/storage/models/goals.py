"""Personal goals: what a member wants to be able to do by the end of the programme (private
to them), and, at the end, how far they got (1-5, aggregated only from three answers on)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKeyConstraint,
    Integer,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.crypto import EncryptedText
from bot.storage.models.base import Base, SlackId
from bot.storage.types import utcnow


class MemberGoal(Base):
    """One member's goal in one set. The text is the member's alone: no view but their own
    shows it; reports count ratings."""

    __tablename__ = "member_goals"
    __table_args__ = (
        UniqueConstraint("set_id", "user_id"),
        ForeignKeyConstraint(["team_id", "set_id"], ["learning_sets.team_id", "learning_sets.id"]),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    set_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(SlackId)
    goal: Mapped[str] = mapped_column(EncryptedText)
    written_at: Mapped[datetime] = mapped_column(default=utcnow)
    rating: Mapped[int | None] = mapped_column(Integer)  # 1-5, at the end
    note: Mapped[str | None] = mapped_column(EncryptedText)  # one line with the rating
    rated_at: Mapped[datetime | None]
