"""Authentication of the accounts API: hand-made tokens are accepted, requests without a valid
token are 401.

Every test runs on moto and on DynamoDB Local (the ``table`` fixture).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest
from chalice.test import Client
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from chalicelib.domain.ids import new_id
from chalicelib.repo.firms import FirmRepo
from chalicelib.repo.table import Table
from tests.support import tokens
from tests.support.api import Api, TestFirm, snapshot
from tests.support.factories import account_body, contact_spec, new_account
from tests.support.problems import assert_problem

# --- authentication ------------------------------------------------------------------------


def _owner_token(firm: TestFirm, **kwargs: Any) -> str:
    return tokens.mint(f"sub-{firm.owner_id}", _owner_email(firm), **kwargs)


def _owner_email(firm: TestFirm) -> str:
    member = FirmRepo(firm.table).get_member(firm.firm_id, firm.owner_id)
    assert member is not None
    return member.email


def test_a_hand_made_token_is_accepted(client: Client, firm: TestFirm) -> None:
    """Control for the 401 tests below: the same construction, still valid, works."""
    r = Api(client, _owner_token(firm)).get("/accounts")
    assert r.status == 200, r.body


def _auth_cases(firm: TestFirm) -> dict[str, dict[str, str]]:
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = tokens.KEY.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    unsigned = jwt.encode(
        {"iss": tokens.ISSUER, "aud": tokens.AUDIENCE, "sub": f"sub-{firm.owner_id}", "exp": int(time.time()) + 60},
        "",
        algorithm="none",
    )
    cases = {
        "missing": None,
        "garbage": "not.a.jwt",
        "expired": _owner_token(firm, expires_in=-60),
        "wrong key": _owner_token(firm, key=other_key),
        "alg none": unsigned,
        "HS256 keyed with the public key": _hs256(firm, public_pem),
        "wrong issuer": _owner_token(firm, iss="https://elsewhere.example"),
        "wrong audience": _owner_token(firm, aud="another-app"),
        "unbound subject": tokens.mint(f"sub-{new_id()}"),
        "unverified address of an invited member": tokens.mint(
            f"sub-{new_id()}", None, email=_owner_email(firm), email_verified=False
        ),
        "another address": tokens.mint(f"sub-{new_id()}", f"{new_id().lower()}@elsewhere.example"),
    }
    headers = {name: ({"Authorization": f"Bearer {t}"} if t else {}) for name, t in cases.items()}
    headers["not bearer"] = {"Authorization": f"Basic {firm.owner_token}"}
    headers["empty bearer"] = {"Authorization": "Bearer "}
    return headers


def _hs256(firm: TestFirm, secret: bytes) -> str:
    """Algorithm confusion: an HMAC keyed with the issuer's public key (PyJWT refuses to make one itself)."""
    header = {"alg": "HS256", "typ": "JWT", "kid": tokens.KEY_ID}
    payload = {
        "iss": tokens.ISSUER,
        "aud": tokens.AUDIENCE,
        "sub": f"sub-{firm.owner_id}",
        "exp": int(time.time()) + 60,
    }
    signing_input = b".".join(
        base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=") for part in (header, payload)
    )
    signature = base64.urlsafe_b64encode(hmac.new(secret, signing_input, hashlib.sha256).digest()).rstrip(b"=")
    return (signing_input + b"." + signature).decode()


AUTH_CASES = [
    "missing",
    "garbage",
    "not bearer",
    "empty bearer",
    "expired",
    "wrong key",
    "alg none",
    "HS256 keyed with the public key",
    "wrong issuer",
    "wrong audience",
    "unbound subject",
    "unverified address of an invited member",
    "another address",
]


@pytest.mark.parametrize("case", AUTH_CASES)
def test_requests_without_a_valid_token_are_401(
    api: Api, client: Client, firm: TestFirm, table: Table, case: str
) -> None:
    account = new_account(api, "Guarded")
    anonymous = Api(client, None)
    headers = _auth_cases(firm)[case]
    before = snapshot(table)

    assert_problem(anonymous.get("/accounts", headers=headers), 401)
    assert_problem(anonymous.get(f"/accounts/{account['id']}", headers=headers), 401)
    assert_problem(anonymous.post("/accounts", account_body("Sneaky"), headers=headers), 401)
    assert_problem(anonymous.patch(f"/accounts/{account['id']}", {"name": "Sneaky"}, headers=headers), 401)
    assert_problem(anonymous.delete(f"/accounts/{account['id']}", headers=headers), 401)
    assert_problem(anonymous.post(f"/accounts/{account['id']}/contacts", contact_spec(), headers=headers), 401)
    assert snapshot(table) == before
