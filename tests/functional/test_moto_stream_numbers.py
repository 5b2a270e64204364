"""The moto stand-in numbers stream records uniquely even when written from
many threads (tests/support/moto_streams.py): otherwise a poller resuming
after a shared number loops for ever."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.repo.table import Table
from devtools.stream_poller import table_stream_arn
from tests.support.stream import streams_client


@pytest.fixture
def table(moto_table: Table) -> Table:
    return moto_table


def test_records_written_from_many_threads_get_distinct_sequence_numbers(table: Table) -> None:
    streams = streams_client()
    arn = table_stream_arn(table.client, table.name)
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]

    def put(i: int) -> None:
        table.client.put_item(TableName=table.name, Item={"PK": {"S": f"T#race#{i}"}, "SK": {"S": "X"}})

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, range(400)))

    records = streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]
    numbers = [r["dynamodb"]["SequenceNumber"] for r in records]
    assert len(numbers) == 400
    assert len(set(numbers)) == 400
