"""What a person does on the sandbox page, sent to the bot as Slack would send it.

The composer's ``/als ...`` is a signed slash command (other text a message from that person),
a click or a choice is a ``block_actions`` payload, a modal's Submit and Close are
``view_submission`` and ``view_closed``, opening the Home tab is ``app_home_opened``: all
through :class:`bot.fakeslack.driver.SlackDriver`, to the bot's real ``/slack/events``. Each
answer is what the page needs to know: whether it was taken, and a modal's field errors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.fakeslack.blockkit import iter_elements
from bot.fakeslack.driver import Response, SlackDriver, element_state
from bot.fakeslack.server import FakeSlack
from bot.ids import BOT_EVENTS
from bot.sandbox.pages import HOME, Conversation, FieldErrors, Pages
from bot.sandbox.wsgi import ApiError, JsonDict, required

_TEXT_TYPES = frozenset(
    {"plain_text_input", "email_text_input", "url_text_input", "number_input", "rich_text_input"}
)
_SINGLE_TYPES = frozenset(
    {
        "static_select",
        "external_select",
        "radio_buttons",
        "users_select",
        "conversations_select",
        "channels_select",
        "datepicker",
        "timepicker",
    }
)


class Actions:
    """A person's doings, checked against what they can see (``pages``), then sent through
    the driver ``driver()`` gives (it raises :class:`ApiError` 503 before the sandbox runs)."""

    def __init__(
        self,
        slack: FakeSlack,
        pages: Pages,
        errors: FieldErrors,
        driver: Callable[[], SlackDriver],
    ) -> None:
        self.slack = slack
        self.pages = pages
        self.errors = errors
        self._driver = driver

    def command(self, user_id: str, conv: str, text: str) -> JsonDict:
        """What the composer sends: ``/als ...`` as a signed slash command, anything else as a
        plain message from that person."""
        self.pages.person(user_id)
        where = self.pages.visible(user_id, conv)
        if where.kind == HOME:
            raise ApiError(400, "the Home tab has no composer")
        text = text.strip()
        if not text:
            raise ApiError(400, "nothing to send")
        if text.startswith("/"):
            name, _, rest = text.partition(" ")
            if name != "/als":
                raise ApiError(400, f"only /als is installed in this workspace, not {name}")
            response = self._driver().command(user_id, rest.strip(), channel_id=where.id)
        elif self._message_event(where) in BOT_EVENTS:
            response = self._driver().user_message(user_id, where.id, text)
        else:  # shown, as Slack would, but not sent to the app: it does not subscribe to it
            self._driver().slack.post_user_message(where.id, user_id, text)
            return {"ok": True, "status": 200, "delivered": False}
        return _answer(response)

    def _message_event(self, where: Conversation) -> str:
        """The event a person's message here is delivered as, to apps subscribed to it."""
        if where.kind == "dm":
            return "message.im"
        channel = self._driver().slack.channel(where.id)
        return (
            "message.groups" if channel is not None and channel.is_private else "message.channels"
        )

    def action(self, user_id: str, body: Mapping[str, Any]) -> JsonDict:
        """A click (button) or a choice (select, overflow, date/time picker...) in a message,
        the Home tab or an open modal."""
        self.pages.person(user_id)
        action_id = required(body, "action_id")
        view_id = body.get("view_id") or None
        conv = body.get("conv") or None
        ts = body.get("ts") or None
        if view_id is not None:
            if self.slack.view_owner(str(view_id)) != user_id:
                raise ApiError(403, "that view belongs to someone else")
            conv = ts = None
            typed = body.get("values")
            if isinstance(typed, Mapping):  # as in Slack, the click carries what was typed
                self._keep_typed(str(view_id), typed)
        elif conv is not None:
            self.pages.visible(user_id, str(conv))
        else:
            raise ApiError(400, "an action needs a conversation or a view")
        kwargs: dict[str, Any] = {}
        if "selected" in body:
            kwargs["selected"] = _blank_to_none(body["selected"])
        if body.get("value") is not None:
            kwargs["value"] = str(body["value"])
        try:
            response = self._driver().click(
                user_id,
                action_id,
                channel_id=conv,
                message_ts=ts,
                view_id=view_id,
                **kwargs,
            )
        except (LookupError, ValueError) as exc:
            raise ApiError(404, f"that element is gone ({type(exc).__name__})") from None
        return _answer(response)

    @staticmethod
    def _typed(
        view: Mapping[str, Any], values: Mapping[str, Any]
    ) -> dict[str, dict[str, tuple[JsonDict, Any]]]:
        """What the page's inputs hold, by block and action id: (element, value), for the
        view's input elements only."""
        known: dict[tuple[str, str], JsonDict] = {}
        for block, el in iter_elements(view.get("blocks") or []):
            if block.get("type") == "input":
                known[(str(block.get("block_id")), str(el.get("action_id")))] = el
        typed: dict[str, dict[str, tuple[JsonDict, Any]]] = {}
        for bid, per_block in values.items():
            if not isinstance(per_block, Mapping):
                continue
            for aid, value in per_block.items():
                element = known.get((str(bid), str(aid)))
                if element is not None:
                    typed.setdefault(str(bid), {})[str(aid)] = (
                        element,
                        _convert(str(element.get("type")), value),
                    )
        return typed

    def _keep_typed(self, view_id: str, values: Mapping[str, Any]) -> None:
        view = self.slack.view(view_id) or {}
        for bid, per_block in self._typed(view, values).items():
            for aid, (el, value) in per_block.items():
                try:
                    state = element_state(el, value)
                except ValueError:
                    continue  # a choice the element does not offer: Slack would not send it
                self.slack.remember_view_state(view_id, bid, aid, state)

    def submit(self, user_id: str, view_id: str, values: Mapping[str, Any]) -> JsonDict:
        """Submit the modal ``view_id`` with what the page's inputs hold."""
        view = self._open_view(user_id, view_id)
        overrides = {
            bid: {aid: value for aid, (_, value) in per_block.items()}
            for bid, per_block in self._typed(view, values).items()
        }
        try:
            response = self._driver().submit_view(user_id, view_id, overrides)
        except (LookupError, ValueError) as exc:
            raise ApiError(400, f"that modal cannot be submitted ({type(exc).__name__})") from None
        answer = _answer(response)
        errors: dict[str, str] = {}
        if response.status == 200:
            try:
                body = response.json()
            except ValueError:
                body = {}
            if isinstance(body, dict) and body.get("response_action") == "errors":
                errors = {str(k): str(v) for k, v in (body.get("errors") or {}).items()}
        after = self.slack.view(view_id) or {}
        self.errors.set(user_id, view_id, str(after.get("hash")), errors)
        answer["errors"] = errors
        answer["problems"] = list(response.view_errors)
        return answer

    def close(self, user_id: str, view_id: str) -> JsonDict:
        """Cancel (close) the modal ``view_id``; ``view_closed`` is sent if it asked for it."""
        self._open_view(user_id, view_id)
        response = self._driver().close_view(user_id, view_id)
        self.errors.clear(user_id, view_id)
        return _answer(response) if response is not None else {"ok": True}

    def home_opened(self, user_id: str) -> JsonDict:
        """The person opened the app's Home tab: Slack sends ``app_home_opened``."""
        self.pages.person(user_id)
        return _answer(self._driver().app_home_opened(user_id))

    def _open_view(self, user_id: str, view_id: str) -> JsonDict:
        self.pages.person(user_id)
        for view in self.slack.open_views(user_id):
            if view["id"] == view_id:
                return view
        raise ApiError(404, "that modal is no longer open")


def _blank_to_none(value: Any) -> Any:
    return None if value == "" else value


def _convert(kind: str, value: Any) -> Any:
    """A value read from the page's input -> what :func:`element_state` expects."""
    if kind in _TEXT_TYPES or kind in _SINGLE_TYPES:
        if isinstance(value, list):
            value = value[0] if value else None
        return None if value in ("", None) else str(value)
    if isinstance(value, list):
        return [str(v) for v in value if v not in ("", None)]
    if value in ("", None):
        return []
    return [str(value)]


def _answer(response: Response) -> JsonDict:
    return {"ok": 200 <= response.status < 300, "status": response.status}
