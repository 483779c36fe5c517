"""Properties of template.yaml that other code relies on or that would be costly to lose."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode

from maxcore.dal.items import BaseItem
from maxcore.models.jobs import Job

pytestmark = pytest.mark.infrastructure

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
FUNCTION_IDS = (
    "LeadsFunction",
    "TenantsFunction",
    "BudgetFunction",
    "TemplatesFunction",
    "AssistantFunction",
    "AlertsFunction",
    "SchedulerFunction",
    "SchedulerWorkerFunction",
    "MessagingFunction",
    "ProspectionFunction",
    "WebhooksFunction",
    "UnsubscribeFunction",
    "ExportsFunction",
    "BulkSendsFunction",
    "EventsFunction",
    "EventsStreamFunction",
    "EventsDeliveryFunction",
)
LEADING_KEYS_CONDITION = {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["TENANT#*"]}}


@cache
def _load() -> dict[str, Any]:
    template, matches = decode(str(TEMPLATE))
    assert not matches, [str(m) for m in matches]
    assert template is not None
    # Plain dicts and strings: cfn-lint's nodes carry line marks we do not need.
    return json.loads(json.dumps(template))


@pytest.fixture
def template() -> dict[str, Any]:
    return _load()


@pytest.fixture
def resources(template: dict[str, Any]) -> dict[str, Any]:
    return template["Resources"]


def _of_type(resources: dict[str, Any], type_: str) -> dict[str, Any]:
    return {name: res for name, res in resources.items() if res["Type"] == type_}


def _tool(name: str) -> str:
    """Find a CLI next to the running interpreter (the venv), else on PATH."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} not found next to {sys.executable} nor on PATH")
    return found


def _tool_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("AWS_DEFAULT_REGION", "eu-west-3")
    env["SAM_CLI_TELEMETRY"] = "0"
    return env


