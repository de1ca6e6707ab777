"""Queries of the facilitator rota: the sessions it counts, and hand-over requests. Every query
is scoped by team id or by a row found through one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.domain.rota import RequestStatus
from bot.storage.models import FacilitationRequest, PlannedSession
from bot.storage.queries import rowcount, sessions_not_cancelled


def counted_sessions(s: Session, team_id: str, set_id: int) -> Sequence[PlannedSession]:
    """The set's sessions that count in the rota (not cancelled), in order."""
    return sessions_not_cancelled(s, team_id, set_id)


def member_facilitates_ahead(s: Session, team_id: str, set_id: int, now: datetime) -> bool:
    """Whether a coming session of the set has a member (not the lead) as facilitator."""
    found = s.scalar(
        select(PlannedSession.id)
        .where(
            PlannedSession.team_id == team_id,
            PlannedSession.set_id == set_id,
            PlannedSession.starts_at > now,
            PlannedSession.facilitator_id.is_not(None),
        )
        .limit(1)
    )
    return found is not None


def request_in(s: Session, team_id: str, request_id: int) -> FacilitationRequest | None:
    return s.scalar(
        select(FacilitationRequest).where(
            FacilitationRequest.team_id == team_id, FacilitationRequest.id == request_id
        )
    )


def withdraw_open(s: Session, session_id: int, by: str, now: datetime) -> None:
    """Requests still open for the session give way to a newer one."""
    s.execute(
        update(FacilitationRequest)
        .where(
            FacilitationRequest.session_id == session_id,
            FacilitationRequest.status == RequestStatus.OPEN.value,
        )
        .values(status=RequestStatus.WITHDRAWN.value, decided_at=now, decided_by=by)
        .execution_options(synchronize_session=False)
    )


def decide(s: Session, request_id: int, status: RequestStatus, by: str, now: datetime) -> bool:
    """Decide a request if it is still open; False when another decision came first."""
    result = s.execute(
        update(FacilitationRequest)
        .where(
            FacilitationRequest.id == request_id,
            FacilitationRequest.status == RequestStatus.OPEN.value,
        )
        .values(status=status.value, decided_at=now, decided_by=by)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1
