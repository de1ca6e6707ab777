"""Reminder fan-out: many sets owe a reminder at the same instant, in one rate-limited workspace.

``--sets`` sets (default 100) of ``--members`` members (default 7) share one Slack workspace
(one ``FakeSlack``). Every set has one planned session at T + 1 h (T = 12:00 UTC, members in
UTC, so no quiet hours), and owes at T: the session-day post to its channel (``session_post``,
``post_minutes`` 60) and a ``prep_prompt`` DM to each member (useful until the session starts).
The rows (workspace, sets, memberships, sessions, reminders) are inserted directly; each set's
``replan_at`` mark is the end of its session, so the tick plans nothing.

The fake Slack enforces ``set_rate_limits(per_channel_per_second=1, per_workspace_per_minute=
--budget, burst=1)`` on ``chat.postMessage``. ``Ticker.tick(at)`` (the scheduler's pass, with its
paced sender: ``Pacer(per_minute=--pacer-fraction x --budget)``) runs again and again, without
waiting a minute in between, ``at`` following the wall clock from T, until no reminder is
pending or claimed. With ``--processes N``, N tickers (distinct worker ids, each with its own
Pacer, as N processes would have) run in threads on one database.

Reported: messages expected and sent, wall time, the lower bounds the limits allow, efficiency,
HTTP 429s, and lost / doubled reminders (from the database rows and the fake's messages).

    .venv/bin/python bench/reminder_fanout.py [--db sqlite|postgresql] [--sets 100]
        [--members 7] [--budget 600] [--pacer-fraction 1.0] [--processes 1]

PostgreSQL: a throwaway database is created on ``ALS_BENCH_POSTGRES_URL`` (default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres) and dropped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

from common import PG_ADMIN_DEFAULT, throwaway_postgres
from sqlalchemy import func, insert, select, text

from bot.clock import ManualClock
from bot.fakeslack.server import FakeSlack
from bot.scheduler.tick import Ticker
from bot.slack.client import scheduler_client
from bot.slack.pacing import Pacer
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
AIM_EFFICIENCY = 0.90
AIM_429_SHARE = 0.01


# ------------------------------------------------------------------------ database
@contextlib.contextmanager
def bench_database(kind: str, workdir: Path) -> Iterator[Database]:
    if kind == "sqlite":
        url = f"sqlite:///{workdir / 'fanout.db'}"
        db = Database(url)
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


def populate(db: Database, team_id: str, sets: int, members: int) -> list[tuple[str, str]]:
    """Insert the rows; returns the expected (target, kind) pairs."""
    now = T - timedelta(days=1)
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
                for i in range(1, sets + 1)
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
                for i in range(1, sets + 1)
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
                for i in range(1, sets + 1)
            ],
        )
        rows, expected = [], []
        for i in range(1, sets + 1):
            targets = [(channel_of(i), "session_post")]
            targets += [(user_of(i, m), "prep_prompt") for m in range(members)]
            for target, kind in targets:
                expected.append((target, kind))
                rows.append(
                    {
                        "team_id": team_id,
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
        conn.execute(insert(Reminder), rows)
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


# ------------------------------------------------------------------------ the run
@dataclass
class Worker:
    name: str
    ticks: int = 0
    sent: int = 0
    rate_limited: int = 0
    deferred_or_retried: int = 0
    skipped: int = 0
    failed: int = 0
    unknown: int = 0
    errors: list[str] = field(default_factory=list)


def run(args: argparse.Namespace, kind: str, workdir: Path) -> bool:
    slack = FakeSlack().start()
    try:
        with bench_database(kind, workdir) as db:
            upgrade(db.engine)
            print(
                f"[{kind}] {args.sets} sets x {args.members} members: inserting rows ...",
                flush=True,
            )
            expected = populate(db, slack.team_id, args.sets, args.members)
            for i in range(1, args.sets + 1):
                users = [user_of(i, m) for m in range(args.members)]
                for u in users:
                    slack.add_user(u, u.lower(), real_name=u, tz="UTC")
                slack.add_channel(channel_of(i), f"set-{i}", members=users)
            slack.set_rate_limits(
                per_channel_per_second=1.0, per_workspace_per_minute=args.budget, burst=1
            )
            return measure(args, kind, db, slack, expected)
    finally:
        slack.stop()


def measure(
    args: argparse.Namespace,
    kind: str,
    db: Database,
    slack: FakeSlack,
    expected: list[tuple[str, str]],
) -> bool:
    n = len(expected)
    pacer_rate = args.pacer_fraction * args.budget
    clock = ManualClock(T)
    workers = [Worker(f"bench-{p}") for p in range(args.processes)]
    began = time.perf_counter()
    deadline = began + args.timeout

    def now() -> datetime:
        return T + timedelta(seconds=time.perf_counter() - began)

    def loop(w: Worker) -> None:
        ticker = Ticker(
            db,
            clock,
            scheduler_client(slack.bot_token, slack.api_url),
            pacer=Pacer(per_minute=pacer_rate, burst=args.pacer_burst),
            worker=w.name,
        )
        while time.perf_counter() < deadline:
            at = now()
            clock.set(at)
            try:
                summary = ticker.tick(at, budget_seconds=args.timeout)
            except Exception as exc:  # report, go on: the next tick retries
                w.errors.append(f"{type(exc).__name__}: {exc}"[:300])
                time.sleep(0.05)
                continue
            w.ticks += 1
            s = summary.sent
            w.sent += s.sent
            w.rate_limited += s.rate_limited
            w.deferred_or_retried += s.retried
            w.skipped += s.skipped
            w.failed += s.failed
            w.unknown += s.unknown
            if live_count(db) == 0:
                return
            # Only rows waiting for a Retry-After (or another worker's claims) are left.
            time.sleep(0.05)

    print(
        f"[{kind}] {n} reminders due at {T:%H:%M} UTC; budget {args.budget}/min, pacer "
        f"{pacer_rate:g}/min, {args.processes} ticker(s) ...",
        flush=True,
    )
    threads = [threading.Thread(target=loop, args=(w,), daemon=True) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = time.perf_counter() - began

    # ---------------------------------------------------------------- correctness
    with db.read() as s:
        rows = s.execute(select(Reminder.target, Reminder.kind, Reminder.status)).all()
    status = Counter(r.status for r in rows)
    sent_rows = Counter((r.target, r.kind) for r in rows if r.status == "sent")
    messages: Counter[tuple[str, str]] = Counter()
    for target, rkind in expected:
        got = slack.messages(target) if target.startswith("C") else slack.dm_messages(target)
        messages[(target, rkind)] = len(got)
    lost_db = sum(1 for e in expected if sent_rows[e] == 0)
    lost_slack = sum(1 for e in expected if messages[e] == 0)
    doubled = sum(1 for e in expected if messages[e] > 1)

    posts = slack.calls_to("chat.postMessage")
    ok_times = sorted(c.timestamp for c in posts if c.status == 200 and c.response.get("ok"))
    span = ok_times[-1] - ok_times[0] if len(ok_times) > 1 else 0.0
    limited = slack.rate_limited_count("chat.postMessage")
    delivered = slack.accepted_count("chat.postMessage")

    # Lower bounds. The fake's exact model (set_rate_limits): a sliding 60 s window of B
    # accepted calls, so N posts to different conversations need 60 * ((N - 1) // B) s. A
    # sender that never bursts above the sustained rate (the Pacer: a token bucket of capacity
    # 1 refilled at B/60 per second) needs (N - 1) * 60 / B s.
    window_bound = 60.0 * ((n - 1) // args.budget)
    smooth_bound = (n - 1) * 60.0 / args.budget
    eff_smooth = smooth_bound / total if total else 0.0
    eff_window = window_bound / total if total else 0.0
    share_429 = limited / len(posts) if posts else 0.0

    print()
    print(
        f"reminder fan-out [{kind}]: {args.sets} sets x {args.members} members, one workspace, "
        f"budget {args.budget}/min, pacer {pacer_rate:g}/min burst {args.pacer_burst:g}, "
        f"{args.processes} ticker(s)"
    )
    table = [
        ("messages expected", f"{n}"),
        ("sent (DB rows 'sent')", f"{status['sent']}"),
        ("accepted by Slack", f"{delivered}"),
        ("chat.postMessage calls", f"{len(posts)}"),
        ("HTTP 429 received", f"{limited} ({share_429:.2%} of calls)"),
        ("ticks", f"{sum(w.ticks for w in workers)}"),
        ("total wall time", f"{total:.1f} s"),
        ("first to last accepted post", f"{span:.1f} s"),
        ("bound, sustained rate (N-1)*60/B", f"{smooth_bound:.1f} s"),
        ("bound, fake's window 60*((N-1)//B)", f"{window_bound:.1f} s"),
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
    eff_ok = eff_smooth >= AIM_EFFICIENCY
    ok_429 = share_429 <= AIM_429_SHARE
    print(
        f"  aims: efficiency >= {AIM_EFFICIENCY:.0%} (sustained bound): "
        f"{'met' if eff_ok else 'NOT met'}; 429s <= {AIM_429_SHARE:.0%} of calls: "
        f"{'met' if ok_429 else 'NOT met'}; lost 0 and doubled 0: "
        f"{'met' if not (lost_db or lost_slack or doubled) else 'NOT met'}"
    )
    return not (lost_db or lost_slack or doubled or errors or status["sent"] != n)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--sets", type=int, default=100)
    parser.add_argument("--members", type=int, default=7)
    parser.add_argument(
        "--budget", type=int, default=600, help="the fake's chat.postMessage budget per minute"
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
        default=1.0,
        help="the Pacer's bucket capacity (its default is 1)",
    )
    parser.add_argument("--processes", type=int, default=1, help="tickers in threads")
    parser.add_argument("--timeout", type=float, default=1800, help="give up after (s)")
    args = parser.parse_args()
    if args.sets < 1 or args.members < 1 or args.budget < 1 or args.processes < 1:
        parser.error("--sets, --members, --budget and --processes must be at least 1")
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
