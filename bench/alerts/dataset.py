"""The benchmark's tenant: deterministic leads and activities, stored as the product would have.

Every figure comes from ``random.Random``: the same scale and seed give the same tenant, ids included
(ULIDs whose time is the entity's own time and whose random part comes from the generator). Each lead
draws its activities from a generator of its own, so a lead's history does not depend on the others.

The shape of the data:

- leads created between 90 days and 1 day before :data:`NOW`, mostly in open pipeline statuses, some
  converted or lost; most have an e-mail and a phone, a few a Telegram chat;
- activities spread over the last ``days`` days, skewed: about one lead in eight has none (so
  ``NoContact7d`` appears), the others get a log-normal share; a lead's activities fall between its
  creation and the moment it went quiet (recently for most, weeks ago for some, so ``NoReply3d``,
  ``NoFollowup7d`` and ``StaleLead30d`` appear too);
- channels e-mail, SMS, WhatsApp, call and Telegram, each lead with its own mix and one channel it
  answers best on (``PreferredChannel``); inbound texts come from a small French and English phrase
  list, classified by the intent rules, with out-of-office replies carrying a return date.

What is written is what the product's write path (:class:`maxcore.services.activities.ActivityService`)
would have stored had each activity been logged when it happened: the summary updated by
``apply_activity`` with ``now`` = the activity's time, ``out_of_office_until`` set by an out-of-office
reply with a return date, the consent of a channel revoked by an opt-out, the lead's version counting
its writes. Contact guards are not written: the alert generation never reads them.
"""

from __future__ import annotations

import math
import random
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from ulid import ULID

from maxcore.dal.activities import activity_item
from maxcore.dal.items import ActivityItem, LeadItem
from maxcore.dal.leads import _to_item as lead_to_item  # the repository's own conversion
from maxcore.dal.tenants import TenantProfileRepository
from maxcore.models.activity import Activity, ActivityChannel, ActivityStatus, Direction
from maxcore.models.common import Channel
from maxcore.models.intent import Intent
from maxcore.models.lead import ConsentState, Lead, LeadStatus, LeadSummary
from maxcore.models.tenant import Tenant
from maxcore.rules.intent import Classification, classify
from maxcore.rules.replies import inbound_effect
from maxcore.rules.summary import apply_activity

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
"""The benchmark's fixed clock: the data are generated back from it and every path evaluates at it."""

DAY = 86_400


@dataclass(frozen=True)
class Scale:
    """How big the tenant is, and the seed of its data."""

    leads: int = 10_000
    activities: int = 300_000
    days: int = 60
    seed: int = 7


# --- vocabulary ----------------------------------------------------------------------------------

_FIRST_NAMES = (
    "Camille", "Léa", "Manon", "Chloé", "Inès", "Élodie", "Sarah", "Julie", "Emma", "Claire",
    "Thomas", "Lucas", "Hugo", "Nicolas", "Julien", "Antoine", "Mehdi", "François", "Olivier", "Paul",
    "James", "Olivia", "Noah", "Sophie", "David", "Laura", "Karim", "Anaïs", "Maxime", "Jérôme",
)  # fmt: skip
_LAST_NAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
    "Smith", "Johnson", "Brown", "Benali", "Nguyen", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine",
)  # fmt: skip
_COMPANIES = (
    "Boulangerie Dupont", "Garage du Centre", "Cabinet Moreau", "Atelier Lumière", "Studio Pixel",
    "Transports Roux", "Pharmacie des Lilas", "Brasserie du Port", "Immo Conseil", "Agence Horizon",
    "Bright Labs", "Northwind Traders", "Les Jardins de Léa", "Menuiserie Girard", "Clinique Vétérinaire",
)  # fmt: skip
_DOMAINS = ("gmail.com", "orange.fr", "free.fr", "outlook.com", "yahoo.fr", "example.com")
_TAGS = ("salon-2026", "inbound", "partenaire", "vip", "relance", "devis")
_SOURCES = ("manual", "import", "website", "salon", "referral")
_NOTES = (
    "Rencontré au salon, intéressé par la formule Pro.",
    "Préfère être contacté le matin.",
    "A demandé un devis pour 3 sites.",
    "Decision maker; budget expected next quarter.",
)

_STATUSES: tuple[tuple[LeadStatus, int], ...] = (
    (LeadStatus.NEW, 25),
    (LeadStatus.CONTACTED, 30),
    (LeadStatus.QUALIFIED, 15),
    (LeadStatus.PROPOSAL, 12),
    (LeadStatus.CONVERTED, 10),
    (LeadStatus.LOST, 8),
)

