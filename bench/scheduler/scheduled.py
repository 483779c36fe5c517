"""Scheduled messages in the mix: timers delivered twice, the sweep racing them, cancels, lost timers.

Fresh tenants (the crash rounds' scale), whose leads get SMS scheduled an hour before ``now``
through :class:`~maxcore.services.scheduled_messages.ScheduledMessageService` (timers set on the
moto server that holds SSM; moto keeps them, never fires them). Each message is one of:

- ``due``: due by ``now``; its timer's input (read back from the schedule) is delivered **twice**,
  by two threads at once, while a third runs the hourly sweep over the tenants;
- ``timer_lost``: due by ``now`` minus the sweep's grace, its timer deleted: only the sweep sends it;
- ``cancelled``: cancelled before its time (timer deleted); its timer's input is delivered anyway,
  as one already on its way would be;
- ``later``: due after ``now``; its timer is delivered early (nothing may go) and it must still wait;
- ``blacklisted``: due, to a lead blacklisted since: it must end ``failed`` with the reason.

The count, from the fake Twilio's records (each body carries its message's tag) and the table:
duplicate sends (messages beyond the first for one scheduled message) and lost messages (a due one
that ended neither ``sent`` with exactly one message nor ``failed`` with a reason, a cancelled or a
later one that went or left its state).
"""

from __future__ import annotations

import contextlib
import json
import random
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import boto3

from bench.scheduler.dataset import Scale, TenantPlan, copies, load, plan_tenants
from bench.scheduler.paths import Printed
from bench.scheduler.providers import Fakes, mark, pointed_at
from maxcore.dal.scheduled_messages import ScheduledMessageRepository
from maxcore.models.jobs import TenantJobMessage
from maxcore.models.message import ChannelChoice, SendMessageRequest
from maxcore.models.scheduled_message import ScheduledState
from maxcore.rules.scheduled_sends import SWEEP_GRACE
from maxcore.services.scheduled_messages import TIMER_KIND, ScheduledMessageService, ScheduledSender
from maxcore.services.timers import Timers, timer_name
from maxcore.settings import get_settings

KINDS = (("due", 0.55), ("timer_lost", 0.15), ("cancelled", 0.15), ("later", 0.15))
"""The share of each kind among the messages to leads that may be written to."""
PER_TENANT = 20
"""Messages scheduled per tenant."""
TIMER_ENVIRONMENT = {
    "TIMER_TARGET_ARN": "arn:aws:sqs:eu-west-3:123456789012:bench-fanout",
    "TIMER_ROLE_ARN": "arn:aws:iam::123456789012:role/bench-timers",
    "TIMER_GROUP": "default",
}
"""Where the benchmark's timers would deliver (moto checks neither; nothing reads that queue)."""


@dataclass(frozen=True)
class Planned:
    """One scheduled message of the round, and what it must come to."""

    tenant_id: str
    message_id: str
    kind: str
    tag: str
    timer: TenantJobMessage
    """What its timer delivers (read back when it was set: a cancel deletes it)."""


@dataclass
class ScheduledRound:
    """What the round did, and the count."""

    tenants: int
    messages: Counter[str] = field(default_factory=Counter)
    """Scheduled messages by kind."""
    deliveries: int = 0
    """Timer inputs handed to a sender (each due one twice, the cancelled and later ones once)."""
    sweep_sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    unnamed: int = 0
    lost: int = 0
    final: Counter[str] = field(default_factory=Counter)
    """``<kind>:<state>`` of every message at the end."""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        counted = sum(self.messages.values()) > 0
        return counted and self.duplicates == 0 and self.lost == 0 and self.unnamed == 0


def run_scheduled_round(
    scale: Scale, prefix: str, now: datetime, fakes: Fakes, progress: Callable[[str], None] = print
) -> ScheduledRound:
    """Load fresh tenants, schedule their messages, deliver and sweep at ``now``, then count."""
    started = time.perf_counter()
    tenants = copies(f"{prefix}-s", plan_tenants(scale, now))
    load(tenants, progress=lambda _: None)
    result = ScheduledRound(len(tenants))
    since = mark(fakes)
    endpoint = get_settings().ssm_endpoint
    assert endpoint is not None  # the moto server that holds SSM keeps the timers too
    with pointed_at({"SCHEDULER_ENDPOINT": endpoint, **TIMER_ENVIRONMENT}):
        planned = _schedule(tenants, now, random.Random(scale.seed))
        result.messages.update(p.kind for p in planned)
        progress(
            f"scheduled messages: {len(planned)} over {len(tenants)} tenants "
            f"({', '.join(f'{k} {n}' for k, n in sorted(result.messages.items()))}); "
            "each due timer delivered twice while the sweep runs"
        )
        for p in planned:
            if p.kind == "timer_lost":
                Timers().cancel(timer_name(p.tenant_id, TIMER_KIND, p.message_id))
        with contextlib.redirect_stdout(Printed()):
            result.deliveries, result.sweep_sent = _deliver(planned, [t for t, _ in tenants], now)
    with fakes.twilio.lock:
        bodies = [str(m.get("body", "")) for m in fakes.twilio.sent[since[0] :]]
    _count(result, planned, bodies)
    result.seconds = time.perf_counter() - started
    return result


