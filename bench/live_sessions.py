"""Live sessions at once: many sessions run by the clock in one rate-limited workspace.

``--sessions`` sets (default 100) share one Slack workspace (one ``FakeSlack``). Each has one
planned session of 180 minutes at T (T = 12:00 UTC) with a confirmed agenda of 3 topics (the
set's default rules: opening 15 min, closing 10 min, 155 min split 52/52/51) and the default
stage template; the rows (workspace, sets, memberships, session, topics, agenda vote confirmed
with its message ts, agenda items) are inserted directly. Each session is started through
``LiveService.start_vote`` by its facilitator at a time drawn (seeded, ``--seed``) uniformly in
``[T, T + --spread-minutes]``, and its starting note is delivered at once (``NoteSender.deliver``
through the Ticker's ``notes``), as the click's handler does after its ack.

The fake enforces ``set_rate_limits(per_channel_per_second=1, per_workspace_per_minute=
--update-budget, burst=1, methods=("chat.update", "chat.postMessage"))`` (each method has its
own window; Slack documents chat.update as Tier 3, 50+ per minute, and chat.postMessage as about
one per second per channel). Then ``Ticker.live(at)`` (the live pass, with the scheduler's client,
which never retries by itself, and a Pacer) runs every ``LIVE_SECONDS`` (5 s) of simulated time
until every session has ended and no note is pending or claimed. ``--processes N``: N tickers
(own worker ids and Pacers) run each pass at once in threads.

Time is a *skipping clock*: simulated time runs at wall speed while work happens and jumps
over idle periods; passes happen on the 5-second grid of simulated time, and a pass at which
nothing is due (no stage deadline passed, no note due, no start) is skipped. The same clock
drives the app's services, the Pacer and the fake Slack (its rate-limit windows and the
Retry-After it answers), so about 3 h of sessions take seconds to a minute of wall time.

Measured, per stage change: its due time (the deadline that passed) and when the fake accepted
the call (``chat.update``/``chat.postMessage``, read in the fake's listener on the same clock)
that first showed it (or a later state) on every part's message it touches. Reported: lateness
p50/p95/max and how many exceed 10 s, calls, HTTP 429s and whether each was followed by an
accepted call drawing its part, lost changes (never drawn, or a part's final message not
showing the end; outbox notes not ``sent`` other than coalesced ones) and doubled messages
(more than one post per part). For the analysis: the largest number of calls due in any
60 s, and a FIFO sender's lateness under the same limits with no grid and no work (its max is
what the budget alone forces on any sender), and how many late changes were overtaken by
changes due after them. A reference run in the same process (same seed; rate limits
off with ``--reference unlimited``, the default) is printed side by side. Exit status 1 if a
change is later than 10 s, lost or doubled, or a 429 is left unhandled.

    .venv/bin/python bench/live_sessions.py [--db sqlite|postgresql] [--sessions 100]
        [--spread-minutes 5] [--seed 1] [--update-budget 50] [--processes 1]
        [--reference unlimited|none]

PostgreSQL: a throwaway database is created on ``ALS_BENCH_POSTGRES_URL`` (default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres) and dropped at the end.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import math
import os
import random
import signal
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

from common import PG_ADMIN_DEFAULT, throwaway_postgres
from sqlalchemy import func, insert, select, text

from bot.domain.agenda import VoteRules, split_minutes
from bot.domain.live import Step
from bot.domain.status import LiveStatus
from bot.fakeslack.server import FakeSlack
from bot.fakeslack.state import Call
from bot.scheduler.runner import LIVE_SECONDS
from bot.scheduler.tick import Ticker
from bot.slack.client import scheduler_client
from bot.slack.pacing import Pacer
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from bot.storage.models import (
    AgendaItem,
    AgendaVote,
    LearningSet,
    LivePart,
    LiveSession,
    Membership,
    OutboxNote,
    PlannedSession,
    Topic,
    Workspace,
)

T = datetime(2031, 3, 4, 12, 0, tzinfo=UTC)  # a Tuesday, 12:00 UTC
SESSION_MINUTES = 180
TOPICS = 3
TARGET_SECONDS = 10.0
GRID = timedelta(seconds=LIVE_SECONDS)
LIMITED_METHODS = ("chat.update", "chat.postMessage")


# ------------------------------------------------------------------------ the skipping clock
class SkippingClock:
    """Simulated time: ``base + (perf_counter() - wall_at_base)``. It runs at wall speed while
    work happens; ``skip_to`` moves ``base`` forward over idle time (never backward). Read as
    an aware datetime (the app's ``Clock``) or as float seconds since ``origin`` (the fake
    Slack's and the Pacer's monotonic clock): one reading, two units. Thread-safe."""

    def __init__(self, origin: datetime) -> None:
        self.origin = origin
        self._base = 0.0  # seconds since origin at _wall
        self._wall = time.perf_counter()
        self._lock = threading.Lock()
        self.skipped = 0.0  # simulated seconds jumped over

    def seconds(self) -> float:
        with self._lock:
            return self._base + (time.perf_counter() - self._wall)

    def __call__(self) -> datetime:
        return self.at(self.seconds())

    def at(self, seconds: float) -> datetime:
        return self.origin + timedelta(seconds=seconds)

    def sec(self, when: datetime) -> float:
        return (when - self.origin).total_seconds()

    def skip_to(self, when: datetime) -> None:
        target = self.sec(when)
        with self._lock:
            wall = time.perf_counter()
            now = self._base + (wall - self._wall)
            if target > now:
                self.skipped += target - now
                self._base, self._wall = target, wall


def grid_ceil(when: datetime) -> datetime:
    """The first pass of the 5-second grid (from T) at or after ``when``."""
    k = math.ceil((when - T).total_seconds() / LIVE_SECONDS - 1e-9)
    return T + k * GRID


# ------------------------------------------------------------------------ database
@contextlib.contextmanager
def bench_database(kind: str, workdir: Path, name: str) -> Iterator[Database]:
    if kind == "sqlite":
        db = Database(f"sqlite:///{workdir / f'{name}.db'}")
        try:
            yield db
        finally:
            db.dispose()
        return
    admin = os.environ.get("ALS_BENCH_POSTGRES_URL", PG_ADMIN_DEFAULT)
    with throwaway_postgres(admin) as url:
        db = Database(url)
        try:
            yield db
        finally:
            db.dispose()


def channel_of(i: int) -> str:
    return f"C{i:09d}"


def user_of(i: int, m: int) -> str:
    return f"U{i:06d}{m:03d}"


def agenda_ts(i: int) -> str:
    return f"1900000000.{i:06d}"


def populate(db: Database, team_id: str, sessions: int, members: int) -> None:
    """Sets 1..n, each with session i at T and its confirmed agenda of 3 topics (vote i)."""
    now = T - timedelta(days=1)
    rules = VoteRules()
    minutes = split_minutes(SESSION_MINUTES, TOPICS, rules).minutes
    ids = range(1, sessions + 1)
    with db.engine.begin() as conn:
        conn.execute(
            insert(Workspace), [{"team_id": team_id, "name": "Bench", "installed_at": now}]
        )
        conn.execute(
            insert(LearningSet),
            [
                {
                    "id": i,
                    "team_id": team_id,
                    "channel_id": channel_of(i),
                    "name": f"Set {i}",
                    "timezone": "UTC",
                    "anchor_date": T.date(),
                    "session_time": dtime(12, 0),
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
                    "planned_until": T,
                    "replan_at": T + timedelta(days=1),
                }
                for i in ids
            ],
        )
        conn.execute(
            insert(Membership),
            [
                {
                    "team_id": team_id,
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
                    "team_id": team_id,
                    "set_id": i,
                    "local_date": T.date(),
                    "local_time": dtime(12, 0),
                    "timezone": "UTC",
                    "starts_at": T,
                    "duration_minutes": SESSION_MINUTES,
                    "status": "planned",
                    "series_date": T.date(),
                    "revision": 1,
                    "created_at": now,
                }
                for i in ids
            ],
        )
        conn.execute(
            insert(Topic),
            [
                {
                    "id": (i - 1) * TOPICS + k + 1,
                    "team_id": team_id,
                    "set_id": i,
                    "session_id": i,
                    "author_id": user_of(i, k + 1),
                    "status": "submitted",
                    "title": f"Topic {k + 1} of set {i}",
                    "scenario": "A situation.",
                    "question": "How do I move this on?",
                    "tried": "",
                    "shared": False,
                    "submitted_at": now,
                    "updated_at": now,
                }
                for i in ids
                for k in range(TOPICS)
            ],
        )
        conn.execute(
            insert(AgendaVote),
            [
                {
                    "id": i,
                    "team_id": team_id,
                    "set_id": i,
                    "session_id": i,
                    "status": "confirmed",
                    "channel_id": channel_of(i),
                    "message_ts": agenda_ts(i),
                    "rules": rules.dump(),
                    "rules_fixed": True,
                    "without_vote": True,
                    "opened_by": user_of(i, 0),
                    "opened_at": now,
                    "closed_at": now,
                    "ends_at": T + timedelta(minutes=SESSION_MINUTES),
                    "confirmed_at": now,
                }
                for i in ids
            ],
        )
        conn.execute(
            insert(AgendaItem),
            [
                {
                    "team_id": team_id,
                    "set_id": i,
                    "vote_id": i,
                    "topic_id": (i - 1) * TOPICS + k + 1,
                    "presenter_id": user_of(i, k + 1),
                    "position": k + 1,
                    "minutes": minutes[k],
                    "votes": 0,
                }
                for i in ids
                for k in range(TOPICS)
            ],
        )
        if db.dialect == "postgresql":  # explicit ids: move the sequences on
            for table in ("learning_sets", "sessions", "topics", "agenda_votes"):
                conn.execute(
                    text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
                )


def next_due(db: Database) -> datetime | None:
    """The earliest of: a running session's stage deadline, a note still to be delivered."""
    with db.read() as s:
        deadline = s.scalar(
            select(func.min(LiveSession.deadline)).where(
                LiveSession.status == LiveStatus.RUNNING.value
            )
        )
        note = s.scalar(
            select(func.min(OutboxNote.send_after)).where(
                OutboxNote.status.in_(("pending", "claimed"))
            )
        )
    found = [d for d in (deadline, note) if d is not None]
    return min(found) if found else None


