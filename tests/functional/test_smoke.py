from tests.support.api import Api


def test_create_and_read_account(api: Api) -> None:
    tag = api.post("/tags", {"name": "VIP"})
    assert tag.status == 201, tag.body
    r = api.post(
        "/accounts",
        {
            "name": "Müller GmbH",
            "type": "company",
            "tags": [tag.body["id"]],
            "contacts": [
                {"first_name": "Anna", "last_name": "Müller", "emails": ["anna@mueller.example"], "description": "CEO"}
            ],
        },
    )
    assert r.status == 201, r.body
    assert r.headers["location"] == f"/accounts/{r.body['id']}"
    got = api.get(r.headers["location"])
    assert got.status == 200
    assert got.body["contacts"][0]["emails"][0]["address"] == "anna@mueller.example"
    assert got.body["tags"] == [{"id": tag.body["id"], "name": "VIP", "color": "#9E9E9E"}]
    listed = api.get("/accounts")
    assert [a["name"] for a in listed.body["items"]] == ["Müller GmbH"]
