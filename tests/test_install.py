"""The distributed app: Slack's OAuth install flow, each workspace on its own token, uninstall,
the grace period and the deletion after it, reinstall, and token rotation.

Two fake workspaces stand side by side behind one Slack API URL (``FakeSlack.join``), with the
same user ids on purpose (only the team id tells their data apart; each set has a channel of
its own, since a channel id shared by two workspaces is a Slack Connect channel). The app runs as
``serve`` runs it (its WSGI app on loopback), signed requests come through the driver, and time
moves with the manual clock (the app's) and a skew on the epoch clock token expiries are read
against (the app's and the fake's alike). Nothing sleeps to wait for time."""

from __future__ import annotations

import contextlib
import http.cookies
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse
from wsgiref.simple_server import make_server

import pytest
import yaml
from sqlalchemy import func, select, text

from bot.app import AlsBot, Distribution, create_app
from bot.clock import ManualClock
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.handlers.install import BOT_SCOPES, INSTALL_PATH, NOT_INSTALLED, REDIRECT_PATH
from bot.scheduler.tick import Ticker
from bot.slack.client import scheduler_client
from bot.slack.pacing import Pacer
from bot.slack.tokens import Clients, NoToken
from bot.storage.crypto import PREFIX, Keyring, keyring_of, new_key, use_keyring
from bot.storage.db import Database
from bot.storage.models import Workspace
from bot.storage.purge import team_tables
from tests.conftest import (
    FAC,
    HOME_INTERVAL,
    HOME_SETTLE,
    MEMBERS,
    SIGNING_SECRET,
    TEST_KEY,
    _QuietHandler,
    _ThreadingWSGIServer,
    populate,
    watch,
)
from tests.helpers import create_set, last_response_text, settle
from tests.test_cli import run
from tests.test_encryption import found_in_storage

TEAM_A, TEAM_B = "T0TEAM0001", "T0TEAM0002"
CHANNEL = {TEAM_A: "C0SETCHANA", TEAM_B: "C0SETCHANB"}  # each workspace's set's channel
NY, BERLIN, TOKYO, SYDNEY, LA = MEMBERS
# The set of tests.helpers.create_set: weekly from Monday 2026-12-07 10:00 London; the topic
# prompt goes at 22:00 UTC on 2026-12-03 (New York, Sydney and Los Angeles are awake).
PROMPT_AT = datetime(2026, 12, 3, 22, 0, tzinfo=UTC)
PROMPT = "Time to prepare your topic"


@dataclass
class Skew:
    """The epoch clock of token expiries: real time plus what the test moved it by."""

    seconds: float = 0.0

    def __call__(self) -> float:
        return time.time() + self.seconds


@dataclass
class Cloud:
    """Two workspaces behind one Slack, and the app installed by neither yet."""

    a: FakeSlack
    b: FakeSlack
    app: AlsBot
    url: str
    skew: Skew
    drivers: dict[str, SlackDriver] = field(default_factory=dict)

    def driver(self, fake: FakeSlack) -> SlackDriver:
        return self.drivers[fake.team_id]

    def ticker(self, clock: ManualClock, senders: int | None = None) -> Ticker:
        return self.app.scheduler(
            pacer=Pacer(
                per_minute=600_000,
                burst=10_000,
                channel_interval=0,
                monotonic=lambda: clock().timestamp(),
            ),
            senders=senders,
        )


def _fake(team: str, skew: Skew, **options: Any) -> FakeSlack:
    fake = FakeSlack(
        team_id=team,
        bot_token=f"xoxb-unused-{team}",
        bot_user_id=f"U0BOT{team[-5:]}",
        installed=False,
        wall=skew,
        team_name=f"Workspace {team[-1]}",
        **options,
    )
    populate(fake)
    fake.add_channel(CHANNEL[team], "als-set-b", is_private=True, members=[FAC, *MEMBERS])
    fake.start()
    return fake


