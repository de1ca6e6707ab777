"""Rows to view models: the plain data (``bot.services.views``) that services hand to renderers.

Shared by every service, so a set, a session or a vote looks the same wherever it is shown.
Each mapper runs inside the caller's unit of work; no ORM object leaves it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from bot.domain import roles
from bot.domain import schedule as sched
from bot.domain.agenda import CANT_COME, FACILITATES, VoteRules, split_minutes
from bot.domain.attendance import AttendanceSettings, is_absent
from bot.domain.live import template_of
from bot.domain.reminders import ReminderSettings
from bot.domain.rota import RotaSettings
from bot.domain.status import LiveStatus, VoteStatus
from bot.services import access
from bot.services.views import (
    ActionInfo,
    AgendaEntry,
    Airtime,
    LogInfo,
    ReportInfo,
    SessionInfo,
    SetInfo,
    TopicInfo,
    VoteState,
)
from bot.storage import agenda_queries as aq
from bot.storage import attendance_queries as atq
from bot.storage import live_queries as lq
from bot.storage import queries as q
from bot.storage.models import (
    Action,
    ActionReport,
    AgendaVote,
    Commitment,
    LearningSet,
    LogEntry,
    Membership,
    PlannedSession,
    Topic,
)


def session_info(row: PlannedSession) -> SessionInfo:
    return SessionInfo(
        id=row.id,
        starts_at=row.starts_at,
        duration_minutes=row.duration_minutes,
        local_date=row.local_date,
        local_time=row.local_time,
        timezone=row.timezone,
        revision=row.revision or 1,
        extra=row.series_date is None,
        facilitator_id=row.facilitator_id,
    )


def rules_of(lset: LearningSet) -> VoteRules:
    """The set's current vote rules (the facilitator votes when they participate)."""
    return current_rules(lset.settings, lset.facilitator_participates)


def current_rules(settings: dict[str, Any] | None, facilitator_participates: bool) -> VoteRules:
    return replace(VoteRules.load(settings), facilitator_votes=facilitator_participates)


def fixed_or_current_rules(
    rules: dict[str, Any] | None,
    fixed: bool,
    settings: dict[str, Any] | None,
    facilitator_participates: bool,
) -> VoteRules:
    """A vote's rules: the set's current ones until the first vote is cast, then frozen."""
    return VoteRules.load(rules) if fixed else current_rules(settings, facilitator_participates)


def vote_rules(vote: AgendaVote, lset: LearningSet) -> VoteRules:
    """The rules of a vote: the set's current ones until the first vote is cast, then frozen."""
    return fixed_or_current_rules(
        vote.rules, vote.rules_fixed, lset.settings, lset.facilitator_participates
    )


def set_info(s: Session, lset: LearningSet, now: datetime) -> SetInfo:
    members = q.active_members(s, lset.team_id, lset.id)
    today = now.astimezone(sched.zone(lset.timezone)).date()
    return SetInfo(
        id=lset.id,
        team_id=lset.team_id,
        channel_id=lset.channel_id,
        name=lset.name,
        timezone=lset.timezone,
        anchor_date=lset.anchor_date,
        session_time=lset.session_time,
        cadence_weeks=lset.cadence_weeks,
        session_minutes=lset.session_minutes,
        place=lset.place,
        facilitator_id=access.facilitator_of(members),
        facilitator_participates=lset.facilitator_participates,
        member_ids=tuple(m.user_id for m in members),
        ground_rules=lset.ground_rules,
        rules_version=lset.rules_version,
        agreed_ids=frozenset(q.agreed_user_ids(s, lset.team_id, lset.id, lset.rules_version)),
        rules=rules_of(lset),
        programme_sessions=lset.programme_sessions,
        programme_ends_on=lset.programme_ends_on,
        reminders=ReminderSettings.load(lset.settings),
        attendance=AttendanceSettings.load(lset.settings),
        rota=RotaSettings.load(lset.settings),
        stages=template_of(lset.settings),
        retention_days=lset.retention_days,
        away={m.user_id: m.away_until for m in members if m.away_until and m.away_until >= today},
        upcoming=tuple(session_info(r) for r in q.upcoming_sessions(s, lset.team_id, lset.id, now)),
    )


def topic_info(row: Topic | Row[Any]) -> TopicInfo:
    """A topic, from its ORM object or from a row with its columns (``agenda_queries.ballot_topics``)."""
    return TopicInfo(
        id=row.id,
        set_id=row.set_id,
        session_id=row.session_id,
        author_id=row.author_id,
        status=row.status,
        title=row.title,
        scenario=row.scenario,
        question=row.question,
        tried=row.tried,
        shared=bool(row.shared),
        carried=row.carried_from_id is not None,
        submitted_at=row.submitted_at,
    )


