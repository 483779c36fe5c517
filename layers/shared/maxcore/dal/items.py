"""The pynamodb items of the single table: one class per entity, told apart by ``entity``.

Items never leave ``dal/``: repositories turn them into domain models. Key strings come from
:mod:`maxcore.dal.keys` only.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    DiscriminatorAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    VersionAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from maxcore.dal.attributes import IsoDateTimeAttribute

# The indexes project the keys and the few attributes their filters read, never whole items: a
# write then costs index units only when it moves an item's index keys or changes one of these
# attributes. The hot writes change none of them: a lead's alert pointers, preferred channel and
# version, an enrollment's claim, send marker and decisions are on no index; a lead's summary is on
# GSI2 only, and the activity that rewrites it moves the lead's inbox keys anyway. Readers find
# keys in an index and read the items with BatchGetItem (``maxcore.dal.base.from_index``). A
# projection cannot change in place, so a new projection comes with a new index name
# (docs/operations.md).
GSI1_ATTRIBUTES = ["entity", "tags", "search_text", "alert_type", "severity"]
"""What GSI1's filters read: the entity (pynamodb filters a subclass's queries on it), a lead's tags
and search text (AP4), an alert's type and severity (AP12)."""
GSI2_ATTRIBUTES = ["entity", "summary"]
"""What GSI2's filters read: the entity, the channels of a lead's messages in its summary (AP22)."""


class GSI1(GlobalSecondaryIndex["BaseItem"]):
    """Overloaded index: leads by status, tenant directory, alerts by state, a lead's enrollments."""

    class Meta:
        index_name = "GSI1v2"
        projection = IncludeProjection(GSI1_ATTRIBUTES)

    GSI1PK = UnicodeAttribute(hash_key=True)
    GSI1SK = UnicodeAttribute(range_key=True)


class GSI2(GlobalSecondaryIndex["BaseItem"]):
    """Overloaded index: the sharded due-time index of prospection steps, a lead's alerts, the inbox."""

    class Meta:
        index_name = "GSI2v2"
        projection = IncludeProjection(GSI2_ATTRIBUTES)

    GSI2PK = UnicodeAttribute(hash_key=True)
    GSI2SK = UnicodeAttribute(range_key=True)


class BaseItem(Model):
    """Keys and discriminator shared by every item of the table."""

    class Meta:
        # Bound at run time by maxcore.dal.table.bind(): the name comes from TABLE_NAME.
        table_name = "unbound"
        region = "eu-west-3"
        host: str | None = None

    PK = UnicodeAttribute(hash_key=True)
    SK = UnicodeAttribute(range_key=True)
    GSI1PK = UnicodeAttribute(null=True)
    GSI1SK = UnicodeAttribute(null=True)
    GSI2PK = UnicodeAttribute(null=True)
    GSI2SK = UnicodeAttribute(null=True)
    entity = DiscriminatorAttribute(attr_name="entity")
    expires_at = NumberAttribute(null=True)

    gsi1 = GSI1()
    gsi2 = GSI2()


class TenantItem(BaseItem, discriminator="Tenant"):
    """A tenant's profile and settings (``TENANT#t`` / ``PROFILE``)."""

    tenant_id = UnicodeAttribute()
    name = UnicodeAttribute()
    plan = UnicodeAttribute()
    mode = UnicodeAttribute()
    locale = UnicodeAttribute()
    timezone = UnicodeAttribute()
    # ISO 3166 alpha-2; profiles written before it existed (with a "country_code" of 33) read as FR.
    default_country = UnicodeAttribute(default="FR")
    alert_thresholds = MapAttribute[str, Any](default=dict)
    send_window = MapAttribute[str, Any](default=dict)
    marketing_hours = MapAttribute[str, Any](null=True)
    business_profile = MapAttribute[str, Any](null=True)
    auto_mode_confirmed_at = IsoDateTimeAttribute(null=True)
    auto_mode_confirmed_by = UnicodeAttribute(null=True)
    created_at = IsoDateTimeAttribute()
    updated_at = IsoDateTimeAttribute()
    version = VersionAttribute()


