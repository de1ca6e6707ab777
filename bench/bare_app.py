"""The framework's floor: a bare Bolt app that only acks, served like ``als-bot serve``.

Same signing secret check (request verification on), same WSGI adapter, same ``POST
/slack/events`` path, same ``GET /healthz`` wrapper, same production server (waitress) and
thread count; but every action and view submission is acked at once, with no database and no
Slack calls. ``bench/vote_clicks.py`` runs it next to the real app to get a ratio.

    SLACK_SIGNING_SECRET=... SLACK_API_URL=http://127.0.0.1:.../api/ \
        .venv/bin/python bench/bare_app.py --port 3001 [--threads 8]
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable, Iterable
from typing import Any

import waitress
from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


def create_bare_app(signing_secret: str, bot_token: str, api_url: str) -> App:
    app = App(
        # Bolt checks the token once (auth.test, lazily on the first request since token
        # verification at start is off): point it at the same Web API as the real app.
        client=WebClient(token=bot_token, base_url=api_url, timeout=10),
        signing_secret=signing_secret,
        token_verification_enabled=False,
        request_verification_enabled=True,
        # As in bot/app.py: listeners run on Bolt's executor and the request waits for ack().
        process_before_response=False,
    )

    @app.action(re.compile(".*"))
    def any_action(ack: Ack) -> None:
        ack()

    @app.view(re.compile(".*"))
    def any_view(ack: Ack) -> None:
        ack()

    return app


def make_wsgi(app: App) -> Callable[..., Iterable[bytes]]:
    """``POST /slack/events`` to Bolt, ``GET /healthz`` answered directly (as bot/app.py)."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in (
            "GET",
            "HEAD",
        ):
            body = b'{"status": "ok"}'
            start_response(
                "200 OK",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return slack(environ, start_response)

    return application


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3001)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    secret = os.environ.get("SLACK_SIGNING_SECRET", "")
    api_url = os.environ.get("SLACK_API_URL", "")
    if not secret or not api_url:
        parser.error("set SLACK_SIGNING_SECRET and SLACK_API_URL (the fake Slack's URL)")
    token = os.environ.get("SLACK_BOT_TOKEN") or "xoxb-bare-app"
    app = create_bare_app(secret, token, api_url)
    waitress.serve(
        make_wsgi(app), host=args.host, port=args.port, threads=args.threads, ident="bare-bolt"
    )


if __name__ == "__main__":
    main()