def report_info(row: ActionReport) -> ReportInfo:
    return ReportInfo(
        action_id=row.action_id,
        session_id=row.session_id,
        status=row.status,
        happened=row.happened,
        learned=row.learned,
    )


def log_info(row: LogEntry, lset: LearningSet, session: PlannedSession) -> LogInfo:
    return LogInfo(
        id=row.id,
        set_id=lset.id,
        set_name=lset.name,
        session=session_info(session),
        about_issue=row.about_issue,
        about_set=row.about_set,
        updated_at=row.updated_at,
    )


def action_info(
    s: Session, row: Action, lset: LearningSet, now: datetime, *, with_report: bool = True
) -> ActionInfo:
    """One action, with its report for the coming report-back round (if written)."""
    commitment = s.get(Commitment, row.commitment_id)
    committed_at = s.get(PlannedSession, row.session_id)
    assert commitment is not None and committed_at is not None
    report = None
    if with_report:
        target = q.report_session(s, lset, now, committed_at.starts_at)
        if target is not None:
            found = q.report_of(s, row.id, target.id)
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


def passed_over(
    s: Session, lset: LearningSet, session: PlannedSession, members: Sequence[Membership]
) -> dict[str, str]:
    """The ``members`` who will not present at ``session``, and why: apologies, or away on its
    day unanswered; a member facilitating it, unless the set says the facilitator
    participates."""
    answers = {r.user_id: r.answer for r in atq.rsvps_of_session(s, session.team_id, session.id)}
    out = {
        m.user_id: CANT_COME
        for m in members
        if is_absent(answers.get(m.user_id), m.away_until, session.local_date)
    }
    own = session.facilitator_id
    if own and not roles.presents_while_facilitating(
        facilitator_participates=lset.facilitator_participates
    ):
        out.setdefault(own, FACILITATES)
    return out


def vote_state(s: Session, vote: AgendaVote, now: datetime) -> VoteState:
    """A vote as its channel message shows it: counts while open, the agenda once closed."""
    lset = s.get(LearningSet, vote.set_id)
    session = s.get(PlannedSession, vote.session_id)
    assert lset is not None and session is not None
    rules = vote_rules(vote, lset)
    members = q.active_members(s, lset.team_id, lset.id)
    eligible = access.voter_ids(members, rules)
    agenda = tuple(
        AgendaEntry(
            topic=topic_info(topic), position=item.position, minutes=item.minutes, votes=item.votes
        )
        for item, topic in aq.agenda_items(s, vote.id)
    )
    submitted = aq.submitted_topics(s, vote.session_id)
    chosen = {e.topic.id for e in agenda}
    carried: tuple[TopicInfo, ...] = ()
    if vote.status in (VoteStatus.CLOSED, VoteStatus.CONFIRMED):
        carried = tuple(topic_info(t) for t in submitted if t.id not in chosen)
    ledger = aq.airtime_ledger(s, lset.team_id, lset.id)
    info = set_info(s, lset, now)
    airtime = tuple(
        Airtime(
            user_id=u,
            sessions=ledger.get(u, (0, 0, None))[0],
            minutes=ledger.get(u, (0, 0, None))[1],
        )
        for u in info.participants
    )
    split = split_minutes(session.duration_minutes, max(len(agenda), 1), rules)
    live = lq.live_of_session(s, lset.team_id, session.id)
    return VoteState(
        id=vote.id,
        set=info,
        session=session_info(session),
        status=VoteStatus(vote.status),
        channel_id=vote.channel_id,
        message_ts=vote.message_ts,
        rules=rules,
        topics=tuple(topic_info(t) for t in submitted),
        voters=aq.voters_among(s, vote.id, eligible),
        eligible=len(eligible),
        agenda=agenda,
        carried_over=carried,
        rule_text=split.rule,
        airtime=airtime,
        without_vote=vote.without_vote,
        passed_over=passed_over(s, lset, session, members),
        live=None if live is None else LiveStatus(live.status),
    )


def open_vote_states(s: Session, lset: LearningSet, now: datetime) -> tuple[VoteState, ...]:
    """The set's open votes (their messages change when members leave)."""
    return tuple(vote_state(s, vote, now) for vote in aq.open_votes(s, lset.team_id, lset.id))
