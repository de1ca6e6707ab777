"""The app's Slack Web API clients."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

#: The longest Retry-After a send after the ack waits for, in its listener's thread.
MAX_RETRY_AFTER = 10.0


def make_client(token: str, api_url: str) -> WebClient:
    """The listeners' client: slack_sdk's default retry handler (one retry after a connection
    error)."""
    return WebClient(token=token, base_url=api_url, timeout=10)


def scheduler_client(token: str, api_url: str, *, timeout: int = 10) -> WebClient:
    """The scheduler's own Slack client: no automatic retries (a retried post could double a
    message; the delivery state machine decides what is retried)."""
    return WebClient(token=token, base_url=api_url, timeout=timeout, retry_handlers=[])


class _ShortRateLimit(RateLimitErrorRetryHandler):
    """slack_sdk's 429 handler (waits Retry-After), for waits of at most ``MAX_RETRY_AFTER``."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        headers: dict[str, Any] = dict(response.headers) if response is not None else {}
        wait = next((v for k, v in headers.items() if k.lower() == "retry-after"), ["0"])
        try:
            return float(wait[0] if isinstance(wait, list) else wait) <= MAX_RETRY_AFTER
        except (TypeError, ValueError):
            return False


def after_ack_client(token: str, api_url: str) -> WebClient:
    """The client of the sends that stand alone after an ack (private answers, topic and report
    confirmations, session changes): slack_sdk's retry handlers for the simple cases, a
    connection error, a 5xx (twice, backing off) and a short 429. What must not be lost goes
    through the outbox instead, whose client never retries by itself."""
    return WebClient(
        token=token,
        base_url=api_url,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(),
            ServerErrorRetryHandler(max_retry_count=2),
            _ShortRateLimit(max_retry_count=1),
        ],
    )
