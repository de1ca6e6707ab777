"""The live session: its plan of stages and how it moves on (``ALS_PRACTICE.md``, one session).

A session runs in the agenda message's thread: the opening (check-in, then the report-back
round), each chosen topic in stages (presenting, clarifying questions, open questions, the
presenter's summary, actions), then the closing reflection. Each part has one message, edited
as its stages advance. A stage ends when its time is up or when the facilitator moves on; a
time-out stops the clock. Pure: no Slack, no SQL, times are UTC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class Stage(StrEnum):
    CHECK_IN = "check_in"
    REPORT_BACK = "report_back"
    PRESENTING = "presenting"
    CLARIFYING = "clarifying"
    OPEN = "open"
    SUMMARY = "summary"
    ACTIONS = "actions"
    CLOSING = "closing"

    @property
    def label(self) -> str:
        return _TEXT[self][0]

    @property
    def presenter_does(self) -> str:
        return _TEXT[self][1]

    @property
    def members_do(self) -> str:
        return _TEXT[self][2]

    @property
    def cue_card(self) -> str | None:
        """The members' cue card of the question bank for this stage (None: no questions)."""
        return {Stage.CLARIFYING: "clarifying", Stage.OPEN: "open", Stage.ACTIONS: "actions"}.get(
            self
        )

    @property
    def process_card(self) -> str:
        """The facilitator's process questions for this stage (the question bank's key)."""
        if self in (Stage.PRESENTING, Stage.CLARIFYING, Stage.OPEN):
            return "framing"
        if self in (Stage.SUMMARY, Stage.ACTIONS):
            return "action_planning"
        if self is Stage.CLOSING:
            return "learning"
        return "group"


_TEXT: dict[Stage, tuple[str, str, str]] = {
    Stage.CHECK_IN: (
        "Check-in",
        "",
        "Each of you says, in a few words, how you are arriving today.",
    ),
    Stage.REPORT_BACK: (
        "Report-back round",
        "",
        "Last session's presenters say briefly what they did and learned (the round's message "
        "in the channel keeps their reports).",
    ),
    Stage.PRESENTING: (
        "Presenting",
        "Describe the situation and the question you want help with. Only you speak.",
        "Listen. No questions yet.",
    ),
    Stage.CLARIFYING: (
        "Clarifying questions",
        "Answer briefly: facts, not solutions.",
        "Ask to understand the situation: one question at a time.",
    ),
    Stage.OPEN: (
        "Open questions",
        "Listen to each question, then answer if you wish. Silence is allowed.",
        "Ask open questions that help the presenter think: what, how, who, when. No advice.",
    ),
    Stage.SUMMARY: (
        "Presenter's summary",
        "Say what you have heard and what has shifted for you.",
        "Listen.",
    ),
    Stage.ACTIONS: (
        "Actions",
        "Commit to the actions you own: press Commit actions.",
        "Help the presenter commit to something small enough to start.",
    ),
    Stage.CLOSING: (
        "Closing reflection",
        "",
        "Each of you: what did I learn about my issue, about others' issues, about how the set "
        "worked, about myself? The review comes to you privately after the session.",
    ),
}

TOPIC_STAGES = (Stage.PRESENTING, Stage.CLARIFYING, Stage.OPEN, Stage.SUMMARY, Stage.ACTIONS)
#: The template's minutes, for a topic of their sum (38); a topic's agreed minutes scale it.
DEFAULT_TEMPLATE = (5, 10, 15, 3, 5)
TEMPLATE_MAX = 120  # minutes of one stage
EXTEND = timedelta(minutes=5)


def template_of(settings: Mapping[str, Any] | None) -> tuple[int, ...]:
    """The set's template of a topic's stages (``settings["live"]["stages"]``), or the default."""
    raw = ((settings or {}).get("live") or {}).get("stages")
    if (
        isinstance(raw, list)
        and len(raw) == len(TOPIC_STAGES)
        and all(isinstance(m, int) and 1 <= m <= TEMPLATE_MAX for m in raw)
    ):
        return tuple(raw)
    return DEFAULT_TEMPLATE


def template_text(template: Sequence[int]) -> str:
    return ", ".join(str(m) for m in template)


def parse_template(text: str) -> tuple[tuple[int, ...] | None, str | None]:
    """A template typed as minutes ("5, 10, 15, 3, 5"): the minutes, or why not."""
    words = [w for w in text.replace(",", " ").split() if w]
    if not words:
        return DEFAULT_TEMPLATE, None
    if len(words) != len(TOPIC_STAGES) or not all(w.isdigit() for w in words):
        return None, (
            "Give 5 whole numbers of minutes: presenting, clarifying, open questions, summary, "
            "actions (e.g. 5, 10, 15, 3, 5)."
        )
    minutes = tuple(int(w) for w in words)
    if not all(1 <= m <= TEMPLATE_MAX for m in minutes):
        return None, f"Each stage takes 1 to {TEMPLATE_MAX} minutes."
    return minutes, None


