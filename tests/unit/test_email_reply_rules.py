"""Reading an inbound e-mail: its new text, machines, attachments and thread (maxcore.rules.email_reply)."""

from __future__ import annotations

from pathlib import Path

import pytest

from maxcore.models.activity import TEXT_MAX
from maxcore.rules.email_reply import (
    ATTACHMENTS_MAX,
    AttachmentInfo,
    automatic_reason,
    html_to_text,
    message_ids,
    new_text,
    read_email,
)

EMAILS = Path(__file__).parent / "fixtures" / "emails"


def _email(name: str) -> str:
    return (EMAILS / name).read_text(encoding="utf-8")


# --- the new text ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        (
            # Gmail wraps its long "a écrit :" line; the closing and the name go with the signature.
            "gmail_fr_unsubscribe.txt",
            "Bonjour Julien,\n\nMerci pour vos relances, mais nous avons fait un autre choix pour "
            "l'atelier.\nMerci de me retirer de votre liste.",
        ),
        ("outlook_fr_declined.txt", "Bonjour,\n\nNous sommes déjà équipés, merci."),
        (
            "outlook_en_original_message.txt",
            "Hi Julien,\n\nSounds great, count me in. Can we jump on a call next week?",
        ),
        ("outlook_fr_message_origine.txt", "Ok pour jeudi 14h à la boutique."),
        ("apple_mail_fr_iphone.txt", "Je suis partant, appelez-moi demain matin."),
        ("apple_mail_en_iphone.txt", "Stop emailing me please."),
        ("thunderbird_fr_signature.txt", "Bonjour,\n\nCombien ça coûte pour trois postes ?"),
    ],
)
def test_the_new_text_leaves_out_the_quoted_history_and_the_signature(fixture: str, expected: str) -> None:
    # Given a reply as a mail client writes it; When its new text is read; Then only what the lead wrote
    assert new_text(_email(fixture)) == expected


def test_outlooks_french_header_block_is_found_with_its_no_break_spaces() -> None:
    # Given Outlook's French header block, typeset with a no-break space before each colon
    body = (
        "Oui, intéressé.\n\nDe\u00a0: Julien <julien@atelier.fr>\nEnvoyé\u00a0: mardi 3 décembre 2026\n"
        "À\u00a0: Marc\nObjet\u00a0: RE: planning\n\nBonjour Marc,\nVoici le planning."
    )

    assert new_text(body) == "Oui, intéressé."


def test_an_inline_reply_keeps_the_answers_and_drops_the_quoted_lines() -> None:
    body = "> Êtes-vous disponible jeudi ?\nOui, jeudi 14h.\n> Et le budget ?\nPas encore fixé.\n"

    assert new_text(body) == "Oui, jeudi 14h.\nPas encore fixé."


def test_an_email_without_history_is_kept_whole_and_tidy() -> None:
    body = "  Bonjour,\r\n\r\n\r\n\r\nPouvez-vous me rappeler ?   \r\n"

    assert new_text(body) == "Bonjour,\n\nPouvez-vous me rappeler ?"


def test_an_opt_out_at_the_end_of_a_long_email_is_kept() -> None:
    # Given a long e-mail (far beyond a preview) whose last line is the opt-out
    body = (
        "Bonjour,\n\n"
        + "Nous avons bien étudié votre proposition. " * 60
        + "\nMerci de ne plus me contacter."
    )

    text = new_text(body)

    assert len(text) > 1000
    assert text.endswith("Merci de ne plus me contacter.")


def test_the_new_text_is_bounded() -> None:
    assert len(new_text("a" * (TEXT_MAX + 500))) == TEXT_MAX


# --- HTML ---------------------------------------------------------------------------------------------
def test_html_becomes_text_with_its_paragraphs_and_line_breaks() -> None:
    html = (
        "<html><head><title>Re: devis</title><style>p{color:red}</style></head><body>"
        "<p>Bonjour,</p><p>Caf&eacute; &amp; th&#233;&nbsp;: d'accord.<br>Ligne deux</p>"
        "<ul><li>un</li><li>deux</li></ul><script>alert(1)</script>"
        "<table><tr><td>Prix</td><td>120 &euro;</td></tr></table></body></html>"
    )

    assert html_to_text(html) == (
        "Bonjour,\n\nCafé & thé\u00a0: d'accord.\nLigne deux\n\nun\ndeux\n\nPrix 120 €"
    )


def test_html_quotes_become_quoted_lines_that_the_new_text_leaves_out() -> None:
    # Given Gmail's HTML reply (no plain part), its history in a blockquote
    html = _email("gmail_en_html.html")

    # When it is turned into text and read
    text = html_to_text(html)

    # Then the quote is marked as one, and the new text is the lead's sentence without the sign-off
    assert "> Are you free on Thursday?" in text
    assert "track()" not in text
    assert new_text(text) == "Hi Julien,\n\nPlease remove me from your mailing list — we're not interested."


