"""What each kind of export holds: its columns, in order, and the row each record becomes.

Pure: the service reads the records page by page and writes each row as
:mod:`maxcore.rules.csv_export` says. Column names are keys of the text catalogue
(``export.column.<name>``), so the header is in the tenant's language; the cells keep the API's
codes (``new``, ``replied``...), which a filter or a formula can rely on.
"""

from __future__ import annotations

from maxcore.models.activity import Activity
from maxcore.models.analytics import StepStat
from maxcore.models.export import ExportKind
from maxcore.models.lead import Lead
from maxcore.models.prospection import ProspectResponse
from maxcore.rules.csv_export import Cell
from maxcore.texts import render

COLUMNS: dict[ExportKind, tuple[str, ...]] = {
    ExportKind.LEADS: (
        "lead_id",
        "first_name",
        "last_name",
        "company",
        "email",
        "phone",
        "status",
        "tags",
        "source",
        "created_at",
        "last_contact_at",
        "last_reply_at",
    ),
    ExportKind.PROSPECTS: (
        "lead_id",
        "lead_name",
        "prospect_status",
        "step",
        "steps_total",
        "next_action_at",
        "last_reply_at",
        "reply_kind",
        "last_decision",
        "enrolled_at",
    ),
    ExportKind.INTERACTIONS: (
        "occurred_at",
        "lead_id",
        "lead_name",
        "channel",
        "direction",
        "activity_status",
        "intent",
        "preview",
    ),
    ExportKind.ANALYTICS: (
        "scenario_version",
        "step",
        "channel",
        "sent",
        "replied",
        "reply_rate",
        "positive_replied",
        "positive_reply_rate",
        "opted_out",
    ),
}


def header(kind: ExportKind, locale: str) -> list[str]:
    """The column titles of ``kind`` in ``locale``."""
    return [render(f"export.column.{name}", locale) for name in COLUMNS[kind]]


def lead_row(lead: Lead) -> tuple[Cell, ...]:
    """A lead as a row of a ``leads`` export."""
    return (
        lead.id,
        lead.first_name,
        lead.last_name,
        lead.company,
        lead.email,
        lead.phone,
        lead.status,
        lead.tags,
        lead.source,
        lead.created_at,
        lead.summary.last_contact_at,
        lead.summary.last_inbound_at,
    )


def prospect_row(prospect: ProspectResponse) -> tuple[Cell, ...]:
    """A campaign's prospect as a row of a ``prospects`` export."""
    decision = prospect.last_decision
    return (
        prospect.lead_id,
        prospect.lead_name,
        prospect.status,
        prospect.current_step,
        prospect.steps_total,
        prospect.next_action_at,
        prospect.replied_at,
        prospect.reply_kind,
        None if decision is None else decision.reason,
        prospect.enrolled_at,
    )


def interaction_row(activity: Activity, lead_name: str) -> tuple[Cell, ...]:
    """An activity as a row of an ``interactions`` export."""
    return (
        activity.occurred_at,
        activity.lead_id,
        lead_name,
        activity.channel,
        activity.direction,
        activity.status,
        activity.intent,
        activity.preview,
    )


def analytics_row(stat: StepStat) -> tuple[Cell, ...]:
    """A scenario step's figures as a row of an ``analytics`` export."""
    return (
        stat.scenario_version,
        stat.step,
        stat.channel,
        stat.sent,
        stat.replied,
        stat.reply_rate,
        stat.positive_replied,
        stat.positive_reply_rate,
        stat.opted_out,
    )
