"""The bulk send rules: who is in a segment, its size, when the next runs go, how the counters move."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from maxcore.models.bulk import (
    MAX_RECIPIENTS,
    BulkProgress,
    BulkSend,
    BulkSendState,
    RecipientStatus,
    SegmentView,
)
from maxcore.models.common import Channel
from maxcore.models.lead import LeadStatus
from maxcore.models.tenant import SendWindow
from maxcore.rules.bulk import (
    STALL_AFTER,
    LeadFacts,
    NextBatch,
    counter_changes,
    in_segment,
    is_stalled,
    next_batch,
    recipients_left,
    size_problem,
    wake_ups,
)
from maxcore.rules.contact import search_text
from maxcore.rules.send_window import Window

OFFICE = Window.of(SendWindow(), "Europe/Paris")  # Monday-Friday 09:00-18:00, Paris
TUE_1000_PARIS = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
TUE_1900_PARIS = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
WED_0900_PARIS = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
FRI_1900_PARIS = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
MON_0900_PARIS = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)

HELENE = LeadFacts(
    "01JB0000000000000000000001",
    "qualified",
    frozenset({"vip", "paris"}),
    search_text("Hélène", "Dupré", "helene@example.fr"),
)


# --- the segment ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("segment", "member"),
    [
        (SegmentView(status=LeadStatus.QUALIFIED), True),
        (SegmentView(status=LeadStatus.NEW), False),
        (SegmentView(tag=" VIP "), True),
        (SegmentView(tag="lyon"), False),
        (SegmentView(search="helene dupre"), True),
        (SegmentView(search="Hélène Martin"), False),
        (SegmentView(status=LeadStatus.QUALIFIED, tag="paris", search="DUPRÉ"), True),
        (SegmentView(status=LeadStatus.QUALIFIED, tag="lyon", search="dupré"), False),
    ],
)
def test_a_lead_is_in_a_segment_when_it_matches_every_filter_given(
    segment: SegmentView, member: bool
) -> None:
    # Given a qualified lead tagged vip and paris, named Hélène Dupré
    # When a segment's filters are read against it
    # Then it is in the segment only when each filter given holds (tags and search ignore case/accents)
    assert in_segment(segment, HELENE) is member


def test_the_segment_size_must_be_between_one_and_the_limit() -> None:
    assert size_problem(0) == "empty_segment"
    assert size_problem(1) is None
    assert size_problem(MAX_RECIPIENTS) is None
    assert size_problem(MAX_RECIPIENTS + 1) == "too_many_recipients"


# --- spreading the runs -------------------------------------------------------------------------------
def test_a_run_that_ran_out_of_time_inside_the_window_continues_at_once() -> None:
    assert wake_ups(TUE_1000_PARIS, OFFICE, more_due=True) == [TUE_1000_PARIS]


def test_a_run_with_nothing_left_plans_no_other_run() -> None:
    assert wake_ups(TUE_1000_PARIS, OFFICE, more_due=False) == []


def test_recipients_left_after_the_window_closed_wait_for_its_next_opening() -> None:
    # Given the window closes at 18:00 Paris time, on a Tuesday and on a Friday
    # Then the rest goes at the next opening: Wednesday 09:00, and after the weekend Monday 09:00
    assert wake_ups(TUE_1900_PARIS, OFFICE, more_due=True) == [WED_0900_PARIS]
    assert wake_ups(FRI_1900_PARIS, OFFICE, more_due=True) == [MON_0900_PARIS]


def test_a_daily_cap_holds_the_rest_until_it_resets_even_what_was_put_off_to_earlier() -> None:
    # Given the cap was reached on Tuesday, resetting Wednesday 09:00, and a recipient put off to 11:00
    quiet_end = TUE_1000_PARIS + timedelta(hours=1)
    # When the next runs are planned
    wakes = wake_ups(
        TUE_1000_PARIS, OFFICE, more_due=True, capped_until=WED_0900_PARIS, deferred_until=[quiet_end]
    )
    # Then one run goes when the cap resets, none earlier
    assert wakes == [WED_0900_PARIS]


def test_recipients_put_off_each_wake_a_run_at_their_time_inside_the_window() -> None:
    # Given two recipients put off (quiet hours) until 11:00 and 19:30 Paris time, the same day
    at_eleven = TUE_1000_PARIS + timedelta(hours=1)
    evening = TUE_1900_PARIS + timedelta(minutes=30)
    # When the run ends with nothing else due
    wakes = wake_ups(TUE_1000_PARIS, OFFICE, more_due=False, deferred_until=[evening, at_eleven, at_eleven])
    # Then one run at 11:00, and the evening one at the window's next opening
    assert wakes == [at_eleven, WED_0900_PARIS]


def test_a_send_left_with_recipients_held_by_another_worker_wakes_after_their_lease() -> None:
    # Given a run that ends with nothing due, but the send not over (another worker holds claims)
    lease_end = TUE_1000_PARIS + timedelta(minutes=16)
    # Then a run goes when the leases have ended, unless something else wakes the send already
    assert wake_ups(TUE_1000_PARIS, OFFICE, more_due=False, held_until=lease_end) == [lease_end]
    assert wake_ups(TUE_1900_PARIS, OFFICE, more_due=False, held_until=TUE_1900_PARIS) == [WED_0900_PARIS]
    at_eleven = TUE_1000_PARIS + timedelta(hours=1)
    assert wake_ups(
        TUE_1000_PARIS, OFFICE, more_due=False, deferred_until=[at_eleven], held_until=lease_end
    ) == [at_eleven]


# --- the counters ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("was_put_off", "to", "changes"),
    [
        (False, RecipientStatus.SENT, {"queued": -1, "sent": 1}),
        (False, RecipientStatus.REFUSED, {"queued": -1, "refused": 1}),
        (False, RecipientStatus.PENDING, {"queued": -1, "pending": 1}),
        (True, RecipientStatus.PENDING, {}),
        (True, RecipientStatus.SENT, {"pending": -1, "sent": 1}),
        (True, RecipientStatus.REFUSED, {"pending": -1, "refused": 1}),
    ],
)
def test_a_recipient_counts_once_wherever_it_goes(
    was_put_off: bool, to: RecipientStatus, changes: dict[str, int]
) -> None:
    moved = counter_changes(was_put_off, to)

    assert moved == changes
    assert sum(moved.values()) == 0  # the total never changes: nobody counted twice or lost


def test_a_recipient_is_never_settled_back_to_queued() -> None:
    with pytest.raises(ValueError, match="not settled as queued"):
        counter_changes(False, RecipientStatus.QUEUED)


# --- stalled sends ----------------------------------------------------------------------------------
def _bulk(state: BulkSendState, moved_at: datetime, next_run_at: datetime | None = None) -> BulkSend:
    return BulkSend(
        id="01JB0000000000000000000009",
        state=state,
        channel=Channel.SMS,
        body="Bonjour",
        segment=SegmentView(tag="vip"),
        resolved=True,
        progress=BulkProgress(recipients=10, queued=4, pending=0, sent=6, refused=0),
        created_by="admin",
        created_at=moved_at,
        updated_at=moved_at,
        next_run_at=next_run_at,
    )


@pytest.mark.parametrize("state", [BulkSendState.QUEUED, BulkSendState.RUNNING])
def test_a_send_that_has_not_moved_for_the_stall_delay_is_stalled(state: BulkSendState) -> None:
    bulk = _bulk(state, TUE_1000_PARIS)

    assert not is_stalled(bulk, TUE_1000_PARIS + STALL_AFTER - timedelta(seconds=1))
    assert is_stalled(bulk, TUE_1000_PARIS + STALL_AFTER)


def test_a_send_waiting_for_its_planned_run_stalls_only_past_that_run() -> None:
    # Given a send whose last run planned the next one at the window's opening tomorrow
    bulk = _bulk(BulkSendState.RUNNING, TUE_1900_PARIS, next_run_at=WED_0900_PARIS)

    # Then the night is not a stall; a timer that never came is, the delay after its time
    assert not is_stalled(bulk, WED_0900_PARIS - timedelta(minutes=1))
    assert not is_stalled(bulk, WED_0900_PARIS + STALL_AFTER - timedelta(seconds=1))
    assert is_stalled(bulk, WED_0900_PARIS + STALL_AFTER)


@pytest.mark.parametrize("state", [BulkSendState.DONE, BulkSendState.CANCELLED])
def test_a_send_that_is_over_never_stalls(state: BulkSendState) -> None:
    assert not is_stalled(_bulk(state, TUE_1000_PARIS), MON_0900_PARIS)


# --- the schedule preview ---------------------------------------------------------------------------
def test_a_running_send_s_next_batch_is_now_inside_the_window_and_held_by_nothing() -> None:
    assert next_batch(_bulk(BulkSendState.RUNNING, TUE_1000_PARIS), OFFICE, TUE_1000_PARIS) == NextBatch(
        TUE_1000_PARIS, None
    )


def test_a_send_found_after_the_window_closed_goes_at_its_next_opening() -> None:
    bulk = _bulk(BulkSendState.QUEUED, FRI_1900_PARIS)

    assert next_batch(bulk, OFFICE, FRI_1900_PARIS) == NextBatch(MON_0900_PARIS, "outside_window")


def test_a_send_stopped_by_a_cap_is_held_by_it_until_its_planned_run() -> None:
    bulk = _bulk(BulkSendState.RUNNING, TUE_1000_PARIS, next_run_at=WED_0900_PARIS)
    capped = bulk.model_copy(update={"held_by": "daily_cap"})

    assert next_batch(capped, OFFICE, TUE_1000_PARIS) == NextBatch(WED_0900_PARIS, "daily_cap")
    # And once that run is due, nothing holds it any more
    assert next_batch(capped, OFFICE, WED_0900_PARIS) == NextBatch(WED_0900_PARIS, None)


def test_the_recipients_left_count_those_not_written_down_yet() -> None:
    resolved = _bulk(BulkSendState.RUNNING, TUE_1000_PARIS)
    progress = BulkProgress(recipients=10, queued=4, pending=2, sent=3, refused=1)
    resolving = resolved.model_copy(update={"resolved": False, "matched": 25, "progress": progress})

    assert (recipients_left(resolved), recipients_left(resolving)) == (4, 6 + 15)
