"""Consent use cases: every change of an address's consent goes through here, into the ledger.

Sending reads the lead's own consent (on the lead item every sender already reads, so a send costs
no extra read); this service keeps it in step with the ledger: each change is written to the
ledger, a lead created (or given a new address) starts with the opt-outs the ledger holds for its
addresses, and an opt-out of an address that arrives outside a lead's activity (an unsubscribe
link) revokes the lead holding that address too.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime

from aws_lambda_powertools.metrics import MetricUnit

from maxcore.clock import utcnow
from maxcore.dal.consent import ConsentRepository
from maxcore.dal.leads import LeadRepository
from maxcore.errors import ConflictError, NotFoundError
from maxcore.models.common import Channel
from maxcore.models.consent import (
    AddressConsent,
    ConsentEntry,
    ConsentEntryResponse,
    ConsentSource,
    LeadConsentResponse,
)
from maxcore.models.lead import ConsentState, Lead
from maxcore.observability import logger, metrics
from maxcore.rules.channels import ADDRESS_FIELD
from maxcore.rules.consent import (
    export_header,
    export_row,
    held_consent,
    lead_addresses,
    ledger_address,
    source_label,
)
from maxcore.rules.csv_export import export_delimiter
from maxcore.services.tenants import tenant_settings
from maxcore.texts import render

HISTORY_LIMIT = 50
"""Entries of each address shown by ``GET /leads/{id}/consent``, newest first."""
ATTEMPTS = 3


class ConsentService:
    """The consent ledger of one tenant."""

    def __init__(
        self, tenant_id: str, clock: Callable[[], datetime] = utcnow, locale: str | None = None
    ) -> None:
        """``locale``: the tenant's, when the caller has read it; else read when a reason needs it."""
        self.tenant_id = tenant_id
        self.repository = ConsentRepository(tenant_id)
        self._clock = clock
        self._locale = locale

    @property
    def locale(self) -> str:
        """The language the reasons this service writes read in (the tenant's, read once)."""
        if self._locale is None:
            self._locale = tenant_settings(self.tenant_id).locale.value
        return self._locale

    def reason(self, key: str, **values: str) -> str:
        """The reason ``consent.reason.<key>`` in the tenant's language."""
        return render(f"consent.reason.{key}", self.locale, **values)

    def record(
        self,
        channel: Channel,
        address: str,
        *,
        granted: bool,
        source: ConsentSource,
        proof: str | None,
        reason: str = "",
        at: datetime | None = None,
    ) -> ConsentEntry:
        """Write one change of ``address``'s consent on ``channel`` to the ledger (lead left as it is).

        For callers that change the lead's consent themselves, in the same write as what caused it
        (an inbound STOP is recorded with its activity).
        """
        entry = ConsentEntry(
            channel=channel,
            address=ledger_address(channel, address),
            granted=granted,
            at=at or self._clock(),
            source=source,
            proof=None if proof is None else proof[:200],
            reason=reason[:200],
        )
        self.repository.record(entry)
        metrics.add_metric(
            name="ConsentGranted" if granted else "ConsentRevoked", unit=MetricUnit.Count, value=1
        )
        logger.info(
            "consent recorded",
            extra={"channel": channel.value, "granted": granted, "source": source.value, "proof": proof},
        )
        return entry

    def record_lead_changes(
        self,
        lead: Lead,
        changes: Mapping[Channel, bool],
        source: ConsentSource,
        proof: str | None,
        reason: str,
    ) -> None:
        """Write the consent ``changes`` made on ``lead`` for each channel it has an address for."""
        addresses = lead_addresses(lead)
        for channel, granted in changes.items():
            if channel in addresses:
                self.record(
                    channel, addresses[channel], granted=granted, source=source, proof=proof, reason=reason
                )

    def is_revoked(self, channel: Channel, address: str) -> bool:
        """Whether the ledger's current state of ``address`` on ``channel`` is an opt-out (AP46)."""
        latest = self.repository.latest({channel: ledger_address(channel, address)}).get(channel)
        return latest is not None and not latest.granted

    def revoke(
        self, channel: Channel, address: str, *, source: ConsentSource, proof: str | None, reason: str = ""
    ) -> ConsentEntry:
        """Opt ``address`` out of ``channel``: in the ledger, and on the lead holding it if there is one.

        The path of an opt-out that comes with no activity of the lead (the unsubscribe link:
        ``source=ConsentSource.LINK``, ``proof`` the signed link's id). Sending stops at once: the
        lead's consent, which every sender reads, is revoked too.
        """
        entry = self.record(channel, address, granted=False, source=source, proof=proof, reason=reason)
        leads = LeadRepository(self.tenant_id)
        lead_id = leads.find_by_contact(ADDRESS_FIELD[channel], entry.address)
        if lead_id is None:
            return entry
        state = ConsentState(
            granted=False,
            updated_at=entry.at,
            reason=(reason or self.reason("revoked", source=source_label(source, self.locale)))[:200],
        )
        for attempt in range(1, ATTEMPTS + 1):
            try:
                lead = leads.get(lead_id)
            except NotFoundError:
                return entry
            try:
                consent = {**lead.consent, channel: state}
                leads.update(lead, lead.model_copy(update={"consent": consent, "updated_at": entry.at}))
            except ConflictError:
                if attempt == ATTEMPTS:
                    raise
                continue
            break
        return entry

    def held(self, lead: Lead) -> Lead:
        """``lead`` with the opt-outs the ledger holds for its addresses (one BatchGetItem, if any)."""
        addresses = lead_addresses(lead)
        if not addresses:
            return lead
        latest = self.repository.latest(addresses)
        if all(entry.granted for entry in latest.values()):
            return lead
        return lead.model_copy(update={"consent": held_consent(lead, latest, self.locale)})

    def lead_history(self, lead_id: str) -> LeadConsentResponse:
        """The history of each of the lead's addresses, newest first (404 for an unknown lead)."""
        lead = LeadRepository(self.tenant_id).get(lead_id)
        addresses = []
        for channel, address in lead_addresses(lead).items():
            state = lead.consent.get(channel)
            entries = self.repository.history(channel, address, HISTORY_LIMIT)
            addresses.append(
                AddressConsent(
                    channel=channel,
                    address=address,
                    granted=state is None or state.granted,
                    entries=[ConsentEntryResponse.of(e) for e in entries],
                )
            )
        return LeadConsentResponse(lead_id=lead.id, addresses=addresses)

    def export_csv(self) -> Iterator[str]:
        """The whole ledger as CSV text, one chunk per entry after the header, read page by page.

        Cells are separated as the tenant's spreadsheet expects (``;`` in French); the text starts
        with a byte-order mark so that Excel reads it as UTF-8.
        """
        locale = self.locale
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=export_delimiter(locale), lineterminator="\r\n")
        writer.writerow(export_header(locale))
        yield "\ufeff" + _drain(buffer)
        for entry in self.repository.iter_entries():
            writer.writerow(export_row(entry, locale))
            yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
