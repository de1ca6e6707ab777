"""Button clicks."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.blocks.messages import RulesClaim, member_left_notice, rules_agreed_dm
from bot.domain.errors import DomainError
from bot.handlers.agenda import refresh_open_votes
from bot.handlers.common import STALE, claimed_id, publish_home, team_of, tell, user_of
from bot.handlers.deps import Deps
from bot.handlers.errors import guarded
from bot.ids import ActionId
from bot.slack.text import escape


def handle_agree(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    deps: Deps,
) -> None:
    ack()
    team_id = team_of(context, body)
    user_id = user_of(body)
    claim = RulesClaim.load(action.get("value"))
    if claim is None:
        tell(body, respond, client, STALE)
        return
    try:
        lset = deps.sets.agree_to_rules(team_id, user_id, claim.set_id, claim.version)
    except DomainError as exc:
        tell(body, respond, client, exc.message)
        return
    if body.get("response_url"):
        # Replace the message that was clicked, through the response URL Slack bound to it:
        # the payload's channel and ts are claims, and must not pick what the bot rewrites.
        respond(replace_original=True, **rules_agreed_dm(lset, deps.clock()).kwargs())
    else:
        tell(
            body,
            respond,
            client,
            f"Thank you: you agreed to the ground rules of *{escape(lset.name)}*.",
        )
    publish_home(client, deps, team_id, user_id)
    if lset.facilitator_id and lset.facilitator_id != user_id:
        publish_home(client, deps, team_id, lset.facilitator_id)


def handle_leave_confirm(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    deps: Deps,
) -> None:
    ack()
    team_id = team_of(context, body)
    user_id = user_of(body)
    set_id = claimed_id(action)
    if set_id is None:
        tell(body, respond, client, STALE)
        return
    try:
        lset = deps.sets.leave(team_id, user_id, set_id)
    except DomainError as exc:
        tell(body, respond, client, exc.message)
        return
    respond(replace_original=True, text=f"You left *{escape(lset.name)}*.")
    client.chat_postMessage(channel=lset.channel_id, **member_left_notice(lset, user_id).kwargs())
    refresh_open_votes(client, deps, team_id, lset.id)
    publish_home(client, deps, team_id, user_id)
    if lset.facilitator_id:
        publish_home(client, deps, team_id, lset.facilitator_id)


def handle_leave_cancel(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
    ack()
    respond(delete_original=True)


def register(app: App) -> None:
    app.action(ActionId.AGREE_RULES)(guarded(handle_agree))
    app.action(ActionId.LEAVE_CONFIRM)(guarded(handle_leave_confirm))
    app.action(ActionId.LEAVE_CANCEL)(guarded(handle_leave_cancel))
