"""The agenda vote: opening and closing it, the voter's private ballot, the agenda."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.blocks.agenda import (
    adjust_modal,
    notice_modal,
    parse_adjust,
    parse_panel_meta,
    vote_or_agenda,
    voting_modal,
)
from bot.blocks.common import as_plain_text
from bot.domain.errors import Conflict, DomainError, InvalidInput, NotAllowed
from bot.handlers.common import (
    STALE,
    Click,
    claimed_id,
    id_button,
    publish_home,
    team_of,
    tell,
    user_of,
)
from bot.handlers.deps import Deps
from bot.handlers.errors import guarded, report_failure
from bot.handlers.loop import round_for_vote
from bot.ids import VOTE_TOPIC_PREFIX, ActionId, CallbackId
from bot.services.views import VoteState


def post_or_update(client: WebClient, deps: Deps, state: VoteState) -> None:
    """Show the vote (or the agenda it became) in the set's channel: one message, updated in
    place (``chat.update`` on the stored ts)."""
    message = vote_or_agenda(state)
    if state.message_ts:
        client.chat_update(channel=state.channel_id, ts=state.message_ts, **message.kwargs())
        return
    posted = client.chat_postMessage(channel=state.channel_id, **message.kwargs())
    deps.agenda.attach_message(state.set.team_id, state.id, posted["ts"])


def refresh_homes(client: WebClient, deps: Deps, state: VoteState) -> None:
    """A vote opened, closed or became the agenda: every member's Home tab shows its state."""
    for user_id in state.set.member_ids:
        publish_home(client, deps, state.set.team_id, user_id)


def refresh_open_votes(client: WebClient, deps: Deps, team_id: str, set_id: int) -> None:
    """Redraw a set's open vote messages (a member left: their topic and votes are gone)."""
    for state in deps.agenda.open_votes_of_set(team_id, set_id):
        if state.message_ts:
            post_or_update(client, deps, state)


def open_vote(command: dict[str, Any], team_id: str, client: WebClient, deps: Deps) -> None:
    """Open the vote; the session's report-back round is posted first (it comes first in the
    session), when anyone has actions from earlier sessions."""
    state = deps.agenda.open(team_id, command["user_id"], command["channel_id"])
    if state.message_ts is None:  # newly opened
        round_for_vote(client, deps, team_id, state.session.id)
    post_or_update(client, deps, state)
    refresh_homes(client, deps, state)


def auto_open_vote(client: WebClient, deps: Deps, team_id: str, set_id: int) -> bool:
    """The scheduler opens a session's vote at its start (when the set asks for it), as its
    facilitator would. False when there is nothing to open (no facilitator, already open...)."""
    info = deps.sets.get(team_id, set_id)
    if info is None or info.facilitator_id is None:
        return False
    try:
        open_vote(
            {"user_id": info.facilitator_id, "channel_id": info.channel_id},
            team_id,
            client,
            deps,
        )
    except DomainError:
        return False
    return True


def close_vote_command(
    command: dict[str, Any], team_id: str, client: WebClient, deps: Deps
) -> None:
    latest = deps.agenda.vote_in_channel(team_id, command["channel_id"])
    state = deps.agenda.close(team_id, command["user_id"], latest.id)
    post_or_update(client, deps, state)
    refresh_homes(client, deps, state)


def handle_vote_open(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    deps: Deps,
) -> None:
    ack()
    vote_id = claimed_id(action)
    if vote_id is None:
        tell(body, respond, client, STALE)
        return
    try:
        panel = deps.agenda.panel(team_of(context, body), user_of(body), vote_id)
    except DomainError as exc:
        tell(body, respond, client, exc.message)
        return
    client.views_open(trigger_id=body["trigger_id"], view=voting_modal(panel))


