"""The token budget: plans, priced actions, reservations and the ledger that explains every change."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from maxcore.models.common import LazyModel, Line, StrictModel, Ulid
from maxcore.models.prospection import MessageSource, StepChannel
from maxcore.models.tenant import Mode, Plan

PLAN_ALLOWANCE: dict[Plan, int] = {Plan.STANDARD: 100, Plan.PRO: 500, Plan.STUDIO: 1500}
"""Tokens a plan grants each month (product vision: Standard 100, Pro 500, Studio 1500)."""

PACK_SIZE = 500
"""Tokens one extra pack adds, at once."""


class SpendCategory(StrEnum):
    """How spending is broken down on the budget page."""

    MESSAGING = "messaging"
    AUTOMATION = "automation"
    ANALYSIS = "analysis"
    ASSISTANT = "assistant"


class TokenAction(StrEnum):
    """An AI action that spends tokens: only what the code charges where it happens (README)."""

    WHATSAPP_MESSAGE = "whatsapp_message"
    """A WhatsApp message written by the model (a prospection step on WhatsApp)."""
    AUTOMATION_SETUP = "automation_setup"
    """An automation set up (created), once per automation."""
    AUTO_FOLLOWUP = "auto_followup"
    """A follow-up the product sends on its own: a sequence step or an automation's send in auto mode."""
    LEAD_ANALYSIS = "lead_analysis"
    """The model's second opinion on a reply's intent."""
    ASSISTANT_CHAT = "assistant_chat"
    """One turn of the assistant."""
    SCHEDULED_AI_MESSAGE = "scheduled_ai_message"
    """A prospection message on another channel written by the model."""
    SUGGESTED_REPLY = "suggested_reply"
    """A reply to a lead's message proposed by the model for a rep to edit and send."""
    AUTO_REPLY = "auto_reply"
    """An answer the model wrote from the tenant's FAQ and M.A.X. sent on its own (auto mode)."""


class ActionPrice(LazyModel):
    """What an action costs and where its spending is counted."""

    cost: int = Field(ge=0)
    category: SpendCategory


DEFAULT_PRICES: dict[TokenAction, ActionPrice] = {
    # The product vision's MVP costs, for the actions of its list that this back end performs.
    TokenAction.WHATSAPP_MESSAGE: ActionPrice(cost=5, category=SpendCategory.MESSAGING),
    TokenAction.AUTOMATION_SETUP: ActionPrice(cost=8, category=SpendCategory.AUTOMATION),
    TokenAction.AUTO_FOLLOWUP: ActionPrice(cost=15, category=SpendCategory.AUTOMATION),
    TokenAction.LEAD_ANALYSIS: ActionPrice(cost=2, category=SpendCategory.ANALYSIS),
    # Ours: one assistant turn, one AI-written prospection message on another channel than WhatsApp.
    TokenAction.ASSISTANT_CHAT: ActionPrice(cost=3, category=SpendCategory.ASSISTANT),
    TokenAction.SCHEDULED_AI_MESSAGE: ActionPrice(cost=2, category=SpendCategory.MESSAGING),
    # A reply proposed to a rep; an answer written and sent alone costs more, like a follow-up.
    TokenAction.SUGGESTED_REPLY: ActionPrice(cost=2, category=SpendCategory.MESSAGING),
    TokenAction.AUTO_REPLY: ActionPrice(cost=3, category=SpendCategory.MESSAGING),
}


class LedgerKind(StrEnum):
    """A step of the ledger."""

    RESERVE = "reserve"
    COMMIT = "commit"
    REFUND = "refund"
    RESET = "reset"
    PACK = "pack"


class ReservationState(StrEnum):
    """Where a reservation stands; it leaves ``reserved`` exactly once."""

    RESERVED = "reserved"
    COMMITTED = "committed"
    REFUNDED = "refunded"


class Reservation(LazyModel):
    """Tokens set aside for one action before it runs."""

    id: str = Field(description="A ULID, or `<action>:<key>` for an action charged once per key.")
    action: TokenAction
    category: SpendCategory
    cost: int
    mode: Mode
    about: dict[str, str] = Field(
        default_factory=dict,
        description="What the action is about: its key and ids (the reason is read from them).",
    )
    state: ReservationState
    created_at: datetime
    settled_at: datetime | None = None


