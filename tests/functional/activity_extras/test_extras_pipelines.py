"""The activity routes beyond plain items (docs/api.md "Activity sections"): job pipelines.

Every test runs on moto and on DynamoDB Local (the ``table`` fixture); ``env`` is conftest.py's.
"""

from __future__ import annotations

from chalice.test import Client

from chalicelib.domain.ids import new_id
from chalicelib.repo.table import Table
from tests.support.activity import Body, Env, ok
from tests.support.api import Api, Reply, TestFirm, ids, make_firm, nothing_written
from tests.support.factories import created
from tests.support.problems import assert_problem

# --- pipelines ------------------------------------------------------------------------------------


def new_pipeline(api: Api, name: str, stages: list[str]) -> Reply:
    return api.post("/pipelines", {"name": name, "stages": [{"name": s} for s in stages]})


def test_pipeline_is_created_listed_and_read(api: Api) -> None:
    r = new_pipeline(api, "  Tax returns ", ["Intake", "Review", "Filed"])

    pipeline = ok(r, 201)
    assert r.headers["location"] == f"/pipelines/{pipeline['id']}"
    assert r.etag == '"1"'
    assert set(pipeline) == {"id", "name", "stages", "created_at", "updated_at", "version"}
    assert (pipeline["name"], pipeline["version"]) == ("Tax returns", 1)
    assert [s["name"] for s in pipeline["stages"]] == ["Intake", "Review", "Filed"]
    assert len({s["id"] for s in pipeline["stages"]}) == 3
    got = api.get(r.headers["location"])
    assert (ok(got), got.etag) == (pipeline, '"1"')

    payroll = ok(new_pipeline(api, "Payroll", ["Collect"]), 201)
    listed = ok(api.get("/pipelines"))
    assert ids(listed["items"]) == [pipeline["id"], payroll["id"]]
    assert listed["items"][0] == pipeline
    walked: list[Body] = []
    cursor: str | None = None
    for _ in range(4):
        page = ok(api.get("/pipelines?limit=1" + (f"&cursor={cursor}" if cursor else "")))
        assert len(page["items"]) <= 1
        walked += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert ids(walked) == [pipeline["id"], payroll["id"]]


def test_last_page_of_pipelines_has_no_next_cursor(api: Api) -> None:
    first = ok(new_pipeline(api, "Tax", ["Intake"]), 201)
    second = ok(new_pipeline(api, "Payroll", ["Collect"]), 201)

    page = ok(api.get("/pipelines?limit=2"))

    assert ids(page["items"]) == [first["id"], second["id"]]
    assert page["next_cursor"] is None


def test_pipeline_is_renamed_and_its_stages_renamed_reordered_and_added(api: Api, table: Table) -> None:
    pipeline = ok(new_pipeline(api, "Tax", ["Intake", "Review"]), 201)
    intake, review = pipeline["stages"]
    path = f"/pipelines/{pipeline['id']}"

    renamed = api.patch(path, {"name": "Tax returns"}, headers={"If-Match": '"1"'})
    assert (ok(renamed)["name"], renamed.etag, renamed.body["stages"]) == ("Tax returns", '"2"', pipeline["stages"])

    stages = [{"id": review["id"], "name": "Partner review"}, {"name": "Filed"}, {"id": intake["id"], "name": "Intake"}]
    changed = ok(api.patch(path, {"stages": stages}, headers={"If-Match": '"2"'}))

    assert changed["version"] == 3
    assert [s["name"] for s in changed["stages"]] == ["Partner review", "Filed", "Intake"]
    assert changed["stages"][0]["id"] == review["id"]
    assert changed["stages"][2]["id"] == intake["id"]
    assert changed["stages"][1]["id"] not in (intake["id"], review["id"])
    assert ok(api.get(path)) == changed
    # the same stages again change nothing
    same = [{"id": s["id"], "name": s["name"]} for s in changed["stages"]]
    assert ok(api.patch(path, {"stages": same}))["version"] == 3

    with nothing_written(table):
        assert_problem(api.patch(path, {"name": "Stale"}, headers={"If-Match": '"2"'}), 412)
        assert_problem(api.patch(path, {"stages": same[:2]}), 422, loc=("body", "stages"))
        assert_problem(api.patch(path, {"stages": [*same[:2], {"name": "Instead"}]}), 422, loc=("body", "stages"))
        assert_problem(api.patch(path, {"stages": [*same, {"id": new_id(), "name": "X"}]}), 422, field="stages")
        assert_problem(api.patch(path, {"stages": [*same, same[0]]}), 422, field="stages")
        assert_problem(api.patch(path, {"stages": []}), 400, field="stages")
        assert_problem(api.patch(path, {"stages": None}), 400, field="stages")
        assert_problem(api.patch(path, {"name": None}), 400, field="name")
        assert_problem(api.patch(path, {"name": ""}), 400, field="name")
        assert_problem(api.patch(path, {"color": "red"}), 400, field="color")
        assert_problem(api.patch(path, raw="{"), 400, loc=("body",))
    assert ok(api.get(path)) == changed


