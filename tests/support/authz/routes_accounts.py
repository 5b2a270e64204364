"""The matrix's routes of accounts, contacts and their addresses, the extras of documents,
chats, invoices and proposals, and the thirteen activity sections (five routes each).
"""

from __future__ import annotations

import os

import boto3

from chalicelib.domain import files
from tests.support.authz.routes import Route, registrar
from tests.support.authz.world import SECTION_BODIES, Req, World, email_path, png
from tests.support.factories import contact_spec, created, unique_email

ROUTES: list[Route] = []
route = registrar(ROUTES)


# accounts


@route("GET", "/accounts", 200, "any")
def _accounts(w: World) -> Req:
    _ = w.account  # something to list
    return Req("GET", "/accounts")


@route("POST", "/accounts", 201, "firm_manage")
def _add_account(w: World) -> Req:
    return Req("POST", "/accounts", {"name": "Newco", "type": "company", "contacts": [contact_spec("Nina", "New")]})


@route("POST", "/accounts/bulk", 200, "any")
def _bulk_edit(w: World) -> Req:
    """200 for any member; account A's answer follows the rule ``edit`` (test_authorization_matrix.py's ``BULK``)."""
    return Req("POST", "/accounts/bulk", {"account_ids": [w.account_id], "type": "other"})


@route("GET", "/accounts/{account_id}", 200, "open")
def _account(w: World) -> Req:
    return Req("GET", w.path())


@route("PATCH", "/accounts/{account_id}", 200, "edit")
def _patch_account(w: World) -> Req:
    return Req("PATCH", w.path(), {"name": "Acme Limited", "type": "other"})


@route("DELETE", "/accounts/{account_id}", 204, "edit")
def _archive_account(w: World) -> Req:
    return Req("DELETE", w.path())


@route("POST", "/accounts/{account_id}/restore", 200, "edit")
def _restore_account(w: World) -> Req:
    r = w.owner.delete(w.path())
    assert r.status == 204, r.body
    return Req("POST", w.path("/restore"))


@route("POST", "/accounts/{account_id}/contacts", 201, "edit")
def _link_new_contact(w: World) -> Req:
    return Req("POST", w.path("/contacts"), contact_spec("Lena", "Linked", description="CFO"))


@route("GET", "/accounts/{account_id}/contacts/{contact_id}", 200, "open")
def _link(w: World) -> Req:
    return Req("GET", w.path(f"/contacts/{w.contact_id}"))


@route("PATCH", "/accounts/{account_id}/contacts/{contact_id}", 200, "edit")
def _patch_link(w: World) -> Req:
    return Req("PATCH", w.path(f"/contacts/{w.contact_id}"), {"description": "CEO", "signer_priority": 1})


@route("DELETE", "/accounts/{account_id}/contacts/{contact_id}", 204, "edit")
def _unlink(w: World) -> Req:
    return Req("DELETE", w.path(f"/contacts/{w.linked_contact()}"))


@route("PUT", "/accounts/{account_id}/photo", 200, "edit")
def _put_photo(w: World) -> Req:
    return Req("PUT", w.path("/photo"), raw=png(), content_type="image/png")


@route("DELETE", "/accounts/{account_id}/photo", 204, "edit")
def _delete_photo(w: World) -> Req:
    r = w.owner.put(w.path("/photo"), raw=png(), headers={"Content-Type": "image/png"})
    assert r.status == 200, r.body
    return Req("DELETE", w.path("/photo"))


@route("GET", "/accounts/{account_id}/overview", 200, "open")
def _overview(w: World) -> Req:
    return Req("GET", w.path("/overview"))


@route("GET", "/accounts/{account_id}/custom-fields/history", 200, "open")
def _history(w: World) -> Req:
    field_id = w.custom_field()
    r = w.owner.patch(w.path(), {"custom_fields": {field_id: "R-1"}})
    assert r.status == 200, r.body
    return Req("GET", w.path("/custom-fields/history"))


