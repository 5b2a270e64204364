"""The identity provider's user directory: inviting, disabling and (on the
local stage) signing in members.

Cognito (the stack's user pool; cognito-local on the local stage) invites
with AdminCreateUser, which mails a temporary password and names the user's
subject at once, so the member is bound when added. An external OpenID
Connect issuer has no API of ours to call: its members are bound at their
first sign-in, by the address it verified (chalicelib/services/identity.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import boto3
from botocore.exceptions import ClientError

from chalicelib.adapters.config import Settings, settings
from chalicelib.domain.errors import BadRequestError, FieldError, ServiceUnavailableError

log = logging.getLogger("dossier.directory")

# The local stage's demo members sign in with this password (`make run` prints it); it is never a
# deployed stage's: there, Cognito mails each invited member a temporary one.
LOCAL_PASSWORD = "Dossier-local-1"


@dataclass(frozen=True, slots=True)
class Invited:
    subject: str
    created: bool  # False: the pool already had this address (a member deactivated before, or elsewhere)


@lru_cache(maxsize=4)
def _client(endpoint: str | None, region: str) -> Any:
    kwargs: dict[str, Any] = {"region_name": region}
    if endpoint:
        kwargs.update(endpoint_url=endpoint, aws_access_key_id="local", aws_secret_access_key="local")
    return boto3.client("cognito-idp", **kwargs)


def _subject(attributes: list[dict[str, str]]) -> str:
    return next(a["Value"] for a in attributes if a["Name"] == "sub")


class CognitoDirectory:
    """Members as users of a Cognito user pool, found by e-mail address (the pool's username)."""

    def __init__(self, cfg: Settings) -> None:
        assert cfg.cognito_user_pool_id, "the cognito stage names its user pool"
        self.pool_id = cfg.cognito_user_pool_id
        self.client = _client(cfg.cognito_endpoint, cfg.region)
        self.local = bool(cfg.cognito_endpoint)

    def invite(self, email: str, name: str, *, send_mail: bool = True) -> Invited:
        """A new user mailed a temporary password, or the pool's existing user of that address."""
        attributes = [
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},  # the firm vouches for its staff's addresses
            {"Name": "name", "Value": name},
        ]
        kwargs: dict[str, Any] = {"UserPoolId": self.pool_id, "Username": email, "UserAttributes": attributes}
        if send_mail:
            kwargs["DesiredDeliveryMediums"] = ["EMAIL"]  # Cognito's default is SMS
        else:
            kwargs["MessageAction"] = "SUPPRESS"
        try:
            user = self._call("admin_create_user", **kwargs)["User"]
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code == "InvalidParameterException":  # an address Cognito does not take (e.g. some Unicode ones)
                raise BadRequestError(
                    "The identity provider does not accept this e-mail address.",
                    [FieldError(("body", "email"), "refused by the identity provider")],
                    code="email_refused",
                ) from exc
            if code != "UsernameExistsException":
                raise
            existing = self._call("admin_get_user", UserPoolId=self.pool_id, Username=email)
            return Invited(_subject(existing["UserAttributes"]), created=False)
        return Invited(_subject(user["Attributes"]), created=True)

    def remove(self, email: str) -> None:
        """Undo an invitation whose member could not be written."""
        self._call("admin_delete_user", UserPoolId=self.pool_id, Username=email)

    def disable(self, email: str) -> None:
        """The user can no longer sign in, and their refresh tokens stop working. Tokens already issued
        stay valid until they expire: the member's status, checked on every request, refuses them."""
        try:
            self._call("admin_disable_user", UserPoolId=self.pool_id, Username=email)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "UserNotFoundException":
                raise
            return  # removed from the pool already: nothing signs in as them
        try:
            self._call("admin_user_global_sign_out", UserPoolId=self.pool_id, Username=email)
        except ClientError as exc:
            if not self.local:  # cognito-local has no global sign-out; the pool's own always does
                raise
            log.info("cognito-local: %s", exc)

    def set_local_password(self, email: str) -> None:
        """Local stage only: give the user the local password (the demo members, `cli token`)."""
        assert self.local, "passwords are set only on the local stage"
        self._call(
            "admin_set_user_password", UserPoolId=self.pool_id, Username=email, Password=LOCAL_PASSWORD, Permanent=True
        )

    def sign_in(self, client_id: str, email: str, password: str) -> dict[str, Any]:
        """USER_PASSWORD_AUTH, as the web client signs in: the tokens (AccessToken, IdToken, RefreshToken)."""
        answer = self._call(
            "initiate_auth",
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
        result: dict[str, Any] = answer["AuthenticationResult"]
        return result

    def _call(self, operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(self.client, operation)(**kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("TooManyRequestsException", "InternalErrorException", "ServiceUnavailable"):
                raise ServiceUnavailableError(
                    "The identity provider is busy; try again shortly.", code="identity_provider_unavailable"
                ) from exc
            if code in ("LimitExceededException", "CodeDeliveryFailureException"):
                # Cognito's own sender has a daily limit (README, "Deploy to AWS": send through SES)
                raise ServiceUnavailableError(
                    "The identity provider cannot send the invitation now.", code="identity_provider_unavailable"
                ) from exc
            raise


def directory(cfg: Settings | None = None) -> CognitoDirectory | None:
    """The stage's directory: a Cognito pool, or None for an external OIDC issuer."""
    cfg = cfg or settings()
    return CognitoDirectory(cfg) if cfg.auth_mode == "cognito" else None
