"""Reminder fan-out: many sets owe a reminder at the same instant, in rate-limited workspaces.

``--sets`` sets (default 100) of ``--members`` members (default 7) are spread evenly over
``--workspaces`` Slack workspaces (default 1; set i is in workspace (i - 1) mod N), each one
``FakeSlack`` of its own: its own state, calls and rate limiter. Every set has one planned
session at T + 1 h (T = 12:00 UTC, members in UTC, so no quiet hours), and owes at T: the
session-day post to its channel (``session_post``, ``post_minutes`` 60) and a ``prep_prompt`` DM
to each member (useful until the session starts). The rows (workspaces, sets, memberships,
sessions, reminders) are inserted directly; each set's ``replan_at`` mark is the end of its
session, so the tick plans nothing.

Two modes, as ``als-bot`` runs them:

- single workspace (default; ``SLACK_BOT_TOKEN``): each ticker is ``Ticker(db, clock,
  scheduler_client(bot_token, api_url), ...)``. Only with ``--workspaces 1``.
- ``--distributed`` (``SLACK_CLIENT_ID``...): every workspace's installation is saved in the
  database first (``bench/workspaces.py``: slack_sdk's installation and bot rows, bulk), and
  each ticker is ``create_app(..., distribution=Distribution(...)).scheduler(pacer=...,
  worker=...)``: every send asks ``Clients(team_id)``, whose ``InstalledTokens`` reads that
  workspace's token from the database. The fakes are joined behind the first one's API URL
  (``FakeSlack.join``); only that one starts an HTTP server, and it routes each call to its
  workspace's fake by token (``--serve-each``: every fake starts its own server too, only to
  measure what that costs: the set-up time is printed).

Every fake enforces ``set_rate_limits(per_channel_per_second=1, per_workspace_per_minute=
--budget, burst=1)`` on ``chat.postMessage``: ``--budget`` is each workspace's own budget, as in
Slack. ``Ticker.tick(at)`` (the scheduler's pass, with its paced sender: ``Pacer(per_minute=
--pacer-fraction x --budget, burst=--pacer-burst)``, one bucket per workspace) runs again and
again, without waiting a minute in between, ``at`` following the wall clock from T, until no
reminder is pending or claimed. With ``--processes N``, N tickers (distinct worker ids, each with
its own Pacer, and in distributed mode its own app, as N processes would have) run in threads on
one database.

Reported: messages expected and sent, wall time, throughput (messages per second, and wall ms
per message) beside the rate the budgets allow (workspaces x B / 60 per second: with many
workspaces the sender's own cost per send is the limit), the lower bounds the limits allow,
efficiency, HTTP 429s (% of chat.postMessage calls), and lost / doubled
reminders (from the database rows and the fakes' messages). The bounds are per workspace: a
workspace owed n posts under a budget B needs (n - 1) * 60 / B s at the sustained rate (a paced
sender) and 60 * ((n - 1) // B) s under the fake's sliding window; the bound of the run is its
slowest workspace's (the one owed most), and efficiency = that bound / the wall time (a Pacer
with a burst b above 1 may beat the sustained bound by (b - 1) x 60 / B s: its first b posts go
at once). Each workspace's own span (first to last accepted post) is summarized too. Aims:
efficiency >= 90% with one workspace, >= 95% with several; 429s <= 1% of calls; none lost or
doubled (exit status 1 if any is lost or doubled, or a pass failed).

Where the time goes, printed after the report:

- ``--breakdown``: each ticker's steps are timed where the sender calls them (wrappers on the
  ticker's own objects; nothing in ``bot/`` changes): the claim (``claim_next``), the context
  query, the Slack call (``ReminderSender._call``: the message's blocks, the token, the HTTP
  call), of which the token lookup (``TokenSource.facts``), the record, ``has_due``, the pacer
  (``busy_teams`` and the sender's waits), the rest of the pass (plan, votes, outbox, purge); per
  step: calls, seconds, ms per call and per message, SQL statements per call (counted on the
  engine), share of the tickers' wall time. Cheap: the run's figures stay close to an
  uninstrumented run's.
- ``--profile``: each ticker's thread runs under cProfile: cumulative time of the same steps
  (and inside them: ``reminder_message``, ``WebClient.chat_postMessage``, ``find_bot``...) and the
  top functions by own time. cProfile slows Python code down (its wall time is not the figure:
  compare shares, or run once without it).

    .venv/bin/python bench/reminder_fanout.py [--db sqlite|postgresql] [--sets 100]
        [--members 7] [--workspaces 1] [--distributed] [--serve-each] [--budget 600]
        [--pacer-fraction 1.0] [--pacer-burst 2] [--processes 1] [--senders 4]
        [--fake-process] [--slack-latency 0] [--timeout 1800] [--breakdown] [--profile]

``--senders``: the threads each ticker's pass sends with (``ALS_SCHEDULER_SENDERS``; default
the app's). ``--fake-process``: the fake workspaces run in a child process
(``bench/cloud_process.py``), so the bench process's CPU a message, in the report, is the app's
side alone. ``--slack-latency MS``: every Slack call waits that long before the fake handles it.

PostgreSQL: a throwaway database is created on ``ALS_BENCH_POSTGRES_URL`` (default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres) and dropped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import os
import pstats
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

from cloud_process import Cloud, Owed, SetSpec, cloud_apart, cloud_here
from common import bench_database
from sqlalchemy import event, func, insert, select, text
from workspaces import distributed_app, seed_installations, team_of_workspace

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.scheduler.sender import SendSummary
from bot.scheduler.tick import Ticker
from bot.slack.client import scheduler_client
from bot.slack.pacing import SENDERS, Pacer
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from bot.storage.models import (
    LearningSet,
    Membership,
    PlannedSession,
    Reminder,
    Workspace,
)

T = datetime(2031, 3, 4, 12, 0, tzinfo=UTC)  # a Tuesday, 12:00 UTC: no quiet hours
SESSION_AT = T + timedelta(hours=1)
SESSION_MINUTES = 90
AIM_EFFICIENCY = 0.90  # one workspace
AIM_EFFICIENCY_MANY = 0.95  # several (the distributed app's aim: 1,000 workspaces x 10 sets)
AIM_429_SHARE = 0.01


# ------------------------------------------------------------------------ database
def channel_of(i: int) -> str:
    return f"C{i:09d}"


def user_of(i: int, m: int) -> str:
    return f"U{i:06d}{m:03d}"


def spread(sets: int, teams: list[str]) -> dict[int, str]:
    """Set id -> its workspace: round robin, so every workspace has sets // N or one more."""
    return {i: teams[(i - 1) % len(teams)] for i in range(1, sets + 1)}


