"""The indexes of each kind of collection, declared in one place.

A service finds records through these (``Collection.find`` / ``find_one`` / ``count`` /
``ordered``), never by scanning ``all()``: every lookup a request makes then costs the same
whatever the namespace holds (issue 14; bench/growth.py measures it). The store keeps each
index right through inserts, updates, deletes, rolled-back transactions, and every reload
(fixture, reset, seed, import, snapshot restore, ``--data``): a reload makes new collections,
whose indexes are built again on their first query. A query by an index not declared here is
a programming error (LookupError), so this table is the whole list.

Kinds not named here (a fixture's own extra collections) may be queried by any field.
"""

from __future__ import annotations

from vsee_sim.core.collection import Index, index

INDEXES: dict[str, tuple[Index, ...]] = {
    # account collections
    "users": (index("code"), index("email", fold=True), index("username", fold=True), index("photo")),
    "rooms": (index("code"), index("code", fold=True), index("slug", fold=True), index("default"),
              index("provider_ids", each=True)),   # a provider's rooms
    "visits": (index("status"), index("member_id"), index("provider_id"), index("room_code"),
               # the few active visits of a room, a patient, a provider: not their whole history
               index(("room_code", "status")), index(("member_id", "status")),
               index(("provider_id", "status")),
               # a provider's bookings of one window (availability), not every booking ahead
               index(("provider_id", "status"), order="start"),
               # has this patient been seen in these rooms / by this provider (EMR, files)?
               index(("member_id", "room_code")), index(("member_id", "provider_id"))),
    "schedules": (index("provider_id"), index("room_code"),
                  index(("provider_id", "room_code"))),   # a provider's hours in one room
    "prescriptions": (index("user_id"),),
    "pharmacies": (index("user_id"),),
    "files": (index("target_id"),),
    "notifications": (index("user_id"), index(("user_id", "is_new")), index(("user_id", "mtime")),
                      index("user_id", order="mtime")),   # a page of a user's, newest first
    "endpoints": (index("user_id"),),
    "sources": (index("user_id"),),
    "invoices": (index("intake_id"), index("user_id"), index(("user_id", "coupon"))),
    # the namespace's own
    "tokens": (),
    "outbox": (index("to", fold=True), index("user_id"), index("template")),
    # the control plane's
    "deliveries": (index("status"), index("webhook_id")),
    # the webhooks that want an event: by each pattern; a hook with none (or no list) wants all
    "webhooks": (index("events", each=True), index("events")),
}


def declared(kind: str) -> tuple[Index, ...] | None:
    """The indexes of this kind of collection; None (any field) for a kind not declared."""
    return INDEXES.get(kind)
