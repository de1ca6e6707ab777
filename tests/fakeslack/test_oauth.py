"""The fake Slack's OAuth v2 installs: code exchange, token rotation, uninstall, many workspaces.

Driven with slack_sdk's real ``WebClient`` (and slack_bolt's ``OAuthFlow`` / slack_sdk's
``TokenRotator``, the callers the app uses) against fakes on loopback; nothing is mocked.
Time moves through manual clocks: ``clock`` (codes) and ``wall`` (token expiry).
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_bolt.oauth.oauth_flow import OAuthFlow
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackTokenRotationError
from slack_sdk.oauth.installation_store import Bot, FileInstallationStore
from slack_sdk.oauth.state_store import FileOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator

from bot.fakeslack import FakeSlack
from tests.fakeslack.conftest import FakeClock

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "fake-client-secret"
REDIRECT = "https://als.example/slack/oauth_redirect"
ALICE = "U0ALICE001"
CHANNEL = "C0SET00001"
TEAM_B = "T0TEAM0002"
BOB = "U0BOB00001"
CHANNEL_B = "C0BSET0001"
TTL = 43200.0
WALL_START = 1_800_000_000.0


@pytest.fixture
def wall() -> FakeClock:
    """The epoch clock token expiries are read against (the ``clock`` fixture: monotonic)."""
    return FakeClock(WALL_START)


def _workspace(fake: FakeSlack, user: str = ALICE, channel: str = CHANNEL) -> FakeSlack:
    fake.add_user(user, user.lower())
    fake.add_channel(channel, "als-set", members=[user])
    return fake


@pytest.fixture
def slack(clock: FakeClock, wall: FakeClock) -> Iterator[FakeSlack]:
    with _workspace(FakeSlack(clock=clock, wall=wall)) as fake:
        yield fake


@pytest.fixture
def rotating(clock: FakeClock, wall: FakeClock) -> Iterator[FakeSlack]:
    with _workspace(FakeSlack(clock=clock, wall=wall, token_rotation=True)) as fake:
        yield fake


def _client(fake: FakeSlack, token: str | None = None) -> WebClient:
    return WebClient(token=token, base_url=fake.api_url)


def _exchange(fake: FakeSlack, code: str, redirect_uri: str | None = REDIRECT) -> dict[str, Any]:
    """The code exchange exactly as slack_bolt's OAuthFlow.run_installation makes it."""
    response = _client(fake).oauth_v2_access(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code, redirect_uri=redirect_uri
    )
    return dict(response.data)  # type: ignore[arg-type]


def _refresh(fake: FakeSlack, refresh_token: str) -> dict[str, Any]:
    """A refresh exactly as slack_sdk's TokenRotator makes it."""
    response = _client(fake).oauth_v2_access(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        grant_type="refresh_token",
        refresh_token=refresh_token,
    )
    return dict(response.data)  # type: ignore[arg-type]


def _error(call: Any) -> str:
    """The Slack error name a WebClient call fails with."""
    with pytest.raises(SlackApiError) as info:
        call()
    return str(info.value.response["error"])


def _post_form(url: str, fields: dict[str, str], headers: dict[str, str] | None = None) -> Any:
    """POST a form with plain urllib (no slack_sdk), returning the decoded JSON answer."""
    data = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(url, data=data, method="POST", headers=headers or {})
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    with urllib.request.urlopen(request, timeout=5) as answer:
        return json.loads(answer.read())


def _install(fake: FakeSlack, **approve: Any) -> dict[str, Any]:
    return _exchange(fake, fake.approve_install(redirect_uri=REDIRECT, **approve))


# ====================================================================== defaults
def test_default_bot_token_works_as_before(slack: FakeSlack) -> None:
    assert _client(slack, slack.bot_token).auth_test()["team_id"] == slack.team_id
    _client(slack, slack.bot_token).chat_postMessage(channel=CHANNEL, text="hi")
    assert [m.text for m in slack.messages(CHANNEL)] == ["hi"]
    assert _error(_client(slack, "xoxb-other").auth_test) == "invalid_auth"
    assert _error(_client(slack).auth_test) == "not_authed"
    assert slack.issued_tokens() == []
    assert slack.refresh_count() == 0


