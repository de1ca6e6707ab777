"""Hand-overs and stand-ins: the facilitator of a session asks one member to take it over, or
asks the set for a stand-in (skipping their turn); the lead may also give a session to a
member at once. The session then keeps that facilitator whatever the rota says
(``PlannedSession.facilitator_fixed``).

Taking a session over is one conditional update of the request (``open`` -> ``accepted``):
two members accepting the same stand-in at once leave exactly one winner, on SQLite (writers
queue) and on PostgreSQL (the second update waits for the first, then finds nothing open)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.domain.rota import Ask, RequestStatus, ask_problem, take_problem
from bot.domain.status import SessionStatus
from bot.services import access
from bot.services.readmodels import session_info, set_info
from bot.services.views import Handover, HandoverDraft
from bot.storage import attendance_queries as atq
from bot.storage import rota_queries as rq
from bot.storage.db import Database
from bot.storage.models import FacilitationRequest, LearningSet, PlannedSession

GONE = "That session is no longer in the calendar."
STARTED = "That session has started: it can no longer be handed over."
MEMBER_FIELD = "member"
WHAT = "hand this session over"


class HandoverService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def _session(
        self, s: Session, team_id: str, session_id: int, now: datetime
    ) -> tuple[LearningSet, PlannedSession]:
        """A planned session still to start, in an active set of this workspace."""
        row = atq.session_in(s, team_id, session_id)
        if row is None or row.status != SessionStatus.PLANNED:
            raise NotFound(GONE)
        lset = access.active_set(s, team_id, row.set_id)
        if row.starts_at <= now:
            raise Conflict(STARTED)
        return lset, row

    def start(self, team_id: str, user_id: str, session_id: int) -> HandoverDraft:
        now = self._clock()
        with self._db.read() as s:
            lset, row = self._session(s, team_id, session_id, now)
            member = access.require_session_facilitator(s, lset, row, user_id, WHAT)
            info = set_info(s, lset, now)
            return HandoverDraft(
                set=info,
                session=session_info(row),
                current=access.session_facilitator(row, info.facilitator_id),
                lead=member.is_facilitator,
            )

    def ask(
        self, team_id: str, user_id: str, session_id: int, ask: Ask, member: str | None
    ) -> Handover:
        """The facilitator asks (or the lead gives). A newer request for the session replaces
        any still open."""
        now = self._clock()
        with self._db.write() as s, s.begin():
            lset, row = self._session(s, team_id, session_id, now)
            me = access.require_session_facilitator(s, lset, row, user_id, WHAT)
            info = set_info(s, lset, now)
            current = access.session_facilitator(row, info.facilitator_id)
            problem = ask_problem(
                ask, member, current=current, members=info.member_ids, lead=me.is_facilitator
            )
            if problem:
                raise InvalidInput({MEMBER_FIELD: problem})
            rq.withdraw_open(s, row.id, user_id, now)
            asked_of = None if ask == Ask.STANDIN else member
            if ask == Ask.ASSIGN:
                assert member is not None
                self._give(row, member)
                return Handover(
                    None, ask, info, session_info(row), user_id, member, member, previous=current
                )
            request = FacilitationRequest(
                team_id=team_id,
                set_id=lset.id,
                session_id=row.id,
                kind=ask.value,
                from_user=user_id,
                to_user=asked_of,
                status=RequestStatus.OPEN.value,
                created_at=now,
            )
            s.add(request)
            s.flush()
            return Handover(request.id, ask, info, session_info(row), user_id, asked_of)

    def decide(self, team_id: str, user_id: str, request_id: int, *, accept: bool) -> Handover:
        """A member takes the session (the one asked, or the first to answer a stand-in), or
        declines a hand-over asked of them."""
        now = self._clock()
        with self._db.write() as s, s.begin():
            request = rq.request_in(s, team_id, request_id)
            if request is None:
                raise NotFound("That request no longer exists.")
            lset, row = self._session(s, team_id, request.session_id, now)
            access.require_member(s, lset, user_id)
            info = set_info(s, lset, now)
            current = access.session_facilitator(row, info.facilitator_id)
            problem = take_problem(
                request.kind,
                request.status,
                user=user_id,
                asked_by=request.from_user,
                asked_of=request.to_user,
                current=current if accept else None,
            )
            if problem:
                taken = request.decided_by if request.status == RequestStatus.ACCEPTED else None
                raise Conflict(f"<@{taken}> has already taken it." if taken else problem)
            if not accept and request.kind != Ask.MEMBER:
                raise NotAllowed("Nothing to decline: a stand-in is asked of the whole set.")
            status = RequestStatus.ACCEPTED if accept else RequestStatus.DECLINED
            # Decided only if still open (another answer may have won meanwhile).
            if not rq.decide(s, request.id, status, user_id, now):
                raise Conflict("Someone has already taken this session over.")
            if accept:
                self._give(row, user_id)
            s.flush()
            return Handover(
                request.id,
                request.kind,
                set_info(s, lset, now),
                session_info(row),
                request.from_user,
                request.to_user,
                taken_by=user_id if accept else None,
                declined=not accept,
                previous=current,
            )

    @staticmethod
    def _give(row: PlannedSession, user_id: str) -> None:
        row.facilitator_id = user_id
        row.facilitator_fixed = True  # the rota leaves it now
