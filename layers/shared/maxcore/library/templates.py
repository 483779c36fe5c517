"""The built-in template library: the message templates every new tenant starts with.

Each template exists in French and in English under the same stable ``key`` (same channel, same
category). Once seeded, a tenant's copies are ordinary templates: active, editable, versioned.

Placeholders are ``{{name}}`` or ``{{name|fallback}}``. The lead's fields (``firstName``,
``lastName``, ``fullName``, ``company``, ``email``, ``phone``) and the tenant's ``companyName`` are
built in; any other placeholder is a custom variable, listed (sorted) in ``variables``.

E-mails are written once as blocks (paragraphs, buttons, lists...) and rendered both as the plain
text body and as a compact, inline-styled HTML table layout, so the two always say the same thing.
Stdlib only: this module imports nothing else from maxcore.
"""

from __future__ import annotations

import html as html_lib
from dataclasses import dataclass, replace
from datetime import UTC, datetime

LIBRARY_VERSION = 3
"""The latest release of the library. A release only adds templates (each names its :attr:`since`):
version 1, the general templates; version 2, the predefined scenarios' step templates; version 3, the
appointment reminders an appointment sends by itself (the hour-before SMS, and both by e-mail). A
tenant seeded with an older release gets the newer templates at the next provisioning run (or when an
appointment reminder is about to go: ``services.templates.upgrade_library``), and nothing else."""

RELEASED_AT = datetime(2026, 11, 21, tzinfo=UTC)
"""When the first release came out: the time part of every built-in's stable id (ids never change)."""

LOCALES: tuple[str, ...] = ("fr", "en")
CHANNELS: tuple[str, ...] = ("sms", "whatsapp", "email", "telegram")
CATEGORIES: tuple[str, ...] = (
    "follow_up",
    "appointment_confirmation",
    "appointment_reminder",
    "qualification",
    "quote_follow_up",
    "thank_you",
    "newsletter",
    "satisfaction_survey",
    "delivery_notice",
    "abandoned_cart",
    "custom",
)


@dataclass(frozen=True)
class LibraryTemplate:
    """One built-in template in one language."""

    key: str
    """Stable identifier, the same in both locales (``follow_up_d3``)."""
    locale: str
    """``fr`` or ``en``."""
    channel: str
    """``sms``, ``whatsapp``, ``email`` or ``telegram``."""
    category: str
    """One of :data:`CATEGORIES`."""
    name: str
    """Shown in the UI, in the template's language."""
    body: str
    """Plain text body (for e-mail: the text alternative of the HTML)."""
    subject: str | None = None
    """E-mail only, required there."""
    html: str | None = None
    """E-mail only."""
    variables: tuple[str, ...] = ()
    """The custom variables the template uses (not the built-in ones), sorted."""
    since: int = 1
    """The library release that added it (see :data:`LIBRARY_VERSION`)."""


# --- e-mail building blocks ---------------------------------------------------------------------
# Each block is (plain text, HTML). Texts never contain raw HTML: they are escaped on the way in.
_Block = tuple[str, str]

_FONT = "font-family:Arial,Helvetica,sans-serif;"
_ACCENT = "#4f46e5"
_MUTED = "#6b7280"


def _html_text(text: str) -> str:
    return html_lib.escape(text, quote=False).replace("\n", "<br>")


def _colon(locale: str) -> str:
    """French puts a space before a colon, English does not."""
    return " : " if locale == "fr" else ": "


def _p(text: str) -> _Block:
    return text, '<p style="margin:0 0 16px;">' + _html_text(text) + "</p>"


def _h(text: str) -> _Block:
    return text, (
        '<h1 style="margin:0 0 16px;font-size:22px;line-height:1.3;color:#111827;">'
        + _html_text(text)
        + "</h1>"
    )


def _small(text: str) -> _Block:
    return text, (
        '<p style="margin:24px 0 0;font-size:12px;line-height:1.5;color:'
        + _MUTED
        + ';">'
        + _html_text(text)
        + "</p>"
    )


def _button(locale: str, label: str, href: str) -> _Block:
    html = (
        '<p style="margin:8px 0 24px;"><a href="'
        + href
        + '" style="display:inline-block;background:'
        + _ACCENT
        + ';color:#ffffff;text-decoration:none;font-weight:bold;padding:12px 24px;border-radius:6px;">'
        + _html_text(label)
        + "</a></p>"
    )
    return label + _colon(locale) + href, html


def _details(locale: str, rows: tuple[tuple[str, str], ...]) -> _Block:
    text = "\n".join(label + _colon(locale) + value for label, value in rows)
    cells = "".join(
        '<tr><td style="padding:6px 16px;color:' + _MUTED + ';">' + _html_text(label) + "</td>"
        '<td style="padding:6px 16px 6px 0;font-weight:bold;">' + _html_text(value) + "</td></tr>"
        for label, value in rows
    )
    html = (
        '<table role="presentation" cellpadding="0" cellspacing="0" style="margin:0 0 20px;'
        'background:#f3f4f6;border-radius:6px;width:100%;">' + cells + "</table>"
    )
    return text, html


def _steps(locale: str, items: tuple[tuple[str, str], ...]) -> _Block:
    """A numbered list; each item is (bold lead-in or empty, text)."""
    lines = []
    entries = []
    for number, (title, text) in enumerate(items, start=1):
        lead = title + _colon(locale) if title else ""
        lines.append(f"{number}. {lead}{text}")
        strong = "<strong>" + _html_text(title) + "</strong>" + _colon(locale) if title else ""
        entries.append('<li style="margin:0 0 8px;">' + strong + _html_text(text) + "</li>")
    return "\n".join(lines), '<ol style="margin:0 0 16px;padding-left:22px;">' + "".join(entries) + "</ol>"


def _image(label: str) -> _Block:
    """A visible placeholder where the tenant puts an image; nothing in the text version."""
    return "", (
        '<div style="margin:0 0 20px;padding:72px 16px;background:#eef0f4;border:2px dashed #c3c8d4;'
        "border-radius:6px;text-align:center;color:"
        + _MUTED
        + ';font-size:14px;">'
        + _html_text(label)
        + "</div>"
    )


