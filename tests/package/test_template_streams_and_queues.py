"""The deployable template as ``make package`` builds it (tests/package/conftest.py): the stream
consumers, the jobs queue and the mail events' subscription.

These tests read what CloudFormation would receive, not our template's fragments.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.services.exports import FILE_DAYS
from tests.support.cfn_template import STREAM_FUNCTIONS, as_list, env_of, resources_of, statements_of

pytestmark = pytest.mark.integration


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
        env_of(template, "APIHandler")["JOBS_QUEUE_URL"]
        == env_of(template, "RunJobs")["JOBS_QUEUE_URL"]
        == {"Ref": "JobsQueue"}
    )
    exports = [
        s for s in statements_of(template, "RunJobsRole") if any(a.startswith("s3:") for a in as_list(s["Action"]))
    ]
    assert {json.dumps(r) for s in exports for r in as_list(s["Resource"])} == {
        json.dumps({"Fn::Sub": "${PhotosBucket.Arn}/exports/*"}),
        json.dumps({"Fn::Sub": "${PhotosBucket.Arn}/imports/*"}),
        json.dumps({"Fn::GetAtt": ["PhotosBucket", "Arn"]}),
    }
    # import files are read, and deleted once the real run completed (never written: the firm uploads them)
    imports = [s for s in exports if {"Fn::Sub": "${PhotosBucket.Arn}/imports/*"} in as_list(s["Resource"])]
    assert imports and {a for s in imports for a in as_list(s["Action"])} == {"s3:GetObject", "s3:DeleteObject"}
    # GET /exports/{id} answers expired once the bucket's rule has deleted the file
    rules = {r["Id"]: r for r in resources["PhotosBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]}
    assert rules["ExpireExports"]["Prefix"] == "exports/"
    assert rules["ExpireExports"]["ExpirationInDays"] == FILE_DAYS


def test_bounces_and_complaints_reach_the_function_that_records_them(template: dict[str, Any]) -> None:
    """Every mail names the configuration set; SES suppresses bounced and complaining addresses and
    publishes those events to a topic whose one subscriber records them (and may only update items)."""
    resources = template["Resources"]
    (config_set,) = resources_of(template, "AWS::SES::ConfigurationSet")
    assert set(resources[config_set]["Properties"]["SuppressionOptions"]["SuppressedReasons"]) == {
        "BOUNCE",
        "COMPLAINT",
    }
    (destination,) = resources_of(template, "AWS::SES::ConfigurationSetEventDestination").values()
    event_destination = destination["Properties"]["EventDestination"]
    assert set(event_destination["MatchingEventTypes"]) == {"bounce", "complaint"}
    topic = event_destination["SnsDestination"]["TopicARN"]["Ref"]
    subscriptions = [
        s["Properties"]
        for s in resources_of(template, "AWS::SNS::Subscription").values()
        if s["Properties"]["TopicArn"] == {"Ref": topic}
    ]
    assert [s["Endpoint"] for s in subscriptions] == [{"Fn::GetAtt": ["RecordMailEvents", "Arn"]}]
    for sender in ("APIHandler", "ProjectOverview"):
        variables = resources[sender]["Properties"]["Environment"]["Variables"]
        assert variables["SES_CONFIGURATION_SET"] == {"Ref": config_set}
    statements = resources["RecordMailEventsRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    table_actions = {a for s in statements if "dynamodb:UpdateItem" in s["Action"] for a in s["Action"]}
    assert table_actions == {"dynamodb:UpdateItem"}
