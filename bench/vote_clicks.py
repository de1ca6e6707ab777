"""Vote clicks under load: how long Slack waits for ``als-bot serve`` to ack, against a bare app.

N concurrent clients (one per voter) send signed ``block_actions`` vote clicks (a
``static_select`` in the voter's private ballot) to ``als-bot serve`` running as a subprocess
(waitress, 8 threads, SQLite or PostgreSQL, the fake Slack as its Web API). The app counts the
vote in the database *before* it acks, so the ack latency includes the write. The same
payloads, from the same clients, go to a bare Bolt app served the same way (``bare_app.py``:
acks and nothing else), in the same run: the framework's floor. Runs alternate between the two
sides; the medians of several runs are reported, with the ratio als/bare.

After each run against the app, the bench checks that every click got HTTP 200, that every click
was accepted (one ``views.update`` per click, none saying "Nothing was changed"), and that the
vote counts in the database are what the clicks imply.

    .venv/bin/python bench/vote_clicks.py [--db sqlite|postgresql|both] [--clients 7]
        [--clicks 200] [--runs 3] [--warmup 20]

PostgreSQL: a throwaway database is created on ``ALS_BENCH_POSTGRES_URL`` (default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres) and dropped at the end. Only 127.0.0.1 is
contacted; subprocesses and the database are cleaned up on failure too.
"""

from __future__ import annotations

import argparse
import contextlib
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

from common import PG_ADMIN_DEFAULT, throwaway_postgres
from sqlalchemy import select

from bot.fakeslack.driver import Response, SlackDriver, compute_signature
from bot.fakeslack.server import FakeSlack
from bot.storage.db import Database
from bot.storage.models import VoteAllocation

SECRET = "bench-vote-clicks-signing-secret"
THREADS = 8  # `als-bot serve --threads` default
TZ = "Europe/London"
CHANNEL = "C0BENCHSET"
FAC = "U0BFACIL01"
MEMBERS = [f"U0BMEMB{i:03d}" for i in range(1, 8)]
VOTE_PREFIX = "als_vote_topic_"
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
AIM = 1.3


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
        voters.append(Voter(user, modal["id"], base, toggle, templates))
    settle(slack)
    return vote_id, voters


# ------------------------------------------------------------------------ load phase
@dataclass
class Phase:
    side: str
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds


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
        ]
        refused = [u for u in mine if "Nothing was changed" in u or "votes left" not in u]
        if refused:
            problems.append(f"{voter.user}: {len(refused)} of {len(mine)} clicks refused")
    with db.read() as s:
        stored = {
            (a.voter_id, a.topic_id): a.count
            for a in s.scalars(select(VoteAllocation).where(VoteAllocation.vote_id == vote_id))
            if a.count
        }
    expected = {(v.user, v.base_topic): 1 for v in everyone}
    expected |= {(v.user, v.toggle_topic): v.count for v in everyone if v.count}
    if stored != expected:
        problems.append(f"database votes {stored} != expected {expected}")
    return problems


# ------------------------------------------------------------------------ one database
@dataclass
class Result:
    db: str
    phases: dict[str, list[Phase]]


def bench_database(kind: str, database_url: str, args: argparse.Namespace, workdir: Path) -> Result:
    with contextlib.ExitStack() as stack:
        slack = FakeSlack().start()
        stack.callback(slack.stop)
        slack.add_user(FAC, "fiona", real_name="Fiona Facilitator", tz=TZ)
        for i, user in enumerate(MEMBERS, 1):
            slack.add_user(user, f"member{i}", real_name=f"Member {i}", tz=TZ)
        slack.add_channel(CHANNEL, "als-bench", is_private=True, members=[FAC, *MEMBERS])

        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.api_url,
            "DATABASE_URL": database_url,
        }
        env.pop("SLACK_APP_TOKEN", None)
        bindir = Path(sys.executable).parent
        als = start_server(
            f"als-{kind}", [str(bindir / "als-bot"), "serve", "--no-scheduler"], env, workdir, stack
        )
        bare = start_server(
            f"bare-{kind}", [sys.executable, str(HERE / "bare_app.py")], env, workdir, stack
        )
        db = Database(database_url)
        stack.callback(db.dispose)

        print(f"[{kind}] set-up: set, 4 topics, vote, {len(MEMBERS)} ballots ...", flush=True)
        vote_id, everyone = prepare(slack, als.events_url)
        voters = everyone[: args.clients]

        pace = args.pace / 1000
        inline = args.inline_clients

        def als_phase(clicks: int) -> Phase:
            since = len(slack.calls_to("views.update"))
            phase = load(
                slack,
                als.events_url,
                voters,
                clicks,
                "als",
                stateful=True,
                pace=pace,
                inline=inline,
            )
            phase.failures += check_votes(slack, db, vote_id, voters, everyone, since, clicks)
            return phase

        if args.warmup:
            for phase in (
                als_phase(args.warmup),
                load(
                    slack,
                    bare.events_url,
                    voters,
                    args.warmup,
                    "bare",
                    stateful=False,
                    pace=pace,
                    inline=inline,
                ),
            ):
                if phase.failures:
                    server = als if phase.side == "als" else bare
                    raise RuntimeError(
                        f"warm-up against {server.name} failed: {phase.failures[:5]}\n"
                        f"{server.tail()}"
                    )

        phases: dict[str, list[Phase]] = {"als": [], "bare": []}
        for run in range(args.runs):
            order = ("bare", "als") if run % 2 else ("als", "bare")
            for side in order:
                if side == "als":
                    phase = als_phase(args.clicks)
                else:
                    phase = load(
                        slack,
                        bare.events_url,
                        voters,
                        args.clicks,
                        "bare",
                        stateful=False,
                        pace=pace,
                        inline=inline,
                    )
                    settle(slack, quiet=0.2)
                phases[side].append(phase)
                print(
                    f"[{kind}] run {run + 1} {side:4}: n={len(phase.latencies)} "
                    f"p50={phase.pct(50) * 1000:.1f} ms p99={phase.pct(99) * 1000:.1f} ms "
                    f"max={max(phase.latencies) * 1000:.1f} ms {phase.throughput:.0f} clicks/s"
                    + (f"  FAILURES: {len(phase.failures)}" if phase.failures else ""),
                    flush=True,
                )
                for problem in phase.failures[:5]:
                    print(f"    {problem}", flush=True)
        for server in (als, bare):
            if server.proc.poll() is not None:
                raise RuntimeError(f"{server.name} died:\n{server.tail()}")
        return Result(kind, phases)