@route("GET", "/audit", 200, "admin")
def _audit(w: World) -> Req:
    return Req("GET", f"/audit?account_id={w.account_id}")


@route("GET", "/accounts/{account_id}/audit", 200, "open")
def _account_audit(w: World) -> Req:
    return Req("GET", w.path("/audit"))


@route("GET", "/accounts/{account_id}/signers", 200, "open")
def _signers(w: World) -> Req:
    w.active_address()
    return Req("GET", w.path("/signers"))


@route("POST", "/accounts/{account_id}/quickbooks/sync-results", 200, "admin_account")
def _sync_result(w: World) -> Req:
    return Req("POST", w.path("/quickbooks/sync-results"), {"status": "error", "reason": "Token expired."})


@route("GET", "/accounts/{account_id}/credits", 200, "open")
def _credits(w: World) -> Req:
    w.add_credit("5.00")
    return Req("GET", w.path("/credits"))


@route("POST", "/accounts/{account_id}/credits", 201, "edit")
def _add_credit(w: World) -> Req:
    return Req("POST", w.path("/credits"), {"amount": "25.00", "note": "Retainer"})


@route("GET", "/accounts/{account_id}/credits/{entry_id}", 200, "open")
def _credit(w: World) -> Req:
    return Req("GET", w.path(f"/credits/{w.add_credit('5.00')}"))


# the extras of documents, chats, invoices and proposals


@route("POST", "/accounts/{account_id}/documents/{item_id}/view", 200, "open")
def _view_document(w: World) -> Req:
    return Req("POST", w.path(f"/documents/{w.item('documents')}/view"))


def _uploaded_document(w: World) -> str:
    """A document whose file is uploaded (where its presigned PUT puts it: the upload key), not yet completed."""
    data = b"Jaarrekening 2025\n"
    body = {"name": "Notes.txt", "uploaded_by": "client", "content_type": "text/plain", "size": len(data)}
    doc_id: str = created(w.owner, w.path("/documents"), body)["id"]
    key = files.upload_key(w.firm.firm_id, w.account_id, doc_id)
    boto3.client("s3", region_name="us-east-1").put_object(Bucket=os.environ["PHOTOS_BUCKET"], Key=key, Body=data)
    return doc_id


@route("POST", "/accounts/{account_id}/documents/{item_id}/complete", 200, "open")
def _complete_document(w: World) -> Req:
    return Req("POST", w.path(f"/documents/{_uploaded_document(w)}/complete"))


@route("GET", "/accounts/{account_id}/documents/{item_id}/download", 200, "open")
def _download_document(w: World) -> Req:
    doc_id = _uploaded_document(w)
    assert w.owner.post(w.path(f"/documents/{doc_id}/complete")).status == 200
    return Req("GET", w.path(f"/documents/{doc_id}/download"))


@route("GET", "/accounts/{account_id}/chats/{item_id}/messages", 200, "open")
def _messages(w: World) -> Req:
    return Req("GET", w.path(f"/chats/{w.item('chats')}/messages"))


@route("POST", "/accounts/{account_id}/chats/{item_id}/messages", 201, "open")
def _add_message(w: World) -> Req:
    return Req("POST", w.path(f"/chats/{w.item('chats')}/messages"), {"body": "Any news?", "author": "firm"})


@route("POST", "/accounts/{account_id}/invoices/{item_id}/apply-credit", 200, "edit")
def _apply_credit(w: World) -> Req:
    w.add_credit("50.00")
    return Req("POST", w.path(f"/invoices/{w.item('invoices')}/apply-credit"))


@route("POST", "/accounts/{account_id}/proposals/{item_id}/sign", 200, "edit")
def _sign(w: World) -> Req:
    address = w.active_address()
    body = {"name": "Engagement 2027", "kind": "engagement_letter", "status": "sent"}
    proposal_id = created(w.owner, w.path("/proposals"), body)["id"]
    return Req("POST", w.path(f"/proposals/{proposal_id}/sign"), {"email": address})


