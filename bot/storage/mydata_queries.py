"""What ``/als export`` reads: every row of one workspace about one member, and nothing of any
other member's (issue 21, point 2). Each query returns records (column label -> value), scoped
by the team id; other members appear only as "is it you" flags, never by their text or id.
Free-text columns are selected (read back decrypted by their column type), never filtered or
sorted on."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Executable, Select, and_, or_, select
from sqlalchemy.orm import Session

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

Record = dict[str, Any]


def _records(s: Session, stmt: Executable) -> list[Record]:
    return [dict(row) for row in s.execute(stmt).mappings()]


#: The set's name and the session's day, for rows joined by ``_in_set_and_session``.
_SET_AND_DAY: tuple[ColumnElement[Any], ...] = (
    LearningSet.name.label("set"),
    PlannedSession.local_date.label("session_date"),
)


def _in_set_and_session(stmt: Select[Any], model: Any) -> Select[Any]:
    """Join the set and the session of a row that has ``set_id`` and ``session_id``."""
    return stmt.join(LearningSet, LearningSet.id == model.set_id).join(
        PlannedSession, PlannedSession.id == model.session_id
    )


def memberships(s: Session, team_id: str, user_id: str) -> list[Record]:
    return _records(
        s,
        select(
            LearningSet.name.label("set"),
            LearningSet.channel_id.label("channel"),
            Membership.is_facilitator.label("lead"),
            (LearningSet.created_by == user_id).label("created_the_set"),
            Membership.joined_at.label("joined_at"),
            Membership.left_at.label("left_at"),
            Membership.away_until.label("away_until"),
            Membership.tz.label("timezone"),
            Membership.unreachable.label("unreachable"),
        )
        .join(LearningSet, LearningSet.id == Membership.set_id)
        .where(Membership.team_id == team_id, Membership.user_id == user_id)
        .order_by(Membership.joined_at, Membership.id),
    )


def rules_agreements(s: Session, team_id: str, user_id: str) -> list[Record]:
    return _records(
        s,
        select(
            LearningSet.name.label("set"),
            RulesAgreement.rules_version.label("rules_version"),
            RulesAgreement.agreed_at.label("agreed_at"),
        )
        .join(LearningSet, LearningSet.id == RulesAgreement.set_id)
        .where(RulesAgreement.team_id == team_id, RulesAgreement.user_id == user_id)
        .order_by(RulesAgreement.agreed_at, RulesAgreement.id),
    )


def sessions(s: Session, team_id: str, user_id: str) -> list[Record]:
    """The sessions of the member's sets from their joining to their leaving (and any session
    they answered for or were marked at), with their own answer, reason and attendance, and
    whether they facilitate it (no one else's name)."""
    rsvp = and_(Rsvp.session_id == PlannedSession.id, Rsvp.user_id == user_id)
    mark = and_(
        SessionAttendance.session_id == PlannedSession.id, SessionAttendance.user_id == user_id
    )
    facilitates = or_(
        PlannedSession.facilitator_id == user_id,
        and_(PlannedSession.facilitator_id.is_(None), Membership.is_facilitator),
    )
    return _records(
        s,
        select(
            LearningSet.name.label("set"),
            PlannedSession.local_date.label("session_date"),
            PlannedSession.local_time.label("local_time"),
            PlannedSession.timezone.label("set_timezone"),
            PlannedSession.starts_at.label("starts_at"),
            PlannedSession.duration_minutes.label("minutes"),
            PlannedSession.status.label("status"),
            facilitates.label("you_facilitate"),
            Rsvp.answer.label("your_answer"),
            Rsvp.reason.label("your_apology_reason"),
            Rsvp.late.label("late"),
            Rsvp.answered_at.label("answered_at"),
            SessionAttendance.present.label("attended"),
        )
        .join(LearningSet, LearningSet.id == PlannedSession.set_id)
        .join(
            Membership,
            and_(Membership.set_id == PlannedSession.set_id, Membership.user_id == user_id),
        )
        .outerjoin(Rsvp, rsvp)
        .outerjoin(SessionAttendance, mark)
        .where(
            PlannedSession.team_id == team_id,
            Membership.team_id == team_id,
            or_(
                and_(
                    PlannedSession.starts_at >= Membership.joined_at,
                    or_(
                        Membership.left_at.is_(None), PlannedSession.starts_at <= Membership.left_at
                    ),
                ),
                Rsvp.id.is_not(None),
                SessionAttendance.id.is_not(None),
            ),
        )
        .order_by(PlannedSession.starts_at, PlannedSession.id),
    )


def ballots(s: Session, team_id: str, user_id: str) -> list[Record]:
    """The member's own ballot in each vote: the topics they gave votes to, and how many."""
    return _records(
        s,
        _in_set_and_session(
            select(
                *_SET_AND_DAY,
                AgendaVote.status.label("vote_status"),
                Topic.title.label("topic"),
                (Topic.author_id == user_id).label("your_own_topic"),
                VoteAllocation.count.label("votes_given"),
                VoteAllocation.updated_at.label("updated_at"),
            )
            .select_from(VoteAllocation)
            .join(AgendaVote, AgendaVote.id == VoteAllocation.vote_id)
            .join(Topic, Topic.id == VoteAllocation.topic_id),
            AgendaVote,
        )
        .where(
            VoteAllocation.team_id == team_id,
            VoteAllocation.voter_id == user_id,
            VoteAllocation.count > 0,
        )
        .order_by(PlannedSession.starts_at, VoteAllocation.id),
    )


def topics(s: Session, team_id: str, user_id: str) -> list[Record]:
    """The member's topics, and their place on an agenda if one was chosen."""
    return _records(
        s,
        _in_set_and_session(
            select(
                *_SET_AND_DAY,
                Topic.status.label("status"),
                Topic.title.label("title"),
                Topic.scenario.label("scenario"),
                Topic.question.label("question"),
                Topic.tried.label("tried"),
                Topic.shared.label("shared"),
                Topic.carried_from_id.is_not(None).label("carried_over"),
                AgendaItem.position.label("agenda_place"),
                AgendaItem.minutes.label("agenda_minutes"),
                AgendaItem.votes.label("votes_received"),
                Topic.submitted_at.label("submitted_at"),
                Topic.updated_at.label("updated_at"),
            ).outerjoin(AgendaItem, AgendaItem.topic_id == Topic.id),
            Topic,
        )
        .where(Topic.team_id == team_id, Topic.author_id == user_id)
        .order_by(PlannedSession.starts_at, Topic.id),
    )


def commitments(s: Session, team_id: str, user_id: str) -> list[Record]:
    return _records(
        s,
        _in_set_and_session(
            select(
                *_SET_AND_DAY,
                Topic.title.label("topic"),
                Commitment.shared.label("actions_shared"),
                Commitment.note.label("private_note"),
                Commitment.created_at.label("created_at"),
                Commitment.updated_at.label("updated_at"),
            ).outerjoin(Topic, Topic.id == Commitment.topic_id),
            Commitment,
        )
        .where(Commitment.team_id == team_id, Commitment.owner_id == user_id)
        .order_by(PlannedSession.starts_at, Commitment.id),
    )


def actions(s: Session, team_id: str, user_id: str) -> list[Record]:
    return _records(
        s,
        _in_set_and_session(
            select(
                *_SET_AND_DAY,
                Action.text.label("action"),
                Action.target_date.label("target_date"),
                Action.status.label("status"),
                Commitment.shared.label("shared"),
                Action.created_at.label("created_at"),
                Action.closed_at.label("closed_at"),
            ).join(Commitment, Commitment.id == Action.commitment_id),
            Action,
        )
        .where(Action.team_id == team_id, Action.owner_id == user_id)
        .order_by(PlannedSession.starts_at, Action.id),
    )


def reports(s: Session, team_id: str, user_id: str) -> list[Record]:
    return _records(
        s,
        _in_set_and_session(
            select(
                *_SET_AND_DAY,
                Action.text.label("action"),
                ActionReport.status.label("status"),
                ActionReport.happened.label("what_happened"),
                ActionReport.learned.label("what_you_learned"),
                ActionReport.created_at.label("created_at"),
                ActionReport.updated_at.label("updated_at"),
            ).join(Action, Action.id == ActionReport.action_id),
            ActionReport,
        )
        .where(ActionReport.team_id == team_id, ActionReport.owner_id == user_id)
        .order_by(PlannedSession.starts_at, ActionReport.id),
    )


def log_entries(s: Session, team_id: str, user_id: str) -> list[Record]:
    return _records(
        s,
        _in_set_and_session(
            select(
                *_SET_AND_DAY,
                LogEntry.about_issue.label("about_your_issue"),
                LogEntry.about_set.label("about_the_set"),
                LogEntry.created_at.label("created_at"),
                LogEntry.updated_at.label("updated_at"),
            ),
            LogEntry,
        )
        .where(LogEntry.team_id == team_id, LogEntry.author_id == user_id)
        .order_by(PlannedSession.starts_at, LogEntry.id),
    )


def goals(s: Session, team_id: str, user_id: str) -> list[Record]:
    return _records(
        s,
        select(
            LearningSet.name.label("set"),
            MemberGoal.goal.label("goal"),
            MemberGoal.written_at.label("written_at"),
            MemberGoal.rating.label("rating"),
            MemberGoal.note.label("rating_note"),
            MemberGoal.rated_at.label("rated_at"),
        )
        .join(LearningSet, LearningSet.id == MemberGoal.set_id)
        .where(MemberGoal.team_id == team_id, MemberGoal.user_id == user_id)
        .order_by(MemberGoal.written_at, MemberGoal.id),
    )


def reviews(s: Session, team_id: str, user_id: str) -> list[Record]:
    return _records(
        s,
        _in_set_and_session(
            select(
                *_SET_AND_DAY,
                SessionReview.useful.label("useful"),
                SessionReview.note.label("note"),
                SessionReview.answered_at.label("answered_at"),
            ),
            SessionReview,
        )
        .where(SessionReview.team_id == team_id, SessionReview.user_id == user_id)
        .order_by(PlannedSession.starts_at, SessionReview.id),
    )


def live_parts(s: Session, team_id: str, user_id: str) -> list[Record]:
    """The parts of live sessions where the member presented, with their question."""
    return _records(
        s,
        _in_set_and_session(
            select(
                *_SET_AND_DAY,
                LivePart.position.label("part"),
                LivePart.minutes.label("minutes"),
                LivePart.question.label("your_question"),
            )
            .select_from(LivePart)
            .join(LiveSession, LiveSession.id == LivePart.live_id),
            LiveSession,
        )
        .where(LivePart.team_id == team_id, LivePart.presenter_id == user_id)
        .order_by(PlannedSession.starts_at, LivePart.position),
    )


def live_runs(s: Session, team_id: str, user_id: str) -> list[Record]:
    """The live sessions the member started (as the session's facilitator)."""
    return _records(
        s,
        _in_set_and_session(
            select(
                *_SET_AND_DAY,
                LiveSession.status.label("status"),
                LiveSession.started_at.label("started_at"),
                LiveSession.ended_at.label("ended_at"),
            ),
            LiveSession,
        )
        .where(LiveSession.team_id == team_id, LiveSession.started_by == user_id)
        .order_by(PlannedSession.starts_at, LiveSession.id),
    )


def rota_requests(s: Session, team_id: str, user_id: str) -> list[Record]:
    """Hand-overs and stand-in requests the member made, was asked, or decided."""
    by, to, decided = (
        FacilitationRequest.from_user == user_id,
        FacilitationRequest.to_user == user_id,
        FacilitationRequest.decided_by == user_id,
    )
    return _records(
        s,
        _in_set_and_session(
            select(
                *_SET_AND_DAY,
                FacilitationRequest.kind.label("kind"),
                FacilitationRequest.status.label("status"),
                by.label("asked_by_you"),
                to.label("asked_of_you"),
                decided.label("decided_by_you"),
                FacilitationRequest.created_at.label("created_at"),
                FacilitationRequest.decided_at.label("decided_at"),
            ),
            FacilitationRequest,
        )
        .where(FacilitationRequest.team_id == team_id, or_(by, to, decided))
        .order_by(PlannedSession.starts_at, FacilitationRequest.id),
    )


def organiser(s: Session, team_id: str, user_id: str) -> list[Record]:
    return _records(
        s,
        select(Organiser.added_at.label("organiser_since")).where(
            Organiser.team_id == team_id, Organiser.user_id == user_id
        ),
    )


def calendar_feed(s: Session, team_id: str, user_id: str) -> list[Record]:
    return _records(
        s,
        select(
            CalendarFeed.generation.label("link_generation"),
            CalendarFeed.created_at.label("created_at"),
        ).where(CalendarFeed.team_id == team_id, CalendarFeed.user_id == user_id),
    )


def messages(s: Session, team_id: str, user_id: str) -> list[Record]:
    """The reminders and notes the bot sent (or owes) the member: kinds and outcomes only (no
    message text is stored)."""
    reminders = _records(
        s,
        _in_set_and_session(
            select(
                *_SET_AND_DAY,
                Reminder.kind.label("kind"),
                Reminder.status.label("status"),
                Reminder.due_at.label("due_at"),
                Reminder.sent_at.label("sent_at"),
            ),
            Reminder,
        )
        .where(Reminder.team_id == team_id, Reminder.target == user_id)
        .order_by(Reminder.due_at, Reminder.id),
    )
    notes = _records(
        s,
        select(
            LearningSet.name.label("set"),
            OutboxNote.kind.label("kind"),
            OutboxNote.status.label("status"),
            OutboxNote.created_at.label("due_at"),
            OutboxNote.sent_at.label("sent_at"),
        )
        .join(LearningSet, LearningSet.id == OutboxNote.set_id)
        .where(OutboxNote.team_id == team_id, OutboxNote.target == user_id)
        .order_by(OutboxNote.created_at, OutboxNote.id),
    )
    return reminders + notes
