"""The set's report (``/als report``, and a button on Home): its figures for its members and
facilitator, each counted in the database (``bot.storage.report_queries``). Nothing a member
wrote appears; goal ratings and review averages only from three answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain import report as rp
from bot.domain.forget import is_pseudonym
from bot.domain.review import THRESHOLD
from bot.services import access
from bot.services.views import SessionScore, SetReport
from bot.storage import export_queries as xq
from bot.storage import queries as q
from bot.storage import report_queries as rq
from bot.storage.db import Database
from bot.storage.models import LearningSet


def set_report(
    s: Session, lset: LearningSet, now: datetime, since: datetime | None = None
) -> SetReport:
    """``since``: the reader joined the set then; the figures count its sessions from then on
    (``bot.domain.newcomers``)."""
    ids = [lset.id]
    team = lset.team_id
    held, planned = rq.sessions(s, team, ids, now, since).get(lset.id, (0, 0))
    present, marks, recorded, _ = rq.attendance(s, team, ids, now, since).get(lset.id, (0, 0, 0, 0))
    airtime = rq.airtime(s, team, ids, since).get(lset.id, {})
    members = [m.user_id for m in q.active_members(s, team, lset.id) if not m.is_facilitator]
    # A member who left keeps their line; a forgotten one is counted in the figures, unnamed.
    named = [u for u in airtime if not is_pseudonym(u)]
    everyone = list(dict.fromkeys([*members, *named]))
    counted = rq.actions(s, team, ids, since).get(lset.id, {})
    written, ratings = rq.goals(s, team, ids).get(lset.id, (0, {}))
    return SetReport(
        set_id=lset.id,
        set_name=lset.name,
        timezone=lset.timezone,
        held=held,
        planned=planned,
        present=present,
        marks=marks,
        recorded=recorded,
        airtime=tuple((u, *airtime.get(u, (0, 0))) for u in everyone),
        actions={k: rp.Figure(c.n, c.people) for k, c in counted.items() if k in rp.STANDINGS},
        committed=rp.Figure(*_counted(counted.get("committed"))),
        reviews=tuple(
            SessionScore(start, n, avg if n >= THRESHOLD else None)
            for _, start, n, avg in rq.reviews(s, team, ids, now, since).get(lset.id, [])
        ),
        logs=rp.Figure(*_counted(rq.logs(s, team, ids, since).get(lset.id))),
        goals_written=written,
        goal_ratings=ratings if rp.ratings_shown(ratings) else {},
        goal_answers=sum(ratings.values()),
        sessions=tuple(
            (
                day,
                rp.percent(present, marks),
                total / answers if answers >= THRESHOLD else None,
            )
            for _, _, day, held, (present, marks, _), _, (answers, total) in xq.per_session(
                s, team, ids, now, since
            )
            if held
        ),
    )


def _counted(c: rq.Counted | None) -> tuple[int, int]:
    return (c.n, c.people) if c else (0, 0)


class ReportService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def for_command(self, team_id: str, user_id: str, channel_id: str) -> SetReport:
        """``/als report``: the report of the channel's set (or the member's only set)."""
        now = self._clock()
        with self._db.read() as s:
            lset = access.set_for_command(s, team_id, user_id, channel_id)
            access.require_member(s, lset, user_id)
            return set_report(s, lset, now, access.history_since(s, lset, user_id))

    def of_set(self, team_id: str, user_id: str, set_id: int) -> SetReport:
        """The Home button's: the set it names (a claim: membership is checked)."""
        now = self._clock()
        with self._db.read() as s:
            lset = access.active_set(s, team_id, set_id)
            access.require_member(s, lset, user_id)
            return set_report(s, lset, now, access.history_since(s, lset, user_id))