def running(db: Database) -> dict[int, tuple[int, datetime | None, str]]:
    """Live sessions not ended: id -> (step, deadline, status)."""
    with db.read() as s:
        rows = s.execute(
            select(LiveSession.id, LiveSession.step, LiveSession.deadline, LiveSession.status)
        ).all()
    return {int(r[0]): (int(r[1]), r[2], str(r[3])) for r in rows}


# ------------------------------------------------------------------------ what Slack saw
@dataclass(frozen=True)
class Seen:
    """One call to a limited method, as the fake answered it, at a simulated time."""

    at: float  # simulated seconds since T
    method: str
    status: int
    ok: bool
    channel: str
    ts: str | None  # the message it edits (update) or created (accepted post)
    position: int | None  # the part its header names
    shown: tuple[str, int] | None  # what it draws: ("later", -1), ("here", step), ("done", 0)
    text: str


RANK = {"later": 0, "here": 1, "done": 2}


def shown_key(shown: tuple[str, int]) -> tuple[int, int]:
    return (RANK[shown[0]], shown[1])


def parse_blocks(blocks: Any) -> tuple[int | None, list[str] | None]:
    """(the part's position from the header, the raw marks of its stage lines)."""
    if not isinstance(blocks, list):
        return None, None
    position: int | None = None
    marks: list[str] | None = None
    for block in blocks:
        if not isinstance(block, dict):
            continue
        body = (
            (block.get("text") or {}).get("text") if isinstance(block.get("text"), dict) else None
        )
        if not isinstance(body, str):
            continue
        if block.get("type") == "header" and position is None:
            if body == "Opening":
                position = 0
            elif body == "Closing":
                position = -1  # the last part (resolved with the session's steps)
            elif body.startswith("Topic ") and ":" in body:
                with contextlib.suppress(ValueError):
                    position = int(body[len("Topic ") : body.index(":")])
        elif marks is None and body[:2] in ("✓ ", "▶ ", "· "):
            marks = [line[:1] for line in body.splitlines()]
    return position, marks


