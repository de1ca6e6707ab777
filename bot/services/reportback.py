"""Use cases for reporting back: a member's report on an action, and the session's report-back
round (one channel message, kept up to date as reports arrive).

What a report says never leaves this service except to its owner: the round and the
facilitator's views carry statuses of shared actions and counts of private ones.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain import newcomers
from bot.domain.actions import ActionStatus, ReportForm, validate_report
from bot.domain.errors import Conflict, InvalidInput, NotFound
from bot.domain.status import SetStatus
from bot.domain.text import escape
from bot.ids import COMMAND
from bot.services import access, announce
from bot.services.readmodels import action_info, report_info, session_info, set_info
from bot.services.views import ReportDraft, ReportOutcome, RoundMember, RoundState
from bot.storage import queries as q
from bot.storage.db import Database
from bot.storage.models import (
    Action,
    ActionReport,
    Commitment,
    LearningSet,
    PlannedSession,
    ReportRound,
)

GONE = "That action no longer exists. Run `/als actions` for your current list."


def owned_action(
    s: Session, team_id: str, user_id: str, action_id: int, *, lock: bool = False
) -> tuple[Action, LearningSet]:
    """An action its owner may change or report on (not dropped)."""
    stmt = select(Action).where(Action.team_id == team_id, Action.id == action_id)
    row = s.scalar(stmt.with_for_update() if lock else stmt)
    if row is None:
        raise NotFound(GONE)
    lset = access.require_owner(s, row, user_id)
    if row.status == ActionStatus.DROPPED:
        raise Conflict("You dropped that action: nothing was changed.")
    return row, lset


def round_state(
    s: Session,
    lset: LearningSet,
    session: PlannedSession,
    posted: ReportRound | None,
    now: datetime,
) -> RoundState:
    """The report-back round of ``session``: per member, their shared actions with the status
    reported (if any), and how many of their private ones were reported. The round is read in
    the channel by everyone, its newest member too: shared actions of sessions before that
    member joined are counted, not quoted (``bot.domain.newcomers``)."""
    info = set_info(s, lset, now)
    since = access.channel_history_since(s, lset)
    rows = s.execute(
        select(Action, Commitment.shared, PlannedSession.starts_at)
        .join(Commitment, Commitment.id == Action.commitment_id)
        .join(PlannedSession, PlannedSession.id == Action.session_id)
        .where(
            Action.team_id == lset.team_id,
            Action.set_id == lset.id,
            Action.status != ActionStatus.DROPPED,
            PlannedSession.starts_at < session.starts_at,
        )
        .order_by(PlannedSession.starts_at, Action.commitment_id, Action.position)
    ).all()
    reports = {
        r.action_id: r.status
        for r in s.scalars(select(ActionReport).where(ActionReport.session_id == session.id))
    }
    per: dict[str, tuple[list[tuple[str, str | None]], list[bool], list[bool]]] = {}
    for action, shared, starts_at in rows:
        if action.owner_id not in info.member_ids:
            continue
        if action.status != ActionStatus.OPEN and action.id not in reports:
            continue  # closed before this round
        shared_list, private, earlier = per.setdefault(action.owner_id, ([], [], []))
        if not shared:
            private.append(action.id in reports)
        elif newcomers.shown(
            viewer=None, since=since, owner=action.owner_id, session_start=starts_at
        ):
            shared_list.append((action.text, reports.get(action.id)))
        else:
            earlier.append(action.id in reports)
    members = tuple(
        RoundMember(
            user_id=u,
            shared=tuple(per[u][0]),
            private_total=len(per[u][1]),
            private_reported=sum(per[u][1]),
            earlier_total=len(per[u][2]),
            earlier_reported=sum(per[u][2]),
        )
        for u in info.member_ids
        if u in per
    )
    return RoundState(
        id=posted.id if posted else None,
        set=info,
        session=session_info(session),
        channel_id=posted.channel_id if posted else lset.channel_id,
        message_ts=posted.message_ts if posted else None,
        members=members,
    )


def _posted(s: Session, session: PlannedSession) -> ReportRound | None:
    return s.scalar(select(ReportRound).where(ReportRound.session_id == session.id))


def round_for_session(
    s: Session, lset: LearningSet, session: PlannedSession, now: datetime, *, open_it: bool
) -> RoundState:
    """The round of ``session``; ``open_it``: start it, when anyone has actions to report on
    (its message is then posted and kept up to date)."""
    posted = _posted(s, session)
    state = round_state(s, lset, session, posted, now)
    if open_it and posted is None and state.members:
        posted = ReportRound(
            team_id=lset.team_id, set_id=lset.id, session_id=session.id, channel_id=lset.channel_id
        )
        s.add(posted)
        s.flush()
        state = round_state(s, lset, session, posted, now)
    return state


def round_for_next_session(s: Session, lset: LearningSet, now: datetime) -> RoundState | None:
    """Report-back progress for the set's next session (the facilitator's Home tab)."""
    upcoming = q.upcoming_sessions(s, lset.team_id, lset.id, now)
    if not upcoming:
        return None
    return round_for_session(s, lset, upcoming[0], now, open_it=False)


class ReportbackService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    # -- a report -------------------------------------------------------------------------
    def start_report(self, team_id: str, user_id: str, action_id: int) -> ReportDraft:
        now = self._clock()
        with self._db.read() as s:
            row, lset = owned_action(s, team_id, user_id, action_id)
            session = self._report_session(s, row, lset, now)
            info = action_info(s, row, lset, now)
            return ReportDraft(action=info, session=session_info(session), report=info.report)

    @staticmethod
    def _report_session(
        s: Session, row: Action, lset: LearningSet, now: datetime
    ) -> PlannedSession:
        committed_at = s.get(PlannedSession, row.session_id)
        assert committed_at is not None
        session = q.report_session(s, lset, now, committed_at.starts_at)
        if session is None:
            raise Conflict(
                f"*{escape(lset.name)}* has no session planned to report back at. "
                "Ask the facilitator about the schedule."
            )
        return session

    def report(self, team_id: str, user_id: str, action_id: int, form: ReportForm) -> ReportOutcome:
        now = self._clock()
        errors = validate_report(form)
        if errors:
            raise InvalidInput(errors)
        assert form.status is not None
        with self._db.write() as s, s.begin():
            row, lset = owned_action(s, team_id, user_id, action_id, lock=True)
            session = self._report_session(s, row, lset, now)
            report = q.report_of(s, row.id, session.id)
            if report is None:
                report = ActionReport(
                    team_id=team_id,
                    set_id=lset.id,
                    action_id=row.id,
                    session_id=session.id,
                    owner_id=user_id,
                    status=form.status,
                )
                s.add(report)
            report.status = form.status
            report.happened = form.happened.strip()
            report.learned = form.learned.strip()
            row.status = form.status.closes
            row.closed_at = None if row.status == ActionStatus.OPEN else now
            s.flush()
            posted = _posted(s, session)
            # An open round's message owes this report (its first note may still be waiting).
            round_ = (
                announce.round_changed(s, round_state(s, lset, session, posted, now), now)
                if posted is not None
                else None
            )
            return ReportOutcome(
                action=action_info(s, row, lset, now),
                session=session_info(session),
                report=report_info(report),
                round=round_,
                facilitator_id=set_info(s, lset, now).facilitator_id,
            )

    # -- the round ------------------------------------------------------------------------
    def open_round(self, team_id: str, user_id: str, channel_id: str) -> RoundState:
        """``/als agenda reportback``: start (or find) the round of the next session of the
        channel's set (facilitator)."""
        now = self._clock()
        with self._db.write() as s, s.begin():
            lset = q.set_by_channel(s, team_id, channel_id)
            if lset is None or lset.status != SetStatus.ACTIVE:
                raise NotFound(
                    f"This channel has no Action Learning Set. Run `{COMMAND} agenda "
                    "reportback` in the set's channel."
                )
            upcoming = q.upcoming_sessions(s, team_id, lset.id, now)
            if not upcoming:
                raise Conflict("No session is planned for this set.")
            access.require_session_facilitator(
                s, lset, upcoming[0], user_id, "start the report-back round"
            )
            round_ = round_for_session(s, lset, upcoming[0], now, open_it=True)
            return announce.round_changed(s, round_, now)
