"""The outbox: notes a request's change owes people, committed with the change, delivered after
the ack (``bot.slack.notes``) and, for whatever is still due, by any scheduler pass.

``add`` is called inside the transaction of the change a note announces, so a change is never
committed without its notes, whatever happens to the process after the ack. Claiming and
recording follow the reminders' rules (``bot.domain.delivery``): a claim is a lease, a row
whose lease ran out was being sent by a process that died (its outcome is unknown, the note's
kind decides whether it is sent again), and an outcome is recorded only by the claim's holder.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain import delivery as dv
from bot.domain.outbox import Note
from bot.domain.status import SetStatus
from bot.services.delivery_rows import apply_delivery, delivery_of
from bot.services.readmodels import session_info, set_info
from bot.services.views import SetInfo, SetupOutcome
from bot.storage import queries as q
from bot.storage.db import Database
from bot.storage.models import LIVE_NOTE, OutboxNote, PlannedSession

#: How long a process may take to deliver a claimed note before another may take it over.
LEASE = timedelta(minutes=2)


@dataclass(frozen=True)
class ClaimedNote:
    id: int
    team_id: str
    set_id: int
    kind: Note
    target: str
    facts: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class NoteContext:
    """What a claimed note says, read when it is sent."""

    note: ClaimedNote
    set: SetInfo
    setup: SetupOutcome | None = None  # SET_UPDATED and SETUP_DONE: the change announced


@dataclass(frozen=True)
class Skip:
    reason: str


# -- writing notes (inside the change's transaction) ----------------------------------------
def note_row(
    team_id: str,
    set_id: int,
    kind: Note,
    target: str,
    now: datetime,
    facts: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One note to ``add``: an ``outbox`` row's values."""
    return {
        "team_id": team_id,
        "set_id": set_id,
        "kind": kind.value,
        "target": target,
        "facts": facts,
        "send_after": now,
        "useful_until": now + kind.useful_for,
        "status": dv.State.PENDING.value,
        "attempts": 0,
        "ambiguous": 0,
        "created_at": now,
        "updated_at": now,
    }


def add(s: Session, rows: list[dict[str, Any]]) -> tuple[int, ...]:
    """Write these notes in the caller's transaction: one INSERT of all the rows (on the
    request's ack path), their ids in order."""
    if not rows:
        return ()
    stmt = insert(OutboxNote).returning(OutboxNote.id, sort_by_parameter_order=True)
    return tuple(s.scalars(stmt, rows).all())


@dataclass(frozen=True)
class SetupAudience:
    """Slack's view of the set-up's channel at the submission (the bot left out), and who
    submitted: what the facilitator's confirmation says beyond the set."""

    submitter: str
    public_channel: bool
    in_channel: frozenset[str]


def setup_facts(outcome: SetupOutcome) -> dict[str, Any]:
    """What a set-up's notes say beyond the set as it is when they are sent (ids and flags)."""
    return {
        "created": outcome.created,
        "added": list(outcome.added),
        "removed": list(outcome.removed),
        "rules_changed": outcome.rules_changed,
        "schedule_changed": outcome.schedule_changed,
        "previous_facilitator": outcome.previous_facilitator,
        "cancelled": [c.id for c in outcome.cancelled],
        "public_channel": outcome.public_channel,
        "not_in_channel": list(outcome.not_in_channel),
        "not_in_set": list(outcome.not_in_set),
    }


def announce_setup(
    s: Session, outcome: SetupOutcome, audience: SetupAudience | None, now: datetime
) -> SetupOutcome:
    """The set-up's notes, in its transaction: the channel's announcement, the requests to
    agree to the ground rules, and (for a submission from Slack) the facilitator's
    confirmation, with who is (not) in the channel."""
    lset = outcome.set
    if audience is not None:
        outcome = replace(
            outcome,
            public_channel=audience.public_channel,
            not_in_channel=tuple(u for u in lset.member_ids if u not in audience.in_channel),
            not_in_set=tuple(sorted(u for u in audience.in_channel if u not in lset.member_ids)),
        )
    facts = setup_facts(outcome)
    team, set_id = lset.team_id, lset.id
    announce = Note.WELCOME if outcome.created else Note.SET_UPDATED
    rows = [note_row(team, set_id, announce, lset.channel_id, now, facts)]
    rules = Note.RULES_AGAIN if outcome.rules_changed and not outcome.created else Note.RULES
    rows += [note_row(team, set_id, rules, user, now) for user in outcome.needs_agreement]
    if audience is not None:
        rows.append(note_row(team, set_id, Note.SETUP_DONE, audience.submitter, now, facts))
    return replace(outcome, notes=add(s, rows))


def _claimed(row: OutboxNote) -> ClaimedNote:
    return ClaimedNote(
        id=row.id,
        team_id=row.team_id,
        set_id=row.set_id,
        kind=Note(row.kind),
        target=row.target,
        facts=dict(row.facts or {}),
        attempts=row.attempts,
    )