class LedgerEntry(LazyModel):
    """One change of the budget, with why it happened and what came of it."""

    id: Ulid
    kind: LedgerKind
    action: str
    category: str | None = None
    amount: int = Field(description="Tokens moved: negative when taken from the balance.")
    mode: str
    about: dict[str, str] = Field(default_factory=dict)
    """What the action was about (its key and ids); empty for an entry written before they were kept."""
    outcome: str
    reservation_id: str | None = None
    created_at: datetime


class LedgerLine(LazyModel):
    """One change of the budget as the ledger page shows it: why, in the tenant's language."""

    id: Ulid
    kind: LedgerKind
    action: str = Field(description="What spent or granted the tokens (`auto_followup`, `pack`...).")
    category: str | None = None
    amount: int = Field(description="Tokens moved: negative when taken from the balance.")
    mode: str
    reason: str = Field(description="Why, in the tenant's language, read from what the entry is about.")
    about: dict[str, str] = Field(description="What the action was about: its key and ids.")
    outcome: str = Field(
        description="What the action came to, as a code (`succeeded`, `sent`, `granted`...)."
    )
    reservation_id: str | None = None
    created_at: datetime


class LedgerPage(LazyModel):
    """A month's ledger, newest first, one page."""

    month: str = Field(description="YYYY-MM (UTC, like the budget's period).")
    entries: list[LedgerLine]
    next_cursor: str | None = Field(
        description="Give it back as `cursor` for the next page; null on the last."
    )


class Budget(LazyModel):
    """A tenant's tokens now."""

    balance: int = Field(description="Tokens available for new actions.")
    reserved: int = Field(description="Tokens set aside for actions still running.")
    allowance: int = Field(description="Tokens the plan grants each month.")
    pack_tokens: int = Field(default=0, description="Tokens left from packs; they carry over a reset.")
    period: str = Field(description="The month the balance belongs to, YYYY-MM.")
    spent: int = Field(default=0, description="Tokens committed since the period began.")


class CostQuote(LazyModel):
    """What an action would cost, shown before it runs (a dry run)."""

    action: TokenAction
    cost: int
    balance: int
    balance_after: int
    affordable: bool


class StepCost(LazyModel):
    """What one step of a campaign costs over the coming days."""

    step: int
    channel: StepChannel
    source: MessageSource | None = Field(
        description="Where its message would come from (null: nothing can write it, it becomes a task)."
    )
    due: int = Field(description="Prospects that reach the step in the period.")
    unit_cost: int = Field(
        description="Tokens one prospect's step costs: the model writing it, plus the automatic follow-up "
        "in auto mode."
    )
    cost: int


class CampaignCost(LazyModel):
    """A campaign's AI token cost over its next 7 days, against the balance, before it runs."""

    campaign_id: str
    since: datetime
    until: datetime
    steps: list[StepCost] = Field(description="Per step, channel and message source, in step order.")
    cost: int = Field(description="Tokens the period's steps would spend.")
    balance: int
    affordable: bool = Field(description="Whether the balance covers the cost.")


class QuoteRequest(StrictModel):
    """Ask what an action would cost."""

    action: TokenAction


class AddPackRequest(StrictModel):
    """Add packs of tokens (admin)."""

    packs: int = Field(default=1, ge=1, le=20)
    reason: Annotated[Line, StringConstraints(min_length=1, max_length=200)] | None = Field(
        default=None, description="The admin's note, shown as written in the ledger."
    )


class UsageLevel(StrEnum):
    """How much of the month's tokens is spent."""

    OK = "ok"
    WARNING = "warning_80"
    EXHAUSTED = "exhausted_100"


class WeeklyUsage(LazyModel):
    """Tokens spent in one ISO week."""

    week_start: date
    spent: int


class BudgetReport(LazyModel):
    """The budget page: where the tokens stand, went, and will run out."""

    balance: int
    reserved: int
    allowance: int
    pack_tokens: int
    period: str
    spent_this_period: int
    spent_by_category: dict[str, int]
    weekly_usage: list[WeeklyUsage]
    used_ratio: float
    usage_level: UsageLevel
    usage_alert: str | None
    forecast_exhaustion_date: date | None
    recommendation: str
    prices: dict[str, ActionPrice]
