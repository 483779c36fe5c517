"""The activity repository: a lead's interactions, written together with the lead's summary."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from maxcore.dal import keys
from maxcore.dal.attributes import to_iso
from maxcore.dal.base import TenantRepository, from_index, plain
from maxcore.dal.conditions import condition_failed
from maxcore.dal.inbox import add_inbox_counts, drop_emptied_snoozes
from maxcore.dal.items import ActivityItem, LeadItem, MessageRefItem
from maxcore.dal.leads import stored_summary
from maxcore.dal.stats import add_to_transaction
from maxcore.errors import ConflictError, DuplicateMessageError
from maxcore.models.activity import Activity, Direction
from maxcore.models.common import Channel
from maxcore.models.lead import ConsentState, Lead, LeadSummary
from maxcore.rules.inbox import counter_delta
from maxcore.rules.reporting import NOTHING, Counts


@dataclass(frozen=True)
class MessageRef:
    """Where the activity of a provider message lives."""

    provider_message_id: str
    lead_id: str
    activity_sk: str
    channel: str
    direction: str
    campaign_id: str | None = None
    """The campaign that sent the message, whose counters its delivery reports move (AP56)."""

    @property
    def activity_id(self) -> str:
        """The activity's id, the last part of its sort key."""
        return self.activity_sk.rsplit("#", 1)[-1]

    @property
    def occurred_at(self) -> datetime:
        """When the message was sent, the time in its activity's sort key."""
        return datetime.fromisoformat(self.activity_sk.split("#")[1])