def populate(db: Database, team_of: dict[int, str], members: int) -> list[Owed]:
    """Insert the rows; returns the expected (team, target, kind) triples."""
    now = T - timedelta(days=1)
    ids = sorted(team_of)
    with db.engine.begin() as conn:
        conn.execute(
            insert(Workspace),
            [
                {"team_id": team, "name": f"Bench {team}", "installed_at": now}
                for team in dict.fromkeys(team_of.values())
            ],
        )
        conn.execute(
            insert(LearningSet),
            [
                {
                    "id": i,
                    "team_id": team_of[i],
                    "channel_id": channel_of(i),
                    "name": f"Set {i}",
                    "timezone": "UTC",
                    "anchor_date": SESSION_AT.date(),
                    "session_time": dtime(13, 0),
                    "cadence_weeks": 2,
                    "session_minutes": SESSION_MINUTES,
                    "facilitator_participates": True,
                    "settings": {},
                    "ground_rules": "Be kind.",
                    "rules_version": 1,
                    "status": "active",
                    "created_by": user_of(i, 0),
                    "created_at": now,
                    "updated_at": now,
                    "planned_until": SESSION_AT,
                    # Planned already: the next mark is the end of the session.
                    "replan_at": SESSION_AT + timedelta(minutes=SESSION_MINUTES),
                }
                for i in ids
            ],
        )
        conn.execute(
            insert(Membership),
            [
                {
                    "team_id": team_of[i],
                    "set_id": i,
                    "user_id": user_of(i, m),
                    "is_facilitator": m == 0,
                    "tz": "UTC",
                    "joined_at": now,
                }
                for i in ids
                for m in range(members)
            ],
        )
        conn.execute(
            insert(PlannedSession),
            [
                {
                    "id": i,
                    "team_id": team_of[i],
                    "set_id": i,
                    "local_date": SESSION_AT.date(),
                    "local_time": dtime(13, 0),
                    "timezone": "UTC",
                    "starts_at": SESSION_AT,
                    "duration_minutes": SESSION_MINUTES,
                    "status": "planned",
                    "series_date": SESSION_AT.date(),
                    "revision": 1,
                    "created_at": now,
                }
                for i in ids
            ],
        )
        rows, expected = [], []
        for i in ids:
            targets = [(channel_of(i), "session_post")]
            targets += [(user_of(i, m), "prep_prompt") for m in range(members)]
            for target, kind in targets:
                expected.append((team_of[i], target, kind))
                rows.append(
                    {
                        "team_id": team_of[i],
                        "set_id": i,
                        "session_id": i,
                        "target": target,
                        "kind": kind,
                        "due_at": T,
                        "send_after": T,
                        "useful_until": SESSION_AT,
                        "status": "pending",
                        "attempts": 0,
                        "ambiguous": 0,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
        for start in range(0, len(rows), 20_000):
            conn.execute(insert(Reminder), rows[start : start + 20_000])
        if db.dialect == "postgresql":  # explicit ids: move the sequences on
            for table in ("learning_sets", "sessions"):
                conn.execute(
                    text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
                )
    return expected


def live_count(db: Database) -> int:
    with db.read() as s:
        return (
            s.scalar(
                select(func.count())
                .select_from(Reminder)
                .where(Reminder.status.in_(("pending", "claimed")))
            )
            or 0
        )


# ------------------------------------------------------------------------ breakdown
@dataclass
class Step:
    calls: int = 0
    seconds: float = 0.0
    statements: int = 0


class Breakdown:
    """Times the tickers' steps where the sender calls them, and counts the SQL statements each
    step runs (its own, not those of a step inside it). Thread-safe enough for the bench: each
    ticker thread keeps its own stack of steps; the totals are added under a lock."""

    #: (label, the ticker's object, its method); indented labels run inside the one above.
    STEPS = (
        ("pass, other: plan", "reminders", "plan"),
        ("pass, other: close_finished", "agenda", "close_finished"),
        ("pass, other: outbox NoteSender.run", "notes", "run"),
        ("pass, other: purge_uninstalled", "workspaces", "purge_uninstalled"),
        ("pass, other: resume_stopped", "", "resume_stopped"),
        ("claim: claim_next", "reminders", "claim_next"),
        ("context query", "reminders", "context"),
        ("Slack call: ReminderSender._call", "sender", "_call"),
        ("  token: TokenSource.facts", "sender._clients.tokens", "facts"),
        ("record", "reminders", "record"),
        ("has_due (before a pacer wait)", "reminders", "has_due"),
        ("hold_lease (after a 429)", "reminders", "hold_lease"),
        ("release_leases", "reminders", "release_leases"),
        ("pacer: busy_teams", "sender.pacer", "busy_teams"),
        ("pacer: the sender's waits", "sender", "_sleep"),
    )

    def __init__(self, db: Database) -> None:
        self.steps: dict[str, Step] = {label: Step() for label, _, _ in self.STEPS}
        self.other = Step()  # statements outside any step
        self._lock = threading.Lock()
        self._local = threading.local()
        event.listen(db.engine, "before_cursor_execute", self._statement)
        self._db = db

    def close(self) -> None:
        event.remove(self._db.engine, "before_cursor_execute", self._statement)

    def _stack(self) -> list[str]:
        stack = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        return stack

    def _statement(self, *_: Any) -> None:
        stack = self._stack()
        step = self.steps[stack[-1]] if stack else self.other
        with self._lock:
            step.statements += 1

    @contextlib.contextmanager
    def step(self, label: str) -> Iterator[None]:
        stack = self._stack()
        stack.append(label)
        began = time.perf_counter()
        try:
            yield
        finally:
            took = time.perf_counter() - began
            stack.pop()
            with self._lock:
                self.steps[label].calls += 1
                self.steps[label].seconds += took

    def instrument(self, ticker: Ticker) -> None:
        """Wrap the steps on ``ticker``'s own objects (instance attributes: nothing else sees)."""
        for label, path, name in self.STEPS:
            owner: Any = ticker
            for part in filter(None, path.split(".")):
                owner = getattr(owner, part)
            setattr(owner, name, self._timed(label, getattr(owner, name)))

    def _timed(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*a: Any, **kw: Any) -> Any:
            with self.step(label):
                return fn(*a, **kw)

        return timed

    def report(self, wall: float, n: int) -> None:
        print()
        print(
            f"where the passes' time went (--breakdown: {wall:.1f} s of ticker wall time, "
            f"{n} messages)"
        )
        print(
            f"  {'':<36}{'calls':>8}{'s':>8}{'ms/call':>9}{'ms/msg':>8}{'SQL/call':>9}{'share':>7}"
        )
        for label, step in self.steps.items():
            per_call = step.seconds / step.calls * 1000 if step.calls else 0.0
            sql = step.statements / step.calls if step.calls else 0.0
            share = step.seconds / wall if wall else 0.0
            print(
                f"  {label:<36}{step.calls:>8}{step.seconds:>8.2f}{per_call:>9.2f}"
                f"{step.seconds / n * 1000:>8.2f}{sql:>9.1f}{share:>7.1%}"
            )
        total = sum(s.statements for s in self.steps.values()) + self.other.statements
        print(
            f"  SQL statements: {total} ({total / n:.1f} per message; "
            f"{self.other.statements} outside the steps above)"
        )


# ------------------------------------------------------------------------ the run
@dataclass
class Worker:
    name: str
    ticks: int = 0
    sends: SendSummary = field(default_factory=SendSummary)  # its passes' outcomes, added up
    errors: list[str] = field(default_factory=list)
    profile: cProfile.Profile | None = None
    seconds: float = 0.0  # the thread's wall time


def run(args: argparse.Namespace, kind: str, workdir: Path) -> bool:
    teams = [team_of_workspace(w) for w in range(args.workspaces)]
    team_of = spread(args.sets, teams)
    mode = "distributed" if args.distributed else "single workspace"
    print(
        f"[{kind}] {args.workspaces} fake workspace(s) ({mode}), "
        f"{'each' if args.serve_each else 'the first'} serving HTTP ...",
        flush=True,
    )
    sets = [
        SetSpec(team, channel_of(i), tuple(user_of(i, m) for m in range(args.members)))
        for i, team in team_of.items()
    ]
    began = time.perf_counter()
    where = (
        cloud_apart(teams, sets, args.budget, args.slack_latency / 1000)
        if args.fake_process
        else cloud_here(
            teams, sets, args.budget, args.slack_latency / 1000, serve_each=args.serve_each
        )
    )
    with where as cloud:
        print(
            f"[{kind}] fakes{' (a process of their own)' if args.fake_process else ''}: "
            f"{cloud.info.setup_seconds:.2f} s to create, join and start, "
            f"{time.perf_counter() - began:.2f} s in all with users and channels",
            flush=True,
        )
        with bench_database(kind, workdir, "fanout") as db:
            upgrade(db.engine)
            print(
                f"[{kind}] {args.sets} sets x {args.members} members: inserting rows ...",
                flush=True,
            )
            expected = populate(db, team_of, args.members)
            if args.distributed:
                took = seed_installations(db, cloud.info.client_id, cloud.info.installations)
                print(f"[{kind}] {len(cloud)} installation(s) saved in {took:.2f} s", flush=True)
            return measure(args, kind, db, cloud, expected)


def pause_between_passes() -> None:
    """The bench's own wait between two passes (named: ``--profile`` tells it apart)."""
    time.sleep(0.05)


def make_tickers(
    args: argparse.Namespace, db: Database, cloud: Cloud, clock: ManualClock
) -> tuple[list[Ticker], list[AlsBot]]:
    pacer_rate = args.pacer_fraction * args.budget
    tickers, apps = [], []
    for p in range(args.processes):
        pacer = Pacer(per_minute=pacer_rate, burst=args.pacer_burst)
        worker = f"bench-{p}"
        if args.distributed:  # one app per process, as `als-bot scheduler` builds it
            info = cloud.info
            app = distributed_app(db, clock, info.api_url, info.client_id, info.client_secret)
            apps.append(app)
            tickers.append(app.scheduler(pacer=pacer, worker=worker, senders=args.senders))
        else:
            client = scheduler_client(cloud.info.front_token, cloud.info.api_url)
            tickers.append(
                Ticker(db, clock, client, pacer=pacer, worker=worker, senders=args.senders)
            )
    return tickers, apps


def measure(
    args: argparse.Namespace,
    kind: str,
    db: Database,
    cloud: Cloud,
    expected: list[Owed],
) -> bool:
    n = len(expected)
    pacer_rate = args.pacer_fraction * args.budget
    clock = ManualClock(T)
    tickers, apps = make_tickers(args, db, cloud, clock)
    breakdown = Breakdown(db) if args.breakdown else None
    if breakdown is not None:
        for ticker in tickers:
            breakdown.instrument(ticker)
    workers = [Worker(f"bench-{p}") for p in range(args.processes)]
    began = time.perf_counter()
    cpu_began = time.process_time()
    deadline = began + args.timeout

    def now() -> datetime:
        return T + timedelta(seconds=time.perf_counter() - began)

    def loop(w: Worker, ticker: Ticker) -> None:
        started = time.perf_counter()
        if args.profile:
            w.profile = cProfile.Profile()
            w.profile.enable()
        try:
            passes(w, ticker)
        finally:
            if w.profile is not None:
                w.profile.disable()
            w.seconds = time.perf_counter() - started

    def passes(w: Worker, ticker: Ticker) -> None:
        while time.perf_counter() < deadline:
            at = now()
            clock.set(at)
            try:
                summary = ticker.tick(at, budget_seconds=args.timeout)
            except Exception as exc:  # report, go on: the next tick retries
                w.errors.append(f"{type(exc).__name__}: {exc}"[:300])
                pause_between_passes()
                continue
            w.ticks += 1
            w.sends.merge(summary.sent)
            if live_count(db) == 0:
                return
            # Only rows waiting for a Retry-After (or another worker's claims) are left.
            pause_between_passes()

    print(
        f"[{kind}] {n} reminders due at {T:%H:%M} UTC in {len(cloud)} workspace(s); budget "
        f"{args.budget}/min per workspace, pacer {pacer_rate:g}/min, {args.processes} "
        f"ticker(s){', profiled' if args.profile else ''} ...",
        flush=True,
    )
    threads = [
        threading.Thread(target=loop, args=(w, t), daemon=True)
        for w, t in zip(workers, tickers, strict=True)
    ]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for app in apps:
            app.close()
        if breakdown is not None:
            breakdown.close()
    total = time.perf_counter() - began
    cpu = time.process_time() - cpu_began
    clean = report(args, kind, db, cloud, expected, workers, total, cpu)
    if breakdown is not None:
        breakdown.report(sum(w.seconds for w in workers), n)
    if args.profile:
        profile_report(workers, n)
    return clean


# ------------------------------------------------------------------------ report
def report(
    args: argparse.Namespace,
    kind: str,
    db: Database,
    cloud: Cloud,
    expected: list[Owed],
    workers: list[Worker],
    total: float,
    cpu: float,
) -> bool:
    n = len(expected)
    pacer_rate = args.pacer_fraction * args.budget
    with db.read() as s:
        rows = s.execute(
            select(Reminder.team_id, Reminder.target, Reminder.kind, Reminder.status)
        ).all()
    status = Counter(r.status for r in rows)
    sent_rows = Counter((r.team_id, r.target, r.kind) for r in rows if r.status == "sent")
    messages: Counter[Owed] = Counter(
        dict(zip(expected, cloud.message_counts(expected), strict=True))
    )
    lost_db = sum(1 for e in expected if sent_rows[e] == 0)
    lost_slack = sum(1 for e in expected if messages[e] == 0)
    doubled = sum(1 for e in expected if messages[e] > 1)

    # Per workspace: what it was owed, its calls, its accepted posts' times.
    owed = Counter(team for team, _, _ in expected)
    calls = limited = delivered = 0
    spans: list[float] = []
    first_ok: list[float] = []
    last_ok: list[float] = []
    for posts in cloud.posts():
        calls += posts.calls
        limited += posts.limited
        delivered += posts.delivered
        ok = posts.ok_times
        if ok:
            spans.append(ok[-1] - ok[0])
            first_ok.append(ok[0])
            last_ok.append(ok[-1])

    # Lower bounds, per workspace. The fake's exact model (set_rate_limits): a sliding 60 s
    # window of B accepted calls, so n posts to different conversations need 60 * ((n - 1) // B)
    # s. A sender that never bursts above the sustained rate (the Pacer: a token bucket refilled
    # at B/60 per second) needs (n - 1) * 60 / B s. The run's bound: its slowest workspace's.
    most = max(owed.values())
    window_bound = 60.0 * ((most - 1) // args.budget)
    smooth_bound = (most - 1) * 60.0 / args.budget
    eff_smooth = smooth_bound / total if total else 0.0
    eff_window = window_bound / total if total else 0.0
    share_429 = limited / calls if calls else 0.0

    print()
    mode = "distributed (tokens from the database)" if args.distributed else "single workspace"
    print(
        f"reminder fan-out [{kind}]: {args.sets} sets x {args.members} members, "
        f"{len(cloud)} workspace(s), {mode}, budget {args.budget}/min per workspace, pacer "
        f"{pacer_rate:g}/min burst {args.pacer_burst:g}, {args.processes} ticker(s) of "
        f"{args.senders} sender(s)"
        + (f", Slack answers after {args.slack_latency:g} ms" if args.slack_latency else "")
        + (" (profiled: the times are cProfile's)" if args.profile else "")
    )
    per_ws = sorted(owed.values())
    table = [
        ("messages expected", f"{n}"),
        (
            "per workspace",
            f"{per_ws[0]}" if per_ws[0] == per_ws[-1] else f"{per_ws[0]}-{per_ws[-1]}",
        ),
        ("sent (DB rows 'sent')", f"{status['sent']}"),
        ("accepted by Slack", f"{delivered}"),
        ("chat.postMessage calls", f"{calls}"),
        ("HTTP 429 received", f"{limited} ({share_429:.2%} of calls)"),
        ("ticks", f"{sum(w.ticks for w in workers)}"),
        ("total wall time", f"{total:.1f} s"),
        ("throughput", f"{n / total:.1f} messages/s ({total / n * 1000:.2f} ms per message)"),
        (
            "CPU of the bench's process",
            f"{cpu:.1f} s, {cpu / n * 1000:.2f} ms per message ("
            + (
                "the app's side alone: the fakes run apart"
                if args.fake_process
                else "the app and the fakes"
            )
            + (", SQLite in it" if kind == "sqlite" else "; PostgreSQL's server apart")
            + ")",
        ),
        (
            "rate the budgets allow",
            f"{len(owed) * args.budget / 60:.0f} messages/s "
            f"({len(owed)} workspace(s) x {args.budget}/min)",
        ),
        (
            "first to last accepted post",
            f"{max(last_ok) - min(first_ok):.1f} s" if last_ok else "-",
        ),
        (
            "a workspace's span (median / max)",
            f"{statistics.median(spans):.1f} / {max(spans):.1f} s" if spans else "-",
        ),
        ("bound, sustained rate (n-1)*60/B", f"{smooth_bound:.1f} s (n = {most})"),
        ("bound, fake's window 60*((n-1)//B)", f"{window_bound:.1f} s"),
        ("efficiency vs sustained bound", f"{eff_smooth:.1%}"),
        ("efficiency vs window bound", f"{eff_window:.1%}"),
        ("lost (DB / Slack)", f"{lost_db} / {lost_slack}"),
        ("doubled", f"{doubled}"),
        ("rows by status", ", ".join(f"{k} {v}" for k, v in sorted(status.items()))),
    ]
    width = max(len(k) for k, _ in table)
    for key, value in table:
        print(f"  {key:<{width}}  {value}")
    errors = [e for w in workers for e in w.errors]
    for e in errors[:5]:
        print(f"  tick error: {e}")
    aim = AIM_EFFICIENCY if len(cloud) == 1 else AIM_EFFICIENCY_MANY
    eff_ok = eff_smooth >= aim
    ok_429 = share_429 <= AIM_429_SHARE
    print(
        f"  aims: efficiency >= {aim:.0%} (sustained bound, per workspace): "
        f"{'met' if eff_ok else 'NOT met'}; 429s <= {AIM_429_SHARE:.0%} of calls: "
        f"{'met' if ok_429 else 'NOT met'}; lost 0 and doubled 0: "
        f"{'met' if not (lost_db or lost_slack or doubled) else 'NOT met'}"
    )
    return not (lost_db or lost_slack or doubled or errors or status["sent"] != n)


#: Where a profiled run's time went: (label, file the function is in, its name). The indented
#: rows are inside the row above them (their times are part of it).
PROFILED = [
    ("Ticker.tick: every pass", "bot/scheduler/tick.py", "tick"),
    ("  resume_stopped (stopped workspaces)", "bot/scheduler/tick.py", "resume_stopped"),
    ("  ReminderService.plan", "bot/services/reminders.py", "plan"),
    ("  AgendaService.close_finished", "bot/services/agenda.py", "close_finished"),
    ("  ReminderSender.run: the sends", "bot/scheduler/sender.py", "run"),
    ("    Pacer.busy_teams", "bot/slack/pacing.py", "busy_teams"),
    ("    claim: ReminderService.claim_next", "bot/services/reminders.py", "claim_next"),
    ("    context: ReminderService.context", "bot/services/reminders.py", "context"),
    ("    Pacer.wait_for_channel + spend", "bot/slack/pacing.py", "wait_for_channel|spend"),
    ("    message: reminder_message", "bot/blocks/reminders.py", "reminder_message"),
    ("    token: Clients(team_id)", "bot/slack/tokens.py", "__call__"),
    ("      InstallationRecords.find_bot", "installation_store/sqlalchemy/__init__.py", "find_bot"),
    ("    Slack: WebClient.chat_postMessage", "slack_sdk/web/client.py", "chat_postMessage"),
    ("    record: ReminderService.record", "bot/services/reminders.py", "record"),
    ("    hold_lease (after a 429)", "bot/services/reminders.py", "hold_lease"),
    ("    has_due (before a pacer wait)", "bot/services/reminders.py", "has_due"),
    ("    pacer waits: sleep in the sender", "@sleep", "sender"),
    ("    release_leases (end of a run)", "bot/services/reminders.py", "release_leases"),
    ("  NoteSender.run (the outbox)", "bot/slack/notes.py", "run"),
    ("  purge_uninstalled", "bot/services/workspaces.py", "purge_uninstalled"),
    ("bench: live_count after a pass", "bench/reminder_fanout.py", "live_count"),
    ("bench: sleep between passes", "@sleep", "bench"),
]


def _path(filename: str) -> str:
    return filename.replace(os.sep, "/")


def profile_report(workers: list[Worker], n: int) -> None:
    profiles = [w.profile for w in workers if w.profile is not None]
    if not profiles:
        return
    stats = pstats.Stats(profiles[0])
    for p in profiles[1:]:
        stats.add(p)
    table: dict[tuple[str, int, str], Any] = stats.stats  # type: ignore[attr-defined]
    wall = sum(w.seconds for w in workers)
    print()
    print(
        f"where the passes' time went (cProfile, {len(profiles)} ticker thread(s), "
        f"{wall:.1f} s of thread wall time, {n} messages)"
    )
    header = f"  {'':<42}{'calls':>9}{'cum s':>9}{'share':>7}{'ms/msg':>8}"
    print(header)
    for label, where, name in PROFILED:
        calls, cum = 0, 0.0
        if where == "@sleep":  # time.sleep: the bench's between passes, else the sender's
            for (_, _, func), entry in table.items():
                if func != "<built-in method time.sleep>":
                    continue
                for caller, figures in entry[4].items():
                    if (caller[2] == "pause_between_passes") == (name == "bench"):
                        calls += figures[1]
                        cum += figures[3]
        else:
            names = set(name.split("|"))
            for (filename, _, func), entry in table.items():
                if func in names and _path(filename).endswith(where):
                    calls += entry[1]
                    cum += entry[3]
        share = cum / wall if wall else 0.0
        print(f"  {label:<42}{calls:>9}{cum:>9.2f}{share:>7.1%}{cum / n * 1000:>8.2f}")
    print()
    print("  top 15 functions by own time:")
    top = sorted(table.items(), key=lambda kv: kv[1][2], reverse=True)[:15]
    for (filename, line, func), entry in top:
        where = _path(filename)
        for marker in ("/site-packages/", "/work/main/"):
            where = where.split(marker)[-1]
        print(f"  {entry[2]:>8.2f} s {entry[1]:>9} calls  {func} ({where}:{line})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--sets", type=int, default=100)
    parser.add_argument("--members", type=int, default=7)
    parser.add_argument(
        "--workspaces",
        type=int,
        default=1,
        help="fake workspaces the sets are spread over (more than 1 needs --distributed)",
    )
    parser.add_argument(
        "--distributed",
        action="store_true",
        help="distributed-app mode: installations in the database, a token per workspace",
    )
    parser.add_argument(
        "--serve-each",
        action="store_true",
        help="every fake workspace starts its own HTTP server (default: only the first)",
    )
    parser.add_argument(
        "--budget",
        type=int,
        default=600,
        help="each workspace's chat.postMessage budget per minute (the fake's limit)",
    )
    parser.add_argument(
        "--pacer-fraction",
        type=float,
        default=1.0,
        help="the sender's Pacer runs at this fraction of --budget (per minute)",
    )
    parser.add_argument(
        "--pacer-burst",
        type=float,
        default=Pacer().burst,
        help="the Pacer's bucket capacity (default: the app's, 2; the figures before "
        "2026-12-06 used 1)",
    )
    parser.add_argument("--processes", type=int, default=1, help="tickers in threads")
    parser.add_argument(
        "--senders",
        type=int,
        default=SENDERS,
        help=f"sender threads per ticker's pass, each for other workspaces (default: the "
        f"app's, {SENDERS})",
    )
    parser.add_argument(
        "--fake-process",
        action="store_true",
        help="run the fake workspaces in a process of their own (Slack's CPU is not the app's)",
    )
    parser.add_argument(
        "--slack-latency",
        type=float,
        default=0.0,
        help="ms each Slack call waits before the fake handles it (the network and Slack's "
        "servers; default 0)",
    )
    parser.add_argument("--timeout", type=float, default=1800, help="give up after (s)")
    parser.add_argument(
        "--breakdown", action="store_true", help="time the sender's steps (see above)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="run the tickers under cProfile (see above)"
    )
    args = parser.parse_args()
    if min(args.sets, args.members, args.budget, args.processes, args.workspaces) < 1:
        parser.error("--sets, --members, --budget, --processes, --workspaces: at least 1")
    if args.workspaces > 1 and not args.distributed:
        parser.error("--workspaces above 1 needs --distributed (one token per workspace)")
    if args.workspaces > args.sets:
        parser.error("--workspaces: at most --sets (every workspace has a set)")
    if args.fake_process and args.serve_each:
        parser.error("--serve-each measures the fakes in this process: not with --fake-process")
    if args.slack_latency < 0:
        parser.error("--slack-latency must be at least 0")
    if args.senders < 1:
        parser.error("--senders must be at least 1")
    if args.pacer_burst < 1:
        parser.error("--pacer-burst must be at least 1")
    if not 0 < args.pacer_fraction <= 10:
        parser.error("--pacer-fraction must be in (0, 10]")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="als-bench-") as tmp:
        clean = run(args, args.db, Path(tmp))
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
