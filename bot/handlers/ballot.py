"""A voter's private ballot: the "Vote" button opens it; each select sets how many of the
voter's votes a topic gets."""

from __future__ import annotations

import re

from bot.blocks.agenda import VoteClick, notice_modal, parse_vote_click, voting_modal
from bot.handlers.kit import Kit, Request
from bot.ids import VOTE_TOPIC_PREFIX, ActionId

NOT_YOURS = (
    "That ballot is not one I opened for you, so nothing was counted. "
    "Click *Vote* on the vote message to open yours."
)


def open_ballot(r: Request, vote_id: int) -> None:
    r.open_modal(voting_modal(r.deps.ballot.open(r.team_id, r.user_id, vote_id)))


def vote(r: Request, click: VoteClick) -> None:
    """Counted before the ack (``decided``); only the voter's own ballot is redrawn, by the
    external id the bot gave it (the payload's view id is a claim)."""
    ext = click.external_id
    ids = (click.vote_id, click.topic_id, click.count)
    ballot = r.deps.ballot.click(r.team_id, r.user_id, *ids, external_id=ext, decided=r.ack)
    if not ballot.owned:
        return r.tell(NOT_YOURS)
    if ballot.panel is None:
        return r.update_modal(ext, notice_modal(ballot.notice or "", external_id=ext))
    r.update_modal(ext, voting_modal(ballot.panel, round_=click.round + 1))
    if ballot.vote is not None:  # the turnout changed: the channel message shows it
        r.out.vote(ballot.vote)
    # Votes used, once the voter has stopped clicking (their ballot covers Home meanwhile).
    r.out.homes(r.team_id, [r.user_id], settle=True)


def register(kit: Kit) -> None:
    kit.button(ActionId.VOTE_OPEN)(open_ballot)
    kit.button(re.compile(rf"^{VOTE_TOPIC_PREFIX}\d+$"), parse=parse_vote_click, ack_first=False)(
        vote
    )
