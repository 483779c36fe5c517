"""The activity repository: a lead's interactions, written together with the lead's summary."""

from __future__ import annotations

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from maxcore.dal import keys
from maxcore.dal.attributes import to_iso
from maxcore.dal.base import TenantRepository, plain
from maxcore.dal.items import ActivityItem, LeadItem
from maxcore.errors import ConflictError
from maxcore.models.activity import Activity
from maxcore.models.common import Channel
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
        item = activity_item(self.tenant_id, activity)
        lead_item = LeadItem(keys.lead_pk(self.tenant_id), keys.lead_sk(lead.id))
        lead_item.version = lead.version
        actions: list[Action] = [
            LeadItem.summary.set(summary.model_dump(mode="json", exclude={"preferred_channel"}))
        ]
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


_ACT = "ACT#"


def activity_item(tenant_id: str, activity: Activity) -> ActivityItem:
    """The item of ``activity`` in its lead's partition (found by provider message id through GSI1)."""
    item = ActivityItem(
        keys.lead_activity_pk(tenant_id, activity.lead_id),
        keys.activity_sk(to_iso(activity.occurred_at), activity.id),
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
    )
    if activity.provider_message_id:
        item.GSI1PK = keys.provider_message_gsi1pk(tenant_id, activity.provider_message_id)
        item.GSI1SK = "ACT"
    return item


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
