"""What ``chalice package --merge-template infra/template.json`` merges into the
stream function: Chalice's decorator cannot set these mapping settings."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from chalicelib.repo import keys
from chalicelib.repo.schema import TEMPLATE


def _resources() -> dict[str, Any]:
    resources: dict[str, Any] = json.loads(TEMPLATE.read_text())["Resources"]
    return resources


@pytest.mark.parametrize(
    ("handler", "function", "queue"),
    [
        ("project_overview", "ProjectOverview", "OverviewFailures"),
        ("index_search", "IndexSearch", "SearchIndexFailures"),
    ],
)
def test_the_stream_mappings_report_partial_failures_retry_finitely_and_keep_failures(
    handler: str, function: str, queue: str
) -> None:
    from app import app

    # Chalice names the SAM function after the handler and nests the event source under it.
    assert handler in app.handler_map
    mapping = _resources()[function]["Properties"]["Events"][f"{function}DynamodbEventSource"]
    props = mapping["Properties"]
    assert props["Stream"] == {"Fn::GetAtt": ["DossierTable", "StreamArn"]}
    assert props["StartingPosition"] == "TRIM_HORIZON"
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["BisectBatchOnFunctionError"] is True
    assert 0 < props["MaximumRetryAttempts"] <= 10
    assert 0 < props["MaximumRecordAgeInSeconds"] <= 24 * 3600
    destination = props["DestinationConfig"]["OnFailure"]["Destination"]
    assert destination == {"Fn::GetAtt": [queue, "Arn"]}
    assert _resources()[queue]["Type"] == "AWS::SQS::Queue"


def test_the_table_has_the_stream_and_the_indexes_the_projection_reads() -> None:
    table = _resources()["DossierTable"]["Properties"]
    assert table["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert {i["IndexName"] for i in table["LocalSecondaryIndexes"]} == {"LSI1", "LSI2", "LSI3"}


def test_the_functions_may_read_the_stream_and_report_failures() -> None:
    policy = json.loads((Path(TEMPLATE).parents[1] / ".chalice" / "policy.json").read_text())
    actions = {a for s in policy["Statement"] for a in s["Action"]}
    assert {"dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream", "sqs:SendMessage"} <= actions


def test_the_mapping_delivers_only_items_and_audited_changes_and_the_poller_agrees() -> None:
    from devtools.stream_poller import _matches, mapping_filters

    filters = mapping_filters(TEMPLATE)

    def delivered(event_name: str, new: str | None, old: str | None) -> bool:
        dynamodb: dict[str, Any] = {}
        if new:
            dynamodb["NewImage"] = {"entity": {"S": new}}
        if old:
            dynamodb["OldImage"] = {"entity": {"S": old}}
        record = {"eventName": event_name, "dynamodb": dynamodb}
        return any(_matches(record, f) for f in filters)

    assert delivered("INSERT", "item", None)
    assert delivered("MODIFY", "item", "item")
    assert delivered("REMOVE", None, "item")
    # renames fan out as background jobs (services/pipeline_refresh.py, member_refresh.py), not here
    for entity in ("overview", "account", "chat_message", "credit", "contact", "tag", "pipeline", "member"):
        assert not delivered("MODIFY", entity, entity)  # unstamped (derived writes): not the overview's
    # The audit recorder sees the removal of every audited resource, stamped or not (a resource
    # written before the trail existed has no stamp), and of nothing else.
    from chalicelib.domain.audit import REMOVALS_RECORDED, UNAUDITED_ENTITIES

    for entity in REMOVALS_RECORDED:
        assert delivered("REMOVE", None, entity), entity
    for entity in UNAUDITED_ENTITIES - {"item", "pipeline", "member"}:
        assert not delivered("REMOVE", None, entity), entity
    # every entity that repo/keys.py names is one or the other: a new entity must be placed
    source = (Path(keys.__file__).read_text()).split("# Entity type names")[1].split("TTL_ATTRIBUTE")[0]
    entities = set(re.findall(r'^[A-Z_]+: Final = "([a-z_]+)"', source, re.M))
    assert entities and entities - set(REMOVALS_RECORDED) - UNAUDITED_ENTITIES == set()


def test_the_search_mapping_delivers_only_accounts_contacts_and_links() -> None:
    from devtools.stream_poller import _matches, mapping_filters

    filters = mapping_filters(TEMPLATE, "IndexSearch")

    def delivered(entity: str, event: str = "MODIFY") -> bool:
        image = "OldImage" if event == "REMOVE" else "NewImage"
        record = {"eventName": event, "dynamodb": {image: {"entity": {"S": entity}}}}
        return any(_matches(record, f) for f in filters)

    assert delivered("account") and delivered("contact")
    # A link made or removed names its account from the account's own partition.
    assert delivered("account_contact", "INSERT") and delivered("account_contact", "REMOVE")
    for entity in ("item", "search", "account_list_entry", "email", "member", "overview"):
        assert not delivered(entity)


def test_the_search_index_projects_only_what_a_search_reads() -> None:
    table = _resources()["DossierTable"]["Properties"]
    gsi3 = next(i for i in table["GlobalSecondaryIndexes"] if i["IndexName"] == "GSI3")
    assert gsi3["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["n", "ty", "e", "p"]}


def test_at_most_two_functions_read_the_stream() -> None:
    """DynamoDB Streams advises at most two readers per shard: notifications
    are sent by the overview's function, not a third reader."""
    readers = [
        name
        for name, resource in _resources().items()
        for event in resource.get("Properties", {}).get("Events", {}).values()
        if "Stream" in event.get("Properties", {})
    ]
    assert sorted(readers) == ["IndexSearch", "ProjectOverview"]