def serve(db: Database, a: FakeSlack, clock: ManualClock, skew: Skew) -> tuple[AlsBot, Any, str]:
    holder: dict[str, Any] = {}
    server = make_server(
        "127.0.0.1",
        0,
        lambda environ, start: holder["wsgi"](environ, start),
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    url = f"http://127.0.0.1:{server.server_port}"
    app = create_app(
        db=db,
        bot_token="",
        signing_secret=SIGNING_SECRET,
        api_url=a.api_url,
        clock=clock,
        home_interval=HOME_INTERVAL,
        home_settle=HOME_SETTLE,
        distribution=Distribution(
            client_id=a.client_id,
            client_secret=a.client_secret,
            redirect_uri=url + REDIRECT_PATH,
            wall=skew,
        ),
        grace=timedelta(days=30),
    )
    holder["wsgi"] = app.wsgi()
    # shutdown() waits for the loop's next poll: the default (0.5 s) added it to every test.
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    ).start()
    return app, server, url


@pytest.fixture
def cloud(db: Database, clock: ManualClock, request: pytest.FixtureRequest) -> Iterator[Cloud]:
    skew = Skew()
    rotation = bool(getattr(request, "param", False))
    a = _fake(TEAM_A, skew, token_rotation=rotation)
    b = _fake(TEAM_B, skew, token_rotation=rotation)
    a.join(b)
    app, server, url = serve(db, a, clock, skew)
    cloud = Cloud(a, b, app, url, skew)
    for fake in (a, b):
        watch(fake, app)  # settle() waits for its listeners and its Home tab publisher
        cloud.drivers[fake.team_id] = SlackDriver(f"{url}/slack/events", SIGNING_SECRET, fake)
    yield cloud
    app.close()
    server.shutdown()
    server.server_close()
    a.stop()
    b.stop()


# -- the browser's side of the install --------------------------------------------------------
@dataclass
class Page:
    status: int
    body: str
    headers: dict[str, str]


def get(url: str, cookie: str | None = None) -> Page:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return Page(
                resp.status, resp.read().decode(), {k.lower(): v for k, v in resp.headers.items()}
            )
    except urllib.error.HTTPError as exc:
        return Page(exc.code, exc.read().decode(), {k.lower(): v for k, v in exc.headers.items()})


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


@dataclass
class Started:
    """The install page as the installer's browser got it."""

    authorize_url: str
    state: str
    cookie: str


def start_install(cloud: Cloud) -> Started:
    page = get(cloud.url + INSTALL_PATH)
    assert page.status == 200 and "Add to Slack" in page.body
    parser = _Links()
    parser.feed(page.body)
    link = next(u for u in parser.links if "oauth/v2/authorize" in u)
    jar = http.cookies.SimpleCookie(page.headers["set-cookie"])
    cookie = "; ".join(f"{k}={v.value}" for k, v in jar.items())
    return Started(link, parse_qs(urlparse(link).query)["state"][0], cookie)


def finish_install(cloud: Cloud, started: Started, code: str, cookie: str | None = None) -> Page:
    query = urlencode({"code": code, "state": started.state})
    return get(f"{cloud.url}{REDIRECT_PATH}?{query}", started.cookie if cookie is None else cookie)


def install(cloud: Cloud, fake: FakeSlack) -> Page:
    started = start_install(cloud)
    code = fake.approve_install(redirect_uri=cloud.url + REDIRECT_PATH)
    page = finish_install(cloud, started, code)
    assert page.status == 200, page.body
    return page


def set_up_in(cloud: Cloud, fake: FakeSlack) -> Any:
    """A weekly set in the workspace's own channel, through its own driver."""
    return create_set(cloud.driver(fake), fake, cadence="1", channel=CHANNEL[fake.team_id])


def both_with_a_set(cloud: Cloud) -> None:
    for fake in (cloud.a, cloud.b):
        install(cloud, fake)
        set_up_in(cloud, fake)


