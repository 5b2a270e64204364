"""Sign-in through the real local identity provider (cognito-local), as
production signs in through a Cognito user pool: members invited by the API
are the pool's users, their access tokens are verified through the pool's
JWKS, and every token that must be refused is (401, nothing written)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import boto3
import jwt
import pytest
from chalice.test import Client
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.adapters.config import reset_settings, settings
from chalicelib.adapters.directory import LOCAL_PASSWORD, CognitoDirectory
from chalicelib.admin.local_identity import ensure_pool, identity_environment
from chalicelib.repo.firms import FirmRepo
from chalicelib.repo.table import Table
from chalicelib.services.identity import forget_bindings
from chalicelib.services.members import create_firm
from devtools.cognito_local import CognitoLocal
from devtools.dynamodb_local import ROOT, DynamoDBLocal
from tests.support.api import Api, snapshot
from tests.support.problems import assert_problem

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def provider() -> Iterator[dict[str, str]]:
    with CognitoLocal() as idp:
        pool_id, client_id, _ = ensure_pool(idp.endpoint)
        yield {"endpoint": idp.endpoint, "pool_id": pool_id, "client_id": client_id}


@pytest.fixture
def cognito_stage(provider: dict[str, str], local_table: Table) -> Iterator[Table]:
    """The API verifying the local pool's tokens, on DynamoDB Local (settings primed before any Client)."""
    saved = dict(os.environ)
    os.environ.update(identity_environment(provider["endpoint"], provider["pool_id"], provider["client_id"]))
    os.environ.pop("JWKS_URL")  # the test issuer's: the pool's is found from its issuer, as in AWS
    reset_settings()
    forget_bindings()
    settings()
    yield local_table
    os.environ.clear()
    os.environ.update(saved)
    reset_settings()
    forget_bindings()


def _pool(provider: dict[str, str]) -> Any:
    return boto3.client(
        "cognito-idp",
        endpoint_url=provider["endpoint"],
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def _firm(table: Table, tag: str) -> tuple[str, str, str, str]:
    """A firm whose owner signs in at the pool: (firm id, owner id, owner's address, access token)."""
    email = f"owner-{tag}-{time.time_ns()}@firm.example"
    firm, owner = create_firm(FirmRepo(table), name="Idp & Co", owner_name="Olga", owner_email=email)
    pool = CognitoDirectory(settings())
    pool.set_local_password(email)
    return firm.id, owner.id, email, pool.sign_in(settings().jwt_audience or "", email, LOCAL_PASSWORD)["AccessToken"]


def test_a_pool_token_signs_the_owner_in_and_an_invited_member_is_the_pools_user(
    cognito_stage: Table, provider: dict[str, str]
) -> None:
    firm_id, owner_id, _, token = _firm(cognito_stage, "a")
    from app import app

    with Client(app) as client:
        owner = Api(client, token)
        me = owner.get("/me")
        assert me.status == 200 and me.body["id"] == owner_id and me.body["firm"]["id"] == firm_id

        email = f"erin-{time.time_ns()}@firm.example"
        added = owner.post("/members", {"name": "Erin", "email": email, "role": "employee"})
        assert added.status == 201, added.body
        user = _pool(provider).admin_get_user(UserPoolId=provider["pool_id"], Username=email)
        assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"  # invited: a temporary password was sent
        member = FirmRepo(cognito_stage).get_member(firm_id, added.body["id"])
        assert member is not None
        sub = next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")
        assert member.identity_subject == sub

        CognitoDirectory(settings()).set_local_password(email)
        erin = Api(
            client, CognitoDirectory(settings()).sign_in(provider["client_id"], email, LOCAL_PASSWORD)["AccessToken"]
        )
        assert erin.get("/me").body["id"] == added.body["id"]

        # Deactivated: the token Erin holds is refused at the next request, and the pool's user is disabled.
        assert owner.delete(f"/members/{added.body['id']}").status == 204
        assert_problem(erin.get("/me"), 401)
        assert _pool(provider).admin_get_user(UserPoolId=provider["pool_id"], Username=email)["Enabled"] is False
        assert owner.get(f"/members/{added.body['id']}").body["status"] == "deactivated"
        assert_problem(owner.delete(f"/members/{owner_id}"), 409)  # never the owner


def _tokens(provider: dict[str, str], table: Table) -> dict[str, str]:
    """Every kind of token that must be refused."""
    pool = _pool(provider)
    _, _, email, good = _firm(table, "b")
    claims = jwt.decode(good, options={"verify_signature": False})
    other_client = pool.create_user_pool_client(
        UserPoolId=provider["pool_id"],
        ClientName=f"other-{time.time_ns()}",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
    )["UserPoolClient"]["ClientId"]
    short = pool.create_user_pool_client(
        UserPoolId=provider["pool_id"],
        ClientName=f"short-{time.time_ns()}",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
        AccessTokenValidity=1,
        TokenValidityUnits={"AccessToken": "seconds"},
    )["UserPoolClient"]["ClientId"]
    stranger = f"stranger-{time.time_ns()}@else.example"  # a user of the pool that no firm added
    pool.admin_create_user(UserPoolId=provider["pool_id"], Username=stranger, MessageAction="SUPPRESS")
    directory = CognitoDirectory(settings())
    directory.set_local_password(stranger)
    ours = directory.sign_in(provider["client_id"], email, LOCAL_PASSWORD)
    theirs = directory.sign_in(other_client, email, LOCAL_PASSWORD)
    expiring = directory.sign_in(short, email, LOCAL_PASSWORD)["AccessToken"]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "CognitoLocal"})
    time.sleep(2)  # the short client's token expires
    return {
        "an ID token": ours["IdToken"],
        "another app client's access token": theirs["AccessToken"],
        "expired": expiring,
        "signed with another key": forged,
        "alg none": jwt.encode(claims, "", algorithm="none"),
        "HS256": jwt.encode(claims, "x" * 32, algorithm="HS256"),
        "wrong issuer": jwt.encode({**claims, "iss": "http://127.0.0.1:1/local_x"}, key, algorithm="RS256"),
        "an unbound subject": directory.sign_in(provider["client_id"], stranger, LOCAL_PASSWORD)["AccessToken"],
    }


