"""The deployable template as ``make package`` builds it: ``chalice package
--merge-template infra/template.json`` on a staged copy of the app. These tests
read what CloudFormation would receive, not our template's fragments."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib.adapters.auth import issue_local_token
from chalicelib.adapters.config import Settings
from chalicelib.handlers.http.endpoint import ROUTES
from chalicelib.repo import keys
from devtools.package import package

pytestmark = pytest.mark.integration

_ARN = "arn:${AWS::Partition}"
_HS256 = Settings("t", None, "us-east-1", "hs256", "s" * 40, None, None, None, "firm_id")
STREAM_FUNCTIONS = {"ProjectOverview": "OverviewFailures", "IndexSearch": "SearchIndexFailures"}


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield package("prod", tmp_path_factory.mktemp("package"))


@pytest.fixture(scope="module")
def template(packaged: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(packaged.read_text())
    return loaded


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r.get("Type") == kind}


def test_the_template_passes_cfn_lint(packaged: Path) -> None:
    found = subprocess.run(
        [str(Path(sys.executable).with_name("cfn-lint")), str(packaged)], capture_output=True, text=True, check=False
    )
    assert found.returncode == 0, found.stdout + found.stderr


def test_the_table_keeps_its_data_and_feeds_the_stream(template: dict[str, Any]) -> None:
    table = template["Resources"]["DossierTable"]
    props = table["Properties"]
    assert props["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["DeletionProtectionEnabled"] is True
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    assert props["TimeToLiveSpecification"] == {"AttributeName": keys.TTL_ATTRIBUTE, "Enabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True


def test_the_buckets_are_private_and_encrypted(template: dict[str, Any]) -> None:
    buckets = _resources(template, "AWS::S3::Bucket")
    assert {"PhotosBucket", "InboundMailBucket"} <= set(buckets)
    for bucket in buckets.values():
        props = bucket["Properties"]
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert all(props["PublicAccessBlockConfiguration"].values())
    assert buckets["PhotosBucket"]["DeletionPolicy"] == "Retain"


@pytest.mark.parametrize(("function", "queue"), sorted(STREAM_FUNCTIONS.items()))
def test_the_stream_mappings_settings(template: dict[str, Any], function: str, queue: str) -> None:
    events = template["Resources"][function]["Properties"]["Events"]
    (mapping,) = events.values()  # one source each: Chalice's, with our settings merged in
    assert mapping["Type"] == "DynamoDB"
    props = mapping["Properties"]
    assert props["Stream"] == {"Fn::GetAtt": ["DossierTable", "StreamArn"]}
    assert props["StartingPosition"] == "TRIM_HORIZON"
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["BisectBatchOnFunctionError"] is True
    assert 0 < props["MaximumRetryAttempts"] <= 10
    assert 60 <= props["MaximumRecordAgeInSeconds"] <= 24 * 3600
    assert props["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": [queue, "Arn"]}
    assert template["Resources"][queue]["Type"] == "AWS::SQS::Queue"


def test_the_search_indexer_keeps_up_with_a_burst(template: dict[str, Any]) -> None:
    """docs/performance.md ("Search and Overview lag under a burst"): four
    lanes per shard, no wait to fill a batch, and a CPU share for the
    indexer's token and request work (128 MB would give it a fourteenth of one)."""
    function = template["Resources"]["IndexSearch"]["Properties"]
    (mapping,) = function["Events"].values()
    props = mapping["Properties"]
    assert props["ParallelizationFactor"] == 4
    assert props["MaximumBatchingWindowInSeconds"] == 0
    assert props["BatchSize"] == 100
    assert function["MemorySize"] >= 1024