def rows_of(db: Database, team: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    with db.read() as s:
        for table in team_tables():
            n = s.scalar(select(func.count()).select_from(table).where(table.c.team_id == team))
            if n:
                counts[table.name] = int(n)
    return counts


def stored_tokens(db: Database, team: str, column: str = "bot_token") -> list[str]:
    """The workspace's tokens in ``slack_bots.<column>``, opened: each is stored sealed
    (``bot.storage.crypto``), never in clear."""
    with db.read() as s:
        stored = list(
            s.scalars(text(f"SELECT {column} FROM slack_bots WHERE team_id = :t"), {"t": team})
        )
    keyring = keyring_of(db.engine)
    assert keyring is not None
    assert all(v.startswith(PREFIX) for v in stored), "a token stored in clear"
    return [keyring.open(v) for v in stored]


def bot_tokens(db: Database, team: str) -> list[str]:
    return stored_tokens(db, team)


def dms(fake: FakeSlack, user: str) -> list[str]:
    return [m.text for m in fake.dm_messages(user) if PROMPT in m.text]


def prompts(fake: FakeSlack) -> set[str]:
    return {u for u in MEMBERS if dms(fake, u)}


# -- tests ------------------------------------------------------------------------------------
def test_the_install_page_asks_slack_for_the_manifests_scopes(cloud: Cloud) -> None:
    started = start_install(cloud)
    query = parse_qs(urlparse(started.authorize_url).query)
    assert query["client_id"] == [cloud.a.client_id]
    assert query["scope"][0].split(",") == list(BOT_SCOPES)
    manifest = yaml.safe_load(Path("manifest.yml").read_text())
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)
    assert "slack-app-oauth-state" in started.cookie, "the state is bound to the browser"


def test_install_use_uninstall_grace_and_deletion_two_workspaces_apart(
    cloud: Cloud, db: Database, clock: ManualClock
) -> None:
    a, b = cloud.a, cloud.b
    page = install(cloud, a)
    assert "installed in <b>Workspace 1</b>" in page.body
    install(cloud, b)
    assert bot_tokens(db, TEAM_A) == [a.issued_tokens()[-1]]
    assert bot_tokens(db, TEAM_B) == [b.issued_tokens()[-1]]

    # Each workspace sets up a set with the same channel and user ids: two sets, one per team.
    for fake in (a, b):
        before = len(fake.calls)
        response = set_up_in(cloud, fake)
        assert response.status == 200
        assert len(fake.calls) > before, [(c.method, c.response) for c in fake.calls[before:]]
        assert response.body.strip() == "", response.body
    assert rows_of(db, TEAM_A)["learning_sets"] == rows_of(db, TEAM_B)["learning_sets"] == 1

    # A's app is uninstalled: its tokens go at once, and nothing more is sent there.
    a.uninstall()
    gone = clock()
    response = cloud.driver(a).event({"type": "app_uninstalled"})
    assert response.status == 200
    settle(a)
    assert bot_tokens(db, TEAM_A) == []
    assert bot_tokens(db, TEAM_B) != []
    calls_a = len(a.calls)
    ticker = cloud.ticker(clock)
    clock.set(PROMPT_AT)
    ticker.tick(PROMPT_AT, budget_seconds=5)
    settle(b)
    assert prompts(b) == {NY, SYDNEY, LA}, "B's reminders go on"
    assert len(a.calls) == calls_a and prompts(a) == set(), "A gets nothing"
    # A person in A still using the app is told it is not installed (Bolt's answer, a 200).
    response = cloud.driver(a).command(MEMBERS[0], "help")
    assert response.status == 200
    a.wait_for("response_url", count=1)
    assert "not installed" in last_response_text(a)
    assert [c.method for c in a.calls[calls_a:]] == ["response_url"], "no Web API call"

    # Within the grace period the data is kept; after it, the scheduler deletes every row.
    kept = rows_of(db, TEAM_A)
    day_29 = gone + timedelta(days=29)
    clock.set(day_29)
    assert ticker.tick(day_29, budget_seconds=5).purged == {}
    assert rows_of(db, TEAM_A) == kept
    b_before = rows_of(db, TEAM_B)
    day_31 = gone + timedelta(days=30, minutes=1)
    clock.set(day_31)
    summary = ticker.tick(day_31, budget_seconds=5)
    assert summary.purged[TEAM_A] == kept, "every table counted"
    assert "1 uninstalled workspace deleted" in summary.line()
    assert rows_of(db, TEAM_A) == {}
    scraped = cloud.app.metrics.render()[0].decode()
    assert 'als_workspace_rows_deleted_total{table="learning_sets"} 1.0' in scraped
    assert "als_workspaces_active 1.0" in scraped, "B alone"
    after = rows_of(db, TEAM_B)
    assert after.keys() >= {"learning_sets", "memberships", "slack_bots", "workspaces"}
    assert after["learning_sets"] == b_before["learning_sets"]
    assert ticker.tick(day_31, budget_seconds=5).purged == {}, "idempotent"


