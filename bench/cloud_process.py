"""The fan-out bench's fake workspaces, in the bench's process or in one of their own.

In production Slack's CPU is not ours: ``--fake-process`` runs the ``FakeCloud`` (every
workspace's ``FakeSlack``, their rate limits, the one HTTP server in front) in a child process,
so the process being measured holds only the app's side of each send (the claim, the context,
the message, the HTTP call, the record). Either way the bench sees the cloud through ``Cloud``:
where to call it, the installations to seed, and at the end what each workspace received.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from slack_sdk.oauth.installation_store.models.installation import Installation
from workspaces import FakeCloud, fake_cloud, installation

#: (team_id, target, kind) of one reminder owed.
Owed = tuple[str, str, str]


@dataclass(frozen=True)
class SetSpec:
    """A set's workspace, channel and members, as the fakes need them."""

    team: str
    channel: str
    users: tuple[str, ...]


@dataclass(frozen=True)
class Posts:
    """One workspace's chat.postMessage calls."""

    calls: int
    limited: int  # answered 429
    delivered: int  # accepted
    ok_times: tuple[float, ...]  # when each accepted post arrived (epoch seconds, sorted)


@dataclass(frozen=True)
class CloudInfo:
    api_url: str
    client_id: str
    client_secret: str
    front_token: str
    installations: tuple[Installation, ...]
    setup_seconds: float
    workspaces: int


def _set_up(sets: Sequence[SetSpec], budget: int, latency: float, cloud: FakeCloud) -> None:
    for spec in sets:
        fake = cloud.fakes[spec.team]
        for u in spec.users:
            fake.add_user(u, u.lower(), real_name=u, tz="UTC")
        fake.add_channel(spec.channel, f"set-{spec.channel}", members=list(spec.users))
    for fake in cloud:
        fake.set_rate_limits(per_channel_per_second=1.0, per_workspace_per_minute=budget, burst=1)
        fake.set_latency(latency)


def _info(cloud: FakeCloud) -> CloudInfo:
    return CloudInfo(
        api_url=cloud.api_url,
        client_id=cloud.client_id,
        client_secret=cloud.client_secret,
        front_token=cloud.front.bot_token,
        installations=tuple(installation(fake) for fake in cloud),
        setup_seconds=cloud.setup_seconds,
        workspaces=len(cloud),
    )


def _message_counts(cloud: FakeCloud, expected: Sequence[Owed]) -> list[int]:
    counts = []
    for team, target, _kind in expected:
        fake = cloud.fakes[team]
        got = fake.messages(target) if target.startswith("C") else fake.dm_messages(target)
        counts.append(len(got))
    return counts


def _posts(cloud: FakeCloud) -> list[Posts]:
    found = []
    for fake in cloud:
        calls = fake.calls_to("chat.postMessage")
        ok = sorted(c.timestamp for c in calls if c.status == 200 and c.response.get("ok"))
        found.append(
            Posts(
                calls=len(calls),
                limited=fake.rate_limited_count("chat.postMessage"),
                delivered=fake.accepted_count("chat.postMessage"),
                ok_times=tuple(ok),
            )
        )
    return found


class Cloud:
    """What the bench asks of the fake workspaces, wherever they run."""

    def __init__(self, info: CloudInfo, ask: Any) -> None:
        self.info = info
        self._ask = ask

    def __len__(self) -> int:
        return self.info.workspaces

    def message_counts(self, expected: Sequence[Owed]) -> list[int]:
        """How many messages each owed reminder's target got."""
        return list(self._ask("messages", list(expected)))

    def posts(self) -> list[Posts]:
        return list(self._ask("posts", None))


@contextlib.contextmanager
def cloud_here(
    teams: Sequence[str],
    sets: Sequence[SetSpec],
    budget: int,
    latency: float = 0.0,
    *,
    serve_each: bool = False,
) -> Iterator[Cloud]:
    """The fakes in this process (what the bench did before ``--fake-process``). ``latency``:
    each call's wait before Slack handles it (``FakeSlack.set_latency``)."""
    with fake_cloud(teams, serve_each=serve_each) as cloud:
        _set_up(sets, budget, latency, cloud)

        def ask(command: str, arg: Any) -> Any:
            return _message_counts(cloud, arg) if command == "messages" else _posts(cloud)

        yield Cloud(_info(cloud), ask)


def _child(
    conn: Connection, teams: list[str], sets: list[SetSpec], budget: int, latency: float
) -> None:
    with fake_cloud(teams) as cloud:
        _set_up(sets, budget, latency, cloud)
        conn.send(_info(cloud))
        while True:
            command, arg = conn.recv()
            if command == "messages":
                conn.send(_message_counts(cloud, arg))
            elif command == "posts":
                conn.send(_posts(cloud))
            else:
                return


@contextlib.contextmanager
def cloud_apart(
    teams: Sequence[str], sets: Sequence[SetSpec], budget: int, latency: float = 0.0
) -> Iterator[Cloud]:
    """The fakes in a child process (forked before the bench starts any thread)."""
    ours, theirs = mp.get_context("fork").Pipe()
    child = mp.get_context("fork").Process(
        target=_child, args=(theirs, list(teams), list(sets), budget, latency), daemon=True
    )
    child.start()
    try:
        info = ours.recv()

        def ask(command: str, arg: Any) -> Any:
            ours.send((command, arg))
            return ours.recv()

        yield Cloud(info, ask)
    finally:
        with contextlib.suppress(OSError):
            ours.send(("stop", None))
        child.join(timeout=30)
        if child.is_alive():
            child.kill()
