"""Plays the Slack platform's side towards an app: signed slash commands,
interactions (``block_actions``, ``view_submission``, ``view_closed``) and
Events API deliveries, sent over real HTTP to the app's request URL.

Payload shapes follow real Slack deliveries (see the module tests).  Every
request is signed exactly like Slack signs it::

    X-Slack-Request-Timestamp: <unix seconds>
    X-Slack-Signature: v0=hex(HMAC-SHA256(signing_secret, "v0:<ts>:<raw body>"))
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from bot.fakeslack.blockkit import STATEFUL_ELEMENT_TYPES, find_action, iter_elements
from bot.fakeslack.server import FakeSlack

__all__ = ["UNSET", "Response", "SlackDriver", "compute_signature", "element_state"]

JsonDict = dict[str, Any]


class _Unset:
    """Sentinel type for "argument not given" (``None`` is a meaningful value)."""

    _instance: _Unset | None = None

    def __new__(cls) -> _Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()

_TEXT_INPUTS = frozenset({"plain_text_input", "email_text_input", "url_text_input", "number_input"})
_SINGLE_OPTION = frozenset({"static_select", "external_select", "radio_buttons", "overflow"})
_MULTI_OPTION = frozenset({"multi_static_select", "multi_external_select", "checkboxes"})
#: element type -> (its key in ``state.values``, the initial key it starts from).
STATE_KEYS: dict[str, tuple[str, str]] = {
    **dict.fromkeys(_TEXT_INPUTS, ("value", "initial_value")),
    **dict.fromkeys(_SINGLE_OPTION, ("selected_option", "initial_option")),
    **dict.fromkeys(_MULTI_OPTION, ("selected_options", "initial_options")),
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
    "datetimepicker": ("selected_date_time", "initial_date_time"),
    "users_select": ("selected_user", "initial_user"),
    "multi_users_select": ("selected_users", "initial_users"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations"),
    "channels_select": ("selected_channel", "initial_channel"),
    "multi_channels_select": ("selected_channels", "initial_channels"),
}
#: The id-valued selects (people, conversations, channels).
_ID_SELECTS = {
    k: v
    for k, v in STATE_KEYS.items()
    if k.endswith(("users_select", "conversations_select", "channels_select"))
}


def compute_signature(signing_secret: str, timestamp: int | str, body: bytes) -> str:
    """Return Slack's ``X-Slack-Signature`` value for ``body`` sent at ``timestamp``."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    digest = hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return f"v0={digest}"


@dataclass
class Response:
    """The app's HTTP answer. Never raised for 4xx/5xx: check ``status``.

    ``elapsed`` is the round-trip time in seconds (Slack gives up after 3).
    ``view_errors`` lists problems with a ``view_submission`` response
    (invalid returned view, unknown ``errors`` keys, non-JSON body).
    """

    status: int
    body: str
    headers: dict[str, str]
    elapsed: float = 0.0
    view_errors: list[str] = field(default_factory=list)

    def json(self) -> Any:
        """The body decoded as JSON (``{}`` for an empty body)."""
        return json.loads(self.body) if self.body.strip() else {}


# ------------------------------------------------------------ element state
def _find_option(element: Mapping[str, Any], value: Any) -> JsonDict:
    if isinstance(value, Mapping):
        return dict(value)
    options: list[Any] = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    for opt in options:
        if isinstance(opt, Mapping) and opt.get("value") == value:
            return copy.deepcopy(dict(opt))
    if element.get("type", "").endswith("external_select"):
        return {
            "text": {"type": "plain_text", "text": str(value), "emoji": True},
            "value": str(value),
        }
    raise ValueError(
        f"{element.get('type')} {element.get('action_id')!r} has no option with value {value!r}"
    )