class BudgetItem(BaseItem, discriminator="Budget"):
    """A tenant's token balance (``TENANT#t`` / ``BUDGET``), changed only by conditional writes."""

    balance = NumberAttribute(default=0)
    reserved = NumberAttribute(default=0)
    allowance = NumberAttribute(default=0)
    pack_tokens = NumberAttribute(default=0)
    period = UnicodeAttribute()
    # Tokens committed since the period began: the reporting overview reads it with the balance.
    spent = NumberAttribute(default=0)
    updated_at = IsoDateTimeAttribute()


class ReservationItem(BaseItem, discriminator="Reservation"):
    """Tokens set aside for one action (``TENANT#t#RESERVATION`` / ``RES#id``)."""

    reservation_id = UnicodeAttribute()
    action = UnicodeAttribute()
    category = UnicodeAttribute()
    cost = NumberAttribute()
    mode = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    """The English sentence a reservation made before ``about`` was kept; never written now."""
    about = MapAttribute[str, Any](default=dict)
    state = UnicodeAttribute()
    created_at = IsoDateTimeAttribute()
    settled_at = IsoDateTimeAttribute(null=True)


class LeadItem(BaseItem, discriminator="Lead"):
    """A lead with the summary state the alert rules read (``TENANT#t#LEAD`` / ``LEAD#id``)."""

    lead_id = UnicodeAttribute()
    first_name = UnicodeAttribute(null=True)
    last_name = UnicodeAttribute(null=True)
    company = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
    telegram_chat_id = UnicodeAttribute(null=True)
    timezone = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    tags = ListAttribute[str](default=list)
    source = UnicodeAttribute()
    notes = UnicodeAttribute(null=True)
    custom_fields = MapAttribute[str, Any](default=dict)
    consent = MapAttribute[str, Any](default=dict)
    summary = MapAttribute[str, Any](default=dict)
    # Owned by the alert repository (pointers to the lead's latest alert of each type, the preferred
    # channel): lead and activity writes never set them, so they cannot overwrite a generation's.
    alerts = MapAttribute[str, Any](null=True)
    preferred_channel = UnicodeAttribute(null=True)
    search_text = UnicodeAttribute(default="")
    created_at = IsoDateTimeAttribute()
    updated_at = IsoDateTimeAttribute()
    version = VersionAttribute()


class ContactItem(BaseItem, discriminator="Contact"):
    """Uniqueness guard and lookup of a lead contact (``TENANT#t#CONTACT`` / ``PHONE#+33...``)."""

    lead_id = UnicodeAttribute()


class ActivityItem(BaseItem, discriminator="Activity"):
    """One interaction with a lead (``TENANT#t#LEAD#id`` / ``ACT#<time>#<id>``)."""

    activity_id = UnicodeAttribute()
    lead_id = UnicodeAttribute()
    channel = UnicodeAttribute()
    direction = UnicodeAttribute()
    status = UnicodeAttribute()
    preview = UnicodeAttribute(null=True)
    provider_message_id = UnicodeAttribute(null=True)
    intent = UnicodeAttribute(null=True)
    occurred_at = IsoDateTimeAttribute()
    metadata = MapAttribute[str, Any](default=dict)
    status_updated_at = IsoDateTimeAttribute(null=True)
    error_code = UnicodeAttribute(null=True)
    error_message = UnicodeAttribute(null=True)
    variant_counted = UnicodeSetAttribute(null=True)
    """A/B variants: the figures (delivered, opened) this message already added to its variant's."""


class AlertItem(BaseItem, discriminator="Alert"):
    """An alert about a lead, with the reason it was raised (``TENANT#t#ALERT`` / ``ALERT#id``)."""

    alert_id = UnicodeAttribute()
    lead_id = UnicodeAttribute()
    lead_name = UnicodeAttribute()
    alert_type = UnicodeAttribute()
    severity = UnicodeAttribute()
    message = UnicodeAttribute()
    suggested_action = UnicodeAttribute()
    cta = ListAttribute[Any](default=list)
    metadata = MapAttribute[str, Any](default=dict)
    episode = UnicodeAttribute()
    state = UnicodeAttribute()
    created_at = IsoDateTimeAttribute()
    resolved_at = IsoDateTimeAttribute(null=True)
    resolved_by = UnicodeAttribute(null=True)
    resolution = UnicodeAttribute(null=True)