# ------------------------------------------------------------------------ report
def report(results: list[Result], args: argparse.Namespace) -> bool:
    def med(phases: list[Phase], what: str) -> float:
        values = {
            "p50": [p.pct(50) * 1000 for p in phases],
            "p99": [p.pct(99) * 1000 for p in phases],
            "max": [max(p.latencies) * 1000 for p in phases],
            "rate": [p.throughput for p in phases],
        }[what]
        return statistics.median(values)

    print()
    print(
        f"vote clicks: {args.clients} clients x {args.clicks} clicks"
        + (f", one click per {args.pace:g} ms per client" if args.pace else ", back to back")
        + f", medians of {args.runs} runs "
        f"(waitress, {THREADS} threads; ack latency = HTTP round trip)"
    )
    header = f"{'db':<11}{'side':<10}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}{'clicks/s':>10}"
    print(header)
    print("-" * len(header))
    clean = True
    for r in results:
        for side in ("als", "bare"):
            ph = r.phases[side]
            print(
                f"{r.db:<11}{side:<10}{med(ph, 'p50'):>8.1f}{med(ph, 'p99'):>8.1f}"
                f"{med(ph, 'max'):>8.1f}{med(ph, 'rate'):>10.0f}"
            )
        a, b = r.phases["als"], r.phases["bare"]
        p50 = med(a, "p50") / med(b, "p50")
        p99 = med(a, "p99") / med(b, "p99")
        rate = med(a, "rate") / med(b, "rate")
        print(f"{r.db:<11}{'als/bare':<10}{p50:>7.2f}x{p99:>7.2f}x{'':>8}{rate:>9.2f}x")
        failures = sum(len(p.failures) for p in a + b)
        ok = p99 <= AIM
        clean = clean and not failures
        print(
            f"{'':<11}p99 aim <= {AIM}x of bare: {'met' if ok else 'NOT met'}; "
            f"failures (non-200, refused or miscounted votes): {failures}"
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
    args = parser.parse_args()
    if not 1 <= args.clients <= len(MEMBERS) or args.clicks < 1 or args.runs < 1 or args.pace < 0:
        parser.error(f"--clients 1-{len(MEMBERS)}, --clicks and --runs at least 1")
    # A `kill` of the bench still cleans up (the ExitStacks and finally blocks run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    results = []
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    with tempfile.TemporaryDirectory(prefix="als-bench-") as tmp:
        workdir = Path(tmp)
        for kind in kinds:
            if kind == "sqlite":
                url = f"sqlite:///{workdir / 'bench.db'}"
                results.append(bench_database(kind, url, args, workdir))
                continue
            admin = os.environ.get("ALS_BENCH_POSTGRES_URL", PG_ADMIN_DEFAULT)
            with contextlib.ExitStack() as stack:
                try:
                    url = stack.enter_context(throwaway_postgres(admin))
                except Exception as exc:
                    if args.db == "both":
                        print(f"[postgresql] skipped: unreachable ({type(exc).__name__})")
                        continue
                    raise
                results.append(bench_database(kind, url, args, workdir))
    if not results:
        return 1
    # Exit status 1 only if a click failed or a vote was miscounted (the aim is a figure).
    return 0 if report(results, args) else 1


if __name__ == "__main__":
    sys.exit(main())
