"""The topic modal (``/als topic``), its parser, and the author's confirmations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    RadioButtonsElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks.common import Message, clip, md, render, text_field
from bot.blocks.messages import session_when
from bot.blocks.meta import Meta, key
from bot.blocks.text import escape
from bot.domain.topics import (
    QUESTION_MAX,
    SCENARIO_MAX,
    SCENARIO_MAX_LINES,
    TITLE_MAX,
    TRIED_MAX,
    Response,
    TopicForm,
    TopicStatus,
)
from bot.ids import ActionId, CallbackId
from bot.ids import TopicField as F
from bot.services.views import TopicDraft, TopicOutcome

PRIVATE, SHARED = "private", "shared"


@dataclass(frozen=True)
class TopicMeta(Meta):
    set_id: int = key("s")
    session_id: int = key("p")
    several: bool = key("m")  # the modal has a set picker


def _option(text: str, value: str) -> Option:
    return Option(text=PlainTextObject(text=text), value=value)


RESPONSES = {
    Response.TOPIC: "I'll bring a topic",
    Response.DRAFT: "Save as a draft: not submitted yet, the set does not see it",
    Response.NO_TOPIC: "No topic this time",
    Response.WITHDRAW: "Withdraw my topic",
}
SHARING = {
    PRIVATE: "Keep my preparation private: the set sees only the title and my name",
    SHARED: "Share my preparation with the set",
}


def topic_modal(draft: TopicDraft) -> dict[str, Any]:
    topic = draft.topic
    current = Response.TOPIC
    if topic is not None and topic.status == TopicStatus.NO_TOPIC:
        current = Response.NO_TOPIC
    elif topic is not None and topic.status == TopicStatus.DRAFT:
        current = Response.DRAFT
    answers = [Response.TOPIC, Response.DRAFT, Response.NO_TOPIC]
    if topic is not None and topic.status in (TopicStatus.SUBMITTED, TopicStatus.DRAFT):
        answers.append(Response.WITHDRAW)
    radio = [_option(RESPONSES[r], r.value) for r in answers]
    sharing = [_option(text, value) for value, text in SHARING.items()]
    shared = topic.shared if topic is not None and topic.status != TopicStatus.WITHDRAWN else False
    filled = topic is not None and topic.status != TopicStatus.WITHDRAWN

    def initial(text: str | None) -> str | None:
        return text if filled and text else None

    blocks: list[Any] = []
    if draft.choices:
        blocks.append(
            InputBlock(
                block_id=F.SET,
                label="Set",
                hint="You are in several sets. Run the command in a set's channel to edit your current topic there.",
                element=StaticSelectElement(
                    action_id=F.SET.action_id,
                    options=[_option(clip(c.name, 75), str(c.id)) for c in draft.choices],
                    initial_option=_option(clip(draft.set.name, 75), str(draft.set.id)),
                ),
            )
        )
        when = "each set's next session open for topics"
    else:
        when = f"*{escape(draft.set.name)}*, session of {session_when(draft.session)}"
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip(f"For {when}.", 2000))]))
    if draft.note:
        blocks.append(md(f":information_source: {draft.note}"))
    blocks += [
        InputBlock(
            block_id=F.RESPONSE,
            label="Your answer",
            element=RadioButtonsElement(
                action_id=F.RESPONSE.action_id,
                options=radio,
                initial_option=radio[answers.index(current)],
            ),
        ),
        text_field(
            F.TITLE,
            F.TITLE.action_id,
            "Title (for the agenda)",
            optional=True,
            max_length=TITLE_MAX,
            initial=initial(topic.title if topic else None),
        ),
        text_field(
            F.SCENARIO,
            F.SCENARIO.action_id,
            "The scenario",
            optional=True,
            hint=f"At most {SCENARIO_MAX_LINES} lines: what is going on, who is involved, why it matters to you.",
            multiline=True,
            max_length=SCENARIO_MAX,
            initial=initial(topic.scenario if topic else None),
        ),
        text_field(
            F.QUESTION,
            F.QUESTION.action_id,
            "Your question for the set",
            optional=True,
            multiline=True,
            max_length=QUESTION_MAX,
            initial=initial(topic.question if topic else None),
        ),
        text_field(
            F.TRIED,
            F.TRIED.action_id,
            "What you have tried already",
            optional=True,
            multiline=True,
            max_length=TRIED_MAX,
            initial=initial(topic.tried if topic else None),
        ),
        InputBlock(
            block_id=F.SHARING,
            label="Who sees your preparation",
            element=RadioButtonsElement(
                action_id=F.SHARING.action_id,
                options=sharing,
                initial_option=sharing[1 if shared else 0],
            ),
        ),
    ]
    view = View(
        type="modal",
        callback_id=CallbackId.TOPIC,
        title=PlainTextObject(text="Your topic"),
        submit=PlainTextObject(text="Save"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=TopicMeta(
            set_id=draft.set.id, session_id=draft.session.id, several=bool(draft.choices)
        ).dump(),
        blocks=blocks,
    )
    view.validate_json()
    return view.to_dict()


def _state(view: dict[str, Any], field: F) -> dict[str, Any]:
    values = (view.get("state") or {}).get("values") or {}
    return (values.get(field.value) or {}).get(field.action_id) or {}


def parse_topic(view: dict[str, Any]) -> tuple[TopicForm, int | None]:
    """The form, and the set chosen in the set picker (if the modal had one)."""
    answer = (_state(view, F.RESPONSE).get("selected_option") or {}).get("value")
    sharing = (_state(view, F.SHARING).get("selected_option") or {}).get("value")
    try:
        response = Response(answer or "")
    except ValueError:
        response = Response.TOPIC
    chosen = (_state(view, F.SET).get("selected_option") or {}).get("value")
    form = TopicForm(
        response=response,
        title=_state(view, F.TITLE).get("value") or "",
        scenario=_state(view, F.SCENARIO).get("value") or "",
        question=_state(view, F.QUESTION).get("value") or "",
        tried=_state(view, F.TRIED).get("value") or "",
        shared=sharing == SHARED,
    )
    return form, int(chosen) if chosen and chosen.isdigit() else None


def topic_confirmation(outcome: TopicOutcome) -> Message:
    """Sent to the author alone (a DM), never to the channel."""
    topic = outcome.topic
    where = f"*{escape(outcome.set.name)}*, session of {session_when(outcome.session)}"
    if topic.status == TopicStatus.WITHDRAWN:
        text = f"Your topic *{escape(topic.title)}* is withdrawn ({where})."
        if outcome.vote_to_refresh:
            text += " It has left the agenda vote and its votes went back to the voters."
    elif topic.status == TopicStatus.DRAFT:
        text = (
            f"Your draft *{escape(topic.title)}* is saved ({where}). It is not submitted: the set "
            f"does not see it until you run `/als topic` again and choose to bring it."
        )
    elif topic.status == TopicStatus.NO_TOPIC:
        text = f"Noted: no topic from you this time ({where})."
    else:
        seen = (
            "The set can read your preparation."
            if topic.shared
            else "Your preparation stays private: the set sees only the title and your name."
        )
        text = f"Your topic *{escape(topic.title)}* is in for {where}. {seen}"
    if outcome.moved_from is not None:
        text = (
            f"The agenda vote for the session of {session_when(outcome.moved_from)} had already "
            "opened, so your answer is kept for the following session. " + text
        )
    return Message(text=text, blocks=render([md(text)]))


def topic_prompt_out_of_date(draft: TopicDraft) -> Message:
    """A topic reminder's button, clicked after its session's topics closed: where topics go
    now, with a button to prepare one for that session."""
    assert draft.asked_for is not None
    text = (
        f"This reminder was for the session of {session_when(draft.asked_for)}, whose topics "
        f"have closed (its agenda vote has opened). Topics now go to the session of "
        f"{session_when(draft.session)}."
    )
    button = ButtonElement(
        text="Prepare a topic for it",
        action_id=ActionId.TOPIC_OPEN,
        value=str(draft.set.id),
        style="primary",
    )
    return Message(text=text, blocks=render([md(text), ActionsBlock(elements=[button])]))
