"""A bulk send in the crash mix: two workers on the same bulk sends at once, one killed mid-send.

Each round has fresh tenants (the crash rounds' size), each with one bulk send to every one of its
leads on the round's channel, accepted as ``POST /bulk-sends`` accepts it
(:class:`~maxcore.services.bulk_sends.BulkSendService`, its first run's message kept rather than
queued):

1. two worker processes (:mod:`bench.scheduler.worker`, ``--bulk``) start together and run every
   tenant's bulk send at the same fixed clock (its message delivered twice at once): both resolve
   the segments (each batch of recipients is written by one of them) and send;
2. the victim reaches the providers through addresses of its own whose
   :class:`~bench.scheduler.providers.Tripwire` sends it SIGKILL right after the provider accepted
   its n-th message, before the answer leaves;
3. the survivor finishes (what the victim held, it leaves to the run after the lease, and sets a
   timer for it); then the clock moves a minute past the lease and each bulk send runs once more,
   as that timer would run it;
4. the count: the bulk messages the fakes accepted per recipient (duplicates: more than one), and
   every recipient's state (lost: a lead of the segment with no recipient, or a recipient neither
   sent nor refused nor put off to a later run, nor queued behind a cap with the send's next run
   planned), the progress counters against the recipients.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bench.scheduler.crash import TwoWorkers, two_workers
from bench.scheduler.dataset import Scale, TenantPlan, account_sid, copies, load, plan_tenants
from bench.scheduler.paths import Printed
from bench.scheduler.providers import Fakes, Tripwire, mark, pointed_at, tripping_fakes
from maxcore.dal.bulk_sends import BulkSendRepository, Recipient
from maxcore.models.bulk import BulkSendState, CreateBulkSendRequest, Segment
from maxcore.models.common import Channel
from maxcore.services.bulk_sender import BulkSender
from maxcore.services.bulk_sends import BulkSendService
from maxcore.services.exactly_once import LEASE
from maxcore.settings import get_settings

TEXT = "Offre groupée : -20 % sur les soins d'hiver, cette semaine seulement."
SUBJECT = "Nos soins d'hiver"
SETTLED = frozenset({"sent", "refused"})
REPORT_PAGE = 1000


@dataclass
class BulkRound(TwoWorkers):
    """One round: the workers, the run after the lease, and the count."""

    channel: str
    tenants: int
    recipients: int
    load_seconds: float
    messages: int = 0
    final: Counter[str] = field(default_factory=Counter)
    """Each recipient's end: its state, and its code when it has one (``sent:send_interrupted``)."""
    miscounted: int = 0
    """Bulk sends whose progress counters disagree with their recipients."""


