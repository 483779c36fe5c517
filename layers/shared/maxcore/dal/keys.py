"""Every key string of the single table, built in one place.

Rules (docs/data-model.md):
- every partition key and every GSI partition key begins with ``TENANT#<tenant_id>``, so IAM's
  ``dynamodb:LeadingKeys`` can confine a caller to its tenant and no key can reach another tenant;
- tenant ids cannot contain ``#`` or ``_`` (see ``TENANT_ID_PATTERN``), so ``TENANT#_DIRECTORY`` can
  never be a real tenant's key;
- one partition per aggregate type and tenant (``TENANT#t#LEAD``...), so a sweep over one type reads
  only that type's items.
"""

from __future__ import annotations

import hashlib
import re

from maxcore.models.common import TENANT_ID_PATTERN

DIRECTORY_SHARDS = 4
"""The tenant directory is spread over this many GSI1 partitions so one daily fan-out never heats one."""

DUE_SHARDS = 8
"""Due prospection steps of one tenant are spread over this many GSI2 partitions."""

_TENANT_ID = re.compile(TENANT_ID_PATTERN)


def _tenant(tenant_id: str) -> str:
    # Guard at the lowest level too: a key built from an unchecked id could cross tenants.
    if not _TENANT_ID.match(tenant_id):
        raise ValueError(f"invalid tenant id {tenant_id!r}")
    return f"TENANT#{tenant_id}"


def shard_of(value: str, shards: int) -> int:
    """Stable shard number of ``value`` in ``range(shards)`` (not Python's salted ``hash``)."""
    return int.from_bytes(hashlib.blake2b(value.encode(), digest_size=4).digest(), "big") % shards


# --- tenant -------------------------------------------------------------------------------------
def tenant_pk(tenant_id: str) -> str:
    """Partition of a tenant's singletons (profile, token balance)."""
    return _tenant(tenant_id)


TENANT_PROFILE_SK = "PROFILE"
BUDGET_SK = "BUDGET"


def directory_gsi1pk(shard: int) -> str:
    """GSI1 partition listing tenants, for the schedulers' per-tenant fan-out."""
    return f"TENANT#_DIRECTORY#{shard}"


def directory_gsi1sk(tenant_id: str) -> str:
    """Sort key of a tenant in the directory."""
    return _tenant(tenant_id)


# --- lead ---------------------------------------------------------------------------------------
def lead_pk(tenant_id: str) -> str:
    """Partition holding every lead item of a tenant (read in 1 MB pages by the sweeps)."""
    return f"{_tenant(tenant_id)}#LEAD"


def lead_sk(lead_id: str) -> str:
    """Sort key of a lead: its ULID, so the partition is in creation order."""
    return f"LEAD#{lead_id}"


LEAD_SK_PREFIX = "LEAD#"


def lead_status_gsi1pk(tenant_id: str, status: str) -> str:
    """GSI1 partition of a tenant's leads in one status."""
    return f"{_tenant(tenant_id)}#LEADSTATUS#{status}"


def contact_pk(tenant_id: str) -> str:
    """Partition of the uniqueness guards of lead contacts (phone, e-mail, Telegram chat)."""
    return f"{_tenant(tenant_id)}#CONTACT"


def contact_sk(kind: str, value: str) -> str:
    """Sort key of one contact guard, e.g. ``PHONE#+33612345678``."""
    return f"{kind.upper()}#{value}"


def lead_activity_pk(tenant_id: str, lead_id: str) -> str:
    """Partition of one lead's history: its activities, in time order."""
    return f"{_tenant(tenant_id)}#LEAD#{lead_id}"


def activity_sk(occurred_at_iso: str, activity_id: str) -> str:
    """Sort key of an activity: time first, so a lead's timeline is one Query."""
    return f"ACT#{occurred_at_iso}#{activity_id}"