# contacts and their addresses


@route("GET", "/contacts", 200, "any")
def _contacts(w: World) -> Req:
    _ = w.account  # something to list
    return Req("GET", "/contacts")


@route("POST", "/contacts", 201, "firm_manage")
def _add_contact(w: World) -> Req:
    return Req("POST", "/contacts", {"first_name": "Carl", "last_name": "Contact", "emails": [unique_email("carl")]})


@route("GET", "/contacts/{contact_id}", 200, "open")
def _contact(w: World) -> Req:
    return Req("GET", f"/contacts/{w.contact_id}")


@route("PATCH", "/contacts/{contact_id}", 200, "edit")
def _patch_contact(w: World) -> Req:
    return Req("PATCH", f"/contacts/{w.contact_id}", {"first_name": "Annabel"})


@route("GET", "/contacts/{contact_id}/accounts", 200, "open")
def _contact_accounts(w: World) -> Req:
    return Req("GET", f"/contacts/{w.contact_id}/accounts")


@route("POST", "/contacts/{contact_id}/merge", 200, "edit")
def _merge_contact(w: World) -> Req:
    # Both contacts are linked to account A only: the manage right on A is what it takes.
    return Req("POST", f"/contacts/{w.contact_id}/merge", {"source_contact_id": w.linked_contact()})


@route("GET", "/contacts/{contact_id}/export", 200, "admin_id")
def _export_contact(w: World) -> Req:
    return Req("GET", f"/contacts/{w.contact_id}/export")


@route("POST", "/contacts/{contact_id}/erase", 200, "admin_id")
def _erase_contact(w: World) -> Req:
    # A second contact of the account: erasing the account's only one is 409.
    return Req("POST", f"/contacts/{w.linked_contact()}/erase")


@route("POST", "/contacts/{contact_id}/emails", 201, "edit")
def _add_email(w: World) -> Req:
    return Req("POST", f"/contacts/{w.contact_id}/emails", {"address": unique_email("extra")})


@route("GET", "/contacts/{contact_id}/emails/{email}", 200, "open")
def _email(w: World) -> Req:
    return Req("GET", email_path(w.contact_id, w.address))


@route("PATCH", "/contacts/{contact_id}/emails/{email}", 200, "edit")
def _patch_email(w: World) -> Req:
    return Req("PATCH", email_path(w.contact_id, w.address), {"notify": False, "email_sync": True})


@route("DELETE", "/contacts/{contact_id}/emails/{email}", 204, "edit")
def _remove_email(w: World) -> Req:
    return Req("DELETE", email_path(w.contact_id, w.second_address()))


@route("POST", "/contacts/{contact_id}/emails/{email}/invite", 200, "edit")
def _invite(w: World) -> Req:
    return Req("POST", email_path(w.contact_id, w.address) + "/invite")


# the thirteen activity sections: five routes each


def _register_section(section: str) -> None:
    create, change = SECTION_BODIES[section]
    base = f"/accounts/{{account_id}}/{section}"
    one = f"{base}/{{item_id}}"

    def show_all(w: World) -> Req:
        w.item(section)
        return Req("GET", w.path(f"/{section}"))

    def record(w: World) -> Req:
        return Req("POST", w.path(f"/{section}"), create(w))

    def get(w: World) -> Req:
        return Req("GET", w.path(f"/{section}/{w.item(section)}"))

    def patch(w: World) -> Req:
        return Req("PATCH", w.path(f"/{section}/{w.item(section)}"), change(w))

    def delete(w: World) -> Req:
        return Req("DELETE", w.path(f"/{section}/{w.item(section)}"))

    route("GET", base, 200, "open")(show_all)
    route("POST", base, 201, "open")(record)
    route("GET", one, 200, "open")(get)
    route("PATCH", one, 200, "open")(patch)
    route("DELETE", one, 204, "open")(delete)


for _section in SECTION_BODIES:
    _register_section(_section)