def run_bulk_round(
    channel: str,
    scale: Scale,
    prefix: str,
    now: datetime,
    fakes: Fakes,
    progress: Callable[[str], None] = print,
) -> BulkRound:
    """Load a round's tenants, run their bulk sends in two workers with one killed on ``channel``."""
    started = time.perf_counter()
    tenants = copies(f"{prefix}-bulk-{channel}", plan_tenants(scale, now, first_channel=channel))
    tally = load(tenants, progress=lambda _: None)
    bulks = [(tenant_id, _accepted(tenant_id, plan, channel, now)) for tenant_id, plan in tenants]
    # The victim dies a sixth of the way into its half of the messages.
    kill_after = max(1, tally.steps // 12)
    result = BulkRound(channel, len(tenants), tally.steps, tally.seconds, kill_after=kill_after)
    progress(
        f"bulk round '{channel}': {len(bulks)} bulk sends to {tally.steps:,} leads, loaded in "
        f"{tally.seconds:.1f} s; two workers, the victim killed at its message #{kill_after}"
    )
    since = mark(fakes)
    tripwire = Tripwire(channel, kill_after)
    with _timers_on_moto(), tripping_fakes(fakes, tripwire) as victim_fakes:
        result.workers = two_workers([], now, fakes, victim_fakes, tripwire, bulk=bulks)
        result.victim_accepted = tripwire.accepted
        after = now + LEASE + timedelta(minutes=1)
        with contextlib.redirect_stdout(Printed()):
            for tenant_id, bulk_id in bulks:
                BulkSender(tenant_id, clock=lambda: after).run(bulk_id)
    per_lead = _messages(fakes, since, tenants, channel)
    result.messages = sum(per_lead.values())
    result.duplicates = sum(n - 1 for key, n in per_lead.items() if key is not None)
    result.unnamed = per_lead[None]
    for (tenant_id, plan), (_, bulk_id) in zip(tenants, bulks, strict=True):
        _count(result, tenant_id, bulk_id, {p.lead.id for p in plan.prospects}, per_lead)
    result.seconds = time.perf_counter() - started
    return result


def _accepted(tenant_id: str, plan: TenantPlan, channel: str, now: datetime) -> str:
    """A bulk send to every lead of the tenant, accepted as the API accepts it (its message kept)."""
    request = CreateBulkSendRequest(
        channel=Channel(channel),
        body=TEXT,
        subject=SUBJECT if channel == "email" else None,
        segment=Segment(lead_ids=[p.lead.id for p in plan.prospects]),
    )
    return BulkSendService(tenant_id, clock=lambda: now, queue=lambda _: None).create(request, "bench").id


def _timers_on_moto() -> contextlib.AbstractContextManager[None]:
    """One-time timers set on the benchmark's moto server (SSM's), for the workers and the rerun."""
    return pointed_at(
        {
            "SCHEDULER_ENDPOINT": str(get_settings().ssm_endpoint),
            "TIMER_TARGET_ARN": "arn:aws:sqs:eu-west-3:123456789012:bench-fanout",
            "TIMER_ROLE_ARN": "arn:aws:iam::123456789012:role/bench-timers",
        }
    )


def _messages(
    fakes: Fakes, since: tuple[int, int], tenants: list[tuple[str, TenantPlan]], channel: str
) -> Counter[tuple[str, str] | None]:
    """The bulk messages the fakes accepted since ``since``, per (tenant, lead); ``None``: not told."""
    found: Counter[tuple[str, str] | None] = Counter()
    if channel == "sms":
        tenant_of = {account_sid(t): t for t, _ in tenants}
        lead_of = {(t, p.lead.phone): p.lead.id for t, plan in tenants for p in plan.prospects}
        with fakes.twilio.lock:
            sent = list(fakes.twilio.sent[since[0] :])
        for message in sent:
            tenant_id = tenant_of.get(str(message.get("account_sid")))
            lead_id = lead_of.get((str(tenant_id), str(message.get("to"))))
            named = TEXT in str(message.get("body")) and tenant_id is not None and lead_id is not None
            found[(str(tenant_id), str(lead_id)) if named else None] += 1
        return found
    with fakes.resend.lock:
        sent = list(fakes.resend.sent[since[1] :])
    for message in sent:
        # The send's key: <tenant>:bulk:<bulk send>:<lead>.
        parts = str(message.get("idempotency_key") or "").split(":")
        found[(parts[0], parts[3]) if len(parts) == 4 and parts[1] == "bulk" else None] += 1
    return found


def _count(
    result: BulkRound,
    tenant_id: str,
    bulk_id: str,
    leads: set[str],
    per_lead: Counter[tuple[str, str] | None],
) -> None:
    repository = BulkSendRepository(tenant_id)
    recipients = {r.lead_id: r for r in _recipients(repository, bulk_id)}
    bulk, _ = repository.get(bulk_id)
    # A cap (an e-mail sender's daily limit) stops the run: the rest waits for the run planned then.
    planned = bulk.state is BulkSendState.RUNNING and bulk.next_run_at is not None
    for lead_id in leads:
        recipient = recipients.get(lead_id)
        messages = per_lead[(tenant_id, lead_id)]
        if recipient is None:
            result.lost += 1
            result.final["(missing)"] += 1
            continue
        waits = " (next run planned)" if recipient.state == "queued" and planned else ""
        result.final[recipient.state + ("" if recipient.code is None else f":{recipient.code}") + waits] += 1
        put_off = recipient.state == "deferred" and recipient.not_before is not None
        waiting = recipient.state == "queued" and planned
        result.lost += recipient.state not in SETTLED and not put_off and not waiting
        result.phantom += recipient.state == "sent" and recipient.code is None and messages == 0
        result.silent += messages > 0 and recipient.state != "sent"
    states = Counter(r.state for r in recipients.values())
    progress = bulk.progress
    result.miscounted += (progress.recipients, progress.sent, progress.refused, progress.pending) != (
        len(recipients),
        states["sent"],
        states["refused"],
        states["deferred"],
    )


def _recipients(repository: BulkSendRepository, bulk_id: str) -> Iterator[Recipient]:
    cursor: str | None = None
    while True:
        page, cursor = repository.recipients(bulk_id, None, REPORT_PAGE, cursor)
        yield from page
        if cursor is None:
            return
