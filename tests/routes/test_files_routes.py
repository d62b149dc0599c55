"""Files API routes: status, body and error body of every endpoint (docs/fidelity.md F1-F12).

The documented curl commands are sent as the doc writes them (multipart with
``meta.category``, the rename's form header over curl's multipart bytes, the download's
own auth_code); a patient uploads a file and fetches it back resized through ``fullpath``.
"""

from __future__ import annotations

import io
import struct
import threading
import zlib
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from PIL import Image

from vsee_sim.api.files import images, rules

T0 = 1_700_000_000
LIGENG = {"X-ApiToken": "4df5b2b7dec8a8c40e142e43c1825502"}        # patient 350936
LIGENG_2 = {"X-ApiToken": "466c809667919d34d371d4c7d389392b"}      # patient 350936 too
ANTON = {"X-ApiToken": "c18e9874dccd26482e191f3d7b57d3d8"}         # patient 575
LEMUEL = {"X-ApiToken": "6366a7018a39536a1ef4b63626f8e734"}        # patient 201 (in visit 7730)
JOHN = {"X-ApiToken": "d0c7e5a1b2f34c6d8e9fa0b1c2d3e826"}          # provider 826 (visit 7730)
MULTIPART = "multipart/form-data"
AVATAR_201 = "57e8c9a2-5c30-4b2c-b9d0-11d6ac1f0144"
LIGENG_DOC = "5e1598e7-4118-47ca-84da-0923c71b6977"
ANTON_CARD = "57aa6ede-bf6c-4a88-81e1-6bcdac1f0144"

UPLOAD_KEYS = {"id", "name", "size", "ext", "fullpath", "meta", "creator"}
RENAME_KEYS = {"id", "name", "size", "ext", "fullpath", "meta", "created"}
LIST_KEYS = {"id", "name", "size", "ext", "fullpath", "creator", "created"}


def error(resp, status: int, field: str | None = None) -> dict:
    """Assert a VSee error body; when ``field`` is given, it is named in message and errors."""
    assert resp.status_code == status, resp.data[:300]
    body = resp.get_json()
    assert body["code"] == status and isinstance(body["message"], str) and body["message"]
    if field is not None:
        assert field in body["message"], body
        assert field in body.get("errors", {}), body
    return body


def ok(resp):
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["data"]


def jpeg(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "teal").save(out, format="JPEG")
    return out.getvalue()


def upload(client, headers, content=None, filename="p878984.jpg", **fields):
    data = {"file": (io.BytesIO(jpeg() if content is None else content), filename), **fields}
    data.setdefault("meta.category", "user_document")
    return client.post("/api_v3/files", headers=headers, data=data, content_type=MULTIPART)


def fetch(client, fullpath: str, headers=None, **extra):
    """GET a fullpath as a client would (its path and query), with query changes."""
    url = urlsplit(fullpath)
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    query.update({k: v for k, v in extra.items() if v is not None})
    for key in [k for k, v in extra.items() if v is None]:
        query.pop(key, None)
    return client.get(f"{url.path}?{urlencode(query)}", headers=headers or {})


@pytest.fixture()
def frozen(world):
    world.clock.freeze(T0)
    return world


# -- the documented curls ------------------------------------------------------------------
def test_documented_upload(client, frozen):
    resp = client.post("/cc/ligeng/api_v3/files", headers={**LIGENG, "cache-control": "no-cache"},
                       data={"file": (io.BytesIO(jpeg()), "p878984.jpg"), "meta.category": "user_document"},
                       content_type=MULTIPART)
    data = ok(resp)
    assert set(data) >= UPLOAD_KEYS
    assert data["name"] == "p878984.jpg" and data["ext"] == "jpg" and data["size"] == len(jpeg())
    assert data["meta"]["category"] == "user_document"
    assert data["meta"]["target"] == {"id": "350936", "type": "user"}
    assert data["meta"]["account"] == {"code": "vclinic"}
    assert data["creator"]["id"] == "350936"
    assert data["creator"]["username"] == data["creator"]["email"] == "ligeng+trial14+member01@vseelab.com"
    assert data["creator"]["full_name"].startswith("Ligeng Long")
    assert data["created"] == T0
    url = urlsplit(data["fullpath"])
    assert url.path == f"/cc/ligeng/api_v3/files/{data['id']}"
    query = parse_qs(url.query)
    assert query["time"] == [str(T0)] and len(query["auth_code"][0]) == 40
    stored = frozen.account("vclinic").files.get(data["id"])
    assert stored["creator_id"] == "350936" and stored["content_b64"]


