"""SlackDriver: signing and payload shapes, checked against a recording stand-in app."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.fakeslack import FakeSlack, SlackDriver, compute_signature, element_state
from tests.fakeslack.conftest import (
    ALICE,
    BOB,
    SET_CHANNEL,
    SIGNING_SECRET,
    Received,
    RecordingApp,
)

# Exact raw body of Slack's signing example (api.slack.com "Verifying requests from Slack").
GOLDEN_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow"
    b"&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner"
    b"&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands"
    b"%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
GOLDEN_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
GOLDEN_TS = 1531420618
GOLDEN_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def pt(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def opt(value: str) -> dict[str, Any]:
    return {"text": pt(value.upper()), "value": value}


OPTIONS = [opt("a"), opt("b"), opt("c")]


def inp(block_id: str, element: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": pt(block_id),
        "element": {"action_id": "v", **element},
    }


ALL_INPUTS_MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "all_inputs",
    "private_metadata": '{"set": 1}',
    "title": pt("All inputs"),
    "submit": pt("Save"),
    "close": pt("Cancel"),
    "notify_on_close": True,
    "blocks": [
        inp("text", {"type": "plain_text_input", "initial_value": "hello"}),
        inp("email", {"type": "email_text_input"}),
        inp("url", {"type": "url_text_input"}),
        inp("num", {"type": "number_input", "is_decimal_allowed": False, "initial_value": "3"}),
        inp("date", {"type": "datepicker", "initial_date": "2024-05-10"}),
        inp("time", {"type": "timepicker", "initial_time": "13:37", "timezone": "Europe/London"}),
        inp("dt", {"type": "datetimepicker", "initial_date_time": 1666869900}),
        inp("user", {"type": "users_select", "initial_user": ALICE}),
        inp("users", {"type": "multi_users_select", "initial_users": [ALICE, BOB]}),
        inp("sel", {"type": "static_select", "options": OPTIONS, "initial_option": opt("b")}),
        inp(
            "multi",
            {"type": "multi_static_select", "options": OPTIONS, "initial_options": [opt("a")]},
        ),
        inp("radio", {"type": "radio_buttons", "options": OPTIONS}),
        inp("checks", {"type": "checkboxes", "options": OPTIONS}),
        inp(
            "conv",
            {
                "type": "conversations_select",
                "initial_conversation": SET_CHANNEL,
                "response_url_enabled": True,
            },
        ),
        inp("chans", {"type": "multi_channels_select"}),
        {
            "type": "section",
            "block_id": "deadline",
            "text": {"type": "mrkdwn", "text": "When?"},
            "accessory": {"type": "datepicker", "action_id": "pick", "initial_date": "1990-04-28"},
        },
        {
            "type": "actions",
            "block_id": "acts",
            "elements": [
                {"type": "button", "action_id": "help", "text": pt("Help"), "value": "h"},
                {"type": "static_select", "action_id": "filter", "options": OPTIONS},
            ],
        },
    ],
}


@pytest.fixture
def driver(slack: FakeSlack, app: RecordingApp) -> SlackDriver:
    return SlackDriver(app.url, SIGNING_SECRET, slack)


def open_modal(slack: FakeSlack, client: WebClient, view: dict[str, Any], user: str = ALICE) -> str:
    return str(client.views_open(trigger_id=slack.new_trigger_id(user), view=view)["view"]["id"])


def last(app: RecordingApp) -> Received:
    received = app.received[-1]
    assert received.signature_ok, received.headers
    return received


# ---------------------------------------------------------------- signing
def test_golden_signature_vector() -> None:
    assert compute_signature(GOLDEN_SECRET, GOLDEN_TS, GOLDEN_BODY) == GOLDEN_SIGNATURE


def test_driver_sign_uses_the_secret(slack: FakeSlack) -> None:
    driver = SlackDriver("http://127.0.0.1:9/slack/events", GOLDEN_SECRET, slack)
    assert driver.sign(GOLDEN_BODY, GOLDEN_TS) == {
        "X-Slack-Request-Timestamp": str(GOLDEN_TS),
        "X-Slack-Signature": GOLDEN_SIGNATURE,
    }


def test_send_raw_allows_forged_and_stale_requests(driver: SlackDriver, app: RecordingApp) -> None:
    body = b"token=x&command=%2Fals"
    stale = driver.sign(body, timestamp=1_000_000)
    driver.send_raw(body, {**stale, "Content-Type": "application/x-www-form-urlencoded"})
    assert app.received[-1].headers["X-Slack-Request-Timestamp"] == "1000000"
    assert app.received[-1].signature_ok  # correctly signed, just old
    forged = {**stale, "X-Slack-Signature": "v0=" + "0" * 64}
    driver.send_raw(body, forged)
    assert not app.received[-1].signature_ok


def test_response_object(driver: SlackDriver, app: RecordingApp) -> None:
    app.reply = lambda r: (401, '{"error": "nope"}')
    resp = driver.command(ALICE, "x", channel_id=SET_CHANNEL)
    assert resp.status == 401 and resp.json() == {"error": "nope"}
    app.reply = lambda r: (200, "")
    assert driver.command(ALICE, channel_id=SET_CHANNEL).json() == {}


# ---------------------------------------------------------------- command
def test_slash_command(
    driver: SlackDriver, app: RecordingApp, slack: FakeSlack, client: WebClient
) -> None:
    driver.command(ALICE, "schedule next week", channel_id=SET_CHANNEL)
    received = last(app)
    assert received.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = received.form
    assert list(form) == [
        "token",
        "team_id",
        "team_domain",
        "channel_id",
        "channel_name",
        "user_id",
        "user_name",
        "command",
        "text",
        "api_app_id",
        "is_enterprise_install",
        "response_url",
        "trigger_id",
    ]
    assert form["command"] == "/als" and form["text"] == "schedule next week"
    assert form["channel_name"] == "als-set-1" and form["user_name"] == "alice"
    assert form["team_id"] == slack.team_id and form["api_app_id"] == slack.app_id
    assert b"command=%2Fals" in received.body and b"text=schedule+next+week" in received.body
    # the issued trigger and response URL really work
    client.views_open(
        trigger_id=form["trigger_id"],
        view={"type": "modal", "title": pt("Hi"), "blocks": [{"type": "divider"}]},
    )
    assert slack.open_views(ALICE)
    WebhookClient(form["response_url"]).send(text="ack")
    assert [e.text for e in slack.ephemerals(SET_CHANNEL, ALICE)] == ["ack"]


def test_slash_command_in_dm(driver: SlackDriver, app: RecordingApp) -> None:
    driver.command(ALICE, "help")
    form = last(app).form
    assert form["channel_id"] == "D0ALICE001" and form["channel_name"] == "directmessage"


# ---------------------------------------------------------------- clicks
def post_buttons(client: WebClient, channel: str = SET_CHANNEL) -> str:
    blocks = [
        {"type": "section", "block_id": "intro", "text": {"type": "mrkdwn", "text": "Vote"}},
        {
            "type": "actions",
            "block_id": "vote",
            "elements": [
                {
                    "type": "button",
                    "action_id": "yes",
                    "text": pt("Yes"),
                    "value": "meeting:7",
                    "style": "primary",
                },
                {"type": "static_select", "action_id": "choose", "options": OPTIONS},
            ],
        },
    ]
    return str(client.chat_postMessage(channel=channel, text="Vote", blocks=blocks)["ts"])


def test_click_button_in_message(
    driver: SlackDriver, app: RecordingApp, slack: FakeSlack, client: WebClient
) -> None:
    ts = post_buttons(client)
    driver.click(ALICE, "yes", channel_id=SET_CHANNEL, message_ts=ts)
    payload = last(app).payload
    assert payload["type"] == "block_actions"
    assert payload["user"] == {
        "id": ALICE,
        "username": "alice",
        "name": "alice",
        "team_id": slack.team_id,
    }
    assert payload["container"] == {
        "type": "message",
        "message_ts": ts,
        "channel_id": SET_CHANNEL,
        "is_ephemeral": False,
    }
    assert payload["channel"] == {"id": SET_CHANNEL, "name": "als-set-1"}
    assert payload["message"]["ts"] == ts and payload["message"]["bot_id"] == slack.bot_id
    assert payload["team"] == {"id": slack.team_id, "domain": slack.team_domain}
    assert payload["state"] == {
        "values": {"vote": {"choose": {"type": "static_select", "selected_option": None}}}
    }
    [action] = payload["actions"]
    assert action["action_id"] == "yes" and action["block_id"] == "vote"
    assert action["value"] == "meeting:7" and action["type"] == "button"
    assert action["style"] == "primary" and action["text"] == pt("Yes")
    assert float(action["action_ts"]) > 0
    # response_url replaces the clicked message
    WebhookClient(payload["response_url"]).send(text="Thanks", replace_original=True)
    assert slack.message(SET_CHANNEL, ts).text == "Thanks"  # type: ignore[union-attr]


def test_click_forged_value_and_newest_message(
    driver: SlackDriver, app: RecordingApp, client: WebClient
) -> None:
    post_buttons(client)
    newest = post_buttons(client)
    driver.click(BOB, "yes", channel_id=SET_CHANNEL, value="meeting:999")
    payload = last(app).payload
    assert payload["actions"][0]["value"] == "meeting:999"
    assert payload["container"]["message_ts"] == newest


def test_click_select_in_message(driver: SlackDriver, app: RecordingApp, client: WebClient) -> None:
    ts = post_buttons(client)
    driver.click(ALICE, "choose", channel_id=SET_CHANNEL, message_ts=ts, selected="c")
    payload = last(app).payload
    [action] = payload["actions"]
    assert action["type"] == "static_select" and action["selected_option"] == opt("c")
    assert payload["state"]["values"]["vote"]["choose"]["selected_option"] == opt("c")
    with pytest.raises(ValueError, match="no option"):
        driver.click(ALICE, "choose", channel_id=SET_CHANNEL, message_ts=ts, selected="zzz")


def test_a_choice_in_a_message_is_sent_with_that_users_next_click(
    driver: SlackDriver, app: RecordingApp, client: WebClient
) -> None:
    """As in Slack's client: what a user picked in a message stays picked, and every later
    click of theirs in it carries it in ``state``; another user's clicks do not."""
    ts = post_buttons(client)
    driver.click(ALICE, "choose", channel_id=SET_CHANNEL, message_ts=ts, selected="b")
    driver.click(ALICE, "yes", channel_id=SET_CHANNEL, message_ts=ts)
    assert last(app).payload["state"]["values"]["vote"]["choose"]["selected_option"] == opt("b")
    driver.click(BOB, "yes", channel_id=SET_CHANNEL, message_ts=ts)
    assert last(app).payload["state"]["values"]["vote"]["choose"]["selected_option"] is None


