"""Tick cost with nothing due: does a scheduler pass stay as cheap at 100k sets as at 1k?

For each size in ``--sets`` (default 1000,100000), a fresh database is filled with Core bulk
inserts: ``--sets-per-workspace`` sets per workspace (default 100; 10 with ``--distributed``),
7 memberships per set, and per set a past session (ended, its agenda vote confirmed, its prep
prompts and channel post sent) and the next session (in 3 days; 1 set in 10 has its agenda vote
open), whose reminders are pending but due later (the nudges, spread over the next 48 h, and the
channel post). Every set's ``replan_at`` mark is in the future. So at the measured instant
nothing is due: no set to plan, no vote to close, no reminder to send.

Then ``Ticker.tick(at)`` (the real pass: plan, close finished votes, send; with a Slack client
pointed at the fake Slack, so the claim query runs too) is timed ``--ticks`` times at that
instant, after ``--warmup`` untimed ticks, once every size's database is filled: the ticks are
split into ``--rounds`` interleaved rounds (size A, size B, then B, A...), so a slow minute of a
shared machine weighs on every size alike. Reported: median and p95 per tick, the ratio
largest/smallest size (aim: within 1.2x, i.e. indexed queries, not scans), and with
``--explain`` the plan of every statement one tick runs (EXPLAIN QUERY PLAN / EXPLAIN).

Two modes, as ``als-bot`` runs them:

- single workspace (default; ``SLACK_BOT_TOKEN``): ``Ticker(db, clock, scheduler_client(
  bot_token, api_url))``.
- ``--distributed`` (``SLACK_CLIENT_ID``...): the database also holds every workspace's
  installation (slack_sdk's installation and bot rows, ``bench/workspaces.py``; 1,000 workspaces
  at 10k sets, 10,000 at 100k with the default 10 sets per workspace), and the ticker is
  ``create_app(..., distribution=Distribution(...)).scheduler()``: its clients are
  ``Clients(InstalledTokens(...))``, each workspace's token read from the database when a send
  needs it (a pass with nothing due needs none: the bench fails if Slack was called).

    .venv/bin/python bench/tick_cost.py [--db sqlite|postgresql|both] [--sets 1000,100000]
        [--sets-per-workspace N] [--distributed] [--ticks 50] [--warmup 5] [--rounds 10]
        [--explain]

PostgreSQL: a throwaway database per size is created on ``ALS_BENCH_POSTGRES_URL`` (default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres) and dropped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

from common import bench_database
from sqlalchemy import event, insert, text
from workspaces import (
    CLIENT_ID,
    CLIENT_SECRET,
    distributed_app,
    installation_of,
    seed_installations,
    team_of_workspace,
)

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.fakeslack.server import FakeSlack
from bot.scheduler.tick import Ticker
from bot.slack.client import scheduler_client
from bot.slack.tokens import InstalledTokens
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from bot.storage.models import (
    AgendaVote,
    LearningSet,
    Membership,
    PlannedSession,
    Reminder,
    Workspace,
)

AT = datetime(2031, 3, 4, 12, 0, tzinfo=UTC)  # the measured instant
PAST = AT - timedelta(days=11)  # the previous session (ended)
NEXT = AT + timedelta(days=3)  # the next session
MINUTES = 90
MEMBERS = 7
AIM = 1.2
CHUNK = 20_000  # rows per executemany


# ------------------------------------------------------------------------ data
def bulk(conn: Any, table: Any, rows: Iterator[dict[str, Any]]) -> int:
    n, batch = 0, []
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK:
            conn.execute(insert(table), batch)
            n += len(batch)
            batch = []
    if batch:
        conn.execute(insert(table), batch)
        n += len(batch)
    return n


def team_of(i: int, per_ws: int) -> str:
    return team_of_workspace((i - 1) // per_ws)


def user_of(i: int, m: int) -> str:
    return f"U{i:07d}{m:02d}"


def populate(db: Database, sets: int, per_ws: int, distributed: bool) -> dict[str, int]:
    created = AT - timedelta(days=30)
    counts: dict[str, int] = {}
    ids = range(1, sets + 1)

    def session(i: int, k: int) -> dict[str, Any]:
        starts = PAST if k == 0 else NEXT
        return {
            "id": 2 * i - 1 + k,
            "team_id": team_of(i, per_ws),
            "set_id": i,
            "local_date": starts.date(),
            "local_time": dtime(12, 0),
            "timezone": "UTC",
            "starts_at": starts,
            "duration_minutes": MINUTES,
            "status": "planned",
            "series_date": starts.date(),
            "revision": 1,
            "created_at": created,
        }

    def reminders() -> Iterator[dict[str, Any]]:
        for i in ids:
            team, channel = team_of(i, per_ws), f"C{i:09d}"
            past, nxt = 2 * i - 1, 2 * i
            # The past session's prompts and post: sent.
            owed = [(past, channel, "session_post", PAST - timedelta(hours=1), "sent")]
            owed += [
                (past, user_of(i, m), "prep_prompt", PAST - timedelta(days=7), "sent")
                for m in range(MEMBERS)
            ]
            # The next session's: pending, due later than AT.
            owed.append((nxt, channel, "session_post", NEXT - timedelta(hours=1), "pending"))
            owed += [
                (nxt, user_of(i, m), "prep_nudge", AT + timedelta(hours=1 + i % 48), "pending")
                for m in range(MEMBERS)
            ]
            for sess, target, kind, due, status in owed:
                yield {
                    "team_id": team,
                    "set_id": i,
                    "session_id": sess,
                    "target": target,
                    "kind": kind,
                    "due_at": due,
                    "send_after": due,
                    "useful_until": NEXT if sess == nxt else PAST,
                    "status": status,
                    "attempts": 1 if status == "sent" else 0,
                    "ambiguous": 0,
                    "sent_at": due if status == "sent" else None,
                    "created_at": created,
                    "updated_at": created,
                }

    with db.engine.begin() as conn:
        counts["workspaces"] = bulk(
            conn,
            Workspace,
            (
                {"team_id": team_of_workspace(w), "name": f"W{w}", "installed_at": created}
                for w in range((sets + per_ws - 1) // per_ws)
            ),
        )
        counts["learning_sets"] = bulk(
            conn,
            LearningSet,
            (
                {
                    "id": i,
                    "team_id": team_of(i, per_ws),
                    "channel_id": f"C{i:09d}",
                    "name": f"Set {i}",
                    "timezone": "UTC",
                    "anchor_date": PAST.date(),
                    "session_time": dtime(12, 0),
                    "cadence_weeks": 2,
                    "session_minutes": MINUTES,
                    "facilitator_participates": False,
                    "settings": {},
                    "ground_rules": "Be kind.",
                    "rules_version": 1,
                    "status": "active",
                    "created_by": user_of(i, 0),
                    "created_at": created,
                    "updated_at": created,
                    "planned_until": NEXT,
                    # Planned: next mark, the end of the next session (spread over 2 h).
                    "replan_at": NEXT + timedelta(minutes=MINUTES + i % 120),
                }
                for i in ids
            ),
        )
        counts["memberships"] = bulk(
            conn,
            Membership,
            (
                {
                    "team_id": team_of(i, per_ws),
                    "set_id": i,
                    "user_id": user_of(i, m),
                    "is_facilitator": m == 0,
                    "tz": "UTC",
                    "joined_at": created,
                }
                for i in ids
                for m in range(MEMBERS)
            ),
        )
        counts["sessions"] = bulk(
            conn, PlannedSession, (session(i, k) for i in ids for k in (0, 1))
        )
        counts["agenda_votes"] = bulk(
            conn,
            AgendaVote,
            (
                {
                    "team_id": team_of(i, per_ws),
                    "set_id": i,
                    "session_id": 2 * i - 1 + k,
                    "status": "confirmed" if k == 0 else "open",
                    "channel_id": f"C{i:09d}",
                    "message_ts": f"1700000000.{i:06d}",
                    "rules": {},
                    "rules_fixed": True,
                    "opened_by": user_of(i, 0),
                    "opened_at": created,
                    "closed_at": PAST if k == 0 else None,
                    "ends_at": (PAST if k == 0 else NEXT) + timedelta(minutes=MINUTES),
                    "confirmed_at": PAST if k == 0 else None,
                }
                for i in ids
                for k in ((0, 1) if i % 10 == 0 else (0,))
            ),
        )
        counts["reminders"] = bulk(conn, Reminder, reminders())
        if db.dialect == "postgresql":
            for table in ("learning_sets", "sessions"):
                conn.execute(
                    text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
                )
    if distributed:  # every workspace installed the app (its rows exist: none are added)
        teams = [team_of_workspace(w) for w in range(counts["workspaces"])]
        seed_installations(db, CLIENT_ID, [installation_of(team) for team in teams])
        counts["installations"] = len(teams)
    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    if db.dialect == "sqlite":
        # A running database is checkpointed as it goes; right after a bulk load the WAL holds
        # every inserted page (GBs at 100k sets), which no steady-state pass would read through.
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return counts


# ------------------------------------------------------------------------ measurement
@dataclass
class Result:
    db: str
    sets: int
    rows: dict[str, int]
    times: list[float]
    plans: list[tuple[str, list[str]]]
    load_seconds: float

    def pct(self, p: float) -> float:
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def capture_statements(db: Database, ticker: Ticker) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def listener(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        seen.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        ticker.tick(AT)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return [
        (s, p) for s, p in seen if s.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE"))
    ]


def explain(db: Database, statements: list[tuple[str, Any]]) -> list[tuple[str, list[str]]]:
    out = []
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        for statement, params in statements:
            if db.dialect == "sqlite":
                cur.execute("EXPLAIN QUERY PLAN " + statement, params)
                lines = [str(r[-1]) for r in cur.fetchall()]
            else:
                cur.execute("EXPLAIN " + statement, params)
                lines = [str(r[0]) for r in cur.fetchall()]
            out.append((" ".join(statement.split()), lines))
        raw.rollback()
    finally:
        raw.close()
    return out


def _tick_once(ticker: Ticker) -> float:
    t0 = time.perf_counter()
    summary = ticker.tick(AT)
    elapsed = time.perf_counter() - t0
    if summary.sets or summary.votes_closed or summary.sent.sent or summary.sent.skipped:
        raise RuntimeError(f"something was due: {summary.line()}")
    return elapsed


def make_ticker(
    args: argparse.Namespace, db: Database, slack: FakeSlack, stack: contextlib.ExitStack
) -> Ticker:
    """The scheduler's ticker of the mode measured (see the module's docstring)."""
    if not args.distributed:
        return Ticker(db, ManualClock(AT), scheduler_client(slack.bot_token, slack.api_url))
    app: AlsBot = distributed_app(db, ManualClock(AT), slack.api_url, CLIENT_ID, CLIENT_SECRET)
    stack.callback(app.close)
    ticker = app.scheduler()
    if ticker.clients is None or not isinstance(ticker.clients.tokens, InstalledTokens):
        raise RuntimeError("the distributed app's ticker does not read tokens from the database")
    return ticker


def measure(kind: str, sizes: list[int], args: argparse.Namespace, workdir: Path) -> list[Result]:
    """Fill one database per size, then time the sizes in interleaved rounds (``--rounds``),
    so a slower minute of this shared machine falls on every size alike."""
    with contextlib.ExitStack() as stack:
        built: list[tuple[int, Database, dict[str, int], float]] = []
        for sets in sizes:
            db = stack.enter_context(bench_database(kind, workdir, f"tick-{sets}"))
            upgrade(db.engine)
            print(f"[{kind}] {sets} sets: bulk insert ...", flush=True)
            began = time.perf_counter()
            rows = populate(db, sets, args.sets_per_workspace, args.distributed)
            load = time.perf_counter() - began
            print(
                f"[{kind}] {sets} sets: {load:.1f} s for "
                + ", ".join(f"{v} {k}" for k, v in rows.items()),
                flush=True,
            )
            built.append((sets, db, rows, load))
        slack = stack.enter_context(FakeSlack(client_id=CLIENT_ID, client_secret=CLIENT_SECRET))
        tickers = [make_ticker(args, db, slack, stack) for _, db, _, _ in built]
        for ticker in tickers:
            for _ in range(args.warmup):
                ticker.tick(AT)
        times: list[list[float]] = [[] for _ in built]
        per_round = max(1, args.ticks // args.rounds)
        for r in range(args.rounds):
            order = range(len(built)) if r % 2 == 0 else reversed(range(len(built)))
            for i in order:
                times[i].extend(_tick_once(tickers[i]) for _ in range(per_round))
        if slack.calls:
            raise RuntimeError(f"the tick called Slack: {[c.method for c in slack.calls]}")
        return [
            Result(
                kind,
                sets,
                rows,
                times[i],
                explain(db, capture_statements(db, tickers[i])) if args.explain else [],
                load,
            )
            for i, (sets, db, rows, load) in enumerate(built)
        ]


def report(results: list[Result], args: argparse.Namespace) -> None:
    print()
    mode = (
        "distributed: installations in the database, Clients(InstalledTokens)"
        if args.distributed
        else "single workspace"
    )
    print(
        f"tick cost, nothing due (ms per Ticker.tick; {len(results[0].times)} ticks each; "
        f"{mode}; {args.sets_per_workspace} sets per workspace)"
    )
    header = (
        f"{'db':<11}{'sets':>8}{'workspaces':>12}{'reminders':>11}{'median':>9}{'p95':>9}"
        f"{'vs smallest':>13}"
    )
    print(header)
    print("-" * len(header))
    by_db: dict[str, list[Result]] = {}
    for r in results:
        by_db.setdefault(r.db, []).append(r)
    for kind, rs in by_db.items():
        base = min(rs, key=lambda r: r.sets)
        for r in sorted(rs, key=lambda r: r.sets):
            ratio = r.median / base.median
            print(
                f"{kind:<11}{r.sets:>8}{r.rows['workspaces']:>12}{r.rows['reminders']:>11}"
                f"{r.median * 1000:>9.2f}{r.pct(95) * 1000:>9.2f}{ratio:>12.2f}x"
            )
        big = max(rs, key=lambda r: r.sets)
        ratio = big.median / base.median
        print(
            f"{'':<11}aim: median at {big.sets} within {AIM}x of {base.sets}: "
            f"{'met' if ratio <= AIM else 'NOT met'} ({ratio:.2f}x)"
        )
    for r in results:
        if not r.plans:
            continue
        print()
        print(f"plans [{r.db}, {r.sets} sets]:")
        for statement, lines in r.plans:
            print(f"  {statement[:220]}{' ...' if len(statement) > 220 else ''}")
            for line in lines:
                print(f"      {line}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--sets", default="1000,100000", help="comma-separated sizes")
    parser.add_argument(
        "--sets-per-workspace",
        type=int,
        default=None,
        help="default 100, or 10 with --distributed",
    )
    parser.add_argument(
        "--distributed",
        action="store_true",
        help="distributed-app mode: every workspace's installation in the database, the "
        "ticker's tokens read from it",
    )
    parser.add_argument("--ticks", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument(
        "--rounds", type=int, default=10, help="interleaved rounds the ticks are split into"
    )
    parser.add_argument("--explain", action="store_true", help="print each statement's plan")
    args = parser.parse_args()
    if args.sets_per_workspace is None:
        args.sets_per_workspace = 10 if args.distributed else 100
    try:
        sizes = [int(x) for x in args.sets.split(",") if x.strip()]
    except ValueError:
        parser.error("--sets: comma-separated integers")
    if not sizes or min(sizes) < 1 or min(args.ticks, args.rounds, args.sets_per_workspace) < 1:
        parser.error("--sets, --ticks, --rounds and --sets-per-workspace must be at least 1")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    results = []
    with tempfile.TemporaryDirectory(prefix="als-bench-") as tmp:
        for kind in kinds:
            results.extend(measure(kind, sizes, args, Path(tmp)))
    report(results, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
