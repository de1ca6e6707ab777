"""The framework's floor: a bare Bolt app that only acks, served like ``als-bot serve``.

Same signing secret check (request verification on), same WSGI adapter, same ``POST
/slack/events`` path, same ``GET /healthz`` wrapper, same production server (waitress) and
thread count; but every action and view submission is acked at once, with no database and no
Slack calls. ``bench/vote_clicks.py`` runs it next to the real app to get a ratio.

``--update-view`` makes it the *fair* floor of a ballot click: the same Slack work as the app,
without the app's rules and database. Bolt runs with ``process_before_response=True`` and the
action listener runs on the app's own listener pool (``bot.handlers.guard.ListenerPool``: the
request thread answers as soon as the listener acks); the listener acks, then makes one
``views.update`` of a ballot-sized modal (``ballot_view``: 4 topics with a select each, built
and validated with slack_sdk's Block Kit models as ``bot.blocks.agenda.voting_modal`` builds
the app's) by the clicked modal's ``external_id``, as the app redraws a ballot.

    SLACK_SIGNING_SECRET=... SLACK_API_URL=http://127.0.0.1:.../api/ \
        .venv/bin/python bench/bare_app.py --port 3001 [--threads 8] [--update-view]
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
from slack_sdk.models.blocks import (
    ContextBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.handlers.guard import ListenerPool

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


#: The ballot's topics (as the bench's set has: 4) and the most votes one topic may get.
BALLOT_TOPICS = 4
BALLOT_CAP = 2


def ballot_view(view: dict[str, Any]) -> dict[str, Any]:
    """A ballot-sized modal to redraw ``view`` (the clicked one) with: a status line, a rules
    line and 4 topics with a select each (about the size of the app's ballot), keeping the
    modal's ``external_id``, callback id and metadata."""
    options = [Option(text=str(n), value=str(n)) for n in range(BALLOT_CAP + 1)]
    blocks: list[Any] = [
        SectionBlock(text=MarkdownTextObject(text="You have *2* of 3 votes left.")),
        ContextBlock(elements=[MarkdownTextObject(text="3 votes each, at most 2 on one topic.")]),
    ]
    for topic in range(1, BALLOT_TOPICS + 1):
        blocks.append(
            SectionBlock(
                block_id=f"t{topic}",
                text=MarkdownTextObject(
                    text=f"*Topic {topic} of a member*\nTwo teams disagree about priorities. "
                    "How do I get them to agree?"
                ),
                accessory=StaticSelectElement(
                    action_id=f"als_vote_topic_{topic}", options=options, initial_option=options[0]
                ),
            )
        )
    modal = View(
        type="modal",
        callback_id=view.get("callback_id") or "als_vote",
        title=PlainTextObject(text="Agenda vote"),
        close=PlainTextObject(text="Done"),
        private_metadata=view.get("private_metadata") or "",
        external_id=view.get("external_id") or None,
        blocks=blocks,
    )
    modal.validate_json()
    return modal.to_dict()


def create_floor_app(signing_secret: str, bot_token: str, api_url: str) -> App:
    """The fair floor (``--update-view``): ack, then one ``views.update`` of a ballot-sized
    view, on the app's thread arrangement (see the module's docstring)."""
    app = App(
        client=WebClient(token=bot_token, base_url=api_url, timeout=10),
        signing_secret=signing_secret,
        token_verification_enabled=False,
        request_verification_enabled=True,
        process_before_response=True,
    )
    pool = ListenerPool()

    def update_ballot(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        view = body.get("view") or {}
        client.views_update(external_id=view.get("external_id"), view=ballot_view(view))

    def any_view(ack: Ack) -> None:
        ack()

    app.action(re.compile(".*"))(pool.guarded(update_ballot))
    app.view(re.compile(".*"))(pool.guarded(any_view))
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
    parser.add_argument(
        "--update-view",
        action="store_true",
        help="the fair floor: after the ack, one views.update of a ballot-sized view",
    )
    args = parser.parse_args()
    secret = os.environ.get("SLACK_SIGNING_SECRET", "")
    api_url = os.environ.get("SLACK_API_URL", "")
    if not secret or not api_url:
        parser.error("set SLACK_SIGNING_SECRET and SLACK_API_URL (the fake Slack's URL)")
    token = os.environ.get("SLACK_BOT_TOKEN") or "xoxb-bare-app"
    create = create_floor_app if args.update_view else create_bare_app
    waitress.serve(
        make_wsgi(create(secret, token, api_url)),
        host=args.host,
        port=args.port,
        threads=args.threads,
        ident="bare-bolt",
    )


if __name__ == "__main__":
    main()
