"""Replay every recorded example (contract/examples/*.json) and compare by shape.

In-process by default: one app per module (``create_app({"FIXTURE": "demo"})``); each
example runs in its own namespace (``X-Sim-Namespace: contract-<name>``), a fresh copy of
the demo clinic, so examples never see each other's writes.

With ``CONTRACT_BASE_URL`` set, the same requests go over HTTP to that server instead,
e.g. ``http://127.0.0.1:8000`` (a running simulator) or
``https://api.vseepreview.com/vc/next`` (the real staging service). The recorded path is
cut to start at ``/api_v3`` and appended to the base URL: a recorded
``/cc/ligeng/api_v3/files`` is sent to ``<base>/api_v3/files``. The namespace header is
sent there too; the real service ignores it. ``CONTRACT_HEADERS`` (a JSON object) is
merged over each example's headers, to replace the doc's made-up credentials with real
ones (``{"X-ApiToken": "...", "X-AccountCode": "..."}``).
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from contract.shape import shape_errors

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
BASE_URL = os.environ.get("CONTRACT_BASE_URL", "").rstrip("/")
EXTRA_HEADERS = json.loads(os.environ.get("CONTRACT_HEADERS") or "{}")
UPLOAD_BYTES = b"contract example upload\n"   # the doc's files are not ours to have


def _load_examples() -> list[dict]:
    examples = []
    for path in sorted(EXAMPLES_DIR.glob("*.json")):
        examples.extend(json.loads(path.read_text(encoding="utf-8")))
    return examples


EXAMPLES = _load_examples()


@pytest.fixture(scope="module")
def client():
    if BASE_URL:
        yield None
        return
    from vsee_sim.app import create_app

    app = create_app({"FIXTURE": "demo"})
    app.config["TESTING"] = True
    with app.test_client() as test_client:
        yield test_client


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["name"] for e in EXAMPLES])
def test_example(example, client):
    status, content_type, body = _send(example, client)
    want = example["response"]
    where = f"{example['section']} (doc line {example['line']})"

    assert status == want["status"], f"{where}: status {status}, documented {want['status']}: {body[:300]!r}"
    if want.get("binary"):
        assert body, f"{where}: empty body, documented a binary object"
        return
    try:
        ours = json.loads(body)
    except ValueError:
        pytest.fail(f"{where}: response is not JSON ({content_type}): {body[:300]!r}")
    documented = want["body"]
    assert isinstance(ours, dict), f"{where}: top level is not an object: {ours!r:.300}"
    optional = set(example.get("optional_keys", ()))
    missing = [k for k in documented if k not in ours and k not in optional]
    assert not missing, f"{where}: top-level keys {missing} missing: {ours!r:.300}"
    errors = []
    for key, value in documented.items():
        if key not in ours:
            continue
        errors += shape_errors(value, ours[key], path=key, optional_keys=optional,
                               allow_empty=example.get("allow_empty", False),
                               nullable_keys=example.get("nullable_keys", ()),
                               text_keys=example.get("text_keys", ()),
                               ignore_keys=example.get("ignore_keys", ()))
    assert not errors, f"{where}: {len(errors)} shape mismatch(es):\n  " + "\n  ".join(errors)


def _send(example: dict, client) -> tuple[int, str, bytes]:
    """Send the recorded request; return ``(status, content type, body bytes)``."""
    req = example["request"]
    path = req["path"]
    path = path[path.index("/api_v3"):] if "/api_v3" in path else path
    headers = {**req["headers"], "X-Sim-Namespace": f"contract-{example['name']}", **EXTRA_HEADERS}
    encoding = req["encoding"]
    kwargs: dict = {}
    if encoding == "form":
        # Exactly what curl -d sends: the raw text, typographic quotes and all.
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        kwargs["data"] = req["raw_body"].encode("utf-8")
    elif encoding == "json":
        kwargs["json"] = req["json"]
    elif encoding == "multipart":
        kwargs["multipart"] = req["multipart"]

    if BASE_URL:
        _fresh_namespace(headers["X-Sim-Namespace"])
        return _send_http(req["method"], BASE_URL + path, headers, kwargs)
    if "multipart" in kwargs:
        mp = kwargs.pop("multipart")
        data = dict(mp["fields"])
        data.update({name: (io.BytesIO(UPLOAD_BYTES if filename else b""), filename)
                     for name, filename in mp["files"].items()})
        kwargs.update(data=data, content_type="multipart/form-data")
    resp = client.open(path, method=req["method"], headers=headers, **kwargs)
    return resp.status_code, resp.content_type or "", resp.get_data()


def _fresh_namespace(namespace: str) -> None:
    """Against a simulator, start each example from the fixture again, so the suite can run
    twice against one server; the real service has no ``/_sim`` and answers 404, ignored."""
    import contextlib
    import urllib.parse

    import requests

    root = urllib.parse.urlsplit(BASE_URL)
    with contextlib.suppress(requests.RequestException):
        requests.post(f"{root.scheme}://{root.netloc}/_sim/reset", timeout=10,
                      headers={"X-Sim-Namespace": namespace, **EXTRA_HEADERS})


def _send_http(method: str, url: str, headers: dict, kwargs: dict) -> tuple[int, str, bytes]:
    import requests

    if "multipart" in kwargs:
        mp = kwargs.pop("multipart")
        # (None, value) parts make requests send multipart even when there is no file.
        kwargs["files"] = {**{name: (None, value) for name, value in mp["fields"].items()},
                           **{name: (filename, UPLOAD_BYTES if filename else b"")
                              for name, filename in mp["files"].items()}}
    resp = requests.request(method, url, headers=headers, timeout=30, **kwargs)
    return resp.status_code, resp.headers.get("Content-Type", ""), resp.content
