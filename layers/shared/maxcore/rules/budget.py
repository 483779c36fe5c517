"""Budget rules: usage level, weekly series, exhaustion forecast and the plain-language advice (pure)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

from maxcore.models.budget import LedgerEntry, LedgerKind, TokenAction, UsageLevel, WeeklyUsage
from maxcore.models.prospection import StepChannel
from maxcore.texts import CATALOGUE, render

WARNING_RATIO = 0.8


def ai_message_action(channel: StepChannel) -> TokenAction:
    """The priced action of a message the model writes for a step on ``channel``.

    The price list names the WhatsApp message; a message on any other channel is the cheaper
    AI-written prospection message.
    """
    return (
        TokenAction.WHATSAPP_MESSAGE if channel is StepChannel.WHATSAPP else TokenAction.SCHEDULED_AI_MESSAGE
    )


def ledger_reason(action: str, about: Mapping[str, str], locale: str) -> str:
    """Why a ledger entry moved tokens, in ``locale``, read from its action and what it was about.

    The entry keeps its key and ids, not a sentence: the reason says what they name when it can
    (``ledger.<action>.about``), else what the action is (``ledger.<action>``): an entry written
    before ``about`` was kept, or one whose ids name nothing to show, reads as its action.
    """
    key = f"ledger.{action}" if f"ledger.{action}" in CATALOGUE else "ledger.other"
    values = dict(about)
    sender = _sender_kind(about.get("sent_by", ""))
    if sender is not None:
        values["by"] = render(f"ledger.sent_by.{sender}", locale)
    if f"{key}.about" in CATALOGUE:
        try:
            return render(f"{key}.about", locale, **values)
        except KeyError:  # a value the sentence names was not kept: the action alone says it
            pass
    return render(key, locale)


def _sender_kind(sent_by: str) -> str | None:
    """What sent an automatic message (``max:campaign:<id>`` is a campaign), if the catalogue names it."""
    parts = sent_by.split(":")
    if len(parts) == 3 and parts[0] == "max" and f"ledger.sent_by.{parts[1]}" in CATALOGUE:
        return parts[1]
    return None


def spent(entries: Iterable[LedgerEntry]) -> int:
    """Tokens actually spent: committed reservations (a refund gives back only what was reserved)."""
    return sum(-e.amount for e in entries if e.kind is LedgerKind.COMMIT)


def spent_by_category(entries: Iterable[LedgerEntry]) -> dict[str, int]:
    """Committed spending per category."""
    totals: dict[str, int] = defaultdict(int)
    for entry in entries:
        if entry.kind is LedgerKind.COMMIT:
            totals[entry.category or "other"] += -entry.amount
    return dict(totals)


def weekly_usage(entries: Iterable[LedgerEntry], today: date, weeks: int = 8) -> list[WeeklyUsage]:
    """Committed spending per ISO week (Monday first), the last ``weeks`` weeks, oldest first."""
    this_monday = today - timedelta(days=today.weekday())
    starts = [this_monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    totals = dict.fromkeys(starts, 0)
    for entry in entries:
        if entry.kind is LedgerKind.COMMIT:
            day = entry.created_at.date()
            monday = day - timedelta(days=day.weekday())
            if monday in totals:
                totals[monday] += -entry.amount
    return [WeeklyUsage(week_start=start, spent=totals[start]) for start in starts]


def usage_level(spent_tokens: int, available_tokens: int) -> tuple[float, UsageLevel]:
    """Share of the period's tokens spent (spent + still available) and its alert level."""
    total = spent_tokens + available_tokens
    ratio = 1.0 if total <= 0 else spent_tokens / total
    if available_tokens <= 0 and total > 0:
        return 1.0, UsageLevel.EXHAUSTED
    if ratio >= WARNING_RATIO:
        return ratio, UsageLevel.WARNING
    return ratio, UsageLevel.OK


def forecast_exhaustion(
    balance: int, spent_tokens: int, period_start: datetime, now: datetime
) -> date | None:
    """The day the balance runs out at this period's pace, or None when nothing is being spent."""
    if balance <= 0:
        return now.date()
    elapsed_days = max((now - period_start).total_seconds() / 86400, 1.0)
    pace = spent_tokens / elapsed_days
    if pace <= 0:
        return None
    return (now + timedelta(days=math.ceil(balance / pace))).date()


def recommendation(
    by_category: dict[str, int], exhaustion: date | None, period_end: date
) -> tuple[str, dict[str, object]]:
    """The advice key of the catalogue and its values."""
    total = sum(by_category.values())
    if total == 0:
        return "budget.reco.idle", {}
    if exhaustion is not None and exhaustion < period_end:
        return "budget.reco.runs_out", {"date": exhaustion.isoformat()}
    return "budget.reco.pace_ok", {}
