"""The benchmark's tenants: deterministic prospects whose first step is due now, stored as the product would.

Every figure comes from ``random.Random``: the same scale and seed give the same tenants, ids included
(ULIDs whose time is the entity's own time and whose random part comes from the generator). A plan
(:func:`plan_tenants`) is written under as many tenant ids as needed: the naive path and the project's
path each get their own copy of the same prospects, so both process the same due steps.

Each tenant, in auto mode, has:

- its profile (French, auto mode confirmed), SMS and e-mail channel settings with a sender, and its
  Twilio and Resend credentials in SSM (the moto server's), so every send goes through the real SDKs
  to the fake providers;
- two scenarios of its own and a campaign on each, open every day from 00:00 to 23:59 UTC: one
  starting with an SMS (then an e-mail, then an SMS), one starting with an e-mail (then an SMS);
- its share of the due steps (log-normal shares, at least one each): one lead per step, enrolled in
  one of the two campaigns between three hours and five minutes before :data:`NOW`, its first step
  due when it was enrolled (step 1 waits no day).

Most prospects get their message; a few make the rules decide otherwise, as real data would: a lead
who answered since it was enrolled or who was converted (the sequence stops), an address blacklisted
after the enrollment (stops), a lead who opted out of the first step's channel (the step is skipped).
"""

from __future__ import annotations

import hashlib
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ulid import ULID

from maxcore.dal.blacklist import BlacklistRepository
from maxcore.dal.campaigns import CampaignRepository
from maxcore.dal.enrollments import EnrollmentRepository
from maxcore.dal.items import EnrollmentItem, LeadItem
from maxcore.dal.leads import _to_item as lead_to_item  # the repository's own conversion
from maxcore.dal.scenarios import ScenarioRepository
from maxcore.dal.tenants import TenantProfileRepository
from maxcore.models.budget import DEFAULT_PRICES, PACK_SIZE, TokenAction
from maxcore.models.channel import EmailSender, UpdateChannelRequest
from maxcore.models.common import Channel
from maxcore.models.lead import ConsentState, Lead, LeadStatus, LeadSummary
from maxcore.models.prospection import (
    BlacklistEntry,
    BlacklistKind,
    Campaign,
    Decision,
    Enrollment,
    Outcome,
    Scenario,
    ScenarioStep,
    StepChannel,
)
from maxcore.models.template import CreateTemplateRequest
from maxcore.models.tenant import Locale, Mode, SendWindow, Tenant
from maxcore.rules.send_window import describe
from maxcore.services.budget import BudgetService
from maxcore.services.channels import ChannelService
from maxcore.services.templates import TemplateService
from maxcore.texts import render

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
"""The benchmark's fixed clock: a Tuesday morning; every step of the data is due at or before it."""

ALWAYS_OPEN = SendWindow(days=[0, 1, 2, 3, 4, 5, 6], start="00:00", end="23:59")
"""Open every day but from 23:59 to midnight (a window ends before it starts again)."""
CAMPAIGN_TIMEZONE = "UTC"

AUTH_TOKEN = "benchTwilioAuthToken0123456789ab"  # noqa: S105 - a fake provider's, never a real one
RESEND_KEY = "re_bench_fake_key_0123456789"
SMS_SENDER = "+33757000001"  # an open French mobile range: a sender must be a real number
EMAIL_SENDER = "prospection@bench.example.com"
BENCH_SENDER_DAILY_LIMIT = 10_000
"""The sender's daily limit: the most a sender may have, above any tenant's hour here."""

SCENARIOS: tuple[tuple[str, tuple[tuple[StepChannel, int, str], ...]], ...] = (
    (
        "Découverte par SMS",
        (
            (StepChannel.SMS, 0, "je me permets de vous présenter notre offre de printemps."),
            (StepChannel.EMAIL, 2, "voici notre brochure, comme promis."),
            (StepChannel.SMS, 3, "avez-vous eu le temps de regarder notre brochure ?"),
        ),
    ),
    (
        "Découverte par e-mail",
        (
            (StepChannel.EMAIL, 0, "nous accompagnons les indépendants de votre secteur depuis dix ans."),
            (StepChannel.SMS, 3, "je reviens vers vous au sujet de mon e-mail de la semaine dernière."),
        ),
    ),
)
"""The two scenarios of each tenant: (name, steps as (channel, delay in days, objective))."""

# The prospects whose first step the rules do not send (each a share of the due steps).
_EXCEPTIONS: tuple[tuple[str, float], ...] = (
    ("stopped:replied", 0.03),
    ("stopped:lead_converted", 0.02),
    ("stopped:blacklisted", 0.02),
    ("skipped:opted_out", 0.03),
)

