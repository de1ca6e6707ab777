"""Reads of personal goals: a member's own (ratings are counted in ``report_queries``)."""

from __future__ import annotations

from sqlalchemy import select
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
