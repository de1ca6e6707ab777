"""The closing review: one member's answer about one session (anonymous: only averages and
counts from three answers on are ever shown, ``bot.domain.review``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.crypto import EncryptedText
from bot.storage.models.base import Base, MemberSessionRow
from bot.storage.types import utcnow


class SessionReview(MemberSessionRow, Base):
    """How useful a member found a session (1-5) and, optionally, one line on how the set
    worked. The member is kept so that a second answer replaces the first; no view shows it."""

    __tablename__ = "session_reviews"

    useful: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(EncryptedText)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