def _contains_intrinsic(value: Any) -> bool:
    if isinstance(value, dict):
        return any(k == "Ref" or k.startswith("Fn::") or _contains_intrinsic(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_contains_intrinsic(v) for v in value)
    return False


def _references(value: Any, logical_id: str) -> bool:
    """Whether an IAM Resource value points at the given resource (Ref, GetAtt or Sub)."""
    if isinstance(value, list):
        return any(_references(v, logical_id) for v in value)
    if isinstance(value, dict):
        if value.get("Ref") == logical_id:
            return True
        getatt = value.get("Fn::GetAtt")
        if getatt is not None:
            target = getatt[0] if isinstance(getatt, list) else str(getatt).split(".")[0]
            if target == logical_id:
                return True
        sub = value.get("Fn::Sub")
        if sub is not None:
            text = sub if isinstance(sub, str) else sub[0]
            if f"${{{logical_id}}}" in text or f"${{{logical_id}." in text:
                return True
        return any(_references(v, logical_id) for v in value.values())
    return False


def _statements(function: dict[str, Any]) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = []
    for policy in function["Properties"].get("Policies", []):
        if isinstance(policy, dict) and "Statement" in policy:
            statements.extend(policy["Statement"])
    return statements


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


# --- parameters, globals, layer -------------------------------------------------------------


def test_parameters_have_the_agreed_defaults(template: dict[str, Any]) -> None:
    params = template["Parameters"]

    assert params["Stage"]["Default"] == "dev"
    assert params["JwtAudience"]["Default"] == "max-api"
    assert params["FrontendOrigin"]["Default"] == "http://localhost:5173"
    assert params["LogRetentionDays"]["Type"] == "Number"
    assert int(params["LogRetentionDays"]["Default"]) == 30
    assert 30 in [int(v) for v in params["LogRetentionDays"]["AllowedValues"]]
    assert params["AlarmEmail"]["Default"] == ""


def test_jwt_issuer_has_no_default_and_must_be_an_https_url(template: dict[str, Any]) -> None:
    # A placeholder issuer would deploy an API that answers 401 to every caller: deploy must ask.
    issuer = template["Parameters"]["JwtIssuer"]
    pattern = re.compile(issuer["AllowedPattern"])

    assert "Default" not in issuer
    assert pattern.match("https://cognito-idp.eu-west-3.amazonaws.com/eu-west-3_AbCdEf123")
    assert pattern.match("https://max.eu.auth0.com/")
    assert not pattern.match("")
    assert not pattern.match("http://auth.example.com/")


def test_function_globals_carry_runtime_layer_and_environment(template: dict[str, Any]) -> None:
    function_globals = template["Globals"]["Function"]

    assert function_globals["Runtime"] == "python3.11"
    assert function_globals["Tracing"] == "Active"
    assert function_globals["Layers"] == [{"Ref": "SharedLayer"}]
    assert function_globals["Environment"]["Variables"] == {
        "TABLE_NAME": {"Ref": "MaxTable"},
        "IDEMPOTENCY_TABLE_NAME": {"Ref": "IdempotencyTable"},
        "POWERTOOLS_SERVICE_NAME": "max",
        "POWERTOOLS_METRICS_NAMESPACE": "MAX",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "STAGE": {"Ref": "Stage"},
        "FANOUT_QUEUE_URL": {"Ref": "FanoutQueue"},
        "TIMER_TARGET_ARN": {"Fn::GetAtt": ["FanoutQueue", "Arn"]},
        "TIMER_ROLE_ARN": {"Fn::GetAtt": ["TimerRole", "Arn"]},
        "TIMER_GROUP": {"Ref": "TimerGroup"},
        # Empty in AWS; declared so `sam local --env-vars env.json` may point them at local services.
        "DYNAMODB_ENDPOINT": "",
        "SQS_ENDPOINT": "",
        "SSM_ENDPOINT": "",
        "SCHEDULER_ENDPOINT": "",
        # The unsubscribe links: under the public URL, signed with the stack's secret (a local key
        # in UNSUBSCRIBE_SECRET for `sam local`, empty in AWS).
        "UNSUBSCRIBE_BASE_URL": {"Ref": "PublicApiUrl"},
        "UNSUBSCRIBE_SECRET_ARN": {"Ref": "UnsubscribeSecret"},
        "UNSUBSCRIBE_SECRET": "",
    }


def test_layer_is_built_for_the_functions_runtime_and_architecture(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    architectures = template["Globals"]["Function"]["Architectures"]
    layer = resources["SharedLayer"]

    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Properties"]["ContentUri"].rstrip("/") == "layers/shared"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.11"]
    assert layer["Properties"]["CompatibleArchitectures"] == architectures
    assert layer["Metadata"]["BuildMethod"] == "python3.11"
    assert [layer["Metadata"]["BuildArchitecture"]] == architectures
    for function_id in FUNCTION_IDS:
        assert "Architectures" not in resources[function_id]["Properties"], function_id


def test_every_function_points_at_an_existing_handler(resources: dict[str, Any]) -> None:
    functions = _of_type(resources, "AWS::Serverless::Function")

    assert set(functions) == set(FUNCTION_IDS)
    for name, function in functions.items():
        props = function["Properties"]
        module, _, attr = props["Handler"].rpartition(".")
        source = ROOT / props["CodeUri"] / f"{module.replace('.', '/')}.py"
        assert source.is_file(), f"{name}: {source} is missing"
        defined = re.compile(rf"^(?:(?:async\s+)?def\s+{attr}\b|{attr}\s*[:=])", re.MULTILINE)
        assert defined.search(source.read_text()), f"{name}: {attr} is not defined in {source}"


# --- data ------------------------------------------------------------------------------------


def test_max_table_has_the_single_table_keys_and_both_gsis(resources: dict[str, Any]) -> None:
    props = resources["MaxTable"]["Properties"]

    assert {(a["AttributeName"], a["AttributeType"]) for a in props["AttributeDefinitions"]} == {
        (name, "S") for name in ("PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK")
    }
    assert props["KeySchema"] == [
        {"AttributeName": "PK", "KeyType": "HASH"},
        {"AttributeName": "SK", "KeyType": "RANGE"},
    ]
    indexes = {gsi["IndexName"]: gsi for gsi in props["GlobalSecondaryIndexes"]}
    assert set(indexes) == {"GSI1v2", "GSI2v2"}
    for name, gsi in indexes.items():
        keys = name.removesuffix("v2")
        assert gsi["KeySchema"] == [
            {"AttributeName": f"{keys}PK", "KeyType": "HASH"},
            {"AttributeName": f"{keys}SK", "KeyType": "RANGE"},
        ]
        # Lean: never a whole item, so a write that changes no key and none of these is free
        assert gsi["Projection"]["ProjectionType"] in {"KEYS_ONLY", "INCLUDE"}


def test_the_items_query_the_indexes_the_template_declares_with_the_same_projections(
    resources: dict[str, Any],
) -> None:
    # Given the indexes of the table in the template, and the pynamodb indexes the items query
    table = resources["MaxTable"]["Properties"]
    declared = {gsi["IndexName"]: gsi for gsi in table["GlobalSecondaryIndexes"]}
    used = {index.Meta.index_name: index for index in (BaseItem.gsi1, BaseItem.gsi2)}

    # Then they name the same indexes, on the same keys, projecting the same attributes
    assert set(used) == set(declared)
    for name, index in used.items():
        schema = index._get_schema()
        assert schema["key_schema"] == declared[name]["KeySchema"]
        assert schema["projection"] == declared[name]["Projection"]


def test_max_table_is_retained_encrypted_recoverable_and_expires_items(resources: dict[str, Any]) -> None:
    table = resources["MaxTable"]
    props = table["Properties"]

    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert "TableName" not in props
    # The outbound events read every change with its before and after.
    assert props["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}


def test_table_definitions_stay_plain_for_tests_and_the_dev_server(resources: dict[str, Any]) -> None:
    for table_id in ("MaxTable", "IdempotencyTable"):
        props = resources[table_id]["Properties"]
        for key in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode"):
            assert not _contains_intrinsic(props.get(key)), f"{table_id}.{key}"


def test_idempotency_table_matches_powertools_defaults(resources: dict[str, Any]) -> None:
    table = resources["IdempotencyTable"]
    props = table["Properties"]

    assert table["Type"] == "AWS::DynamoDB::Table"
    assert "DeletionPolicy" in table
    assert props["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert props["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


# --- IAM -------------------------------------------------------------------------------------


def test_every_dynamodb_statement_on_max_table_is_confined_to_tenant_keys(resources: dict[str, Any]) -> None:
    checked = 0
    for function_id in FUNCTION_IDS:
        for statement in _statements(resources[function_id]):
            if not _references(statement["Resource"], "MaxTable"):
                continue
            checked += 1
            assert statement["Effect"] == "Allow"
            assert all(a.startswith("dynamodb:") for a in _actions(statement)), statement
            assert statement.get("Condition") == LEADING_KEYS_CONDITION, (function_id, statement)

    assert checked >= len(FUNCTION_IDS)


def test_no_function_can_scan_or_use_wildcards_on_dynamodb(resources: dict[str, Any]) -> None:
    for function_id in FUNCTION_IDS:
        for statement in _statements(resources[function_id]):
            for action in _actions(statement):
                assert action not in {"dynamodb:Scan", "dynamodb:*", "*"}, (function_id, action)
                assert not action.startswith("dynamodb:Describe"), (function_id, action)


def test_no_sam_dynamodb_policy_template_bypasses_the_tenant_condition(resources: dict[str, Any]) -> None:
    for function_id in FUNCTION_IDS:
        for policy in resources[function_id]["Properties"].get("Policies", []):
            if isinstance(policy, dict):
                assert not any(name.startswith("DynamoDB") for name in policy), (function_id, policy)
            else:
                assert "DynamoDB" not in str(policy), (function_id, policy)


def test_leads_function_can_run_every_item_action_on_table_and_indexes(resources: dict[str, Any]) -> None:
    (statement,) = [
        s for s in _statements(resources["LeadsFunction"]) if _references(s["Resource"], "MaxTable")
    ]

    assert set(_actions(statement)) >= {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
        "dynamodb:ConditionCheckItem",
        "dynamodb:BatchGetItem",
    }
    assert {"Fn::Sub": "${MaxTable.Arn}/index/*"} in statement["Resource"]


def test_every_function_that_queries_the_item_indexes_can_batch_get_their_items(
    resources: dict[str, Any],
) -> None:
    # Given the statements that let a function Query every index of the table
    readers = {
        function_id: statement
        for function_id in FUNCTION_IDS
        for statement in _statements(resources[function_id])
        if {"Fn::Sub": "${MaxTable.Arn}/index/*"} in statement["Resource"]
    }

    # Then each also allows BatchGetItem: the indexes project keys, the items come from the table
    assert readers
    for function_id, statement in readers.items():
        assert "dynamodb:BatchGetItem" in _actions(statement), function_id


def test_scheduler_only_queries_the_tenant_directory_index(resources: dict[str, Any]) -> None:
    statements = [
        s for s in _statements(resources["SchedulerFunction"]) if _references(s["Resource"], "MaxTable")
    ]
    policies = resources["SchedulerFunction"]["Properties"]["Policies"]

    assert [_actions(s) for s in statements] == [["dynamodb:Query"]]
    assert statements[0]["Resource"] == [{"Fn::Sub": "${MaxTable.Arn}/index/GSI1v2"}]
    assert {"SQSSendMessagePolicy": {"QueueName": {"Fn::GetAtt": ["FanoutQueue", "QueueName"]}}} in policies


def test_worker_reads_and_writes_idempotency_records(resources: dict[str, Any]) -> None:
    statements = [
        s
        for s in _statements(resources["SchedulerWorkerFunction"])
        if _references(s["Resource"], "IdempotencyTable")
    ]

    assert statements
    assert set().union(*(_actions(s) for s in statements)) >= {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
    }


@pytest.mark.parametrize("function", ["WebhooksFunction", "AlertsFunction"])
def test_a_function_recording_replies_may_only_delete_the_timers_of_max(
    resources: dict[str, Any], function: str
) -> None:
    # A reply NON cancels an appointment and its reminders' timers; setting timers is not its business.
    statements = [
        s for s in _statements(resources[function]) if any(a.startswith("scheduler:") for a in _actions(s))
    ]

    assert [_actions(s) for s in statements] == [["scheduler:DeleteSchedule"]]
    (resource,) = statements[0]["Resource"]
    assert resource["Fn::Sub"].endswith(":schedule/${TimerGroup}/max-*")


# --- HTTP API --------------------------------------------------------------------------------


def test_http_api_uses_the_jwt_authorizer_by_default(resources: dict[str, Any]) -> None:
    auth = resources["HttpApi"]["Properties"]["Auth"]
    authorizer = auth["Authorizers"]["JwtAuthorizer"]

    assert auth["DefaultAuthorizer"] == "JwtAuthorizer"
    assert authorizer["IdentitySource"] == "$request.header.Authorization"
    assert authorizer["JwtConfiguration"]["issuer"] == {"Ref": "JwtIssuer"}
    assert _references(authorizer["JwtConfiguration"]["audience"], "JwtAudience")


def test_http_api_cors_allows_the_front_end(resources: dict[str, Any]) -> None:
    cors = resources["HttpApi"]["Properties"]["CorsConfiguration"]

    assert cors["AllowOrigins"] == [{"Ref": "FrontendOrigin"}]
    assert {h.lower() for h in cors["AllowHeaders"]} >= {"authorization", "content-type", "idempotency-key"}
    assert set(cors["AllowMethods"]) >= {"GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"}
    assert cors["MaxAge"] == 600


def test_http_api_access_logs_are_json_with_tenant_and_errors(resources: dict[str, Any]) -> None:
    settings = resources["HttpApi"]["Properties"]["AccessLogSettings"]
    log_group = resources["HttpApiAccessLogs"]

    assert settings["DestinationArn"] == {"Fn::GetAtt": ["HttpApiAccessLogs", "Arn"]}
    assert log_group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    fields = set(json.loads(settings["Format"]).values())
    assert fields >= {
        "$context.requestId",
        "$context.routeKey",
        "$context.status",
        "$context.responseLatency",
        "$context.integrationErrorMessage",
        "$context.authorizer.claims.tenant_id",
    }


def test_every_http_api_event_is_attached_to_the_api(resources: dict[str, Any]) -> None:
    routes = set()
    for function_id in FUNCTION_IDS:
        for name, event in resources[function_id]["Properties"].get("Events", {}).items():
            if event["Type"] != "HttpApi":
                continue
            props = event["Properties"]
            assert props.get("ApiId") == {"Ref": "HttpApi"}, (function_id, name)
            if props["Path"].startswith("/webhooks/"):
                # Providers cannot carry our JWT: they prove themselves with their signature instead.
                assert props.get("Auth") == {"Authorizer": "NONE"}, (function_id, name)
                assert function_id == "WebhooksFunction"
            elif props["Path"].startswith("/u/"):
                # A lead's unsubscribe link: the signed token in the path is the proof.
                assert props.get("Auth") == {"Authorizer": "NONE"}, (function_id, name)
                assert function_id == "UnsubscribeFunction"
            else:
                assert "Auth" not in props, f"{function_id}.{name} must not override the JWT authorizer"
            routes.add((props["Method"].upper(), props["Path"]))

    assert routes >= {
        ("POST", "/leads"),
        ("GET", "/leads"),
        ("GET", "/leads/{id}"),
        ("PATCH", "/leads/{id}"),
        ("DELETE", "/leads/{id}"),
        ("GET", "/tenant"),
        ("PATCH", "/tenant"),
        ("GET", "/budget"),
        ("POST", "/budget/quote"),
        ("POST", "/budget/packs"),
        ("GET", "/templates"),
        ("POST", "/templates"),
        ("POST", "/templates/draft-from-chat"),
        ("GET", "/templates/{template_id}"),
        ("PATCH", "/templates/{template_id}"),
        ("DELETE", "/templates/{template_id}"),
        ("POST", "/templates/{template_id}/activate"),
        ("POST", "/templates/{template_id}/archive"),
        ("POST", "/templates/{template_id}/render"),
        ("GET", "/templates/{template_id}/versions"),
        ("GET", "/templates/{template_id}/versions/{number}"),
        ("POST", "/assistant/chat"),
        ("GET", "/assistant/conversations/{conversation_id}"),
        ("POST", "/activities"),
        ("GET", "/leads/{id}/timeline"),
        ("POST", "/replies/classify"),
        ("GET", "/alerts"),
        ("GET", "/alerts/stats"),
        ("POST", "/alerts/generate"),
        ("GET", "/alerts/{id}"),
        ("POST", "/alerts/{id}/resolve"),
        ("GET", "/recommendations"),
        ("POST", "/messages"),
        ("GET", "/channels"),
        ("GET", "/channels/{channel}"),
        ("PUT", "/channels/{channel}"),
        ("GET", "/outbox"),
        ("GET", "/conversations"),
        ("GET", "/leads/{id}/messages"),
        ("POST", "/conversations/{id}/read"),
        ("GET", "/scenarios"),
        ("POST", "/scenarios"),
        ("GET", "/scenarios/{scenario_id}"),
        ("PATCH", "/scenarios/{scenario_id}"),
        ("GET", "/campaigns"),
        ("POST", "/campaigns"),
        ("GET", "/campaigns/{campaign_id}"),
        ("PATCH", "/campaigns/{campaign_id}"),
        ("DELETE", "/campaigns/{campaign_id}"),
        ("POST", "/campaigns/{campaign_id}/prospects"),
        ("GET", "/campaigns/{campaign_id}/prospects"),
        ("GET", "/campaigns/{campaign_id}/prospects/{lead_id}"),
        ("PATCH", "/campaigns/{campaign_id}/prospects/{lead_id}"),
        ("DELETE", "/campaigns/{campaign_id}/prospects/{lead_id}"),
        ("GET", "/campaigns/{campaign_id}/interactions"),
        ("GET", "/blacklist"),
        ("POST", "/blacklist"),
        ("DELETE", "/blacklist/{kind}/{value}"),
        ("GET", "/approvals"),
        ("GET", "/approvals/{approval_id}"),
        ("POST", "/approvals/{approval_id}"),
        ("GET", "/automations"),
        ("POST", "/automations"),
        ("GET", "/automations/{automation_id}"),
        ("PATCH", "/automations/{automation_id}"),
        ("DELETE", "/automations/{automation_id}"),
        ("POST", "/automations/{automation_id}/toggle"),
        ("GET", "/automations/{automation_id}/runs"),
        ("GET", "/analytics/overview"),
        ("GET", "/analytics/funnel"),
        ("GET", "/analytics/steps"),
        ("GET", "/analytics/top-messages"),
        ("GET", "/schedule/preview"),
        ("POST", "/webhooks/twilio/{tenant_id}"),
        ("POST", "/webhooks/resend/{tenant_id}"),
        ("POST", "/webhooks/telegram/{tenant_id}"),
    }


# --- schedules and queues --------------------------------------------------------------------


def test_scheduler_fires_every_job(resources: dict[str, Any]) -> None:
    events = resources["SchedulerFunction"]["Properties"]["Events"]
    daily = events["DailyAlertGeneration"]["Properties"]
    hourly = events["HourlyProspectionActions"]["Properties"]
    monthly = events["MonthlyTokenReset"]["Properties"]

    assert daily["ScheduleExpression"] == "cron(0 6 * * ? *)"
    # The scheduler fills in its own run time, so a retried run names the same run.
    # Its execution id is the correlation id of everything the run queues.
    run = {"scheduled_at": "<aws.scheduler.scheduled-time>", "execution_id": "<aws.scheduler.execution-id>"}
    assert json.loads(daily["Input"]) == {"job": "generate_alerts", **run}
    assert json.loads(hourly["Input"]) == {"job": "run_pending_actions", **run}
    assert json.loads(monthly["Input"]) == {"job": "reset_tokens", **run}
    # Budget periods are UTC months, so the reset runs on UTC time; the others on the tenants' Paris time.
    assert monthly["ScheduleExpressionTimezone"] == "UTC"
    for name, event in events.items():
        assert event["Type"] in {"ScheduleV2", "Schedule"}
        if event["Type"] == "ScheduleV2" and name != "MonthlyTokenReset":
            assert event["Properties"]["ScheduleExpressionTimezone"] == "Europe/Paris"


def test_worker_consumes_the_fanout_queue_with_partial_batch_failures(resources: dict[str, Any]) -> None:
    worker = resources["SchedulerWorkerFunction"]["Properties"]
    (event,) = worker["Events"].values()

    assert worker["Handler"] == "worker.lambda_handler"
    assert event["Type"] == "SQS"
    assert event["Properties"]["Queue"] == {"Fn::GetAtt": ["FanoutQueue", "Arn"]}
    assert event["Properties"]["BatchSize"] == 10
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_fanout_queue_outlasts_the_worker_and_redrives_to_the_dlq(resources: dict[str, Any]) -> None:
    queue = resources["FanoutQueue"]["Properties"]
    dlq = resources["FanoutDeadLetterQueue"]["Properties"]
    worker_timeout = resources["SchedulerWorkerFunction"]["Properties"]["Timeout"]

    assert queue["VisibilityTimeout"] >= 6 * worker_timeout
    assert queue["SqsManagedSseEnabled"] is True
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["FanoutDeadLetterQueue", "Arn"]},
        "maxReceiveCount": 5,
    }
    assert dlq["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_deliveries_have_their_own_queue_and_a_bounded_consumer(resources: dict[str, Any]) -> None:
    delivery = resources["EventsDeliveryFunction"]["Properties"]
    (event,) = delivery["Events"].values()
    queue = resources["DeliveryQueue"]["Properties"]

    # Given its own queue, read in partial batches by at most five concurrent invocations
    assert delivery["Handler"] == "deliver.lambda_handler"
    assert event["Type"] == "SQS"
    assert event["Properties"]["Queue"] == {"Fn::GetAtt": ["DeliveryQueue", "Arn"]}
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert event["Properties"]["ScalingConfig"] == {"MaximumConcurrency": 5}
    assert "ReservedConcurrentExecutions" not in delivery
    # And the queue outlasts a batch, redrives to its DLQ, and keeps a message beyond a day of retries
    assert queue["VisibilityTimeout"] >= 6 * delivery["Timeout"]
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["DeliveryDeadLetterQueue", "Arn"]},
        "maxReceiveCount": 5,
    }
    assert queue["MessageRetentionPeriod"] > 28 * 3600


