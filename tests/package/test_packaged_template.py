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

from chalicelib.repo import keys
from chalicelib.services.exports import FILE_DAYS
from devtools.package import package

pytestmark = pytest.mark.integration

_ARN = "arn:${AWS::Partition}"
STREAM_FUNCTIONS = {"ProjectOverview": "OverviewFailures", "IndexSearch": "SearchIndexFailures"}
FUNCTIONS = {
    "APIHandler",
    "ProjectOverview",
    "IndexSearch",
    "ReceiveEmail",
    "RecordMailEvents",
    "RunJobs",
    "FailDeadJobs",
    "MeterUsage",
    "SweepJobs",
}
# the functions that verify tokens (the mail events, the job messages and the sweeper's schedule carry none)
VERIFIERS = FUNCTIONS - {"RecordMailEvents", "RunJobs", "FailDeadJobs", "MeterUsage", "SweepJobs"}
# Who may do what on which queue: the stream functions' on-failure queues, the jobs queue (the API sends the
# first message, the worker takes its messages and sends the next), the dead-letter queue (its function).
_TAKE = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
QUEUE_GRANTS = {
    "ProjectOverviewRole": ("OverviewFailures", {"sqs:SendMessage"}),
    "IndexSearchRole": ("SearchIndexFailures", {"sqs:SendMessage"}),
    "ApiHandlerRole": ("JobsQueue", {"sqs:SendMessage"}),
    "RunJobsRole": ("JobsQueue", _TAKE | {"sqs:ChangeMessageVisibility", "sqs:SendMessage"}),
    "FailDeadJobsRole": ("JobsDeadLetterQueue", _TAKE),
    "MeterUsageRole": ("MeterUsageFailures", {"sqs:SendMessage"}),  # its async invocations' on-failure queue
    "SweepJobsRole": ("JobsQueue", {"sqs:SendMessage"}),  # the first message of a job the API could not queue
}
COGNITO_ONLY = {"UserPool", "UserPoolClient", "CognitoUserAdmin"}
# What the API function may do to the pool's users (chalicelib/adapters/directory.py): invite (and delete
# an invited user whose member could not be written), look up, disable, and end a disabled member's
# sessions. Nothing that reads or changes a password.
COGNITO_ADMIN = {
    "cognito-idp:AdminCreateUser",
    "cognito-idp:AdminDeleteUser",
    "cognito-idp:AdminDisableUser",
    "cognito-idp:AdminGetUser",
    "cognito-idp:AdminUserGlobalSignOut",
}
AUTH_VARIABLES = {"AUTH_MODE", "JWT_ISSUER", "JWKS_URL", "JWT_AUDIENCE", "COGNITO_USER_POOL_ID"}
COGNITO_ISSUER = "https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}"
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "integrationLatency": "$context.integrationLatency",
    "subject": "$context.authorizer.claims.sub",
}
# The REST API's pieces, none of them in the stack: its API, usage plan and key source, Lambda authorizer, and
# the account setting REST APIs need to write access logs (an HTTP API needs none).
REST_ONLY = {
    "RestAPI",
    "APIHandlerInvokePermission",
    "FirmGate",
    "FirmGateRole",
    "FirmGateInvokePermission",
    "FirmUsagePlan",
    "ApiGatewayAccount",
    "ApiGatewayCloudWatchRole",
}


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield package("prod", tmp_path_factory.mktemp("package"))


@pytest.fixture(scope="module")
def template(packaged: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(packaged.read_text())
    return loaded


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r.get("Type") == kind}


def _env(template: dict[str, Any], function: str) -> dict[str, Any]:
    variables: dict[str, Any] = template["Resources"][function]["Properties"]["Environment"]["Variables"]
    return variables


