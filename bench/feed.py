"""How fast a member's calendar feed answers: a member in 10 sets of 12 sessions each.

A calendar client polls the feed (every few minutes to hours, per subscriber). This serves the
real WSGI app (``AlsBot.wsgi()``, as ``als-bot serve`` does) on loopback and times N GETs of
the feed (200, the whole iCalendar body), N conditional GETs with the ETag (304), and, side by
side in the same rounds as the reference, N GETs of ``/healthz`` (one database ping): the
cost of a request through the same server and front door that does almost nothing. In process:
"rebuild", a body built again after its data changed (the events rendered before are reused),
and "cold", one built from nothing (a process's first).

    .venv/bin/python bench/feed.py [--runs 200] [--rounds 5] [--db sqlite|postgresql|both]

Each round uses a fresh database (a temporary SQLite file, or a throwaway PostgreSQL database
on ``ALS_BENCH_POSTGRES_URL``, default the local server) and interleaves the three requests.
The report gives, per database, the median over the rounds of each round's median and p95.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from common import PG_ADMIN_DEFAULT, ROOT, throwaway_postgres
from sqlalchemy import text

sys.path.insert(0, str(ROOT))

from bot.app import create_app
from bot.clock import ManualClock
from bot.domain import schedule as sched
from bot.ical import clear_caches, feed_body
from bot.services.feeds import FeedSeal, FeedService
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from bot.storage.models import (
    CalendarFeed,
    LearningSet,
    Membership,
    PlannedSession,
    Workspace,
)

SECRET = "bench-secret"
TEAM, USER = "T0BENCH001", "U0BENCH001"
SETS, SESSIONS = 10, 12
NOW = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
ZONES = ["Europe/London", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "Europe/Berlin"]


class _Threading(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def seed(db: Database) -> str:
    """A member in 10 sets of 12 sessions each (some moved, one cancelled per set); the token."""
    with db.write() as s, s.begin():
        s.add(Workspace(team_id=TEAM))
        s.flush()
        for n in range(SETS):
            zone = ZONES[n % len(ZONES)]
            lset = LearningSet(
                team_id=TEAM,
                channel_id=f"C0BENCH{n:03d}",
                name=f"Set {n}",
                timezone=zone,
                anchor_date=date(2026, 10, 5),
                session_time=clock_time(10, 0),
                cadence_weeks=4,
                session_minutes=180,
                place="Room 4, Harbour House" if n % 2 else None,
                ground_rules="Rules.",
                created_by=USER,
            )
            s.add(lset)
            s.flush()
            s.add(Membership(team_id=TEAM, set_id=lset.id, user_id=USER, joined_at=NOW))
            for k in range(SESSIONS):
                day = date(2026, 10, 5) + timedelta(weeks=4 * k)
                starts = sched.occurrence_on(day, clock_time(10, 0), zone).starts_at
                s.add(
                    PlannedSession(
                        team_id=TEAM,
                        set_id=lset.id,
                        local_date=day,
                        local_time=clock_time(10, 0),
                        timezone=zone,
                        starts_at=starts,
                        duration_minutes=180,
                        status="cancelled" if k == 5 else "planned",
                        series_date=day,
                        revision=2 if k % 4 == 0 else 1,
                    )
                )
        s.add(CalendarFeed(team_id=TEAM, user_id=USER, generation=1))
    return FeedSeal(SECRET).token(TEAM, USER, 1)


def timed(url: str, headers: dict[str, str], expect: int) -> float:
    request = urllib.request.Request(url, headers=headers)
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:  # 304 arrives as an HTTPError
        status = exc.code
    elapsed = time.perf_counter() - start
    if status != expect:
        raise SystemExit(f"{url}: expected {expect}, got {status}")
    return elapsed * 1000


def one_round(database_url: str, runs: int) -> dict[str, tuple[float, float]]:
    db = Database(database_url)
    upgrade(db.engine)
    token = seed(db)
    # Table statistics, as autovacuum gathers them within a minute of such writes.
    with db.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    app = create_app(
        db=db,
        bot_token="xoxb-bench",
        signing_secret=SECRET,
        api_url="http://127.0.0.1:9/api/",
        clock=ManualClock(NOW),
        verify_token=False,
        public_url="https://als.example.org",
    )
    server = make_server("127.0.0.1", 0, app.wsgi(), server_class=_Threading, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    feed_url = f"{base}/calendar/{token}.ics"
    try:
        with urllib.request.urlopen(feed_url, timeout=10) as response:
            etag = response.headers["ETag"]
            body = response.read()
        if body.count(b"BEGIN:VEVENT") != SETS * SESSIONS:
            raise SystemExit("the feed does not hold every session")
        samples: dict[str, list[float]] = {
            "feed": [],
            "304": [],
            "healthz": [],
            "rebuild": [],
            "cold": [],
        }
        for _ in range(5):  # warm up
            timed(feed_url, {}, 200)
        for _ in range(runs):
            samples["feed"].append(timed(feed_url, {}, 200))
            samples["304"].append(timed(feed_url, {"If-None-Match": etag}, 304))
            samples["healthz"].append(timed(f"{base}/healthz", {}, 200))
        # A body built again (its data changed: no body kept; the events already rendered are
        # reused), and one built from nothing (a new process), in process.
        again = FeedService(db, ManualClock(NOW), FeedSeal(SECRET))
        for name in ("rebuild", "cold"):
            for _ in range(max(runs // 10, 5)):
                if name == "cold":
                    clear_caches()
                start = time.perf_counter()
                data = again.feed(token)
                assert data is not None and feed_body(data)
                samples[name].append((time.perf_counter() - start) * 1000)
    finally:
        server.shutdown()
        server.server_close()
        app.close()
        db.engine.dispose()
    return {
        name: (statistics.median(values), statistics.quantiles(values, n=20)[18])
        for name, values in samples.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    admin = os.environ.get("ALS_BENCH_POSTGRES_URL", PG_ADMIN_DEFAULT)
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    print(
        f"feed of a member in {SETS} sets x {SESSIONS} sessions; {args.runs} requests x "
        f"{args.rounds} rounds; medians over rounds (ms)"
    )
    for kind in kinds:
        rounds: list[dict[str, tuple[float, float]]] = []
        for _ in range(args.rounds):
            if kind == "sqlite":
                with tempfile.TemporaryDirectory() as tmp:
                    rounds.append(one_round(f"sqlite:///{Path(tmp) / 'bench.db'}", args.runs))
            else:
                with throwaway_postgres(admin) as url:
                    rounds.append(one_round(url, args.runs))
        for name in ("feed", "304", "healthz", "rebuild", "cold"):
            p50 = statistics.median(r[name][0] for r in rounds)
            p95 = statistics.median(r[name][1] for r in rounds)
            print(f"  {kind:10s} {name:8s} p50 {p50:7.2f}  p95 {p95:7.2f}")


if __name__ == "__main__":
    main()