class TemplateItem(BaseItem, discriminator="Template"):
    """A template head: metadata and the serving content (``TENANT#t#TEMPLATE`` / ``TEMPLATE#id``)."""

    template_id = UnicodeAttribute()
    channel = UnicodeAttribute()
    name = UnicodeAttribute()
    category = UnicodeAttribute()
    locale = UnicodeAttribute()
    status = UnicodeAttribute()
    generated_by = UnicodeAttribute()
    builtin_key = UnicodeAttribute(null=True)
    serving_version = NumberAttribute(default=1)
    latest_version = NumberAttribute(default=1)
    draft_version = NumberAttribute(null=True)
    subject = UnicodeAttribute(null=True)
    body = UnicodeAttribute()
    html = UnicodeAttribute(null=True)
    variables = ListAttribute[str](default=list)
    whatsapp_content_sid = UnicodeAttribute(null=True)
    whatsapp_state = UnicodeAttribute(null=True)
    whatsapp_rejection_reason = UnicodeAttribute(null=True)
    whatsapp_updated_at = IsoDateTimeAttribute(null=True)
    created_by = UnicodeAttribute(null=True)
    validated_by = UnicodeAttribute(null=True)
    validated_at = IsoDateTimeAttribute(null=True)
    created_at = IsoDateTimeAttribute()
    updated_at = IsoDateTimeAttribute()
    version = VersionAttribute()


class TemplateVersionItem(BaseItem, discriminator="TemplateVersion"):
    """One version of a template's content (``TENANT#t#TEMPLATE`` / ``VERSION#id#00001``)."""

    template_id = UnicodeAttribute()
    number = NumberAttribute()
    state = UnicodeAttribute()
    subject = UnicodeAttribute(null=True)
    body = UnicodeAttribute()
    html = UnicodeAttribute(null=True)
    variables = ListAttribute[str](default=list)
    generated_by = UnicodeAttribute()
    created_by = UnicodeAttribute(null=True)
    validated_by = UnicodeAttribute(null=True)
    validated_at = IsoDateTimeAttribute(null=True)
    created_at = IsoDateTimeAttribute()
    updated_at = IsoDateTimeAttribute()


class TemplateLibraryItem(BaseItem, discriminator="TemplateLibrary"):
    """Marker: the tenant was seeded with this version of the built-in library (``LIBRARY#001``)."""

    library_version = NumberAttribute()
    templates = NumberAttribute()
    created_at = IsoDateTimeAttribute()


class ConversationItem(BaseItem, discriminator="Conversation"):
    """An assistant conversation of one user (``TENANT#t#CONVERSATION`` / ``CONV#id``), with a TTL."""

    conversation_id = UnicodeAttribute()
    owner = UnicodeAttribute()
    messages = UnicodeAttribute()
    """The chat history as JSON (user, assistant and tool messages; never the system prompt)."""
    drafts = ListAttribute[str](default=list)
    created_at = IsoDateTimeAttribute()
    updated_at = IsoDateTimeAttribute()
    version = VersionAttribute()


class AutomationItem(BaseItem, discriminator="Automation"):
    """An automation: trigger, template, stop conditions, on/off (``TENANT#t#AUTOMATION``)."""

    automation_id = UnicodeAttribute()
    name = UnicodeAttribute()
    trigger_type = UnicodeAttribute()
    trigger_config = MapAttribute[str, Any](default=dict)
    template_id = UnicodeAttribute(null=True)
    stop_conditions = ListAttribute[str](default=list)
    enabled = BooleanAttribute(default=False)
    skip_leads_in_sequence = BooleanAttribute(null=True)
    created_at = IsoDateTimeAttribute()
    updated_at = IsoDateTimeAttribute()
    version = VersionAttribute()


class AutomationRunItem(BaseItem, discriminator="AutomationRun"):
    """One occurrence of an automation's trigger on one lead, claimed once (``TENANT#t#AUTORUN``)."""

    automation_id = UnicodeAttribute()
    lead_id = UnicodeAttribute()
    episode = UnicodeAttribute()
    state = UnicodeAttribute()
    """``claimed`` (acting), ``sending`` (the provider was called), ``done``."""
    claim_token = UnicodeAttribute(null=True)
    lease_until = IsoDateTimeAttribute(null=True)
    decision = UnicodeAttribute(null=True)
    """The decision as JSON, once done."""
    created_at = IsoDateTimeAttribute()
    updated_at = IsoDateTimeAttribute()


