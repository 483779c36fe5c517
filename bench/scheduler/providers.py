"""The fake Twilio and Resend the sends go to, the crash switch, and the sends counted per step.

The fakes are the test suite's (``tests/support/fake_providers.py``): small HTTP servers speaking
Twilio's Messages API and Resend's ``POST /emails`` (with its Idempotency-Key semantics). The
product reaches them through its own configuration, never a patch: the tenants' credentials are in
SSM, ``TWILIO_API_URL`` and ``RESEND_API_URL`` point the real SDKs at the fakes.

A worker of the crash phase is given fakes of its own (:func:`tripping_fakes`): other servers, but
the same records (the same ``sent`` list and, for Resend, the same idempotency keys, as one provider
account seen through another address). Their :class:`Tripwire` kills the worker's process with
SIGKILL from inside the provider, right after the provider accepted one of its messages and before
the answer leaves: the worker dies with a send accepted and not recorded, as a Lambda does when its
time runs out or its host goes.

What the fakes accepted is turned into one :class:`Send` per message, named by the step it is:
Resend's by the idempotency key the scheduler gives it (``<tenant>:step:<campaign>:<lead>:<n>``),
Twilio's (Twilio takes no key) by the tenant's account, the lead's number and the step's objective
in the text.
"""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from bench.scheduler.dataset import AUTH_TOKEN, RESEND_KEY, SCENARIOS, TenantPlan, account_sid
from tests.support.fake_providers import (
    FakeResend,
    FakeTwilio,
    RecordedRequest,
    Reply,
    _running,
    running_fake_resend,
    running_fake_twilio,
)

StepId = tuple[str, str, str, int]
"""A step: (tenant id, campaign id, lead id, step number)."""


@dataclass
class Tripwire:
    """Kills a process with SIGKILL when the provider has accepted its ``after``-th message on ``channel``."""

    channel: str
    after: int
    pid: int | None = None
    accepted: int = 0
    fired: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def arm(self, pid: int) -> None:
        """Watch the messages of the process ``pid``."""
        with self.lock:
            self.pid, self.accepted, self.fired = pid, 0, False

    def on_accepted(self, channel: str) -> None:
        """One more message accepted from the watched process: kill it when it is the one."""
        with self.lock:
            if self.pid is None or self.fired or channel != self.channel:
                return
            self.accepted += 1
            if self.accepted < self.after:
                return
            self.fired = True
            pid = self.pid
        # The answer is not written yet: the worker never learns its message was accepted.
        os.kill(pid, signal.SIGKILL)


@dataclass
class _TrippingTwilio(FakeTwilio):
    tripwire: Tripwire | None = None

    def handle(self, request: RecordedRequest) -> Reply:
        reply = super().handle(request)
        if reply.status == 201 and self.tripwire is not None:
            self.tripwire.on_accepted("sms")
        return reply


@dataclass
class _TrippingResend(FakeResend):
    tripwire: Tripwire | None = None

    def handle(self, request: RecordedRequest) -> Reply:
        key = request.headers.get("idempotency-key")
        with self.lock:
            replay = key is not None and key in self.idempotency
        reply = super().handle(request)
        # A replayed key answers 200 too, but sends nothing: only a new e-mail counts.
        if reply.status == 200 and not replay and self.tripwire is not None:
            self.tripwire.on_accepted("email")
        return reply


@dataclass
class Fakes:
    """The two fake providers every send of the benchmark goes to."""

    twilio: FakeTwilio
    resend: FakeResend

    def environment(self) -> dict[str, str]:
        """The variables that point the product's SDKs at these fakes."""
        return {"TWILIO_API_URL": self.twilio.url, "RESEND_API_URL": self.resend.url}

    def requests(self) -> int:
        """HTTP requests the fakes received so far."""
        return len(self.twilio.requests) + len(self.resend.requests)

    def accepted(self) -> int:
        """Messages the fakes accepted so far (a replayed Resend key is not a new one)."""
        return len(self.twilio.sent) + len(self.resend.sent)


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """``values`` set in the process's environment for the block (the settings read again), then
    the environment as it was."""
    from maxcore.settings import reset_settings

    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    reset_settings()
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reset_settings()