def _send_targets(resources: dict[str, Any], function_id: str) -> list[Any]:
    statements = resources[function_id]["Properties"]["Policies"][0]["Statement"]
    return [
        resource
        for statement in statements
        if "sqs:SendMessage" in statement["Action"]
        for resource in statement["Resource"]
    ]


def test_the_events_functions_queue_deliveries_on_the_delivery_queue_only(resources: dict[str, Any]) -> None:
    delivery_queue = {"Fn::GetAtt": ["DeliveryQueue", "Arn"]}
    fanout_queue = {"Fn::GetAtt": ["FanoutQueue", "Arn"]}

    for function_id in ("EventsFunction", "EventsStreamFunction", "EventsDeliveryFunction"):
        targets = _send_targets(resources, function_id)
        assert delivery_queue in targets, function_id
        assert fanout_queue not in targets, function_id
    # The worker passes on deliveries queued before the delivery queue existed
    assert delivery_queue in _send_targets(resources, "SchedulerWorkerFunction")
    # And the timers' role may deliver a late retry to the delivery queue
    (timer_policy,) = resources["TimerRole"]["Properties"]["Policies"]
    assert delivery_queue in timer_policy["PolicyDocument"]["Statement"][0]["Resource"]


def test_the_worker_knows_the_fanout_queues_last_delivery(resources: dict[str, Any]) -> None:
    # A read_email job records its subject on the last delivery instead of failing into the DLQ.
    from maxcore.services.job_queue import FANOUT_MAX_RECEIVES

    policy = resources["FanoutQueue"]["Properties"]["RedrivePolicy"]
    assert policy["maxReceiveCount"] == FANOUT_MAX_RECEIVES


