"""Prospection analytics as the API shows them: the overview, the funnel, steps and top messages.

Rates are shares between 0 and 1, rounded to four decimals (``0.1234`` is 12.34 %), and 0.0 when
there is nothing to divide by.
"""

from __future__ import annotations

from pydantic import Field

from maxcore.models.common import LazyModel


class Overview(LazyModel):
    """The headline numbers of a tenant's (or a campaign's) prospection."""

    prospects: int = Field(description="Enrollments not removed.")
    contacted: int = Field(description="Prospects who got at least one message (manual steps aside).")
    interactions: int = Field(description="Steps that reached a prospect, manual ones included.")
    replied: int = Field(description="Prospects a person answered for (opt-outs and absence notices aside).")
    reply_rate: float = Field(description="Share of the contacted prospects a person answered for.")
    positive_replied: int = Field(
        description="Prospects who answered with interest, a meeting or a question."
    )
    positive_reply_rate: float = Field(description="Share of the contacted prospects who replied positively.")
    declined: int = Field(description="Prospects who declined (counted in `replied`).")
    opted_out: int = Field(description="Prospects who asked to hear no more (not counted in `replied`).")
    out_of_office: int = Field(description="Prospects whose absence notice paused their sequence.")
    opened: int = Field(
        description="The campaigns' messages opened (e-mail) or read (WhatsApp, Telegram), as reported."
    )
    bounced: int = Field(description="The campaigns' messages bounced or undelivered, as reported.")
    active_campaigns: int


class FunnelStage(LazyModel):
    """One stage of the funnel."""

    stage: str = Field(description="`enrolled`, `contacted`, `replied`, `meeting` or `converted`.")
    count: int
    rate_from_previous: float | None = Field(description="Share of the previous stage; null for the first.")


class Funnel(LazyModel):
    """The prospection funnel, each stage a subset of the one before."""

    stages: list[FunnelStage]
    positive_replied: int = Field(description="Contacted prospects who replied positively (in `replied`).")
    opted_out: int = Field(description="Contacted prospects who asked to hear no more (not in `replied`).")
    out_of_office: int = Field(description="Contacted prospects whose absence notice paused their sequence.")


class StepStat(LazyModel):
    """Sends and replies of one step of one scenario version."""

    campaign_id: str | None = Field(description="The campaign, or null for all campaigns together.")
    scenario_id: str
    scenario_version: int
    step: int
    channel: str
    sent: int
    replied: int = Field(description="Replies a person wrote after this step and before the next one.")
    reply_rate: float
    positive_replied: int = Field(description="Of those, the positive ones (interest, meeting, question).")
    positive_reply_rate: float
    opted_out: int = Field(description="Opt-outs after this step (not counted in `replied`).")


class TemplateStat(LazyModel):
    """Sends and replies of the messages of one template, or of one source without template."""

    template_id: str | None = Field(description="The template; null for AI-written and default messages.")
    source: str = Field(description="`ai`, `template` or `default`.")
    sent: int
    replied: int
    reply_rate: float


class StepsReport(LazyModel):
    """What each step and each message source brings in."""

    steps: list[StepStat]
    templates: list[TemplateStat]


class TopMessage(LazyModel):
    """One step message (a step, written by one source or template) and its reply rate."""

    scenario_id: str
    scenario_version: int
    step: int
    channel: str
    source: str
    template_id: str | None
    objective: str | None = Field(description="The step's objective, when the scenario version is known.")
    sent: int
    replied: int
    reply_rate: float


class TopMessages(LazyModel):
    """The step messages with the best reply rates, among those sent often enough to tell."""

    items: list[TopMessage]
    min_sent: int = Field(description="Sends a message needs to be ranked.")
