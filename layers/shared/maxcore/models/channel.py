"""A tenant's messaging channels: settings (stored), credentials (write-only) and the local outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from maxcore.models.common import Channel, LazyModel, StrictModel, Ulid, partial_change

Secret = Annotated[str, StringConstraints(min_length=1, max_length=512)]
BotName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]{2,29}[Bb][Oo][Tt]$")]
SenderName = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r'^[^"<>\\\r\n]+$')]

DEFAULT_SENDER_DAILY_LIMIT = 50
"""E-mails per sender per day unless set: a new domain's warm-up pace (see the README)."""
MAX_SENDERS = 10


class EmailSender(StrictModel):
    """One address the tenant's e-mails go out from, used in turn with the others."""

    address: Annotated[str, StringConstraints(min_length=3, max_length=254)] = Field(
        description="The sending address, on a domain verified at Resend."
    )
    name: SenderName | None = Field(default=None, description="The name shown before the address.")
    daily_limit: int = Field(
        default=DEFAULT_SENDER_DAILY_LIMIT,
        ge=1,
        le=10_000,
        description="E-mails this address sends per day at most (the tenant's day, in its time zone).",
    )
    active: bool = Field(default=True, description="An inactive sender is skipped by the rotation.")


class SenderSlot(LazyModel):
    """The sender one send took a slot of, on the tenant's day it counted."""

    address: str
    day: str


class ChannelSettings(LazyModel):
    """How a tenant sends on one channel. Defaults apply until an admin saves some."""

    channel: Channel
    enabled: bool = True
    sender: str | None = None
    sender_name: str | None = None
    senders: list[EmailSender] = Field(default_factory=list)
    """E-mail: the addresses used in turn; empty when the channel was set with ``sender`` alone."""
    inbound_address: str | None = None
    """E-mail: where replies are received (every e-mail's Reply-To); the sender's address when unset."""
    bot_name: str | None = None
    opt_out_number: str | None = None
    """SMS: the short number recipients text STOP to, named in the opt-out mention of marketing SMS."""
    daily_cap: int | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None
    version: int | None = None
    """``None`` while the channel runs on defaults (never saved)."""

    def email_senders(self) -> list[EmailSender]:
        """The e-mail senders: the list, or the single ``sender`` (set before lists existed) as one."""
        if self.senders or self.channel is not Channel.EMAIL or not self.sender:
            return list(self.senders)
        return [EmailSender(address=self.sender, name=self.sender_name)]


OPT_OUT_NUMBER_DESCRIPTION = (
    "SMS only: the five-digit short number recipients text STOP to; marketing SMS then end with "
    '"STOP au <number>" instead of "Répondez STOP pour vous désinscrire".'
)


class UpdateChannelRequest(StrictModel):
    """A change of a channel's settings; only the fields sent change, ``null`` clears one.

    ``credentials`` are written to the secret store and never returned.
    """

    model_config = ConfigDict(json_schema_extra=partial_change("enabled"))

    enabled: bool | None = None
    sender: Annotated[str, StringConstraints(min_length=1, max_length=254)] | None = Field(
        default=None,
        description="SMS: E.164 number or an alphanumeric sender id; WhatsApp: the E.164 WhatsApp number; "
        "e-mail: the sending address. Not used by Telegram.",
    )
    sender_name: SenderName | None = Field(
        default=None, description="E-mail only: the name shown before the address."
    )
    senders: list[EmailSender] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_SENDERS,
        description="E-mail only: 1 to 10 sending addresses, used in turn, each within its daily limit "
        f"(default {DEFAULT_SENDER_DAILY_LIMIT}). Replaces the list; `sender` and `sender_name` then "
        "show the first. A same-thread follow-up keeps its thread's sender.",
    )
    inbound_address: Annotated[str, StringConstraints(min_length=3, max_length=254)] | None = Field(
        default=None,
        description="E-mail only: the address Resend receives this tenant's replies on (e.g. "
        "`replies@<tenant>.<inbound domain>`), the Reply-To of every e-mail sent. When unset, replies go "
        "to the sender's address.",
    )
    bot_name: BotName | None = Field(
        default=None, description="Telegram only: the bot's username (ends in `bot`)."
    )
    opt_out_number: Annotated[str, StringConstraints(pattern=r"^\d{5}$")] | None = Field(
        default=None, description=OPT_OUT_NUMBER_DESCRIPTION, examples=["36180"]
    )
    daily_cap: int | None = Field(default=None, ge=1, le=100_000, description="Messages per day, all users.")
    credentials: dict[str, Secret] | None = Field(
        default=None,
        description="SMS and WhatsApp: `account_sid`, `auth_token` (Twilio); e-mail: `api_key`, "
        "`webhook_secret` (Resend); Telegram: `bot_token`, `webhook_secret`. Write-only.",
        max_length=4,
    )

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("nothing to change: send at least one field")
        if "enabled" in self.model_fields_set and self.enabled is None:
            raise ValueError("enabled cannot be null")
        return self


class ChannelResponse(LazyModel):
    """A channel's settings as the API shows them: secrets only as configured or not."""

    channel: Channel
    enabled: bool
    sender: str | None
    sender_name: str | None
    senders: list[EmailSender] = Field(
        description="E-mail: the addresses used in turn (one when set with `sender` alone)."
    )
    inbound_address: str | None = Field(
        description="E-mail: the Reply-To of every e-mail; `null`: replies go to the sender's address."
    )
    bot_name: str | None
    opt_out_number: str | None = Field(description=OPT_OUT_NUMBER_DESCRIPTION)
    daily_cap: int | None
    provider: str = Field(description="`twilio`, `resend` or `telegram`.")
    credentials: dict[str, bool] = Field(description="Each credential the provider needs: set or not.")
    delivery: str = Field(
        description="`provider` when the credentials are complete, else `outbox`: messages are recorded "
        "in the local outbox (GET /outbox), not sent."
    )
    webhook_path: str = Field(description="Where to point the provider's webhooks, under the API's URL.")
    sent_today: int = Field(description="Messages sent on this channel today (UTC), against the daily cap.")
    updated_at: datetime | None
    version: int | None


class ChannelList(LazyModel):
    """Every channel of the tenant."""

    items: list[ChannelResponse]


class OutboxEntry(LazyModel):
    """A message recorded instead of sent, because its channel has no credentials."""

    id: Ulid
    channel: Channel
    to: str
    sender: str | None
    subject: str | None
    body: str
    html: str | None
    created_at: datetime


class OutboxPage(LazyModel):
    """The local outbox, newest first."""

    items: list[OutboxEntry]
    next_cursor: str | None = None
