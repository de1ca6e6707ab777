"""The agenda vote's life in the channel: ``/als agenda`` (opens it), ``/als agenda close``,
and the facilitator's buttons on its message (close, skip, adjust, confirm)."""

from __future__ import annotations

from typing import Any

from bot.blocks.agenda import AdjustMeta, adjust_modal, parse_adjust
from bot.blocks.forms import values
from bot.blocks.help import usage
from bot.domain.errors import InvalidInput
from bot.handlers.kit import Kit, Request
from bot.ids import ActionId, CallbackId, Sub
from bot.services.views import VoteState


def open_vote(r: Request, words: list[str]) -> None:
    r.out.vote_opened(r.deps.agenda.open(r.team_id, r.user_id, r.channel_id))


def open_vote_from_home(r: Request, set_id: int) -> None:
    """The facilitator's "Open the agenda vote" on their Home tab (redrawn without it)."""
    channel = r.deps.sets.channel_of(r.team_id, set_id)
    r.out.vote_opened(r.deps.agenda.open(r.team_id, r.user_id, channel))
    r.out.homes(r.team_id, [r.user_id])


def close_command(r: Request, words: list[str]) -> None:
    r.out.vote_changed(r.deps.agenda.close_in_channel(r.team_id, r.user_id, r.channel_id))


def agenda_usage(r: Request, words: list[str]) -> None:
    r.answer(usage(Sub.AGENDA))


def close(r: Request, vote_id: int) -> None:
    r.out.vote_changed(r.deps.agenda.close(r.team_id, r.user_id, vote_id))


def skip(r: Request, vote_id: int) -> None:
    r.out.vote_changed(r.deps.agenda.skip(r.team_id, r.user_id, vote_id))


def confirm(r: Request, vote_id: int) -> None:
    r.out.vote_changed(r.deps.agenda.confirm(r.team_id, r.user_id, vote_id))


def adjust(r: Request, vote_id: int) -> None:
    r.open_modal(adjust_modal(r.deps.agenda.start_adjust(r.team_id, r.user_id, vote_id)))


def save_adjustment(r: Request, meta: AdjustMeta, view: dict[str, Any]) -> VoteState:
    _, plan, errors = parse_adjust(view)
    if errors:
        raise InvalidInput(errors)
    return r.deps.agenda.adjust(r.team_id, r.user_id, meta.vote_id, plan)


def adjusted(r: Request, state: VoteState) -> None:
    r.out.vote(state)


def register(kit: Kit) -> None:
    kit.subcommand(Sub.AGENDA)(open_vote)
    kit.subcommand(Sub.AGENDA, "close")(close_command)
    kit.button(ActionId.HOME_OPEN_VOTE)(open_vote_from_home)
    kit.subcommand(Sub.AGENDA, "*")(agenda_usage)
    kit.button(ActionId.VOTE_CLOSE)(close)
    kit.button(ActionId.VOTE_SKIP)(skip)
    kit.button(ActionId.AGENDA_CONFIRM)(confirm)
    kit.button(ActionId.AGENDA_ADJUST)(adjust)
    kit.submission(
        CallbackId.ADJUST,
        AdjustMeta,
        save=save_adjustment,
        then=adjusted,
        field=lambda view: next(iter(values(view)), ""),
        damaged="This form is damaged. Close it and try again.",
        failed="Something went wrong on my side. Please try again.",
    )
