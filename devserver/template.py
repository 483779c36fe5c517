"""Read template.yaml, the single source of the tables, routes, schedules and queues used locally."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATE_PATH = REPO_ROOT / "template.yaml"

TABLE_TYPE = "AWS::DynamoDB::Table"
FUNCTION_TYPE = "AWS::Serverless::Function"
HTTP_API_TYPE = "AWS::Serverless::HttpApi"

# Lambda's default for SQS event sources when the template does not set BatchSize.
DEFAULT_SQS_BATCH_SIZE = 10

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class TemplateError(ValueError):
    """The template has a shape this module cannot turn into a local resource."""


class _CloudFormationLoader(yaml.SafeLoader):
    """SafeLoader that reads CloudFormation short-form intrinsics (!Ref, !Sub, !GetAtt...)."""


# CloudFormation keeps unquoted dates (AWSTemplateFormatVersion, policy Version) as strings; so do we,
# so that the parsed template stays JSON-serialisable and compares equal to what AWS sees.
_CloudFormationLoader.yaml_implicit_resolvers = {
    first_char: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
    for first_char, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    """Turn `!Name value` into its long form `{"Fn::Name": value}`; `Ref` and `Condition` keep their names."""
    key = tag_suffix if tag_suffix in {"Ref", "Condition"} else f"Fn::{tag_suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            # The short form "Resource.Attribute" is a list in the long form; attributes may contain dots
            # (Outputs.X), the logical id never does.
            logical_id, _, attribute = str(value).partition(".")
            value = [logical_id, attribute]
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:  # pragma: no cover - yaml only has the three node kinds
        raise TemplateError(f"unsupported node for !{tag_suffix}: {node!r}")
    return {key: value}


_CloudFormationLoader.add_multi_constructor("!", _construct_intrinsic)


def load_template(path: Path | None = None) -> dict[str, Any]:
    """Parse a SAM/CloudFormation template, short-form intrinsics included."""
    template_path = path if path is not None else DEFAULT_TEMPLATE_PATH
    with template_path.open(encoding="utf-8") as stream:
        document = yaml.load(stream, Loader=_CloudFormationLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(document, dict):
        raise TemplateError(f"{template_path} is not a mapping at its top level")
    return document


# --------------------------------------------------------------------------------------------- helpers


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TemplateError(f"{where} should be a mapping, got {value!r}")
    return value


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise TemplateError(f"{where} should be a literal string, got {value!r}")
    return value


def _resources(template: Mapping[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    resources = _mapping(template.get("Resources"), "Resources")
    return {
        logical_id: resource
        for logical_id, resource in resources.items()
        if isinstance(resource, dict) and resource.get("Type") == resource_type
    }


def _globals(template: Mapping[str, Any], section: str) -> dict[str, Any]:
    return _mapping(_mapping(template.get("Globals"), "Globals").get(section), f"Globals.{section}")


def _is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.lower() == "false")


# ---------------------------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class TableDefinition:
    """A table of the template, as `create_table` arguments plus the TTL attribute and stream set apart."""

    logical_id: str
    create_kwargs: dict[str, Any]
    ttl_attribute: str | None
    stream_view_type: str | None = None


def _index_kwargs(index: Any, where: str) -> dict[str, Any]:
    index_properties = _mapping(index, where)
    # Capacity is meaningless on an on-demand table and create_table rejects it there.
    return {key: value for key, value in index_properties.items() if key != "ProvisionedThroughput"}


def table_definitions(template: Mapping[str, Any]) -> dict[str, TableDefinition]:
    """Every `AWS::DynamoDB::Table` of the template, by logical id, ready for `create_table`."""
    definitions: dict[str, TableDefinition] = {}
    for logical_id, resource in _resources(template, TABLE_TYPE).items():
        properties = _mapping(resource.get("Properties"), f"{logical_id}.Properties")
        # Local tables are always on demand: capacity settings have no effect on emulators, and one
        # billing mode keeps GSI definitions valid whatever the deployed stack uses.
        create_kwargs: dict[str, Any] = {
            "AttributeDefinitions": properties["AttributeDefinitions"],
            "KeySchema": properties["KeySchema"],
            "BillingMode": "PAY_PER_REQUEST",
        }
        for index_kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            indexes = properties.get(index_kind)
            if indexes:
                create_kwargs[index_kind] = [
                    _index_kwargs(index, f"{logical_id}.{index_kind}[{position}]")
                    for position, index in enumerate(indexes)
                ]
        stream = _mapping(properties.get("StreamSpecification"), f"{logical_id}.StreamSpecification")
        stream_view_type = stream.get("StreamViewType")
        ttl_attribute: str | None = None
        ttl = _mapping(properties.get("TimeToLiveSpecification"), f"{logical_id}.TimeToLiveSpecification")
        if ttl and not _is_false(ttl.get("Enabled", True)):
            ttl_attribute = _string(ttl.get("AttributeName"), f"{logical_id}.TimeToLiveSpecification")
        definitions[logical_id] = TableDefinition(logical_id, create_kwargs, ttl_attribute, stream_view_type)
    return definitions


def create_tables(
    client: DynamoDBClient,
    names: Mapping[str, str],
    template: Mapping[str, Any] | None = None,
    *,
    with_streams: bool = False,
) -> None:
    """Create the tables named in `names` (logical id -> physical name); existing tables are left alone.

    `with_streams`: give the tables the stream the template declares. Off by default: nothing local
    reads a stream but the outbound events' tests, and moto copies a table's stream records with the
    table at every transaction, which would slow every other test and bench as the stream grows.
    """
    definitions = table_definitions(template if template is not None else load_template())
    unknown = sorted(set(names) - set(definitions))
    if unknown:
        raise TemplateError(f"no AWS::DynamoDB::Table named {', '.join(unknown)} in the template")
    for logical_id, table_name in names.items():
        definition = definitions[logical_id]
        kwargs = dict(definition.create_kwargs)
        stream = None
        if with_streams and definition.stream_view_type:
            stream = {"StreamEnabled": True, "StreamViewType": definition.stream_view_type}
            kwargs["StreamSpecification"] = stream
        try:
            client.create_table(TableName=table_name, **kwargs)
        except ClientError as error:
            # Asking beats describing first: no race with a second process creating the same table.
            if error.response["Error"]["Code"] != "ResourceInUseException":
                raise
            if stream is not None:
                _enable_stream(client, table_name, stream)
        client.get_waiter("table_exists").wait(
            TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )
        if definition.ttl_attribute is not None:
            _enable_ttl(client, table_name, definition.ttl_attribute)


def _enable_stream(client: DynamoDBClient, table_name: str, stream: Mapping[str, Any]) -> None:
    """Give a table that exists already the stream asked for, unless it has one."""
    if "LatestStreamArn" in client.describe_table(TableName=table_name)["Table"]:
        return
    client.update_table(TableName=table_name, StreamSpecification=stream)  # type: ignore[arg-type]


def _enable_ttl(client: DynamoDBClient, table_name: str, attribute: str) -> None:
    try:
        current = client.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
        if current.get("TimeToLiveStatus") in {"ENABLED", "ENABLING"}:
            # DynamoDB refuses to enable TTL twice, and changing the attribute needs a disable first,
            # which a local run has no reason to do.
            return
        client.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute},
        )
    except ClientError as error:
        # Emulators without a TTL implementation answer UnknownOperationException; TTL only deletes expired
        # items eventually, so code must never rely on it and the tables work the same without it.
        if error.response["Error"]["Code"] != "UnknownOperationException":
            raise


# ------------------------------------------------------------------------------------------- functions


@dataclass(frozen=True)
class FunctionCode:
    """Where a function's code lives, with Globals.Function applied."""

    code_uri: str
    handler: str
    runtime: str | None