def test_documented_rename_sends_multipart_under_a_form_header(client):
    # curl -H 'Content-Type: application/x-www-form-urlencoded' -F name=test2.jpg: the bytes are
    # curl's multipart, the header says urlencoded (and names no boundary).
    body = (b"--------------------------d74496d66958873e\r\n"
            b'Content-Disposition: form-data; name="name"\r\n\r\ntest2.jpg\r\n'
            b"--------------------------d74496d66958873e--\r\n")
    resp = client.post(f"/cc/ligeng/api_v3/files/{LIGENG_DOC}", data=body,
                       headers={**LIGENG_2, "Content-Type": "application/x-www-form-urlencoded"})
    data = ok(resp)
    assert set(data) >= RENAME_KEYS
    assert data["name"] == "test2.jpg" and data["ext"] == "jpg" and data["size"] == 184259
    assert data["created"] == 1578473704
    assert data["meta"]["target"] == {"id": "350936", "type": "user"}


def test_documented_delete(client, world):
    resp = client.delete(f"/api_v3/files/{ANTON_CARD}", headers=ANTON,
                         data={"file": (io.BytesIO(b""), "")}, content_type=MULTIPART)
    assert ok(resp) is True
    assert world.account("vclinic").files.get(ANTON_CARD) is None
    error(client.delete(f"/api_v3/files/{ANTON_CARD}", headers=ANTON), 404)


def test_documented_list(client):
    resp = client.get("/cc/ligeng/api_v3/files?target_id=350936&target_type=user",
                      headers={**LIGENG, "cache-control": "no-cache"},
                      data={"target_id": "350936", "target_type": "user"}, content_type=MULTIPART)
    data = ok(resp)
    assert [f["id"] for f in data] == ["5e15d150-19b4-4cbd-b217-332fc71b6977", LIGENG_DOC]
    for item in data:
        assert set(item) >= LIST_KEYS
        assert item["creator"]["type"] == 200 and item["creator"]["username"]


def test_documented_download_with_the_docs_own_auth_code(client):
    resp = client.get(f"/api_v3/files/{AVATAR_201}?auth_code=01f72b633c40c9c272f9dc73a87f1bc66694ee31"
                      "&time=1475236382&size=320x480")
    assert resp.status_code == 200 and resp.content_type == "image/png"
    assert Image.open(io.BytesIO(resp.data)).size == (320, 480)


# -- upload then fetch back ----------------------------------------------------------------
def test_a_patient_uploads_and_fetches_back_resized(client):
    data = ok(upload(client, LIGENG))
    full = fetch(client, data["fullpath"])
    assert full.status_code == 200 and full.content_type == "image/jpeg" and full.data == jpeg()
    assert "p878984.jpg" in full.headers["Content-Disposition"]
    small = fetch(client, data["fullpath"], size="32x20")
    assert small.status_code == 200 and small.content_type == "image/png"
    image = Image.open(io.BytesIO(small.data))
    assert image.format == "PNG" and image.size == (32, 20)


def test_a_non_image_ignores_size_and_keeps_its_type(client):
    data = ok(upload(client, LIGENG, content=b"%PDF-1.4 hello", filename="consent.pdf",
                     **{"meta.category": "user_consent"}))
    resp = fetch(client, data["fullpath"], size="100x100")
    assert resp.status_code == 200 and resp.content_type == "application/pdf"
    assert resp.data == b"%PDF-1.4 hello"


@pytest.mark.parametrize("size", ["0x10", "5000x10", "big", "10x"])
def test_a_bad_size_is_a_400(client, size):
    data = ok(upload(client, LIGENG))
    error(fetch(client, data["fullpath"], size=size), 400, "size")


@pytest.mark.parametrize("fields", [
    {"meta.category": "user_document"}, {"meta[category]": "user_document"},
    {"meta": '{"category": "user_document"}'},
])
def test_meta_category_in_every_encoding(client, fields):
    resp = client.post("/api_v3/files", headers=LIGENG, content_type=MULTIPART,
                       data={"file": (io.BytesIO(b"hello"), "notes.txt"), **fields})
    data = ok(resp)
    assert data["meta"]["category"] == "user_document" and data["ext"] == "txt"
    assert fetch(client, data["fullpath"]).content_type.startswith("text/plain")


