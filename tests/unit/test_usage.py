"""Per-firm throttling behind a REST API (not in the default stack, docs/architecture.md "The front door"):
the gateway authorizer names the firm's usage-plan key, and a firm's key is registered in the firms' plan
(moto's API Gateway). The default stack's in-function throttling: tests/unit/test_throttle.py."""

from __future__ import annotations

from typing import Any

import boto3
import jwt
import pytest
from moto import mock_aws

from chalicelib.adapters import usage
from chalicelib.adapters.config import reset_settings
from chalicelib.domain.entities import Member
from chalicelib.domain.ids import new_id, now_iso
from chalicelib.handlers.http.authorizer import firm_gate
from chalicelib.repo.firms import FirmRepo
from chalicelib.repo.identities import IdentityRepo
from chalicelib.repo.table import Table
from tests.support import tokens
from tests.support.api import make_firm, snapshot

ARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef/prod/GET/accounts"


def _gate(token: str) -> dict[str, Any]:
    # the event API Gateway sends a TOKEN authorizer
    answer: dict[str, Any] = firm_gate({"type": "TOKEN", "authorizationToken": token, "methodArn": ARN}, {})
    return answer


def test_a_verified_token_is_counted_against_its_firms_key(moto_table: Table) -> None:
    firm = make_firm(moto_table)
    answer = _gate("Bearer " + firm.owner_token)
    assert answer["usageIdentifierKey"] == usage.firm_key(firm.firm_id)
    assert answer["principalId"] == firm.owner_id
    # the answer is cached per token for every route, so it must allow them all
    (statement,) = answer["policyDocument"]["Statement"]
    assert statement["Effect"] == "Allow" and statement["Resource"] == [
        "arn:aws:execute-api:us-east-1:123456789012:abcdef/prod/*/*"
    ]


def test_a_first_sign_in_is_counted_against_its_firm_and_left_for_the_api_to_bind(moto_table: Table) -> None:
    """The authorizer only reads (its role may not write): it names the firm the address was invited to."""
    firm = make_firm(moto_table)
    member = Member(firm.firm_id, new_id(), "Newcomer", "new@firm.example", "employee", False, False, now_iso())
    FirmRepo(moto_table).add_member(member, IdentityRepo(moto_table).await_first_sign_in(member))
    before = snapshot(moto_table)
    answer = _gate("Bearer " + tokens.mint("oidc-user-7", "new@firm.example"))
    assert answer["usageIdentifierKey"] == usage.firm_key(firm.firm_id)
    assert answer["principalId"] == member.id
    assert snapshot(moto_table) == before


def test_firms_keys_differ_and_fit_api_gateways_rules() -> None:
    keys = {usage.firm_key(f) for f in ("F1", "F2", "a" * 64)}
    assert len(keys) == 3
    assert all(20 <= len(k) <= 128 and k.isascii() for k in keys)


@pytest.mark.parametrize(
    "header",
    [
        "",
        "Bearer ",
        "Basic abc",
        "Bearer not-a-jwt",
        "Bearer " + tokens.mint("M1", expires_in=-60),
        "Bearer " + jwt.encode({"sub": "M1", "exp": 4102444800}, "another-secret-0123456789-0123456789"),
        "Bearer " + tokens.mint("bound-to-nobody"),
    ],
)
def test_a_token_that_does_not_verify_is_refused_with_the_authorizers_401(header: str, moto_table: Table) -> None:
    # "Unauthorized" is the text API Gateway turns into a 401 (its problem+json gateway response)
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        _gate(header)


def test_registering_firms_adds_each_key_to_the_plan_once_past_a_page() -> None:
    with mock_aws():
        client = boto3.client("apigateway", region_name="us-east-1")
        plan = client.create_usage_plan(name="firms")["id"]
        firms = [f"F{i}" for i in range(30)]  # more than one page (25) of keys and of plan keys
        first = [usage.register_firm(client, plan, f) for f in firms]
        again = [usage.register_firm(client, plan, f) for f in firms]
        assert first == again and len(set(first)) == 30
        pages = client.get_paginator("get_usage_plan_keys").paginate(usagePlanId=plan)
        values = sorted(k["value"] for page in pages for k in page["items"])
        assert values == sorted(usage.firm_key(f) for f in firms)


def test_a_usage_plan_is_needed_only_to_register_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default stack's HTTP API has no usage plans: firms are created without one; registering a key
    (a stack that keeps a REST API) needs it."""
    from chalicelib.admin.cli import _usage_plan

    monkeypatch.delenv("USAGE_PLAN_ID", raising=False)
    reset_settings()
    assert _usage_plan() is None
    with pytest.raises(SystemExit, match="USAGE_PLAN_ID"):
        _usage_plan(required=True)
    monkeypatch.setenv("USAGE_PLAN_ID", "plan-1")
    reset_settings()
    assert _usage_plan(required=True) == "plan-1"
