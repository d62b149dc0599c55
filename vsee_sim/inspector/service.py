"""The inspector's use cases: what the page shows and does, over the control plane's services.

Nothing here re-implements /_sim: namespaces, the clock, snapshots (``control.state``),
the journal and faults (``control.traffic``), the outbox and webhooks (``control.events``)
are theirs; this module gathers what one screen needs and says what a clock move did.

The live journal is a poll of ``journal(after=<newest id seen>)``: with nothing new it
answers from the newest entry's id alone (no decoding), and it costs API requests
nothing at all (no hook, no queue, no subscriber list: nobody watching costs nothing).
"""

from __future__ import annotations

from vsee_sim import control
from vsee_sim.control.events import service as events
from vsee_sim.control.state import service as state
from vsee_sim.control.traffic import service as traffic
from vsee_sim.core.errors import BadRequest, NotFound
from vsee_sim.core.events import DELIVERIES
from vsee_sim.core.store import World
from vsee_sim.core.tenancy import DEFAULT_NAMESPACE, NAMESPACE_RE
from vsee_sim.core.tokens import token_is_live
from vsee_sim.inspector import rules
from vsee_sim.inspector.security import UI_PATH

JOURNAL_PAGE = 200      # entries the page opens with (the journal keeps 500)
DELIVERIES_SHOWN = 100


# -- namespaces --------------------------------------------------------------------------------
def _counts(world: World) -> dict:
    users = visits = 0
    for db in list(world.accounts.values()):
        found = db.collections.get("users")
        users += len(found) if found is not None else 0
        found = db.collections.get("visits")
        visits += len(found) if found is not None else 0
    journal = world.journal
    return {"users": users, "visits": visits, "journal": len(journal), "outbox": len(world.outbox),
            "last_request": journal[-1]["at"] if journal else None}


def summary(world: World) -> dict:
    return {**state._summary(world), **_counts(world)}


def overview(sim, world: World) -> dict:
    return {**summary(world), "admin": bool(sim.settings.admin_token)}


def namespaces(sim) -> list[dict]:
    """Every namespace held, most recently used first (the server's LRU order)."""
    return [summary(world) for _, world in reversed(sim.worlds.items())]


def _held(sim, name: str) -> World:
    world = sim.worlds.peek(name) if NAMESPACE_RE.match(name or "") else None
    if world is None:
        raise NotFound(f"Namespace {name} not found.")
    return world


def namespace_url(name: str) -> str:
    """Where a namespace's inspector lives (path only)."""
    if not NAMESPACE_RE.match(name or ""):
        raise BadRequest.field("name", "use 1-64 letters, digits, '.', '_' or '-'.")
    return UI_PATH if name == DEFAULT_NAMESPACE else f"/ns/{name}{UI_PATH}"


def reset_namespace(sim, name: str) -> dict:
    world = _held(sim, name)
    state.reset(sim.worlds, world, None)
    return summary(sim.worlds.get(name))


def drop_namespace(sim, name: str) -> bool:
    return state.drop_namespace(sim.worlds, name)


# -- journal -----------------------------------------------------------------------------------
def journal(sim, world: World, args: dict) -> dict:
    """Summaries newest first (``traffic.journal``'s filters), only those after ``after``;
    an entry's headers and bodies are ``journal_entry``'s (asked for when one is opened)."""
    after = args.get("after") or 0
    entries = world.journal
    newest = entries[-1]["id"] if entries else 0
    if after and newest <= after:
        return {"newest": newest, "entries": []}  # the poll's common answer: nothing read
    found = traffic.journal(sim.journal, world, args.get("limit") or JOURNAL_PAGE, args.get("method"),
                            args.get("path"), args.get("status"), view=traffic.entry_summary)
    return {"newest": newest, "entries": [e for e in found if e["id"] > after]}


