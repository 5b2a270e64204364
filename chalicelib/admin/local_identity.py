"""The local stage's identity provider settings: the user pool and web client
of the cognito-local that ``make run`` starts (devtools/cognito_local.py),
found by name, or made on first use. The CLI uses this too, so ``cli token``
signs in at the same pool as the web client."""

from __future__ import annotations

from typing import Any

import boto3

POOL_NAME = "dossier-local"
CLIENT_NAME = "dossier-web"


def _client(endpoint: str) -> Any:
    return boto3.client(
        "cognito-idp",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def ensure_pool(endpoint: str) -> tuple[str, str, bool]:
    """The local user pool and its web client (created on first use): (pool id, client id, created)."""
    client = _client(endpoint)
    pools = [p for p in client.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == POOL_NAME]
    created = not pools
    if pools:
        pool_id = pools[0]["Id"]
    else:
        pool_id = client.create_user_pool(
            PoolName=POOL_NAME,
            UsernameAttributes=["email"],
            AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
        )["UserPool"]["Id"]
    clients = [c for c in client.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]]
    ours = [c for c in clients if c.get("ClientName") == CLIENT_NAME]
    if ours:
        client_id = ours[0]["ClientId"]
    else:
        client_id = client.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName=CLIENT_NAME,
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
    return pool_id, client_id, created


def identity_environment(endpoint: str, pool_id: str, client_id: str) -> dict[str, str]:
    """The local stage's auth settings for this provider and pool (what the template sets in AWS)."""
    return {
        "AUTH_MODE": "cognito",
        "COGNITO_ENDPOINT": endpoint,
        "COGNITO_USER_POOL_ID": pool_id,
        "JWT_ISSUER": f"{endpoint}/{pool_id}",
        "JWKS_URL": f"{endpoint}/{pool_id}/.well-known/jwks.json",  # over any inherited one (the tests' issuer's)
        "JWT_AUDIENCE": client_id,
    }