def test_default_bot_token_survives_far_future_and_set_auth_error_still_works(
    slack: FakeSlack, wall: FakeClock
) -> None:
    wall.advance(10 * 365 * 86400)
    assert _client(slack, slack.bot_token).auth_test()["ok"]
    slack.set_auth_error("account_inactive")
    assert _error(_client(slack, slack.bot_token).auth_test) == "account_inactive"
    slack.set_auth_error(None)
    assert _client(slack, slack.bot_token).auth_test()["ok"]


# ================================================================= code exchange
def test_code_exchange_answers_like_slack(slack: FakeSlack) -> None:
    code = slack.approve_install(user_id=ALICE, redirect_uri=REDIRECT, scopes="chat:write,im:write")
    answer = _exchange(slack, code)
    token = answer["access_token"]
    assert token.startswith(f"xoxb-{slack.team_id}-")
    assert answer == {
        "ok": True,
        "access_token": token,
        "token_type": "bot",
        "scope": "chat:write,im:write",
        "bot_user_id": slack.bot_user_id,
        "app_id": slack.app_id,
        "team": {"id": slack.team_id, "name": slack.team_name},
        "enterprise": None,
        "is_enterprise_install": False,
        "authed_user": {"id": ALICE},
    }
    assert slack.issued_tokens() == [token]
    client = _client(slack, token)
    assert client.auth_test()["bot_id"] == slack.bot_id
    client.chat_postMessage(channel=CHANNEL, text="installed")
    assert [m.text for m in slack.messages(CHANNEL)] == ["installed"]
    # Without rotation the token never expires, and the default token keeps working.
    assert "refresh_token" not in answer and "expires_in" not in answer
    assert _client(slack, slack.bot_token).auth_test()["ok"]


def test_code_exchange_uses_basic_auth_and_records_no_secret(slack: FakeSlack) -> None:
    code = slack.approve_install(redirect_uri=REDIRECT)
    _exchange(slack, code)
    (call,) = slack.calls_to("oauth.v2.access")
    # slack_sdk sends the credentials as HTTP Basic auth: they are no parameters.
    assert call.args == {"code": "***", "redirect_uri": REDIRECT}
    assert code not in json.dumps(call.args)


def test_code_exchange_with_credentials_as_parameters(slack: FakeSlack) -> None:
    code = slack.approve_install()
    answer = _client(slack).api_call(
        "oauth.v2.access",
        data={
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "code": code,
            "grant_type": "authorization_code",
        },
    )
    assert answer["ok"] and answer["access_token"] in slack.issued_tokens()
    (call,) = slack.calls_to("oauth.v2.access")
    assert call.args == {
        "client_id": CLIENT_ID,
        "client_secret": "***",
        "code": "***",
        "grant_type": "authorization_code",
    }
    dumped = json.dumps(call.args)
    assert CLIENT_SECRET not in dumped and code not in dumped


def test_basic_auth_by_hand(slack: FakeSlack) -> None:
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    url = slack.api_url + "oauth.v2.access"
    code = slack.approve_install()
    answer = _post_form(url, {"code": code}, {"Authorization": f"Basic {basic}"})
    assert answer["ok"] and answer["authed_user"] == {"id": ALICE}
    wrong = base64.b64encode(f"{CLIENT_ID}:nope".encode()).decode()
    code = slack.approve_install()
    answer = _post_form(url, {"code": code}, {"Authorization": f"Basic {wrong}"})
    assert answer == {"ok": False, "error": "bad_client_secret"}
    answer = _post_form(url, {"code": code}, {"Authorization": "Basic %%%"})
    assert answer == {"ok": False, "error": "invalid_client_id"}


