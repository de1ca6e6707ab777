"""The listener kit: one way to write each kind of listener, so a listener does five things and
no more: ack (within 3 s), parse the payload into typed input, call one service function,
render the result with a ``bot.blocks`` builder, send it (``Request`` and ``bot.slack``).

- ``kit.button(action_id)``: acks at once; the value's claim is parsed (a damaged or forged
  value is answered as a stale button); a refusal (``DomainError``) is told to the clicker.
- ``kit.submission(callback_id, ...)``: ``save`` runs before the ack, so field errors go back
  with ``response_action: errors`` (all at once) and what was typed is kept; ``then`` runs
  after the ack.
- ``kit.subcommand(Sub.X, "word")``: ``/als x word``; a refusal is answered privately.
- ``kit.event(name)``: Events API; Bolt acks them.

Every listener runs guarded (``bot.handlers.guard``): a failure is logged without content and
the person is told kindly. Feature modules register their listeners with ``register(kit)``;
none imports another.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_bolt import Ack, App, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.common import Message, as_plain_text, simple
from bot.blocks.meta import Meta, claimed_id
from bot.deps import Deps
from bot.domain.errors import DomainError, InvalidInput
from bot.handlers.guard import ListenerPool, report_failure
from bot.handlers.matching import NamedArgsMiddleware
from bot.ids import COMMAND, Sub
from bot.slack.directory import SlackDirectory
from bot.slack.outbound import Outbound

log = logging.getLogger("bot.handlers")

STALE = "This button is out of date. Run `/als help` to see what you can do now."
NOT_SAVED = "Something went wrong on my side and nothing was saved. Please try again."
DAMAGED = "This form is damaged. Close it and start again."

T = TypeVar("T")
R = TypeVar("R")
M = TypeVar("M", bound=Meta)


# -- the request ------------------------------------------------------------------------------
def team_of(context: BoltContext, body: dict[str, Any]) -> str:
    team = context.team_id or body.get("team_id") or (body.get("team") or {}).get("id")
    if not team:
        raise ValueError("request without a team id")
    return str(team)


def user_of(body: dict[str, Any]) -> str:
    return str(body.get("user_id") or (body.get("user") or {}).get("id"))


@dataclass(frozen=True)
class Request:
    """Who asked, in which workspace, and how to answer them."""

    body: dict[str, Any]
    team_id: str
    user_id: str
    deps: Deps
    client: WebClient
    respond: Respond | None
    bot_user_id: str | None = None
    acknowledge: Ack | None = None

    def ack(self) -> None:
        """Answer Slack now (a listener that acks only once its service call committed)."""
        if self.acknowledge is not None and self.acknowledge.response is None:
            self.acknowledge()

    @property
    def out(self) -> Outbound:
        """What is sent, through this workspace's token."""
        return self.deps.outbound.for_team(self.team_id)

    @property
    def directory(self) -> SlackDirectory:
        """What Slack says of people and channels, asked with this workspace's token."""
        return self.deps.directory.for_team(self.team_id)

    @property
    def channel_id(self) -> str:
        return str(self.body.get("channel_id") or (self.body.get("channel") or {}).get("id"))

    @property
    def view(self) -> dict[str, Any]:
        return self.body.get("view") or {}

    def tell(self, message: Message | str) -> None:
        """Answer the person privately: an ephemeral reply where Slack gave a response URL,
        otherwise a DM (clicks in App Home or in a modal have no response URL)."""
        msg = simple(message) if isinstance(message, str) else message
        if self.respond is not None and self.body.get("response_url"):
            self.respond(response_type="ephemeral", replace_original=False, **msg.kwargs())
        else:
            self.client.chat_postMessage(channel=self.user_id, **msg.kwargs())

    def answer(self, message: Message | str) -> None:
        """Answer a command privately (ephemeral, in the channel it was run in)."""
        if self.respond is None:
            self.tell(message)
        elif isinstance(message, str):
            self.respond(response_type="ephemeral", text=message)
        else:
            self.respond(response_type="ephemeral", **message.kwargs())

    def replace(self, message: Message) -> None:
        """Redraw the message that was clicked (through the response URL Slack bound to it: the
        payload's channel and ts are claims, and must not pick what the bot rewrites)."""
        if self.respond is not None:
            self.respond(replace_original=True, **message.kwargs())

    def can_replace(self) -> bool:
        return self.respond is not None and bool(self.body.get("response_url"))

    def delete_clicked(self) -> None:
        """Remove the (ephemeral) message that was clicked."""
        if self.respond is not None:
            self.respond(delete_original=True)

    def open_modal(self, view: dict[str, Any]) -> None:
        self.client.views_open(trigger_id=self.body["trigger_id"], view=view)

    def update_modal(self, external_id: str, view: dict[str, Any]) -> None:
        """Redraw a modal the bot opened, by the ``external_id`` it gave it (never by the
        payload's view id, a claim). A modal closed in the meantime is normal: nothing to do."""
        try:
            self.client.views_update(external_id=external_id, view=view)
        except SlackApiError as exc:
            if exc.response.get("error") != "not_found":
                raise
            log.debug("a modal to redraw was closed in the meantime")