@dataclass(frozen=True)
class HttpRoute:
    """An `HttpApi` event: the route and the handler it calls."""

    function_logical_id: str
    method: str
    path: str
    code_uri: str
    handler: str
    auth: bool


@dataclass(frozen=True)
class Schedule:
    """A `Schedule` or `ScheduleV2` event."""

    function_logical_id: str
    event_name: str
    expression: str
    input: dict[str, Any] | None
    code_uri: str
    handler: str


@dataclass(frozen=True)
class SqsConsumer:
    """An `SQS` event: the queue, by logical id, that feeds a function."""

    function_logical_id: str
    queue_logical_id: str
    code_uri: str
    handler: str
    batch_size: int


@dataclass(frozen=True)
class StreamConsumer:
    """A `DynamoDB` event: a function fed by the table's stream."""

    function_logical_id: str
    code_uri: str
    handler: str


def _function(template: Mapping[str, Any], function_logical_id: str) -> dict[str, Any]:
    functions = _resources(template, FUNCTION_TYPE)
    if function_logical_id not in functions:
        raise TemplateError(f"no AWS::Serverless::Function named {function_logical_id} in the template")
    return _mapping(functions[function_logical_id].get("Properties"), f"{function_logical_id}.Properties")


def function_code(template: Mapping[str, Any], function_logical_id: str) -> FunctionCode:
    """CodeUri, Handler and Runtime of a function, falling back to Globals.Function."""
    properties = _function(template, function_logical_id)
    defaults = _globals(template, "Function")

    def resolved(name: str) -> Any:
        return properties.get(name, defaults.get(name))

    runtime = resolved("Runtime")
    return FunctionCode(
        code_uri=_string(resolved("CodeUri"), f"{function_logical_id}.CodeUri"),
        handler=_string(resolved("Handler"), f"{function_logical_id}.Handler"),
        runtime=_string(runtime, f"{function_logical_id}.Runtime") if runtime is not None else None,
    )