def handle_vote_topic(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    deps: Deps,
) -> None:
    """A voter sets how many of their votes a topic gets. The vote is counted (or refused) in
    the database before the ack, so the answer the voter sees is true."""
    view = body.get("view") or {}
    meta = parse_panel_meta(view.get("private_metadata"))
    topic = action.get("action_id", "")[len(VOTE_TOPIC_PREFIX) :]
    selected = (action.get("selected_option") or {}).get("value", "")
    if meta is None or not topic.isdigit() or not selected.isdigit():
        ack()
        return
    vote_id, round_ = meta
    team_id, user_id = team_of(context, body), user_of(body)
    try:
        outcome = deps.agenda.allocate(team_id, user_id, vote_id, int(topic), int(selected))
    except DomainError as exc:
        ack()
        client.views_update(view_id=view["id"], view=notice_modal(exc.message))
        return
    ack()  # the vote is committed: the answer below is true
    try:
        panel = deps.agenda.panel(team_id, user_id, vote_id, refused=outcome.message)
    except DomainError as exc:  # closed in the meantime
        client.views_update(view_id=view["id"], view=notice_modal(exc.message))
        return
    client.views_update(view_id=view["id"], view=voting_modal(panel, round_=round_ + 1))
    if outcome.turnout_changed:
        post_or_update(client, deps, deps.agenda.state(team_id, vote_id))
    # Votes used, once the voter has stopped clicking (their ballot covers Home meanwhile).
    publish_home(client, deps, team_id, user_id, settle=True)


def _facilitator_button(what: str) -> Callable[..., None]:
    """Close, skip, confirm, or open the adjustment of a vote's message."""

    def work(c: Click) -> None:
        deps, team_id, user_id, vote_id = c.deps, c.team_id, c.user_id, c.claimed
        if what == "adjust":
            state = deps.agenda.state(team_id, vote_id)
            if state.set.facilitator_id != user_id:
                raise NotAllowed("Only the facilitator can change the agenda.")
            if state.status != "closed":
                raise Conflict("This agenda can no longer be changed.")
            c.client.views_open(trigger_id=c.body["trigger_id"], view=adjust_modal(state))
            return
        act = {
            "close": deps.agenda.close,
            "skip": deps.agenda.skip,
            "confirm": deps.agenda.confirm,
        }[what]
        state = act(team_id, user_id, vote_id)
        post_or_update(c.client, deps, state)
        refresh_homes(c.client, deps, state)

    return id_button(work, f"handle_{what}")


def handle_adjust_submit(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    deps: Deps,
) -> None:
    vote_id, plan, errors = parse_adjust(view)
    first = next(iter((view.get("state") or {}).get("values") or {}), "")
    if errors:
        ack(response_action="errors", errors=errors)
        return
    if vote_id is None:
        ack(
            response_action="errors",
            errors={first: "This form is damaged. Close it and try again."},
        )
        return
    try:
        state = deps.agenda.adjust(team_of(context, body), user_of(body), vote_id, plan)
    except InvalidInput as exc:
        ack(response_action="errors", errors=exc.errors)
        return
    except DomainError as exc:
        ack(response_action="errors", errors={first: as_plain_text(exc.message)})
        return
    except Exception as exc:
        ack(
            response_action="errors",
            errors={first: "Something went wrong on my side. Please try again."},
        )
        report_failure(exc, body)
        return
    ack()
    post_or_update(client, deps, state)


def register(app: App) -> None:
    app.action(ActionId.VOTE_OPEN)(guarded(handle_vote_open))
    app.action(re.compile(rf"^{VOTE_TOPIC_PREFIX}\d+$"))(guarded(handle_vote_topic))
    app.action(ActionId.VOTE_CLOSE)(guarded(_facilitator_button("close")))
    app.action(ActionId.VOTE_SKIP)(guarded(_facilitator_button("skip")))
    app.action(ActionId.AGENDA_CONFIRM)(guarded(_facilitator_button("confirm")))
    app.action(ActionId.AGENDA_ADJUST)(guarded(_facilitator_button("adjust")))
    app.view(CallbackId.ADJUST)(guarded(handle_adjust_submit))