def _page(locale: str, content: str) -> str:
    return (
        '<!DOCTYPE html><html lang="' + locale + '"><body style="margin:0;padding:0;background:#f4f4f7;">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f4f7;">'
        '<tr><td align="center" style="padding:24px 12px;">'
        '<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="width:100%;'
        "max-width:600px;background:#ffffff;border-radius:8px;" + _FONT + "font-size:15px;line-height:1.6;"
        'color:#1f2937;"><tr><td style="padding:32px;">' + content + "</td></tr></table>"
        "</td></tr></table></body></html>"
    )


def _email(
    key: str,
    locale: str,
    category: str,
    name: str,
    subject: str,
    blocks: tuple[_Block, ...],
    variables: tuple[str, ...] = (),
) -> LibraryTemplate:
    body = "\n\n".join(text for text, _ in blocks if text)
    html = _page(locale, "".join(part for _, part in blocks))
    return LibraryTemplate(
        key=key,
        locale=locale,
        channel="email",
        category=category,
        name=name,
        body=body,
        subject=subject,
        html=html,
        variables=variables,
    )


def _message(
    key: str,
    locale: str,
    channel: str,
    category: str,
    name: str,
    body: str,
    variables: tuple[str, ...] = (),
) -> LibraryTemplate:
    return LibraryTemplate(
        key=key, locale=locale, channel=channel, category=category, name=name, body=body, variables=variables
    )


HELLO_FR = "Bonjour {{firstName|Madame, Monsieur}},"
HELLO_EN = "Hi {{firstName|there}},"
OPT_OUT_EMAIL_FR = (
    "Vous ne souhaitez plus recevoir nos actualités ? Répondez simplement à cet e-mail "
    "et nous vous retirerons de notre liste."
)
OPT_OUT_EMAIL_EN = "Rather not receive our news? Just reply to this email and we'll take you off our list."


