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
    validate_commit,
    validate_edit,
)
from bot.domain.errors import Conflict, InvalidInput, NotFound
from bot.domain.schedule import local_today
from bot.domain.status import SetStatus, VoteStatus
from bot.domain.text import escape
from bot.services import access, announce
from bot.services.readmodels import action_info, session_info, set_info
from bot.services.reportback import owned_action
from bot.services.views import ActionInfo, CommitDraft, CommitOutcome, Dropped
from bot.storage import queries as q
from bot.storage.db import Database
from bot.storage.models import (
    Action,
    AgendaItem,
    AgendaVote,
    Commitment,
    LearningSet,
    PlannedSession,
    Topic,
)


class ActionService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    # -- plain data -------------------------------------------------------------------------
    def _actions_of(
        self, s: Session, commitment: Commitment, lset: LearningSet
    ) -> tuple[ActionInfo, ...]:
        return actions_of(s, commitment, lset, self._clock())

    # -- committing -------------------------------------------------------------------------
    def start_for_topic(self, team_id: str, user_id: str, topic_id: int) -> CommitDraft:
        """The "Commit actions" button of a topic on a confirmed agenda: its presenter only."""
        with self._db.read() as s:
            topic, vote, lset = self._agenda_topic(s, team_id, topic_id)
            access.require_member(s, lset, user_id)
            access.require_presenter(topic, user_id)
            session = s.get(PlannedSession, vote.session_id)
            assert session is not None
            existing = s.scalar(select(Commitment).where(Commitment.topic_id == topic.id))
            return self._draft(s, lset, session, topic, existing)

    def start_add(self, team_id: str, user_id: str, channel_id: str) -> CommitDraft:
        """``/als actions add``: actions outside a session, linked to the latest session."""
        now = self._clock()
        with self._db.read() as s:
            lset = access.set_for_command(s, team_id, user_id, channel_id)
            access.require_member(s, lset, user_id)
            session = q.last_started_session(s, lset, now)
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
        if vote.status != VoteStatus.CONFIRMED:
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
                raise NotFound(access.SET_GONE)
            access.require_member(s, lset, user_id)
            errors = validate_commit(form, local_today(lset.timezone, now))
            if errors:
                raise InvalidInput(errors)
            commitment = None
            if topic_id is not None:
                topic, vote, _ = self._agenda_topic(s, team_id, topic_id)
                access.require_presenter_in(topic, lset, user_id)
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
            outcome = self._outcome(s, commitment)
            return announce.commitment_changed(s, outcome, now, confirm=True)

    def _outcome(
        self, s: Session, commitment: Commitment, *, repeated: bool = False
    ) -> CommitOutcome:
        return commit_outcome(s, commitment, self._clock(), repeated=repeated)

    # -- one action -------------------------------------------------------------------------
    def action(self, team_id: str, user_id: str, action_id: int) -> ActionInfo:
        with self._db.read() as s:
            row, lset = owned_action(s, team_id, user_id, action_id)
            return action_info(s, row, lset, self._clock())

    def edit(self, team_id: str, user_id: str, action_id: int, line: ActionLine) -> CommitOutcome:
        now = self._clock()
        with self._db.write() as s, s.begin():
            row, lset = owned_action(s, team_id, user_id, action_id, lock=True)
            errors = validate_edit(
                line, local_today(lset.timezone, now), target_was=row.target_date
            )
            if errors:
                raise InvalidInput(errors)
            row.text, row.target_date = line.text.strip(), line.target
            commitment = s.get(Commitment, row.commitment_id)
            assert commitment is not None
            s.flush()
            return announce.commitment_changed(s, self._outcome(s, commitment), now)

    def drop(self, team_id: str, user_id: str, action_id: int) -> Dropped:
        """Drop one of one's actions; returns its commitment and one's open actions after."""
        with self._db.write() as s, s.begin():
            row, _ = owned_action(s, team_id, user_id, action_id, lock=True)
            row.status, row.closed_at = ActionStatus.DROPPED, self._clock()
            commitment = s.get(Commitment, row.commitment_id)
            assert commitment is not None
            s.flush()
            outcome = announce.commitment_changed(s, self._outcome(s, commitment), self._clock())
        return Dropped(outcome, tuple(self.open_actions(team_id, user_id)))

    def listing(self, team_id: str, user_id: str) -> list[ActionInfo]:
        """``/als actions``: the user's open actions; someone who was never in a set is told
        how sets begin."""
        found = self.open_actions(team_id, user_id)
        if not found:
            with self._db.read() as s:
                if not q.ever_a_member(s, team_id, user_id):
                    raise NotFound(access.NOT_IN_A_SET)
        return found

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
            now = self._clock()
            out: list[ActionInfo] = []
            sets: dict[int, LearningSet | None] = {}
            for row in rows:
                if row.set_id not in sets:
                    lset = s.get(LearningSet, row.set_id)
                    ok = (
                        lset is not None
                        and lset.status == SetStatus.ACTIVE
                        and access.is_active(q.membership(s, team_id, lset.id, user_id))
                    )
                    sets[row.set_id] = lset if ok else None
                found = sets[row.set_id]
                if found is not None:
                    out.append(action_info(s, row, found, now))
            return out


def commit_outcome(
    s: Session, commitment: Commitment, now: datetime, *, repeated: bool = False
) -> CommitOutcome:
    """A commitment as it is now: what its confirmation and its channel line say."""
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
        set=set_info(s, lset, now),
        session=session_info(session),
        commitment_id=commitment.id,
        owner_id=commitment.owner_id,
        topic_title=title,
        actions=actions_of(s, commitment, lset, now),
        shared=commitment.shared,
        repeated=repeated,
        thread_ts=thread,
        line_ts=commitment.line_ts,
    )


def actions_of(
    s: Session, commitment: Commitment, lset: LearningSet, now: datetime
) -> tuple[ActionInfo, ...]:
    """A commitment's actions, dropped ones left out, by position."""
    rows = s.scalars(
        select(Action)
        .where(Action.commitment_id == commitment.id, Action.status != ActionStatus.DROPPED)
        .order_by(Action.position)
    ).all()
    return tuple(action_info(s, r, lset, now) for r in rows)
