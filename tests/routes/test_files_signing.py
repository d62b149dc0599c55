"""Signed file URLs only the server can make (issue 12, problem 5; docs/fidelity.md F7).

The signing key used to be derived from the namespace, the seed and the account, all of
which a client can learn (``/_sim/health`` shows the seed). Now it is the server's secret
(``VSEE_SIM_SIGNING_SECRET``, or random per process), mixed with the namespace and account:
a URL forged from public information is a 403, no open endpoint shows the secret, and an
explicit secret keeps issued URLs valid across a ``--data`` restart.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
from urllib.parse import parse_qs, urlencode, urlsplit

from PIL import Image

from vsee_sim.app import create_app

PATIENT = {"X-ApiToken": "4df5b2b7dec8a8c40e142e43c1825502"}     # patient 350936
LEMUEL = {"X-ApiToken": "6366a7018a39536a1ef4b63626f8e734"}      # patient 201, whose photo is a demo file
SECRET = "an operator's secret for these tests"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), "teal").save(out, format="PNG")
    return out.getvalue()


def upload(client) -> dict:
    resp = client.post("/api_v3/files", headers=PATIENT, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(png()), "scan.png"), "meta.category": "user_document"})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["data"]


def path_and_query(fullpath: str, **changes) -> str:
    url = urlsplit(fullpath)
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    query.update(changes)
    return f"{url.path}?{urlencode(query)}"


def forged(seed: int, namespace: str, account: str, file_id: str, time: int) -> list[str]:
    """auth_codes a client could compute from what it knows: the old key, and its near variants."""
    keys = [f"vsee-sim:{namespace}:{seed}:{account}", f"{namespace}:{seed}:{account}",
            f"files\0{namespace}\0{account}", str(seed), ""]
    message = f"{file_id}:{time}".encode()
    return [hmac.new(key.encode(), message, hashlib.sha1).hexdigest() for key in keys]


def test_a_url_forged_from_public_information_is_refused(client, ns):
    data = upload(client)
    health = client.get("/_sim/health").get_json()["data"]
    time = int(parse_qs(urlsplit(data["fullpath"]).query)["time"][0])
    for code in forged(health["seed"], ns, "vclinic", data["id"], time):
        resp = client.get(f"/ns/{ns}/api_v3/files/{data['id']}?auth_code={code}&time={time}")
        assert resp.status_code == 403 and resp.get_json()["code"] == 403
    assert client.get(path_and_query(data["fullpath"])).status_code == 200   # the issued one works


def test_a_url_opens_its_own_namespace_only(app, client, ns):
    # The demo's files exist with the same id in every namespace: a URL of one is not a key to the other.
    photo = client.get("/api_v3/me", headers=LEMUEL).get_json()["data"]["photo"]
    assert client.get(path_and_query(photo)).status_code == 200
    other = app.test_client()
    other.environ_base["HTTP_X_SIM_NAMESPACE"] = f"{ns}-other"
    assert other.get(path_and_query(photo)).status_code == 403


def test_no_open_endpoint_shows_the_secret(tmp_path):
    app = create_app({"FIXTURE": "demo", "SEED": 7, "TICK_INTERVAL": 0, "SIGNING_SECRET": SECRET})
    client = app.test_client()
    data = upload(client)
    client.get(path_and_query(data["fullpath"]))
    client.post("/_sim/snapshots", json={"name": "s1"})
    world = app.extensions["vsee_sim"].worlds.get("default")
    leaks = {SECRET.encode(), world.secret.hex().encode(), base64.b64encode(world.secret)}
    for path in ("/_sim/health", "/_sim/state", "/_sim/journal", "/_sim/namespaces", "/_sim/snapshots",
                 "/_sim/openapi.json", "/api_v3/openapi.json", "/api_v3/me"):
        body = client.get(path, headers=PATIENT).data
        assert not any(leak in body for leak in leaks), path


def test_an_explicit_secret_keeps_urls_across_a_data_restart(tmp_path, monkeypatch):
    monkeypatch.delenv("VSEE_SIM_SIGNING_SECRET", raising=False)
    config = {"FIXTURE": "demo", "SEED": 7, "TICK_INTERVAL": 0, "DATA": str(tmp_path / "state.json"),
              "SIGNING_SECRET": SECRET}
    first = create_app(config)
    data = upload(first.test_client())
    url = path_and_query(data["fullpath"])
    first.extensions["vsee_sim"].datafile.stop()       # flushed, as at a clean shutdown

    again = create_app(config)
    resp = again.test_client().get(url)
    assert resp.status_code == 200 and resp.data == png()
    again.extensions["vsee_sim"].datafile.stop()

    # Without the secret (or with another one), the old URL is refused: random otherwise.
    for other in ("", "another secret"):              # "": none given
        app = create_app({**config, "SIGNING_SECRET": other})
        assert app.test_client().get(url).status_code == 403
        app.extensions["vsee_sim"].datafile.stop()


def test_without_a_secret_each_server_signs_differently(monkeypatch):
    monkeypatch.delenv("VSEE_SIM_SIGNING_SECRET", raising=False)
    config = {"FIXTURE": "demo", "SEED": 7, "TICK_INTERVAL": 0}
    one, two = create_app(config), create_app(config)
    assert one.extensions["vsee_sim"].worlds.secret != two.extensions["vsee_sim"].worlds.secret
    url = path_and_query(upload(one.test_client())["fullpath"])
    assert one.test_client().get(url).status_code == 200
    assert two.test_client().get(url).status_code == 403


def test_the_secret_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("VSEE_SIM_SIGNING_SECRET", SECRET)
    app = create_app({"FIXTURE": "demo", "SEED": 7, "TICK_INTERVAL": 0})
    assert app.extensions["vsee_sim"].worlds.secret == SECRET.encode()
