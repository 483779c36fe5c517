"""The rule that tells whether a lead's sequence still runs in another campaign."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from maxcore.models.prospection import Enrollment, EnrollmentStatus
from maxcore.rules.prospection import running_elsewhere

ENROLLED = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)


def _enrollment(campaign_id: str, status: EnrollmentStatus, days_later: int = 0) -> Enrollment:
    at = ENROLLED + timedelta(days=days_later)
    times = {"enrolled_at": at, "updated_at": at}
    return Enrollment(
        campaign_id=campaign_id, lead_id="lead", scenario_id="s", scenario_version=1, status=status, **times
    )


@pytest.mark.parametrize(
    "status", [EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED, EnrollmentStatus.AWAITING_APPROVAL]
)
def test_an_enrollment_that_may_still_write_holds_the_lead(status: EnrollmentStatus) -> None:
    # Given a lead's enrollment in campaign A that may still write to it
    running = _enrollment("A", status)
    # When campaign B asks, Then A holds the lead
    assert running_elsewhere([running], "B") == running


@pytest.mark.parametrize(
    "status", [EnrollmentStatus.COMPLETED, EnrollmentStatus.STOPPED, EnrollmentStatus.REMOVED]
)
def test_a_finished_enrollment_lets_the_lead_go(status: EnrollmentStatus) -> None:
    assert running_elsewhere([_enrollment("A", status)], "B") is None


def test_the_campaign_asking_does_not_hold_the_lead_against_itself() -> None:
    # Given a lead running in A only: A itself may enroll it again (its own duplicate rule decides)
    assert running_elsewhere([_enrollment("A", EnrollmentStatus.ACTIVE)], "A") is None
    # And without a campaign (an automation asking), A holds it
    assert running_elsewhere([_enrollment("A", EnrollmentStatus.ACTIVE)]) is not None


def test_of_several_running_enrollments_the_oldest_is_named() -> None:
    # Given a lead in B (enrolled later) and A, both running, and a finished C
    older = _enrollment("A", EnrollmentStatus.ACTIVE, days_later=1)
    newer = _enrollment("B", EnrollmentStatus.PAUSED, days_later=3)
    finished = _enrollment("C", EnrollmentStatus.COMPLETED)
    # When D asks, Then A is the one named
    assert running_elsewhere([newer, finished, older], "D") == older
