"""Logging set-up. No user content in logs: Slack libraries log request payloads at DEBUG and
echo whole unhandled requests in a warning, so their records are capped and scrubbed."""

from __future__ import annotations

import logging

_LIBRARIES = ("slack_bolt", "slack_sdk")


#: Library warnings about what the app does on purpose: not worth an operator's attention.
_EXPECTED = (
    # The app gives Bolt its own WebClient; Bolt also finds SLACK_BOT_TOKEN in the environment.
    "As you gave `client` as well, `token` will be unused.",
)


class NoPayloadFilter(logging.Filter):
    """Drops Slack-library records below WARNING and strips payloads from the rest."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(_LIBRARIES):
            return True
        if record.levelno < logging.WARNING:
            return False
        message = record.getMessage()
        if message.startswith(_EXPECTED):
            return False
        if "{" in message or "payload" in message.lower() or "body" in message.lower():
            record.msg = (
                message.split("\n", 1)[0].split("{", 1)[0].strip() + " (payload not logged)"
            )
            record.args = ()
        return True


def setup_logging(level: int) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(NoPayloadFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(max(level, logging.WARNING))
