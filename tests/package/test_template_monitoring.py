"""The deployable template as ``make package`` builds it (tests/package/conftest.py): the alarms,
the functions' log groups and the API's access log.

These tests read what CloudFormation would receive, not our template's fragments.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.support.cfn_template import FUNCTIONS, STREAM_FUNCTIONS, resources_of

pytestmark = pytest.mark.integration

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


@pytest.mark.parametrize("function", sorted(STREAM_FUNCTIONS))
def test_an_alarm_watches_each_stream_functions_iterator_age(template: dict[str, Any], function: str) -> None:
    alarms = [
        a["Properties"]
        for a in resources_of(template, "AWS::CloudWatch::Alarm").values()
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
        for a in resources_of(template, "AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("Namespace") == "AWS/SQS"
        and a["Properties"]["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}]
    ]
    assert len(alarms) == 1 and alarms[0]["Threshold"] == 0


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_each_function_has_an_errors_and_a_throttles_alarm(template: dict[str, Any], metric: str) -> None:
    functions = set(resources_of(template, "AWS::Serverless::Function"))
    assert functions == FUNCTIONS
    watched = {}
    for alarm in resources_of(template, "AWS::CloudWatch::Alarm").values():
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
    alarms = resources_of(template, "AWS::CloudWatch::Alarm")
    # iterator ages, failure queues (the jobs' dead letters and the meter's failures too), each function, 5xx
    assert len(alarms) == 2 + 4 + 2 * len(FUNCTIONS) + 1
    assert set(resources_of(template, "AWS::SNS::Topic")) == {"OpsAlerts", "MailEvents"}  # alarms; SES's events
    for name, alarm in alarms.items():
        props = alarm["Properties"]
        assert props["AlarmActions"] == [{"Ref": "OpsAlerts"}], name
        assert props["TreatMissingData"] == "notBreaching", name


def test_each_function_logs_to_a_group_with_retention(template: dict[str, Any]) -> None:
    groups = {
        g["Properties"]["LogGroupName"]["Fn::Sub"]: g["Properties"]
        for g in resources_of(template, "AWS::Logs::LogGroup").values()
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