def _request(
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond | None,
    ack: Ack | None = None,
) -> Request:
    return Request(
        body=body,
        team_id=team_of(context, body),
        user_id=user_of(body),
        deps=context["deps"],
        client=client,
        respond=respond,
        bot_user_id=context.bot_user_id,
        acknowledge=ack,
    )


def value_id(action: dict[str, Any], body: dict[str, Any]) -> int | None:
    """The id a button carries in its value: a claim, to be checked against the database."""
    return claimed_id(action.get("value"))


def _ignore() -> None:
    """Bolt acknowledges events itself: nothing to do."""


def _no_claim(action: dict[str, Any], body: dict[str, Any]) -> None:
    return None


def _nothing(r: Request, claim: object) -> None:
    """Never called: without a claim, the kit answers as for a stale button."""


def _close(ack: Ack) -> None:
    ack()


# -- the kit ----------------------------------------------------------------------------------
Work = Callable[[Request, list[str]], None]


class Kit:
    """Registers listeners on the Bolt app, each guarded by the app's listener pool."""

    def __init__(self, app: App, pool: ListenerPool) -> None:
        self.app = app
        self.pool = pool
        self._commands: dict[tuple[str, str], Work] = {}
        self._fallback: Work | None = None
        app.command(COMMAND)(pool.guarded(self._command))
        app.error(self._error)

    # -- slash commands -------------------------------------------------------------------
    def subcommand(self, sub: Sub, word: str = "") -> Callable[[Work], Work]:
        """``/als <sub> [word]`` (``word`` "*": any word no other listener takes); the listener
        gets the request and the command's words."""

        def register(work: Work) -> Work:
            self._commands[(sub.value, word)] = work
            return work

        return register

    def fallback(self, work: Work) -> Work:
        """What ``/als`` does with words no subcommand takes (help, or a suggestion)."""
        self._fallback = work
        return work

    def _command(
        self,
        ack: Ack,
        body: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        ack()
        r = _request(body, context, client, respond)
        words = (body.get("text") or "").split()
        sub = words[0].lower() if words else Sub.HELP.value
        word = words[1].lower() if len(words) > 1 else ""
        # The exact words; else the subcommand's answer to any other word (its usage); else
        # the subcommand itself (extra words ignored); else help for an unknown subcommand.
        work = (
            self._commands.get((sub, word))
            or (self._commands.get((sub, "*")) if word else None)
            or self._commands.get((sub, ""))
            or self._fallback
        )
        if work is None:
            return
        try:
            work(r, words)
        except DomainError as exc:
            respond(response_type="ephemeral", text=exc.message)

    # -- buttons ----------------------------------------------------------------------------
    def button(
        self,
        action_id: str | re.Pattern[str],
        *,
        parse: Callable[[dict[str, Any], dict[str, Any]], T | None] = value_id,  # type: ignore[assignment]
        ack_first: bool = True,
    ) -> Callable[[Callable[[Request, T], None]], Callable[[Request, T], None]]:
        """A click. ``parse(action, body)`` reads the claim in the action (None: damaged or
        forged, answered as a stale button). ``ack_first`` False: the listener acks itself
        (``r.ack()``) once its service call has committed; the kit acks if it did not."""

        def register(work: Callable[[Request, T], None]) -> Callable[[Request, T], None]:
            def listener(
                ack: Ack,
                body: dict[str, Any],
                action: dict[str, Any],
                respond: Respond,
                client: WebClient,
                context: BoltContext,
            ) -> None:
                if ack_first:
                    ack()
                r = _request(body, context, client, respond, ack)
                claimed = parse(action, body)
                try:
                    if claimed is None:
                        r.ack()
                        r.tell(STALE)
                        return
                    work(r, claimed)
                except DomainError as exc:
                    r.tell(exc.message)
                finally:
                    if ack.response is None:
                        ack()

            listener.__name__ = getattr(work, "__name__", "button")
            self.app.action(action_id)(self.pool.guarded(listener))
            return work

        return register

    # -- modal submissions ----------------------------------------------------------------
    def submission(
        self,
        callback_id: str,
        meta: type[M],
        *,
        save: Callable[[Request, M, dict[str, Any]], R],
        then: Callable[[Request, R], None] | None = None,
        next_view: Callable[[Request, R], dict[str, Any]] | None = None,
        field: str | Callable[[dict[str, Any]], str],
        damaged: str = DAMAGED,
        failed: str = NOT_SAVED,
    ) -> None:
        """A modal submission: ``save`` (parse the view, one service call) runs before the
        ack; its ``InvalidInput`` errors go back field by field, any other refusal on
        ``field`` (a block id, or a function of the view that finds one); then ``then``
        runs after the ack (render, send). With ``next_view``, the modal becomes the view it
        renders from the result (``response_action: update``): a form's next step."""

        def listener(
            ack: Ack,
            body: dict[str, Any],
            view: dict[str, Any],
            context: BoltContext,
            client: WebClient,
        ) -> None:
            r = _request(body, context, client, None)
            where = field(view) if callable(field) else field
            claim = meta.load(view.get("private_metadata"))
            if claim is None:
                ack(response_action="errors", errors={where: damaged})
                return
            try:
                result = save(r, claim, view)
            except InvalidInput as exc:
                ack(response_action="errors", errors=exc.errors)
                return
            except DomainError as exc:
                ack(response_action="errors", errors={where: as_plain_text(exc.message)})
                return
            except Exception as exc:
                # Answer the modal (keeps what was typed) and report; never re-raise into Bolt.
                ack(response_action="errors", errors={where: failed})
                report_failure(exc, body)
                return
            if next_view is not None:
                ack(response_action="update", view=next_view(r, result))
            else:
                ack()
            if then is not None:
                then(r, result)

        listener.__name__ = getattr(save, "__name__", "submission")
        self.app.view(callback_id)(self.pool.guarded(listener))

    # -- events -----------------------------------------------------------------------------
    def event(
        self, name: str
    ) -> Callable[[Callable[[Request, dict[str, Any]], None]], Callable[..., None]]:
        def register(
            work: Callable[[Request, dict[str, Any]], None],
        ) -> Callable[..., None]:
            def listener(
                event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
            ) -> None:
                work(_request(body, context, client, None), event)

            listener.__name__ = getattr(work, "__name__", name)
            self.app.event(name)(self.pool.guarded(listener))
            return work

        return register

    def catch_all(self) -> None:
        """Requests no listener takes get an answer, not Bolt's 404 (registered after every
        feature's listeners): an event (one the manifest does not subscribe to, or a forged
        one) is acknowledged and dropped, as Slack expects; a click on a button the app no
        longer has is answered as a stale button; a form the app no longer knows is closed."""
        self.app.event(re.compile(".*"))(_ignore)
        self.button(re.compile(".*"), parse=_no_claim)(_nothing)
        self.app.view(re.compile(".*"))(self.pool.guarded(_close))

    def middleware(self, function: Callable[..., None]) -> None:
        self.app.use(NamedArgsMiddleware(function))

    @staticmethod
    def _error(error: Exception, body: dict[str, Any]) -> None:
        """The last resort, for failures outside listeners (middleware)."""
        report_failure(error, body)