# --- the library ------------------------------------------------------------------------------
_GENERAL: tuple[LibraryTemplate, ...] = (
    # 1. Gentle follow-up, three days after a first message.
    _email(
        "follow_up_d3",
        "fr",
        "follow_up",
        "Relance e-mail J+3",
        "Je me permets de revenir vers vous",
        (
            _p(HELLO_FR),
            _p(
                "Nous revenons vers vous au sujet de notre précédent message, au cas où il se serait "
                "glissé sous la pile de votre boîte de réception."
            ),
            _p(
                "Si le sujet vous intéresse toujours, ce serait un plaisir d'en parler quelques minutes "
                "avec vous, au moment qui vous convient le mieux. Il vous suffit de répondre à cet e-mail."
            ),
            _p(
                "Et si ce n'est pas le bon moment, aucun souci : dites-le-nous simplement, "
                "nous ne vous relancerons pas."
            ),
            _p("Belle journée,\nL'équipe {{companyName}}"),
        ),
    ),
    _email(
        "follow_up_d3",
        "en",
        "follow_up",
        "3-day email follow-up",
        "Just following up",
        (
            _p(HELLO_EN),
            _p("Just a quick note to follow up on our last message, in case it got buried in your inbox."),
            _p(
                "If it's still on your radar, we'd love to set up a short call at a time that suits you. "
                "Simply reply to this email."
            ),
            _p("And if now isn't the right time, no problem at all. Let us know and we won't chase you."),
            _p("Best regards,\nThe {{companyName}} team"),
        ),
    ),
    # 2. Appointment confirmation, with an "add to calendar" button.
    _email(
        "appointment_confirmation",
        "fr",
        "appointment_confirmation",
        "Confirmation de rendez-vous",
        "Votre rendez-vous du {{appointmentDate}} est confirmé",
        (
            _p(HELLO_FR),
            _p("C'est noté : votre rendez-vous est bien confirmé. Voici le récapitulatif."),
            _details(
                "fr",
                (
                    ("Date", "{{appointmentDate}}"),
                    ("Heure", "{{appointmentTime}}"),
                    ("Lieu", "{{appointmentPlace}}"),
                    ("Avec", "{{agentName}}"),
                ),
            ),
            _button("fr", "Ajouter à mon agenda", "{{calendarLink}}"),
            _p(
                "Un empêchement ? Répondez simplement à cet e-mail, "
                "nous trouverons ensemble un autre créneau."
            ),
            _p("À très bientôt,\nL'équipe {{companyName}}"),
        ),
        ("agentName", "appointmentDate", "appointmentPlace", "appointmentTime", "calendarLink"),
    ),
    _email(
        "appointment_confirmation",
        "en",
        "appointment_confirmation",
        "Appointment confirmation",
        "Your appointment on {{appointmentDate}} is confirmed",
        (
            _p(HELLO_EN),
            _p("You're all set: your appointment is confirmed. Here are the details."),
            _details(
                "en",
                (
                    ("Date", "{{appointmentDate}}"),
                    ("Time", "{{appointmentTime}}"),
                    ("Where", "{{appointmentPlace}}"),
                    ("With", "{{agentName}}"),
                ),
            ),
            _button("en", "Add to my calendar", "{{calendarLink}}"),
            _p("Can't make it after all? Just reply to this email and we'll find another time together."),
            _p("See you soon,\nThe {{companyName}} team"),
        ),
        ("agentName", "appointmentDate", "appointmentPlace", "appointmentTime", "calendarLink"),
    ),
    # 3. Appointment reminder by SMS, the day before (transactional: no STOP line).
    _message(
        "appointment_reminder_24h",
        "fr",
        "sms",
        "appointment_reminder",
        "Rappel de rendez-vous (veille)",
        "Bonjour {{firstName|Madame, Monsieur}}, petit rappel : votre rendez-vous avec {{companyName}} "
        "a lieu demain à {{appointmentTime}} ({{appointmentPlace}}). "
        "Répondez OUI pour confirmer ou NON pour le décaler. Bonne journée et à demain !",
        ("appointmentPlace", "appointmentTime"),
    ),
    _message(
        "appointment_reminder_24h",
        "en",
        "sms",
        "appointment_reminder",
        "Appointment reminder (day before)",
        "Hi {{firstName|there}}, a quick reminder: your appointment with {{companyName}} is tomorrow "
        "at {{appointmentTime}} ({{appointmentPlace}}). Reply YES to confirm or NO to reschedule. "
        "See you tomorrow!",
        ("appointmentPlace", "appointmentTime"),
    ),
    # 4. Lead qualification: a few short questions.
    _email(
        "lead_qualification",
        "fr",
        "qualification",
        "Qualification du besoin",
        "Quelques questions pour mieux vous conseiller",
        (
            _p(HELLO_FR),
            _p(
                "Merci pour l'intérêt que vous portez à {{companyName}} ! Pour vous proposer une solution "
                "vraiment adaptée, sans vous faire perdre de temps, pourriez-vous nous en dire un peu plus ?"
            ),
            _steps(
                "fr",
                (
                    ("", "Quel est votre besoin principal aujourd'hui ?"),
                    ("", "Dans quel délai souhaitez-vous avancer ?"),
                    ("", "Avez-vous déjà une idée du budget à y consacrer ?"),
                    ("", "Qui d'autre participe à la décision de votre côté ?"),
                ),
            ),
            _p(
                "Quelques mots suffisent : répondez simplement à cet e-mail, et nous revenons vers vous "
                "rapidement avec des pistes concrètes."
            ),
            _p("Bien cordialement,\nL'équipe {{companyName}}"),
        ),
    ),
    _email(
        "lead_qualification",
        "en",
        "qualification",
        "Lead qualification",
        "A few quick questions so we can help you better",
        (
            _p(HELLO_EN),
            _p(
                "Thanks for your interest in {{companyName}}! So we can suggest something that really fits, "
                "without wasting your time, could you tell us a little more?"
            ),
            _steps(
                "en",
                (
                    ("", "What's the main thing you're looking to solve right now?"),
                    ("", "What timeline do you have in mind?"),
                    ("", "Have you set aside a budget for it yet?"),
                    ("", "Who else is involved in the decision on your side?"),
                ),
            ),
            _p(
                "A few words are plenty. Just hit reply and we'll get back to you quickly "
                "with concrete ideas."
            ),
            _p("Best regards,\nThe {{companyName}} team"),
        ),
    ),
    # 5. Quote follow-up, three days after sending it.
    _email(
        "quote_follow_up_d3",
        "fr",
        "quote_follow_up",
        "Relance devis J+3",
        "Votre devis {{quoteReference}} : avez-vous des questions ?",
        (
            _p(HELLO_FR),
            _p(
                "Il y a trois jours, nous vous avons adressé le devis {{quoteReference}}. "
                "Avez-vous pu en prendre connaissance ?"
            ),
            _p(
                "Si un point mérite d'être précisé ou ajusté (quantités, délais, options), nous l'adaptons "
                "volontiers à votre situation. Un simple retour par e-mail suffit, ou indiquez-nous "
                "le meilleur moment pour vous appeler."
            ),
            _p("Nous restons à votre disposition,\nL'équipe {{companyName}}"),
        ),
        ("quoteReference",),
    ),
    _email(
        "quote_follow_up_d3",
        "en",
        "quote_follow_up",
        "3-day quote follow-up",
        "Your quote {{quoteReference}}: any questions?",
        (
            _p(HELLO_EN),
            _p(
                "Three days ago we sent you quote {{quoteReference}}, and we wanted to make sure it "
                "landed safely. Have you had a chance to look it over?"
            ),
            _p(
                "If anything needs clarifying or adjusting (quantities, timing, options), we're happy to "
                "tailor it to your needs. Just reply to this email, or let us know a good time to call."
            ),
            _p("Kind regards,\nThe {{companyName}} team"),
        ),
        ("quoteReference",),
    ),
    # 6. WhatsApp thank-you.
    _message(
        "whatsapp_thank_you",
        "fr",
        "whatsapp",
        "thank_you",
        "Remerciement WhatsApp",
        "Bonjour {{firstName|Madame, Monsieur}},\n\n"
        "Un grand merci pour votre confiance ! C'est un vrai plaisir de travailler avec vous. 😊\n\n"
        "Une question, un conseil, un petit souci ? Écrivez-nous simplement ici, "
        "nous vous répondons avec plaisir.\n\n"
        "À très vite,\nL'équipe {{companyName}}",
    ),
    _message(
        "whatsapp_thank_you",
        "en",
        "whatsapp",
        "thank_you",
        "WhatsApp thank-you",
        "Hi {{firstName|there}},\n\n"
        "Thank you so much for your trust! It's a real pleasure working with you. 😊\n\n"
        "If you ever have a question or need a hand, just message us here. We're always happy to help.\n\n"
        "Speak soon,\nThe {{companyName}} team",
    ),
    # 7. Product announcement newsletter, with a spot for an image.
    _email(
        "product_announcement",
        "fr",
        "newsletter",
        "Annonce produit",
        "Nouveau : découvrez {{productName}}",
        (
            _image("[Votre image ici]"),
            _h("Découvrez {{productName}}"),
            _p(HELLO_FR),
            _p(
                "Nous sommes très fiers de vous présenter {{productName}}, notre toute dernière nouveauté. "
                "Nous l'avons imaginé avec une idée simple : vous faire gagner du temps et vous apporter "
                "encore plus de confort au quotidien."
            ),
            _p("Envie d'en savoir plus ? Tous les détails vous attendent sur notre site."),
            _button("fr", "Découvrir {{productName}}", "{{productLink}}"),
            _p("Merci pour votre fidélité, et à très bientôt,\nL'équipe {{companyName}}"),
            _small(OPT_OUT_EMAIL_FR),
        ),
        ("productLink", "productName"),
    ),
    _email(
        "product_announcement",
        "en",
        "newsletter",
        "Product announcement",
        "Introducing {{productName}}",
        (
            _image("[Your image here]"),
            _h("Meet {{productName}}"),
            _p(HELLO_EN),
            _p(
                "We're proud to introduce {{productName}}, the newest addition to our range. We designed it "
                "with one simple goal: to save you time and make your everyday life that little bit easier."
            ),
            _p("Curious? You'll find all the details on our website."),
            _button("en", "Discover {{productName}}", "{{productLink}}"),
            _p("Thank you for being with us, and see you soon,\nThe {{companyName}} team"),
            _small(OPT_OUT_EMAIL_EN),
        ),
        ("productLink", "productName"),
    ),
    # 8. Beauty routine newsletter in three steps.
    _email(
        "beauty_routine",
        "fr",
        "newsletter",
        "Routine beauté",
        "Votre routine beauté en 3 gestes simples",
        (
            _h("Votre routine beauté en 3 gestes"),
            _p(HELLO_FR),
            _p(
                "Nul besoin d'une dizaine de produits pour prendre soin de votre peau : trois gestes bien "
                "choisis, matin et soir, font déjà toute la différence."
            ),
            _steps(
                "fr",
                (
                    (
                        "Nettoyer en douceur",
                        "un nettoyant doux, massé du bout des doigts puis rincé à l'eau tiède, "
                        "élimine les impuretés sans dessécher la peau.",
                    ),
                    (
                        "Hydrater",
                        "appliquez votre sérum ou votre crème sur une peau encore légèrement humide, "
                        "pour mieux retenir l'hydratation.",
                    ),
                    (
                        "Protéger",
                        "le matin, terminez par une protection solaire, même sous un ciel gris. "
                        "C'est le meilleur allié de votre peau sur la durée.",
                    ),
                ),
            ),
            _p(
                "Vous hésitez sur les soins adaptés à votre type de peau ? Répondez à cet e-mail : "
                "nous vous aiderons avec plaisir à composer votre routine idéale."
            ),
            _p("Prenez soin de vous,\nL'équipe {{companyName}}"),
            _small(OPT_OUT_EMAIL_FR),
        ),
    ),
    _email(
        "beauty_routine",
        "en",
        "newsletter",
        "Beauty routine",
        "Your beauty routine in 3 simple steps",
        (
            _h("Your 3-step beauty routine"),
            _p(HELLO_EN),
            _p(
                "You don't need a shelf full of products to look after your skin: three well-chosen steps, "
                "morning and evening, already make all the difference."
            ),
            _steps(
                "en",
                (
                    (
                        "Cleanse gently",
                        "massage a mild cleanser in with your fingertips, then rinse with lukewarm water "
                        "to lift away impurities without drying your skin.",
                    ),
                    (
                        "Moisturise",
                        "apply your serum or cream while your skin is still slightly damp, "
                        "so it holds on to moisture for longer.",
                    ),
                    (
                        "Protect",
                        "in the morning, finish with sunscreen, even on cloudy days. "
                        "It's the best long-term friend your skin can have.",
                    ),
                ),
            ),
            _p(
                "Not sure which products suit your skin type? Reply to this email and we'll gladly help "
                "you build the routine that's right for you."
            ),
            _p("Take care,\nThe {{companyName}} team"),
            _small(OPT_OUT_EMAIL_EN),
        ),
    ),
    # 9. Satisfaction survey by SMS: a rating from 1 to 5 (marketing-like: STOP line).
    _message(
        "satisfaction_survey",
        "fr",
        "sms",
        "satisfaction_survey",
        "Enquête de satisfaction",
        "Bonjour {{firstName|Madame, Monsieur}}, merci d'avoir choisi {{companyName}} ! "
        "Que pensez-vous de votre expérience ? Notez-la en répondant par un chiffre "
        "de 1 (décevant) à 5 (excellent).\nRépondez STOP pour ne plus recevoir de SMS.",
    ),
    _message(
        "satisfaction_survey",
        "en",
        "sms",
        "satisfaction_survey",
        "Satisfaction survey",
        "Hi {{firstName|there}}, thanks for choosing {{companyName}}! How did we do? "
        "Reply with a number from 1 (poor) to 5 (excellent). Your feedback means a lot.\n"
        "Reply STOP to opt out.",
    ),
    # 10. Parcel tracking by SMS (transactional: no STOP line).
    _message(
        "parcel_tracking",
        "fr",
        "sms",
        "delivery_notice",
        "Suivi de colis",
        "Bonjour {{firstName|Madame, Monsieur}}, bonne nouvelle : votre commande {{companyName}} "
        "est en route ! Numéro de suivi : {{trackingNumber}}. Suivez-la ici : {{trackingLink}}",
        ("trackingLink", "trackingNumber"),
    ),
    _message(
        "parcel_tracking",
        "en",
        "sms",
        "delivery_notice",
        "Parcel tracking",
        "Hi {{firstName|there}}, good news: your order from {{companyName}} is on its way! "
        "Tracking number: {{trackingNumber}}. Follow it here: {{trackingLink}}",
        ("trackingLink", "trackingNumber"),
    ),
    # 11. Delivery date announcement on WhatsApp.
    _message(
        "delivery_notice",
        "fr",
        "whatsapp",
        "delivery_notice",
        "Avis de livraison",
        "Bonjour {{firstName|Madame, Monsieur}},\n\n"
        "Bonne nouvelle : votre commande sera livrée le {{deliveryDate}}. 📦\n\n"
        "Vous ne serez pas disponible ce jour-là ? Écrivez-nous simplement ici "
        "et nous trouverons une solution ensemble.\n\n"
        "À très vite,\nL'équipe {{companyName}}",
        ("deliveryDate",),
    ),
    _message(
        "delivery_notice",
        "en",
        "whatsapp",
        "delivery_notice",
        "Delivery notice",
        "Hi {{firstName|there}},\n\n"
        "Good news: your order will be delivered on {{deliveryDate}}. 📦\n\n"
        "Won't be around that day? Just message us here and we'll work out another option together.\n\n"
        "Speak soon,\nThe {{companyName}} team",
        ("deliveryDate",),
    ),
    # 12. Abandoned cart reminder.
    _email(
        "abandoned_cart",
        "fr",
        "abandoned_cart",
        "Relance panier abandonné",
        "Votre panier vous attend",
        (
            _p(HELLO_FR),
            _p(
                "Vous avez laissé quelques articles dans votre panier. Pas d'inquiétude, nous l'avons "
                "gardé pour vous : vous pouvez reprendre votre commande en un clic."
            ),
            _button("fr", "Retrouver mon panier", "{{cartLink}}"),
            _p(
                "Une question sur un produit, la livraison ou le paiement ? Répondez simplement "
                "à cet e-mail, nous sommes là pour vous aider."
            ),
            _p("À très bientôt,\nL'équipe {{companyName}}"),
            _small(OPT_OUT_EMAIL_FR),
        ),
        ("cartLink",),
    ),
    _email(
        "abandoned_cart",
        "en",
        "abandoned_cart",
        "Abandoned cart reminder",
        "You left something in your cart",
        (
            _p(HELLO_EN),
            _p(
                "You left a few items in your cart. Don't worry, we've saved it for you, "
                "so you can pick up right where you left off."
            ),
            _button("en", "Back to my cart", "{{cartLink}}"),
            _p(
                "Any questions about a product, delivery or payment? Just reply to this email "
                "and we'll be glad to help."
            ),
            _p("See you soon,\nThe {{companyName}} team"),
            _small(OPT_OUT_EMAIL_EN),
        ),
        ("cartLink",),
    ),
    # 13. Short, friendly follow-up on Telegram.
    _message(
        "telegram_follow_up",
        "fr",
        "telegram",
        "follow_up",
        "Relance Telegram",
        "Bonjour {{firstName|Madame, Monsieur}} 🙂\n\n"
        "Nous revenons vers vous suite à notre dernier échange : avez-vous eu le temps d'y réfléchir ?\n\n"
        "Si vous avez la moindre question, répondez simplement ici, nous sommes à votre écoute.\n\n"
        "L'équipe {{companyName}}",
    ),
    _message(
        "telegram_follow_up",
        "en",
        "telegram",
        "follow_up",
        "Telegram follow-up",
        "Hi {{firstName|there}} 🙂\n\n"
        "Just checking in after our last conversation. Have you had a chance to think it over?\n\n"
        "If any questions come up, simply reply here. We're happy to help.\n\n"
        "The {{companyName}} team",
    ),
)