def activity_month_gsi1pk(tenant_id: str, occurred_at_iso: str) -> str:
    """GSI1 partition of a tenant's activities of one UTC month (``YYYY-MM``): the interactions export.

    A month per partition keeps each index partition bounded, however long the tenant lives.
    """
    return f"{_tenant(tenant_id)}#ACTMONTH#{occurred_at_iso[:7]}"


def activity_gsi1sk(occurred_at_iso: str, activity_id: str) -> str:
    """GSI1 sort key of an activity in its month: time order, across the tenant's leads."""
    return f"{occurred_at_iso}#{activity_id}"


def inbox_gsi2pk(tenant_id: str) -> str:
    """GSI2 partition of a tenant's conversations: leads that have messages, by last message time."""
    return f"{_tenant(tenant_id)}#INBOX"


def inbox_gsi2sk(last_message_at_iso: str, lead_id: str) -> str:
    """GSI2 sort key of a lead in the inbox: its last message time first, newest last."""
    return f"{last_message_at_iso}#{lead_id}"


def team_inbox_pk(tenant_id: str) -> str:
    """Partition of a tenant's team inbox: its assignment rule and its counters."""
    return f"{_tenant(tenant_id)}#TEAMINBOX"


INBOX_SETTINGS_SK = "SETTINGS"
INBOX_COUNTER_SK_PREFIX = "COUNT#"


def inbox_counter_sk(name: str) -> str:
    """Sort key of one inbox counter (``open``, ``snoozed#<end>``, ``owner#<user>``...)."""
    return f"{INBOX_COUNTER_SK_PREFIX}{name}"


def inbox_notes_pk(tenant_id: str, lead_id: str) -> str:
    """Partition of the internal notes on one lead's conversation."""
    return f"{_tenant(tenant_id)}#LEAD#{lead_id}#NOTE"


def inbox_note_sk(note_id: str) -> str:
    """Sort key of a note: its ULID, so notes read in the order they were written."""
    return f"NOTE#{note_id}"


# --- messaging ----------------------------------------------------------------------------------
def message_ref_pk(tenant_id: str) -> str:
    """Partition of the references from provider message ids to activities."""
    return f"{_tenant(tenant_id)}#PMSG"


def message_ref_sk(provider_message_id: str) -> str:
    """Sort key of one provider message: unique, so a webhook delivered twice records once."""
    return f"PMSG#{provider_message_id}"


def message_reference_sk(reference: str) -> str:
    """Sort key of our own reference of a message (the activity id we put in Twilio's callback URL).

    Beside the provider ids in the same partition: ``ref:`` cannot begin a Twilio SID, a Resend id
    (a UUID), a Telegram message id or an outbox id.
    """
    return message_ref_sk(f"ref:{reference}")


CHANNEL_SK_PREFIX = "CHANNEL#"


def channel_settings_sk(channel: str) -> str:
    """Sort key of a tenant's settings of one channel (in the tenant's singleton partition)."""
    return f"{CHANNEL_SK_PREFIX}{channel}"


def suppression_pk(tenant_id: str) -> str:
    """Partition of the addresses a tenant must not write to (hard bounces, complaints)."""
    return f"{_tenant(tenant_id)}#SUPPRESSION"


def suppression_sk(kind: str, value: str) -> str:
    """Sort key of one suppressed address, e.g. ``EMAIL#lea@example.com``."""
    return f"{kind.upper()}#{value}"


def consent_pk(tenant_id: str) -> str:
    """Partition of the consent ledger: each address's current state and its history."""
    return f"{_tenant(tenant_id)}#CONSENT"


def consent_state_sk(channel: str, address: str) -> str:
    """Sort key of an address's current consent on one channel, e.g. ``sms#+33612345678``."""
    return f"{channel}#{address}"


def consent_history_prefix(channel: str, address: str) -> str:
    """Prefix of the history entries under an address's state (``sms#+33612345678#``)."""
    return f"{consent_state_sk(channel, address)}#"


