"""Topic preparation: the modal and its submission."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.blocks.common import as_plain_text, simple
from bot.blocks.topics import TopicMeta, parse_topic, topic_confirmation, topic_modal
from bot.domain.errors import DomainError, InvalidInput, NotFound
from bot.handlers.agenda import post_or_update
from bot.handlers.common import STALE, claimed_id, publish_home, send_dm, team_of, user_of
from bot.handlers.deps import Deps
from bot.handlers.errors import guarded, report_failure
from bot.ids import ActionId, CallbackId
from bot.ids import TopicField as F


def open_topic_modal(
    team_id: str, user_id: str, channel_id: str, trigger_id: str, client: WebClient, deps: Deps
) -> None:
    draft = deps.topics.start(team_id, user_id, channel_id)
    client.views_open(trigger_id=trigger_id, view=topic_modal(draft))


def handle_topic_submit(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    deps: Deps,
) -> None:
    team_id, user_id = team_of(context, body), user_of(body)
    meta = TopicMeta.load(view.get("private_metadata"))
    if meta is None:
        ack(
            response_action="errors",
            errors={F.RESPONSE: "This form is damaged. Close it and run /als topic again."},
        )
        return
    form, chosen_set = parse_topic(view)
    set_id = chosen_set if meta.several and chosen_set else meta.set_id
    session_id = None if meta.several else meta.session_id
    try:
        outcome = deps.topics.save(team_id, user_id, set_id, session_id, form)
    except InvalidInput as exc:
        ack(response_action="errors", errors=exc.errors)
        return
    except DomainError as exc:
        ack(response_action="errors", errors={F.RESPONSE: as_plain_text(exc.message)})
        return
    except Exception as exc:
        ack(
            response_action="errors",
            errors={
                F.RESPONSE: "Something went wrong on my side and nothing was saved. Please try again."
            },
        )
        report_failure(exc, body)
        return
    ack()
    # The confirmation goes to the author alone, as a DM: never to the channel.
    send_dm(client, user_id, topic_confirmation(outcome))
    if outcome.vote_to_refresh is not None:
        post_or_update(client, deps, deps.agenda.state(team_id, outcome.vote_to_refresh))
    publish_home(client, deps, team_id, user_id)
    if outcome.set.facilitator_id and outcome.set.facilitator_id != user_id:
        publish_home(client, deps, team_id, outcome.set.facilitator_id)  # response counts


def handle_topic_open(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    deps: Deps,
) -> None:
    """The Home tab's "Prepare your topic" button."""
    ack()
    set_id = claimed_id(action)
    try:
        if set_id is None:
            raise NotFound(STALE)
        draft = deps.topics.start_for_set(team_of(context, body), user_of(body), set_id)
    except DomainError as exc:
        send_dm(client, user_of(body), simple(exc.message))
        return
    client.views_open(trigger_id=body["trigger_id"], view=topic_modal(draft))


def register(app: App) -> None:
    app.view(CallbackId.TOPIC)(guarded(handle_topic_submit))
    app.action(ActionId.TOPIC_OPEN)(guarded(handle_topic_open))
