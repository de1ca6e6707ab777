"""Reads of personal goals: a member's own, and ratings counted (never who gave which)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.storage.models import MemberGoal


def goal_of(s: Session, team_id: str, set_id: int, user_id: str) -> MemberGoal | None:
    return s.scalar(
        select(MemberGoal).where(
            MemberGoal.team_id == team_id,
            MemberGoal.set_id == set_id,
            MemberGoal.user_id == user_id,
        )
    )


def rating_counts(s: Session, team_id: str, set_ids: Sequence[int]) -> dict[int, dict[int, int]]:
    """set -> rating -> how many members gave it (counted in the database)."""
    if not set_ids:
        return {}
    rows = s.execute(
        select(MemberGoal.set_id, MemberGoal.rating, func.count())
        .where(
            MemberGoal.team_id == team_id,
            MemberGoal.set_id.in_(set_ids),
            MemberGoal.rating.is_not(None),
        )
        .group_by(MemberGoal.set_id, MemberGoal.rating)
    ).all()
    out: dict[int, dict[int, int]] = {}
    for set_id, rating, n in rows:
        if rating is not None:
            out.setdefault(int(set_id), {})[int(rating)] = int(n)
    return out
