"""The facilitator rota: ``/als rota``, and the lead's form to change it."""

from __future__ import annotations

from typing import Any

from bot.blocks.rota import MODE, RotaMeta, parse_rota, rota_message, rota_modal, your_turns
from bot.handlers.kit import Kit, Request
from bot.ids import ActionId, CallbackId, Sub
from bot.services.views import RotaView


def show(r: Request, _: list[str]) -> None:
    r.answer(rota_message(r.deps.rota.rota(r.team_id, r.user_id, r.channel_id)))


def open_form(r: Request, set_id: int) -> None:
    r.open_modal(rota_modal(r.deps.rota.start_change(r.team_id, r.user_id, set_id)))


def save(r: Request, meta: RotaMeta, view: dict[str, Any]) -> RotaView:
    settings, errors = parse_rota(view)
    return r.deps.rota.change(r.team_id, r.user_id, meta.set_id, settings, errors)


def saved(r: Request, rota: RotaView) -> None:
    """The set's channel sees the new rota; every member's Home shows their turns."""
    r.out.post(
        rota.set.channel_id, rota_message(rota, note="The facilitator rota changed.", private=False)
    )
    r.out.homes(r.team_id, rota.set.member_ids)
    for person in rota.turns_changed:  # and those whose turns moved, each their own
        if person != r.user_id:
            r.out.dm(person, your_turns(rota, person))


def register(kit: Kit) -> None:
    kit.subcommand(Sub.ROTA)(show)
    kit.button(ActionId.ROTA_OPEN)(open_form)
    kit.submission(CallbackId.ROTA, RotaMeta, save=save, then=saved, field=MODE)