# --- machines -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("headers", "sender", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, "paul@example.fr", "auto-submitted: auto-replied"),
        (
            {"auto-submitted": "Auto-Generated; owner-email=x@example.fr"},
            "a@example.fr",
            "auto-submitted: auto-generated",
        ),
        ({"X-Autoreply": "yes"}, "paul@example.fr", "x-autoreply"),
        ({"X-Autorespond": "Vacances"}, "paul@example.fr", "x-autorespond"),
        ({"Precedence": "bulk"}, "news@example.fr", "precedence: bulk"),
        ({"Precedence": "auto_reply"}, "paul@example.fr", "precedence: auto_reply"),
        ({"Precedence": "junk"}, "paul@example.fr", "precedence: junk"),
        (
            {"Content-Type": 'multipart/report; report-type=delivery-status; boundary="b1"'},
            "paul@example.fr",
            "delivery report",
        ),
        (
            {"Content-Type": "multipart/report; report-type=disposition-notification; boundary=b2"},
            "paul@example.fr",
            "read receipt",
        ),
        ({}, "MAILER-DAEMON@mx.example.fr", "delivery report"),
        ({}, "postmaster@example.fr", "delivery report"),
    ],
)
def test_a_machines_email_is_recognised_by_its_headers(
    headers: dict[str, str], sender: str, reason: str
) -> None:
    assert automatic_reason(headers, sender) == reason


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Auto-Submitted": "no"},
        # Outlook sets it on many messages people write: it asks others not to auto-answer, no more.
        {"X-Auto-Response-Suppress": "All"},
        {"Precedence": "list"},
        {"Content-Type": "multipart/alternative; boundary=b3"},
    ],
)
def test_a_persons_email_is_not_automatic(headers: dict[str, str]) -> None:
    assert automatic_reason(headers, "paul@example.fr") is None


# --- thread and attachments -------------------------------------------------------------------------------
def test_message_ids_lose_their_angle_brackets_and_keep_their_order() -> None:
    assert message_ids("<a1@mail.example.fr>\r\n <b2@max.example.com>") == (
        "a1@mail.example.fr",
        "b2@max.example.com",
    )
    assert message_ids("bare@mail.example.fr") == ("bare@mail.example.fr",)
    assert message_ids(None) == ()


def test_an_email_is_read_whole() -> None:
    # Given an out-of-office answer from Outlook: plain text, threading headers, an attachment
    headers = {
        "Auto-Submitted": "auto-replied",
        "Message-Id": "<AM0PR01MB.absence@outlook.example.fr>",
        "in-reply-to": "<0102018f.step1@max.example.com>",
        "References": "<0102018f.first@max.example.com> <0102018f.step1@max.example.com>",
    }
    attachments = [
        {"id": "att-1", "filename": "planning.pdf", "content_type": "application/pdf", "size": 48213},
        {"id": "att-2", "filename": None, "content_type": "text/calendar", "size": None},
    ]

    reading = read_email(
        "Je suis absent jusqu'au 14 mars.\n\nEnvoyé de mon iPhone",
        "<p>ignored: the plain part wins</p>",
        headers,
        "paul@example.fr",
        attachments,
    )

    # Then it is its new text, marked automatic (and still to be classified), with its thread and files
    assert reading.text == "Je suis absent jusqu'au 14 mars."
    assert reading.automatic == "auto-submitted: auto-replied"
    assert reading.in_reply_to == "0102018f.step1@max.example.com"
    assert reading.references == ("0102018f.first@max.example.com", "0102018f.step1@max.example.com")
    assert reading.message_id == "AM0PR01MB.absence@outlook.example.fr"
    assert reading.attachments == [
        AttachmentInfo(filename="planning.pdf", content_type="application/pdf", size=48213),
        AttachmentInfo(filename=None, content_type="text/calendar", size=None),
    ]


def test_the_html_part_is_read_when_there_is_no_plain_one() -> None:
    reading = read_email("  ", "<div>Banco, on y va&nbsp;!</div>", {}, "paul@example.fr")

    assert reading.text == "Banco, on y va !"  # no-break spaces become plain ones
    assert (reading.automatic, reading.in_reply_to, reading.references) == (None, None, ())
    assert reading.message_id is None


def test_attachments_are_listed_up_to_a_bound() -> None:
    many = [{"filename": f"photo-{i}.jpg", "content_type": "image/jpeg", "size": i} for i in range(50)]

    reading = read_email("Voici les photos", None, {}, "paul@example.fr", many)

    assert len(reading.attachments) == ATTACHMENTS_MAX
    assert reading.attachments[0] == AttachmentInfo("photo-0.jpg", "image/jpeg", 0)
