"""The footer, headers and pages of one-click unsubscribe, in the tenant's language."""

from __future__ import annotations

import pytest

from maxcore.models.tenant import BusinessProfile, Tenant
from maxcore.rules.html import check_html
from maxcore.rules.unsubscribe import (
    ONE_CLICK,
    MarketingEmail,
    UnsubscribeLink,
    confirmation_page,
    done_page,
    headers,
    invalid_page,
    marketing_email,
    masked,
    with_footer,
)

URL = "https://api.example.com/u/abc.def"
LINK = UnsubscribeLink(URL, "reponses@in.example.com")


def test_headers_offer_the_link_then_the_mailto_and_one_click() -> None:
    assert headers(LINK) == {
        "List-Unsubscribe": (
            f"<{URL}>, <mailto:reponses@in.example.com?subject=unsubscribe&body=unsubscribe>"
        ),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    assert ONE_CLICK == "List-Unsubscribe=One-Click"


def test_without_an_inbound_address_the_header_has_the_link_only() -> None:
    assert headers(UnsubscribeLink(URL))["List-Unsubscribe"] == f"<{URL}>"


def test_the_french_footer_has_the_signature_then_the_link_in_both_parts() -> None:
    # Given a French tenant with a two-line signature and an HTML e-mail
    email = MarketingEmail("fr", "Camille Martin\nInstitut Belle Peau")
    # When the footer is added
    footed = with_footer(
        "Bonjour Léa,\n\nÀ bientôt", "<html><body><p>Bonjour Léa</p></body></html>", email, LINK
    )
    # Then the text ends with the signature and the French link, after a signature separator
    assert footed.body.endswith(
        "À bientôt\n\n-- \nCamille Martin\nInstitut Belle Peau\n"
        f"Vous ne souhaitez plus recevoir nos e-mails ? Se désinscrire : {URL}\n"
    )
    # And the HTML has them inside its body, before </body>
    assert footed.html is not None
    assert footed.html.endswith("</p></body></html>")
    assert "<p>Camille Martin<br>Institut Belle Peau</p>" in footed.html
    assert f'<a href="{URL}">Se désinscrire</a>' in footed.html
    assert footed.headers == headers(LINK)


def test_the_english_footer_says_unsubscribe() -> None:
    footed = with_footer("Hi", "<p>Hi</p>", MarketingEmail("en"), LINK)
    assert footed.body.endswith(f"Don't want to receive our e-mails any more? Unsubscribe: {URL}\n")
    assert footed.html is not None
    assert f'<a href="{URL}">Unsubscribe</a></p>' in footed.html


def test_a_signature_with_markup_is_escaped_and_the_html_stays_safe() -> None:
    email = MarketingEmail("fr", 'Léa <script>alert(1)</script> & "Co"')
    footed = with_footer("Bonjour", "<p>Bonjour</p>", email, LINK)
    assert footed.html is not None
    assert "<script>" not in footed.html
    assert "Léa &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;" in footed.html
    assert check_html(footed.html) == []


def test_a_text_only_email_gets_no_html_part() -> None:
    assert with_footer("Bonjour", None, MarketingEmail("fr"), LINK).html is None


def test_the_tenant_gives_its_language_and_signature() -> None:
    tenant = Tenant.model_validate(
        {
            "id": "t-acme",
            "name": "Acme",
            "locale": "en",
            "business_profile": BusinessProfile(signature="Bob"),
            "created_at": "2026-11-16T08:00:00Z",
            "updated_at": "2026-11-16T08:00:00Z",
        }
    )
    assert marketing_email(tenant) == MarketingEmail("en", "Bob")


@pytest.mark.parametrize(
    ("address", "shown"),
    [("camille@example.fr", "c*****e@example.fr"), ("jo@example.fr", "j***@example.fr"), ("odd", "***")],
)
def test_the_page_masks_the_address(address: str, shown: str) -> None:
    assert masked(address) == shown


def test_the_confirmation_page_is_french_by_default_and_escapes_the_company() -> None:
    page = confirmation_page("fr", "Belle <Peau>", "camille@example.fr")
    assert page.status == 200
    assert "Confirmer la désinscription" in page.html
    assert "Belle &lt;Peau&gt;" in page.html
    assert "c*****e@example.fr" in page.html
    assert '<form method="post">' in page.html
    assert "<script" not in page.html


def test_the_pages_follow_the_locale() -> None:
    assert "Confirm unsubscribing" in confirmation_page("en", "Acme", "a@b.c").html
    assert "You are unsubscribed" in done_page("en", "Acme", "a@b.c").html
    assert "Vous êtes désinscrit(e)" in done_page("fr", "Acme", "a@b.c").html


def test_the_invalid_page_speaks_french_and_english_with_its_status() -> None:
    page = invalid_page(403)
    assert page.status == 403
    assert "Ce lien n'est plus valide" in page.html
    assert "This link is no longer valid" in page.html
