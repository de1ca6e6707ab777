"""What the app owes people after it has answered their request: the notes of the outbox.

A request's change and the notes announcing it are committed together (``OutboxService.add``
in the change's transaction); the listener then delivers them right after its ack, and any
scheduler pass delivers what is still due (a 429, a 5xx, a lost answer, a process that died
after the ack). Each note is one Slack call, delivered with the reminders' state machine
(``bot.domain.delivery``): claimed under a lease, recorded after the call, retried by the
outcome's rule. A note is rendered when it is sent, from what the database says then and the
note's facts (ids and flags, never message text).
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum


class Note(StrEnum):
    # The set-up's announcement, one row on the ack path: fanned out (``fans_out``) into the
    # notes below it (the channel's message, the requests to agree, the confirmation) by the
    # first delivery that claims it, in a transaction of its own. Never sent itself.
    SETUP = "setup"
    WELCOME = "welcome"  # channel: a new set's welcome, with the ground rules
    SET_UPDATED = "set_updated"  # channel: what changed in the set
    RULES = "rules"  # DM: please agree to the ground rules (a new member)
    RULES_AGAIN = "rules_again"  # DM: the ground rules changed, agree again
    NEWCOMER = "newcomer"  # DM: welcome to a running set: its history predates you
    SETUP_DONE = "setup_done"  # private, in the channel: the facilitator's confirmation
    VOTE = "vote"  # channel, kept in place: the agenda vote, then the agenda it became
    ROUND = "round"  # channel, kept in place: the session's report-back round
    COMMITTED = "committed"  # DM: a presenter's commitment, confirmed to them
    COMMIT_LINE = "commit_line"  # channel (the agenda's thread), kept: a commitment's line
    LIVE = "live"  # channel (the agenda's thread), kept: one part of a live session

    @property
    def kept(self) -> bool:
        """A message kept in place (``ref_id`` names it): posted by its first note, updated by
        the next ones, each drawing its latest state. At most one note of it waits and one is
        in flight, so updates coalesce and none overtakes another."""
        return self in (Note.VOTE, Note.ROUND, Note.COMMIT_LINE, Note.LIVE)

    @property
    def fans_out(self) -> bool:
        """A note that stands for several: claiming it replaces it with them."""
        return self is Note.SETUP

    @property
    def to_channel(self) -> bool:
        return self in (
            Note.WELCOME,
            Note.SET_UPDATED,
            Note.VOTE,
            Note.ROUND,
            Note.COMMIT_LINE,
            Note.LIVE,
        )

    @property
    def private_in_channel(self) -> bool:
        """An ephemeral message in the set's channel (a DM where Slack refuses that)."""
        return self is Note.SETUP_DONE

    @property
    def resend_when_unsure(self) -> bool:
        """After an attempt whose outcome is unknown (a timeout, a process that died mid-call):
        send again (a rare duplicate) or not (a possible loss)? Every note is sent again: a set
        nobody can agree to the rules of, or a vote nobody can see, is worse than a second copy
        of a message (and a kept message's update is the same call twice)."""
        return True

    @property
    def useful_for(self) -> timedelta:
        """After this long undelivered the note is dropped as too late (recorded skipped)."""
        if self is Note.SETUP_DONE:
            return timedelta(hours=1)
        if self is Note.LIVE:  # a stage drawn a day late helps nobody
            return timedelta(hours=12)
        return timedelta(days=30) if self.kept else timedelta(days=7)

    @property
    def tells_facilitator_when_unreachable(self) -> bool:
        """A member who cannot be reached can never agree to the rules: the facilitator is
        told, once, privately."""
        return self in (Note.RULES, Note.RULES_AGAIN)


_KINDS = frozenset(note.value for note in Note)


def is_note(kind: str) -> bool:
    return kind in _KINDS
