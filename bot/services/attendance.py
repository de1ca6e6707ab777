"""Use cases for attendance: a member answers for a coming session (coming, or apologies with
a reason only they see), and who is coming, as the set may see it (names, never reasons).

Authority comes from the database (``bot.services.access``): the session a button names is a
claim; the member must be in its set, and the session still to come."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain import schedule as sched
from bot.domain.attendance import (
    REASON_MAX,
    Answer,
    AttendanceSettings,
    answer_problem,
    away_problem,
    is_away,
    is_late,
    was_present,
)
from bot.domain.errors import InvalidInput, NotAllowed, NotFound
from bot.domain.status import SessionStatus
from bot.services import access
from bot.services.readmodels import session_info
from bot.services.views import ApologyDraft, Attendance, AwayOutcome, Presence, RsvpOutcome
from bot.storage import attendance_queries as atq
from bot.storage import queries as q
from bot.storage.db import Database
from bot.storage.models import LearningSet, PlannedSession, Rsvp, SessionAttendance

GONE = "That session is no longer in the calendar."
REASON_FIELD = "reason"
AWAY_FIELD = "until"


def attendance_of(s: Session, lset: LearningSet, session_id: int, day: date) -> Attendance:
    """Who is coming to session ``session_id`` (on ``day``, in the set's zone), among the set's
    active members. An answer counts; without one, a member away on that day counts as
    apologies."""
    members = q.active_members(s, lset.team_id, lset.id)
    rows = {r.user_id: r for r in atq.rsvps_of_session(s, lset.team_id, session_id)}
    ids = [m.user_id for m in members]

    def having(answer: Answer) -> tuple[str, ...]:
        return tuple(u for u in ids if u in rows and rows[u].answer == answer)

    away = tuple(m.user_id for m in members if m.user_id not in rows and is_away(m.away_until, day))
    return Attendance(
        session_id=session_id,
        coming=having(Answer.COMING),
        apologies=having(Answer.APOLOGIES),
        late=tuple(u for u in having(Answer.APOLOGIES) if rows[u].late),
        waiting=tuple(u for u in ids if u not in rows and u not in away),
        away=away,
    )


def presence_of(s: Session, lset: LearningSet, session: PlannedSession) -> Presence:
    """Who came to ``session``: confirmed by the facilitator, else from the answers, the
    agenda and the report-backs."""
    members = tuple(m.user_id for m in q.active_members(s, lset.team_id, lset.id))
    signs = atq.signs_of(s, lset.team_id, [session.id])
    return Presence(
        set_name=lset.name,
        session=session_info(session),
        members=members,
        present=_present(members, signs, session.id),
        confirmed=session.id in signs.confirmed,
    )


def _present(members: Sequence[str], signs: atq.Signs, session_id: int) -> tuple[str, ...]:
    confirmed = signs.confirmed.get(session_id, {})
    coming = signs.coming.get(session_id, set())
    active = signs.active.get(session_id, set())
    return tuple(u for u in members if was_present(u, confirmed, coming, active))


def attendance_tally(s: Session, lset: LearningSet, now: datetime) -> dict[str, tuple[int, int]]:
    """member -> (sessions attended, sessions held since they joined)."""
    members = q.active_members(s, lset.team_id, lset.id)
    ids = [m.user_id for m in members]
    tally = {m.user_id: [0, 0] for m in members}
    joined = {m.user_id: m.joined_at for m in members}
    held = atq.held_sessions(s, lset.team_id, lset.id, now)
    signs = atq.signs_of(s, lset.team_id, [row.id for row in held])  # one read for them all
    for row in held:
        present = set(_present(ids, signs, row.id))
        for user, counts in tally.items():
            if joined[user] <= row.starts_at:
                counts[1] += 1
                counts[0] += user in present
    return {user: (a, b) for user, (a, b) in tally.items() if b}


class AttendanceService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def away(self, team_id: str, user_id: str, until: date | None) -> AwayOutcome:
        """``/als away until <date>`` (``until`` None: ``off``) in every set the member is in:
        no prompts or nudges until then, and sessions up to that date count as apologies."""
        now = self._clock()
        with self._db.write() as s, s.begin():
            rows = q.memberships_of_user(s, team_id, user_id)
            if not rows:
                raise NotAllowed(access.NOT_IN_A_SET)
            if until is not None:
                zone = rows[0].tz or rows[0].learning_set.timezone
                problem = away_problem(until, now.astimezone(sched.zone(zone)).date())
                if problem:
                    raise InvalidInput({AWAY_FIELD: problem})
            people: set[str] = set()
            for member in rows:
                member.away_until = until
                people.update(m.user_id for m in q.active_members(s, team_id, member.set_id))
            return AwayOutcome(
                set_names=tuple(m.learning_set.name for m in rows),
                until=until,
                people=tuple(sorted(people)),
            )

    def record(
        self, team_id: str, user_id: str, session_id: int, present: Sequence[str]
    ) -> Presence:
        """The facilitator confirms who came to a session that took place (``present``: the
        members ticked; presenting or reporting back counts as present whatever the ticks)."""
        now = self._clock()
        with self._db.write() as s, s.begin():
            row = atq.session_in(s, team_id, session_id)
            if row is None:
                raise NotFound(GONE)
            lset = access.active_set(s, team_id, row.set_id)
            access.require_session_facilitator(s, lset, row, user_id, "record who came")
            if row.status != SessionStatus.PLANNED.value:
                raise NotAllowed("That session was cancelled: nobody attended it.")
            if row.starts_at > now:
                raise NotAllowed("That session has not started yet: record who came afterwards.")
            active = atq.signs_of(s, team_id, [row.id]).active.get(row.id, set())
            ticked = set(present)
            existing = atq.recorded(s, row.id)
            members = q.active_members(s, team_id, lset.id)
            for member in members:
                mark = existing.get(member.user_id)
                if mark is None:
                    mark = SessionAttendance(
                        team_id=team_id, set_id=lset.id, session_id=row.id, user_id=member.user_id
                    )
                    s.add(mark)
                mark.present = member.user_id in ticked or member.user_id in active
                mark.recorded_by = user_id
                mark.recorded_at = now
            # What was just written is the record: no need to read the signs again.
            ids = tuple(m.user_id for m in members)
            return Presence(
                set_name=lset.name,
                session=session_info(row),
                members=ids,
                present=tuple(u for u in ids if u in ticked or u in active),
                confirmed=True,
            )

    def _open_session(
        self, s: Session, team_id: str, user_id: str, session_id: int
    ) -> tuple[LearningSet, PlannedSession]:
        """The session a button names: in this workspace, in a set the user is a member of,
        and still open for answers."""
        row = atq.session_in(s, team_id, session_id)
        if row is None:
            raise NotFound(GONE)
        lset = access.active_set(s, team_id, row.set_id)
        access.require_member(s, lset, user_id)
        problem = answer_problem(row.status, row.starts_at, self._clock())
        if problem:
            raise NotAllowed(problem)
        return lset, row

    def start_apologies(self, team_id: str, user_id: str, session_id: int) -> ApologyDraft:
        """The "Can't come" form: the member's own reason so far, and whether it is late."""
        with self._db.read() as s:
            lset, row = self._open_session(s, team_id, user_id, session_id)
            settings = AttendanceSettings.load(lset.settings)
            mine = atq.rsvp_of(s, row.id, user_id)
            return ApologyDraft(
                set_id=lset.id,
                set_name=lset.name,
                session=session_info(row),
                reason=mine.reason if mine and mine.answer == Answer.APOLOGIES else None,
                late=is_late(row.starts_at, self._clock(), settings),
                notice_hours=settings.notice_hours,
            )

    def answer(
        self,
        team_id: str,
        user_id: str,
        session_id: int,
        answer: Answer,
        reason: str | None = None,
    ) -> RsvpOutcome:
        """Record (or change) the member's answer. Apologies later than the set's notice are
        taken and marked late; a reason is kept for its author alone."""
        reason = (reason or "").strip() or None
        if reason is not None and len(reason) > REASON_MAX:
            raise InvalidInput({REASON_FIELD: f"Keep it to {REASON_MAX} characters."})
        for attempt in (1, 2):
            try:
                return self._answer(team_id, user_id, session_id, answer, reason)
            except IntegrityError:  # a second click raced the first: it exists now
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _answer(
        self, team_id: str, user_id: str, session_id: int, answer: Answer, reason: str | None
    ) -> RsvpOutcome:
        now = self._clock()
        with self._db.write() as s, s.begin():
            lset, row = self._open_session(s, team_id, user_id, session_id)
            settings = AttendanceSettings.load(lset.settings)
            late = answer == Answer.APOLOGIES and is_late(row.starts_at, now, settings)
            mine = atq.rsvp_of(s, row.id, user_id)
            if mine is None:
                mine = Rsvp(team_id=team_id, set_id=lset.id, session_id=row.id, user_id=user_id)
                s.add(mine)
            mine.answer = answer.value
            mine.reason = reason if answer == Answer.APOLOGIES else None
            mine.late = late
            mine.answered_at = now
            s.flush()
            facilitator = access.facilitator_of(q.active_members(s, team_id, lset.id))
            return RsvpOutcome(
                set_id=lset.id,
                set_name=lset.name,
                facilitator_id=facilitator,
                session=session_info(row),
                answer=answer,
                late=late,
            )
