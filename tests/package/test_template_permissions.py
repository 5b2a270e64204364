"""The deployable template as ``make package`` builds it (tests/package/conftest.py): what each
function's role may do, on which resources.

These tests read what CloudFormation would receive, not our template's fragments.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.cfn_template import FUNCTIONS, as_list, policy_statements, resources_of, role_of, statements_of

pytestmark = pytest.mark.integration

_ARN = "arn:${AWS::Partition}"

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


def test_the_api_may_manage_only_its_pools_users(template: dict[str, Any]) -> None:
    granted: dict[str, list[dict[str, Any]]] = {}
    for role in {role_of(template, f) for f in FUNCTIONS}:
        for statement in statements_of(template, role):
            if any(a.startswith("cognito-idp:") for a in as_list(statement["Action"])):
                granted.setdefault(role, []).append(statement)
    assert set(granted) == {"ApiHandlerRole"}
    (statement,) = granted["ApiHandlerRole"]
    assert set(as_list(statement["Action"])) == COGNITO_ADMIN
    assert as_list(statement["Resource"]) == [{"Fn::GetAtt": ["UserPool", "Arn"]}]  # the pool's ARN, no other
    (policy,) = (p for p in resources_of(template, "AWS::IAM::Policy").values() if statement in policy_statements(p))
    assert policy["Condition"] == "UseCognito"  # no pool, no grant


def test_each_function_may_touch_only_its_own_resources(template: dict[str, Any]) -> None:
    functions = resources_of(template, "AWS::Serverless::Function")
    roles = {f["Properties"]["Role"]["Fn::GetAtt"][0] for f in functions.values()}
    assert set(resources_of(template, "AWS::IAM::Role")) == roles  # the functions' own roles, no other
    table = {"Fn::GetAtt": ["DossierTable", "Arn"]}
    indexes = {"Fn::Sub": "${DossierTable.Arn}/index/*"}
    stream = {"Fn::GetAtt": ["DossierTable", "StreamArn"]}
    for role in roles:
        for statement in statements_of(template, role):
            assert statement["Effect"] == "Allow"
            actions = as_list(statement["Action"])
            assert all(not a.endswith("*") for a in actions), (role, actions)
            resources = as_list(statement["Resource"])
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
