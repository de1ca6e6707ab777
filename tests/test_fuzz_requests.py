"""A seeded fuzz of the front door and everything behind it: thousands of mutated requests, as
an attacker who can reach the public URL would send them, get no 5xx and leave no traceback.

The requests start as real ones: a scenario is played through the driver (set-up, topics, the
vote, a ballot, Home, several commands) and every request it sends is recorded. Each fuzzed
request is one of those, mutated: ids, values, metadata and view ids forged; fields deleted or
given the wrong type; huge, unicode and mention-like text; and, for some, the signature, the
timestamp, the bytes or the content type damaged. They go to the WSGI app ``als-bot serve``
runs, in process (fast), one after another."""

from __future__ import annotations

import copy
import io
import json
import logging
import random
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pytest

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.fakeslack.driver import Response, SlackDriver, compute_signature
from bot.fakeslack.server import FakeSlack
from bot.storage.db import Database
from tests.conftest import FAC, MEMBERS, SET_CHANNEL, SIGNING_SECRET
from tests.helpers import ballot, give_votes, settle
from tests.test_agenda import four_topics_and_a_vote, topic_ids

SEED = 20261203
REQUESTS = 2000
A, B, C, D, E = MEMBERS


class RecordingDriver(SlackDriver):
    """The driver, keeping a copy of every request it sends (the templates of the fuzz)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent: list[tuple[bytes, str]] = []

    def send_raw(self, body: bytes, headers: Mapping[str, str]) -> Response:
        self.sent.append((body, dict(headers).get("Content-Type", "")))
        return super().send_raw(body, headers)


@pytest.fixture
def recording(app_url: str, slack: FakeSlack) -> RecordingDriver:
    return RecordingDriver(f"{app_url}/slack/events", SIGNING_SECRET, slack)


def scenario(driver: RecordingDriver, slack: FakeSlack, db: Database, clock: ManualClock) -> None:
    message = four_topics_and_a_vote(driver, slack, clock)
    ids = topic_ids(db)
    ballot(driver, slack, E, message)
    give_votes(driver, slack, E, ids[A], 1)
    give_votes(driver, slack, E, ids[B], 2)
    for words in ("help", "actions", "log", "calendar", "agenda", "topic", "setup", "nonsense"):
        driver.command(FAC, words, channel_id=SET_CHANNEL)
    driver.app_home_opened(A)
    driver.event({"type": "user_change", "user": {"id": A, "tz": "Europe/Paris"}})
    driver.url_verification("challenge")
    settle(slack)


# -- mutations ---------------------------------------------------------------------------------
def _hostile(rng: random.Random, old: Any) -> Any:
    choices: list[Callable[[], Any]] = [
        lambda: None,
        lambda: True,
        lambda: False,
        lambda: -1,
        lambda: 0,
        lambda: 2**63,
        lambda: 2**31,
        lambda: float("inf"),
        lambda: 1.5,
        lambda: "",
        lambda: "①",
        lambda: "²",
        lambda: "٣",
        lambda: "9" * 5000,
        lambda: [],
        lambda: {},
        lambda: [old],
        lambda: {"id": old},
        lambda: "<!channel> <@U0FACIL001> <!here>",
        lambda: "\u202e\u0000\ud7ff" * 10,
        lambda: "x" * rng.choice((300, 3001, 70_000)),
        lambda: str(rng.randint(-5, 60)),
        lambda: rng.choice([*MEMBERS, FAC, "U0OUTSID01", "T0OTHERWS1", "V0000000001"]),
        lambda: '{"v": 1e400, "r": 0}',
        lambda: json.dumps({"v": rng.randint(0, 40), "r": rng.randint(0, 3)}),
        lambda: f"ballot-{rng.randint(0, 5)}-forged",
        lambda: "http://127.0.0.1:9/nothing-listens-here",
    ]
    if isinstance(old, str) and old:
        choices += [
            lambda: old[: rng.randint(0, len(old))],
            lambda: old + rng.choice(("1", "①", "\x00", ":1", "🙂")),
            lambda: old.upper(),
        ]
    if isinstance(old, int) and not isinstance(old, bool):
        choices += [lambda: old + rng.choice((-1, 1)), lambda: str(old)]
    return rng.choice(choices)()


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterable[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*prefix, index)
            yield from _paths(value, (*prefix, index))


def _mutate_tree(rng: random.Random, data: Any) -> Any:
    for _ in range(rng.randint(1, 3)):
        paths = list(_paths(data))
        if not paths:
            return _hostile(rng, data)
        path = rng.choice(paths)
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        key = path[-1]
        if isinstance(parent, dict) and rng.random() < 0.15:
            del parent[key]
        else:
            parent[key] = _hostile(rng, parent[key])
    return data


def _encode(kind: str, data: Any) -> bytes:
    if kind == "json":
        return json.dumps(data).encode()
    if kind == "payload":
        return urllib.parse.urlencode({"payload": json.dumps(data)}).encode()
    fields = [(str(k), v if isinstance(v, str) else json.dumps(v)) for k, v in data.items()]
    return urllib.parse.urlencode(fields).encode()


def _decode(body: bytes) -> tuple[str, Any]:
    text = body.decode()
    if text.startswith("{"):
        return "json", json.loads(text)
    form = dict(urllib.parse.parse_qsl(text, keep_blank_values=True))
    if "payload" in form:
        return "payload", json.loads(form["payload"])
    return "form", form


def _refresh(slack: FakeSlack, data: Any) -> None:
    """Fresh trigger id and response URL, as Slack gives each request (else every replay would
    only meet expired ones)."""
    if not isinstance(data, dict):
        return
    user = data.get("user_id") or (data.get("user") or {}).get("id")
    if not isinstance(user, str):
        return
    if "trigger_id" in data:
        data["trigger_id"] = slack.new_trigger_id(user)
    if "response_url" in data:
        channel = data.get("channel_id") or (data.get("channel") or {}).get("id")
        data["response_url"] = slack.new_response_url(channel_id=channel, user_id=user)


def fuzzed(
    rng: random.Random, slack: FakeSlack, template: tuple[bytes, str]
) -> tuple[bytes, dict[str, str]]:
    body, content_type = template
    kind, data = _decode(body)
    data = copy.deepcopy(data)
    _refresh(slack, data)
    roll = rng.random()
    body = _encode(kind, _mutate_tree(rng, data) if roll < 0.8 else data)
    ts = int(time.time())
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": compute_signature(SIGNING_SECRET, ts, body),
    }
    if roll >= 0.8:  # damage the envelope instead: bytes, signature, timestamp, type
        damage = rng.randrange(8)
        if damage == 0:
            body = body[: rng.randrange(len(body) + 1)]
        elif damage == 1:
            at = rng.randrange(len(body) + 1)
            body = body[:at] + bytes([rng.randrange(256)]) + body[at:]
        elif damage == 2:
            headers["X-Slack-Request-Timestamp"] = rng.choice(("abc", "", "-1", "9" * 30))
        elif damage == 3:
            headers["X-Slack-Request-Timestamp"] = str(ts - 3600)
        elif damage == 4:
            del headers["X-Slack-Signature"]
        elif damage == 5:
            headers["Content-Type"] = rng.choice(("application/json", "text/plain", ""))
        elif damage == 6:
            body = rng.choice((b"payload=null", b"\xff\xfe", b"[]", b"{}", b"payload=%7B"))
        else:
            body = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
        if damage in (0, 1, 5, 6, 7) and rng.random() < 0.5:  # sometimes re-signed
            headers["X-Slack-Signature"] = compute_signature(SIGNING_SECRET, ts, body)
    return body, headers


def call(app: Any, body: bytes, headers: Mapping[str, str]) -> int:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    statuses: list[str] = []
    chunks = app(environ, lambda status, _headers, *_: statuses.append(status))
    try:
        b"".join(chunks)
    finally:
        # As a WSGI server does once the answer is written (PEP 3333): the listener's work
        # after its ack waits for this (``guard.SENT_WAIT_SECONDS``, 0.5 s, without it).
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return int(statuses[0].split()[0])


def errors(caplog: pytest.LogCaptureFixture) -> Counter[str]:
    return Counter(r.getMessage()[:90] for r in caplog.records if r.levelno >= logging.ERROR)


def wait_idle(als: AlsBot, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not als.idle() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_thousands_of_mutated_requests_get_no_5xx_and_no_traceback(
    recording: RecordingDriver,
    slack: FakeSlack,
    db: Database,
    clock: ManualClock,
    als: AlsBot,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    scenario(recording, slack, db, clock)
    templates = [t for t in recording.sent if t[0]]
    assert len(templates) >= 20
    caplog.set_level(logging.INFO)
    rng = random.Random(SEED)
    app = als.wsgi()
    statuses: Counter[int] = Counter()
    for n in range(REQUESTS):
        body, headers = fuzzed(rng, slack, rng.choice(templates))
        statuses[call(app, body, headers)] += 1
        if n % 20 == 19:  # one attacker, not a flood: let the work after the acks finish
            wait_idle(als)
    wait_idle(als)
    settle(slack, quiet=0.1)
    assert sum(statuses.values()) == REQUESTS
    assert [s for s in statuses if s >= 500] == [], statuses
    # The fuzz reaches the listeners (many mutated requests are well formed) and the door.
    assert statuses[200] >= REQUESTS // 3, statuses
    assert statuses[400] > 0 and statuses[401] > 0, statuses
    tracebacks = [
        r.getMessage()[:200]
        for r in caplog.records
        if r.exc_info is not None or "Traceback" in r.getMessage()
    ]
    assert tracebacks == []
    # Bolt itself never failed on a request the front door let through (its backstop).
    assert not [m for m in errors(caplog) if m.startswith("could not answer")], errors(caplog)
    assert "Traceback" not in capfd.readouterr().err
