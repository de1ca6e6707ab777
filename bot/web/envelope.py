"""The envelope check of the front door (``bot.web``): the fields Bolt reads to route a request
and build its context, and those the listener kit reads, have the types Slack documents.

Bolt reads them without checking (``enterprise: false`` or ``event.user: -1`` made it raise),
so a signed request whose envelope is otherwise is refused with 400 before Bolt sees it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from slack_bolt.request.internals import extract_team_id


class Refused(Exception):
    """A request the front door answers itself: ``status`` and a reason for the log."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


UNAUTHORIZED = "401 Unauthorized"
BAD_REQUEST = "400 Bad Request"
TOO_LARGE = "413 Payload Too Large"

_STR = (str,)
_OPT_STR = (str, type(None))
_ID_OR_OBJECT = (str, dict, type(None))
_ENVELOPE: dict[str, tuple[type, ...]] = {
    "type": _STR,
    "token": _OPT_STR,
    "team_id": _OPT_STR,
    "enterprise_id": _OPT_STR,
    "user_id": _OPT_STR,
    "channel_id": _OPT_STR,
    "api_app_id": _OPT_STR,
    "trigger_id": _OPT_STR,
    "command": _OPT_STR,
    "text": _OPT_STR,
    "thread_ts": _OPT_STR,
    "function_execution_id": _OPT_STR,
    "bot_access_token": _OPT_STR,
    "response_url": _OPT_STR,
    "event_id": _OPT_STR,
    "challenge": _OPT_STR,
    "team": _ID_OR_OBJECT,
    "enterprise": _ID_OR_OBJECT,
    "user": _ID_OR_OBJECT,
    "channel": _ID_OR_OBJECT,
    "is_enterprise_install": (bool, str, type(None)),
    "is_ext_shared_channel": (bool, type(None)),
    "authorizations": (list, type(None)),
    "response_urls": (list, type(None)),
    "actions": (list, type(None)),
    "event": (dict, type(None)),
    "view": (dict, type(None)),
    "message": (dict, type(None)),
    "container": (dict, type(None)),
    "previous_message": (dict, type(None)),
    "item": (dict, type(None)),
    "assistant_thread": (dict, type(None)),
    "function_data": (dict, type(None)),
    "state": (dict, type(None)),
}
_OBJECT_IDS = ("team", "enterprise", "user", "channel")
_INNER: dict[str, tuple[type, ...]] = {
    "type": _OPT_STR,
    "team_id": _OPT_STR,
    "enterprise_id": _OPT_STR,
    "user_id": _OPT_STR,
    "channel_id": _OPT_STR,
    "user_team": _OPT_STR,
    "thread_ts": _OPT_STR,
    "function_execution_id": _OPT_STR,
    "bot_access_token": _OPT_STR,
    "is_enterprise_install": (bool, str, type(None)),
    "team": _ID_OR_OBJECT,
    "user": _ID_OR_OBJECT,
    "channel": _ID_OR_OBJECT,
    "enterprise": _ID_OR_OBJECT,
    "message": (dict, type(None)),
    "previous_message": (dict, type(None)),
    "item": (dict, type(None)),
    "view": (dict, type(None)),
    "tab": _OPT_STR,
}
_VIEW: dict[str, tuple[type, ...]] = {
    "id": _STR,
    "type": _OPT_STR,
    "team_id": _OPT_STR,
    "app_installed_team_id": _OPT_STR,
    "callback_id": _OPT_STR,
    "external_id": _OPT_STR,
    "private_metadata": _OPT_STR,
    "hash": _OPT_STR,
    "state": (dict, type(None)),
    "blocks": (list, type(None)),
}
_ACTION: dict[str, tuple[type, ...]] = {
    "action_id": _STR,
    "block_id": _OPT_STR,
    "type": _OPT_STR,
    "value": _OPT_STR,
    "selected_option": (dict, type(None)),
    "action_ts": _OPT_STR,
}
_NO_TEAM = ("url_verification", "ssl_check")
_INTERACTIONS = (
    "block_actions",
    "view_submission",
    "view_closed",
    "shortcut",
    "message_action",
    "block_suggestion",
)


def _check(obj: Mapping[str, Any], types: Mapping[str, tuple[type, ...]], where: str) -> None:
    for name, allowed in types.items():
        if name in obj and not isinstance(obj[name], allowed):
            raise Refused(BAD_REQUEST, f"{where}{name} has the wrong type")
    for name in _OBJECT_IDS:
        value = obj.get(name)
        if isinstance(value, dict) and not isinstance(value.get("id"), (str, type(None))):
            raise Refused(BAD_REQUEST, f"{where}{name}.id has the wrong type")


def _objects(items: object, where: str) -> list[dict[str, Any]]:
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise Refused(BAD_REQUEST, f"{where} holds a non-object")
    return items