class ScheduledMessageItem(BaseItem, discriminator="ScheduledMessage"):
    """A message a rep scheduled (``TENANT#t#SCHEDMSG`` / ``SCHEDMSG#id``); on GSI1 while not settled."""

    message_id = UnicodeAttribute()
    lead_id = UnicodeAttribute()
    channel = UnicodeAttribute()
    template_id = UnicodeAttribute(null=True)
    variables = MapAttribute[str, Any](null=True)
    body = UnicodeAttribute(null=True)
    subject = UnicodeAttribute(null=True)
    send_at = IsoDateTimeAttribute()
    due_at = IsoDateTimeAttribute()
    """When it is next tried: ``send_at``, later when a daily cap put it off."""
    state = UnicodeAttribute()
    code = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    activity_id = UnicodeAttribute(null=True)
    claim_token = UnicodeAttribute(null=True)
    lease_until = IsoDateTimeAttribute(null=True)
    created_by = UnicodeAttribute()
    created_at = IsoDateTimeAttribute()
    updated_at = IsoDateTimeAttribute()
    version = NumberAttribute(default=1)
    """Counted by hand (every write is a conditional Update): a change names the version it read."""


class ScenarioItem(BaseItem, discriminator="Scenario"):
    """One version of a scenario with its ordered steps (``TENANT#t#SCENARIO``)."""

    scenario_id = UnicodeAttribute()
    scenario_version = NumberAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    steps = UnicodeAttribute()
    """The steps as JSON: they are read and written whole, never one by one."""
    created_at = IsoDateTimeAttribute()


class CampaignItem(BaseItem, discriminator="Campaign"):
    """A prospection campaign with its send window (``TENANT#t#CAMPAIGN`` / ``CAMPAIGN#id``)."""

    campaign_id = UnicodeAttribute()
    name = UnicodeAttribute()
    scenario_id = UnicodeAttribute()
    scenario_version = NumberAttribute()
    objective = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    send_window = MapAttribute[str, Any](default=dict)
    timezone = UnicodeAttribute()
    daily_caps = MapAttribute[str, Any](default=dict)
    auto_winner = BooleanAttribute(default=False)
    winners = MapAttribute[str, Any](default=dict)
    """A/B variants: by step number, the variant chosen for new prospects, when and why."""
    created_at = IsoDateTimeAttribute()
    updated_at = IsoDateTimeAttribute()
    version = VersionAttribute()


class SequenceGuardItem(BaseItem, discriminator="SequenceGuard"):
    """The last enrollment of a lead, written with it (``TENANT#t#LEADSEQ#<lead>`` / ``GUARD``).

    Two enrollments of one lead in two campaigns at the same moment both read "no other sequence";
    the second to write this item within :data:`maxcore.dal.enrollments.GUARD_SPAN` loses.
    """

    campaign_id = UnicodeAttribute()
    at = IsoDateTimeAttribute()


class EnrollmentItem(BaseItem, discriminator="Enrollment"):
    """A lead enrolled in a campaign, with its next step and due time (sparse GSI2 while due)."""

    campaign_id = UnicodeAttribute()
    lead_id = UnicodeAttribute()
    scenario_id = UnicodeAttribute()
    scenario_version = NumberAttribute()
    status = UnicodeAttribute()
    current_step = NumberAttribute(default=1)
    next_action_at = IsoDateTimeAttribute(null=True)
    held = BooleanAttribute(default=False)
    claim_token = UnicodeAttribute(null=True)
    lease_until = IsoDateTimeAttribute(null=True)
    sending_step = NumberAttribute(null=True)
    sending_message = UnicodeAttribute(null=True)
    """The message of the send in progress, as JSON (a resumed send repeats it)."""
    sent = UnicodeAttribute(default="[]")
    """The steps sent, as JSON (for the reply statistics)."""
    decisions = UnicodeAttribute(default="[]")
    """The last decisions, newest last, as JSON."""
    replied_at = IsoDateTimeAttribute(null=True)
    replied_step = NumberAttribute(null=True)
    reply_kind = UnicodeAttribute(null=True)
    resume_at = IsoDateTimeAttribute(null=True)
    """Set while an out-of-office reply pauses it: it stays in the due index and resumes by itself."""
    out_of_office_at = IsoDateTimeAttribute(null=True)
    enrolled_at = IsoDateTimeAttribute()
    updated_at = IsoDateTimeAttribute()


