"""The pacer on a clock the test moves: a workspace's budget, a 429's pause, and the cost of
asking which workspaces are busy when thousands have sent."""

from __future__ import annotations

import pytest

from bot.slack.pacing import Pacer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_spent_budget_waits_for_its_refill_and_a_pause_for_its_end() -> None:
    clock = Clock()
    pacer = Pacer(per_minute=60, burst=1, channel_interval=0, monotonic=clock)
    assert pacer.busy_teams() == {}
    pacer.spend("T1", "C1")
    assert pacer.busy_teams() == {"T1": pytest.approx(1.0)}
    clock.now += 0.25
    assert pacer.busy_teams() == {"T1": pytest.approx(0.75)}
    clock.now += 0.75
    assert pacer.busy_teams() == {}
    pacer.pause("T2", 30)
    assert pacer.busy_teams() == {"T2": pytest.approx(30)}
    assert pacer.paused_teams() == {"T2": pytest.approx(30)}
    clock.now += 30
    assert pacer.busy_teams() == {} and pacer.paused_teams() == {}


def test_workspaces_whose_budget_is_full_again_are_forgotten() -> None:
    clock = Clock()
    pacer = Pacer(per_minute=600, burst=2, channel_interval=0, monotonic=clock)
    for n in range(5000):
        pacer.spend(f"T{n}", f"C{n}")
        pacer.spend(f"T{n}", f"C{n}")  # two in a row: empty until it refills
    assert len(pacer.busy_teams()) == 5000
    clock.now += 0.2  # a full bucket of two again, at ten a second
    assert pacer.busy_teams() == {}
    assert len(pacer._tokens) == 0, "nothing left to look at on the next claim"
    pacer.spend("T1", "C1")
    pacer.spend("T1", "C1")
    assert set(pacer.busy_teams()) == {"T1"}
    assert pacer.wait_for_team("T2") == 0.0
