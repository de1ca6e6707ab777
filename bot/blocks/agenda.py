"""The agenda vote message, the voter's private modal, the agenda, and its adjustment modal.

Tallies never appear while a vote is open: the channel message shows how many have voted.
A private topic shows only its title and presenter to anyone but its author.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    InputBlock,
    NumberInputElement,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.blocks import MarkdownTextObject as Mrkdwn
from slack_sdk.models.views import View

from bot.blocks.common import Message, clip, context, header, md, render
from bot.blocks.messages import length_text, session_when
from bot.blocks.meta import Meta, claimed_id, key
from bot.blocks.text import count, escape, mention
from bot.domain.agenda import TIE_BREAK_RULE, VoteRules
from bot.domain.status import LiveStatus, VoteStatus
from bot.ids import VOTE_TOPIC_PREFIX, ActionId, CallbackId
from bot.services.views import Panel, TopicInfo, VoteState

SCENARIO_PREVIEW = 600


def _topic_text(topic: TopicInfo, reader: str | None, *, passed_over: str | None = None) -> str:
    """Title and presenter; the preparation only where its author shared it (or to the author).
    A presenter who will not present is said so, and why: their topic will carry over."""
    text = f"*{escape(topic.title)}* · {mention(topic.author_id)}"
    if topic.carried:
        text += " · _carried over_"
    if passed_over:
        text += f" · _{passed_over}: carries over to the next session_"
    if (reader is not None and topic.readable_by(reader)) or (reader is None and topic.shared):
        scenario = clip(topic.scenario, SCENARIO_PREVIEW)
        text += "\n" + "\n".join(f"> {escape(line)}" for line in scenario.splitlines())
        if topic.question:
            text += f"\n*Question:* {escape(clip(topic.question, 500))}"
    elif not topic.shared:
        text += "\n_Preparation kept private._"
    return clip(text, 3000)


def _rules_line(rules: VoteRules) -> str:
    own = "" if rules.self_vote else "; not for your own topic"
    who = "" if rules.facilitator_votes else " (the facilitator does not vote)"
    return (
        f"Each member has {rules.budget} votes, at most {rules.cap} per topic{own}{who}. "
        "Tallies stay hidden until the vote closes."
    )


def _airtime_line(state: VoteState) -> str:
    parts = [f"{mention(a.user_id)} {a.sessions}×" for a in state.airtime]
    return "Presented so far in this set: " + (", ".join(parts) if parts else "nobody yet")


def vote_message(state: VoteState) -> Message:
    when = session_when(state.session)
    blocks: list[Block] = [
        header("Agenda vote"),
        md(f"Which topics shall we work on in the session of {when}?\n{_rules_line(state.rules)}"),
    ]
    if not state.topics:
        blocks.append(md("No topics were submitted for this session."))
    for topic in state.topics:
        blocks.append(
            SectionBlock(
                block_id=f"topic_{topic.id}",
                text=Mrkdwn(
                    text=_topic_text(
                        topic, None, passed_over=state.passed_over.get(topic.author_id)
                    )
                ),
            )
        )
    blocks.append(
        context(f":ballot_box_with_ballot: {state.voters} of {state.eligible} members have voted.")
    )
    blocks.append(context(clip(_airtime_line(state), 2000)))
    buttons = []
    value = str(state.id)
    if state.topics:
        buttons.append(
            ButtonElement(text="Vote", action_id=ActionId.VOTE_OPEN, value=value, style="primary")
        )
    else:
        buttons.append(
            ButtonElement(
                text="Skip voting", action_id=ActionId.VOTE_SKIP, value=value, style="primary"
            )
        )
    buttons.append(
        ButtonElement(
            text="Close vote",
            action_id=ActionId.VOTE_CLOSE,
            value=value,
            confirm=ConfirmObject(
                title="Close the vote?",
                text="The agenda is drawn from the votes cast so far. Only the facilitator can close it.",
                confirm="Close",
                deny="Not yet",
            ),
        )
    )
    blocks.append(ActionsBlock(block_id="vote_actions", elements=buttons))
    return Message(text="Agenda vote: pick the topics for the next session", blocks=render(blocks))


def agenda_message(state: VoteState) -> Message:
    when = session_when(state.session)
    if state.status == VoteStatus.SKIPPED:
        text = f"The facilitator skipped the agenda vote for the session of {when}."
        return Message(text="Agenda vote skipped", blocks=render([header("Agenda"), md(text)]))
    blocks: list[Block] = [
        header("Agenda"),
        md(f"Session of {when} · {length_text(state.session.duration_minutes)}"),
    ]
    if not state.agenda:
        blocks.append(md("No topics on the agenda."))
    if state.without_vote:
        places = state.rules.slots_for(state.session.duration_minutes)
        blocks.append(
            md(f"{count(len(state.agenda), 'topic')} for {count(places, 'place')}: no vote needed.")
        )
    for entry in state.agenda:
        commit = None
        if state.status == VoteStatus.CONFIRMED:
            # For the presenter (others who click are told why not).
            commit = ButtonElement(
                text="Commit actions", action_id=ActionId.COMMIT_OPEN, value=str(entry.topic.id)
            )
        blocks.append(
            SectionBlock(
                block_id=f"item_{entry.topic.id}",
                accessory=commit,
                text=Mrkdwn(
                    text=clip(
                        f"*{entry.position}. {escape(entry.topic.title)}* · {mention(entry.topic.author_id)}\n"
                        f"{entry.minutes} min"
                        + ("" if state.without_vote else f" · {count(entry.votes, 'vote')}"),
                        3000,
                    )
                ),
            )
        )
    if state.agenda:
        blocks.append(context(clip(f"Time: {state.rule_text}.", 2000)))
        if not state.without_vote:  # the facilitator may still reorder: "Adjust" below
            blocks.append(context(clip(f"Order: {TIE_BREAK_RULE}", 2000)))
    if state.carried_over:
        carried = ", ".join(
            f"{escape(t.title)} ({mention(t.author_id)}"
            + (f", {state.passed_over[t.author_id]})" if t.author_id in state.passed_over else ")")
            for t in state.carried_over
        )
        blocks.append(
            context(clip(f"Carried over to the next session, with priority: {carried}", 2000))
        )
    blocks.append(context(clip(_airtime_line(state), 2000)))
    if state.status == VoteStatus.CLOSED:
        blocks.append(
            ActionsBlock(
                block_id="agenda_actions",
                elements=[
                    ButtonElement(
                        text="Adjust order and minutes",
                        action_id=ActionId.AGENDA_ADJUST,
                        value=str(state.id),
                    ),
                    ButtonElement(
                        text="Confirm agenda",
                        action_id=ActionId.AGENDA_CONFIRM,
                        value=str(state.id),
                        style="primary",
                    ),
                ],
            )
        )
    else:
        blocks.append(context(":white_check_mark: Agenda confirmed by the facilitator."))
        blocks.extend(_session_start(state))
    return Message(text="Agenda for the next session", blocks=render(blocks))


def _session_start(state: VoteState) -> list[Block]:
    """Under a confirmed agenda: the facilitator's "Start session", or, once started, where
    the session runs (no second start)."""
    if state.live is not None:
        return [context(_LIVE_LINES[state.live])]
    return [
        ActionsBlock(
            block_id="agenda_start",
            elements=[
                ButtonElement(
                    text="Start session",
                    action_id=ActionId.LIVE_START,
                    value=str(state.id),
                    style="primary",
                )
            ],
        ),
        context("The facilitator starts the session here: it runs in this message's thread."),
    ]


_LIVE_LINES = {
    LiveStatus.RUNNING: ":arrow_right: The session is running in this message's thread.",
    LiveStatus.ENDED: ":heavy_check_mark: The session was run: its record is in this message's "
    "thread.",
}


def vote_or_agenda(state: VoteState) -> Message:
    return vote_message(state) if state.is_open else agenda_message(state)


class _CountOption(Option):
    """A count on the ballot ("2 votes"), checked by slack_sdk once, when made, then rendered
    as it was: the ballot is redrawn after every click with the same options for every topic,
    and ``to_dict`` would check each of them again each time."""

    def __init__(self, n: int) -> None:
        label = "No votes" if n == 0 else ("1 vote" if n == 1 else f"{n} votes")
        super().__init__(text=PlainTextObject(text=label), value=str(n))
        self._text_dict: dict[str, Any] = super().to_dict()["text"]

    def to_dict(self, option_type: str = "block") -> dict[str, Any]:
        if option_type != "block":
            return super().to_dict(option_type)
        return {"text": dict(self._text_dict), "value": self.value}


@functools.cache
def _count_options(cap: int) -> tuple[Option, ...]:
    """The ballot's counts from none to ``cap``, made (and checked) once per cap."""
    return tuple(_CountOption(n) for n in range(cap + 1))