class InteractionItem(BaseItem, discriminator="Interaction"):
    """One decision of a campaign about a prospect (``TENANT#t#CAMPAIGN#c`` / ``INTER#<iso>#<id>``)."""

    interaction_id = UnicodeAttribute()
    campaign_id = UnicodeAttribute()
    lead_id = UnicodeAttribute()
    decision = UnicodeAttribute()
    """The decision as JSON."""
    preview = UnicodeAttribute(null=True)


class VariantCounterItem(BaseItem, discriminator="VariantCounter"):
    """One A/B variant's figures (``TENANT#t#CAMPAIGN#c`` / ``VARIANT#<step>#<letter>``), kept by ADDs."""

    step = NumberAttribute()
    variant = UnicodeAttribute()
    sent = NumberAttribute(default=0)
    delivered = NumberAttribute(default=0)
    opened = NumberAttribute(default=0)
    replies = NumberAttribute(default=0)
    positive_replies = NumberAttribute(default=0)
    unsubscribes = NumberAttribute(default=0)


class BlacklistItem(BaseItem, discriminator="Blacklist"):
    """An address never to prospect (``TENANT#t#BLACKLIST`` / ``EMAIL#...`` or ``PHONE#...``)."""

    kind = UnicodeAttribute()
    value = UnicodeAttribute()
    reason = UnicodeAttribute()
    source = UnicodeAttribute()
    created_at = IsoDateTimeAttribute()
    created_by = UnicodeAttribute(null=True)


class ApprovalItem(BaseItem, discriminator="Approval"):
    """A draft to approve, a task or a recommendation (``TENANT#t#APPROVAL`` / ``APPROVAL#id``)."""

    approval_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    status = UnicodeAttribute()
    lead_id = UnicodeAttribute()
    channel = UnicodeAttribute()
    subject = UnicodeAttribute(null=True)
    body = UnicodeAttribute()
    source = UnicodeAttribute(null=True)
    reason = UnicodeAttribute()
    origin = MapAttribute[str, Any](default=dict)
    created_at = IsoDateTimeAttribute()
    decided_at = IsoDateTimeAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)
    result = MapAttribute[str, Any](default=dict)


class LedgerEntryItem(BaseItem, discriminator="LedgerEntry"):
    """One step of the token ledger: reserve, commit, refund, reset, pack (``TENANT#t#LEDGER#month``)."""

    entry_id = UnicodeAttribute()
    action = UnicodeAttribute()
    category = UnicodeAttribute(null=True)
    kind = UnicodeAttribute()
    amount = NumberAttribute()
    mode = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    """The English sentence an entry written before ``about`` was kept carries; never written now."""
    about = MapAttribute[str, Any](default=dict)
    """What the action was about (its key and ids): the reason is rendered from it when read."""
    outcome = UnicodeAttribute()
    reservation_id = UnicodeAttribute(null=True)
    created_at = IsoDateTimeAttribute()


class MessageRefItem(BaseItem, discriminator="MessageRef"):
    """A provider message id and the activity it is (``TENANT#t#PMSG`` / ``PMSG#<id>``), or our own
    reference of a message being sent (``PMSG#ref:<activity id>``).

    Put in the activity's own transaction with a does-not-exist condition: a webhook delivered
    twice cannot record twice, and a status callback finds its activity with one strong GetItem.
    """

    provider_message_id = UnicodeAttribute()
    lead_id = UnicodeAttribute()
    activity_sk = UnicodeAttribute()
    channel = UnicodeAttribute()
    direction = UnicodeAttribute()
    campaign_id = UnicodeAttribute(null=True)
    created_at = IsoDateTimeAttribute()
    pending = UnicodeAttribute(null=True)
    """On our own reference (``PMSG#ref:<activity id>``), put before a provider call that takes no
    idempotency key: the activity about to be recorded, as JSON, so a status callback can record
    it if the sender died after the provider accepted the message."""


