"""Vote clicks under load: how long Slack waits for ``als-bot serve`` to ack, against a bare app.

N concurrent clients (one per voter) send signed ``block_actions`` vote clicks (a
``static_select`` in the voter's private ballot) to ``als-bot serve`` running as a subprocess
(waitress, 8 threads, SQLite or PostgreSQL, the fake Slack as its Web API). The app counts the
vote in the database *before* it acks, so the ack latency includes the write. The same
payloads, from the same clients, go to a bare Bolt app served the same way (``bare_app.py``:
acks and nothing else), in the same run: the framework's floor, side ``bare``; and to the fair
floor, side ``floor`` (``bare_app.py --update-view``: acks, then makes the app's Slack call, one
``views.update`` of a ballot-sized view, on the app's listener pool). Runs rotate over the
sides; the medians of several runs are reported, with the ratios als/bare and als/floor.

Each side's CPU per click comes from the operating system's accounting, not wall time: the
server process's (and its children's) utime + stime (``/proc/<pid>/stat``, fields 14 and 15, in
clock ticks) read before and after each load phase (after the phase's last ``views.update`` has
reached the fake Slack), divided by the phase's clicks. The database server's CPU (PostgreSQL)
and the fake Slack's (in this process) are not in it. The report compares the app with the fair
floor: CPU per click (aim <= 2x) and throughput (aim >= 0.5x), both meant for the closed loop.

After each run against the app, the bench checks that every click got HTTP 200, that every click
was accepted (one ``views.update`` per click, none saying "Nothing was changed"), and that the
vote counts in the database are what the clicks imply.

    .venv/bin/python bench/vote_clicks.py [--db sqlite|postgresql|both] [--clients 7]
        [--clicks 200] [--runs 3] [--warmup 20] [--pace 0] [--baseline REV] [--distributed]

``--baseline REV`` (a git revision: ``HEAD``, ``c5ac7fb``, ``main~3``) measures that revision
beside the working tree, in the same run: ``REV`` is checked out (detached) in a temporary
``git worktree`` (removed at the end, on failure too), and a third side, ``base``, serves it with
``python -m bot serve --no-scheduler`` and ``PYTHONPATH`` set to the worktree, so its ``bot``
package (and its migrations, which ``serve`` applies at start) is the baseline's, not the
installed one; the bench prints where that package was imported from. It has a database of its
own (a second SQLite file or throwaway PostgreSQL database) and a fake Slack of its own, and is
set up and checked as the app is. Runs rotate over the three sides; the report adds base/bare
and als/base (the change's effect on p50 and p99). The baseline's Slack surface (the set-up,
topic and vote modals, the vote's action ids) must be the one this bench drives.

``--distributed`` adds a side, ``dist``: the same ``als-bot serve --no-scheduler`` of the working
tree, in distributed-app mode (``SLACK_CLIENT_ID``, ``SLACK_CLIENT_SECRET``, ``PUBLIC_URL``,
``SLACK_SIGNING_SECRET`` set, ``SLACK_BOT_TOKEN`` unset), so every request is authorized with the
token ``InstalledTokens`` reads from the database and every Web API call goes through
``Clients(team_id)``. Like ``base``, it has a database and a fake Slack of its own (the fake with a
bot token of its own); before it is served, its database is migrated and holds the workspace's
installation (``InstallationRecords.save`` of the ``Installation`` the OAuth flow would have
saved: that fake's bot token), and the bench checks that it serves the install page (only
distributed mode does). It is set up and checked as ``als`` is. Runs rotate over every side; the
report adds dist/bare and dist/als (aim: p99 dist/als <= 1.1x; p50 too), medians of the runs.

PostgreSQL: a throwaway database is created on ``ALS_BENCH_POSTGRES_URL`` (default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres) and dropped at the end. Only 127.0.0.1 is
contacted; subprocesses and the database are cleaned up on failure too.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import multiprocessing
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from common import (
    PG_ADMIN_DEFAULT,
    Baseline,
    baseline_worktree,
    imported_bot,
    throwaway_postgres,
)
from sqlalchemy import select
from workspaces import PUBLIC_URL, installation

from bot.fakeslack.driver import Response, SlackDriver, compute_signature
from bot.fakeslack.server import FakeSlack
from bot.handlers.install import INSTALL_PATH
from bot.storage.crypto import Keyring, new_key
from bot.storage.db import Database
from bot.storage.installations import InstallationRecords
from bot.storage.migrate import upgrade
from bot.storage.models import VoteAllocation

SECRET = "bench-vote-clicks-signing-secret"
#: Members' text is sealed, as in a deployment (the app processes get it as ALS_ENCRYPTION_KEYS).
BENCH_KEY = new_key()
THREADS = 8  # `als-bot serve --threads` default
TZ = "Europe/London"
CHANNEL = "C0BENCHSET"
FAC = "U0BFACIL01"
MEMBERS = [f"U0BMEMB{i:03d}" for i in range(1, 8)]
VOTE_PREFIX = "als_vote_topic_"
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
AIM = 1.3  # p99 als/bare
AIM_DIST = 1.1  # p99 dist/als
AIM_CPU = 2.0  # CPU per click, als/floor (closed loop)
AIM_RATE = 0.5  # throughput, als/floor (closed loop)
DIST_TOKEN = "xoxb-bench-dist-token"  # the dist side's fake's bot token (from its install)


# ------------------------------------------------------------------------ processes
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def start_server(
    name: str, argv: list[str], env: dict[str, str], workdir: Path, stack: contextlib.ExitStack
) -> Server:
    port = free_port()
    log = workdir / f"{name}.log"
    out = stack.enter_context(log.open("wb"))
    proc = subprocess.Popen(
        [*argv, "--host", "127.0.0.1", "--port", str(port), "--threads", str(THREADS)],
        env=env,
        cwd=workdir,  # no stray .env from the caller's directory
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    server = Server(name, proc, port, log)
    stack.callback(stop_process, proc)
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}:\n{server.tail()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return server
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not answer /healthz within 60 s:\n{server.tail()}")
        time.sleep(0.1)


def check_distributed(server: Server) -> None:
    """``server`` runs in distributed-app mode: it serves the install page, which a
    single-workspace app answers 404 (not followed: it may redirect to Slack's authorize page)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", INSTALL_PATH)
        status = conn.getresponse().status
    finally:
        conn.close()
    if status not in (200, 302):
        raise RuntimeError(
            f"{server.name}: GET {INSTALL_PATH} answered {status}, not the install page: "
            f"not in distributed mode?\n{server.tail()}"
        )


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                kids += [int(k) for k in (task / "children").read_text().split()]
    return kids


def cpu_seconds(pid: int) -> tuple[float, float]:
    """(utime, stime) of ``pid`` and its live descendants, in seconds (``/proc/<pid>/stat``
    fields 14 and 15; the fields are counted after the command name, which may hold spaces)."""
    user, system, todo = 0, 0, [pid]
    while todo:
        current = todo.pop()
        try:
            stat = Path(f"/proc/{current}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # fields[0] is field 3 (state)
        user, system = user + int(fields[11]), system + int(fields[12])
        todo += _children(current)
    return user / CLOCK_TICKS, system / CLOCK_TICKS


def context_switches(pid: int) -> int:
    """Voluntary and involuntary context switches of ``pid``'s threads and its live
    descendants' (``/proc/<pid>/task/*/status``): each is a thread leaving the CPU, to wait
    (a lock, the interpreter's lock, I/O) or preempted."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                with contextlib.suppress(OSError):
                    for line in (task / "status").read_text().splitlines():
                        if "ctxt_switches:" in line:
                            total += int(line.split()[-1])
        todo += _children(current)
    return total


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


# ------------------------------------------------------------------------ set-up phase
def fake_slack(stack: contextlib.ExitStack, bot_token: str = "xoxb-test-token") -> FakeSlack:
    """A fake Slack with the facilitator, the members and the set's channel."""
    slack = FakeSlack(bot_token=bot_token).start()
    stack.callback(slack.stop)
    slack.add_user(FAC, "fiona", real_name="Fiona Facilitator", tz=TZ)
    for i, user in enumerate(MEMBERS, 1):
        slack.add_user(user, f"member{i}", real_name=f"Member {i}", tz=TZ)
    slack.add_channel(CHANNEL, "als-bench", is_private=True, members=[FAC, *MEMBERS])
    return slack


def seed_installation(database_url: str, slack: FakeSlack) -> None:
    """A distributed app's database before it is served: migrated, and holding the workspace's
    installation (its token: ``slack``'s bot token), as the OAuth install would leave it."""
    db = Database(database_url, keyring=Keyring([BENCH_KEY]))
    try:
        upgrade(db.engine)
        InstallationRecords(slack.client_id, db).save(installation(slack))
    finally:
        db.dispose()


def settle(slack: FakeSlack, quiet: float = 0.3, timeout: float = 30.0) -> None:
    """Wait until the app has stopped calling Slack (work it does after acking)."""
    deadline = time.monotonic() + timeout
    seen, last_change = len(slack.calls), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now_seen = len(slack.calls)
        if now_seen != seen:
            seen, last_change = now_seen, time.monotonic()
        elif time.monotonic() - last_change >= quiet:
            return


def accepted(response: Response, what: str) -> None:
    if response.status != 200:
        raise RuntimeError(f"{what}: HTTP {response.status} {response.body[:300]}")
    body = response.json() if response.body.strip() else {}
    if body.get("response_action") == "errors" or response.view_errors:
        raise RuntimeError(f"{what}: refused {body.get('errors') or response.view_errors}")


class Recorder(SlackDriver):
    """A driver that builds payloads exactly as SlackDriver.click does, and keeps them unsent."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent: list[dict[str, Any]] = []

    def _send_payload(self, payload: Any) -> Response:
        self.sent.append(json.loads(json.dumps(payload)))
        return Response(status=200, body="", headers={})


@dataclass
class Voter:
    user: str
    view_id: str
    external_id: str  # the ballot's, as the bot gave it (it redraws the ballot by this id)
    base_topic: int  # one vote, given in set-up, kept
    toggle_topic: int  # toggled 1 <-> 0 by the clicks: every click changes the count
    templates: dict[int, dict[str, Any]]  # selected count -> block_actions payload
    count: int = 0  # current count on toggle_topic (as the app stored it)


def select_topics(modal: dict[str, Any]) -> list[int]:
    return [
        int(b["accessory"]["action_id"][len(VOTE_PREFIX) :])
        for b in modal.get("blocks") or []
        if str((b.get("accessory") or {}).get("action_id", "")).startswith(VOTE_PREFIX)
    ]


def prepare(slack: FakeSlack, app_url: str) -> tuple[int, list[Voter]]:
    """Through the Slack surface: set, 4 topics, the vote, every member's open ballot."""
    driver = SlackDriver(app_url, SECRET, slack, timeout=30)
    tomorrow = (datetime.now(ZoneInfo(TZ)) + timedelta(days=1)).date().isoformat()

    accepted(driver.command(FAC, "setup", channel_id=CHANNEL), "/als setup")
    slack.wait_for("views.open", count=1, timeout=30)
    values = {
        "name": {"name_input": "Bench set"},
        "members": {"members_input": MEMBERS},
        "first_date": {"first_date_input": tomorrow},
    }
    accepted(driver.submit_view(FAC, values=values), "set-up modal")
    slack.wait_for("chat.postEphemeral", lambda c: c.args.get("user") == FAC, timeout=30)
    settle(slack)

    for author in MEMBERS[:4]:
        before = len(slack.calls_to("views.open"))
        accepted(driver.command(author, "topic", channel_id=CHANNEL), "/als topic")
        slack.wait_for("views.open", count=before + 1, timeout=30)
        topic = {
            "response": {"response_input": "topic"},
            "title": {"title_input": f"Topic of {author}"},
            "scenario": {"scenario_input": "Two teams disagree about priorities."},
            "question": {"question_input": "How do I get them to agree?"},
            "tried": {"tried_input": ""},
            "sharing": {"sharing_input": "private"},
        }
        accepted(driver.submit_view(author, values=topic), "topic modal")
        settle(slack)

    before = len(slack.messages(CHANNEL))
    accepted(driver.command(FAC, "agenda", channel_id=CHANNEL), "/als agenda")
    settle(slack)
    messages = slack.messages(CHANNEL)
    if len(messages) != before + 1 or "als_vote_open" not in json.dumps(messages[-1].blocks):
        raise RuntimeError("/als agenda did not open a vote (are there more topics than slots?)")
    vote_ts = messages[-1].ts

    recorder = Recorder(app_url, SECRET, slack)
    voters, vote_id = [], 0
    for i, user in enumerate(MEMBERS):
        before = len(slack.calls_to("views.open"))
        accepted(
            driver.click(user, "als_vote_open", channel_id=CHANNEL, message_ts=vote_ts), "Vote"
        )
        slack.wait_for("views.open", count=before + 1, timeout=30)
        modal = slack.open_views(user)[-1]
        vote_id = int(json.loads(modal["private_metadata"])["v"])
        topics = select_topics(modal)
        base, toggle = topics[i % len(topics)], topics[(i + 1) % len(topics)]
        # One vote kept on `base`: the toggling then never changes the voter's turnout, so the
        # measured clicks are the steady case (a views.update after the ack, no chat.update).
        before = len(slack.calls_to("views.update"))
        accepted(
            driver.click(user, f"{VOTE_PREFIX}{base}", view_id=modal["id"], selected="1"),
            "base vote",
        )
        slack.wait_for("views.update", count=before + 1, timeout=30)
        settle(slack, quiet=0.2)
        modal = slack.open_views(user)[-1]
        templates = {}
        for count in (1, 0):
            recorder.click(user, f"{VOTE_PREFIX}{toggle}", view_id=modal["id"], selected=str(count))
            templates[count] = recorder.sent.pop()
        ext = str(modal.get("external_id") or "")
        voters.append(Voter(user, modal["id"], ext, base, toggle, templates))
    settle(slack)
    return vote_id, voters


# ------------------------------------------------------------------------ load phase
@dataclass
class Phase:
    side: str
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cpu: float = 0.0  # the server's CPU seconds over the phase (process accounting)
    sys: float = 0.0  # the part of it in the kernel (stime)
    switches: int = 0  # the server's threads' context switches over the phase

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds

    @property
    def cpu_per_click(self) -> float:
        """Milliseconds of the server's CPU per click sent."""
        return self.cpu * 1000 / max(1, len(self.latencies))


@dataclass
class LoadSpec:
    """What the clients' process needs: no FakeSlack object, only picklable values (the
    ``trigger_id`` of every click is issued beforehand by the fake Slack, in this process)."""

    url: str
    voters: list[Voter]
    triggers: dict[str, list[str]]  # user -> one trigger_id per click
    clicks: int
    pace: float


@dataclass
class LoadResult:
    latencies: list[float]
    failures: list[str]
    counts: dict[str, int]  # user -> count on toggle_topic after the phase
    seconds: float


def body_for(voter: Voter, count: int, trigger_id: str) -> bytes:
    template = voter.templates[count]
    payload = {
        **template,
        "trigger_id": trigger_id,
        "actions": [{**template["actions"][0], "action_ts": f"{time.time():.6f}"}],
    }
    return urlencode([("payload", json.dumps(payload))]).encode()


def run_clients(spec: LoadSpec) -> LoadResult:
    """Every voter clicks ``spec.clicks`` times, each on a thread of its own. ``pace`` 0: each
    click is sent as soon as the previous one was acked (closed loop, the server's
    saturation). ``pace`` > 0: each voter sends one click every ``pace`` seconds (a random
    phase per voter; a late click goes at once), so the offered load is fixed and the latency
    is what Slack sees at that load."""
    lock = threading.Lock()
    start = threading.Barrier(len(spec.voters) + 1)
    latencies: list[float] = []
    failures: list[str] = []
    counts: dict[str, int] = {}

    def client(voter: Voter) -> None:
        count, mine, bad = voter.count, [], []
        rng = random.Random(voter.user)
        triggers = spec.triggers[voter.user]
        start.wait()
        next_at = time.perf_counter() + rng.uniform(0, spec.pace)
        for i in range(spec.clicks):
            if spec.pace:
                delay = next_at - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                next_at += spec.pace
            want = 1 - count
            body = body_for(voter, want, triggers[i])
            timestamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
                "X-Slack-Request-Timestamp": timestamp,
                "X-Slack-Signature": compute_signature(SECRET, timestamp, body),
            }
            request = urllib.request.Request(spec.url, data=body, headers=headers, method="POST")
            began = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=30) as resp:
                    status, data = resp.status, resp.read()
            except urllib.error.HTTPError as exc:
                status, data = exc.code, exc.read()
            except OSError as exc:
                bad.append(f"{voter.user}: {type(exc).__name__}: {exc}")
                continue
            mine.append(time.perf_counter() - began)
            if status != 200:
                bad.append(f"{voter.user}: HTTP {status} {data[:200]!r}")
            else:
                count = want
        with lock:
            latencies.extend(mine)
            failures.extend(bad)
            counts[voter.user] = count

    threads = [threading.Thread(target=client, args=(v,), daemon=True) for v in spec.voters]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    return LoadResult(latencies, failures, counts, time.perf_counter() - began)


