"""The set-up form's data on its way in: what was submitted, the settings it stores, the
settings an essentials-only form keeps, and the memberships it leads to."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.live import DEFAULT_TEMPLATE, parse_template, template_text
from bot.domain.sets import SetupForm
from bot.services.views import SetInfo
from bot.storage import agenda_queries as aq
from bot.storage.models import Membership


@dataclass(frozen=True)
class SetupSubmission:
    """The set-up form as submitted: its channel and set (claims from ``private_metadata``,
    checked again here), what was typed, and the view (a repeated submit is a no-op)."""

    channel_id: str
    set_id: int | None
    form: SetupForm
    view_id: str


def settings_of(form: SetupForm) -> dict[str, Any]:
    rules = form.vote_rules().dump()
    rules.pop("facilitator_votes")
    rules["reminders"] = form.reminder_settings().dump()
    rules["attendance"] = form.attendance_settings().dump()
    stages, _ = parse_template(form.stages)
    rules["live"] = {"stages": list(stages or DEFAULT_TEMPLATE)}
    return rules


def update_members(
    s: Session,
    team_id: str,
    set_id: int,
    form: SetupForm,
    zones: dict[str, str],
    now: datetime,
) -> tuple[list[str], list[str], str | None]:
    """The set's members and facilitator as the form says. Returns (added, removed, the
    previous facilitator if the role moved). Removed members leave the open votes."""
    wanted = set(form.people)
    added: list[str] = []
    removed: list[str] = []
    previous_facilitator = None
    # Locked: a second submission of the same form waits for this one and finds its members
    # in place, so nobody is added (and welcomed) twice.
    rows = {
        m.user_id: m
        for m in s.scalars(
            select(Membership)
            .where(Membership.team_id == team_id, Membership.set_id == set_id)
            .with_for_update()
        )
    }
    for user, member in rows.items():
        if member.left_at is None and user not in wanted:
            member.left_at = now
            member.is_facilitator = False
            removed.append(user)
            aq.drop_member_from_open_votes(s, team_id, set_id, user)
        if member.is_facilitator and user != form.facilitator_id:
            member.is_facilitator = False
            previous_facilitator = user
    for person in form.people:
        found = rows.get(person)
        if found is None:
            found = Membership(team_id=team_id, set_id=set_id, user_id=person, joined_at=now)
            s.add(found)
            added.append(person)
        elif found.left_at is not None:
            found.left_at = None
            found.joined_at = now
            added.append(person)
        found.is_facilitator = person == form.facilitator_id
        if zones.get(person):
            found.tz = zones[person]
    return added, removed, previous_facilitator


def keep_settings(form: SetupForm, existing: SetInfo) -> SetupForm:
    """A form that showed the essentials only leaves the rest of the set as it is."""
    rules, cfg = existing.rules, existing.reminders
    return replace(
        form,
        facilitator_participates=existing.facilitator_participates,
        ground_rules=existing.ground_rules,
        budget=rules.budget,
        cap=rules.cap,
        self_vote=rules.self_vote,
        slots=rules.slots or 0,
        opening_minutes=rules.opening_minutes,
        closing_minutes=rules.closing_minutes,
        programme_sessions=existing.programme_sessions,
        programme_ends_on=existing.programme_ends_on,
        retention_days=existing.retention_days,
        prep_days=cfg.prep_days,
        nudge_days=cfg.nudge_days,
        report_days=cfg.report_days,
        post_minutes=cfg.post_minutes,
        reflection_minutes=cfg.reflection_minutes,
        auto_vote=cfg.auto_vote,
        quorum_days=cfg.quorum_days,
        notice_hours=existing.attendance.notice_hours,
        min_members=existing.attendance.min_members,
        stages=template_text(existing.stages),
    )