# --- observability ---------------------------------------------------------------------------


def test_every_function_has_a_log_group_with_retention(resources: dict[str, Any]) -> None:
    log_groups = _of_type(resources, "AWS::Logs::LogGroup")
    by_name = {json.dumps(lg["Properties"].get("LogGroupName")): lg for lg in log_groups.values()}

    for function_id in FUNCTION_IDS:
        key = json.dumps({"Fn::Sub": f"/aws/lambda/${{{function_id}}}"})
        assert key in by_name, f"no log group for {function_id}"
        assert by_name[key]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def _alarms_on(resources: dict[str, Any], namespace: str, metric: str) -> list[dict[str, Any]]:
    return [
        a["Properties"]
        for a in _of_type(resources, "AWS::CloudWatch::Alarm").values()
        if a["Properties"]["Namespace"] == namespace and a["Properties"]["MetricName"] == metric
    ]


def test_every_dead_letter_queue_has_an_alarm_that_notifies_the_alarm_topic(
    resources: dict[str, Any],
) -> None:
    watched = {}
    for alarm in _alarms_on(resources, "AWS/SQS", "ApproximateNumberOfMessagesVisible"):
        (dimension,) = alarm["Dimensions"]
        assert dimension["Name"] == "QueueName"
        queue, attribute = dimension["Value"]["Fn::GetAtt"]
        assert attribute == "QueueName"
        watched[queue] = alarm

    # The fan-out's DLQ, the schedules' DLQ, the scheduler's and the events stream's on-failure
    # destinations: one message is news.
    assert set(watched) == {
        "FanoutDeadLetterQueue",
        "ScheduleDeadLetterQueue",
        "SchedulerFailureQueue",
        "EventsStreamFailureQueue",
        "DeliveryDeadLetterQueue",
    }
    for alarm in watched.values():
        assert alarm["Statistic"] == "Maximum"
        assert alarm["Threshold"] == 0
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
        assert alarm["TreatMissingData"] == "notBreaching"
        assert {"Ref": "AlarmTopic"} in alarm["AlarmActions"]


