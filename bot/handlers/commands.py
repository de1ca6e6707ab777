"""``/als`` and its subcommands."""

from __future__ import annotations

import difflib
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.blocks.help import help_message, unknown_subcommand
from bot.blocks.messages import leave_confirm
from bot.blocks.setup import setup_modal
from bot.domain.errors import DomainError
from bot.handlers.agenda import close_vote_command, open_vote
from bot.handlers.calendar import sessions_command
from bot.handlers.common import team_of
from bot.handlers.deps import Deps
from bot.handlers.errors import guarded
from bot.handlers.loop import actions_command, log_command, start_round
from bot.handlers.topics import open_topic_modal
from bot.ids import COMMAND, Sub


def closest_subcommand(word: str) -> Sub:
    names = [s.value for s in Sub]
    match = difflib.get_close_matches(word, names, n=1, cutoff=0.0)
    return Sub(match[0]) if match else Sub.HELP


def _setup(command: dict[str, Any], team_id: str, client: WebClient, deps: Deps) -> None:
    user_id = command["user_id"]
    channel = deps.directory.channel(command["channel_id"], command.get("channel_name"))
    existing = deps.sets.start_setup(team_id, user_id, channel)
    facts = deps.directory.user(user_id)
    client.views_open(
        trigger_id=command["trigger_id"],
        view=setup_modal(
            channel_id=channel.id,
            caller_id=user_id,
            caller_tz=facts.tz if facts else None,
            existing=existing,
        ),
    )


def handle_als(
    ack: Ack,
    body: dict[str, Any],
    command: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    deps: Deps,
) -> None:
    ack()
    team_id = team_of(context, command)
    words = (command.get("text") or "").split()
    word = words[0].lower() if words else Sub.HELP.value
    try:
        match word:
            case Sub.HELP:
                respond(response_type="ephemeral", **help_message().kwargs())
            case Sub.SETUP:
                _setup(command, team_id, client, deps)
            case Sub.TOPIC:
                open_topic_modal(
                    team_id,
                    command["user_id"],
                    command["channel_id"],
                    command["trigger_id"],
                    client,
                    deps,
                )
            case Sub.AGENDA:
                action = words[1].lower() if len(words) > 1 else ""
                if action == "close":
                    close_vote_command(command, team_id, client, deps)
                elif action == "reportback":
                    start_round(command, team_id, respond, client, deps)
                elif action:
                    respond(
                        response_type="ephemeral",
                        text=f"`{COMMAND} agenda` opens the vote; `{COMMAND} agenda close` closes "
                        f"it; `{COMMAND} agenda reportback` starts the report-back round.",
                    )
                else:
                    open_vote(command, team_id, client, deps)
            case Sub.ACTIONS:
                actions_command(words, command, team_id, respond, client, deps)
            case Sub.LOG:
                log_command(words, command, team_id, respond, client, deps)
            case Sub.SESSIONS:
                sessions_command(command, team_id, respond, deps)
            case Sub.LEAVE:
                lset = deps.sets.set_to_leave(team_id, command["user_id"], command["channel_id"])
                respond(response_type="ephemeral", **leave_confirm(lset).kwargs())
            case _:
                respond(
                    response_type="ephemeral",
                    **unknown_subcommand(word[:40], closest_subcommand(word)).kwargs(),
                )
    except DomainError as exc:
        respond(response_type="ephemeral", text=exc.message)


def register(app: App) -> None:
    app.command(COMMAND)(guarded(handle_als))
