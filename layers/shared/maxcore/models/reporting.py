"""Per-channel analytics and the dashboard's reporting overview, as the API shows them.

Both are read from counters the write paths keep (a day's facts per channel, a month's per template)
and from the open-alert index, never from the leads themselves. Rates are shares between 0 and 1
rounded to four decimals, 0.0 when nothing was sent.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from maxcore.models.common import LazyModel


class ChannelStats(LazyModel):
    """What one channel did over the period."""

    channel: str = Field(
        description="`sms`, `whatsapp`, `email`, `telegram`; `none` for conversions of leads never messaged."
    )
    sent: int = Field(description="Messages the provider took.")
    delivered: int = Field(description="Of the messages sent in the period, those that reached the lead.")
    read: int = Field(
        description="Of the messages sent in the period, those opened (e-mail) or read (WhatsApp, Telegram)."
    )
    bounced: int = Field(
        description="Of the messages sent in the period, those bounced, undelivered or failed."
    )
    replied: int = Field(description="Replies a person wrote (opt-outs, absence notices and machines aside).")
    reply_rate: float = Field(description="`replied` / `sent`.")
    positive_replied: int = Field(
        description="Of the replies, those with interest, a meeting asked for or a question."
    )
    unsubscribed: int = Field(description="Opt-outs received on the channel.")
    out_of_office: int = Field(description="Absence notices received on the channel.")
    median_reply_seconds: int | None = Field(
        description=(
            "Median time between our last message and a person's reply, as the upper bound of the "
            "histogram bucket that holds it (5 min, 15 min, 30 min, 1 h, 2 h, 4 h, 8 h, 12 h, 1 d, 2 d, "
            "3 d, 7 d, 14 d); null without replies."
        )
    )
    conversions: int = Field(description="Leads converted whose latest message was on this channel.")


class ChannelReport(LazyModel):
    """Per-channel figures over a period of the tenant's days."""

    first_day: date = Field(description="The period's first day (`from`), in the tenant's time zone.")
    last_day: date = Field(description="Its last day (`to`), included.")
    timezone: str
    channels: list[ChannelStats] = Field(description="The channels with any fact in the period, by name.")


class WaitingLead(LazyModel):
    """A lead an open alert names."""

    lead_id: str
    name: str
    alert_type: str
    since: str = Field(description="When the alert opened (ISO 8601, UTC).")


class LeadsWaiting(LazyModel):
    """Leads an alert says are waiting, counted, with the first of them."""

    count: int
    label: str = Field(description='The count in words, in the tenant\'s language ("12 leads non relancés").')
    leads: list[WaitingLead] = Field(description="The first ones, most urgent then oldest first.")


class WeekMessages(LazyModel):
    """Messages sent this week against last week (the tenant's weeks, Monday to Sunday)."""

    this_week: int = Field(description="From Monday to today.")
    last_week: int = Field(description="The whole week before.")
    last_week_to_date: int = Field(description="Last week from Monday to the same weekday as today.")
    change: float | None = Field(
        description="`this_week / last_week_to_date - 1`, four decimals; null when last week had none yet."
    )


class TokensSpent(LazyModel):
    """The token budget of the current period."""

    period: str = Field(description="YYYY-MM.")
    spent: int = Field(description="Tokens committed since the period began.")
    balance: int
    allowance: int


class BestTemplate(LazyModel):
    """The template with the best positive-reply rate of the month."""

    template_id: str
    name: str | None = Field(
        description=(
            "The template's name; a built-in deleted since keeps the library's name in the tenant's"
            " language; null for a template of the tenant's own deleted since."
        )
    )
    sent: int
    positive_replied: int
    positive_reply_rate: float
    min_sent: int = Field(description="Messages a template needs in the month to be ranked.")


class BackfillState(LazyModel):
    """Where the backfill of a tenant's counters stands."""

    cutover: datetime = Field(description="Facts recorded before it are the backfill's to count.")
    progress: str = Field(description="`start`, `<lead>:<n>` or `<lead>:done` (every lead before it done).")
    leads: int = Field(description="Leads whose history was counted.")
    started_at: datetime
    finished_at: datetime | None = None


class ReportingOverview(LazyModel):
    """The dashboard's headline figures."""

    today: date = Field(description="Today in the tenant's time zone.")
    not_followed_up: LeadsWaiting = Field(description="Open NoFollowup7d and NoReply3d alerts.")
    hot_leads_waiting: LeadsWaiting = Field(
        description="Open HotLead24h alerts: hot replies not answered yet."
    )
    messages: WeekMessages
    tokens: TokensSpent
    best_template_of_month: BestTemplate | None = Field(
        description="Null when no template sent enough messages this month to tell."
    )
