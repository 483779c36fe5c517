"""A function loads at import only what its requests use.

Each handler module of template.yaml is imported in a fresh interpreter, the way Lambda and
``make importtime`` import it (the layer and the function folder on the path, the deployed environment,
tracing on), and the test reads which modules that import left loaded. Timings are too noisy for a test
(``make importtime`` prints them against the stack's floor); which modules get loaded is not.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import pytest

from devserver.template import load_template
from scripts.importtime import loads, measure, targets

NEVER_AT_IMPORT = {
    "openai": "the language model's SDK (about 1 s), loaded by the first call to the model",
    "twilio": "Twilio's SDK, loaded by the first SMS or WhatsApp send",
    "resend": "Resend's SDK, loaded by the first e-mail send",
    "phonenumbers": "the phone number metadata, loaded by the first number read",
    "nh3": "the HTML sanitiser, loaded by the first e-mail HTML checked",
    "aws_lambda_powertools.event_handler.openapi.models": "the OpenAPI document's models, for documents",
    "maxcore.rules.intent": "the reply classifier (its patterns compile on import), loaded by a first reply",
    "guess_language": "the language guess of a written message, loaded by the first message checked",
}
"""Modules no function needs before a request reaches the code path that uses them."""

_SENDERS = {"MessagingFunction", "ProspectionFunction", "SchedulerWorkerFunction"}
_PROVIDER_FACING = {*_SENDERS, "WebhooksFunction"}

ONLY_WHERE_USED = {
    # Exactly-once sends and provider deliveries.
    "aws_lambda_powertools.utilities.idempotency": _PROVIDER_FACING,
    # The tenants' provider credentials, the secret unsubscribe links are signed with, and the webhook
    # endpoints' signing secrets (written by the events API, read by the deliveries).
    "aws_lambda_powertools.utilities.parameters": _PROVIDER_FACING
    | {"UnsubscribeFunction", "EventsFunction", "EventsDeliveryFunction"},
    "maxcore.services.messaging": _SENDERS,
    # Approvals send a sequence's step, the schedule preview runs the sequencer and automations dry.
    "maxcore.services.sequencer": {"ProspectionFunction", "SchedulerWorkerFunction"},
    "maxcore.services.automation_runner": {"ProspectionFunction", "SchedulerWorkerFunction"},
    # The worker's job runners: the scheduler function and the webhooks only queue jobs.
    "maxcore.services.scheduling": {"SchedulerWorkerFunction"},
}
"""Heavy modules and the functions whose requests use them; any other function must not load them."""

FUNCTIONS = {target.name: target for target in targets(load_template())[1]}
"""Every handler module of template.yaml by function name (the scheduler's folder holds two)."""


@cache
def _loaded() -> dict[str, frozenset[str]]:
    # One interpreter per function, as many at once as there are cores.
    with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
        samples = pool.map(measure, FUNCTIONS.values())
        return {name: sample.modules for name, sample in zip(FUNCTIONS, samples, strict=True)}


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_no_function_loads_at_import_what_only_a_request_path_needs(function: str) -> None:
    # Given a fresh interpreter, When the function's module is imported, Then none of these is loaded
    loaded = _loaded()[function]
    early = {package: why for package, why in NEVER_AT_IMPORT.items() if loads(loaded, package)}
    assert early == {}


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_a_function_loads_no_heavy_module_that_only_other_functions_use(function: str) -> None:
    # Given a fresh interpreter, When the function's module is imported
    loaded = _loaded()[function]
    # Then it loaded only the heavy modules its own requests use
    foreign = sorted(
        package
        for package, users in ONLY_WHERE_USED.items()
        if function not in users and loads(loaded, package)
    )
    assert foreign == []


def test_the_table_names_functions_of_the_template() -> None:
    named = {name for users in ONLY_WHERE_USED.values() for name in users}
    assert named <= set(FUNCTIONS)
