"""Use cases for the action-learning loop: commitments, ``/als actions``, report-backs and the
report-back round.

The private note of a commitment and what a report says never leave this service except to
their owner: the round and the facilitator's views carry statuses and counts only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain.actions import (
    MAX_ACTIONS,
    ActionLine,
    ActionStatus,
    CommitForm,
    ReportForm,
    validate_commit,
    validate_edit,
    validate_report,
)
from bot.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.domain.schedule import local_today
from bot.domain.text import escape
from bot.ids import COMMAND
from bot.services.sets import session_info, set_info
from bot.services.views import (
    ActionInfo,
    CommitDraft,
    CommitOutcome,
    ReportDraft,
    ReportInfo,
    ReportOutcome,
    RoundMember,
    RoundState,
)
from bot.storage import queries as q
from bot.storage.db import Database
from bot.storage.models import (
    Action,
    ActionReport,
    AgendaItem,
    AgendaVote,
    Commitment,
    LearningSet,
    PlannedSession,
    ReportRound,
    Topic,
)

CONFIRMED = "confirmed"
GONE = "That action no longer exists. Run `/als actions` for your current list."


def report_info(row: ActionReport) -> ReportInfo:
    return ReportInfo(
        action_id=row.action_id,
        session_id=row.session_id,
        status=row.status,
        happened=row.happened,
        learned=row.learned,
    )


def report_session(
    s: Session, lset: LearningSet, now: datetime, after: datetime
) -> PlannedSession | None:
    """The session whose report-back round a report made ``now`` goes to: the next session
    (or the one in progress) that starts after the session the action was committed at."""
    for row in q.upcoming_sessions(s, lset.team_id, lset.id, now):
        if row.starts_at > after:
            return row
    return None


def last_started_session(s: Session, lset: LearningSet, now: datetime) -> PlannedSession | None:
    return s.scalar(
        select(PlannedSession)
        .where(
            PlannedSession.team_id == lset.team_id,
            PlannedSession.set_id == lset.id,
            PlannedSession.status == "planned",
            PlannedSession.starts_at <= now,
        )
        .order_by(PlannedSession.starts_at.desc())
        .limit(1)
    )


def set_for_command(s: Session, team_id: str, user_id: str, channel_id: str) -> LearningSet:
    """The set a command is about: the channel's set, else the user's only set."""
    lset = q.set_by_channel(s, team_id, channel_id)
    if lset is not None and lset.status == "active":
        return lset
    mine = [x for x in q.sets_of_user(s, team_id, user_id) if x.status == "active"]
    if not mine:
        raise NotAllowed("You are not in an Action Learning Set.")
    if len(mine) > 1:
        raise NotFound("You are in several sets: run this in the channel of the set you mean.")
    return mine[0]


def require_member(s: Session, lset: LearningSet, user_id: str) -> None:
    if lset.status != "active":
        raise Conflict("That set is closed.")
    member = q.membership(s, lset.team_id, lset.id, user_id)
    if member is None or member.left_at is not None:
        raise NotAllowed(f"You are not a member of *{escape(lset.name)}*.")


class ActionService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    # -- plain data -------------------------------------------------------------------------
    def _info(
        self, s: Session, row: Action, lset: LearningSet, *, with_report: bool = True
    ) -> ActionInfo:
        commitment = s.get(Commitment, row.commitment_id)
        committed_at = s.get(PlannedSession, row.session_id)
        assert commitment is not None and committed_at is not None
        report = None
        if with_report:
            target = report_session(s, lset, self._clock(), committed_at.starts_at)
            if target is not None:
                found = s.scalar(
                    select(ActionReport).where(
                        ActionReport.action_id == row.id, ActionReport.session_id == target.id
                    )
                )
                report = report_info(found) if found else None
        return ActionInfo(
            id=row.id,
            set_id=lset.id,
            set_name=lset.name,
            channel_id=lset.channel_id,
            owner_id=row.owner_id,
            committed_at=session_info(committed_at),
            position=row.position,
            text=row.text,
            target=row.target_date,
            shared=commitment.shared,
            status=row.status,
            report=report,
        )

    def _actions_of(self, s: Session, commitment: Commitment, lset: LearningSet) -> tuple:
        rows = s.scalars(
            select(Action)
            .where(Action.commitment_id == commitment.id, Action.status != ActionStatus.DROPPED)
            .order_by(Action.position)
        ).all()
        return tuple(self._info(s, r, lset) for r in rows)

    # -- committing -------------------------------------------------------------------------
    def start_for_topic(self, team_id: str, user_id: str, topic_id: int) -> CommitDraft:
        """The "Commit actions" button of a topic on a confirmed agenda: its presenter only."""
        with self._db.read() as s:
            topic, vote, lset = self._agenda_topic(s, team_id, topic_id)
            require_member(s, lset, user_id)
            if topic.author_id != user_id:
                raise NotAllowed(
                    f"Only <@{topic.author_id}>, who presented *{escape(topic.title)}*, can "
                    f"commit actions for it. Yours: `{COMMAND} actions add`."
                )
            session = s.get(PlannedSession, vote.session_id)
            assert session is not None
            existing = s.scalar(select(Commitment).where(Commitment.topic_id == topic.id))
            return self._draft(s, lset, session, topic, existing)

    def start_add(self, team_id: str, user_id: str, channel_id: str) -> CommitDraft:
        """``/als actions add``: actions outside a session, linked to the latest session."""
        now = self._clock()
        with self._db.read() as s:
            lset = set_for_command(s, team_id, user_id, channel_id)
            require_member(s, lset, user_id)
            session = last_started_session(s, lset, now)
            if session is None:
                raise Conflict(
                    f"*{escape(lset.name)}* has not met yet: actions are committed after a session."
                )
            return self._draft(s, lset, session, None, None)

    def _agenda_topic(
        self, s: Session, team_id: str, topic_id: int
    ) -> tuple[Topic, AgendaVote, LearningSet]:
        row = s.execute(
            select(Topic, AgendaVote)
            .join(AgendaItem, AgendaItem.topic_id == Topic.id)
            .join(AgendaVote, AgendaVote.id == AgendaItem.vote_id)
            .where(Topic.team_id == team_id, Topic.id == topic_id)
        ).first()
        if row is None:
            raise NotFound("That topic is no longer on an agenda.")
        topic, vote = row
        if vote.status != CONFIRMED:
            raise Conflict("The facilitator has not confirmed this agenda yet.")
        lset = s.get(LearningSet, topic.set_id)
        assert lset is not None
        return topic, vote, lset

    def _draft(
        self,
        s: Session,
        lset: LearningSet,
        session: PlannedSession,
        topic: Topic | None,
        existing: Commitment | None,
    ) -> CommitDraft:
        return CommitDraft(
            set=set_info(s, lset, self._clock()),
            session=session_info(session),
            topic_id=topic.id if topic else None,
            topic_title=topic.title if topic else None,
            commitment_id=existing.id if existing else None,
            actions=self._actions_of(s, existing, lset) if existing else (),
            note=existing.note if existing else "",
            shared=existing.shared if existing else True,
        )

    def save(
        self,
        team_id: str,
        user_id: str,
        *,
        set_id: int,
        session_id: int,
        topic_id: int | None,
        form: CommitForm,
        view_id: str | None,
    ) -> CommitOutcome:
        now = self._clock()
        with self._db.write() as s, s.begin():
            if view_id:
                done = s.scalar(select(Commitment).where(Commitment.source_view_id == view_id))
                if done is not None and done.team_id == team_id and done.owner_id == user_id:
                    return self._outcome(s, done, repeated=True)
            lset = q.set_by_id(s, team_id, set_id)
            if lset is None:
                raise NotFound("That set no longer exists.")
            require_member(s, lset, user_id)
            errors = validate_commit(form, local_today(lset.timezone, now))
            if errors:
                raise InvalidInput(errors)
            commitment = None
            if topic_id is not None:
                topic, vote, _ = self._agenda_topic(s, team_id, topic_id)
                if topic.author_id != user_id or topic.set_id != lset.id:
                    raise NotAllowed("Only the presenter can commit actions for this topic.")
                session_id = vote.session_id
                commitment = s.scalar(select(Commitment).where(Commitment.topic_id == topic_id))
            session = s.get(PlannedSession, session_id)
            if session is None or session.set_id != lset.id or session.team_id != team_id:
                raise NotFound("That session no longer exists.")
            if commitment is None:
                commitment = Commitment(
                    team_id=team_id,
                    set_id=lset.id,
                    session_id=session.id,
                    owner_id=user_id,
                    topic_id=topic_id,
                    source_view_id=view_id,
                )
                s.add(commitment)
                s.flush()
            commitment.note = form.note.strip()
            commitment.shared = form.shared
            existing = {
                a.position: a
                for a in s.scalars(select(Action).where(Action.commitment_id == commitment.id))
            }
            for position, line in enumerate(form.actions[:MAX_ACTIONS]):
                text = line.text.strip()
                row = existing.get(position)
                if text and row is None:
                    s.add(
                        Action(
                            team_id=team_id,
                            set_id=lset.id,
                            commitment_id=commitment.id,
                            session_id=session.id,
                            owner_id=user_id,
                            position=position,
                            text=text,
                            target_date=line.target,
                        )
                    )
                elif text and row is not None:
                    if row.status == ActionStatus.DROPPED:
                        row.status, row.closed_at = ActionStatus.OPEN, None
                    row.text, row.target_date = text, line.target
                elif row is not None and row.status == ActionStatus.OPEN:
                    row.status, row.closed_at = ActionStatus.DROPPED, now
            s.flush()
            return self._outcome(s, commitment)

    def _outcome(
        self, s: Session, commitment: Commitment, *, repeated: bool = False
    ) -> CommitOutcome:
        lset = s.get(LearningSet, commitment.set_id)
        session = s.get(PlannedSession, commitment.session_id)
        assert lset is not None and session is not None
        title = None
        if commitment.topic_id is not None:
            topic = s.get(Topic, commitment.topic_id)
            title = topic.title if topic else None
        # The line goes in the thread of the session's agenda message, if it has one.
        thread = s.scalar(
            select(AgendaVote.message_ts).where(AgendaVote.session_id == commitment.session_id)
        )
        return CommitOutcome(
            set=set_info(s, lset, self._clock()),
            session=session_info(session),
            commitment_id=commitment.id,
            owner_id=commitment.owner_id,
            topic_title=title,
            actions=self._actions_of(s, commitment, lset),
            shared=commitment.shared,
            repeated=repeated,
            thread_ts=thread,
            line_ts=commitment.line_ts,
        )

    def attach_line(self, team_id: str, commitment_id: int, channel_id: str, ts: str) -> None:
        with self._db.write() as s, s.begin():
            row = s.get(Commitment, commitment_id)
            if row is not None and row.team_id == team_id:
                row.line_channel_id, row.line_ts = channel_id, ts

    # -- one action -------------------------------------------------------------------------
    def _owned(
        self, s: Session, team_id: str, user_id: str, action_id: int, *, lock: bool = False
    ) -> tuple[Action, LearningSet]:
        stmt = select(Action).where(Action.team_id == team_id, Action.id == action_id)
        row = s.scalar(stmt.with_for_update() if lock else stmt)
        if row is None:
            raise NotFound(GONE)
        if row.owner_id != user_id:
            raise NotAllowed("That action belongs to someone else: nothing was changed.")
        lset = s.get(LearningSet, row.set_id)
        assert lset is not None
        require_member(s, lset, user_id)
        if row.status == ActionStatus.DROPPED:
            raise Conflict("You dropped that action: nothing was changed.")
        return row, lset

    def action(self, team_id: str, user_id: str, action_id: int) -> ActionInfo:
        with self._db.read() as s:
            row, lset = self._owned(s, team_id, user_id, action_id)
            return self._info(s, row, lset)

    def edit(self, team_id: str, user_id: str, action_id: int, line: ActionLine) -> CommitOutcome:
        now = self._clock()
        with self._db.write() as s, s.begin():
            row, lset = self._owned(s, team_id, user_id, action_id, lock=True)
            errors = validate_edit(
                line, local_today(lset.timezone, now), target_was=row.target_date
            )
            if errors:
                raise InvalidInput(errors)
            row.text, row.target_date = line.text.strip(), line.target
            commitment = s.get(Commitment, row.commitment_id)
            assert commitment is not None
            s.flush()
            return self._outcome(s, commitment)

    def drop(self, team_id: str, user_id: str, action_id: int) -> CommitOutcome:
        with self._db.write() as s, s.begin():
            row, _ = self._owned(s, team_id, user_id, action_id, lock=True)
            row.status, row.closed_at = ActionStatus.DROPPED, self._clock()
            commitment = s.get(Commitment, row.commitment_id)
            assert commitment is not None
            s.flush()
            return self._outcome(s, commitment)

    def open_actions(
        self, team_id: str, user_id: str, set_id: int | None = None
    ) -> list[ActionInfo]:
        """The user's open actions across their sets (sets they still belong to)."""
        with self._db.read() as s:
            rows = s.scalars(
                select(Action)
                .join(PlannedSession, PlannedSession.id == Action.session_id)
                .where(
                    Action.team_id == team_id,
                    Action.owner_id == user_id,
                    Action.status == ActionStatus.OPEN,
                    *([Action.set_id == set_id] if set_id is not None else []),
                )
                .order_by(PlannedSession.starts_at, Action.commitment_id, Action.position)
            ).all()
            out, sets = [], {}
            for row in rows:
                if row.set_id not in sets:
                    lset = s.get(LearningSet, row.set_id)
                    member = lset and q.membership(s, team_id, lset.id, user_id)
                    ok = lset is not None and lset.status == "active" and member and member.active
                    sets[row.set_id] = lset if ok else None
                if sets[row.set_id] is not None:
                    out.append(self._info(s, row, sets[row.set_id]))
            return out

    # -- reporting back ---------------------------------------------------------------------
    def start_report(self, team_id: str, user_id: str, action_id: int) -> ReportDraft:
        now = self._clock()
        with self._db.read() as s:
            row, lset = self._owned(s, team_id, user_id, action_id)
            session = self._report_session(s, row, lset, now)
            info = self._info(s, row, lset)
            return ReportDraft(action=info, session=session_info(session), report=info.report)

    def _report_session(
        self, s: Session, row: Action, lset: LearningSet, now: datetime
    ) -> PlannedSession:
        committed_at = s.get(PlannedSession, row.session_id)
        assert committed_at is not None
        session = report_session(s, lset, now, committed_at.starts_at)
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
            row, lset = self._owned(s, team_id, user_id, action_id, lock=True)
            session = self._report_session(s, row, lset, now)
            report = s.scalar(
                select(ActionReport).where(
                    ActionReport.action_id == row.id, ActionReport.session_id == session.id
                )
            )
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
            posted = s.scalar(select(ReportRound).where(ReportRound.session_id == session.id))
            round_ = self._round(s, lset, session, posted) if posted and posted.message_ts else None
            return ReportOutcome(
                action=self._info(s, row, lset),
                session=session_info(session),
                report=report_info(report),
                round=round_,
            )

    # -- the report-back round --------------------------------------------------------------
    def _round(
        self, s: Session, lset: LearningSet, session: PlannedSession, posted: ReportRound | None
    ) -> RoundState:
        info = set_info(s, lset, self._clock())
        rows = s.execute(
            select(Action, Commitment.shared)
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
        per: dict[str, tuple[list[tuple[str, str | None]], list[bool]]] = {}
        for action, shared in rows:
            if action.owner_id not in info.member_ids:
                continue
            if action.status != ActionStatus.OPEN and action.id not in reports:
                continue  # closed before this round
            shared_list, private = per.setdefault(action.owner_id, ([], []))
            if shared:
                shared_list.append((action.text, reports.get(action.id)))
            else:
                private.append(action.id in reports)
        members = tuple(
            RoundMember(
                user_id=u,
                shared=tuple(per[u][0]),
                private_total=len(per[u][1]),
                private_reported=sum(per[u][1]),
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

    def open_round(
        self,
        team_id: str,
        user_id: str | None,
        *,
        channel_id: str | None = None,
        session_id: int | None = None,
    ) -> RoundState:
        """Start (or find) the report-back round of a session: ``session_id`` (the agenda vote
        just opened), or the next session of the channel's set (the facilitator asked)."""
        now = self._clock()
        with self._db.write() as s, s.begin():
            if session_id is not None:
                session = s.get(PlannedSession, session_id)
                if session is None or session.team_id != team_id:
                    raise NotFound("That session no longer exists.")
                lset = s.get(LearningSet, session.set_id)
                assert lset is not None
            else:
                lset = q.set_by_channel(s, team_id, channel_id or "")
                if lset is None or lset.status != "active":
                    raise NotFound(
                        f"This channel has no Action Learning Set. Run `{COMMAND} agenda "
                        "reportback` in the set's channel."
                    )
                upcoming = q.upcoming_sessions(s, team_id, lset.id, now)
                if not upcoming:
                    raise Conflict("No session is planned for this set.")
                session = upcoming[0]
            if user_id is not None:
                member = q.membership(s, team_id, lset.id, user_id)
                if member is None or not member.is_facilitator or member.left_at is not None:
                    raise NotAllowed("Only the facilitator can start the report-back round.")
            posted = s.scalar(select(ReportRound).where(ReportRound.session_id == session.id))
            state = self._round(s, lset, session, posted)
            if posted is None and state.members:
                posted = ReportRound(
                    team_id=team_id,
                    set_id=lset.id,
                    session_id=session.id,
                    channel_id=lset.channel_id,
                )
                s.add(posted)
                s.flush()
                state = self._round(s, lset, session, posted)
            return state

    def attach_round_message(self, team_id: str, round_id: int, ts: str) -> None:
        with self._db.write() as s, s.begin():
            row = s.get(ReportRound, round_id)
            if row is not None and row.team_id == team_id:
                row.message_ts = ts

    def round_for_next_session(
        self, s: Session, lset: LearningSet, now: datetime
    ) -> RoundState | None:
        """Report-back progress for the set's next session (the facilitator's Home tab)."""
        upcoming = q.upcoming_sessions(s, lset.team_id, lset.id, now)
        if not upcoming:
            return None
        posted = s.scalar(select(ReportRound).where(ReportRound.session_id == upcoming[0].id))
        return self._round(s, lset, upcoming[0], posted)