@pytest.mark.parametrize("function", sorted(STREAM_FUNCTIONS))
def test_an_alarm_watches_each_stream_functions_iterator_age(template: dict[str, Any], function: str) -> None:
    alarms = [
        a["Properties"]
        for a in _resources(template, "AWS::CloudWatch::Alarm").values()
        if a["Properties"]["MetricName"] == "IteratorAge"
        and a["Properties"]["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function}}]
    ]
    assert len(alarms) == 1
    assert alarms[0]["Namespace"] == "AWS/Lambda"
    assert alarms[0]["AlarmActions"] == [{"Ref": "OpsAlerts"}]


def _statements(template: dict[str, Any], role: str) -> list[dict[str, Any]]:
    props = template["Resources"][role]["Properties"]
    found = [s for p in props["Policies"] for s in p["PolicyDocument"]["Statement"]]
    for policy in _resources(template, "AWS::IAM::Policy").values():  # policies attached from infra
        if {"Ref": role} in policy["Properties"]["Roles"]:
            found += policy["Properties"]["PolicyDocument"]["Statement"]
    return found


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_each_function_may_touch_only_its_own_resources(template: dict[str, Any]) -> None:
    roles = _resources(template, "AWS::IAM::Role")
    functions = _resources(template, "AWS::Serverless::Function")
    assert {f["Properties"]["Role"]["Fn::GetAtt"][0] for f in functions.values()} == set(roles)
    table = {"Fn::GetAtt": ["DossierTable", "Arn"]}
    indexes = {"Fn::Sub": "${DossierTable.Arn}/index/*"}
    stream = {"Fn::GetAtt": ["DossierTable", "StreamArn"]}
    for role in roles:
        for statement in _statements(template, role):
            assert statement["Effect"] == "Allow"
            actions = _as_list(statement["Action"])
            assert all(not a.endswith("*") for a in actions), (role, actions)
            resources = _as_list(statement["Resource"])
            assert "*" not in resources, (role, statement)
            for action in actions:
                service = action.split(":")[0]
                if service == "dynamodb" and action not in {
                    "dynamodb:DescribeStream",
                    "dynamodb:GetRecords",
                    "dynamodb:GetShardIterator",
                    "dynamodb:ListStreams",
                }:
                    assert resources == [table, indexes], (role, action)
                elif service == "dynamodb":
                    assert resources == [stream], (role, action)
                elif service == "sqs":
                    assert resources == [{"Fn::GetAtt": [STREAM_FUNCTIONS[role.removesuffix("Role")], "Arn"]}]
                elif service == "s3":
                    assert all("Bucket" in json.dumps(r) for r in resources), (role, resources)
                elif service == "ses":
                    assert resources == [
                        {"Fn::Sub": f"{_ARN}:ses:${{AWS::Region}}:${{AWS::AccountId}}:identity/${{MailFromDomain}}"},
                        {"Fn::Sub": f"{_ARN}:ses:${{AWS::Region}}:${{AWS::AccountId}}:configuration-set/*"},
                    ]
                else:
                    assert service == "logs", (role, action)
                    group = "log-group:/aws/lambda/${AWS::StackName}-*"  # this stack's functions only
                    assert resources == [{"Fn::Sub": f"{_ARN}:logs:${{AWS::Region}}:${{AWS::AccountId}}:{group}"}]
    gate_actions = {a for s in _statements(template, "FirmGateRole") for a in _as_list(s["Action"])}
    assert {a.split(":")[0] for a in gate_actions} == {"logs"}  # the authorizer reads nothing


def test_the_gateways_own_errors_are_problem_json_with_cors_headers(template: dict[str, Any]) -> None:
    # in the API's definition, so each change of them is deployed with it
    body = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    responses = body["x-amazon-apigateway-gateway-responses"]
    assert {"DEFAULT_4XX", "DEFAULT_5XX", "UNAUTHORIZED", "THROTTLED", "INVALID_API_KEY"} <= set(responses)
    for kind, response in responses.items():
        assert response["responseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"] == "'*'"
        assert response["responseParameters"]["gatewayresponse.header.Content-Type"] == "'application/problem+json'"
        # the body is JSON once API Gateway substitutes its (already quoted) message
        rendered = response["responseTemplates"]["application/json"].replace("$context.error.messageString", '"m"')
        problem = json.loads(rendered)
        assert set(problem) == {"type", "title", "status", "detail", "errors"}
        assert problem["status"] == response["statusCode"], kind
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["statusCode"] == 404  # an unknown path is not found
    assert responses["REQUEST_TOO_LARGE"]["statusCode"] == 400  # a body too large is bad input (docs/api.md)
    assert responses["UNAUTHORIZED"]["statusCode"] == 401
    assert not _resources(template, "AWS::ApiGateway::GatewayResponse")  # not beside it, undeployed


def test_each_firm_is_throttled_by_its_own_usage_plan_key(template: dict[str, Any]) -> None:
    api = template["Resources"]["RestAPI"]["Properties"]
    body = api["DefinitionBody"]
    assert body["x-amazon-apigateway-api-key-source"] == "AUTHORIZER"
    authorizer = body["securityDefinitions"]["firm_gate"]["x-amazon-apigateway-authorizer"]
    assert authorizer["type"] == "token" and authorizer["authorizerResultTtlInSeconds"] > 0
    # a header that cannot hold a JWT is refused (401) without invoking the authorizer
    shape = re.compile(authorizer["identityValidationExpression"])
    assert shape.match("Bearer " + issue_local_token("F1", "M1", _HS256))
    assert not shape.match("Bearer") and not shape.match("Basic abc") and not shape.match("Bearer a.b")
    for route in ROUTES:
        security = body["paths"][route.path][route.method.lower()].get("security", [])
        expected: list[dict[str, list[str]]] = [{"api_key": []}, {"firm_gate": []}] if route.auth else []
        assert security == expected, (route.method, route.path)
    firms = _resources(template, "AWS::ApiGateway::UsagePlan")["FirmUsagePlan"]["Properties"]
    assert firms["ApiStages"] == [{"ApiId": {"Ref": "RestAPI"}, "Stage": {"Ref": "RestAPI.Stage"}}]
    assert firms["Throttle"] == {"RateLimit": {"Ref": "FirmRateLimit"}, "BurstLimit": {"Ref": "FirmBurstLimit"}}
    assert not _resources(template, "AWS::ApiGateway::ApiKey")  # no fixed key values: stacks can share a region
    assert api["MethodSettings"][0]["ThrottlingRateLimit"] == {"Ref": "ApiRateLimit"}  # the whole API's ceiling
    assert template["Resources"]["FirmGate"]["Properties"]["MemorySize"] >= 256


def test_the_code_zip_holds_the_app_compiled_and_nothing_of_the_tests(packaged: Path) -> None:
    with zipfile.ZipFile(packaged.parent / "deployment.zip") as archive:
        names = set(archive.namelist())
    assert "app.py" in names and "chalicelib/handlers/http/endpoint.py" in names
    # Lambda cannot write bytecode itself: the app and its dependencies come compiled
    compiled = f"cpython-{sys.version_info.major}{sys.version_info.minor}.pyc"
    assert {f"__pycache__/app.{compiled}", f"chalicelib/handlers/http/__pycache__/endpoint.{compiled}"} <= names
    assert f"pydantic/__pycache__/main.{compiled}" in names
    assert not any(n.startswith(("tests/", "devtools/", "bench/", "infra/")) for n in names)
    assert any(n.startswith("aws_lambda_powertools/") for n in names)