def load(
    slack: FakeSlack,
    url: str,
    voters: list[Voter],
    clicks: int,
    side: str,
    *,
    stateful: bool,
    pace: float = 0.0,
    inline: bool = False,
) -> Phase:
    """Run the clients (see ``run_clients``) in a process of their own, as Slack's senders
    are: in this process they would share the interpreter lock with the fake Slack, which
    answers the app's Web API calls (the ``views.update`` after each ack), and a client
    waiting for that lock would time the fake's work into the app's ack. ``inline`` runs
    them here instead (the harness before 2026-11-22, kept to compare). ``stateful``: the
    server stores the votes, so remember what each voter now has."""
    spec = LoadSpec(
        url=url,
        voters=voters,
        triggers={v.user: [slack.new_trigger_id(v.user) for _ in range(clicks)] for v in voters},
        clicks=clicks,
        pace=pace,
    )
    if inline:
        result = run_clients(spec)
    else:
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            result = pool.apply(run_clients, (spec,))
    if stateful:
        for voter in voters:
            voter.count = result.counts.get(voter.user, voter.count)
    return Phase(side, result.latencies, result.failures, result.seconds)


def check_votes(
    slack: FakeSlack,
    db: Database,
    vote_id: int,
    voters: list[Voter],
    everyone: list[Voter],
    since: int,
    clicks: int,
) -> list[str]:
    """Every click of ``voters`` was accepted and the database holds what the clicks of
    ``everyone`` (all ballots, including those of voters not clicking now) imply."""
    problems = []
    expected_updates = since + clicks * len(voters)
    try:
        slack.wait_for("views.update", count=expected_updates, timeout=120)
    except AssertionError:
        got = len(slack.calls_to("views.update"))
        problems.append(f"{got - since} views.update for {clicks * len(voters)} clicks")
    settle(slack)
    updates = slack.calls_to("views.update")[since:]
    for voter in voters:
        mine = [
            json.dumps(c.args.get("view"))
            for c in updates
            if c.args.get("view_id") == voter.view_id
            or (voter.external_id and c.args.get("external_id") == voter.external_id)
        ]
        refused = [u for u in mine if "Nothing was changed" in u or "votes left" not in u]
        if refused:
            problems.append(f"{voter.user}: {len(refused)} of {len(mine)} clicks refused")
        if len(mine) != clicks:
            problems.append(f"{voter.user}: {len(mine)} ballot redraws for {clicks} clicks")
    # Only the columns read here: a baseline's schema may lack others of today's model.
    columns = (VoteAllocation.voter_id, VoteAllocation.topic_id, VoteAllocation.count)
    with db.read() as s:
        stored = {
            (voter, topic): count
            for voter, topic, count in s.execute(
                select(*columns).where(VoteAllocation.vote_id == vote_id)
            )
            if count
        }
    expected = {(v.user, v.base_topic): 1 for v in everyone}
    expected |= {(v.user, v.toggle_topic): v.count for v in everyone if v.count}
    if stored != expected:
        problems.append(f"database votes {stored} != expected {expected}")
    return problems