class ActivityRepository(TenantRepository):
    """Activities of one tenant's leads."""

    def record(
        self,
        lead: Lead,
        activity: Activity,
        summary: LeadSummary,
        consent: dict[Channel, ConsentState] | None = None,
        counts: Counts = NOTHING,
    ) -> None:
        """AP8: put the activity and set the lead's new summary (and consent) in one transaction.

        The lead update is conditioned on the version that was read, so two activities recorded at
        once for one lead cannot overwrite each other's summary: the loser gets a ConflictError and
        the service reads again and retries. An activity with a provider message id also puts the
        message's reference (AP10), on condition that it does not exist: the same provider message
        recorded twice raises :class:`DuplicateMessageError` and writes nothing. ``counts``: what the
        activity adds to the reporting counters (AP55, AP56), in the same transaction.
        """
        item = activity_item(self.tenant_id, activity)
        lead_item = LeadItem(keys.lead_pk(self.tenant_id), keys.lead_sk(lead.id))
        lead_item.version = lead.version
        actions: list[Action] = [LeadItem.summary.set(stored_summary(lead, summary))]
        if summary.last_message is not None:
            actions += [
                LeadItem.GSI2PK.set(keys.inbox_gsi2pk(self.tenant_id)),
                LeadItem.GSI2SK.set(keys.inbox_gsi2sk(to_iso(summary.last_message.at), lead.id)),
            ]
        if consent is not None:
            actions.append(LeadItem.consent.set(_consent_map(consent)))
        delta = counter_delta(lead.summary, summary)
        ref = None
        if activity.provider_message_id:
            ref = MessageRefItem(
                keys.message_ref_pk(self.tenant_id),
                keys.message_ref_sk(activity.provider_message_id),
                provider_message_id=activity.provider_message_id,
                lead_id=activity.lead_id,
                activity_sk=item.SK,
                channel=activity.channel.value,
                direction=activity.direction.value,
                campaign_id=campaign_of(activity),
                created_at=activity.occurred_at,
                expires_at=int(activity.occurred_at.timestamp()) + REF_TTL_SECONDS,
            )
        try:
            with self._transaction() as tx:
                tx.save(item, condition=ActivityItem.PK.does_not_exist())
                if ref is not None:
                    tx.save(ref, condition=MessageRefItem.PK.does_not_exist())
                tx.update(lead_item, actions=actions, condition=LeadItem.PK.exists())
                add_to_transaction(tx, self.tenant_id, counts)
                add_inbox_counts(tx, self.tenant_id, delta)
        except TransactWriteError as exc:
            codes = [r.code if r is not None else None for r in (exc.cancellation_reasons or [])]
            # Puts come before updates in the request: [activity, ref?, lead]. The activity itself
            # already there (same id, same time) is the same message, recorded by a status callback
            # that came before its sender's answer.
            failed = [c == "ConditionalCheckFailed" for c in codes]
            if (failed and failed[0]) or (ref is not None and len(failed) > 1 and failed[1]):
                raise DuplicateMessageError(
                    "this provider message is already recorded",
                    {"provider_message_id": activity.provider_message_id},
                ) from exc
            if not condition_failed(exc):
                raise
            raise ConflictError("the lead changed meanwhile; retry", {"lead_id": lead.id}) from exc
        drop_emptied_snoozes(self.tenant_id, delta)

    def find_by_provider_id(self, provider_message_id: str) -> MessageRef | None:
        """AP10: the activity of a provider message (status callbacks), with one strong GetItem."""
        item = self._message_ref_item(keys.message_ref_sk(provider_message_id))
        return None if item is None else _message_ref(item)

    def _message_ref_item(self, sk: str) -> MessageRefItem | None:
        """One strong GetItem in the tenant's message-reference partition."""
        try:
            return MessageRefItem.get(keys.message_ref_pk(self.tenant_id), sk, consistent_read=True)
        except DoesNotExist:
            return None

    def note_pending(self, activity: Activity) -> None:
        """AP10b: before a provider call that takes no idempotency key, keep our reference of the
        message (its activity id, which the status callback URL carries) and the activity about to
        be recorded. One PutItem, ``PK = TENANT#t#PMSG, SK = PMSG#ref:<activity id>`` (a new id each
        send); it expires with the provider references."""
        item = activity_item(self.tenant_id, activity)
        MessageRefItem(
            keys.message_ref_pk(self.tenant_id),
            keys.message_reference_sk(activity.id),
            provider_message_id=f"ref:{activity.id}",
            lead_id=activity.lead_id,
            activity_sk=item.SK,
            channel=activity.channel.value,
            direction=activity.direction.value,
            campaign_id=campaign_of(activity),
            created_at=activity.occurred_at,
            expires_at=int(activity.occurred_at.timestamp()) + REF_TTL_SECONDS,
            pending=activity.model_dump_json(),
        ).save()

    def find_pending(self, reference: str) -> tuple[MessageRef, Activity] | None:
        """AP10b: the message our reference names, in this tenant's partition only (one strong
        GetItem): where its activity is, and the activity as it was about to be recorded."""
        item = self._message_ref_item(keys.message_reference_sk(reference))
        if item is None or item.pending is None:
            return None
        return _message_ref(item), Activity.model_validate_json(item.pending)

    def attach_provider_id(self, ref: MessageRef, provider_message_id: str, at: datetime) -> bool:
        """AP10b: give a recorded message that has none its provider id, found by a status callback.

        One transaction: Put the provider reference (``attribute_not_exists``) and Update the
        activity (it exists and has no provider id yet). Returns False when either condition fails
        (another delivery attached it first, or the activity is another message's).
        """
        activity = ActivityItem(keys.lead_activity_pk(self.tenant_id, ref.lead_id), ref.activity_sk)
        reference = MessageRefItem(
            keys.message_ref_pk(self.tenant_id),
            keys.message_ref_sk(provider_message_id),
            provider_message_id=provider_message_id,
            lead_id=ref.lead_id,
            activity_sk=ref.activity_sk,
            channel=ref.channel,
            direction=ref.direction,
            campaign_id=ref.campaign_id,
            created_at=at,
            expires_at=int(at.timestamp()) + REF_TTL_SECONDS,
        )
        try:
            with self._transaction() as tx:
                tx.save(reference, condition=MessageRefItem.PK.does_not_exist())
                tx.update(
                    activity,
                    actions=[ActivityItem.provider_message_id.set(provider_message_id)],
                    condition=ActivityItem.PK.exists() & ActivityItem.provider_message_id.does_not_exist(),
                )
        except TransactWriteError:
            return False
        return True

    def get(self, ref: MessageRef) -> Activity | None:
        """AP10: the activity a reference points to, if it still exists (one strong GetItem)."""
        try:
            item = ActivityItem.get(
                keys.lead_activity_pk(self.tenant_id, ref.lead_id), ref.activity_sk, consistent_read=True
            )
        except DoesNotExist:
            return None
        return _to_activity(item)

    def advance_status(
        self,
        lead: Lead,
        ref: MessageRef,
        update: StatusChange,
        summary: LeadSummary,
        consent: dict[Channel, ConsentState] | None = None,
        counts: Counts = NOTHING,
    ) -> bool:
        """AP10: move a message's status forward, with the lead's summary, in one transaction.

        The activity update holds only while its status is one of ``update.allowed_from``: a late
        or repeated report never moves a status back. Returns ``False`` when it did not hold (the
        status stays, nothing is counted); raises ConflictError when the lead changed meanwhile
        (read again, retry). ``counts``: what the move adds to the reporting counters (AP55).
        """
        activity = ActivityItem(keys.lead_activity_pk(self.tenant_id, ref.lead_id), ref.activity_sk)
        activity_actions: list[Action] = [
            ActivityItem.status.set(update.status),
            ActivityItem.status_updated_at.set(update.at),
        ]
        if update.error_code is not None:
            activity_actions.append(ActivityItem.error_code.set(update.error_code))
        if update.error_message is not None:
            activity_actions.append(ActivityItem.error_message.set(update.error_message[:500]))
        lead_item = LeadItem(keys.lead_pk(self.tenant_id), keys.lead_sk(lead.id))
        lead_item.version = lead.version
        lead_actions: list[Action] = [LeadItem.summary.set(stored_summary(lead, summary))]
        if consent is not None:
            lead_actions.append(LeadItem.consent.set(_consent_map(consent)))
        try:
            with self._transaction() as tx:
                tx.update(
                    activity,
                    actions=activity_actions,
                    condition=ActivityItem.PK.exists() & ActivityItem.status.is_in(*update.allowed_from),
                )
                tx.update(lead_item, actions=lead_actions, condition=LeadItem.PK.exists())
                add_to_transaction(tx, self.tenant_id, counts)
        except TransactWriteError as exc:
            codes = [r.code if r is not None else None for r in (exc.cancellation_reasons or [])]
            if codes and codes[0] == "ConditionalCheckFailed":
                return False
            if not condition_failed(exc):
                raise
            raise ConflictError("the lead changed meanwhile; retry", {"lead_id": lead.id}) from exc
        return True

    def messages_page(self, lead_id: str, before: str | None, limit: int) -> list[Activity]:
        """AP21: up to ``limit`` messages of a lead on any channel, newest first, before ``before``.

        One Query of the lead's history with a filter on the message channels; pages are read until
        ``limit`` messages are found (calls and manual notes are skipped by the filter).
        """
        pk = keys.lead_activity_pk(self.tenant_id, lead_id)
        condition = (
            ActivityItem.SK.startswith(_ACT)
            if before is None
            else ActivityItem.SK.between(_ACT, f"{_ACT}{before}")
        )
        bound = None if before is None else f"{_ACT}{before}"
        found: list[Activity] = []
        for item in ActivityItem.query(
            pk,
            condition,
            filter_condition=ActivityItem.channel.is_in(*MESSAGE_CHANNEL_VALUES),
            scan_index_forward=False,
            page_size=max(limit + 1, 50),
        ):
            if bound == item.SK:
                continue
            found.append(_to_activity(item))
            if len(found) == limit:
                break
        return found

    def recent_outbound_with(self, lead_id: str, limit: int, **metadata: object) -> Activity | None:
        """AP9: among the lead's ``limit`` latest activities, the outbound one whose metadata has
        every ``metadata`` value (the message of an interrupted send: its campaign and step, or its
        automation and episode). One Query."""
        for activity in self.page_for_lead(lead_id, None, limit):
            if activity.direction is Direction.OUT and all(
                activity.metadata.get(k) == v for k, v in metadata.items()
            ):
                return activity
        return None

    def latest_sent_on(
        self, lead_id: str, channel: Channel, since: datetime, until: datetime
    ) -> Activity | None:
        """AP9b: the lead's latest message sent on ``channel`` between ``since`` and ``until`` (the
        message a reply answers). One Query of the lead's history over that period, newest first,
        filtered on the direction and the channel; read until the first one is found."""
        return self._latest_on(lead_id, Direction.OUT, channel, since, until)

    def latest_received_on(
        self, lead_id: str, channel: Channel, since: datetime, until: datetime
    ) -> Activity | None:
        """AP95: the lead's latest message received on ``channel`` between ``since`` and ``until``
        (the e-mail a reply from the inbox threads under, at the time the lead's summary says it
        came). One Query, as the latest sent one's, filtered on inbound messages."""
        return self._latest_on(lead_id, Direction.IN, channel, since, until)

    def _latest_on(
        self, lead_id: str, direction: Direction, channel: Channel, since: datetime, until: datetime
    ) -> Activity | None:
        items = ActivityItem.query(
            keys.lead_activity_pk(self.tenant_id, lead_id),
            ActivityItem.SK.between(f"{_ACT}{to_iso(since)}", f"{_ACT}{to_iso(until)}#~"),
            filter_condition=(ActivityItem.direction == direction.value)
            & (ActivityItem.channel == channel.value),
            scan_index_forward=False,
        )
        return next((_to_activity(item) for item in items), None)

    def page_for_lead(self, lead_id: str, before: str | None, limit: int) -> list[Activity]:
        """AP9: up to ``limit`` activities of a lead, newest first, before the timeline position ``before``.

        ``before`` is ``<occurred_at>#<activity id>`` (see :func:`maxcore.dal.base.decode_position`);
        the key is rebuilt in the caller's own lead partition, so it cannot reach another lead.
        """
        pk = keys.lead_activity_pk(self.tenant_id, lead_id)
        condition: Condition
        if before is None:
            condition = ActivityItem.SK.startswith(_ACT)
        else:
            # BETWEEN is inclusive: read one more and drop the entry the position names.
            condition = ActivityItem.SK.between(_ACT, f"{_ACT}{before}")
        items = ActivityItem.query(
            pk, condition, scan_index_forward=False, limit=limit + 1, page_size=limit + 1
        )
        bound = None if before is None else f"{_ACT}{before}"
        return [_to_activity(i) for i in items if bound != i.SK][:limit]

    def between(self, lead_id: str, start: datetime, end: datetime) -> Iterator[Activity]:
        """AP59: a lead's activities with ``start <= occurred_at < end``, oldest first, in 1 MB pages."""
        # An activity's key is ``ACT#<time>#<id>``: one at ``end`` sorts after ``ACT#<end>``, so the
        # inclusive BETWEEN still leaves it to the next period.
        low, high = f"{_ACT}{to_iso(start)}", f"{_ACT}{to_iso(end)}"
        for item in ActivityItem.query(
            keys.lead_activity_pk(self.tenant_id, lead_id), ActivityItem.SK.between(low, high)
        ):
            yield _to_activity(item)

    def of_period(
        self, start: datetime, end: datetime, after: str | None = None, page: int = 1000
    ) -> Iterator[tuple[list[Activity], str]]:
        """AP66: the tenant's activities with ``start <= occurred_at < end``, oldest first, in pages.

        Each page is one Query of GSI1 (keys: ``page`` entries, well under 1 MB) per month of the
        period, then one BatchGetItem per 100 activities. Each comes with its position: pass the
        last one as ``after`` to resume past it.
        """
        low, high = to_iso(start), to_iso(end)
        if after is not None:
            low = max(low, after)
        for month in _months(low, high):
            entries = ActivityItem.gsi1.query(
                keys.activity_month_gsi1pk(self.tenant_id, month),
                ActivityItem.GSI1SK.between(low, high),
                page_size=page,
            )
            # ``after`` was the last one taken: BETWEEN includes its bound, so it is left out here.
            fresh = (entry for entry in entries if after != entry.GSI1SK)
            while chunk := list(islice(fresh, page)):
                found = [_to_activity(item) for item in from_index(ActivityItem, chunk)]
                yield found, str(chunk[-1].GSI1SK)

    def index_by_month(self, lead_id: str) -> int:
        """AP66: put a lead's activities recorded before GSI1 held them on their month's keys.

        One Query of the lead's partition (those without the keys only), then one conditional
        update each. Returns how many it indexed; a second run finds none.
        """
        indexed = 0
        for item in ActivityItem.query(
            keys.lead_activity_pk(self.tenant_id, lead_id),
            ActivityItem.SK.startswith(_ACT),
            filter_condition=ActivityItem.GSI1PK.does_not_exist(),
        ):
            occurred_at = to_iso(item.occurred_at)
            try:
                item.update(
                    actions=[
                        ActivityItem.GSI1PK.set(keys.activity_month_gsi1pk(self.tenant_id, occurred_at)),
                        ActivityItem.GSI1SK.set(keys.activity_gsi1sk(occurred_at, item.activity_id)),
                    ],
                    condition=ActivityItem.PK.exists() & ActivityItem.GSI1PK.does_not_exist(),
                )
            except UpdateError as exc:
                if not condition_failed(exc):
                    raise
                continue  # deleted, or indexed by another run meanwhile
            indexed += 1
        return indexed