def consent_entry_sk(channel: str, address: str, at_iso: str, entry_id: str) -> str:
    """Sort key of one history entry, in time order under its address's state."""
    return f"{consent_history_prefix(channel, address)}{at_iso}#{entry_id}"


def send_counter_pk(tenant_id: str) -> str:
    """Partition of the per-day, per-channel send counters that enforce the daily caps."""
    return f"{_tenant(tenant_id)}#SENDCOUNT"


def send_counter_sk(day: str, channel: str) -> str:
    """Sort key of one day's counter of one channel (``2026-03-10#sms``)."""
    return f"{day}#{channel}"


def sender_counter_sk(day: str, address: str) -> str:
    """Sort key of one day's counter of one e-mail sender (``2026-03-10#sender:a@b.fr``)."""
    return send_counter_sk(day, f"sender:{address}")


def sender_counters_prefix(day: str) -> str:
    """Prefix of every e-mail sender's counter of one day."""
    return sender_counter_sk(day, "")


# --- reporting counters (AP55, AP56) ---------------------------------------------------------------
def stats_pk(tenant_id: str) -> str:
    """Partition of a tenant's reporting counters: per day and channel, per month and template."""
    return f"{_tenant(tenant_id)}#STATS"


def stats_day_sk(day: str, channel: str) -> str:
    """Sort key of one channel's counter of one of the tenant's days (``DAY#2026-03-10#sms``)."""
    return f"DAY#{day}#{channel}"


def stats_days_range(first: str, last: str) -> tuple[str, str]:
    """The sort keys between which lie the counters of the days ``first`` to ``last``, both included."""
    return f"DAY#{first}#", f"DAY#{last}#~"


def stats_template_sk(month: str, template_id: str) -> str:
    """Sort key of one template's counter of one month (``TPL#2026-03#<template id>``)."""
    return f"TPL#{month}#{template_id}"


def stats_templates_prefix(month: str) -> str:
    """Prefix of every template's counter of one month."""
    return f"TPL#{month}#"


CAMPAIGN_STATS_PREFIX = "CAMP#"
"""Prefix of every campaign's counter."""


def stats_campaign_sk(campaign_id: str) -> str:
    """Sort key of one campaign's counter (``CAMP#<campaign id>``)."""
    return f"{CAMPAIGN_STATS_PREFIX}{campaign_id}"


STATS_BACKFILL_SK = "BACKFILL"
"""Sort key of the state of a tenant's counter backfill (its cut-over and where it stands)."""


def sender_pick_sk(send_key: str) -> str:
    """Sort key of the sender a send took a slot of, in the counters' partition (``PICK#<key>``)."""
    return f"PICK#{send_key}"


def outbox_pk(tenant_id: str) -> str:
    """Partition of the local outbox: what would have been sent on channels without credentials."""
    return f"{_tenant(tenant_id)}#OUTBOX"


def outbox_sk(outbox_id: str) -> str:
    """Sort key of one outbox message (ULID: in time order)."""
    return f"OUT#{outbox_id}"


# --- alert --------------------------------------------------------------------------------------
def alert_pk(tenant_id: str) -> str:
    """Partition of a tenant's alerts."""
    return f"{_tenant(tenant_id)}#ALERT"


def alert_sk(alert_id: str) -> str:
    """Sort key of an alert."""
    return f"ALERT#{alert_id}"


def alert_state_gsi1pk(tenant_id: str, state: str) -> str:
    """GSI1 partition of a tenant's alerts in one state (open, resolved)."""
    return f"{_tenant(tenant_id)}#ALERTSTATE#{state}"


def open_alert_gsi1sk(severity_rank: int, created_at_iso: str, alert_id: str) -> str:
    """GSI1 sort key of an open alert: most severe first, then oldest first."""
    return f"{severity_rank}#{created_at_iso}#{alert_id}"


