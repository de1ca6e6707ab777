"""Bolt's listener matchers given the body directly, and global middleware given the arguments
it names (``bot.handlers.matching``): the app uses them for all its listeners and middleware,
and they answer as Bolt's own do."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.listener_matcher.builtins import BuiltinListenerMatcher
from slack_bolt.middleware.custom_middleware import CustomMiddleware
from slack_sdk import WebClient

from bot.app import AlsBot
from bot.fakeslack.server import FakeSlack
from bot.handlers.matching import BodyMatcher, NamedArgsMiddleware, use_body_matchers
from bot.ids import VOTE_TOPIC_PREFIX


@pytest.mark.db
def test_every_listener_of_the_app_matches_on_the_body(als: AlsBot) -> None:
    listeners: list[Any] = als.bolt._listeners
    matchers = [m for listener in listeners for m in listener.matchers]
    assert len(listeners) > 50
    assert all(isinstance(m, BodyMatcher) for m in matchers), [
        type(m).__name__ for m in matchers if not isinstance(m, BodyMatcher)
    ]
    middleware: list[Any] = als.bolt._middleware_list
    ours = [m for m in middleware if isinstance(m, NamedArgsMiddleware)]
    assert [m.func.__name__ for m in ours] == ["inject", "note_installed"]
    assert not [m for m in middleware if isinstance(m, CustomMiddleware)]


def _bodies() -> list[dict[str, Any]]:
    user = {"id": "U1", "team_id": "T1"}
    return [
        {
            "type": "block_actions",
            "team": {"id": "T1"},
            "user": user,
            "actions": [{"action_id": f"{VOTE_TOPIC_PREFIX}12", "type": "static_select"}],
        },
        {
            "type": "block_actions",
            "team": {"id": "T1"},
            "user": user,
            "actions": [{"action_id": "other", "type": "button"}],
        },
        {
            "type": "view_submission",
            "team": {"id": "T1"},
            "user": user,
            "view": {"type": "modal", "callback_id": "v1"},
        },
        {
            "type": "view_closed",
            "team": {"id": "T1"},
            "user": user,
            "view": {"type": "modal", "callback_id": "v1"},
        },
        {"command": "/als", "team_id": "T1", "user_id": "U1", "text": "topic"},
        {"command": "/other", "team_id": "T1", "user_id": "U1", "text": ""},
        {"type": "event_callback", "team_id": "T1", "event": {"type": "app_home_opened"}},
        {"type": "event_callback", "team_id": "T1", "event": {"type": "member_joined_channel"}},
    ]


def test_body_matchers_answer_as_bolts_own() -> None:
    app = App(
        token="xoxb-test",
        signing_secret="secret",
        token_verification_enabled=False,
        request_verification_enabled=False,
    )

    def listener() -> None:
        pass

    app.action(f"{VOTE_TOPIC_PREFIX}12")(listener)
    app.action({"type": "block_actions", "action_id": "other"})(listener)
    app.view("v1")(listener)
    app.view_closed("v1")(listener)
    app.command("/als")(listener)
    app.event("app_home_opened")(listener)
    listeners: list[Any] = app._listeners
    builtin = [list(listener.matchers) for listener in listeners]
    assert all(isinstance(m, BuiltinListenerMatcher) for ms in builtin for m in ms)

    assert use_body_matchers(app) == len(listeners)

    answers = 0
    for body in _bodies():
        request = BoltRequest(body=json.dumps(body), headers={"content-type": ["application/json"]})
        response = BoltResponse(status=200)
        for before, listener in zip(builtin, listeners, strict=True):
            (old,) = before
            (new,) = listener.matchers
            assert isinstance(new, BodyMatcher)
            expected = old.matches(request, response)
            assert new.matches(request, response) == expected, (body, listener)
            answers += expected
    assert answers == 6  # each listener matched its own body, and no other


def test_middleware_gets_the_arguments_it_names(slack: FakeSlack) -> None:
    app = App(  # Bolt asks the fake Slack's auth.test who the token is
        client=WebClient(token=slack.bot_token, base_url=slack.api_url),
        signing_secret="secret",
        token_verification_enabled=False,
        request_verification_enabled=False,
        process_before_response=True,
    )
    seen: list[tuple[str, str]] = []

    def first(body: dict[str, Any], context: Any, next: Any) -> None:
        context["marked"] = body["actions"][0]["action_id"]
        next()

    def second(req: BoltRequest, resp: BoltResponse, next: Any) -> None:
        seen.append(("second", req.context["marked"]))
        next()

    def stop(body: dict[str, Any]) -> None:  # never calls next(): the request goes no further
        seen.append(("stop", body["type"]))

    def listener(ack: Any, context: Any) -> None:
        seen.append(("listener", context["marked"]))
        ack()

    app.use(NamedArgsMiddleware(first))
    app.use(NamedArgsMiddleware(second))
    app.action("a")(listener)
    body = _bodies()[0] | {"actions": [{"action_id": "a", "type": "button"}]}
    headers = {"content-type": ["application/json"]}
    response = app.dispatch(BoltRequest(body=json.dumps(body), headers=headers))
    assert response.status == 200
    assert seen == [("second", "a"), ("listener", "a")]

    app.use(NamedArgsMiddleware(stop))
    seen.clear()
    response = app.dispatch(BoltRequest(body=json.dumps(body), headers=headers))
    assert response.status == 404  # as Bolt answers a middleware that did not call next()
    assert seen == [("second", "a"), ("stop", "block_actions")]

    def asks_for_client(client: Any, next: Any) -> None:
        next()

    with pytest.raises(TypeError):
        NamedArgsMiddleware(asks_for_client)