def test_click_ephemeral(
    driver: SlackDriver, app: RecordingApp, client: WebClient, slack: FakeSlack
) -> None:
    blocks = [
        {
            "type": "actions",
            "elements": [
                {"type": "button", "action_id": "confirm", "text": pt("OK"), "value": "1"}
            ],
        }
    ]
    ts = client.chat_postEphemeral(channel=SET_CHANNEL, user=ALICE, text="Sure?", blocks=blocks)[
        "message_ts"
    ]
    driver.click(ALICE, "confirm", channel_id=SET_CHANNEL, message_ts=ts)
    payload = last(app).payload
    assert payload["container"]["is_ephemeral"] is True
    assert "message" not in payload
    assert payload["actions"][0]["block_id"]  # generated by the fake, like Slack
    with pytest.raises(LookupError, match="visible to"):
        driver.click(BOB, "confirm", channel_id=SET_CHANNEL, message_ts=ts)
    WebhookClient(payload["response_url"]).send(delete_original=True)
    assert slack.ephemerals(SET_CHANNEL, ALICE) == []


def test_click_in_home_tab(
    driver: SlackDriver, app: RecordingApp, client: WebClient, slack: FakeSlack
) -> None:
    client.views_publish(
        user_id=ALICE,
        view={
            "type": "home",
            "blocks": [
                {
                    "type": "actions",
                    "block_id": "h",
                    "elements": [{"type": "button", "action_id": "new_set", "text": pt("New set")}],
                }
            ],
        },
    )
    driver.click(ALICE, "new_set")
    payload = last(app).payload
    home = slack.home_view(ALICE)
    assert home is not None
    assert payload["container"] == {"type": "view", "view_id": home["id"]}
    assert payload["view"]["type"] == "home" and "response_url" not in payload
    assert "value" not in payload["actions"][0]
    # the click's trigger opens a modal
    client.views_open(
        trigger_id=payload["trigger_id"],
        view={"type": "modal", "title": pt("New"), "blocks": [{"type": "divider"}]},
    )


