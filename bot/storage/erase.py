"""Erasing one member of a workspace (forget me, ``bot.domain.forget``): every column that
holds a person's Slack id and every free-text column, each listed once here (a test checks the
lists against the models, so a new table cannot be missed).

The rows stay where the set's figures count them; their texts are emptied and the member's id
becomes a pseudonym. What only serves the member (their calendar feed, their organiser role,
messages still waiting for them) is deleted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.domain.delivery import State
from bot.domain.forget import Holdings
from bot.domain.status import VoteStatus
from bot.domain.topics import TopicStatus
from bot.storage import queries as q
from bot.storage.models import (
    Action,
    ActionReport,
    AgendaItem,
    AgendaVote,
    CalendarFeed,
    Commitment,
    FacilitationRequest,
    LearningSet,
    LivePart,
    LiveSession,
    LogEntry,
    MemberGoal,
    Membership,
    Organiser,
    OutboxNote,
    PlannedSession,
    Reminder,
    Rsvp,
    RulesAgreement,
    SessionAttendance,
    SessionReview,
    Topic,
    VoteAllocation,
)

Column = InstrumentedAttribute[Any]

#: Every column naming a person, whose value becomes the pseudonym.
PERSON_COLUMNS: tuple[Column, ...] = (
    Topic.author_id,
    AgendaVote.opened_by,
    VoteAllocation.voter_id,
    AgendaItem.presenter_id,
    Rsvp.user_id,
    SessionAttendance.user_id,
    SessionAttendance.recorded_by,
    MemberGoal.user_id,
    Commitment.owner_id,
    Action.owner_id,
    ActionReport.owner_id,
    LogEntry.author_id,
    SessionReview.user_id,
    LiveSession.started_by,
    LivePart.presenter_id,
    FacilitationRequest.from_user,
    FacilitationRequest.to_user,
    FacilitationRequest.decided_by,
    LearningSet.created_by,
    Membership.user_id,
    RulesAgreement.user_id,
    PlannedSession.facilitator_id,
    Reminder.target,
    OutboxNote.target,
    Organiser.added_by,
)

#: Rows that only serve the person: deleted rather than kept under a pseudonym.
PERSONAL_ROWS: tuple[Column, ...] = (CalendarFeed.user_id, Organiser.user_id)

#: Every free-text column a member writes, with the person who wrote it. The set's contract
#: (``LearningSet.ground_rules``) is the set's, not a member's: neither list has it.
MEMBER_TEXTS: tuple[tuple[Column, Column], ...] = (
    (Topic.title, Topic.author_id),
    (Topic.scenario, Topic.author_id),
    (Topic.question, Topic.author_id),
    (Topic.tried, Topic.author_id),
    (Rsvp.reason, Rsvp.user_id),
    (MemberGoal.goal, MemberGoal.user_id),
    (MemberGoal.note, MemberGoal.user_id),
    (Commitment.note, Commitment.owner_id),
    (Action.text, Action.owner_id),
    (ActionReport.happened, ActionReport.owner_id),
    (ActionReport.learned, ActionReport.owner_id),
    (LogEntry.about_issue, LogEntry.author_id),
    (LogEntry.about_set, LogEntry.author_id),
    (SessionReview.note, SessionReview.user_id),
    (LivePart.question, LivePart.presenter_id),
)


def blank(column: Column) -> str | None:
    """The empty value of a text column: NULL where it may be, else ''."""
    return None if column.nullable else ""


def has_text(column: Column) -> ColumnElement[bool]:
    """The column holds something (NULL and '' say nothing: compared, never read)."""
    return and_(column.is_not(None), column != "")


def _count(s: Session, column: Column, *where: ColumnElement[bool]) -> int:
    table = column.class_
    return int(s.scalar(select(func.count()).select_from(table).where(*where)) or 0)


def holdings(s: Session, team_id: str, user_id: str) -> Holdings:
    """What the database holds of ``user_id`` in ``team_id``: what forgetting them takes."""

    def mine(column: Column, *more: ColumnElement[bool]) -> int:
        return _count(s, column, column.class_.team_id == team_id, column == user_id, *more)

    open_votes = select(AgendaVote.id).where(
        AgendaVote.team_id == team_id, AgendaVote.status == VoteStatus.OPEN
    )
    ballots = s.scalar(
        select(func.count(VoteAllocation.vote_id.distinct())).where(
            VoteAllocation.team_id == team_id,
            VoteAllocation.voter_id == user_id,
            VoteAllocation.vote_id.in_(open_votes),
        )
    )
    sets = [m.learning_set.name for m in q.memberships_of_user(s, team_id, user_id)]
    return Holdings(
        topics=mine(Topic.author_id, has_text(Topic.title)),
        actions=mine(Action.owner_id, has_text(Action.text)),
        reports=mine(
            ActionReport.owner_id,
            or_(has_text(ActionReport.happened), has_text(ActionReport.learned)),
        ),
        commitment_notes=mine(Commitment.owner_id, has_text(Commitment.note)),
        logs=mine(
            LogEntry.author_id, or_(has_text(LogEntry.about_issue), has_text(LogEntry.about_set))
        ),
        goals=mine(MemberGoal.user_id, has_text(MemberGoal.goal)),
        reasons=mine(Rsvp.user_id, has_text(Rsvp.reason)),
        reviews=mine(SessionReview.user_id, has_text(SessionReview.note)),
        live_questions=mine(LivePart.presenter_id, has_text(LivePart.question)),
        ballots=int(ballots or 0),
        sets=tuple(sets),
        other_rows=sum(mine(c) for c in (*PERSON_COLUMNS, *PERSONAL_ROWS)),
    )


def withdraw_unchosen_topics(s: Session, team_id: str, user_id: str) -> None:
    """Their topics on no agenda leave every vote to come (none is carried over either)."""
    on_agenda = select(AgendaItem.topic_id).where(AgendaItem.team_id == team_id)
    s.execute(
        update(Topic)
        .where(
            Topic.team_id == team_id,
            Topic.author_id == user_id,
            Topic.status == TopicStatus.SUBMITTED,
            Topic.id.not_in(on_agenda),
        )
        .values(status=TopicStatus.WITHDRAWN)
    )


def forget_member(
    s: Session, team_id: str, user_id: str, pseudonym: str, now: datetime
) -> dict[str, int]:
    """Empty every text of ``user_id`` in ``team_id`` and put ``pseudonym`` in place of their
    id everywhere; the rows changed, by table. Their ballots in open votes and their topics in
    votes to come are the caller's first step (``drop_member_from_open_votes``)."""
    changed: dict[str, int] = {}

    def note(table: str, n: int) -> None:
        if n:
            changed[table] = changed.get(table, 0) + n

    withdraw_unchosen_topics(s, team_id, user_id)
    # Their shared action titles were for the set to hold them to account: no longer listed.
    s.execute(
        update(Commitment)
        .where(Commitment.team_id == team_id, Commitment.owner_id == user_id)
        .values(shared=False)
    )
    s.execute(
        update(Membership)
        .where(
            Membership.team_id == team_id,
            Membership.user_id == user_id,
            Membership.left_at.is_(None),
        )
        .values(left_at=now)
    )
    s.execute(
        update(Membership)
        .where(Membership.team_id == team_id, Membership.user_id == user_id)
        .values(tz=None, away_until=None, unreachable=None)
    )
    for target in (Reminder.target, OutboxNote.target):
        table = target.class_
        gone = s.execute(
            delete(table).where(
                table.team_id == team_id, target == user_id, table.status == State.PENDING
            )
        )
        note(table.__tablename__, q.rowcount(gone))
    for column in PERSONAL_ROWS:
        table = column.class_
        gone = s.execute(delete(table).where(table.team_id == team_id, column == user_id))
        note(table.__tablename__, q.rowcount(gone))
    for text, owner in MEMBER_TEXTS:
        table = text.class_
        done = s.execute(
            update(table)
            .where(table.team_id == team_id, owner == user_id, has_text(text))
            .values({text.key: blank(text)})
        )
        note(table.__tablename__, q.rowcount(done))
    for column in PERSON_COLUMNS:
        table = column.class_
        done = s.execute(
            update(table)
            .where(table.team_id == team_id, column == user_id)
            .values({column.key: pseudonym})
        )
        note(table.__tablename__, q.rowcount(done))
    _drop_from_rota_orders(s, team_id, user_id)
    s.flush()
    return changed


def _drop_from_rota_orders(s: Session, team_id: str, user_id: str) -> None:
    """A set's rota order names members (``settings["rota"]["order"]``): they leave it."""
    for lset in s.scalars(select(LearningSet).where(LearningSet.team_id == team_id)):
        settings = dict(lset.settings or {})
        rota = settings.get("rota")
        order = rota.get("order") if isinstance(rota, dict) else None
        if isinstance(rota, dict) and isinstance(order, list) and user_id in order:
            settings["rota"] = {**rota, "order": [u for u in order if u != user_id]}
            lset.settings = settings


def member_set_ids(s: Session, team_id: str, user_id: str) -> Sequence[int]:
    """The sets ``user_id`` is an active member of (their open votes change)."""
    return s.scalars(
        select(Membership.set_id).where(
            Membership.team_id == team_id,
            Membership.user_id == user_id,
            Membership.left_at.is_(None),
        )
    ).all()
