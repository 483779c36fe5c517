"""Which channel a message goes out on, and whether it may go at all (pure: ``now`` is a parameter).

The orchestrator of the product documents: the channel asked for, or for ``auto`` the lead's
preferred channel, then the first available in the order SMS, e-mail, WhatsApp, Telegram (the
product's priorities). Available means: the tenant has the channel on, the lead has an address for
it, the lead has not opted out of it, the address is not suppressed, and for WhatsApp, the lead wrote
within 24 hours or the message is an approved template (:func:`maxcore.rules.whatsapp.whatsapp_route`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from maxcore.models.common import Channel
from maxcore.models.contact import DEFAULT_COUNTRY, ContactFormatError, normalize_email
from maxcore.models.lead import Lead
from maxcore.models.template import WhatsAppContent
from maxcore.rules.contact import normalize_phone
from maxcore.rules.whatsapp import Route, whatsapp_route
from maxcore.texts import listed, render

AUTO_ORDER: tuple[Channel, ...] = (Channel.SMS, Channel.EMAIL, Channel.WHATSAPP, Channel.TELEGRAM)
"""The product's channel priorities (omnichannel architecture: SMS 1, e-mail 2, WhatsApp 3, Telegram 4)."""

PROVIDERS: dict[Channel, str] = {
    Channel.SMS: "twilio",
    Channel.WHATSAPP: "twilio",
    Channel.EMAIL: "resend",
    Channel.TELEGRAM: "telegram",
}

CREDENTIALS: dict[str, tuple[str, ...]] = {
    "twilio": ("account_sid", "auth_token"),
    "resend": ("api_key", "webhook_secret"),
    "telegram": ("bot_token", "webhook_secret"),
}
"""The secrets each provider needs; the first ones send, ``webhook_secret`` checks webhooks."""

SENDING_CREDENTIALS: dict[str, tuple[str, ...]] = {
    "twilio": ("account_sid", "auth_token"),
    "resend": ("api_key",),
    "telegram": ("bot_token",),
}

_SECRET_FORMATS: dict[str, re.Pattern[str]] = {
    "account_sid": re.compile(r"^AC[0-9a-fA-F]{32}$"),
    "auth_token": re.compile(r"^[0-9a-zA-Z]{16,64}$"),
    "api_key": re.compile(r"^re_[A-Za-z0-9_]{8,100}$"),
    "webhook_secret": re.compile(r"^[A-Za-z0-9_+/=-]{8,256}$"),
    "bot_token": re.compile(r"^\d{5,15}:[A-Za-z0-9_-]{30,64}$"),
}
_ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")

ADDRESS_FIELD: dict[Channel, str] = {
    Channel.SMS: "phone",
    Channel.WHATSAPP: "phone",
    Channel.EMAIL: "email",
    Channel.TELEGRAM: "telegram_chat_id",
}


def check_secret(name: str, value: str) -> str | None:
    """Return why ``value`` cannot be the credential ``name``, or ``None`` when it looks right."""
    pattern = _SECRET_FORMATS.get(name)
    if pattern is None:
        return "unknown credential"
    if not pattern.fullmatch(value):
        return f"not a valid {name.replace('_', ' ')}"
    return None


def check_sender(channel: Channel, sender: str, country: str = DEFAULT_COUNTRY) -> str:
    """Return ``sender`` normalised for ``channel``, or raise ``ValueError`` saying what is expected.

    A number must be valid for its region; a national one is read in ``country`` (the tenant's).
    """
    if channel is Channel.TELEGRAM:
        raise ValueError("Telegram sends as the bot: set bot_name, not sender")
    if channel is Channel.EMAIL:
        try:
            return normalize_email(sender)
        except ContactFormatError as exc:
            raise ValueError(str(exc)) from exc
    if channel is Channel.SMS and _ALPHANUMERIC_SENDER.match(sender) and not sender.strip().isdigit():
        return sender.strip()
    try:
        return normalize_phone(sender, country)
    except ContactFormatError as exc:
        expected = "an E.164 number or an alphanumeric sender id (up to 11 letters and digits)"
        raise ValueError(
            f"{exc}; expected {expected if channel is Channel.SMS else 'an E.164 number'}"
        ) from exc


def check_inbound_address(channel: Channel, address: str) -> str:
    """Return the e-mail channel's inbound address normalised, or raise ``ValueError`` saying why."""
    if channel is not Channel.EMAIL:
        raise ValueError("inbound_address is for e-mail only")
    try:
        return normalize_email(address)
    except ContactFormatError as exc:
        raise ValueError(str(exc)) from exc


