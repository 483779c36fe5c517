"""The pieces a job that outgrows one invocation is made of: its time budget, its segments, its cursors."""

from __future__ import annotations

from itertools import pairwise

import pytest
from pydantic import ValidationError

from maxcore.clock import TimeBudget
from maxcore.models.jobs import TenantJobMessage
from maxcore.services.continuations import Segments


def _ids(count: int) -> list[str]:
    return [f"{n:026d}" for n in range(1, count + 1)]


def test_a_budget_is_exhausted_once_the_remaining_time_reaches_the_margin() -> None:
    # Given an invocation with 1.5 s left and a margin of 1 s
    remaining = [1_500.0]
    budget = TimeBudget(lambda: remaining[0], margin_ms=1_000)
    # Then the job may go on, until only the margin is left
    assert not budget.exhausted()
    remaining[0] = 1_000
    assert budget.exhausted()


def test_segments_cut_a_partition_into_runs_of_the_size_asked() -> None:
    # Given 10 leads cut into runs of 3
    segments = Segments(size=3, limit=16)
    segments.add(_ids(4))
    segments.add(_ids(10)[4:])
    # Then three runs of three end at the 3rd, 6th and 9th, and the last runs to the partition's end
    assert segments.ends(to_the_end=True) == [f"{n:026d}" for n in (3, 6, 9)] + [None]
    # And a count that stopped early ends its last run at the last lead counted
    assert segments.ends(to_the_end=False) == [f"{n:026d}" for n in (3, 6, 9, 10)]


@pytest.mark.parametrize("count", [9, 100, 1_000, 12_345])
def test_segments_never_exceed_the_limit_and_stay_even(count: int) -> None:
    # Given a partition counted in pages, cut into runs of 2 for at most 8 segments
    segments = Segments(size=2, limit=8)
    ids = _ids(count)
    for start in range(0, count, 7):
        segments.add(ids[start : start + 7])
    ends = segments.ends(to_the_end=False)
    # Then there are at most 8 segments, in order, the last ending at the last lead
    assert 1 <= len(ends) <= 8
    assert ends == sorted(ends)
    assert ends[-1] == ids[-1]
    # And no segment is more than twice the size of another but the last (the cuts are evenly spaced)
    positions = [0] + [ids.index(str(end)) + 1 for end in ends]
    sizes = [b - a for a, b in pairwise(positions)]
    assert max(sizes[:-1], default=0) <= 2 * min(sizes[:-1], default=0)
    assert sum(sizes) == count


def test_nothing_counted_is_no_segment() -> None:
    assert Segments(size=3, limit=4).ends(to_the_end=True) == []
    assert Segments(size=3, limit=4).ends(to_the_end=False) == []


@pytest.mark.parametrize(
    "cursor",
    [
        {"after_lead": "TENANT#other#LEAD"},
        {"after_due": "2026-11-20T08:00:00.000000Z#01JABCDEFGHJKMNPQRSTVWXYZ0"},
        {"after_due": "2026-11-20T08:00:00.000000Z#X#TENANT#other"},
        {"part": -1},
        # a due key without its shard
        {"after_due": "2026-11-20T08:00:00.000000Z#01JABCDEFGHJKMNPQRSTVWXYZ0#01JABCDEFGHJKMNPQRSTVWXYZ1"},
    ],
)
def test_a_cursor_that_is_not_an_id_or_a_due_key_is_refused(cursor: dict[str, object]) -> None:
    # A cursor names a place in the message's own tenant: ids and due keys only, never a key.
    with pytest.raises(ValidationError):
        TenantJobMessage.model_validate(
            {"job": "generate_alerts", "tenant_id": "acme", "scheduled_at": "2026-11-20T08:00:00Z", **cursor}
        )


def test_a_due_key_cursor_parses() -> None:
    message = TenantJobMessage.model_validate(
        {
            "job": "run_pending_actions",
            "tenant_id": "acme",
            "scheduled_at": "2026-11-20T08:00:00Z",
            "shard": 3,
            "part": 2,
            "after_due": "2026-11-20T08:00:00.000000Z#01JABCDEFGHJKMNPQRSTVWXYZ0#01JABCDEFGHJKMNPQRSTVWXYZ1",
        }
    )
    assert (message.shard, message.part) == (3, 2)
