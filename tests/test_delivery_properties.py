"""The delivery state machine (bot.domain.delivery) driven by random outcomes (hypothesis).

A model row starts pending at ``t0`` and is useful until ``t0 + H``. Time only moves forward.
At each step the row is either claimed and given a random outcome, or claimed by a process
that dies (its lease runs out and the next claim treats that attempt as ambiguous). The model
counts what Slack received: every SENT, and every ambiguous attempt that Slack in fact got.

Outcomes decided before calling Slack (SKIP, DEFER) give the claim's attempt back, as
``RemindersService.record`` does; the pure machine is otherwise used as is.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from bot.domain import delivery as dv
from bot.domain.delivery import (
    TARGET_ERRORS,
    TRANSIENT_ERRORS,
    WORKSPACE_ERRORS,
    Delivery,
    Outcome,
    State,
    after,
    backoff,
    claim,
    claimable,
    classify,
)
from bot.domain.reminders import Kind, kind_of

T0 = datetime(2026, 3, 27, 23, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)
TERMINAL = (State.SENT, State.SKIPPED, State.FAILED, State.UNKNOWN)
FAILING = (
    Outcome.TRANSIENT,
    Outcome.UNKNOWN_ERROR,
    Outcome.AMBIGUOUS,
    Outcome.TARGET_GONE,
    Outcome.WORKSPACE_GONE,
)
#: The documented limits, written out here (not imported) so that changing the module's
#: constants breaks these tests rather than moving them along.
MAX_TRANSIENT_ATTEMPTS = 8
MAX_UNKNOWN_ATTEMPTS = 3
MAX_AMBIGUOUS = 2
MIN_RETRY_AFTER = timedelta(seconds=1)
#: The documented policy after an ambiguous attempt: prompts people act on are resent; the
#: nudge ("at most one") and courtesy notices are not. "moved:2" is a move notice's stored form.
RESENT = ["prep_prompt", "report_reminder", "session_post", "auto_vote"]
NOT_RESENT = [
    "prep_nudge",
    "reflection",
    "moved",
    "moved:2",
    "cancelled",
    "quorum",
    "attendance",
    "facilitator_prep",
    "review",
    "heads_up",
]
STORED_KINDS = RESENT + NOT_RESENT

#: Every outcome; those that keep the row going more often, so that long runs happen.
OUTCOMES = st.sampled_from(
    [
        *Outcome,
        *[Outcome.TRANSIENT, Outcome.AMBIGUOUS, Outcome.RATE_LIMITED, Outcome.DEFER] * 2,
        *[Outcome.UNKNOWN_ERROR] * 2,
    ]
)
seconds = st.integers(min_value=0, max_value=6 * 3600).map(lambda s: timedelta(seconds=s))
retry_afters = st.one_of(
    st.none(),
    st.integers(min_value=-5, max_value=3600).map(lambda s: timedelta(seconds=s)),
    st.floats(min_value=0, max_value=2, allow_nan=False).map(lambda s: timedelta(seconds=s)),
)


def new_row(kind: str, horizon: timedelta) -> Delivery:
    return Delivery(kind=kind, status=State.PENDING, send_after=T0, useful_until=T0 + horizon)


def record(
    d: Delivery,
    outcome: Outcome,
    now: datetime,
    *,
    retry_after: timedelta | None = None,
    until: datetime | None = None,
) -> Delivery:
    """What the service records for a claimed row's outcome (``bot.domain.delivery.record``)."""
    return dv.record(d, outcome, now, retry_after=retry_after, until=until)


