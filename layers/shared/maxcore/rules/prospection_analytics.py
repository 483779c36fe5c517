"""Prospection analytics: the overview, the funnel, the steps and the best messages (pure).

Aggregations over the enrollments (each keeps the steps that reached its lead in ``sent``, and when
the lead replied, ``replied_at`` and ``replied_step``, the last step sent before the reply), the
campaigns and the leads; the caller reads them and passes them in, filtered to a campaign or not.

Definitions shared by the reports:

- a *prospect* is an enrollment not removed; a lead enrolled in two campaigns is two prospects;
- *contacted* means at least one step of a messaging channel reached the prospect: a LinkedIn or call
  task alone is no message we can measure a reply rate on;
- a *reply* is a message a person wrote that ended the sequence (``replied_at``), of the kind
  :mod:`maxcore.rules.replies` gave it (``reply_kind``): the reply rate counts the people who
  answered (hot, neutral, declines, and replies recorded before replies had a kind), never an
  opt-out; the positive-reply rate counts hot replies (interested, a meeting asked for, a question);
  opt-outs and out-of-office notices (``out_of_office_at``, which pause and never end a sequence)
  are counted apart;
- a reply counts for the step it followed (``replied_step``), through that step's last ``sent``
  entry: its channel, its source and its template. A reply whose step has no ``sent`` entry (which
  a consistent enrollment never has) is left out rather than counted against nothing;
- rates are shares between 0 and 1 rounded to four decimals, 0.0 when nothing was sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from maxcore.models.analytics import (
    Funnel,
    FunnelStage,
    Overview,
    StepsReport,
    StepStat,
    TemplateStat,
    TopMessage,
    TopMessages,
)
from maxcore.models.intent import Intent, ReplyKind
from maxcore.models.lead import Lead, LeadStatus
from maxcore.models.prospection import (
    Campaign,
    CampaignStatus,
    Enrollment,
    EnrollmentStatus,
    MessageSource,
    Scenario,
    SentStep,
)
from maxcore.rules.reporting import BOUNCED, READ, rate

MEETING_INTENT = Intent.MEETING_REQUEST
"""The reply intent that counts as a meeting asked for."""

MEETING_STATUSES = frozenset({LeadStatus.QUALIFIED, LeadStatus.PROPOSAL, LeadStatus.CONVERTED})
"""Lead statuses that mean the conversation went past a first reply (a meeting at least)."""

FUNNEL_STAGES: tuple[str, ...] = ("enrolled", "contacted", "replied", "meeting", "converted")


def _is_prospect(enrollment: Enrollment) -> bool:
    return enrollment.status is not EnrollmentStatus.REMOVED


def _was_contacted(enrollment: Enrollment) -> bool:
    return any(not sent.channel.is_manual for sent in enrollment.sent)


def _answered(enrollment: Enrollment) -> bool:
    """A person answered (an opt-out is no answer the reply rate counts)."""
    return enrollment.replied_at is not None and enrollment.reply_kind is not ReplyKind.OPT_OUT


def _positive(enrollment: Enrollment) -> bool:
    return enrollment.replied_at is not None and enrollment.reply_kind is ReplyKind.HOT


def _opted_out(enrollment: Enrollment) -> bool:
    return enrollment.replied_at is not None and enrollment.reply_kind is ReplyKind.OPT_OUT


def _replied_after(enrollment: Enrollment) -> SentStep | None:
    """The ``sent`` entry the enrollment's reply answered, or None without a reply."""
    if enrollment.replied_at is None or enrollment.replied_step is None:
        return None
    candidates = [s for s in enrollment.sent if s.step == enrollment.replied_step]
    before = [s for s in candidates if s.at <= enrollment.replied_at]
    # A step sent twice (a retried send): the reply answers the last one before it.
    pool = before or candidates
    return max(pool, key=lambda s: s.at) if pool else None