def test_click_select_in_modal_is_remembered(
    driver: SlackDriver, app: RecordingApp, slack: FakeSlack, client: WebClient
) -> None:
    view_id = open_modal(slack, client, ALL_INPUTS_MODAL)
    driver.click(ALICE, "filter")  # top modal by default
    payload = last(app).payload
    assert payload["container"] == {"type": "view", "view_id": view_id}
    driver.click(ALICE, "filter", view_id=view_id, selected="a")
    payload = last(app).payload
    assert payload["view"]["state"]["values"]["acts"]["filter"]["selected_option"] == opt("a")
    driver.submit_view(ALICE)
    submitted = last(app).payload["view"]["state"]["values"]
    assert submitted["acts"]["filter"]["selected_option"] == opt("a")


# ------------------------------------------------------------ submissions
def test_submit_view_state_from_initial_values(
    driver: SlackDriver, app: RecordingApp, slack: FakeSlack, client: WebClient
) -> None:
    view_id = open_modal(slack, client, ALL_INPUTS_MODAL)
    resp = driver.submit_view(ALICE)
    assert resp.status == 200 and resp.json() == {} and resp.view_errors == []
    payload = last(app).payload
    assert payload["type"] == "view_submission"
    view = payload["view"]
    assert view["id"] == view_id and view["callback_id"] == "all_inputs"
    assert view["private_metadata"] == '{"set": 1}' and view["hash"]
    values = view["state"]["values"]
    assert values == {
        "text": {"v": {"type": "plain_text_input", "value": "hello"}},
        "email": {"v": {"type": "email_text_input", "value": None}},
        "url": {"v": {"type": "url_text_input", "value": None}},
        "num": {"v": {"type": "number_input", "value": "3"}},
        "date": {"v": {"type": "datepicker", "selected_date": "2024-05-10"}},
        "time": {
            "v": {"type": "timepicker", "selected_time": "13:37", "timezone": "Europe/London"}
        },
        "dt": {"v": {"type": "datetimepicker", "selected_date_time": 1666869900}},
        "user": {"v": {"type": "users_select", "selected_user": ALICE}},
        "users": {"v": {"type": "multi_users_select", "selected_users": [ALICE, BOB]}},
        "sel": {"v": {"type": "static_select", "selected_option": opt("b")}},
        "multi": {"v": {"type": "multi_static_select", "selected_options": [opt("a")]}},
        "radio": {"v": {"type": "radio_buttons", "selected_option": None}},
        "checks": {"v": {"type": "checkboxes", "selected_options": []}},
        "conv": {
            "v": {
                "type": "conversations_select",
                "selected_conversation": SET_CHANNEL,
                "response_url_enabled": True,
            }
        },
        "chans": {"v": {"type": "multi_channels_select", "selected_channels": []}},
        "deadline": {"pick": {"type": "datepicker", "selected_date": "1990-04-28"}},
        "acts": {"filter": {"type": "static_select", "selected_option": None}},
    }
    [ru] = payload["response_urls"]
    assert ru["block_id"] == "conv" and ru["channel_id"] == SET_CHANNEL
    assert ru["response_url"].startswith(slack.base_url)
    assert payload["user"]["id"] == ALICE and payload["trigger_id"]
    assert slack.open_views(ALICE) == []  # empty 200 closes the modal


