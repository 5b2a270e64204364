"""Who is calling: a verified token's identity, bound to a firm's member.

The binding is looked up once per identity per function instance and kept:
it never changes once written (chalicelib/repo/identities.py). What can
change, a member's status and rights, is read from the member item on every
request (chalicelib/services/context.py), so a deactivation or a revoked
right takes effect at the next request.

The gateway's authorizer uses this too, so it imports nothing heavy.
"""

from __future__ import annotations

import re
import threading
from dataclasses import replace

from chalicelib.adapters.auth import Claims, TokenIdentity, verify
from chalicelib.adapters.config import settings
from chalicelib.domain.errors import UnauthorizedError
from chalicelib.domain.ids import now_ordered
from chalicelib.repo.identities import FIRST_SIGN_IN_FIRMS, NOT_INVITED, Binding, IdentityRepo
from chalicelib.repo.table import Table

_KNOWN_MAX = 10_000  # identities kept per instance (a few hundred bytes each)
_known: dict[tuple[str, str], list[Binding]] = {}
_lock = threading.Lock()
_FIRM_ID = re.compile(r"[0-9A-Za-z]{1,64}")
FIRM_HEADER = "dossier-firm"  # which of the caller's firms a request is for (default: their first)


def authenticate(
    header: str | None, *, firm_id: str | None = None, bind: bool = True, identity: TokenIdentity | None = None
) -> Claims:
    """The caller's firm and member, from the bearer token in ``header`` (401 if none is bound).

    A person may be a member of several firms with one sign-in: ``firm_id`` (the ``Dossier-Firm``
    header) chooses one, else the firm they joined first (a later invitation never changes where they
    land). ``bind=False`` (the gateway's authorizer, which only reads): an OIDC member's first sign-in is
    recognised but not bound; the API function binds it on the same request. ``identity``: what the
    HTTP API's JWT authorizer already verified (``header`` is then not read)."""
    if identity is None:
        identity = verify(header)
    if firm_id is not None and not _FIRM_ID.fullmatch(firm_id):
        raise UnauthorizedError("The Dossier-Firm header must be a firm id.", code="invalid_firm_header")
    table = Table.from_settings()
    bindings = _bound(identity, table, bind)
    chosen = [b for b in bindings if b.firm_id == firm_id] if firm_id else bindings[:1]
    if not chosen and firm_id:  # perhaps a firm that invited them since they were kept: read them again, once
        with _lock:
            _known.pop((identity.issuer, identity.subject), None)
        chosen = [b for b in _bound(identity, table, bind) if b.firm_id == firm_id]
    if not chosen:
        raise UnauthorizedError(
            "This sign-in is not a member of the firm the Dossier-Firm header names.", code="not_a_member"
        )
    return Claims(firm_id=chosen[0].firm_id, member_id=chosen[0].member_id, subject=identity.subject)


def _bound(identity: TokenIdentity, table: Table, bind: bool) -> list[Binding]:
    """The identity's firms, the first joined first; OIDC invitations awaiting it are bound now."""
    key = (identity.issuer, identity.subject)
    known = _known.get(key)
    if known is not None:
        return known
    repo = IdentityRepo(table)
    bindings = repo.bindings(identity.issuer, identity.subject)
    bound_firms = {b.firm_id for b in bindings}
    pending = [p for p in _pending(repo, identity) if p.firm_id not in bound_firms][:FIRST_SIGN_IN_FIRMS]
    if pending and bind:  # a first sign-in, or invitations from more firms: bound now
        repo.bind_first_sign_in(identity.issuer, identity.subject, identity.email or "", pending)
    now = now_ordered()
    bindings = sorted([*bindings, *(replace(p, bound_at=now) for p in pending)], key=lambda b: (b.bound_at, b.firm_id))
    if not bindings:
        raise NOT_INVITED
    if pending and not bind:
        return bindings  # not kept: the API function binds them
    with _lock:
        if len(_known) >= _KNOWN_MAX:
            _known.clear()
        _known[key] = bindings
    return bindings


def _pending(repo: IdentityRepo, identity: TokenIdentity) -> list[Binding]:
    """An OIDC member's invitations awaiting their first sign-in with the address the issuer verified. A
    Cognito user is bound when invited, so nothing awaits one."""
    if settings().auth_mode != "oidc" or identity.email is None:
        return []
    return repo.pending_first_sign_ins(identity.email)


def forget_bindings() -> None:
    """Tests: a new table holds other bindings."""
    with _lock:
        _known.clear()