@dataclass
class Recorder:
    """The fake's listener: every call to a limited method with the clock's reading."""

    clock: SkippingClock
    calls: list[tuple[float, Call]] = field(default_factory=list)

    def __call__(self, call: Call) -> None:
        if call.method in LIMITED_METHODS:
            self.calls.append((self.clock.seconds(), call))


# ------------------------------------------------------------------------ one run
@dataclass(frozen=True)
class Change:
    live_id: int
    before: int  # step
    after: int  # step (the last one when ended)
    ended: bool
    due: float  # simulated seconds: the deadline that passed
    pass_at: float  # when the pass that made it began


@dataclass
class Result:
    label: str
    sessions: int = 0
    changes: int = 0
    starts: int = 0
    passes: int = 0
    posts: int = 0
    updates: int = 0
    posts_429: int = 0
    updates_429: int = 0
    other_errors: int = 0
    peak_posts: int = 0  # accepted in any 60 s window
    peak_updates: int = 0
    ideal: list[float] = field(default_factory=list)  # a FIFO sender's lateness at the limits
    ideal_peak: dict[str, int] = field(default_factory=dict)  # calls due in any 60 s
    unhandled_429: int = 0
    lateness: list[float] = field(default_factory=list)
    wait_grid: list[float] = field(default_factory=list)  # due -> pass began
    after_pass: list[float] = field(default_factory=list)  # pass began -> accepted
    start_lateness: list[float] = field(default_factory=list)
    late_429: int = 0  # changes over the target whose part got a 429 on the way
    overtaken: int = 0  # changes over the target drawn after a change due later
    lost: int = 0
    lost_final: int = 0
    doubled: int = 0
    outbox: Counter[str] = field(default_factory=Counter)
    outbox_bad: int = 0
    sim_seconds: float = 0.0
    skipped_seconds: float = 0.0
    wall: float = 0.0
    errors: list[str] = field(default_factory=list)
    worst: list[str] = field(default_factory=list)

    @property
    def over(self) -> int:
        return sum(1 for x in self.lateness if x > TARGET_SECONDS)

    @property
    def clean(self) -> bool:
        return not (
            self.over
            or self.lost
            or self.lost_final
            or self.doubled
            or self.unhandled_429
            or self.outbox_bad
            or self.errors
        )