def resolved_alert_gsi1sk(resolved_at_iso: str, alert_id: str) -> str:
    """GSI1 sort key of a resolved alert: in the order they were resolved."""
    return f"{resolved_at_iso}#{alert_id}"


def lead_alerts_gsi2pk(tenant_id: str, lead_id: str) -> str:
    """GSI2 partition of one lead's alerts (its timeline, its alert filter)."""
    return f"{_tenant(tenant_id)}#LEADALERTS#{lead_id}"


def lead_alert_gsi2sk(created_at_iso: str, alert_id: str) -> str:
    """GSI2 sort key of a lead's alert: the time it opened, as a timeline entry."""
    return f"{created_at_iso}#{alert_id}"


# --- templates, automations, scenarios, campaigns ------------------------------------------------
def template_pk(tenant_id: str) -> str:
    """Partition of a tenant's message templates and their versions."""
    return f"{_tenant(tenant_id)}#TEMPLATE"


def template_sk(template_id: str) -> str:
    """Sort key of a template's head (metadata and the serving content)."""
    return f"TEMPLATE#{template_id}"


TEMPLATE_SK_PREFIX = "TEMPLATE#"


def template_version_sk(template_id: str, version: int) -> str:
    """Sort key of one version of a template; a template's versions sort together, oldest first.

    Versions are kept apart from the heads (``VERSION#`` before ``TEMPLATE#``) so listing a tenant's
    templates reads heads only.
    """
    return f"{template_version_prefix(template_id)}{version:05d}"


def template_version_prefix(template_id: str) -> str:
    """Sort-key prefix of every version of one template."""
    return f"VERSION#{template_id}#"


TEMPLATE_LIBRARY_SK = "LIBRARY#"
"""Sort-key prefix of the marker saying which built-in library version a tenant was seeded with."""


def template_library_sk(library_version: int) -> str:
    """Sort key of the marker of one built-in library version."""
    return f"{TEMPLATE_LIBRARY_SK}{library_version:03d}"


def automation_pk(tenant_id: str) -> str:
    """Partition of a tenant's automations."""
    return f"{_tenant(tenant_id)}#AUTOMATION"


def automation_sk(automation_id: str) -> str:
    """Sort key of an automation."""
    return f"AUTOMATION#{automation_id}"


def scenario_pk(tenant_id: str) -> str:
    """Partition of a tenant's scenarios (each version an item, its steps inside it)."""
    return f"{_tenant(tenant_id)}#SCENARIO"


def scenario_sk(scenario_id: str, version: int) -> str:
    """Sort key of one version of a scenario."""
    return f"SCENARIO#{scenario_id}#V#{version:05d}"


def campaign_pk(tenant_id: str) -> str:
    """Partition of a tenant's campaigns."""
    return f"{_tenant(tenant_id)}#CAMPAIGN"


def campaign_sk(campaign_id: str) -> str:
    """Sort key of a campaign."""
    return f"CAMPAIGN#{campaign_id}"


def enrollment_pk(tenant_id: str, campaign_id: str) -> str:
    """Partition of the enrollments (prospects) of one campaign."""
    return f"{_tenant(tenant_id)}#CAMPAIGN#{campaign_id}"


def enrollment_sk(lead_id: str) -> str:
    """Sort key of a lead's enrollment in a campaign (one per lead and campaign)."""
    return f"ENROLL#{lead_id}"


def due_gsi2pk(tenant_id: str, shard: int) -> str:
    """GSI2 partition of one shard of a tenant's due-time index."""
    return f"{_tenant(tenant_id)}#DUE#{shard}"


def due_gsi2sk(next_action_at_iso: str, campaign_id: str, lead_id: str) -> str:
    """GSI2 sort key: due time first, so "due before now" is one key condition."""
    return f"{next_action_at_iso}#{campaign_id}#{lead_id}"


