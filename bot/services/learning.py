"""Use cases for the private learning log (``/als log``).

Entries are read by their author alone. The facilitator gets names and counts, never content.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain.actions import LogForm, validate_log
from bot.domain.errors import Conflict, InvalidInput, NotFound
from bot.domain.status import SessionStatus
from bot.domain.text import escape
from bot.services import access
from bot.services.readmodels import log_info, session_info, set_info
from bot.services.views import LogCount, LogDraft, LogInfo, LogSaved
from bot.storage import queries as q
from bot.storage.db import Database
from bot.storage.models import LearningSet, LogEntry, PlannedSession

MAX_LISTED = 20


def log_count(s: Session, lset: LearningSet, now: datetime) -> LogCount:
    """Who wrote about the set's latest session (names only)."""
    members = q.active_members(s, lset.team_id, lset.id)
    session = q.last_started_session(s, lset, now)
    if session is None:
        return LogCount(session=None, written=(), members=len(members))
    authors = set(
        s.scalars(select(LogEntry.author_id).where(LogEntry.session_id == session.id)).all()
    )
    written = tuple(m.user_id for m in members if m.user_id in authors)
    return LogCount(session=session_info(session), written=written, members=len(members))


def _draft(
    s: Session, lset: LearningSet, session: PlannedSession, user_id: str, now: datetime
) -> LogDraft:
    """The log modal's content: the member's entry about ``session``, if they wrote one."""
    entry = s.scalar(
        select(LogEntry).where(LogEntry.session_id == session.id, LogEntry.author_id == user_id)
    )
    return LogDraft(
        set=set_info(s, lset, now),
        session=session_info(session),
        entry=log_info(entry, lset, session) if entry else None,
    )


class LearningLogService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def start(self, team_id: str, user_id: str, channel_id: str) -> LogDraft:
        now = self._clock()
        with self._db.read() as s:
            lset = access.set_for_command(s, team_id, user_id, channel_id)
            access.require_member(s, lset, user_id)
            session = q.last_started_session(s, lset, now)
            if session is None:
                raise Conflict(
                    f"*{escape(lset.name)}* has not met yet: the learning log opens after its "
                    "first session."
                )
            return _draft(s, lset, session, user_id, now)

    def start_for_session(
        self, team_id: str, user_id: str, set_id: int, session_id: int
    ) -> LogDraft:
        """The log entry about one session (the reflection prompt's button). The ids are a
        claim: the set and session are looked up in the team, and membership re-checked."""
        now = self._clock()
        with self._db.read() as s:
            lset = q.set_by_id(s, team_id, set_id)
            if lset is None:
                raise NotFound(access.SET_GONE)
            access.require_member(s, lset, user_id)
            session = s.get(PlannedSession, session_id)
            if session is None or session.set_id != lset.id or session.team_id != team_id:
                raise NotFound("That session no longer exists.")
            if session.status != SessionStatus.PLANNED or session.starts_at > now:
                raise Conflict("That session did not take place: there is nothing to log yet.")
            return _draft(s, lset, session, user_id, now)

    def save(
        self, team_id: str, user_id: str, set_id: int, session_id: int, form: LogForm
    ) -> LogSaved:
        errors = validate_log(form)
        if errors:
            raise InvalidInput(errors)
        with self._db.write() as s, s.begin():
            lset = q.set_by_id(s, team_id, set_id)
            session = s.get(PlannedSession, session_id)
            if lset is None or session is None or session.set_id != lset.id:
                raise NotFound("That session no longer exists.")
            access.require_member(s, lset, user_id)
            entry = s.scalar(
                select(LogEntry).where(
                    LogEntry.session_id == session.id, LogEntry.author_id == user_id
                )
            )
            if entry is None:
                entry = LogEntry(
                    team_id=team_id, set_id=lset.id, session_id=session.id, author_id=user_id
                )
                s.add(entry)
            entry.about_issue = form.about_issue.strip()
            entry.about_set = form.about_set.strip()
            entry.updated_at = self._clock()  # the retention's cut-off compares with it
            s.flush()
            facilitator = access.facilitator_of(q.active_members(s, team_id, lset.id))
            return LogSaved(entry=log_info(entry, lset, session), facilitator_id=facilitator)

    def entries(self, team_id: str, user_id: str) -> list[LogInfo]:
        """The author's own entries, newest session first (the author alone calls this)."""
        with self._db.read() as s:
            rows = s.execute(
                select(LogEntry, LearningSet, PlannedSession)
                .join(LearningSet, LearningSet.id == LogEntry.set_id)
                .join(PlannedSession, PlannedSession.id == LogEntry.session_id)
                .where(LogEntry.team_id == team_id, LogEntry.author_id == user_id)
                .order_by(PlannedSession.starts_at.desc())
                .limit(MAX_LISTED)
            ).all()
            return [log_info(e, lset, p) for e, lset, p in rows]
