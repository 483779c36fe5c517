"""Two workers on the same shards at once, one of them killed mid-send, then the run after the lease.

Each round has fresh tenants whose first steps are all due at :data:`~bench.scheduler.dataset.NOW`,
every prospect in the campaign whose first step goes through the round's provider:

1. two worker processes (:mod:`bench.scheduler.worker`) start together and run the same messages
   (every tenant x shard, in the same order: the fan-out's message delivered twice at once, which
   SQS's at-least-once delivery allows) at the same fixed clock;
2. one of them, the victim, talks to the providers through addresses of its own whose
   :class:`~bench.scheduler.providers.Tripwire` sends it SIGKILL right after the provider accepted
   its n-th message on the round's channel, before the answer leaves: a real death of the worker
   process with a send accepted and nothing recorded (no exception, no ``finally``, no cleanup);
3. the survivor finishes; then the clock moves a minute past the lease
   (:data:`maxcore.services.exactly_once.LEASE`) and the job runs once more, every tenant x shard;
4. the count: the messages the fake providers accepted, per step (duplicates: more than one), and
   the state of every due step (lost: neither settled by a decision of the scheduler nor still
   properly due, i.e. unclaimed, active on step 1 and in the due index).

The ``sms`` round kills the victim on a Twilio message (no idempotency key: the step must end
``unconfirmed``, never sent again); the ``email`` round on a Resend message (Resend honours the
key: the step is sent again under the same key and the provider answers the first e-mail's id).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from bench.scheduler.dataset import SCENARIOS, Scale, TenantPlan, copies, iter_due, load, plan_tenants
from bench.scheduler.paths import Printed, State, due_now, states
from bench.scheduler.providers import Fakes, Send, StepNames, Tripwire, duplicates, mark, tripping_fakes
from bench.scheduler.worker import READY
from maxcore.dal.enrollments import EnrollmentRepository
from maxcore.dal.keys import DUE_SHARDS
from maxcore.services.exactly_once import LEASE
from maxcore.services.sequencer import Sequencer

REPO_ROOT = Path(__file__).resolve().parents[2]
LAYER = REPO_ROOT / "layers" / "shared"
WORKER_TIMEOUT_SECONDS = 900.0
SETTLED_WITH_MESSAGE = frozenset({"sent", "unconfirmed"})
"""The outcomes a step whose message a provider accepted may end with."""


@dataclass
class Worker:
    """One worker process of a round, and what it reported."""

    role: str
    pid: int
    returncode: int | None
    summary: dict[str, Any] | None
    stderr: str

    @property
    def killed(self) -> bool:
        return self.returncode == -signal.SIGKILL


@dataclass(kw_only=True)
class TwoWorkers:
    """A round of two worker processes on the same work, the victim killed mid-send, and what the
    providers' records and the table say after it."""

    kill_after: int
    workers: list[Worker] = field(default_factory=list)
    victim_accepted: int = 0
    duplicates: int = 0
    unnamed: int = 0
    lost: int = 0
    phantom: int = 0
    """Work recorded as sent whose message no provider accepted."""
    silent: int = 0
    """Work a provider accepted a message for, recorded as neither sent nor unconfirmed."""
    seconds: float = 0.0

    @property
    def victim(self) -> Worker | None:
        return next((w for w in self.workers if w.role == "victim"), None)

    @property
    def survivor(self) -> Worker | None:
        return next((w for w in self.workers if w.role == "survivor"), None)

    @property
    def crashed(self) -> bool:
        """The victim died of the SIGKILL, with a message accepted."""
        victim = self.victim
        return victim is not None and victim.killed and self.victim_accepted >= self.kill_after

    @property
    def ok(self) -> bool:
        return self.duplicates == 0 and self.lost == 0 and self.crashed


