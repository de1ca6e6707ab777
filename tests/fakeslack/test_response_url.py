"""Response URLs issued by the fake: recording, effects, validation and limits."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.fakeslack import FakeSlack
from tests.fakeslack.conftest import ALICE, SET_CHANNEL, FakeClock


def post(url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    req = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_default_response_is_ephemeral_and_recorded(slack: FakeSlack) -> None:
    url = slack.new_response_url(channel_id=SET_CHANNEL, user_id=ALICE)
    assert url.startswith(slack.base_url + "/response/")
    resp = WebhookClient(url).send(text="only you")  # what Bolt's respond() uses
    assert resp.status_code == 200
    [eph] = slack.ephemerals(SET_CHANNEL, ALICE)
    assert eph.text == "only you" and eph.source == "response_url"
    [posted] = slack.response_url_posts()
    assert posted.url == url and posted.body["text"] == "only you" and posted.accepted
    assert slack.calls_to("response_url")[0].args["text"] == "only you"


def test_in_channel_response_posts_a_message(slack: FakeSlack) -> None:
    url = slack.new_response_url(channel_id=SET_CHANNEL, user_id=ALICE)
    assert post(url, {"response_type": "in_channel", "text": "everyone"})[0] == 200
    assert [m.text for m in slack.messages(SET_CHANNEL)] == ["everyone"]


def test_replace_and_delete_original(slack: FakeSlack, client: WebClient) -> None:
    ts = client.chat_postMessage(channel=SET_CHANNEL, text="original")["ts"]
    url = slack.new_response_url(channel_id=SET_CHANNEL, user_id=ALICE, message_ts=ts)
    post(url, {"replace_original": True, "text": "replaced"})
    assert slack.message(SET_CHANNEL, ts).text == "replaced"  # type: ignore[union-attr]
    post(url, {"delete_original": True})
    assert slack.message(SET_CHANNEL, ts) is None


def test_replace_original_ephemeral(slack: FakeSlack, client: WebClient) -> None:
    ts = client.chat_postEphemeral(channel=SET_CHANNEL, user=ALICE, text="e1")["message_ts"]
    url = slack.new_response_url(
        channel_id=SET_CHANNEL, user_id=ALICE, message_ts=ts, is_ephemeral=True
    )
    post(url, {"replace_original": True, "text": "e2"})
    assert [e.text for e in slack.ephemerals(SET_CHANNEL, ALICE)] == ["e2"]


def test_invalid_blocks_are_rejected(slack: FakeSlack) -> None:
    url = slack.new_response_url(channel_id=SET_CHANNEL, user_id=ALICE)
    status, body = post(url, {"text": "x", "blocks": [{"type": "nope"}]})
    assert status == 400 and body["error"] == "invalid_blocks"
    assert slack.ephemerals() == []
    assert slack.response_url_posts()[0].accepted is False


def test_five_uses(slack: FakeSlack) -> None:
    url = slack.new_response_url(channel_id=SET_CHANNEL, user_id=ALICE)
    for i in range(5):
        assert post(url, {"text": str(i)})[0] == 200
    assert post(url, {"text": "6th"}) == (404, {"ok": False, "error": "used_url"})


def test_expires_after_thirty_minutes(slack: FakeSlack, clock: FakeClock) -> None:
    url = slack.new_response_url(channel_id=SET_CHANNEL, user_id=ALICE)
    clock.advance(30 * 60 + 1)
    assert post(url, {"text": "late"}) == (404, {"ok": False, "error": "expired_url"})