@contextmanager
def running_fakes() -> Iterator[Fakes]:
    """A fake Twilio and a fake Resend on free loopback ports, checking the benchmark's credentials."""
    with (
        running_fake_twilio(auth_token=AUTH_TOKEN) as twilio,
        running_fake_resend(api_key=RESEND_KEY) as resend,
    ):
        yield Fakes(twilio, resend)


@contextmanager
def tripping_fakes(fakes: Fakes, tripwire: Tripwire) -> Iterator[Fakes]:
    """Other addresses for ``fakes``' records, whose accepted messages ``tripwire`` watches."""
    twilio = _TrippingTwilio(
        auth_token=AUTH_TOKEN,
        requests=fakes.twilio.requests,
        sent=fakes.twilio.sent,
        lock=fakes.twilio.lock,
        tripwire=tripwire,
    )
    resend = _TrippingResend(
        api_key=RESEND_KEY,
        requests=fakes.resend.requests,
        sent=fakes.resend.sent,
        lock=fakes.resend.lock,
        idempotency=fakes.resend.idempotency,
        tripwire=tripwire,
    )
    with ExitStack() as stack:
        yield Fakes(stack.enter_context(_running(twilio)), stack.enter_context(_running(resend)))


# --- the sends, step by step -----------------------------------------------------------------------
@dataclass(frozen=True)
class Send:
    """One message a fake accepted, and the step it is (``None`` when it cannot be told)."""

    provider: str
    step: StepId | None


class StepNames:
    """Tells which step a message the fakes accepted is, from the plans of the tenants it may be for."""

    def __init__(self, tenants: list[tuple[str, TenantPlan]]) -> None:
        self._tenants = {account_sid(tenant_id): tenant_id for tenant_id, _ in tenants}
        self._leads: dict[tuple[str, str], tuple[str, str, int]] = {}
        for tenant_id, plan in tenants:
            for prospect in plan.prospects:
                lead = prospect.lead
                assert lead.phone is not None
                self._leads[(tenant_id, lead.phone)] = (
                    plan.campaign_ids[prospect.campaign],
                    lead.id,
                    prospect.campaign,
                )

    def twilio(self, message: dict[str, Any]) -> StepId | None:
        """The step of a Twilio message: the account names the tenant, the number the lead."""
        tenant_id = self._tenants.get(str(message.get("account_sid")))
        if tenant_id is None:
            return None
        found = self._leads.get((tenant_id, str(message.get("to"))))
        if found is None:
            return None
        campaign_id, lead_id, scenario = found
        text = str(message.get("body", ""))
        # The step's template quotes its objective (dataset._step_template), each its campaign's own.
        orders = [
            n for n, (_, _, objective) in enumerate(SCENARIOS[scenario][1], start=1) if objective in text
        ]
        return (tenant_id, campaign_id, lead_id, orders[0]) if len(orders) == 1 else None

    def resend(self, message: dict[str, Any]) -> StepId | None:
        """The step of an e-mail: its idempotency key ``<tenant>:step:<campaign>:<lead>:<n>``."""
        parts = str(message.get("idempotency_key") or "").split(":")
        if len(parts) != 5 or parts[1] != "step" or not parts[4].isdigit():
            return None
        return (parts[0], parts[2], parts[3], int(parts[4]))

    def sends(self, fakes: Fakes, since: tuple[int, int] = (0, 0)) -> list[Send]:
        """The messages accepted after ``since`` (a :func:`mark`), each with its step."""
        with fakes.twilio.lock:
            twilio = list(fakes.twilio.sent[since[0] :])
        with fakes.resend.lock:
            resend = list(fakes.resend.sent[since[1] :])
        return [Send("twilio", self.twilio(m)) for m in twilio] + [
            Send("resend", self.resend(m)) for m in resend
        ]


def mark(fakes: Fakes) -> tuple[int, int]:
    """Where the fakes' records stand now: sends after it are :meth:`StepNames.sends` ``since`` it."""
    return len(fakes.twilio.sent), len(fakes.resend.sent)


def duplicates(sends: list[Send]) -> tuple[int, int]:
    """(messages beyond the first of a step, messages whose step cannot be told)."""
    per_step = Counter(s.step for s in sends if s.step is not None)
    return sum(n - 1 for n in per_step.values()), sum(1 for s in sends if s.step is None)
