"""Set-up and membership: ``/als setup`` and its form, agreeing to the ground rules, and
``/als leave``."""

from __future__ import annotations

from typing import Any

from bot.blocks.messages import (
    RulesClaim,
    leave_confirm,
    left_message,
    member_left_notice,
    rules_agreed_dm,
    rules_agreed_note,
)
from bot.blocks.setup import SetupMeta, setup_modal
from bot.blocks.setup_state import parse_setup, shown_errors
from bot.blocks.start import CHANNEL, ChannelMeta, channel_modal, picked_channel
from bot.domain.errors import InvalidInput
from bot.handlers.kit import Kit, Request
from bot.ids import ActionId, CallbackId, Sub
from bot.ids import SetupField as F
from bot.services.sets import SetupSubmission
from bot.services.views import SetupDraft, SetupOutcome


def setup_form(r: Request, draft: SetupDraft, *, more: bool = False) -> dict[str, Any]:
    return setup_modal(
        channel_id=draft.channel_id,
        caller_id=r.user_id,
        caller_tz=draft.caller_tz,
        existing=draft.existing,
        external_id=draft.external_id,
        more=more,
    )


def setup(r: Request, words: list[str]) -> None:
    draft = r.deps.sets.start_setup(
        r.team_id,
        r.user_id,
        r.channel_id,
        r.directory,
        channel_name=r.body.get("channel_name"),
    )
    r.open_modal(setup_form(r, draft))


def create_from_home(r: Request, _: bool) -> None:
    """Home's "Create a set": first the set's channel."""
    r.open_modal(channel_modal())


def choose_channel(r: Request, meta: ChannelMeta, view: dict[str, Any]) -> SetupDraft:
    """The channel is picked: the same checks as ``/als setup`` typed in it (the bot must be
    in it: if not, the field says how to invite it). The set-up form follows in its place."""
    channel = picked_channel(view)
    if channel is None:
        raise InvalidInput({CHANNEL: "Choose the set's channel."})
    return r.deps.sets.start_setup(r.team_id, r.user_id, channel, r.directory, picked=True)


def more_settings(r: Request, meta: SetupMeta) -> None:
    """ "More settings": the same modal again, with them (Slack keeps what was typed)."""
    draft = r.deps.sets.reopen_setup(
        r.team_id,
        r.user_id,
        meta.channel_id,
        meta.set_id,
        str(r.view.get("external_id") or ""),
        r.directory,
    )
    assert draft.external_id is not None
    r.update_modal(draft.external_id, setup_form(r, draft, more=True))


def save_setup(r: Request, meta: SetupMeta, view: dict[str, Any]) -> SetupOutcome:
    submitted = SetupSubmission(meta.channel_id, meta.set_id, parse_setup(view), view["id"])
    try:
        return r.deps.sets.submit_setup(
            r.team_id, r.user_id, submitted, r.directory, bot_user_id=r.bot_user_id
        )
    except InvalidInput as exc:
        raise InvalidInput(shown_errors(view, exc.errors)) from None


def announce_setup(r: Request, outcome: SetupOutcome) -> None:
    """After the ack: the outbox notes written with the change (the channel post, the ground
    rules to agree to, the facilitator's confirmation), the open votes a removed member was
    in, and Home tabs."""
    if outcome.repeated:
        return
    lset = outcome.set
    r.out.deliver(outcome.notes)  # the announcement, the rules to agree to, the confirmation
    r.out.refresh_votes(outcome.open_votes)
    r.out.homes(r.team_id, [*lset.member_ids, *outcome.removed])


def agree(r: Request, claim: RulesClaim) -> None:
    lset = r.deps.sets.agree_to_rules(r.team_id, r.user_id, claim.set_id, claim.version)
    if r.can_replace():
        r.replace(rules_agreed_dm(lset, r.deps.clock()))
    else:
        r.tell(rules_agreed_note(lset))
    r.out.homes(r.team_id, [r.user_id, lset.facilitator_id])


def leave_command(r: Request, words: list[str]) -> None:
    r.answer(leave_confirm(r.deps.sets.set_to_leave(r.team_id, r.user_id, r.channel_id)))


def leave(r: Request, set_id: int) -> None:
    gone = r.deps.sets.leave(r.team_id, r.user_id, set_id)
    r.replace(left_message(gone.set))
    r.out.post(gone.set.channel_id, member_left_notice(gone.set, r.user_id))
    r.out.refresh_votes(gone.open_votes)
    r.out.homes(r.team_id, [r.user_id, gone.set.facilitator_id])


def stay(r: Request, _: bool) -> None:
    r.delete_clicked()


def _setup_claim(action: dict[str, Any], body: dict[str, Any]) -> SetupMeta | None:
    return SetupMeta.load((body.get("view") or {}).get("private_metadata"))


def register(kit: Kit) -> None:
    kit.subcommand(Sub.SETUP)(setup)
    kit.button(ActionId.HOME_CREATE_SET, parse=lambda _, __: True)(create_from_home)
    kit.submission(
        CallbackId.SETUP_CHANNEL,
        ChannelMeta,
        save=choose_channel,
        next_view=setup_form,
        field=CHANNEL,
    )
    kit.button(ActionId.SETUP_MORE, parse=_setup_claim)(more_settings)
    kit.submission(
        CallbackId.SETUP,
        SetupMeta,
        save=save_setup,
        then=announce_setup,
        field=F.NAME,
        damaged="This form is damaged. Close it and run the command again.",
    )
    kit.button(ActionId.AGREE_RULES, parse=lambda action, _: RulesClaim.load(action.get("value")))(
        agree
    )
    kit.subcommand(Sub.LEAVE)(leave_command)
    kit.button(ActionId.LEAVE_CONFIRM)(leave)
    kit.button(ActionId.LEAVE_CANCEL, parse=lambda _, __: True)(stay)
