"""Personal goals (``bot.domain.goals``): ``/als goal`` writes or shows one's own goal,
``/als goal review`` rates progress; the review DM after the first session and after the
programme's last one offers the same. The text never leaves its author."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain import goals as gl
from bot.domain.errors import Conflict, InvalidInput
from bot.services import access
from bot.services.views import GoalView
from bot.storage import goal_queries as gq
from bot.storage import queries as q
from bot.storage.db import Database
from bot.storage.models import LearningSet, MemberGoal, PlannedSession

GOAL_FIELD = "goal"


def first_start(s: Session, lset: LearningSet) -> datetime | None:
    counted = q.sessions_not_cancelled(s, lset.team_id, lset.id)
    return counted[0].starts_at if counted else None


def nudge_for(
    s: Session, lset: LearningSet, session: PlannedSession, user_id: str, now: datetime
) -> gl.Nudge | None:
    """What the review DM after ``session`` offers ``user_id`` about their goal."""
    counted = list(q.sessions_not_cancelled(s, lset.team_id, lset.id))
    index = next((i for i, r in enumerate(counted) if r.id == session.id), None)
    if index is None:
        return None
    last = gl.is_last(
        index=index,
        programme_sessions=lset.programme_sessions,
        local_date=session.local_date,
        cadence_weeks=lset.cadence_weeks,
        programme_ends_on=lset.programme_ends_on,
    )
    mine = gq.goal_of(s, lset.team_id, lset.id, user_id)
    return gl.nudge(
        writable=gl.may_write(now, counted[0].starts_at),
        last=last,
        has_goal=mine is not None,
        rated=mine is not None and mine.rating is not None,
    )


class GoalService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def mine(self, team_id: str, user_id: str, channel_id: str) -> GoalView:
        """The member's goal in the channel's set (or their only set)."""
        now = self._clock()
        with self._db.read() as s:
            lset = access.set_for_command(s, team_id, user_id, channel_id)
            access.require_member(s, lset, user_id)
            return self._view(s, lset, user_id, now)

    def of_set(self, team_id: str, user_id: str, set_id: int) -> GoalView:
        """The same, for a set a button names (a claim: membership is checked)."""
        now = self._clock()
        with self._db.read() as s:
            lset = access.active_set(s, team_id, set_id)
            access.require_member(s, lset, user_id)
            return self._view(s, lset, user_id, now)

    def write(self, team_id: str, user_id: str, set_id: int, text: str) -> GoalView:
        now = self._clock()
        with self._db.write() as s, s.begin():
            lset = access.active_set(s, team_id, set_id)
            access.require_member(s, lset, user_id)
            until = gl.writable_until(first_start(s, lset))
            if until is not None and now > until:
                raise Conflict(_closed(until))
            problem = gl.goal_problem(text)
            if problem:
                raise InvalidInput({GOAL_FIELD: problem})
            mine = gq.goal_of(s, team_id, set_id, user_id)
            if mine is None:
                s.add(
                    MemberGoal(
                        team_id=team_id,
                        set_id=set_id,
                        user_id=user_id,
                        goal=text.strip(),
                        written_at=now,
                    )
                )
            else:
                mine.goal, mine.written_at = text.strip(), now
            s.flush()
            view = self._view(s, lset, user_id, now)
            return GoalView(**{**view.__dict__, "saved": True})

    def rate(
        self, team_id: str, user_id: str, set_id: int, rating: int | None, note: str
    ) -> GoalView:
        """Progress on one's goal, 1-5 and a line; a second rating replaces the first."""
        now = self._clock()
        with self._db.write() as s, s.begin():
            lset = access.active_set(s, team_id, set_id)
            access.require_member(s, lset, user_id)
            mine = gq.goal_of(s, team_id, set_id, user_id)
            if mine is None:
                raise Conflict("You have no goal in this set to rate: `/als goal` writes one.")
            errors = gl.rating_problems(rating, note)
            if errors:
                raise InvalidInput(errors)
            mine.rating, mine.note, mine.rated_at = rating, note.strip() or None, now
            s.flush()
            view = self._view(s, lset, user_id, now)
            return GoalView(**{**view.__dict__, "saved": True})

    @staticmethod
    def _view(s: Session, lset: LearningSet, user_id: str, now: datetime) -> GoalView:
        mine = gq.goal_of(s, lset.team_id, lset.id, user_id)
        until = gl.writable_until(first_start(s, lset))
        return GoalView(
            set_id=lset.id,
            set_name=lset.name,
            goal=mine.goal if mine else None,
            writable_until=until,
            writable=until is None or now <= until,
            rating=mine.rating if mine else None,
            note=mine.note if mine else None,
        )


def _closed(until: datetime) -> str:
    return (
        f"Goals are written in the programme's first month, until {until:%d %b %Y}: yours can "
        "no longer change (you can still rate your progress: `/als goal review`)."
    )
