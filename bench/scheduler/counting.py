"""Counting the scheduler's requests: bench/alerts' counter on every item class, and SSM.

:class:`bench.alerts.counting.RequestCounter` hooks the botocore clients of the item classes the
alert paths use; the scheduler touches many more (enrollments, campaigns, scenarios, blacklist,
channel settings, send counters, activities, message references, interactions...), so
:class:`SchedulerCounter` hooks the client of every class of ``maxcore.dal.items.ALL_ITEMS``. Its
labels go one step further than the alerts' ones: the values that differ from request to request
(due-index shard, addresses, times, provider message ids) become placeholders, and a
TransactWriteItems names what it writes (``[Update ENROLL, Put INTER]``).

The tenants' provider credentials are read from SSM (cached five minutes per process by Powertools):
those requests are counted apart, on the SSM client the product builds.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

from pynamodb.signals import pre_dynamodb_send

from bench.alerts.counting import _LABEL, READS, WRITES, RequestCounter, Stats, label
from maxcore.dal import secrets
from maxcore.dal.items import ALL_ITEMS
from maxcore.settings import get_settings

__all__ = ["READS", "WRITES", "SchedulerCounter", "Stats", "collapse"]

_PLACEHOLDERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"#DUE#\d+"), "#DUE#<n>"),
    (re.compile(r"\b(EMAIL|PHONE)#\S+"), r"\1#<v>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:\d{2})?)?"), "<time>"),
    (re.compile(r"PMSG#\S+"), "PMSG#<v>"),
)


def collapse(text: str) -> str:
    """A label with the shard, addresses, times and provider ids replaced by placeholders."""
    for found, placeholder in _PLACEHOLDERS:
        text = found.sub(placeholder, text)
    return text


def transaction_label(params: Mapping[str, Any]) -> str:
    """``TransactWriteItems [Update ENROLL, Put INTER]``: each item's action and sort-key prefix."""
    parts = []
    for entry in params.get("TransactItems", ()):
        ((action, body),) = entry.items()
        sk = str(body.get("Key", body.get("Item", {})).get("SK", {}).get("S", "?"))
        parts.append(f"{action} {sk.split('#', 1)[0]}")
    return f"TransactWriteItems [{', '.join(parts)}]"


class SchedulerCounter(RequestCounter):
    """A :class:`RequestCounter` on the clients of every item class, with SSM counted apart."""

    def __init__(self) -> None:
        super().__init__()
        self.ssm: Counter[str] = Counter()
        """SSM requests by operation, while not paused."""
        self._ssm_client: Any = None

    def attach(self) -> SchedulerCounter:
        """Register the hooks on every item class's client and on the product's SSM client."""
        for item in ALL_ITEMS:
            client = item._get_connection().connection.client
            if id(client) in self._clients:
                continue
            self._clients[id(client)] = client
            client.meta.events.register("before-parameter-build.dynamodb", self._before)
            client.meta.events.register("after-call.dynamodb", self._after)
            client.meta.events.register("after-call-error.dynamodb", self._failed)
        pre_dynamodb_send.connect(self._sent, weak=False)
        settings = get_settings()
        # The client the secret repository reads credentials with (one per endpoint and region).
        self._ssm_client = secrets._ssm(settings.ssm_endpoint, settings.region)[0]
        self._ssm_client.meta.events.register("after-call.ssm", self._ssm_called)
        return self

    def detach(self) -> None:
        """Unregister every hook."""
        super().detach()
        if self._ssm_client is not None:
            self._ssm_client.meta.events.unregister("after-call.ssm", self._ssm_called)
            self._ssm_client = None

    def _before(self, params: dict[str, Any], model: Any, context: dict[str, Any], **kwargs: Any) -> None:
        super()._before(params=params, model=model, context=context, **kwargs)
        if self._paused:
            return
        if model.name == "TransactWriteItems":
            context[_LABEL] = transaction_label(params)
        else:
            context[_LABEL] = collapse(label(model.name, params))

    def _ssm_called(self, model: Any, **_: Any) -> None:
        if not self._paused:
            self.ssm[model.name] += 1
