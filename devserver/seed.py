"""Demo data for the local run: the tenant "Institut Belle Peau", about thirty leads and a month of activity.

Everything goes through the layer's own services and repositories (provisioning, ``LeadService.create``,
``ActivityRepository.record``), so the demo data passes the same validation and uniqueness guards as
real data. The content is drawn from seeded ``random.Random`` instances, one per lead, so two runs
produce the same leads; a lead whose phone or e-mail is already taken is left alone with its
activities, which makes seeding safe to run at every start.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from maxcore.dal.activities import ActivityRepository
from maxcore.dal.leads import LeadRepository
from maxcore.errors import ConflictError
from maxcore.ids import new_id
from maxcore.models.activity import Activity, ActivityChannel, ActivityStatus, Direction
from maxcore.models.common import Channel
from maxcore.models.lead import CreateLeadRequest, LeadStatus
from maxcore.models.tenant import Locale
from maxcore.observability import logger, metrics
from maxcore.rules.contact import PhoneNumberError, fold, normalize_phone
from maxcore.rules.summary import apply_activity
from maxcore.services.leads import LeadService
from maxcore.services.tenants import provision_tenant

DEMO_TENANT_ID = "demo"
DEMO_TENANT_NAME = "Institut Belle Peau"
DEMO_TIMEZONE = "Europe/Paris"
DEFAULT_SEED = 20251227


class Scenario(StrEnum):
    """The story of a lead over the last month; each one should light up a different living alert."""

    HOT = "hot"  # replied with intent in the last 24 h
    AWAITING_REPLY = "awaiting_reply"  # messaged 3+ days ago, silence since
    NEVER_CONTACTED = "never_contacted"  # created a week or more ago, nobody wrote
    INACTIVE = "inactive"  # talked, then nothing for 7+ days
    PREFERS_WHATSAPP = "prefers_whatsapp"  # ignores e-mails, answers on WhatsApp
    STALE = "stale"  # nothing for a month
    FRESH = "fresh"  # arrived in the last two days
    CALLS = "calls"  # reached by phone after a missed call
    CONVERTED = "converted"  # a whole conversation that ended in a booking


@dataclass(frozen=True)
class DemoPerson:
    """A lead of the demo, as written by hand."""

    first_name: str
    last_name: str
    company: str | None
    sector: str


# Hand-written so names, companies and sectors read naturally; the seeded RNG picks the rest.
PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("Camille", "Martin", None, "beauty"),
    DemoPerson("Inès", "Haddad", "Onglerie Perle Rose", "beauty"),
    DemoPerson("Sophie", "Lefèvre", None, "beauty"),
    DemoPerson("Manon", "Girard", "Spa Les Cèdres", "beauty"),
    DemoPerson("Yasmine", "Benali", None, "beauty"),
    DemoPerson("Julie", "Moreau", "Maison Savon Bio", "ecommerce"),
    DemoPerson("Aïcha", "Diallo", None, "beauty"),
    DemoPerson("Nathalie", "Roux", "TransLoire Logistique", "logistics"),
    DemoPerson("Clara", "Fontaine", "Bijoux Lunaires", "ecommerce"),
    DemoPerson("Océane", "Garnier", None, "beauty"),
    DemoPerson("Lucas", "Mercier", "Rapid'Colis Express", "logistics"),
    DemoPerson("Mehdi", "Amrani", "Entrepôts du Nord", "logistics"),
    DemoPerson("Karim", "Bensaïd", "FitForm Coaching", "coaching"),
    DemoPerson("Hugo", "Chevalier", "Fret Azur", "logistics"),
    DemoPerson("Élodie", "Marchand", "Cap Confiance Coaching", "coaching"),
    DemoPerson("Pauline", "Rousseau", None, "beauty"),
    DemoPerson("Fatou", "Ndiaye", "Atelier Lin & Laine", "ecommerce"),
    DemoPerson("Margaux", "Lambert", "Studio Yoga Lumière", "coaching"),
    DemoPerson("Zoé", "Henry", None, "beauty"),
    DemoPerson("Antoine", "Faure", "Petits Pas Shop", "ecommerce"),
    DemoPerson("Émilie", "Perrin", "Coaching Élan", "coaching"),
    DemoPerson("Sarah", "Cohen", None, "beauty"),
    DemoPerson("Thomas", "Blanc", "Logistique Rhône-Alpes", "logistics"),
    DemoPerson("Amandine", "Petit", "Barbier & Co", "beauty"),
    DemoPerson("Nicolas", "Robin", "Le Panier Gourmand", "ecommerce"),
    DemoPerson("Chloé", "Dubois", None, "beauty"),
    DemoPerson("Laura", "Nguyen", "Mindset Coaching Pro", "coaching"),
    DemoPerson("Rachid", "Ouali", "Colis Malin", "logistics"),
    DemoPerson("Léna", "Vidal", None, "beauty"),
    DemoPerson("Marine", "Carré", "Glow Cosmetics", "ecommerce"),
)

SOURCES = ("instagram", "site-web", "parrainage", "salon-bien-etre", "facebook-ads", "google", "manual")
PERSONAL_DOMAINS = ("gmail.com", "orange.fr", "free.fr", "outlook.fr", "laposte.net", "yahoo.fr")
TAGS_BY_SECTOR: dict[str, tuple[str, ...]] = {
    "beauty": ("soin-visage", "épilation", "massage", "manucure", "vip", "abonnement"),
    "logistics": ("entreprise", "bien-être-équipes", "comité-entreprise", "devis"),
    "ecommerce": ("partenariat", "entreprise", "coffret-cadeau", "influence"),
    "coaching": ("partenariat", "atelier", "entreprise", "bien-être"),
}
NOTES = (
    "Préfère être contactée le matin, avant 11 h.",
    "Intéressée par un abonnement mensuel, à relancer avec l'offre fidélité.",
    "A découvert l'institut grâce à une amie, très chaleureuse au téléphone.",
    "Budget à valider avec la direction avant la fin du trimestre.",
    "Souhaite un atelier bien-être pour une équipe d'une douzaine de personnes.",
    None,
    None,
)

# What the institute writes, by sector; {first} and {company} are filled per lead.
OUTBOUND: dict[str, tuple[str, ...]] = {
    "beauty": (
        "Bonjour {first}, c'est Léa de l'Institut Belle Peau 🌸 Je reviens vers vous pour votre soin "
        "visage : seriez-vous disponible cette semaine ?",
        "Bonjour {first} ! Petit rappel tout en douceur : notre offre découverte -20 % est valable jusqu'à "
        "dimanche 😊",
        "Bonjour {first}, j'espère que vous allez bien ! Avez-vous eu le temps de regarder nos forfaits "
        "5 séances ?",
        "Merci encore pour votre visite {first} ! Comment se porte votre peau depuis le soin ?",
    ),
    "logistics": (
        "Bonjour {first}, suite à notre échange, voici notre proposition d'ateliers bien-être pour les "
        "équipes de {company}. Belle journée !",
        "Bonjour {first}, je me permets de revenir vers vous : les massages assis sur site plaisent "
        "beaucoup aux équipes de quai. On en parle ?",
        "Bonjour {first}, nous avons encore deux dates libres en novembre pour {company}. Je vous les "
        "garde ?",
    ),
    "ecommerce": (
        "Bonjour {first}, j'adore l'univers de {company} ! Un coffret cadeau commun pour les fêtes, "
        "ça vous tenterait ?",
        "Bonjour {first}, comme promis je vous envoie notre dossier partenariat. N'hésitez pas si vous "
        "avez des questions 🙂",
        "Bonjour {first}, avez-vous pu en parler en interne ? Je reste disponible pour un appel rapide.",
    ),
    "coaching": (
        "Bonjour {first}, et si on proposait ensemble un atelier « prendre soin de soi » à vos clientes ?",
        "Bonjour {first}, voici quelques idées de dates pour notre atelier commun chez {company}.",
        "Bonjour {first}, je pense bien à vous ! Toujours partante pour notre projet d'atelier ?",
    ),
}

INBOUND_WITH_INTENT: tuple[tuple[str, str], ...] = (
    ("Oui avec plaisir ! Jeudi après-midi ça m'irait très bien.", "meeting_request"),
    ("Merci beaucoup, c'est exactement ce que je cherchais. Vous avez des créneaux samedi ?", "interested"),
    ("Bonjour, pouvez-vous m'envoyer les tarifs pour une équipe de 12 personnes ?", "interested"),
    ("Super, je transmets à ma responsable RH et je vous rappelle demain 👍", "interested"),
    ("Avec plaisir, on peut s'appeler mardi matin pour caler ça ?", "meeting_request"),
)
INBOUND_PLAIN = (
    "Merci pour votre message, je regarde ça ce week-end.",
    "Bonjour ! Bien reçu, merci 😊",
    "C'est noté, je vous redis très vite.",
    "Pas pour le moment, je reviens vers vous à la rentrée.",
)
CALL_MISSED = "Appel sortant : messagerie, message vocal laissé pour proposer un créneau."
CALL_REACHED = "Appel : échange de 10 minutes, très intéressée par le forfait découverte."
BOOKING_CONFIRMED = "Institut Belle Peau : votre rendez-vous de jeudi 14 h est confirmé. À très vite !"


@dataclass
class SeedReport:
    """What a seeding run did."""

    tenant_id: str
    tenant_created: bool
    leads_created: int = 0
    leads_already_there: int = 0
    activities_recorded: int = 0
    lead_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _PlannedActivity:
    channel: ActivityChannel
    direction: Direction
    status: ActivityStatus
    preview: str
    occurred_at: datetime
    intent: str | None = None


def _phone(rng: random.Random, taken: set[str]) -> str:
    """A French mobile number, written the way people type it (the API normalises it)."""
    while True:
        prefix = rng.choice(("6", "7"))
        digits = [rng.randint(10, 99) for _ in range(4)]
        # Ten digits: the number written below (the draws stay as they were, so the demo is the same).
        national = (f"0{prefix}{rng.randint(0, 9)}" + "".join(f"{d:02d}" for d in digits))[:10]
        try:
            number = normalize_phone(national)
        except PhoneNumberError:  # 070..., 071..., 072...: ranges France has not opened
            continue
        if number not in taken:
            taken.add(number)
            break
    style = rng.randrange(3)
    pairs = [national[i : i + 2] for i in range(0, 10, 2)]
    if style == 0:
        return " ".join(pairs)
    if style == 1:
        return ".".join(pairs)
    return "+33 " + national[1] + " " + " ".join(pairs[1:])


def _slug(text: str) -> str:
    return "".join(c for c in fold(text) if c.isalnum())


def _email(rng: random.Random, person: DemoPerson) -> str | None:
    # About one lead in four has no e-mail: many first contacts come by phone or Instagram.
    if rng.random() < 0.25:
        return None
    if person.company is not None:
        return f"{_slug(person.first_name)}@{_slug(person.company)}.fr"
    return f"{_slug(person.first_name)}.{_slug(person.last_name)}@{rng.choice(PERSONAL_DOMAINS)}"


def _scenarios(rng: random.Random, count: int) -> list[Scenario]:
    """Every scenario at least three times, shuffled, so the demo shows each alert."""
    cycle = list(Scenario)
    scenarios = [cycle[i % len(cycle)] for i in range(count)]
    rng.shuffle(scenarios)
    return scenarios


_STATUS_BY_SCENARIO: dict[Scenario, tuple[LeadStatus, ...]] = {
    Scenario.HOT: (LeadStatus.QUALIFIED, LeadStatus.PROPOSAL),
    Scenario.AWAITING_REPLY: (LeadStatus.CONTACTED,),
    Scenario.NEVER_CONTACTED: (LeadStatus.NEW,),
    Scenario.INACTIVE: (LeadStatus.CONTACTED, LeadStatus.QUALIFIED),
    Scenario.PREFERS_WHATSAPP: (LeadStatus.CONTACTED, LeadStatus.QUALIFIED),
    Scenario.STALE: (LeadStatus.LOST, LeadStatus.CONTACTED),
    Scenario.FRESH: (LeadStatus.NEW,),
    Scenario.CALLS: (LeadStatus.QUALIFIED,),
    Scenario.CONVERTED: (LeadStatus.CONVERTED,),
}

# How long ago (days) each kind of lead arrived; activities fall between then and now.
_AGE_BY_SCENARIO: dict[Scenario, tuple[float, float]] = {
    Scenario.HOT: (5, 20),
    Scenario.AWAITING_REPLY: (6, 25),
    Scenario.NEVER_CONTACTED: (8, 20),
    Scenario.INACTIVE: (14, 30),
    Scenario.PREFERS_WHATSAPP: (25, 32),
    Scenario.STALE: (38, 45),
    Scenario.FRESH: (0.2, 2),
    Scenario.CALLS: (4, 15),
    Scenario.CONVERTED: (15, 30),
}


def _plan_activities(
    rng: random.Random, scenario: Scenario, person: DemoPerson, created: datetime, now: datetime
) -> list[_PlannedActivity]:
    """The month of activity that tells ``scenario``'s story, all between ``created`` and ``now``."""
    texts = OUTBOUND[person.sector]

    def out(text_index: int | None = None) -> str:
        text = texts[text_index % len(texts)] if text_index is not None else rng.choice(texts)
        return text.format(first=person.first_name, company=person.company or "votre structure")

    def ago(low_days: float, high_days: float) -> datetime:
        # Never before the lead existed, never in the future.
        moment = now - timedelta(days=rng.uniform(low_days, high_days))
        earliest = created + timedelta(minutes=30)
        return max(moment, earliest) if earliest < now else now - timedelta(minutes=5)

    # Short local names keep the stories below readable as timelines.
    a, c, d, s = _PlannedActivity, ActivityChannel, Direction, ActivityStatus
    if scenario is Scenario.HOT:
        first = ago(3, 5)
        reply, intent = rng.choice(INBOUND_WITH_INTENT)
        return [
            a(c.WHATSAPP, d.OUT, s.READ, out(0), first),
            a(c.WHATSAPP, d.IN, s.REPLIED, reply, now - timedelta(hours=rng.uniform(1, 20)), intent),
        ]
    if scenario is Scenario.AWAITING_REPLY:
        channel = rng.choice((c.WHATSAPP, c.SMS, c.EMAIL))
        status = {c.WHATSAPP: s.READ, c.SMS: s.DELIVERED, c.EMAIL: s.OPENED}[channel]
        return [a(channel, d.OUT, status, out(), ago(3.2, 6))]
    if scenario is Scenario.INACTIVE:
        start = ago(10, 13)
        return [
            a(c.EMAIL, d.OUT, s.OPENED, out(0), start),
            a(
                c.EMAIL,
                d.IN,
                s.REPLIED,
                rng.choice(INBOUND_PLAIN),
                start + timedelta(hours=rng.uniform(2, 20)),
            ),
            a(c.WHATSAPP, d.OUT, s.DELIVERED, out(1), ago(8, 9)),
        ]
    if scenario is Scenario.PREFERS_WHATSAPP:
        planned = [a(c.EMAIL, d.OUT, s.OPENED, out(i), ago(16 + 4 * i, 18 + 4 * i)) for i in range(2)]
        for i in range(3):
            sent = ago(2 + 4 * i, 3 + 4 * i)
            planned.append(a(c.WHATSAPP, d.OUT, s.READ, out(i + 1), sent))
            planned.append(
                a(
                    c.WHATSAPP,
                    d.IN,
                    s.REPLIED,
                    rng.choice(INBOUND_PLAIN),
                    sent + timedelta(minutes=rng.uniform(5, 90)),
                )
            )
        return planned
    if scenario is Scenario.STALE:
        start = ago(33, 36)
        return [
            a(c.EMAIL, d.OUT, s.DELIVERED, out(0), start),
            a(c.SMS, d.OUT, s.DELIVERED, out(1), start + timedelta(days=1)),
        ]
    if scenario is Scenario.FRESH:
        return [] if rng.random() < 0.5 else [a(c.WHATSAPP, d.OUT, s.SENT, out(0), now - timedelta(hours=1))]
    if scenario is Scenario.CALLS:
        missed = ago(3, 4)
        return [
            a(c.CALL, d.OUT, s.NO_ANSWER, CALL_MISSED, missed),
            a(c.CALL, d.OUT, s.REPLIED, CALL_REACHED, missed + timedelta(days=1, hours=rng.uniform(0, 4))),
            a(c.EMAIL, d.OUT, s.OPENED, out(0), missed + timedelta(days=1, hours=5)),
        ]
    if scenario is Scenario.CONVERTED:
        start = ago(12, 14)
        reply, intent = rng.choice(INBOUND_WITH_INTENT)
        return [
            a(c.WHATSAPP, d.OUT, s.READ, out(0), start),
            a(c.WHATSAPP, d.IN, s.REPLIED, reply, start + timedelta(hours=3), intent),
            a(c.CALL, d.OUT, s.REPLIED, CALL_REACHED, start + timedelta(days=1)),
            a(c.SMS, d.OUT, s.DELIVERED, BOOKING_CONFIRMED, start + timedelta(days=2)),
            a(
                c.WHATSAPP,
                d.IN,
                s.REPLIED,
                "Merci pour ce moment, ma peau est toute douce ! À très vite 💕",
                ago(4, 6),
            ),
        ]
    return []  # NEVER_CONTACTED: that is the point


