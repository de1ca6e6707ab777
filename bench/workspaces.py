"""Many Slack workspaces for the benchmarks: the distributed app's side of them.

- ``FakeCloud``: one ``FakeSlack`` per workspace, joined behind one API URL (``FakeSlack.join``),
  each with its own bot token, state, calls and rate limiter (each workspace its own budget, as
  in Slack). Only the first one (the front) starts an HTTP server unless ``serve_each``: a call
  arriving with another workspace's token is handled by that workspace's fake, which need not be
  started. The front routes by a token index (``_FrontSlack``) instead of the fake's scan of every
  joined fake (about 0.12 ms a call at 1,000 workspaces, spent in the process being measured).
- ``installation`` / ``seed_installations``: each workspace's install of the app, as the OAuth
  flow would have saved it (slack_sdk's ``Installation``; bulk Core inserts into slack_sdk's
  tables, built as ``SQLAlchemyInstallationStore.save`` builds its rows, and the ``workspaces``
  rows ``InstallationRecords.save`` ensures), read back through ``InstallationRecords.find_bot``.
- ``distributed_app``: ``create_app(..., distribution=Distribution(...))`` as ``als-bot serve`` /
  ``scheduler`` build it with ``SLACK_CLIENT_ID`` set: every send asks ``Clients(team_id)``,
  whose token ``InstalledTokens`` reads from the database.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import normalize_datetime_for_db
from sqlalchemy import insert, select

from bot.app import AlsBot, Distribution, create_app
from bot.clock import Clock
from bot.fakeslack.server import FakeSlack
from bot.handlers.install import BOT_SCOPES, REDIRECT_PATH
from bot.storage.db import Database
from bot.storage.installations import InstallationRecords
from bot.storage.models import Workspace

#: The app's credentials: ``FakeSlack``'s defaults (which ``FakeSlack.join`` needs on all).
CLIENT_ID = "1111.2222"
CLIENT_SECRET = "fake-client-secret"
#: The installer of every seeded installation (a user of the workspace).
INSTALLER = "U0INSTALL1"
#: What ``PUBLIC_URL`` says in the benches (only the OAuth redirect URI is built from it).
PUBLIC_URL = "http://127.0.0.1"
CHUNK = 5_000  # rows per executemany


def team_of_workspace(w: int) -> str:
    """The team id of the ``w``-th workspace (from 0); ``bench/tick_cost.py``'s ids too."""
    return f"T{w:08d}"


def bot_token_of(team_id: str) -> str:
    return f"xoxb-bench-{team_id}"


class _FrontSlack(FakeSlack):
    """The fake that listens: a joined workspace's call is routed by a token index, built once
    every fake has joined (the bench's tokens never change: no OAuth, no rotation); a token not
    in it is routed as ``FakeSlack`` does."""

    _by_token: dict[str, FakeSlack]

    def index_tokens(self) -> None:
        self._by_token = {
            token: fake
            for fake in self._cloud
            for token in fake._tokens  # the fake's own token table
        }

    def _route(self, method: str, token: str | None, grant: dict[str, Any] | None) -> FakeSlack:
        if grant is None and token:
            fake = getattr(self, "_by_token", {}).get(token)
            if fake is not None:
                return fake
        return super()._route(method, token, grant)


def fake_workspace(team_id: str, *, front: bool = False, **options: Any) -> FakeSlack:
    """A fake workspace with the app installed under its own bot token (``bot_token_of``)."""
    kind = _FrontSlack if front else FakeSlack
    return kind(
        team_id=team_id,
        bot_token=bot_token_of(team_id),
        team_name=f"Bench {team_id}",
        team_domain=f"bench-{team_id.lower()}",
        **options,
    )


@dataclass
class FakeCloud:
    """Workspaces behind one Slack API URL (``front.api_url``), by team id, in order."""

    front: FakeSlack
    fakes: dict[str, FakeSlack]
    setup_seconds: float  # creating and joining the fakes, starting the server(s)

    @property
    def api_url(self) -> str:
        return self.front.api_url

    @property
    def client_id(self) -> str:
        return self.front.client_id

    @property
    def client_secret(self) -> str:
        return self.front.client_secret

    def __iter__(self) -> Iterator[FakeSlack]:
        return iter(self.fakes.values())

    def __len__(self) -> int:
        return len(self.fakes)


