"""Use cases for topic preparation (``/als topic``).

Private preparation never leaves this service except to its author: everything else that
renders topics gets ``TopicInfo`` and must check ``readable_by``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.status import VoteStatus
from bot.domain.text import escape
from bot.domain.topics import Response, TopicForm, TopicStatus, validate_topic
from bot.ids import COMMAND
from bot.services import access, announce
from bot.services.planning import open_for_topics
from bot.services.readmodels import session_info, set_info, topic_info, vote_state
from bot.services.views import TopicDraft, TopicOutcome, TopicOverview
from bot.storage import agenda_queries as aq
from bot.storage import queries as q
from bot.storage.db import Database
from bot.storage.models import LearningSet, PlannedSession, Topic, VoteAllocation


def _participates(s: Session, lset: LearningSet, user_id: str) -> bool:
    return access.participates(lset, q.membership(s, lset.team_id, lset.id, user_id))


class TopicService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def start(self, team_id: str, user_id: str, channel_id: str) -> TopicDraft:
        """Which set and session ``/als topic`` is about, and the user's current answer: the
        channel's set, else the user's set, else a choice among the sets they bring topics to."""
        now = self._clock()
        with self._db.read() as s:
            here = q.set_by_channel(s, team_id, channel_id)
            if here is not None:
                access.require_participant(s, here, user_id)
                return self._draft(s, here, user_id, now)
            sets = list(q.sets_of_user(s, team_id, user_id))
            if not sets:
                raise NotFound(access.NOT_IN_A_SET)
            mine = [x for x in sets if _participates(s, x, user_id)]
            if not mine:
                access.require_participant(s, sets[0], user_id)  # raises with the reason
            if len(mine) == 1:
                return self._draft(s, mine[0], user_id, now)
            infos = tuple(set_info(s, x, now) for x in mine)
            session = open_for_topics(s, mine[0], now)
            if session is None:
                raise NotFound(f"No session of *{escape(mine[0].name)}* is planned.")
            return TopicDraft(
                set=infos[0], session=session_info(session), topic=None, choices=infos
            )

    def start_for_set(
        self, team_id: str, user_id: str, set_id: int, session_id: int | None = None
    ) -> TopicDraft:
        """The topic modal for one set (the Home tab's button), or for the session a reminder
        named (its button): when that session's topics have closed since, the draft says so
        (``asked_for``) and is for the session topics go to now."""
        with self._db.read() as s:
            lset = access.active_set(s, team_id, set_id)
            access.require_participant(s, lset, user_id)
            draft = self._draft(s, lset, user_id, self._clock())
            if session_id is None or draft.session.id == session_id:
                return draft
            named = s.get(PlannedSession, session_id)
            if named is None or named.team_id != team_id or named.set_id != lset.id:
                raise NotFound(
                    f"This reminder is out of date. Run `{COMMAND} topic` to prepare your topic."
                )
            return replace(draft, asked_for=session_info(named))

    def overview(self, team_id: str, user_id: str, set_id: int) -> TopicOverview:
        """For the Home tab: the reader's own answer, and who has answered (names only)."""
        now = self._clock()
        with self._db.read() as s:
            lset = q.set_by_id(s, team_id, set_id)
            if lset is None:
                raise NotFound(access.SET_GONE)
            session = open_for_topics(s, lset, now)
            participants = access.participant_ids(lset, q.active_members(s, team_id, set_id))
            rows = (
                {
                    t.author_id: t
                    for t in s.scalars(select(Topic).where(Topic.session_id == session.id))
                }
                if session is not None
                else {}
            )

            def status(user: str) -> str | None:
                row = rows.get(user)
                return row.status if row is not None else None

            mine = rows.get(user_id)
            return TopicOverview(
                session=session_info(session) if session is not None else None,
                participates=user_id in participants,
                mine=topic_info(mine) if mine is not None else None,
                submitted=tuple(u for u in participants if status(u) == TopicStatus.SUBMITTED),
                no_topic=tuple(u for u in participants if status(u) == TopicStatus.NO_TOPIC),
                waiting=tuple(
                    u
                    for u in participants
                    if status(u) not in (TopicStatus.SUBMITTED, TopicStatus.NO_TOPIC)
                ),
            )

    def _draft(self, s: Session, lset: LearningSet, user_id: str, now: datetime) -> TopicDraft:
        upcoming = q.upcoming_sessions(s, lset.team_id, lset.id, now)
        if upcoming:
            in_vote = _topic_in_open_vote(s, upcoming[0], user_id)
            if in_vote is not None:
                return TopicDraft(
                    set=set_info(s, lset, now),
                    session=session_info(upcoming[0]),
                    topic=topic_info(in_vote),
                    note=(
                        "The agenda vote is open: you can withdraw your topic from it (its votes "
                        "go back to the voters). Any other answer is kept for the following session."
                    ),
                )
        target = open_for_topics(s, lset, now)
        if target is None:
            raise NotFound(f"No session of *{escape(lset.name)}* is planned yet.")
        note = None
        if upcoming and upcoming[0].id != target.id:
            note = (
                "The agenda vote of the next session has opened, so this topic is for the "
                "session after it."
            )
        row = aq.topic_of(s, target.id, user_id)
        return TopicDraft(
            set=set_info(s, lset, now),
            session=session_info(target),
            topic=topic_info(row) if row is not None else None,
            note=note,
        )

    def save(
        self, team_id: str, user_id: str, set_id: int, session_id: int | None, form: TopicForm
    ) -> TopicOutcome:
        errors = validate_topic(form)
        if errors:
            raise InvalidInput(errors)
        now = self._clock()
        with self._db.write() as s, s.begin():
            lset = access.active_set(s, team_id, set_id)
            access.require_participant(s, lset, user_id)
            target = open_for_topics(s, lset, now)
            if target is None:
                raise NotFound(f"No session of *{escape(lset.name)}* is planned yet.")
            claimed = s.get(PlannedSession, session_id) if session_id else None
            if claimed is not None and claimed.set_id != lset.id:
                claimed = None
            if form.response is Response.WITHDRAW and claimed is not None:
                in_vote = _topic_in_open_vote(s, claimed, user_id)
                if in_vote is not None:
                    vote = aq.vote_of_session(s, claimed.id)
                    assert vote is not None
                    in_vote.status = TopicStatus.WITHDRAWN
                    in_vote.updated_at = now
                    s.execute(delete(VoteAllocation).where(VoteAllocation.topic_id == in_vote.id))
                    s.flush()
                    return TopicOutcome(
                        set=set_info(s, lset, now),
                        session=session_info(claimed),
                        topic=topic_info(in_vote),
                        vote_to_refresh=vote.id,
                        vote=announce.vote_changed(s, vote_state(s, vote, now), now),
                    )
            moved_from = None
            if claimed is not None and claimed.id != target.id:
                moved_from = session_info(claimed)  # its vote opened meanwhile: keep the text
            row = aq.topic_of(s, target.id, user_id)
            if form.response is Response.WITHDRAW and (
                row is None or row.status == TopicStatus.WITHDRAWN
            ):
                raise NotFound(f"You have no topic to withdraw. Run `{COMMAND} topic` to add one.")
            if row is None:
                row = Topic(
                    team_id=team_id,
                    set_id=lset.id,
                    session_id=target.id,
                    author_id=user_id,
                    submitted_at=now,
                )
                s.add(row)
            status = {
                Response.TOPIC: TopicStatus.SUBMITTED,
                Response.DRAFT: TopicStatus.DRAFT,
                Response.NO_TOPIC: TopicStatus.NO_TOPIC,
                Response.WITHDRAW: TopicStatus.WITHDRAWN,
            }[form.response]
            if form.response in (Response.TOPIC, Response.DRAFT):
                row.title = form.title.strip()
                row.scenario = form.scenario.strip()
                row.question = form.question.strip()
                row.tried = form.tried.strip()
                row.shared = form.shared
                if row.status != TopicStatus.SUBMITTED:
                    row.submitted_at = now
            row.status = status
            row.updated_at = now
            s.flush()
            return TopicOutcome(
                set=set_info(s, lset, now),
                session=session_info(target),
                topic=topic_info(row),
                moved_from=moved_from,
            )


def _topic_in_open_vote(s: Session, session: PlannedSession, user_id: str) -> Topic | None:
    vote = aq.vote_of_session(s, session.id)
    if vote is None or vote.status != VoteStatus.OPEN:
        return None
    return s.scalar(
        select(Topic).where(
            Topic.session_id == session.id,
            Topic.author_id == user_id,
            Topic.status == TopicStatus.SUBMITTED,
        )
    )
