"""The consent ledger's pure rules: the address each channel is kept under, and what an opt-out holds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from maxcore.models.common import Channel
from maxcore.models.consent import ConsentEntry, ConsentSource
from maxcore.models.lead import ConsentState, Lead
from maxcore.rules.consent import (
    export_header,
    export_row,
    held_consent,
    lead_addresses,
    ledger_address,
)
from maxcore.rules.csv_export import export_delimiter

AT = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def _lead(**fields: object) -> Lead:
    return Lead.model_validate(
        {"id": "01JQ0000000000000000000000", "created_at": AT, "updated_at": AT, **fields}
    )


def _entry(channel: Channel, granted: bool, source: ConsentSource = ConsentSource.KEYWORD) -> ConsentEntry:
    return ConsentEntry(channel=channel, address="+33611223344", granted=granted, at=AT, source=source)


@pytest.mark.parametrize(
    ("channel", "raw", "kept"),
    [
        (Channel.EMAIL, " Lea.Martin@Example.FR ", "lea.martin@example.fr"),
        (Channel.SMS, "+33 6 11 22 33 44", "+33611223344"),
        (Channel.WHATSAPP, "whatsapp:+33611223344", "+33611223344"),
        (Channel.TELEGRAM, " 777000222 ", "777000222"),
    ],
)
def test_each_channel_keeps_its_address_in_one_form(channel: Channel, raw: str, kept: str) -> None:
    assert ledger_address(channel, raw) == kept


def test_sms_and_whatsapp_are_two_entries_of_the_same_number() -> None:
    lead = _lead(phone="+33611223344", email="lea@example.fr")
    assert lead_addresses(lead) == {
        Channel.SMS: "+33611223344",
        Channel.WHATSAPP: "+33611223344",
        Channel.EMAIL: "lea@example.fr",
    }


def test_an_opt_out_in_the_ledger_wins_over_a_consent_the_lead_was_given() -> None:
    # Given a lead created with SMS ticked, whose number sent STOP before
    granted = ConsentState(granted=True, updated_at=AT, reason="set when the lead was created")
    lead = _lead(phone="+33611223344", consent={Channel.SMS: granted})
    # When the ledger's state is applied
    consent = held_consent(lead, {Channel.SMS: _entry(Channel.SMS, False)}, "fr")
    # Then SMS is revoked, saying why in the tenant's language; WhatsApp, never refused, is left as it was
    assert consent[Channel.SMS].granted is False
    assert consent[Channel.SMS].reason == (
        f"désinscrit le {AT:%d/%m/%Y} (mot-clé) ; la désinscription tient toujours"
    )
    assert Channel.WHATSAPP not in consent
    english = held_consent(lead, {Channel.SMS: _entry(Channel.SMS, False)}, "en")
    assert english[Channel.SMS].reason == f"opted out on {AT.date().isoformat()} (keyword); the opt-out holds"


def test_a_grant_in_the_ledger_never_undoes_a_refusal_on_the_lead() -> None:
    refused = ConsentState(granted=False, updated_at=AT, reason="refused when the lead was created")
    lead = _lead(phone="+33611223344", consent={Channel.SMS: refused})
    assert held_consent(lead, {Channel.SMS: _entry(Channel.SMS, True)}, "fr") == {Channel.SMS: refused}


def test_the_export_is_read_by_a_french_spreadsheet_with_semicolons() -> None:
    assert (export_delimiter("fr"), export_delimiter("en")) == (";", ",")
    entry = _entry(Channel.SMS, False, ConsentSource.LINK).model_copy(update={"proof": "u-1"})
    assert export_row(entry, "en") == (
        "sms",
        "+33611223344",
        "revoked",
        AT.isoformat(),
        "unsubscribe link",
        "u-1",
        "",
    )
    assert export_row(entry, "fr") == (
        "sms",
        "+33611223344",
        "retiré",
        AT.isoformat(),
        "lien de désinscription",
        "u-1",
        "",
    )
    assert export_header("fr") == ("canal", "adresse", "consentement", "date", "source", "preuve", "motif")
    assert export_header("en") == ("channel", "address", "consent", "at", "source", "proof", "reason")
