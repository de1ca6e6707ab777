"""Fixtures for testing the fake Slack platform itself."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_sdk import WebClient

from bot.fakeslack import FakeSlack

SIGNING_SECRET = "test-signing-secret"
ALICE = "U0ALICE001"
BOB = "U0BOB00001"
CAROL = "U0CAROL001"
SET_CHANNEL = "C0SET00001"


class FakeClock:
    """A manually advanced monotonic clock."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def slack(clock: FakeClock) -> Iterator[FakeSlack]:
    fake = FakeSlack(clock=clock)
    fake.add_user(ALICE, "alice", real_name="Alice Example")
    fake.add_user(BOB, "bob", tz="America/New_York")
    fake.add_user(CAROL, "carol")
    fake.add_channel(SET_CHANNEL, "als-set-1", members=[ALICE, BOB])
    with fake:
        yield fake


@pytest.fixture
def client(slack: FakeSlack) -> WebClient:
    return WebClient(token=slack.bot_token, base_url=slack.api_url)


@dataclass
class Received:
    """One request received by the recording app."""

    headers: dict[str, str]
    body: bytes
    signature_ok: bool

    @property
    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.form["payload"])

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class RecordingApp:
    """A tiny stdlib HTTP server standing in for the Bolt app.

    It verifies Slack's signature independently of the code under test,
    records every request and answers with ``reply(received)`` -> (status, body).
    """

    url: str
    received: list[Received] = field(default_factory=list)
    reply: Callable[[Received], tuple[int, str]] = lambda r: (200, "")


@pytest.fixture
def app() -> Iterator[RecordingApp]:
    recorder: RecordingApp

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            ts = self.headers.get("X-Slack-Request-Timestamp", "")
            expected = (
                "v0="
                + hmac.new(
                    SIGNING_SECRET.encode(), f"v0:{ts}:".encode() + raw, hashlib.sha256
                ).hexdigest()
            )
            received = Received(
                headers=dict(self.headers.items()),
                body=raw,
                signature_ok=hmac.compare_digest(
                    expected, self.headers.get("X-Slack-Signature", "")
                ),
            )
            recorder.received.append(received)
            status, body = recorder.reply(received)
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if body else "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recorder = RecordingApp(url=f"http://127.0.0.1:{server.server_address[1]}/slack/events")
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