_FIRST_NAMES = (
    "Camille", "Léa", "Manon", "Chloé", "Inès", "Élodie", "Sarah", "Julie", "Emma", "Claire",
    "Thomas", "Lucas", "Hugo", "Nicolas", "Julien", "Antoine", "Mehdi", "François", "Olivier", "Paul",
)  # fmt: skip
_LAST_NAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
)  # fmt: skip
_BUSINESSES = (
    "Institut Belle Peau", "Garage du Centre", "Atelier Lumière", "Transports Roux", "Studio Pixel",
    "Pharmacie des Lilas", "Brasserie du Port", "Coaching Horizon", "Menuiserie Girard", "Boutique Léa",
)  # fmt: skip


@dataclass(frozen=True)
class Scale:
    """How many tenants and due steps, and the seed of the data."""

    tenants: int = 50
    steps: int = 10_000
    seed: int = 7


@dataclass(frozen=True)
class ProspectPlan:
    """One due step: a lead enrolled in one of its tenant's campaigns, and what the rules should say."""

    lead: Lead
    campaign: int
    """Index in :data:`SCENARIOS` (and in the tenant's campaigns)."""
    enrolled_at: datetime
    expected: str
    """``sent``, or ``<outcome>:<code>`` for a step the rules do not send."""
    blacklisted: str | None = None
    """The lead's address blacklisted after its enrollment."""


@dataclass(frozen=True)
class TenantPlan:
    """One tenant's campaigns and prospects (written under any tenant id)."""

    index: int
    name: str
    scenario_ids: tuple[str, ...]
    campaign_ids: tuple[str, ...]
    created_at: datetime
    prospects: tuple[ProspectPlan, ...]

    def scenario(self, index: int, template_ids: list[str]) -> Scenario:
        """The tenant's scenario of :data:`SCENARIOS` ``index`` (version 1), each step written by its
        template in ``template_ids``."""
        name, steps = SCENARIOS[index]
        return Scenario(
            id=self.scenario_ids[index],
            version=1,
            name=name,
            steps=[
                ScenarioStep(
                    order=n, delay_days=delay, channel=channel, objective=objective, template_id=template_id
                )
                for n, ((channel, delay, objective), template_id) in enumerate(
                    zip(steps, template_ids, strict=True), start=1
                )
            ],
            created_at=self.created_at,
        )

    def campaign(self, index: int) -> Campaign:
        """The tenant's campaign on scenario ``index``, always open."""
        return Campaign(
            id=self.campaign_ids[index],
            name=f"Printemps {index + 1}",
            scenario_id=self.scenario_ids[index],
            scenario_version=1,
            objective="Prendre rendez-vous",
            send_window=ALWAYS_OPEN,
            timezone=CAMPAIGN_TIMEZONE,
            created_at=self.created_at,
            updated_at=self.created_at,
        )


@dataclass
class Tally:
    """What was loaded."""

    tenants: int = 0
    steps: int = 0
    expected: Counter[str] = field(default_factory=Counter)
    first_channels: Counter[str] = field(default_factory=Counter)
    smallest: int = 0
    largest: int = 0
    seconds: float = 0.0


