"""The closing review: a member rates a session they were in (1-5), with one optional line on
how the set worked; a second answer replaces the first. What anyone sees is counts, and an
average only from ``THRESHOLD`` answers on (``bot.domain.review``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain import newcomers
from bot.domain import review as rv
from bot.domain import schedule as sched
from bot.domain.errors import Conflict, InvalidInput, NotFound
from bot.domain.status import SessionStatus
from bot.services import access
from bot.services.attendance import presence_of
from bot.services.goals import nudge_for
from bot.services.readmodels import session_info
from bot.services.views import ReviewOutcome, ReviewTrend
from bot.storage import attendance_queries as atq
from bot.storage import queries as q
from bot.storage import review_queries as rq
from bot.storage.db import Database
from bot.storage.models import LearningSet, PlannedSession, SessionReview

GONE = "That session is no longer in the calendar."
NOTE_FIELD = "note"
SHOWN = 6  # sessions in a trend


def trend(
    s: Session,
    lset: LearningSet,
    now: datetime,
    *,
    notes: bool = False,
    since: datetime | None = None,
) -> ReviewTrend:
    """The set's last held sessions with their review summaries; with ``notes`` (the
    facilitator), the lines of the latest session whose review may be shown. ``since``: the
    reader joined then, and sessions before are not theirs to see (``bot.domain.newcomers``)."""
    held = [
        r
        for r in atq.held_sessions(s, lset.team_id, lset.id, now)
        if newcomers.shown(viewer=None, since=since, owner="", session_start=r.starts_at)
    ][-SHOWN:]
    scores = rq.scores_of(s, lset.team_id, [r.id for r in held])
    rows = tuple((session_info(r), rv.summary(scores[r.id])) for r in held)
    lines: tuple[str, ...] = ()
    if notes:
        shown = [r for r, (_, summary) in zip(held, rows, strict=True) if summary.average]
        if shown:
            lines = tuple(rq.notes_of(s, lset.team_id, shown[-1].id))
    return ReviewTrend(sessions=rows, notes=lines)


class ReviewService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def _reviewable(
        self, s: Session, team_id: str, user_id: str, session_id: int, now: datetime
    ) -> tuple[LearningSet, PlannedSession]:
        """A session that took place, in a set the user is a member of, still open for
        reviews."""
        row = atq.session_in(s, team_id, session_id)
        if row is None or row.status != SessionStatus.PLANNED:
            raise NotFound(GONE)
        lset = access.active_set(s, team_id, row.set_id)
        access.require_member(s, lset, user_id)
        end = sched.session_end(row.starts_at, row.duration_minutes)
        if now < row.starts_at:
            raise Conflict("That session has not taken place yet.")
        if now > end + timedelta(days=rv.OPEN_DAYS):
            raise Conflict("The review of that session has closed.")
        return lset, row

    def mine(self, team_id: str, user_id: str, session_id: int) -> ReviewOutcome:
        """The member's own answer (for the form)."""
        now = self._clock()
        with self._db.read() as s:
            lset, row = self._reviewable(s, team_id, user_id, session_id, now)
            found = rq.review_of(s, team_id, row.id, user_id)
            return ReviewOutcome(
                lset.id,
                lset.name,
                session_info(row),
                found.useful if found else None,
                found.note if found else None,
            )

    def answer(
        self,
        team_id: str,
        user_id: str,
        session_id: int,
        useful: int,
        note: str | None = None,
        *,
        with_note: bool = False,
    ) -> ReviewOutcome:
        """Save (or replace) the member's answer; ``with_note``: the form's line too (an
        empty one clears it); otherwise the line stays as it was."""
        problem = rv.score_problem(useful)
        line = (note or "").strip() or None
        if line is not None and len(line) > rv.NOTE_MAX:
            raise InvalidInput({NOTE_FIELD: f"At most {rv.NOTE_MAX} characters."})
        if problem:
            raise InvalidInput({"useful": problem})
        now = self._clock()
        with self._db.write() as s, s.begin():
            lset, row = self._reviewable(s, team_id, user_id, session_id, now)
            found = rq.review_of(s, team_id, row.id, user_id)
            if found is None:
                found = SessionReview(
                    team_id=team_id, set_id=lset.id, session_id=row.id, user_id=user_id
                )
                s.add(found)
            found.useful = useful
            if with_note:
                found.note = line
            found.answered_at = now
            s.flush()
            nudge = nudge_for(s, lset, row, user_id, now)
            return ReviewOutcome(
                lset.id, lset.name, session_info(row), useful, found.note, goal=nudge
            )


def heads_up_facts(s: Session, lset: LearningSet, now: datetime) -> tuple[bool, tuple[str, ...]]:
    """What the facilitator should hear of the last two held sessions: both rated poorly (as
    shown: from three answers on), and who missed both (members in the set for both)."""
    last_two = list(atq.held_sessions(s, lset.team_id, lset.id, now))[-2:]
    scores = rq.scores_of(s, lset.team_id, [r.id for r in last_two])
    poor = rv.two_poor_in_a_row([rv.summary(scores[r.id]) for r in last_two])
    if len(last_two) < 2:
        return poor, ()
    present = [presence_of(s, lset, r).present for r in last_two]
    members = q.active_members(s, lset.team_id, lset.id)
    facilitated = {r.facilitator_id for r in last_two}  # they were there to facilitate
    missing = tuple(
        m.user_id
        for m in members
        if not m.is_facilitator
        and m.user_id not in facilitated
        and m.joined_at <= last_two[0].starts_at
        and rv.missed_twice(m.user_id, present)
    )
    return poor, missing