# -- signed URLs -----------------------------------------------------------------------------
def test_tampering_with_the_auth_code_or_time_is_a_403(client):
    data = ok(upload(client, LIGENG))
    code = parse_qs(urlsplit(data["fullpath"]).query)["auth_code"][0]
    time = int(parse_qs(urlsplit(data["fullpath"]).query)["time"][0])
    error(fetch(client, data["fullpath"], auth_code=("0" if code[0] != "0" else "1") + code[1:]), 403)
    error(fetch(client, data["fullpath"], time=str(time - 1)), 403)
    error(fetch(client, data["fullpath"], auth_code=None), 403)
    error(fetch(client, data["fullpath"], auth_code="\u00e9" * 40), 403)  # not hex, not ASCII
    other = ok(upload(client, LIGENG))  # a good code of another file does not open this one
    error(fetch(client, data["fullpath"], auth_code=parse_qs(urlsplit(other["fullpath"]).query)["auth_code"][0],
                time=parse_qs(urlsplit(other["fullpath"]).query)["time"][0]), 403)


def test_a_signed_url_lasts_24_hours_on_the_namespace_clock(client, frozen):
    data = ok(upload(client, LIGENG))
    frozen.clock.advance(rules.SIGNED_URL_TTL)
    assert fetch(client, data["fullpath"]).status_code == 200
    frozen.clock.advance(1)
    error(fetch(client, data["fullpath"]), 403)


def test_the_owners_token_opens_without_a_signature(client):
    data = ok(upload(client, LIGENG))
    url = urlsplit(data["fullpath"]).path
    assert client.get(url, headers=LIGENG_2).status_code == 200
    error(client.get(url, headers=ANTON), 404)            # another patient: no hint it exists
    error(client.get(url), 403)                           # nobody
    error(client.get("/api_v3/files/00000000-0000-0000-0000-000000000000", headers=LIGENG), 404)


def test_a_signed_url_of_a_deleted_file_is_a_404(client):
    data = ok(upload(client, LIGENG))
    assert ok(client.delete(f"/api_v3/files/{data['id']}", headers=LIGENG)) is True
    error(fetch(client, data["fullpath"]), 404)


