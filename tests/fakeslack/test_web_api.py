"""The fake Web API, exercised through slack_sdk's WebClient like the real app does."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.fakeslack import Call, FakeSlack
from tests.fakeslack.conftest import ALICE, BOB, CAROL, SET_CHANNEL


def api_error(call: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as info:
        call(**kwargs)
    return dict(info.value.response.data)  # type: ignore[arg-type]


def raw_post(url: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=5) as resp:
        return json.loads(resp.read())


# ------------------------------------------------------------------- auth
def test_missing_token_is_not_authed(slack: FakeSlack) -> None:
    body = raw_post(slack.api_url + "auth.test", b"", {})
    assert body == {"ok": False, "error": "not_authed"}


def test_wrong_token_is_invalid_auth(slack: FakeSlack) -> None:
    client = WebClient(token="xoxb-wrong", base_url=slack.api_url)
    assert api_error(client.auth_test)["error"] == "invalid_auth"


def test_token_form_field_is_accepted(slack: FakeSlack) -> None:
    body = raw_post(
        slack.api_url + "auth.test",
        f"token={slack.bot_token}".encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert body["ok"] is True
    assert "token" not in slack.calls_to("auth.test")[0].args


def test_unknown_method(slack: FakeSlack, client: WebClient) -> None:
    assert api_error(client.api_call, api_method="pins.add")["error"] == "unknown_method"


def test_auth_test(slack: FakeSlack, client: WebClient) -> None:
    resp = client.auth_test()
    assert resp["user_id"] == slack.bot_user_id
    assert resp["team_id"] == slack.team_id
    assert resp["bot_id"] == slack.bot_id


# ------------------------------------------------------------------ users
def test_users_info(slack: FakeSlack, client: WebClient) -> None:
    user = client.users_info(user=BOB)["user"]
    assert user["id"] == BOB
    assert user["tz"] == "America/New_York"
    assert user["tz_offset"] in (-5 * 3600, -4 * 3600)
    assert user["tz_label"] in ("Eastern Standard Time", "Eastern Daylight Time")
    assert user["is_bot"] is False and user["deleted"] is False
    assert user["profile"]["real_name"] == "bob"
    assert client.users_info(user=ALICE)["user"]["profile"]["real_name"] == "Alice Example"
    assert client.users_info(user=slack.bot_user_id)["user"]["is_bot"] is True


def test_users_info_deleted_and_missing(slack: FakeSlack, client: WebClient) -> None:
    slack.update_user(CAROL, deleted=True)
    assert client.users_info(user=CAROL)["user"]["deleted"] is True
    assert api_error(client.users_info, user="U0NOBODY01")["error"] == "user_not_found"


# ---------------------------------------------------------- conversations
def test_conversations_info(slack: FakeSlack, client: WebClient) -> None:
    info = client.conversations_info(channel=SET_CHANNEL)["channel"]
    assert info["is_member"] is True and info["is_private"] is True
    assert info["is_group"] is True and info["is_channel"] is False and info["is_im"] is False
    slack.add_channel("C0PUBLIC01", "general", is_private=False, bot_is_member=False)
    public = client.conversations_info(channel="C0PUBLIC01")["channel"]
    assert public["is_member"] is False and public["is_channel"] is True


def test_conversations_info_hides_private_channels_without_bot(
    slack: FakeSlack, client: WebClient
) -> None:
    slack.add_channel("C0SECRET01", "secret", members=[ALICE], bot_is_member=False)
    assert api_error(client.conversations_info, channel="C0SECRET01")["error"] == (
        "channel_not_found"
    )
    assert api_error(client.conversations_info, channel="C0NOPE0001")["error"] == (
        "channel_not_found"
    )


def test_conversations_info_im(slack: FakeSlack, client: WebClient) -> None:
    im = client.conversations_open(users=ALICE)["channel"]["id"]
    assert im == slack.im_channel_id(ALICE) == "D0ALICE001"
    info = client.conversations_info(channel=im)["channel"]
    assert info["is_im"] is True and info["user"] == ALICE


def test_conversations_members_pagination(slack: FakeSlack, client: WebClient) -> None:
    slack.add_to_channel(SET_CHANNEL, CAROL)
    first = client.conversations_members(channel=SET_CHANNEL, limit=2)
    assert len(first["members"]) == 2
    cursor = first["response_metadata"]["next_cursor"]
    assert cursor
    second = client.conversations_members(channel=SET_CHANNEL, limit=2, cursor=cursor)
    assert second["response_metadata"]["next_cursor"] == ""
    everyone = first["members"] + second["members"]
    assert sorted(everyone) == sorted([ALICE, BOB, CAROL, slack.bot_user_id])
    assert (
        api_error(client.conversations_members, channel=SET_CHANNEL, cursor="bogus!")["error"]
        == "invalid_cursor"
    )


def test_conversations_members_private_without_bot(slack: FakeSlack, client: WebClient) -> None:
    slack.add_channel("C0SECRET01", "secret", members=[ALICE], bot_is_member=False)
    assert api_error(client.conversations_members, channel="C0SECRET01")["error"] == (
        "channel_not_found"
    )
    slack.add_to_channel("C0SECRET01", slack.bot_user_id)
    assert ALICE in client.conversations_members(channel="C0SECRET01")["members"]
    slack.remove_from_channel("C0SECRET01", slack.bot_user_id)
    assert api_error(client.conversations_members, channel="C0SECRET01")["error"] == (
        "channel_not_found"
    )


def test_conversations_open_errors(client: WebClient) -> None:
    assert api_error(client.conversations_open, users="U0NOBODY01")["error"] == "user_not_found"


# ------------------------------------------------------------ postMessage
def test_post_message_to_channel(slack: FakeSlack, client: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    resp = client.chat_postMessage(channel=SET_CHANNEL, text="hi", blocks=blocks)
    assert resp["channel"] == SET_CHANNEL
    [msg] = slack.messages(SET_CHANNEL)
    assert msg.ts == resp["ts"] and msg.text == "hi" and msg.user == slack.bot_user_id
    assert msg.blocks is not None and msg.blocks[0]["text"]["text"] == "*hi*"
    assert msg.blocks[0]["block_id"]  # Slack fills in block ids
    # blocks passed as a list through WebClient (JSON body) arrive decoded
    call = slack.calls_to("chat.postMessage")[0]
    assert call.args["blocks"][0]["type"] == "section"
    assert resp["message"]["blocks"][0]["block_id"] == msg.blocks[0]["block_id"]


def test_form_encoded_blocks_are_decoded(slack: FakeSlack, client: WebClient) -> None:
    blocks = [{"type": "divider"}]
    client.api_call(
        "chat.postMessage",
        data={"channel": SET_CHANNEL, "text": "x", "blocks": json.dumps(blocks)},
    )
    call = slack.calls_to("chat.postMessage")[0]
    assert call.args["blocks"] == blocks
    assert slack.messages(SET_CHANNEL)[0].blocks[0]["type"] == "divider"  # type: ignore[index]


def test_post_message_to_user_id_goes_to_dm(slack: FakeSlack, client: WebClient) -> None:
    resp = client.chat_postMessage(channel=ALICE, text="hello")
    assert resp["channel"] == "D0ALICE001"
    assert [m.text for m in slack.dm_messages(ALICE)] == ["hello"]
    client.chat_postMessage(channel="D0ALICE001", text="again")
    assert [m.text for m in slack.messages(ALICE)] == ["hello", "again"]


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_post_message_errors(slack: FakeSlack, client: WebClient) -> None:
    slack.add_channel("C0PUBLIC01", "general", is_private=False, bot_is_member=False)
    slack.add_channel("C0SECRET01", "secret", members=[ALICE], bot_is_member=False)
    post = client.chat_postMessage
    assert api_error(post, channel="C0PUBLIC01", text="x")["error"] == "not_in_channel"
    assert api_error(post, channel="C0SECRET01", text="x")["error"] == "channel_not_found"
    assert api_error(post, channel="C0NOPE0001", text="x")["error"] == "channel_not_found"
    assert api_error(post, channel=SET_CHANNEL)["error"] == "no_text"
    slack.archive_channel(SET_CHANNEL)
    assert api_error(post, channel=SET_CHANNEL, text="x")["error"] == "is_archived"


def test_post_message_invalid_blocks(slack: FakeSlack, client: WebClient) -> None:
    bad = [{"type": "header", "text": {"type": "plain_text", "text": "x" * 200}}]
    err = api_error(client.chat_postMessage, channel=SET_CHANNEL, text="x", blocks=bad)
    assert err["error"] == "invalid_blocks"
    assert "must be less than 151 characters [json-pointer:/blocks/0/text/text]" in err["errors"]
    assert err["response_metadata"]["messages"][0].startswith("[ERROR] ")
    assert slack.messages(SET_CHANNEL) == []


def test_post_message_ts_unique_and_threads(slack: FakeSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel=SET_CHANNEL, text="parent")["ts"]
    stamps = [
        client.chat_postMessage(channel=SET_CHANNEL, text=str(i), thread_ts=parent)["ts"]
        for i in range(5)
    ]
    assert len(set(stamps)) == 5 and stamps == sorted(stamps, key=float)
    assert all(float(s) > float(parent) for s in stamps)
    replies = [m for m in slack.messages(SET_CHANNEL) if m.thread_ts == parent]
    assert len(replies) == 5


# ---------------------------------------------------------------- ephemeral
def test_post_ephemeral(slack: FakeSlack, client: WebClient) -> None:
    resp = client.chat_postEphemeral(channel=SET_CHANNEL, user=ALICE, text="psst")
    [eph] = slack.ephemerals(SET_CHANNEL, ALICE)
    assert eph.ts == resp["message_ts"] and eph.text == "psst"
    assert eph.source == "chat.postEphemeral"
    assert slack.ephemerals(user_id=BOB) == []
    assert slack.messages(SET_CHANNEL) == []
    err = api_error(client.chat_postEphemeral, channel=SET_CHANNEL, user=CAROL, text="x")
    assert err["error"] == "user_not_in_channel"


# ------------------------------------------------------------ update/delete
def test_update_message(slack: FakeSlack, client: WebClient) -> None:
    ts = client.chat_postMessage(channel=SET_CHANNEL, text="v1")["ts"]
    blocks = [{"type": "section", "text": {"type": "plain_text", "text": "v2"}}]
    resp = client.chat_update(channel=SET_CHANNEL, ts=ts, text="v2", blocks=blocks)
    assert resp["ts"] == ts and resp["text"] == "v2"
    [msg] = slack.messages(SET_CHANNEL)
    assert msg.text == "v2" and msg.edited and msg.blocks[0]["text"]["text"] == "v2"  # type: ignore[index]
    # text-only update keeps the blocks
    client.chat_update(channel=SET_CHANNEL, ts=ts, text="v3")
    assert slack.message(SET_CHANNEL, ts).blocks is not None  # type: ignore[union-attr]


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_update_errors(slack: FakeSlack, client: WebClient) -> None:
    human = slack.post_user_message(SET_CHANNEL, ALICE, "mine")
    ts = client.chat_postMessage(channel=SET_CHANNEL, text="bot")["ts"]
    upd = client.chat_update
    assert api_error(upd, channel=SET_CHANNEL, ts="1.000001", text="x")["error"] == (
        "message_not_found"
    )
    assert api_error(upd, channel=SET_CHANNEL, ts=human.ts, text="x")["error"] == (
        "cant_update_message"
    )
    bad = [
        {
            "type": "input",
            "label": {"type": "plain_text", "text": "L"},
            "element": {"type": "plain_text_input"},
        }
    ]
    assert api_error(upd, channel=SET_CHANNEL, ts=ts, blocks=bad)["error"] == "invalid_blocks"


def test_delete_message(slack: FakeSlack, client: WebClient) -> None:
    ts = client.chat_postMessage(channel=SET_CHANNEL, text="bye")["ts"]
    keep = client.chat_postMessage(channel=SET_CHANNEL, text="stay")["ts"]
    client.chat_delete(channel=SET_CHANNEL, ts=ts)
    assert [m.ts for m in slack.messages(SET_CHANNEL)] == [keep]
    assert api_error(client.chat_delete, channel=SET_CHANNEL, ts=ts)["error"] == (
        "message_not_found"
    )
    human = slack.post_user_message(SET_CHANNEL, ALICE, "mine")
    assert api_error(client.chat_delete, channel=SET_CHANNEL, ts=human.ts)["error"] == (
        "cant_delete_message"
    )


def test_get_permalink_of_a_message_and_of_a_thread_reply(
    slack: FakeSlack, client: WebClient
) -> None:
    ts = client.chat_postMessage(channel=SET_CHANNEL, text="parent")["ts"]
    reply = client.chat_postMessage(channel=SET_CHANNEL, text="reply", thread_ts=ts)["ts"]
    found = client.chat_getPermalink(channel=SET_CHANNEL, message_ts=ts)
    base = f"https://{slack.team_domain}.slack.com/archives/{SET_CHANNEL}/p"
    assert found["channel"] == SET_CHANNEL and found["permalink"] == base + ts.replace(".", "")
    threaded = client.chat_getPermalink(channel=SET_CHANNEL, message_ts=reply)["permalink"]
    assert threaded == f"{base}{reply.replace('.', '')}?thread_ts={ts}&cid={SET_CHANNEL}"
    assert api_error(client.chat_getPermalink, channel=SET_CHANNEL, message_ts="1.2")["error"] == (
        "message_not_found"
    )
    assert api_error(client.chat_getPermalink, channel="C0NOPE", message_ts=ts)["error"] == (
        "channel_not_found"
    )


# ---------------------------------------------------------------- recording
def test_calls_are_recorded_with_responses(slack: FakeSlack, client: WebClient) -> None:
    client.chat_postMessage(channel=SET_CHANNEL, text="a")
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C0NOPE0001", text="b")
    calls = slack.calls_to("chat.postMessage")
    assert [c.ok for c in calls] == [True, False]
    assert calls[1].error == "channel_not_found"
    assert calls[0].args["text"] == "a" and calls[0].path == "/api/chat.postMessage"
    slack.reset_calls()
    assert slack.calls == []


def test_wait_for_work_done_in_another_thread(slack: FakeSlack, client: WebClient) -> None:
    def later() -> None:
        time.sleep(0.1)
        client.chat_postMessage(channel=SET_CHANNEL, text="first")
        client.chat_postMessage(channel=SET_CHANNEL, text="second")

    threading.Thread(target=later).start()
    calls = slack.wait_for("chat.postMessage", lambda c: c.args.get("text") == "second", timeout=5)
    assert calls[0].response["ok"] is True
    assert len(slack.wait_for("chat.postMessage", count=2)) == 2


def test_wait_for_timeout_lists_calls(slack: FakeSlack, client: WebClient) -> None:
    client.chat_postMessage(channel=SET_CHANNEL, text="something else")
    with pytest.raises(AssertionError) as info:
        slack.wait_for("views.open", timeout=0.2)
    message = str(info.value)
    assert "timed out after 0.2s waiting for 1 call(s) to views.open" in message
    assert "chat.postMessage" in message and "something else" in message


def test_inject_error_and_listener(slack: FakeSlack, client: WebClient) -> None:
    seen: list[Call] = []
    slack.add_listener(seen.append)
    slack.inject_error("chat.postMessage", "ratelimited")
    assert api_error(client.chat_postMessage, channel=SET_CHANNEL, text="x")["error"] == (
        "ratelimited"
    )
    client.chat_postMessage(channel=SET_CHANNEL, text="x")
    assert [c.ok for c in seen] == [False, True]


def test_concurrent_clients_are_thread_safe(slack: FakeSlack) -> None:
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        client = WebClient(token=slack.bot_token, base_url=slack.api_url)
        try:
            for i in range(15):
                client.chat_postMessage(channel=SET_CHANNEL, text=f"{n}-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    waited = slack.wait_for("chat.postMessage", count=120, timeout=20)
    for t in threads:
        t.join()
    assert errors == [] and len(waited) == 120
    stamps = [m.ts for m in slack.messages(SET_CHANNEL)]
    assert len(stamps) == len(set(stamps)) == 120


def test_files_upload_v2_shares_a_file_in_a_dm(slack: FakeSlack, client: WebClient) -> None:
    """slack_sdk's ``files_upload_v2``: getUploadURLExternal, the bytes POSTed to the URL,
    completeUploadExternal with the channel: a message with the file, its bytes kept."""
    dm = client.conversations_open(users=ALICE)["channel"]["id"]
    result = client.files_upload_v2(
        channels=[ALICE],  # a user id: shared in the bot's DM with them
        content=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        filename="session.ics",
        title="Next session",
        initial_comment="Your next session",
    )
    [shared] = result["files"]
    assert shared["title"] == "Next session" and shared["name"] == "session.ics"
    [message] = [m for m in slack.messages(dm) if m.files]
    assert message.text == "Your next session" and message.files[0]["id"] == shared["id"]  # type: ignore[index]
    assert slack.file_content(shared["id"]) == b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    assert [c.method for c in slack.calls][-3:] == [
        "files.getUploadURLExternal",
        "file_upload",
        "files.completeUploadExternal",
    ]


def test_files_complete_upload_refuses_what_was_not_uploaded(
    slack: FakeSlack, client: WebClient
) -> None:
    url = client.files_getUploadURLExternal(filename="a.ics", length=3)
    assert (
        api_error(client.files_completeUploadExternal, files=[{"id": url["file_id"]}])["error"]
        == "file_not_found"
    )
    assert api_error(client.files_getUploadURLExternal, filename="", length=3)["error"] == (
        "invalid_arguments"
    )