def test_a_reinstall_within_the_grace_period_resumes_with_the_new_token(
    cloud: Cloud, db: Database, clock: ManualClock
) -> None:
    a = cloud.a
    install(cloud, a)
    set_up_in(cloud, a)
    a.uninstall()
    cloud.driver(a).event({"type": "app_uninstalled"})
    settle(a)
    ticker = cloud.ticker(clock)
    clock.set(PROMPT_AT - timedelta(hours=1))
    ticker.tick(clock(), budget_seconds=5)

    install(cloud, a)  # a new code, a new token
    install(cloud, a)  # and again: the tokens are replaced, never duplicated
    assert bot_tokens(db, TEAM_A) == [a.issued_tokens()[-1]]
    with db.read() as s:
        ws = s.get(Workspace, TEAM_A)
        assert ws is not None and ws.uninstalled_at is None and ws.sending_stopped_at is None
    clock.set(PROMPT_AT)
    ticker.tick(PROMPT_AT, budget_seconds=5)
    settle(a)
    assert prompts(a) == {NY, SYDNEY, LA}, "the set's reminders resumed"
    assert rows_of(db, TEAM_A)["learning_sets"] == 1


def test_tokens_revoked_stops_that_workspace_only(
    cloud: Cloud, db: Database, clock: ManualClock
) -> None:
    both_with_a_set(cloud)
    cloud.a.uninstall()  # Slack revokes the tokens and says so
    event = {"type": "tokens_revoked", "tokens": {"bot": [f"U0BOT{TEAM_A[-5:]}"]}}
    assert cloud.driver(cloud.a).event(event).status == 200
    settle(cloud.a)
    assert bot_tokens(db, TEAM_A) == []
    clock.set(PROMPT_AT)
    cloud.ticker(clock).tick(PROMPT_AT, budget_seconds=5)
    settle(cloud.b)
    assert prompts(cloud.b) == {NY, SYDNEY, LA} and prompts(cloud.a) == set()


