"""Queries of calendar feeds. A feed is polled often, so its read is one statement, built once
with bind parameters (team, user, generation, since), run on an autocommit connection (no
``BEGIN`` and ``COMMIT`` round trips)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, Connection, Row, Select, bindparam, select

from bot.domain.status import SetStatus
from bot.storage.models import CalendarFeed, LearningSet, Membership, PlannedSession

#: What a calendar shows of a session, in ``SessionFacts``' order, then its set's name and place.
FACTS = (
    PlannedSession.id,
    PlannedSession.set_id,
    PlannedSession.starts_at,
    PlannedSession.duration_minutes,
    PlannedSession.timezone,
    PlannedSession.status,
    PlannedSession.revision,
    PlannedSession.created_at,
)


@functools.cache
def _feed_sessions() -> Select[*tuple[Any, ...]]:
    """The sessions of a live feed's sets (the member's, active) since a time, with their sets'
    names and places; no rows when the feed's generation is not the live one."""
    team: BindParameter[str] = bindparam("team")
    user: BindParameter[str] = bindparam("user")
    return (
        select(*FACTS, LearningSet.name, LearningSet.place)
        .join(LearningSet, LearningSet.id == PlannedSession.set_id)
        .join(
            Membership,
            (Membership.set_id == LearningSet.id)
            & (Membership.team_id == team)
            & (Membership.user_id == user)
            & Membership.left_at.is_(None),
        )
        .join(
            CalendarFeed,
            (CalendarFeed.team_id == team)
            & (CalendarFeed.user_id == user)
            & (CalendarFeed.generation == bindparam("generation")),
        )
        .where(
            PlannedSession.team_id == team,
            LearningSet.team_id == team,
            LearningSet.status == SetStatus.ACTIVE.value,
            PlannedSession.starts_at >= bindparam("since", type_=PlannedSession.starts_at.type),
        )
        .order_by(PlannedSession.starts_at, PlannedSession.id)
    )


def feed_sessions(
    conn: Connection, team_id: str, user_id: str, generation: int, since: datetime
) -> Sequence[Row[Any]]:
    params = {"team": team_id, "user": user_id, "generation": generation, "since": since}
    return conn.execute(_feed_sessions(), params).all()


def live_generation(conn: Connection, team_id: str, user_id: str) -> int | None:
    """The member's live feed generation (None: they never had a feed)."""
    return conn.execute(
        select(CalendarFeed.generation).where(
            CalendarFeed.team_id == team_id, CalendarFeed.user_id == user_id
        )
    ).scalar_one_or_none()
