"""devserver.template reads tables, routes, schedules, queues and environments from a SAM template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from devserver.template import (
    DEFAULT_TEMPLATE_PATH,
    FunctionCode,
    HttpRoute,
    Schedule,
    SqsConsumer,
    TemplateError,
    create_tables,
    function_code,
    function_environment,
    http_routes,
    load_template,
    schedules,
    sqs_consumers,
    table_definitions,
)

FIXTURE = Path(__file__).parent / "fixtures" / "devserver_template.yaml"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(FIXTURE)


def _function_template(function_properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A minimal template with one function, for shapes the fixture file does not hold."""
    return {
        "Resources": {
            "Fn": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"CodeUri": "functions/fn/", "Handler": "app.handler", **function_properties},
            }
        },
        **extra,
    }


# ------------------------------------------------------------------------------------------- parsing


def test_short_form_intrinsics_become_their_long_form(template: dict[str, Any]) -> None:
    # Given the fixture's short-form tags
    resources = template["Resources"]
    items_variables = resources["ItemsFunction"]["Properties"]["Environment"]["Variables"]

    # Then each is the dict CloudFormation's long form would be
    assert resources["MainTable"]["Properties"]["TableName"] == {"Fn::Sub": "main-${Stage}"}
    assert items_variables["QUEUE_URL"] == {"Ref": "WorkQueue"}
    assert items_variables["FIRST_AZ"] == {"Fn::Select": [0, {"Fn::GetAZs": ""}]}
    assert items_variables["MODE"] == {"Fn::If": ["IsProd", "strict", "relaxed"]}
    assert template["Conditions"]["IsProd"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}
    assert resources["WorkQueue"]["Properties"]["QueueName"] == {
        "Fn::Join": ["-", ["work", {"Ref": "Stage"}]]
    }
    assert template["Outputs"]["QueueArn"]["Value"] == {"Fn::GetAtt": ["WorkQueue", "Arn"]}


def test_unquoted_dates_stay_strings(template: dict[str, Any]) -> None:
    assert template["AWSTemplateFormatVersion"] == "2010-09-09"


def test_getatt_short_form_keeps_dotted_attributes(tmp_path: Path) -> None:
    # Given a nested stack output reference, whose attribute itself contains a dot
    path = tmp_path / "template.yaml"
    path.write_text("Value: !GetAtt Nested.Outputs.TableName\n", encoding="utf-8")

    # Then only the first dot separates the logical id
    assert load_template(path) == {"Value": {"Fn::GetAtt": ["Nested", "Outputs.TableName"]}}


def test_a_template_that_is_not_a_mapping_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")

    with pytest.raises(TemplateError, match="not a mapping"):
        load_template(path)


def test_the_default_template_is_the_repository_one() -> None:
    assert Path(__file__).resolve().parents[2] / "template.yaml" == DEFAULT_TEMPLATE_PATH


# -------------------------------------------------------------------------------------------- tables


