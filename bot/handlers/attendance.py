"""Attendance: a member's *Coming* / *Can't come* under a session (in the topic prompt, the
calendar and the Home tab), and the "Can't come" form."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bot.blocks.attendance import (
    AWAY_USAGE,
    REASON,
    UNTIL,
    ApologyMeta,
    AwayMeta,
    apologies_modal,
    away_confirmation,
    away_modal,
    parse_apologies,
    parse_away,
    presence_saved,
    rsvp_confirmation,
    ticked_people,
)
from bot.domain.attendance import Answer
from bot.domain.errors import InvalidInput
from bot.handlers.kit import Kit, Request
from bot.ids import PRESENT_PREFIX, ActionId, CallbackId, Sub
from bot.services.views import AwayOutcome, RsvpOutcome


def coming(r: Request, session_id: int) -> None:
    outcome = r.deps.attendance.answer(r.team_id, r.user_id, session_id, Answer.COMING)
    r.tell(rsvp_confirmation(outcome))
    answered(r, outcome, told=True)


def cannot_come(r: Request, session_id: int) -> None:
    r.open_modal(
        apologies_modal(r.deps.attendance.start_apologies(r.team_id, r.user_id, session_id))
    )


def save_apologies(r: Request, meta: ApologyMeta, view: dict[str, Any]) -> RsvpOutcome:
    return r.deps.attendance.answer(
        r.team_id, r.user_id, meta.session_id, Answer.APOLOGIES, parse_apologies(view)
    )


def answered(r: Request, outcome: RsvpOutcome, *, told: bool = False) -> None:
    """After the ack: the member's confirmation (a form has nowhere else to answer than the
    DM), and the Home tabs that show it."""
    if not told:
        r.out.dm(r.user_id, rsvp_confirmation(outcome))
    r.out.homes(
        r.team_id, [r.user_id, *([outcome.facilitator_id] if outcome.facilitator_id else [])]
    )


def away_command(r: Request, words: list[str]) -> None:
    """``/als away until 2027-01-15`` (or ``/als away 2027-01-15``), ``/als away off``."""
    rest = [w.lower() for w in words[1:]]
    if rest and rest[0] == "until":
        rest = rest[1:]
    until: date | None = None
    if rest == ["off"]:
        pass
    elif len(rest) == 1:
        try:
            until = date.fromisoformat(rest[0])
        except ValueError:
            r.answer(f"I could not read `{rest[0][:20]}` as a date. {AWAY_USAGE}")
            return
    else:
        r.answer(AWAY_USAGE)
        return
    went = r.deps.attendance.away(r.team_id, r.user_id, until)
    r.answer(away_confirmation(went))
    away_changed(r, went)


def away_open(r: Request, _: bool) -> None:
    r.open_modal(away_modal())


def away_off(r: Request, _: bool) -> None:
    went = r.deps.attendance.away(r.team_id, r.user_id, None)
    r.tell(away_confirmation(went))
    away_changed(r, went)


def save_away(r: Request, meta: AwayMeta, view: dict[str, Any]) -> AwayOutcome:
    until = parse_away(view)
    if until is None:
        raise InvalidInput({UNTIL: "Choose the last day you're away."})
    return r.deps.attendance.away(r.team_id, r.user_id, until)


def away_saved(r: Request, went: AwayOutcome) -> None:
    r.out.dm(r.user_id, away_confirmation(went))
    away_changed(r, went)


def away_changed(r: Request, went: AwayOutcome) -> None:
    """The sets see who is away on their Home tabs."""
    r.out.homes(r.team_id, list(went.people))


def save_presence(r: Request, session_id: int) -> None:
    """The facilitator's Save under the checklist of who came (the ticks are the message's
    state, as Slack sends it with the click)."""
    presence = r.deps.attendance.record(
        r.team_id, r.user_id, session_id, ticked_people(r.body.get("state") or {})
    )
    if r.can_replace():
        r.replace(presence_saved(presence))
    else:
        r.tell(presence_saved(presence))
    r.out.homes(r.team_id, [r.user_id])


def ticked(r: Request, _: bool) -> None:
    """A box ticked in the checklist: Slack keeps it until Save; nothing to do."""


def register(kit: Kit) -> None:
    kit.button(ActionId.ATTENDANCE_SAVE)(save_presence)
    kit.button(re.compile(rf"^{PRESENT_PREFIX}\d+$"), parse=lambda _, __: True)(ticked)
    kit.subcommand(Sub.AWAY)(away_command)
    kit.button(ActionId.AWAY_OPEN, parse=lambda _, __: True)(away_open)
    kit.button(ActionId.AWAY_OFF, parse=lambda _, __: True)(away_off)
    kit.submission(CallbackId.AWAY, AwayMeta, save=save_away, then=away_saved, field=UNTIL)
    kit.button(ActionId.RSVP_COMING)(coming)
    kit.button(ActionId.RSVP_APOLOGIES)(cannot_come)
    kit.submission(
        CallbackId.APOLOGIES,
        ApologyMeta,
        save=save_apologies,
        then=answered,
        field=REASON,
        damaged="This form is damaged. Close it and press Can't come again.",
    )