def _months(low: str, high: str) -> Iterator[str]:
    """The ``YYYY-MM`` of each UTC month from ``low``'s to ``high``'s (ISO times), in order."""
    year, month = int(low[:4]), int(low[5:7])
    while f"{year:04d}-{month:02d}" <= high[:7]:
        yield f"{year:04d}-{month:02d}"
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


_ACT = "ACT#"


REF_TTL_SECONDS = 180 * 24 * 3600
"""A provider message reference outlives every provider's retry and status window by far."""

MESSAGE_CHANNEL_VALUES = ("sms", "whatsapp", "email", "telegram")


@dataclass(frozen=True)
class StatusChange:
    """A provider's news about a message: the new status and the statuses it may replace."""

    status: str
    at: datetime
    allowed_from: tuple[str, ...]
    error_code: str | None = None
    error_message: str | None = None


def activity_item(tenant_id: str, activity: Activity) -> ActivityItem:
    """The item of ``activity`` in its lead's partition, on GSI1 under its month (AP66)."""
    occurred_at = to_iso(activity.occurred_at)
    return ActivityItem(
        keys.lead_activity_pk(tenant_id, activity.lead_id),
        keys.activity_sk(occurred_at, activity.id),
        GSI1PK=keys.activity_month_gsi1pk(tenant_id, occurred_at),
        GSI1SK=keys.activity_gsi1sk(occurred_at, activity.id),
        activity_id=activity.id,
        lead_id=activity.lead_id,
        channel=activity.channel.value,
        direction=activity.direction.value,
        status=activity.status.value,
        preview=activity.preview,
        provider_message_id=activity.provider_message_id,
        intent=activity.intent,
        occurred_at=activity.occurred_at,
        metadata=activity.metadata,
        status_updated_at=activity.status_updated_at,
        error_code=activity.error_code,
        error_message=activity.error_message,
    )


