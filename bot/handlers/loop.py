"""The action-learning loop: committing actions, ``/als actions``, reporting back, the
report-back round, and the learning log."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.actions import (
    actions_list,
    commit_confirmation,
    commit_line,
    commit_modal,
    edit_modal,
    load_meta,
    log_confirmation,
    log_list,
    log_modal,
    parse_commit,
    parse_edit,
    parse_log,
    parse_report,
    report_confirmation,
    report_modal,
    round_message,
)
from bot.blocks.common import as_plain_text
from bot.blocks.reminders import parse_log_button
from bot.domain.actions import action_field
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
from bot.ids import COMMAND, ActionId, CallbackId
from bot.ids import ActionField as F
from bot.services.views import CommitOutcome, RoundState

log = logging.getLogger("bot.handlers")

DAMAGED = "This form is damaged. Close it and start again."
NOT_SAVED = "Something went wrong on my side and nothing was saved. Please try again."


# -- channel messages -----------------------------------------------------------------------
def post_or_update_round(client: WebClient, deps: Deps, state: RoundState) -> None:
    """The report-back round: one channel message, updated in place as reports arrive."""
    message = round_message(state)
    try:
        if state.message_ts:
            client.chat_update(channel=state.channel_id, ts=state.message_ts, **message.kwargs())
        elif state.id is not None:
            posted = client.chat_postMessage(channel=state.channel_id, **message.kwargs())
            deps.actions.attach_round_message(state.set.team_id, state.id, posted["ts"])
    except SlackApiError as exc:
        log.warning("report-back round not posted: %s", exc.response.get("error"))


def show_line(client: WebClient, deps: Deps, outcome: CommitOutcome) -> None:
    """The short line about a commitment in the channel (in the agenda message's thread):
    posted when shared, kept up to date afterwards (private again: titles removed)."""
    if outcome.repeated:
        return
    message = commit_line(outcome)
    channel = outcome.set.channel_id
    try:
        if outcome.line_ts:
            client.chat_update(channel=channel, ts=outcome.line_ts, **message.kwargs())
        elif outcome.shared and outcome.actions:
            posted = client.chat_postMessage(
                channel=channel, thread_ts=outcome.thread_ts, **message.kwargs()
            )
            deps.actions.attach_line(
                outcome.set.team_id, outcome.commitment_id, channel, posted["ts"]
            )
    except SlackApiError as exc:
        log.warning("commitment line not posted: %s", exc.response.get("error"))


def start_round(
    command: dict[str, Any], team_id: str, respond: Respond, client: WebClient, deps: Deps
) -> None:
    """``/als agenda reportback`` (facilitator)."""
    state = deps.actions.open_round(team_id, command["user_id"], channel_id=command["channel_id"])
    if not state.members:
        respond(
            response_type="ephemeral",
            text="Nobody in this set has actions from earlier sessions: there is nothing to report back on.",
        )
        return
    post_or_update_round(client, deps, state)


def round_for_vote(client: WebClient, deps: Deps, team_id: str, session_id: int) -> None:
    """The agenda vote of a session opened: its report-back round goes to the channel."""
    state = deps.actions.open_round(team_id, None, session_id=session_id)
    if state.members:
        post_or_update_round(client, deps, state)


# -- commands -------------------------------------------------------------------------------
def actions_command(
    words: list[str],
    command: dict[str, Any],
    team_id: str,
    respond: Respond,
    client: WebClient,
    deps: Deps,
) -> None:
    user_id = command["user_id"]
    sub = words[1].lower() if len(words) > 1 else ""
    if sub == "add":
        draft = deps.actions.start_add(team_id, user_id, command["channel_id"])
        client.views_open(trigger_id=command["trigger_id"], view=commit_modal(draft))
    elif sub:
        respond(
            response_type="ephemeral",
            text=f"`{COMMAND} actions` lists your open actions; `{COMMAND} actions add` commits new ones.",
        )
    else:
        respond(
            response_type="ephemeral",
            **actions_list(deps.actions.open_actions(team_id, user_id)).kwargs(),
        )


def log_command(
    words: list[str],
    command: dict[str, Any],
    team_id: str,
    respond: Respond,
    client: WebClient,
    deps: Deps,
) -> None:
    user_id = command["user_id"]
    sub = words[1].lower() if len(words) > 1 else ""
    if sub == "list":
        respond(
            response_type="ephemeral", **log_list(deps.learning.entries(team_id, user_id)).kwargs()
        )
    elif sub:
        respond(
            response_type="ephemeral",
            text=f"`{COMMAND} log` writes an entry about the last session; `{COMMAND} log list` shows yours.",
        )
    else:
        draft = deps.learning.start(team_id, user_id, command["channel_id"])
        client.views_open(trigger_id=command["trigger_id"], view=log_modal(draft))


# -- buttons --------------------------------------------------------------------------------
def _button(what: str) -> Callable[..., None]:
    def work(c: Click) -> None:
        deps, team_id, user_id, claimed = c.deps, c.team_id, c.user_id, c.claimed
        if what == "drop":
            outcome = deps.actions.drop(team_id, user_id, claimed)
            if c.body.get("response_url"):  # the list it was clicked in, redrawn
                c.respond(
                    replace_original=True,
                    **actions_list(deps.actions.open_actions(team_id, user_id)).kwargs(),
                )
            show_line(c.client, deps, outcome)
            publish_home(c.client, deps, team_id, user_id)
            return
        if what == "commit":
            view = commit_modal(deps.actions.start_for_topic(team_id, user_id, claimed))
        elif what == "report":
            view = report_modal(deps.actions.start_report(team_id, user_id, claimed))
        else:  # edit
            view = edit_modal(deps.actions.action(team_id, user_id, claimed))
        c.client.views_open(trigger_id=c.body["trigger_id"], view=view)

    return id_button(work, f"handle_{what}_button")


def _open_log(c: Click[tuple[int, int]]) -> None:
    """The reflection prompt's "Write in your learning log": the log modal for that session.
    The value claims two ids (set, session); the service re-checks both and the clicker's
    membership."""
    draft = c.deps.learning.start_for_session(c.team_id, c.user_id, *c.claimed)
    c.client.views_open(trigger_id=c.body["trigger_id"], view=log_modal(draft))


handle_log_button = id_button(
    _open_log, "handle_log_button", parse=lambda action: parse_log_button(action.get("value"))
)


# -- modal submissions ----------------------------------------------------------------------
def _submit(
    parse_and_save: Callable[[dict[str, Any], str, str, Deps], Any],
    first_field: str,
    after: Callable[[Any, WebClient, Deps, str, str], None],
) -> Callable[..., None]:
    """A modal submission: field errors through ``response_action: errors``, never lost."""

    def listener(
        ack: Ack,
        body: dict[str, Any],
        view: dict[str, Any],
        client: WebClient,
        context: BoltContext,
        deps: Deps,
    ) -> None:
        team_id, user_id = team_of(context, body), user_of(body)
        try:
            result = parse_and_save(view, team_id, user_id, deps)
        except InvalidInput as exc:
            ack(response_action="errors", errors=exc.errors)
            return
        except DomainError as exc:
            ack(response_action="errors", errors={first_field: as_plain_text(exc.message)})
            return
        except Exception as exc:
            ack(response_action="errors", errors={first_field: NOT_SAVED})
            report_failure(exc, body)
            return
        ack()
        after(result, client, deps, team_id, user_id)

    return listener


def _save_commit(view: dict[str, Any], team_id: str, user_id: str, deps: Deps) -> CommitOutcome:
    meta = load_meta(view.get("private_metadata"), "s", "p", "t")
    if meta is None or meta["s"] is None or meta["p"] is None:
        raise DomainError(DAMAGED)
    return deps.actions.save(
        team_id,
        user_id,
        set_id=meta["s"],
        session_id=meta["p"],
        topic_id=meta["t"],
        form=parse_commit(view),
        view_id=view.get("id"),
    )


def _after_commit(
    outcome: CommitOutcome, client: WebClient, deps: Deps, team_id: str, user_id: str
) -> None:
    if outcome.repeated:
        return
    send_dm(client, user_id, commit_confirmation(outcome))
    show_line(client, deps, outcome)
    publish_home(client, deps, team_id, user_id)


def _claimed_action(view: dict[str, Any]) -> int:
    meta = load_meta(view.get("private_metadata"), "a")
    if meta is None or meta["a"] is None:
        raise DomainError(DAMAGED)
    return meta["a"]


def _save_edit(view: dict[str, Any], team_id: str, user_id: str, deps: Deps) -> CommitOutcome:
    return deps.actions.edit(team_id, user_id, _claimed_action(view), parse_edit(view))


def _after_edit(
    outcome: CommitOutcome, client: WebClient, deps: Deps, team_id: str, user_id: str
) -> None:
    show_line(client, deps, outcome)
    publish_home(client, deps, team_id, user_id)


def _save_report(view: dict[str, Any], team_id: str, user_id: str, deps: Deps) -> Any:
    return deps.actions.report(team_id, user_id, _claimed_action(view), parse_report(view))


def _after_report(outcome: Any, client: WebClient, deps: Deps, team_id: str, user_id: str) -> None:
    send_dm(client, user_id, report_confirmation(outcome))
    if outcome.round is not None:
        post_or_update_round(client, deps, outcome.round)
    publish_home(client, deps, team_id, user_id)
    facilitator = deps.sets.get(team_id, outcome.action.set_id)
    if facilitator and facilitator.facilitator_id and facilitator.facilitator_id != user_id:
        publish_home(client, deps, team_id, facilitator.facilitator_id)  # progress counts


def _save_log(view: dict[str, Any], team_id: str, user_id: str, deps: Deps) -> Any:
    meta = load_meta(view.get("private_metadata"), "s", "p")
    if meta is None or meta["s"] is None or meta["p"] is None:
        raise DomainError(DAMAGED)
    return deps.learning.save(team_id, user_id, meta["s"], meta["p"], parse_log(view))


def _after_log(entry: Any, client: WebClient, deps: Deps, team_id: str, user_id: str) -> None:
    send_dm(client, user_id, log_confirmation(entry))
    lset = deps.sets.get(team_id, entry.set_id)
    if lset and lset.facilitator_id and lset.facilitator_id != user_id:
        publish_home(client, deps, team_id, lset.facilitator_id)  # how many wrote


def register(app: App) -> None:
    app.action(ActionId.COMMIT_OPEN)(guarded(_button("commit")))
    app.action(ActionId.ACTION_REPORT)(guarded(_button("report")))
    app.action(ActionId.ACTION_EDIT)(guarded(_button("edit")))
    app.action(ActionId.ACTION_DROP)(guarded(_button("drop")))
    app.action(ActionId.LOG_OPEN)(guarded(handle_log_button))
    app.view(CallbackId.COMMIT)(guarded(_submit(_save_commit, action_field(0), _after_commit)))
    app.view(CallbackId.EDIT_ACTION)(guarded(_submit(_save_edit, action_field(0), _after_edit)))
    app.view(CallbackId.REPORT)(guarded(_submit(_save_report, F.STATUS, _after_report)))
    app.view(CallbackId.LOG)(guarded(_submit(_save_log, F.ABOUT_ISSUE, _after_log)))