@dataclass(frozen=True)
class PanelMeta(Meta):
    """The voting modal's vote, and how many times it was redrawn (each redraw is new)."""

    vote_id: int = key("v")
    round: int = key("r")


@dataclass(frozen=True)
class AdjustMeta(Meta):
    """The vote whose drafted agenda the adjustment modal changes."""

    vote_id: int = key("v")


@dataclass(frozen=True)
class VoteClick:
    """One select on the ballot: how many votes (``count``) the voter gives ``topic_id``."""

    vote_id: int
    round: int
    topic_id: int
    count: int
    external_id: str  # the modal's, as the payload claims it


def parse_vote_click(action: dict[str, Any], body: dict[str, Any]) -> VoteClick | None:
    """The click's claims (the modal's vote, the select's topic and count), or None when any
    is damaged or forged."""
    view = body.get("view") or {}
    meta = PanelMeta.load(view.get("private_metadata"))
    external_id = view.get("external_id")
    topic = claimed_id(str(action.get("action_id", ""))[len(VOTE_TOPIC_PREFIX) :])
    count = claimed_id((action.get("selected_option") or {}).get("value"))
    if meta is None or topic is None or count is None:
        return None
    if not isinstance(external_id, str) or not external_id:
        return None  # not a ballot the bot opened (or one opened before ballots had one)
    return VoteClick(meta.vote_id, meta.round, topic, count, external_id)