def message_ref(activity: Activity) -> MessageRef:
    """The reference of a message read from its lead's history, as its provider id would give it
    (the provider id empty for a message whose provider's answer never came)."""
    return MessageRef(
        provider_message_id=activity.provider_message_id or "",
        lead_id=activity.lead_id,
        activity_sk=keys.activity_sk(to_iso(activity.occurred_at), activity.id),
        channel=activity.channel.value,
        direction=activity.direction.value,
        campaign_id=campaign_of(activity),
    )


def campaign_of(activity: Activity) -> str | None:
    """The campaign that sent ``activity``, when a sequence did."""
    campaign = activity.metadata.get("campaign_id")
    return campaign if isinstance(campaign, str) else None


def _consent_map(consent: dict[Channel, ConsentState]) -> dict[str, Any]:
    return {c.value: state.model_dump(mode="json") for c, state in consent.items()}


def _to_activity(i: ActivityItem) -> Activity:
    return Activity.model_validate(
        {
            "id": i.activity_id,
            "lead_id": i.lead_id,
            "channel": i.channel,
            "direction": i.direction,
            "status": i.status,
            "preview": i.preview,
            "provider_message_id": i.provider_message_id,
            "intent": i.intent,
            "occurred_at": i.occurred_at,
            "metadata": plain(i.metadata),
            "status_updated_at": i.status_updated_at,
            "error_code": i.error_code,
            "error_message": i.error_message,
        }
    )


def _message_ref(item: MessageRefItem) -> MessageRef:
    return MessageRef(
        provider_message_id=item.provider_message_id,
        lead_id=item.lead_id,
        activity_sk=item.activity_sk,
        channel=item.channel,
        direction=item.direction,
        campaign_id=item.campaign_id,
    )
