"""Delivery of one reminder (or one note of the outbox) as a state machine: each attempt's outcome decides what comes next.

States: ``pending`` (waiting for ``send_after``), ``claimed`` (a process is sending it, under a
lease), and the terminal ``sent``, ``skipped``, ``failed`` and ``unknown``. Pure: the scheduler
records what :func:`after` returns, and the property tests drive it with random outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.outbox import Note, is_note
from bot.domain.reminders import Kind, kind_of


class State(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"
    UNKNOWN = "unknown"  # an ambiguous attempt, for a kind that is not resent

    @property
    def terminal(self) -> bool:
        return self not in (State.PENDING, State.CLAIMED)


#: Slack errors that will not change by retrying, for this target.
TARGET_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "restricted_action",
        "messages_tab_disabled",
    }
)
#: Slack errors that mean the token no longer works: stop sending for the whole workspace.
WORKSPACE_ERRORS = frozenset(
    {"invalid_auth", "token_revoked", "account_inactive", "not_authed", "team_access_not_granted"}
)
#: Errors Slack itself calls temporary.
TRANSIENT_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)

MAX_TRANSIENT_ATTEMPTS = 8  # 5xx and connection errors, backing off
MAX_UNKNOWN_ATTEMPTS = 3  # Slack errors we do not know
MAX_AMBIGUOUS = 2  # resends after an unknown outcome
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(minutes=30)
MIN_RETRY_AFTER = timedelta(seconds=1)


class Outcome(StrEnum):
    SENT = "sent"
    RATE_LIMITED = "rate_limited"  # HTTP 429, with Retry-After
    TRANSIENT = "transient"  # 5xx, connection refused/reset, Slack's temporary errors
    AMBIGUOUS = "ambiguous"  # timeout, or a lease that ran out mid-send: did Slack post it?
    TARGET_GONE = "target_gone"  # permanent for this target
    WORKSPACE_GONE = "workspace_gone"  # permanent for the workspace
    UNKNOWN_ERROR = "unknown_error"  # a Slack error we do not know
    SKIP = "skip"  # decided before sending: not needed, target left, session cancelled...
    DEFER = "defer"  # decided before sending: quiet hours, the channel's pace


def classify(error: str | None, status: int | None = None) -> Outcome:
    """A Slack API failure (error code and HTTP status) as an outcome."""
    if status == 429 or error == "ratelimited":
        return Outcome.RATE_LIMITED
    if status is not None and status >= 500:
        return Outcome.TRANSIENT
    if error in WORKSPACE_ERRORS:
        return Outcome.WORKSPACE_GONE
    if error in TARGET_ERRORS:
        return Outcome.TARGET_GONE
    if error in TRANSIENT_ERRORS:
        return Outcome.TRANSIENT
    return Outcome.UNKNOWN_ERROR


@dataclass(frozen=True)
class Delivery:
    """The delivery fields of one reminder row."""

    kind: str
    status: State
    send_after: datetime
    useful_until: datetime
    attempts: int = 0  # attempts that reached (or may have reached) Slack
    ambiguous: int = 0
    reason: str | None = None


def resend_when_unsure(kind: str) -> bool:
    """The kind's rule after an attempt whose outcome is unknown: a reminder's or a note's."""
    if is_note(kind):
        return Note(kind).resend_when_unsure
    return kind_of(kind).resend_when_unsure


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min... capped at 30 min (``attempts`` >= 1)."""
    step = BACKOFF_BASE * (2 ** min(max(0, attempts - 1), 16))
    return min(step, BACKOFF_CAP)


def _retry(d: Delivery, at: datetime, reason: str) -> Delivery:
    if at > d.useful_until:
        return replace(d, status=State.SKIPPED, reason=f"too late ({reason})")
    return replace(d, status=State.PENDING, send_after=at, reason=reason)


def after(
    d: Delivery,
    outcome: Outcome,
    now: datetime,
    *,
    retry_after: timedelta | None = None,
    until: datetime | None = None,
    reason: str | None = None,
) -> Delivery:
    """The delivery after an outcome observed at ``now``. Terminal states never change.

    ``retry_after`` comes with RATE_LIMITED (Slack's Retry-After); ``until`` with DEFER;
    ``reason`` is the Slack error code or why it was skipped (never message text)."""
    if d.status.terminal:
        return d
    why = reason or outcome.value
    match outcome:
        case Outcome.SENT:
            return replace(d, status=State.SENT, reason=None)
        case Outcome.SKIP:
            return replace(d, status=State.SKIPPED, reason=why)
        case Outcome.DEFER:
            assert until is not None
            return _retry(d, max(until, now), why)
        case Outcome.RATE_LIMITED:
            # Not the target's fault, and not an attempt that counts against the limit: wait
            # at least what Slack asked, and give up only when the message is useless.
            wait = max(retry_after or MIN_RETRY_AFTER, MIN_RETRY_AFTER)
            return _retry(d, now + wait, why)
        case Outcome.TRANSIENT:
            if d.attempts >= MAX_TRANSIENT_ATTEMPTS:
                return replace(d, status=State.FAILED, reason=f"gave up ({why})")
            return _retry(d, now + backoff(d.attempts), why)
        case Outcome.UNKNOWN_ERROR:
            if d.attempts >= MAX_UNKNOWN_ATTEMPTS:
                return replace(d, status=State.FAILED, reason=f"gave up ({why})")
            return _retry(d, now + backoff(d.attempts), why)
        case Outcome.AMBIGUOUS:
            unsure = replace(d, ambiguous=d.ambiguous + 1)
            if not resend_when_unsure(d.kind) or unsure.ambiguous > MAX_AMBIGUOUS:
                return replace(unsure, status=State.UNKNOWN, reason=why)
            # Slack was slow or the sender died: give it a moment before sending again.
            return _retry(unsure, now + BACKOFF_BASE, why)
        case Outcome.TARGET_GONE | Outcome.WORKSPACE_GONE:
            return replace(d, status=State.FAILED, reason=why)
    raise AssertionError(outcome)  # pragma: no cover


#: Outcomes of attempts Slack did not act on: the claim's attempt is given back.
NOT_AN_ATTEMPT = frozenset({Outcome.SKIP, Outcome.DEFER, Outcome.RATE_LIMITED})


def record(
    d: Delivery,
    outcome: Outcome,
    now: datetime,
    *,
    retry_after: timedelta | None = None,
    until: datetime | None = None,
    reason: str | None = None,
) -> Delivery:
    """What is recorded for a claimed row's outcome. ``attempts`` counts what Slack may have
    acted on: an outcome decided before any call (skip, defer) or a 429 (Slack refused it, not
    the target's fault) gives the claim's attempt back, so rate limits never use up the retry
    limits."""
    if outcome in NOT_AN_ATTEMPT:
        d = replace(d, attempts=max(0, d.attempts - 1))
    return after(d, outcome, now, retry_after=retry_after, until=until, reason=reason)


def claimable(d: Delivery, now: datetime) -> bool:
    """Pending and due, or claimed by a process whose lease ran out."""
    return not d.status.terminal and d.send_after <= now


def claim(d: Delivery, now: datetime, lease: timedelta) -> Delivery:
    """Take a due row for sending. A row reclaimed after its lease ran out was being sent by a
    process that died: that attempt's outcome is unknown, so the kind's policy decides."""
    assert claimable(d, now)
    if d.status == State.CLAIMED:
        d = after(d, Outcome.AMBIGUOUS, now, reason="lease expired")
        if d.status.terminal:
            return d
    if now > d.useful_until:
        return replace(d, status=State.SKIPPED, reason="too late")
    return replace(d, status=State.CLAIMED, send_after=now + lease, attempts=d.attempts + 1)


__all__ = [
    "Delivery",
    "Kind",
    "Outcome",
    "State",
    "after",
    "backoff",
    "claim",
    "claimable",
    "classify",
    "record",
]
