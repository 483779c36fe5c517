"""Channel use cases: a tenant's channel settings and credentials, and the adapter each send uses.

Credentials go to the secret store (SSM) and are never read back through the API: it only says which
are set. A channel whose sending credentials are incomplete delivers to the local outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, cast

from maxcore.channels.base import ChannelAdapter, OutboundMessage, SendReceipt
from maxcore.clock import utcnow
from maxcore.dal.channels import ChannelRepository
from maxcore.dal.outbox import OutboxRepository
from maxcore.dal.secrets import SecretRepository
from maxcore.dal.suppressions import SuppressionRepository
from maxcore.errors import InvalidInputError
from maxcore.ids import new_id
from maxcore.models.channel import (
    ChannelResponse,
    ChannelSettings,
    EmailSender,
    OutboxEntry,
    UpdateChannelRequest,
)
from maxcore.models.common import Channel
from maxcore.models.lead import Lead
from maxcore.models.template import WhatsAppContent
from maxcore.observability import logger
from maxcore.rules import channels as rules
from maxcore.rules import senders as sender_rules
from maxcore.services.tenants import tenant_settings
from maxcore.settings import get_settings

if TYPE_CHECKING:
    from maxcore.channels.resend import ResendInbox


class OutboxAdapter:
    """Records the message in the tenant's outbox instead of sending it (no credentials)."""

    provider = "outbox"

    def __init__(self, tenant_id: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.repository = OutboxRepository(tenant_id)
        self._clock = clock

    def send(self, message: OutboundMessage) -> SendReceipt:
        """Record ``message``; the receipt's id is the outbox entry's."""
        entry = OutboxEntry(
            id=new_id(),
            channel=message.channel,
            to=message.to,
            sender=message.sender,
            subject=message.subject,
            body=message.body,
            html=message.html,
            created_at=self._clock(),
        )
        self.repository.put(entry, message.idempotency_key)
        return SendReceipt(provider=self.provider, provider_message_id=f"outbox-{entry.id}", status="sent")


class ChannelService:
    """The channels of one tenant."""

    def __init__(self, tenant_id: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.tenant_id = tenant_id
        self.repository = ChannelRepository(tenant_id)
        self.secrets = SecretRepository(tenant_id)
        self._clock = clock

    # --- settings -----------------------------------------------------------------------------
    def get(self, channel: Channel) -> ChannelResponse:
        """A channel's settings, which credentials are set, and today's count."""
        return self._response(self.repository.get(channel))

    def list(self) -> list[ChannelResponse]:
        """Every channel of the tenant."""
        return [self._response(s) for s in self.repository.list_all().values()]

    def update(self, channel: Channel, request: UpdateChannelRequest, updated_by: str) -> ChannelResponse:
        """Change a channel's settings and credentials (422 naming the field; nothing written then)."""
        before = self.repository.get(channel)
        changes = {k: getattr(request, k) for k in request.model_fields_set if k != "credentials"}
        if changes.get("sender") is not None:
            try:
                # A sender number typed nationally is read in the tenant's country, like a lead's.
                country = tenant_settings(self.tenant_id).default_country
                changes["sender"] = rules.check_sender(channel, changes["sender"], country)
            except ValueError as exc:
                raise InvalidInputError(str(exc), [{"field": "sender", "message": str(exc)}]) from exc
        if changes.get("sender_name") is not None and channel is not Channel.EMAIL:
            raise InvalidInputError(
                "sender_name is for e-mail only", [{"field": "sender_name", "message": "e-mail only"}]
            )
        if "senders" in changes or (channel is Channel.EMAIL and before.senders):
            changes.update(_sender_list_change(channel, changes, before))
        if changes.get("inbound_address") is not None:
            try:
                changes["inbound_address"] = rules.check_inbound_address(channel, changes["inbound_address"])
            except ValueError as exc:
                field = [{"field": "inbound_address", "message": str(exc)}]
                raise InvalidInputError(str(exc), field) from exc
        if changes.get("opt_out_number") is not None and channel is not Channel.SMS:
            raise InvalidInputError(
                "opt_out_number is for SMS only", [{"field": "opt_out_number", "message": "SMS only"}]
            )
        if changes.get("bot_name") is not None and channel is not Channel.TELEGRAM:
            raise InvalidInputError(
                "bot_name is for Telegram only", [{"field": "bot_name", "message": "Telegram only"}]
            )
        provider = rules.PROVIDERS[channel]
        credentials = request.credentials or {}
        problems = []
        for name, value in credentials.items():
            if name not in rules.CREDENTIALS[provider]:
                expected = ", ".join(rules.CREDENTIALS[provider])
                problems.append({"field": f"credentials.{name}", "message": f"{provider} takes {expected}"})
            elif (why := rules.check_secret(name, value)) is not None:
                problems.append({"field": f"credentials.{name}", "message": why})
        if problems:
            raise InvalidInputError("some credentials are not valid", problems)
        after = before.model_copy(update={**changes, "updated_at": self._clock(), "updated_by": updated_by})
        saved = self.repository.save(after)
        for name, value in credentials.items():
            self.secrets.put(provider, name, value)
        logger.info(
            "channel settings changed",
            extra={"channel": channel.value, "fields": sorted(changes), "credentials": sorted(credentials)},
        )
        return self._response(saved)

    # --- sending ------------------------------------------------------------------------------
    def settings(self) -> dict[Channel, ChannelSettings]:
        """AP25: every channel's settings, read now."""
        return self.repository.list_all()

    def suppressed(self, address: str) -> bool:
        """AP27: whether an e-mail address is suppressed, read now."""
        return SuppressionRepository(self.tenant_id).is_suppressed(address)

    def adapter(self, channel: Channel) -> ChannelAdapter:
        """The adapter a send on ``channel`` goes through: the provider's, or the outbox."""
        provider = rules.PROVIDERS[channel]
        found = self.secrets.get_all(provider, rules.SENDING_CREDENTIALS[provider])
        if any(v is None for v in found.values()):
            return OutboxAdapter(self.tenant_id, self._clock)
        settings = get_settings()
        timeout = settings.provider_timeout_seconds
        # The SDKs are imported inside the adapters, on the send path only.
        if provider == "twilio":
            from maxcore.channels.twilio import TwilioAdapter

            return TwilioAdapter(
                str(found["account_sid"]), str(found["auth_token"]), settings.twilio_api_url, timeout
            )
        if provider == "resend":
            from maxcore.channels.resend import ResendAdapter

            return ResendAdapter(str(found["api_key"]), settings.resend_api_url, timeout)
        from maxcore.channels.telegram import TelegramAdapter

        return TelegramAdapter(str(found["bot_token"]), settings.telegram_api_url, timeout)

    def resend_inbox(self) -> ResendInbox | None:
        """The tenant's received e-mails at Resend (read with its sending key), or ``None`` without one."""
        from maxcore.channels.resend import ResendInbox

        api_key = self.secrets.get("resend", "api_key")
        if api_key is None:
            return None
        settings = get_settings()
        return ResendInbox(api_key, settings.resend_api_url, settings.provider_timeout_seconds)

    def webhook_secret(self, provider: str) -> str | None:
        """The secret a provider's webhooks are checked with (Twilio signs with its auth token)."""
        return self.secrets.get(provider, "auth_token" if provider == "twilio" else "webhook_secret")

    def _response(self, settings: ChannelSettings) -> ChannelResponse:
        provider = rules.PROVIDERS[settings.channel]
        found = self.secrets.get_all(provider, rules.CREDENTIALS[provider])
        sending = all(found[name] is not None for name in rules.SENDING_CREDENTIALS[provider])
        day = self._clock().date().isoformat()
        return ChannelResponse(
            channel=settings.channel,
            enabled=settings.enabled,
            sender=settings.sender,
            sender_name=settings.sender_name,
            senders=settings.email_senders(),
            inbound_address=settings.inbound_address,
            bot_name=settings.bot_name,
            opt_out_number=settings.opt_out_number,
            daily_cap=settings.daily_cap,
            provider=provider,
            credentials={name: value is not None for name, value in found.items()},
            delivery="provider" if sending else "outbox",
            webhook_path=f"/webhooks/{provider}/{self.tenant_id}",
            sent_today=self.repository.sent_on(settings.channel, day),
            updated_at=settings.updated_at,
            version=settings.version,
        )


def _sender_list_change(
    channel: Channel, changes: dict[str, object], before: ChannelSettings
) -> dict[str, object]:
    """The e-mail channel's new list of senders, with ``sender`` and ``sender_name`` its first's.

    Once a channel has a list, its senders change through ``senders`` only: a lone ``sender`` would
    leave it unclear which of them it replaces.
    """
    if channel is not Channel.EMAIL:
        raise InvalidInputError(
            "senders is for e-mail only", [{"field": "senders", "message": "e-mail only"}]
        )
    for field in ("sender", "sender_name"):
        if field in changes:
            why = "this channel has a list of senders: change `senders`"
            raise InvalidInputError(why, [{"field": field, "message": why}])
    if "senders" not in changes:
        return {}
    if changes["senders"] is None:
        why = "send the new list of senders (1 to 10)"
        raise InvalidInputError(why, [{"field": "senders", "message": why}])
    try:
        senders = sender_rules.checked_senders(cast(list[EmailSender], changes["senders"]))
    except sender_rules.SenderListError as exc:
        where = [{"field": f"senders.{exc.index}.address", "message": exc.reason}]
        raise InvalidInputError(exc.reason, where) from exc
    return {"senders": senders, "sender": senders[0].address, "sender_name": senders[0].name}


class SendFacts(Protocol):
    """What a send needs to know about its tenant's channels, however it was read.

    :class:`ChannelService` reads each at every call (one send, as fresh as can be); a scheduled run
    over many sends passes :class:`RunChannels`, which reads each once for the run.
    """

    def settings(self) -> dict[Channel, ChannelSettings]:
        """Every channel's settings."""

    def suppressed(self, address: str) -> bool:
        """Whether an e-mail address is suppressed."""

    def adapter(self, channel: Channel) -> ChannelAdapter:
        """The adapter a send on ``channel`` goes through."""


class RunChannels:
    """A tenant's channels as one run reads them: each read at most once for the run.

    The settings (one Query), the suppression list (one Query of its partition, when a first address
    is checked) and each channel's adapter (its credentials) do not change within an hourly run;
    reading them per step was most of a run's requests.
    """

    def __init__(self, channels: ChannelService) -> None:
        self.channels = channels
        self._settings: dict[Channel, ChannelSettings] | None = None
        self._suppressed: frozenset[str] | None = None
        self._adapters: dict[Channel, ChannelAdapter] = {}

    def settings(self) -> dict[Channel, ChannelSettings]:
        """Every channel's settings (read once)."""
        if self._settings is None:
            self._settings = self.channels.settings()
        return self._settings

    def suppressed(self, address: str) -> bool:
        """Whether an e-mail address is suppressed (the list read once)."""
        if self._suppressed is None:
            self._suppressed = SuppressionRepository(self.channels.tenant_id).addresses()
        return address in self._suppressed

    def adapter(self, channel: Channel) -> ChannelAdapter:
        """The channel's adapter (its credentials read once)."""
        if channel not in self._adapters:
            self._adapters[channel] = self.channels.adapter(channel)
        return self._adapters[channel]


class Reachability:
    """Whether a lead can get a message on a channel now, for a run over many leads.

    The tenant's enabled channels are read once per instance; the suppression list is asked only for
    an e-mail to a lead that has an address (through ``facts``: read at each ask, or once for a run).
    The rules are :func:`maxcore.rules.channels.choose`'s.
    """

    def __init__(self, tenant_id: str, facts: SendFacts | None = None) -> None:
        self.tenant_id = tenant_id
        self.facts: SendFacts = facts or ChannelService(tenant_id)
        self._enabled: frozenset[Channel] | None = None

    def refusal(
        self, lead: Lead, channel: Channel, now: datetime, whatsapp_template: WhatsAppContent | None = None
    ) -> rules.Refusal | None:
        """Why ``lead`` cannot get a message on ``channel`` now, or ``None`` when it can.

        ``whatsapp_template``: the Twilio Content of the WhatsApp template the message is written from.
        """
        suppressed: frozenset[Channel] = frozenset()
        if channel is Channel.EMAIL and lead.email and self.facts.suppressed(lead.email):
            suppressed = frozenset({Channel.EMAIL})
        facts = rules.ChannelFacts(
            enabled=self.enabled(),
            suppressed=suppressed,
            whatsapp_template=whatsapp_template,
        )
        return rules.refusal(lead, channel, facts, now)

    def enabled(self) -> frozenset[Channel]:
        """The channels the tenant turned on (read once)."""
        if self._enabled is None:
            self._enabled = frozenset(c for c, s in self.facts.settings().items() if s.enabled)
        return self._enabled
