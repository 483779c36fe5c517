"""Prices are the product's defaults unless the deployment overrides some (TOKEN_PRICES)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import maxcore
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
        "automation_setup": 8,
        "auto_followup": 15,
        "lead_analysis": 2,
        "assistant_chat": 3,
        "scheduled_ai_message": 2,
        "suggested_reply": 2,
        "auto_reply": 3,
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


def _service_nodes() -> Iterator[ast.AST]:
    services = Path(maxcore.__file__).parent / "services"
    for module in sorted(services.glob("*.py")):
        yield from ast.walk(ast.parse(module.read_text(encoding="utf-8")))


def test_every_action_of_the_price_list_is_charged_by_a_service() -> None:
    # Given the actions the services name, and the ones a model-written step is charged as
    nodes = list(_service_nodes())
    charged = {
        TokenAction[node.attr]
        for node in nodes
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "TokenAction"
    }
    if any(
        isinstance(node, ast.Call) and getattr(node.func, "id", None) == "ai_message_action" for node in nodes
    ):
        charged |= {ai_message_action(channel) for channel in StepChannel if not channel.is_manual}
    # Then every listed action has a place that charges it: the list shows only what is charged
    assert set(DEFAULT_PRICES) <= charged
