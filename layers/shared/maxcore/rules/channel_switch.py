"""A reply from the inbox, on the conversation's channel or on another one (pure).

The conversation's channel is the one the lead last wrote on. A reply on another channel keeps
one thread: the lead first reads a short transition naming where the conversation came from
(the omnichannel document's context switching), in the tenant's language and with the lead's name.
"""

from __future__ import annotations

import re
from datetime import datetime
from html import escape

from maxcore.models.common import Channel
from maxcore.models.lead import LeadSummary
from maxcore.rules.whatsapp import whatsapp_window_open
from maxcore.texts import render

_CHANNELS = frozenset(channel.value for channel in Channel)
_BODY_START = re.compile(r"<body\b[^>]*>", re.IGNORECASE)


def conversation_channel(summary: LeadSummary) -> Channel | None:
    """The channel of the lead's last inbound message; ``None`` when the lead never wrote."""
    wrote = {channel: at for channel, at in summary.last_inbound_by_channel.items() if channel in _CHANNELS}
    if not wrote:
        return None
    return Channel(max(wrote, key=wrote.__getitem__))


def transition(first_name: str | None, origin: Channel, target: Channel, locale: str) -> str:
    """The sentence that opens a reply moved from ``origin`` to ``target``.

    Parameters
    ----------
    first_name
        The lead's first name, if known (the greeting then names the lead).
    origin
        The conversation's channel, where the exchange came from.
    target
        The channel the reply goes out on.
    locale
        The tenant's language: ``fr`` (the default) or ``en``.

    Returns
    -------
    str
        For instance "Bonjour Sophie, je poursuis notre échange de WhatsApp par e-mail."
    """
    values = {
        "origin": render(f"inbox_reply.origin.{origin.value}", locale),
        "via": render(f"channel.{target.value}.via", locale),
    }
    name = (first_name or "").strip()
    if name:
        return render("inbox_reply.transition.named", locale, name=name, **values)
    return render("inbox_reply.transition", locale, **values)


def transition_goes(target: Channel, summary: LeadSummary, now: datetime) -> bool:
    """Whether a switch to ``target`` may open with its transition now.

    The transition is free text. On WhatsApp, outside the 24-hour window since the lead last wrote
    there, only an approved template may go: the reply then goes alone, without the transition.
    """
    if target is not Channel.WHATSAPP:
        return True
    return whatsapp_window_open(summary.last_inbound_by_channel.get(Channel.WHATSAPP.value), now)


def opened(body: str, html: str | None, opening: str) -> tuple[str, str | None]:
    """An e-mail's text and HTML with ``opening`` as their first paragraph.

    In HTML the opening is escaped into a paragraph of its own, inside ``<body>`` when the HTML is a
    whole document, else before everything.
    """
    text = f"{opening}\n\n{body}"
    if html is None:
        return text, None
    start = _BODY_START.search(html)
    at = 0 if start is None else start.end()
    return text, f"{html[:at]}<p>{escape(opening)}</p>{html[at:]}"