def overview(
    enrollments: Iterable[Enrollment],
    campaigns: Iterable[Campaign],
    deliveries: Mapping[str, Mapping[str, int]] | None = None,
) -> Overview:
    """The headline numbers of the prospection.

    Parameters
    ----------
    enrollments
        The enrollments to count (removed ones are left out of every number).
    campaigns
        The campaigns, for the count of active ones and of their messages' opens and bounces.
    deliveries
        What the providers reported of each campaign's messages, by campaign id (the reporting
        counters: ``read``, ``bounced``); a campaign absent had none.

    Returns
    -------
    Overview
        ``prospects``: enrollments not removed; ``contacted``: those a messaging step reached;
        ``interactions``: every ``sent`` entry of the prospects, manual steps included; ``replied``:
        prospects a person answered for; ``reply_rate``: share of the contacted prospects who
        answered (a reply to a LinkedIn or call step alone counts in ``replied`` but not in the
        rate, which stays between 0 and 1); ``positive_replied`` and ``positive_reply_rate``: the
        same for hot replies; ``declined``, ``opted_out`` and ``out_of_office``: prospects who
        declined, asked to hear no more, or sent an absence notice; ``opened`` and ``bounced``:
        the campaigns' messages opened (e-mail) or read (WhatsApp, Telegram), and bounced or
        undelivered, as the providers reported them; ``active_campaigns``: campaigns with status
        ``active``.
    """
    campaigns = list(campaigns)
    deliveries = deliveries or {}
    prospects = [e for e in enrollments if _is_prospect(e)]
    contacted = [e for e in prospects if _was_contacted(e)]
    return Overview(
        prospects=len(prospects),
        contacted=len(contacted),
        interactions=sum(len(e.sent) for e in prospects),
        replied=sum(1 for e in prospects if _answered(e)),
        reply_rate=rate(sum(1 for e in contacted if _answered(e)), len(contacted)),
        positive_replied=sum(1 for e in prospects if _positive(e)),
        positive_reply_rate=rate(sum(1 for e in contacted if _positive(e)), len(contacted)),
        declined=sum(1 for e in prospects if e.replied_at is not None and e.reply_kind is ReplyKind.DECLINE),
        opted_out=sum(1 for e in prospects if _opted_out(e)),
        out_of_office=sum(1 for e in prospects if e.out_of_office_at is not None),
        opened=sum(deliveries.get(c.id, {}).get(READ, 0) for c in campaigns),
        bounced=sum(deliveries.get(c.id, {}).get(BOUNCED, 0) for c in campaigns),
        active_campaigns=sum(1 for c in campaigns if c.status is CampaignStatus.ACTIVE),
    )


def funnel(enrollments: Iterable[Enrollment], leads: Mapping[str, Lead]) -> Funnel:
    """The prospection funnel, each stage counting the enrollments of the stage before that reach it.

    Parameters
    ----------
    enrollments
        The enrollments to count.
    leads
        The enrolled leads by id (a lead missing, deleted since, counts up to ``replied``).

    Returns
    -------
    Funnel
        Five stages in order:

        - ``enrolled``: enrollments not removed;
        - ``contacted``: of those, the ones a messaging step reached (manual steps aside);
        - ``replied``: of those, the ones a person answered for (opt-outs aside);
        - ``meeting``: of those, the ones whose lead's last intent is ``meeting_request`` or whose lead
          is ``qualified``, ``proposal`` or ``converted``;
        - ``converted``: of those, the ones whose lead is ``converted``.

        ``rate_from_previous`` is the stage's share of the stage before (None for ``enrolled``).
        Apart from the stages, among the contacted: ``positive_replied`` (hot replies),
        ``opted_out`` and ``out_of_office``.
    """
    counts = dict.fromkeys(FUNNEL_STAGES, 0)
    apart = {"positive_replied": 0, "opted_out": 0, "out_of_office": 0}
    for enrollment in enrollments:
        if not _is_prospect(enrollment):
            continue
        counts["enrolled"] += 1
        if not _was_contacted(enrollment):
            continue
        counts["contacted"] += 1
        apart["positive_replied"] += _positive(enrollment)
        apart["opted_out"] += _opted_out(enrollment)
        apart["out_of_office"] += enrollment.out_of_office_at is not None
        if not _answered(enrollment):
            continue
        counts["replied"] += 1
        lead = leads.get(enrollment.lead_id)
        if lead is None or not (
            lead.summary.last_intent == MEETING_INTENT or lead.status in MEETING_STATUSES
        ):
            continue
        counts["meeting"] += 1
        if lead.status is LeadStatus.CONVERTED:
            counts["converted"] += 1
    stages: list[FunnelStage] = []
    previous: int | None = None
    for stage in FUNNEL_STAGES:
        count = counts[stage]
        stages.append(
            FunnelStage(
                stage=stage,
                count=count,
                rate_from_previous=None if previous is None else rate(count, previous),
            )
        )
        previous = count
    return Funnel(stages=stages, **apart)


@dataclass
class _Tally:
    channel: str
    sent: int = 0
    replied: int = 0
    positive_replied: int = 0
    opted_out: int = 0

    def answer(self, enrollment: Enrollment) -> None:
        """Count the enrollment's reply by its kind."""
        self.replied += _answered(enrollment)
        self.positive_replied += _positive(enrollment)
        self.opted_out += _opted_out(enrollment)


_StepKey = tuple[str, int, int, str]
"""Scenario, version, step, campaign (``""`` for all campaigns together)."""
_TemplateKey = tuple[str, str]
"""Source, template id (``""`` for none)."""


def _template_key(sent: SentStep) -> _TemplateKey | None:
    """Where a sent message came from; None for a step without a message source (a manual task)."""
    if sent.source is None:
        return None
    template = sent.template_id if sent.source is MessageSource.TEMPLATE else None
    return sent.source.value, template or ""


