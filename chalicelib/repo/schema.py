"""The table definition, read from ``infra/template.json`` so that DynamoDB
Local, moto and AWS all get the same keys, indexes and stream."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "template.json"
TABLE_RESOURCE = "DossierTable"


def _properties() -> dict[str, Any]:
    props: dict[str, Any] = json.loads(TEMPLATE.read_text())["Resources"][TABLE_RESOURCE]["Properties"]
    return props


def create_table_args(table_name: str) -> dict[str, Any]:
    """CloudFormation table properties as CreateTable arguments."""
    props = _properties()
    args: dict[str, Any] = {
        "TableName": table_name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props["BillingMode"],
        "GlobalSecondaryIndexes": props["GlobalSecondaryIndexes"],
        "LocalSecondaryIndexes": props["LocalSecondaryIndexes"],
    }
    stream = props.get("StreamSpecification")
    if stream:
        args["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    return args


def ensure_table(client: Any, table_name: str) -> bool:
    """Create the table unless it exists; True when it was created."""
    existing = client.list_tables().get("TableNames", [])
    if table_name in existing:
        return False
    client.create_table(**create_table_args(table_name))
    client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    ttl = _properties().get("TimeToLiveSpecification")
    if ttl:
        client.update_time_to_live(
            TableName=table_name, TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True}
        )
    return True


def _index_keys(indexes: list[dict[str, Any]] | None) -> dict[str, Any]:
    return {i["IndexName"]: i["KeySchema"] for i in indexes or []}


def schema_matches(client: Any, table_name: str) -> bool:
    """Whether an existing table has the keys and indexes the template defines
    (a local table made by an older version may not)."""
    wanted = create_table_args(table_name)
    found = client.describe_table(TableName=table_name)["Table"]
    return (
        found["KeySchema"] == wanted["KeySchema"]
        and _index_keys(found.get("GlobalSecondaryIndexes")) == _index_keys(wanted["GlobalSecondaryIndexes"])
        and _index_keys(found.get("LocalSecondaryIndexes")) == _index_keys(wanted["LocalSecondaryIndexes"])
    )
