"""Delivering the outbox's notes (``bot.services.outbox``): right after the ack that wrote them,
and in every scheduler pass for whatever is still due.

Each note is one Slack call that stands alone: a failure is recorded for that note only, with
the outcome's rule (``bot.domain.delivery``: a 429 waits Slack's Retry-After, for that
workspace only; a 5xx or a refused connection is retried with a bounded backoff; a lost answer
is sent again or not by the note's kind), and the other notes go on. The client never retries by
itself (``scheduler_client``): the state machine decides what is sent again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.actions import commit_confirmation, commit_line
from bot.blocks.agenda import vote_or_agenda
from bot.blocks.common import Message
from bot.blocks.live import live_message
from bot.blocks.messages import (
    rules_dm,
    rules_undelivered,
    set_updated_message,
    setup_confirmation,
    welcome_message,
)
from bot.blocks.newcomers import newcomer_dm
from bot.blocks.reportback import round_message
from bot.domain import delivery as dv
from bot.domain.outbox import Note
from bot.services.outbox import ClaimedNote, FannedOut, NoteContext, OutboxService, Skip
from bot.slack.errors import NETWORK_ERRORS, api_outcome, error_code, network_outcome
from bot.slack.pacing import Pacer
from bot.slack.tokens import NO_TOKEN, Clients, NoToken, clients_of

log = logging.getLogger("bot.slack")

#: Where Slack refuses an ephemeral message to this person here, it goes as a DM.
_NOT_EPHEMERAL = frozenset({"user_not_in_channel", "channel_not_found", "not_in_channel"})


@dataclass
class NoteSummary:
    sent: int = 0
    waiting: int = 0  # to be retried (a later pass)
    ended: int = 0  # skipped, failed or unknown

    def add(self, state: dv.State) -> None:
        if state == dv.State.SENT:
            self.sent += 1
        elif state.terminal:
            self.ended += 1
        else:
            self.waiting += 1


def render(ctx: NoteContext) -> Message:
    kind = ctx.note.kind
    if kind is Note.WELCOME:
        return welcome_message(ctx.set)
    if kind is Note.SET_UPDATED:
        assert ctx.setup is not None
        return set_updated_message(ctx.setup)
    if kind in (Note.RULES, Note.RULES_AGAIN):
        return rules_dm(ctx.set, again=kind is Note.RULES_AGAIN)
    if kind is Note.NEWCOMER:
        return newcomer_dm(ctx.set)
    if kind is Note.SETUP_DONE:
        assert ctx.setup is not None
        return setup_confirmation(ctx.setup)
    if kind is Note.VOTE:
        assert ctx.vote is not None
        return vote_or_agenda(ctx.vote)
    if kind is Note.ROUND:
        assert ctx.round is not None
        return round_message(ctx.round)
    if kind is Note.COMMITTED:
        assert ctx.commit is not None
        return commit_confirmation(ctx.commit)
    if kind is Note.COMMIT_LINE:
        assert ctx.commit is not None
        return commit_line(ctx.commit)
    if kind is Note.LIVE:
        assert ctx.live is not None
        return live_message(ctx.live)
    raise AssertionError(kind)  # pragma: no cover


class NoteSender:
    def __init__(
        self,
        outbox: OutboxService,
        client: WebClient | Clients,
        clock: Callable[[], datetime],
        worker: str,
        *,
        pacer: Pacer | None = None,
        stopping: threading.Event | None = None,
    ) -> None:
        #: Set when the process is asked to stop: a pass claims nothing more.
        self.stopping = stopping or threading.Event()
        self._outbox = outbox
        self._clients = clients_of(client)
        self._clock = clock
        self.worker = worker
        self.pacer = pacer

    def deliver(self, ids: Sequence[int]) -> NoteSummary:
        """Right after the ack: the notes this request wrote, those still due, each claimed
        just before it is sent. After a 429 the workspace's other notes wait as Slack asked."""
        summary = NoteSummary()
        paused: dict[str, datetime] = {}
        queue = list(ids)
        while queue:
            at = self._clock()
            note = self._outbox.claim(queue.pop(0), self.worker, at)
            if note is None:
                continue  # delivered, or in flight elsewhere (that process sends what follows)
            if isinstance(note, FannedOut):
                queue[0:0] = note.ids
                continue
            until = paused.get(note.team_id)
            if until is not None:
                summary.add(
                    self._record(note, dv.Outcome.DEFER, at, until=until, reason="rate limited")
                )
                continue
            state, outcome, extra = self._send(note, at)
            if outcome == dv.Outcome.RATE_LIMITED:
                paused[note.team_id] = at + extra["retry_after"]
            summary.add(state)
            if state.terminal:  # a kept message changed while this note was in flight
                following = self._outbox.waiting(note)
                if following is not None:
                    queue.insert(0, following)
        return summary

    def run(self, at: datetime, *, exclude_teams: Iterable[str] = ()) -> NoteSummary:
        """A scheduler pass: every note due as of ``at`` (retries, and notes whose process
        died after its ack). A workspace Slack answered with a 429 waits (its pacer's pause)."""
        summary = NoteSummary()
        excluded = set(exclude_teams) | set(self.pacer.paused_teams() if self.pacer else ())
        while not self.stopping.is_set():
            note = self._outbox.claim_due(at, self.worker, exclude_teams=excluded)
            if note is None:
                return summary
            state, outcome, extra = self._send(note, at)
            if outcome == dv.Outcome.RATE_LIMITED:
                excluded.add(note.team_id)
                if self.pacer is not None:
                    self.pacer.pause(note.team_id, extra["retry_after"].total_seconds())
            summary.add(state)
        return summary

    def _record(
        self, note: ClaimedNote, outcome: dv.Outcome, at: datetime, **extra: Any
    ) -> dv.State:
        return self._outbox.record(note, outcome, at, self.worker, **extra)

    def _send(self, note: ClaimedNote, at: datetime) -> tuple[dv.State, dv.Outcome, dict[str, Any]]:
        ctx = self._outbox.context(note, at)
        if isinstance(ctx, Skip):
            return self._record(note, dv.Outcome.SKIP, at, reason=ctx.reason), dv.Outcome.SKIP, {}
        outcome, extra = self._call(ctx)
        state = self._record(note, outcome, at, **extra)
        if outcome == dv.Outcome.TARGET_GONE and note.kind.tells_facilitator_when_unreachable:
            self._tell_facilitator(ctx, extra.get("reason") or "error")
        if state.terminal and state != dv.State.SENT:
            log.warning("a %s note was not delivered: %s", note.kind.value, state.value)
        return state, outcome, extra

    def _call(self, ctx: NoteContext) -> tuple[dv.Outcome, dict[str, Any]]:
        note = ctx.note
        if ctx.live is not None and ctx.live.round_ts:
            ctx = replace(ctx, live=replace(ctx.live, round_link=self._permalink(ctx)))
        message = render(ctx)
        try:
            client = self._clients(note.team_id)
            if note.kind.private_in_channel:
                try:
                    client.chat_postEphemeral(
                        channel=ctx.set.channel_id, user=note.target, **message.kwargs()
                    )
                except SlackApiError as exc:
                    if error_code(exc) not in _NOT_EPHEMERAL:
                        raise
                    client.chat_postMessage(channel=note.target, **message.kwargs())
                return dv.Outcome.SENT, {}
            channel = ctx.set.channel_id if note.kind.to_channel else note.target
            kept_ts = self._kept_ts(ctx)
            if kept_ts is not None:
                channel = note.target
                client.chat_update(channel=channel, ts=kept_ts, **message.kwargs())
                return dv.Outcome.SENT, {}
            if note.kind.kept:
                channel = note.target  # the channel the kept message lives in
            kwargs = message.kwargs()
            if ctx.commit is not None and note.kind.kept and ctx.commit.thread_ts:
                kwargs["thread_ts"] = ctx.commit.thread_ts  # the agenda message's thread
            if ctx.live is not None and ctx.live.thread_ts:
                kwargs["thread_ts"] = ctx.live.thread_ts  # the agenda message's thread
            if self.pacer is not None:
                self.pacer.spend(note.team_id, channel)
            posted = client.chat_postMessage(channel=channel, **kwargs)
            return dv.Outcome.SENT, {"ts": posted.get("ts")}
        except SlackApiError as exc:
            return api_outcome(exc)
        except NETWORK_ERRORS as exc:
            return network_outcome(exc), {"reason": type(exc).__name__[:64]}
        except NoToken:  # its token's refresh failed, or it is not installed: retried later
            return dv.Outcome.TRANSIENT, {"reason": NO_TOKEN}

    @staticmethod
    def _kept_ts(ctx: NoteContext) -> str | None:
        """The ts of the kept message this note updates (None: it posts it)."""
        if ctx.vote is not None:
            return ctx.vote.message_ts
        if ctx.round is not None:
            return ctx.round.message_ts
        if ctx.commit is not None and ctx.note.kind.kept:
            return ctx.commit.line_ts
        if ctx.live is not None:
            return ctx.live.part.message_ts
        return None

    def _permalink(self, ctx: NoteContext) -> str | None:
        """The link of the report-back round's message, for the live session's opening (None:
        Slack did not give it; the opening says where the round is instead)."""
        assert ctx.live is not None and ctx.live.round_ts
        try:
            found = self._clients(ctx.note.team_id).chat_getPermalink(
                channel=ctx.live.channel_id, message_ts=ctx.live.round_ts
            )
        except (SlackApiError, NoToken, *NETWORK_ERRORS) as exc:
            log.info("no link to the round: %s", type(exc).__name__)
            return None
        link = found.get("permalink")
        return str(link) if link else None

    def _tell_facilitator(self, ctx: NoteContext, error: str) -> None:
        note = ctx.note
        facilitator = ctx.set.facilitator_id
        if not self._outbox.mark_unreachable(note, error):
            return
        if not facilitator or facilitator == note.target:
            return
        try:
            self._clients(note.team_id).chat_postMessage(
                channel=facilitator, **rules_undelivered(ctx.set, note.target, error).kwargs()
            )
        except (SlackApiError, NoToken, *NETWORK_ERRORS) as exc:
            log.warning("could not tell the facilitator: %s", type(exc).__name__)