def check_envelope(data: dict[str, Any], text: str) -> None:
    """The fields Bolt reads to route and to build its context, and the ones the app's kit
    reads, have the types Slack documents; an interaction or event names its workspace."""
    if "ssl_check" in data:  # Slack's periodic check of the certificate: a form, no type
        return
    _check(data, _ENVELOPE, "")
    if data.get("type") in _NO_TEAM:
        return
    for inner_name in ("event", "message", "previous_message", "item", "assistant_thread"):
        inner = data.get(inner_name)
        if isinstance(inner, dict):
            _check(inner, _INNER, f"{inner_name}.")
            for deeper in ("message", "previous_message", "item", "view"):
                if isinstance(inner.get(deeper), dict):
                    _check(inner[deeper], _INNER, f"{inner_name}.{deeper}.")
    for auth in _objects(data.get("authorizations"), "authorizations"):
        _check(auth, _INNER, "authorizations.")
    for url in _objects(data.get("response_urls"), "response_urls"):
        if not isinstance(url.get("response_url"), str):
            raise Refused(BAD_REQUEST, "response_urls.response_url has the wrong type")
        _check_url(url["response_url"])
    if isinstance(data.get("response_url"), str):
        _check_url(data["response_url"])
    view = data.get("view")
    if view is not None:
        _check(view, _VIEW, "view.")
        if not isinstance(view.get("id"), str) or not isinstance(view.get("type"), str):
            raise Refused(BAD_REQUEST, "a view without its id or type")
    for action in _objects(data.get("actions"), "actions"):
        if "action_id" not in action:
            raise Refused(BAD_REQUEST, "an action without an action_id")
        _check(action, _ACTION, "actions.")
        _check_option(action.get("selected_option"))
        options = action.get("selected_options")
        if options is not None and not isinstance(options, list):
            raise Refused(BAD_REQUEST, "actions.selected_options has the wrong type")
        for option in options or []:
            _check_option(option)
    if view is not None:
        _check_state(view.get("state"))
    team = extract_team_id(data)
    if not isinstance(team, str) or not team:
        raise Refused(BAD_REQUEST, "no workspace")
    _check_strings(data, text)
    if data.get("type") in _INTERACTIONS:
        user = data.get("user")
        if not isinstance(user, dict) or not isinstance(user.get("id"), str) or not user["id"]:
            raise Refused(BAD_REQUEST, "an interaction without a user")
        if data["type"] == "block_actions" and not data.get("trigger_id"):
            raise Refused(BAD_REQUEST, "a click without a trigger id")
    elif "command" in data:
        for name in ("user_id", "channel_id", "response_url", "trigger_id"):
            if not (isinstance(data.get(name), str) and data[name]):
                raise Refused(BAD_REQUEST, f"a command without {name}")
    elif data.get("type") == "event_callback":
        event = data.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            raise Refused(BAD_REQUEST, "an event without a type")


def _check_url(url: str) -> None:
    printable = url.isascii() and all(" " < c < "\x7f" for c in url)
    if not printable or not url.startswith(("https://", "http://")):
        raise Refused(BAD_REQUEST, "response URL is not a web address")


# What a view's ``state.values[block][action]`` holds, by key (Slack's element states).
_ELEMENT_STATE: dict[str, tuple[type, ...]] = {
    "type": _OPT_STR,
    "value": _OPT_STR,
    "selected_option": (dict, type(None)),
    "selected_options": (list, type(None)),
    "selected_user": _OPT_STR,
    "selected_users": (list, type(None)),
    "selected_date": _OPT_STR,
    "selected_time": _OPT_STR,
    "selected_date_time": (int, type(None)),
    "selected_conversation": _OPT_STR,
    "selected_conversations": (list, type(None)),
    "selected_channel": _OPT_STR,
    "selected_channels": (list, type(None)),
    "timezone": _OPT_STR,
    "rich_text_value": (dict, type(None)),
}
_LISTS_OF_IDS = ("selected_users", "selected_conversations", "selected_channels")


def _check_option(option: object) -> None:
    if option is None:
        return
    if not isinstance(option, dict) or not isinstance(option.get("value"), (str, type(None))):
        raise Refused(BAD_REQUEST, "an option has the wrong type")


def _check_state(state: object) -> None:
    """A submitted view's state: ``{block_id: {action_id: element state}}``, each element state
    of the types Slack sends."""
    if state is None:
        return
    if not isinstance(state, dict):
        raise Refused(BAD_REQUEST, "view.state has the wrong type")
    values = state.get("values")
    if values is None:
        return
    if not isinstance(values, dict):
        raise Refused(BAD_REQUEST, "view.state.values has the wrong type")
    for block in values.values():
        if not isinstance(block, dict):
            raise Refused(BAD_REQUEST, "view.state holds a non-object")
        for element in block.values():
            if not isinstance(element, dict):
                raise Refused(BAD_REQUEST, "view.state holds a non-object")
            for name, allowed in _ELEMENT_STATE.items():
                if name in element and not isinstance(element[name], allowed):
                    raise Refused(BAD_REQUEST, f"view.state {name} has the wrong type")
            _check_option(element.get("selected_option"))
            for option in element.get("selected_options") or []:
                _check_option(option)
            for name in _LISTS_OF_IDS:
                if not all(isinstance(i, str) for i in element.get(name) or []):
                    raise Refused(BAD_REQUEST, f"view.state {name} has the wrong type")


def _check_strings(data: object, text: str) -> None:
    """No NUL character anywhere (PostgreSQL cannot store one in text), and a sane depth.

    Every string is looked at only when the body could hold a NUL (JSON writes it ``\\u0000``,
    a form ``%00``): the walk over a modal's few thousand strings is the front door's largest
    cost on a ballot click."""
    nul = "u0000" in text or "%00" in text or "\x00" in text
    stack: list[tuple[object, int]] = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > 40:
            raise Refused(BAD_REQUEST, "nested too deep")
        if isinstance(node, dict):
            if nul and any("\x00" in k for k in node):
                raise Refused(BAD_REQUEST, "a NUL character")
            values: Iterable[object] = node.values()
        elif isinstance(node, list):
            values = node
        else:
            continue
        for value in values:
            if isinstance(value, (dict, list)):
                stack.append((value, depth + 1))
            elif nul and isinstance(value, str) and "\x00" in value:
                raise Refused(BAD_REQUEST, "a NUL character")