def test_received_mail_is_stored_then_handed_to_the_sync_function() -> None:
    from app import app

    assert "receive_email" in app.handler_map
    resources = _resources()
    rule = resources["InboundRule"]["Properties"]["Rule"]
    assert rule["ScanEnabled"] is True and rule["Recipients"] == [{"Ref": "InboundDomain"}]
    s3_action, lambda_action = (a for a in rule["Actions"])
    assert s3_action["S3Action"]["BucketName"] == {"Ref": "InboundMailBucket"}
    assert lambda_action["LambdaAction"]["FunctionArn"] == {"Fn::GetAtt": ["ReceiveEmail", "Arn"]}
    env = resources["ReceiveEmail"]["Properties"]["Environment"]["Variables"]
    assert env["INBOUND_BUCKET"] == {"Ref": "InboundMailBucket"}
    assert env["INBOUND_PREFIX"] == s3_action["S3Action"]["ObjectKeyPrefix"]
    assert resources["InboundMailRead"]["Properties"]["Roles"] == [{"Ref": "ReceiveEmailRole"}]


def test_expiring_items_use_the_tables_ttl_attribute() -> None:
    from chalicelib.repo import keys

    ttl = _resources()["DossierTable"]["Properties"]["TimeToLiveSpecification"]
    assert ttl == {"AttributeName": keys.TTL_ATTRIBUTE, "Enabled": True}


def test_the_functions_may_send_mail() -> None:
    policy = json.loads((Path(TEMPLATE).parents[1] / ".chalice" / "policy.json").read_text())
    assert any("ses:SendEmail" in s["Action"] for s in policy["Statement"])
    # replies from the profile go out as raw messages (their own threading headers)
    assert any("ses:SendRawEmail" in s["Action"] for s in policy["Statement"])
    api_role = _resources()["ApiHandlerRole"]["Properties"]["Policies"]
    assert any("ses:SendRawEmail" in s["Action"] for p in api_role for s in p["PolicyDocument"]["Statement"])


def _chalice_config() -> dict[str, Any]:
    config: dict[str, Any] = json.loads((Path(TEMPLATE).parents[1] / ".chalice" / "config.json").read_text())
    return config


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_deployed_stages_take_the_identity_provider_from_the_stack(stage: str) -> None:
    """The template gives every function the auth settings (its user pool and app client, or the OidcIssuer
    and OidcAudience parameters): a stage's fixed value would override nothing and could only go stale."""
    env = _chalice_config()["stages"][stage]["environment_variables"]
    assert not {"AUTH_MODE", "JWT_ISSUER", "JWKS_URL", "JWT_AUDIENCE", "COGNITO_USER_POOL_ID", "FIRM_CLAIM"} & set(env)
    assert "EXAMPLE" not in json.dumps(env)
    for function in ("APIHandler", "ProjectOverview", "IndexSearch", "ReceiveEmail"):
        variables = _resources()[function]["Properties"]["Environment"]["Variables"]
        assert variables["AUTH_MODE"] == {"Ref": "IdentityProvider"}, function
        assert {"JWT_ISSUER", "JWKS_URL", "JWT_AUDIENCE", "COGNITO_USER_POOL_ID"} <= set(variables), function
        assert variables["DOSSIER_TABLE"] == {"Ref": "DossierTable"}, function


@pytest.mark.parametrize("handler", ["project_overview", "index_search"])
def test_the_stream_functions_have_explicit_memory_and_timeout(handler: str) -> None:
    sizes = _chalice_config()["lambda_functions"][handler]
    assert sizes["lambda_memory_size"] >= 512
    assert 10 <= sizes["lambda_timeout"] <= 60  # README "Deploy to AWS": about ten times a measured batch


