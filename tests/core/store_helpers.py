"""Helpers shared by the store tests: a tiny fixture independent of the demo clinic."""

from __future__ import annotations

import copy
import os

FIXTURE = os.environ.get("VSEE_SIM_TEST_FIXTURE", "demo")


class Boom(Exception):
    pass


def ids(records) -> list[str]:
    return [r["id"] for r in records]


def without_now(state: dict) -> dict:
    """A world export without the clock's "now" (it moves between two reads in real mode)."""
    state = copy.deepcopy(state)
    state["clock"].pop("now", None)
    return state


# -- a tiny fixture, independent of the demo clinic --------------------------------
SMALL = {
    "default_account": "acme",
    "accounts": [
        {"code": "acme", "name": "Acme", "api_keys": [{"key": "k1", "secret": "s1"}],
         "eligibility": [], "profile": {"fields": ["first_name"]}, "settings": {"a": 1},
         "users": [{"id": "201", "code": "u201", "email": "Ann@Example.com", "type": 200},
                   {"id": "202", "code": "u202", "email": "bob@example.com", "type": 400}],
         "rooms": [{"id": "r1", "code": "abcde", "provider": "202"}],
         "notes": [],
         "tokens": [{"token": "t" * 32, "user_id": "201", "expiry": None}]},
        {"code": "other", "name": "Other", "api_keys": [{"key": "k2"}],
         "users": [{"id": "301", "code": "u301", "email": "x@example.com", "type": 200}]},
    ],
}


def small_loader(calls: list | None = None):
    def load(name: str) -> dict:
        if calls is not None:
            calls.append(name)
        return copy.deepcopy(SMALL) if name == "small" else {"accounts": [{"code": name}]}
    return load


def nested_transactions(world, model, write, model_write, ops, inner, after, inner_fails: bool,
                        outer_fails: bool):
    """Apply ``ops``, a nested transaction of ``inner`` (failing if ``inner_fails``), then
    ``after``, all in one transaction (failing if ``outer_fails``), to the world by ``write``
    and to a copy of ``model`` by ``model_write``; returns the model as it should now be."""
    new = copy.deepcopy(model)
    try:
        with world.transaction():
            for op in ops:
                write(op)
                model_write(new, op)
            nested = copy.deepcopy(new)
            try:
                with world.transaction():
                    for op in inner:
                        write(op)
                        model_write(nested, op)
                    if inner_fails:
                        raise Boom
                new = nested
            except Boom:
                pass
            for op in after:
                write(op)
                model_write(new, op)
            if outer_fails:
                raise Boom
        return new
    except Boom:
        return model