@contextlib.contextmanager
def fake_cloud(teams: Sequence[str], *, serve_each: bool = False) -> Iterator[FakeCloud]:
    """One fake per team, joined behind the first one's API URL; stopped afterwards.
    ``serve_each``: every fake starts its own HTTP server too (one thread each, polling every
    50 ms: only to measure what that costs; the calls all arrive at the front anyway)."""
    if not teams or len(set(teams)) != len(teams):
        raise ValueError("teams: at least one, all distinct")
    began = time.perf_counter()
    front = fake_workspace(teams[0], front=True)
    fakes = {teams[0]: front}
    with contextlib.ExitStack() as stack:
        for team in teams[1:]:
            fake = fakes[team] = fake_workspace(team)
            front.join(fake)
        assert isinstance(front, _FrontSlack)
        front.index_tokens()
        serving: list[FakeSlack] = list(fakes.values()) if serve_each else [front]
        # Stopped together: each stop waits up to a poll interval (50 ms) for its server.
        stack.callback(_stop_all, serving)
        for fake in serving:
            fake.start()
        yield FakeCloud(front, fakes, time.perf_counter() - began)


def _stop_all(fakes: list[FakeSlack]) -> None:
    with ThreadPoolExecutor(max_workers=min(32, len(fakes))) as pool:
        list(pool.map(lambda fake: fake.stop(), fakes))


# ------------------------------------------------------------------------ installations
def installation(fake: FakeSlack) -> Installation:
    """The app's install in ``fake``'s workspace, as Slack's OAuth answer describes it (the
    token is the fake's own ``bot_token``, which it accepts: ``installed=True``)."""
    return installation_of(
        fake.team_id,
        fake.bot_token,
        team_name=fake.team_name,
        app_id=fake.app_id,
        bot_id=fake.bot_id,
        bot_user_id=fake.bot_user_id,
    )


def installation_of(
    team_id: str,
    bot_token: str | None = None,
    *,
    team_name: str | None = None,
    app_id: str = "A0APP00001",
    bot_id: str = "B0BOT00001",
    bot_user_id: str = "U0BOT00001",
) -> Installation:
    """An install of the app in ``team_id`` (token default: ``bot_token_of(team_id)``), for a
    workspace no fake answers for (a bench whose passes call no Slack)."""
    return Installation(
        app_id=app_id,
        enterprise_id=None,
        team_id=team_id,
        team_name=team_name or f"Bench {team_id}",
        bot_token=bot_token or bot_token_of(team_id),
        bot_id=bot_id,
        bot_user_id=bot_user_id,
        bot_scopes=list(BOT_SCOPES),
        user_id=INSTALLER,
    )


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def seed_installations(db: Database, client_id: str, installs: Sequence[Installation]) -> float:
    """Save ``installs`` (one per workspace) in bulk: slack_sdk's installation and bot rows, built
    as ``SQLAlchemyInstallationStore.save`` builds them, and the ``workspaces`` rows missing (as
    ``InstallationRecords.save`` ensures them). Checked through ``InstallationRecords.find_bot``
    (first and last workspace). Returns the seconds taken."""
    began = time.perf_counter()
    records = InstallationRecords(client_id, db)
    rows, bots = [], []
    for inst in installs:
        i = {**inst.to_dict(), "client_id": client_id}
        for key in ("installed_at", "bot_token_expires_at", "user_token_expires_at"):
            i[key] = normalize_datetime_for_db(i.get(key))
        rows.append(i)
        b = {**inst.to_bot().to_dict(), "client_id": client_id}
        for key in ("installed_at", "bot_token_expires_at"):
            b[key] = normalize_datetime_for_db(b.get(key))
        bots.append(b)
    teams = [str(inst.team_id) for inst in installs]
    with db.engine.begin() as conn:
        have = set(conn.scalars(select(Workspace.team_id)))
        missing = [{"team_id": t} for t in teams if t not in have]
        for chunk in _chunks(missing):
            conn.execute(insert(Workspace), chunk)
        for chunk in _chunks(rows):
            conn.execute(records.installations.insert(), chunk)
        for chunk in _chunks(bots):
            conn.execute(records.bots.insert(), chunk)
    for inst in (installs[0], installs[-1]):
        bot = records.find_bot(enterprise_id=None, team_id=inst.team_id)
        if bot is None or bot.bot_token != inst.bot_token:
            raise RuntimeError(f"the installation of {inst.team_id} does not read back")
    return time.perf_counter() - began


# ------------------------------------------------------------------------ the app
def distribution(client_id: str, client_secret: str) -> Distribution:
    """The settings ``als-bot`` reads from ``SLACK_CLIENT_ID``/``SLACK_CLIENT_SECRET`` and
    ``PUBLIC_URL``."""
    return Distribution(
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=f"{PUBLIC_URL}{REDIRECT_PATH}",
    )


def distributed_app(
    db: Database,
    clock: Clock,
    api_url: str,
    client_id: str,
    client_secret: str,
    signing_secret: str = "bench-signing-secret",
) -> AlsBot:
    """The app as ``als-bot`` builds it in distributed mode (its scheduler:
    ``app.scheduler(pacer=..., worker=...)``; close it with ``app.close()``)."""
    return create_app(
        db=db,
        bot_token="",
        signing_secret=signing_secret,
        api_url=api_url,
        clock=clock,
        public_url=PUBLIC_URL,
        distribution=distribution(client_id, client_secret),
    )