def scale(template: Sequence[int], minutes: int) -> tuple[int, ...]:
    """The template's stages for a topic of ``minutes``, in proportion (largest remainders),
    each at least 1 minute where the topic has that many; the sum is ``minutes``."""
    total = sum(template)
    if minutes <= len(template):
        return tuple(1 if i < minutes else 0 for i in range(len(template)))
    exact = [minutes * m / total for m in template]
    parts = [int(x) for x in exact]
    order = sorted(range(len(template)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[: minutes - sum(parts)]:
        parts[i] += 1
    for i in range(len(parts)):  # a stage too small for a minute takes one from the largest
        if parts[i] == 0:
            parts[parts.index(max(parts))] -= 1
            parts[i] = 1
    return tuple(parts)


def share_minutes(minutes: Sequence[int], absent: Sequence[bool]) -> tuple[int, ...]:
    """The topics' minutes once absent presenters' topics are dropped: their minutes go to the
    others in proportion (largest remainders); 0 for a dropped topic."""
    kept = [m if not a else 0 for m, a in zip(minutes, absent, strict=True)]
    freed = sum(minutes) - sum(kept)
    base = sum(kept)
    if not base or not freed:
        return tuple(kept)
    exact = [freed * m / base for m in kept]
    extra = [int(x) for x in exact]
    order = sorted(range(len(kept)), key=lambda i: (-(exact[i] - extra[i]), i))
    for i in [i for i in order if kept[i]][: freed - sum(extra)]:
        extra[i] += 1
    return tuple(k + e if k else 0 for k, e in zip(kept, extra, strict=True))


@dataclass(frozen=True)
class Step:
    part: int  # 0 the opening, 1..n the topics in order, n+1 the closing
    stage: Stage
    minutes: int

    def dump(self) -> list[Any]:
        return [self.part, self.stage.value, self.minutes]

    @classmethod
    def load(cls, raw: Sequence[Any]) -> Step:
        return cls(int(raw[0]), Stage(raw[1]), int(raw[2]))


def plan(
    opening: int, topics: Sequence[int], closing: int, template: Sequence[int]
) -> tuple[Step, ...]:
    """Every stage of the session in order: the opening's minutes split between the check-in
    (a third) and the report-back round, each topic's stages scaled to its minutes, then the
    closing reflection (never skipped: at least 1 minute)."""
    check_in = max(1, opening // 3)
    steps = [
        Step(0, Stage.CHECK_IN, check_in),
        Step(0, Stage.REPORT_BACK, max(1, opening - check_in)),
    ]
    for part, minutes in enumerate(topics, start=1):
        steps.extend(
            Step(part, stage, m)
            for stage, m in zip(TOPIC_STAGES, scale(template, minutes), strict=True)
            if m
        )
    steps.append(Step(len(topics) + 1, Stage.CLOSING, max(1, closing)))
    return tuple(steps)


class Move(StrEnum):
    """What the facilitator (or the clock) does to the live session."""

    NEXT = "next"  # the next stage
    EXTEND = "extend"  # +5 min on this stage
    TIME_OUT = "time_out"  # stop the clock: a process check
    RESUME = "resume"  # the clock runs again
    END_PART = "end_part"  # the next topic (or the closing)
    END = "end"  # the session is over


@dataclass(frozen=True)
class Clock:
    """Where a live session is: its step, when that step's time is up (None during a
    time-out), the seconds it had left when the clock stopped, and whether it has ended."""

    step: int
    deadline: datetime | None
    paused_left: int | None = None
    ended: bool = False

    @property
    def paused(self) -> bool:
        return self.deadline is None and not self.ended


def start(steps: Sequence[Step], now: datetime) -> Clock:
    return Clock(0, now + timedelta(minutes=steps[0].minutes))


def _go(steps: Sequence[Step], index: int, since: datetime) -> Clock:
    if index >= len(steps):
        return Clock(len(steps) - 1, None, None, ended=True)
    return Clock(index, since + timedelta(minutes=steps[index].minutes))


def move_problem(steps: Sequence[Step], clock: Clock, move: Move) -> str | None:
    """Why this move cannot be made now (None: it can)."""
    if clock.ended:
        return "This session has ended."
    if move == Move.RESUME and not clock.paused:
        return "The clock is already running."
    if move == Move.TIME_OUT and clock.paused:
        return "The clock is already stopped: press Resume."
    if move == Move.EXTEND and clock.paused:
        return "The clock is stopped: press Resume first."
    return None


def apply(steps: Sequence[Step], clock: Clock, move: Move, now: datetime) -> Clock:
    """The clock after ``move`` at ``now`` (``move_problem`` said it can be made)."""
    if move == Move.NEXT:
        return _go(steps, clock.step + 1, now)
    if move == Move.END_PART:
        part = steps[clock.step].part
        following = next((i for i, s in enumerate(steps) if s.part > part), len(steps))
        return _go(steps, following, now)
    if move == Move.END:
        return _go(steps, len(steps), now)
    if move == Move.EXTEND:
        assert clock.deadline is not None
        return replace(clock, deadline=max(clock.deadline, now) + EXTEND)
    if move == Move.TIME_OUT:
        assert clock.deadline is not None
        left = max(0, int((clock.deadline - now).total_seconds()))
        return replace(clock, deadline=None, paused_left=left)
    assert clock.paused_left is not None
    return replace(clock, deadline=now + timedelta(seconds=clock.paused_left), paused_left=None)


def catch_up(steps: Sequence[Step], clock: Clock, now: datetime) -> Clock:
    """The clock as time has moved it: every stage whose time is up gives way to the next,
    each starting when the one before was due (a process that was down resumes on time)."""
    while not clock.ended and clock.deadline is not None and clock.deadline <= now:
        clock = _go(steps, clock.step + 1, clock.deadline)
    return clock


def parts_touched(steps: Sequence[Step], before: Clock, after: Clock) -> tuple[int, ...]:
    """The parts whose message shows the change: the part left, any passed over, and the part
    entered (each message is posted the first time its part is touched)."""
    return tuple(range(steps[before.step].part, steps[after.step].part + 1))
