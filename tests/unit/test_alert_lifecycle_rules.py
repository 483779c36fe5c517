"""How stored alerts follow the rules: what opens, what resolves itself, what a user's resolve keeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from maxcore.models.alert import AlertDraft, AlertPointer, AlertType, PointerState, Severity
from maxcore.models.lead import Lead, LeadSummary
from maxcore.models.tenant import AlertThresholds
from maxcore.rules import alerts as alert_rules
from maxcore.rules.alert_lifecycle import CloseAlert, OpenAlert, plan

ID_A = "01J0000000000000000000000A"
ID_B = "01J0000000000000000000000B"
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _draft(alert_type: AlertType, episode: str) -> AlertDraft:
    return AlertDraft(
        type=alert_type, severity=Severity.MEDIUM, message="m", suggested_action="a", episode=episode
    )


def _pointer(episode: str, state: PointerState = PointerState.OPEN, alert_id: str = ID_A) -> AlertPointer:
    return AlertPointer(id=alert_id, episode=episode, state=state)


def _why(alert_type: AlertType, pointer: AlertPointer) -> str:
    return f"{alert_type.value} {pointer.episode} gone"


def test_a_new_condition_opens_an_alert() -> None:
    changes = plan([_draft(AlertType.NO_REPLY_3D, "e1")], {}, _why)
    assert changes == [OpenAlert(_draft(AlertType.NO_REPLY_3D, "e1"))]


@pytest.mark.parametrize("state", list(PointerState))
def test_the_same_episode_changes_nothing_whether_open_or_dismissed(state: PointerState) -> None:
    changes = plan(
        [_draft(AlertType.NO_REPLY_3D, "e1")], {AlertType.NO_REPLY_3D: _pointer("e1", state)}, _why
    )
    assert changes == []


def test_a_new_episode_replaces_the_open_alert_and_resolves_the_old_one_with_its_reason() -> None:
    old = _pointer("e1")
    changes = plan([_draft(AlertType.NO_REPLY_3D, "e2")], {AlertType.NO_REPLY_3D: old}, _why)
    assert changes == [OpenAlert(_draft(AlertType.NO_REPLY_3D, "e2"), old, "NoReply3d e1 gone")]


def test_a_new_episode_after_a_user_resolve_opens_without_resolving_anything() -> None:
    dismissed = _pointer("e1", PointerState.DISMISSED)
    changes = plan([_draft(AlertType.HOT_LEAD_24H, "e2")], {AlertType.HOT_LEAD_24H: dismissed}, _why)
    assert changes == [OpenAlert(_draft(AlertType.HOT_LEAD_24H, "e2"), dismissed, None)]


def test_an_open_alert_whose_condition_stopped_resolves_itself_with_the_reason() -> None:
    pointer = _pointer("e1")
    changes = plan([], {AlertType.NO_REPLY_3D: pointer}, _why)
    assert changes == [CloseAlert(AlertType.NO_REPLY_3D, pointer, "NoReply3d e1 gone")]


def test_a_dismissed_pointer_stays_so_its_episode_never_reopens() -> None:
    dismissed = {AlertType.NO_FOLLOWUP_7D: _pointer("e1", PointerState.DISMISSED)}
    # The condition stops (nothing to do), then comes back with the same episode (still nothing)
    assert plan([], dismissed, _why) == []
    assert plan([_draft(AlertType.NO_FOLLOWUP_7D, "e1")], dismissed, _why) == []


def test_several_types_change_at_once_and_planning_again_after_the_changes_finds_nothing() -> None:
    pointers = {
        AlertType.NO_REPLY_3D: _pointer("r1", alert_id=ID_A),
        AlertType.PREFERRED_CHANNEL: _pointer("whatsapp", alert_id=ID_B),
    }
    drafts = [_draft(AlertType.HOT_LEAD_24H, "h1"), _draft(AlertType.PREFERRED_CHANNEL, "whatsapp")]
    changes = plan(drafts, pointers, _why)
    assert [type(c).__name__ for c in changes] == ["OpenAlert", "CloseAlert"]
    # Apply the changes as the repository would, then plan again
    after = dict(pointers)
    for change in changes:
        if isinstance(change, OpenAlert):
            after[change.draft.type] = _pointer(change.draft.episode)
        else:
            del after[change.type]
    assert plan(drafts, after, _why) == []


def test_with_the_real_rules_a_reply_resolves_no_reply_with_the_reason() -> None:
    # Given a message sent 4 days ago, its NoReply3d alert is open
    sent = NOW - timedelta(days=4)
    lead = Lead(
        id=ID_A,
        first_name="Sophie",
        phone="+33612345678",
        created_at=NOW - timedelta(days=20),
        updated_at=NOW,
        summary=LeadSummary(
            last_outbound_at=sent, last_contact_at=sent, last_outbound_by_channel={"sms": sent}
        ),
    )
    thresholds = AlertThresholds()
    drafts = alert_rules.evaluate(lead, thresholds, NOW, "Europe/Paris", "fr")
    assert [d.type for d in drafts] == [AlertType.NO_REPLY_3D]
    pointers = {AlertType.NO_REPLY_3D: _pointer(drafts[0].episode)}

    # When the lead replies (a neutral reply, so no hot lead)
    replied = NOW - timedelta(hours=1)
    summary = lead.summary.model_copy(
        update={
            "last_inbound_at": replied,
            "last_contact_at": replied,
            "last_inbound_by_channel": {"sms": replied},
        }
    )
    answered = lead.model_copy(update={"summary": summary})

    def why(alert_type: AlertType, pointer: AlertPointer) -> str:
        return alert_rules.reason_resolved(
            alert_type, answered, NOW, thresholds, "Europe/Paris", pointer.episode, locale="fr"
        )

    # Then the plan resolves the alert, saying the lead replied
    changes = plan(alert_rules.evaluate(answered, thresholds, NOW, "Europe/Paris", "fr"), pointers, why)
    assert len(changes) == 1
    assert isinstance(changes[0], CloseAlert)
    assert "a répondu" in changes[0].reason
