"""Reads and conditional writes of live sessions (``bot.services.live``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from bot.domain.live import Clock
from bot.domain.status import LiveStatus
from bot.storage.models import LivePart, LiveSession
from bot.storage.models.live import RUNNING
from bot.storage.queries import rowcount


def live_of_session(s: Session, team_id: str, session_id: int) -> LiveSession | None:
    return s.scalar(
        select(LiveSession).where(
            LiveSession.team_id == team_id, LiveSession.session_id == session_id
        )
    )


def live_by_id(s: Session, team_id: str, live_id: int) -> LiveSession | None:
    return s.scalar(
        select(LiveSession).where(LiveSession.team_id == team_id, LiveSession.id == live_id)
    )


def running_of_set(s: Session, team_id: str, set_id: int) -> LiveSession | None:
    """The set's session running live now, if any (at most one at a time in practice: the
    newest)."""
    return s.scalar(
        select(LiveSession)
        .where(LiveSession.team_id == team_id, LiveSession.set_id == set_id, text(RUNNING))
        .order_by(LiveSession.started_at.desc(), LiveSession.id.desc())
        .limit(1)
    )


def part_at(s: Session, live_id: int, position: int) -> LivePart | None:
    return s.scalar(
        select(LivePart).where(LivePart.live_id == live_id, LivePart.position == position)
    )


def parts_of(s: Session, live_id: int) -> Sequence[LivePart]:
    return s.scalars(
        select(LivePart).where(LivePart.live_id == live_id).order_by(LivePart.position)
    ).all()


def part_by_id(s: Session, team_id: str, part_id: int) -> LivePart | None:
    return s.scalar(select(LivePart).where(LivePart.team_id == team_id, LivePart.id == part_id))


def move(s: Session, live: LiveSession, revision: int, clock: Clock, now: datetime) -> bool:
    """Write ``clock`` if the live session is still at ``revision`` (one change follows each
    revision: of two clicks or two passes at once, one moves it). False: it had moved."""
    done = s.execute(
        update(LiveSession)
        .where(
            LiveSession.id == live.id,
            LiveSession.revision == revision,
            text(RUNNING),
        )
        .values(
            step=clock.step,
            deadline=clock.deadline,
            paused_left=clock.paused_left,
            status=(LiveStatus.ENDED if clock.ended else LiveStatus.RUNNING).value,
            ended_at=now if clock.ended else None,
            revision=revision + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if rowcount(done) != 1:
        return False
    s.refresh(live)
    return True


def due(s: Session, now: datetime, limit: int = 200) -> Sequence[tuple[int, str]]:
    """Running live sessions whose stage's time is up: (id, team), the most overdue first."""
    rows = s.execute(
        select(LiveSession.id, LiveSession.team_id)
        .where(text(RUNNING), LiveSession.deadline <= now)
        .order_by(LiveSession.deadline)
        .limit(limit)
    ).all()
    return [(int(r[0]), str(r[1])) for r in rows]
