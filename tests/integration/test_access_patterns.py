"""One test per access pattern of docs/data-model.md, and one cross-tenant test per repository."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from maxcore.dal.activities import ActivityRepository, StatusChange
from maxcore.dal.alerts import AlertRepository
from maxcore.dal.automations import AutomationRepository
from maxcore.dal.base import BATCH_GET_ATTEMPTS, timeline_position
from maxcore.dal.blacklist import BlacklistRepository
from maxcore.dal.channels import ChannelRepository
from maxcore.dal.items import LeadItem
from maxcore.dal.leads import LeadFilter, LeadRepository
from maxcore.dal.outbox import OutboxRepository
from maxcore.dal.secrets import SecretRepository
from maxcore.dal.senders import SenderRepository, SenderTakenError
from maxcore.dal.suppressions import SuppressionRepository
from maxcore.dal.templates import TemplateFilter, TemplateRepository, VersionWrite
from maxcore.dal.tenants import TenantDirectory, TenantProfileRepository
from maxcore.errors import (
    ConflictError,
    DuplicateMessageError,
    NotFoundError,
    RateLimitedError,
    ServiceUnavailableError,
)
from maxcore.ids import new_id
from maxcore.models.activity import Activity, ActivityChannel, ActivityStatus, Direction
from maxcore.models.alert import AlertState, AlertType, PointerState
from maxcore.models.channel import ChannelSettings, OutboxEntry, SenderSlot
from maxcore.models.common import Channel
from maxcore.models.lead import Lead, LeadStatus
from maxcore.models.prospection import BlacklistEntry, BlacklistKind, Decision, Outcome
from maxcore.models.template import (
    GeneratedBy,
    Template,
    TemplateCategory,
    TemplateContent,
    TemplateStatus,
    TemplateVersion,
    VersionState,
)
from maxcore.models.tenant import Locale
from maxcore.rules.delivery import statuses_before
from maxcore.rules.summary import apply_activity
from maxcore.services.alerts import AlertService
from maxcore.services.tenants import provision_tenant, tenant_settings
from tests.support.dynamodb_requests import RequestCounter
from tests.support.tenants import settings_only

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


def _lead(**fields: object) -> Lead:
    base: dict[str, object] = {"id": new_id(), "first_name": "Test", "created_at": NOW, "updated_at": NOW}
    return Lead.model_validate(base | fields)


def _activity(lead_id: str, **fields: object) -> Activity:
    base: dict[str, object] = {
        "id": new_id(),
        "lead_id": lead_id,
        "channel": ActivityChannel.SMS,
        "direction": Direction.OUT,
        "status": ActivityStatus.SENT,
        "occurred_at": NOW,
    }
    return Activity.model_validate(base | fields)


def _template(**fields: object) -> tuple[Template, TemplateVersion]:
    base: dict[str, object] = {
        "id": new_id(),
        "channel": Channel.SMS,
        "name": "Relance",
        "category": TemplateCategory.FOLLOW_UP,
        "locale": Locale.FR,
        "status": TemplateStatus.DRAFT,
        "generated_by": GeneratedBy.USER,
        "content": TemplateContent(body="Bonjour {{firstName}}"),
        "created_at": NOW,
        "updated_at": NOW,
    }
    head = Template.model_validate(base | fields)
    return head, _version(head, 1, VersionState.DRAFT)


def _version(head: Template, number: int, state: VersionState, body: str | None = None) -> TemplateVersion:
    content = head.content if body is None else TemplateContent(body=body)
    return TemplateVersion(
        template_id=head.id,
        number=number,
        state=state,
        content=content,
        generated_by=head.generated_by,
        created_at=NOW,
        updated_at=NOW,
    )


def test_ap1_create_lead_with_contact_guards(tenant_id: str) -> None:
    repository = LeadRepository(tenant_id)
    lead = repository.create(_lead(phone="+33611111111", email="a@example.com"))
    assert lead.version == 1
    with pytest.raises(ConflictError) as conflict:
        repository.create(_lead(email="a@example.com"))
    assert conflict.value.details["existing_lead_id"] == lead.id


def test_ap2_get_lead_by_id(tenant_id: str, counter: RequestCounter) -> None:
    repository = LeadRepository(tenant_id)
    lead = repository.create(_lead(company="Bella"))
    counter.operations.clear()
    assert repository.get(lead.id) == lead
    assert counter.operations == ["GetItem"]


def test_ap3_list_leads_newest_first_in_one_query(tenant_id: str, counter: RequestCounter) -> None:
    repository = LeadRepository(tenant_id)
    ids = [repository.create(_lead(first_name=f"L{i}")).id for i in range(5)]
    counter.operations.clear()
    page, cursor = repository.list_leads(LeadFilter(), limit=10, cursor=None)
    assert [lead.id for lead in page] == list(reversed(ids))
    assert cursor is None
    assert counter.operations == ["Query"]


def test_ap3_sweep_reads_every_lead_of_the_tenant(tenant_id: str) -> None:
    repository = LeadRepository(tenant_id)
    ids = {repository.create(_lead(first_name=f"S{i}")).id for i in range(4)}
    assert {lead.id for lead in repository.iter_all()} == ids


def test_ap4_list_leads_by_status(tenant_id: str, counter: RequestCounter) -> None:
    repository = LeadRepository(tenant_id)
    won = repository.create(_lead(status=LeadStatus.CONVERTED))
    repository.create(_lead(status=LeadStatus.NEW))
    counter.operations.clear()
    page, _ = repository.list_leads(LeadFilter(status=LeadStatus.CONVERTED), limit=10, cursor=None)
    assert [lead.id for lead in page] == [won.id]
    # GSI1 projects keys, not leads: the page's keys, then the page's leads
    assert counter.operations == ["Query", "BatchGetItem"]


def test_ap4_status_change_moves_the_lead_between_status_lists(tenant_id: str) -> None:
    repository = LeadRepository(tenant_id)
    lead = repository.create(_lead())
    repository.update(lead, lead.model_copy(update={"status": LeadStatus.QUALIFIED}))
    by_status = {
        status: [x.id for x in repository.list_leads(LeadFilter(status=status), 10, None)[0]]
        for status in (LeadStatus.NEW, LeadStatus.QUALIFIED)
    }
    assert by_status == {LeadStatus.NEW: [], LeadStatus.QUALIFIED: [lead.id]}


def test_ap5_find_lead_by_contact(tenant_id: str, counter: RequestCounter) -> None:
    repository = LeadRepository(tenant_id)
    lead = repository.create(_lead(phone="+33622222222", telegram_chat_id="123456"))
    counter.operations.clear()
    assert repository.find_by_contact("phone", "+33622222222") == lead.id
    assert repository.find_by_contact("telegram_chat_id", "123456") == lead.id
    assert repository.find_by_contact("email", "nobody@example.com") is None
    assert counter.operations == ["GetItem", "GetItem", "GetItem"]


def test_ap6_tenant_profile_is_provisioned_once(tenant_id: str) -> None:
    tenant, created = provision_tenant(tenant_id, "Institut Test", clock=lambda: NOW)
    again, created_again = provision_tenant(tenant_id, "Another name", clock=lambda: NOW + timedelta(days=1))
    assert (created, created_again) == (True, False)
    assert again == tenant
    assert again.name == "Institut Test"
    assert again.alert_thresholds.no_reply_days == 3


def test_ap7_tenant_directory_lists_every_tenant(tenant_id: str, other_tenant_id: str) -> None:
    provision_tenant(tenant_id, "A")
    provision_tenant(other_tenant_id, "B")
    listed = set(TenantDirectory().tenant_ids())
    assert {tenant_id, other_tenant_id} <= listed


def test_ap8_record_activity_updates_the_lead_summary_atomically(tenant_id: str) -> None:
    leads, activities = LeadRepository(tenant_id), ActivityRepository(tenant_id)
    lead = leads.create(_lead(phone="+33633333333"))
    activity = _activity(lead.id, status=ActivityStatus.DELIVERED, preview="Bonjour !")
    activities.record(lead, activity, apply_activity(lead.summary, activity, NOW))
    stored = leads.get(lead.id)
    assert stored.summary.last_outbound_at == NOW
    assert stored.version == lead.version + 1
    # A writer holding the old version loses: its summary would overwrite this one.
    stale = activity.model_copy(update={"id": new_id()})
    with pytest.raises(ConflictError):
        activities.record(lead, stale, apply_activity(lead.summary, stale, NOW))
    assert [a.id for a in activities.page_for_lead(lead.id, None, 100)] == [activity.id]


def test_ap9_activities_of_a_lead_newest_first(tenant_id: str) -> None:
    leads, activities = LeadRepository(tenant_id), ActivityRepository(tenant_id)
    lead = leads.create(_lead())
    recorded = []
    for hours in (5, 1, 3):
        current = leads.get(lead.id)
        activity = _activity(lead.id, channel=ActivityChannel.EMAIL, occurred_at=NOW - timedelta(hours=hours))
        activities.record(current, activity, apply_activity(current.summary, activity, NOW))
        recorded.append(activity)
    listed = activities.page_for_lead(lead.id, None, 100)
    assert [a.occurred_at for a in listed] == sorted((a.occurred_at for a in recorded), reverse=True)


def test_ap9b_latest_message_sent_on_a_channel_within_a_period(
    tenant_id: str, other_tenant_id: str, counter: RequestCounter
) -> None:
    # Given a lead with an SMS sent 5 days ago, an e-mail and an inbound SMS since, and an older SMS
    leads, activities = LeadRepository(tenant_id), ActivityRepository(tenant_id)
    lead = leads.create(_lead())
    history = [
        (ActivityChannel.SMS, Direction.OUT, 9),
        (ActivityChannel.SMS, Direction.OUT, 5),
        (ActivityChannel.EMAIL, Direction.OUT, 2),
        (ActivityChannel.SMS, Direction.IN, 1),
    ]
    recorded = []
    for channel, direction, days in history:
        current = leads.get(lead.id)
        activity = _activity(
            lead.id, channel=channel, direction=direction, occurred_at=NOW - timedelta(days=days)
        )
        activities.record(current, activity, apply_activity(current.summary, activity, NOW))
        recorded.append(activity)

    # When the latest SMS sent within the last week is asked for
    counter.operations.clear()
    found = activities.latest_sent_on(lead.id, Channel.SMS, NOW - timedelta(days=7), NOW)

    # Then it is the one of 5 days ago, read with one Query; none within 3 days; none in another tenant
    assert found is not None
    assert found.id == recorded[1].id
    assert counter.operations == ["Query"]
    assert activities.latest_sent_on(lead.id, Channel.SMS, NOW - timedelta(days=3), NOW) is None
    assert (
        ActivityRepository(other_tenant_id).latest_sent_on(lead.id, Channel.SMS, NOW - timedelta(days=7), NOW)
        is None
    )


def test_ap11_generation_writes_only_what_changed(tenant_id: str, counter: RequestCounter) -> None:
    provision_tenant(tenant_id, "A", clock=lambda: NOW)
    lead = LeadRepository(tenant_id).create(_lead())
    repository = AlertRepository(tenant_id)
    before = repository.lead_state(lead.id)
    service = AlertService(tenant_id, clock=lambda: NOW + timedelta(days=8))

    # The first run: the tenant's settings, one page of leads, one transaction for the new alert
    counter.operations.clear()
    assert service.generate().opened == 1
    assert counter.operations == ["GetItem", "Query", "TransactWriteItems"]
    pointer = repository.lead_state(lead.id).pointers[AlertType.NO_CONTACT_7D]
    assert pointer.state is PointerState.OPEN

    # The second run reads the same and writes nothing
    counter.operations.clear()
    assert service.generate().unchanged == 1
    assert counter.operations == ["GetItem", "Query"]

    # A writer that read the lead before the first run cannot open the alert a second time
    writes, channel = service._changes(before, tenant_settings(tenant_id), NOW + timedelta(days=8))
    with pytest.raises(ConflictError):
        repository.apply(before, writes, channel, NOW + timedelta(days=8))
    assert len(repository.for_lead(lead.id)) == 1


def test_ap12_alerts_by_state_by_lead_and_counts(tenant_id: str) -> None:
    provision_tenant(tenant_id, "A", clock=lambda: NOW)
    leads = [LeadRepository(tenant_id).create(_lead()) for _ in range(3)]
    AlertService(tenant_id, clock=lambda: NOW + timedelta(days=8)).generate()
    repository = AlertRepository(tenant_id)

    opened, cursor = repository.list_by_state(
        AlertState.OPEN, severity=None, alert_type=None, limit=2, cursor=None
    )
    rest, last = repository.list_by_state(
        AlertState.OPEN, severity=None, alert_type=None, limit=2, cursor=cursor
    )
    assert last is None
    assert sorted(a.lead_id for a in opened + rest) == sorted(lead.id for lead in leads)
    assert repository.open_counts() == {AlertType.NO_CONTACT_7D: 3}

    target = opened[0]
    assert repository.get(target.id) == target
    assert [a.id for a in repository.for_lead(target.lead_id)] == [target.id]
    repository.resolve_by_user(target, "rep-1", "resolved by a user", NOW + timedelta(days=9))
    resolved, _ = repository.list_by_state(
        AlertState.RESOLVED, severity=None, alert_type=None, limit=10, cursor=None
    )
    assert [a.id for a in resolved] == [target.id]
    assert resolved[0].resolved_by == "rep-1"
    pointer = repository.lead_state(target.lead_id).pointers[AlertType.NO_CONTACT_7D]
    assert (pointer.id, pointer.state) == (target.id, PointerState.DISMISSED)
    assert repository.open_counts() == {AlertType.NO_CONTACT_7D: 2}


def test_ap13_templates_of_a_tenant_and_versions_of_a_template(
    tenant_id: str, counter: RequestCounter
) -> None:
    repository = TemplateRepository(tenant_id)
    sms = repository.create(*_template())
    email = repository.create(
        *_template(channel=Channel.EMAIL, content=TemplateContent(subject="Hi", body="Hi"), locale=Locale.EN)
    )
    # An active template with a draft waiting: version 1 serves, version 2 waits
    active_head, first = _template(status=TemplateStatus.ACTIVE)
    active = repository.create(active_head, first.model_copy(update={"state": VersionState.ACTIVE}))
    waiting = _version(active, 2, VersionState.DRAFT, body="Bonsoir {{firstName}}")
    active = repository.commit(
        active.model_copy(update={"draft_version": 2, "latest_version": 2}),
        expected_revision=active.revision,
        versions=[(waiting, VersionWrite.CREATE)],
    )
    assert active.revision == 2

    counter.operations.clear()
    assert repository.get(active.id) == active
    assert counter.operations == ["GetItem"]

    # The heads, newest (greatest ULID) first, in one query: never the versions
    newest_first = sorted([sms.id, email.id, active.id], reverse=True)
    counter.operations.clear()
    page, cursor = repository.list_templates(TemplateFilter(), limit=10, cursor=None)
    assert [t.id for t in page] == newest_first
    assert cursor is None
    assert counter.operations == ["Query"]
    page, cursor = repository.list_templates(TemplateFilter(), limit=2, cursor=None)
    rest, end = repository.list_templates(TemplateFilter(), limit=2, cursor=cursor)
    assert [t.id for t in page + rest] == newest_first
    assert end is None
    filtered, _ = repository.list_templates(
        TemplateFilter(channel=Channel.SMS, status=TemplateStatus.DRAFT), limit=10, cursor=None
    )
    assert [t.id for t in filtered] == [sms.id]
    assert [t.id for t in repository.list_templates(TemplateFilter(locale="en"), 10, None)[0]] == [email.id]
    assert {t.id for t in repository.iter_all()} == {sms.id, email.id, active.id}

    # The versions of one template, oldest first, in one query
    counter.operations.clear()
    versions = repository.list_versions(active.id)
    assert [(v.number, v.state, v.content.body) for v in versions] == [
        (1, VersionState.ACTIVE, "Bonjour {{firstName}}"),
        (2, VersionState.DRAFT, "Bonsoir {{firstName}}"),
    ]
    assert counter.operations == ["Query"]
    assert repository.get_version(active.id, 2) == waiting
    with pytest.raises(NotFoundError):
        repository.get_version(active.id, 3)
    # A version number cannot be written twice
    with pytest.raises(ConflictError):
        repository.commit(
            active, expected_revision=active.revision, versions=[(waiting, VersionWrite.CREATE)]
        )

    # Delete takes the head and every version
    repository.delete(repository.get(active.id))
    with pytest.raises(NotFoundError):
        repository.get(active.id)
    assert repository.list_versions(active.id) == []
    assert [v.number for v in repository.list_versions(sms.id)] == [1]


def test_cross_tenant_template_repository(tenant_id: str, other_tenant_id: str) -> None:
    mine = TemplateRepository(tenant_id).create(*_template())
    theirs = TemplateRepository(other_tenant_id)
    with pytest.raises(NotFoundError):
        theirs.get(mine.id)
    with pytest.raises(NotFoundError):
        theirs.get_version(mine.id, 1)
    assert theirs.list_versions(mine.id) == []
    assert theirs.list_templates(TemplateFilter(), 10, None)[0] == []
    assert list(theirs.iter_all()) == []
    # Writing or deleting by the id of another tenant's template fails: the head is not there.
    with pytest.raises(ConflictError):
        theirs.commit(mine.model_copy(update={"name": "pwned"}), expected_revision=mine.revision)
    with pytest.raises(ConflictError):
        theirs.delete(mine)
    assert TemplateRepository(tenant_id).get(mine.id) == mine
    assert theirs.list_templates(TemplateFilter(), 10, None)[0] == []


def test_cross_tenant_lead_repository(tenant_id: str, other_tenant_id: str) -> None:
    mine = LeadRepository(tenant_id).create(_lead(email="x@example.com"))
    theirs = LeadRepository(other_tenant_id)
    with pytest.raises(NotFoundError):
        theirs.get(mine.id)
    assert theirs.find_by_contact("email", "x@example.com") is None
    assert theirs.list_leads(LeadFilter(), 10, None)[0] == []
    assert list(theirs.iter_all()) == []


def test_cross_tenant_tenant_profile_repository(tenant_id: str, other_tenant_id: str) -> None:
    provision_tenant(tenant_id, "Mine")
    with pytest.raises(NotFoundError):
        TenantProfileRepository(other_tenant_id).get()


def test_cross_tenant_activity_repository(tenant_id: str, other_tenant_id: str) -> None:
    lead = LeadRepository(tenant_id).create(_lead())
    activity = _activity(lead.id, channel=ActivityChannel.CALL, status=ActivityStatus.NO_ANSWER)
    ActivityRepository(tenant_id).record(lead, activity, apply_activity(lead.summary, activity, NOW))
    assert ActivityRepository(other_tenant_id).page_for_lead(lead.id, None, 100) == []
    # Recording for a lead id of another tenant fails: the lead item does not exist there.
    with pytest.raises(ConflictError):
        ActivityRepository(other_tenant_id).record(lead, activity, lead.summary)


def test_cross_tenant_alert_repository(tenant_id: str, other_tenant_id: str) -> None:
    settings_only(tenant_id)
    lead = LeadRepository(tenant_id).create(_lead())
    AlertService(tenant_id, clock=lambda: NOW + timedelta(days=8)).generate()
    alert = AlertRepository(tenant_id).for_lead(lead.id)[0]
    theirs = AlertRepository(other_tenant_id)
    with pytest.raises(NotFoundError):
        theirs.get(alert.id)
    with pytest.raises(NotFoundError):
        theirs.lead_state(lead.id)
    assert theirs.for_lead(lead.id) == []
    assert theirs.page_for_lead(lead.id, None, 10) == []
    assert theirs.open_counts() == {}
    assert theirs.list_by_state(AlertState.OPEN, severity=None, alert_type=None, limit=10, cursor=None) == (
        [],
        None,
    )
    assert list(theirs.iter_lead_states()) == []


# --- messaging (issue 6) -------------------------------------------------------------------------
def _record(tenant_id: str, lead_id: str, **fields: object) -> Activity:
    leads, activities = LeadRepository(tenant_id), ActivityRepository(tenant_id)
    current = leads.get(lead_id)
    activity = _activity(lead_id, **fields)
    activities.record(current, activity, apply_activity(current.summary, activity, NOW))
    return activity


def test_ap10_a_provider_message_is_recorded_once_and_found_by_its_id(
    tenant_id: str, counter: RequestCounter
) -> None:
    lead = LeadRepository(tenant_id).create(_lead(phone="+33644444444"))
    activity = _record(tenant_id, lead.id, provider_message_id="SM" + "1" * 32, status=ActivityStatus.QUEUED)
    activities = ActivityRepository(tenant_id)
    # The same provider message again (a webhook delivered twice) writes nothing.
    again = _activity(lead.id, provider_message_id="SM" + "1" * 32)
    with pytest.raises(DuplicateMessageError):
        activities.record(
            LeadRepository(tenant_id).get(lead.id), again, LeadRepository(tenant_id).get(lead.id).summary
        )
    assert [a.id for a in activities.page_for_lead(lead.id, None, 10)] == [activity.id]

    counter.operations.clear()
    ref = activities.find_by_provider_id("SM" + "1" * 32)
    assert counter.operations == ["GetItem"]
    assert ref is not None
    assert (ref.lead_id, ref.activity_id) == (lead.id, activity.id)
    assert activities.find_by_provider_id("SM" + "2" * 32) is None


def test_ap10_status_moves_forward_only(tenant_id: str) -> None:
    leads, activities = LeadRepository(tenant_id), ActivityRepository(tenant_id)
    lead = leads.create(_lead(phone="+33655555555"))
    activity = _record(tenant_id, lead.id, provider_message_id="SM" + "3" * 32, status=ActivityStatus.QUEUED)
    ref = activities.find_by_provider_id("SM" + "3" * 32)
    assert ref is not None

    def advance(status: ActivityStatus) -> bool:
        current = leads.get(lead.id)
        change = StatusChange(
            status=status.value, at=NOW, allowed_from=tuple(s.value for s in statuses_before(status))
        )
        return activities.advance_status(current, ref, change, current.summary)

    assert advance(ActivityStatus.SENT) is True
    assert advance(ActivityStatus.QUEUED) is False
    assert advance(ActivityStatus.SENT) is False
    assert advance(ActivityStatus.UNDELIVERED) is True
    assert advance(ActivityStatus.DELIVERED) is False
    stored = activities.get(ref)
    assert stored is not None
    assert stored.id == activity.id
    assert stored.status is ActivityStatus.UNDELIVERED


def test_ap10b_our_reference_finds_a_message_whose_answer_was_lost_in_its_tenant_only(
    tenant_id: str, other_tenant_id: str, counter: RequestCounter
) -> None:
    # Given a message noted under our reference before the provider call, then recorded without a SID
    lead = LeadRepository(tenant_id).create(_lead(phone="+33677777777"))
    activities = ActivityRepository(tenant_id)
    noted = _activity(lead.id).model_copy(update={"status": ActivityStatus.UNCONFIRMED})
    activities.note_pending(noted)
    recorded = _record(
        tenant_id, lead.id, id=noted.id, status=ActivityStatus.UNCONFIRMED, occurred_at=noted.occurred_at
    )

    # When it is looked up by our reference: one strong GetItem, in this tenant only
    counter.operations.clear()
    found = activities.find_pending(noted.id)
    assert counter.operations == ["GetItem"]
    assert ActivityRepository(other_tenant_id).find_pending(noted.id) is None
    assert found is not None
    where, pending = found
    assert (where.lead_id, where.activity_id, pending.id) == (lead.id, recorded.id, noted.id)

    # Then the provider's id is attached once, and the message is found by it from then on
    assert activities.attach_provider_id(where, "SM" + "7" * 32, NOW) is True
    assert activities.attach_provider_id(where, "SM" + "8" * 32, NOW) is False
    ref = activities.find_by_provider_id("SM" + "7" * 32)
    assert ref is not None
    assert ref.activity_id == noted.id
    stored = activities.get(ref)
    assert stored is not None
    assert stored.provider_message_id == "SM" + "7" * 32
    assert activities.find_by_provider_id("SM" + "8" * 32) is None


def test_ap21_messages_of_a_lead_skip_calls_and_notes(tenant_id: str) -> None:
    lead = LeadRepository(tenant_id).create(_lead(phone="+33666666666"))
    sms = _record(tenant_id, lead.id, occurred_at=NOW - timedelta(hours=3))
    _record(tenant_id, lead.id, channel=ActivityChannel.CALL, occurred_at=NOW - timedelta(hours=2))
    mail = _record(tenant_id, lead.id, channel=ActivityChannel.EMAIL, occurred_at=NOW - timedelta(hours=1))
    activities = ActivityRepository(tenant_id)

    first = activities.messages_page(lead.id, None, 1)
    assert [a.id for a in first] == [mail.id]
    rest = activities.messages_page(lead.id, timeline_position(mail.occurred_at, mail.id), 10)
    assert [a.id for a in rest] == [sms.id]


def test_ap22_conversations_by_last_message_with_a_channel_filter(
    tenant_id: str, counter: RequestCounter
) -> None:
    leads = LeadRepository(tenant_id)
    by_sms = leads.create(_lead(phone="+33677777777"))
    by_mail = leads.create(_lead(email="lina@example.fr"))
    silent = leads.create(_lead(email="rien@example.fr"))
    _record(tenant_id, by_sms.id, occurred_at=NOW - timedelta(hours=2))
    _record(tenant_id, by_mail.id, channel=ActivityChannel.EMAIL, occurred_at=NOW - timedelta(hours=1))

    counter.operations.clear()
    rows, position = leads.conversations(None, 10, None)
    # GSI2 projects keys and summaries, not leads: the page's keys, then the page's leads
    assert counter.operations == ["Query", "BatchGetItem"]
    assert [r.id for r in rows] == [by_mail.id, by_sms.id]
    assert silent.id not in {r.id for r in rows}
    assert position is None
    first, position = leads.conversations(None, 1, None)
    assert [r.id for r in first] == [by_mail.id]
    assert position is not None
    assert [r.id for r in leads.conversations(None, 1, position)[0]] == [by_sms.id]
    assert [r.id for r in leads.conversations(Channel.SMS, 10, None)[0]] == [by_sms.id]


def test_ap23_a_summary_written_from_a_stale_read_is_refused(tenant_id: str) -> None:
    leads = LeadRepository(tenant_id)
    lead = leads.create(_lead(phone="+33688888888"))
    leads.set_summary(lead, lead.summary.model_copy(update={"unread": 0}))
    with pytest.raises(ConflictError):
        leads.set_summary(lead, lead.summary)


def test_ap24_credentials_are_written_and_read_per_tenant(
    tenant_id: str, other_tenant_id: str, ssm_endpoint: str
) -> None:
    mine, theirs = SecretRepository(tenant_id), SecretRepository(other_tenant_id)
    mine.put("twilio", "auth_token", "first-token-0123456789")
    assert mine.get("twilio", "auth_token") == "first-token-0123456789"
    mine.put("twilio", "auth_token", "second-token-0123456789")
    assert mine.get("twilio", "auth_token") == "second-token-0123456789"
    assert theirs.get("twilio", "auth_token") is None
    assert mine.name("twilio", "auth_token").endswith(f"/tenants/{tenant_id}/twilio/auth_token")


def test_ap25_channel_settings_default_until_saved_then_lock_on_version(tenant_id: str) -> None:
    channels = ChannelRepository(tenant_id)
    assert channels.get(Channel.SMS) == ChannelSettings(channel=Channel.SMS)
    saved = channels.save(
        ChannelSettings(channel=Channel.SMS, sender="+33700000001", daily_cap=5, updated_at=NOW)
    )
    assert channels.list_all()[Channel.SMS].sender == "+33700000001"
    channels.save(saved.model_copy(update={"daily_cap": 6}))
    with pytest.raises(ConflictError):
        channels.save(saved.model_copy(update={"daily_cap": 7}))


def test_ap26_the_daily_cap_holds_under_concurrent_sends(tenant_id: str) -> None:
    channels = ChannelRepository(tenant_id)

    def take() -> bool:
        try:
            channels.take_send_slot(Channel.SMS, "2026-03-10", 3, NOW)
        except RateLimitedError:
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        taken = list(pool.map(lambda _: take(), range(10)))
    assert taken.count(True) == 3
    assert channels.sent_on(Channel.SMS, "2026-03-10") == 3
    channels.give_back_send_slot(Channel.SMS, "2026-03-10")
    assert take() is True


def test_ap26b_a_sender_slot_is_taken_once_per_send_and_never_over_its_limit(
    tenant_id: str, other_tenant_id: str
) -> None:
    senders = SenderRepository(tenant_id)
    slot = SenderSlot(address="claire@bellepeau.fr", day="2026-03-10")

    def take(key: str) -> bool:
        return senders.take(key, slot, 3, NOW)

    # When ten sends race for a sender allowed three a day
    with ThreadPoolExecutor(max_workers=8) as pool:
        taken = list(pool.map(take, [f"send-{i}" for i in range(10)]))
    # Then three win, and each winner's pick names the sender
    assert taken.count(True) == 3
    assert senders.sent_on("2026-03-10", [slot.address, "marc@bellepeau.fr"]) == {slot.address: 3}
    winner = f"send-{taken.index(True)}"
    assert senders.picked(winner) == slot
    assert senders.picked(f"send-{taken.index(False)}") is None
    # And a winner taking again is told its pick exists, counting nothing
    with pytest.raises(SenderTakenError):
        senders.take(winner, slot.model_copy(update={"address": "marc@bellepeau.fr"}), 3, NOW)
    # When a winner gives its slot back, its pick goes and another send can take the slot
    senders.give_back(winner, slot)
    senders.give_back(winner, slot)  # twice: the second frees nothing
    assert senders.picked(winner) is None
    assert senders.sent_on("2026-03-10", [slot.address]) == {slot.address: 2}
    assert take("send-late") is True
    # And another tenant sees none of it
    assert SenderRepository(other_tenant_id).sent_on("2026-03-10", [slot.address]) == {}
    assert SenderRepository(other_tenant_id).picked(winner) is None


def test_ap27_suppression_keeps_its_first_reason(tenant_id: str, other_tenant_id: str) -> None:
    suppressions = SuppressionRepository(tenant_id)
    assert suppressions.suppress("lea@example.fr", "bounced", "mailbox full", "e1", NOW) is True
    assert suppressions.suppress("lea@example.fr", "complained", None, "e2", NOW) is False
    assert suppressions.is_suppressed("lea@example.fr") is True
    assert SuppressionRepository(other_tenant_id).is_suppressed("lea@example.fr") is False


def test_ap27_every_suppressed_address_is_listed_for_a_run(tenant_id: str, other_tenant_id: str) -> None:
    # Given two addresses suppressed for the tenant, and another tenant's own
    suppressions = SuppressionRepository(tenant_id)
    suppressions.suppress("lea@example.fr", "bounced", None, "e1", NOW)
    suppressions.suppress("marc@example.fr", "complained", None, "e2", NOW)
    SuppressionRepository(other_tenant_id).suppress("zoe@example.fr", "bounced", None, "e3", NOW)
    # When a run lists the tenant's suppressed addresses
    listed = suppressions.addresses()
    # Then it gets the tenant's two, not the other tenant's
    assert listed == {"lea@example.fr", "marc@example.fr"}


def test_ap28_the_outbox_pages_newest_first(tenant_id: str, other_tenant_id: str) -> None:
    outbox = OutboxRepository(tenant_id)
    entries = [
        outbox.put(
            OutboxEntry(
                id=new_id(),
                channel=Channel.SMS,
                to="+33611111111",
                sender=None,
                subject=None,
                body=f"message {n}",
                html=None,
                created_at=NOW,
            ),
            f"key-{n}",
        )
        for n in range(3)
    ]
    first, cursor = outbox.page(2, None)
    assert [e.id for e in first] == [entries[2].id, entries[1].id]
    assert cursor is not None
    rest, cursor = outbox.page(2, cursor)
    assert [e.id for e in rest] == [entries[0].id]
    assert cursor is None
    assert OutboxRepository(other_tenant_id).page(10, None) == ([], None)


def test_cross_tenant_messaging_repositories(tenant_id: str, other_tenant_id: str) -> None:
    lead = LeadRepository(tenant_id).create(_lead(phone="+33699999999"))
    _record(tenant_id, lead.id, provider_message_id="SM" + "4" * 32)
    ChannelRepository(tenant_id).save(ChannelSettings(channel=Channel.EMAIL, enabled=False, updated_at=NOW))
    assert ActivityRepository(other_tenant_id).find_by_provider_id("SM" + "4" * 32) is None
    assert ActivityRepository(other_tenant_id).messages_page(lead.id, None, 10) == []
    assert LeadRepository(other_tenant_id).conversations(None, 10, None) == ([], None)
    assert ChannelRepository(other_tenant_id).get(Channel.EMAIL).enabled is True


# --- prospection analytics ---------------------------------------------------------------------------
class HeldBack:
    """Wraps the lead items' BatchGetItem: the first ``times`` calls answer one key and leave the
    others unprocessed, as DynamoDB does when it throttles; later calls go through."""

    def __init__(self, real: Any, table_name: str, times: int) -> None:
        self.real, self.table_name, self.times = real, table_name, times
        self.asked: list[int] = []

    def __call__(self, item_keys: list[Any], **kwargs: Any) -> Any:
        self.asked.append(len(item_keys))
        if len(self.asked) > self.times:
            return self.real(item_keys, **kwargs)
        answer = self.real(item_keys[:1], **kwargs)
        answer["UnprocessedKeys"] = {self.table_name: {"Keys": list(item_keys[1:])}}
        return answer


def test_ap2_several_leads_by_id_in_batches_of_100(
    tenant_id: str, other_tenant_id: str, counter: RequestCounter
) -> None:
    # Given three leads, asked for among 147 unknown ids and a repeat
    repository = LeadRepository(tenant_id)
    leads = [repository.create(_lead(first_name=f"B{i}")) for i in range(3)]
    wanted = [lead.id for lead in leads] + [new_id() for _ in range(147)] + [leads[0].id]
    counter.operations.clear()
    # When they are read together
    found = repository.get_many(wanted)
    # Then the three come back by id, in two BatchGetItem calls (100 keys, then 50)
    assert found == {lead.id: lead for lead in leads}
    assert counter.operations == ["BatchGetItem", "BatchGetItem"]
    # And nothing is read for no id, nor for another tenant
    assert repository.get_many([]) == {}
    assert LeadRepository(other_tenant_id).get_many(lead.id for lead in leads) == {}


def test_ap2_keys_left_unprocessed_are_asked_again(tenant_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given three leads, and DynamoDB leaving keys unprocessed on the first call
    repository = LeadRepository(tenant_id)
    leads = [repository.create(_lead(first_name=f"U{i}")) for i in range(3)]
    connection = LeadItem._get_connection()
    held_back = HeldBack(connection.batch_get_item, connection.table_name, times=1)
    monkeypatch.setattr(connection, "batch_get_item", held_back)
    # When they are read, Then the two held back are asked again and every lead comes back
    assert repository.get_many(lead.id for lead in leads) == {lead.id: lead for lead in leads}
    assert held_back.asked == [3, 2]
    # When DynamoDB keeps leaving keys unprocessed, Then the read fails rather than answer part
    monkeypatch.setattr(
        connection,
        "batch_get_item",
        HeldBack(held_back.real, connection.table_name, times=BATCH_GET_ATTEMPTS),
    )
    # (each call here answers one key: more keys than calls allowed)
    with pytest.raises(ServiceUnavailableError):
        repository.get_many([*(lead.id for lead in leads), *(new_id() for _ in range(BATCH_GET_ATTEMPTS))])


def test_ap36_which_of_many_addresses_are_blacklisted_in_one_batch(
    tenant_id: str, other_tenant_id: str, counter: RequestCounter
) -> None:
    # Given two blacklisted addresses of the tenant, and one of another tenant
    now = datetime.now(UTC)
    mine = BlacklistRepository(tenant_id)
    for kind, value in ((BlacklistKind.EMAIL, "stop@example.fr"), (BlacklistKind.PHONE, "+33611111111")):
        mine.add(BlacklistEntry(kind=kind, value=value, reason="demande", source="manual", created_at=now))
    BlacklistRepository(other_tenant_id).add(
        BlacklistEntry(
            kind=BlacklistKind.PHONE, value="+33622222222", reason="x", source="manual", created_at=now
        )
    )
    asked = [
        (BlacklistKind.EMAIL, "stop@example.fr"),
        (BlacklistKind.EMAIL, "ok@example.fr"),
        (BlacklistKind.PHONE, "+33611111111"),
        (BlacklistKind.PHONE, "+33622222222"),
    ]
    counter.operations.clear()
    # When the scheduler asks about the addresses of a few leads at once
    found = mine.listed(asked)
    # Then one BatchGetItem answers the tenant's two, never the other tenant's
    assert found == {asked[0], asked[2]}
    assert counter.operations == ["BatchGetItem"]
    assert mine.listed([]) == set()


def test_ap40_occurrences_left_open_are_listed_once_their_lease_is_over_and_leave_when_done(
    tenant_id: str, other_tenant_id: str, counter: RequestCounter
) -> None:
    # Given three occurrences: one sending until 10:15, one put off until 11:00, one done; and one of
    # another tenant whose lease is over too
    now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    mine, theirs = AutomationRepository(tenant_id), AutomationRepository(other_tenant_id)
    done = Decision(outcome=Outcome.SENT, code="silence", reason="Envoyé", at=now)
    put_off = Decision(outcome=Outcome.DEFERRED, code="daily_cap", reason="Reporté", at=now)
    tokens = {name: new_id() for name in ("sending", "deferred", "done", "theirs")}
    assert mine.claim_run("a1", "lead-s", "silence:1", tokens["sending"], now + timedelta(minutes=15), now)
    assert mine.mark_run_sending("a1", "lead-s", "silence:1", tokens["sending"], now)
    assert mine.claim_run("a1", "lead-d", "silence:1", tokens["deferred"], now + timedelta(minutes=15), now)
    assert mine.defer_run(
        "a1", "lead-d", "silence:1", tokens["deferred"], put_off, now + timedelta(hours=1), now
    )
    assert mine.claim_run("a1", "lead-x", "silence:1", tokens["done"], now + timedelta(minutes=15), now)
    assert mine.finish_run("a1", "lead-x", "silence:1", tokens["done"], done, now)
    assert theirs.claim_run("a1", "lead-o", "silence:1", tokens["theirs"], now, now)
    counter.operations.clear()
    # When the occurrences left open are asked for at three moments
    during = list(mine.open_runs(now + timedelta(minutes=14)))
    after_lease = list(mine.open_runs(now + timedelta(minutes=16)))
    after_retry = list(mine.open_runs(now + timedelta(hours=2)))
    # Then each is one Query, and one BatchGetItem of the occurrences when it found some; none
    # before its lease or retry time; oldest lease first; the done one and the other tenant's never
    assert counter.operations == ["Query", "Query", "BatchGetItem", "Query", "BatchGetItem"]
    assert during == []
    assert [(o.lead_id, o.state) for o in after_lease] == [("lead-s", "sending")]
    assert [(o.lead_id, o.state) for o in after_retry] == [("lead-s", "sending"), ("lead-d", "deferred")]
    # And once taken over and done, an occurrence leaves the index
    token = new_id()
    later = now + timedelta(hours=2)
    assert (
        mine.claim_run("a1", "lead-s", "silence:1", token, later + timedelta(minutes=15), later) == "sending"
    )
    assert mine.finish_run("a1", "lead-s", "silence:1", token, done, later)
    assert [o.lead_id for o in mine.open_runs(later + timedelta(hours=1))] == ["lead-d"]