class DeliveryMachine(RuleBasedStateMachine):
    """One reminder row of one kind, under random time steps and outcomes."""

    kinds: tuple[str, ...] = tuple(STORED_KINDS)

    def __init__(self) -> None:
        super().__init__()
        self.row: Delivery | None = None
        self.now = T0
        self.deliveries = 0  # messages Slack received for this row
        self.crashed_got_it: bool | None = None  # a dead sender's attempt: did Slack get it?
        self.failures = 0  # TRANSIENT and UNKNOWN_ERROR outcomes recorded
        self.unknown_errors = 0
        self.kind = self.kinds[0]
        self.resend = self.kind in RESENT

    # -- set-up and time ------------------------------------------------------------------
    @initialize(
        kind=st.runner().flatmap(lambda self: st.sampled_from(self.kinds)),
        horizon=st.integers(min_value=0, max_value=3 * 86400).map(lambda s: timedelta(seconds=s)),
    )
    def start(self, kind: str, horizon: timedelta) -> None:
        self.kind = kind
        self.resend = kind in RESENT  # the documented policy, not the code under test
        self.row = new_row(kind, horizon)

    @rule(step=seconds)
    def wait(self, step: timedelta) -> None:
        self.now += step

    @precondition(lambda self: self.row is not None and not self.row.status.terminal)
    @rule(extra=st.integers(min_value=0, max_value=120).map(lambda s: timedelta(seconds=s)))
    def wait_until_due(self, extra: timedelta) -> None:
        assert self.row is not None
        self.now = max(self.now, self.row.send_after) + extra

    # -- claims ---------------------------------------------------------------------------
    def _claim(self) -> Delivery:
        """Claim the row at ``now`` and check what claiming alone may do."""
        d = self.row
        assert d is not None and claimable(d, self.now)
        was_claimed = d.status == State.CLAIMED
        got = claim(d, self.now, LEASE)
        if was_claimed:
            # The previous sender died: an ambiguous attempt, whose message Slack may have.
            assert got.ambiguous == d.ambiguous + 1
            if self.crashed_got_it:
                self.deliveries += 1
            self.crashed_got_it = None
            if not self.resend or got.ambiguous > MAX_AMBIGUOUS:
                assert got.status == State.UNKNOWN
                assert got.attempts == d.attempts
        else:
            assert got.ambiguous == d.ambiguous
        if got.status == State.CLAIMED:
            assert self.now <= d.useful_until
            assert got.attempts == d.attempts + 1
            assert got.send_after == self.now + LEASE
        elif got.status == State.SKIPPED:
            # Too late: claimed after useful_until, or a dead sender's retry would come after it.
            assert got.reason is not None and got.reason.startswith("too late")
            if not was_claimed:
                assert self.now > d.useful_until and got.reason == "too late"
        else:
            # A claim only takes the row, or settles it (too late / the dead sender's unknown).
            assert was_claimed and got.status == State.UNKNOWN
        if self.now > d.useful_until:
            assert got.status in (State.SKIPPED, State.UNKNOWN)
        return got

    @precondition(lambda self: self.row is not None and claimable(self.row, self.now))
    @rule(
        outcome=OUTCOMES,
        elapsed=st.integers(min_value=0, max_value=110).map(lambda s: timedelta(seconds=s)),
        retry_after=retry_afters,
        defer_by=seconds,
        slack_got_it=st.booleans(),
    )
    def attempt(
        self,
        outcome: Outcome,
        elapsed: timedelta,
        retry_after: timedelta | None,
        defer_by: timedelta,
        slack_got_it: bool,
    ) -> None:
        d = self._claim()
        self.row = d
        if d.status != State.CLAIMED:
            return
        self.now += elapsed  # the call takes a while, within the lease
        until = self.now + defer_by
        if outcome == Outcome.SENT or (outcome == Outcome.AMBIGUOUS and slack_got_it):
            self.deliveries += 1
        if outcome in (Outcome.TRANSIENT, Outcome.UNKNOWN_ERROR):
            self.failures += 1
        if outcome == Outcome.UNKNOWN_ERROR:
            self.unknown_errors += 1
        new = record(d, outcome, self.now, retry_after=retry_after, until=until)
        self.check_outcome(d, outcome, new, retry_after=retry_after, until=until)
        self.row = new

    @precondition(lambda self: self.row is not None and claimable(self.row, self.now))
    @rule(slack_got_it=st.booleans())
    def sender_dies(self, slack_got_it: bool) -> None:
        """Claimed, then the process dies mid-send: the row stays claimed until its lease ends."""
        d = self._claim()
        self.row = d
        if d.status == State.CLAIMED:
            self.crashed_got_it = slack_got_it

    @precondition(lambda self: self.row is not None and self.row.status == State.CLAIMED)
    @rule()
    def lease_expires(self) -> None:
        assert self.row is not None
        self.now = max(self.now, self.row.send_after)
        self.row = self._claim()

    # -- the rules of one outcome ---------------------------------------------------------
    def check_outcome(
        self,
        d: Delivery,
        outcome: Outcome,
        new: Delivery,
        *,
        retry_after: timedelta | None,
        until: datetime,
    ) -> None:
        now = self.now
        assert new.kind == d.kind and new.useful_until == d.useful_until
        if new.status == State.PENDING:
            # Retried: never past the moment the message becomes useless, never in the past.
            assert now <= new.send_after <= new.useful_until
        match outcome:
            case Outcome.SENT:
                assert new.status == State.SENT
            case Outcome.SKIP:
                assert new.status == State.SKIPPED
            case Outcome.TARGET_GONE | Outcome.WORKSPACE_GONE:
                assert new.status == State.FAILED
            case Outcome.DEFER:
                if until > d.useful_until:
                    assert new.status == State.SKIPPED and new.reason.startswith("too late")
                else:
                    assert new.status == State.PENDING and new.send_after == until
            case Outcome.RATE_LIMITED:
                wait = max(retry_after or MIN_RETRY_AFTER, MIN_RETRY_AFTER)
                if new.status == State.PENDING:
                    assert new.send_after >= now + wait
                    assert new.send_after >= now + MIN_RETRY_AFTER
                    if retry_after is not None:
                        assert new.send_after >= now + retry_after
                else:
                    # Only giving up because waiting would make it useless.
                    assert new.status == State.SKIPPED and new.reason.startswith("too late")
                    assert now + wait > d.useful_until
            case Outcome.TRANSIENT | Outcome.UNKNOWN_ERROR:
                limit = (
                    MAX_TRANSIENT_ATTEMPTS if outcome == Outcome.TRANSIENT else MAX_UNKNOWN_ATTEMPTS
                )
                if d.attempts >= limit:
                    assert new.status == State.FAILED and new.reason.startswith("gave up")
                elif new.status == State.PENDING:
                    assert new.send_after == now + backoff(d.attempts)
                    assert timedelta(seconds=30) <= new.send_after - now <= timedelta(minutes=30)
                else:
                    assert new.status == State.SKIPPED and new.reason.startswith("too late")
                    assert now + backoff(d.attempts) > d.useful_until
            case Outcome.AMBIGUOUS:
                assert new.ambiguous == d.ambiguous + 1
                if not self.resend or new.ambiguous > MAX_AMBIGUOUS:
                    assert new.status == State.UNKNOWN
                elif new.status == State.PENDING:
                    assert new.send_after >= now  # resent (at once, or after a short pause)
                else:
                    assert new.status == State.SKIPPED and new.reason.startswith("too late")
                if now > d.useful_until:
                    assert new.status in (State.SKIPPED, State.UNKNOWN)
        if outcome != Outcome.AMBIGUOUS:
            assert new.ambiguous == d.ambiguous

    # -- invariants -----------------------------------------------------------------------
    @invariant()
    def deliveries_are_bounded(self) -> None:
        if self.row is None:
            return
        assert self.deliveries <= 1 + MAX_AMBIGUOUS
        if not self.resend:
            assert self.deliveries <= 1
        # A second delivery only follows an ambiguous attempt.
        assert self.deliveries - 1 <= self.row.ambiguous
        if self.row.status == State.SENT:
            assert self.deliveries >= 1

    @invariant()
    def failures_are_bounded(self) -> None:
        if self.row is None:
            return
        assert self.failures <= MAX_TRANSIENT_ATTEMPTS
        assert self.unknown_errors <= MAX_UNKNOWN_ATTEMPTS
        assert self.row.ambiguous <= MAX_AMBIGUOUS + 1
        if self.row.ambiguous > MAX_AMBIGUOUS:
            assert self.row.status == State.UNKNOWN

    @invariant()
    def pending_rows_stay_useful(self) -> None:
        if self.row is not None and self.row.status == State.PENDING:
            assert self.row.send_after <= self.row.useful_until

    @invariant()
    def terminal_states_absorb(self) -> None:
        d = self.row
        if d is None or not d.status.terminal:
            return
        assert not claimable(d, self.now)
        assert not claimable(d, self.now + timedelta(days=365))
        for outcome in Outcome:
            got = after(
                d,
                outcome,
                self.now,
                retry_after=timedelta(seconds=1),
                until=self.now,
                reason="x",
            )
            assert got == d


