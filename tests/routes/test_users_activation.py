"""Activation and login details beyond the documented examples."""

from __future__ import annotations

FORM = "application/x-www-form-urlencoded"


def test_usernames_compare_without_case(client):
    r = client.post("/api_v3/users/login.json", data="username=MEMBER-201&password=111111", content_type=FORM)
    assert r.status_code == 200 and r.get_json()["data"]["user_id"] == "201"


def test_activation_without_eligibility_fields_is_refused_where_a_file_is_configured(client):
    r = client.post("/api_v3/users/activate.json", data="email=nobody@example.com", content_type=FORM)
    assert r.status_code == 400
    assert r.get_json()["message"] == "No eligible member matches the details given."


def test_activation_with_only_an_email_works_where_no_file_is_configured(client, world):
    world.accounts["vclinic"].meta["eligibility"] = []
    r = client.post("/api_v3/users/activate.json", data="email=new.person@example.com", content_type=FORM)
    assert r.status_code == 200, r.get_json()
    code = client.get("/_sim/outbox?to=new.person@example.com").get_json()["data"][0]["code"]
    login = client.post("/api_v3/users/login.json",
                        data=f"email=new.person@example.com&email_token={code}", content_type=FORM)
    assert login.status_code == 200
    user = login.get_json()["data"]["user"]
    assert user["active"] is False and user["email"] == "new.person@example.com"


def test_fields_vsee_works_in_the_body_too(client):
    r = client.post("/api_v3/users/sso.json", headers={"X-ApiKey": "vclinic_api_key"},
                    data={"first_name": "A", "last_name": "B", "code": "body-fields", "type": "200",
                          "fields": "vsee"})
    vsee = r.get_json()["data"]["vsee"]
    assert vsee["id"] == r.get_json()["data"]["vseeid"] and len(vsee["token"]) == 32