# -- upload errors ---------------------------------------------------------------------------
def test_over_the_file_limit_is_a_413(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_FILE_BYTES", 1000)
    error(upload(client, LIGENG, content=b"x" * 1001, filename="big.txt"), 413)
    assert ok(upload(client, LIGENG, content=b"x" * 1000, filename="fits.txt"))["size"] == 1000


def test_over_the_body_limit_is_a_413(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2000)
    error(upload(client, LIGENG, content=b"x" * 3000, filename="big.txt"), 413)


def test_a_non_image_avatar_is_a_400(client):
    error(upload(client, LIGENG, content=b"not a picture", filename="me.jpg",
                 **{"meta.category": "user_avatar"}), 400, "file")


@pytest.mark.parametrize("category", ["", "avatar", "account_file"])
def test_a_category_outside_the_four_is_a_400(client, category):
    error(upload(client, LIGENG, **{"meta.category": category}), 400, "meta.category")


def test_a_missing_or_empty_file_is_a_400(client):
    error(client.post("/api_v3/files", headers=LIGENG, data={"meta.category": "user_document"},
                      content_type=MULTIPART), 400, "file")
    error(client.post("/api_v3/files", headers=LIGENG, json={"meta": {"category": "user_document"}}), 400, "file")
    error(client.post("/api_v3/files", headers=LIGENG, data={"file": "text", "meta.category": "user_document"},
                      content_type=MULTIPART), 400, "file")
    error(upload(client, LIGENG, content=b""), 400, "file")


def test_upload_needs_a_token(client):
    error(upload(client, {}), 401)


def test_odd_bodies_never_500(client):
    for data in ({"file": (io.BytesIO(b"a"), "a.txt"), "meta": "garbage"},
                 {"file": (io.BytesIO(b"a"), "a.txt"), "meta[target]": "x", "meta[category]": "user_document"},
                 {"file": [(io.BytesIO(b"a"), "a.txt"), (io.BytesIO(b"b"), "b.txt")],
                  "meta.category": "user_document"},
                 {"file": (io.BytesIO(b"a"), "\u00e9t\u00e9 \"1\".txt"), "meta.category": "user_document"}):
        resp = client.post("/api_v3/files", headers=LIGENG, data=data, content_type=MULTIPART)
        assert resp.status_code in (200, 400), resp.data
    data = ok(upload(client, LIGENG, content=b"a", filename="\u00e9t\u00e9 \"1\".txt"))
    assert fetch(client, data["fullpath"]).status_code == 200


# -- targets ---------------------------------------------------------------------------------
def test_sharing_onto_a_visit_notifies_the_other_party(client, world):
    data = ok(upload(client, LEMUEL, **{"meta.target_type": "visit", "meta.target_id": "7730"}))
    assert data["meta"]["target"] == {"id": "7730", "type": "visit"}
    notes = world.account("vclinic").notifications.find("user_id", "826")
    shared = [n for n in notes if n["type"] == "file.shared"]
    assert len(shared) == 1 and shared[0]["data"] == {"file_id": data["id"], "visit_id": "7730"}
    assert not [n for n in world.account("vclinic").notifications.find("user_id", "201")
                if n["type"] == "file.shared"]
    # The provider of the visit sees it and can fetch it with their token; the patient is told
    # when the provider shares back (nested meta[target][...] as the responses name it).
    assert data["id"] in [f["id"] for f in ok(client.get("/api_v3/files?target_type=visit&target_id=7730",
                                                          headers=JOHN))]
    assert client.get(f"/api_v3/files/{data['id']}", headers=JOHN).status_code == 200
    back = ok(upload(client, JOHN, **{"meta[target][type]": "visit", "meta[target][id]": "7730"}))
    assert [n["data"]["file_id"] for n in world.account("vclinic").notifications.find("user_id", "201")
            if n["type"] == "file.shared"] == [back["id"]]


def test_targets_the_caller_may_not_use(client):
    error(upload(client, ANTON, **{"meta.target_type": "visit", "meta.target_id": "7730"}), 403)
    error(upload(client, ANTON, **{"meta.target_type": "visit", "meta.target_id": "999999"}), 404)
    error(upload(client, ANTON, **{"meta.target_type": "user", "meta.target_id": "201"}), 403)
    error(upload(client, ANTON, **{"meta.target_type": "room", "meta.target_id": "1"}), 400, "meta.target_type")
    assert ok(upload(client, ANTON, **{"meta.target_type": "user", "meta.target_id": "575"}))


# -- rename, delete ---------------------------------------------------------------------------
def test_rename_changes_only_the_name(client):
    data = ok(upload(client, LIGENG))
    renamed = ok(client.post(f"/api_v3/files/{data['id']}", headers=LIGENG,
                             json={"name": "scan.jpg", "size": 1, "ext": "exe", "meta": {"category": "x"}}))
    assert renamed["name"] == "scan.jpg"
    assert (renamed["size"], renamed["ext"], renamed["meta"]) == (data["size"], data["ext"], data["meta"])
    error(client.post(f"/api_v3/files/{data['id']}", headers=LIGENG, data={"name": "  "}), 400, "name")
    error(client.post(f"/api_v3/files/{data['id']}", headers=LIGENG, json={}), 400, "name")


def test_only_the_creator_renames_or_deletes(client):
    mine = ok(upload(client, LEMUEL, **{"meta.target_type": "visit", "meta.target_id": "7730"}))
    # The visit's provider may see it: 403. Another patient may not: 404, as if it were not there.
    error(client.post(f"/api_v3/files/{mine['id']}", headers=JOHN, json={"name": "x.jpg"}), 403)
    error(client.delete(f"/api_v3/files/{mine['id']}", headers=JOHN), 403)
    error(client.post(f"/api_v3/files/{mine['id']}", headers=ANTON, json={"name": "x.jpg"}), 404)
    error(client.delete(f"/api_v3/files/{mine['id']}", headers=ANTON), 404)
    error(client.delete("/api_v3/files/nope", headers=ANTON), 404)
    error(client.delete(f"/api_v3/files/{mine['id']}"), 401)


# -- listing -------------------------------------------------------------------------------
def test_listing_filters_and_permissions(client):
    doc = ok(upload(client, LIGENG))
    avatar = ok(upload(client, LIGENG, filename="me.png", **{"meta.category": "user_avatar"}))
    ids = lambda resp: [f["id"] for f in ok(resp)]  # noqa: E731
    assert ids(client.get("/api_v3/files?category=user_avatar", headers=LIGENG)) == [avatar["id"]]
    mine = ids(client.get("/api_v3/files?target_type=user&target_id=350936", headers=LIGENG))
    assert doc["id"] in mine and avatar["id"] in mine
    assert ids(client.get("/api_v3/files?target_type=visit", headers=LIGENG)) == []
    # Another patient sees none of them, and neither the other patient's files.
    assert ids(client.get("/api_v3/files?target_id=350936", headers=ANTON)) == []
    everything = ids(client.get("/api_v3/files", headers=ANTON))
    assert ANTON_CARD in everything and doc["id"] not in everything
    error(client.get("/api_v3/files?target_type=room", headers=ANTON), 400, "target_type")
    error(client.get("/api_v3/files?category=selfie", headers=ANTON), 400, "category")
    error(client.get("/api_v3/files"), 401)


# -- the avatar as a profile photo ---------------------------------------------------------
def test_an_uploaded_avatar_becomes_the_photo_and_goes_with_delete(client):
    avatar = ok(upload(client, ANTON, filename="me.jpg", **{"meta.category": "user_avatar"}))
    me = ok(client.post("/api_v3/me", headers=ANTON, data={"photo": avatar["id"]}))
    assert me["photo"] and f"/files/{avatar['id']}?" in me["photo"]
    shown = fetch(client, me["photo"])
    assert shown.status_code == 200 and shown.content_type == "image/png"
    assert Image.open(io.BytesIO(shown.data)).size == (320, 240)
    assert ok(client.delete(f"/api_v3/files/{avatar['id']}", headers=ANTON)) is True
    assert ok(client.get("/api_v3/me", headers=ANTON))["photo"] is None


def test_the_photo_of_the_demo_user_201_goes_when_deleted(client, world):
    assert ok(client.delete(f"/api_v3/files/{AVATAR_201}", headers=LEMUEL)) is True
    assert world.account("vclinic").users.get("201")["photo"] is None


# -- resizing: outside the lock, within a budget ----------------------------------------------
def flat_png(width: int, height: int) -> bytes:
    """A one-colour grey PNG made row by row with zlib (a few KiB for megapixels)."""
    row, packer = b"\x00" + b"\x80" * width, zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.fixture()
def fresh_cache(monkeypatch):
    monkeypatch.setattr(images, "CACHE", images.ResizeCache())
    return images.CACHE


def test_the_resize_runs_outside_the_namespace_lock(client, world, monkeypatch, fresh_cache):
    data = ok(upload(client, LIGENG))
    free, real = [], rules.resize_png

    def spy(*args, **kwargs):
        def try_lock():                 # another thread: would the namespace lock be free now?
            if world.lock.acquire(blocking=False):
                world.lock.release()
                free.append(True)
            else:
                free.append(False)
        probe = threading.Thread(target=try_lock)
        probe.start()
        probe.join()
        return real(*args, **kwargs)

    monkeypatch.setattr(rules, "resize_png", spy)
    assert fetch(client, data["fullpath"], size="10x10").status_code == 200
    assert free == [True]
    assert fetch(client, data["fullpath"], size="10x10").status_code == 200
    assert free == [True] and len(fresh_cache) == 1      # the second one came from the cache


def test_an_image_over_the_pixel_budget_is_served_unresized(client, fresh_cache):
    big = flat_png(4097, 4097)          # one pixel row over 4096x4096 decoded
    data = ok(upload(client, LIGENG, content=big, filename="big.png"))
    resp = fetch(client, data["fullpath"], size="320x240")
    assert resp.status_code == 200 and resp.content_type == "image/png" and resp.data == big
    assert "4097x4097" in resp.headers["X-Sim-Not-Resized"]
    assert 'big.png' in resp.headers["Content-Disposition"]


def test_a_full_resizer_is_a_503_to_retry(client, monkeypatch, fresh_cache):
    data = ok(upload(client, LIGENG))
    monkeypatch.setattr(images, "_ADMITTED", threading.BoundedSemaphore(1))
    images._ADMITTED.acquire()         # as if another request were resizing or waiting
    resp = fetch(client, data["fullpath"], size="11x7")
    assert error(resp, 503)["message"] and resp.headers["Retry-After"] == "1"
    images._ADMITTED.release()
    assert fetch(client, data["fullpath"], size="11x7").status_code == 200


def test_an_output_over_the_budget_is_a_400(client):
    data = ok(upload(client, LIGENG))
    error(fetch(client, data["fullpath"], size="4096x4096"), 400, "size")
    assert fetch(client, data["fullpath"], size="4096x1024").status_code == 200
