"""Provider credentials of a tenant, in SSM Parameter Store, read through Powertools Parameters.

Names: ``/max/<stage>/tenants/<tenant>/<provider>/<credential>`` (SecureString). Reads are cached
for five minutes per process, so a burst of webhooks costs one SSM call per secret; a write through
this repository drops the cached value at once. Values never leave the services that use them.
"""

from __future__ import annotations

import contextlib
import re
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities.parameters import SSMProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

from maxcore.models.common import TENANT_ID_PATTERN
from maxcore.settings import get_settings

CACHE_SECONDS = 300


@cache
def _ssm(endpoint: str | None, region: str) -> tuple[Any, SSMProvider]:
    # One client and one cache per endpoint: tests and the dev server point the code elsewhere.
    client = boto3.client("ssm", region_name=region, endpoint_url=endpoint)
    return client, SSMProvider(boto3_client=client)


def _client() -> Any:
    settings = get_settings()
    return _ssm(settings.ssm_endpoint, settings.region)[0]


def _provider() -> SSMProvider:
    settings = get_settings()
    return _ssm(settings.ssm_endpoint, settings.region)[1]


class SecretRepository:
    """The credentials of one tenant; every name is built from the tenant given at construction."""

    def __init__(self, tenant_id: str) -> None:
        if not re.match(TENANT_ID_PATTERN, tenant_id):
            raise ValueError(f"invalid tenant id {tenant_id!r}")
        self.tenant_id = tenant_id

    def name(self, provider: str, credential: str) -> str:
        """AP24: the name of one credential's parameter, under the tenant's own path."""
        return f"/max/{get_settings().stage}/tenants/{self.tenant_id}/{provider}/{credential}"

    def get(self, provider: str, credential: str) -> str | None:
        """AP24: one credential, or ``None`` when it was never set (cached five minutes)."""
        try:
            value = _provider().get(self.name(provider, credential), decrypt=True, max_age=CACHE_SECONDS)
        except GetParameterError:
            return None
        return str(value) if value else None

    def get_all(self, provider: str, credentials: tuple[str, ...]) -> dict[str, str | None]:
        """AP24: each of ``credentials`` of ``provider``, ``None`` for those not set."""
        return {name: self.get(provider, name) for name in credentials}

    def put(self, provider: str, credential: str, value: str) -> None:
        """AP24: set one credential (SecureString, overwriting) and forget its cached value."""
        name = self.name(provider, credential)
        _client().put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)
        _provider().clear_cache()  # type: ignore[no-untyped-call]

    def delete(self, provider: str, credential: str) -> None:
        """AP24: delete one credential (one never set is not an error) and forget its cached value."""
        client = _client()
        with contextlib.suppress(client.exceptions.ParameterNotFound):
            client.delete_parameter(Name=self.name(provider, credential))
        _provider().clear_cache()  # type: ignore[no-untyped-call]


class MissingSecretError(RuntimeError):
    """A secret of the stack is configured nowhere: a deployment fault, not a client's."""


def unsubscribe_secret() -> bytes:
    """The key unsubscribe links are signed with: ``UNSUBSCRIBE_SECRET`` in local runs and tests, else
    the Secrets Manager secret the stack generates (``UNSUBSCRIBE_SECRET_ARN``), cached five minutes."""
    settings = get_settings()
    if settings.unsubscribe_secret:
        return settings.unsubscribe_secret.encode("utf-8")
    if not settings.unsubscribe_secret_arn:
        raise MissingSecretError("set UNSUBSCRIBE_SECRET (local runs) or UNSUBSCRIBE_SECRET_ARN (AWS)")
    from aws_lambda_powertools.utilities import parameters

    value = parameters.get_secret(settings.unsubscribe_secret_arn, max_age=CACHE_SECONDS)
    return str(value).encode("utf-8")
