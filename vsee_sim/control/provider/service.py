"""The autopilot: a simulated provider who picks up waiting patients on the namespace clock.

One autopilot per account of a namespace (the ``autopilot`` control-plane collection,
keyed by account code), so it is exported, snapshotted and persisted with the namespace
and gone after a reset. Every step is an ordinary provider action of the visits area
(``visits.service.provider_start`` / ``provider_end``): the same status machine,
notifications, webhooks and related-visit mirroring as any other caller.

Limits, on purpose:
- Only pending walk-ins of alive patients are picked (docs/fidelity.md Q3), oldest first,
  and only one that had entered (and was alive) when the pick-up fell due.
- Calls may overlap when ``visit_seconds`` > ``every``: the autopilot paces pick-ups, it
  does not model a provider's single line. A call that someone else ended or cancelled
  is simply forgotten.
- A waiting patient whose room has no provider (and no ``provider_id`` given) is skipped.
- When the namespace clock goes back, the next pick-up and the calls' ends are brought to
  at most one period from the new now (a call may then end "before" it started).
- Disabled, it does nothing at all (its calls are not ended either); deleted, the calls it
  started stay in progress.
"""

from __future__ import annotations

from vsee_sim.api.rooms import service as rooms
from vsee_sim.api.users import service as users
from vsee_sim.api.visits import desk
from vsee_sim.api.visits import rules as visit_rules
from vsee_sim.control.provider import rules
from vsee_sim.core.errors import ApiError, BadRequest
from vsee_sim.core.store import World
from vsee_sim.core.tenancy import Ctx

AUTOPILOT = "autopilot"
STATS = ("runs", "started", "ended", "idle", "skipped", "errors")


# -- the provider's buttons (/_sim/provider, the inspector's clinic board) --------------------
def start(ctx: Ctx, visit_id: str, provider_id: str | None = None) -> dict:
    """The provider starts the call: 10/20 -> 25 (``visits.desk.provider_start``)."""
    return desk.provider_start(ctx, visit_id, provider_id)


def end(ctx: Ctx, visit_id: str, provider_id: str | None = None) -> dict:
    """The provider ends the call: 25 -> 30, reason call_ended."""
    return desk.provider_end(ctx, visit_id, provider_id)


def no_show(ctx: Ctx, visit_id: str, provider_id: str | None = None) -> dict:
    """The patient never joined: 10/20/25 -> 40, reason no_show."""
    return desk.no_show(ctx, visit_id, provider_id)


# -- configuration (PUT / GET / DELETE /_sim/autopilot) ------------------------------------
def configure(ctx: Ctx, args: dict) -> dict:
    """Switch the account's autopilot on (or off); the first pick-up is one period away."""
    every = args.get("every") or rules.DEFAULT_EVERY
    visit_seconds = args.get("visit_seconds") or every
    room_code, provider_id = _target(ctx, args.get("room_code"), args.get("provider_id"))
    coll = ctx.world.sim_collection(AUTOPILOT)
    old = coll.get(ctx.db.code) or {}
    now = ctx.now
    record = coll.insert({
        "id": ctx.db.code, "account": ctx.db.code, "enabled": bool(args.get("enabled", True)),
        "every": every, "visit_seconds": visit_seconds, "room_code": room_code,
        "provider_id": provider_id, "next_run": rules.first_run(now, every),
        "base_url": ctx.base_url, "calls": old.get("calls") or [], "log": old.get("log") or [],
        "stats": old.get("stats") or dict.fromkeys(STATS, 0),
        "created": old.get("created") or now, "modified": now,
    })
    return view(ctx.world, ctx.db.code, record)


def show(ctx: Ctx) -> dict:
    return view(ctx.world, ctx.db.code, _record(ctx.world, ctx.db.code))


def remove(ctx: Ctx) -> bool:
    coll = ctx.world.sim.get(AUTOPILOT)
    if coll is not None:
        coll.delete(ctx.db.code)
    return True


def view(world: World, account: str, record: dict | None) -> dict:
    """The autopilot as GET shows it; an account without one shows a disabled default."""
    record = record or {}
    every = record.get("every") or rules.DEFAULT_EVERY
    return {
        "account": account, "enabled": bool(record.get("enabled")), "every": every,
        "visit_seconds": record.get("visit_seconds") or every,
        "room_code": record.get("room_code"), "provider_id": record.get("provider_id"),
        "now": world.clock.ts(), "next_run": record.get("next_run") if record.get("enabled") else None,
        "calls": record.get("calls") or [], "stats": record.get("stats") or dict.fromkeys(STATS, 0),
        "log": record.get("log") or [],
    }


def _target(ctx: Ctx, room_code: str | None, provider_id: str | None) -> tuple[str | None, str | None]:
    room = rooms.get_room(ctx, room_code, field="room_code") if room_code else None
    if provider_id:
        if not users.is_provider(ctx.db.users.get(provider_id)):
            raise BadRequest.field("provider_id", f"user {provider_id} is not a provider of this clinic.")
        if room is not None and provider_id not in (room.get("provider_ids") or []):
            raise BadRequest.field("provider_id",
                                   f"user {provider_id} is not a provider of room {room['code']}.")
        if room is None and not rooms.provider_rooms(ctx, provider_id):
            raise BadRequest.field("provider_id", f"provider {provider_id} has no room.")
    return (room["code"] if room else None), (provider_id or None)


def _record(world: World, account: str) -> dict | None:
    coll = world.sim.get(AUTOPILOT)
    return coll.get(account) if coll is not None else None