def check_floor(slack: FakeSlack, since: int, expected: int) -> list[str]:
    """The fair floor made one accepted ``views.update`` per click."""
    with contextlib.suppress(AssertionError):  # counted below
        slack.wait_for("views.update", count=since + expected, timeout=120)
    updates = slack.calls_to("views.update")[since:]
    problems = [f"floor: {len(updates)} views.update for {expected} clicks"]
    if len(updates) == expected:
        problems = []
    bad = [c.response.get("error") for c in updates if not c.response.get("ok")]
    if bad:
        problems.append(f"floor: {len(bad)} views.update refused ({bad[0]})")
    return problems


# ------------------------------------------------------------------------ one database
@dataclass
class Result:
    db: str
    # side -> its runs: "als", "base" (with --baseline), "dist" (with --distributed), "bare",
    # "floor"
    phases: dict[str, list[Phase]]


@dataclass
class AppSide:
    """A served app whose clicks are checked: ``als`` (the working tree), ``base`` (the
    baseline) or ``dist`` (the working tree in distributed-app mode), with its own fake Slack,
    database and prepared vote."""

    name: str
    server: Server
    slack: FakeSlack
    db: Database
    vote_id: int = 0
    everyone: list[Voter] = field(default_factory=list)  # every member's ballot
    voters: list[Voter] = field(default_factory=list)  # the ones clicking (--clients)