@dataclass(frozen=True)
class Refusal:
    """Why a message cannot go out on a channel: a stable code and a sentence."""

    code: str
    message: str


@dataclass(frozen=True)
class ChannelFacts:
    """What the decision needs to know about the tenant's channels and the lead's addresses."""

    enabled: frozenset[Channel]
    suppressed: frozenset[Channel] = frozenset()
    """Channels whose address of this lead is on the tenant's suppression list."""
    whatsapp_template: WhatsAppContent | None = None
    """The Twilio Content of the active WhatsApp template the message is written from, if any: an
    approved one may go outside the 24-hour window."""


def refusal(lead: Lead, channel: Channel, facts: ChannelFacts, now: datetime) -> Refusal | None:
    """Why ``lead`` cannot get a message on ``channel`` now, or ``None`` when it can."""
    if channel not in facts.enabled:
        return Refusal("channel_disabled", f"the {channel.value} channel is turned off for this account")
    if not getattr(lead, ADDRESS_FIELD[channel]):
        what = {"phone": "phone number", "email": "e-mail address", "telegram_chat_id": "Telegram chat"}
        return Refusal("no_address", f"the lead has no {what[ADDRESS_FIELD[channel]]} for {channel.value}")
    consent = lead.consent.get(channel)
    if consent is not None and not consent.granted:
        return Refusal("opted_out", f"the lead opted out of {channel.value} ({consent.reason})")
    if channel in facts.suppressed:
        return Refusal(
            "address_suppressed", "the lead's e-mail address bounced or complained; it is suppressed"
        )
    if channel is Channel.WHATSAPP:
        route = whatsapp_route(
            lead.summary.last_inbound_by_channel.get("whatsapp"), now, facts.whatsapp_template
        )
        if route.route is Route.SKIP:
            return Refusal(str(route.code), str(route.message))
    return None


def _label(channel: Channel, locale: str) -> str:
    return render(f"channel.{channel.value}.label", locale)


def _refusal_detail(refused: Refusal, channel: Channel, locale: str) -> str:
    """Why ``channel`` was passed over, in words (the refusal's sentence, without its full stop)."""
    text = render(f"automation.detail.{refused.code}", locale, channel=_label(channel, locale))
    return text.rstrip(".")


@dataclass(frozen=True)
class Choice:
    """The channel a message goes out on, and why."""

    channel: Channel
    reason: str


def choose(
    lead: Lead, requested: Channel | None, facts: ChannelFacts, now: datetime, locale: str
) -> Choice | Refusal:
    """The channel for a message to ``lead``: the one asked for, or the best available for ``auto``.

    Parameters
    ----------
    lead
        The lead, with its addresses, consent and summary (preferred channel, last inbound times).
    requested
        The channel asked for, or ``None`` for ``auto``.
    facts
        The tenant's enabled channels, the lead's suppressed addresses, whether the message is an
        approved WhatsApp template.
    now
        The current time (the WhatsApp window).
    locale
        The language the choice's reason reads in (the tenant's).

    Returns
    -------
    Choice | Refusal
        The channel with the reason it was chosen, or why nothing can be sent.
    """

    def why(key: str, channel: Channel, **values: str) -> str:
        return render(f"channel.choice.{key}", locale, channel=_label(channel, locale), **values)

    if requested is not None:
        refused = refusal(lead, requested, facts, now)
        return refused or Choice(requested, why("asked", requested))
    preferred = lead.summary.preferred_channel
    order = list(AUTO_ORDER)
    if preferred is not None and preferred.value in {c.value for c in AUTO_ORDER}:
        first = Channel(preferred.value)
        order.remove(first)
        order.insert(0, first)
    refusals: list[str] = []
    skipped: list[str] = []
    for candidate in order:
        refused = refusal(lead, candidate, facts, now)
        if refused is None:
            if preferred is not None and candidate.value == preferred.value:
                return Choice(candidate, why("preferred", candidate))
            if not skipped:
                return Choice(candidate, why("first_available", candidate))
            return Choice(candidate, why("first_available_after", candidate, skipped=listed(skipped, locale)))
        refusals.append(f"{candidate.value}: {refused.code}")
        skipped.append(why("skipped", candidate, detail=_refusal_detail(refused, candidate, locale)))
    return Refusal("no_channel", "no channel can reach this lead now (" + "; ".join(refusals) + ")")
