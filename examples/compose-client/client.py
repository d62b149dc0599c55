"""Example client for vsee-sim, standard library only.

Signs a patient in with the documented SSO call, then reads the patient's profile:

    POST {VSEE_SIM_URL}/api_v3/users/sso.json   (X-AccountCode, X-ApiKey; JSON body)
    GET  {VSEE_SIM_URL}/api_v3/me.json          (X-ApiToken: data.token.token)

VSEE_SIM_URL defaults to http://vsee-sim:8000 (the compose service); outside compose:

    VSEE_SIM_URL=http://127.0.0.1:8000 python client.py

It first waits for the simulator to be healthy (GET /_sim/health answers 200), trying for
at most VSEE_SIM_WAIT seconds (default 60): compose's ``condition: service_healthy`` is
not honoured everywhere (podman-compose 1.0.3 ignores it), and a robust CI client does
not assume its server is up.

Exits 0 on success, 1 on any HTTP or connection error or if the simulator is not healthy in time.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request

BASE_URL = os.environ.get("VSEE_SIM_URL", "http://vsee-sim:8000").rstrip("/")
ACCOUNT_CODE = os.environ.get("VSEE_ACCOUNT_CODE", "vclinic")
API_KEY = os.environ.get("VSEE_API_KEY", "vclinic_api_key")
API_HEADERS = {"X-AccountCode": ACCOUNT_CODE, "X-ApiKey": API_KEY, "Accept": "application/json"}
WAIT_SECONDS = float(os.environ.get("VSEE_SIM_WAIT", "60"))


def wait_until_healthy(limit: float = WAIT_SECONDS, pause: float = 0.5) -> None:
    """Poll GET /_sim/health until it answers 200; raise TimeoutError after ``limit`` seconds."""
    deadline = time.monotonic() + limit
    said = False
    while True:
        try:
            with urllib.request.urlopen(BASE_URL + "/_sim/health", timeout=5) as response:
                if response.status == 200:
                    return
                last = f"HTTP {response.status}"
        except (urllib.error.URLError, OSError) as exc:
            last = repr(exc)
        if time.monotonic() >= deadline:
            raise TimeoutError(f"not healthy after {limit:g} s (last: {last})")
        if not said:
            print(f"waiting for vsee-sim at {BASE_URL} (up to {limit:g} s)", file=sys.stderr, flush=True)
            said = True
        time.sleep(pause)


def call(method: str, path: str, headers: dict, body: dict | None = None) -> dict:
    data = None
    headers = dict(headers)
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(BASE_URL + path, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read().decode("utf-8"))


def main() -> int:
    try:
        wait_until_healthy()
        sso = call("POST", "/api_v3/users/sso.json", API_HEADERS, {
            "type": 200,                       # patient
            "code": "compose-client-patient",  # the patient's id in your own system
            "first_name": "Compose",
            "last_name": "Client",
            "email": "compose.client@example.com",
        })
        token = sso["data"]["token"]["token"]
        me = call("GET", "/api_v3/me.json", {**API_HEADERS, "X-ApiToken": token})
    except urllib.error.HTTPError as exc:
        print(f"HTTP {exc.code} from {exc.url}: {exc.read().decode('utf-8', 'replace')}", file=sys.stderr)
        return 1
    except (urllib.error.URLError, OSError, KeyError, ValueError) as exc:  # TimeoutError is an OSError
        print(f"vsee-sim at {BASE_URL}: {exc!r}", file=sys.stderr)
        return 1
    user = me["data"]
    print(f"signed in as user {user.get('id')}: {user.get('first_name')} {user.get('last_name')} "
          f"(type {user.get('type')}, code {user.get('code')})")
    print(json.dumps(user, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