# --- the predefined scenarios' steps ------------------------------------------------------------
# One template per message step of each predefined scenario (library/scenarios.py names them), so a
# tenant without a language model still sends a real message. Keys: ``<scenario>_<step order>``.
_SIGN_OFF = {
    "fr": "Bien cordialement,\nL'équipe {{companyName}}",
    "en": "Best regards,\nThe {{companyName}} team",
}
_HELLO = {"fr": HELLO_FR, "en": HELLO_EN}
_STEP_NAME = {"fr": "{scenario}, étape {order} ({channel})", "en": "{scenario}, step {order} ({channel})"}
_CHANNEL_NAME = {"fr": {"email": "e-mail", "sms": "SMS"}, "en": {"email": "email", "sms": "SMS"}}


def _step_name(locale: str, key: str, channel: str) -> str:
    scenario, _, order = key.rpartition("_")
    title = scenario.replace("_", " ").title()
    return _STEP_NAME[locale].format(scenario=title, order=order, channel=_CHANNEL_NAME[locale][channel])


def _step_email(key: str, locale: str, subject: str, paragraphs: tuple[str, ...]) -> LibraryTemplate:
    """A prospection e-mail: the greeting, the paragraphs, the team's sign-off."""
    blocks = (_p(_HELLO[locale]), *(_p(text) for text in paragraphs), _p(_SIGN_OFF[locale]))
    return _email(key, locale, "follow_up", _step_name(locale, key, "email"), subject, blocks)