def test_browsers_may_put_and_get_documents_through_presigned_urls_only() -> None:
    bucket = _resources()["PhotosBucket"]["Properties"]
    (rule,) = bucket["CorsConfiguration"]["CorsRules"]
    assert set(rule["AllowedMethods"]) == {"PUT", "GET", "HEAD"}, "presigned uploads and downloads, nothing else"
    assert rule["AllowedHeaders"] == ["Content-Type"], "the signed header the upload sends"
    assert all(bucket["PublicAccessBlockConfiguration"].values()), "CORS opens no public access: the URL is signed"


def test_the_local_bucket_has_the_deployed_buckets_cors_rule() -> None:
    """s3rver (devtools/s3_local.py) gets the same rule, so the web client's presigned PUT of a CSV import
    works locally as it does on AWS."""
    from xml.etree import ElementTree

    from devtools.s3_local import CORS

    (rule,) = _resources()["PhotosBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    ns = {"s3": "http://s3.amazonaws.com/doc/2006-03-01/"}
    (local,) = ElementTree.parse(CORS).getroot().findall("s3:CORSRule", ns)

    def texts(tag: str) -> list[str]:
        return [e.text or "" for e in local.findall(f"s3:{tag}", ns)]

    assert texts("AllowedMethod") == rule["AllowedMethods"]
    assert texts("AllowedOrigin") == rule["AllowedOrigins"]
    assert texts("AllowedHeader") == rule["AllowedHeaders"]
    assert texts("ExposeHeader") == rule["ExposedHeaders"]
    assert texts("MaxAgeSeconds") == [str(rule["MaxAge"])]


def test_unchecked_uploads_expire_and_a_missing_object_is_a_404_to_the_api() -> None:
    resources = _resources()
    rules = resources["PhotosBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    (expiry,) = [r for r in rules if r.get("Prefix") == "uploads/"]
    assert expiry["ExpirationInDays"] == 1 and expiry["Status"] == "Enabled"
    statements = resources["PhotosReadWrite"]["Properties"]["PolicyDocument"]["Statement"]
    # without ListBucket, S3 answers HEAD of a missing key 403, and complete-before-upload would be a 500
    assert any(s["Action"] == "s3:ListBucket" for s in statements)


def test_the_api_functions_access_log_is_metered_by_its_own_function() -> None:
    """Metering (issue 20): the API function's "request served" lines reach ``meter_usage`` through a
    subscription filter on its log group; nothing on the request's path."""
    from app import app
    from chalicelib.domain.metering import SERVED

    assert "meter_usage" in app.handler_map
    resources = _resources()
    (subscription,) = [r for r in resources.values() if r.get("Type") == "AWS::Logs::SubscriptionFilter"]
    props = subscription["Properties"]
    assert props["LogGroupName"] == {"Ref": "APIHandlerLogGroup"}
    assert props["FilterPattern"] == f'{{ $.message = "{SERVED}" }}'
    assert props["DestinationArn"] == {"Fn::GetAtt": ["MeterUsage", "Arn"]}
    permission = resources[subscription["DependsOn"][0]]["Properties"]
    assert permission["Principal"] == "logs.amazonaws.com"
    assert permission["FunctionName"] == {"Ref": "MeterUsage"}
    assert permission["SourceArn"] == {"Fn::GetAtt": ["APIHandlerLogGroup", "Arn"]}  # no other group invokes it
    assert resources["MeterUsageLogGroup"]["Properties"]["LogGroupName"] == {"Fn::Sub": "/aws/lambda/${MeterUsage}"}


def test_the_meter_retries_keeps_what_it_gave_up_on_and_may_only_add_to_counters() -> None:
    resources = _resources()
    function = resources["MeterUsage"]["Properties"]
    assert function["Environment"]["Variables"]["DOSSIER_TABLE"] == {"Ref": "DossierTable"}
    invoke = function["EventInvokeConfig"]
    assert invoke["MaximumRetryAttempts"] == 2
    assert invoke["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": ["MeterUsageFailures", "Arn"]}
    (policy,) = resources["MeterUsageRole"]["Properties"]["Policies"]
    grants = {s["Sid"]: (sorted(s["Action"]), s["Resource"]) for s in policy["PolicyDocument"]["Statement"]}
    assert grants["AddToUsageCounters"] == (
        ["dynamodb:PutItem", "dynamodb:UpdateItem"],  # the batch's marker, the counters' ADD (one transaction)
        [{"Fn::GetAtt": ["DossierTable", "Arn"]}],
    )
    assert grants["KeepFailedBatches"] == (["sqs:SendMessage"], [{"Fn::GetAtt": ["MeterUsageFailures", "Arn"]}])
    assert set(grants) == {"AddToUsageCounters", "KeepFailedBatches", "WriteOwnLogs"}
    sizes = _chalice_config()["lambda_functions"]["meter_usage"]
    assert sizes["lambda_memory_size"] == 256 and sizes["lambda_timeout"] <= 60
