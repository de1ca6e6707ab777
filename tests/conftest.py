"""Shared fixtures: a database per backend, the fake Slack, the real app served over HTTP.

Every test that uses ``db`` (directly or through the app) runs once on SQLite and once on
PostgreSQL. PostgreSQL is found through ``ALS_TEST_POSTGRES_URL`` (default: the local server,
user postgres); each test run creates its own throwaway database and drops it at the end. When
PostgreSQL is unreachable those tests skip, except with ``CI=true``, where they fail.
"""

from __future__ import annotations

import os
import threading
import uuid
import weakref
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.app import AlsBot, create_app
from bot.clock import ManualClock
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.storage.crypto import Keyring, new_key
from bot.storage.db import Database, make_engine
from bot.storage.installations import SLACK_TABLES
from bot.storage.migrate import upgrade
from bot.storage.models import Base

SIGNING_SECRET = "0123456789abcdef0123456789abcdef"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
#: The key that seals members' text in the tests' databases (and in the processes they start:
#: ``ALS_ENCRYPTION_KEYS``), new for each run.
TEST_KEY = new_key()


def _postgres_admin_url() -> str:
    return os.environ.get("ALS_TEST_POSTGRES_URL", PG_DEFAULT)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'als-test.db'}"
        return
    admin_url = make_url(_postgres_admin_url())
    admin = make_engine(
        admin_url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
    )
    name = f"als_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        message = f"PostgreSQL unreachable at {admin_url.render_as_string()} ({type(exc).__name__})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + ": with CI=true the PostgreSQL tests must run")
        pytest.skip(message)
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def migrated(database_url: str) -> Iterator[Database]:
    # Members' text is sealed in every test, as in production (``bot.storage.crypto``).
    database = Database(database_url, keyring=Keyring([TEST_KEY]))
    upgrade(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def db(migrated: Database) -> Database:
    """A migrated, empty database (tables are emptied before each test)."""
    tables = [t.name for t in [*reversed(Base.metadata.sorted_tables), *SLACK_TABLES.sorted_tables]]
    with migrated.engine.begin() as conn:
        # Children before parents. On PostgreSQL, DELETE and then restarting the sequences a
        # test used leaves what ``TRUNCATE ... RESTART IDENTITY`` would, in a few ms instead
        # of a few hundred (TRUNCATE makes new files for every table and index).
        for table in tables:
            conn.execute(text(f"DELETE FROM {table}"))
        if migrated.dialect == "postgresql":
            used = conn.execute(
                text("SELECT sequencename FROM pg_sequences WHERE last_value IS NOT NULL")
            ).scalars()
            for sequence in used:
                conn.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))
    return migrated


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


# People and channels of the fake workspace.
FAC = "U0FACIL001"  # Fiona, facilitator, London
MEMBERS = ["U0MEMBER01", "U0MEMBER02", "U0MEMBER03", "U0MEMBER04", "U0MEMBER05"]
OUTSIDER = "U0OUTSID01"
GHOST = "U0GHOST001"  # deactivated
ROBOT = "U0ROBOT001"  # a bot user
SET_CHANNEL = "C0SETCHAN1"  # private, bot and everyone in it
PUBLIC_CHANNEL = "C0PUBLIC01"
NOBOT_CHANNEL = "C0NOBOT001"  # private, bot not invited


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = populate(FakeSlack())
    fake.start()
    yield fake
    fake.stop()


def populate(fake: FakeSlack) -> FakeSlack:
    """The test workspace's people and channels (see the constants above)."""
    fake.add_user(FAC, "fiona", real_name="Fiona Facilitator", tz="Europe/London")
    zones = [
        "America/New_York",
        "Europe/Berlin",
        "Asia/Tokyo",
        "Australia/Sydney",
        "America/Los_Angeles",
    ]
    for user, tz in zip(MEMBERS, zones, strict=True):
        fake.add_user(user, user.lower(), real_name=f"Member {user[-2:]}", tz=tz)
    fake.add_user(OUTSIDER, "olly", real_name="Olly Outsider")
    fake.add_user(GHOST, "gone", real_name="Gone Person", deleted=True)
    fake.add_user(ROBOT, "robot", real_name="Some Bot", is_bot=True)
    everyone = [FAC, *MEMBERS]
    fake.add_channel(SET_CHANNEL, "als-set", is_private=True, members=everyone)
    fake.add_channel(PUBLIC_CHANNEL, "general", is_private=False, members=[*everyone, OUTSIDER])
    fake.add_channel(
        NOBOT_CHANNEL, "secret", is_private=True, members=everyone, bot_is_member=False
    )
    return fake


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128  # the stdlib default (5) resets bursts of concurrent clicks


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


# Home tabs are republished at most this often per member in tests (production: 1 s), and
# after ballot clicks once the voter has stopped for this long (production: 3 s).
HOME_INTERVAL = 0.05
HOME_SETTLE = 0.15


def app_for(db: Database, slack: FakeSlack, clock: ManualClock, **options: Any) -> Iterator[AlsBot]:
    """The app as the ``als`` fixture builds it; ``options`` override ``create_app``'s."""
    bot = create_app(
        db=db,
        bot_token=slack.bot_token,
        signing_secret=SIGNING_SECRET,
        api_url=slack.api_url,
        clock=clock,
        **{"home_interval": HOME_INTERVAL, "home_settle": HOME_SETTLE, **options},
    )
    watch(slack, bot)
    yield bot
    bot.close()


#: Fake Slacks that only apps in the test's own process call, each registered by ``watch``,
#: with the idle checks of those apps' Home tab publishers. There ``tests.helpers.settle``
#: can trust the apps' idle checks and need not wait for a long silence; on other fake
#: Slacks a process the test started (which it cannot see) may still be about to call.
WATCHED: weakref.WeakKeyDictionary[FakeSlack, list[Callable[[], bool]]] = (
    weakref.WeakKeyDictionary()
)


def watch(slack: FakeSlack, bot: AlsBot) -> None:
    """``settle`` waits for this app: its listeners (the work after their acks included) and,
    when it can, its Home tab publisher (publishes waiting for their interval or retrying)."""
    slack.idle_checks.append(bot.idle)
    WATCHED.setdefault(slack, []).append(bot.deps.publisher.idle)


@pytest.fixture
def als(db: Database, slack: FakeSlack, clock: ManualClock) -> Iterator[AlsBot]:
    yield from app_for(db, slack, clock)


@pytest.fixture
def app_url(als: AlsBot) -> Iterator[str]:
    """The real app (the same WSGI app ``als-bot serve`` runs) on a loopback port."""
    server = make_server(
        "127.0.0.1", 0, als.wsgi(), server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    # shutdown() waits for the loop's next poll: the default (0.5 s) added it to every test.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def driver(app_url: str, slack: FakeSlack) -> SlackDriver:
    return SlackDriver(f"{app_url}/slack/events", SIGNING_SECRET, slack)
