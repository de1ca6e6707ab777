"""Reporting back: ``/als agenda reportback`` (the facilitator starts the round), and a
member's "Report back" on one of their actions."""

from __future__ import annotations

from typing import Any

from bot.blocks.actions import ActionMeta
from bot.blocks.reportback import parse_report, report_confirmation, report_modal
from bot.handlers.kit import Kit, Request
from bot.ids import ActionField as F
from bot.ids import ActionId, CallbackId, Sub
from bot.services.views import ReportOutcome, RoundState

NOTHING = (
    "Nobody in this set has actions from earlier sessions: there is nothing to report back on."
)


def start_round(r: Request, words: list[str]) -> None:
    _start_in(r, r.channel_id)


def start_round_from_home(r: Request, set_id: int) -> None:
    """The facilitator's "Start the report-back round" on their Home tab (redrawn without it)."""
    _start_in(r, r.deps.sets.channel_of(r.team_id, set_id))
    r.out.homes(r.team_id, [r.user_id])


def _start_in(r: Request, channel_id: str) -> None:
    state: RoundState = r.deps.reportback.open_round(r.team_id, r.user_id, channel_id)
    if not state.members:
        r.answer(NOTHING)
        return
    r.out.round(state)


def report(r: Request, action_id: int) -> None:
    r.open_modal(report_modal(r.deps.reportback.start_report(r.team_id, r.user_id, action_id)))


def save_report(r: Request, meta: ActionMeta, view: dict[str, Any]) -> ReportOutcome:
    return r.deps.reportback.report(r.team_id, r.user_id, meta.action_id, parse_report(view))


def reported(r: Request, outcome: ReportOutcome) -> None:
    r.out.dm(r.user_id, report_confirmation(outcome))
    if outcome.round is not None:
        r.out.round(outcome.round)
    r.out.homes(r.team_id, [r.user_id, outcome.facilitator_id])  # progress counts


def register(kit: Kit) -> None:
    kit.subcommand(Sub.AGENDA, "reportback")(start_round)
    kit.button(ActionId.HOME_ROUND)(start_round_from_home)
    kit.button(ActionId.ACTION_REPORT)(report)
    kit.submission(CallbackId.REPORT, ActionMeta, save=save_report, then=reported, field=F.STATUS)
