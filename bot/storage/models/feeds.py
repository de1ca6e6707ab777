"""Calendar feeds: which generation of a member's feed link is the live one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, SlackId
from bot.storage.types import utcnow


class CalendarFeed(Base):
    """A member's calendar feed. Its secret link is derived from the generation (``access``'s
    seal); ``/als calendar reset`` moves to the next generation, and older links stop."""

    __tablename__ = "calendar_feeds"

    team_id: Mapped[str] = mapped_column(SlackId, primary_key=True)
    user_id: Mapped[str] = mapped_column(SlackId, primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
