"""The members' calendar feeds over HTTP: ``GET /calendar/<token>.ics`` (a page of the front
door, composed in ``bot.app``; not a Slack request, so not signed: the token is the secret).

A made-up, damaged, reset or other workspace's link answers 404 with no detail. A client that
has the feed already (``If-None-Match``) gets 304 without a calendar being built; bodies are
kept by ETag, since calendar clients poll."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from bot.deps import Deps
from bot.ical import feed_body
from bot.services.views import FeedData

CALENDAR_PATH = "/calendar/"
MAX_TOKEN = 512
KEPT = 512  # feed bodies kept per process (oldest out first)


def _answer(start_response: Callable[..., Any], status: str, body: bytes) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


class FeedPage:
    """The WSGI page; ``bot.app`` mounts it under ``CALENDAR_PATH``."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._bodies: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def __call__(
        self, environ: Mapping[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO") or "")
        token = path[len(CALENDAR_PATH) :].removesuffix(".ics")
        found = None
        if path.endswith(".ics") and 0 < len(token) <= MAX_TOKEN:
            found = self._deps.feeds.feed(token)
        if found is None:
            return _answer(start_response, "404 Not Found", b"Not Found")
        headers = [("ETag", found.etag), ("Cache-Control", "private, max-age=300")]
        if found.etag in (environ.get("HTTP_IF_NONE_MATCH") or "").replace(" ", "").split(","):
            start_response("304 Not Modified", headers)
            return []
        body = self._body(found)
        kind = ("Content-Type", "text/calendar; charset=utf-8")
        start_response("200 OK", [kind, ("Content-Length", str(len(body))), *headers])
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]

    def _body(self, found: FeedData) -> bytes:
        with self._lock:
            known = self._bodies.get(found.etag)
        if known is None:
            known = feed_body(found)
            with self._lock:
                self._bodies[found.etag] = known
                while len(self._bodies) > KEPT:
                    self._bodies.pop(next(iter(self._bodies)))
        return known