# -- running (hooks.tick) ---------------------------------------------------------------------
def run_all(world: World) -> int:
    """Every enabled autopilot of the namespace, up to now. Returns the steps run."""
    coll = world.sim.get(AUTOPILOT)
    if coll is None or not len(coll):
        return 0
    return sum(run(world, r["id"]) for r in coll.all() if r.get("enabled"))


def run(world: World, account: str, limit: int = rules.MAX_STEPS) -> int:
    """The account's due steps in the order they fell due, each in its own transaction."""
    done = 0
    while done < limit:
        with world.transaction():
            record, db = _record(world, account), world.account(account)
            if not record or not record.get("enabled") or db is None:
                return done
            record = _pull_back(world, record, world.clock.ts())
            calls = [(c["id"], int(c["end"])) for c in record.get("calls") or []]
            step = rules.next_step(int(record["next_run"]), calls, world.clock.ts())
            if step is None:
                return done
            ctx = Ctx(world=world, db=db, base_url_source=record.get("base_url") or "http://localhost")
            try:
                with world.transaction():  # a failed step leaves nothing half-done
                    entry, call = (_end if step.kind == rules.END else _pick)(ctx, record, step)
            except ApiError as exc:
                entry, call = {"at": step.at, "action": "error", "message": exc.message}, None
            _advance(world, record, step, entry, call)
        done += 1
    _skip_missed(world, account)
    return done


def _pull_back(world: World, record: dict, now: int) -> dict:
    """After the clock went back: the next pick-up at most ``every`` away, each call's end at
    most ``visit_seconds`` away (stored), instead of waiting for the old times."""
    every = int(record["every"])
    visit_seconds = int(record.get("visit_seconds") or every)
    next_run = rules.pull_back(int(record["next_run"]), now, every)
    calls = record.get("calls") or []
    pulled = [{**c, "end": rules.pull_back(int(c["end"]), now, visit_seconds)} for c in calls]
    if next_run == int(record["next_run"]) and pulled == calls:
        return record
    return world.sim_collection(AUTOPILOT).update(record["id"], next_run=next_run, calls=pulled)


def _pick(ctx: Ctx, record: dict, step: rules.Step) -> tuple[dict | None, dict | None]:
    """Start the oldest patient who was waiting and alive at the pick-up time, if any."""
    waiting = desk.waiting_alive(ctx, record.get("room_code"), record.get("provider_id"), at=step.at)
    for visit in waiting:
        if int(visit.get("created") or 0) > step.at:
            continue  # entered after this pick-up fell due
        try:
            provider = desk.acting_provider(ctx, visit, record.get("provider_id"))
        except ApiError:
            continue  # a room without providers: nobody can take this patient
        started = desk.provider_start(ctx, visit["id"], provider, at=step.at)
        call = {"id": started["id"], "provider_id": provider["id"], "started": started["actual_start"],
                "end": rules.call_end(started["actual_start"], int(record["visit_seconds"]))}
        return _entry(step, "start", started, provider["id"]), call
    return None, None


def _end(ctx: Ctx, record: dict, step: rules.Step) -> tuple[dict | None, None]:
    call = next(c for c in record["calls"] if c["id"] == step.visit_id)
    visit = ctx.db.visits.get(step.visit_id)
    if visit is None or int(visit.get("status") or 0) != visit_rules.IN_PROGRESS:
        status = visit_rules.describe(int(visit.get("status") or 0)) if visit else "deleted"
        return {**_entry(step, "forget", visit or {"id": step.visit_id}, call["provider_id"]),
                "message": f"visit {step.visit_id} is no longer in progress ({status})"}, None
    ended = desk.provider_end(ctx, step.visit_id, call["provider_id"], at=step.at)
    return _entry(step, "end", ended, call["provider_id"]), None


def _entry(step: rules.Step, action: str, visit: dict, provider_id: str | None) -> dict:
    return {"at": step.at, "action": action, "visit_id": visit.get("id"), "member_id": visit.get("member_id"),
            "provider_id": provider_id, "room_code": visit.get("room_code")}


def _advance(world: World, record: dict, step: rules.Step, entry: dict | None, call: dict | None) -> None:
    """Record the step: the call list, the next pick-up, the stats and the log."""
    stats = dict(record.get("stats") or dict.fromkeys(STATS, 0))
    changes: dict = {}
    if step.kind == rules.END:
        changes["calls"] = [c for c in record["calls"] if c["id"] != step.visit_id]
        key = {"end": "ended", "error": "errors"}.get((entry or {}).get("action"))
    else:
        changes["next_run"] = rules.after_pick(int(record["next_run"]), int(record["every"]))
        changes["calls"] = list(record.get("calls") or []) + ([call] if call else [])
        stats["runs"] = stats.get("runs", 0) + 1
        key = "started" if call else "errors" if entry else "idle"
    if key:
        stats[key] = stats.get(key, 0) + 1
    changes["stats"] = stats
    if entry:
        changes["log"] = rules.bounded_log(record.get("log") or [], [entry])
    world.sim_collection(AUTOPILOT).update(record["id"], **changes)


def _skip_missed(world: World, account: str) -> None:
    """After a tick's last step: pick-ups still due are skipped, not piled up."""
    with world.transaction():
        record = _record(world, account)
        if not record or not record.get("enabled"):
            return
        now, next_run, every = world.clock.ts(), int(record["next_run"]), int(record["every"])
        count = rules.missed(next_run, every, now)
        if not count:
            return
        stats = dict(record.get("stats") or {})
        stats["skipped"] = stats.get("skipped", 0) + count
        entry = {"at": now, "action": "skip",
                 "message": f"{count} pick-ups missed: the clock moved too far at once"}
        world.sim_collection(AUTOPILOT).update(
            account, next_run=rules.skip_missed(next_run, every, now), stats=stats,
            log=rules.bounded_log(record.get("log") or [], [entry]))
