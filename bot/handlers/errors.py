"""The one error handler: log what failed (never what anyone wrote), tell the user kindly."""

from __future__ import annotations

import logging
import traceback
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError

log = logging.getLogger("bot.errors")

SORRY = "Sorry, something went wrong on my side. Please try again in a moment."


def describe(error: BaseException) -> str:
    """Exception type, Slack error code and where it happened: no message text, which could
    carry user content."""
    where = ""
    frames = traceback.extract_tb(error.__traceback__)
    if frames:
        last = frames[-1]
        where = f" at {last.filename.rsplit('/', 1)[-1]}:{last.lineno} in {last.name}"
    code = ""
    if isinstance(error, SlackApiError):
        code = f" (slack error: {error.response.get('error')})"
    return f"{type(error).__name__}{code}{where}"


def handle_error(error: Exception, body: dict[str, Any]) -> None:
    kind = body.get("type") or ("slash_command" if "command" in body else "unknown")
    log.error("listener failed for a %s request: %s", kind, describe(error))
    url = body.get("response_url")
    if url:
        from slack_sdk.webhook import WebhookClient

        try:
            WebhookClient(url).send(text=SORRY, response_type="ephemeral", replace_original=False)
        except Exception as exc:  # the user cannot be told; the failure is logged above
            log.warning("could not tell the user about the failure: %s", type(exc).__name__)


def register(app: App) -> None:
    app.error(handle_error)