def journal_entry(sim, world: World, entry_id: int) -> dict:
    for entry in sim.journal.entries_of(world):
        if entry["id"] == entry_id:
            return traffic.entry_view(entry)
    raise NotFound(f"Journal entry {entry_id} not found (the journal keeps the newest 500).")


def first_view(sim, world: World) -> dict:
    """What the page shows first, sent inside it (no round trip before data): clock and journal."""
    return {"clock": clock(world), "journal": journal(sim, world, {"limit": JOURNAL_PAGE})}


# -- outbox ------------------------------------------------------------------------------------
def outbox(world: World) -> list[dict]:
    return events.outbox(world)


# -- clock -------------------------------------------------------------------------------------
def clock(world: World) -> dict:
    return world.clock.to_dict()


def _visit_states(world: World) -> dict:
    out = {}
    for code, db in list(world.accounts.items()):
        found = db.collections.get("visits")
        for visit in found.all() if found is not None else ():
            out[(code, visit["id"])] = (visit.get("status"), visit.get("reason"))
    return out


def _delivery_states(world: World) -> dict:
    found = world.sim.get(DELIVERIES)
    return {d["id"]: (d.get("status"), d.get("attempts"), d.get("next_attempt"))
            for d in (found.all() if found else ())}


def move_clock(sim, world: World, args: dict) -> dict:
    """Freeze, back to real, advance or go to a date; then run what fell due (``control.tick``)
    and say what the time rules did: tokens expired, visits changed (walk-ins cancelled for
    max wait), webhook deliveries queued or due again."""
    action = args["action"]
    with world.transaction():
        before_now = world.clock.now()
        visits_before = _visit_states(world)
        deliveries_before = _delivery_states(world)
        live = [t for t in world.tokens.all() if token_is_live(t, before_now, t.get("kind", "access"))]
        if action == "freeze":
            state.freeze(world, args.get("at"))
        elif action == "real":
            state.real(world)
        elif action == "advance":
            if args.get("seconds") is None:
                raise BadRequest.missing("seconds")
            state.advance(world, args["seconds"])
        else:
            if args.get("at") in (None, ""):
                raise BadRequest.missing("at")
            target = state.parse_time(args["at"], "at")
            state.advance(world, target - world.clock.now())
    control.tick(world)
    with world.lock:
        after_now = world.clock.now()
        found = world.sim.get(DELIVERIES)
        deliveries = found.all() if found else []
        changes = rules.effects(
            before_now, after_now, rules.expired_tokens(live, before_now, after_now),
            rules.visit_changes(visits_before, _visit_states(world)),
            rules.delivery_changes(deliveries_before, deliveries, before_now, after_now))
    return {"clock": world.clock.to_dict(), **changes}


# -- webhooks ----------------------------------------------------------------------------------
def webhooks(world: World) -> dict:
    return {"webhooks": events.webhooks(world),
            "deliveries": events.deliveries(world, {"limit": DELIVERIES_SHOWN})}


def redeliver(world: World, delivery_id: str) -> dict:
    return events.retry(world, delivery_id)


# -- faults ------------------------------------------------------------------------------------
def faults(world: World) -> list[dict]:
    return traffic.list_faults(world)


def add_fault(world: World, args: dict) -> dict:
    return traffic.create_fault(world, args)


def delete_fault(world: World, fault_id: str) -> bool:
    return traffic.delete_fault(world, fault_id)


# -- snapshots ---------------------------------------------------------------------------------
def snapshots(world: World) -> list[dict]:
    return state.snapshots(world)


def save_snapshot(sim, world: World, name: str) -> dict:
    settings = sim.settings
    return state.save_snapshot(world, name, sim.worlds, settings.snapshot_bytes,
                               settings.snapshot_total_bytes)


def restore_snapshot(world: World, name: str) -> dict:
    return state.restore_snapshot(world, name)


def delete_snapshot(world: World, name: str) -> bool:
    return state.delete_snapshot(world, name)