def test_every_function_has_an_errors_alarm(resources: dict[str, Any]) -> None:
    watched = {
        a["Properties"]["Dimensions"][0]["Value"]["Ref"]
        for a in _of_type(resources, "AWS::CloudWatch::Alarm").values()
        if a["Properties"]["Namespace"] == "AWS/Lambda" and a["Properties"]["MetricName"] == "Errors"
    }

    assert watched == set(FUNCTION_IDS)
    for alarm in _of_type(resources, "AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_alarm_email_is_subscribed_only_when_given(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    (subscription,) = _of_type(resources, "AWS::SNS::Subscription").values()

    assert resources["AlarmTopic"]["Type"] == "AWS::SNS::Topic"
    assert "Condition" not in resources["AlarmTopic"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert template["Conditions"]["HasAlarmEmail"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]
    }
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}


def test_outputs_name_what_clients_and_operators_need(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]

    assert outputs["ApiUrl"]["Value"] == {
        "Fn::Sub": "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/"
    }
    assert outputs["TableName"]["Value"] == {"Ref": "MaxTable"}
    assert outputs["IdempotencyTableName"]["Value"] == {"Ref": "IdempotencyTable"}
    assert outputs["FanoutQueueUrl"]["Value"] == {"Ref": "FanoutQueue"}