def _date(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _time(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.time | dt.datetime):
        return value.strftime("%H:%M")
    return str(value)


def element_state(element: Mapping[str, Any], value: Any = UNSET) -> JsonDict:
    """The ``state.values`` entry for ``element`` (shape as in real payloads).

    Without ``value`` the element's initial value is used (``initial_value``,
    ``initial_option(s)``, ``initial_user(s)``, ``initial_date`` ...).  A
    ``value`` is a plain Python value converted per element type: a string
    for text inputs, an option *value* (or list of them) for selects,
    checkboxes and radio buttons, user/conversation/channel ids for those
    selects, ``"YYYY-MM-DD"``/``date`` for datepickers, ``"HH:MM"``/``time``
    for timepickers and unix seconds/``datetime`` for datetimepickers.
    """
    kind = str(element.get("type"))
    state: JsonDict = {"type": kind}
    given = value is not UNSET
    if kind in _TEXT_INPUTS:
        raw = value if given else element.get("initial_value")
        state["value"] = None if raw is None else str(raw)
    elif kind in _SINGLE_OPTION:
        if given:
            state["selected_option"] = None if value is None else _find_option(element, value)
        else:
            init = element.get("initial_option")
            state["selected_option"] = copy.deepcopy(init) if init is not None else None
    elif kind in _MULTI_OPTION:
        if given:
            state["selected_options"] = [_find_option(element, v) for v in (value or [])]
        else:
            state["selected_options"] = copy.deepcopy(element.get("initial_options") or [])
    elif kind in _ID_SELECTS:
        key, initial_key = _ID_SELECTS[kind]
        multi = kind.startswith("multi_")
        raw = value if given else element.get(initial_key)
        state[key] = list(raw or []) if multi else raw
        if element.get("response_url_enabled"):
            state["response_url_enabled"] = True
    elif kind == "datepicker":
        state["selected_date"] = _date(value if given else element.get("initial_date"))
    elif kind == "timepicker":
        state["selected_time"] = _time(value if given else element.get("initial_time"))
        if element.get("timezone"):
            state["timezone"] = element["timezone"]
    elif kind == "datetimepicker":
        raw = value if given else element.get("initial_date_time")
        if isinstance(raw, dt.datetime):
            raw = int(raw.timestamp())
        state["selected_date_time"] = None if raw is None else int(raw)
    elif kind == "rich_text_input":
        raw = value if given else element.get("initial_value")
        if isinstance(raw, str):
            raw = {
                "type": "rich_text",
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": raw}]}
                ],
            }
        state["rich_text_value"] = raw
    elif kind == "file_input":
        state["files"] = list(value) if given and value else []
    else:
        raise ValueError(f"element type {kind!r} has no state")
    return state


@dataclass
class _Target:
    """Where a clicked element lives."""

    kind: str  # "message", "ephemeral" or "view"
    data: JsonDict  # the message (API shape) or the stored view
    block_id: str | None
    element: JsonDict
    channel_id: str | None = None


