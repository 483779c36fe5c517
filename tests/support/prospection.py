"""Prospection set-ups the tests share, through the Prospection API."""

from __future__ import annotations

from typing import Any

from tests.support.api import ApiClient

WORKING_HOURS = {"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "18:00"}
"""A send window of Monday to Friday, 09:00 to 18:00."""


def enrolled_campaign(
    api: ApiClient, name: str, scenario_id: str, lead_id: str, send_window: dict[str, Any] = WORKING_HOURS
) -> str:
    """A campaign of ``scenario_id`` in ``send_window`` (Europe/Paris) with ``lead_id`` enrolled; its id."""
    campaign = api.post(
        "/campaigns",
        {"name": name, "scenario_id": scenario_id, "send_window": send_window, "timezone": "Europe/Paris"},
    )
    assert campaign.status == 201, campaign.body
    enrolled = api.post(f"/campaigns/{campaign.body['id']}/prospects", {"lead_ids": [lead_id]})
    assert enrolled.status == 200, enrolled.body
    assert len(enrolled.body["accepted"]) == 1, enrolled.body
    return str(campaign.body["id"])