def due_shard(campaign_id: str, lead_id: str) -> int:
    """The due-index shard of one enrollment (stable, so a step stays in its shard)."""
    return shard_of(f"{campaign_id}#{lead_id}", DUE_SHARDS)


DUE_UPPER = "~"
"""Sorts after every character of a key: ``<iso>#~`` bounds every key due at ``<iso>``."""


def lead_enrollment_gsi1pk(tenant_id: str, lead_id: str) -> str:
    """GSI1 partition of a lead's enrollments (a reply stops them all)."""
    return f"{_tenant(tenant_id)}#LEADENROLL#{lead_id}"


def lead_enrollment_gsi1sk(campaign_id: str) -> str:
    """GSI1 sort key of a lead's enrollment: its campaign."""
    return f"CAMPAIGN#{campaign_id}"


def sequence_guard_pk(tenant_id: str, lead_id: str) -> str:
    """Partition of a lead's one-sequence guard (the last enrollment written for the lead)."""
    return f"{_tenant(tenant_id)}#LEADSEQ#{lead_id}"


SEQUENCE_GUARD_SK = "GUARD"

ENROLLMENT_SK_PREFIX = "ENROLL#"
VARIANT_SK_PREFIX = "VARIANT#"


def variant_sk(step: int, variant: str) -> str:
    """Sort key of one A/B variant's counters, next to its campaign's enrollments (AP48, AP49)."""
    return f"{VARIANT_SK_PREFIX}{step:02d}#{variant}"


INTERACTION_SK_PREFIX = "INTER#"


def interaction_sk(at_iso: str, interaction_id: str) -> str:
    """Sort key of a campaign's interaction, in time order, next to the campaign's enrollments."""
    return f"{INTERACTION_SK_PREFIX}{at_iso}#{interaction_id}"


def blacklist_pk(tenant_id: str) -> str:
    """Partition of a tenant's prospection blacklist."""
    return f"{_tenant(tenant_id)}#BLACKLIST"


def blacklist_sk(kind: str, value: str) -> str:
    """Sort key of one blacklisted address, e.g. ``PHONE#+33612345678``."""
    return f"{kind.upper()}#{value}"


def approval_pk(tenant_id: str) -> str:
    """Partition of a tenant's drafts to approve, tasks and recommendations."""
    return f"{_tenant(tenant_id)}#APPROVAL"


def approval_sk(approval_id: str) -> str:
    """Sort key of one approval (ULID: in time order)."""
    return f"APPROVAL#{approval_id}"


def automation_run_pk(tenant_id: str) -> str:
    """Partition of the occurrences automations acted on (each claimed once)."""
    return f"{_tenant(tenant_id)}#AUTORUN"


def automation_run_sk(automation_id: str, lead_id: str, episode: str) -> str:
    """Sort key of one occurrence of an automation's trigger on one lead."""
    return f"{automation_run_prefix(automation_id)}{lead_id}#{episode}"


def open_run_gsi1pk(tenant_id: str) -> str:
    """GSI1 partition of the occurrences not done yet (claimed, sending, deferred): sparse."""
    return f"{_tenant(tenant_id)}#AUTORUN#OPEN"


def open_run_gsi1sk(lease_until_iso: str, automation_id: str, lead_id: str, episode: str) -> str:
    """GSI1 sort key: the end of the lease first, so "lease over" is one key condition."""
    return f"{lease_until_iso}#{automation_id}#{lead_id}#{episode}"


def automation_run_prefix(automation_id: str) -> str:
    """Sort-key prefix of the occurrences of one automation."""
    return f"{automation_id}#"


def campaign_cap_channel(campaign_id: str, channel: str) -> str:
    """The counter name of a campaign's daily cap on one channel (next to the tenant's counters)."""
    return f"campaign#{campaign_id}#{channel}"