@pytest.mark.parametrize(
    ("tamper", "status", "says"),
    [
        ("forged state", 401, "expired or has already been used"),
        ("replayed state", 401, "expired or has already been used"),
        ("other browser", 400, "another browser"),
        ("access denied", 200, "cancelled"),
        ("bad code", 401, "did not accept the installation code"),
    ],
)
def test_an_install_that_goes_wrong_says_so_and_stores_nothing(
    cloud: Cloud, db: Database, tamper: str, status: int, says: str
) -> None:
    started = start_install(cloud)
    code = cloud.a.approve_install(redirect_uri=cloud.url + REDIRECT_PATH)
    if tamper == "forged state":
        # Cookie and state agree (an attacker controls both), but the state was never issued.
        forged = Started(started.authorize_url, "forged", "slack-app-oauth-state=forged")
        page = finish_install(cloud, forged, code)
    elif tamper == "replayed state":
        assert finish_install(cloud, started, code).status == 200
        with db.write() as s, s.begin():
            s.execute(text("DELETE FROM slack_bots"))
        page = finish_install(cloud, started, cloud.a.approve_install())
    elif tamper == "other browser":
        page = finish_install(cloud, started, code, cookie="slack-app-oauth-state=other")
    elif tamper == "access denied":
        page = get(f"{cloud.url}{REDIRECT_PATH}?error=access_denied&state={started.state}")
    else:
        page = finish_install(cloud, started, "not-a-code")
    assert page.status == status
    assert says in page.body and "Start again" in page.body
    assert "Traceback" not in page.body
    assert bot_tokens(db, TEAM_A) == []