_CHANNEL_WEIGHTS: tuple[tuple[ActivityChannel, float], ...] = (
    (ActivityChannel.EMAIL, 35),
    (ActivityChannel.WHATSAPP, 25),
    (ActivityChannel.SMS, 20),
    (ActivityChannel.CALL, 12),
    (ActivityChannel.TELEGRAM, 8),
)

_OUT_STATUSES: dict[ActivityChannel, tuple[tuple[ActivityStatus, int], ...]] = {
    ActivityChannel.EMAIL: (
        (ActivityStatus.SENT, 20),
        (ActivityStatus.DELIVERED, 35),
        (ActivityStatus.OPENED, 30),
        (ActivityStatus.REPLIED, 5),
        (ActivityStatus.FAILED, 10),
    ),
    ActivityChannel.SMS: (
        (ActivityStatus.SENT, 25),
        (ActivityStatus.DELIVERED, 60),
        (ActivityStatus.REPLIED, 5),
        (ActivityStatus.FAILED, 10),
    ),
    ActivityChannel.WHATSAPP: (
        (ActivityStatus.SENT, 10),
        (ActivityStatus.DELIVERED, 35),
        (ActivityStatus.READ, 45),
        (ActivityStatus.REPLIED, 5),
        (ActivityStatus.FAILED, 5),
    ),
    ActivityChannel.TELEGRAM: (
        (ActivityStatus.SENT, 10),
        (ActivityStatus.DELIVERED, 35),
        (ActivityStatus.READ, 45),
        (ActivityStatus.REPLIED, 5),
        (ActivityStatus.FAILED, 5),
    ),
    ActivityChannel.CALL: (
        (ActivityStatus.REPLIED, 50),
        (ActivityStatus.NO_ANSWER, 40),
        (ActivityStatus.FAILED, 10),
    ),
}

_OUTBOUND_TEXTS = (
    "Bonjour {name}, suite à notre échange, je vous envoie notre proposition. Qu'en pensez-vous ?",
    "Bonjour {name}, avez-vous eu le temps de regarder notre offre ? Je reste disponible.",
    "Hello {name}, following up on my last message: would a short call this week work for you?",
    "Bonjour {name}, petit rappel : notre offre de lancement se termine à la fin du mois.",
)

_INBOUND_TEXTS: tuple[tuple[str, int], ...] = (
    ("Merci", 8),
    ("Bien reçu, merci", 6),
    ("Thanks, got it", 4),
    ("Bien noté, je regarde", 4),
    ("Ça m'intéresse, pouvez-vous m'en dire plus ?", 5),
    ("Je suis intéressé par votre offre", 4),
    ("Sounds interesting, tell me more", 3),
    ("Yes, I'm interested", 2),
    ("On peut se voir jeudi ?", 3),
    ("Rappelez-moi demain matin svp", 3),
    ("Can we book a call next week?", 2),
    ("Let's schedule a meeting", 1),
    ("Quel est le prix ?", 4),
    ("Combien ça coûte ?", 3),
    ("What's the price?", 2),
    ("Do you deliver to Lyon?", 1),
    ("Pas intéressé, merci", 3),
    ("Ça ne m'intéresse pas", 2),
    ("Not interested, thanks", 2),
    ("No thanks", 1),
    ("STOP", 1),
    ("Merci de ne plus me contacter", 1),
)
"""Inbound texts and their weights; the intent rules classify them (they are no fixtures of intents)."""

_AWAY_TEXTS = (
    "Je suis absent du bureau, de retour le {date}.",
    "Out of office until {date}, limited access to e-mail.",
)
AWAY_SHARE = 0.03
"""Share of inbound texts that are out-of-office replies; their return date is 2 to 20 days later."""

SILENT_SHARE = 0.12
"""Share of leads without any activity."""


# --- generation ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeadPlan:
    """What the generator decided for one lead before drawing its activities."""

    lead: Lead
    start: datetime
    end: datetime
    channels: tuple[ActivityChannel, ...]
    weights: tuple[float, ...]
    reply_rates: dict[ActivityChannel, float]
    activities: int = 0


@dataclass
class Tally:
    """What was generated (and written): the shape of the tenant."""

    leads: int = 0
    activities: int = 0
    silent_leads: int = 0
    inbound: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    channels: Counter[str] = field(default_factory=Counter)
    intents: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