def _provider_id(rng: random.Random, channel: ActivityChannel) -> str | None:
    """A provider message id shaped like Twilio's (SM...) or Resend's (a UUID), for realism."""
    if channel in (ActivityChannel.SMS, ActivityChannel.WHATSAPP):
        return "SM" + "".join(rng.choice("0123456789abcdef") for _ in range(32))
    if channel is ActivityChannel.EMAIL:
        hexa = "".join(rng.choice("0123456789abcdef") for _ in range(32))
        return f"{hexa[:8]}-{hexa[8:12]}-{hexa[12:16]}-{hexa[16:20]}-{hexa[20:]}"
    return None


def _already_seeded(repository: LeadRepository, request: CreateLeadRequest) -> bool:
    if request.phone and repository.find_by_contact("phone", request.phone):
        return True
    return bool(request.email and repository.find_by_contact("email", request.email))


def _fixed_clock(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def seed_demo(
    tenant_id: str = DEMO_TENANT_ID,
    *,
    now: datetime | None = None,
    seed: int = DEFAULT_SEED,
    count: int = len(PEOPLE),
    verbose: bool = False,
) -> SeedReport:
    """Provision the demo tenant and its leads and activities; a second run adds nothing.

    The table must already exist and the settings point at it (the dev server does both first). Unless
    ``verbose``, the layer's INFO lines (one per lead created) are held back while seeding.
    """
    try:
        with _layer_log_level(logging.INFO if verbose else logging.WARNING):
            return _seed(tenant_id, now or datetime.now(UTC), seed, count)
    finally:
        # The services count LeadCreated as they would in a handler; outside one nothing flushes them, and
        # the first real invocation would publish the seeding as if it were traffic.
        metrics.clear_metrics()


@contextmanager
def _layer_log_level(level: int) -> Iterator[None]:
    previous = logger.log_level
    logger.setLevel(max(level, previous))
    try:
        yield
    finally:
        logger.setLevel(previous)


def _seed(tenant_id: str, now: datetime, seed: int, count: int) -> SeedReport:
    _, tenant_created = provision_tenant(
        tenant_id, DEMO_TENANT_NAME, locale=Locale.FR, timezone=DEMO_TIMEZONE
    )
    report = SeedReport(tenant_id=tenant_id, tenant_created=tenant_created)
    leads = LeadRepository(tenant_id)
    activities = ActivityRepository(tenant_id)
    # Demo content, not secrets: a seeded PRNG is exactly what makes two runs identical.
    master = random.Random(seed)  # noqa: S311
    scenarios = _scenarios(master, count)
    taken_phones: set[str] = set()
    for index, (person, scenario) in enumerate(zip(PEOPLE[:count], scenarios, strict=True)):
        # One RNG per lead: what lead n looks like never depends on which other leads were skipped.
        rng = random.Random(f"{seed}:{index}")  # noqa: S311
        low, high = _AGE_BY_SCENARIO[scenario]
        created = now - timedelta(days=rng.uniform(low, high))
        tags = rng.sample(TAGS_BY_SECTOR[person.sector], k=rng.randint(0, 2))
        request = CreateLeadRequest(
            first_name=person.first_name,
            last_name=person.last_name,
            company=person.company,
            phone=_phone(rng, taken_phones),
            email=_email(rng, person),
            status=rng.choice(_STATUS_BY_SCENARIO[scenario]),
            tags=tags,
            source=rng.choice(SOURCES),
            notes=rng.choice(NOTES),
            # Someone who asked for no more SMS: the demo should show a refused channel too.
            consent={Channel.SMS: False} if index % 11 == 5 else {},
        )
        if _already_seeded(leads, request):
            report.leads_already_there += 1
            continue
        try:
            lead = LeadService(tenant_id, clock=_fixed_clock(created)).create(request)
        except ConflictError:
            # Another process seeded this lead between our check and our write.
            report.leads_already_there += 1
            continue
        report.leads_created += 1
        report.lead_ids.append(lead.id)
        planned = sorted(_plan_activities(rng, scenario, person, created, now), key=lambda p: p.occurred_at)
        for step in planned:
            activity = Activity(
                id=new_id(),
                lead_id=lead.id,
                channel=step.channel,
                direction=step.direction,
                status=step.status,
                preview=step.preview,
                provider_message_id=_provider_id(rng, step.channel)
                if step.direction is Direction.OUT
                else None,
                intent=step.intent,
                occurred_at=step.occurred_at,
            )
            # Read the lead again each time: record() checks the version it was given.
            current = leads.get(lead.id)
            activities.record(current, activity, apply_activity(current.summary, activity, now))
            report.activities_recorded += 1
    return report
