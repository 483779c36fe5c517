"""The consent ledger: who may be written to at which address, and the history that says why.

Consent belongs to an address (a phone number, an e-mail address, a Telegram chat) within a tenant,
not to a lead: deleting a lead, creating it again or importing it again never forgets an opt-out.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from maxcore.models.common import Channel, LazyModel


class ConsentSource(StrEnum):
    """What changed an address's consent."""

    KEYWORD = "keyword"
    """An SMS or WhatsApp keyword (STOP, START), a Telegram command."""
    REPLY = "reply"
    """A written reply the rules read as an opt-out ("merci de ne plus me contacter")."""
    LINK = "link"
    """The unsubscribe link of an e-mail."""
    BOUNCE = "bounce"
    """A hard bounce of an e-mail."""
    COMPLAINT = "complaint"
    """A spam complaint about an e-mail."""
    PROVIDER = "provider"
    """The provider refused or reported the address as opted out (Twilio 21610)."""
    USER = "user"
    """A user of the tenant, through the API."""
    IMPORT = "import"
    """A lead import."""


class ConsentEntry(LazyModel):
    """One change of consent of one address on one channel, as it is kept (never changed)."""

    channel: Channel
    address: str = Field(description="E.164 phone, lower-cased e-mail or Telegram chat id.")
    granted: bool
    at: datetime
    source: ConsentSource
    proof: str | None = Field(
        default=None,
        description="What proves it: the provider's message id, the user's subject, the import.",
    )
    reason: str = Field(default="", max_length=200)


class ConsentEntryResponse(LazyModel):
    """One entry of an address's consent history."""

    granted: bool
    at: datetime
    source: ConsentSource
    proof: str | None
    reason: str

    @classmethod
    def of(cls, entry: ConsentEntry) -> ConsentEntryResponse:
        """The API view of a ledger entry."""
        return cls(
            granted=entry.granted, at=entry.at, source=entry.source, proof=entry.proof, reason=entry.reason
        )


class AddressConsent(LazyModel):
    """The consent of one of the lead's addresses on one channel: where it stands and its history."""

    channel: Channel
    address: str
    granted: bool = Field(description="False once the address opted out on this channel.")
    entries: list[ConsentEntryResponse] = Field(description="Newest first, at most 50.")


class LeadConsentResponse(LazyModel):
    """The consent ledger of each of a lead's addresses."""

    lead_id: str
    addresses: list[AddressConsent]