def _step_sms(key: str, locale: str, body: str) -> LibraryTemplate:
    return _message(key, locale, "sms", "follow_up", _step_name(locale, key, "sms"), body)


_SEQUENCE_TEMPLATES: tuple[LibraryTemplate, ...] = (
    # Connexion Douce: introduce, bring value, offer a call, close gently.
    _step_email(
        "connexion_douce_1",
        "fr",
        "Une question pour {{company|votre entreprise}}",
        (
            "Je vous écris de la part de {{companyName}}. Nous accompagnons des entreprises comme "
            "{{company|votre entreprise}} et je pense que nous pourrions vous être utiles, sans "
            "bouleverser votre organisation.",
            "Plutôt qu'une longue présentation, une simple question : est-ce un sujet qui vous parle "
            "en ce moment ? Une ligne de réponse me suffit.",
        ),
    ),
    _step_email(
        "connexion_douce_1",
        "en",
        "A quick question for {{company|your company}}",
        (
            "I'm writing on behalf of {{companyName}}. We work with businesses like "
            "{{company|your company}} and I believe we could be useful to you, without turning your "
            "way of working upside down.",
            "Rather than a long introduction, one simple question: is this something on your mind at "
            "the moment? A one-line reply is plenty.",
        ),
    ),
    _step_email(
        "connexion_douce_3",
        "fr",
        "Une idée qui fait gagner du temps",
        (
            "Une idée qui fonctionne bien chez nos clients : noter chaque semaine les trois demandes "
            "les plus fréquentes de vos clients et y répondre une bonne fois pour toutes, sur votre "
            "site ou dans un message prêt à l'emploi. Le temps gagné se compte vite en heures.",
            "Chez {{companyName}}, c'est exactement ce genre de gain que nous aidons à obtenir. Si "
            "l'idée vous intéresse, je vous en dis plus en quelques lignes.",
        ),
    ),
    _step_email(
        "connexion_douce_3",
        "en",
        "An idea that saves time",
        (
            "One idea that works well for our clients: each week, note the three questions your "
            "customers ask most and answer them once and for all, on your website or in a ready-made "
            "message. The time saved quickly adds up to hours.",
            "At {{companyName}}, that is exactly the kind of gain we help with. If the idea appeals to "
            "you, I'm happy to tell you more in a few lines.",
        ),
    ),
    _step_email(
        "connexion_douce_4",
        "fr",
        "15 minutes pour en parler ?",
        (
            "Je vous propose un échange de 15 minutes, par téléphone ou en visio, pour voir ensemble "
            "ce que {{companyName}} pourrait concrètement apporter à {{company|votre entreprise}}.",
            "Dites-moi simplement le jour et l'heure qui vous arrangent cette semaine ou la suivante, "
            "je m'adapte.",
        ),
    ),
    _step_email(
        "connexion_douce_4",
        "en",
        "15 minutes to talk it over?",
        (
            "How about a 15-minute call, by phone or video, to see together what {{companyName}} "
            "could concretely bring to {{company|your company}}?",
            "Just tell me which day and time suit you this week or next, and I'll fit in.",
        ),
    ),
    _step_email(
        "connexion_douce_5",
        "fr",
        "Je m'arrête là",
        (
            "Je ne veux pas encombrer votre boîte de réception : ce sera mon dernier message sur ce sujet.",
            "La porte reste grande ouverte. Un simple « plus tard » me suffit pour revenir vers vous "
            "au bon moment.",
        ),
    ),
    _step_email(
        "connexion_douce_5",
        "en",
        "I'll leave it there",
        (
            "I don't want to clutter your inbox, so this will be my last message on the subject.",
            'The door stays wide open. A simple "later" is enough for me to get back to you at the '
            "right time.",
        ),
    ),
    # Relance Douce: a tactful nudge, an example, an easy way in, a one-word close.
    _step_email(
        "relance_douce_1",
        "fr",
        "Suite à notre dernier échange",
        (
            "Je reviens vers vous suite à notre dernier échange, sans vouloir vous presser.",
            "Est-ce toujours d'actualité de votre côté ? Si les priorités ont changé, dites-le-moi "
            "simplement, je comprendrai très bien.",
        ),
    ),
    _step_email(
        "relance_douce_1",
        "en",
        "Following our last conversation",
        (
            "I'm getting back to you after our last exchange, with no wish to rush you.",
            "Is this still on the agenda on your side? If priorities have changed, just let me know, "
            "I'll completely understand.",
        ),
    ),
    _step_email(
        "relance_douce_2",
        "fr",
        "Un exemple concret",
        (
            "Un exemple récent : une entreprise d'une taille proche de {{company|la vôtre}} a "
            "travaillé avec {{companyName}} pendant trois mois. Elle a gagné plusieurs heures par "
            "semaine et répond désormais à ses clients le jour même.",
            "Voulez-vous que je vous montre comment cela s'appliquerait chez vous ?",
        ),
    ),
    _step_email(
        "relance_douce_2",
        "en",
        "A concrete example",
        (
            "A recent example: a business about the size of {{company|yours}} worked with "
            "{{companyName}} for three months. It saved several hours a week and now answers its "
            "customers the same day.",
            "Would you like me to show you how this would work for you?",
        ),
    ),
    _step_email(
        "relance_douce_4",
        "fr",
        "Le bon moment",
        (
            "Je me doute que le temps vous manque, ou que le moment n'est peut-être pas idéal.",
            "C'est pourquoi nous pouvons démarrer très simplement, par une première étape légère, ou "
            "tout à fait reporter à plus tard. Le bon moment serait-il plutôt ce trimestre ou le "
            "prochain ?",
        ),
    ),
    _step_email(
        "relance_douce_4",
        "en",
        "The right time",
        (
            "I imagine time is short, or perhaps the moment isn't ideal.",
            "That's why we can start very simply, with a light first step, or leave it until later. "
            "Would the right time be this quarter or the next?",
        ),
    ),
    _step_email(
        "relance_douce_5",
        "fr",
        "Oui, plus tard ou non merci ?",
        (
            "Pour vous faire gagner du temps, répondez simplement « oui », « plus tard » ou « non merci ».",
            "Merci d'avance pour ces deux secondes, et merci pour votre attention.",
        ),
    ),
    _step_email(
        "relance_douce_5",
        "en",
        "Yes, later or no thanks?",
        (
            'To save you time, just reply "yes", "later" or "no thanks".',
            "Thank you in advance for those two seconds, and for your attention.",
        ),
    ),
    # Relance Agressive: a clear proposal, a reason to act, an SMS, a clean close.
    _step_email(
        "relance_agressive_1",
        "fr",
        "Une proposition claire",
        (
            "Je reviens vers vous avec une proposition simple : un échange de 20 minutes pour voir "
            "comment {{companyName}} peut répondre au besoin de {{company|votre entreprise}}, et "
            "repartir avec des pistes concrètes.",
            "Quel créneau vous arrange cette semaine pour en parler 20 minutes ?",
        ),
    ),
    _step_email(
        "relance_agressive_1",
        "en",
        "A clear proposal",
        (
            "I'm getting back to you with a simple proposal: a 20-minute call to see how "
            "{{companyName}} can meet the needs of {{company|your company}}, and leave with concrete "
            "next steps.",
            "Which slot suits you this week for a 20-minute chat?",
        ),
    ),
    _step_email(
        "relance_agressive_3",
        "fr",
        "Pourquoi avancer maintenant",
        (
            "Une mise en place prend en général quelques semaines. En commençant maintenant, vous "
            "êtes prêt avant votre prochaine période chargée, plutôt qu'en plein milieu.",
            "On bloque un créneau cette semaine ?",
        ),
    ),
    _step_email(
        "relance_agressive_3",
        "en",
        "Why move now",
        (
            "Getting set up usually takes a few weeks. Starting now means you're ready before your next "
            "busy period, rather than in the middle of it.",
            "Shall we book a slot this week?",
        ),
    ),
    _step_sms(
        "relance_agressive_4",
        "fr",
        "Bonjour {{firstName|Madame, Monsieur}}, ici {{companyName}} suite à mes e-mails : un appel de "
        "10 min demain vous irait ? Répondez STOP pour ne plus recevoir de SMS.",
    ),
    _step_sms(
        "relance_agressive_4",
        "en",
        "Hi {{firstName|there}}, {{companyName}} here following up on my emails: would a 10-min call "
        "tomorrow suit you? Reply STOP to opt out.",
    ),
    _step_email(
        "relance_agressive_5",
        "fr",
        "Je clôture de mon côté",
        (
            "Sans réponse de votre part, je clôture ce dossier de mon côté, sans aucun souci.",
            "Si le sujet revient, répondez simplement à cet e-mail : je serai ravi d'en reparler.",
        ),
    ),
    _step_email(
        "relance_agressive_5",
        "en",
        "Closing the file on my side",
        (
            "As I haven't heard back, I'm closing this file on my side, no hard feelings.",
            "If the subject comes up again, simply reply to this email: I'll be glad to pick it up.",
        ),
    ),
    # Nurturing Long Terme: useful content, a story, news and a resource, then a call.
    _step_email(
        "nurturing_long_terme_1",
        "fr",
        "Un conseil pratique",
        (
            "Je suis de l'équipe {{companyName}} et je partage avec vous un conseil simple qui rend "
            "service à beaucoup de nos clients : bloquer chaque semaine une demi-heure pour relancer "
            "les contacts restés sans réponse. C'est souvent là que se cachent les meilleures "
            "opportunités.",
            "Dites-moi si ce genre de conseil vous est utile.",
        ),
    ),
    _step_email(
        "nurturing_long_terme_1",
        "en",
        "A practical tip",
        (
            "I'm with the {{companyName}} team and wanted to share a simple tip that helps many of our "
            "clients: block half an hour every week to follow up with the contacts who never answered. "
            "That is often where the best opportunities hide.",
            "Let me know if this kind of tip is useful to you.",
        ),
    ),
    _step_email(
        "nurturing_long_terme_2",
        "fr",
        "Un retour d'expérience",
        (
            "Un de nos clients, au profil proche de {{company|votre entreprise}}, perdait beaucoup de "
            "temps à suivre ses demandes à la main. Nous avons mis en place avec lui un suivi simple "
            "et régulier : en deux mois, il répondait deux fois plus vite, et ses clients l'ont "
            "remarqué.",
            "Curieux de savoir si vous vivez une situation similaire.",
        ),
    ),
    _step_email(
        "nurturing_long_terme_2",
        "en",
        "A story from one of our clients",
        (
            "One of our clients, with a profile close to {{company|your company}}, spent a lot of time "
            "tracking requests by hand. Together we set up a simple, regular follow-up: within two "
            "months it was answering twice as fast, and its customers noticed.",
            "I'd be curious to know whether you face something similar.",
        ),
    ),
    _step_email(
        "nurturing_long_terme_4",
        "fr",
        "Des nouvelles de vos projets ?",
        (
            "Comment avancent vos projets en ce moment ?",
            "Nous avons préparé chez {{companyName}} une grille simple pour faire le point sur son "
            "organisation en dix minutes. Voulez-vous que je vous l'envoie ?",
        ),
    ),
    _step_email(
        "nurturing_long_terme_4",
        "en",
        "How are your projects going?",
        (
            "How are your projects coming along at the moment?",
            "At {{companyName}} we've put together a simple checklist to review your organisation in "
            "ten minutes. Would you like me to send it to you?",
        ),
    ),
    _step_email(
        "nurturing_long_terme_5",
        "fr",
        "Un échange sans engagement ?",
        (
            "Depuis quelques semaines, je vous partage des idées et des retours d'expérience. Si "
            "vous le souhaitez, nous pouvons prendre 20 minutes, sans engagement, pour faire le point "
            "sur vos priorités.",
            "Un échange de 20 minutes quand cela vous arrange ?",
        ),
    ),
    _step_email(
        "nurturing_long_terme_5",
        "en",
        "A no-strings chat?",
        (
            "Over the past few weeks I've shared a few ideas and client stories. If you like, we can "
            "take 20 minutes, with no commitment, to go over your priorities.",
            "A 20-minute chat whenever suits you?",
        ),
    ),
    # Approche Premium: a personal opening, a tailored analysis, an elegant close.
    _step_email(
        "approche_premium_2",
        "fr",
        "Une observation sur {{company|votre entreprise}}",
        (
            "En m'intéressant à {{company|votre entreprise}}, une question m'est venue : comment "
            "faites-vous aujourd'hui pour concilier croissance et qualité du suivi de vos clients ? "
            "C'est souvent là que les entreprises comparables ont le plus à gagner.",
            "Chez {{companyName}}, nous les aidons à le faire de façon simple et mesurable. Seriez-vous "
            "ouvert à un échange de 20 minutes pour confronter ce point de vue ?",
        ),
    ),
    _step_email(
        "approche_premium_2",
        "en",
        "A thought about {{company|your company}}",
        (
            "Looking into {{company|your company}}, one question came to mind: how do you currently "
            "balance growth with the quality of your customer follow-up? That is often where "
            "comparable businesses have the most to gain.",
            "At {{companyName}}, we help them do it in a simple, measurable way. Would you be open to a "
            "20-minute conversation to compare notes?",
        ),
    ),
    _step_email(
        "approche_premium_4",
        "fr",
        "Une analyse sur mesure, offerte",
        (
            "Je vous propose une analyse sur mesure, offerte : nous examinons votre situation et vous "
            "remettons des recommandations écrites, concrètes et directement applicables.",
            "De votre côté, il suffit d'un échange de 30 minutes. Je vous prépare cette analyse ?",
        ),
    ),
    _step_email(
        "approche_premium_4",
        "en",
        "A tailored analysis, on us",
        (
            "I'd like to offer you a free, tailored analysis: we look at your situation and send you "
            "written recommendations, concrete and ready to act on.",
            "All it takes on your side is a 30-minute conversation. Shall I prepare it for you?",
        ),
    ),
    _step_email(
        "approche_premium_5",
        "fr",
        "Merci pour votre attention",
        (
            "Merci pour l'attention que vous avez portée à mes messages. {{companyName}} peut vous "
            "aider à gagner du temps et en sérénité, et je serai heureux d'en reparler le moment venu.",
            "Quel serait le bon moment pour en reparler ?",
        ),
    ),
    _step_email(
        "approche_premium_5",
        "en",
        "Thank you for your time",
        (
            "Thank you for the attention you've given my messages. {{companyName}} can help you save "
            "time and gain peace of mind, and I'd be glad to talk again when the time is right.",
            "When would be a good time to pick this up again?",
        ),
    ),
)

