"""What a claimed reminder's message needs, read just before it is sent (never stored), or
why it should not be sent now."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.domain import schedule as sched
from bot.domain.actions import ActionStatus
from bot.domain.attendance import AttendanceSettings, is_away, short_of_quorum
from bot.domain.reminders import Kind, kind_of, quiet_hours_end
from bot.domain.status import SessionStatus, SetStatus
from bot.domain.topics import TopicStatus
from bot.services import access
from bot.services.attendance import attendance_of, presence_of
from bot.services.goals import nudge_for
from bot.services.review import heads_up_facts
from bot.services.views import Context, OpenAction
from bot.storage import agenda_queries as aq
from bot.storage import queries as q
from bot.storage import review_queries as rvq
from bot.storage.models import (
    Action,
    ActionReport,
    Commitment,
    Membership,
    PlannedSession,
    Topic,
    Workspace,
)

#: A stopped workspace's reminders wait (pending) this long before they are looked at again;
#: the tick tries the workspace's token (``auth.test``) as often.
STOPPED_WAIT = timedelta(minutes=15)
WORKSPACE_STOPPED = "workspace stopped"


@dataclass(frozen=True)
class Claimed:
    """A reminder this process may now send."""

    id: int
    team_id: str
    set_id: int
    session_id: int
    target: str
    kind: str
    attempts: int


@dataclass(frozen=True)
class Decision:
    """Do not send now: skip for good (``until`` None) or wait until ``until``."""

    reason: str
    until: datetime | None = None


def context_of(s: Session, c: Claimed, at: datetime) -> Context | Decision:
    """What the reminder's message says, or why it should not be sent (now)."""
    kind = kind_of(c.kind)
    lset = q.set_by_id(s, c.team_id, c.set_id)
    ws = s.get(Workspace, c.team_id)
    row = s.get(PlannedSession, c.session_id)
    if lset is None or row is None or lset.status != SetStatus.ACTIVE:
        return Decision("set closed")
    if ws is None:
        return Decision("app uninstalled")
    if ws.sending_stopped_at is not None or ws.uninstalled_at is not None:
        # Found stopped mid-pass (another process, the tokens_revoked event): the
        # reminder waits for the token to work again (the tick's probe).
        return Decision(WORKSPACE_STOPPED, until=at + STOPPED_WAIT)
    if row.status == SessionStatus.CANCELLED and kind != Kind.CANCELLED:
        return Decision("session cancelled")
    members = q.active_members(s, c.team_id, c.set_id)
    by_user = {m.user_id: m for m in members}
    # The session's own facilitator (the rota's, a stand-in), else the lead.
    lead = access.facilitator_of(members)
    facilitator = row.facilitator_id if row.facilitator_id in by_user else lead
    if kind.to_channel:
        if lset.channel_unreachable:
            return Decision(f"channel unreachable ({lset.channel_unreachable})")
    else:
        member = by_user.get(c.target)
        if member is None:
            return Decision("not a member")
        if member.unreachable:
            return Decision(f"unreachable ({member.unreachable})")
        quiet = quiet_hours_end(at, member.tz or lset.timezone)
        if quiet is not None:
            return Decision("quiet hours", until=quiet)
        if kind in _NOT_WHILE_AWAY and member.away_until is not None:
            if is_away(member.away_until, row.local_date):
                return Decision("away")  # the session counts as apologies
            back = _back_from(member.away_until, member.tz or lset.timezone)
            if at < back:
                return Decision("away", until=back)
    ctx = Context(
        kind=kind,
        set_id=lset.id,
        set_name=lset.name,
        channel_id=lset.channel_id,
        target=c.target,
        session_id=row.id,
        starts_at=row.starts_at,
        ends_at=sched.session_end(row.starts_at, row.duration_minutes),
        facilitator_id=facilitator,
    )
    if kind in (Kind.PREP_PROMPT, Kind.PREP_NUDGE):
        if aq.vote_of_session(s, row.id) is not None:
            return Decision("topics closed")  # the vote opened, or the agenda was drafted
        answered = s.scalar(
            select(Topic.id).where(
                Topic.session_id == row.id,
                Topic.author_id == c.target,
                Topic.status.in_((TopicStatus.SUBMITTED, TopicStatus.NO_TOPIC)),
            )
        )
        if answered is not None:
            return Decision("already answered")
    if kind == Kind.REPORT_REMINDER:
        actions = _open_actions(s, c.team_id, c.set_id, c.target, row.starts_at)
        if not actions:
            return Decision("no open actions")
        return _with(ctx, actions=actions)
    if kind in (Kind.SESSION_POST, Kind.FACILITATOR_PREP):
        if kind == Kind.FACILITATOR_PREP and c.target != facilitator:
            return Decision("not the facilitator")
        counts = _counts(s, c.team_id, c.set_id, row)
        return _with(ctx, attendance=attendance_of(s, lset, row.id, row.local_date), **counts)
    if kind == Kind.QUORUM:
        who = attendance_of(s, lset, row.id, row.local_date)
        settings = AttendanceSettings.load(lset.settings)
        if c.target != facilitator:
            return Decision("not the facilitator")
        if not short_of_quorum(len(who.coming) + len(who.waiting), settings):
            return Decision("enough can come")
        return _with(ctx, attendance=who, min_members=settings.min_members)
    if kind == Kind.REVIEW:
        if rvq.review_of(s, c.team_id, row.id, c.target) is not None:
            return Decision("already answered")
        return _with(ctx, goal=nudge_for(s, lset, row, c.target, at))
    if kind == Kind.HEADS_UP:
        if c.target != facilitator:
            return Decision("not the facilitator")
        poor, missing = heads_up_facts(s, lset, at)
        if not poor and not missing:
            return Decision("nothing to flag")
        return _with(ctx, poor_sessions=poor, missing=missing)
    if kind == Kind.ATTENDANCE:
        if c.target != facilitator:
            return Decision("not the facilitator")
        presence = presence_of(s, lset, row)
        if presence.confirmed:
            return Decision("already recorded")
        return _with(ctx, presence=presence)
    return ctx