BAD_PIPELINES: list[tuple[Body, int]] = [
    ({"name": "P", "stages": []}, 400),
    ({"name": "P"}, 400),
    ({"stages": [{"name": "S"}]}, 400),
    ({"name": "", "stages": [{"name": "S"}]}, 400),
    ({"name": "P", "stages": ["S"]}, 400),
    ({"name": "P", "stages": [{"name": ""}]}, 400),
    ({"name": "P", "stages": [{"name": "S", "color": "red"}]}, 400),
    ({"name": "P", "stages": [{"name": "S"}], "archived": False}, 400),
    ({"name": "P", "stages": [{"name": f"S{i}"} for i in range(31)]}, 400),
    ({"name": "P", "stages": [{"name": "s" * 101}]}, 400),
    ({"name": "P", "stages": [{"id": "01CLIENTMADE", "name": "S"}]}, 422),
]


def test_bad_pipeline_is_refused_and_writes_nothing(api: Api, table: Table) -> None:
    with nothing_written(table):
        for body, status in BAD_PIPELINES:
            r = api.post("/pipelines", body)
            assert r.status == status, (body, r.status, r.body)
            assert_problem(r, status)
        assert_problem(api.post("/pipelines", raw="{"), 400, loc=("body",))
    assert ok(api.get("/pipelines"))["items"] == []


def test_only_owner_and_admins_change_pipelines(api: Api, client: Client, firm: TestFirm, table: Table) -> None:
    pipeline = ok(new_pipeline(api, "Tax", ["Intake"]), 201)
    path = f"/pipelines/{pipeline['id']}"
    for view_all, manage in ((False, False), (True, True)):
        employee = Api(client, firm.add_member(view_all=view_all, manage=manage)[1])
        assert ok(employee.get("/pipelines"))["items"] == [pipeline]
        assert ok(employee.get(path)) == pipeline
        with nothing_written(table):
            assert_problem(new_pipeline(employee, "Mine", ["One"]), 403)
            assert_problem(employee.patch(path, {"name": "Mine"}), 403)
    admin = Api(client, firm.add_member("admin")[1])
    ok(new_pipeline(admin, "Payroll", ["Collect"]), 201)
    assert ok(admin.patch(path, {"name": "Tax returns"}))["name"] == "Tax returns"


def test_another_firms_pipeline_is_404(api: Api, client: Client, table: Table) -> None:
    theirs = ok(new_pipeline(Api(client, make_firm(table).owner_token), "Theirs", ["A"]), 201)
    with nothing_written(table):
        assert_problem(api.get(f"/pipelines/{theirs['id']}"), 404)
        assert_problem(api.patch(f"/pipelines/{theirs['id']}", {"name": "Ours"}), 404)
        assert_problem(api.get(f"/pipelines/{new_id()}"), 404)
    assert ok(api.get("/pipelines"))["items"] == []


def test_jobs_follow_their_pipeline(env: Env, table: Table) -> None:
    tax = ok(new_pipeline(env.api, "Tax", ["Intake", "Review"]), 201)
    payroll = ok(new_pipeline(env.api, "Payroll", ["Collect", "Run"]), 201)
    intake, review = tax["stages"]
    job_body = {"name": "2025 return", "pipeline_id": tax["id"], "stage_id": intake["id"]}
    job = created(env.api, env.path("jobs"), job_body)
    assert (job["pipeline"], job["stage"]) == ({"id": tax["id"], "name": "Tax"}, intake)
    path = env.path("jobs", job["id"])

    # a job's stage belongs to its pipeline
    with nothing_written(table):
        bad = {**job_body, "stage_id": payroll["stages"][0]["id"]}
        assert_problem(env.api.post(env.path("jobs"), bad), 422, loc=("body", "stage_id"))
        assert_problem(env.api.patch(path, {"stage_id": payroll["stages"][1]["id"]}), 422, loc=("body", "stage_id"))
        assert_problem(env.api.patch(path, {"pipeline_id": payroll["id"]}), 422, loc=("body", "stage_id"))
        assert_problem(
            env.api.patch(path, {"pipeline_id": payroll["id"], "stage_id": review["id"]}), 422, loc=("body", "stage_id")
        )

    # renamed pipeline and stages show on the job
    stages = [{"id": intake["id"], "name": "Documents in"}, {"id": review["id"], "name": "Review"}]
    ok(env.api.patch(f"/pipelines/{tax['id']}", {"name": "Tax returns", "stages": stages}))
    shown = ok(env.api.get(path))
    assert shown["pipeline"] == {"id": tax["id"], "name": "Tax returns"}
    assert shown["stage"] == {"id": intake["id"], "name": "Documents in"}
    assert shown["version"] == 1

    # moved to another pipeline together with one of its stages
    moved = ok(env.teammate.patch(path, {"pipeline_id": payroll["id"], "stage_id": payroll["stages"][1]["id"]}))
    assert moved["pipeline"] == {"id": payroll["id"], "name": "Payroll"}
    assert moved["stage"] == payroll["stages"][1]
    assert moved["version"] == 2