class ChannelSettingsItem(BaseItem, discriminator="ChannelSettings"):
    """A tenant's settings of one channel (``TENANT#t`` / ``CHANNEL#sms``); secrets live in SSM."""

    channel = UnicodeAttribute()
    enabled = BooleanAttribute(default=True)
    sender = UnicodeAttribute(null=True)
    sender_name = UnicodeAttribute(null=True)
    senders = UnicodeAttribute(null=True)
    """E-mail: the senders used in turn, as JSON; absent when only ``sender`` was set."""
    inbound_address = UnicodeAttribute(null=True)
    bot_name = UnicodeAttribute(null=True)
    opt_out_number = UnicodeAttribute(null=True)
    daily_cap = NumberAttribute(null=True)
    updated_at = IsoDateTimeAttribute()
    updated_by = UnicodeAttribute(null=True)
    version = VersionAttribute()


class SuppressionItem(BaseItem, discriminator="Suppression"):
    """An address the tenant must not write to again (``TENANT#t#SUPPRESSION`` / ``EMAIL#addr``)."""

    address = UnicodeAttribute()
    reason = UnicodeAttribute()
    detail = UnicodeAttribute(null=True)
    provider_message_id = UnicodeAttribute(null=True)
    created_at = IsoDateTimeAttribute()


class ConsentStateItem(BaseItem, discriminator="ConsentState"):
    """An address's current consent on one channel (``TENANT#t#CONSENT`` / ``<channel>#<address>``)."""

    channel = UnicodeAttribute()
    address = UnicodeAttribute()
    granted = BooleanAttribute()
    at = IsoDateTimeAttribute()
    source = UnicodeAttribute()
    proof = UnicodeAttribute(null=True)
    # Empty when none: written as absent (DynamoDB Local refuses an empty string).
    reason = UnicodeAttribute(null=True)


class ConsentEntryItem(ConsentStateItem, discriminator="ConsentEntry"):
    """One change of an address's consent, kept forever (``<channel>#<address>#<at>#<ulid>``)."""


class SendCounterItem(BaseItem, discriminator="SendCounter"):
    """Messages sent on one channel one day (``TENANT#t#SENDCOUNT`` / ``<day>#<channel>``), TTL'd."""

    sent = NumberAttribute(default=0)


class StatsItem(BaseItem, discriminator="Stats"):
    """A reporting counter (``TENANT#t#STATS``): one channel's day, or one template's month.

    Each fact is a number attribute the write paths ADD to (:mod:`maxcore.rules.reporting`); the
    time-to-reply histogram's buckets are the attributes ``rt0`` ... ``rt13``. A counter is created
    by its first ADD, so it holds only the facts that happened.
    """


class StatsBackfillItem(BaseItem, discriminator="StatsBackfill"):
    """Where the backfill of a tenant's counters stands (``TENANT#t#STATS`` / ``BACKFILL``).

    ``cutover``: the write paths count what is recorded from then on, the backfill what was recorded
    before. ``progress``: ``start``, ``<lead>:<n>`` (n transactions of that lead's counts applied,
    every lead before it done) or ``<lead>:done``; each transaction of counts moves it, conditioned
    on the value read, so a lead is counted once whatever the retries.
    """

    cutover = IsoDateTimeAttribute()
    progress = UnicodeAttribute()
    leads = NumberAttribute()
    started_at = IsoDateTimeAttribute()
    finished_at = IsoDateTimeAttribute(null=True)


class SenderPickItem(BaseItem, discriminator="SenderPick"):
    """The e-mail sender one send took a slot of (``TENANT#t#SENDCOUNT`` / ``PICK#<key>``), TTL'd."""

    address = UnicodeAttribute()
    day = UnicodeAttribute()


class OutboxItem(BaseItem, discriminator="Outbox"):
    """What would have been sent on a channel with no credentials (``TENANT#t#OUTBOX``), TTL'd."""

    outbox_id = UnicodeAttribute()
    channel = UnicodeAttribute()
    to = UnicodeAttribute()
    sender = UnicodeAttribute(null=True)
    subject = UnicodeAttribute(null=True)
    body = UnicodeAttribute()
    html = UnicodeAttribute(null=True)
    idempotency_key = UnicodeAttribute()
    created_at = IsoDateTimeAttribute()


