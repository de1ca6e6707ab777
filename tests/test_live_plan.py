"""The live session's plan and clock (``bot.domain.live``), pure: stages scaled to a topic's
minutes, an absent presenter's minutes shared, the moves, and catching up after a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.domain import live as lv
from bot.domain.live import DEFAULT_TEMPLATE, Move, Stage

T0 = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


@given(
    st.lists(st.integers(1, 120), min_size=5, max_size=5),
    st.integers(0, 600),
)
def test_scaled_stages_add_up_to_the_topic_and_keep_every_stage(
    template: list[int], minutes: int
) -> None:
    parts = lv.scale(template, minutes)
    assert sum(parts) == minutes
    if minutes >= len(template):
        assert all(p >= 1 for p in parts)
        # Each stage is within a minute of its share; a stage whose share is under a minute
        # gets its one minute from the largest stages (one minute each).
        shares = [minutes * m / sum(template) for m in template]
        given_one = sum(1 for p, x in zip(parts, shares, strict=True) if p == 1 and x < 1)
        for p, x in zip(parts, shares, strict=True):
            assert -1 - given_one < p - x < 1


def test_the_default_template_at_its_own_length_is_itself() -> None:
    assert lv.scale(DEFAULT_TEMPLATE, 38) == DEFAULT_TEMPLATE
    assert lv.scale(DEFAULT_TEMPLATE, 51) == (7, 13, 20, 4, 7)
    assert lv.scale((1, 1, 1, 1, 96), 10) == (1, 1, 1, 1, 6)


@given(
    st.lists(st.tuples(st.integers(5, 90), st.booleans()), min_size=1, max_size=4),
)
def test_absent_presenters_minutes_go_to_the_others(topics: list[tuple[int, bool]]) -> None:
    minutes = [m for m, _ in topics]
    absent = [a for _, a in topics]
    shared = lv.share_minutes(minutes, absent)
    if all(absent):
        assert sum(shared) == 0
        return
    assert sum(shared) == sum(minutes)
    for got, m, a in zip(shared, minutes, absent, strict=True):
        assert (got == 0) if a else got >= m


def test_the_plan_opens_runs_each_topic_and_always_closes() -> None:
    steps = lv.plan(15, [51, 0, 40], 0, DEFAULT_TEMPLATE)
    assert [s.stage for s in steps[:2]] == [Stage.CHECK_IN, Stage.REPORT_BACK]
    assert [s.minutes for s in steps[:2]] == [5, 10]
    assert sum(s.minutes for s in steps if s.part == 1) == 51
    assert not [s for s in steps if s.part == 2]  # a topic of 0 minutes has no stage
    assert steps[-1] == lv.Step(4, Stage.CLOSING, 1)  # never skipped


def test_moves_and_catching_up() -> None:
    steps = lv.plan(15, [38], 10, DEFAULT_TEMPLATE)
    clock = lv.start(steps, T0)
    assert clock == lv.Clock(0, T0 + timedelta(minutes=5))
    # Time-out stops the clock with what was left; Resume starts it again from then.
    out = lv.apply(steps, clock, Move.TIME_OUT, T0 + timedelta(minutes=2))
    assert out.paused and out.paused_left == 180
    assert lv.catch_up(steps, out, T0 + timedelta(hours=5)) == out
    assert lv.move_problem(steps, out, Move.EXTEND) and lv.move_problem(steps, out, Move.TIME_OUT)
    back = lv.apply(steps, out, Move.RESUME, T0 + timedelta(minutes=30))
    assert back.deadline == T0 + timedelta(minutes=33)
    # +5 min after the deadline counts from now.
    late = lv.apply(steps, back, Move.EXTEND, T0 + timedelta(minutes=40))
    assert late.deadline == T0 + timedelta(minutes=45)
    # End topic from the check-in: the topic's first stage, then the closing.
    topic = lv.apply(steps, clock, Move.END_PART, T0)
    assert steps[topic.step] == lv.Step(1, Stage.PRESENTING, 5)
    closing = lv.apply(steps, topic, Move.END_PART, T0)
    assert steps[closing.step].stage == Stage.CLOSING
    assert lv.parts_touched(steps, clock, closing) == (0, 1, 2)
    ended = lv.apply(steps, closing, Move.NEXT, T0)
    assert ended.ended and lv.move_problem(steps, ended, Move.NEXT)
    # A process down for 20 minutes: each stage began when the one before was due.
    caught = lv.catch_up(steps, clock, T0 + timedelta(minutes=19))
    assert steps[caught.step].stage == Stage.PRESENTING
    assert caught.deadline == T0 + timedelta(minutes=5 + 10 + 5)
    # Long after the end: ended.
    assert lv.catch_up(steps, clock, T0 + timedelta(hours=3)).ended


def test_templates_typed_in_the_form() -> None:
    assert lv.parse_template("") == (DEFAULT_TEMPLATE, None)
    assert lv.parse_template("10, 10 10,5 5") == ((10, 10, 10, 5, 5), None)
    assert lv.parse_template("1 2 3")[1]
    assert lv.parse_template("5 10 15 3 x")[1]
    assert lv.parse_template("5 10 15 3 121")[1]
    assert lv.template_of({"live": {"stages": [1, 2, 3, 4, 5]}}) == (1, 2, 3, 4, 5)
    assert lv.template_of({"live": {"stages": [1, 2]}}) == DEFAULT_TEMPLATE
    assert lv.template_of(None) == DEFAULT_TEMPLATE
