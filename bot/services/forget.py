"""Forget me (issue 21, point 3): ``/als forget me`` erases the member from the workspace's
sets after a confirmation that lists what goes; a workspace admin does the same for a person
Slack deleted or deactivated (their sets' leads are offered it when Slack says so).

What stays and what goes is ``bot.domain.forget``'s; the erasure, table by table, is
``bot.storage.erase``'s. Who may is the access policy's (``access.may_forget``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain.errors import NotAllowed
from bot.domain.forget import Holdings, new_pseudonym
from bot.domain.text import escape
from bot.ids import COMMAND
from bot.services import access, announce, rota
from bot.services.readmodels import open_vote_states, set_info
from bot.services.views import SetInfo, VoteState
from bot.storage import agenda_queries as aq
from bot.storage import erase
from bot.storage import queries as q
from bot.storage.db import Database
from bot.storage.models import Membership


@dataclass(frozen=True)
class Forgotten:
    """What an erasure took (``held``: empty when there was nothing left), the sets the person
    left as they are now, and their open votes (their messages change)."""

    held: Holdings
    sets: tuple[SetInfo, ...] = ()
    open_votes: tuple[VoteState, ...] = ()


@dataclass(frozen=True)
class Offer:
    """A lead to offer the erasure of a departed member to, and the sets they share."""

    lead_id: str
    set_names: tuple[str, ...]


def _not_a_lead(s: Session, team_id: str, actor: str, subject: str) -> Sequence[Membership]:
    """A set's lead is not erased while they lead it; their memberships otherwise."""
    members = q.memberships_of_user(s, team_id, subject)
    for m in members:
        if m.is_facilitator:
            raise NotAllowed(
                f"{'You lead' if actor == subject else 'They lead'} "
                f"*{escape(m.learning_set.name)}*. The lead role goes to another member "
                f"first (`{COMMAND} setup` in the set's channel), then ask again."
            )
    return members


class ForgetService:
    def __init__(
        self, db: Database, clock: Clock, on_forgotten: Callable[[str], None] | None = None
    ) -> None:
        self._db = db
        self._clock = clock
        #: Told "self" or "admin" after each erasure (the app's metrics).
        self._on_forgotten = on_forgotten

    def holdings(
        self, team_id: str, actor: str, subject: str, *, admin: bool, gone: bool
    ) -> Holdings:
        """What erasing ``subject`` would take (the confirmation's list)."""
        access.may_forget(actor, subject, admin=admin, subject_gone=gone)
        with self._db.read() as s:
            _not_a_lead(s, team_id, actor, subject)
            return erase.holdings(s, team_id, subject)

    def forget(
        self, team_id: str, actor: str, subject: str, *, admin: bool, gone: bool
    ) -> Forgotten:
        """Erase ``subject``: checked again here, at the click (the button's value is a claim)."""
        access.may_forget(actor, subject, admin=admin, subject_gone=gone)
        done = self._erase(team_id, actor, subject)
        if not done.held.empty and self._on_forgotten is not None:
            self._on_forgotten("self" if actor == subject else "admin")
        return done

    def _erase(self, team_id: str, actor: str, subject: str) -> Forgotten:
        now = self._clock()
        with self._db.write() as s, s.begin():
            held = erase.holdings(s, team_id, subject)
            if held.empty:
                return Forgotten(held=held)
            members = _not_a_lead(s, team_id, actor, subject)
            sets = [m.learning_set for m in members]
            for lset in sets:
                aq.drop_member_from_open_votes(s, team_id, lset.id, subject)
            erase.forget_member(s, team_id, subject, new_pseudonym(), now)
            votes: list[VoteState] = []
            for lset in sets:
                rota.assign(s, lset, now)  # their turns go to others
                lset.replan_at = now  # and their reminders are planned no more
                votes.extend(announce.votes_changed(s, open_vote_states(s, lset, now), now))
            s.flush()
            return Forgotten(
                held=held,
                sets=tuple(set_info(s, lset, now) for lset in sets),
                open_votes=tuple(votes),
            )

    def offers(self, team_id: str, departed: str) -> list[Offer]:
        """Slack says ``departed`` was deleted or deactivated: the leads of their active sets
        (not themselves), each with the sets they share."""
        with self._db.read() as s:
            by_lead: dict[str, list[str]] = {}
            for m in q.memberships_of_user(s, team_id, departed):
                lead = access.facilitator_of(q.active_members(s, team_id, m.set_id))
                if lead is not None and lead != departed:
                    by_lead.setdefault(lead, []).append(m.learning_set.name)
            return [Offer(lead, tuple(names)) for lead, names in by_lead.items()]
