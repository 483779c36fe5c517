"""Delivery rules: a message's status only moves forward, and retries back off within bounds."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from maxcore.models.activity import ActivityStatus as S
from maxcore.rules import delivery as rules

LADDER = [S.QUEUED, S.SENT, S.DELIVERED, S.OPENED, S.CLICKED, S.REPLIED]
FINALS = [S.FAILED, S.UNDELIVERED, S.BOUNCED]
NOW = datetime(2026, 3, 10, 8, 30, tzinfo=UTC)


# --- ordering -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("current", "new"), list(itertools.combinations(LADDER, 2)))
def test_a_status_moves_forward_along_the_ladder(current: S, new: S) -> None:
    # Given a message at an earlier rung, When a later rung is reported, Then it applies.
    assert rules.may_advance(current, new)


@pytest.mark.parametrize(("earlier", "later"), list(itertools.combinations(LADDER, 2)))
def test_a_late_report_never_moves_a_status_back(earlier: S, later: S) -> None:
    # Given a message at a later rung, When an out-of-order earlier report arrives, Then it is ignored.
    assert not rules.may_advance(later, earlier)


def test_a_full_out_of_order_sequence_ends_at_the_furthest_status() -> None:
    # Given reports arriving in a shuffled order, When each is applied only if it may advance
    recorded = S.QUEUED
    for reported in [S.DELIVERED, S.SENT, S.CLICKED, S.OPENED, S.DELIVERED, S.READ]:
        if rules.may_advance(recorded, reported):
            recorded = reported
    # Then the furthest status wins
    assert recorded is S.CLICKED


@pytest.mark.parametrize("status", list(S))
def test_the_same_status_twice_is_not_an_advance(status: S) -> None:
    assert not rules.may_advance(status, status)


def test_opened_and_read_are_the_same_rung() -> None:
    assert not rules.may_advance(S.OPENED, S.READ)
    assert not rules.may_advance(S.READ, S.OPENED)
    assert rules.may_advance(S.READ, S.CLICKED)
    assert rules.may_advance(S.DELIVERED, S.READ)


# Every status, and what a report may change it to: the whole rule as a table, written out by hand.
_LATER = {S.OPENED, S.READ, S.CLICKED, S.REPLIED}
ALLOWED: dict[S, set[S]] = {
    S.UNCONFIRMED: {S.QUEUED, S.SENT, S.DELIVERED, *_LATER, S.FAILED, S.UNDELIVERED, S.BOUNCED},
    S.QUEUED: {S.SENT, S.DELIVERED, *_LATER, S.FAILED, S.UNDELIVERED, S.BOUNCED},
    S.SENT: {S.DELIVERED, *_LATER, S.FAILED, S.UNDELIVERED, S.BOUNCED},
    # Delivered to the handset: a later failed/undelivered (or a canceled copy) is not its fate;
    # an e-mail accepted by the receiving server can still bounce.
    S.DELIVERED: {*_LATER, S.BOUNCED},
    S.OPENED: {S.CLICKED, S.REPLIED},
    S.READ: {S.CLICKED, S.REPLIED},
    S.CLICKED: {S.REPLIED},
    S.REPLIED: set(),
    S.NO_ANSWER: set(),
    S.FAILED: set(),
    S.UNDELIVERED: set(),
    S.BOUNCED: set(),
}


def test_the_table_names_every_status() -> None:
    assert set(ALLOWED) == set(S)


@pytest.mark.parametrize(("current", "new"), list(itertools.product(list(S), list(S))))
def test_every_transition_follows_the_table(current: S, new: S) -> None:
    # Given a recorded status, When a provider reports another, Then it applies exactly as the table says.
    assert rules.may_advance(current, new) is (new in ALLOWED[current])


@pytest.mark.parametrize("behind", [S.QUEUED, S.SENT, S.UNCONFIRMED])
def test_queued_sending_and_accepted_after_delivery_change_nothing(behind: S) -> None:
    # Twilio's queued, sending and accepted all read as queued; every message gets one, often last.
    assert not rules.may_advance(S.DELIVERED, behind)
    assert not rules.may_advance(S.READ, behind)


def test_terminal_states_stay_terminal_the_right_way() -> None:
    assert not rules.may_advance(S.READ, S.FAILED)
    assert not rules.may_advance(S.DELIVERED, S.UNDELIVERED)
    assert not rules.may_advance(S.DELIVERED, S.FAILED)  # Twilio's canceled reads as failed
    assert rules.may_advance(S.SENT, S.UNDELIVERED)
    assert rules.may_advance(S.UNCONFIRMED, S.FAILED)


@pytest.mark.parametrize(("final", "new"), list(itertools.product(FINALS, list(S))))
def test_nothing_replaces_a_final_status(final: S, new: S) -> None:
    # Given a bounced, failed or undelivered message, When anything else arrives (even a late delivered)
    # Then the final status stays.
    assert not rules.may_advance(final, new)


@pytest.mark.parametrize("other", list(S))
def test_no_answer_is_not_a_message_status(other: S) -> None:
    assert not rules.may_advance(other, S.NO_ANSWER)
    assert not rules.may_advance(S.NO_ANSWER, other)
    assert rules.statuses_before(S.NO_ANSWER) == frozenset()


@pytest.mark.parametrize("new", list(S))
def test_statuses_before_agrees_with_may_advance_for_every_pair(new: S) -> None:
    # Given the condition a conditional write will check
    allowed = rules.statuses_before(new)
    # Then it holds exactly the statuses from which the rule lets ``new`` apply
    for current in S:
        assert (current in allowed) == rules.may_advance(current, new), (current, new)


def test_statuses_before_examples() -> None:
    assert rules.statuses_before(S.DELIVERED) == {S.UNCONFIRMED, S.QUEUED, S.SENT}
    assert rules.statuses_before(S.READ) == {S.UNCONFIRMED, S.QUEUED, S.SENT, S.DELIVERED}
    assert rules.statuses_before(S.BOUNCED) == {S.UNCONFIRMED, S.QUEUED, S.SENT, S.DELIVERED}
    assert rules.statuses_before(S.FAILED) == {S.UNCONFIRMED, S.QUEUED, S.SENT}
    assert rules.statuses_before(S.QUEUED) == {S.UNCONFIRMED}
    assert rules.statuses_before(S.UNCONFIRMED) == frozenset()


# --- backoff ------------------------------------------------------------------------------------
POLICY = rules.RetryPolicy()


def test_the_default_policy() -> None:
    assert (POLICY.attempts, POLICY.base_seconds, POLICY.cap_seconds, POLICY.budget_seconds) == (
        4,
        0.5,
        8.0,
        20.0,
    )


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 5, 6, 10, 200, 5000])
def test_backoff_without_retry_after_is_full_jitter_under_a_capped_exponential(attempt: int) -> None:
    ceiling = min(POLICY.cap_seconds, POLICY.base_seconds * 2 ** min(attempt - 1, 64))
    # Given the lowest and (almost) the highest random draws
    low = rules.backoff_delay(attempt, None, POLICY, 0.0)
    high = rules.backoff_delay(attempt, None, POLICY, 0.999999)
    # Then the wait spans [0, ceiling) and never exceeds the cap
    assert low == 0.0
    assert ceiling * 0.999 < high < ceiling
    assert high <= POLICY.cap_seconds


def test_backoff_ceilings_double_until_the_cap() -> None:
    ceilings = [rules.backoff_delay(n, None, POLICY, 0.5) * 2 for n in range(1, 8)]
    assert ceilings == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


@pytest.mark.parametrize("rand", [0.0, 0.3, 0.999])
def test_backoff_never_waits_less_than_retry_after(rand: float) -> None:
    # Given a provider asking for 3 s on the first retry (far above the backoff's 0.5 s ceiling)
    delay = rules.backoff_delay(1, 3.0, POLICY, rand)
    # Then the wait is at least 3 s, with at most base_seconds of jitter on top
    assert 3.0 <= delay < 3.0 + POLICY.base_seconds


def test_a_retry_after_beyond_the_cap_is_returned_for_the_caller_to_weigh() -> None:
    # Given a Retry-After of a minute, When the delay is computed, Then it is not cut to the 8 s cap
    assert rules.backoff_delay(1, 60.0, POLICY, 0.0) == 60.0


def test_a_negative_retry_after_counts_as_none_to_wait() -> None:
    assert rules.backoff_delay(1, -5.0, POLICY, 0.0) == 0.0


@pytest.mark.parametrize(("attempt", "rand"), [(0, 0.5), (1, 1.0), (1, -0.1)])
def test_backoff_rejects_nonsense(attempt: int, rand: float) -> None:
    with pytest.raises(ValueError, match=r"attempt|rand"):
        rules.backoff_delay(attempt, None, POLICY, rand)


def test_a_policy_makes_at_least_one_attempt() -> None:
    with pytest.raises(ValueError, match="at least one"):
        rules.RetryPolicy(attempts=0)


# --- Retry-After --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("3", 3.0),
        (" 120 ", 120.0),
        ("1.5", 1.5),
        ("0", 0.0),
        ("-4", 0.0),
        (None, None),
        ("", None),
        ("soon", None),
    ],
)
def test_retry_after_in_seconds(header: str | None, seconds: float | None) -> None:
    assert rules.parse_retry_after(header, NOW) == seconds


def test_retry_after_as_an_http_date() -> None:
    # Given an HTTP-date 90 s ahead, Then it is a 90 s wait; a date already past is no wait at all
    assert rules.parse_retry_after(format_datetime(NOW + timedelta(seconds=90), usegmt=True), NOW) == 90.0
    assert rules.parse_retry_after(format_datetime(NOW - timedelta(seconds=90), usegmt=True), NOW) == 0.0
