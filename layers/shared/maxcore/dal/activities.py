"""The activity repository: a lead's interactions, written together with the lead's summary."""

from __future__ import annotations

import base64
import binascii
import json
import re

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action

from maxcore.dal import keys
from maxcore.dal.attributes import to_iso
from maxcore.dal.base import TenantRepository, plain
from maxcore.dal.items import ActivityItem, LeadItem
from maxcore.errors import BadRequestError, ConflictError
from maxcore.models.activity import Activity
from maxcore.models.common import ULID_PATTERN, Channel
from maxcore.models.lead import ConsentState, Lead, LeadSummary


class ActivityRepository(TenantRepository):
    """Activities of one tenant's leads."""

    def record(
        self,
        lead: Lead,
        activity: Activity,
        summary: LeadSummary,
        consent: dict[Channel, ConsentState] | None = None,
    ) -> None:
        """AP8: put the activity and set the lead's new summary (and consent) in one transaction.

        The lead update is conditioned on the version that was read, so two activities recorded at
        once for one lead cannot overwrite each other's summary: the loser gets a ConflictError and
        the service reads again and retries.
        """
        item = ActivityItem(
            keys.lead_activity_pk(self.tenant_id, lead.id),
            keys.activity_sk(to_iso(activity.occurred_at), activity.id),
            activity_id=activity.id,
            lead_id=lead.id,
            channel=activity.channel.value,
            direction=activity.direction.value,
            status=activity.status.value,
            preview=activity.preview,
            provider_message_id=activity.provider_message_id,
            intent=activity.intent,
            occurred_at=activity.occurred_at,
            metadata=activity.metadata,
        )
        if activity.provider_message_id:
            item.GSI1PK = keys.provider_message_gsi1pk(self.tenant_id, activity.provider_message_id)
            item.GSI1SK = "ACT"
        lead_item = LeadItem(keys.lead_pk(self.tenant_id), keys.lead_sk(lead.id))
        lead_item.version = lead.version
        actions: list[Action] = [LeadItem.summary.set(summary.model_dump(mode="json"))]
        if consent is not None:
            actions.append(
                LeadItem.consent.set({c.value: state.model_dump(mode="json") for c, state in consent.items()})
            )
        try:
            with self._transaction() as tx:
                tx.save(item, condition=ActivityItem.PK.does_not_exist())
                tx.update(lead_item, actions=actions, condition=LeadItem.PK.exists())
        except TransactWriteError as exc:
            raise ConflictError("the lead changed meanwhile; retry", {"lead_id": lead.id}) from exc

    def list_for_lead(self, lead_id: str, limit: int = 100) -> list[Activity]:
        """AP9: a lead's activities, newest first."""
        return self.page_for_lead(lead_id, limit, None)[0]

    def page_for_lead(
        self, lead_id: str, limit: int, cursor: str | None
    ) -> tuple[list[Activity], str | None]:
        """AP9: a page of a lead's activities, newest first, and the cursor of the next page.

        The cursor holds only the last activity's time and id; its key is rebuilt in the caller's
        own lead partition, so it cannot reach another lead or tenant.
        """
        pk = keys.lead_activity_pk(self.tenant_id, lead_id)
        start = None
        if cursor is not None:
            at, activity_id = _decode_activity_cursor(cursor)
            start = {"PK": {"S": pk}, "SK": {"S": keys.activity_sk(at, activity_id)}}
        items = ActivityItem.query(
            pk,
            ActivityItem.SK.startswith("ACT#"),
            scan_index_forward=False,
            limit=limit + 1,
            page_size=limit + 1,
            last_evaluated_key=start,
        )
        activities = [_to_activity(i) for i in items]
        if len(activities) <= limit:
            return activities, None
        last = activities[limit - 1]
        return activities[:limit], _encode_activity_cursor(to_iso(last.occurred_at), last.id)


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
        }
    )


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
_ULID = re.compile(ULID_PATTERN)


def _encode_activity_cursor(at: str, activity_id: str) -> str:
    raw = json.dumps({"v": 1, "at": at, "id": activity_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_activity_cursor(cursor: str) -> tuple[str, str]:
    try:
        data = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
        at, activity_id = data["at"], data["id"]
        if data.get("v") != 1 or not _ISO.match(str(at)) or not _ULID.match(str(activity_id)):
            raise ValueError(cursor)
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise BadRequestError("the cursor is not valid; start again without it", {"cursor": cursor}) from exc
    return str(at), str(activity_id)
