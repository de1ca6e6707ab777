"""Fault injection in the fake: HTTP errors, held/dropped requests, rate limits, auth errors.

Everything goes through a real ``slack_sdk.WebClient`` (built without retry
handlers unless a test says otherwise) or raw ``urllib``, like the app does.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import ConnectionErrorRetryHandler, FixedValueRetryIntervalCalculator

from bot.fakeslack import Call, FakeSlack
from tests.fakeslack.conftest import ALICE, BOB, CAROL, SET_CHANNEL, FakeClock


def plain_client(slack: FakeSlack, *, timeout: float = 5) -> WebClient:
    """A WebClient that reports every failure (no retry handlers)."""
    return WebClient(
        token=slack.bot_token,
        base_url=slack.api_url,
        retry_handlers=[],
        timeout=timeout,  # type: ignore[arg-type]  # urllib accepts float seconds
    )


def slack_error(call: Callable[..., Any], **kwargs: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as info:
        call(**kwargs)
    return info.value


class Background:
    """Run ``fn`` on a thread and keep its result or exception."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = threading.Event()
        self._fn = fn
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.result = self._fn()
        except BaseException as exc:  # reported to the test through .error
            self.error = exc
        finally:
            self.done.set()

    def join(self, timeout: float = 5.0) -> Background:
        self._thread.join(timeout)
        assert self.done.is_set(), "background call did not finish"
        return self


def raw_api_post(slack: FakeSlack, method: str, args: dict[str, Any]) -> dict[str, Any]:
    req = urllib.request.Request(
        slack.api_url + method,
        data=json.dumps(args).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {slack.bot_token}",
        },
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        return json.loads(resp.read())


# ------------------------------------------------------------- inject_http
def test_inject_http_429_with_retry_after(slack: FakeSlack) -> None:
    client = plain_client(slack)
    slack.inject_http("chat.postMessage", 429, retry_after=7)
    err = slack_error(client.chat_postMessage, channel=SET_CHANNEL, text="hi")
    assert err.response.status_code == 429
    assert err.response.headers["Retry-After"] == "7"
    assert err.response["error"] == "ratelimited"
    assert slack.messages(SET_CHANNEL) == []
    [call] = slack.calls_to("chat.postMessage")
    assert call.status == 429 and call.error == "ratelimited" and call.args["text"] == "hi"
    # count=1: the next call is processed normally
    client.chat_postMessage(channel=SET_CHANNEL, text="again")
    assert [m.text for m in slack.messages(SET_CHANNEL)] == ["again"]
    assert slack.rate_limited_count() == 0  # injected 429s are not the limiter's


def test_injected_answers_and_holds_can_pick_their_calls(slack: FakeSlack) -> None:
    """``when`` matches a call's arguments: other calls pass, and keep the injection waiting."""
    client = plain_client(slack)
    to_bob = {"when": lambda args: args.get("channel") == BOB}
    slack.inject_http("chat.postMessage", 500, **to_bob)
    slack.inject_error("chat.postMessage", "user_not_found", **to_bob)
    client.chat_postMessage(channel=SET_CHANNEL, text="to the channel")  # passes
    assert slack_error(client.chat_postMessage, channel=BOB, text="1").response.status_code == 500
    assert slack_error(client.chat_postMessage, channel=BOB, text="2").response["error"] == (
        "user_not_found"
    )
    client.chat_postMessage(channel=BOB, text="3")  # both used up
    assert [m.text for m in slack.dm_messages(BOB)] == ["3"]

    hold = slack.hold("chat.postMessage", **to_bob)
    client.chat_postMessage(channel=SET_CHANNEL, text="not held")
    assert hold.arrived == []
    sender = threading.Thread(target=lambda: client.chat_postMessage(channel=BOB, text="held"))
    sender.start()
    assert hold.wait_arrived()[0]["channel"] == BOB
    assert [m.text for m in slack.dm_messages(BOB)] == ["3"]
    hold.release()
    sender.join(5)
    assert [m.text for m in slack.dm_messages(BOB)] == ["3", "held"]
    assert [m.text for m in slack.messages(SET_CHANNEL)] == ["to the channel", "not held"]