def _machine(kinds: list[str]) -> type[DeliveryMachine]:
    return type("DeliveryMachine", (DeliveryMachine,), {"kinds": tuple(kinds)})


MACHINE_SETTINGS = settings(
    max_examples=200,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.mark.parametrize("kinds", [RESENT, NOT_RESENT], ids=["resent-when-unsure", "not-resent"])
def test_delivery_state_machine(kinds: list[str]) -> None:
    run_state_machine_as_test(_machine(kinds), settings=MACHINE_SETTINGS)


# -- failing outcomes only: the row settles within a bounded number of claims ------------------

#: Retrying outcomes: transient/unknown errors while attempts < 8 (7 of them at most), and
#: MAX_AMBIGUOUS ambiguous attempts; the claim after those settles the row.
MAX_CLAIMS = MAX_TRANSIENT_ATTEMPTS + MAX_AMBIGUOUS


@settings(max_examples=200, deadline=None)
@given(
    kind=st.sampled_from(STORED_KINDS),
    steps=st.lists(
        st.tuples(
            # Mostly retried failures, so long runs of them are common.
            st.sampled_from(
                [*FAILING, "lease", *[Outcome.TRANSIENT] * 4, *[Outcome.UNKNOWN_ERROR] * 2]
            ),
            st.integers(min_value=0, max_value=110).map(lambda s: timedelta(seconds=s)),
        ),
        min_size=MAX_CLAIMS + 1,
        max_size=MAX_CLAIMS + 1,
    ),
    horizon=st.sampled_from([timedelta(minutes=10), timedelta(hours=3), timedelta(days=30)]),
)
def test_only_failures_settle_within_bounded_claims(
    kind: str, steps: list[tuple[Outcome | str, timedelta]], horizon: timedelta
) -> None:
    d = new_row(kind, horizon)
    now = T0
    claims = 0
    for what, elapsed in steps:
        if d.status.terminal:
            break
        now = max(now, d.send_after)  # time advances to the row's next due moment
        d = claim(d, now, LEASE)
        if d.status != State.CLAIMED:
            continue
        claims += 1
        if what == "lease":
            continue  # the sender dies; the next step's claim comes when the lease ends
        now += elapsed
        d = after(d, what, now)
    assert d.status.terminal, d
    assert d.status != State.SENT
    assert claims <= MAX_CLAIMS
    assert d.attempts <= MAX_CLAIMS


def test_worst_case_failures_use_every_allowed_attempt() -> None:
    """The bound above is tight: 7 backed-off transient errors, 2 resends after a timeout, and
    the 10th attempt's transient error gives up."""
    d = new_row(Kind.PREP_PROMPT.value, timedelta(days=30))
    now = T0
    plan = [Outcome.TRANSIENT] * (MAX_TRANSIENT_ATTEMPTS - 1) + [Outcome.AMBIGUOUS] * MAX_AMBIGUOUS
    for outcome in plan:
        now = d.send_after
        d = after(claim(d, now, LEASE), outcome, now)
        assert d.status == State.PENDING
    d = after(claim(d, d.send_after, LEASE), Outcome.TRANSIENT, d.send_after)
    assert d.status == State.FAILED
    assert d.reason == "gave up (transient)"
    assert d.attempts == MAX_CLAIMS


# -- targeted examples -------------------------------------------------------------------------


def test_claimed_after_useful_until_is_skipped_too_late() -> None:
    d = new_row(Kind.PREP_NUDGE.value, timedelta(hours=1))
    late = claim(d, T0 + timedelta(hours=1, seconds=1), LEASE)
    assert late.status == State.SKIPPED
    assert late.reason == "too late"
    assert late.attempts == 0
    on_time = claim(d, T0 + timedelta(hours=1), LEASE)
    assert on_time.status == State.CLAIMED


def test_lease_expiry_is_ambiguous_and_follows_the_kind_policy() -> None:
    for kind in RESENT:
        d = claim(new_row(kind, timedelta(hours=1)), T0, LEASE)
        again = claim(d, T0 + LEASE, LEASE)
        assert again.status == State.CLAIMED, kind
        assert again.ambiguous == 1 and again.attempts == 2
    for kind in NOT_RESENT:
        d = claim(new_row(kind, timedelta(hours=1)), T0, LEASE)
        assert not claimable(d, T0 + LEASE - timedelta(seconds=1))
        again = claim(d, T0 + LEASE, LEASE)
        assert again.status == State.UNKNOWN, kind
        assert again.reason == "lease expired"


def test_rate_limited_waits_at_least_one_second() -> None:
    d = claim(new_row(Kind.SESSION_POST.value, timedelta(hours=1)), T0, LEASE)
    for retry_after in (None, timedelta(0), timedelta(milliseconds=300), timedelta(seconds=-3)):
        got = after(d, Outcome.RATE_LIMITED, T0, retry_after=retry_after)
        assert got.status == State.PENDING
        assert got.send_after == T0 + MIN_RETRY_AFTER
    got = after(d, Outcome.RATE_LIMITED, T0, retry_after=timedelta(seconds=42))
    assert got.send_after == T0 + timedelta(seconds=42)
    gone = after(d, Outcome.RATE_LIMITED, T0, retry_after=timedelta(hours=2))
    assert gone.status == State.SKIPPED and gone.reason == "too late (rate_limited)"


def test_rate_limits_do_not_count_against_the_transient_limit() -> None:
    d = new_row(Kind.SESSION_POST.value, timedelta(days=1))
    now = T0
    for _ in range(MAX_TRANSIENT_ATTEMPTS):
        now = d.send_after
        d = record(
            claim(d, now, LEASE), Outcome.RATE_LIMITED, now, retry_after=timedelta(seconds=1)
        )
        assert d.status == State.PENDING
    now = d.send_after
    d = record(claim(d, now, LEASE), Outcome.TRANSIENT, now)
    assert d.status == State.PENDING  # one 5xx: backs off and retries


# -- classify ----------------------------------------------------------------------------------


@pytest.mark.parametrize("error", [None, "ratelimited", "channel_not_found", "invalid_auth", "x"])
def test_classify_http_429_is_rate_limited_whatever_the_error(error: str | None) -> None:
    assert classify(error, 429) == Outcome.RATE_LIMITED


def test_classify_ratelimited_error_without_status() -> None:
    assert classify("ratelimited") == Outcome.RATE_LIMITED
    assert classify("ratelimited", 200) == Outcome.RATE_LIMITED


@pytest.mark.parametrize("status", [500, 502, 503, 504, 599])
@pytest.mark.parametrize("error", [None, "channel_not_found", "invalid_auth", "whatever"])
def test_classify_5xx_is_transient(status: int, error: str | None) -> None:
    assert classify(error, status) == Outcome.TRANSIENT


@pytest.mark.parametrize("error", sorted(TARGET_ERRORS))
@pytest.mark.parametrize("status", [None, 200, 400, 404])
def test_classify_target_errors(error: str, status: int | None) -> None:
    assert classify(error, status) == Outcome.TARGET_GONE


@pytest.mark.parametrize("error", sorted(WORKSPACE_ERRORS))
@pytest.mark.parametrize("status", [None, 200, 401, 403])
def test_classify_workspace_errors(error: str, status: int | None) -> None:
    assert classify(error, status) == Outcome.WORKSPACE_GONE


@pytest.mark.parametrize("error", sorted(TRANSIENT_ERRORS - {"ratelimited"}))
def test_classify_slack_temporary_errors(error: str) -> None:
    assert classify(error) == Outcome.TRANSIENT
    assert classify(error, 200) == Outcome.TRANSIENT


@pytest.mark.parametrize(
    "error", [None, "", "no_text", "invalid_blocks", "msg_too_long", "CHANNEL_NOT_FOUND"]
)
@pytest.mark.parametrize("status", [None, 200, 400, 404, 499])
def test_classify_unknown_errors(error: str | None, status: int | None) -> None:
    assert classify(error, status) == Outcome.UNKNOWN_ERROR


def test_error_classes_do_not_overlap() -> None:
    assert not TARGET_ERRORS & WORKSPACE_ERRORS
    assert not TARGET_ERRORS & TRANSIENT_ERRORS
    assert not WORKSPACE_ERRORS & TRANSIENT_ERRORS


def test_backoff_doubles_from_30_seconds_to_a_30_minute_cap() -> None:
    assert [backoff(n) for n in (1, 2, 3, 4)] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert backoff(7) == timedelta(minutes=30)
    # Every attempt count a row can reach (rate limits and defers included) stays capped.
    assert all(backoff(n) == timedelta(minutes=30) for n in range(7, 41))
    assert timedelta(minutes=30) == dv.BACKOFF_CAP


def test_backoff_is_capped_for_any_attempt_count() -> None:
    assert backoff(43) == timedelta(minutes=30)


def test_documented_limits_and_policy() -> None:
    assert dv.MAX_TRANSIENT_ATTEMPTS == MAX_TRANSIENT_ATTEMPTS
    assert dv.MAX_UNKNOWN_ATTEMPTS == MAX_UNKNOWN_ATTEMPTS
    assert dv.MAX_AMBIGUOUS == MAX_AMBIGUOUS
    assert dv.MIN_RETRY_AFTER == MIN_RETRY_AFTER
    assert sorted({kind_of(k).value for k in STORED_KINDS}) == sorted(k.value for k in Kind)
    for kind in RESENT:
        assert kind_of(kind).resend_when_unsure, kind
    for kind in NOT_RESENT:
        assert not kind_of(kind).resend_when_unsure, kind


@pytest.mark.parametrize(
    ("outcome", "limit"),
    [(Outcome.TRANSIENT, MAX_TRANSIENT_ATTEMPTS), (Outcome.UNKNOWN_ERROR, MAX_UNKNOWN_ATTEMPTS)],
)
def test_errors_give_up_exactly_at_the_documented_attempt(outcome: Outcome, limit: int) -> None:
    d = new_row(Kind.REPORT_REMINDER.value, timedelta(days=30))
    waits = []
    for _ in range(limit - 1):
        now = d.send_after
        d = after(claim(d, now, LEASE), outcome, now)
        assert d.status == State.PENDING
        waits.append(d.send_after - now)
    assert waits == [backoff(n) for n in range(1, limit)]
    d = after(claim(d, d.send_after, LEASE), outcome, d.send_after)
    assert d.status == State.FAILED
    assert d.reason == f"gave up ({outcome.value})"
    assert d.attempts == limit


@pytest.mark.parametrize("kind", RESENT)
def test_resent_kinds_resend_at_most_twice_after_ambiguous_attempts(kind: str) -> None:
    d = new_row(kind, timedelta(days=1))
    for n in range(1, MAX_AMBIGUOUS + 1):
        now = d.send_after
        d = after(claim(d, now, LEASE), Outcome.AMBIGUOUS, now)
        assert d.status == State.PENDING and d.ambiguous == n
    now = d.send_after
    d = after(claim(d, now, LEASE), Outcome.AMBIGUOUS, now, reason="timeout")
    assert d.status == State.UNKNOWN
    assert d.ambiguous == MAX_AMBIGUOUS + 1
    assert d.reason == "timeout"


@pytest.mark.parametrize("kind", NOT_RESENT)
def test_other_kinds_are_never_resent_after_an_ambiguous_attempt(kind: str) -> None:
    d = claim(new_row(kind, timedelta(days=1)), T0, LEASE)
    d = after(d, Outcome.AMBIGUOUS, T0)
    assert d.status == State.UNKNOWN and d.ambiguous == 1
