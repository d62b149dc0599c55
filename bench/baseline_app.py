"""The baselines for bench/run.py: bare Flask apps keeping their records in a dict, or in TinyDB.

Served by waitress with the same settings as ``vsee-sim serve`` (one process, 8 app
threads, no access log), so the ratio vsee-sim/baseline measures what the simulator
adds on top of Flask + waitress: routing through flask-smorest, tenancy, auth, the
store, marshmallow serialisation, the control plane's hooks.

Each app answers the paths the bench sends to vsee-sim, doing the least a stateful
service must: ``POST /users/sso`` reads its form and creates a user and a token,
``GET /me`` looks the token up and returns its user, ``POST /rooms`` reads its form and
creates a room under a new code, ``GET /rooms/<code>`` returns it (404 if unknown).

    cd bench && waitress-serve --listen=127.0.0.1:8001 --threads=8 baseline_app:app          # dict
    cd bench && waitress-serve --listen=127.0.0.1:8002 --threads=8 baseline_app:tinydb_app   # TinyDB

Each ``X-Sim-Namespace`` header value gets its own store, as vsee-sim's namespaces do (the
bench takes each cell in a fresh one). ``tinydb_app`` keeps TinyDB in memory
(``MemoryStorage``, as vsee-sim without ``--data``) behind one lock (TinyDB is not
thread-safe), and reads by document id.
"""

from __future__ import annotations

import itertools
import threading
import uuid

from flask import Flask, jsonify, request


class DictStore:
    """Records in dicts, by id."""

    def __init__(self):
        self.users: dict[str, dict] = {}
        self.tokens: dict[str, str] = {}
        self.rooms: dict[str, dict] = {}
        self._ids = itertools.count(1)  # next() is atomic under the GIL

    def create_user(self, form) -> tuple[dict, str]:
        user = {"id": str(next(self._ids)), "code": form.get("code", ""), "type": int(form.get("type", 200)),
                "first_name": form.get("first_name", ""), "last_name": form.get("last_name", "")}
        token = uuid.uuid4().hex
        self.users[user["id"]] = user
        self.tokens[token] = user["id"]
        return user, token

    def user_of(self, token: str | None) -> dict | None:
        user_id = self.tokens.get(token or "")
        return self.users.get(user_id) if user_id else None

    def create_room(self, form) -> dict:
        room = {"id": str(next(self._ids)), "code": uuid.uuid4().hex[:8], "name": form.get("name", ""),
                "domain": form.get("domain", "")}
        self.rooms[room["code"]] = room
        return room

    def room(self, code: str) -> dict | None:
        return self.rooms.get(code)


class TinyStore:
    """Records in an in-memory TinyDB, read by document id (the code and the token carry it)."""

    def __init__(self):
        from tinydb import TinyDB
        from tinydb.storages import MemoryStorage

        self.db = TinyDB(storage=MemoryStorage)
        self.lock = threading.Lock()

    def create_user(self, form) -> tuple[dict, str]:
        with self.lock:
            user = {"code": form.get("code", ""), "type": int(form.get("type", 200)),
                    "first_name": form.get("first_name", ""), "last_name": form.get("last_name", "")}
            user_id = self.db.table("users").insert(user)
            token_id = self.db.table("tokens").insert({"user_id": user_id})
        return {"id": str(user_id), **user}, f"{token_id}-{uuid.uuid4().hex}"

    def user_of(self, token: str | None) -> dict | None:
        head = (token or "").split("-", 1)[0]
        if not head.isdigit():
            return None
        with self.lock:
            found = self.db.table("tokens").get(doc_id=int(head))
            user = self.db.table("users").get(doc_id=found["user_id"]) if found else None
        return {"id": str(user.doc_id), **user} if user else None

    def create_room(self, form) -> dict:
        with self.lock:
            room = {"name": form.get("name", ""), "domain": form.get("domain", "")}
            room_id = self.db.table("rooms").insert(room)
        return {"id": str(room_id), "code": str(room_id), **room}

    def room(self, code: str) -> dict | None:
        if not code.isdigit():
            return None
        with self.lock:
            room = self.db.table("rooms").get(doc_id=int(code))
        return {"id": code, "code": code, **room} if room else None


def make_app(new_store) -> Flask:
    app = Flask(__name__)
    stores: dict[str, object] = {}
    lock = threading.Lock()

    def store():
        name = request.headers.get("X-Sim-Namespace", "default")
        found = stores.get(name)
        if found is None:
            with lock:
                found = stores.setdefault(name, new_store())
        return found

    @app.get("/_sim/health")
    def health():
        return jsonify({"data": {"status": "ok"}})

    @app.post("/api_v3/users/sso.json")
    def sso():
        user, token = store().create_user(request.form)
        return jsonify({"data": {**user, "token": {"token": token, "expiry": 86400}}})

    @app.get("/api_v3/me.json")
    def me():
        user = store().user_of(request.headers.get("X-ApiToken"))
        if user is None:
            return jsonify({"code": 401, "message": "A valid X-ApiToken header is required."}), 401
        return jsonify({"data": user})

    @app.post("/api_v3/rooms.json")
    def create_room():
        return jsonify({"data": store().create_room(request.form)})

    @app.get("/api_v3/rooms/<code>.json")
    def show_room(code):
        room = store().room(code)
        if room is None:
            return jsonify({"code": 404, "message": f"Room {code} not found."}), 404
        return jsonify({"data": room})

    return app


app = make_app(DictStore)


def __getattr__(name: str):
    """``tinydb_app`` is made when asked for: the dict baseline's start-up imports no TinyDB."""
    if name == "tinydb_app":
        globals()[name] = found = make_app(TinyStore)
        return found
    raise AttributeError(name)
