"""End-to-end: a minimal Bolt app defined here (not the project's app) served over HTTP.

Proves that Bolt accepts the driver's signatures and payload shapes and that
Bolt's WebClient/respond() work against the fake.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.fakeslack import FakeSlack, SlackDriver
from tests.fakeslack.conftest import ALICE, SET_CHANNEL

SECRET = "bolt-roundtrip-secret"


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def pt(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


MODAL = {
    "type": "modal",
    "callback_id": "rename",
    "title": pt("Rename set"),
    "submit": pt("Save"),
    "blocks": [
        {
            "type": "input",
            "block_id": "name",
            "label": pt("Name"),
            "element": {"type": "plain_text_input", "action_id": "value", "initial_value": "Set 1"},
        }
    ],
}


def build_app(slack: FakeSlack) -> App:
    app = App(
        token=slack.bot_token,
        signing_secret=SECRET,
        client=WebClient(token=slack.bot_token, base_url=slack.api_url),
    )

    @app.command("/als")
    def on_command(ack: Any, respond: Any, command: dict[str, Any], client: WebClient) -> None:
        ack()
        respond(f"You said {command['text']}")
        client.chat_postMessage(
            channel=command["channel_id"],
            text="menu",
            blocks=[
                {
                    "type": "actions",
                    "block_id": "menu",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": "rename",
                            "text": pt("Rename"),
                            "value": "set-1",
                        }
                    ],
                }
            ],
        )

    @app.action("rename")
    def on_rename(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(
            trigger_id=body["trigger_id"],
            view={**MODAL, "private_metadata": body["actions"][0]["value"]},
        )

    @app.view("rename")
    def on_submit(ack: Any, view: dict[str, Any], client: WebClient) -> None:
        name = view["state"]["values"]["name"]["value"]["value"]
        if not name or not name.strip():
            ack(response_action="errors", errors={"name": "Name required"})
            return
        ack()
        client.chat_postMessage(
            channel=SET_CHANNEL, text=f"{view['private_metadata']} renamed to {name}"
        )

    return app


@pytest.fixture
def bolt_url(slack: FakeSlack) -> Iterator[str]:
    handler = SlackRequestHandler(build_app(slack))
    server = make_server(
        "127.0.0.1", 0, handler, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/slack/events"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_bolt_roundtrip(slack: FakeSlack, bolt_url: str) -> None:
    driver = SlackDriver(bolt_url, SECRET, slack)

    assert driver.command(ALICE, "hello", channel_id=SET_CHANNEL).status == 200
    [menu] = slack.wait_for("chat.postMessage")
    eph = slack.wait_for("response_url")[0]
    assert eph.args["text"] == "You said hello"
    assert [e.text for e in slack.ephemerals(SET_CHANNEL, ALICE)] == ["You said hello"]

    assert (
        driver.click(ALICE, "rename", channel_id=SET_CHANNEL, message_ts=menu.response["ts"]).status
        == 200
    )
    slack.wait_for("views.open")
    [modal] = slack.open_views(ALICE)
    assert modal["private_metadata"] == "set-1"

    resp = driver.submit_view(ALICE, values={"name": {"value": "  "}})
    assert resp.json() == {"response_action": "errors", "errors": {"name": "Name required"}}
    assert len(slack.open_views(ALICE)) == 1

    resp = driver.submit_view(ALICE, values={"name": {"value": "Pioneers"}})
    assert resp.status == 200 and resp.json() == {}
    assert slack.open_views(ALICE) == []
    slack.wait_for("chat.postMessage", lambda c: "renamed" in c.args.get("text", ""))
    assert slack.messages(SET_CHANNEL)[-1].text == "set-1 renamed to Pioneers"


def test_bolt_rejects_bad_signature(slack: FakeSlack, bolt_url: str) -> None:
    driver = SlackDriver(bolt_url, "wrong-secret", slack)
    assert driver.command(ALICE, "hello", channel_id=SET_CHANNEL).status == 401
    good = SlackDriver(bolt_url, SECRET, slack)
    body = b"command=%2Fals&text=x"
    stale = good.sign(body, timestamp=1_000_000)
    resp = good.send_raw(body, {**stale, "Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status == 401
