"""A fake Slack platform for tests and local sandboxes.

* :class:`FakeSlack` — the Web API (plus response URLs) on loopback HTTP,
  with a workspace directory, message/view state, a call recorder and fault
  injection (errors, HTTP 429/5xx, held or dropped requests, rate limits).
* :class:`SlackDriver` — sends correctly signed slash commands,
  interactions and events to a real app over HTTP.
* :func:`validate_blocks` / :func:`validate_view` — Block Kit checks.
"""

from bot.fakeslack.blockkit import find_action, iter_elements, validate_blocks, validate_view
from bot.fakeslack.driver import UNSET, Response, SlackDriver, compute_signature, element_state
from bot.fakeslack.server import FakeSlack, Hold
from bot.fakeslack.state import (
    Call,
    Ephemeral,
    FakeChannel,
    FakeUser,
    Message,
    ResponseUrlPost,
)

__all__ = [
    "UNSET",
    "Call",
    "Ephemeral",
    "FakeChannel",
    "FakeSlack",
    "FakeUser",
    "Hold",
    "Message",
    "Response",
    "ResponseUrlPost",
    "SlackDriver",
    "compute_signature",
    "element_state",
    "find_action",
    "iter_elements",
    "validate_blocks",
    "validate_view",
]