# --- the plan ------------------------------------------------------------------------------------
def shares(rng: random.Random, total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` log-normal shares, each at least 1 (largest remainders)."""
    if parts < 1 or total < parts:
        raise ValueError(f"cannot split {total} steps over {parts} tenants with at least one each")
    weights = [rng.lognormvariate(0.0, 0.6) for _ in range(parts)]
    spare = total - parts
    exact = [spare * w / sum(weights) for w in weights]
    counts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(parts), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in by_remainder[: spare - sum(counts)]:
        counts[i] += 1
    return [1 + c for c in counts]


def plan_tenants(scale: Scale, now: datetime = NOW, first_channel: str | None = None) -> list[TenantPlan]:
    """The tenants of ``scale``, each with its prospects (the same for the same scale and seed).

    With ``first_channel`` (``sms`` or ``email``), every prospect is in the campaign starting with it.
    """
    campaigns = [n for n, (_, steps) in enumerate(SCENARIOS) if first_channel in (None, steps[0][0].value)]
    if not campaigns:
        raise ValueError(f"no scenario starts with {first_channel!r}")
    rng = random.Random(f"scheduler:{scale.seed}")
    plans = []
    for index, steps in enumerate(shares(rng, scale.steps, scale.tenants)):
        tenant_rng = random.Random(f"scheduler:{scale.seed}:{index}")
        created = now - timedelta(days=tenant_rng.randint(60, 400))
        plans.append(
            TenantPlan(
                index=index,
                name=f"{tenant_rng.choice(_BUSINESSES)} {index + 1}",
                scenario_ids=tuple(_ulid(tenant_rng, created) for _ in SCENARIOS),
                campaign_ids=tuple(_ulid(tenant_rng, created) for _ in SCENARIOS),
                created_at=created,
                prospects=tuple(_prospect(tenant_rng, n, now, campaigns) for n in range(steps)),
            )
        )
    return plans


def _prospect(rng: random.Random, n: int, now: datetime, campaigns: list[int]) -> ProspectPlan:
    enrolled = now - timedelta(seconds=rng.randint(5 * 60, 3 * 3600))
    created = enrolled - timedelta(seconds=rng.randint(3600, 60 * 86_400))
    first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
    campaign = rng.choice(campaigns)
    first_channel = SCENARIOS[campaign][1][0][0].channel
    assert first_channel is not None
    draw, expected = rng.random(), "sent"
    for name, share in _EXCEPTIONS:
        if draw < share:
            expected = name
            break
        draw -= share
    lead = Lead(
        id=_ulid(rng, created),
        first_name=first,
        last_name=last,
        # Unique in the tenant: the fake Twilio's records are told apart by (account, number).
        phone=f"+3361{n:07d}",
        email=f"prospect{n}.{rng.randrange(10**6):06d}@example.com",
        status=LeadStatus.CONTACTED if rng.random() < 0.3 else LeadStatus.NEW,
        source="import",
        created_at=created,
        updated_at=created,
    )
    blacklisted = None
    if expected == "stopped:replied":
        answered = enrolled + (now - enrolled) * rng.uniform(0.1, 0.9)
        lead = lead.model_copy(
            update={"summary": LeadSummary(last_inbound_at=answered, last_contact_at=answered)}
        )
    elif expected == "stopped:lead_converted":
        lead = lead.model_copy(update={"status": LeadStatus.CONVERTED})
    elif expected == "stopped:blacklisted":
        blacklisted = lead.phone if rng.random() < 0.5 else lead.email
    elif expected == "skipped:opted_out":
        revoked = ConsentState(granted=False, updated_at=enrolled, reason="STOP reçu")
        lead = lead.model_copy(update={"consent": {first_channel: revoked}})
    return ProspectPlan(
        lead=lead, campaign=campaign, enrolled_at=enrolled, expected=expected, blacklisted=blacklisted
    )


def enrollment(plan: TenantPlan, prospect: ProspectPlan) -> Enrollment:
    """The prospect's enrollment as ``ProspectService.enroll`` stores it: step 1 due at enrollment."""
    at = prospect.enrolled_at
    decision = Decision(
        outcome=Outcome.DEFERRED,
        code="enrolled",
        reason=render("prospection.enrolled", "fr", until=describe(at, CAMPAIGN_TIMEZONE, "fr")),
        step=1,
        until=at,
        at=at,
    )
    return Enrollment(
        campaign_id=plan.campaign_ids[prospect.campaign],
        lead_id=prospect.lead.id,
        scenario_id=plan.scenario_ids[prospect.campaign],
        scenario_version=1,
        next_action_at=at,
        decisions=[decision],
        enrolled_at=at,
        updated_at=at,
    )


def account_sid(tenant_id: str) -> str:
    """The tenant's (fake) Twilio account: it names the tenant in the fake's records."""
    return "AC" + hashlib.md5(tenant_id.encode(), usedforsecurity=False).hexdigest()


def _ulid(rng: random.Random, at: datetime) -> str:
    milliseconds = math.floor(at.timestamp() * 1000).to_bytes(6, "big")
    return str(ULID.from_bytes(milliseconds + rng.randbytes(10)))


# --- storage -------------------------------------------------------------------------------------
def _step_template(templates: TemplateService, channel: StepChannel, objective: str) -> str:
    """An active template of the tenant that quotes the step's objective (how a message's step is told
    apart: no model writes in the bench, and a step nothing can write would be a task, not a send)."""
    email = channel is StepChannel.EMAIL
    request = CreateTemplateRequest(
        channel=Channel(channel.value),
        name=objective[:80],
        subject="Offre de printemps" if email else None,
        body="Bonjour {{firstName|}}, " + objective,
    )
    return templates.activate(templates.create(request).id).id


def provision(tenant_id: str, plan: TenantPlan) -> None:
    """The tenant's profile, channels and credentials, scenarios, campaigns and blacklist."""
    created = plan.created_at
    TenantProfileRepository(tenant_id).create_if_absent(
        Tenant(
            id=tenant_id,
            name=plan.name,
            mode=Mode.AUTO,
            locale=Locale.FR,
            auto_mode_confirmed_at=created,
            auto_mode_confirmed_by="bench",
            created_at=created,
            updated_at=created,
        )
    )
    # Every step the hour sends is an automatic follow-up, charged: enough packs that none waits for tokens.
    follow_ups = len(plan.prospects) * DEFAULT_PRICES[TokenAction.AUTO_FOLLOWUP].cost
    BudgetService(tenant_id, clock=lambda: created).add_packs(follow_ups // PACK_SIZE + 1, "bench")
    channels = ChannelService(tenant_id, clock=lambda: created)
    channels.update(
        Channel.SMS,
        UpdateChannelRequest(
            sender=SMS_SENDER, credentials={"account_sid": account_sid(tenant_id), "auth_token": AUTH_TOKEN}
        ),
        "bench",
    )
    channels.update(
        Channel.EMAIL,
        # The hour sends up to hundreds of e-mails a tenant: far over a new domain's default warm-up
        # limit of a sender, which would put most off to tomorrow (the naive loop does not know it).
        UpdateChannelRequest(
            senders=[EmailSender(address=EMAIL_SENDER, name=plan.name, daily_limit=BENCH_SENDER_DAILY_LIMIT)],
            credentials={"api_key": RESEND_KEY},
        ),
        "bench",
    )
    scenarios, campaigns = ScenarioRepository(tenant_id), CampaignRepository(tenant_id)
    templates = TemplateService(tenant_id, actor="bench", clock=lambda: created)
    for index in range(len(SCENARIOS)):
        template_ids = [
            _step_template(templates, channel, objective) for channel, _, objective in SCENARIOS[index][1]
        ]
        scenarios.add_version(plan.scenario(index, template_ids))
        campaigns.save(plan.campaign(index), new=True)
    blacklist = BlacklistRepository(tenant_id)
    for prospect in plan.prospects:
        if prospect.blacklisted is not None:
            kind = BlacklistKind.EMAIL if "@" in prospect.blacklisted else BlacklistKind.PHONE
            blacklist.add(
                BlacklistEntry(
                    kind=kind,
                    value=prospect.blacklisted,
                    reason="demande de ne plus être contacté",
                    source="manual",
                    created_at=prospect.enrolled_at,
                    created_by="bench",
                )
            )


def load(
    tenants: list[tuple[str, TenantPlan]], progress: Callable[[str], None] = print, what: str = "load"
) -> Tally:
    """Provision each (tenant id, plan), then write the leads and enrollments with batch writes."""
    started = time.perf_counter()
    tally = Tally(tenants=len(tenants))
    sizes = [len(plan.prospects) for _, plan in tenants]
    tally.smallest, tally.largest = min(sizes), max(sizes)
    total = sum(sizes)
    every = max(1, len(tenants) // 5)
    with LeadItem.batch_write() as leads, EnrollmentItem.batch_write() as enrollments:
        for done, (tenant_id, plan) in enumerate(tenants, start=1):
            provision(tenant_id, plan)
            repository = EnrollmentRepository(tenant_id)
            for prospect in plan.prospects:
                item = lead_to_item(tenant_id, prospect.lead)
                item.version = prospect.lead.version
                leads.save(item)
                # The repository's own conversion: the due index keys (GSI2) of a due enrollment.
                enrollments.save(repository._item(enrollment(plan, prospect)))
                tally.steps += 1
                tally.expected[prospect.expected] += 1
                tally.first_channels[SCENARIOS[prospect.campaign][1][0][0].value] += 1
            if done % every == 0 or done == len(tenants):
                progress(
                    f"{what}: {done:>3}/{len(tenants)} tenants, {tally.steps:>6,}/{total:,} due steps,"
                    f" {time.perf_counter() - started:6.1f} s"
                )
    tally.seconds = time.perf_counter() - started
    return tally


def copies(prefix: str, plans: list[TenantPlan]) -> list[tuple[str, TenantPlan]]:
    """Tenant ids ``<prefix>-<n>`` for ``plans``: one copy of the same prospects."""
    return [(f"{prefix}-{plan.index:02d}", plan) for plan in plans]


def iter_due(tenants: list[tuple[str, TenantPlan]]) -> Iterator[tuple[str, TenantPlan, ProspectPlan]]:
    """Every due step of ``tenants``: (tenant id, plan, prospect)."""
    for tenant_id, plan in tenants:
        for prospect in plan.prospects:
            yield tenant_id, plan, prospect
