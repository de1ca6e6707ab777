"""The outbox: notes a request's change owes people, committed with the change
(``bot.services.announce``), delivered after the ack (``bot.slack.notes``) and, for whatever is
still due, by any scheduler pass.

Claiming and
recording follow the reminders' rules (``bot.domain.delivery``): a claim is a lease, a row
whose lease ran out was being sent by a process that died (its outcome is unknown, the note's
kind decides whether it is sent again), and an outcome is recorded only by the claim's holder.

A kept message (the vote, the round) has at most one note in flight: a note waiting for it is
not claimed while another is (``_not_busy``; ``ux_outbox_kept_claimed`` makes it certain), so
its updates reach Slack one after the other, each drawing the state as it is when it is sent.
The first note to succeed posts the message and attaches its ts; the next ones update it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from bot.clock import Clock
from bot.domain import delivery as dv
from bot.domain.outbox import Note
from bot.domain.status import SetStatus
from bot.services import announce
from bot.services.actions import commit_outcome
from bot.services.delivery_rows import apply_delivery, delivery_of
from bot.services.live import LiveService
from bot.services.readmodels import session_info, set_info, vote_state
from bot.services.reportback import round_state
from bot.services.views import (
    CommitOutcome,
    LiveState,
    RoundState,
    SetInfo,
    SetupOutcome,
    VoteState,
)
from bot.storage import agenda_queries as aq
from bot.storage import queries as q
from bot.storage.db import Database
from bot.storage.models import (
    KEPT_PENDING,
    LIVE_NOTE,
    AgendaVote,
    Commitment,
    LivePart,
    OutboxNote,
    PlannedSession,
    ReportRound,
)

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
    ref_id: int | None = None  # the kept message it draws


@dataclass(frozen=True)
class FannedOut:
    """A claimed note that stood for several (``Note.fans_out``): replaced by them, due now."""

    ids: tuple[int, ...]


@dataclass(frozen=True)
class NoteContext:
    """What a claimed note says, read when it is sent."""

    note: ClaimedNote
    set: SetInfo
    setup: SetupOutcome | None = None  # SET_UPDATED and SETUP_DONE: the change announced
    vote: VoteState | None = None  # VOTE: the vote (or agenda) as it is now
    round: RoundState | None = None  # ROUND: the round as it is now
    commit: CommitOutcome | None = None  # COMMITTED, COMMIT_LINE: the commitment as it is now
    live: LiveState | None = None  # LIVE: the part of a live session as it is now


@dataclass(frozen=True)
class Skip:
    reason: str


def _claimed(row: OutboxNote) -> ClaimedNote:
    return ClaimedNote(
        id=row.id,
        team_id=row.team_id,
        set_id=row.set_id,
        kind=Note(row.kind),
        target=row.target,
        facts=dict(row.facts or {}),
        attempts=row.attempts,
        ref_id=row.ref_id,
    )


def _not_busy() -> Any:
    """No other note of the same kept message is in flight (always true for one-off notes)."""
    other = aliased(OutboxNote)
    return ~exists().where(
        other.team_id == OutboxNote.team_id,
        other.kind == OutboxNote.kind,
        other.ref_id == OutboxNote.ref_id,
        other.status == dv.State.CLAIMED.value,
        other.id != OutboxNote.id,
    )


class OutboxService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    # -- claiming ---------------------------------------------------------------------------
    def claim(self, note_id: int, worker: str, at: datetime) -> ClaimedNote | FannedOut | None:
        """Claim this note, if it is still due (right after the ack that wrote it). Notes are
        claimed one at a time, just before each is sent: a process that stalls or dies holds
        at most one claim. A note that stands for several is replaced by them (``FannedOut``)."""
        try:
            with self._db.write() as s, s.begin():
                row = s.scalar(
                    select(OutboxNote)
                    .where(OutboxNote.id == note_id, text(LIVE_NOTE), _not_busy())
                    .with_for_update(skip_locked=True)
                )
                if row is None:
                    return None
                if Note(row.kind).fans_out:
                    return _fan_out(s, row)
                return self._take(row, worker, at)
        except IntegrityError:  # another note of its kept message was claimed meanwhile
            return None

    def claim_due(
        self, at: datetime, worker: str, *, exclude_teams: Iterable[str] = ()
    ) -> ClaimedNote | None:
        """Claim the oldest note due as of ``at`` (a scheduler pass), or None. Rows that turn out
        useless (too late) or whose sender died with the outcome unknown are settled on the
        way."""
        excluded = sorted(set(exclude_teams))
        passed: list[int] = []  # lost a race for their kept message: a later pass
        while True:
            stmt = (
                select(OutboxNote)
                .where(text(LIVE_NOTE), OutboxNote.send_after <= at, _not_busy())
                .order_by(OutboxNote.created_at, OutboxNote.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if excluded:
                stmt = stmt.where(OutboxNote.team_id.not_in(excluded))
            if passed:
                stmt = stmt.where(OutboxNote.id.not_in(passed))
            row_id = None
            try:
                with self._db.write() as s, s.begin():
                    row = s.scalar(stmt)
                    if row is None:
                        return None
                    row_id = row.id
                    if Note(row.kind).fans_out:  # its notes are due now: claimed next
                        _fan_out(s, row)
                        continue
                    claimed = self._take(row, worker, at)
                if claimed is not None:
                    return claimed
            except IntegrityError:
                assert row_id is not None
                passed.append(row_id)

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
            if c.kind is Note.NEWCOMER:
                member = q.membership(s, c.team_id, c.set_id, c.target)
                if member is None or member.left_at is not None:
                    return Skip("left the set")
                if member.joined_at != datetime.fromisoformat(str(c.facts.get("joined_at"))):
                    return Skip("another joining")  # left and added again: that one's welcome
            if c.kind in (Note.SET_UPDATED, Note.SETUP_DONE):
                return NoteContext(c, info, self._setup(s, c.facts, info))
            if c.kind is Note.VOTE:
                vote = aq.vote_by_id(s, c.team_id, c.ref_id or 0)
                if vote is None:
                    return Skip("vote gone")
                return NoteContext(c, info, vote=vote_state(s, vote, at))
            if c.kind is Note.ROUND:
                posted = s.get(ReportRound, c.ref_id or 0)
                if posted is None or posted.team_id != c.team_id:
                    return Skip("round gone")
                session = s.get(PlannedSession, posted.session_id)
                assert session is not None
                return NoteContext(c, info, round=round_state(s, lset, session, posted, at))
            if c.kind in (Note.COMMITTED, Note.COMMIT_LINE):
                return self._commitment(s, c, info, at)
            if c.kind is Note.LIVE:
                live = LiveService.state(s, info, c.ref_id or 0)
                return (
                    Skip("live session gone") if live is None else NoteContext(c, info, live=live)
                )
            return NoteContext(c, info)

    @staticmethod
    def _commitment(s: Session, c: ClaimedNote, info: SetInfo, at: datetime) -> NoteContext | Skip:
        line = c.kind is Note.COMMIT_LINE
        row = s.get(Commitment, c.ref_id if line else int(c.facts.get("commitment") or 0))
        if row is None or row.team_id != c.team_id:
            return Skip("commitment gone")
        outcome = commit_outcome(s, row, at)
        if line and not outcome.has_line:
            return Skip("kept private")  # made private before its line was ever posted
        return NoteContext(c, info, commit=outcome)

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
            if d.status == dv.State.PENDING and row.ref_id is not None:
                self._coalesce(s, row)
            apply_delivery(row, d, at)
            if d.status == dv.State.SENT:
                row.sent_at = at
                row.message_ts = ts
                if ts and row.ref_id is not None:
                    _attach(s, Note(row.kind), row.team_id, row.ref_id, row.target, ts)
            return d.status

    @staticmethod
    def _coalesce(s: Session, row: OutboxNote) -> None:
        """A kept message's note goes back to waiting (a retry): it will draw the latest state,
        so the note written while it was in flight is not needed (one waits per message)."""
        s.execute(
            update(OutboxNote)
            .where(
                OutboxNote.team_id == row.team_id,
                OutboxNote.kind == row.kind,
                OutboxNote.ref_id == row.ref_id,
                OutboxNote.id != row.id,
                text(KEPT_PENDING),
            )
            .values(status=dv.State.SKIPPED.value, reason="coalesced")
        )
        s.flush()

    def waiting(self, c: ClaimedNote) -> int | None:
        """The note written for ``c``'s kept message while ``c`` was in flight, if any: sent
        next, right away."""
        if c.ref_id is None:
            return None
        with self._db.read() as s:
            found = announce.waiting(s, c.team_id, c.kind, c.ref_id)
            return found[0] if found else None

    def mark_unreachable(self, c: ClaimedNote, error: str) -> bool:
        """True the first time Slack refuses ``c.target`` for good (the facilitator is told
        once; the record is the one reminders keep)."""
        with self._db.write() as s, s.begin():
            return q.mark_unreachable(s, c.team_id, c.set_id, c.target, error)


def _fan_out(s: Session, row: OutboxNote) -> FannedOut:
    """Replace a note that stands for several by them, in the claim's transaction: whoever
    claims it first writes them, once."""
    rows = announce.setup_notes(row)
    s.delete(row)
    return FannedOut(announce.add(s, rows))


def _attach(s: Session, kind: Note, team_id: str, ref_id: int, channel_id: str, ts: str) -> None:
    """The kept message was posted: updates go to its ts from now on (a message posted again
    after a lost answer replaces the first)."""
    if kind is Note.LIVE:
        s.execute(
            update(LivePart)
            .where(LivePart.team_id == team_id, LivePart.id == ref_id)
            .values(message_ts=ts)
        )
        return
    if kind is Note.COMMIT_LINE:
        s.execute(
            update(Commitment)
            .where(Commitment.team_id == team_id, Commitment.id == ref_id)
            .values(line_ts=ts, line_channel_id=channel_id)
        )
        return
    model: type[AgendaVote] | type[ReportRound] = AgendaVote if kind is Note.VOTE else ReportRound
    s.execute(
        update(model).where(model.team_id == team_id, model.id == ref_id).values(message_ts=ts)
    )