# --- scheduled messages -------------------------------------------------------------------------
def scheduled_message_pk(tenant_id: str) -> str:
    """Partition of a tenant's scheduled messages (AP50)."""
    return f"{_tenant(tenant_id)}#SCHEDMSG"


def scheduled_message_sk(message_id: str) -> str:
    """Sort key of a scheduled message: its ULID, so the partition is in creation order."""
    return f"{SCHEDULED_MESSAGE_PREFIX}{message_id}"


SCHEDULED_MESSAGE_PREFIX = "SCHEDMSG#"


def scheduled_due_gsi1pk(tenant_id: str) -> str:
    """GSI1 partition of the scheduled messages not settled yet (waiting or sending): sparse (AP51)."""
    return f"{_tenant(tenant_id)}#SCHEDMSG#DUE"


def scheduled_due_gsi1sk(due_iso: str, message_id: str) -> str:
    """GSI1 sort key: when it is due (or its sender's lease ends) first, so "overdue" is one condition."""
    return f"{due_iso}#{message_id}"


# --- bulk sends ---------------------------------------------------------------------------------
BULK_SK_PREFIX = "BULK#"
RECIPIENT_SK_PREFIX = "RCPT#"
LEAD_LIST_SK_PREFIX = "LIST#"


def bulk_pk(tenant_id: str) -> str:
    """Partition of a tenant's bulk sends (newest last: ULID sort keys)."""
    return f"{_tenant(tenant_id)}#BULK"


def bulk_sk(bulk_id: str) -> str:
    """Sort key of one bulk send."""
    return f"{BULK_SK_PREFIX}{bulk_id}"


def bulk_active_gsi1pk(tenant_id: str) -> str:
    """GSI1 partition of the bulk sends still queued or running: sparse, read by the hourly sweep (AP64)."""
    return f"{_tenant(tenant_id)}#BULK#ACTIVE"


def bulk_recipients_pk(tenant_id: str, bulk_id: str) -> str:
    """Partition of one bulk send's recipients and the chunks of its list of lead ids."""
    return f"{_tenant(tenant_id)}#BULK#{bulk_id}"


def recipient_sk(lead_id: str) -> str:
    """Sort key of one recipient (one per lead: writing it twice is refused by its condition)."""
    return f"{RECIPIENT_SK_PREFIX}{lead_id}"


def lead_list_sk(chunk: int) -> str:
    """Sort key of one chunk of a list segment's lead ids, in order."""
    return f"{LEAD_LIST_SK_PREFIX}{chunk:05d}"


# --- assistant ----------------------------------------------------------------------------------
def conversation_pk(tenant_id: str) -> str:
    """Partition of a tenant's assistant conversations (each expires through the table's TTL)."""
    return f"{_tenant(tenant_id)}#CONVERSATION"


def conversation_sk(conversation_id: str) -> str:
    """Sort key of one conversation; its owner (the user) is an attribute checked on every read."""
    return f"CONV#{conversation_id}"


# --- token ledger -------------------------------------------------------------------------------
def ledger_pk(tenant_id: str, month: str) -> str:
    """Partition of a tenant's token ledger for one month (``YYYY-MM``)."""
    return f"{_tenant(tenant_id)}#LEDGER#{month}"


def reservation_pk(tenant_id: str) -> str:
    """Partition of a tenant's token reservations (each leaves ``reserved`` exactly once)."""
    return f"{_tenant(tenant_id)}#RESERVATION"


def reservation_sk(reservation_id: str) -> str:
    """Sort key of a reservation."""
    return f"RES#{reservation_id}"


def ledger_sk(entry_id: str) -> str:
    """Sort key of a ledger entry (ULID: in time order)."""
    return f"ENTRY#{entry_id}"


# --- Appointments and surveys -------------------------------------------------------------------
def appointment_pk(tenant_id: str) -> str:
    """Partition of a tenant's appointments."""
    return f"{_tenant(tenant_id)}#APPOINTMENT"


