"""A voter's private ballot: the "Vote" button opens it; each select sets how many of the
voter's votes a topic gets."""

from __future__ import annotations

import re

from bot.blocks.agenda import VoteClick, notice_modal, parse_vote_click, voting_modal
from bot.handlers.kit import Kit, Request
from bot.ids import VOTE_TOPIC_PREFIX, ActionId


def open_ballot(r: Request, vote_id: int) -> None:
    r.open_modal(voting_modal(r.deps.ballot.panel(r.team_id, r.user_id, vote_id)))


def vote(r: Request, click: VoteClick) -> None:
    """The vote is counted (or refused) in the database before the ack (``decided``), so the
    answer the voter sees is true."""
    ballot = r.deps.ballot.click(
        r.team_id, r.user_id, click.vote_id, click.topic_id, click.count, decided=r.ack
    )
    if ballot.panel is None:
        r.update_modal(notice_modal(ballot.notice or ""))
        return
    r.update_modal(voting_modal(ballot.panel, round_=click.round + 1))
    if ballot.vote is not None:  # the turnout changed: the channel message shows it
        r.out.vote(ballot.vote)
    # Votes used, once the voter has stopped clicking (their ballot covers Home meanwhile).
    r.out.homes(r.team_id, [r.user_id], settle=True)


def register(kit: Kit) -> None:
    kit.button(ActionId.VOTE_OPEN)(open_ballot)
    kit.button(re.compile(rf"^{VOTE_TOPIC_PREFIX}\d+$"), parse=parse_vote_click, ack_first=False)(
        vote
    )
