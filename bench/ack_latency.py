"""How long Slack waits for our answer: slash command and set-up modal submit.

Slack gives up after 3 s. This runs the real app (served over HTTP on loopback, SQLite or
PostgreSQL) against the fake Slack, and reports the round trip of N signed requests: the
``/als setup`` command (its ack) and the set-up form's submission (validated and saved, the
outbox's notes written, before the ack).

    .venv/bin/python bench/ack_latency.py [--runs 50] [--db sqlite|postgresql|both]
        [--rounds 1] [--baseline REV] [--database-url URL]

``--baseline REV`` (a git revision) measures that revision beside the working tree in the same
run: each round runs both sides, one after the other in alternating order, each in a fresh
Python with a fresh database (a temporary SQLite file, or a throwaway PostgreSQL database on
``ALS_BENCH_POSTGRES_URL``, default the local server); the baseline's ``bot`` package comes from
a temporary ``git worktree`` of REV, first on ``PYTHONPATH``. The report gives the medians over
the rounds of each round's median and p95, and the ratio als/base.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from common import (
    PG_ADMIN_DEFAULT,
    ROOT,
    Baseline,
    baseline_worktree,
    imported_bot,
    throwaway_postgres,
)

SECRET = "bench-secret"
NAMES = {
    "command": "/als setup (command ack)",
    "submit": "setup modal submit (validated + saved)",
}


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def measure(runs: int, url: str) -> dict[str, list[float]]:
    """``runs`` set-ups through the real app on ``url``: each one's command and submit ack."""
    from bot.app import create_app
    from bot.fakeslack.driver import SlackDriver
    from bot.fakeslack.server import FakeSlack
    from bot.storage.db import Database
    from bot.storage.migrate import upgrade

    db = Database(url)
    upgrade(db.engine)
    slack = FakeSlack().start()
    people = [f"U0BENCH{i:03d}" for i in range(7)]
    for i, user in enumerate(people):
        slack.add_user(user, f"p{i}", tz="Europe/London")
    app = create_app(db=db, bot_token=slack.bot_token, signing_secret=SECRET, api_url=slack.api_url)
    server = make_server("127.0.0.1", 0, app.wsgi(), server_class=_Server, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    driver = SlackDriver(f"http://127.0.0.1:{server.server_port}/slack/events", SECRET, slack)

    command, submit = [], []
    try:
        for run in range(runs):
            channel = f"C0BENCH{run:04d}"
            slack.add_channel(channel, f"bench-{run}", members=people)
            response = driver.command(people[0], "setup", channel_id=channel)
            command.append(response.elapsed)
            slack.wait_for("views.open", count=run + 1)
            values: dict[str, dict[str, Any]] = {
                "name": {"name_input": f"Bench {run}"},
                "members": {"members_input": people[1:]},
                "first_date": {"first_date_input": "2030-01-07"},
            }
            submit.append(driver.submit_view(people[0], values=values).elapsed)
            # Let the work after the ack finish (welcome, DMs, Home tabs) before the next run.
            slack.wait_for("views.publish", count=(run + 1) * len(people), timeout=30)
    finally:
        server.shutdown()
        app.close()
        slack.stop()
        db.dispose()
    return {"command": command, "submit": submit}


def line(name: str, values: list[float], dialect: str) -> str:
    return (
        f"{name}: n={len(values)} median={statistics.median(values) * 1000:.1f} ms "
        f"p95={percentile(values, 95) * 1000:.1f} ms max={max(values) * 1000:.1f} ms "
        f"(Slack's limit: 3000 ms) [{dialect}]"
    )


@contextlib.contextmanager
def database(db: str) -> Iterator[str]:
    """A fresh database for one run: a temporary SQLite file, or a throwaway PostgreSQL one."""
    if db == "postgresql":
        with throwaway_postgres(os.environ.get("ALS_BENCH_POSTGRES_URL", PG_ADMIN_DEFAULT)) as url:
            yield url
    else:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"


def side_run(runs: int, db: str, env: dict[str, str], expected: Path) -> dict[str, list[float]]:
    """One side's run in a fresh Python (``env`` says which ``bot`` it imports: ``expected``,
    checked)."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__)), "--child", "--runs", str(runs), "--db", db],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"a {db} run failed:\n{done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    imported = Path(result.pop("bot")).resolve()
    if imported != expected:
        raise SystemExit(f"a run imported bot from {imported}, not {expected}")
    return {what: list(values) for what, values in result.items()}


def compare(args: argparse.Namespace, baseline: Baseline) -> None:
    env = dict(os.environ)
    sides = {"als": env, "base": baseline.env(env)}
    packages = {side: imported_bot(side_env, ROOT / "bench") for side, side_env in sides.items()}
    for side, package in packages.items():
        print(f"[{side}] bot from {package}", flush=True)
    if packages["als"] == packages["base"]:
        raise SystemExit("both sides import the same bot package")
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    print(f"base = --baseline {baseline.rev} ({baseline.commit[:12]})")
    for db in dbs:
        rounds: dict[str, dict[str, list[tuple[float, float]]]] = {
            side: {"command": [], "submit": []} for side in sides
        }
        for r in range(args.rounds):
            order = list(sides) if r % 2 == 0 else list(reversed(sides))
            for side in order:
                result = side_run(args.runs, db, sides[side], packages[side])
                for what, values in result.items():
                    rounds[side][what].append((statistics.median(values), percentile(values, 95)))
                print(
                    f"[{db}] round {r + 1} {side:4}: "
                    + ", ".join(
                        f"{what} p50={rounds[side][what][-1][0] * 1000:.1f} ms "
                        f"p95={rounds[side][what][-1][1] * 1000:.1f} ms"
                        for what in NAMES
                    ),
                    flush=True,
                )
        print(f"\n{db}: {args.runs} set-ups per side and round, medians of {args.rounds} rounds")
        for what, name in NAMES.items():
            med = {
                side: (
                    statistics.median(p50 for p50, _ in rounds[side][what]),
                    statistics.median(p95 for _, p95 in rounds[side][what]),
                )
                for side in sides
            }
            print(f"  {name}")
            for side in sides:
                print(
                    f"    {side:4}  p50 {med[side][0] * 1000:6.1f} ms  p95 {med[side][1] * 1000:6.1f} ms"
                )
            print(
                f"    als/base  p50 {med['als'][0] / med['base'][0]:.2f}x  "
                f"p95 {med['als'][1] / med['base'][1]:.2f}x"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--baseline", metavar="REV")
    parser.add_argument("--database-url")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        with database(args.db) as url:
            import bot

            print(json.dumps({"bot": bot.__file__, **measure(args.runs, url)}))
        return
    if args.baseline:
        with (
            tempfile.TemporaryDirectory(prefix="als-bench-") as tmp,
            baseline_worktree(args.baseline, Path(tmp)) as baseline,
        ):
            compare(args, baseline)
        return
    if args.database_url:
        url, dialect = args.database_url, args.database_url.split(":")[0]
        results = measure(args.runs, url)
    else:
        with database("sqlite" if args.db == "both" else args.db) as url:
            results = measure(args.runs, url)
        dialect = args.db
    for what, name in NAMES.items():
        print(line(name, results[what], dialect))


if __name__ == "__main__":
    main()
