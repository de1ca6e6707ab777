"""Use cases for the sessions calendar: ``/als sessions``, and the facilitator moving,
cancelling or adding a session.

Authority comes from the database (membership, facilitator role, the session's state), never
from the payload. Each change re-plans the session's reminders in the same transaction
(``bot.services.planning.session_changed``).
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain import schedule as sched
from bot.domain.errors import Conflict, InvalidInput, NotFound
from bot.domain.sessions import COLLISION, DATE, GONE, STARTED, Busy, Slot, slot_problems
from bot.domain.status import SessionChangeKind, SessionStatus
from bot.services import access
from bot.services.attendance import attendance_of
from bot.services.planning import session_changed
from bot.services.readmodels import session_info, set_info
from bot.services.views import Calendar, SessionChange, SessionDraft, SessionInfo
from bot.storage import attendance_queries as atq
from bot.storage import queries as q
from bot.storage.db import Database
from bot.storage.models import AgendaVote, LearningSet, PlannedSession

SAME_TIME = "That is when the session already is: choose another date or time."
WHAT = "move, cancel or add its sessions"


def _busy(s: Session, lset: LearningSet, now: datetime, exclude: int | None) -> list[Busy]:
    return [
        Busy(starts_at=r.starts_at, minutes=r.duration_minutes)
        for r in q.upcoming_sessions(s, lset.team_id, lset.id, now)
        if r.id != exclude
    ]


class CalendarService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    # -- reading --------------------------------------------------------------------------
    def calendar(self, team_id: str, user_id: str, channel_id: str) -> Calendar:
        """``/als sessions``: the channel's set, else the user's only set; members only."""
        now = self._clock()
        with self._db.read() as s:
            lset = access.set_for_command(s, team_id, user_id, channel_id)
            access.require_member(s, lset, user_id)
            return self._calendar(s, lset, user_id, now)

    @staticmethod
    def _calendar(s: Session, lset: LearningSet, user_id: str, now: datetime) -> Calendar:
        info = set_info(s, lset, now)
        mine = access.facilitated_by(info, user_id)
        ids = [x.id for x in info.upcoming]
        days = {x.id: x.local_date for x in info.upcoming}
        return Calendar(
            set=info,
            sessions=info.upcoming,
            facilitator=access.leads(info, user_id),
            now=now,
            answers=atq.answers_of_user(s, lset.team_id, user_id, ids),
            attendance={i: attendance_of(s, lset, i, days[i]) for i in ids if i in mine},
            facilitating=mine,
        )

    # -- authority ------------------------------------------------------------------------
    @staticmethod
    def _facilitated(s: Session, team_id: str, user_id: str, set_id: int) -> LearningSet:
        lset = access.active_set(s, team_id, set_id)
        access.require_facilitator(s, lset, user_id, WHAT)
        return lset

    def _changeable(
        self,
        s: Session,
        team_id: str,
        user_id: str,
        session_id: int,
        now: datetime,
        *,
        lock: bool = True,
    ) -> tuple[LearningSet, PlannedSession]:
        stmt = select(PlannedSession).where(
            PlannedSession.team_id == team_id, PlannedSession.id == session_id
        )
        row = s.scalar(stmt.with_for_update() if lock else stmt)
        if row is None:
            raise NotFound(GONE)
        lset = access.active_set(s, team_id, row.set_id)
        access.require_session_facilitator(s, lset, row, user_id, WHAT)
        if row.status != SessionStatus.PLANNED:
            raise Conflict(GONE)
        if row.starts_at <= now:
            raise Conflict(STARTED)
        return lset, row

    # -- modals ---------------------------------------------------------------------------
    def start_move(self, team_id: str, user_id: str, session_id: int) -> SessionDraft:
        now = self._clock()
        with self._db.read() as s:
            lset, row = self._changeable(s, team_id, user_id, session_id, now, lock=False)
            return SessionDraft(
                set=set_info(s, lset, now),
                session=session_info(row),
                local_date=row.local_date,
                local_time=row.local_time,
            )

    def start_add(self, team_id: str, user_id: str, set_id: int) -> SessionDraft:
        now = self._clock()
        with self._db.read() as s:
            lset = self._facilitated(s, team_id, user_id, set_id)
            return SessionDraft(
                set=set_info(s, lset, now),
                session=None,
                local_date=None,
                local_time=lset.session_time,
            )

    # -- changes --------------------------------------------------------------------------
    @staticmethod
    def _free_slot(
        s: Session,
        lset: LearningSet,
        now: datetime,
        day: date | None,
        at: time | None,
        *,
        minutes: int,
        moving: PlannedSession | None = None,
    ) -> Slot:
        """The slot at ``day`` ``at`` (the set's zone), or ``InvalidInput`` with field errors
        (past, collision, beyond the programme's end; for a move, its current time)."""
        slot, errors = slot_problems(
            day,
            at,
            timezone=lset.timezone,
            minutes=minutes,
            now=now,
            others=_busy(s, lset, now, exclude=moving.id if moving else None),
            ends_on=lset.programme_ends_on,
        )
        if slot is not None and not errors and moving and slot.starts_at == moving.starts_at:
            errors[DATE] = SAME_TIME
        if errors or slot is None:
            raise InvalidInput(errors)
        return slot

    def _changed(
        self,
        s: Session,
        lset: LearningSet,
        row: PlannedSession,
        user_id: str,
        now: datetime,
        kind: SessionChangeKind,
        before: SessionInfo | None,
    ) -> SessionChange:
        """Re-plan what the changed session owes (same transaction) and describe the change."""
        s.flush()
        session_changed(s, lset, row, now, cancelled=kind == SessionChangeKind.CANCELLED)
        calendar = self._calendar(s, lset, user_id, now)
        return SessionChange(
            kind=kind,
            set=calendar.set,
            session=session_info(row),
            before=before,
            calendar=calendar,
            by=user_id,
        )

    def move(
        self, team_id: str, user_id: str, session_id: int, day: date | None, at: time | None
    ) -> SessionChange:
        """Move a session to ``day`` at ``at`` (wall-clock, the set's zone). Raises
        ``InvalidInput`` (field errors), or a ``DomainError`` when it may not (any longer)."""
        now = self._clock()
        try:
            with self._db.write() as s, s.begin():
                lset, row = self._changeable(s, team_id, user_id, session_id, now)
                slot = self._free_slot(
                    s, lset, now, day, at, minutes=row.duration_minutes, moving=row
                )
                before = session_info(row)
                row.local_date = slot.local_date
                row.local_time = slot.local_time
                row.timezone = slot.timezone
                row.starts_at = slot.starts_at
                row.revision = (row.revision or 1) + 1
                s.execute(
                    update(AgendaVote)
                    .where(AgendaVote.team_id == team_id, AgendaVote.session_id == row.id)
                    .values(ends_at=sched.session_end(row.starts_at, row.duration_minutes))
                )
                return self._changed(s, lset, row, user_id, now, SessionChangeKind.MOVED, before)
        except IntegrityError:
            # Another session (a cancelled one keeps its slot) starts at that very instant.
            raise InvalidInput({DATE: COLLISION}) from None

    def cancel(self, team_id: str, user_id: str, session_id: int) -> SessionChange:
        now = self._clock()
        with self._db.write() as s, s.begin():
            lset, row = self._changeable(s, team_id, user_id, session_id, now)
            before = session_info(row)
            row.status = SessionStatus.CANCELLED
            return self._changed(s, lset, row, user_id, now, SessionChangeKind.CANCELLED, before)

    def add(
        self, team_id: str, user_id: str, set_id: int, day: date | None, at: time | None
    ) -> SessionChange:
        """An extra session (outside the series: it does not count towards the programme)."""
        now = self._clock()
        try:
            with self._db.write() as s, s.begin():
                lset = self._facilitated(s, team_id, user_id, set_id)
                slot = self._free_slot(s, lset, now, day, at, minutes=lset.session_minutes)
                row = PlannedSession(
                    team_id=team_id,
                    set_id=lset.id,
                    local_date=slot.local_date,
                    local_time=slot.local_time,
                    timezone=slot.timezone,
                    starts_at=slot.starts_at,
                    duration_minutes=lset.session_minutes,
                    status=SessionStatus.PLANNED,
                    series_date=None,
                    revision=1,
                    created_at=now,
                )
                s.add(row)
                return self._changed(s, lset, row, user_id, now, SessionChangeKind.ADDED, None)
        except IntegrityError:
            raise InvalidInput({DATE: COLLISION}) from None
