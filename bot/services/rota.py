"""The facilitator rota: who facilitates each coming session (``bot.domain.rota`` has the
rules), kept in step with the set.

``assign`` runs in the caller's unit of work whenever what the rota depends on changes: the
rota's settings, the members (joined, left), the sessions (planned, added, moved, cancelled).
It rewrites only sessions still to come whose facilitator no person chose; past sessions keep
who facilitated them. ``RotaService`` is ``/als rota``: the set's rota, and the lead's changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain.errors import InvalidInput
from bot.domain.rota import Candidate, RotaMode, RotaSettings, facilitator_at, order_of
from bot.services import access
from bot.services.readmodels import set_info
from bot.services.views import RotaView
from bot.storage import agenda_queries as aq
from bot.storage import queries as q
from bot.storage import rota_queries as rq
from bot.storage.db import Database
from bot.storage.models import LearningSet, Membership

ORDER_FIELD = "order"


def candidates(s: Session, lset: LearningSet, members: Sequence[Membership]) -> list[Candidate]:
    """Who takes turns: the set's participants (the lead too when they participate), with
    when they joined and last presented (for the fair order)."""
    ledger = aq.airtime_ledger(s, lset.team_id, lset.id)
    return [
        Candidate(m.user_id, m.joined_at, ledger.get(m.user_id, (0, 0, None))[2])
        for m in members
        if access.participates(lset, m)
    ]


def current_order(s: Session, lset: LearningSet, settings: RotaSettings) -> list[str]:
    members = q.active_members(s, lset.team_id, lset.id)
    return order_of(settings, candidates(s, lset, members))


def assign(s: Session, lset: LearningSet, now: datetime) -> None:
    """Give each coming session its facilitator under the rota. A facilitator chosen by a
    person stays, unless they are no longer in the set. Under "the lead always", nothing is
    read beyond one check unless a coming session still has a member facilitating it."""
    settings = RotaSettings.load(lset.settings)
    if settings.mode == RotaMode.LEAD and not rq.member_facilitates_ahead(
        s, lset.team_id, lset.id, now
    ):
        return
    members = q.active_members(s, lset.team_id, lset.id)
    active = {m.user_id for m in members}
    order = order_of(settings, candidates(s, lset, members))
    for index, row in enumerate(rq.counted_sessions(s, lset.team_id, lset.id)):
        if row.starts_at <= now:
            continue
        if row.facilitator_fixed and row.facilitator_id in active:
            continue
        wanted = facilitator_at(index, settings, order)
        if row.facilitator_id != wanted or row.facilitator_fixed:
            row.facilitator_id = wanted
            row.facilitator_fixed = False
    s.flush()


def rota_problems(settings: RotaSettings, allowed: Sequence[str]) -> dict[str, str]:
    """Field errors of a rota the lead submits (all of them, in one round)."""
    errors: dict[str, str] = {}
    if not settings.rotates:
        return errors
    strangers = [u for u in settings.order if u not in allowed]
    if strangers:
        errors[ORDER_FIELD] = (
            f"<@{strangers[0]}> does not take turns in this set: choose among its members"
            + (" (the lead is not one: they do not participate)." if allowed else ".")
        )
    elif not allowed:
        errors[ORDER_FIELD] = "Nobody can take a turn: the set has no other member yet."
    return errors


class RotaService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def rota(self, team_id: str, user_id: str, channel_id: str) -> RotaView:
        """``/als rota``: the set's rota and who facilitates its coming sessions (members)."""
        now = self._clock()
        with self._db.read() as s:
            lset = access.set_for_command(s, team_id, user_id, channel_id)
            access.require_member(s, lset, user_id)
            return self._view(s, lset, user_id, now)

    def start_change(self, team_id: str, user_id: str, set_id: int) -> RotaView:
        """The lead's rota form."""
        now = self._clock()
        with self._db.read() as s:
            lset = access.active_set(s, team_id, set_id)
            access.require_facilitator(s, lset, user_id, "change the rota")
            return self._view(s, lset, user_id, now)

    def change(
        self,
        team_id: str,
        user_id: str,
        set_id: int,
        settings: RotaSettings,
        form_errors: dict[str, str] | None = None,
    ) -> RotaView:
        """The lead sets how facilitation works; the coming sessions follow at once.
        ``form_errors`` (what the form could not read) are answered with the rota's own."""
        now = self._clock()
        with self._db.write() as s, s.begin():
            lset = access.active_set(s, team_id, set_id)
            access.require_facilitator(s, lset, user_id, "change the rota")
            members = q.active_members(s, team_id, lset.id)
            allowed = [c.user_id for c in candidates(s, lset, members)]
            errors = {**rota_problems(settings, allowed), **(form_errors or {})}
            if errors:
                raise InvalidInput(errors)
            before = self._turns(s, lset, now)
            lset.settings = {**(lset.settings or {}), "rota": settings.dump()}
            assign(s, lset, now)
            lset.replan_at = now  # the next tick plans the new facilitators' reminders
            after = self._turns(s, lset, now)
            moved = sorted(u for u in set(before) | set(after) if before.get(u) != after.get(u))
            return replace(self._view(s, lset, user_id, now), turns_changed=tuple(moved))

    @staticmethod
    def _turns(s: Session, lset: LearningSet, now: datetime) -> dict[str, set[int]]:
        """member -> the coming sessions they facilitate (members of the rota, not the lead)."""
        turns: dict[str, set[int]] = {}
        for row in q.upcoming_sessions(s, lset.team_id, lset.id, now):
            if row.facilitator_id:
                turns.setdefault(row.facilitator_id, set()).add(row.id)
        return turns

    @staticmethod
    def _view(s: Session, lset: LearningSet, user_id: str, now: datetime) -> RotaView:
        info = set_info(s, lset, now)
        return RotaView(
            set=info,
            order=tuple(current_order(s, lset, info.rota)),
            lead=user_id == info.facilitator_id,
            reader=user_id,
        )
