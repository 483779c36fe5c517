"""Pure rules of the consent ledger: which address a channel uses, and what a new lead starts with.

Each channel has its own entry, SMS and WhatsApp included although they share the phone number: in
France an SMS STOP withdraws consent to SMS marketing only (the law asks each channel's opt-out to
be honoured on that channel), so a STOP by SMS leaves WhatsApp as it was, and a WhatsApp opt-out
leaves SMS.

An opt-out holds against a lead written again: a lead created with an address the ledger says
revoked starts revoked on that channel, whatever the request asked. Only an explicit grant writes
the address back in: a user changing the lead's consent (kept with the user's subject as proof), or
the person sending the opt-in keyword (START, YES after a STOP).
"""

from __future__ import annotations

from collections.abc import Mapping

from maxcore.models.common import Channel
from maxcore.models.consent import ConsentEntry, ConsentSource
from maxcore.models.lead import ConsentState, Lead
from maxcore.rules.channels import ADDRESS_FIELD
from maxcore.texts import date_text, render


def ledger_address(channel: Channel, raw: str) -> str:
    """The address as the ledger keys it: e-mail lower-cased, phone without a ``whatsapp:`` prefix.

    Phone numbers reach here in E.164 already (the leads and the webhooks normalise them); spaces
    are dropped all the same so that a key never depends on how a number was typed.
    """
    value = raw.strip()
    if channel is Channel.EMAIL:
        return value.lower()
    if channel in (Channel.SMS, Channel.WHATSAPP):
        return value.removeprefix("whatsapp:").replace(" ", "")
    return value


def lead_addresses(lead: Lead) -> dict[Channel, str]:
    """The ledger address of each channel the lead has an address for."""
    found = {}
    for channel, field in ADDRESS_FIELD.items():
        value = getattr(lead, field)
        if value:
            found[channel] = ledger_address(channel, value)
    return found


def source_label(source: ConsentSource, locale: str) -> str:
    """What changed a consent, as a reader of ``locale`` names it ("mot-clé", "keyword")."""
    return render(f"consent.source.{source.value}", locale)


def held_consent(
    lead: Lead, latest: Mapping[Channel, ConsentEntry], locale: str
) -> dict[Channel, ConsentState]:
    """The lead's consent with every opt-out the ledger holds for its addresses kept.

    ``latest``: the ledger's current entry of each of the lead's channels (for its address). A
    revoked entry wins over what the lead says; a granted one changes nothing (a channel left out
    of the lead's consent is granted already). The reason reads in ``locale``.
    """
    consent = dict(lead.consent)
    for channel, entry in latest.items():
        current = consent.get(channel)
        if entry.granted or (current is not None and not current.granted):
            continue
        consent[channel] = ConsentState(
            granted=False,
            updated_at=entry.at,
            reason=render(
                "consent.reason.held",
                locale,
                date=date_text(entry.at.date(), locale),
                source=source_label(entry.source, locale),
            ),
        )
    return consent


EXPORT_COLUMNS = ("channel", "address", "granted", "at", "source", "proof", "reason")
"""The columns of the ledger's CSV export, in order."""


def export_header(locale: str) -> tuple[str, ...]:
    """The header of the ledger's CSV export in ``locale`` (see :data:`EXPORT_COLUMNS`)."""
    return tuple(render(f"consent.export.header.{column}", locale) for column in EXPORT_COLUMNS)


def export_row(entry: ConsentEntry, locale: str) -> tuple[str, ...]:
    """One ledger entry as the cells of the CSV export, words in ``locale`` (see :data:`EXPORT_COLUMNS`).

    The channel and the address stay as stored: they are identifiers a spreadsheet filters on.
    """
    return (
        entry.channel.value,
        entry.address,
        render("consent.export.granted" if entry.granted else "consent.export.revoked", locale),
        entry.at.isoformat(),
        source_label(entry.source, locale),
        entry.proof or "",
        entry.reason,
    )
