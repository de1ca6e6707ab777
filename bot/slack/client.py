"""The app's Slack Web API clients."""

from __future__ import annotations

from slack_sdk import WebClient


def make_client(token: str, api_url: str) -> WebClient:
    """The listeners' client: slack_sdk's default retry handler (one retry after a connection
    error)."""
    return WebClient(token=token, base_url=api_url, timeout=10)


def scheduler_client(token: str, api_url: str, *, timeout: int = 10) -> WebClient:
    """The scheduler's own Slack client: no automatic retries (a retried post could double a
    message; the delivery state machine decides what is retried)."""
    return WebClient(token=token, base_url=api_url, timeout=timeout, retry_handlers=[])
