"""The deployable template as ``make package`` builds it (tests/package/conftest.py): the identity
provider (Cognito's user pool or an external OIDC issuer) and the token signing key.

These tests read what CloudFormation would receive, not our template's fragments.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.support.cfn_template import (
    COGNITO_ISSUER,
    FUNCTIONS,
    as_list,
    env_of,
    holds,
    parameters_of,
    referenced,
    role_of,
    stack_of,
    statements_of,
)

pytestmark = pytest.mark.integration

# the functions that verify tokens (the mail events, the job messages and the sweeper's schedule carry none)
VERIFIERS = FUNCTIONS - {"RecordMailEvents", "RunJobs", "FailDeadJobs", "MeterUsage", "SweepJobs"}
COGNITO_ONLY = {"UserPool", "UserPoolClient", "CognitoUserAdmin"}
AUTH_VARIABLES = {"AUTH_MODE", "JWT_ISSUER", "JWKS_URL", "JWT_AUDIENCE", "COGNITO_USER_POOL_ID"}


def test_the_staff_user_pool(template: dict[str, Any]) -> None:
    pool = template["Resources"]["UserPool"]
    assert pool["Type"] == "AWS::Cognito::UserPool" and pool["Condition"] == "UseCognito"
    assert pool["DeletionPolicy"] == pool["UpdateReplacePolicy"] == "Retain"
    props = pool["Properties"]
    assert props["DeletionProtection"] == "ACTIVE"
    assert props["UsernameAttributes"] == ["email"] and props["AutoVerifiedAttributes"] == ["email"]
    admin_only = props["AdminCreateUserConfig"]
    assert admin_only["AllowAdminCreateUserOnly"] is True  # no self sign-up: a firm invites its staff
    invitation = admin_only["InviteMessageTemplate"]
    assert "Dossier" in invitation["EmailSubject"]
    for word in ("Dossier", "{username}", "{####}"):  # Cognito refuses a message without the last two
        assert word in invitation["EmailMessage"]
    policy = props["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12
    assert policy["RequireLowercase"] and policy["RequireUppercase"] and policy["RequireNumbers"]
    assert 1 <= policy["TemporaryPasswordValidityDays"] <= 7
    assert props["AccountRecoverySetting"]["RecoveryMechanisms"] == [{"Name": "verified_email", "Priority": 1}]


def test_the_web_clients_app_client(template: dict[str, Any]) -> None:
    client = template["Resources"]["UserPoolClient"]
    assert client["Type"] == "AWS::Cognito::UserPoolClient" and client["Condition"] == "UseCognito"
    props = client["Properties"]
    assert props["UserPoolId"] == {"Ref": "UserPool"}
    assert props["GenerateSecret"] is False  # a browser cannot keep a secret
    # the web client's InitiateAuth USER_PASSWORD_AUTH (what cognito-local supports too) and refresh: no other
    assert sorted(props["ExplicitAuthFlows"]) == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"]
    assert props["PreventUserExistenceErrors"] == "ENABLED"
    assert props["EnableTokenRevocation"] is True
    assert (props["AccessTokenValidity"], props["IdTokenValidity"], props["RefreshTokenValidity"]) == (1, 1, 30)
    assert props["TokenValidityUnits"] == {"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"}
    # without WriteAttributes a user could change every standard attribute, their e-mail (username) included
    assert props["WriteAttributes"] == ["name"]
    assert "email" in props["ReadAttributes"]


def test_the_outputs_name_the_pool_the_client_and_the_issuer(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert outputs["UserPoolId"] == {**outputs["UserPoolId"], "Condition": "UseCognito", "Value": {"Ref": "UserPool"}}
    assert outputs["UserPoolClientId"]["Value"] == {"Ref": "UserPoolClient"}
    assert outputs["UserPoolClientId"]["Condition"] == "UseCognito"
    assert outputs["JwtIssuer"]["Value"] == {
        "Fn::If": ["UseCognito", {"Fn::Sub": COGNITO_ISSUER}, {"Ref": "OidcIssuer"}]
    }
    assert outputs["SigningKeySecret"]["Value"] == {"Ref": "SigningKey"}


def test_an_external_oidc_issuer_replaces_the_pool(template: dict[str, Any]) -> None:
    assert template["Parameters"]["IdentityProvider"]["AllowedValues"] == ["cognito", "oidc"]
    assert template["Parameters"]["IdentityProvider"]["Default"] == "cognito"
    assert template["Conditions"]["UseCognito"] == {"Fn::Equals": [{"Ref": "IdentityProvider"}, "cognito"]}
    for name in COGNITO_ONLY:
        assert template["Resources"][name]["Condition"] == "UseCognito", name
    issuer, audience = "https://login.example.com/tenant/", "dossier-web"
    _, resources, outputs = stack_of(template, IdentityProvider="oidc", OidcIssuer=issuer, OidcAudience=audience)
    assert not COGNITO_ONLY & set(resources) and not {"UserPoolId", "UserPoolClientId"} & set(outputs)
    # nothing left in the stack names a resource the condition leaves out
    for name, resource in resources.items():
        assert not referenced(resource) & COGNITO_ONLY, name
        assert not set(resource.get("DependsOn", [])) & COGNITO_ONLY, name
    assert not referenced(outputs) & COGNITO_ONLY
    assert outputs["JwtIssuer"]["Value"] == issuer
    for function in VERIFIERS:
        env = resources[function]["Properties"]["Environment"]["Variables"]
        assert env["AUTH_MODE"] == "oidc"
        assert (env["JWT_ISSUER"], env["JWT_AUDIENCE"]) == (issuer, audience)
        assert env["JWKS_URL"] == "" and env["COGNITO_USER_POOL_ID"] == ""  # the app's default JWKS, no pool
    _, resources, _ = stack_of(template, IdentityProvider="oidc", OidcIssuer=issuer, OidcAudience=audience,
                             OidcJwksUrl="https://login.example.com/keys")  # fmt: skip
    assert (
        resources["APIHandler"]["Properties"]["Environment"]["Variables"]["JWKS_URL"]
        == "https://login.example.com/keys"
    )


def test_oidc_needs_an_issuer_and_an_audience(template: dict[str, Any]) -> None:
    (rule,) = template["Rules"].values()

    def accepted(**given: str) -> bool:
        params = parameters_of(template, **given)
        if not holds(template, rule["RuleCondition"], params):
            return True
        return all(holds(template, a["Assert"], params) for a in rule["Assertions"])

    assert accepted()  # cognito needs neither
    assert accepted(IdentityProvider="oidc", OidcIssuer="https://id.example.com", OidcAudience="a")
    assert not accepted(IdentityProvider="oidc", OidcAudience="a")
    assert not accepted(IdentityProvider="oidc", OidcIssuer="https://id.example.com")
    pattern = re.compile(template["Parameters"]["OidcIssuer"]["AllowedPattern"])
    assert pattern.fullmatch("") and pattern.fullmatch("https://id.example.com/")
    assert not pattern.fullmatch("http://id.example.com")


def test_with_cognito_the_functions_trust_the_stacks_pool_and_client(template: dict[str, Any]) -> None:
    _, resources, _ = stack_of(template)
    assert set(resources) >= COGNITO_ONLY
    for function in VERIFIERS:
        env = resources[function]["Properties"]["Environment"]["Variables"]
        assert set(env) >= AUTH_VARIABLES, function
        assert env["AUTH_MODE"] == "cognito"
        assert env["JWT_ISSUER"] == {"Fn::Sub": COGNITO_ISSUER}
        assert env["JWKS_URL"] == {"Fn::Sub": COGNITO_ISSUER + "/.well-known/jwks.json"}
        assert env["JWT_AUDIENCE"] == {"Ref": "UserPoolClient"}  # checked against the access token's client_id
        assert env["COGNITO_USER_POOL_ID"] == {"Ref": "UserPool"}
        assert env["DOSSIER_TABLE"] == {"Ref": "DossierTable"}  # the authorizer too: it finds the firm there
        assert "FIRM_CLAIM" not in env or env["FIRM_CLAIM"] != "custom:firm_id"  # no claim names the firm
        assert "EXAMPLE" not in json.dumps(env)  # no placeholder pool from .chalice/config.json


def test_the_signing_key_is_generated_per_stack_and_read_only_by_its_users(template: dict[str, Any]) -> None:
    secret = template["Resources"]["SigningKey"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    assert secret["Properties"]["GenerateSecretString"] == {"PasswordLength": 64, "ExcludePunctuation": True}
    users = {f for f in FUNCTIONS if "SIGNING_KEY_SECRET" in env_of(template, f)}
    assert "APIHandler" in users  # it signs and checks the lists' cursors (chalicelib/repo/paging.py)
    for function in FUNCTIONS:
        grants = [
            s
            for s in statements_of(template, role_of(template, function))
            if any(a.startswith("secretsmanager:") for a in as_list(s["Action"]))
        ]
        if function in users:
            assert env_of(template, function)["SIGNING_KEY_SECRET"] == {"Ref": "SigningKey"}
            (grant,) = grants
            assert as_list(grant["Action"]) == ["secretsmanager:GetSecretValue"]
            assert as_list(grant["Resource"]) == [{"Ref": "SigningKey"}]  # that one secret
        else:
            assert not grants, function