# --- linters ---------------------------------------------------------------------------------


def test_cfn_lint_passes() -> None:
    result = subprocess.run(
        [_tool("cfn-lint"), str(TEMPLATE)],
        cwd=ROOT,
        env=_tool_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_sam_validate_lint_passes() -> None:
    result = subprocess.run(
        [_tool("sam"), "validate", "--lint", "--template-file", str(TEMPLATE)],
        cwd=ROOT,
        env=_tool_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


# --- operations: failures kept, alarms, dashboard ---------------------------------------------

SCHEDULE_DLQ = {"Arn": {"Fn::GetAtt": ["ScheduleDeadLetterQueue", "Arn"]}}
SERVICE_DIMENSION = {"Name": "service", "Value": "max"}
# Metrics the code emits with a `job` dimension (functions/scheduler/app.py, maxcore.observability
# count_for_job); every other MAX metric carries `service` only.
JOB_METRICS = {"ScheduleRan", "JobFannedOut", "TenantJobRan"}
SUB_VARIABLE = re.compile(r"\$\{([^}]+)\}")


def _emitted_metric_names() -> set[str]:
    """Every metric name the deployed code emits (add_metric, count_for_job, single_metric)."""
    pattern = re.compile(r"(?:add_metric\(\s*name=|count_for_job\(\s*|single_metric\(\s*name=)\"(\w+)\"")
    names: set[str] = set()
    for folder in ("layers/shared/maxcore", "functions"):
        for source in (ROOT / folder).rglob("*.py"):
            names.update(pattern.findall(source.read_text()))
    return names


def _dashboard_body(resources: dict[str, Any]) -> dict[str, Any]:
    (dashboard,) = _of_type(resources, "AWS::CloudWatch::Dashboard").values()
    text = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    for variable in SUB_VARIABLE.findall(text):
        target = variable.split(".")[0]
        assert target in resources or target.startswith("AWS::"), f"${{{variable}}} names nothing"
    # Each ${...} stands for its own name, so the widgets can be checked against the resources.
    body: dict[str, Any] = json.loads(SUB_VARIABLE.sub(lambda m: m.group(1), text))
    return body


def _dashboard_metrics(resources: dict[str, Any]) -> list[tuple[str, str, dict[str, str]]]:
    """(namespace, metric, dimensions) of every metric line of the dashboard's widgets."""
    found = []
    for widget in _dashboard_body(resources)["widgets"]:
        for line in widget["properties"].get("metrics", []):
            fields = [f for f in line if not isinstance(f, dict)]
            namespace, metric, *pairs = fields
            found.append((namespace, metric, dict(zip(pairs[::2], pairs[1::2], strict=True))))
    return found


def test_every_schedule_has_a_dead_letter_queue_and_a_bounded_retry_policy(resources: dict[str, Any]) -> None:
    events = resources["SchedulerFunction"]["Properties"]["Events"]
    dlq = resources["ScheduleDeadLetterQueue"]

    assert events
    for name, event in events.items():
        props = event["Properties"]
        assert event["Type"] == "ScheduleV2", name
        assert props["DeadLetterConfig"] == SCHEDULE_DLQ, name
        assert props["RetryPolicy"]["MaximumRetryAttempts"] >= 1, name
        assert 60 <= props["RetryPolicy"]["MaximumEventAgeInSeconds"] <= 86400, name
    # An hourly run still undelivered when the next one fires is dropped rather than run late twice.
    assert events["HourlyProspectionActions"]["Properties"]["RetryPolicy"]["MaximumEventAgeInSeconds"] < 3600
    assert dlq["Type"] == "AWS::SQS::Queue"
    assert dlq["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert dlq["Properties"]["SqsManagedSseEnabled"] is True


def test_scheduler_sends_runs_that_failed_every_attempt_to_its_failure_queue(
    resources: dict[str, Any],
) -> None:
    config = resources["SchedulerFunction"]["Properties"]["EventInvokeConfig"]
    queue = resources["SchedulerFailureQueue"]

    assert config["MaximumRetryAttempts"] == 2
    assert config["DestinationConfig"]["OnFailure"] == {
        "Type": "SQS",
        "Destination": {"Fn::GetAtt": ["SchedulerFailureQueue", "Arn"]},
    }
    assert queue["Type"] == "AWS::SQS::Queue"
    assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert queue["Properties"]["SqsManagedSseEnabled"] is True


def test_fanout_queue_age_alarm_fires_when_a_job_waits_over_15_minutes(resources: dict[str, Any]) -> None:
    (alarm,) = _alarms_on(resources, "AWS/SQS", "ApproximateAgeOfOldestMessage")
    visibility = resources["FanoutQueue"]["Properties"]["VisibilityTimeout"]

    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["FanoutQueue", "QueueName"]}}
    ]
    assert alarm["Statistic"] == "Maximum"
    assert alarm["Threshold"] == 900
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    # A failed job becomes visible again only after the visibility timeout: it shows up here too.
    assert alarm["Threshold"] < visibility
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_lambda_throttles_alarm_watches_the_whole_account(resources: dict[str, Any]) -> None:
    (alarm,) = _alarms_on(resources, "AWS/Lambda", "Throttles")

    assert "Dimensions" not in alarm, "account-wide: every function draws on one concurrency pool"
    assert alarm["Statistic"] == "Sum"
    assert alarm["Threshold"] == 0
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_no_hourly_run_alarm_breaches_after_two_hours_without_schedule_ran(resources: dict[str, Any]) -> None:
    (alarm,) = _alarms_on(resources, "MAX", "ScheduleRan")
    hourly = resources["SchedulerFunction"]["Properties"]["Events"]["HourlyProspectionActions"]["Properties"]

    # The metric functions/scheduler/app.py emits after each completed fan-out, for the hourly job.
    assert "ScheduleRan" in _emitted_metric_names()
    assert alarm["Dimensions"] == [
        SERVICE_DIMENSION,
        {"Name": "job", "Value": json.loads(hourly["Input"])["job"]},
    ]
    assert alarm["Statistic"] == "Sum"
    assert alarm["Period"] * alarm["EvaluationPeriods"] == 2 * 3600
    assert alarm.get("DatapointsToAlarm", alarm["EvaluationPeriods"]) == alarm["EvaluationPeriods"]
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("LessThanThreshold", 1)
    # A stopped schedule sends nothing at all: missing data is the very thing to alarm on.
    assert alarm["TreatMissingData"] == "breaching"
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_dashboard_body_is_json_and_shows_every_function_and_queue(resources: dict[str, Any]) -> None:
    metrics = _dashboard_metrics(resources)

    for metric_name in ("Errors", "Throttles"):
        shown = {
            dims["FunctionName"] for ns, name, dims in metrics if (ns, name) == ("AWS/Lambda", metric_name)
        }
        assert shown == set(FUNCTION_IDS), metric_name
    queues = {dims["QueueName"] for ns, _, dims in metrics if ns == "AWS/SQS"}
    assert queues == {
        f"{queue}.QueueName"
        for queue in (
            "FanoutQueue",
            "FanoutDeadLetterQueue",
            "ScheduleDeadLetterQueue",
            "SchedulerFailureQueue",
            "EventsStreamFailureQueue",
            "DeliveryDeadLetterQueue",
        )
    }
    oldest = [dims for ns, name, dims in metrics if name == "ApproximateAgeOfOldestMessage"]
    assert oldest == [{"QueueName": "FanoutQueue.QueueName"}]


