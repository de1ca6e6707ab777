"""Helpers shared by listeners: who is asking, how to answer them privately."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from slack_bolt import Ack, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.common import Message, simple
from bot.domain.errors import DomainError
from bot.handlers.deps import Deps

log = logging.getLogger("bot.handlers")


STALE = "This button is out of date. Run `/als help` to see what you can do now."


def claimed_id(action: dict[str, Any]) -> int | None:
    """The id a button carries in its value: a claim, to be checked against the database."""
    value = action.get("value") or ""
    return int(value) if value.isdigit() else None


def team_of(context: BoltContext, body: dict[str, Any]) -> str:
    team = context.team_id or body.get("team_id") or (body.get("team") or {}).get("id")
    if not team:
        raise ValueError("request without a team id")
    return str(team)


def user_of(body: dict[str, Any]) -> str:
    return str(body.get("user_id") or (body.get("user") or {}).get("id"))


def tell(
    body: dict[str, Any], respond: Respond | None, client: WebClient, message: Message | str
) -> None:
    """Answer the person who acted, privately: an ephemeral reply where Slack gave a response
    URL, otherwise a DM (clicks in App Home or in a modal have no response URL)."""
    msg = simple(message) if isinstance(message, str) else message
    if respond is not None and body.get("response_url"):
        respond(response_type="ephemeral", replace_original=False, **msg.kwargs())
    else:
        client.chat_postMessage(channel=user_of(body), **msg.kwargs())


def publish_home(
    client: WebClient, deps: Deps, team_id: str, user_id: str, *, settle: bool = False
) -> None:
    """Republish a member's Home tab soon, after the ack (coalesced: see ``HomePublisher``).
    ``settle``: once the member has stopped for a few seconds (a burst of ballot clicks)."""
    deps.publisher.request(team_id, user_id, settle=settle)


def send_dm(client: WebClient, user_id: str, message: Message) -> bool:
    """DM a member; a failure for one person (deactivated meanwhile...) does not stop the rest."""
    try:
        client.chat_postMessage(channel=user_id, **message.kwargs())
    except SlackApiError as exc:
        log.warning("DM failed: %s", exc.response.get("error"))
        return False
    return True


T = TypeVar("T")


@dataclass(frozen=True)
class Click(Generic[T]):
    """A click on a button that carries an id: who clicked, where to answer, the claimed id
    (a claim: services check it against the database)."""

    body: dict[str, Any]
    action: dict[str, Any]
    respond: Respond
    client: WebClient
    deps: Deps
    team_id: str
    user_id: str
    claimed: T

    def tell(self, message: Message | str) -> None:
        tell(self.body, self.respond, self.client, message)


def id_button(
    work: Callable[[Click[T]], None],
    name: str,
    parse: Callable[[dict[str, Any]], T | None] = claimed_id,  # type: ignore[assignment]
) -> Callable[..., None]:
    """A button listener: ack, read the id(s) its value claims with ``parse`` (a damaged or
    forged value is explained as stale), run ``work``; a refusal (``DomainError``) is told to
    the clicker."""

    def listener(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
        deps: Deps,
    ) -> None:
        ack()
        claimed = parse(action)
        if claimed is None:
            tell(body, respond, client, STALE)
            return
        click = Click(
            body, action, respond, client, deps, team_of(context, body), user_of(body), claimed
        )
        try:
            work(click)
        except DomainError as exc:
            click.tell(exc.message)

    listener.__name__ = name
    return listener
