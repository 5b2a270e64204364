"""The matrix's routes of the operations, the portal, the firm and its members: each with its
success status, its rule (tests/support/authz/rules.py) and how a case builds its request.
"""

from __future__ import annotations

from tests.support.authz.routes import Route, registrar
from tests.support.authz.world import Req, World, email_path
from tests.support.factories import unique_email
from tests.support.portal import latest_token

ROUTES: list[Route] = []
route = registrar(ROUTES)


# operations and the portal


@route("GET", "/health", 200, "public")
def _health(w: World) -> Req:
    return Req("GET", "/health")


@route("GET", "/openapi.json", 200, "public")
def _openapi(w: World) -> Req:
    return Req("GET", "/openapi.json")


@route("POST", "/portal/invites/accept", 200, "public")
def _accept(w: World) -> Req:
    r = w.owner.post(email_path(w.contact_id, w.address) + "/invite")
    assert r.status == 200, r.body
    return Req("POST", "/portal/invites/accept", {"token": latest_token(w.address)})


# firm and members


@route("GET", "/me", 200, "any")
def _me(w: World) -> Req:
    return Req("GET", "/me")


@route("GET", "/firm", 200, "any")
def _firm(w: World) -> Req:
    return Req("GET", "/firm")


@route("PATCH", "/firm", 200, "owner")
def _patch_firm(w: World) -> Req:
    return Req("PATCH", "/firm", {"currency": "EUR", "language": "nl", "signing_order": "sequential"})


@route("GET", "/firm/usage", 200, "admin")
def _firm_usage(w: World) -> Req:
    return Req("GET", "/firm/usage?month=2026-12")


@route("GET", "/members", 200, "admin")
def _members(w: World) -> Req:
    return Req("GET", "/members")


@route("POST", "/members", 201, "admin")
def _add_member(w: World) -> Req:
    return Req("POST", "/members", {"name": "New Member", "email": unique_email("staff"), "role": "employee"})


@route("GET", "/members/{member_id}", 200, "admin_id")
def _member(w: World) -> Req:
    return Req("GET", f"/members/{w.staff_member()}")


@route("PATCH", "/members/{member_id}", 200, "admin_id")
def _patch_member(w: World) -> Req:
    return Req("PATCH", f"/members/{w.staff_member()}", {"name": "Renamed Member"})


@route("DELETE", "/members/{member_id}", 204, "admin_id")
def _deactivate_member(w: World) -> Req:
    return Req("DELETE", f"/members/{w.staff_member()}")


@route("GET", "/tags", 200, "any")
def _tags(w: World) -> Req:
    return Req("GET", "/tags")


@route("POST", "/tags", 201, "firm_manage")
def _add_tag(w: World) -> Req:
    return Req("POST", "/tags", {"name": "Key client", "color": "#336699"})


@route("GET", "/tags/{tag_id}", 200, "firm_read_id")
def _tag(w: World) -> Req:
    return Req("GET", f"/tags/{w.tag()}")


@route("PATCH", "/tags/{tag_id}", 200, "firm_manage_id")
def _patch_tag(w: World) -> Req:
    return Req("PATCH", f"/tags/{w.tag()}", {"name": "Key client"})


@route("DELETE", "/tags/{tag_id}", 204, "firm_manage_id")
def _delete_tag(w: World) -> Req:
    return Req("DELETE", f"/tags/{w.tag()}")


@route("GET", "/custom-fields", 200, "any")
def _fields(w: World) -> Req:
    return Req("GET", "/custom-fields")


@route("POST", "/custom-fields", 201, "admin")
def _add_field(w: World) -> Req:
    return Req("POST", "/custom-fields", {"target": "contact", "label": "Nickname", "kind": "text"})


@route("GET", "/custom-fields/{field_id}", 200, "firm_read_id")
def _field(w: World) -> Req:
    return Req("GET", f"/custom-fields/{w.custom_field()}")


@route("PATCH", "/custom-fields/{field_id}", 200, "admin_id")
def _patch_field(w: World) -> Req:
    return Req("PATCH", f"/custom-fields/{w.custom_field()}", {"label": "Reference no."})


@route("DELETE", "/custom-fields/{field_id}", 204, "admin_id")
def _delete_field(w: World) -> Req:
    return Req("DELETE", f"/custom-fields/{w.custom_field()}")


@route("GET", "/pipelines", 200, "any")
def _pipelines(w: World) -> Req:
    return Req("GET", "/pipelines")


@route("POST", "/pipelines", 201, "admin")
def _add_pipeline(w: World) -> Req:
    return Req("POST", "/pipelines", {"name": "Payroll", "stages": [{"name": "Collect"}, {"name": "Run"}]})


@route("GET", "/pipelines/{pipeline_id}", 200, "firm_read_id")
def _pipeline(w: World) -> Req:
    return Req("GET", f"/pipelines/{w.pipeline['id']}")


@route("PATCH", "/pipelines/{pipeline_id}", 200, "admin_id")
def _patch_pipeline(w: World) -> Req:
    return Req("PATCH", f"/pipelines/{w.pipeline['id']}", {"name": "Tax returns 2026"})


@route("GET", "/exports", 200, "admin")
def _list_exports(w: World) -> Req:
    return Req("GET", "/exports")


@route("POST", "/exports", 201, "admin")
def _add_export(w: World) -> Req:
    return Req("POST", "/exports", {"kind": "accounts", "format": "csv"})


@route("GET", "/exports/{export_id}", 200, "admin_id")
def _export(w: World) -> Req:
    return Req("GET", f"/exports/{w.export['id']}")


@route("GET", "/imports", 200, "admin")
def _list_imports(w: World) -> Req:
    return Req("GET", "/imports")


@route("POST", "/imports", 201, "admin")
def _add_import(w: World) -> Req:
    return Req("POST", "/imports", {"kind": "accounts", "format": "csv"})


@route("POST", "/imports/{import_id}/start", 202, "admin_id")
def _start_import(w: World) -> Req:
    return Req("POST", f"/imports/{w.import_['id']}/start", {"dry_run": True})


@route("GET", "/imports/{import_id}", 200, "admin_id")
def _import(w: World) -> Req:
    return Req("GET", f"/imports/{w.import_['id']}")


@route("GET", "/imports/{import_id}/errors", 200, "admin_id")
def _import_errors(w: World) -> Req:
    return Req("GET", f"/imports/{w.import_['id']}/errors")


@route("DELETE", "/imports/{import_id}", 200, "admin_id")
def _cancel_import(w: World) -> Req:
    return Req("DELETE", f"/imports/{w.import_['id']}")


@route("GET", "/quickbooks/connection", 200, "any")
def _qb_connection(w: World) -> Req:
    return Req("GET", "/quickbooks/connection")


@route("PUT", "/quickbooks/connection", 200, "admin")
def _put_qb_connection(w: World) -> Req:
    return Req("PUT", "/quickbooks/connection", {"connected": True, "company_name": "Books Inc"})


@route("GET", "/search", 200, "any")
def _search(w: World) -> Req:
    _ = w.account  # something to find
    return Req("GET", "/search?q=acme")