@pytest.mark.parametrize("as_params", [False, True], ids=["basic", "params"])
def test_wrong_client_credentials(slack: FakeSlack, as_params: bool) -> None:
    code = slack.approve_install()

    def exchange(client_id: str, client_secret: str) -> Any:
        if as_params:
            data = {"client_id": client_id, "client_secret": client_secret, "code": code}
            return lambda: _client(slack).api_call("oauth.v2.access", data=data)
        return lambda: _client(slack).oauth_v2_access(
            client_id=client_id, client_secret=client_secret, code=code
        )

    assert _error(exchange("9999.9999", CLIENT_SECRET)) == "invalid_client_id"
    assert _error(exchange(CLIENT_ID, "wrong-secret")) == "bad_client_secret"
    assert _error(exchange("", "")) == "invalid_client_id"
    assert slack.issued_tokens() == []


def test_code_is_one_use(slack: FakeSlack) -> None:
    code = slack.approve_install(redirect_uri=REDIRECT)
    _exchange(slack, code)
    assert _error(lambda: _exchange(slack, code)) == "invalid_code"
    assert _error(lambda: _exchange(slack, code + "x")) == "invalid_code"
    assert _error(lambda: _exchange(slack, "")) == "invalid_code"
    assert len(slack.issued_tokens()) == 1


def test_code_expires_after_ten_minutes(slack: FakeSlack, clock: FakeClock) -> None:
    fresh = slack.approve_install(redirect_uri=REDIRECT)
    stale = slack.approve_install(redirect_uri=REDIRECT)
    clock.advance(599)
    assert _exchange(slack, fresh)["ok"]
    clock.advance(2)
    assert _error(lambda: _exchange(slack, stale)) == "invalid_code"


def test_redirect_uri_must_match_the_authorize_request(slack: FakeSlack) -> None:
    code = slack.approve_install(redirect_uri=REDIRECT)
    assert _error(lambda: _exchange(slack, code, "https://evil.example/")) == "bad_redirect_uri"
    assert _error(lambda: _exchange(slack, code, None)) == "bad_redirect_uri"
    assert _exchange(slack, code)["ok"]
    # A code approved without a redirect_uri is exchanged with or without one.
    assert _exchange(slack, slack.approve_install(), None)["ok"]


def test_unknown_grant_type(slack: FakeSlack) -> None:
    call = lambda: _client(slack).oauth_v2_access(  # noqa: E731
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, grant_type="password"
    )
    assert _error(call) == "invalid_grant_type"


def test_reinstall_issues_a_new_token_and_keeps_the_old(slack: FakeSlack) -> None:
    first = _install(slack)["access_token"]
    second = _install(slack)["access_token"]
    assert first != second
    assert slack.issued_tokens() == [first, second]
    for token in (first, second):
        assert _client(slack, token).auth_test()["ok"]


def test_default_installer_is_a_member(clock: FakeClock) -> None:
    with FakeSlack(clock=clock) as empty:
        answer = _exchange(empty, empty.approve_install(), None)
        assert answer["authed_user"] == {"id": "U0INSTALLER"}
        assert empty.user("U0INSTALLER") is not None


# ========================================================== not installed at first
def test_not_installed_until_oauth(clock: FakeClock) -> None:
    with _workspace(FakeSlack(clock=clock, installed=False)) as fresh:
        assert _error(_client(fresh, fresh.bot_token).auth_test) == "invalid_auth"
        token = _install(fresh)["access_token"]
        _client(fresh, token).chat_postMessage(channel=CHANNEL, text="hello")
        assert [m.text for m in fresh.messages(CHANNEL)] == ["hello"]
        assert _error(_client(fresh, fresh.bot_token).auth_test) == "invalid_auth"


