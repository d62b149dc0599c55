"""Findings of the review of EMR, billing, files and the body reader, each pinned."""

from __future__ import annotations

import io

P201 = {"X-ApiToken": "6366a7018a39536a1ef4b63626f8e734"}
API_KEY = {"X-ApiKey": "vclinic_api_key"}


def test_emr_list_keyed_by_a_non_ascii_digit_is_a_400(client):
    for body in ({"json": {"data": {"²": {"condition": "x"}}}}, {"data": {"data[²][condition]": "x"}}):
        r = client.post("/api_v3/users/-/emr/conditions", headers=P201, **body)
        assert r.status_code == 400 and "data" in r.get_json()["message"], r.get_json()


def test_a_form_body_that_only_looks_multipart_is_read_as_a_form(client):
    r = client.post("/api_v3/billing/sources", headers=P201, content_type="application/x-www-form-urlencoded",
                    data=b"--a\nx=1&content-disposition: form-data&source=tok_visa")
    assert r.status_code == 200 and r.get_json()["data"]["brand"] == "Visa"


def test_a_file_another_patient_may_not_see_is_not_found(client):
    up = client.post("/api_v3/files", headers=P201, content_type="multipart/form-data",
                     data={"file": (io.BytesIO(b"notes"), "notes.txt"), "meta.category": "user_document"})
    file_id = up.get_json()["data"]["id"]
    r = client.post("/api_v3/users/sso", json={"type": 200, "code": "other-1", "first_name": "O", "last_name": "P"},
                    headers=API_KEY)
    other = {"X-ApiToken": r.get_json()["data"]["token"]["token"]}
    assert client.get(f"/api_v3/files/{file_id}", headers=other).status_code == 404
    assert client.get(f"/api_v3/files/{file_id}", headers=P201).get_data() == b"notes"


def test_file_list_reads_meta_category_too(client):
    client.post("/api_v3/files", headers=P201, content_type="multipart/form-data",
                data={"file": (io.BytesIO(b"notes"), "notes.txt"), "meta.category": "user_document"})
    for query in ("category=user_avatar", "meta.category=user_avatar"):
        listed = client.get(f"/api_v3/files?target_id=201&target_type=user&{query}", headers=P201).get_json()["data"]
        assert all(f["meta"]["category"] == "user_avatar" for f in listed) and listed


def test_a_file_part_where_a_value_is_kept_as_sent_is_a_400(client):
    for field in ("consent", "reset", "consent[a]"):
        r = client.post("/api_v3/intakes", headers=P201, content_type="multipart/form-data",
                        data={field: (io.BytesIO(b"x"), "a.txt"), "room_code": "ceproom1"})
        assert r.status_code == 400 and field.split("[")[0] in r.get_json()["message"], r.get_json()


def test_nan_and_infinity_are_not_json(client):
    for raw in (b'{"consent": NaN}', b'{"reset": -Infinity}', b'{"consent": 1e400}'):
        r = client.post("/api_v3/intakes", headers=P201, data=raw, content_type="application/json")
        assert r.status_code == 400 and "JSON" in r.get_json()["message"]
    r = client.post("/api_v3/users/575/erx/pharmacies", content_type="application/x-www-form-urlencoded",
                    headers={"X-ApiToken": "d0c7e5a1b2f34c6d8e9fa0b1c2d3e826"},
                    data='code=123&name=x&extra={"a": NaN}')
    assert r.status_code == 400 and "extra" in r.get_json()["message"]