def lead_appointments_prefix(lead_id: str) -> str:
    """Sort-key prefix of one lead's appointments."""
    return f"LEAD#{lead_id}#APPT#"


def appointment_sk(lead_id: str, appointment_id: str) -> str:
    """Sort key of one appointment, under its lead."""
    return f"{lead_appointments_prefix(lead_id)}{appointment_id}"


def survey_counter_pk(tenant_id: str) -> str:
    """Partition of a tenant's survey score counters."""
    return f"{_tenant(tenant_id)}#SURVEY"


def survey_counter_sk(month: str, group: str, key: str) -> str:
    """Sort key of one counter: the month first, so a period is one range of the partition."""
    return f"{month}#{group}#{key}"


# --- exports ------------------------------------------------------------------------------------
def export_pk(tenant_id: str) -> str:
    """Partition of a tenant's exports and of the slots that bound how many run at once."""
    return f"{_tenant(tenant_id)}#EXPORT"


EXPORT_SK_PREFIX = "EXPORT#"


def export_sk(export_id: str) -> str:
    """Sort key of an export (ULID: newest last)."""
    return f"{EXPORT_SK_PREFIX}{export_id}"


def export_slot_sk(slot: int) -> str:
    """Sort key of one of the tenant's export slots: a slot held is an export queued or running."""
    return f"SLOT#{slot}"


def export_object_key(tenant_id: str, export_id: str) -> str:
    """The S3 key of an export's file, under the tenant's prefix (what the functions' IAM allows)."""
    return f"tenants/{_tenant(tenant_id).removeprefix('TENANT#')}/exports/{export_id}.csv"


# --- outbound events -----------------------------------------------------------------------------
def webhook_endpoint_pk(tenant_id: str) -> str:
    """Partition of a tenant's webhook endpoints (a handful: read whole to fan an event out)."""
    return f"{_tenant(tenant_id)}#WEBHOOK"


WEBHOOK_ENDPOINT_SK_PREFIX = "ENDPOINT#"


def webhook_endpoint_sk(endpoint_id: str) -> str:
    """Sort key of a webhook endpoint (ULID: oldest first)."""
    return f"{WEBHOOK_ENDPOINT_SK_PREFIX}{endpoint_id}"


def webhook_delivery_pk(tenant_id: str, endpoint_id: str) -> str:
    """Partition of one endpoint's deliveries."""
    return f"{_tenant(tenant_id)}#WEBHOOK#{endpoint_id}"


WEBHOOK_DELIVERY_SK_PREFIX = "DELIVERY#"


def webhook_delivery_sk(event_id: str) -> str:
    """Sort key of the delivery of one event (the event's ULID carries its time: newest last)."""
    return f"{WEBHOOK_DELIVERY_SK_PREFIX}{event_id}"


# --- Telegram commands ---------------------------------------------------------------------------
def telegram_pk(tenant_id: str) -> str:
    """Partition of a tenant's Telegram bot: its command menu and the claims of command answers."""
    return f"{_tenant(tenant_id)}#TELEGRAM"


TELEGRAM_MENU_SK = "COMMANDS"


def telegram_answer_sk(update_key: str) -> str:
    """Sort key of the answer to one inbound command (the message's provider id: chat and message)."""
    return f"ANSWER#{update_key}"


# --- suggested and automatic replies --------------------------------------------------------------
AUTO_REPLY_SETTINGS_SK = "AUTOREPLIES"
"""Sort key of a tenant's automatic answer settings, in the tenant's partition."""


def auto_reply_pk(tenant_id: str) -> str:
    """Partition of what M.A.X. decided for each inbound message (answered or routed to a person)."""
    return f"{_tenant(tenant_id)}#AUTOREPLY"


def auto_reply_sk(lead_id: str, message_id: str) -> str:
    """Sort key of the decision on one inbound message of a lead (ULIDs: a lead's oldest first)."""
    return f"{lead_id}#{message_id}"