def test_dashboard_shows_only_metrics_the_code_emits_with_their_dimensions(resources: dict[str, Any]) -> None:
    emitted = _emitted_metric_names()
    jobs = {job.value for job in Job}
    ours = [(name, dims) for ns, name, dims in _dashboard_metrics(resources) if ns == "MAX"]

    assert ours
    for name, dims in ours:
        assert name in emitted, f"{name} is on the dashboard but no code emits it"
        assert dims["service"] == "max", name
        if name in JOB_METRICS:
            assert set(dims) == {"service", "job"}, name
            assert dims["job"] in jobs, (name, dims["job"])
        else:
            assert set(dims) == {"service"}, name
    # Every job each run metric can carry is charted: a missing line would look like a job that never ran.
    shown_jobs = {name: {dims["job"] for n, dims in ours if n == name} for name in JOB_METRICS}
    scheduled = {
        json.loads(event["Properties"]["Input"])["job"]
        for event in resources["SchedulerFunction"]["Properties"]["Events"].values()
    }
    assert shown_jobs["ScheduleRan"] == scheduled
    assert shown_jobs["JobFannedOut"] == scheduled
    assert shown_jobs["TenantJobRan"] == jobs


def test_dashboard_alarm_widget_lists_the_operations_alarms(resources: dict[str, Any]) -> None:
    widgets = _dashboard_body(resources)["widgets"]
    (alarm_widget,) = [w for w in widgets if w["type"] == "alarm"]
    listed = {arn.removesuffix(".Arn") for arn in alarm_widget["properties"]["alarms"]}

    assert listed <= set(_of_type(resources, "AWS::CloudWatch::Alarm"))
    assert {"NoHourlyRunAlarm", "FanoutQueueAgeAlarm", "LambdaThrottlesAlarm"} <= listed


