"""Reads and writes of members' answers for sessions (``rsvps``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.status import VoteStatus
from bot.storage import queries as q
from bot.storage.models import (
    ActionReport,
    AgendaItem,
    AgendaVote,
    PlannedSession,
    Rsvp,
    SessionAttendance,
)


def session_in(s: Session, team_id: str, session_id: int) -> PlannedSession | None:
    """A session a request names, if it is in this workspace."""
    row = s.get(PlannedSession, session_id)
    return row if row is not None and row.team_id == team_id else None


def rsvp_of(s: Session, session_id: int, user_id: str) -> Rsvp | None:
    return s.scalar(select(Rsvp).where(Rsvp.session_id == session_id, Rsvp.user_id == user_id))


def rsvps_of_session(s: Session, team_id: str, session_id: int) -> Sequence[Rsvp]:
    return s.scalars(
        select(Rsvp).where(Rsvp.team_id == team_id, Rsvp.session_id == session_id)
    ).all()


def answers_of_user(
    s: Session, team_id: str, user_id: str, session_ids: Iterable[int]
) -> dict[int, str]:
    """session id -> this member's answer, for the sessions given."""
    ids = list(session_ids)
    if not ids:
        return {}
    rows = s.execute(
        select(Rsvp.session_id, Rsvp.answer).where(
            Rsvp.team_id == team_id, Rsvp.user_id == user_id, Rsvp.session_id.in_(ids)
        )
    )
    return {session_id: answer for session_id, answer in rows}


@dataclass
class Signs:
    """What says who came to some sessions, by session id: the facilitator's record, who said
    they were coming, and who presented (on the agenda) or reported back."""

    confirmed: dict[int, dict[str, bool]] = field(default_factory=dict)
    coming: dict[int, set[str]] = field(default_factory=dict)
    active: dict[int, set[str]] = field(default_factory=dict)


def signs_of(s: Session, team_id: str, session_ids: Sequence[int]) -> Signs:
    """The signs of attendance of ``session_ids``, in four queries whatever their number."""
    ids = list(session_ids)
    out = Signs()
    if not ids:
        return out
    for sid, user, present in s.execute(
        select(
            SessionAttendance.session_id, SessionAttendance.user_id, SessionAttendance.present
        ).where(SessionAttendance.team_id == team_id, SessionAttendance.session_id.in_(ids))
    ):
        out.confirmed.setdefault(sid, {})[user] = present
    for sid, user in s.execute(
        select(Rsvp.session_id, Rsvp.user_id).where(
            Rsvp.team_id == team_id, Rsvp.session_id.in_(ids), Rsvp.answer == "coming"
        )
    ):
        out.coming.setdefault(sid, set()).add(user)
    for sid, user in s.execute(
        select(AgendaVote.session_id, AgendaItem.presenter_id)
        .join(AgendaVote, AgendaVote.id == AgendaItem.vote_id)
        .where(
            AgendaVote.team_id == team_id,
            AgendaVote.session_id.in_(ids),
            AgendaVote.status.in_((VoteStatus.CLOSED.value, VoteStatus.CONFIRMED.value)),
        )
    ):
        out.active.setdefault(sid, set()).add(user)
    for sid, user in s.execute(
        select(ActionReport.session_id, ActionReport.owner_id).where(
            ActionReport.team_id == team_id, ActionReport.session_id.in_(ids)
        )
    ):
        out.active.setdefault(sid, set()).add(user)
    return out


def recorded(s: Session, session_id: int) -> dict[str, SessionAttendance]:
    rows = s.scalars(select(SessionAttendance).where(SessionAttendance.session_id == session_id))
    return {r.user_id: r for r in rows}


def held_sessions(
    s: Session, team_id: str, set_id: int, before: datetime
) -> Sequence[PlannedSession]:
    """The set's sessions that took place (started before ``before``, not cancelled)."""
    return q.sessions_not_cancelled(s, team_id, set_id, started_by=before)
