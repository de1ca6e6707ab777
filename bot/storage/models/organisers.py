"""Organisers: people who see the programme report of a workspace's sets (counts only), besides
the workspace's admins. Added by the lead of a set."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, SlackId
from bot.storage.types import utcnow


class Organiser(Base):
    __tablename__ = "organisers"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"))
    user_id: Mapped[str] = mapped_column(SlackId)
    added_by: Mapped[str] = mapped_column(SlackId)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