class ExportItem(BaseItem, discriminator="Export"):
    """A CSV export (``TENANT#t#EXPORT`` / ``EXPORT#id``), TTL'd a while after its file expires."""

    export_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    state = UnicodeAttribute()
    filters = MapAttribute[str, Any](default=dict)
    created_by = UnicodeAttribute()
    created_at = IsoDateTimeAttribute()
    slot = NumberAttribute(null=True)
    attempt = NumberAttribute(default=0)
    lease_until = IsoDateTimeAttribute(null=True)
    started_at = IsoDateTimeAttribute(null=True)
    finished_at = IsoDateTimeAttribute(null=True)
    rows = NumberAttribute(null=True)
    file_expires_at = IsoDateTimeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    upload_id = UnicodeAttribute(null=True)
    """While running: the S3 multipart upload of its file, and what it holds so far (AP67)."""
    parts = ListAttribute[str](null=True)
    cursor = UnicodeAttribute(null=True)
    written = NumberAttribute(null=True)


class ExportSlotItem(BaseItem, discriminator="ExportSlot"):
    """One of the exports a tenant may have queued or running (``TENANT#t#EXPORT`` / ``SLOT#n``)."""

    export_id = UnicodeAttribute()
    held_until = IsoDateTimeAttribute()


ALL_ITEMS: tuple[type[BaseItem], ...] = (
    BaseItem,
    TenantItem,
    BudgetItem,
    ReservationItem,
    LeadItem,
    ContactItem,
    ActivityItem,
    AlertItem,
    TemplateItem,
    TemplateVersionItem,
    TemplateLibraryItem,
    ConversationItem,
    AutomationItem,
    AutomationRunItem,
    ScenarioItem,
    CampaignItem,
    EnrollmentItem,
    SequenceGuardItem,
    InteractionItem,
    VariantCounterItem,
    BlacklistItem,
    ApprovalItem,
    LedgerEntryItem,
    MessageRefItem,
    ChannelSettingsItem,
    SuppressionItem,
    ConsentStateItem,
    ConsentEntryItem,
    SendCounterItem,
    SenderPickItem,
    StatsBackfillItem,
    OutboxItem,
    ExportItem,
    ExportSlotItem,
    StatsItem,
)


# --- Appointments and surveys -------------------------------------------------------------------
class AppointmentItem(BaseItem, discriminator="Appointment"):
    """A lead's appointment (``TENANT#t#APPOINTMENT`` / ``LEAD#lead#APPT#id``) with its reminders' states."""

    appointment_id = UnicodeAttribute()
    lead_id = UnicodeAttribute()
    at = IsoDateTimeAttribute()
    with_whom = UnicodeAttribute()
    where = UnicodeAttribute()
    channel = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    reminders = MapAttribute[str, Any](default=dict)
    created_at = IsoDateTimeAttribute()
    updated_at = IsoDateTimeAttribute()
    revision = NumberAttribute(default=1)


class SurveyCounterItem(BaseItem, discriminator="SurveyCounter"):
    """Scores of one month's survey sends, for one template, one campaign or all (``TENANT#t#SURVEY``)."""

    month = UnicodeAttribute()
    group = UnicodeAttribute()
    key = UnicodeAttribute()
    scores = NumberAttribute(default=0)
    total = NumberAttribute(default=0)


# --- Team inbox -----------------------------------------------------------------------------------
class InboxSettingsItem(BaseItem, discriminator="InboxSettings"):
    """A tenant's assignment rule and its round robin's turn (``TENANT#t#TEAMINBOX`` / ``SETTINGS``)."""

    assignment = UnicodeAttribute(null=True)
    users = ListAttribute[str](default=list)
    turn = NumberAttribute(default=0)
    updated_by = UnicodeAttribute(null=True)
    updated_at = IsoDateTimeAttribute(null=True)


class InboxCounterItem(BaseItem, discriminator="InboxCounter"):
    """How many conversations are in one state (``TENANT#t#TEAMINBOX`` / ``COUNT#<name>``), kept by ADDs."""

    n = NumberAttribute(default=0)