@dataclass
class CrashRound(TwoWorkers):
    """One round: the workers, the run after the lease, and the count."""

    channel: str
    tenants: int
    steps: int
    load_seconds: float
    due_after_lease: int = 0
    claimed_after_crash: int = 0
    sending_after_crash: int = 0
    rerun_due: int = 0
    rerun_outcomes: Counter[str] = field(default_factory=Counter)
    rerun_lost_races: int = 0
    sends: list[Send] = field(default_factory=list)
    final: Counter[str] = field(default_factory=Counter)
    """The outcome each due step ended with (``due`` when still properly due)."""
    still_due: int = 0
    settled_twice: int = 0
    unconfirmed_delivered: int = 0


def run_crash_round(
    channel: str,
    scale: Scale,
    prefix: str,
    now: datetime,
    fakes: Fakes,
    progress: Callable[[str], None] = print,
) -> CrashRound:
    """Load a round's tenants, run two workers with one killed on ``channel``, rerun after the lease."""
    started = time.perf_counter()
    tenants = copies(f"{prefix}-{channel}", plan_tenants(scale, now, first_channel=channel))
    tally = load(tenants, progress=lambda _: None)
    expected = sum(
        1
        for _, _, p in iter_due(tenants)
        if p.expected == "sent" and SCENARIOS[p.campaign][1][0][0].value == channel
    )
    # The victim sends about half of them: it dies a sixth of the way in, mid-run.
    kill_after = max(1, expected // 12)
    result = CrashRound(channel, len(tenants), tally.steps, tally.seconds, kill_after=kill_after)
    names, since = StepNames(tenants), mark(fakes)
    tenant_ids = [t for t, _ in tenants]
    progress(
        f"crash round '{channel}': {tally.steps:,} due steps over {len(tenants)} tenants loaded in "
        f"{tally.seconds:.1f} s; two workers, the victim killed at its message #{kill_after} on {channel}"
    )
    tripwire = Tripwire(channel, kill_after)
    with tripping_fakes(fakes, tripwire) as victim_fakes:
        result.workers = two_workers(tenant_ids, now, fakes, victim_fakes, tripwire)
    result.victim_accepted = tripwire.accepted

    after = now + LEASE + timedelta(minutes=1)
    before = states(_campaigns(tenants))
    result.claimed_after_crash = sum(s.claimed for s in before.values())
    result.sending_after_crash = sum(s.sending for s in before.values())
    result.due_after_lease = due_now(tenant_ids, after)
    progress(
        f"  workers done; {result.claimed_after_crash} step(s) left claimed "
        f"({result.sending_after_crash} with a send started); the job runs again at now + LEASE + 1 min"
    )
    with contextlib.redirect_stdout(Printed()):
        for tenant_id in tenant_ids:
            for shard in range(DUE_SHARDS):
                report = Sequencer(tenant_id, clock=lambda: after).run_shard(shard)
                result.rerun_due += report.due
                result.rerun_outcomes.update(report.outcomes)
                result.rerun_lost_races += report.lost_races

    result.sends = names.sends(fakes, since)
    result.duplicates, result.unnamed = duplicates(result.sends)
    _count_steps(result, tenants, states(_campaigns(tenants)), _due_set(tenant_ids, after), after)
    result.seconds = time.perf_counter() - started
    return result


def _campaigns(tenants: list[tuple[str, TenantPlan]]) -> list[tuple[str, list[str]]]:
    return [(t, list(plan.campaign_ids)) for t, plan in tenants]


def _due_set(tenant_ids: list[str], at: datetime) -> set[tuple[str, str]]:
    return {
        (t, due.enrollment.lead_id)
        for t in tenant_ids
        for shard in range(DUE_SHARDS)
        for due in EnrollmentRepository(t).due(shard, at)
    }


def _count_steps(
    result: CrashRound,
    tenants: list[tuple[str, TenantPlan]],
    final: dict[tuple[str, str], State],
    due: set[tuple[str, str]],
    after: datetime,
) -> None:
    per_step = Counter(s.step for s in result.sends if s.step is not None)
    for tenant_id, plan, prospect in iter_due(tenants):
        lead_id = prospect.lead.id
        state = final.get((tenant_id, lead_id))
        step = (tenant_id, plan.campaign_ids[prospect.campaign], lead_id, 1)
        messages = per_step[step]
        if state is None:
            result.lost += 1
            result.final["(missing)"] += 1
            continue
        settled = bool(state.step_one) and not state.claimed and not state.sending
        properly_due = (
            state.status == "active"
            and state.current_step == 1
            and not state.claimed
            and not state.sending
            and state.next_action_at is not None
            and state.next_action_at <= after
            and (tenant_id, lead_id) in due
        )
        if settled:
            outcome = state.step_one[-1]
            result.final[outcome] += 1
            result.settled_twice += sum(1 for o in state.step_one if o != "deferred") > 1
            result.unconfirmed_delivered += outcome == "unconfirmed" and messages > 0
            result.phantom += outcome == "sent" and messages == 0
            result.silent += messages > 0 and outcome not in SETTLED_WITH_MESSAGE
        elif properly_due:
            result.still_due += 1
            result.final["due"] += 1
        else:
            result.lost += 1
            result.final["(lost)"] += 1


def two_workers(
    tenant_ids: list[str],
    now: datetime,
    fakes: Fakes,
    victim_fakes: Fakes,
    tripwire: Tripwire,
    bulk: list[tuple[str, str]] | None = None,
) -> list[Worker]:
    """Two worker processes on the same messages, the victim reaching the providers through
    ``victim_fakes``; ``bulk``: the (tenant, bulk send) runs they do after the shards."""
    base = {k: v for k, v in os.environ.items() if k not in _NEVER_PASSED}
    base["PYTHONPATH"] = os.pathsep.join(
        [str(LAYER), str(REPO_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    roles = (("survivor", fakes), ("victim", victim_fakes))
    command = [sys.executable, "-m", "bench.scheduler.worker"]
    command += ["--tenants", ",".join(tenant_ids), "--now", now.isoformat()]
    command += ["--bulk", ",".join(f"{tenant_id}:{bulk_id}" for tenant_id, bulk_id in bulk or [])]
    with contextlib.ExitStack() as stack:
        processes: list[tuple[str, subprocess.Popen[str], IO[str]]] = []
        for role, target in roles:
            errors: IO[str] = stack.enter_context(tempfile.TemporaryFile("w+"))
            process = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env={**base, **target.environment()},
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
            )
            stack.callback(_reap, process)
            processes.append((role, process, errors))
        for _, process, _ in processes:
            assert process.stdout is not None
            line = process.stdout.readline().strip()
            if line != READY:
                raise RuntimeError(f"a worker did not start: {line!r}, exit code {process.poll()}")
        victim = next(p for role, p, _ in processes if role == "victim")
        tripwire.arm(victim.pid)
        # Go, both at once; the victim first, so that it wins some of the first claims even in a
        # tiny round.
        for _, process, _ in sorted(processes, key=lambda p: p[0] != "victim"):
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        workers = []
        for role, process, stderr in processes:
            try:
                out, _ = process.communicate(timeout=WORKER_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                out, _ = process.communicate()
            stderr.seek(0)
            workers.append(
                Worker(role, process.pid, process.returncode, _summary(out), stderr.read()[-2000:])
            )
    return workers


_NEVER_PASSED = frozenset(
    {"ASSISTANT_API_KEY", "OPENAI_API_KEY", "ASSISTANT_API_KEY_PARAMETER", "AWS_PROFILE"}
)
"""A worker must never reach a real model or account."""


def _summary(out: str) -> dict[str, Any] | None:
    for line in reversed(out.splitlines()):
        if line.startswith("summary "):
            found: dict[str, Any] = json.loads(line.removeprefix("summary "))
            return found
    return None


def _reap(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()
