"""Retention (``bot.domain.retention``): which sets are due, and clearing one set's free text
with conditional UPDATEs, each text compared with when it was last written, so that an edit
made after the cut-off is kept and nothing cleared comes back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, or_, select, text, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.domain.retention import cut_off
from bot.domain.status import SessionStatus
from bot.storage import queries as q
from bot.storage.erase import blank, has_text
from bot.storage.models import (
    Action,
    ActionReport,
    Commitment,
    LearningSet,
    LivePart,
    LogEntry,
    MemberGoal,
    PlannedSession,
    Rsvp,
    SessionReview,
    Topic,
)
from bot.storage.models.sets import RETENTION_PENDING

Column = InstrumentedAttribute[Any]

#: Every member text the retention clears, with the column saying when it was last written
#: (None: it cannot be written once its session is over). Topic titles are the set's agenda
#: and stay (``erase.MEMBER_TEXTS`` is the list a test holds this one against).
CLEARED: tuple[tuple[Column, Column | None], ...] = (
    (Topic.scenario, Topic.updated_at),
    (Topic.question, Topic.updated_at),
    (Topic.tried, Topic.updated_at),
    (Rsvp.reason, Rsvp.answered_at),
    (MemberGoal.goal, MemberGoal.written_at),
    (MemberGoal.note, MemberGoal.rated_at),
    (Commitment.note, Commitment.updated_at),
    (Action.text, Action.updated_at),
    (ActionReport.happened, ActionReport.updated_at),
    (ActionReport.learned, ActionReport.updated_at),
    (LogEntry.about_issue, LogEntry.updated_at),
    (LogEntry.about_set, LogEntry.updated_at),
    (SessionReview.note, SessionReview.answered_at),
    (LivePart.question, None),
)


@dataclass(frozen=True)
class Due:
    team_id: str
    set_id: int
    cut_off: datetime


def due_sets(s: Session, at: datetime, limit: int) -> list[Due]:
    """Sets not cleared yet whose last session ended ``retention_days`` or more before ``at``
    (a set with sessions to come is running: never due). One query per retention choice, over
    the index of sets not cleared; the exact end (start + length) is checked here. At most
    ``limit`` (the rest wait for the next pass)."""
    pending = text(RETENTION_PENDING)
    choices = s.scalars(select(LearningSet.retention_days).where(pending).distinct()).all()
    due: list[Due] = []
    for days in choices:
        if days is None:
            continue
        latest = at - timedelta(days=days)
        held = PlannedSession.status != SessionStatus.CANCELLED
        later = exists().where(
            PlannedSession.set_id == LearningSet.id,
            held,
            PlannedSession.starts_at > latest,
        )
        some = exists().where(PlannedSession.set_id == LearningSet.id, held)
        rows = s.execute(
            select(LearningSet.team_id, LearningSet.id)
            .where(pending, LearningSet.retention_days == days, some, ~later)
            .limit(limit - len(due))
        ).all()
        for team_id, set_id in rows:
            end = _last_end(s, team_id, set_id)
            if end is not None and cut_off(end, days) <= at:
                due.append(Due(team_id, set_id, cut_off(end, days)))
        if len(due) >= limit:
            break
    return due


def _last_end(s: Session, team_id: str, set_id: int) -> datetime | None:
    row = s.execute(
        select(PlannedSession.starts_at, PlannedSession.duration_minutes)
        .where(
            PlannedSession.team_id == team_id,
            PlannedSession.set_id == set_id,
            PlannedSession.status != SessionStatus.CANCELLED,
        )
        .order_by(PlannedSession.starts_at.desc())
        .limit(1)
    ).first()
    return None if row is None else row[0] + timedelta(minutes=row[1])


def clear_set(s: Session, due: Due, at: datetime) -> dict[str, int] | None:
    """Clear ``due``'s set's member texts written up to its cut-off; how many, by table
    (None: another pass cleared it first, or it changed). The set's row is locked first, so
    two scheduler processes clear it once."""
    lset = s.scalar(
        select(LearningSet)
        .where(
            LearningSet.team_id == due.team_id,
            LearningSet.id == due.set_id,
            LearningSet.texts_cleared_at.is_(None),
        )
        .with_for_update()
    )
    if lset is None:
        return None
    cleared: dict[str, int] = {}
    for column, stamp in CLEARED:
        table = column.class_
        where = [table.team_id == due.team_id, table.set_id == due.set_id, has_text(column)]
        if stamp is not None:
            where.append(or_(stamp.is_(None), stamp <= due.cut_off))
        done = q.rowcount(
            s.execute(
                update(table)
                .where(*where)
                .values({column.key: blank(column)})
                .execution_options(synchronize_session=False)
            )
        )
        if done:
            cleared[table.__tablename__] = cleared.get(table.__tablename__, 0) + done
    lset.texts_cleared_at = at
    s.flush()
    return cleared
