"""Lead use cases: create, read, list, change and delete the leads of one tenant."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aws_lambda_powertools.metrics import MetricUnit

from maxcore.clock import utcnow
from maxcore.dal.leads import LeadFilter, LeadRepository
from maxcore.ids import new_id
from maxcore.models.common import Channel
from maxcore.models.lead import ConsentState, CreateLeadRequest, Lead, LeadStatus, UpdateLeadRequest
from maxcore.observability import logger, metrics
from maxcore.services.alerts import AlertService

MAX_PAGE_SIZE = 100


class LeadService:
    """The leads of one tenant, as the API and the other services use them."""

    def __init__(self, tenant_id: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.tenant_id = tenant_id
        self.repository = LeadRepository(tenant_id)
        self._clock = clock

    def create(self, request: CreateLeadRequest) -> Lead:
        """Store a new lead; a phone, e-mail or chat id already used in the tenant is a 409."""
        now = self._clock()
        data = request.model_dump(exclude={"consent"})
        lead = Lead(
            id=new_id(),
            consent=_consent(request.consent, now, "set when the lead was created"),
            created_at=now,
            updated_at=now,
            **data,
        )
        created = self.repository.create(lead)
        metrics.add_metric(name="LeadCreated", unit=MetricUnit.Count, value=1)
        logger.info("lead created", extra={"lead_id": lead.id, "source": lead.source})
        return created

    def get(self, lead_id: str) -> Lead:
        """The lead, or a 404 (also for another tenant's lead)."""
        return self.repository.get(lead_id)

    def list(
        self,
        *,
        status: LeadStatus | None = None,
        tag: str | None = None,
        text: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> tuple[list[Lead], str | None]:
        """A page of leads, newest first, and the cursor of the next page."""
        filters = LeadFilter(status=status, tag=tag or None, text=text or None)
        return self.repository.list_leads(filters, min(limit, MAX_PAGE_SIZE), cursor)

    def update(self, lead_id: str, request: UpdateLeadRequest) -> Lead:
        """Apply the fields the client sent; contacts stay unique, concurrent edits are a 409."""
        before = self.repository.get(lead_id)
        now = self._clock()
        changes = request.changes()
        if "consent" in changes:
            consent = dict(before.consent)
            consent.update(_consent(changes.pop("consent"), now, "changed by a user"))
            changes["consent"] = consent
        after = before.model_copy(update={**changes, "updated_at": now})
        updated = self.repository.update(before, after)
        logger.info("lead updated", extra={"lead_id": lead_id, "fields": sorted(request.model_fields_set)})
        if after.status is not before.status:
            # A lead converted or lost stops its follow-up alerts now, not at the next daily run.
            AlertService(self.tenant_id, self._clock).evaluate_lead(lead_id)
            return self.repository.get(lead_id)
        return updated

    def delete(self, lead_id: str) -> None:
        """Delete the lead and free its contacts for another lead."""
        lead = self.repository.get(lead_id)
        self.repository.delete(lead)
        # Its open alerts would otherwise wait forever on a lead nobody can open.
        closed = AlertService(self.tenant_id, self._clock).close_for_deleted_lead(lead_id)
        metrics.add_metric(name="LeadDeleted", unit=MetricUnit.Count, value=1)
        logger.info("lead deleted", extra={"lead_id": lead_id, "alerts_closed": closed})


def _consent(requested: dict[Channel, bool], now: datetime, reason: str) -> dict[Channel, ConsentState]:
    return {
        channel: ConsentState(granted=granted, updated_at=now, reason=reason)
        for channel, granted in requested.items()
    }