# --- local invoke and deploy settings --------------------------------------------------------


def _function_environment(template: dict[str, Any], function_id: str) -> set[str]:
    variables = set(template["Globals"]["Function"]["Environment"]["Variables"])
    own = template["Resources"][function_id]["Properties"].get("Environment", {}).get("Variables", {})
    return variables | set(own)


def test_env_json_sets_every_variable_of_every_function_for_sam_local(template: dict[str, Any]) -> None:
    env = json.loads((ROOT / "env.json").read_text())
    shared = env.get("Parameters", {})

    declared: set[str] = set()
    for function_id in FUNCTION_IDS:
        variables = _function_environment(template, function_id)
        declared |= variables
        given = set(shared) | set(env.get(function_id, {}))
        assert variables <= given, f"{function_id}: {sorted(variables - given)} missing from env.json"
    # SAM only overrides variables the template declares: anything else in env.json is silently ignored.
    for section, values in env.items():
        assert set(values) <= declared, (
            f"{section}: {sorted(set(values) - declared)} is declared by no function"
        )
    # The queue the scheduler fans out to lives on the local SQS the functions are pointed at.
    assert shared["FANOUT_QUEUE_URL"].startswith(shared["SQS_ENDPOINT"] + "/")


def test_samconfig_deploys_dev_and_prod_without_secrets_or_an_issuer(template: dict[str, Any]) -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    parameters = template["Parameters"]

    for env, stack in (("dev", "max-dev"), ("prod", "max-prod")):
        deploy = config[env]["deploy"]["parameters"]
        build = config[env]["build"]["parameters"]
        assert deploy["stack_name"] == stack
        assert config[env]["global"]["parameters"]["region"] == "eu-west-3"
        assert "CAPABILITY_IAM" in deploy["capabilities"].split()
        assert deploy["resolve_s3"] is True
        assert (build["cached"], build["parallel"]) == (True, True)
        overrides = dict(item.split("=", 1) for item in deploy["parameter_overrides"])
        assert overrides["Stage"] == env
        assert set(overrides) <= set(parameters), sorted(set(overrides) - set(parameters))
        # The issuer has no default and no value here: the first deploy of a stage must be given it.
        assert "JwtIssuer" not in overrides
        assert not any(p.get("NoEcho") for name, p in parameters.items() if name in overrides)
    assert config["prod"]["deploy"]["parameters"]["confirm_changeset"] is True
    assert config["dev"]["deploy"]["parameters"]["confirm_changeset"] is False
    assert config["default"]["build"]["parameters"] == {"cached": True, "parallel": True}
    assert config["default"]["local_invoke"]["parameters"]["env_vars"] == "env.json"


# --- exports ---------------------------------------------------------------------------------


def test_the_export_bucket_is_private_encrypted_and_forgets_files_after_their_lifetime(
    resources: dict[str, Any],
) -> None:
    from maxcore.services.export_files import FILE_LIFETIME

    bucket = resources["ExportBucket"]["Properties"]
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    (encryption,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    (rule,) = bucket["LifecycleConfiguration"]["Rules"]
    assert (rule["Status"], rule["Prefix"]) == ("Enabled", "tenants/")
    assert rule["ExpirationInDays"] == FILE_LIFETIME.days
    assert "VersioningConfiguration" not in bucket


def test_only_the_worker_writes_export_files_and_only_the_exports_function_reads_them(
    resources: dict[str, Any],
) -> None:
    granted = {
        function_id: {
            action
            for statement in _statements(resources[function_id])
            if _references(statement["Resource"], "ExportBucket")
            for action in _actions(statement)
        }
        for function_id in FUNCTION_IDS
    }
    prefix = {"Fn::Sub": "${ExportBucket.Arn}/tenants/*/exports/*"}

    assert {f: a for f, a in granted.items() if a} == {
        "SchedulerWorkerFunction": {"s3:PutObject", "s3:AbortMultipartUpload"},
        "ExportsFunction": {"s3:GetObject"},
    }
    for function_id in ("SchedulerWorkerFunction", "ExportsFunction"):
        for statement in _statements(resources[function_id]):
            if _references(statement["Resource"], "ExportBucket"):
                assert statement["Resource"] == [prefix], function_id