class SlackDriver:
    """Sends signed Slack requests to the app at ``app_url`` on behalf of users.

    ``slack`` is the :class:`FakeSlack` the app talks to: the driver reads
    messages/views from it, issues trigger ids and response URLs through it
    and applies ``view_submission`` responses to it.
    """

    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        slack: FakeSlack,
        *,
        verification_token: str = "fake-verification-token",
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app_url = app_url
        self.signing_secret = signing_secret
        self.slack = slack
        self.verification_token = verification_token
        self.timeout = timeout
        self.clock = clock
        self._event_counter = itertools.count(1)

    # ------------------------------------------------------------- transport
    def sign(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        """Slack's signature headers for ``body`` (``timestamp`` defaults to now)."""
        ts = int(self.clock()) if timestamp is None else int(timestamp)
        return {
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": compute_signature(self.signing_secret, ts, body),
        }

    def send_raw(self, body: bytes, headers: Mapping[str, str]) -> Response:
        """POST ``body`` with exactly ``headers`` (no signing) to ``app_url``."""
        request = urllib.request.Request(
            self.app_url, data=body, headers=dict(headers), method="POST"
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:
                status, data, hdrs = resp.status, resp.read(), dict(resp.headers.items())
        except urllib.error.HTTPError as exc:
            status, data, hdrs = exc.code, exc.read(), dict(exc.headers.items())
        return Response(
            status=status,
            body=data.decode("utf-8", "replace"),
            headers=hdrs,
            elapsed=time.monotonic() - started,
        )

    def _send(self, body: bytes, content_type: str) -> Response:
        headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            **self.sign(body),
        }
        return self.send_raw(body, headers)

    def _send_form(self, fields: list[tuple[str, str]]) -> Response:
        return self._send(urlencode(fields).encode(), "application/x-www-form-urlencoded")

    def _send_payload(self, payload: Mapping[str, Any]) -> Response:
        return self._send_form([("payload", json.dumps(payload))])

    def _send_json(self, body: Mapping[str, Any]) -> Response:
        return self._send(json.dumps(body).encode(), "application/json")

    # --------------------------------------------------------------- helpers
    def _user(self, user_id: str) -> JsonDict:
        user = self.slack.user(user_id)
        name = user.name if user else user_id
        return {"id": user_id, "username": name, "name": name, "team_id": self.slack.team_id}

    def _team(self) -> JsonDict:
        return {"id": self.slack.team_id, "domain": self.slack.team_domain}

    def _channel_name(self, channel_id: str) -> str:
        channel = self.slack.channel(channel_id)
        if channel is None:
            return "directmessage" if channel_id.startswith("D") else "privategroup"
        if channel.is_im:
            return "directmessage"
        if channel.is_private and self.slack.bot_user_id not in channel.members:
            return "privategroup"
        return channel.name

    def _now_ts(self) -> str:
        return f"{self.clock():.6f}"

    def _state_values(
        self,
        blocks: list[Any],
        remembered: Mapping[str, Any],
        overrides: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> dict[str, dict[str, JsonDict]]:
        overrides = overrides or {}
        values: dict[str, dict[str, JsonDict]] = {}
        known: set[tuple[str, str]] = set()
        for block, el in iter_elements(blocks):
            if el.get("type") not in STATEFUL_ELEMENT_TYPES:
                continue
            bid, aid = str(block.get("block_id")), str(el.get("action_id"))
            known.add((bid, aid))
            if aid in overrides.get(bid, {}):
                state = element_state(el, overrides[bid][aid])
            elif aid in remembered.get(bid, {}):
                state = copy.deepcopy(remembered[bid][aid])
            else:
                state = element_state(el)
            values.setdefault(bid, {})[aid] = state
        for bid, per_block in overrides.items():
            for aid in per_block:
                if (bid, aid) not in known:
                    raise KeyError(
                        f"no stateful element {bid!r}/{aid!r} in the view; known: {sorted(known)}"
                    )
        return values

    def _view_with_state(
        self, view: JsonDict, overrides: Mapping[str, Mapping[str, Any]] | None = None
    ) -> JsonDict:
        out = copy.deepcopy(view)
        remembered = self.slack.view_state(view["id"])
        out["state"] = {
            "values": self._state_values(out.get("blocks") or [], remembered, overrides)
        }
        return out

    # --------------------------------------------------------- slash command
    def command(
        self,
        user_id: str,
        text: str = "",
        *,
        channel_id: str | None = None,
        command: str = "/als",
        channel_name: str | None = None,
    ) -> Response:
        """Send a slash command (form-encoded, like Slack) typed by ``user_id``.

        ``channel_id`` defaults to the user's IM with the bot.  A fresh
        ``response_url`` and ``trigger_id`` are issued by the fake.
        """
        if channel_id is None:
            channel_id = self.slack.open_im(user_id).id
        fields = [
            ("token", self.verification_token),
            ("team_id", self.slack.team_id),
            ("team_domain", self.slack.team_domain),
            ("channel_id", channel_id),
            ("channel_name", channel_name or self._channel_name(channel_id)),
            ("user_id", user_id),
            ("user_name", self._user(user_id)["name"]),
            ("command", command),
            ("text", text),
            ("api_app_id", self.slack.app_id),
            ("is_enterprise_install", "false"),
            ("response_url", self.slack.new_response_url(channel_id=channel_id, user_id=user_id)),
            ("trigger_id", self.slack.new_trigger_id(user_id)),
        ]
        return self._send_form(fields)

    # --------------------------------------------------------- block actions
    def _locate(
        self,
        user_id: str,
        action_id: str,
        channel_id: str | None,
        message_ts: str | None,
        view_id: str | None,
    ) -> _Target:
        """Find the message or view holding ``action_id``."""
        if view_id is not None:
            view = self.slack.view(view_id)
            if view is None:
                raise LookupError(f"no view {view_id}")
            block_id, el = find_action(view, action_id)
            return _Target("view", view, block_id, el)
        if channel_id is not None:
            if channel_id[:1] in ("U", "W"):
                channel_id = self.slack.open_im(channel_id).id
            candidates: list[tuple[str, JsonDict]] = []
            if message_ts is not None:
                msg = self.slack.message(channel_id, message_ts)
                eph = self.slack.ephemeral(channel_id, message_ts)
                if msg is not None:
                    candidates.append(("message", msg.to_api()))
                elif eph is not None:
                    if eph.user != user_id:
                        raise LookupError(
                            f"ephemeral {message_ts} is visible to {eph.user}, not {user_id}"
                        )
                    candidates.append(
                        ("ephemeral", eph.to_api(self.slack.bot_user_id, self.slack.bot_id))
                    )
                else:
                    raise LookupError(f"no message {message_ts} in {channel_id}")
            else:
                candidates.extend(
                    ("message", m.to_api()) for m in reversed(self.slack.messages(channel_id))
                )
                candidates.extend(
                    ("ephemeral", e.to_api(self.slack.bot_user_id, self.slack.bot_id))
                    for e in reversed(self.slack.ephemerals(channel_id, user_id))
                )
            for kind, msg_dict in candidates:
                try:
                    block_id, el = find_action(msg_dict, action_id)
                except LookupError:
                    continue
                return _Target(kind, msg_dict, block_id, el, channel_id)
            raise LookupError(f"no element {action_id!r} in messages of {channel_id}")
        views = self.slack.open_views(user_id)
        home = self.slack.home_view(user_id)
        for view in ([views[-1]] if views else []) + ([home] if home else []):
            try:
                block_id, el = find_action(view, action_id)
            except LookupError:
                continue
            return _Target("view", view, block_id, el)
        raise LookupError(f"no element {action_id!r} in {user_id}'s open modal or home tab")

    def click(
        self,
        user_id: str,
        action_id: str,
        *,
        channel_id: str | None = None,
        message_ts: str | None = None,
        view_id: str | None = None,
        value: str | None = None,
        selected: Any = UNSET,
    ) -> Response:
        """Interact with the element ``action_id`` and send a ``block_actions`` payload.

        The element is looked up in the message ``channel_id``/``message_ts``
        (regular or ephemeral; without ``message_ts`` the newest message in
        the channel that has the element), in view ``view_id``, or — with
        neither — in the user's top modal, then their Home tab.

        Buttons send their own ``value`` unless ``value`` is given (to forge
        one).  For selects, pickers and inputs ``selected`` is the new value,
        in the same simple form as :func:`element_state` accepts.
        """
        target = self._locate(user_id, action_id, channel_id, message_ts, view_id)
        kind, container, block_id, element = (
            target.kind,
            target.data,
            target.block_id,
            target.element,
        )
        el_type = element.get("type")
        action: JsonDict = {"action_id": action_id, "block_id": block_id}
        state: JsonDict | None = None
        if el_type == "button":
            action["text"] = copy.deepcopy(element.get("text"))
            button_value = value if value is not None else element.get("value")
            if button_value is not None:
                action["value"] = button_value
            if element.get("style"):
                action["style"] = element["style"]
        elif el_type in STATEFUL_ELEMENT_TYPES or el_type == "overflow":
            new_value = selected
            if new_value is UNSET and value is not None:
                new_value = value
            if new_value is UNSET and el_type == "overflow":
                raise ValueError("clicking an overflow menu needs selected=<option value>")
            state = element_state(element, new_value)
            action.update({k: v for k, v in state.items() if k != "type"})
            for key in (
                "initial_option",
                "initial_options",
                "initial_date",
                "initial_time",
                "initial_user",
                "initial_users",
                "initial_conversation",
                "initial_channel",
            ):
                if key in element:
                    action[key] = copy.deepcopy(element[key])
        action["type"] = el_type
        action["action_ts"] = self._now_ts()

        payload: JsonDict = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": self.slack.app_id,
            "token": self.verification_token,
        }
        if kind == "view":
            view_id = str(container["id"])
            if state is not None and el_type != "overflow" and block_id is not None:
                self.slack.remember_view_state(view_id, block_id, action_id, state)
            payload["container"] = {"type": "view", "view_id": view_id}
            payload["trigger_id"] = self.slack.new_trigger_id(user_id)
            payload["team"] = self._team()
            payload["enterprise"] = None
            payload["is_enterprise_install"] = False
            payload["view"] = self._view_with_state(container)
        else:
            cid = str(target.channel_id)
            ts = str(container["ts"])
            is_ephemeral = kind == "ephemeral"
            payload["container"] = {
                "type": "message",
                "message_ts": ts,
                "channel_id": cid,
                "is_ephemeral": is_ephemeral,
            }
            if container.get("thread_ts"):
                payload["container"]["thread_ts"] = container["thread_ts"]
            payload["trigger_id"] = self.slack.new_trigger_id(user_id)
            payload["team"] = self._team()
            payload["enterprise"] = None
            payload["is_enterprise_install"] = False
            payload["channel"] = {"id": cid, "name": self._channel_name(cid)}
            if not is_ephemeral:
                payload["message"] = container
            remembered = self.slack.message_state(cid, ts, user_id)
            values = self._state_values(container.get("blocks") or [], remembered)
            if state is not None and block_id is not None and el_type != "overflow":
                values.setdefault(block_id, {})[action_id] = state
                self.slack.remember_message_state(cid, ts, user_id, block_id, action_id, state)
            payload["state"] = {"values": values}
            payload["response_url"] = self.slack.new_response_url(
                channel_id=cid,
                user_id=user_id,
                message_ts=ts,
                is_ephemeral=is_ephemeral,
                thread_ts=container.get("thread_ts"),
            )
        payload["actions"] = [action]
        return self._send_payload(payload)

    # ------------------------------------------------------------ modals
    def _top_modal(self, user_id: str) -> JsonDict:
        views = self.slack.open_views(user_id)
        if not views:
            raise LookupError(f"{user_id} has no open modal")
        return views[-1]

    def _owned_modal(self, user_id: str, view_id: str | None) -> JsonDict:
        if view_id is None:
            return self._top_modal(user_id)
        open_ids = [v["id"] for v in self.slack.open_views(user_id)]
        if view_id not in open_ids:
            raise LookupError(f"view {view_id} is not open for {user_id} (open: {open_ids})")
        view = self.slack.view(view_id)
        assert view is not None
        return view

    def submit_view(
        self,
        user_id: str,
        view_id: str | None = None,
        values: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Response:
        """Press Submit on a modal (default: the user's top modal).

        ``state.values`` holds every stateful element, from its initial value,
        what the user picked earlier (via :meth:`click`), or
        ``values[block_id][action_id]`` (converted by :func:`element_state`).
        The app's answer is applied to the fake (close / clear / update /
        push / errors) and returned; see ``Response.view_errors``.
        """
        view = self._owned_modal(user_id, view_id)
        vid = str(view["id"])
        submitted = self._view_with_state(view, values)
        for bid, per_block in submitted["state"]["values"].items():
            for aid, st in per_block.items():
                self.slack.remember_view_state(vid, bid, aid, st)
        response_urls: list[JsonDict] = []
        for block in submitted.get("blocks") or []:
            el = block.get("element") if block.get("type") == "input" else None
            if not isinstance(el, dict) or not el.get("response_url_enabled"):
                continue
            st = (
                submitted["state"]["values"]
                .get(block.get("block_id"), {})
                .get(el.get("action_id"), {})
            )
            target = st.get("selected_conversation") or st.get("selected_channel")
            if target:
                response_urls.append(
                    {
                        "block_id": block["block_id"],
                        "action_id": el["action_id"],
                        "channel_id": target,
                        "response_url": self.slack.new_response_url(
                            channel_id=target, user_id=user_id
                        ),
                    }
                )
        payload = {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": self.slack.app_id,
            "token": self.verification_token,
            "trigger_id": self.slack.new_trigger_id(user_id),
            "view": submitted,
            "response_urls": response_urls,
            "is_enterprise_install": False,
            "enterprise": None,
        }
        response = self._send_payload(payload)
        if response.status != 200:
            response.view_errors = [f"app answered HTTP {response.status}; modal stays open"]
            return response
        try:
            body = response.json()
        except json.JSONDecodeError:
            response.view_errors = ["app answered with a non-JSON body; modal stays open"]
            return response
        if not isinstance(body, dict):
            response.view_errors = ["app answered with a non-object JSON body"]
            return response
        response.view_errors = self.slack.apply_view_submission_response(user_id, vid, body)
        return response

    def close_view(
        self, user_id: str, view_id: str | None = None, *, clear: bool = False
    ) -> Response | None:
        """Close a modal (Cancel; with ``clear=True`` the X, closing the whole stack).

        Sends ``view_closed`` only if the view set ``notify_on_close`` (as
        Slack does); returns None otherwise.
        """
        view = self._owned_modal(user_id, view_id)
        with_state = self._view_with_state(view)
        self.slack.close_views(user_id, view["id"], clear=clear)
        if not view.get("notify_on_close"):
            return None
        payload = {
            "type": "view_closed",
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": self.slack.app_id,
            "token": self.verification_token,
            "view": with_state,
            "is_cleared": clear,
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self._send_payload(payload)

    # ---------------------------------------------------------------- events
    def event(self, event: Mapping[str, Any], *, event_id: str | None = None) -> Response:
        """Deliver ``event`` in an Events API ``event_callback`` envelope (JSON)."""
        inner = copy.deepcopy(dict(event))
        inner.setdefault("event_ts", self._now_ts())
        envelope = {
            "token": self.verification_token,
            "team_id": self.slack.team_id,
            "api_app_id": self.slack.app_id,
            "event": inner,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._event_counter):010d}",
            "event_time": int(self.clock()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.slack.team_id,
                    "user_id": self.slack.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        return self._send_json(envelope)

    def app_home_opened(self, user_id: str, tab: str = "home") -> Response:
        """The user opened the app's Home (or Messages) tab."""
        event: JsonDict = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": self.slack.open_im(user_id).id,
            "tab": tab,
            "event_ts": self._now_ts(),
        }
        home = self.slack.home_view(user_id)
        if home is not None and tab == "home":
            event["view"] = home
        return self.event(event)

    def user_message(
        self, user_id: str, channel_id: str, text: str, *, thread_ts: str | None = None
    ) -> Response:
        """A human posts ``text``: recorded in the fake, then a ``message`` event is sent."""
        channel = self.slack.channel(channel_id) or self.slack.open_im(user_id)
        msg = self.slack.post_user_message(channel.id, user_id, text, thread_ts=thread_ts)
        if channel.is_im:
            channel_type = "im"
        elif channel.is_mpim:
            channel_type = "mpim"
        else:
            channel_type = "group" if channel.is_private else "channel"
        event: JsonDict = {
            "type": "message",
            "channel": channel.id,
            "user": user_id,
            "text": text,
            "ts": msg.ts,
            "event_ts": msg.ts,
            "channel_type": channel_type,
            "team": self.slack.team_id,
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        return self.event(event)

    def member_joined_channel(
        self, user_id: str, channel_id: str, *, inviter: str | None = None
    ) -> Response:
        """``user_id`` joins ``channel_id`` (membership updated in the fake, event sent)."""
        self.slack.add_to_channel(channel_id, user_id)
        channel = self.slack.channel(channel_id)
        event: JsonDict = {
            "type": "member_joined_channel",
            "user": user_id,
            "channel": channel_id,
            "channel_type": "G" if channel and channel.is_private else "C",
            "team": self.slack.team_id,
        }
        if inviter:
            event["inviter"] = inviter
        return self.event(event)

    def url_verification(self, challenge: str = "fake-challenge") -> Response:
        """Slack's request-URL handshake."""
        return self._send_json(
            {"token": self.verification_token, "challenge": challenge, "type": "url_verification"}
        )