def function_environment(template: Mapping[str, Any], function_logical_id: str) -> dict[str, Any]:
    """Environment variables of a function: Globals.Function's, overridden by its own; intrinsics left raw."""
    own = _mapping(_function(template, function_logical_id).get("Environment"), "Environment")
    shared = _mapping(_globals(template, "Function").get("Environment"), "Globals.Function.Environment")
    return {
        **_mapping(shared.get("Variables"), "Globals.Function.Environment.Variables"),
        **_mapping(own.get("Variables"), f"{function_logical_id}.Environment.Variables"),
    }


def _events(template: Mapping[str, Any], event_types: set[str]) -> list[tuple[str, str, dict[str, Any]]]:
    """(function logical id, event name, event properties) of every event of the given types."""
    found: list[tuple[str, str, dict[str, Any]]] = []
    for function_logical_id in _resources(template, FUNCTION_TYPE):
        properties = _function(template, function_logical_id)
        events = _mapping(properties.get("Events"), f"{function_logical_id}.Events")
        for event_name, event in events.items():
            event_mapping = _mapping(event, f"{function_logical_id}.Events.{event_name}")
            if event_mapping.get("Type") in event_types:
                event_properties = _mapping(
                    event_mapping.get("Properties"), f"{function_logical_id}.Events.{event_name}.Properties"
                )
                found.append((function_logical_id, event_name, event_properties))
    return found


def _requires_auth(template: Mapping[str, Any], event_properties: Mapping[str, Any], where: str) -> bool:
    """Whether a route needs a token: its own Authorizer, else its API's DefaultAuthorizer."""
    authorizer = _mapping(event_properties.get("Auth"), f"{where}.Auth").get("Authorizer")
    if authorizer is not None:
        return bool(authorizer != "NONE")
    global_auth = _mapping(_globals(template, "HttpApi").get("Auth"), "Globals.HttpApi.Auth")
    api_id = event_properties.get("ApiId")
    if api_id is None:
        # Events without ApiId go to SAM's implicit API, which only Globals.HttpApi configures.
        return global_auth.get("DefaultAuthorizer") is not None
    if isinstance(api_id, dict) and isinstance(api_id.get("Ref"), str):
        api = _resources(template, HTTP_API_TYPE).get(api_id["Ref"])
        if api is not None:
            api_properties = _mapping(api.get("Properties"), f"{api_id['Ref']}.Properties")
            api_auth = _mapping(api_properties.get("Auth"), f"{api_id['Ref']}.Auth")
            return api_auth.get("DefaultAuthorizer", global_auth.get("DefaultAuthorizer")) is not None
    # An API this module cannot resolve: assume it is protected rather than open a route by mistake.
    return True