def test_inject_http_5xx_json_and_text_bodies(slack: FakeSlack) -> None:
    client = plain_client(slack)
    slack.inject_http("chat.postMessage", 500, count=2)
    for _ in range(2):
        err = slack_error(client.chat_postMessage, channel=SET_CHANNEL, text="x")
        assert err.response.status_code == 500
        assert err.response["error"] == "internal_error"
        assert "Retry-After" not in err.response.headers
    slack.inject_http("chat.postMessage", 503, retry_after=30, body="Service Unavailable")
    err = slack_error(client.chat_postMessage, channel=SET_CHANNEL, text="x")
    assert err.response.status_code == 503
    assert err.response.headers["Retry-After"] == "30"
    assert "Service Unavailable" in err.response["error"]  # slack_sdk: non-JSON body
    assert slack.calls_to("chat.postMessage")[-1].response == {
        "ok": False,
        "raw_body": "Service Unavailable",
    }
    slack.inject_http("users.info", 503)
    err = slack_error(client.users_info, user=ALICE)
    assert (err.response.status_code, err.response["error"]) == (503, "service_unavailable")
    assert [c.status for c in slack.calls] == [500, 500, 503, 503]
    assert slack.messages(SET_CHANNEL) == []
    assert client.chat_postMessage(channel=SET_CHANNEL, text="ok")["ok"] is True


def test_inject_http_comes_before_authentication(slack: FakeSlack) -> None:
    slack.set_auth_error("token_revoked")
    slack.inject_http("auth.test", 502)
    client = plain_client(slack)
    assert slack_error(client.auth_test).response.status_code == 502
    err = slack_error(client.auth_test)
    assert (err.response.status_code, err.response["error"]) == (200, "token_revoked")