def test_tables_become_on_demand_create_table_arguments(template: dict[str, Any]) -> None:
    # When
    definitions = table_definitions(template)

    # Then every table is there, on demand, without a name or any capacity
    assert set(definitions) == {"MainTable", "SideTable"}
    main = definitions["MainTable"].create_kwargs
    assert main["BillingMode"] == "PAY_PER_REQUEST"
    assert "TableName" not in main
    assert "ProvisionedThroughput" not in main
    assert main["KeySchema"] == [
        {"AttributeName": "PK", "KeyType": "HASH"},
        {"AttributeName": "SK", "KeyType": "RANGE"},
    ]
    assert [definition["AttributeName"] for definition in main["AttributeDefinitions"]] == [
        "PK",
        "SK",
        "GSI1PK",
        "GSI1SK",
    ]
    assert main["GlobalSecondaryIndexes"] == [
        {
            "IndexName": "GSI1",
            "KeySchema": [
                {"AttributeName": "GSI1PK", "KeyType": "HASH"},
                {"AttributeName": "GSI1SK", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }
    ]
    # Properties create_table does not take stay out
    assert set(main) == {"AttributeDefinitions", "KeySchema", "BillingMode", "GlobalSecondaryIndexes"}


def test_ttl_attribute_is_kept_only_when_enabled(template: dict[str, Any]) -> None:
    definitions = table_definitions(template)

    assert definitions["MainTable"].ttl_attribute == "expires_at"
    assert definitions["SideTable"].ttl_attribute is None


class FakeWaiter:
    def wait(self, **kwargs: Any) -> None:
        pass


class FakeDynamoDBClient:
    """Just enough of a DynamoDB client to watch create_tables; errors are injected per operation."""

    def __init__(self, ttl_error_code: str | None = None) -> None:
        self.tables: dict[str, dict[str, Any]] = {}
        self.ttl: dict[str, str] = {}
        self.ttl_error_code = ttl_error_code
        self.create_calls = 0

    @staticmethod
    def _error(code: str, operation: str) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": code}}, operation)

    def create_table(self, TableName: str, **kwargs: Any) -> None:  # noqa: N803 - boto3's names
        self.create_calls += 1
        if TableName in self.tables:
            raise self._error("ResourceInUseException", "CreateTable")
        self.tables[TableName] = kwargs

    def get_waiter(self, name: str) -> FakeWaiter:
        assert name == "table_exists"
        return FakeWaiter()

    def describe_time_to_live(self, TableName: str) -> dict[str, Any]:  # noqa: N803
        if self.ttl_error_code:
            raise self._error(self.ttl_error_code, "DescribeTimeToLive")
        if TableName in self.ttl:
            return {
                "TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED", "AttributeName": self.ttl[TableName]}
            }
        return {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}

    def update_time_to_live(self, TableName: str, TimeToLiveSpecification: dict[str, Any]) -> None:  # noqa: N803
        if TableName in self.ttl:
            raise self._error("ValidationException", "UpdateTimeToLive")
        self.ttl[TableName] = TimeToLiveSpecification["AttributeName"]


def test_create_tables_creates_the_named_tables_with_ttl(template: dict[str, Any]) -> None:
    # Given
    client = FakeDynamoDBClient()

    # When
    create_tables(client, {"MainTable": "main-test", "SideTable": "side-test"}, template)  # type: ignore[arg-type]

    # Then
    assert client.tables["main-test"] == table_definitions(template)["MainTable"].create_kwargs
    assert set(client.tables) == {"main-test", "side-test"}
    assert client.ttl == {"main-test": "expires_at"}


def test_create_tables_without_ttl_leaves_the_time_to_live_off(template: dict[str, Any]) -> None:
    # Given
    client = FakeDynamoDBClient()

    # When the tests create the tables (their clock is not DynamoDB Local's)
    create_tables(client, {"MainTable": "main-test"}, template, with_ttl=False)  # type: ignore[arg-type]

    # Then the table is there, and nothing expires its items
    assert set(client.tables) == {"main-test"}
    assert client.ttl == {}


def test_create_tables_twice_leaves_existing_tables_alone(template: dict[str, Any]) -> None:
    # Given tables already created, TTL included
    client = FakeDynamoDBClient()
    names = {"MainTable": "main-test"}
    create_tables(client, names, template)  # type: ignore[arg-type]

    # When
    create_tables(client, names, template)  # type: ignore[arg-type]

    # Then nothing failed and nothing changed
    assert client.create_calls == 2
    assert client.ttl == {"main-test": "expires_at"}


def test_create_tables_gives_the_template_s_stream_only_when_asked() -> None:
    # Given the real template, whose MaxTable declares a stream
    real = load_template()
    plain, streaming = FakeDynamoDBClient(), FakeDynamoDBClient()

    # When its table is created as usual, and with streams
    create_tables(plain, {"MaxTable": "max-test"}, real)  # type: ignore[arg-type]
    create_tables(streaming, {"MaxTable": "max-test"}, real, with_streams=True)  # type: ignore[arg-type]

    # Then only the second has the stream, with the template's view
    assert "StreamSpecification" not in plain.tables["max-test"]
    assert streaming.tables["max-test"]["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }


def test_create_tables_tolerates_an_emulator_without_ttl(template: dict[str, Any]) -> None:
    client = FakeDynamoDBClient(ttl_error_code="UnknownOperationException")

    create_tables(client, {"MainTable": "main-test"}, template)  # type: ignore[arg-type]

    assert "main-test" in client.tables


def test_create_tables_reports_other_ttl_errors(template: dict[str, Any]) -> None:
    client = FakeDynamoDBClient(ttl_error_code="AccessDeniedException")

    with pytest.raises(ClientError, match="AccessDeniedException"):
        create_tables(client, {"MainTable": "main-test"}, template)  # type: ignore[arg-type]


def test_create_tables_rejects_an_unknown_logical_id(template: dict[str, Any]) -> None:
    client = FakeDynamoDBClient()

    with pytest.raises(TemplateError, match="NoSuchTable"):
        create_tables(client, {"NoSuchTable": "x"}, template)  # type: ignore[arg-type]
    assert client.tables == {}


# ----------------------------------------------------------------------------------------- functions


def test_function_code_falls_back_to_globals(template: dict[str, Any]) -> None:
    assert function_code(template, "ItemsFunction") == FunctionCode(
        code_uri="functions/items/", handler="app.lambda_handler", runtime="python3.11"
    )
    assert function_code(template, "JobsFunction") == FunctionCode(
        code_uri="functions/jobs/", handler="jobs.handler", runtime="python3.12"
    )


def test_http_routes_carry_method_path_handler_and_auth(template: dict[str, Any]) -> None:
    # When
    routes = http_routes(template)

    # Then
    def route(method: str, path: str, auth: bool) -> HttpRoute:
        return HttpRoute("ItemsFunction", method, path, "functions/items/", "app.lambda_handler", auth)

    assert routes == [
        route("GET", "/items", auth=True),
        route("GET", "/items/{id}", auth=True),
        # Authorizer: NONE opens one route of a protected API
        route("GET", "/health", auth=False),
        # an API without DefaultAuthorizer protects nothing
        route("POST", "/webhooks/{tenant_id}", auth=False),
        # no ApiId: SAM's implicit API, without authorizer unless Globals.HttpApi sets one
        route("ANY", "$default", auth=False),
    ]


def test_a_global_default_authorizer_protects_every_api_without_its_own() -> None:
    # Given Globals.HttpApi with a DefaultAuthorizer, an explicit API without one, and the implicit API
    events = {
        "Implicit": {"Type": "HttpApi", "Properties": {"Path": "/a", "Method": "GET"}},
        "Explicit": {
            "Type": "HttpApi",
            "Properties": {"Path": "/b", "Method": "GET", "ApiId": {"Ref": "Api"}},
        },
    }
    template = _function_template(
        {"Events": events},
        Globals={"HttpApi": {"Auth": {"DefaultAuthorizer": "Jwt"}}},
    )
    template["Resources"]["Api"] = {"Type": "AWS::Serverless::HttpApi", "Properties": {}}

    # Then both routes need a token, as SAM merges Globals into every HttpApi
    assert [(route.path, route.auth) for route in http_routes(template)] == [("/a", True), ("/b", True)]


def test_an_api_that_cannot_be_resolved_is_assumed_protected() -> None:
    event = {"Type": "HttpApi", "Properties": {"Path": "/x", "Method": "GET", "ApiId": "hard-coded-id"}}
    template = _function_template({"Events": {"Get": event}})

    assert [route.auth for route in http_routes(template)] == [True]


def test_schedules_of_both_kinds_with_their_input(template: dict[str, Any]) -> None:
    def schedule(event_name: str, expression: str, event_input: dict[str, Any] | None) -> Schedule:
        return Schedule(
            "JobsFunction", event_name, expression, event_input, "functions/jobs/", "jobs.handler"
        )

    assert schedules(template) == [
        schedule("Nightly", "rate(1 day)", {"job": "nightly"}),
        schedule("Hourly", "cron(5 * * * ? *)", None),
    ]


@pytest.mark.parametrize(
    ("raw_input", "message"),
    [
        ("{not json", "not valid JSON"),
        ('["a", "list"]', "JSON object"),
        ({"Fn::Sub": '{"stage": "${Stage}"}'}, "literal JSON string"),
    ],
)
def test_a_schedule_input_that_is_not_a_json_object_is_rejected(raw_input: Any, message: str) -> None:
    event = {"Type": "Schedule", "Properties": {"Schedule": "rate(1 hour)", "Input": raw_input}}
    template = _function_template({"Events": {"Tick": event}})

    with pytest.raises(TemplateError, match=message):
        schedules(template)


def test_sqs_consumers_name_their_queue_and_batch_size(template: dict[str, Any]) -> None:
    assert sqs_consumers(template) == [
        SqsConsumer("JobsFunction", "WorkQueue", "functions/jobs/", "jobs.handler", 5),
        # long-form GetAtt, and Lambda's default batch size
        SqsConsumer("JobsFunction", "WorkQueue", "functions/jobs/", "jobs.handler", 10),
    ]


def test_an_sqs_queue_outside_the_template_is_rejected() -> None:
    event = {"Type": "SQS", "Properties": {"Queue": "arn:aws:sqs:eu-west-3:123456789012:elsewhere"}}
    template = _function_template({"Events": {"Work": event}})

    with pytest.raises(TemplateError, match="GetAtt"):
        sqs_consumers(template)


def test_function_environment_merges_globals_under_the_functions_own(template: dict[str, Any]) -> None:
    assert function_environment(template, "ItemsFunction") == {
        "TABLE_NAME": {"Ref": "MainTable"},
        "STAGE": {"Ref": "Stage"},
        "LOG_LEVEL": "DEBUG",
        "QUEUE_URL": {"Ref": "WorkQueue"},
        "FIRST_AZ": {"Fn::Select": [0, {"Fn::GetAZs": ""}]},
        "MODE": {"Fn::If": ["IsProd", "strict", "relaxed"]},
    }
    assert function_environment(template, "JobsFunction") == {
        "TABLE_NAME": {"Ref": "MainTable"},
        "STAGE": {"Ref": "Stage"},
        "LOG_LEVEL": "INFO",
    }


def test_an_unknown_function_is_rejected(template: dict[str, Any]) -> None:
    with pytest.raises(TemplateError, match="NoSuchFunction"):
        function_environment(template, "NoSuchFunction")


# --------------------------------------------------------------------------------------- real template


@pytest.mark.skipif(not DEFAULT_TEMPLATE_PATH.exists(), reason="template.yaml is not written yet")
def test_the_real_template_yields_tables_and_routes() -> None:
    template = load_template()

    assert table_definitions(template)
    assert http_routes(template)
