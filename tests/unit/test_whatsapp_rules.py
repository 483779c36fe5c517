"""How a WhatsApp message may go: free text in the 24-hour window, else an approved template's
Twilio Content, else not at all and why; and how a template's placeholders become Content variables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from maxcore.models.template import WhatsAppApproval, WhatsAppContent
from maxcore.rules.whatsapp import (
    Route,
    approval_state,
    content_variable_names,
    content_variables,
    whatsapp_route,
)

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SID = "HX" + "ab" * 16


def _content(state: WhatsAppApproval) -> WhatsAppContent:
    return WhatsAppContent(content_sid=SID, state=state, updated_at=NOW)


@pytest.mark.parametrize(
    ("wrote", "template", "route", "code"),
    [
        # In the window: free text, whatever the template
        (timedelta(hours=1), None, Route.FREE_TEXT, None),
        (timedelta(hours=23), WhatsAppApproval.REJECTED, Route.FREE_TEXT, None),
        (timedelta(hours=23), WhatsAppApproval.APPROVED, Route.FREE_TEXT, None),
        # Out of the window: only an approved template
        (None, None, Route.SKIP, "whatsapp_window_closed"),
        (timedelta(hours=24), None, Route.SKIP, "whatsapp_window_closed"),
        (timedelta(days=3), WhatsAppApproval.PENDING, Route.SKIP, "whatsapp_template_pending"),
        (timedelta(days=3), WhatsAppApproval.REJECTED, Route.SKIP, "whatsapp_template_rejected"),
        (None, WhatsAppApproval.APPROVED, Route.TEMPLATE, None),
    ],
)
def test_whatsapp_goes_as_free_text_in_the_window_else_only_as_an_approved_template(
    wrote: timedelta | None, template: WhatsAppApproval | None, route: Route, code: str | None
) -> None:
    last_inbound = None if wrote is None else NOW - wrote
    decided = whatsapp_route(last_inbound, NOW, None if template is None else _content(template))
    assert decided.route is route
    assert decided.code == code
    assert decided.content_sid == (SID if route is Route.TEMPLATE else None)
    assert (decided.message is None) is (route is not Route.SKIP)


def test_placeholders_map_to_content_variables_in_order_of_first_appearance() -> None:
    body = "Bonjour {{firstName|vous}}, {{companyName}} vous écrit. À bientôt {{firstName}} !"
    assert content_variable_names(body) == {"1": "firstName", "2": "companyName"}
    assert content_variable_names("Merci !") == {}


def test_content_variables_take_the_values_else_the_fallback_of_the_first_use() -> None:
    body = "Bonjour {{firstName|Madame, Monsieur}}, {{companyName}} vous remercie."
    assert content_variables(body, {"firstName": "Camille", "companyName": "Atelier"}) == {
        "1": "Camille",
        "2": "Atelier",
    }
    assert content_variables(body, {"companyName": "Atelier"}) == {"1": "Madame, Monsieur", "2": "Atelier"}


@pytest.mark.parametrize(
    ("twilio", "state"),
    [
        ("approved", WhatsAppApproval.APPROVED),
        ("APPROVED", WhatsAppApproval.APPROVED),
        ("rejected", WhatsAppApproval.REJECTED),
        ("paused", WhatsAppApproval.REJECTED),
        ("disabled", WhatsAppApproval.REJECTED),
        ("received", WhatsAppApproval.PENDING),
        ("pending", WhatsAppApproval.PENDING),
        ("unsubmitted", WhatsAppApproval.PENDING),
        ("", WhatsAppApproval.PENDING),
    ],
)
def test_twilios_status_maps_onto_three_states_and_only_approved_may_go(
    twilio: str, state: WhatsAppApproval
) -> None:
    assert approval_state(twilio) is state