#: What a member away (``/als away``) is not sent: for a session in their time away, never;
#: for a later one, once they are back.
_NOT_WHILE_AWAY = (Kind.PREP_PROMPT, Kind.PREP_NUDGE, Kind.REPORT_REMINDER)


def _back_from(away_until: date, tz_name: str) -> datetime:
    """The first instant after the member's time away (midnight after it, in their zone)."""
    zone = sched.zone(tz_name) if sched.is_valid_zone(tz_name) else UTC
    return datetime.combine(away_until + timedelta(days=1), time(0, 0), tzinfo=zone).astimezone(UTC)


def _open_actions(
    s: Session, team_id: str, set_id: int, owner: str, before: datetime
) -> tuple[OpenAction, ...]:
    rows = s.execute(
        select(Action.id, Action.text, Commitment.shared)
        .join(Commitment, Commitment.id == Action.commitment_id)
        .join(PlannedSession, PlannedSession.id == Action.session_id)
        .where(
            Action.team_id == team_id,
            Action.set_id == set_id,
            Action.owner_id == owner,
            Action.status == ActionStatus.OPEN,
            PlannedSession.starts_at < before,
        )
        .order_by(PlannedSession.starts_at, Action.commitment_id, Action.position)
    ).all()
    return tuple(OpenAction(id=i, text=t, shared=sh) for i, t, sh in rows)


def _counts(s: Session, team_id: str, set_id: int, row: PlannedSession) -> dict[str, int]:
    topics_in = s.scalar(
        select(func.count())
        .select_from(Topic)
        .where(Topic.session_id == row.id, Topic.status == TopicStatus.SUBMITTED)
    )
    reports_in = s.scalar(
        select(func.count(func.distinct(ActionReport.owner_id))).where(
            ActionReport.session_id == row.id
        )
    )
    reporters = s.scalar(
        select(func.count(func.distinct(Action.owner_id)))
        .join(PlannedSession, PlannedSession.id == Action.session_id)
        .join(
            Membership,
            (Membership.set_id == Action.set_id) & (Membership.user_id == Action.owner_id),
        )
        .where(
            Action.team_id == team_id,
            Action.set_id == set_id,
            Membership.left_at.is_(None),
            PlannedSession.starts_at < row.starts_at,
            or_(
                Action.status == ActionStatus.OPEN,
                Action.id.in_(
                    select(ActionReport.action_id).where(ActionReport.session_id == row.id)
                ),
            ),
        )
    )
    return {
        "topics_in": topics_in or 0,
        "reports_in": reports_in or 0,
        "reporters": reporters or 0,
    }


def _with(ctx: Context, **changes: Any) -> Context:
    return replace(ctx, **changes)
