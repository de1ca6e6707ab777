"""The declarative base: naming conventions and column types shared by every table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from bot.storage.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SlackId = String(32)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}  # noqa: RUF012


class MemberSessionRow:
    """The columns of a row about one member and one session, at most one per pair: an
    answer, an attendance mark, a review. Scoped by team and set like every row."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    set_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(SlackId)

    @declared_attr
    def session_id(cls) -> Mapped[int]:
        return mapped_column(Integer, ForeignKey("sessions.id"))

    @declared_attr.directive
    def __table_args__(cls) -> tuple[object, ...]:
        return (
            UniqueConstraint("session_id", "user_id"),
            ForeignKeyConstraint(
                ["team_id", "set_id"], ["learning_sets.team_id", "learning_sets.id"]
            ),
            # The reports count a workspace's sets: a range on (team, set), not a full scan.
            Index(f"ix_{cls.__tablename__}_team_set", "team_id", "set_id"),  # type: ignore[attr-defined]
        )