# ================================================================ token rotation
def test_rotation_issues_expiring_tokens_and_refreshes_them(
    rotating: FakeSlack, wall: FakeClock
) -> None:
    install = _install(rotating, scopes="chat:write")
    first, first_refresh = install["access_token"], install["refresh_token"]
    assert first.startswith("xoxe.xoxb-") and first_refresh.startswith("xoxe-1-")
    assert install["expires_in"] == 43200 and install["token_type"] == "bot"
    assert install["authed_user"] == {"id": ALICE}

    wall.advance(1000)
    refreshed = _refresh(rotating, first_refresh)
    second, second_refresh = refreshed["access_token"], refreshed["refresh_token"]
    assert second.startswith("xoxe.xoxb-") and second_refresh.startswith("xoxe-1-")
    assert {second, second_refresh}.isdisjoint({first, first_refresh})
    assert refreshed == {
        "ok": True,
        "access_token": second,
        "token_type": "bot",
        "scope": "chat:write",
        "bot_user_id": rotating.bot_user_id,
        "app_id": rotating.app_id,
        "team": {"id": rotating.team_id, "name": rotating.team_name},
        "enterprise": None,
        "is_enterprise_install": False,
        "refresh_token": second_refresh,
        "expires_in": 43200,
    }
    assert rotating.refresh_count() == 1
    assert rotating.issued_tokens() == [first, second]

    # The refresh token used is spent; the old access token lives until its own expiry.
    assert _error(lambda: _refresh(rotating, first_refresh)) == "invalid_refresh_token"
    assert _client(rotating, first).auth_test()["ok"]
    wall.advance(TTL - 1000 - 1)
    assert _client(rotating, first).auth_test()["ok"]
    wall.advance(1)
    assert _error(_client(rotating, first).auth_test) == "token_expired"
    assert _client(rotating, second).auth_test()["ok"]
    wall.advance(1000)
    assert _error(_client(rotating, second).auth_test) == "token_expired"
    # An expired access token's refresh token still works.
    third = _refresh(rotating, second_refresh)["access_token"]
    assert _client(rotating, third).auth_test()["ok"]
    assert rotating.refresh_count() == 2

    (call, *_) = rotating.calls_to("oauth.v2.access")[1:]
    assert call.args == {"grant_type": "refresh_token", "refresh_token": "***"}
    assert first_refresh not in json.dumps(call.args)


def test_refresh_errors(rotating: FakeSlack, slack: FakeSlack) -> None:
    refresh = _install(rotating)["refresh_token"]
    assert _error(lambda: _refresh(rotating, "xoxe-1-unknown")) == "invalid_refresh_token"
    assert _error(lambda: _refresh(rotating, "")) == "invalid_refresh_token"
    bad_secret = lambda: _client(rotating).oauth_v2_access(  # noqa: E731
        client_id=CLIENT_ID, client_secret="x", grant_type="refresh_token", refresh_token=refresh
    )
    assert _error(bad_secret) == "bad_client_secret"
    assert rotating.refresh_count() == 0
    assert _refresh(rotating, refresh)["ok"]
    # Without token rotation there is nothing to refresh.
    assert "refresh_token" not in _install(slack)
    assert _error(lambda: _refresh(slack, refresh)) == "invalid_refresh_token"


def test_token_rotator_against_the_fake(rotating: FakeSlack) -> None:
    install = _install(rotating)
    rotator = TokenRotator(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, client=_client(rotating)
    )
    bot = Bot(
        app_id=install["app_id"],
        team_id=install["team"]["id"],
        bot_token=install["access_token"],
        bot_id=rotating.bot_id,
        bot_user_id=install["bot_user_id"],
        bot_scopes=install["scope"],
        bot_refresh_token=install["refresh_token"],
        bot_token_expires_at=int(time.time()) + 60,  # expiring: the rotator refreshes
        installed_at=time.time(),
    )
    rotated = rotator.perform_bot_token_rotation(bot=bot)
    assert rotated is not None
    assert rotated.bot_token == rotating.issued_tokens()[-1] != bot.bot_token
    assert rotated.bot_refresh_token not in (None, bot.bot_refresh_token)
    assert rotated.bot_token_expires_at is not None
    assert abs(rotated.bot_token_expires_at - (time.time() + TTL)) < 60
    assert _client(rotating, rotated.bot_token).auth_test()["ok"]
    assert rotating.refresh_count() == 1
    # Not expiring yet: no call at all.
    assert rotator.perform_bot_token_rotation(bot=rotated) is None
    assert rotating.refresh_count() == 1
    # The spent refresh token: slack_sdk's rotation error.
    with pytest.raises(SlackTokenRotationError):
        rotator.perform_bot_token_rotation(bot=bot)


