"""The authorization matrix's principals and rules (tests/functional/authorization/): what status
each principal gets from a route of each rule.
"""

from __future__ import annotations

from typing import Any, Final

Body = dict[str, Any]
OK: Final = 0  # in a rule: the route's success status


# --- principals --------------------------------------------------------------------------

STAFF: Final[dict[str, tuple[str, bool, bool]]] = {
    # principal: (role, view_all_accounts, manage_accounts)
    "admin": ("admin", False, False),
    "employee_on_team": ("employee", False, False),
    "employee_off_team": ("employee", False, False),
    "employee_view_all": ("employee", True, False),
    "employee_manage": ("employee", False, True),
}
TOKEN_FAILURES: Final = ("no_token", "bad_signature", "expired", "unbound", "deactivated")
PRINCIPALS: Final = ("owner", *STAFF, "other_firm", *TOKEN_FAILURES)


# --- rules: principal -> expected status (OK: the route's success status) -----------------------


def _rule(
    owner: int = OK,
    admin: int = OK,
    on_team: int = OK,
    off_team: int = OK,
    view_all: int = OK,
    manage: int = OK,
    other_firm: int = OK,
) -> dict[str, int]:
    return {
        "owner": owner,
        "admin": admin,
        "employee_on_team": on_team,
        "employee_off_team": off_team,
        "employee_view_all": view_all,
        "employee_manage": manage,
        "other_firm": other_firm,
    }


RULES: Final[dict[str, dict[str, int]]] = {
    "public": _rule(),
    "any": _rule(),
    "open": _rule(off_team=404, manage=404, other_firm=404),
    "edit": _rule(on_team=403, off_team=404, view_all=403, manage=404, other_firm=404),
    "firm_manage": _rule(on_team=403, off_team=403, view_all=403),
    "firm_manage_id": _rule(on_team=403, off_team=403, view_all=403, other_firm=404),
    "firm_read_id": _rule(other_firm=404),
    "admin": _rule(on_team=403, off_team=403, view_all=403, manage=403),
    "admin_id": _rule(on_team=403, off_team=403, view_all=403, manage=403, other_firm=404),
    "admin_account": _rule(on_team=403, off_team=404, view_all=403, manage=404, other_firm=404),
    "owner": _rule(admin=403, on_team=403, off_team=403, view_all=403, manage=403),
}


def expected_status(rule: str, principal: str, ok: int) -> int:
    if principal in TOKEN_FAILURES and rule != "public":
        return 401
    code = RULES[rule].get(principal, OK)
    return ok if code == OK else code