def plan_leads(scale: Scale, now: datetime = NOW) -> list[LeadPlan]:
    """The tenant's leads, in creation order, with the number of activities each one gets."""
    rng = random.Random(f"{scale.seed}:leads")
    plans: list[LeadPlan] = []
    weights: list[float] = []
    for _ in range(scale.leads):
        plan = _plan(rng, now, scale.days)
        span_days = (plan.end - plan.start).total_seconds() / DAY
        silent = rng.random() < SILENT_SHARE
        weights.append(0.0 if silent else rng.lognormvariate(0.0, 1.0) * max(span_days, 0.25))
        plans.append(plan)
    counts: Counter[int] = Counter()
    if scale.activities and any(weights):
        counts = Counter(rng.choices(range(len(plans)), weights=weights, k=scale.activities))
    plans = [replace(p, activities=counts[i]) for i, p in enumerate(plans)]
    plans.sort(key=lambda p: p.lead.id)
    return plans


def _plan(rng: random.Random, now: datetime, days: int) -> LeadPlan:
    created = now - timedelta(seconds=rng.randint(DAY, 90 * DAY))
    first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
    has_email, has_phone = rng.random() < 0.9, rng.random() < 0.85
    has_telegram = rng.random() < 0.15
    if not (has_email or has_phone or has_telegram):
        has_email = True
    handle = f"{_ascii(first)}.{_ascii(last)}{rng.randrange(1000)}".lower()
    lead = Lead(
        id=_ulid(rng, created),
        first_name=first,
        last_name=last,
        company=rng.choice(_COMPANIES) if rng.random() < 0.6 else None,
        phone=f"+336{rng.randrange(10**8):08d}" if has_phone else None,
        email=f"{handle}@{rng.choice(_DOMAINS)}" if has_email else None,
        telegram_chat_id=str(rng.randrange(10**8, 10**10)) if has_telegram else None,
        status=_pick(rng, _STATUSES),
        tags=sorted(set(rng.sample(_TAGS, rng.randint(0, 2)))),
        source=rng.choice(_SOURCES),
        notes=rng.choice(_NOTES) if rng.random() < 0.2 else None,
        created_at=created,
        updated_at=created,
    )
    start = max(created, now - timedelta(days=days))
    quiet = rng.random()
    if quiet < 0.55:  # still active
        end = now - timedelta(seconds=rng.randint(0, 2 * DAY))
    elif quiet < 0.8:  # a few days of silence
        end = now - timedelta(seconds=rng.randint(2 * DAY, 12 * DAY))
    else:  # gone quiet weeks ago
        end = now - timedelta(seconds=rng.randint(12 * DAY, days * DAY))
    end = max(end, start)
    reachable = {
        ActivityChannel.EMAIL: has_email,
        ActivityChannel.WHATSAPP: has_phone,
        ActivityChannel.SMS: has_phone,
        ActivityChannel.CALL: has_phone,
        ActivityChannel.TELEGRAM: has_telegram,
    }
    channels = tuple(c for c, _ in _CHANNEL_WEIGHTS if reachable[c])
    weights = tuple(w * rng.uniform(0.2, 1.8) for c, w in _CHANNEL_WEIGHTS if reachable[c])
    best = rng.choice(channels)
    rates = {c: rng.uniform(0.3, 0.7) if c is best else rng.uniform(0.02, 0.25) for c in channels}
    return LeadPlan(lead=lead, start=start, end=end, channels=channels, weights=weights, reply_rates=rates)


def generate(scale: Scale, now: datetime = NOW) -> Iterator[tuple[Lead, list[Activity]]]:
    """Each lead as stored (its summary, consent and version from its activities) and its activities.

    Activities come in time order, the order their lead's summary took them in.
    """
    classified: dict[str, Classification] = {}
    for plan in plan_leads(scale, now):
        rng = random.Random(f"{scale.seed}:{plan.lead.id}")
        activities = sorted(
            (_activity(rng, plan, classified) for _ in range(plan.activities)),
            key=lambda a: (a.occurred_at, a.id),
        )
        lead = plan.lead
        summary, consent = LeadSummary(), dict(lead.consent)
        for activity in activities:
            verdict = classified.get(activity.preview or "") if activity.direction is Direction.IN else None
            # Logged when it happened: the write path's `now` is the activity's time.
            summary = logged(summary, activity, activity.occurred_at, verdict)
            if verdict is not None and verdict.intent is Intent.UNSUBSCRIBE:
                consent = _revoked(consent, activity) or consent
        yield (
            lead.model_copy(update={"summary": summary, "consent": consent, "version": 1 + len(activities)}),
            activities,
        )


def logged(
    summary: LeadSummary, activity: Activity, now: datetime, verdict: Classification | None
) -> LeadSummary:
    """The summary after ``activity`` is logged at ``now``, as ``ActivityService.log`` computes it
    (the tenants of the benchmark are French)."""
    effect = inbound_effect(activity, verdict, "FR") if activity.direction is Direction.IN else None
    return apply_activity(summary, activity, now, effect=effect)


