"""The access policy: the one answer to "may this person do this in this set".

Every service asks here, inside its own unit of work, from what the database says now: the
payload's ids, button values and ``private_metadata`` are claims, never authority. The roles
themselves (who facilitates, who participates, who votes) are defined in ``bot.domain.roles``;
a facilitator rota or a stand-in changes this module, nothing else in Python. The PostgreSQL
vote function (migration 0007) restates the voter rule in SQL, and
``tests/test_vote_fast_path.py`` pins it to :func:`voter_problem`.

Each check raises a ``DomainError`` whose message is safe to show to the person who asked.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Sequence
from datetime import datetime
from hashlib import sha256
from typing import Protocol

from sqlalchemy.orm import Session

from bot.domain import newcomers, roles
from bot.domain.agenda import VoteRules
from bot.domain.channels import setup_channel_problem
from bot.domain.directory import ChannelFacts
from bot.domain.errors import Conflict, NotAllowed, NotFound
from bot.domain.status import SetStatus
from bot.domain.text import escape
from bot.ids import COMMAND
from bot.services.views import SetInfo
from bot.storage import queries as q
from bot.storage.models import Action, LearningSet, Membership, PlannedSession, Topic

SET_GONE = "That set no longer exists."
#: A command that needs a set, from someone in none: how a set comes to be.
NOT_IN_A_SET = (
    f"You are not in an Action Learning Set yet. A facilitator creates one in the set's own "
    f"channel with `{COMMAND} setup`."
)
#: A facilitator's command in a channel without a set.
NO_SET_HERE = (
    f"There is no set in this channel yet: `{COMMAND} setup` creates one here. If you "
    "facilitate a set, run this in its channel."
)
ELSEWHERE = (
    "This channel is shared with another workspace, and a set there already meets in it. "
    "A set belongs to one workspace: set yours up in a channel of your own."
)


# -- the set -------------------------------------------------------------------------------
def active_set(s: Session, team_id: str, set_id: int) -> LearningSet:
    """The set a request claims, if it exists in this workspace and is active."""
    lset = q.set_by_id(s, team_id, set_id)
    if lset is None or lset.status != SetStatus.ACTIVE:
        raise NotFound(SET_GONE)
    return lset


def set_for_command(s: Session, team_id: str, user_id: str, channel_id: str) -> LearningSet:
    """The set a command is about: the channel's set, else the user's only set."""
    lset = q.set_by_channel(s, team_id, channel_id)
    if lset is not None and lset.status == SetStatus.ACTIVE:
        return lset
    mine = [x for x in q.sets_of_user(s, team_id, user_id) if x.status == SetStatus.ACTIVE]
    if not mine:
        raise NotAllowed(NOT_IN_A_SET)
    if len(mine) > 1:
        raise NotFound("You are in several sets: run this in the channel of the set you mean.")
    return mine[0]


# -- members ---------------------------------------------------------------------------------
def is_active(member: Membership | None) -> bool:
    return member is not None and member.left_at is None


def require_member(s: Session, lset: LearningSet, user_id: str) -> Membership:
    """An active member of an active set."""
    if lset.status != SetStatus.ACTIVE:
        raise Conflict("That set is closed.")
    member = q.membership(s, lset.team_id, lset.id, user_id)
    if member is None or member.left_at is not None:
        raise NotAllowed(f"You are not a member of *{escape(lset.name)}*.")
    return member


def require_current_member(s: Session, lset: LearningSet, user_id: str) -> Membership:
    """An active member, told apart from someone who left (agreeing to the rules, leaving)."""
    if lset.status != SetStatus.ACTIVE:
        raise NotFound(SET_GONE)
    member = q.membership(s, lset.team_id, lset.id, user_id)
    if member is None:
        raise NotAllowed(f"You are not a member of *{escape(lset.name)}*.")
    if member.left_at is not None:
        raise NotAllowed(
            f"You are no longer a member of *{escape(lset.name)}*, so this is no longer open "
            "to you. Ask the facilitator if you want to rejoin."
        )
    return member


def is_member_of(info: SetInfo, user_id: str) -> bool:
    return user_id in info.member_ids


def require_member_of(info: SetInfo, user_id: str) -> None:
    if not is_member_of(info, user_id):
        raise NotAllowed(f"You are not a member of *{escape(info.name)}*.")


def history_since(s: Session, lset: LearningSet, user_id: str) -> datetime | None:
    """Newcomers (``bot.domain.newcomers``): what the set stored before this member joined
    is not shown to them; their joining (None: not an active member, the callers check)."""
    member = q.membership(s, lset.team_id, lset.id, user_id)
    return member.joined_at if member is not None and member.left_at is None else None


def channel_history_since(s: Session, lset: LearningSet) -> datetime | None:
    """What the set's channel may show: everyone in the set reads it, its newest member too."""
    return newcomers.channel_since(m.joined_at for m in q.active_members(s, lset.team_id, lset.id))


def may_leave(lset: LearningSet, member: Membership) -> None:
    if member.is_facilitator:
        raise NotAllowed(
            f"You facilitate *{escape(lset.name)}*. Hand the role to another member first "
            f"(`{COMMAND} setup` in the set's channel), then leave."
        )


