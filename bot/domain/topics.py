"""Rules for a member's topic preparation. Pure: no Slack, no SQL."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

TITLE_MAX = 80
SCENARIO_MAX_LINES = 10
SCENARIO_MAX = 1500
QUESTION_MAX = 500
TRIED_MAX = 1000


class Response(StrEnum):
    TOPIC = "topic"  # bring a topic
    DRAFT = "draft"  # keep working on it: saved, not submitted (the set does not see it)
    NO_TOPIC = "no_topic"  # "No topic this time": a valid answer
    WITHDRAW = "withdraw"  # take back what was submitted


class TopicStatus(StrEnum):
    SUBMITTED = "submitted"
    DRAFT = "draft"
    NO_TOPIC = "no_topic"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class TopicForm:
    response: Response
    title: str
    scenario: str
    question: str
    tried: str
    shared: bool


def validate_topic(form: TopicForm) -> dict[str, str]:
    """Field name -> what is wrong (empty when acceptable). Only a topic needs its fields; a
    draft needs a title, and stays within the limits."""
    if form.response is Response.DRAFT:
        return _draft_problems(form)
    if form.response is not Response.TOPIC:
        return {}
    errors: dict[str, str] = {}
    if not form.title.strip():
        errors["title"] = "Give your topic a short title for the agenda."
    elif len(form.title.strip()) > TITLE_MAX:
        errors["title"] = f"Keep the title to {TITLE_MAX} characters."
    scenario = form.scenario.strip()
    if not scenario:
        errors["scenario"] = "Describe the scenario in a few lines."
    elif len(scenario.splitlines()) > SCENARIO_MAX_LINES:
        errors["scenario"] = (
            f"Keep the scenario to {SCENARIO_MAX_LINES} lines (it has {len(scenario.splitlines())})."
        )
    elif len(scenario) > SCENARIO_MAX:
        errors["scenario"] = f"Keep the scenario to {SCENARIO_MAX} characters."
    if not form.question.strip():
        errors["question"] = "Write the question you want the set's help with."
    elif len(form.question.strip()) > QUESTION_MAX:
        errors["question"] = f"Keep the question to {QUESTION_MAX} characters."
    if len(form.tried.strip()) > TRIED_MAX:
        errors["tried"] = f"Keep this to {TRIED_MAX} characters."
    return errors


def _draft_problems(form: TopicForm) -> dict[str, str]:
    full = validate_topic(
        TopicForm(
            response=Response.TOPIC,
            title=form.title,
            scenario=form.scenario or "-",
            question=form.question or "-",
            tried=form.tried,
            shared=form.shared,
        )
    )
    if not form.title.strip():
        full["title"] = "Give your draft a title, so you can find it again."
    return full