def test_inject_http_on_response_url(slack: FakeSlack) -> None:
    url = slack.new_response_url(channel_id=SET_CHANNEL, user_id=ALICE)
    slack.inject_http("response_url", 500)
    req = urllib.request.Request(
        url,
        data=json.dumps({"text": "hi"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=5)
    assert info.value.code == 500
    assert slack.ephemerals() == []
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert json.loads(resp.read()) == {"ok": True}
    assert [p.accepted for p in slack.response_url_posts()] == [False, True]


# -------------------------------------------------------------------- hold
def test_held_post_creates_its_message_only_when_released(slack: FakeSlack) -> None:
    client = plain_client(slack)
    hold = slack.hold("chat.postMessage")
    post = Background(lambda: client.chat_postMessage(channel=ALICE, text="reminder"))
    [args] = hold.wait_arrived()
    assert args["channel"] == ALICE and args["text"] == "reminder"
    assert hold.pending == 1 and hold.decision is None
    # Nothing happened yet, and other requests are served meanwhile.
    assert client.auth_test()["ok"] is True
    client.chat_postMessage(channel=SET_CHANNEL, text="other")
    assert slack.dm_messages(ALICE) == []
    assert not post.done.is_set()
    assert [c.args["channel"] for c in slack.calls_to("chat.postMessage")] == [SET_CHANNEL]

    hold.release()
    [msg] = slack.dm_messages(ALICE)  # processed by the time release() returns
    assert post.join().error is None
    assert post.result["ts"] == msg.ts and msg.text == "reminder"
    assert hold.pending == 0 and hold.decision == "release"
    assert slack.calls_to("chat.postMessage")[-1].ok


def test_held_post_released_after_client_timeout_still_creates_message(
    slack: FakeSlack,
) -> None:
    """The ambiguous case: the client saw a timeout, but Slack did post."""
    client = plain_client(slack, timeout=0.5)
    hold = slack.hold("chat.postMessage")
    started = time.monotonic()
    post = Background(lambda: client.chat_postMessage(channel=ALICE, text="maybe"))
    hold.wait_arrived()
    post.join(timeout=3)
    assert isinstance(post.error, TimeoutError)
    assert time.monotonic() - started >= 0.45
    assert slack.dm_messages(ALICE) == []

    hold.release()  # answered after the client gave up
    assert [m.text for m in slack.dm_messages(ALICE)] == ["maybe"]
    [call] = slack.calls_to("chat.postMessage")
    assert call.ok and call.status == 200
    assert plain_client(slack).auth_test()["ok"] is True  # the fake is unharmed


def test_dropped_call_is_a_connection_error_and_creates_nothing(slack: FakeSlack) -> None:
    seen_after: list[Call] = []
    slack.after_response(seen_after.append)
    hold = slack.hold("chat.postMessage")
    dropper = Background(lambda: (hold.wait_arrived(), hold.drop()))
    with pytest.raises(http.client.RemoteDisconnected):
        raw_api_post(slack, "chat.postMessage", {"channel": ALICE, "text": "lost"})
    dropper.join()
    assert slack.dm_messages(ALICE) == []
    [call] = slack.calls_to("chat.postMessage")
    assert call.status == 0 and not call.answered and call.response == {}
    assert seen_after == []  # nothing was answered

    # The same through WebClient (no retry handlers): a connection error, not an API error.
    hold = slack.hold("chat.postMessage")
    post = Background(lambda: plain_client(slack).chat_postMessage(channel=ALICE, text="x"))
    hold.wait_arrived()
    hold.drop()
    assert isinstance(post.join().error, ConnectionError)
    assert slack.dm_messages(ALICE) == []


def test_default_webclient_retries_a_dropped_call(slack: FakeSlack) -> None:
    """WebClient's default ConnectionErrorRetryHandler re-sends a dropped call once."""
    default = WebClient(token=slack.bot_token, base_url=slack.api_url)
    assert [type(h) for h in default.retry_handlers] == [ConnectionErrorRetryHandler]
    client = WebClient(
        token=slack.bot_token,
        base_url=slack.api_url,
        retry_handlers=[
            ConnectionErrorRetryHandler(interval_calculator=FixedValueRetryIntervalCalculator(0))
        ],
    )
    hold = slack.hold("chat.postMessage")
    hold.drop()  # decided before arrival: the next call is dropped at once
    assert client.chat_postMessage(channel=ALICE, text="once")["ok"] is True
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [0, 200]
    assert [m.text for m in slack.dm_messages(ALICE)] == ["once"]


def test_hold_count_and_decisions(slack: FakeSlack) -> None:
    client = plain_client(slack)
    hold = slack.hold("chat.postMessage", count=2)
    first = Background(lambda: client.chat_postMessage(channel=ALICE, text="1"))
    second = Background(lambda: client.chat_postMessage(channel=BOB, text="2"))
    assert len(hold.wait_arrived(2)) == 2
    assert hold.pending == 2
    hold.release()
    assert first.join().error is None and second.join().error is None
    # The hold caught its two calls; later calls pass straight through.
    client.chat_postMessage(channel=CAROL, text="3")
    assert len(hold.arrived) == 2
    with pytest.raises(RuntimeError):
        hold.drop()
    hold.release()  # repeating the same decision is harmless
    # A hold released before anything arrives lets the call through without waiting.
    early = slack.hold("auth.test")
    early.release()
    assert client.auth_test()["ok"] is True
    assert len(early.arrived) == 1
    with pytest.raises(AssertionError, match="held call"):
        slack.hold("users.info").wait_arrived(timeout=0.05)


def test_held_request_does_not_block_stop() -> None:
    fake = FakeSlack()
    fake.add_user(ALICE, "alice")
    fake.start()
    try:
        client = plain_client(fake)
        hold = fake.hold("chat.postMessage")
        post = Background(lambda: client.chat_postMessage(channel=ALICE, text="x"))
        hold.wait_arrived()
        assert client.users_info(user=ALICE)["ok"] is True  # not blocked by the hold
    finally:
        started = time.monotonic()
        fake.stop()
    assert time.monotonic() - started < 1.0
    assert isinstance(post.join().error, ConnectionError)
    assert fake.dm_messages(ALICE) == []
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [0]


_CHILD = """
import sys
from slack_sdk import WebClient
client = WebClient(token=sys.argv[2], base_url=sys.argv[1], retry_handlers=[])
client.chat_postMessage(channel=sys.argv[3], text="from child")
print("answered", flush=True)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_client_killed_while_call_in_flight(slack: FakeSlack) -> None:
    hold = slack.hold("chat.postMessage")
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, slack.api_url, slack.bot_token, ALICE],
        stdout=subprocess.PIPE,
    )
    try:
        hold.wait_arrived(timeout=20)  # interpreter start-up + slack_sdk import
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=5)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        assert child.stdout is not None
        output = child.stdout.read()
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL and output == b""
    hold.release()  # Slack still acts on the call whose client died
    assert [m.text for m in slack.dm_messages(ALICE)] == ["from child"]
    assert plain_client(slack).auth_test()["ok"] is True


# ---------------------------------------------------------- after_response
def test_after_response_runs_once_the_client_has_its_answer(slack: FakeSlack) -> None:
    client = plain_client(slack)
    client_done = threading.Event()
    seen: list[tuple[str, bool]] = []
    callback_ran = threading.Event()

    def after(call: Call) -> None:
        # Only returns True if the client finished while this callback waits,
        # which is only possible if the answer was already written.
        seen.append((call.method, client_done.wait(timeout=1.0)))
        callback_ran.set()

    def listener(call: Call) -> None:
        seen.append(("listener", client_done.is_set()))

    slack.add_listener(listener)
    slack.after_response(after)
    assert client.chat_postMessage(channel=SET_CHANNEL, text="hi")["ok"] is True
    client_done.set()
    assert callback_ran.wait(timeout=2)
    assert seen == [("listener", False), ("chat.postMessage", True)]

    slack.remove_after_response(after)
    slack.remove_listener(listener)
    client.auth_test()
    assert len(seen) == 2


def test_after_response_error_does_not_break_the_fake(
    slack: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    ran = threading.Event()

    def broken(call: Call) -> None:
        ran.set()
        raise RuntimeError("boom")

    slack.after_response(broken)
    client = plain_client(slack)
    assert client.auth_test()["ok"] is True
    assert ran.wait(timeout=2)
    assert client.auth_test()["ok"] is True
    # The callback's traceback is printed after it raised (on the fake's thread): wait for it.
    err, deadline = "", time.monotonic() + 5
    while "boom" not in err and time.monotonic() < deadline:
        err += capsys.readouterr().err
        time.sleep(0.01)
    assert "boom" in err


# ------------------------------------------------------------ rate limits
def post_status(client: WebClient, channel: str, text: str = "x") -> tuple[int, str | None]:
    """(HTTP status, Retry-After) of one chat.postMessage."""
    try:
        client.chat_postMessage(channel=channel, text=text)
    except SlackApiError as e:
        return e.response.status_code, e.response.headers.get("Retry-After")
    return 200, None


def test_rate_limits_are_off_by_default(slack: FakeSlack) -> None:
    client = plain_client(slack)
    for _ in range(5):
        assert post_status(client, SET_CHANNEL) == (200, None)
    assert slack.rate_limited_count() == 0
    assert slack.accepted_count() == 5


def test_per_channel_limit_is_a_token_bucket(slack: FakeSlack, clock: FakeClock) -> None:
    client = plain_client(slack)
    slack.set_rate_limits(per_channel_per_second=1.0, per_workspace_per_minute=None)
    assert post_status(client, SET_CHANNEL, "first") == (200, None)
    assert post_status(client, SET_CHANNEL, "too soon") == (429, "1")
    clock.advance(0.4)
    assert post_status(client, SET_CHANNEL, "still too soon") == (429, "1")  # 0.6 s -> 1
    # Each DM is its own conversation; a user id and its IM id are the same one.
    assert post_status(client, ALICE) == (200, None)
    assert post_status(client, slack.im_channel_id(ALICE)) == (429, "1")
    assert post_status(client, BOB) == (200, None)
    clock.advance(0.6)
    assert post_status(client, SET_CHANNEL, "second") == (200, None)
    assert [m.text for m in slack.messages(SET_CHANNEL)] == ["first", "second"]
    assert slack.rate_limited_count() == 3
    assert slack.rate_limited_count("chat.postMessage") == 3
    assert slack.accepted_count("chat.postMessage") == 4
    limited = [c for c in slack.calls_to("chat.postMessage") if c.status == 429]
    assert [c.error for c in limited] == ["ratelimited"] * 3


def test_retry_after_rounds_up_and_burst_caps_the_bucket(
    slack: FakeSlack, clock: FakeClock
) -> None:
    client = plain_client(slack)
    slack.set_rate_limits(per_channel_per_second=0.25, per_workspace_per_minute=None)
    assert post_status(client, SET_CHANNEL) == (200, None)
    assert post_status(client, SET_CHANNEL) == (429, "4")
    clock.advance(1.5)
    assert post_status(client, SET_CHANNEL) == (429, "3")  # 2.5 s -> 3
    clock.advance(2.5)
    assert post_status(client, SET_CHANNEL) == (200, None)

    slack.set_rate_limits(per_channel_per_second=1.0, per_workspace_per_minute=None, burst=3)
    assert [post_status(client, SET_CHANNEL)[0] for _ in range(4)] == [200, 200, 200, 429]
    clock.advance(2.0)
    assert [post_status(client, SET_CHANNEL)[0] for _ in range(3)] == [200, 200, 429]
    clock.advance(100.0)  # the bucket never holds more than `burst`
    assert [post_status(client, SET_CHANNEL)[0] for _ in range(4)] == [200, 200, 200, 429]


def test_workspace_limit_is_a_sliding_minute(slack: FakeSlack, clock: FakeClock) -> None:
    client = plain_client(slack)
    slack.set_rate_limits(per_channel_per_second=None, per_workspace_per_minute=3)
    for target in (ALICE, BOB, CAROL):
        assert post_status(client, target) == (200, None)
        clock.advance(10.0)
    # t=30: the window (t-60, t] holds posts at 0, 10 and 20; the one at 0 leaves at 60.
    assert post_status(client, SET_CHANNEL) == (429, "30")
    clock.advance(29.5)
    assert post_status(client, SET_CHANNEL) == (429, "1")
    clock.advance(0.5)
    assert post_status(client, SET_CHANNEL) == (200, None)
    assert post_status(client, ALICE) == (429, "10")
    assert slack.rate_limited_count() == 3 and slack.accepted_count() == 4


def drain(client: WebClient, clock: FakeClock, targets: list[str]) -> float:
    """Post to each target, sleeping (on the fake clock) exactly Retry-After on 429."""
    start = clock.now
    for target in targets:
        while True:
            status, retry_after = post_status(client, target)
            if status == 200:
                break
            assert status == 429 and retry_after is not None
            clock.advance(int(retry_after))
    return clock.now - start


def test_documented_lower_bounds_are_exact(slack: FakeSlack, clock: FakeClock) -> None:
    users = [f"U0USER{i:04d}" for i in range(7)]
    for user in users:
        slack.add_user(user, user.lower())
    client = plain_client(slack)
    # N=7 posts to different users under B=3/minute: 60 * ((7 - 1) // 3) = 120 s.
    slack.set_rate_limits(per_channel_per_second=1.0, per_workspace_per_minute=3)
    assert drain(client, clock, users) == 120.0
    assert slack.rate_limited_count() == 2
    # 5 posts to one channel at 0.5/s with burst 2: the last at (5 - 1 - 2 + 1) / 0.5 = 6 s.
    slack.set_rate_limits(per_channel_per_second=0.5, per_workspace_per_minute=None, burst=2)
    assert drain(client, clock, [SET_CHANNEL] * 5) == 6.0
    assert len(slack.messages(SET_CHANNEL)) == 5


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_only_accepted_posts_consume_budget(slack: FakeSlack, clock: FakeClock) -> None:
    client = plain_client(slack)
    slack.set_rate_limits(per_channel_per_second=1.0, per_workspace_per_minute=2)
    assert slack_error(client.chat_postMessage, channel="C0NOPE0001", text="x").response[
        "error"
    ] == ("channel_not_found")
    assert slack_error(client.chat_postMessage, channel=SET_CHANNEL).response["error"] == (
        "no_text"
    )
    # The two failures above used no budget: two posts fit in the minute.
    assert post_status(client, SET_CHANNEL) == (200, None)
    assert post_status(client, ALICE) == (200, None)
    assert post_status(client, BOB) == (429, "60")
    assert slack.channel(slack.im_channel_id(BOB)) is None  # a 429 creates nothing
    # Other methods are not limited unless listed.
    ts = slack.messages(SET_CHANNEL)[0].ts
    for _ in range(3):
        client.chat_update(channel=SET_CHANNEL, ts=ts, text="edited")
    slack.clear_rate_limits()
    assert post_status(client, BOB) == (200, None)
    slack.set_rate_limits(methods=("chat.update",))
    assert post_status(client, BOB) == (200, None)
    client.chat_update(channel=SET_CHANNEL, ts=ts, text="again")
    err = slack_error(client.chat_update, channel=SET_CHANNEL, ts=ts, text="too fast")
    assert (err.response.status_code, err.response.headers["Retry-After"]) == (429, "1")
    slack.set_rate_limits(per_channel_per_second=None, per_workspace_per_minute=None)
    client.chat_update(channel=SET_CHANNEL, ts=ts, text="unlimited")


def test_set_rate_limits_validates(slack: FakeSlack) -> None:
    with pytest.raises(ValueError):
        slack.set_rate_limits(per_channel_per_second=0)
    with pytest.raises(ValueError):
        slack.set_rate_limits(per_workspace_per_minute=0)
    with pytest.raises(ValueError):
        slack.set_rate_limits(burst=0)


def test_held_post_is_rate_limited_at_release_time(slack: FakeSlack, clock: FakeClock) -> None:
    client = plain_client(slack)
    slack.set_rate_limits(per_channel_per_second=1.0, per_workspace_per_minute=None)
    hold = slack.hold("chat.postMessage")
    held = Background(lambda: post_status(client, SET_CHANNEL, "held"))
    hold.wait_arrived()
    assert post_status(client, SET_CHANNEL, "overtakes") == (200, None)
    hold.release()
    assert held.join().result == (429, "1")
    assert [m.text for m in slack.messages(SET_CHANNEL)] == ["overtakes"]


# ------------------------------------------------------ deactivated users
def test_posting_to_a_deactivated_user_succeeds_like_slack(slack: FakeSlack) -> None:
    client = plain_client(slack)
    slack.update_user(CAROL, deleted=True)
    im = slack.im_channel_id(CAROL)
    assert client.chat_postMessage(channel=CAROL, text="by user id")["channel"] == im
    assert client.chat_postMessage(channel=im, text="by IM id")["ok"] is True
    assert [m.text for m in slack.dm_messages(CAROL)] == ["by user id", "by IM id"]
    assert client.conversations_info(channel=im)["channel"]["is_user_deleted"] is True
    assert client.conversations_info(channel=slack.open_im(ALICE).id)["channel"][
        "is_user_deleted"
    ] is (False)
    assert slack_error(client.conversations_open, users=CAROL).response["error"] == (
        "user_disabled"
    )
    assert client.users_info(user=CAROL)["user"]["deleted"] is True
    assert slack_error(client.users_info, user="U0NOBODY01").response["error"] == ("user_not_found")


def test_deactivated_dm_error_can_be_made_strict(slack: FakeSlack) -> None:
    client = plain_client(slack)
    slack.update_user(CAROL, deleted=True)
    slack.set_deactivated_dm_error("user_disabled")
    for channel in (CAROL, slack.im_channel_id(CAROL)):
        err = slack_error(client.chat_postMessage, channel=channel, text="x")
        assert err.response["error"] == "user_disabled"
    assert client.chat_postMessage(channel=ALICE, text="active user")["ok"] is True
    assert slack.dm_messages(CAROL) == []
    slack.set_deactivated_dm_error(None)
    assert client.chat_postMessage(channel=CAROL, text="x")["ok"] is True


# ------------------------------------------------------------ auth errors
@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked", "account_inactive"])
def test_auth_error_fails_every_call(slack: FakeSlack, error: str) -> None:
    client = plain_client(slack)
    slack.set_auth_error(error)
    for call, kwargs in (
        (client.auth_test, {}),
        (client.users_info, {"user": ALICE}),
        (client.chat_postMessage, {"channel": SET_CHANNEL, "text": "x"}),
    ):
        err = slack_error(call, **kwargs)
        assert (err.response.status_code, err.response["error"]) == (200, error)
    assert slack.messages(SET_CHANNEL) == []
    # Response URLs do not use the token.
    url = slack.new_response_url(channel_id=SET_CHANNEL, user_id=ALICE)
    req = urllib.request.Request(
        url, data=b'{"text": "still works"}', headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert json.loads(resp.read()) == {"ok": True}
    slack.set_auth_error(None)
    assert client.auth_test()["ok"] is True


def test_latency_makes_each_call_wait_and_calls_in_flight_wait_together(slack: FakeSlack) -> None:
    """``set_latency``: every Web API call waits that long before it is handled (a benchmark's
    stand-in for the network and Slack's servers); calls in flight at once wait side by side."""
    client = plain_client(slack)
    slack.set_latency(0.3)
    began = time.monotonic()
    threads = [
        threading.Thread(
            target=lambda: client.chat_postMessage(channel=SET_CHANNEL, text="in flight")
        )
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - began
    assert 0.3 <= took < 0.85, took  # side by side, not one after another (0.9 s)
    assert len([c for c in slack.calls_to("chat.postMessage") if c.ok]) == 3
    slack.set_latency(0)
    began = time.monotonic()
    client.chat_postMessage(channel=SET_CHANNEL, text="at once")
    assert time.monotonic() - began < 0.3
    with pytest.raises(ValueError):
        slack.set_latency(-1)
