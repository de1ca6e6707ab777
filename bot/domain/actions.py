"""Rules for action commitments, report-backs and the learning log. Pure: no Slack, no SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

MAX_ACTIONS = 5
ACTION_MAX = 300
NOTE_MAX = 2000
HAPPENED_MAX = 1500
HAPPENED_MAX_LINES = 10
LEARNED_MAX = 1000
LOG_MAX = 2000


class ActionStatus(StrEnum):
    """An action is open until its owner reports it done or changed, or drops it."""

    OPEN = "open"
    DONE = "done"
    CHANGED = "changed"
    DROPPED = "dropped"


class ReportStatus(StrEnum):
    DONE = "done"
    PARTLY = "partly"
    NOT_YET = "not_yet"
    CHANGED = "changed"

    @property
    def label(self) -> str:
        return REPORT_LABELS[self]

    @property
    def closes(self) -> ActionStatus:
        """The action's status once this is reported."""
        return {
            ReportStatus.DONE: ActionStatus.DONE,
            ReportStatus.CHANGED: ActionStatus.CHANGED,
        }.get(self, ActionStatus.OPEN)


REPORT_LABELS = {
    ReportStatus.DONE: "Done",
    ReportStatus.PARTLY: "Partly done",
    ReportStatus.NOT_YET: "Not yet",
    ReportStatus.CHANGED: "Changed my plan",
}


@dataclass(frozen=True)
class ActionLine:
    text: str
    target: date | None = None


@dataclass(frozen=True)
class CommitForm:
    """What the presenter commits to: up to 5 actions, a private note, shared or not."""

    actions: tuple[ActionLine, ...]
    note: str
    shared: bool


@dataclass(frozen=True)
class ReportForm:
    status: ReportStatus | None
    happened: str
    learned: str


@dataclass(frozen=True)
class LogForm:
    about_issue: str
    about_set: str


def action_field(index: int) -> str:
    return f"action_{index}"


def target_field(index: int) -> str:
    return f"target_{index}"


def validate_commit(form: CommitForm, today: date) -> dict[str, str]:
    """Field name -> what is wrong. ``form.actions`` holds one entry per action slot, in order
    (empty text: an unused slot)."""
    errors: dict[str, str] = {}
    used = 0
    for i, line in enumerate(form.actions):
        text = line.text.strip()
        if len(text) > ACTION_MAX:
            errors[action_field(i)] = f"Keep each action to {ACTION_MAX} characters."
        elif "\n" in text:
            errors[action_field(i)] = "Write each action as one sentence, on one line."
        if text:
            used += 1
            if line.target is not None and line.target < today:
                errors[target_field(i)] = "Pick a target date that is not in the past."
        elif line.target is not None:
            errors[action_field(i)] = "Write the action this target date belongs to."
    if len(form.actions) > MAX_ACTIONS:
        errors[action_field(MAX_ACTIONS)] = f"At most {MAX_ACTIONS} actions."
    if not used and action_field(0) not in errors:
        errors[action_field(0)] = "Write at least one action you commit to."
    if len(form.note.strip()) > NOTE_MAX:
        errors["note"] = f"Keep the note to {NOTE_MAX} characters."
    return errors


def validate_edit(line: ActionLine, today: date, *, target_was: date | None) -> dict[str, str]:
    """One action edited from ``/als actions``. A target date already set may stay as it is."""
    text = line.text.strip()
    errors: dict[str, str] = {}
    if not text:
        errors[action_field(0)] = "Write the action (or drop it from the list instead)."
    elif len(text) > ACTION_MAX:
        errors[action_field(0)] = f"Keep the action to {ACTION_MAX} characters."
    elif "\n" in text:
        errors[action_field(0)] = "Write the action as one sentence, on one line."
    if line.target is not None and line.target < today and line.target != target_was:
        errors[target_field(0)] = "Pick a target date that is not in the past."
    return errors


def validate_report(form: ReportForm) -> dict[str, str]:
    errors: dict[str, str] = {}
    if form.status is None:
        errors["status"] = "Choose how it went."
    happened = form.happened.strip()
    if not happened:
        errors["happened"] = "Say in a few lines what happened."
    elif len(happened.splitlines()) > HAPPENED_MAX_LINES:
        errors["happened"] = (
            f"Keep this to {HAPPENED_MAX_LINES} lines (it has {len(happened.splitlines())})."
        )
    elif len(happened) > HAPPENED_MAX:
        errors["happened"] = f"Keep this to {HAPPENED_MAX} characters."
    if len(form.learned.strip()) > LEARNED_MAX:
        errors["learned"] = f"Keep this to {LEARNED_MAX} characters."
    return errors


def validate_log(form: LogForm) -> dict[str, str]:
    errors: dict[str, str] = {}
    issue, group = form.about_issue.strip(), form.about_set.strip()
    if not issue and not group:
        errors["about_issue"] = "Write something in at least one of the two fields."
    if len(issue) > LOG_MAX:
        errors["about_issue"] = f"Keep this to {LOG_MAX} characters."
    if len(group) > LOG_MAX:
        errors["about_set"] = f"Keep this to {LOG_MAX} characters."
    return errors