# -- participants (topics) -------------------------------------------------------------------
def may_forget(actor: str, subject: str, *, admin: bool, subject_gone: bool) -> None:
    """Forget me: a person erases themselves; another person is erased only by a workspace
    admin or owner, and only once Slack says that person was deleted or deactivated. ``admin``
    and ``subject_gone`` are what Slack says now (``users.info``), never the payload's."""
    if actor == subject:
        return
    if not admin:
        raise NotAllowed(
            "Only a workspace admin or owner can erase someone else. Forward this to one of them."
        )
    if not subject_gone:
        raise NotAllowed(
            f"<@{subject}> is still active in Slack: only they can ask to be forgotten "
            f"(`{COMMAND} forget me`)."
        )


def participates(lset: LearningSet, member: Membership | None) -> bool:
    return is_active(member) and roles.participates(
        is_facilitator=bool(member and member.is_facilitator),
        facilitator_participates=lset.facilitator_participates,
    )


def require_participant(s: Session, lset: LearningSet, user_id: str) -> Membership:
    """A member who brings topics to the set."""
    member = q.membership(s, lset.team_id, lset.id, user_id)
    if member is None or member.left_at is not None:
        raise NotAllowed(f"You are not a member of *{escape(lset.name)}*.")
    if not participates(lset, member):
        raise NotAllowed(
            f"As the facilitator of *{escape(lset.name)}* you don't bring topics (the set's "
            "settings say the facilitator does not participate)."
        )
    return member


def participant_ids(lset: LearningSet, members: Sequence[Membership]) -> list[str]:
    return [m.user_id for m in members if participates(lset, m)]


# -- the facilitator -------------------------------------------------------------------------
def facilitator_of(members: Sequence[Membership]) -> str | None:
    """Who facilitates the set, among its active members (None: nobody now)."""
    return roles.facilitator_of(members)


def leads(info: SetInfo, user_id: str) -> bool:
    """Is ``user_id`` the set's lead (set-up, the rota, every session's powers)?"""
    return info.facilitator_id is not None and info.facilitator_id == user_id


def facilitates(info: SetInfo, user_id: str) -> bool:
    """Does ``user_id`` lead the set or facilitate its next session (the facilitator's Home
    tab: who is coming, topics in, the agenda buttons)?"""
    following = info.next_session
    return leads(info, user_id) or (following is not None and following.facilitator_id == user_id)


def facilitated_by(info: SetInfo, user_id: str) -> frozenset[int]:
    """The coming sessions ``user_id`` may act on as facilitator (all of them for the lead)."""
    lead = leads(info, user_id)
    return frozenset(x.id for x in info.upcoming if lead or x.facilitator_id == user_id)


def require_facilitator(s: Session, lset: LearningSet, user_id: str, what: str) -> Membership:
    """The set's lead (who set it up and facilitates what the rota does not give a member),
    and only them, may do ``what`` to the set as a whole ("change the set"...)."""
    member = q.membership(s, lset.team_id, lset.id, user_id)
    if member is None or member.left_at is not None or not member.is_facilitator:
        raise NotAllowed(f"Only the facilitator of *{escape(lset.name)}* can {what}.")
    return member


def session_facilitator(session: PlannedSession, lead: str | None) -> str | None:
    """Who facilitates ``session``: the member the rota or a hand-over gave it, else the lead."""
    return session.facilitator_id or lead


def may_facilitate(member: Membership | None, session: PlannedSession) -> bool:
    """The facilitator's powers over one session: its facilitator's, and the lead's."""
    return is_active(member) and bool(
        member and (member.is_facilitator or member.user_id == session.facilitator_id)
    )


def require_session_facilitator(
    s: Session, lset: LearningSet, session: PlannedSession, user_id: str, what: str
) -> Membership:
    """The facilitator of ``session`` (the rota's, a stand-in) or the set's lead may do ``what``
    for it ("close the vote"...): the power moves with the session."""
    member = q.membership(s, lset.team_id, lset.id, user_id)
    if member is None or not may_facilitate(member, session):
        who = session.facilitator_id
        named = f" (<@{who}>) or its lead" if who else ""
        raise NotAllowed(f"Only the facilitator of *{escape(lset.name)}*{named} can {what}.")
    return member


def may_set_up_in(channel: ChannelFacts, *, picked: bool = False) -> None:
    """A set lives in a channel the bot is in, and its facilitator is in it too."""
    problem = setup_channel_problem(channel, picked=picked)
    if problem:
        raise NotAllowed(problem)


def may_set_up(
    channel: ChannelFacts,
    existing: SetInfo | None,
    user_id: str,
    *,
    elsewhere: bool = False,
    picked: bool = False,
) -> None:
    """``/als setup`` in ``channel`` (or ``picked`` in the Home tab's form): a new set, or its
    facilitator changing it; not a second set in a channel another workspace's set meets in
    (``elsewhere``)."""
    may_set_up_in(channel, picked=picked)
    if existing is None and elsewhere:
        raise NotAllowed(ELSEWHERE)
    if existing is not None and not leads(existing, user_id):
        raise NotAllowed(
            f"This channel already has a set, *{escape(existing.name)}*. Only its facilitator "
            f"(<@{existing.facilitator_id}>) can change it: ask them to run `{COMMAND} setup`."
        )


