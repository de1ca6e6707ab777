"""How long Slack waits for our answer: slash command and set-up modal submit.

Slack gives up after 3 s. This runs the real app (served over HTTP on loopback, SQLite or the
DATABASE_URL you give) against the fake Slack, and reports the round trip of N signed requests.

    .venv/bin/python bench/ack_latency.py [--runs 50] [--database-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from bot.app import create_app
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.storage.db import Database
from bot.storage.migrate import upgrade

SECRET = "bench-secret"


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
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
    for run in range(args.runs):
        channel = f"C0BENCH{run:04d}"
        slack.add_channel(channel, f"bench-{run}", members=people)
        response = driver.command(people[0], "setup", channel_id=channel)
        command.append(response.elapsed)
        slack.wait_for("views.open", count=run + 1)
        values = {
            "name": {"name_input": f"Bench {run}"},
            "members": {"members_input": people[1:]},
            "first_date": {"first_date_input": "2030-01-07"},
        }
        submit.append(driver.submit_view(people[0], values=values).elapsed)
        # Let the work done after the ack finish (welcome, DMs, Home tabs) before the next run.
        slack.wait_for("views.publish", count=(run + 1) * len(people), timeout=30)
    server.shutdown()
    slack.stop()
    for name, values in (
        ("/als setup (command ack)", command),
        ("setup modal submit (validated + saved)", submit),
    ):
        print(
            f"{name}: n={len(values)} median={statistics.median(values) * 1000:.1f} ms "
            f"p95={percentile(values, 95) * 1000:.1f} ms max={max(values) * 1000:.1f} ms "
            f"(Slack's limit: 3000 ms) [{db.dialect}]"
        )


if __name__ == "__main__":
    main()
