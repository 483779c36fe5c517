"""Lead use cases: create, read, list, change and delete the leads of one tenant."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aws_lambda_powertools.metrics import MetricUnit

from maxcore.clock import utcnow
from maxcore.dal.leads import LeadFilter, LeadRepository
from maxcore.errors import InvalidInputError
from maxcore.ids import new_id
from maxcore.models.common import Channel
from maxcore.models.consent import ConsentSource
from maxcore.models.contact import DEFAULT_COUNTRY
from maxcore.models.lead import ConsentState, CreateLeadRequest, Lead, LeadStatus, UpdateLeadRequest
from maxcore.observability import logger, metrics
from maxcore.rules.contact import PhoneNumberError, normalize_phone, phone_query
from maxcore.rules.reporting import NOTHING, Counts, conversion_counts
from maxcore.services.alerts import AlertService
from maxcore.services.consent import ConsentService
from maxcore.services.tenants import tenant_settings

MAX_PAGE_SIZE = 100
CONTACT_FIELDS = ("phone", "email", "telegram_chat_id")


class LeadService:
    """The leads of one tenant, as the API and the other services use them."""

    def __init__(
        self, tenant_id: str, clock: Callable[[], datetime] = utcnow, actor: str | None = None
    ) -> None:
        """``actor``: the user acting (the JWT subject), kept as the proof of the consent they change."""
        self.tenant_id = tenant_id
        self.repository = LeadRepository(tenant_id)
        self.consent = ConsentService(tenant_id, clock)
        self._clock = clock
        self._actor = actor

    def create(self, request: CreateLeadRequest) -> Lead:
        """Store a new lead; a phone, e-mail or chat id already used in the tenant is a 409.

        The lead starts with every opt-out the consent ledger holds for its addresses, whatever the
        request grants: re-creating (or re-importing) a lead never writes an opted-out address back
        in. The channels the request refuses are written to the ledger.
        """
        now = self._clock()
        data = request.model_dump(exclude={"consent"})
        if request.phone is not None:
            data["phone"] = self.read_phone(request.phone)
        lead = Lead(
            id=new_id(),
            consent=_consent(request.consent, now, self.consent.reason("created")) if request.consent else {},
            created_at=now,
            updated_at=now,
            **data,
        )
        created = self.repository.create(self.consent.held(lead))
        refused = {channel: False for channel, granted in request.consent.items() if not granted}
        self._record_consent(created, refused, "refused_at_creation")
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
        return self.repository.list_leads(
            self.filter_of(status, tag, text), min(limit, MAX_PAGE_SIZE), cursor
        )

    def filter_of(self, status: LeadStatus | None, tag: str | None, text: str | None) -> LeadFilter:
        """What a list of leads is narrowed by (``GET /leads``, the leads export)."""
        if text and (number := phone_query(text, self.default_country())):
            # A whole number finds the lead with that number, read in the tenant's country.
            text = number
        return LeadFilter(status=status, tag=tag or None, text=text or None)

    def update(self, lead_id: str, request: UpdateLeadRequest) -> Lead:
        """Apply the fields the client sent; contacts stay unique, concurrent edits are a 409.

        A new address starts with the opt-outs the ledger holds for it; the consent the user sends
        wins over them (an explicit grant, kept in the ledger with the user as proof).
        """
        changes = request.changes()
        if changes.get("phone") is not None:
            changes["phone"] = self.read_phone(changes["phone"])
        before = self.repository.get(lead_id)
        now = self._clock()
        requested: dict[Channel, bool] = changes.pop("consent", None) or {}
        after = before.model_copy(update={**changes, "updated_at": now})
        if any(field in changes for field in CONTACT_FIELDS):
            after = self.consent.held(after)
        if requested:
            consent = {**after.consent, **_consent(requested, now, self.consent.reason("changed_by_user"))}
            after = after.model_copy(update={"consent": consent})
        updated = self.repository.update(before, after, self._conversion(before, after, now))
        self._record_consent(updated, requested, "changed_by_user")
        logger.info("lead updated", extra={"lead_id": lead_id, "fields": sorted(request.model_fields_set)})
        if after.status is not before.status:
            # A lead converted or lost stops its follow-up alerts now, not at the next daily run.
            AlertService(self.tenant_id, self._clock).evaluate_lead(lead_id)
            return self.repository.get(lead_id)
        return updated

    def _conversion(self, before: Lead, after: Lead, now: datetime) -> Counts:
        """The conversion a change counts (AP55): a lead moved to ``converted``, on the channel of its
        latest message and the tenant's day; nothing for any other change."""
        if after.status is not LeadStatus.CONVERTED or before.status is LeadStatus.CONVERTED:
            return NOTHING
        last = before.summary.last_message
        channel = None if last is None else last.channel.value
        return conversion_counts(channel, now, tenant_settings(self.tenant_id).timezone)

    def _record_consent(self, lead: Lead, changes: dict[Channel, bool], reason: str) -> None:
        """Write the consent a user (or an import) set on ``lead`` to the ledger (``reason``: its key)."""
        if not changes:
            return
        source = ConsentSource.IMPORT if lead.source == "csv" else ConsentSource.USER
        self.consent.record_lead_changes(lead, changes, source, self._actor, self.consent.reason(reason))

    def default_country(self) -> str:
        """The region the tenant's national phone numbers are read in."""
        return tenant_settings(self.tenant_id).default_country

    def read_phone(self, raw: str, field: str = "phone") -> str:
        """``raw`` in E.164, read in the tenant's country; an invalid number is a 422 naming ``field``."""
        # A number written with + needs no region: no read of the tenant (a CSV import of 500 rows
        # creates its leads with numbers already in E.164).
        country = DEFAULT_COUNTRY if raw.lstrip().startswith("+") else self.default_country()
        return read_phone(raw, country, field)

    def delete(self, lead_id: str) -> None:
        """Delete the lead and free its contacts for another lead."""
        lead = self.repository.get(lead_id)
        self.repository.delete(lead)
        # Its open alerts would otherwise wait forever on a lead nobody can open.
        closed = AlertService(self.tenant_id, self._clock).close_for_deleted_lead(lead_id)
        metrics.add_metric(name="LeadDeleted", unit=MetricUnit.Count, value=1)
        logger.info("lead deleted", extra={"lead_id": lead_id, "alerts_closed": closed})


def read_phone(raw: str, country: str, field: str = "phone") -> str:
    """``raw`` in E.164, national numbers read in ``country``.

    Raises
    ------
    InvalidInputError
        A 422 naming ``field``, with the library's reason (``TOO_LONG``...) and a sentence.
    """
    try:
        return normalize_phone(raw, country)
    except PhoneNumberError as exc:
        raise InvalidInputError(str(exc), [phone_error_detail(exc, field)]) from exc


def phone_error_detail(error: PhoneNumberError, field: str = "phone") -> dict[str, str]:
    """The ``details`` entry of a refused phone number, in the shape of the other 422s."""
    return {"field": field, "message": str(error), "type": "invalid_phone", "reason": error.reason}


def _consent(requested: dict[Channel, bool], now: datetime, reason: str) -> dict[Channel, ConsentState]:
    return {
        channel: ConsentState(granted=granted, updated_at=now, reason=reason)
        for channel, granted in requested.items()
    }