SEQUENCE_TEMPLATES: tuple[LibraryTemplate, ...] = tuple(replace(t, since=2) for t in _SEQUENCE_TEMPLATES)

_REMINDER_VARIABLES = ("agentName", "appointmentDate", "appointmentPlace", "appointmentTime")


def _reminder_email(key: str, locale: str, name: str, subject: str, opening: str) -> LibraryTemplate:
    """An appointment reminder by e-mail: when, where, with whom, and how to answer (transactional)."""
    labels = {
        "fr": (
            ("Date", "Heure", "Lieu", "Avec"),
            "Répondez OUI pour confirmer ou NON si vous ne pouvez pas venir.",
        ),
        "en": (("Date", "Time", "Where", "With"), "Reply YES to confirm, or NO if you can't make it."),
    }[locale]
    values = ("{{appointmentDate}}", "{{appointmentTime}}", "{{appointmentPlace}}", "{{agentName}}")
    blocks = (
        _p(HELLO_FR if locale == "fr" else HELLO_EN),
        _p(opening),
        _details(locale, tuple(zip(labels[0], values, strict=True))),
        _p(labels[1]),
        _p(_SIGN_OFF[locale]),
    )
    return _email(key, locale, "appointment_reminder", name, subject, blocks, _REMINDER_VARIABLES)


