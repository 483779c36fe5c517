"""A scheduled run reads once what does not change within it: the RunCache a worker invocation shares."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from maxcore.dal.suppressions import SuppressionRepository
from maxcore.models.channel import UpdateChannelRequest
from maxcore.models.common import Channel
from maxcore.models.jobs import TenantJobMessage
from maxcore.services.channels import ChannelService
from maxcore.services.run_cache import RunCache
from maxcore.services.scheduling import run_tenant_job
from maxcore.services.tenants import provision_tenant
from tests.support.dynamodb_requests import counting_requests

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


def _shard_message(tenant_id: str, shard: int) -> TenantJobMessage:
    return TenantJobMessage.model_validate(
        {
            "job": "run_pending_actions",
            "tenant_id": tenant_id,
            "scheduled_at": "2026-03-10T09:05:00Z",
            "shard": shard,
        }
    )


def test_a_runs_channels_are_read_once_and_answer_as_the_table_does(
    tenant_id: str, other_tenant_id: str
) -> None:
    # Given a tenant with its SMS channel turned off and a suppressed address, and another tenant's own
    ChannelService(tenant_id, clock=lambda: NOW).update(
        Channel.SMS, UpdateChannelRequest(enabled=False), "user-1"
    )
    SuppressionRepository(tenant_id).suppress("lea@example.fr", "bounced", None, "e1", NOW)
    SuppressionRepository(other_tenant_id).suppress("marc@example.fr", "bounced", None, "e2", NOW)
    channels = RunCache(lambda: NOW).tenant(tenant_id).channels
    # When a run asks for the settings and about addresses several times
    with counting_requests() as requests:
        answers = [
            channels.settings()[Channel.SMS].enabled,
            channels.settings()[Channel.EMAIL].enabled,
            channels.suppressed("lea@example.fr"),
            channels.suppressed("marc@example.fr"),
            channels.suppressed("lea@example.fr"),
        ]
    # Then it got the table's answers, the other tenant's suppression not among them, with one
    # Query of the settings and one of the suppression list
    assert answers == [False, True, True, False, True]
    assert requests.operations == ["Query", "Query"]


def test_the_shard_messages_of_one_batch_read_the_tenants_profile_once(tenant_id: str) -> None:
    # Given a provisioned tenant with nothing due, and two of its shard messages
    provision_tenant(tenant_id, "Belle Peau")
    messages = [_shard_message(tenant_id, 0), _shard_message(tenant_id, 1)]
    # When a worker runs them one by one, then as one batch sharing a RunCache
    with counting_requests() as alone:
        for message in messages:
            run_tenant_job(message)
    batch = RunCache()
    with counting_requests() as together:
        for message in messages:
            run_tenant_job(message, run=batch)
    # Then each message alone reads the profile (a GetItem) besides its shard's Query; the batch once.
    # (Shard 0's message also reads the due index of the scheduled messages and the index of the
    # active bulk sends: two Queries more.)
    assert (alone.operations.count("GetItem"), alone.operations.count("Query")) == (2, 4)
    assert (together.operations.count("GetItem"), together.operations.count("Query")) == (1, 4)


def test_a_run_cache_keeps_each_tenant_apart(tenant_id: str, other_tenant_id: str) -> None:
    # Given one run over two tenants
    cache = RunCache()
    # When it is asked for each tenant twice
    first, again, other = cache.tenant(tenant_id), cache.tenant(tenant_id), cache.tenant(other_tenant_id)
    # Then a tenant gets the same reads each time, and another tenant reads for itself
    assert first is again
    assert other is not first
    assert (first.tenant_id, other.tenant_id) == (tenant_id, other_tenant_id)
