"""Prices are the product's defaults unless the deployment overrides some (TOKEN_PRICES)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from maxcore.models.budget import DEFAULT_PRICES, SpendCategory, TokenAction
from maxcore.models.prospection import StepChannel
from maxcore.rules.budget import ai_message_action
from maxcore.services.budget import configured_prices
from maxcore.settings import reset_settings


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    reset_settings()
    yield
    reset_settings()


def test_the_seed_prices_are_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOKEN_PRICES", raising=False)
    prices = configured_prices()
    assert {a.value: p.cost for a, p in prices.items()} == {
        "whatsapp_message": 5,
        "lead_analysis": 2,
        "assistant_chat": 3,
        "scheduled_ai_message": 2,
    }


def test_an_override_changes_the_cost_and_keeps_the_category(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKEN_PRICES", '{"whatsapp_message": 4}')
    prices = configured_prices()
    assert prices[TokenAction.WHATSAPP_MESSAGE].cost == 4
    assert prices[TokenAction.WHATSAPP_MESSAGE].category is SpendCategory.MESSAGING
    assert prices[TokenAction.LEAD_ANALYSIS] == DEFAULT_PRICES[TokenAction.LEAD_ANALYSIS]


@pytest.mark.parametrize("raw", ['{"teleport": 1}', '{"ai_call": 80}', '{"lead_analysis": -1}'])
def test_a_bad_override_fails_loudly(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("TOKEN_PRICES", raw)
    with pytest.raises(ValueError):  # noqa: PT011
        configured_prices()


@pytest.mark.parametrize(
    ("channel", "action"),
    [
        (StepChannel.WHATSAPP, TokenAction.WHATSAPP_MESSAGE),
        (StepChannel.SMS, TokenAction.SCHEDULED_AI_MESSAGE),
        (StepChannel.EMAIL, TokenAction.SCHEDULED_AI_MESSAGE),
        (StepChannel.TELEGRAM, TokenAction.SCHEDULED_AI_MESSAGE),
    ],
)
def test_a_message_the_model_writes_is_priced_by_its_channel(
    channel: StepChannel, action: TokenAction
) -> None:
    assert ai_message_action(channel) is action