def http_routes(template: Mapping[str, Any]) -> list[HttpRoute]:
    """Every `HttpApi` event of every function.

    A missing Method is `ANY` and a missing Path is `$default`, as in SAM. A route requires a token unless
    its event says `Auth: {Authorizer: NONE}` or its API has no DefaultAuthorizer.
    """
    routes: list[HttpRoute] = []
    for function_logical_id, event_name, properties in _events(template, {"HttpApi"}):
        where = f"{function_logical_id}.Events.{event_name}"
        code = function_code(template, function_logical_id)
        routes.append(
            HttpRoute(
                function_logical_id=function_logical_id,
                method=_string(properties.get("Method", "ANY"), f"{where}.Method").upper(),
                path=_string(properties.get("Path", "$default"), f"{where}.Path"),
                code_uri=code.code_uri,
                handler=code.handler,
                auth=_requires_auth(template, properties, where),
            )
        )
    return routes


def _schedule_input(raw: Any, where: str) -> dict[str, Any] | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        # Typically a !Sub: resolving it would need the stack's parameters, which a local run lacks.
        raise TemplateError(f"{where}.Input should be a literal JSON string, got {raw!r}")
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError as error:
        raise TemplateError(f"{where}.Input is not valid JSON: {error}") from error
    if not isinstance(parsed, dict):
        raise TemplateError(f"{where}.Input should be a JSON object, got {parsed!r}")
    return parsed


def schedules(template: Mapping[str, Any]) -> list[Schedule]:
    """Every `Schedule` (EventBridge rule) and `ScheduleV2` (EventBridge Scheduler) event."""
    found: list[Schedule] = []
    for function_logical_id, event_name, properties in _events(template, {"Schedule", "ScheduleV2"}):
        where = f"{function_logical_id}.Events.{event_name}"
        # Schedule names it Schedule, ScheduleV2 names it ScheduleExpression.
        expression = properties.get("Schedule", properties.get("ScheduleExpression"))
        code = function_code(template, function_logical_id)
        found.append(
            Schedule(
                function_logical_id=function_logical_id,
                event_name=event_name,
                expression=_string(expression, f"{where}.Schedule"),
                input=_schedule_input(properties.get("Input"), where),
                code_uri=code.code_uri,
                handler=code.handler,
            )
        )
    return found


def _queue_logical_id(queue: Any, where: str) -> str:
    """The logical id in `!GetAtt Queue.Arn` (short or long form)."""
    attribute = queue.get("Fn::GetAtt") if isinstance(queue, dict) else None
    if isinstance(attribute, str):
        attribute = attribute.split(".", 1)
    if isinstance(attribute, list) and len(attribute) == 2 and attribute[1] == "Arn":
        return _string(attribute[0], where)
    raise TemplateError(f"{where} should be !GetAtt <Queue>.Arn of a queue in the template, got {queue!r}")


def sqs_consumers(template: Mapping[str, Any]) -> list[SqsConsumer]:
    """Every `SQS` event: which function consumes which queue of the template."""
    found: list[SqsConsumer] = []
    for function_logical_id, event_name, properties in _events(template, {"SQS"}):
        where = f"{function_logical_id}.Events.{event_name}"
        batch_size = properties.get("BatchSize", DEFAULT_SQS_BATCH_SIZE)
        if not isinstance(batch_size, int) or isinstance(batch_size, bool):
            raise TemplateError(f"{where}.BatchSize should be a literal integer, got {batch_size!r}")
        code = function_code(template, function_logical_id)
        found.append(
            SqsConsumer(
                function_logical_id=function_logical_id,
                queue_logical_id=_queue_logical_id(properties.get("Queue"), f"{where}.Queue"),
                code_uri=code.code_uri,
                handler=code.handler,
                batch_size=batch_size,
            )
        )
    return found


def stream_consumers(template: Mapping[str, Any]) -> list[StreamConsumer]:
    """Every `DynamoDB` event: the functions the table's stream feeds."""
    found: list[StreamConsumer] = []
    for function_logical_id, _, _ in _events(template, {"DynamoDB"}):
        code = function_code(template, function_logical_id)
        found.append(StreamConsumer(function_logical_id, code.code_uri, code.handler))
    return found