def _schedule(tenants: list[tuple[str, TenantPlan]], now: datetime, rng: random.Random) -> list[Planned]:
    """Schedule each tenant's messages an hour before ``now``; cancel the ones to cancel."""
    planned: list[Planned] = []
    scheduled_at = now - timedelta(hours=1)
    for tenant_id, plan in tenants:
        service = ScheduledMessageService(tenant_id, clock=lambda: scheduled_at)
        writable = [p for p in plan.prospects if p.expected == "sent"][:PER_TENANT]
        blacklisted = [p for p in plan.prospects if (p.blacklisted or "").startswith("+")][:2]
        mix = [*((p, _kind(rng)) for p in writable), *((p, "blacklisted") for p in blacklisted)]
        for prospect, kind in mix:
            tag = f"[bench-{len(planned):05d}]"
            request = SendMessageRequest(
                lead_id=prospect.lead.id,
                channel=ChannelChoice.SMS,
                body=f"Petit rappel de notre rendez-vous {tag}",
                send_at=_send_at(kind, now, rng),
            )
            message = service.schedule(request, "bench")
            timer = _timer_input(tenant_id, message.id)
            if kind == "cancelled":
                service.cancel(message.id)
            planned.append(Planned(tenant_id, message.id, kind, tag, timer))
    return planned


def _kind(rng: random.Random) -> str:
    draw = rng.random()
    for kind, share in KINDS:
        if draw < share:
            return kind
        draw -= share
    return KINDS[-1][0]


def _send_at(kind: str, now: datetime, rng: random.Random) -> datetime:
    if kind == "later":
        return now + timedelta(minutes=rng.randint(10, 50))
    if kind == "timer_lost":
        return now - SWEEP_GRACE - timedelta(minutes=rng.randint(1, 40))
    return now - timedelta(minutes=rng.randint(0, 50))


def _timer_input(tenant_id: str, message_id: str) -> TenantJobMessage:
    """The message the timer delivers: its schedule's ``Target.Input``, read back from moto."""
    settings = get_settings()
    client = boto3.client("scheduler", endpoint_url=settings.scheduler_endpoint, region_name=settings.region)
    name = timer_name(tenant_id, TIMER_KIND, message_id)
    found = client.get_schedule(Name=name, GroupName=settings.timer_group)
    return TenantJobMessage.model_validate(json.loads(found["Target"]["Input"]))


def _deliver(planned: list[Planned], tenant_ids: list[str], now: datetime) -> tuple[int, int]:
    """Two threads deliver every timer's input, a third sweeps every tenant, all at once at ``now``.

    A cancelled message's timer is gone, but the input it had is delivered anyway, as one already
    on its way would be; a lost timer's is never delivered.
    """
    order = [p.timer for p in planned if p.kind != "timer_lost"]

    def deliver(messages: list[TenantJobMessage]) -> int:
        senders: dict[str, ScheduledSender] = {}
        for message in messages:
            if message.tenant_id not in senders:
                senders[message.tenant_id] = ScheduledSender(message.tenant_id, clock=lambda: now)
            assert message.item_id is not None
            senders[message.tenant_id].send(message.item_id)
        return len(messages)

    def sweep() -> int:
        return sum(ScheduledSender(t, clock=lambda: now).sweep().outcomes.get("sent", 0) for t in tenant_ids)

    with ThreadPoolExecutor(max_workers=3) as pool:
        first, second = pool.submit(deliver, order), pool.submit(deliver, list(reversed(order)))
        swept = pool.submit(sweep)
        return first.result() + second.result(), swept.result()


def _count(result: ScheduledRound, planned: list[Planned], bodies: list[str]) -> None:
    per_tag = Counter(tag for body in bodies for tag in [_tag(body)] if tag is not None)
    result.accepted = len(bodies)
    result.unnamed = sum(1 for body in bodies if _tag(body) is None)
    result.duplicates = sum(n - 1 for n in per_tag.values())
    for p in planned:
        message = ScheduledMessageRepository(p.tenant_id).get(p.message_id)
        result.final[f"{p.kind}:{message.state.value}"] += 1
        messages = per_tag[p.tag]
        if p.kind in ("due", "timer_lost"):
            went = message.state is ScheduledState.SENT and messages == 1 and message.activity_id is not None
            result.lost += not went
        elif p.kind == "blacklisted":
            result.lost += not (message.state is ScheduledState.FAILED and message.reason and messages == 0)
        elif p.kind == "cancelled":
            result.lost += not (message.state is ScheduledState.CANCELLED and messages == 0)
        else:
            result.lost += not (message.state is ScheduledState.SCHEDULED and messages == 0)


def _tag(body: str) -> str | None:
    start = body.find("[bench-")
    return None if start < 0 else body[start : body.find("]", start) + 1]