def peak_of(times: Sequence[float], slack: float) -> int:
    """The most of the sorted ``times`` in any (t - 60, t] (less ``slack``)."""
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while times[lo] <= t - 60.0 + slack:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def pct(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def start_times(n: int, spread_minutes: float, seed: int) -> list[datetime]:
    """When each session (1..n) is started: seeded, uniform over the spread."""
    rnd = random.Random(seed)
    return [
        T + timedelta(microseconds=round(rnd.uniform(0, spread_minutes * 60) * 1e6))
        for _ in range(n)
    ]


def run_side(args: argparse.Namespace, kind: str, workdir: Path, *, limited: bool) -> Result:
    label = f"budget {args.update_budget}/min" if limited else "no rate limits"
    result = Result(label=label, sessions=args.sessions)
    clock = SkippingClock(T)
    slack = FakeSlack(clock=clock.seconds).start()
    recorder = Recorder(clock)
    slack.add_listener(recorder)
    try:
        with bench_database(kind, workdir, "limited" if limited else "reference") as db:
            upgrade(db.engine)
            populate(db, slack.team_id, args.sessions, args.members)
            for i in range(1, args.sessions + 1):
                users = [user_of(i, m) for m in range(args.members)]
                for u in users:
                    slack.add_user(u, u.lower(), real_name=u, tz="UTC")
                slack.add_channel(channel_of(i), f"set-{i}", members=users)
            if limited:
                slack.set_rate_limits(
                    per_channel_per_second=1.0,
                    per_workspace_per_minute=args.update_budget,
                    burst=1,
                    methods=LIMITED_METHODS,
                )
            tickers = [
                Ticker(
                    db,
                    clock,
                    scheduler_client(slack.bot_token, slack.api_url),
                    pacer=Pacer(per_minute=args.update_budget, monotonic=clock.seconds),
                    worker=f"bench-{p}",
                )
                for p in range(args.processes)
            ]
            print(
                f"[{kind}, {label}] {args.sessions} sessions started over "
                f"{args.spread_minutes:g} min, {args.processes} ticker(s) ...",
                flush=True,
            )
            began = time.perf_counter()
            changes, started = drive(args, db, slack.team_id, clock, tickers, result)
            result.wall = time.perf_counter() - began
            result.sim_seconds = clock.seconds()
            result.skipped_seconds = clock.skipped
            analyse(db, recorder, changes, started, result, args.update_budget if limited else None)
    finally:
        slack.stop()
    return result


def drive(
    args: argparse.Namespace,
    db: Database,
    team_id: str,
    clock: SkippingClock,
    tickers: list[Ticker],
    result: Result,
) -> tuple[list[Change], dict[int, float]]:
    """Start the sessions at their times and run the live pass on the 5-second grid until
    every session has ended and no note is left; returns the stage changes and, per live
    session, when it was started."""
    starts = sorted(
        (when, i)
        for i, when in enumerate(start_times(args.sessions, args.spread_minutes, args.seed), 1)
    )
    started: dict[int, float] = {}  # live session -> start (simulated seconds)
    changes: list[Change] = []
    next_pass = T
    deadline = time.perf_counter() + args.timeout
    pool = ThreadPoolExecutor(max_workers=len(tickers)) if len(tickers) > 1 else None
    lead = tickers[0]
    assert lead.notes is not None
    try:
        while time.perf_counter() < deadline:
            now = clock()
            # APScheduler (coalesce, one instance): an overrun pass is followed at once.
            candidate = max(next_pass, now)
            due = next_due(db)
            if due is None or due > candidate:  # nothing due at that pass: skip it
                candidate = max(candidate, grid_ceil(due)) if due is not None else None
            if starts and (candidate is None or starts[0][0] <= candidate):
                when, i = starts.pop(0)
                clock.skip_to(when)
                try:
                    moved = lead.live_sessions.start_vote(team_id, user_of(i, 0), i)
                except Exception as exc:
                    result.errors.append(f"start {i}: {type(exc).__name__}: {exc}"[:300])
                    continue
                started[moved.live_id] = clock.sec(when)
                lead.notes.deliver(moved.notes)
                result.starts += 1
                continue
            if candidate is None:
                break  # nothing running, nothing to deliver, nothing to start
            clock.skip_to(candidate)
            before = running(db)
            at = clock()
            pass_at = clock.sec(at)
            if pool is None:
                run_pass(lead, at, result)
            else:
                list(pool.map(lambda t, at=at: run_pass(t, at, result), tickers))
            result.passes += 1
            after = running(db)
            for live_id, (step, old_deadline, status) in before.items():
                if status != LiveStatus.RUNNING.value or old_deadline is None:
                    continue
                new_step, _, new_status = after[live_id]
                if (new_step, new_status) == (step, status):
                    continue
                changes.append(
                    Change(
                        live_id,
                        step,
                        new_step,
                        new_status == LiveStatus.ENDED.value,
                        clock.sec(old_deadline),
                        pass_at,
                    )
                )
            next_pass = grid_ceil(candidate + timedelta(microseconds=1))  # the next on the grid
        else:
            result.errors.append(f"gave up after {args.timeout:g} s of wall time")
    finally:
        if pool is not None:
            pool.shutdown()
    return changes, started


def run_pass(ticker: Ticker, at: datetime, result: Result) -> None:
    try:
        ticker.live(at)
    except Exception as exc:  # as the runner does: report, the next pass retries
        result.errors.append(f"live pass: {type(exc).__name__}: {exc}"[:300])


# ------------------------------------------------------------------------ analysis
def ideal_lateness(
    needs: list[tuple[float, int, str, str]], budget: int | None, count: int
) -> list[float]:
    """The lateness of each of ``count`` changes for a FIFO sender under the fake's limits
    (``set_rate_limits``: per (method, channel) one call a second, burst 1; per method at most
    ``budget`` accepted calls in any (t - 60, t]) that sends every call, in due order, as soon
    as the limits allow, with no 5-second grid and no work. Serving in due order minimises the
    largest lateness (the calls are alike), so its max is what the budget alone forces on any
    sender; its p50/p95 are not bounds (another order trades a few long waits for many short).
    ``needs``: (due, change index, method, channel) per call a change needs."""
    windows: dict[str, list[float]] = defaultdict(list)
    channel_last: dict[tuple[str, str], float] = {}
    late = [0.0] * count
    for due, index, method, channel in sorted(needs):
        t = due
        if budget is not None:
            t = max(t, channel_last.get((method, channel), -math.inf) + 1.0)
            window = windows[method]
            while True:
                lo = bisect.bisect_right(window, t - 60.0)
                hi = bisect.bisect_right(window, t)
                if hi - lo < budget:
                    break
                t = window[hi - budget] + 60.0 + 1e-6
            bisect.insort(window, t)
            channel_last[(method, channel)] = t
        late[index] = max(late[index], t - due)
    return late


def analyse(
    db: Database,
    recorder: Recorder,
    changes: list[Change],
    started: dict[int, float],
    result: Result,
    budget: int | None,
) -> None:
    with db.read() as s:
        lives = {
            int(r.id): (str(r.channel_id), [Step.load(x) for x in r.steps], str(r.status))
            for r in s.scalars(select(LiveSession))
        }
        parts = {
            (int(p.live_id), int(p.position)): p.message_ts for p in s.scalars(select(LivePart))
        }
        notes = s.execute(select(OutboxNote.status, OutboxNote.reason)).all()
    by_channel = {channel: live_id for live_id, (channel, _, _) in lives.items()}

    def first_of(steps: list[Step], position: int) -> int:
        return next(i for i, st in enumerate(steps) if st.part == position)

    # Every call, resolved to (live, part, what it shows).
    seen: list[tuple[int, int, Seen]] = []
    for at, call in recorder.calls:
        channel = str(call.args.get("channel") or "")
        live_id = by_channel.get(channel)
        position, marks = parse_blocks(call.args.get("blocks"))
        if live_id is None or position is None:
            result.other_errors += 1
            continue
        steps = lives[live_id][1]
        last = steps[-1].part
        if position == -1:
            position = last
        shown: tuple[str, int] | None = None
        if marks:
            if "▶" in marks:
                shown = ("here", first_of(steps, position) + marks.index("▶"))
            elif all(m == "✓" for m in marks):
                shown = ("done", 0)
            else:
                shown = ("later", -1)
        ts = call.args.get("ts") if call.method == "chat.update" else call.response.get("ts")
        item = Seen(
            at,
            call.method,
            call.status,
            call.ok,
            channel,
            str(ts) if ts else None,
            position,
            shown,
            str(call.args.get("text") or ""),
        )
        seen.append((live_id, position, item))
        if call.method == "chat.postMessage":
            result.posts += 1
            result.posts_429 += call.status == 429
        else:
            result.updates += 1
            result.updates_429 += call.status == 429
        if call.status != 429 and not call.ok:
            result.other_errors += 1

    def peak(method: str) -> int:
        # The fake's window is (now - 60, now] on its own reading; the listener reads the clock
        # a little after it (up to a few ms): 50 ms of slack keeps that out of the count.
        times = sorted(item.at for _, _, item in seen if item.ok and item.method == method)
        return peak_of(times, 0.05)

    result.peak_posts, result.peak_updates = peak("chat.postMessage"), peak("chat.update")
    accepted: dict[tuple[int, int], list[Seen]] = defaultdict(list)
    refused: dict[tuple[int, int], list[Seen]] = defaultdict(list)
    for live_id, position, item in seen:
        if item.ok:
            accepted[(live_id, position)].append(item)
        elif item.status == 429:
            refused[(live_id, position)].append(item)
    for items in accepted.values():
        items.sort(key=lambda x: x.at)

    def drawn(live_id: int, position: int, target: tuple[str, int], since: float) -> float | None:
        """When the part's message first showed ``target`` or later (accepted), from ``since``."""
        for item in accepted.get((live_id, position), []):
            if item.at >= since and item.shown and shown_key(item.shown) >= shown_key(target):
                return item.at
        return None

    # Stage changes: every part they touch must show the change.
    drawn_at: list[tuple[float, float]] = []  # (due, drawn) per change drawn
    for c in changes:
        steps = lives[c.live_id][1]
        result.changes += c.after - c.before + (1 if c.ended else 0)
        lo, hi = steps[c.before].part, steps[c.after].part
        latest: float | None = 0.0
        for position in range(lo, hi + 1):
            target = ("done", 0) if c.ended or position < hi else ("here", c.after)
            got = drawn(c.live_id, position, target, c.due)
            if got is None:
                latest = None
                break
            latest = max(latest or 0.0, got)
        if latest is None:
            result.lost += 1
            continue
        late = latest - c.due
        result.lateness.append(late)
        drawn_at.append((c.due, latest))
        result.wait_grid.append(c.pass_at - c.due)
        result.after_pass.append(latest - c.pass_at)
        if late > TARGET_SECONDS:
            hit = any(
                c.due <= r.at <= latest
                for position in range(lo, hi + 1)
                for r in refused.get((c.live_id, position), [])
            )
            result.late_429 += hit
            result.worst.append(
                f"live {c.live_id} step {c.before}->{c.after}: due +{c.due:.1f} s, pass "
                f"+{c.pass_at:.1f} s, drawn +{latest:.1f} s ({late:.1f} s late"
                f"{', a 429 on the way' if hit else ''})"
            )

    # Late changes overtaken: a change due after it was drawn before it (not first come,
    # first served).
    drawn_at.sort()
    best_after = math.inf  # the earliest drawing among the changes due later
    for due, got in reversed(drawn_at):
        if got - due > TARGET_SECONDS and best_after < got:
            result.overtaken += 1
        best_after = min(best_after, got)

    # The starts: the opening's message posted.
    for live_id, at in started.items():
        got = drawn(live_id, 0, ("here", 0), at)
        if got is None:
            result.lost += 1
        else:
            result.start_lateness.append(got - at)

    # The bound: the same calls, due at the same times, from an ideal sender (changes and
    # starts in one list: a start is a change that posts the opening).
    needs: list[tuple[float, int, str, str]] = []
    posted: set[tuple[int, int]] = set()
    events = [(at, -1, live_id, None) for live_id, at in started.items()]
    events += [(c.due, j, c.live_id, c) for j, c in enumerate(changes)]
    events.sort(key=lambda e: (e[0], e[1]))
    count = len(changes) + len(started)
    for k, (due, _, live_id, change) in enumerate(events):
        channel, steps, _ = lives[live_id]
        if change is None:
            touched = [0]
        else:
            touched = list(range(steps[change.before].part, steps[change.after].part + 1))
        for position in touched:
            first = (live_id, position) not in posted
            posted.add((live_id, position))
            needs.append((due, k, "chat.postMessage" if first else "chat.update", channel))
    bound = ideal_lateness(needs, budget, count)
    result.ideal = [x for (_, j, _, _), x in zip(events, bound, strict=True) if j >= 0]
    result.ideal_peak = {
        method: peak_of(sorted(d for d, _, m, _ in needs if m == method), 0.0)
        for method in LIMITED_METHODS
    }

    # Every 429 followed by an accepted call drawing that part as far or further.
    for key, items in refused.items():
        for r in items:
            later = [
                a
                for a in accepted.get(key, [])
                if a.at > r.at and a.shown and r.shown and shown_key(a.shown) >= shown_key(r.shown)
            ]
            result.unhandled_429 += not later

    # Doubled: more than one post per part. Lost at the end: a part's message not done.
    posts = Counter(
        (live_id, position)
        for live_id, position, item in seen
        if item.ok and item.method == "chat.postMessage"
    )
    result.doubled = sum(1 for n in posts.values() if n > 1)
    final: dict[tuple[int, int], Seen] = {}
    for key, items in accepted.items():
        for item in items:
            if item.ts is not None and item.ts == parts.get(key):
                final[key] = item  # the last accepted call to the message it keeps
    for live_id, (_, steps, status) in lives.items():
        if status != LiveStatus.ENDED.value:
            result.lost_final += 1
            continue
        for position in range(steps[-1].part + 1):
            item = final.get((live_id, position))
            if item is None or item.shown != ("done", 0) or not item.text.endswith(": done"):
                result.lost_final += 1
    result.outbox = Counter(
        f"{st} ({reason})" if st == "skipped" and reason else str(st) for st, reason in notes
    )
    result.outbox_bad = sum(
        1
        for st, reason in notes
        if st != "sent" and not (st == "skipped" and reason == "coalesced")
    )


# ------------------------------------------------------------------------ report
def report(args: argparse.Namespace, kind: str, sides: list[Result]) -> None:
    print()
    print(
        f"live sessions [{kind}]: {args.sessions} sessions of {SESSION_MINUTES} min "
        f"({TOPICS} topics) in one workspace, started over {args.spread_minutes:g} min "
        f"(seed {args.seed}); live pass every {LIVE_SECONDS} s; {args.processes} ticker(s); "
        f"fake's limits: 1/s per channel, {args.update_budget}/min per workspace, burst 1, "
        f"on {' and '.join(LIMITED_METHODS)} (each its own window)"
    )

    def secs(values: Sequence[float]) -> str:
        return f"{pct(values, 50):.1f} / {pct(values, 95):.1f} / {max(values, default=0):.1f} s"

    rows: list[tuple[str, list[str]]] = [
        ("stage changes (sessions started)", [f"{r.changes} ({r.starts})" for r in sides]),
        ("lateness p50 / p95 / max", [secs(r.lateness) for r in sides]),
        (f"  over {TARGET_SECONDS:g} s", [f"{r.over}" for r in sides]),
        ("  due -> pass began p50/p95/max", [secs(r.wait_grid) for r in sides]),
        ("  pass began -> accepted", [secs(r.after_pass) for r in sides]),
        ("start -> opening posted", [secs(r.start_lateness) for r in sides]),
        ("chat.postMessage calls (429s)", [f"{r.posts} ({r.posts_429})" for r in sides]),
        ("chat.update calls (429s)", [f"{r.updates} ({r.updates_429})" for r in sides]),
        (
            "bound: FIFO sender p50/p95/max",
            [secs(r.ideal) for r in sides],
        ),
        (
            "  bound: over 10 s",
            [f"{sum(1 for x in r.ideal if x > TARGET_SECONDS)}" for r in sides],
        ),
        (
            "calls due in any 60 s (post / update)",
            [
                f"{r.ideal_peak.get('chat.postMessage', 0)} / {r.ideal_peak.get('chat.update', 0)}"
                for r in sides
            ],
        ),
        (
            "peak accepted in 60 s (post / update)",
            [f"{r.peak_posts} / {r.peak_updates}" for r in sides],
        ),
        ("429s left unhandled", [f"{r.unhandled_429}" for r in sides]),
        ("late changes with a 429 on the way", [f"{r.late_429}" for r in sides]),
        ("late changes overtaken by later ones", [f"{r.overtaken}" for r in sides]),
        ("other failed calls", [f"{r.other_errors}" for r in sides]),
        ("lost (never drawn / final message)", [f"{r.lost} / {r.lost_final}" for r in sides]),
        ("doubled (posts per part > 1)", [f"{r.doubled}" for r in sides]),
        (
            "outbox notes",
            [", ".join(f"{k} {v}" for k, v in sorted(r.outbox.items())) for r in sides],
        ),
        ("live passes run", [f"{r.passes}" for r in sides]),
        (
            "simulated time (skipped)",
            [f"{r.sim_seconds / 60:.1f} min ({r.skipped_seconds / 60:.1f})" for r in sides],
        ),
        ("wall time", [f"{r.wall:.1f} s" for r in sides]),
    ]
    width = max(len(k) for k, _ in rows)
    cols = [max(len(r.label), *(len(v[i]) for _, v in rows)) for i, r in enumerate(sides)]
    head = "  ".join(f"{r.label:<{cols[i]}}" for i, r in enumerate(sides))
    print(f"  {'':<{width}}  {head}")
    for key, values in rows:
        print(f"  {key:<{width}}  " + "  ".join(f"{v:<{cols[i]}}" for i, v in enumerate(values)))
    for r in sides:
        for e in r.errors[:5]:
            print(f"  [{r.label}] error: {e}")
        for w in sorted(r.worst, key=lambda x: -float(x.split("(")[-1].split(" s")[0]))[:5]:
            print(f"  [{r.label}] late: {w}")
    main = sides[0]
    print(
        f"  target: every change within {TARGET_SECONDS:g} s, no 429 unhandled, none lost or "
        f"doubled: {'met' if main.clean else 'NOT met'}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--members", type=int, default=6, help="per set (at least 4)")
    parser.add_argument(
        "--spread-minutes", type=float, default=5.0, help="the starts are spread over this"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--update-budget",
        type=int,
        default=50,
        help="the fake's per-workspace budget per minute, for chat.update and for "
        "chat.postMessage (each its own window)",
    )
    parser.add_argument("--processes", type=int, default=1, help="tickers in threads")
    parser.add_argument(
        "--reference",
        choices=("unlimited", "none"),
        default="unlimited",
        help="also run the same sessions with the fake's rate limits off (side by side)",
    )
    parser.add_argument("--timeout", type=float, default=900, help="give up after (s of wall)")
    args = parser.parse_args()
    if args.sessions < 1 or args.update_budget < 1 or args.processes < 1:
        parser.error("--sessions, --update-budget and --processes must be at least 1")
    if args.members < TOPICS + 1:
        parser.error(f"--members must be at least {TOPICS + 1}")
    if args.spread_minutes < 0:
        parser.error("--spread-minutes must not be negative")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="als-bench-") as tmp:
        sides = [run_side(args, args.db, Path(tmp), limited=True)]
        if args.reference == "unlimited":
            sides.append(run_side(args, args.db, Path(tmp), limited=False))
    report(args, args.db, sides)
    return 0 if sides[0].clean else 1


if __name__ == "__main__":
    sys.exit(main())
