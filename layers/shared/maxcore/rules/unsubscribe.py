"""What lets a marketing e-mail's recipient leave in one click, and the page its link opens (pure).

A prospection or automation e-mail gets, on top of its threading headers:

- ``List-Unsubscribe``: the signed https link (:mod:`maxcore.rules.unsubscribe_token`) and, when the
  tenant receives e-mail, a ``mailto:`` its inbound address with the subject ``unsubscribe`` (the
  reply is read like any other and an unsubscribe request revokes the consent of the address it
  comes from); ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058): the mailbox
  provider (Gmail, Yahoo, Outlook) may POST to the link for the user;
- a footer in the tenant's language: the sender's signature, then the unsubscribe link, in the text
  part and, escaped, in the HTML part (inside ``<body>`` when there is one).

The page is a small self-contained document: no script, no external resource, its one style block
allowed by hash in :data:`CONTENT_SECURITY_POLICY`.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from html import escape
from urllib.parse import quote

from maxcore.models.tenant import Tenant
from maxcore.texts import render

ONE_CLICK = "List-Unsubscribe=One-Click"
"""The body of an RFC 8058 one-click POST, and the value of ``List-Unsubscribe-Post``."""

_SEPARATOR = "-- "
"""The signature separator mail clients recognise (RFC 3676 4.3): they fold or grey what follows."""

_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)

UNSUBSCRIBED_FROM = "unsubscribed_from"
"""The opt-out activity of a link names there the Message-ID of the e-mail the link was in."""


@dataclass(frozen=True)
class UnsubscribeLink:
    """Where a recipient leaves: the signed page, and the tenant's inbound address if it has one."""

    url: str
    inbound_address: str | None = None

    @property
    def mailto(self) -> str | None:
        """The ``mailto:`` of ``List-Unsubscribe``, to the inbound address (RFC 6068)."""
        if not self.inbound_address:
            return None
        return f"mailto:{self.inbound_address}?subject=unsubscribe&body={quote('unsubscribe')}"


@dataclass(frozen=True)
class MarketingEmail:
    """What the footer is written from: the tenant's language and the sender's signature."""

    locale: str
    signature: str | None = None


def marketing_email(tenant: Tenant) -> MarketingEmail:
    """The tenant's footer: its language and its business profile's signature."""
    return MarketingEmail(tenant.locale.value, tenant.business_profile.signature)


@dataclass(frozen=True)
class Footed:
    """A marketing e-mail's parts with their footer, and the headers that go with it."""

    body: str
    html: str | None
    headers: dict[str, str]


def unsubscribe_url(base_url: str, token: str) -> str:
    """The page of ``token`` under the API's public base URL."""
    return f"{base_url.rstrip('/')}/u/{token}"


def headers(link: UnsubscribeLink) -> dict[str, str]:
    """``List-Unsubscribe`` (https first, then mailto) and ``List-Unsubscribe-Post`` (RFC 2369, 8058)."""
    targets = [link.url, *([link.mailto] if link.mailto else [])]
    return {
        "List-Unsubscribe": ", ".join(f"<{target}>" for target in targets),
        "List-Unsubscribe-Post": ONE_CLICK,
    }


def with_footer(body: str, html: str | None, email: MarketingEmail, link: UnsubscribeLink) -> Footed:
    """The e-mail's text and HTML with the signature and the unsubscribe link after the message."""
    text_footer = [
        _SEPARATOR,
        *([email.signature] if email.signature else []),
        render("unsubscribe.footer_text", email.locale, url=link.url),
    ]
    footed_body = body.rstrip() + "\n\n" + "\n".join(text_footer) + "\n"
    footed_html = None if html is None else _html_footed(html, email, link)
    return Footed(footed_body, footed_html, headers(link))


def _html_footed(html: str, email: MarketingEmail, link: UnsubscribeLink) -> str:
    invite, label = render("unsubscribe.footer", email.locale), render("unsubscribe.link", email.locale)
    signature = ""
    if email.signature:
        signature = "<p>" + "<br>".join(escape(line) for line in email.signature.splitlines()) + "</p>"
    footer = (
        f'{signature}<p style="font-size:12px;color:#666666">{escape(invite)} '
        f'<a href="{escape(link.url)}">{escape(label)}</a></p>'
    )
    found = list(_BODY_END.finditer(html))
    if not found:
        return html + footer
    end = found[-1].start()
    return html[:end] + footer + html[end:]


def masked(address: str) -> str:
    """An address shown on a page anyone holding the link sees: ``c****e@example.fr``."""
    local, at, domain = address.partition("@")
    if not at:
        return "***"
    if len(local) <= 2:
        return f"{local[:1]}***@{domain}"
    return f"{local[0]}{'*' * min(len(local) - 2, 6)}{local[-1]}@{domain}"


# --- the page ---------------------------------------------------------------------------------

_STYLE = (
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;background:#f6f6f4;"
    "color:#222;margin:0;padding:48px 16px}"
    "main{max-width:460px;margin:0 auto;background:#fff;border-radius:12px;padding:32px;"
    "box-shadow:0 1px 4px rgba(0,0,0,.08)}"
    "h1{font-size:22px;margin:0 0 16px}p{line-height:1.5}"
    "button{font-size:16px;padding:12px 20px;border:0;border-radius:8px;background:#1f4fd1;color:#fff;"
    "cursor:pointer}"
)

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; "
    f"style-src 'sha256-{base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()}'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
"""Nothing loads but the page's own style block; the form posts only to the page itself."""


@dataclass(frozen=True)
class Page:
    """An HTML page and its status."""

    status: int
    html: str


def confirmation_page(locale: str, company: str, address: str) -> Page:
    """GET: what the link does, and the button that does it (a POST: a GET never unsubscribes, so a
    link scanner opening every URL of an e-mail unsubscribes nobody)."""
    values = {"company": _text(company), "address": _text(masked(address))}
    content = (
        f"<h1>{_text(render('unsubscribe.page.title', locale))}</h1>"
        f"<p>{render('unsubscribe.page.ask', locale, **values)}</p>"
        f'<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">'
        f'<button type="submit">{_text(render("unsubscribe.page.confirm", locale))}</button></form>'
    )
    return Page(200, _document(locale, render("unsubscribe.page.title", locale), content))


def done_page(locale: str, company: str, address: str) -> Page:
    """POST: the opt-out is recorded."""
    title = render("unsubscribe.page.done_title", locale)
    values = {"company": _text(company), "address": _text(masked(address))}
    content = f"<h1>{_text(title)}</h1><p>{render('unsubscribe.page.done', locale, **values)}</p>"
    return Page(200, _document(locale, title, content))


def invalid_page(status: int) -> Page:
    """A link that proves nothing (forged, expired, of a tenant that is gone): said in French and
    English, since nothing trustworthy names the tenant's language."""
    content = "".join(
        f'<section lang="{locale}"><h1>{_text(render("unsubscribe.page.invalid_title", locale))}</h1>'
        f"<p>{_text(render('unsubscribe.page.invalid', locale))}</p></section>"
        for locale in ("fr", "en")
    )
    return Page(status, _document("fr", render("unsubscribe.page.invalid_title", "fr"), content))


def _document(locale: str, title: str, content: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="{escape(locale)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{_text(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{content}</main></body></html>"
    )


def _text(value: str) -> str:
    """``value`` escaped for an element's text (quotes and apostrophes stay as they are)."""
    return escape(value, quote=False)
