"""What sealing members' text costs (``bot.storage.crypto``): the topic form's ack with and
without encryption, and ``als-bot rotate-keys`` over 100,000 rows while votes are clicked.

    .venv/bin/python bench/sealed_text.py submit [--db sqlite|postgresql|both] [--runs 5]
        [--submits 100]
    .venv/bin/python bench/sealed_text.py rotate [--db postgresql|sqlite|both] [--rows 100000]
        [--clicks 60] [--pace 500]

``submit``: two sides, ``sealed`` (a keyring) and ``clear`` (none), each the real app served
over loopback on a fresh database of its own with its own fake Slack, in the same run, in
alternating order. Each side sets up a set through the Slack surface, then its members submit
(and re-submit: an edit) the topic form ``--submits`` times, with a scenario of ~1,000
characters and a question and what was tried; the ack of each submission (validated and saved
before it) is timed. Medians over the runs of each run's p50 and p99; aim: p99 sealed/clear
<= 1.1x.

``rotate``: ``als-bot serve --no-scheduler`` (a process, keys NEW,OLD as after the restart the
rotation asks for) with a set, an open vote and its ballots (``vote_clicks.prepare``); another
set holds ``--rows`` topics sealed with OLD (scenario, question, tried: three values a row).
Seven voters click at ``--pace`` ms each (14 clicks/s) before the rotation, then while
``als-bot rotate-keys`` (a process) runs, until it ends. Reports the rotation's wall time
(aim: <= 60 s for 100,000 rows on PostgreSQL), the clicks' p99 before and during (aim: during
<= 1.5x before), and ``rotate-keys --check`` after (every value under NEW).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from common import bench_database, postgres_admin_url, throwaway_postgres
from vote_clicks import (
    CHANNEL,
    FAC,
    MEMBERS,
    SECRET,
    accepted,
    fake_slack,
    load,
    prepare,
    settle,
    start_server,
)

from bot.app import create_app
from bot.clock import system_clock
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.storage.crypto import Keyring, new_key
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from bot.storage.models import LearningSet, PlannedSession, Topic, Workspace

SCENARIO = ("Two teams disagree about priorities and I am in the middle of it. " * 15)[:1000]


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# ---------------------------------------------------------------------------------- submit
@contextlib.contextmanager
def served(db: Database) -> Iterator[tuple[FakeSlack, SlackDriver]]:
    with contextlib.ExitStack() as stack:
        slack = fake_slack(stack)
        app = create_app(
            db=db,
            bot_token=slack.bot_token,
            signing_secret=SECRET,
            api_url=slack.api_url,
            clock=system_clock,
        )
        stack.callback(app.close)
        server = make_server("127.0.0.1", 0, app.wsgi(), server_class=_Server, handler_class=_Quiet)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        stack.callback(server.server_close)
        stack.callback(server.shutdown)
        url = f"http://127.0.0.1:{server.server_port}/slack/events"
        yield slack, SlackDriver(url, SECRET, slack, timeout=30)


def submits(db: Database, n: int) -> list[float]:
    """Set up a set, then ``n`` topic submissions (round-robin over the members); their acks."""
    with served(db) as (slack, driver):
        tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
        accepted(driver.command(FAC, "setup", channel_id=CHANNEL), "/als setup")
        slack.wait_for("views.open", count=1, timeout=30)
        values = {
            "name": {"name_input": "Bench set"},
            "members": {"members_input": MEMBERS},
            "first_date": {"first_date_input": tomorrow},
        }
        accepted(driver.submit_view(FAC, values=values), "set-up modal")
        settle(slack)
        latencies = []
        for i in range(n):
            author = MEMBERS[i % len(MEMBERS)]
            before = len(slack.calls_to("views.open"))
            accepted(driver.command(author, "topic", channel_id=CHANNEL), "/als topic")
            slack.wait_for("views.open", count=before + 1, timeout=30)
            topic = {
                "response": {"response_input": "topic"},
                "title": {"title_input": f"Topic {i} of {author}"},
                "scenario": {"scenario_input": f"{SCENARIO} ({i})"},
                "question": {"question_input": "How do I get them to agree?"},
                "tried": {"tried_input": "Talking to each lead alone."},
                "sharing": {"sharing_input": "private"},
            }
            began = time.perf_counter()
            response = driver.submit_view(author, values=topic)
            latencies.append(time.perf_counter() - began)
            accepted(response, "topic modal")
            settle(slack, quiet=0.05)
        return latencies


def bench_submit(args: argparse.Namespace) -> None:
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for kind in kinds:
        results: dict[str, list[tuple[float, float]]] = {"sealed": [], "clear": []}
        for run in range(args.runs):
            order = ["sealed", "clear"] if run % 2 == 0 else ["clear", "sealed"]
            for side in order:
                keyring = Keyring([new_key()]) if side == "sealed" else None
                with (
                    tempfile.TemporaryDirectory() as tmp,
                    bench_database(kind, Path(tmp), side, keyring) as db,
                ):
                    upgrade(db.engine)
                    times = submits(db, args.submits)
                results[side].append((pct(times, 50), pct(times, 99)))
                print(
                    f"[{kind}] run {run + 1} {side}: p50 {pct(times, 50) * 1000:.1f} ms, "
                    f"p99 {pct(times, 99) * 1000:.1f} ms",
                    flush=True,
                )
        med = {
            side: (
                statistics.median(r[0] for r in runs) * 1000,
                statistics.median(r[1] for r in runs) * 1000,
            )
            for side, runs in results.items()
        }
        (s50, s99), (c50, c99) = med["sealed"], med["clear"]
        print(
            f"| {kind} | {s50:.1f} / {s99:.1f} ms | {c50:.1f} / {c99:.1f} ms | "
            f"{s50 / c50:.2f}x | **{s99 / c99:.2f}x** |",
            flush=True,
        )


# ---------------------------------------------------------------------------------- rotate
def seed_rows(url: str, key: str, rows: int) -> None:
    """Another set, one session, ``rows`` topics sealed with ``key`` (three values each)."""
    db = Database(url, keyring=Keyring([key]))
    when = datetime(2027, 1, 4, 9, tzinfo=UTC)
    with db.write() as s, s.begin():
        team = s.execute(Workspace.__table__.select()).first()
        assert team is not None
        ls = LearningSet(
            team_id=team.team_id,
            channel_id="C0SEEDED01",
            name="Seeded set",
            timezone="Europe/London",
            anchor_date=when.date(),
            session_time=when.time(),
            cadence_weeks=2,
            session_minutes=120,
            ground_rules="Confidential.",
            created_by=FAC,
        )
        s.add(ls)
        s.flush()
        session = PlannedSession(
            team_id=team.team_id,
            set_id=ls.id,
            local_date=when.date(),
            local_time=when.time(),
            timezone="Europe/London",
            starts_at=when,
            duration_minutes=120,
        )
        s.add(session)
        s.flush()
        ids = (team.team_id, ls.id, session.id)
    batch = 5000
    for start in range(0, rows, batch):
        with db.write() as s, s.begin():
            s.execute(
                Topic.__table__.insert(),
                [
                    {
                        "team_id": ids[0],
                        "set_id": ids[1],
                        "session_id": ids[2],
                        "author_id": f"U{i:08d}",
                        "status": "submitted",
                        "title": f"Topic {i}",
                        "scenario": f"{SCENARIO[:400]} {i}",
                        "question": f"How do I move forward on {i}?",
                        "tried": "Asking around.",
                        "shared": False,
                        "submitted_at": when,
                    }
                    for i in range(start, min(rows, start + batch))
                ],
            )
    db.dispose()


def rotate(
    argv: list[str], env: dict[str, str], cwd: Path, into: list[tuple[float, str, int]]
) -> None:
    """``als-bot rotate-keys`` as a process: its wall time, last line and exit status."""
    began = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True)
    last = (done.stdout.strip().splitlines() or [done.stderr.strip()])[-1]
    into.append((time.perf_counter() - began, last, done.returncode))


def bench_rotate(args: argparse.Namespace) -> None:
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for kind in kinds:
        with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
            workdir = Path(tmp)
            if kind == "sqlite":
                url = f"sqlite:///{workdir / 'rotate.db'}"
            else:
                url = stack.enter_context(throwaway_postgres(postgres_admin_url()))
            old, new = new_key(), new_key()
            migrated = Database(url)
            upgrade(migrated.engine)
            migrated.dispose()
            slack = fake_slack(stack)
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ALS_"))},
                "SLACK_BOT_TOKEN": slack.bot_token,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": slack.api_url,
                "DATABASE_URL": url,
                "ALS_ENCRYPTION_KEYS": f"{new},{old}",
            }
            bindir = Path(sys.executable).parent
            server = start_server(
                f"rotate-{kind}",
                [str(bindir / "als-bot"), "serve", "--no-scheduler"],
                env,
                workdir,
                stack,
            )
            print(f"[{kind}] set-up: set, topics, vote, ballots ...", flush=True)
            _vote, voters = prepare(slack, server.events_url)
            print(f"[{kind}] seeding {args.rows} topics sealed with the old key ...", flush=True)
            began = time.perf_counter()
            seed_rows(url, old, args.rows)
            print(f"[{kind}] seeded in {time.perf_counter() - began:.1f} s", flush=True)
            pace = args.pace / 1000
            before = load(
                slack, server.events_url, voters, args.clicks, "before", stateful=True, pace=pace
            )
            settle(slack, quiet=0.3)

            rotation: list[tuple[float, str, int]] = []
            argv = [str(bindir / "als-bot"), "rotate-keys", "--batch", str(args.batch)]
            argv += ["--duty", str(args.duty)]
            thread = threading.Thread(target=rotate, args=(argv, env, workdir, rotation))
            thread.start()
            during = []
            while thread.is_alive():
                phase = load(
                    slack, server.events_url, voters, 4, "during", stateful=True, pace=pace
                )
                during.extend(phase.latencies)
            thread.join()
            check = subprocess.run(
                [str(bindir / "als-bot"), "rotate-keys", "--check"],
                env={**env, "ALS_ENCRYPTION_KEYS": new},
                cwd=workdir,
                capture_output=True,
                text=True,
            )
            b99, d99 = pct(before.latencies, 99) * 1000, pct(during, 99) * 1000
            seconds, out, rc = rotation[0]
            print(f"[{kind}] rotate-keys: {seconds:.1f} s (exit {rc}); {out}")
            checked = (check.stdout.strip().splitlines() or [""])[-1]
            print(f"[{kind}] --check with the new key alone: exit {check.returncode}; {checked}")
            print(
                f"| {kind} | {args.rows} | {seconds:.1f} s | "
                f"{pct(before.latencies, 50) * 1000:.1f} / {b99:.1f} ms "
                f"({len(before.latencies)} clicks) | {pct(during, 50) * 1000:.1f} / {d99:.1f} ms "
                f"({len(during)} clicks) | **{d99 / b99:.2f}x** |",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("part", choices=["submit", "rotate"])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--submits", type=int, default=100)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--clicks", type=int, default=60, help="per voter, before the rotation")
    parser.add_argument("--pace", type=float, default=500.0, help="ms between a voter's clicks")
    parser.add_argument("--batch", type=int, default=200, help="rotate-keys --batch")
    parser.add_argument("--duty", type=float, default=0.3, help="rotate-keys --duty")
    args = parser.parse_args()
    if args.part == "submit":
        bench_submit(args)
    else:
        bench_rotate(args)


if __name__ == "__main__":
    main()
