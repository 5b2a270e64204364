"""Who may reach an activity item (docs/api.md "Activity sections" and "Conventions"): 404 for
an account the caller may not open, 409 once it is archived.

Every test runs on moto and on DynamoDB Local (the ``table`` fixture); ``env`` is conftest.py's.
"""

from __future__ import annotations

from chalicelib.domain.ids import new_id
from chalicelib.repo.table import Table
from tests.support.api import Reply, nothing_written
from tests.support.factories import create_account, created
from tests.support.problems import assert_problem
from tests.support.section_specs import SPECS
from tests.support.sections import Env

# --- who may reach an item ---------------------------------------------------------------------


def test_items_are_reached_only_by_members_who_may_open_their_active_account(env: Env, table: Table) -> None:
    api = env.api
    items = {section: created(api, env.path(section), spec.create(env)) for section, spec in SPECS.items()}
    other = create_account(api, "Other Ltd")["id"]
    outsider = env.as_member(env.firm.add_member()[1])
    manager = env.as_member(env.firm.add_member(manage=True)[1])
    some = ("notes", "invoices", "jobs")

    def refused(status: int, r: Reply, where: str) -> None:
        assert r.status == status, (where, r.status, r.body)
        assert_problem(r, status)

    with nothing_written(table):
        for section, item in items.items():
            spec, one = SPECS[section], env.path(section, item["id"])
            # an unknown id, and an item of this account under another account: 404
            unknown, elsewhere = env.path(section, new_id()), env.path(section, item["id"], account_id=other)
            refused(404, api.get(unknown), unknown)
            refused(404, api.delete(unknown), unknown)
            refused(404, api.get(elsewhere), elsewhere)
            refused(404, api.patch(elsewhere, spec.change(env)), elsewhere)
            # an employee not on the team (even one who manages accounts): as if it did not exist
            for r in (
                outsider.get(env.path(section)),
                outsider.post(env.path(section), spec.create(env)),
                outsider.get(one),
                outsider.patch(one, spec.change(env)),
                outsider.delete(one),
            ):
                refused(404, r, f"{section} outsider")
        for section in some:
            refused(404, manager.get(env.path(section, items[section]["id"])), f"{section} manager")
            refused(404, manager.delete(env.path(section, items[section]["id"])), f"{section} manager")
        # an unknown account, and an item id under another section
        refused(404, api.get(env.path("notes", account_id=new_id())), "unknown account")
        refused(404, api.post(env.path("notes", account_id=new_id()), {"title": "N"}), "unknown account")
        refused(404, api.get(env.path("notes", items["tasks"]["id"])), "another section")
        refused(404, api.delete(env.path("notes", items["tasks"]["id"])), "another section")
        refused(404, api.get(env.path("notes", "bad$id")), "not an id")
        refused(404, api.patch(env.path("notes", "x" * 65), {"title": "N"}), "not an id")

    # those who may open the account read everything: a teammate, an employee viewing all accounts
    teammate = env.as_member(env.member_token)
    viewer = env.as_member(env.firm.add_member(view_all=True)[1])
    for section, item in items.items():
        assert teammate.get(env.path(section, item["id"])).body == item, section
    for section in some:
        assert viewer.get(env.path(section, items[section]["id"])).body == items[section], section

    # an archived account is read-only: 409 for every write, reads still answer
    assert api.delete(f"/accounts/{env.account_id}").status == 204
    with nothing_written(table):
        for section, item in items.items():
            spec, one = SPECS[section], env.path(section, item["id"])
            refused(409, api.post(env.path(section), spec.create(env)), section)
            refused(409, api.patch(one, spec.change(env)), section)
            refused(409, api.delete(one), section)
    for section in some:
        assert api.get(env.path(section, items[section]["id"])).body == items[section], section
    assert api.post(f"/accounts/{env.account_id}/restore").status == 200
    assert api.delete(env.path("notes", items["notes"]["id"])).status == 204