def test_submit_view_overrides(
    driver: SlackDriver, app: RecordingApp, slack: FakeSlack, client: WebClient
) -> None:
    open_modal(slack, client, ALL_INPUTS_MODAL)
    driver.submit_view(
        ALICE,
        values={
            "text": {"v": "typed"},
            "email": {"v": "a@example.com"},
            "num": {"v": 42},
            "date": {"v": dt.date(2025, 1, 31)},
            "time": {"v": dt.time(9, 5)},
            "dt": {"v": dt.datetime(2022, 10, 27, 11, 25, tzinfo=dt.UTC)},
            "user": {"v": BOB},
            "users": {"v": [BOB]},
            "sel": {"v": "c"},
            "multi": {"v": ["a", "c"]},
            "radio": {"v": "a"},
            "checks": {"v": ["b"]},
            "conv": {"v": None},
            "chans": {"v": ["C1", "C2"]},
        },
    )
    values = last(app).payload["view"]["state"]["values"]
    assert values["text"]["v"] == {"type": "plain_text_input", "value": "typed"}
    assert values["email"]["v"]["value"] == "a@example.com"
    assert values["num"]["v"] == {"type": "number_input", "value": "42"}
    assert values["date"]["v"]["selected_date"] == "2025-01-31"
    assert values["time"]["v"]["selected_time"] == "09:05"
    assert values["dt"]["v"]["selected_date_time"] == 1666869900
    assert values["user"]["v"]["selected_user"] == BOB
    assert values["users"]["v"]["selected_users"] == [BOB]
    assert values["sel"]["v"]["selected_option"] == opt("c")
    assert values["multi"]["v"]["selected_options"] == [opt("a"), opt("c")]
    assert values["radio"]["v"]["selected_option"] == opt("a")
    assert values["checks"]["v"]["selected_options"] == [opt("b")]
    assert values["conv"]["v"]["selected_conversation"] is None
    assert values["chans"]["v"]["selected_channels"] == ["C1", "C2"]
    assert last(app).payload["response_urls"] == []


