"""The sessions calendar: ``/als sessions``, Move / Cancel / Add a session."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.calendar import (
    SessionMeta,
    calendar_list,
    change_confirmation,
    change_message,
    parse_session,
    session_modal,
)
from bot.blocks.common import as_plain_text
from bot.domain.errors import DomainError, InvalidInput
from bot.handlers.common import (
    Click,
    id_button,
    publish_home,
    send_dm,
    team_of,
    user_of,
)
from bot.handlers.deps import Deps
from bot.handlers.errors import guarded, report_failure
from bot.ids import ActionId, CallbackId
from bot.ids import SessionField as F
from bot.services.views import SessionChange

log = logging.getLogger("bot.handlers")

DAMAGED = "This form is damaged. Close it and run /als sessions again."
NOT_SAVED = "Something went wrong on my side and nothing was changed. Please try again."


def sessions_command(command: dict[str, Any], team_id: str, respond: Respond, deps: Deps) -> None:
    """``/als sessions`` (raises ``DomainError`` for the command's ephemeral answer)."""
    cal = deps.calendar.calendar(team_id, command["user_id"], command["channel_id"])
    respond(response_type="ephemeral", **calendar_list(cal).kwargs())


def announce(client: WebClient, deps: Deps, change: SessionChange) -> None:
    """Tell the set's channel, and refresh the members' Home tabs (their next session)."""
    try:
        client.chat_postMessage(channel=change.set.channel_id, **change_message(change).kwargs())
    except SlackApiError as exc:
        log.warning("session change not posted: %s", exc.response.get("error"))
    for member in change.set.member_ids:
        publish_home(client, deps, change.set.team_id, member)


# -- buttons --------------------------------------------------------------------------------
def _move_or_add(c: Click) -> None:
    if c.action.get("action_id") == ActionId.SESSION_ADD:
        draft = c.deps.calendar.start_add(c.team_id, c.user_id, c.claimed)
    else:
        draft = c.deps.calendar.start_move(c.team_id, c.user_id, c.claimed)
    c.client.views_open(trigger_id=c.body["trigger_id"], view=session_modal(draft))


def _cancel(c: Click) -> None:
    change = c.deps.calendar.cancel(c.team_id, c.user_id, c.claimed)
    if c.body.get("response_url"):  # the list it was clicked in, redrawn
        c.respond(replace_original=True, **change_confirmation(change).kwargs())
    else:
        send_dm(c.client, c.user_id, change_confirmation(change))
    announce(c.client, c.deps, change)


handle_move_or_add = id_button(_move_or_add, "handle_move_or_add")
handle_cancel = id_button(_cancel, "handle_cancel")


# -- the modal ------------------------------------------------------------------------------
def handle_session_submit(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    deps: Deps,
) -> None:
    team_id, user_id = team_of(context, body), user_of(body)
    meta = SessionMeta.load(view.get("private_metadata"))
    if meta is None:
        ack(response_action="errors", errors={F.DATE: DAMAGED})
        return
    day, at = parse_session(view)
    try:
        if meta.session_id is None:
            change = deps.calendar.add(team_id, user_id, meta.set_id, day, at)
        else:
            change = deps.calendar.move(team_id, user_id, meta.session_id, day, at)
    except InvalidInput as exc:
        ack(response_action="errors", errors=exc.errors)
        return
    except DomainError as exc:
        ack(response_action="errors", errors={F.DATE: as_plain_text(exc.message)})
        return
    except Exception as exc:
        ack(response_action="errors", errors={F.DATE: NOT_SAVED})
        report_failure(exc, body)
        return
    ack()
    confirmation = change_confirmation(change)
    try:
        client.chat_postEphemeral(
            channel=change.set.channel_id, user=user_id, **confirmation.kwargs()
        )
    except SlackApiError:
        send_dm(client, user_id, confirmation)
    announce(client, deps, change)


def register(app: App) -> None:
    app.action(ActionId.SESSION_MOVE)(guarded(handle_move_or_add))
    app.action(ActionId.SESSION_ADD)(guarded(handle_move_or_add))
    app.action(ActionId.SESSION_CANCEL)(guarded(handle_cancel))
    app.view(CallbackId.SESSION)(guarded(handle_session_submit))