class NoteItem(BaseItem, discriminator="Note"):
    """An internal note on a conversation (``TENANT#t#LEAD#id#NOTE`` / ``NOTE#<ulid>``)."""

    note_id = UnicodeAttribute()
    lead_id = UnicodeAttribute()
    author = UnicodeAttribute()
    text = UnicodeAttribute()
    created_at = IsoDateTimeAttribute()


# --- Outbound events ------------------------------------------------------------------------------
class WebhookEndpointItem(BaseItem, discriminator="WebhookEndpoint"):
    """An endpoint events are posted to (``TENANT#t#WEBHOOK`` / ``ENDPOINT#id``); its secret is in SSM."""

    endpoint_id = UnicodeAttribute()
    url = UnicodeAttribute()
    event_types = ListAttribute[str](default=list)
    description = UnicodeAttribute(null=True)
    enabled = BooleanAttribute(default=True)
    disabled_reason = UnicodeAttribute(null=True)
    failing_since = IsoDateTimeAttribute(null=True)
    created_at = IsoDateTimeAttribute()
    updated_at = IsoDateTimeAttribute()
    # The SSM credential names of its secrets (not the secrets): none on an endpoint never rotated,
    # whose secret is named by its id; the one a rotation replaced, until its overlap ends.
    secret_credential = UnicodeAttribute(null=True)
    previous_secret_credential = UnicodeAttribute(null=True)
    previous_secret_until = IsoDateTimeAttribute(null=True)


class WebhookDeliveryItem(BaseItem, discriminator="WebhookDelivery"):
    """One event for one endpoint (``TENANT#t#WEBHOOK#endpoint`` / ``DELIVERY#event``), TTL'd."""

    event_id = UnicodeAttribute()
    endpoint_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    state = UnicodeAttribute()
    payload = UnicodeAttribute()
    attempts = ListAttribute[Any](default=list)
    failures = NumberAttribute(default=0)
    next_attempt_at = IsoDateTimeAttribute(null=True)
    claim_token = UnicodeAttribute(null=True)
    lease_until = IsoDateTimeAttribute(null=True)
    created_at = IsoDateTimeAttribute()


# --- Telegram commands ----------------------------------------------------------------------------
class TelegramMenuItem(BaseItem, discriminator="TelegramMenu"):
    """A tenant's Telegram commands (``TENANT#t#TELEGRAM`` / ``COMMANDS``): at most 100, one item."""

    commands = MapAttribute[str, Any](default=dict)
    """Name -> ``{template_id, description, updated_at, updated_by}``."""
    revision = NumberAttribute(default=0)


class TelegramAnswerItem(BaseItem, discriminator="TelegramAnswer"):
    """The answer to one inbound command (``TENANT#t#TELEGRAM`` / ``ANSWER#chat:message``), TTL'd."""

    command = UnicodeAttribute()
    state = UnicodeAttribute()
    claim_token = UnicodeAttribute(null=True)
    lease_until = IsoDateTimeAttribute(null=True)
    outcome = UnicodeAttribute(null=True)
    code = UnicodeAttribute(null=True)
    activity_id = UnicodeAttribute(null=True)
    created_at = IsoDateTimeAttribute()


# --- Suggested and automatic replies ------------------------------------------------------------
class AutoReplySettingsItem(BaseItem, discriminator="AutoReplySettings"):
    """What M.A.X. answers by itself and from what (``TENANT#t`` / ``AUTOREPLIES``)."""

    intents = ListAttribute[str](default=list)
    faq = ListAttribute[Any](default=list)
    updated_at = IsoDateTimeAttribute()


class AutoReplyItem(BaseItem, discriminator="AutoReply"):
    """What became of one inbound message (``TENANT#t#AUTOREPLY`` / ``<lead>#<message>``), TTL'd."""

    lead_id = UnicodeAttribute()
    message_id = UnicodeAttribute()
    state = UnicodeAttribute()
    claim_token = UnicodeAttribute(null=True)
    lease_until = IsoDateTimeAttribute(null=True)
    answered = BooleanAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    params = MapAttribute[str, Any](null=True)
    reply_id = UnicodeAttribute(null=True)
    created_at = IsoDateTimeAttribute()
    settled_at = IsoDateTimeAttribute(null=True)