def test_submit_view_unknown_override_is_an_error(
    driver: SlackDriver, slack: FakeSlack, client: WebClient
) -> None:
    open_modal(slack, client, ALL_INPUTS_MODAL)
    with pytest.raises(KeyError, match="no stateful element"):
        driver.submit_view(ALICE, values={"nope": {"v": "x"}})


def test_submit_view_errors_keep_modal_open(
    driver: SlackDriver, app: RecordingApp, slack: FakeSlack, client: WebClient
) -> None:
    view_id = open_modal(slack, client, ALL_INPUTS_MODAL)
    app.reply = lambda r: (
        200,
        json.dumps({"response_action": "errors", "errors": {"email": "Required"}}),
    )
    resp = driver.submit_view(ALICE, values={"text": {"v": "draft"}})
    assert resp.json()["errors"] == {"email": "Required"} and resp.view_errors == []
    assert [v["id"] for v in slack.open_views(ALICE)] == [view_id]
    # what the user typed survives for the next submission
    app.reply = lambda r: (200, "")
    driver.submit_view(ALICE)
    assert last(app).payload["view"]["state"]["values"]["text"]["v"]["value"] == "draft"
    assert slack.open_views(ALICE) == []


def test_submit_view_update_push_clear(
    driver: SlackDriver, app: RecordingApp, slack: FakeSlack, client: WebClient
) -> None:
    view_id = open_modal(slack, client, ALL_INPUTS_MODAL)
    simple = {
        "type": "modal",
        "title": pt("Next"),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Done"}}],
    }
    app.reply = lambda r: (200, json.dumps({"response_action": "update", "view": simple}))
    driver.submit_view(ALICE)
    [updated] = slack.open_views(ALICE)
    assert updated["id"] == view_id and updated["title"]["text"] == "Next"
    app.reply = lambda r: (200, json.dumps({"response_action": "push", "view": simple}))
    driver.submit_view(ALICE)
    assert len(slack.open_views(ALICE)) == 2
    app.reply = lambda r: (200, json.dumps({"response_action": "clear"}))
    driver.submit_view(ALICE)
    assert slack.open_views(ALICE) == []