def bench_database(
    kind: str,
    database_urls: dict[str, str],
    args: argparse.Namespace,
    workdir: Path,
    baseline: Baseline | None,
) -> Result:
    """``database_urls``: one database per app side ("als", "base" with a baseline, "dist"
    with ``--distributed``)."""
    with contextlib.ExitStack() as stack:

        def env_for(slack: FakeSlack, database_url: str) -> dict[str, str]:
            env = {
                **os.environ,
                "SLACK_BOT_TOKEN": slack.bot_token,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": slack.api_url,
                "DATABASE_URL": database_url,
                "ALS_ENCRYPTION_KEYS": BENCH_KEY,
            }
            for name in ("SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
                env.pop(name, None)  # single-workspace mode: the caller's settings aside
            return env

        def dist_env(slack: FakeSlack, database_url: str) -> dict[str, str]:
            """Distributed-app mode, as `als-bot` reads it: no SLACK_BOT_TOKEN."""
            env = env_for(slack, database_url)
            del env["SLACK_BOT_TOKEN"]
            return {
                **env,
                "SLACK_CLIENT_ID": slack.client_id,
                "SLACK_CLIENT_SECRET": slack.client_secret,
                "PUBLIC_URL": PUBLIC_URL,
            }

        def app_side(name: str, argv: list[str], env: dict[str, str], slack: FakeSlack) -> AppSide:
            server = start_server(f"{name}-{kind}", argv, env, workdir, stack)
            db = Database(database_urls[name], keyring=Keyring([BENCH_KEY]))
            stack.callback(db.dispose)
            return AppSide(name, server, slack, db)

        slack = fake_slack(stack)
        env = env_for(slack, database_urls["als"])
        bindir = Path(sys.executable).parent
        als = app_side("als", [str(bindir / "als-bot"), "serve", "--no-scheduler"], env, slack)
        # The bare app answers the als side's clicks, with the same Web API (auth.test only).
        bare = start_server(
            f"bare-{kind}", [sys.executable, str(HERE / "bare_app.py")], env, workdir, stack
        )
        # The fair floor redraws the als side's ballots (by their external ids, kept).
        floor = start_server(
            f"floor-{kind}",
            [sys.executable, str(HERE / "bare_app.py"), "--update-view"],
            env,
            workdir,
            stack,
        )
        apps = {"als": als}
        if baseline:  # the same command, of the baseline's code; its own fake Slack and database
            slack = fake_slack(stack)
            env = baseline.env(env_for(slack, database_urls["base"]))
            argv = [sys.executable, "-m", "bot", "serve", "--no-scheduler"]
            apps["base"] = app_side("base", argv, env, slack)
        if args.distributed:  # the working tree in distributed mode; its own fake and database
            slack = fake_slack(stack, DIST_TOKEN)
            seed_installation(database_urls["dist"], slack)
            argv = [str(bindir / "als-bot"), "serve", "--no-scheduler"]
            apps["dist"] = app_side("dist", argv, dist_env(slack, database_urls["dist"]), slack)
            check_distributed(apps["dist"].server)
        servers = {
            **{name: app.server for name, app in apps.items()},
            "bare": bare,
            "floor": floor,
        }

        for app in apps.values():
            of = f" of {app.name}" if len(apps) > 1 else ""
            print(
                f"[{kind}] set-up{of}: set, 4 topics, vote, {len(MEMBERS)} ballots ...", flush=True
            )
            app.vote_id, app.everyone = prepare(app.slack, app.server.events_url)
            app.voters = app.everyone[: args.clients]

        pace = args.pace / 1000
        inline = args.inline_clients

        def run_phase(side: str, clicks: int) -> Phase:
            pid = servers[side].proc.pid
            user, system = cpu_seconds(pid)
            switches = context_switches(pid)
            phase = load_side(side, clicks)
            user_after, system_after = cpu_seconds(pid)
            phase.switches = context_switches(pid) - switches
            phase.sys = system_after - system
            phase.cpu = user_after - user + phase.sys
            return phase

        def load_side(side: str, clicks: int) -> Phase:
            if side in ("bare", "floor"):  # the als side's payloads; nothing stored
                since = len(als.slack.calls_to("views.update"))
                phase = load(
                    als.slack,
                    servers[side].events_url,
                    als.voters,
                    clicks,
                    side,
                    stateful=False,
                    pace=pace,
                    inline=inline,
                )
                if side == "floor":  # its work after the ack is done and went through
                    phase.failures += check_floor(als.slack, since, clicks * len(als.voters))
                settle(als.slack, quiet=0.2)
                return phase
            app = apps[side]
            since = len(app.slack.calls_to("views.update"))
            phase = load(
                app.slack,
                app.server.events_url,
                app.voters,
                clicks,
                side,
                stateful=True,
                pace=pace,
                inline=inline,
            )
            phase.failures += check_votes(
                app.slack, app.db, app.vote_id, app.voters, app.everyone, since, clicks
            )
            return phase

        sides = [*apps, "bare", "floor"]
        if args.warmup:
            for side in sides:
                phase = run_phase(side, args.warmup)
                if phase.failures:
                    server = servers[side]
                    raise RuntimeError(
                        f"warm-up against {server.name} failed: {phase.failures[:5]}\n"
                        f"{server.tail()}"
                    )

        phases: dict[str, list[Phase]] = {side: [] for side in sides}
        for run in range(args.runs):
            shift = run % len(sides)  # each run starts with the next side
            for side in sides[shift:] + sides[:shift]:
                phase = run_phase(side, args.clicks)
                phases[side].append(phase)
                print(
                    f"[{kind}] run {run + 1} {side:4}: n={len(phase.latencies)} "
                    f"p50={phase.pct(50) * 1000:.1f} ms p99={phase.pct(99) * 1000:.1f} ms "
                    f"max={max(phase.latencies) * 1000:.1f} ms {phase.throughput:.0f} clicks/s "
                    f"cpu={phase.cpu_per_click:.2f} ms/click "
                    f"(sys {phase.sys * 1000 / max(1, len(phase.latencies)):.2f}) "
                    f"switches={phase.switches / max(1, len(phase.latencies)):.1f}/click"
                    + (f"  FAILURES: {len(phase.failures)}" if phase.failures else ""),
                    flush=True,
                )
                for problem in phase.failures[:5]:
                    print(f"    {problem}", flush=True)
        for server in servers.values():
            if server.proc.poll() is not None:
                raise RuntimeError(f"{server.name} died:\n{server.tail()}")
        return Result(kind, phases)


# ------------------------------------------------------------------------ report
def report(results: list[Result], args: argparse.Namespace, baseline: Baseline | None) -> bool:
    def med(phases: list[Phase], what: str) -> float:
        values = {
            "p50": [p.pct(50) * 1000 for p in phases],
            "p99": [p.pct(99) * 1000 for p in phases],
            "max": [max(p.latencies) * 1000 for p in phases],
            "rate": [p.throughput for p in phases],
            "cpu": [p.cpu_per_click for p in phases],
        }[what]
        return statistics.median(values)

    print()
    print(
        f"vote clicks: {args.clients} clients x {args.clicks} clicks"
        + (f", one click per {args.pace:g} ms per client" if args.pace else ", back to back")
        + f", medians of {args.runs} runs "
        f"(waitress, {THREADS} threads; ack latency = HTTP round trip)"
    )
    if baseline:
        print(f"als = the working tree; base = --baseline {baseline.rev} ({baseline.commit[:12]})")
    if args.distributed:
        print("dist = the working tree in distributed-app mode (tokens from the database)")
    print(
        "bare = Bolt acking only; floor = Bolt acking, then one views.update of a ballot-sized "
        "view; cpu = the server's utime+stime per click (/proc/<pid>/stat)"
    )
    header = (
        f"{'db':<11}{'side':<11}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}{'clicks/s':>10}"
        f"{'cpu ms/click':>14}"
    )
    print(header)
    print("-" * len(header))
    clean = True
    for r in results:
        for side, ph in r.phases.items():
            print(
                f"{r.db:<11}{side:<11}{med(ph, 'p50'):>8.1f}{med(ph, 'p99'):>8.1f}"
                f"{med(ph, 'max'):>8.1f}{med(ph, 'rate'):>10.0f}{med(ph, 'cpu'):>14.2f}"
            )
        p99s = {}
        app_sides = [s for s in r.phases if s not in ("bare", "floor")]
        for floor_side in ("bare", "floor"):
            f = r.phases[floor_side]
            for side in app_sides + (["floor"] if floor_side == "bare" else []):
                a = r.phases[side]
                p50 = med(a, "p50") / med(f, "p50")
                p99 = med(a, "p99") / med(f, "p99")
                if floor_side == "bare":
                    p99s[side] = p99
                rate = med(a, "rate") / med(f, "rate")
                cpu = med(a, "cpu") / med(f, "cpu")
                label = f"{side}/{floor_side}"
                print(
                    f"{r.db:<11}{label:<11}{p50:>7.2f}x{p99:>7.2f}x{'':>8}{rate:>9.2f}x"
                    f"{cpu:>13.2f}x"
                )
        if "base" in r.phases:
            a, base = r.phases["als"], r.phases["base"]
            p50 = med(a, "p50") / med(base, "p50")
            p99 = med(a, "p99") / med(base, "p99")
            print(f"{r.db:<11}{'als/base':<10}{p50:>7.2f}x{p99:>7.2f}x")
        dist_p99 = None
        if "dist" in r.phases:
            d, a = r.phases["dist"], r.phases["als"]
            p50 = med(d, "p50") / med(a, "p50")
            dist_p99 = med(d, "p99") / med(a, "p99")
            rate = med(d, "rate") / med(a, "rate")
            print(f"{r.db:<11}{'dist/als':<10}{p50:>7.2f}x{dist_p99:>7.2f}x{'':>8}{rate:>9.2f}x")
        failures = sum(len(p.failures) for ph in r.phases.values() for p in ph)
        ok = p99s["als"] <= AIM
        clean = clean and not failures
        print(
            f"{'':<11}p99 aim <= {AIM}x of bare: {'met' if ok else 'NOT met'}; "
            f"failures (non-200, refused or miscounted votes): {failures}"
        )
        if dist_p99 is not None:
            print(
                f"{'':<11}vote-click ack p99 dist/als aim <= {AIM_DIST}x: "
                f"{'met' if dist_p99 <= AIM_DIST else 'NOT met'} ({dist_p99:.2f}x)"
            )
        a, f = r.phases["als"], r.phases["floor"]
        cpu, rate = med(a, "cpu") / med(f, "cpu"), med(a, "rate") / med(f, "rate")
        loop = "" if not args.pace else " (the aims are for the closed loop: --pace 0)"
        print(
            f"{'':<11}als/floor CPU per click aim <= {AIM_CPU}x: "
            f"{'met' if cpu <= AIM_CPU else 'NOT met'} ({cpu:.2f}x); throughput aim >= "
            f"{AIM_RATE}x: {'met' if rate >= AIM_RATE else 'NOT met'} ({rate:.2f}x){loop}"
        )
    return clean


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--clients", type=int, default=7, help="concurrent voters (1-7)")
    parser.add_argument("--clicks", type=int, default=200, help="clicks per client per run")
    parser.add_argument("--runs", type=int, default=3, help="runs per side (alternating)")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured clicks per client")
    parser.add_argument(
        "--pace",
        type=float,
        default=0.0,
        help="ms between one voter's clicks (0: back to back, the closed loop; "
        "e.g. 100: every voter clicks 10 times a second, a fixed offered load)",
    )
    parser.add_argument(
        "--inline-clients",
        action="store_true",
        help="run the clients in this process, beside the fake Slack (the harness before "
        "2026-11-22; by default they run in a process of their own)",
    )
    parser.add_argument(
        "--baseline",
        metavar="REV",
        help="also measure this git revision (e.g. HEAD, c5ac7fb) as a third side, 'base', "
        "served from a temporary worktree with a database of its own",
    )
    parser.add_argument(
        "--distributed",
        action="store_true",
        help="also measure the working tree in distributed-app mode as a side, 'dist', with a "
        "database (holding the workspace's installation) and a fake Slack of its own",
    )
    args = parser.parse_args()
    if not 1 <= args.clients <= len(MEMBERS) or args.clicks < 1 or args.runs < 1 or args.pace < 0:
        parser.error(f"--clients 1-{len(MEMBERS)}, --clicks and --runs at least 1")
    # A `kill` of the bench still cleans up (the ExitStacks and finally blocks run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    results = []
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    with contextlib.ExitStack() as outer:
        workdir = Path(outer.enter_context(tempfile.TemporaryDirectory(prefix="als-bench-")))
        baseline = None
        app_sides = ["als"]
        if args.baseline:
            # Entered after the directory: removed (and pruned) before the directory is.
            try:
                baseline = outer.enter_context(baseline_worktree(args.baseline, workdir))
            except RuntimeError as exc:
                parser.error(f"--baseline {args.baseline}: {exc}")
            app_sides.append("base")
            env = baseline.env(dict(os.environ))
            where = imported_bot(env, workdir)
            print(f"[base] {args.baseline} = {baseline.commit[:12]}: bot from {where}", flush=True)
            if not where.is_relative_to(baseline.tree.resolve()):
                raise RuntimeError(f"the baseline imports bot from {where}, not from its worktree")
        if args.distributed:
            app_sides.append("dist")
        for kind in kinds:
            if kind == "sqlite":
                urls = {side: f"sqlite:///{workdir / f'{side}.db'}" for side in app_sides}
                results.append(bench_database(kind, urls, args, workdir, baseline))
                continue
            admin = os.environ.get("ALS_BENCH_POSTGRES_URL", PG_ADMIN_DEFAULT)
            with contextlib.ExitStack() as stack:
                try:
                    urls = {
                        side: stack.enter_context(throwaway_postgres(admin)) for side in app_sides
                    }
                except Exception as exc:
                    if args.db == "both":
                        print(f"[postgresql] skipped: unreachable ({type(exc).__name__})")
                        continue
                    raise
                results.append(bench_database(kind, urls, args, workdir, baseline))
    if not results:
        return 1
    # Exit status 1 only if a click failed or a vote was miscounted (the aim is a figure).
    return 0 if report(results, args, baseline) else 1


if __name__ == "__main__":
    sys.exit(main())
