"""What the app sends to Slack after it has answered a request (or in a scheduler pass):
messages kept in place, DMs, private answers, Home tabs.

Listeners and the scheduler use the same ``Outbound``, each with its own Web API client (the
scheduler's never retries a post, so it never posts twice). Reminders have their own
claim/send/record machinery (``bot.scheduler.sender``).

What carries a set's state or asks people to act (the set-up's messages, the vote message and
the agenda it becomes, the report-back round, a commitment's confirmation and its line) goes
through the outbox: the change wrote its notes, ``deliver`` sends them right after the ack, and
a scheduler pass sends what is still due. A channel message kept in place (the vote, the round,
a commitment's line) is posted once, its ts stored, then updated in place with ``chat.update``.
Everything else here is one send that stands alone (``alone``).
"""

from __future__ import annotations

import contextlib
import copy
import logging
from collections.abc import Iterable, Iterator

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.calendar import change_message
from bot.blocks.common import Message
from bot.services.views import CommitOutcome, RoundState, SessionChange, VoteOpened, VoteState
from bot.slack.errors import NETWORK_ERRORS, error_code
from bot.slack.home import HomePublisher
from bot.slack.notes import NoteSender
from bot.slack.tokens import Clients, NoToken, clients_of

log = logging.getLogger("bot.slack")


@contextlib.contextmanager
def alone(what: str) -> Iterator[None]:
    """One send that stands alone: Slack refusing it, or not answering, is logged (the error
    code or the exception's type, never content) and the sends after it go on. Messages that
    must not be lost go through the outbox instead (``Outbound.deliver``), which retries."""
    try:
        yield
    except SlackApiError as exc:
        log.warning("%s not sent: %s", what, error_code(exc) or exc.response.status_code)
    except (NoToken, *NETWORK_ERRORS) as exc:
        log.warning("%s not sent: %s", what, type(exc).__name__)


class Outbound:
    """What is sent, through each workspace's own client: the sends that name no workspace
    (``post``, ``dm``...) go through an outbound bound to one (``for_team``: a request's)."""

    def __init__(
        self,
        client: WebClient | Clients,
        *,
        publisher: HomePublisher | None,
        notes: NoteSender | None = None,
        team_id: str = "",
    ) -> None:
        self._clients = clients_of(client)
        self._notes = notes
        self._publisher = publisher
        self._team = team_id

    def for_team(self, team_id: str) -> Outbound:
        bound = copy.copy(self)
        bound._team = team_id
        return bound

    @property
    def client(self) -> WebClient:
        """The bound workspace's client (``NoToken`` if it has none)."""
        return self._clients(self._team)

    # -- the outbox ----------------------------------------------------------------------
    def use_notes(self, notes: NoteSender) -> None:
        """Deliver the outbox's notes with ``notes`` (a scheduler's), unless it has a sender."""
        if self._notes is None:
            self._notes = notes

    def deliver(self, note_ids: Iterable[int]) -> None:
        """The outbox notes a request wrote with its change, right after its ack (each on its
        own: what is not delivered now, a scheduler pass delivers)."""
        ids = list(note_ids)
        if self._notes is not None and ids:
            self._notes.deliver(ids)

    # -- Home tabs ------------------------------------------------------------------------
    def homes(self, team_id: str, user_ids: Iterable[str | None], *, settle: bool = False) -> None:
        """Republish these members' Home tabs soon, after the ack (coalesced: see
        ``HomePublisher``). ``settle``: once each has stopped for a few seconds (ballot
        clicks)."""
        if self._publisher is None:
            return
        for user_id in dict.fromkeys(u for u in user_ids if u):
            self._publisher.request(team_id, user_id, settle=settle)

    # -- the agenda vote ------------------------------------------------------------------
    def vote(self, state: VoteState) -> None:
        """The vote (or the agenda it became) in the set's channel: one message, kept. The
        change wrote its outbox note (``services.announce``): delivered now, or by a pass."""
        self.deliver(state.notes)

    def vote_changed(self, state: VoteState) -> None:
        """A vote opened, closed or became the agenda: its message, and every member's Home."""
        self.vote(state)
        self.homes(state.set.team_id, state.set.member_ids)

    def vote_opened(self, opened: VoteOpened) -> None:
        """The report-back round comes first in the session, so its message comes first."""
        if opened.round is not None:
            self.round(opened.round)
        self.vote_changed(opened.vote)

    def refresh_votes(self, states: Iterable[VoteState]) -> None:
        """Redraw votes a change touched (a member left: their topic and votes are gone; the
        scheduler closed them)."""
        for state in states:
            self.vote(state)

    # -- the action-learning loop ---------------------------------------------------------
    def round(self, state: RoundState) -> None:
        """The report-back round: one channel message, updated as reports arrive (through the
        outbox, as the vote)."""
        self.deliver(state.notes)

    def commitment(self, outcome: CommitOutcome) -> None:
        """A commitment saved or changed: the presenter's confirmation and its line in the
        agenda message's thread, through the outbox (nothing for a repeated submission)."""
        self.deliver(outcome.notes)

    # -- the calendar ---------------------------------------------------------------------
    def session_changed(self, change: SessionChange) -> None:
        """Tell the set's channel, and refresh the members' Home tabs (their next session)."""
        with alone("session change"):
            self._clients(change.set.team_id).chat_postMessage(
                channel=change.set.channel_id, **change_message(change).kwargs()
            )
        self.homes(change.set.team_id, change.set.member_ids)

    # -- plain messages -------------------------------------------------------------------
    def post(self, channel_id: str, message: Message) -> None:
        with alone("channel message"):
            self.client.chat_postMessage(channel=channel_id, **message.kwargs())

    def dm(self, user_id: str, message: Message) -> bool:
        """DM a member; a failure for one person (deactivated meanwhile...) does not stop the
        rest."""
        with alone("DM"):
            self.client.chat_postMessage(channel=user_id, **message.kwargs())
            return True
        return False

    def upload(
        self,
        user_id: str,
        filename: str,
        content: bytes,
        title: str,
        comment: str,
        *,
        alt: str | None = None,
    ) -> bool:
        """Share a file in the member's DM with the bot (``files_upload_v2``: the upload URL,
        the bytes, then the share to the user id, which Slack takes for their DM)."""
        with alone("file"):
            self.client.files_upload_v2(
                channels=[user_id],
                content=content,
                filename=filename,
                title=title,
                initial_comment=comment,
                alt_txt=alt,
            )
            return True
        return False

    def dm_all(self, user_ids: Iterable[str], message: Message) -> None:
        for user_id in user_ids:
            self.dm(user_id, message)

    def ephemeral(self, channel_id: str, user_id: str, message: Message) -> None:
        with alone("private message"):
            self.client.chat_postEphemeral(channel=channel_id, user=user_id, **message.kwargs())

    def ephemeral_or_dm(self, channel_id: str, user_id: str, message: Message) -> None:
        """Privately in the channel; as a DM where Slack refuses that."""
        try:
            self.client.chat_postEphemeral(channel=channel_id, user=user_id, **message.kwargs())
        except SlackApiError:
            self.dm(user_id, message)
        except (NoToken, *NETWORK_ERRORS) as exc:
            log.warning("private message not sent: %s", type(exc).__name__)