_REMINDERS: tuple[LibraryTemplate, ...] = (
    # The hour before, by SMS (transactional: no STOP line).
    _message(
        "appointment_reminder_1h",
        "fr",
        "sms",
        "appointment_reminder",
        "Rappel de rendez-vous (dans une heure)",
        "Bonjour {{firstName|Madame, Monsieur}}, votre rendez-vous avec {{companyName}} est dans une heure, "
        "à {{appointmentTime}} ({{appointmentPlace}}). Répondez OUI pour confirmer ou NON si vous "
        "ne pouvez pas venir. A tout de suite !",
        ("appointmentPlace", "appointmentTime"),
    ),
    _message(
        "appointment_reminder_1h",
        "en",
        "sms",
        "appointment_reminder",
        "Appointment reminder (in one hour)",
        "Hi {{firstName|there}}, your appointment with {{companyName}} is in one hour, at "
        "{{appointmentTime}} ({{appointmentPlace}}). Reply YES to confirm or NO if you can't make it. "
        "See you soon!",
        ("appointmentPlace", "appointmentTime"),
    ),
    _reminder_email(
        "appointment_reminder_24h_email",
        "fr",
        "Rappel de rendez-vous par e-mail (veille)",
        "Rappel : votre rendez-vous de demain, {{appointmentDate}}",
        "Petit rappel : votre rendez-vous avec {{companyName}} a lieu demain. Voici le récapitulatif.",
    ),
    _reminder_email(
        "appointment_reminder_24h_email",
        "en",
        "Appointment reminder by email (day before)",
        "Reminder: your appointment tomorrow, {{appointmentDate}}",
        "A quick reminder: your appointment with {{companyName}} is tomorrow. Here are the details.",
    ),
    _reminder_email(
        "appointment_reminder_1h_email",
        "fr",
        "Rappel de rendez-vous par e-mail (dans une heure)",
        "Votre rendez-vous est dans une heure",
        "Votre rendez-vous avec {{companyName}} est dans une heure. Voici le récapitulatif.",
    ),
    _reminder_email(
        "appointment_reminder_1h_email",
        "en",
        "Appointment reminder by email (in one hour)",
        "Your appointment is in one hour",
        "Your appointment with {{companyName}} is in one hour. Here are the details.",
    ),
)
REMINDER_TEMPLATES: tuple[LibraryTemplate, ...] = tuple(replace(t, since=3) for t in _REMINDERS)
"""The reminders an appointment sends by itself, by key: ``appointment_reminder_<24h|1h>[_email]``."""
"""The predefined scenarios' step templates, added by release 2."""

TEMPLATES: tuple[LibraryTemplate, ...] = (*_GENERAL, *SEQUENCE_TEMPLATES, *REMINDER_TEMPLATES)
"""The whole library: the general templates, the predefined scenarios' steps, the appointment reminders."""

_BY_LOCALE: dict[str, tuple[LibraryTemplate, ...]] = {
    locale: tuple(t for t in TEMPLATES if t.locale == locale) for locale in LOCALES
}


def for_locale(locale: str) -> tuple[LibraryTemplate, ...]:
    """The library in ``locale`` (``fr`` or ``en``), in library order.

    Raises :class:`ValueError` for any other locale rather than seeding a tenant with nothing.
    """
    try:
        return _BY_LOCALE[locale]
    except KeyError:
        raise ValueError(f"no template library for locale {locale!r}; expected one of {LOCALES}") from None


def released_in(version: int) -> tuple[LibraryTemplate, ...]:
    """The templates release ``version`` added, in library order."""
    return tuple(t for t in TEMPLATES if t.since == version)