def test_a_request_from_a_workspace_never_installed_is_answered_and_ignored(
    cloud: Cloud, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    driver = cloud.driver(cloud.b)
    response = driver.event({"type": "app_home_opened", "user": NY, "tab": "home"})
    assert response.status == 200
    response = driver.command(NY, "help me with SECRET-TEXT")
    assert response.status == 200
    cloud.b.wait_for("response_url", count=1)
    assert NOT_INSTALLED in last_response_text(cloud.b)
    assert [c.method for c in cloud.b.calls] == ["response_url"], "no Web API call"
    assert "SECRET-TEXT" not in caplog.text


@pytest.mark.parametrize("cloud", [True], indirect=True)
def test_a_rotating_token_is_refreshed_once_by_two_processes_at_once(
    cloud: Cloud, db: Database, clock: ManualClock
) -> None:
    a = cloud.a
    install(cloud, a)
    first = bot_tokens(db, TEAM_A)[0]
    assert first.startswith("xoxe.xoxb-")
    other = serve(db, a, clock, cloud.skew)  # a second process on the same database
    try:
        clients = [
            Clients(app.tokens, lambda t: scheduler_client(t, a.api_url))
            for app in (cloud.app, other[0])
        ]
        cloud.skew.seconds = 11 * 3600  # an hour before the 12-hour token expires
        barrier = threading.Barrier(2)
        tokens: list[str] = []

        def use(c: Clients) -> None:
            barrier.wait()
            tokens.append(c(TEAM_A).token or "")

        threads = [threading.Thread(target=use, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert a.refresh_count() == 1
        assert tokens[0] == tokens[1] == bot_tokens(db, TEAM_A)[0] != first
        assert clients[0](TEAM_A).auth_test()["team_id"] == TEAM_A
        # Past the old token's expiry, the new one goes on working; the old one does not.
        cloud.skew.seconds = 12 * 3600 + 60
        assert clients[1](TEAM_A).auth_test()["ok"]
        assert a.refresh_count() == 1
    finally:
        other[0].close()
        other[1].shutdown()
        other[1].server_close()


@pytest.mark.parametrize("cloud", [True], indirect=True)
def test_a_failed_refresh_holds_that_workspaces_sends_and_not_the_others(
    cloud: Cloud, db: Database, clock: ManualClock
) -> None:
    both_with_a_set(cloud)
    # A's refresh token stops working (revoked on Slack's side), and its token expires.
    [refresh] = stored_tokens(db, TEAM_A, "bot_refresh_token")
    cloud.a.revoke_token(refresh)
    cloud.skew.seconds = 12 * 3600 + 60
    clock.set(PROMPT_AT)
    ticker = cloud.ticker(clock)
    summary = ticker.tick(PROMPT_AT, budget_seconds=5)
    settle(cloud.b)
    assert prompts(cloud.b) == {NY, SYDNEY, LA}, "B refreshed its own token and went on"
    assert prompts(cloud.a) == set()
    assert TEAM_A in ticker.stopped and summary.sent.stopped == {TEAM_A}
    with pytest.raises(NoToken):
        cloud.app.tokens.facts(TEAM_A)
    # A is installed again (new tokens): what waited is sent, once.
    install(cloud, cloud.a)
    ticker.tick(PROMPT_AT + timedelta(minutes=1), budget_seconds=5)
    settle(cloud.a)
    assert prompts(cloud.a) == {NY, SYDNEY, LA}
    assert all(len(dms(cloud.a, u)) == 1 for u in (NY, SYDNEY, LA)), "nothing doubled"


def test_each_process_reads_an_installation_once_per_few_seconds(db: Database) -> None:
    """The token is read once per ``CACHE_SECONDS`` per process; this process's uninstall
    forgets it at once, another process's within those seconds; an install is seen at once."""
    from slack_sdk.oauth.installation_store.models.installation import Installation

    from bot.slack.tokens import CACHE_SECONDS, InstalledTokens
    from bot.storage.installations import InstallationRecords

    records = InstallationRecords("1111.2222", db)
    now = [0.0]

    def process() -> InstalledTokens:
        return InstalledTokens(
            records,
            client_id="1111.2222",
            client_secret="secret",
            api_url="http://127.0.0.1:9/api/",
            owner=f"test-{len(now)}",
            monotonic=lambda: now[0],
        )

    def installed(token: str) -> None:
        records.save(
            Installation(
                app_id="A1", team_id=TEAM_A, bot_token=token, bot_user_id="U0BOT", user_id="U1"
            )
        )

    this, other = process(), process()
    with pytest.raises(NoToken):
        this.facts(TEAM_A)
    installed("xoxb-first")
    assert this.facts(TEAM_A).token == "xoxb-first", "an install is seen at once"
    other.forget(TEAM_A)  # another process handled the uninstall
    assert this.facts(TEAM_A).token == "xoxb-first", "not read again yet"
    now[0] += CACHE_SECONDS
    with pytest.raises(NoToken):
        this.facts(TEAM_A)
    installed("xoxb-second")
    assert this.facts(TEAM_A).token == "xoxb-second"
    this.forget(TEAM_A)
    with pytest.raises(NoToken):
        this.facts(TEAM_A)


# -- the tokens sealed at rest (bot.storage.crypto) -------------------------------------------
def in_clear(db: Database, *tokens: str) -> set[str]:
    """Which of ``tokens`` the database's raw storage holds in clear (its file, or pg_dump)."""
    return found_in_storage(db, re.compile("|".join(re.escape(t) for t in tokens)))


def installation_tokens(db: Database, team: str) -> list[str | None]:
    """The workspace's installer row's bot token and refresh token, as stored."""
    with db.read() as s:
        row = s.execute(
            text("SELECT bot_token, bot_refresh_token FROM slack_installations WHERE team_id = :t"),
            {"t": team},
        ).one()
    return [row[0], row[1]]


def sent_ok(fake: FakeSlack, since: int) -> list[str]:
    """The Web API calls made since ``since`` that Slack accepted (a call with a token it does
    not know answers ``invalid_auth``)."""
    return [c.method for c in fake.calls[since:] if c.response.get("ok")]


@contextlib.contextmanager
def another_process(cloud: Cloud, db: Database, clock: ManualClock) -> Iterator[Clients]:
    """The clients of a second process on the same database (it reads the tokens afresh)."""
    app, server, _url = serve(db, cloud.a, clock, cloud.skew)
    try:
        yield Clients(app.tokens, lambda t: scheduler_client(t, cloud.a.api_url))
    finally:
        app.close()
        server.shutdown()
        server.server_close()


@pytest.fixture
def ring(db: Database) -> Iterator[None]:
    """The engine's keyring is put back after a test that changes it (a restart)."""
    before = keyring_of(db.engine)
    yield
    use_keyring(db.engine, before)


@pytest.mark.parametrize("cloud", [True], indirect=True)
def test_the_tokens_are_stored_sealed_and_used_and_refreshed_as_before(
    cloud: Cloud, db: Database, clock: ManualClock
) -> None:
    a = cloud.a
    install(cloud, a)
    [token] = bot_tokens(db, TEAM_A)  # sealed (stored_tokens checks it), opened
    [refresh] = stored_tokens(db, TEAM_A, "bot_refresh_token")
    assert token == a.issued_tokens()[-1] and refresh.startswith("xoxe-1-")
    keyring = keyring_of(db.engine)
    assert keyring is not None
    stored = installation_tokens(db, TEAM_A)
    assert all(v and v.startswith(PREFIX) for v in stored)
    assert [keyring.open(v or "") for v in stored] == [token, refresh]
    assert in_clear(db, token, refresh) == set()

    # The app sends with the workspace's token.
    before = len(a.calls)
    assert set_up_in(cloud, a).status == 200
    assert "chat.postMessage" in sent_ok(a, before)

    # An hour before it expires, the token is refreshed; the new pair is stored sealed too.
    cloud.skew.seconds = 11 * 3600
    clients = Clients(cloud.app.tokens, lambda t: scheduler_client(t, a.api_url))
    assert clients(TEAM_A).auth_test()["team_id"] == TEAM_A
    assert a.refresh_count() == 1
    [new] = bot_tokens(db, TEAM_A)
    [new_refresh] = stored_tokens(db, TEAM_A, "bot_refresh_token")
    assert new == a.issued_tokens()[-1] != token and new_refresh not in (refresh, "")
    assert in_clear(db, token, refresh, new, new_refresh) == set()
    # Past the old token's expiry, another process reads the new pair and sends with it.
    cloud.skew.seconds = 12 * 3600 + 60
    with another_process(cloud, db, clock) as other:
        assert other(TEAM_A).auth_test()["ok"]
    assert a.refresh_count() == 1


@pytest.mark.parametrize("cloud", [True], indirect=True)
def test_rotate_keys_moves_the_tokens_to_the_new_key_and_check_counts_them(
    cloud: Cloud, db: Database, clock: ManualClock, tmp_path: Path, ring: None
) -> None:
    install(cloud, cloud.a)
    old = Keyring([TEST_KEY]).current
    key = new_key()
    env = {"DATABASE_URL": db.url, "ALS_ENCRYPTION_KEYS": f"{key},{TEST_KEY}"}
    # The processes restart with the new key first: they open with both.
    use_keyring(db.engine, Keyring([key, TEST_KEY]))
    check = run(["rotate-keys", "--check"], tmp_path, env)
    assert check.returncode == 1
    assert f"4 value(s) sealed with {old}, an older key still in" in check.stdout  # 2 per table

    rotated = run(["rotate-keys"], tmp_path, env)
    assert rotated.returncode == 0, rotated.stderr
    assert "4 value(s) sealed again" in rotated.stdout
    assert "rotate-keys: slack_bots: 1 of 1 row(s)" in rotated.stdout
    assert "rotate-keys: slack_installations: 1 of 1 row(s)" in rotated.stdout
    new = Keyring([key]).current
    assert f"every value is sealed with the current key {new}" in rotated.stdout
    assert cloud.a.issued_tokens()[-1] not in rotated.stdout + rotated.stderr

    # The old key goes: the tokens open with the new one alone, and the app sends with them.
    use_keyring(db.engine, Keyring([key]))
    assert (
        run(["rotate-keys", "--check"], tmp_path, {**env, "ALS_ENCRYPTION_KEYS": key}).returncode
        == 0
    )
    assert bot_tokens(db, TEAM_A) == [cloud.a.issued_tokens()[-1]]
    assert all((v or "").startswith(f"{PREFIX}{new}:") for v in installation_tokens(db, TEAM_A))
    with another_process(cloud, db, clock) as other:
        assert other(TEAM_A).auth_test()["ok"]


def test_an_installation_stored_in_clear_is_used_then_sealed_by_rotate_keys(
    cloud: Cloud, db: Database, clock: ManualClock, tmp_path: Path, ring: None
) -> None:
    a = cloud.a
    keyring = keyring_of(db.engine)
    use_keyring(db.engine, None)  # installed before encryption was turned on
    install(cloud, a)
    token = a.issued_tokens()[-1]
    assert installation_tokens(db, TEAM_A)[0] == token
    use_keyring(db.engine, keyring)  # restarted with the key

    # Read as it is: the app sends with it.
    before = len(a.calls)
    assert set_up_in(cloud, a).status == 200
    assert "chat.postMessage" in sent_ok(a, before)

    env = {"DATABASE_URL": db.url, "ALS_ENCRYPTION_KEYS": TEST_KEY}
    check = run(["rotate-keys", "--check"], tmp_path, env)
    assert check.returncode == 1 and "2 value(s) in clear" in check.stdout, check.stdout
    rotated = run(["rotate-keys"], tmp_path, env)
    assert rotated.returncode == 0, rotated.stderr
    assert "2 sealed for the first time" in rotated.stdout
    assert token not in rotated.stdout + rotated.stderr
    assert bot_tokens(db, TEAM_A) == [token]  # sealed now
    assert all((v or "").startswith(PREFIX) for v in installation_tokens(db, TEAM_A)[:1])
    assert run(["rotate-keys", "--check"], tmp_path, env).returncode == 0
    with another_process(cloud, db, clock) as other:
        assert other(TEAM_A).auth_test()["ok"]


def test_the_installer_tokens_and_webhook_are_sealed_and_clear_with_encryption_off(
    db: Database,
) -> None:
    from slack_sdk.oauth.installation_store.models.installation import Installation

    from bot.storage.installations import InstallationRecords

    secrets: dict[str, Any] = {
        "bot_token": "xoxb-SEALME-bot",
        # as long as Slack's (about 150 characters): sealed, longer than slack_sdk's 200
        "bot_refresh_token": "xoxe-1-SEALME-" + "botrefresh" * 14,
        "user_token": "xoxp-SEALME-user",
        "user_refresh_token": "xoxe-1-SEALME-userrefresh",
        "incoming_webhook_url": "https://hooks.slack.test/services/SEALME",
    }
    columns = ", ".join(secrets)

    def stored(team: str) -> dict[str, str]:
        with db.read() as s:
            row = s.execute(
                text(f"SELECT {columns} FROM slack_installations WHERE team_id = :t"), {"t": team}
            ).one()
        return dict(zip(secrets, row, strict=True))

    def installation(team: str) -> Installation:
        return Installation(app_id="A1", team_id=team, user_id="U1", bot_user_id="U0BOT", **secrets)

    sealed = InstallationRecords("1111.2222", db)
    sealed.save(installation(TEAM_A))
    assert all(v.startswith(PREFIX) and "SEALME" not in v for v in stored(TEAM_A).values())
    found = sealed.find_installation(enterprise_id=None, team_id=TEAM_A, user_id="U1")
    assert found is not None
    assert {k: getattr(found, k) for k in secrets} == secrets
    assert in_clear(db, *secrets.values()) == set()

    off = Database(db.url)  # ALS_ENCRYPTION=off: no keyring, stored in clear as before
    try:
        InstallationRecords("1111.2222", off).save(installation(TEAM_B))
        bot = InstallationRecords("1111.2222", off).find_bot(enterprise_id=None, team_id=TEAM_B)
    finally:
        off.dispose()
    assert stored(TEAM_B) == secrets
    assert bot is not None and bot.bot_token == secrets["bot_token"]
    assert in_clear(db, secrets["user_token"]) == {secrets["user_token"]}  # the scan sees it