class OutboxService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    # -- claiming ---------------------------------------------------------------------------
    def claim(self, note_id: int, worker: str, at: datetime) -> ClaimedNote | None:
        """Claim this note, if it is still due (right after the ack that wrote it). Notes are
        claimed one at a time, just before each is sent: a process that stalls or dies holds
        at most one claim."""
        with self._db.write() as s, s.begin():
            row = s.scalar(
                select(OutboxNote)
                .where(OutboxNote.id == note_id, text(LIVE_NOTE))
                .with_for_update(skip_locked=True)
            )
            return self._take(row, worker, at) if row is not None else None

    def claim_due(
        self, at: datetime, worker: str, *, exclude_teams: Iterable[str] = ()
    ) -> ClaimedNote | None:
        """Claim the oldest note due as of ``at`` (a scheduler pass), or None. Rows that turn out
        useless (too late) or whose sender died with the outcome unknown are settled on the
        way."""
        excluded = sorted(set(exclude_teams))
        while True:
            with self._db.write() as s, s.begin():
                stmt = (
                    select(OutboxNote)
                    .where(text(LIVE_NOTE), OutboxNote.send_after <= at)
                    .order_by(OutboxNote.send_after, OutboxNote.id)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )
                if excluded:
                    stmt = stmt.where(OutboxNote.team_id.not_in(excluded))
                row = s.scalar(stmt)
                if row is None:
                    return None
                claimed = self._take(row, worker, at)
                if claimed is not None:
                    return claimed

    @staticmethod
    def _take(row: OutboxNote, worker: str, at: datetime) -> ClaimedNote | None:
        d = delivery_of(row)
        if not dv.claimable(d, at):
            return None
        d = dv.claim(d, at, LEASE)
        apply_delivery(row, d, at)
        if d.status != dv.State.CLAIMED:
            return None
        row.lease_until = d.send_after
        row.claimed_by = worker
        return _claimed(row)

    # -- what a note says -------------------------------------------------------------------
    def context(self, c: ClaimedNote, at: datetime) -> NoteContext | Skip:
        with self._db.read() as s:
            lset = q.set_by_id(s, c.team_id, c.set_id)
            if lset is None or lset.status != SetStatus.ACTIVE:
                return Skip("set gone")
            info = set_info(s, lset, at)
            if c.kind in (Note.RULES, Note.RULES_AGAIN):
                member = q.membership(s, c.team_id, c.set_id, c.target)
                if member is None or member.left_at is not None:
                    return Skip("left the set")
                if c.target in info.agreed_ids:
                    return Skip("already agreed")
            if c.kind in (Note.SET_UPDATED, Note.SETUP_DONE):
                return NoteContext(c, info, self._setup(s, c.facts, info))
            return NoteContext(c, info)

    @staticmethod
    def _setup(s: Session, facts: dict[str, Any], info: SetInfo) -> SetupOutcome:
        cancelled_ids = [int(i) for i in facts.get("cancelled") or []]
        cancelled = (
            s.scalars(
                select(PlannedSession)
                .where(
                    PlannedSession.team_id == info.team_id,
                    PlannedSession.id.in_(cancelled_ids),
                )
                .order_by(PlannedSession.starts_at)
            ).all()
            if cancelled_ids
            else []
        )
        outcome = SetupOutcome(
            set=info,
            created=bool(facts.get("created")),
            added=tuple(facts.get("added") or ()),
            removed=tuple(facts.get("removed") or ()),
            rules_changed=bool(facts.get("rules_changed")),
            schedule_changed=bool(facts.get("schedule_changed")),
            previous_facilitator=facts.get("previous_facilitator"),
            cancelled=tuple(session_info(row) for row in cancelled),
            public_channel=bool(facts.get("public_channel")),
            not_in_channel=tuple(facts.get("not_in_channel") or ()),
            not_in_set=tuple(facts.get("not_in_set") or ()),
        )
        return outcome

    # -- recording --------------------------------------------------------------------------
    def record(
        self,
        c: ClaimedNote,
        outcome: dv.Outcome,
        at: datetime,
        worker: str,
        *,
        retry_after: timedelta | None = None,
        until: datetime | None = None,
        reason: str | None = None,
        ts: str | None = None,
    ) -> dv.State:
        """Record what happened to a claimed note (only its claim's holder may)."""
        with self._db.write() as s, s.begin():
            row = s.get(OutboxNote, c.id, with_for_update=True)
            if row is None:
                return dv.State.SKIPPED
            if row.status != dv.State.CLAIMED or row.claimed_by != worker:
                return dv.State(row.status)  # our lease ran out and another process took it
            d = dv.record(
                delivery_of(row), outcome, at, retry_after=retry_after, until=until, reason=reason
            )
            apply_delivery(row, d, at)
            if d.status == dv.State.SENT:
                row.sent_at = at
                row.message_ts = ts
            return d.status

    def mark_unreachable(self, c: ClaimedNote, error: str) -> bool:
        """True the first time Slack refuses ``c.target`` for good (the facilitator is told
        once; the record is the one reminders keep)."""
        with self._db.write() as s, s.begin():
            return q.mark_unreachable(s, c.team_id, c.set_id, c.target, error)