def test_every_bad_token_is_refused_and_writes_nothing(cognito_stage: Table, provider: dict[str, str]) -> None:
    bad = _tokens(provider, cognito_stage)
    from app import app

    before = snapshot(cognito_stage)
    with Client(app) as client:
        for name, token in bad.items():
            reply = Api(client, token).get("/me")
            assert reply.status == 401, (name, reply.body)
            assert_problem(Api(client, token).post("/tags", {"name": "X", "color": "#000000"}), 401)
    assert snapshot(cognito_stage) == before


def test_the_cli_prints_a_token_of_the_local_provider(
    cognito_stage: Table, provider: dict[str, str], dynamodb_local: DynamoDBLocal
) -> None:
    env = {
        **os.environ,
        "DYNAMODB_ENDPOINT": dynamodb_local.endpoint,
        "DOSSIER_TABLE": cognito_stage.name,
        "COGNITO_ENDPOINT": provider["endpoint"],
    }
    for name in ("COGNITO_USER_POOL_ID", "JWT_ISSUER", "JWT_AUDIENCE", "AUTH_MODE"):
        env.pop(name, None)  # found by the CLI in the provider, as after `make run`

    def cli(*args: str) -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, "-m", "chalicelib.cli", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        printed: dict[str, Any] = json.loads(done.stdout)
        return printed

    created = cli(
        "firm",
        "create",
        "--name",
        "Cli & Co",
        "--owner-name",
        "Cleo",
        "--owner-email",
        f"cleo-{time.time_ns()}@cli.example",
    )
    assert set(created) == {"firm_id", "member_id", "token"}
    again = cli("token", "--firm", created["firm_id"], "--member", created["member_id"])
    from app import app

    with Client(app) as client:
        for token in (created["token"], again["token"]):
            me = Api(client, token).get("/me")
            assert me.status == 200 and me.body["id"] == created["member_id"]


def test_one_firm_deactivating_a_shared_person_does_not_lock_them_out_of_another(
    cognito_stage: Table, provider: dict[str, str]
) -> None:
    """Two firms invite one address: one pool user, a member in each. One firm's deactivation refuses the
    person there, but leaves the pool's user enabled for the other firm."""
    _, _, _, token_a = _firm(cognito_stage, "c")
    firm_b, _, _, token_b = _firm(cognito_stage, "d")
    email = f"freelancer-{time.time_ns()}@shared.example"
    from app import app

    with Client(app) as client:
        in_a = Api(client, token_a).post("/members", {"name": "Fay", "email": email, "role": "employee"}).body["id"]
        in_b = Api(client, token_b).post("/members", {"name": "Fay", "email": email, "role": "employee"}).body["id"]
        directory = CognitoDirectory(settings())
        directory.set_local_password(email)
        fay = Api(client, directory.sign_in(provider["client_id"], email, LOCAL_PASSWORD)["AccessToken"])
        assert fay.get("/me").body["id"] == in_a  # the firm that invited her first
        assert fay.get("/me", headers={"Dossier-Firm": firm_b}).body["id"] == in_b

        assert Api(client, token_b).delete(f"/members/{in_b}").status == 204
        assert_problem(fay.get("/me", headers={"Dossier-Firm": firm_b}), 401)
        assert fay.get("/me").body["id"] == in_a
        assert _pool(provider).admin_get_user(UserPoolId=provider["pool_id"], Username=email)["Enabled"] is True
