"""How a business-initiated WhatsApp message may go (pure: ``now`` is a parameter).

WhatsApp lets a business write free text only within 24 hours of the person's last message (the
customer-service window). Outside it, only a template Meta approved may be sent, through its Twilio
Content SID with the values of its variables. :func:`whatsapp_route` is the one place that decides;
the channel rules (and through them the scheduler, the automations, the schedule preview and the
messages API) all ask it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from maxcore.models.template import TemplateContent, WhatsAppApproval, WhatsAppContent
from maxcore.rules.templates import placeholders, render

WHATSAPP_SESSION = timedelta(hours=24)
"""WhatsApp's customer-service window: free-form messages only within 24 h of the lead's last message."""


class Route(StrEnum):
    """How a WhatsApp message goes out."""

    FREE_TEXT = "free_text"
    TEMPLATE = "template"
    SKIP = "skip"


@dataclass(frozen=True)
class WhatsAppRoute:
    """The route, with the Content SID of a template send or the code and sentence of a skip."""

    route: Route
    content_sid: str | None = None
    code: str | None = None
    message: str | None = None


_SKIPS: dict[WhatsAppApproval | None, tuple[str, str]] = {
    None: (
        "whatsapp_window_closed",
        "the lead has not written on WhatsApp in the last 24 hours and the message has no approved "
        "WhatsApp template (Twilio Content) to go as",
    ),
    WhatsAppApproval.PENDING: (
        "whatsapp_template_pending",
        "outside WhatsApp's 24-hour window the template must be approved, and its approval is still pending",
    ),
    WhatsAppApproval.REJECTED: (
        "whatsapp_template_rejected",
        "outside WhatsApp's 24-hour window the template must be approved, and it was rejected",
    ),
}


def whatsapp_window_open(last_inbound: datetime | None, now: datetime) -> bool:
    """True when the lead wrote on WhatsApp within the last 24 hours."""
    return last_inbound is not None and now - last_inbound < WHATSAPP_SESSION


def whatsapp_route(
    last_inbound: datetime | None, now: datetime, template: WhatsAppContent | None
) -> WhatsAppRoute:
    """How a WhatsApp message to a lead may go now.

    Parameters
    ----------
    last_inbound
        When the lead last wrote on WhatsApp, if ever.
    now
        The instant of the send (or of the run a preview replays).
    template
        The Twilio Content of the active WhatsApp template the message is written from, if any.

    Returns
    -------
    WhatsAppRoute
        Free text inside the window; outside it, the approved template's Content SID, or a skip
        whose code says why (no template, pending, rejected).
    """
    if whatsapp_window_open(last_inbound, now):
        return WhatsAppRoute(Route.FREE_TEXT)
    if template is not None and template.state is WhatsAppApproval.APPROVED:
        return WhatsAppRoute(Route.TEMPLATE, content_sid=template.content_sid)
    code, message = _SKIPS[None if template is None else template.state]
    return WhatsAppRoute(Route.SKIP, code=code, message=message)


_TWILIO_STATES = {
    "approved": WhatsAppApproval.APPROVED,
    "rejected": WhatsAppApproval.REJECTED,
    "paused": WhatsAppApproval.REJECTED,
    "disabled": WhatsAppApproval.REJECTED,
}


def approval_state(twilio_status: str) -> WhatsAppApproval:
    """Our approval state for the WhatsApp status Twilio's Content API gives.

    ``approved`` may go; ``rejected``, and the ``paused`` or ``disabled`` of a template Meta took out
    of use, may not; anything else (``received``, ``pending``, ``unsubmitted``) is still pending.
    """
    return _TWILIO_STATES.get(twilio_status.strip().lower(), WhatsAppApproval.PENDING)


def content_variable_names(body: str) -> dict[str, str]:
    """Twilio Content variables (``"1"``, ``"2"``...) to the body's placeholder names, in order of
    first appearance."""
    names = dict.fromkeys(p.name for p in placeholders(body))
    return {str(number): name for number, name in enumerate(names, start=1)}


def content_variables(body: str, values: Mapping[str, str]) -> dict[str, str]:
    """The value of each Content variable, filled as the body's placeholders are (value, else fallback)."""
    first: dict[str, str] = {}
    for placeholder in placeholders(body):
        first.setdefault(placeholder.name, placeholder.text)
    return {
        number: render(TemplateContent(body=first[name]), values).body
        for number, name in content_variable_names(body).items()
    }
