"""Modal submissions."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.blocks.common import as_plain_text
from bot.blocks.messages import rules_dm, set_updated_message, setup_confirmation, welcome_message
from bot.blocks.setup import SetupMeta, parse_setup
from bot.domain.errors import DomainError, InvalidInput
from bot.handlers.agenda import refresh_open_votes
from bot.handlers.common import publish_home, send_dm, team_of
from bot.handlers.deps import Deps
from bot.handlers.errors import guarded, report_failure
from bot.ids import CallbackId
from bot.ids import SetupField as F

log = logging.getLogger("bot.handlers")

GENERIC_FAILURE = "Something went wrong on my side and nothing was saved. Please try again."


def handle_setup_submit(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    deps: Deps,
) -> None:
    team_id = team_of(context, body)
    user_id = body["user"]["id"]
    meta = SetupMeta.load(view.get("private_metadata"))
    if meta is None:
        ack(
            response_action="errors",
            errors={F.NAME: "This form is damaged. Close it and run the command again."},
        )
        return
    form = parse_setup(view)
    try:
        deps.directory.prefetch(form.people)
        channel = deps.directory.channel(meta.channel_id)
        in_channel: set[str] = set()
        if channel.found and channel.bot_is_member:
            # private_metadata is a claim: the submitter must really be in that channel.
            in_channel = set(deps.directory.channel_members(channel.id))
            channel = replace(channel, caller_is_member=user_id in in_channel)
        outcome = deps.sets.save_setup(
            team_id,
            user_id,
            channel,
            form,
            lookup=deps.directory.user,
            view_id=view["id"],
            editing_set_id=meta.set_id,
        )
    except InvalidInput as exc:
        ack(response_action="errors", errors=exc.errors)
        return
    except DomainError as exc:
        ack(response_action="errors", errors={F.NAME: as_plain_text(exc.message)})
        return
    except Exception as exc:
        # Answer the modal (keeps what was typed) and report; never re-raise into Bolt.
        ack(response_action="errors", errors={F.NAME: GENERIC_FAILURE})
        report_failure(exc, body)
        return
    ack()
    if outcome.repeated:
        return

    lset = outcome.set
    # Slow work after the ack: channel post, DMs, the facilitator's confirmation.
    client.chat_postMessage(
        channel=lset.channel_id,
        **(welcome_message(lset) if outcome.created else set_updated_message(outcome)).kwargs(),
    )
    again = outcome.rules_changed and not outcome.created
    for member in outcome.needs_agreement:
        send_dm(client, member, rules_dm(lset, again=again))
    in_channel.discard(context.bot_user_id or "")
    confirmation = setup_confirmation(
        outcome,
        public_channel=not channel.is_private,
        not_in_channel=[u for u in lset.member_ids if u not in in_channel],
        not_in_set=sorted(u for u in in_channel if u not in lset.member_ids),
    )
    client.chat_postEphemeral(channel=lset.channel_id, user=user_id, **confirmation.kwargs())
    if outcome.removed:
        refresh_open_votes(client, deps, team_id, lset.id)
    for member in {*lset.member_ids, *outcome.removed}:
        publish_home(client, deps, team_id, member)


def register(app: App) -> None:
    app.view(CallbackId.SETUP)(guarded(handle_setup_submit))