def _activity(rng: random.Random, plan: LeadPlan, classified: dict[str, Classification]) -> Activity:
    span = int((plan.end - plan.start).total_seconds())
    at = plan.start + timedelta(seconds=rng.randint(0, span))
    channel = rng.choices(plan.channels, plan.weights)[0]
    rate = plan.reply_rates[channel]
    activity_id = _ulid(rng, at)
    if rng.random() < rate / (1 + rate):  # about `rate` replies per message sent
        preview = None
        intent = None
        metadata: dict[str, object] = {}
        if channel is not ActivityChannel.CALL:
            preview = _inbound_text(rng, at)
            verdict = classified.get(preview)
            if verdict is None:
                verdict = classified[preview] = classify(preview, received_at=at)
            intent = verdict.intent.value
            metadata = {
                "intent_cues": [c.pattern for c in verdict.cues[:5]],
                "confidence": verdict.confidence,
            }
        return Activity(
            id=activity_id,
            lead_id=plan.lead.id,
            channel=channel,
            direction=Direction.IN,
            status=ActivityStatus.REPLIED,
            preview=preview,
            intent=intent,
            occurred_at=at,
            metadata=metadata,
        )
    message = channel is not ActivityChannel.CALL
    return Activity(
        id=activity_id,
        lead_id=plan.lead.id,
        channel=channel,
        direction=Direction.OUT,
        status=_pick(rng, _OUT_STATUSES[channel]),
        preview=rng.choice(_OUTBOUND_TEXTS).format(name=plan.lead.first_name) if message else None,
        provider_message_id=f"{channel.value}-{rng.getrandbits(96):024x}" if message else None,
        occurred_at=at,
    )


def _inbound_text(rng: random.Random, at: datetime) -> str:
    if rng.random() < AWAY_SHARE:
        back = (at + timedelta(days=rng.randint(2, 20))).date()
        # With its year, so the classification does not depend on when the text was received.
        return rng.choice(_AWAY_TEXTS).format(date=back.strftime("%d/%m/%Y"))
    return _pick(rng, _INBOUND_TEXTS)


def _revoked(consent: dict[Channel, ConsentState], activity: Activity) -> dict[Channel, ConsentState] | None:
    """The consent with the activity's channel revoked, as an opt-out reply leaves it."""
    if activity.channel in (ActivityChannel.CALL, ActivityChannel.MANUAL):
        return None
    day = activity.occurred_at.date().isoformat()
    return consent | {
        Channel(activity.channel.value): ConsentState(
            granted=False,
            updated_at=activity.occurred_at,
            reason=f"opt-out reply on {day}: {(activity.preview or '')[:80]}",
        )
    }


_T = TypeVar("_T")


def _pick(rng: random.Random, weighted: tuple[tuple[_T, int], ...]) -> _T:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _ulid(rng: random.Random, at: datetime) -> str:
    milliseconds = math.floor(at.timestamp() * 1000).to_bytes(6, "big")
    return str(ULID.from_bytes(milliseconds + rng.randbytes(10)))


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


# --- storage -------------------------------------------------------------------------------------


def provision(tenant_id: str, now: datetime = NOW) -> None:
    """The tenant's profile, with the product's default settings (French, Europe/Paris)."""
    created = now - timedelta(days=120)
    TenantProfileRepository(tenant_id).create_if_absent(
        Tenant(id=tenant_id, name="Bench", created_at=created, updated_at=created)
    )


def load(tenant_id: str, scale: Scale, now: datetime = NOW, progress: Callable[[str], None] = print) -> Tally:
    """Provision the tenant and write its leads and activities with pynamodb's batch writes."""
    started = time.perf_counter()
    provision(tenant_id, now)
    tally = Tally()
    step = max(1, scale.leads // 20)
    with LeadItem.batch_write() as leads, ActivityItem.batch_write() as activities:
        for lead, history in generate(scale, now):
            for activity in history:
                activities.save(activity_item(tenant_id, activity))
            item = lead_to_item(tenant_id, lead)
            item.version = lead.version
            leads.save(item)
            _count(tally, lead, history)
            if tally.leads % step == 0 or tally.leads == scale.leads:
                progress(
                    f"load: {tally.leads:>7,}/{scale.leads:,} leads, {tally.activities:>9,} activities,"
                    f" {time.perf_counter() - started:7.1f} s"
                )
    tally.seconds = time.perf_counter() - started
    return tally


def _count(tally: Tally, lead: Lead, history: list[Activity]) -> None:
    tally.leads += 1
    tally.activities += len(history)
    tally.silent_leads += not history
    tally.statuses[lead.status.value] += 1
    for activity in history:
        tally.channels[activity.channel.value] += 1
        if activity.direction is Direction.IN:
            tally.inbound += 1
            tally.intents[activity.intent or "(call)"] += 1
