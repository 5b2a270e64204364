"""Who is calling: a verified token's identity, bound to a firm's member.

The binding is looked up once per identity per function instance and kept:
it never changes once written (chalicelib/repo/identities.py). What can
change, a member's status and rights, is read from the member item on every
request (chalicelib/services/context.py), so a deactivation or a revoked
right takes effect at the next request.

The gateway's authorizer uses this too, so it imports nothing heavy.
"""

from __future__ import annotations

import threading

from chalicelib.adapters.auth import Claims, TokenIdentity, verify
from chalicelib.adapters.config import settings
from chalicelib.repo.identities import NOT_INVITED, Binding, IdentityRepo
from chalicelib.repo.table import Table

_KNOWN_MAX = 10_000  # bindings kept per instance (a few hundred bytes each)
_known: dict[tuple[str, str], Binding] = {}
_lock = threading.Lock()


def authenticate(header: str | None, *, bind: bool = True) -> Claims:
    """The caller's firm and member, from the bearer token in ``header`` (401 if none is bound).

    ``bind=False`` (the gateway's authorizer, which only reads): an OIDC member's first sign-in is
    recognised but not bound; the API function binds it on the same request."""
    identity = verify(header)
    binding = _bound(identity, Table.from_settings(), bind)
    return Claims(firm_id=binding.firm_id, member_id=binding.member_id, subject=identity.subject)


def _bound(identity: TokenIdentity, table: Table, bind: bool) -> Binding:
    key = (identity.issuer, identity.subject)
    known = _known.get(key)
    if known is not None:
        return known
    repo = IdentityRepo(table)
    binding = repo.binding(identity.issuer, identity.subject)
    if binding is None:
        binding = _first_sign_in(repo, identity, bind)
        if not bind:
            return binding
    with _lock:
        if len(_known) >= _KNOWN_MAX:
            _known.clear()
        _known[key] = binding
    return binding


def _first_sign_in(repo: IdentityRepo, identity: TokenIdentity, bind: bool) -> Binding:
    """An OIDC member's first sign-in, by the address the issuer verified. A Cognito user is bound when
    invited, so an unbound one is someone the firm never added (a user made in the pool by hand)."""
    if settings().auth_mode != "oidc" or identity.email is None:
        raise NOT_INVITED
    pending = repo.pending_first_sign_in(identity.email)
    if pending is None:
        raise NOT_INVITED
    if bind:
        repo.bind_first_sign_in(identity.issuer, identity.subject, identity.email, pending)
    return pending


def forget_bindings() -> None:
    """Tests: a new table holds other bindings."""
    with _lock:
        _known.clear()