def may_save_setup(channel: ChannelFacts, existing: SetInfo | None, user_id: str) -> None:
    """The set-up form is submitted: the same rule, checked again (things may have changed)."""
    may_set_up_in(channel)
    if existing is not None and not leads(existing, user_id):
        raise NotAllowed(
            f"Only the facilitator of *{escape(existing.name)}* can change it. Nothing was saved."
        )


# -- voters ----------------------------------------------------------------------------------
class Standing(Protocol):
    """What the voter rule needs of a membership (a row, or the facts a click read)."""

    @property
    def left_at(self) -> datetime | None: ...

    @property
    def is_facilitator(self) -> bool: ...


def votes(member: Standing | None, rules: VoteRules) -> bool:
    """May this membership vote under ``rules``?"""
    return voter_problem("", rules, member) is None


def voter_problem(set_name: str, rules: VoteRules, member: Standing | None) -> str | None:
    """Why this membership may not vote on the set's agenda under ``rules`` (None: it may)."""
    if member is None or member.left_at is not None:
        return f"Only members of *{escape(set_name)}* can vote on its agenda."
    if not roles.votes(
        is_facilitator=member.is_facilitator, facilitator_votes=rules.facilitator_votes
    ):
        return (
            "As the facilitator you don't vote in this set (the set's settings say the "
            "facilitator does not participate)."
        )
    return None


def require_voter(set_name: str, rules: VoteRules, member: Standing | None) -> None:
    problem = voter_problem(set_name, rules, member)
    if problem:
        raise NotAllowed(problem)


def voter_ids(members: Sequence[Membership], rules: VoteRules) -> list[str]:
    return [m.user_id for m in members if votes(m, rules)]


# -- the voter's ballot ----------------------------------------------------------------------
class ModalSeal:
    """Binds a modal to the person it was opened for: the ``external_id`` the bot gives the
    modal carries a MAC of the workspace, the person, a subject (the vote of a ballot, the set
    of a set-up form, 0 for none) and a nonce, so a click in it is acted on (and the modal
    redrawn) only when that external id was made for that person and that subject. A click
    naming another person's modal, or a made-up external id, is refused without touching any
    view.

    The key is derived from the app's signing secret, which every process of a deployment
    shares; after the secret is rotated, modals opened before are refused (the person opens
    theirs again). Checking costs one HMAC, no database read, on the ack path."""

    PREFIX = "modal"

    def __init__(self, secret: str, prefix: str | None = None) -> None:
        self.prefix = prefix or self.PREFIX
        label = f"als-bot {self.prefix} seal v1".encode()
        self._key = hmac.new(secret.encode(), label, sha256).digest()

    def new(self, team_id: str, user_id: str, subject: int) -> str:
        nonce = secrets.token_hex(8)  # Slack wants an external id unique in the workspace
        return f"{self.prefix}-{subject}-{nonce}-{self._mac(team_id, user_id, subject, nonce)}"

    def opened_for(self, external_id: str, team_id: str, user_id: str, subject: int) -> bool:
        parts = external_id.split("-")
        if len(parts) != 4 or parts[0] != self.prefix or parts[1] != str(subject):
            return False
        expected = self._mac(team_id, user_id, subject, parts[2])
        return hmac.compare_digest(expected.encode(), parts[3].encode("utf-8", "replace"))

    def _mac(self, team_id: str, user_id: str, subject: int, nonce: str) -> str:
        message = "\n".join((team_id, user_id, str(subject), nonce)).encode("utf-8", "replace")
        return hmac.new(self._key, message, sha256).hexdigest()[:32]


class BallotSeal(ModalSeal):
    """A voter's ballot (``subject``: the vote)."""

    PREFIX = "ballot"


class SetupSeal(ModalSeal):
    """A set-up form (``subject``: the set it changes, 0 for a new set)."""

    PREFIX = "setup"


# -- presenters and owners -------------------------------------------------------------------
def require_presenter(topic: Topic, user_id: str) -> None:
    """Only the topic's presenter commits actions for it (the "Commit actions" button)."""
    if topic.author_id != user_id:
        raise NotAllowed(
            f"Only <@{topic.author_id}>, who presented *{escape(topic.title)}*, can "
            f"commit actions for it. Yours: `{COMMAND} actions add`."
        )


def require_presenter_in(topic: Topic, lset: LearningSet, user_id: str) -> None:
    """The commitment form is submitted for a topic: its presenter, in that very set."""
    if topic.author_id != user_id or topic.set_id != lset.id:
        raise NotAllowed("Only the presenter can commit actions for this topic.")


def require_owner(s: Session, row: Action, user_id: str) -> LearningSet:
    """An action is changed or reported on by its owner alone, while a member of its set."""
    if row.owner_id != user_id:
        raise NotAllowed("That action belongs to someone else: nothing was changed.")
    lset = s.get(LearningSet, row.set_id)
    assert lset is not None
    require_member(s, lset, user_id)
    return lset
