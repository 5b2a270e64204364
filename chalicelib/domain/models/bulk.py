"""Bulk edit of accounts (POST /accounts/bulk)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from chalicelib.domain.models.base import MAX_TAGS, MAX_TEAM, AccountType, Id, InputModel, OutputModel
from chalicelib.domain.models.operations import Problem

MAX_BULK_ACCOUNTS = 100  # one BatchGetItem reads them all

TagIds = Annotated[list[Id], Field(default_factory=list, max_length=MAX_TAGS)]
MemberIds = Annotated[list[Id], Field(default_factory=list, max_length=MAX_TEAM)]


class BulkEdit(InputModel):
    account_ids: Annotated[list[Id], Field(min_length=1, max_length=MAX_BULK_ACCOUNTS)] = Field(
        description="1-100 accounts, each once."
    )
    add_tags: TagIds
    remove_tags: TagIds
    add_team_member_ids: MemberIds
    remove_team_member_ids: MemberIds
    type: AccountType | None = None
    versions: dict[Id, Annotated[int, Field(ge=0)]] | None = Field(
        default=None,
        description="Optional If-Match per account ({account_id: version}): an account at another version is "
        "left unchanged and answers 412 version_mismatch. Each key must be one of account_ids.",
    )


class BulkResultOut(OutputModel):
    account_id: str
    status: Literal["ok", "error"]
    problem: Problem | None = Field(
        description="With status error: the problem+json object PATCH /accounts/{account_id} would have answered "
        "(404 not_found, 403 forbidden, 409 account_archived, 412 version_mismatch, 422 too_many_tags, ...)."
    )
    version: int | None = Field(description="With status ok: the account's version now.")


class BulkOut(OutputModel):
    results: list[BulkResultOut] = Field(description="One per account, in the order of account_ids.")
