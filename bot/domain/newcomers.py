"""Newcomers to a running set (issue 21, point 5). Pure: no Slack, no SQL.

The set's contract covers what was shared among the people in the set at the time. Someone who
joins later does not silently inherit that history: in the bot's own surfaces (Home, ``/als
actions``, the report-back round, the exports a member can run) a member sees, of what others
stored, only what belongs to sessions that started at or after their joining. Their own
records are theirs whatever their date.

A record belongs to the session it was made for (an action to the session it was committed
after, a report to the session it reports to, a review to the session it rates): the
session's start, not the row's write time, decides, so an action committed late for a session
a newcomer was not in stays out of their view.

A message in the set's channel is read by everyone in the set at once, so it shows what its
newest member may see (``channel_since``).

A set is *running* once one of its sessions has started: people added then are newcomers and
get the welcome that says the channel's earlier messages predate them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime


def shown(
    *, viewer: str | None, since: datetime | None, owner: str, session_start: datetime
) -> bool:
    """May ``viewer``, a member since ``since`` (None: no limit), see a record of ``owner``
    that belongs to a session starting at ``session_start``? (``viewer`` None: the channel,
    nobody's own.)"""
    return owner == viewer or since is None or session_start >= since


def channel_since(joined: Iterable[datetime]) -> datetime | None:
    """What the set's channel may show: from the latest joining of its current members."""
    return max(joined, default=None)


def is_newcomer(*, joined_at: datetime, first_start: datetime | None) -> bool:
    """Someone joining a set whose first session started before (``first_start``) is a
    newcomer: the set ran without them."""
    return first_start is not None and first_start <= joined_at
