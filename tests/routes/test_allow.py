"""``Allow`` names the methods a path answers (OPTIONS and 405), not every rule that matches it."""

from __future__ import annotations


def allow(response) -> set[str]:
    return {m.strip() for m in response.headers["Allow"].split(",")}


def test_options_on_an_action_path_does_not_advertise_the_get_of_the_id_route(client):
    for path in ("/api_v3/visits/add_walkin", "/vc/next/api_v3/visits/add_walkin.json"):
        r = client.options(path)
        assert r.status_code == 200
        assert allow(r) == {"POST", "OPTIONS"}, path


def test_a_405_names_only_the_methods_that_answer(client):
    r = client.delete("/api_v3/visits/add_walkin.json")
    assert r.status_code == 405 and r.json["code"] == 405
    assert allow(r) == {"POST", "OPTIONS"}


def test_an_id_path_keeps_its_own_methods(client):
    assert {"GET", "HEAD", "OPTIONS"} <= allow(client.options("/api_v3/visits/123"))