def steps(enrollments: Iterable[Enrollment], *, by_campaign: bool = False) -> StepsReport:
    """Sends and replies per scenario step, and per message template or source.

    Parameters
    ----------
    enrollments
        The enrollments whose steps count, removed ones included: their messages were sent.
    by_campaign
        Count each campaign's steps apart (``campaign_id`` set) rather than all campaigns running
        the same scenario version together (``campaign_id`` null).

    Returns
    -------
    StepsReport
        ``steps``: every ``sent`` entry counts a send for its (scenario, version, step); a reply counts
        for the enrollment's ``replied_step``, by its kind (answered, hot, opt-out); sorted by
        scenario, version, step (then campaign).
        ``templates``: the same by template (template messages) or by source alone (``ai`` and
        ``default`` messages, ``template_id`` null); manual steps without a source are left out;
        sorted by source then template id.
    """
    by_step: dict[_StepKey, _Tally] = {}
    by_template: dict[_TemplateKey, _Tally] = {}

    def step_key(enrollment: Enrollment, sent: SentStep) -> _StepKey:
        campaign = enrollment.campaign_id if by_campaign else ""
        return enrollment.scenario_id, enrollment.scenario_version, sent.step, campaign

    for enrollment in enrollments:
        for sent in enrollment.sent:
            by_step.setdefault(step_key(enrollment, sent), _Tally(sent.channel.value)).sent += 1
            template = _template_key(sent)
            if template is not None:
                by_template.setdefault(template, _Tally(sent.channel.value)).sent += 1
        answered = _replied_after(enrollment)
        if answered is not None:
            by_step[step_key(enrollment, answered)].answer(enrollment)
            template = _template_key(answered)
            if template is not None:
                by_template[template].answer(enrollment)

    return StepsReport(
        steps=[
            StepStat(
                campaign_id=campaign or None,
                scenario_id=scenario_id,
                scenario_version=version,
                step=step,
                channel=tally.channel,
                sent=tally.sent,
                replied=tally.replied,
                reply_rate=rate(tally.replied, tally.sent),
                positive_replied=tally.positive_replied,
                positive_reply_rate=rate(tally.positive_replied, tally.sent),
                opted_out=tally.opted_out,
            )
            for (scenario_id, version, step, campaign), tally in sorted(by_step.items())
        ],
        templates=[
            TemplateStat(
                template_id=template_id or None,
                source=source,
                sent=tally.sent,
                replied=tally.replied,
                reply_rate=rate(tally.replied, tally.sent),
            )
            for (source, template_id), tally in sorted(by_template.items())
        ],
    )


_MessageKey = tuple[str, int, int, str, str]
"""Scenario, version, step, source, template id (``""`` for none)."""


def top_messages(
    enrollments: Iterable[Enrollment],
    scenarios: Mapping[tuple[str, int], Scenario],
    min_sent: int = 5,
    limit: int = 10,
) -> TopMessages:
    """The step messages with the best reply rates.

    Parameters
    ----------
    enrollments
        The enrollments whose messages count, removed ones included.
    scenarios
        Scenario versions by (id, version), for each step's objective; a version missing leaves the
        objective null.
    min_sent
        Sends a message needs to be ranked: two replies out of two sends says little.
    limit
        Most messages returned.

    Returns
    -------
    TopMessages
        A step message is one step of one scenario version written by one source (and template):
        the AI's messages at step 2 and a template's at step 2 are ranked apart. Those sent at least
        ``min_sent`` times, by reply rate then sends (highest first), then by scenario, version and
        step for a stable order. Manual steps without a message source are left out.
    """
    tallies: dict[_MessageKey, _Tally] = {}

    def message_key(enrollment: Enrollment, sent: SentStep) -> _MessageKey | None:
        template = _template_key(sent)
        if template is None:
            return None
        return enrollment.scenario_id, enrollment.scenario_version, sent.step, *template

    for enrollment in enrollments:
        for sent in enrollment.sent:
            key = message_key(enrollment, sent)
            if key is not None:
                tallies.setdefault(key, _Tally(sent.channel.value)).sent += 1
        answered = _replied_after(enrollment)
        key = None if answered is None else message_key(enrollment, answered)
        if key is not None:
            tallies[key].answer(enrollment)

    ranked = sorted(
        ((key, tally) for key, tally in tallies.items() if tally.sent >= min_sent),
        key=lambda item: (-item[1].replied / item[1].sent, -item[1].sent, item[0]),
    )
    items: list[TopMessage] = []
    for (scenario_id, version, step, source, template_id), tally in ranked[: max(limit, 0)]:
        scenario = scenarios.get((scenario_id, version))
        scenario_step = None if scenario is None else scenario.step(step)
        items.append(
            TopMessage(
                scenario_id=scenario_id,
                scenario_version=version,
                step=step,
                channel=tally.channel,
                source=source,
                template_id=template_id or None,
                objective=None if scenario_step is None else scenario_step.objective,
                sent=tally.sent,
                replied=tally.replied,
                reply_rate=rate(tally.replied, tally.sent),
            )
        )
    return TopMessages(items=items, min_sent=min_sent)
