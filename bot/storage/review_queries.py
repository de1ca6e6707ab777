"""Queries of the closing review. Every query is scoped by team id or by a row found through
one. No query returns who gave which answer to a caller that shows it: only scores, counted."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.models import SessionReview


def review_of(s: Session, team_id: str, session_id: int, user_id: str) -> SessionReview | None:
    return s.scalar(
        select(SessionReview).where(
            SessionReview.team_id == team_id,
            SessionReview.session_id == session_id,
            SessionReview.user_id == user_id,
        )
    )


def scores_of(s: Session, team_id: str, session_ids: Sequence[int]) -> dict[int, list[int]]:
    """session id -> its scores (in no particular order), for the sessions given."""
    out: dict[int, list[int]] = {i: [] for i in session_ids}
    if not session_ids:
        return out
    rows = s.execute(
        select(SessionReview.session_id, SessionReview.useful).where(
            SessionReview.team_id == team_id, SessionReview.session_id.in_(session_ids)
        )
    ).all()
    for session_id, useful in rows:
        out[session_id].append(useful)
    return out


def notes_of(s: Session, team_id: str, session_id: int) -> list[str]:
    """The lines members wrote about how the set worked, sorted (their order says nothing)."""
    return sorted(
        n
        for n in s.scalars(
            select(SessionReview.note).where(
                SessionReview.team_id == team_id,
                SessionReview.session_id == session_id,
                SessionReview.note.is_not(None),
            )
        )
        if n
    )
