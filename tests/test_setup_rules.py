"""Set-up validation rules (pure unit tests; the Slack surface is covered in test_setup_flow)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time

from bot.domain.directory import UserFacts
from bot.domain.sets import (
    DEFAULT_GROUND_RULES,
    SetupForm,
    schedule_of,
    size_warning,
    validate_setup,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PEOPLE = {f"U{i}": UserFacts(f"U{i}", f"person{i}", "UTC", False, False) for i in range(20)}
PEOPLE["UBOT"] = UserFacts("UBOT", "botty", None, True, False)
PEOPLE["UGONE"] = UserFacts("UGONE", "gone", None, False, True)

FORM = SetupForm(
    name="Leaders",
    facilitator_id="U0",
    member_ids=("U1", "U2", "U3", "U4", "U5"),
    timezone="Europe/London",
    first_date=date(2026, 12, 1),
    first_time=time(10, 0),
    cadence_weeks=4,
    session_minutes=180,
    place=None,
    facilitator_participates=False,
    ground_rules=DEFAULT_GROUND_RULES,
)


def check(form: SetupForm, current=None) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return validate_setup(form, lookup=PEOPLE.get, now=NOW, current=current)


def test_valid_form_has_no_errors() -> None:
    assert check(FORM) == {}


def test_participants_exclude_a_non_participating_facilitator() -> None:
    assert FORM.participants == ("U1", "U2", "U3", "U4", "U5")
    assert replace(FORM, facilitator_participates=True).participants[-1] == "U0"
    assert replace(FORM, member_ids=("U0", "U1")).people == ("U0", "U1")


def test_each_field_error() -> None:
    assert "name" in check(replace(FORM, name="  "))
    assert "name" in check(replace(FORM, name="x" * 81))
    assert "facilitator" in check(replace(FORM, facilitator_id=None))
    assert "deactivated" in check(replace(FORM, facilitator_id="UGONE"))["facilitator"]
    assert "members" in check(replace(FORM, member_ids=()))
    assert "bot" in check(replace(FORM, member_ids=("U1", "UBOT")))["members"]
    assert "deactivated" in check(replace(FORM, member_ids=("U1", "U2", "UGONE")))["members"]
    assert "at least 2" in check(replace(FORM, member_ids=("U1",)))["members"]
    assert (
        "at most 12"
        in check(replace(FORM, member_ids=tuple(f"U{i}" for i in range(1, 14))))["members"]
    )
    assert "timezone" in check(replace(FORM, timezone="Europe/Londres"))
    assert "cadence" in check(replace(FORM, cadence_weeks=5))
    assert "length" in check(replace(FORM, session_minutes=29))
    assert "length" in check(replace(FORM, session_minutes=481))
    assert "length" in check(replace(FORM, session_minutes=None))
    assert "first_date" in check(replace(FORM, first_date=None))
    assert "first_time" in check(replace(FORM, first_time=None))
    assert (
        "past"
        in check(replace(FORM, first_date=date(2026, 11, 23), first_time=time(8, 59)))["first_date"]
    )
    assert "place" in check(replace(FORM, place="x" * 501))
    assert "ground_rules" in check(replace(FORM, ground_rules=" "))
    assert "ground_rules" in check(replace(FORM, ground_rules="x" * 3001))


def test_limits_are_inclusive() -> None:
    short = replace(FORM, session_minutes=30, opening_minutes=5, closing_minutes=5, slots=1)
    assert check(short) == {}
    assert "opening" in check(replace(FORM, session_minutes=30))  # 15 + 10 min of rounds
    assert check(replace(FORM, session_minutes=480)) == {}
    assert check(replace(FORM, member_ids=("U1", "U2"))) == {}
    assert check(replace(FORM, member_ids=tuple(f"U{i}" for i in range(1, 13)))) == {}


def test_editing_keeps_a_past_date_only_if_schedule_unchanged() -> None:
    past = replace(FORM, first_date=date(2026, 11, 1))
    assert check(past, current=schedule_of(past)) == {}
    changed = replace(past, first_time=time(11, 0))
    assert "future" in check(changed, current=schedule_of(past))["first_date"]


def test_size_warning_outside_5_to_7() -> None:
    assert size_warning(4) and size_warning(8)
    assert size_warning(5) is None and size_warning(7) is None


def test_agenda_settings() -> None:
    assert "budget" in check(replace(FORM, budget=0))
    assert "budget" in check(replace(FORM, budget=11))
    assert "cap" in check(replace(FORM, budget=2, cap=3))
    assert "cap" in check(replace(FORM, cap=None))
    assert "slots" in check(replace(FORM, slots=5))
    assert "closing" in check(replace(FORM, closing_minutes=121))
    rules = replace(FORM, facilitator_participates=True, slots=0, self_vote=True).vote_rules()
    assert rules.facilitator_votes and rules.self_vote and rules.slots is None
    assert rules.slots_for(119) == 2 and rules.slots_for(120) == 3