def test_submit_view_invalid_response_view(
    driver: SlackDriver, app: RecordingApp, slack: FakeSlack, client: WebClient
) -> None:
    open_modal(slack, client, ALL_INPUTS_MODAL)
    bad = {"type": "modal", "title": pt("x" * 30), "blocks": [{"type": "divider"}]}
    app.reply = lambda r: (200, json.dumps({"response_action": "update", "view": bad}))
    resp = driver.submit_view(ALICE)
    assert any("/view/title/text" in e for e in resp.view_errors)
    assert slack.open_views(ALICE)[0]["title"]["text"] == "All inputs"


def test_submit_view_app_error_keeps_modal(
    driver: SlackDriver, app: RecordingApp, slack: FakeSlack, client: WebClient
) -> None:
    open_modal(slack, client, ALL_INPUTS_MODAL)
    app.reply = lambda r: (500, "")
    resp = driver.submit_view(ALICE)
    assert resp.status == 500 and resp.view_errors
    assert len(slack.open_views(ALICE)) == 1


def test_close_view(
    driver: SlackDriver, app: RecordingApp, slack: FakeSlack, client: WebClient
) -> None:
    view_id = open_modal(slack, client, ALL_INPUTS_MODAL)
    resp = driver.close_view(ALICE)
    assert resp is not None and resp.status == 200
    payload = last(app).payload
    assert payload["type"] == "view_closed" and payload["view"]["id"] == view_id
    assert payload["is_cleared"] is False
    assert slack.open_views(ALICE) == []
    quiet = {"type": "modal", "title": pt("Quiet"), "blocks": [{"type": "divider"}]}
    open_modal(slack, client, quiet)
    count = len(app.received)
    assert driver.close_view(ALICE, clear=True) is None  # notify_on_close not set
    assert len(app.received) == count and slack.open_views(ALICE) == []


# ----------------------------------------------------------------- events
def test_event_envelope(driver: SlackDriver, app: RecordingApp, slack: FakeSlack) -> None:
    driver.event({"type": "team_join", "user": {"id": BOB}}, event_id="Ev0001")
    received = last(app)
    assert received.headers["Content-Type"] == "application/json"
    body = received.json
    assert body["type"] == "event_callback" and body["event_id"] == "Ev0001"
    assert body["team_id"] == slack.team_id and body["api_app_id"] == slack.app_id
    assert body["authorizations"] == [
        {
            "enterprise_id": None,
            "team_id": slack.team_id,
            "user_id": slack.bot_user_id,
            "is_bot": True,
            "is_enterprise_install": False,
        }
    ]
    assert body["event"]["type"] == "team_join" and body["event"]["event_ts"]
    assert isinstance(body["event_time"], int)


def test_app_home_opened(
    driver: SlackDriver, app: RecordingApp, slack: FakeSlack, client: WebClient
) -> None:
    driver.app_home_opened(ALICE)
    event = last(app).json["event"]
    assert event["type"] == "app_home_opened" and event["user"] == ALICE
    assert event["channel"] == "D0ALICE001" and event["tab"] == "home"
    assert "view" not in event
    client.views_publish(user_id=ALICE, view={"type": "home", "blocks": [{"type": "divider"}]})
    driver.app_home_opened(ALICE)
    assert last(app).json["event"]["view"]["type"] == "home"
    ids = [r.json["event_id"] for r in app.received]
    assert len(set(ids)) == 2


def test_user_message_and_member_joined(
    driver: SlackDriver, app: RecordingApp, slack: FakeSlack
) -> None:
    driver.user_message(ALICE, SET_CHANNEL, "hello bot")
    event = last(app).json["event"]
    assert event["type"] == "message" and event["channel_type"] == "group"
    assert slack.messages(SET_CHANNEL)[0].user == ALICE
    driver.member_joined_channel("U0CAROL001", SET_CHANNEL, inviter=ALICE)
    event = last(app).json["event"]
    assert event["type"] == "member_joined_channel" and event["channel_type"] == "G"
    channel = slack.channel(SET_CHANNEL)
    assert channel is not None and "U0CAROL001" in channel.members


def test_element_state_shapes() -> None:
    assert element_state({"type": "url_text_input"}) == {"type": "url_text_input", "value": None}
    assert element_state({"type": "timepicker"}, "03:00") == {
        "type": "timepicker",
        "selected_time": "03:00",
    }
    with pytest.raises(ValueError):
        element_state({"type": "button"})