def test_oauth_flow_run_installation_against_the_fake(rotating: FakeSlack, tmp_path: Path) -> None:
    settings = OAuthSettings(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        scopes=["chat:write", "commands"],
        redirect_uri=REDIRECT,
        installation_store=FileInstallationStore(base_dir=str(tmp_path / "installations")),
        state_store=FileOAuthStateStore(expiration_seconds=600, base_dir=str(tmp_path / "state")),
    )
    flow = OAuthFlow(client=_client(rotating), settings=settings)
    code = rotating.approve_install(user_id=ALICE, redirect_uri=REDIRECT, scopes="chat:write")
    installation = flow.run_installation(code)
    assert installation is not None
    assert installation.team_id == rotating.team_id
    assert installation.team_name == rotating.team_name
    assert installation.bot_token == rotating.issued_tokens()[0]
    assert installation.bot_id == rotating.bot_id
    assert installation.bot_user_id == rotating.bot_user_id
    assert installation.user_id == ALICE
    assert installation.bot_refresh_token is not None
    assert installation.bot_token_expires_at is not None
    assert installation.token_type == "bot"
    # The same code again: the flow reports failure (None), as with Slack.
    assert flow.run_installation(code) is None


def test_concurrent_refreshes_with_one_refresh_token(rotating: FakeSlack) -> None:
    refresh = _install(rotating)["refresh_token"]
    count = 8
    # Keep all requests in flight until every one has arrived, then let them race.
    hold = rotating.hold("oauth.v2.access", count=count)
    start = threading.Barrier(count)
    results: list[str] = []
    lock = threading.Lock()

    def refresh_once() -> None:
        start.wait()
        try:
            outcome = "ok" if _refresh(rotating, refresh)["ok"] else "not ok"
        except SlackApiError as exc:
            outcome = str(exc.response["error"])
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=refresh_once) for _ in range(count)]
    for thread in threads:
        thread.start()
    hold.wait_arrived(count)
    hold.release()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(results) == ["invalid_refresh_token"] * (count - 1) + ["ok"]
    assert rotating.refresh_count() == 1
    assert len(rotating.issued_tokens()) == 2


# ================================================================ uninstall/revoke
def test_uninstall_revokes_every_token(rotating: FakeSlack) -> None:
    install = _install(rotating)
    token, refresh = install["access_token"], install["refresh_token"]
    rotating.uninstall()
    assert _error(_client(rotating, token).auth_test) == "token_revoked"
    assert _error(_client(rotating, rotating.bot_token).auth_test) == "token_revoked"
    assert _error(lambda: _refresh(rotating, refresh)) == "invalid_refresh_token"
    # Installing again gives a working token; the revoked ones stay revoked.
    again = _install(rotating)["access_token"]
    assert _client(rotating, again).auth_test()["ok"]
    assert _error(_client(rotating, token).auth_test) == "token_revoked"


def test_revoke_one_token(slack: FakeSlack) -> None:
    first = _install(slack)["access_token"]
    second = _install(slack)["access_token"]
    slack.revoke_token(first)
    post = lambda: _client(slack, first).chat_postMessage(channel=CHANNEL, text="x")  # noqa: E731
    assert _error(post) == "token_revoked"
    assert _client(slack, second).auth_test()["ok"]
    assert _client(slack, slack.bot_token).auth_test()["ok"]
    with pytest.raises(KeyError):
        slack.revoke_token("xoxb-never-issued")


def test_set_auth_error_applies_to_issued_tokens_not_to_oauth(slack: FakeSlack) -> None:
    token = _install(slack)["access_token"]
    slack.set_auth_error("invalid_auth")
    assert _error(_client(slack, token).auth_test) == "invalid_auth"
    assert _install(slack)["ok"]


# ================================================================= two workspaces
@pytest.fixture
def other(clock: FakeClock, wall: FakeClock) -> Iterator[FakeSlack]:
    fake = FakeSlack(
        team_id=TEAM_B,
        team_name="Other Org",
        bot_user_id="U0BOTB0001",
        bot_id="B0BOTB0001",
        clock=clock,
        wall=wall,
        token_rotation=True,
        installed=False,
    )
    with _workspace(fake, BOB, CHANNEL_B) as started:
        yield started


