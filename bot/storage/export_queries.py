"""What the exports read: a set's shared actions (private ones only counted), and the
programme's figures per session (SQL aggregates, each with how many people it comes from). A
member's own rows are read by ``mydata_queries``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Executable, case, func, or_, select, true
from sqlalchemy.orm import Session

from bot.domain.status import SessionStatus, VoteStatus
from bot.storage.models import (
    Action,
    AgendaItem,
    AgendaVote,
    Commitment,
    PlannedSession,
    SessionAttendance,
    SessionReview,
)
from bot.storage.report_queries import since_filter


def _rows(s: Session, stmt: Executable) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in s.execute(stmt).all()]


def seen_by(viewer: str, since: datetime | None) -> Any:
    """The newcomer rule (``bot.domain.newcomers.shown``) in SQL, for actions: the viewer's
    own, or those of sessions that started once they had joined (``since`` None: all)."""
    if since is None:
        return true()
    return or_(Action.owner_id == viewer, PlannedSession.starts_at >= since)


def shared_actions(
    s: Session, team_id: str, set_id: int, *, viewer: str = "", since: datetime | None = None
) -> list[tuple[Any, ...]]:
    """(session day, owner, action, target date, status) of the set's shared actions (those
    ``viewer`` may see, ``seen_by``)."""
    return _rows(
        s,
        select(
            PlannedSession.local_date,
            Action.owner_id,
            Action.text,
            Action.target_date,
            Action.status,
        )
        .join(Commitment, Commitment.id == Action.commitment_id)
        .join(PlannedSession, PlannedSession.id == Action.session_id)
        .where(Action.team_id == team_id, Action.set_id == set_id, Commitment.shared)
        .where(seen_by(viewer, since))
        .order_by(PlannedSession.starts_at, Action.owner_id, Action.id),
    )


def private_counts(
    s: Session, team_id: str, set_id: int, *, viewer: str = "", since: datetime | None = None
) -> dict[str, int]:
    """owner -> how many of their actions in the set are private (counted, never listed; those
    ``viewer`` may see, ``seen_by``)."""
    rows = s.execute(
        select(Action.owner_id, func.count())
        .join(Commitment, Commitment.id == Action.commitment_id)
        .join(PlannedSession, PlannedSession.id == Action.session_id)
        .where(Action.team_id == team_id, Action.set_id == set_id, ~Commitment.shared)
        .where(seen_by(viewer, since))
        .group_by(Action.owner_id)
    ).all()
    return {str(owner): int(n) for owner, n in rows}


def per_session(
    s: Session, team_id: str, set_ids: Sequence[int], now: datetime, since: datetime | None = None
) -> list[tuple[int, int, date, bool, tuple[int, int, int], tuple[int, int], tuple[int, float]]]:
    """One row per session of the sets (not cancelled), in order: (set, session, day, held,
    attendance (present, marks, people), topics (count, presenters), reviews (answers, sum))."""
    marks = (
        select(
            SessionAttendance.session_id,
            func.sum(case((SessionAttendance.present, 1), else_=0)).label("present"),
            func.count().label("marks"),
            func.count(SessionAttendance.user_id.distinct()).label("people"),
        )
        .where(SessionAttendance.team_id == team_id, SessionAttendance.set_id.in_(set_ids))
        .group_by(SessionAttendance.session_id)
        .subquery()
    )
    topics = (
        select(
            AgendaVote.session_id,
            func.count().label("topics"),
            func.count(AgendaItem.presenter_id.distinct()).label("presenters"),
        )
        .join(AgendaItem, AgendaItem.vote_id == AgendaVote.id)
        .where(
            AgendaVote.team_id == team_id,
            AgendaVote.set_id.in_(set_ids),
            AgendaVote.status == VoteStatus.CONFIRMED,
        )
        .group_by(AgendaVote.session_id)
        .subquery()
    )
    reviews = (
        select(
            SessionReview.session_id,
            func.count().label("answers"),
            func.sum(SessionReview.useful).label("total"),
        )
        .where(SessionReview.team_id == team_id, SessionReview.set_id.in_(set_ids))
        .group_by(SessionReview.session_id)
        .subquery()
    )
    rows = s.execute(
        select(
            PlannedSession.set_id,
            PlannedSession.id,
            PlannedSession.local_date,
            PlannedSession.starts_at < now,
            marks.c.present,
            marks.c.marks,
            marks.c.people,
            topics.c.topics,
            topics.c.presenters,
            reviews.c.answers,
            reviews.c.total,
        )
        .outerjoin(marks, marks.c.session_id == PlannedSession.id)
        .outerjoin(topics, topics.c.session_id == PlannedSession.id)
        .outerjoin(reviews, reviews.c.session_id == PlannedSession.id)
        .where(
            PlannedSession.team_id == team_id,
            PlannedSession.set_id.in_(set_ids),
            PlannedSession.status == SessionStatus.PLANNED,
            *since_filter(PlannedSession.id, since),
        )
        .order_by(PlannedSession.set_id, PlannedSession.starts_at)
    ).all()
    return [
        (
            int(r[0]),
            int(r[1]),
            r[2],
            bool(r[3]),
            (int(r[4] or 0), int(r[5] or 0), int(r[6] or 0)),
            (int(r[7] or 0), int(r[8] or 0)),
            (int(r[9] or 0), float(r[10] or 0)),
        )
        for r in rows
    ]