def _role_of(template: dict[str, Any], function: str) -> str:
    role: str = template["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]
    return role


# --- a small evaluator of the template's conditions, for each identity provider ----------------------------


def _parameters(template: dict[str, Any], **given: str) -> dict[str, Any]:
    return {name: given.get(name, p.get("Default")) for name, p in template["Parameters"].items()}


def _holds(template: dict[str, Any], expression: Any, params: dict[str, Any]) -> bool:
    (function, args), *_ = expression.items()
    if function == "Condition":
        return _holds(template, template["Conditions"][args], params)
    if function == "Fn::Equals":
        left, right = (_resolve(template, a, params) for a in args)
        return bool(left == right)
    if function == "Fn::Not":
        return not _holds(template, args[0], params)
    if function == "Fn::And":
        return all(_holds(template, a, params) for a in args)
    if function == "Fn::Or":
        return any(_holds(template, a, params) for a in args)
    raise AssertionError(f"no evaluator for {function}")


def _resolve(template: dict[str, Any], value: Any, params: dict[str, Any]) -> Any:
    """``value`` with each Fn::If decided and each parameter's Ref replaced by its value."""
    if isinstance(value, list):
        return [_resolve(template, v, params) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Fn::If"}:
        condition, yes, no = value["Fn::If"]
        return _resolve(template, yes if _holds(template, {"Condition": condition}, params) else no, params)
    if set(value) == {"Ref"} and value["Ref"] in params:
        return params[value["Ref"]]
    return {k: _resolve(template, v, params) for k, v in value.items()}


def _referenced(value: Any) -> set[str]:
    """The names ``value`` refers to (Ref, Fn::GetAtt, Fn::Sub's ${Name} and ${Name.Attribute}), but
    pseudo parameters (AWS::Region, ...)."""
    found: set[str] = set()
    if isinstance(value, list):
        for v in value:
            found |= _referenced(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            if k == "Ref" and isinstance(v, str):
                found.add(v.split(".")[0])
            elif k == "Fn::GetAtt":
                found.add(v[0] if isinstance(v, list) else v.split(".")[0])
            elif k == "Fn::Sub":
                text = v[0] if isinstance(v, list) else v
                found |= {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text)}
                found |= _referenced(v[1] if isinstance(v, list) else [])
            else:
                found |= _referenced(v)
    return {name for name in found if not name.startswith("AWS::")}


def _stack(template: dict[str, Any], **given: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The parameters, resources and outputs a stack of these parameters would have, conditions decided."""
    params = _parameters(template, **given)
    kept = {
        name: _resolve(template, r, params)
        for name, r in template["Resources"].items()
        if "Condition" not in r or _holds(template, {"Condition": r["Condition"]}, params)
    }
    outputs = {
        name: _resolve(template, o, params)
        for name, o in template["Outputs"].items()
        if "Condition" not in o or _holds(template, {"Condition": o["Condition"]}, params)
    }
    return params, kept, outputs


# --- the tests ---------------------------------------------------------------------------------------------


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
def test_the_stream_functions_are_sized_for_a_batch(template: dict[str, Any], function: str) -> None:
    """Sized in .chalice/config.json (README "Deploy to AWS" gives the figures): a batch of 100 records took
    at most about 3 s in the burst bench, so 30 s is ten times that with a cold start, and a stuck batch is
    retried (bisected) within half a minute rather than Chalice's default minute."""
    props = template["Resources"][function]["Properties"]
    assert props["Timeout"] == 30
    assert props["MemorySize"] >= 512  # 128 MB: a cold start's import alone would take over 10 s


@pytest.mark.parametrize("function", sorted(STREAM_FUNCTIONS))
def test_an_alarm_watches_each_stream_functions_iterator_age(template: dict[str, Any], function: str) -> None:
    alarms = [
        a["Properties"]
        for a in _resources(template, "AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == "IteratorAge"
        and a["Properties"]["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function}}]
    ]
    assert len(alarms) == 1
    assert alarms[0]["Namespace"] == "AWS/Lambda"
    assert alarms[0]["AlarmActions"] == [{"Ref": "OpsAlerts"}]


@pytest.mark.parametrize("queue", sorted([*STREAM_FUNCTIONS.values(), "JobsDeadLetterQueue", "MeterUsageFailures"]))
def test_an_alarm_watches_each_failure_queue(template: dict[str, Any], queue: str) -> None:
    alarms = [
        a["Properties"]
        for a in _resources(template, "AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("Namespace") == "AWS/SQS"
        and a["Properties"]["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}]
    ]
    assert len(alarms) == 1 and alarms[0]["Threshold"] == 0


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_each_function_has_an_errors_and_a_throttles_alarm(template: dict[str, Any], metric: str) -> None:
    functions = set(_resources(template, "AWS::Serverless::Function"))
    assert functions == FUNCTIONS
    watched = {}
    for alarm in _resources(template, "AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        if props.get("Namespace") == "AWS/Lambda" and props.get("MetricName") == metric:
            (dimension,) = props["Dimensions"]
            assert dimension["Name"] == "FunctionName"
            watched[dimension["Value"]["Ref"]] = props
    assert set(watched) == functions
    for props in watched.values():
        assert props["Statistic"] == "Sum" and props["Period"] == 300
        assert props["ComparisonOperator"] == "GreaterThanThreshold" and props["Threshold"] == 0


def test_the_api_5xx_rate_alarm(template: dict[str, Any]) -> None:
    props = template["Resources"]["Api5xxRateAlarm"]["Properties"]
    metrics = {m["Id"]: m for m in props["Metrics"]}
    (answer,) = (m for m in props["Metrics"] if m["ReturnData"])
    # the HTTP API's metrics: by ApiId and Stage, named 5xx and Count
    dimensions = [{"Name": "ApiId", "Value": {"Ref": "HttpApi"}}, {"Name": "Stage", "Value": "$default"}]
    assert template["Resources"]["HttpApiStage"]["Properties"]["StageName"] == "$default"
    read = {m["MetricStat"]["Metric"]["MetricName"]: m for m in metrics.values() if "MetricStat" in m}
    assert set(read) == {"5xx", "Count"}
    for metric in read.values():
        assert metric["MetricStat"]["Metric"]["Namespace"] == "AWS/ApiGateway"
        assert metric["MetricStat"]["Metric"]["Dimensions"] == dimensions  # this stack's API and stage
        assert metric["MetricStat"]["Period"] == 300 and metric["MetricStat"]["Stat"] == "Sum"
    errors, count = read["5xx"]["Id"], read["Count"]["Id"]
    # a percentage of the requests, counted only from a minimum number of requests up
    match = re.fullmatch(rf"IF\({count} >= (\d+), 100 \* {errors} / {count}, 0\)", answer["Expression"])
    assert match and int(match.group(1)) >= 10
    assert props["ComparisonOperator"] == "GreaterThanThreshold" and props["Threshold"] == 1
    assert props["EvaluationPeriods"] == 1


def test_every_alarm_notifies_the_one_topic_and_ignores_missing_data(template: dict[str, Any]) -> None:
    alarms = _resources(template, "AWS::CloudWatch::Alarm")
    # iterator ages, failure queues (the jobs' dead letters and the meter's failures too), each function, 5xx
    assert len(alarms) == 2 + 4 + 2 * len(FUNCTIONS) + 1
    assert set(_resources(template, "AWS::SNS::Topic")) == {"OpsAlerts", "MailEvents"}  # alarms; SES's events
    for name, alarm in alarms.items():
        props = alarm["Properties"]
        assert props["AlarmActions"] == [{"Ref": "OpsAlerts"}], name
        assert props["TreatMissingData"] == "notBreaching", name


def test_each_function_logs_to_a_group_with_retention(template: dict[str, Any]) -> None:
    groups = {
        g["Properties"]["LogGroupName"]["Fn::Sub"]: g["Properties"]
        for g in _resources(template, "AWS::Logs::LogGroup").values()
    }
    for function in FUNCTIONS:
        group = groups[f"/aws/lambda/${{{function}}}"]  # the name Lambda writes to: not one it makes itself
        assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    retention = template["Parameters"]["LogRetentionDays"]
    assert retention["Default"] == 30
    assert {1, 7, 30, 90, 365, 3653} <= set(retention["AllowedValues"])  # CloudWatch's values, no other
    assert all(g["RetentionInDays"] == {"Ref": "LogRetentionDays"} for g in groups.values())


def test_the_api_writes_an_access_log(template: dict[str, Any]) -> None:
    stage = template["Resources"]["HttpApiStage"]["Properties"]
    setting = stage["AccessLogSettings"]
    assert setting["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogs", "Arn"]}
    assert template["Resources"]["ApiAccessLogs"]["Type"] == "AWS::Logs::LogGroup"
    fields = json.loads(setting["Format"].replace("$context.error.messageString", '"m"'))  # already quoted
    assert ACCESS_LOG_FIELDS.items() <= fields.items()
    assert not any("authorization" in str(v).lower() or "header" in str(v).lower() for v in fields.values())
    # an HTTP API logs through the deployer's permissions: no account-wide role, no REST API leftovers
    assert not REST_ONLY & set(template["Resources"])


def test_the_staff_user_pool(template: dict[str, Any]) -> None:
    pool = template["Resources"]["UserPool"]
    assert pool["Type"] == "AWS::Cognito::UserPool" and pool["Condition"] == "UseCognito"
    assert pool["DeletionPolicy"] == pool["UpdateReplacePolicy"] == "Retain"
    props = pool["Properties"]
    assert props["DeletionProtection"] == "ACTIVE"
    assert props["UsernameAttributes"] == ["email"] and props["AutoVerifiedAttributes"] == ["email"]
    admin_only = props["AdminCreateUserConfig"]
    assert admin_only["AllowAdminCreateUserOnly"] is True  # no self sign-up: a firm invites its staff
    invitation = admin_only["InviteMessageTemplate"]
    assert "Dossier" in invitation["EmailSubject"]
    for word in ("Dossier", "{username}", "{####}"):  # Cognito refuses a message without the last two
        assert word in invitation["EmailMessage"]
    policy = props["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12
    assert policy["RequireLowercase"] and policy["RequireUppercase"] and policy["RequireNumbers"]
    assert 1 <= policy["TemporaryPasswordValidityDays"] <= 7
    assert props["AccountRecoverySetting"]["RecoveryMechanisms"] == [{"Name": "verified_email", "Priority": 1}]


def test_the_web_clients_app_client(template: dict[str, Any]) -> None:
    client = template["Resources"]["UserPoolClient"]
    assert client["Type"] == "AWS::Cognito::UserPoolClient" and client["Condition"] == "UseCognito"
    props = client["Properties"]
    assert props["UserPoolId"] == {"Ref": "UserPool"}
    assert props["GenerateSecret"] is False  # a browser cannot keep a secret
    # the web client's InitiateAuth USER_PASSWORD_AUTH (what cognito-local supports too) and refresh: no other
    assert sorted(props["ExplicitAuthFlows"]) == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"]
    assert props["PreventUserExistenceErrors"] == "ENABLED"
    assert props["EnableTokenRevocation"] is True
    assert (props["AccessTokenValidity"], props["IdTokenValidity"], props["RefreshTokenValidity"]) == (1, 1, 30)
    assert props["TokenValidityUnits"] == {"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"}
    # without WriteAttributes a user could change every standard attribute, their e-mail (username) included
    assert props["WriteAttributes"] == ["name"]
    assert "email" in props["ReadAttributes"]


def test_the_outputs_name_the_pool_the_client_and_the_issuer(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert outputs["UserPoolId"] == {**outputs["UserPoolId"], "Condition": "UseCognito", "Value": {"Ref": "UserPool"}}
    assert outputs["UserPoolClientId"]["Value"] == {"Ref": "UserPoolClient"}
    assert outputs["UserPoolClientId"]["Condition"] == "UseCognito"
    assert outputs["JwtIssuer"]["Value"] == {
        "Fn::If": ["UseCognito", {"Fn::Sub": COGNITO_ISSUER}, {"Ref": "OidcIssuer"}]
    }
    assert outputs["SigningKeySecret"]["Value"] == {"Ref": "SigningKey"}


def test_an_external_oidc_issuer_replaces_the_pool(template: dict[str, Any]) -> None:
    assert template["Parameters"]["IdentityProvider"]["AllowedValues"] == ["cognito", "oidc"]
    assert template["Parameters"]["IdentityProvider"]["Default"] == "cognito"
    assert template["Conditions"]["UseCognito"] == {"Fn::Equals": [{"Ref": "IdentityProvider"}, "cognito"]}
    for name in COGNITO_ONLY:
        assert template["Resources"][name]["Condition"] == "UseCognito", name
    issuer, audience = "https://login.example.com/tenant/", "dossier-web"
    _, resources, outputs = _stack(template, IdentityProvider="oidc", OidcIssuer=issuer, OidcAudience=audience)
    assert not COGNITO_ONLY & set(resources) and not {"UserPoolId", "UserPoolClientId"} & set(outputs)
    # nothing left in the stack names a resource the condition leaves out
    for name, resource in resources.items():
        assert not _referenced(resource) & COGNITO_ONLY, name
        assert not set(resource.get("DependsOn", [])) & COGNITO_ONLY, name
    assert not _referenced(outputs) & COGNITO_ONLY
    assert outputs["JwtIssuer"]["Value"] == issuer
    for function in VERIFIERS:
        env = resources[function]["Properties"]["Environment"]["Variables"]
        assert env["AUTH_MODE"] == "oidc"
        assert (env["JWT_ISSUER"], env["JWT_AUDIENCE"]) == (issuer, audience)
        assert env["JWKS_URL"] == "" and env["COGNITO_USER_POOL_ID"] == ""  # the app's default JWKS, no pool
    _, resources, _ = _stack(template, IdentityProvider="oidc", OidcIssuer=issuer, OidcAudience=audience,
                             OidcJwksUrl="https://login.example.com/keys")  # fmt: skip
    assert (
        resources["APIHandler"]["Properties"]["Environment"]["Variables"]["JWKS_URL"]
        == "https://login.example.com/keys"
    )


def test_oidc_needs_an_issuer_and_an_audience(template: dict[str, Any]) -> None:
    (rule,) = template["Rules"].values()

    def accepted(**given: str) -> bool:
        params = _parameters(template, **given)
        if not _holds(template, rule["RuleCondition"], params):
            return True
        return all(_holds(template, a["Assert"], params) for a in rule["Assertions"])

    assert accepted()  # cognito needs neither
    assert accepted(IdentityProvider="oidc", OidcIssuer="https://id.example.com", OidcAudience="a")
    assert not accepted(IdentityProvider="oidc", OidcAudience="a")
    assert not accepted(IdentityProvider="oidc", OidcIssuer="https://id.example.com")
    pattern = re.compile(template["Parameters"]["OidcIssuer"]["AllowedPattern"])
    assert pattern.fullmatch("") and pattern.fullmatch("https://id.example.com/")
    assert not pattern.fullmatch("http://id.example.com")


def test_with_cognito_the_functions_trust_the_stacks_pool_and_client(template: dict[str, Any]) -> None:
    _, resources, _ = _stack(template)
    assert set(resources) >= COGNITO_ONLY
    for function in VERIFIERS:
        env = resources[function]["Properties"]["Environment"]["Variables"]
        assert set(env) >= AUTH_VARIABLES, function
        assert env["AUTH_MODE"] == "cognito"
        assert env["JWT_ISSUER"] == {"Fn::Sub": COGNITO_ISSUER}
        assert env["JWKS_URL"] == {"Fn::Sub": COGNITO_ISSUER + "/.well-known/jwks.json"}
        assert env["JWT_AUDIENCE"] == {"Ref": "UserPoolClient"}  # checked against the access token's client_id
        assert env["COGNITO_USER_POOL_ID"] == {"Ref": "UserPool"}
        assert env["DOSSIER_TABLE"] == {"Ref": "DossierTable"}  # the authorizer too: it finds the firm there
        assert "FIRM_CLAIM" not in env or env["FIRM_CLAIM"] != "custom:firm_id"  # no claim names the firm
        assert "EXAMPLE" not in json.dumps(env)  # no placeholder pool from .chalice/config.json


def test_the_signing_key_is_generated_per_stack_and_read_only_by_its_users(template: dict[str, Any]) -> None:
    secret = template["Resources"]["SigningKey"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    assert secret["Properties"]["GenerateSecretString"] == {"PasswordLength": 64, "ExcludePunctuation": True}
    users = {f for f in FUNCTIONS if "SIGNING_KEY_SECRET" in _env(template, f)}
    assert "APIHandler" in users  # it signs and checks the lists' cursors (chalicelib/repo/paging.py)
    for function in FUNCTIONS:
        grants = [
            s
            for s in _statements(template, _role_of(template, function))
            if any(a.startswith("secretsmanager:") for a in _as_list(s["Action"]))
        ]
        if function in users:
            assert _env(template, function)["SIGNING_KEY_SECRET"] == {"Ref": "SigningKey"}
            (grant,) = grants
            assert _as_list(grant["Action"]) == ["secretsmanager:GetSecretValue"]
            assert _as_list(grant["Resource"]) == [{"Ref": "SigningKey"}]  # that one secret
        else:
            assert not grants, function


def test_the_api_may_manage_only_its_pools_users(template: dict[str, Any]) -> None:
    granted: dict[str, list[dict[str, Any]]] = {}
    for role in {_role_of(template, f) for f in FUNCTIONS}:
        for statement in _statements(template, role):
            if any(a.startswith("cognito-idp:") for a in _as_list(statement["Action"])):
                granted.setdefault(role, []).append(statement)
    assert set(granted) == {"ApiHandlerRole"}
    (statement,) = granted["ApiHandlerRole"]
    assert set(_as_list(statement["Action"])) == COGNITO_ADMIN
    assert _as_list(statement["Resource"]) == [{"Fn::GetAtt": ["UserPool", "Arn"]}]  # the pool's ARN, no other
    (policy,) = (p for p in _resources(template, "AWS::IAM::Policy").values() if statement in _policy_statements(p))
    assert policy["Condition"] == "UseCognito"  # no pool, no grant


def _policy_statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def _statements(template: dict[str, Any], role: str) -> list[dict[str, Any]]:
    props = template["Resources"][role]["Properties"]
    found = [s for p in props["Policies"] for s in p["PolicyDocument"]["Statement"]]
    for policy in _resources(template, "AWS::IAM::Policy").values():  # policies attached from infra
        if {"Ref": role} in policy["Properties"]["Roles"]:
            found += _policy_statements(policy)
    return found


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_each_function_may_touch_only_its_own_resources(template: dict[str, Any]) -> None:
    functions = _resources(template, "AWS::Serverless::Function")
    roles = {f["Properties"]["Role"]["Fn::GetAtt"][0] for f in functions.values()}
    assert set(_resources(template, "AWS::IAM::Role")) == roles  # the functions' own roles, no other
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
                    assert resources in ([table, indexes], [table]), (role, action)
                elif service == "dynamodb":
                    assert resources == [stream], (role, action)
                elif service == "sqs":
                    queue, allowed = QUEUE_GRANTS[role]
                    assert resources == [{"Fn::GetAtt": [queue, "Arn"]}] and action in allowed, (role, action)
                elif service == "s3":
                    assert all("Bucket" in json.dumps(r) for r in resources), (role, resources)
                elif service == "ses":
                    assert resources == [
                        {"Fn::Sub": f"{_ARN}:ses:${{AWS::Region}}:${{AWS::AccountId}}:identity/${{MailFromDomain}}"},
                        {"Fn::Sub": f"{_ARN}:ses:${{AWS::Region}}:${{AWS::AccountId}}:configuration-set/*"},
                    ]
                elif service == "secretsmanager":
                    assert (action, resources) == ("secretsmanager:GetSecretValue", [{"Ref": "SigningKey"}])
                elif service == "cognito-idp":
                    assert role == "ApiHandlerRole" and action in COGNITO_ADMIN
                    assert resources == [{"Fn::GetAtt": ["UserPool", "Arn"]}]
                else:
                    assert service == "logs", (role, action)
                    group = "log-group:/aws/lambda/${AWS::StackName}-*"  # this stack's functions only
                    assert resources == [{"Fn::Sub": f"{_ARN}:logs:${{AWS::Region}}:${{AWS::AccountId}}:{group}"}]


def _routes() -> list[Any]:
    from chalicelib.handlers.http.routing import load_all

    routes = load_all()
    assert routes
    return routes


def test_every_route_of_the_table_is_a_route_of_the_http_api(template: dict[str, Any]) -> None:
    api = template["Resources"]["HttpApi"]
    assert api["Type"] == "AWS::ApiGatewayV2::Api" and api["Properties"]["FailOnWarnings"] is True
    body = api["Properties"]["Body"]
    handler = body["components"]["x-amazon-apigateway-integrations"]["handler"]
    assert handler == {
        "type": "aws_proxy",
        "httpMethod": "POST",
        "uri": {"Fn::GetAtt": ["APIHandler", "Arn"]},
        "payloadFormatVersion": "1.0",  # the REST proxy's event: Chalice's own handler serves it
        "timeoutInMillis": 30000,
    }
    reference = {"$ref": "#/components/x-amazon-apigateway-integrations/handler"}
    routes = _routes()
    served = {(m.upper(), p) for p, ops in body["paths"].items() for m in ops if p != "/$default"}
    assert served == {(r.method, r.path) for r in routes}  # each route with its method, and no other
    for route in routes:
        op = body["paths"][route.path][route.method.lower()]
        assert op["x-amazon-apigateway-integration"] == reference, route.path
        # the JWT authorizer on every route but the public ones (the health check, the OpenAPI document, the
        # portal's invitation acceptance), which the handler serves without a token as it does today
        assert op.get("security", []) == ([{"identity": []}] if route.auth else []), (route.method, route.path)
    assert {(r.method, r.path) for r in routes if not r.auth} == {
        ("GET", "/health"),
        ("GET", "/openapi.json"),
        ("POST", "/portal/invites/accept"),
    }
    # every other request goes to the function, which answers 404 or 405 in problem+json (HTTP APIs have no
    # gateway responses to customise); it has no authorizer, so its claims are none and no view trusts it
    default = body["paths"]["/$default"]["x-amazon-apigateway-any-method"]
    assert default["isDefaultRoute"] is True and default["x-amazon-apigateway-integration"] == reference
    assert "security" not in default
    permission = template["Resources"]["HttpApiInvokesAPIHandler"]["Properties"]
    assert permission["FunctionName"] == {"Ref": "APIHandler"} and permission["Principal"] == "apigateway.amazonaws.com"
    assert _referenced(permission["SourceArn"]) == {"HttpApi"}
    assert template["Outputs"]["EndpointURL"]["Value"] == {
        "Fn::Sub": "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/"
    }


@pytest.mark.parametrize("provider", ["cognito", "oidc"])
def test_the_jwt_authorizer_trusts_the_stacks_identity_provider(template: dict[str, Any], provider: str) -> None:
    issuer, audience = "https://login.example.com/tenant/", "dossier-web"
    given = {"IdentityProvider": provider, "OidcIssuer": issuer, "OidcAudience": audience}
    _, resources, _ = _stack(template, **given)
    scheme = resources["HttpApi"]["Properties"]["Body"]["components"]["securitySchemes"]["identity"]
    authorizer = scheme["x-amazon-apigateway-authorizer"]
    assert authorizer["type"] == "jwt"
    assert authorizer["identitySource"] == "$request.header.Authorization"
    config = authorizer["jwtConfiguration"]
    if provider == "cognito":  # the pool's issuer; the access token's client_id is checked against the audience
        assert config == {"issuer": {"Fn::Sub": COGNITO_ISSUER}, "audience": [{"Ref": "UserPoolClient"}]}
    else:
        assert config == {"issuer": issuer, "audience": [audience]}
    # the function trusts the same issuer and audience, and reads only the claims the gateway verified
    env = resources["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert env["JWT_ISSUER"] == config["issuer"] and [env["JWT_AUDIENCE"]] == config["audience"]
    assert env["TOKEN_VERIFIER"] == "gateway"


def test_each_firm_is_throttled_in_the_function_and_the_api_as_a_whole_at_the_stage(
    template: dict[str, Any],
) -> None:
    env = _env(template, "APIHandler")
    assert env["FIRM_RATE_LIMIT"] == {"Ref": "FirmRateLimit"} and env["FIRM_BURST_LIMIT"] == {"Ref": "FirmBurstLimit"}
    stage = template["Resources"]["HttpApiStage"]["Properties"]
    assert stage["ApiId"] == {"Ref": "HttpApi"} and stage["AutoDeploy"] is True
    assert stage["DefaultRouteSettings"] == {
        "ThrottlingRateLimit": {"Ref": "ApiRateLimit"},
        "ThrottlingBurstLimit": {"Ref": "ApiBurstLimit"},
    }
    assert not _resources(template, "AWS::ApiGateway::UsagePlan") and not _resources(
        template, "AWS::ApiGateway::ApiKey"
    )
    assert "FirmUsagePlanId" not in template["Outputs"]
    # CORS is the app's (app.py): the HTTP API answers the preflight, for the headers the clients send
    cors = template["Resources"]["HttpApi"]["Properties"]["Body"]["x-amazon-apigateway-cors"]
    allowed = {"authorization", "if-match", "dossier-firm", "prefer"}
    assert cors["allowOrigins"] == ["*"] and allowed <= set(cors["allowHeaders"])
    assert {"etag", "location", "retry-after", "preference-applied"} <= set(cors["exposeHeaders"])


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


def test_the_jobs_queue_feeds_the_worker_one_message_at_a_time_and_dead_letters_fail_the_job(
    template: dict[str, Any],
) -> None:
    resources = template["Resources"]
    queue, dead = resources["JobsQueue"]["Properties"], resources["JobsDeadLetterQueue"]["Properties"]
    worker = resources["RunJobs"]["Properties"]
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["JobsDeadLetterQueue", "Arn"]},
        "maxReceiveCount": 5,
    }
    assert queue["VisibilityTimeout"] >= 6 * worker["Timeout"]  # AWS's advice for a Lambda-fed queue
    assert dead["MessageRetentionPeriod"] == 1209600 and queue["SqsManagedSseEnabled"] and dead["SqsManagedSseEnabled"]
    (mapping,) = worker["Events"].values()
    assert mapping["Type"] == "SQS"
    assert mapping["Properties"]["Queue"] == {"Fn::GetAtt": ["JobsQueue", "Arn"]}
    assert mapping["Properties"]["BatchSize"] == 1
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    (dead_mapping,) = resources["FailDeadJobs"]["Properties"]["Events"].values()
    assert dead_mapping["Properties"]["Queue"] == {"Fn::GetAtt": ["JobsDeadLetterQueue", "Arn"]}
    assert (
        _env(template, "APIHandler")["JOBS_QUEUE_URL"]
        == _env(template, "RunJobs")["JOBS_QUEUE_URL"]
        == {"Ref": "JobsQueue"}
    )
    exports = [
        s for s in _statements(template, "RunJobsRole") if any(a.startswith("s3:") for a in _as_list(s["Action"]))
    ]
    assert {json.dumps(r) for s in exports for r in _as_list(s["Resource"])} == {
        json.dumps({"Fn::Sub": "${PhotosBucket.Arn}/exports/*"}),
        json.dumps({"Fn::Sub": "${PhotosBucket.Arn}/imports/*"}),
        json.dumps({"Fn::GetAtt": ["PhotosBucket", "Arn"]}),
    }
    # import files are read, and deleted once the real run completed (never written: the firm uploads them)
    imports = [s for s in exports if {"Fn::Sub": "${PhotosBucket.Arn}/imports/*"} in _as_list(s["Resource"])]
    assert imports and {a for s in imports for a in _as_list(s["Action"])} == {"s3:GetObject", "s3:DeleteObject"}
    # GET /exports/{id} answers expired once the bucket's rule has deleted the file
    rules = {r["Id"]: r for r in resources["PhotosBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]}
    assert rules["ExpireExports"]["Prefix"] == "exports/"
    assert rules["ExpireExports"]["ExpirationInDays"] == FILE_DAYS


def test_bounces_and_complaints_reach_the_function_that_records_them(template: dict[str, Any]) -> None:
    """Every mail names the configuration set; SES suppresses bounced and complaining addresses and
    publishes those events to a topic whose one subscriber records them (and may only update items)."""
    resources = template["Resources"]
    (config_set,) = _resources(template, "AWS::SES::ConfigurationSet")
    assert set(resources[config_set]["Properties"]["SuppressionOptions"]["SuppressedReasons"]) == {
        "BOUNCE",
        "COMPLAINT",
    }
    (destination,) = _resources(template, "AWS::SES::ConfigurationSetEventDestination").values()
    event_destination = destination["Properties"]["EventDestination"]
    assert set(event_destination["MatchingEventTypes"]) == {"bounce", "complaint"}
    topic = event_destination["SnsDestination"]["TopicARN"]["Ref"]
    subscriptions = [
        s["Properties"]
        for s in _resources(template, "AWS::SNS::Subscription").values()
        if s["Properties"]["TopicArn"] == {"Ref": topic}
    ]
    assert [s["Endpoint"] for s in subscriptions] == [{"Fn::GetAtt": ["RecordMailEvents", "Arn"]}]
    for sender in ("APIHandler", "ProjectOverview"):
        variables = resources[sender]["Properties"]["Environment"]["Variables"]
        assert variables["SES_CONFIGURATION_SET"] == {"Ref": config_set}
    statements = resources["RecordMailEventsRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    table_actions = {a for s in statements if "dynamodb:UpdateItem" in s["Action"] for a in s["Action"]}
    assert table_actions == {"dynamodb:UpdateItem"}