def notice_modal(text: str, *, external_id: str | None = None) -> dict[str, Any]:
    """The voting modal replaced by a short explanation (the vote closed meanwhile...)."""
    view = View(
        type="modal",
        callback_id=CallbackId.VOTE,
        external_id=external_id,
        title=PlainTextObject(text="Agenda vote"),
        close=PlainTextObject(text="Close"),
        blocks=[md(text)],
    )
    view.validate_json()
    return view.to_dict()


def voting_modal(panel: Panel, *, round_: int = 0) -> dict[str, Any]:
    """The voter's private ballot. ``round_`` changes block ids so Slack redraws a select whose
    change was refused (back to the stored count)."""
    rules = panel.rules
    status = f"You have *{panel.remaining}* of {count(rules.budget, 'vote')} left."
    if panel.message:
        status = f":warning: {escape(panel.message)} Nothing was changed.\n" + status
    blocks: list[Block] = [md(status), context(_rules_line(rules))]
    options = list(_count_options(rules.cap))  # the same for every topic
    for topic in panel.topics:
        own = topic.author_id == panel.voter_id
        text = _topic_text(topic, panel.voter_id)
        if own and not rules.self_vote:
            blocks.append(SectionBlock(block_id=f"t{topic.id}r{round_}", text=Mrkdwn(text=text)))
            blocks.append(context("Your topic: you can't vote for it."))
            continue
        current = min(panel.allocations.get(topic.id, 0), rules.cap)
        blocks.append(
            SectionBlock(
                block_id=f"t{topic.id}r{round_}",
                text=Mrkdwn(text=text),
                accessory=StaticSelectElement(
                    action_id=f"{VOTE_TOPIC_PREFIX}{topic.id}",
                    options=options,
                    initial_option=options[current],
                ),
            )
        )
    view = View(
        type="modal",
        callback_id=CallbackId.VOTE,
        title=PlainTextObject(text="Agenda vote"),
        close=PlainTextObject(text="Done"),
        private_metadata=PanelMeta(panel.vote_id, round_).dump(),
        external_id=panel.external_id,
        blocks=blocks,
    )
    # Redrawn after every click: validated once, by to_dict (the view and each of its parts).
    return view.to_dict()


def adjust_modal(state: VoteState) -> dict[str, Any]:
    blocks: list[Block] = [
        md(
            "Set the order and the minutes of each topic, then confirm the agenda from the "
            f"message. {escape(state.rule_text)}."
        )
    ]
    for entry in state.agenda:
        title = clip(entry.topic.title, 60)
        blocks.append(
            InputBlock(
                block_id=f"position_{entry.topic.id}",
                label=clip(f"Place of “{title}”", 2000),
                element=NumberInputElement(
                    action_id="position",
                    is_decimal_allowed=False,
                    min_value="1",
                    max_value=str(len(state.agenda)),
                    initial_value=str(entry.position),
                ),
            )
        )
        blocks.append(
            InputBlock(
                block_id=f"minutes_{entry.topic.id}",
                label=clip(f"Minutes for “{title}”", 2000),
                element=NumberInputElement(
                    action_id="minutes",
                    is_decimal_allowed=False,
                    min_value="1",
                    max_value=str(state.session.duration_minutes),
                    initial_value=str(entry.minutes),
                ),
            )
        )
    view = View(
        type="modal",
        callback_id=CallbackId.ADJUST,
        title=PlainTextObject(text="Adjust the agenda"),
        submit=PlainTextObject(text="Save"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=AdjustMeta(state.id).dump(),
        blocks=blocks,
    )
    view.validate_json()
    return view.to_dict()


def parse_adjust(
    view: dict[str, Any],
) -> tuple[int | None, dict[int, tuple[int, int]], dict[str, str]]:
    """(vote id, topic id -> (position, minutes), field errors for non-numbers)."""
    meta = AdjustMeta.load(view.get("private_metadata"))
    vote_id = meta.vote_id if meta else None
    values: dict[str, Any] = (view.get("state") or {}).get("values") or {}
    plan: dict[int, tuple[int, int]] = {}
    errors: dict[str, str] = {}
    raw: dict[int, dict[str, str]] = {}
    for block_id, actions in values.items():
        kind, _, topic = block_id.partition("_")
        if kind in ("position", "minutes") and topic.isdigit():
            raw.setdefault(int(topic), {})[kind] = (actions.get(kind) or {}).get("value") or ""
    for topic_id, fields in raw.items():
        numbers = {}
        for kind in ("position", "minutes"):
            try:
                numbers[kind] = int(fields.get(kind, ""))
            except ValueError:
                errors[f"{kind}_{topic_id}"] = "Enter a whole number."
        if len(numbers) == 2:
            plan[topic_id] = (numbers["position"], numbers["minutes"])
    return vote_id, plan, errors