def test_joined_workspace_is_served_on_the_cloud_url(slack: FakeSlack, other: FakeSlack) -> None:
    slack.join(other)
    cloud = slack  # the app only knows this API URL
    code = other.approve_install(redirect_uri=REDIRECT, scopes="chat:write")
    install = _exchange(cloud, code)
    assert install["team"] == {"id": TEAM_B, "name": "Other Org"}
    assert install["authed_user"] == {"id": BOB}
    assert install["bot_user_id"] == "U0BOTB0001"
    token_b = install["access_token"]
    assert other.issued_tokens() == [token_b] and slack.issued_tokens() == []

    client_b = _client(cloud, token_b)
    assert client_b.auth_test()["team_id"] == TEAM_B
    client_b.chat_postMessage(channel=CHANNEL_B, text="hello B")
    assert [m.text for m in other.messages(CHANNEL_B)] == ["hello B"]
    assert [c.args["text"] for c in other.calls_to("chat.postMessage")] == ["hello B"]
    assert slack.calls_to("chat.postMessage") == []
    assert slack.calls_to("oauth.v2.access") == [] and slack.calls_to("auth.test") == []
    # B's token cannot reach A's conversations: it acts in B only.
    assert _error(lambda: client_b.chat_postMessage(channel=CHANNEL, text="x")) == (
        "channel_not_found"
    )
    assert slack.messages(CHANNEL) == []

    # B's faults and refreshes are B's, through the cloud URL too.
    other.inject_error("chat.postMessage", "not_in_channel")
    assert _error(lambda: client_b.chat_postMessage(channel=CHANNEL_B, text="y")) == (
        "not_in_channel"
    )
    refreshed = _refresh(cloud, install["refresh_token"])
    assert refreshed["team"]["id"] == TEAM_B and other.refresh_count() == 1
    assert slack.refresh_count() == 0

    # A keeps working as before on its own URL; joining is symmetric.
    _client(cloud, slack.bot_token).chat_postMessage(channel=CHANNEL, text="hello A")
    assert [m.text for m in slack.messages(CHANNEL)] == ["hello A"]
    assert _client(other, slack.bot_token).auth_test()["team_id"] == slack.team_id
    other.uninstall()
    assert _error(_client(cloud, token_b).auth_test) == "token_revoked"
    assert _client(cloud, slack.bot_token).auth_test()["ok"]


def test_unjoined_workspace_tokens_are_unknown(slack: FakeSlack, other: FakeSlack) -> None:
    token_b = _install(other)["access_token"]
    assert _error(_client(slack, token_b).auth_test) == "invalid_auth"
    code = other.approve_install(redirect_uri=REDIRECT)
    assert _error(lambda: _exchange(slack, code)) == "invalid_code"
    assert slack.calls_to("auth.test")[0].error == "invalid_auth"
    assert other.calls_to("auth.test") == []


def test_join_checks_the_fakes_are_one_app_in_different_workspaces(
    slack: FakeSlack, clock: FakeClock
) -> None:
    with pytest.raises(ValueError, match="same app"):
        slack.join(FakeSlack(team_id=TEAM_B, client_secret="another-secret"))
    with pytest.raises(ValueError, match="workspace"):
        slack.join(FakeSlack(bot_token="xoxb-b"))  # same team_id
    with pytest.raises(ValueError, match="bot token"):
        slack.join(FakeSlack(team_id=TEAM_B))  # same default bot token, both installed
    with pytest.raises(ValueError):
        slack.join(slack)
    third = FakeSlack(team_id="T0TEAM0003", bot_token="xoxb-third", clock=clock)
    fourth = FakeSlack(team_id="T0TEAM0004", bot_token="xoxb-fourth", clock=clock)
    third.join(fourth)
    slack.join(third)  # transitive: all three share the cloud
    assert _client(slack, "xoxb-fourth").auth_test()["team_id"] == "T0TEAM0004"
    assert fourth.calls_to("auth.test")[0].ok
