"""Writing the outbox's notes (``bot.domain.outbox``), always inside the transaction of the
change they announce: a change is never committed without its notes, whatever happens to the
process after the ack. Delivering them is ``bot.services.outbox`` and ``bot.slack.notes``.

Two sorts of notes:

- **one-off notes** (the set-up's welcome, a member's request to agree to the ground rules, the
  facilitator's confirmation): ``add`` writes them, one row each (the set-up's as one row that
  stands for them all, fanned out after the ack);
- **a message kept in place** (the vote and the agenda it becomes, the report-back round):
  ``keep`` marks it as owing its latest state. It writes a note unless one is already waiting
  (``ux_outbox_kept_pending``: at most one waits per message), so any number of changes before a
  send make one call, which draws the state as it is when it is sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.domain import delivery as dv
from bot.domain.outbox import Note
from bot.services.views import CommitOutcome, RoundState, SetupOutcome, VoteState
from bot.storage.models import KEPT_PENDING, OutboxNote


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
        "ref_id": None,
        "send_after": now,
        "useful_until": now + kind.useful_for,
        "status": dv.State.PENDING.value,
        "attempts": 0,
        "ambiguous": 0,
        "created_at": now,
        "updated_at": now,
    }


_OUTBOX = cast(Table, OutboxNote.__table__)
_INSERT_ONE = insert(_OUTBOX).returning(_OUTBOX.c.id)


#: ``keep``'s INSERT, built once for each dialect (it is on a vote click's path).
_KEEP = {
    dialect.__name__.rsplit(".", 1)[-1]: dialect.insert(_OUTBOX)
    .on_conflict_do_nothing(
        index_elements=["team_id", "kind", "ref_id"], index_where=text(KEPT_PENDING)
    )
    .returning(_OUTBOX.c.id)
    for dialect in (sqlite, postgresql)
}


def add(s: Session, rows: list[dict[str, Any]]) -> tuple[int, ...]:
    """Write these notes in the caller's transaction: one INSERT of all the rows (on the
    request's ack path), their ids in order."""
    if not rows:
        return ()
    if len(rows) == 1:  # the common case, on an ack path: a statement built once
        return (s.execute(_INSERT_ONE, rows[0]).scalar_one(),)
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
        "newcomers": [[u, at.isoformat()] for u, at in outcome.newcomers],
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
    """The set-up's announcement, in its transaction: one note (``Note.SETUP``) that the first
    delivery fans out (``setup_notes``) into the channel's message, the requests to agree to
    the ground rules and (for a submission from Slack) the facilitator's confirmation, with who
    is (not) in the channel. One row, not one per message, keeps the ack path short."""
    lset = outcome.set
    if audience is not None:
        outcome = replace(
            outcome,
            public_channel=audience.public_channel,
            not_in_channel=tuple(u for u in lset.member_ids if u not in audience.in_channel),
            not_in_set=tuple(sorted(u for u in audience.in_channel if u not in lset.member_ids)),
        )
    facts = setup_facts(outcome) | {
        "agree": list(outcome.needs_agreement),
        "submitter": audience.submitter if audience is not None else None,
    }
    row = note_row(lset.team_id, lset.id, Note.SETUP, lset.channel_id, now, facts)
    return replace(outcome, notes=add(s, [row]))


def setup_notes(setup: OutboxNote) -> list[dict[str, Any]]:
    """The notes a set-up's announcement stands for (``Note.SETUP``), as of its writing."""
    facts = dict(setup.facts or {})
    agree: list[str] = facts.pop("agree", [])
    submitter: str | None = facts.pop("submitter", None)
    newcomers: list[list[str]] = facts.pop("newcomers", [])
    team, set_id, now = setup.team_id, setup.set_id, setup.created_at
    created = bool(facts.get("created"))
    announce = Note.WELCOME if created else Note.SET_UPDATED
    rows = [note_row(team, set_id, announce, setup.target, now, facts)]
    # Each newcomer's welcome (once per joining: it names the joining it welcomes).
    rows += [
        note_row(team, set_id, Note.NEWCOMER, user, now, {"joined_at": at})
        for user, at in newcomers
    ]
    rules = Note.RULES_AGAIN if facts.get("rules_changed") and not created else Note.RULES
    rows += [note_row(team, set_id, rules, user, now) for user in agree]
    if submitter is not None:
        rows.append(note_row(team, set_id, Note.SETUP_DONE, submitter, now, facts))
    return rows


def keep(
    s: Session, team_id: str, set_id: int, kind: Note, ref_id: int, channel_id: str, now: datetime
) -> tuple[int, ...]:
    """The kept message ``kind``/``ref_id`` owes its latest state: a note waiting to draw it
    (written, or the one already waiting). Its id, to deliver after the ack."""
    assert kind.kept
    row = note_row(team_id, set_id, kind, channel_id, now) | {"ref_id": ref_id}
    written = s.execute(_KEEP[s.get_bind().dialect.name], row).scalar()
    if written is not None:
        return (written,)
    return waiting(s, team_id, kind, ref_id)


def waiting(s: Session, team_id: str, kind: Note, ref_id: int) -> tuple[int, ...]:
    """The note waiting to draw this kept message, if any."""
    found = s.scalar(
        select(OutboxNote.id).where(
            OutboxNote.team_id == team_id,
            OutboxNote.kind == kind.value,
            OutboxNote.ref_id == ref_id,
            text(KEPT_PENDING),
        )
    )
    return () if found is None else (found,)


def vote_changed(s: Session, state: VoteState, now: datetime) -> VoteState:
    """The vote's channel message owes this change (its ``notes`` to deliver)."""
    notes = keep(s, state.set.team_id, state.set.id, Note.VOTE, state.id, state.channel_id, now)
    return replace(state, notes=notes)


def votes_changed(s: Session, states: Iterable[VoteState], now: datetime) -> tuple[VoteState, ...]:
    return tuple(vote_changed(s, state, now) for state in states)


def round_changed(s: Session, state: RoundState, now: datetime) -> RoundState:
    """The report-back round's channel message owes this change (once the round is open)."""
    if state.id is None:
        return state
    notes = keep(s, state.set.team_id, state.set.id, Note.ROUND, state.id, state.channel_id, now)
    return replace(state, notes=notes)


def commitment_changed(
    s: Session, outcome: CommitOutcome, now: datetime, *, confirm: bool = False
) -> CommitOutcome:
    """A commitment saved (``confirm``: the presenter is told, privately) or changed: its line
    in the channel owes the change, if there is a line."""
    lset = outcome.set
    notes: tuple[int, ...] = ()
    if confirm:
        facts = {"commitment": outcome.commitment_id}
        notes = add(
            s, [note_row(lset.team_id, lset.id, Note.COMMITTED, outcome.owner_id, now, facts)]
        )
    if outcome.has_line:
        notes += keep(
            s, lset.team_id, lset.id, Note.COMMIT_LINE, outcome.commitment_id, lset.channel_id, now
        )
    return replace(outcome, notes=notes)
