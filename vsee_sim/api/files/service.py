"""Files: upload, rename, delete, list, download, and the signed URLs other areas hand out.

A file URL carries ``auth_code`` and ``time``: an HMAC-SHA1 over the file id and the
time, keyed by the server's signing secret (``World.secret``: random per process unless
the operator sets ``VSEE_SIM_SIGNING_SECRET``; never exported, persisted or shown) mixed
with the namespace and account, so a URL the simulator issued can be checked later
without storing it, and no client can make one (VSee's URLs carry the same two parameters).

A download reads the file's bytes under the namespace lock (``download``); resizing them
happens after the transaction, outside the lock (``images.render``).

Deviations from VSee, and choices where the documentation is silent
(each with its reason in docs/fidelity.md, "Files"):
- ``fullpath`` points at ``GET /api_v3/files/:id`` (the documented download), not at the
  portal's ``/files/view/:id`` the doc's examples show; it is good for 24 h either side
  of its ``time`` on the namespace clock. The doc's own signed URLs of demo files are
  accepted as written, without expiry, like the documented tokens.
- ``size=WxH`` of an image over ``rules.MAX_SOURCE_PIXELS`` (decoded), or that Pillow
  cannot resize, is served as it is, with ``X-Sim-Not-Resized`` saying why.
- Bytes are kept base64 in the record (``content_b64``); a file is at most
  ``MAX_FILE_BYTES`` (10 MiB by default), checked here under the 16 MiB body limit.
- Without a target the caller is the target. A user target must be the caller (staff:
  any user of the clinic); a visit target must be a visit the caller can see.
- Who may see a file: its creator, its target user, staff, a provider who can see a
  visit of its target user, whoever can see its target visit; the clinic's own files
  (``account_file``) everyone. Only the creator renames or deletes; others get
  403 if they may see the file, 404 if not.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from vsee_sim.api.files import rules
from vsee_sim.api.files.images import Download
from vsee_sim.api.notifications import service as notifications
from vsee_sim.api.rooms import service as rooms
from vsee_sim.api.users import service as users
from vsee_sim.core.errors import BadRequest, Forbidden, NotFound
from vsee_sim.core.tenancy import Ctx

# The doc's own signed URLs for demo files: accepted as written, without expiry (DESIGN 12).
DOCUMENTED_URLS = {
    ("57e8c9a2-5c30-4b2c-b9d0-11d6ac1f0144", "01f72b633c40c9c272f9dc73a87f1bc66694ee31", 1475236382),
    ("5e15d150-19b4-4cbd-b217-332fc71b6977", "e86ceb8b57c91e4db41611f08311a125e2df0b09", 1578488144),
    ("5e1598e7-4118-47ca-84da-0923c71b6977", "ed7e17f29a56cc8c4b2fec812a07e7d30f322b85", 1579496452),
    ("5e1598e7-4118-47ca-84da-0923c71b6977", "ede418b2b0b1fa5451c726a7e6959b2efabcad97", 1578530083),
}


# -- signed URLs ------------------------------------------------------------------------
def _key(ctx: Ctx) -> bytes:
    """This namespace's and account's signing key: a URL opens nothing elsewhere. Derived from
    the server's secret, which no endpoint shows (the seed, namespace and account are public)."""
    scope = f"files\0{ctx.world.name}\0{ctx.db.code}".encode()
    return hmac.new(ctx.world.secret, scope, hashlib.sha256).digest()


def auth_code(ctx: Ctx, file_id: str, time: int) -> str:
    return hmac.new(_key(ctx), f"{file_id}:{time}".encode(), hashlib.sha1).hexdigest()


def signed_url(ctx: Ctx, file_id: str, size: str | None = None) -> str:
    now = ctx.now
    url = f"{ctx.base_url}/files/{file_id}?auth_code={auth_code(ctx, file_id, now)}&time={now}"
    return f"{url}&size={size}" if size else url


def signature_valid(ctx: Ctx, file_id: str, code: str | None, time: int | None) -> bool:
    if not code or time is None:
        return False
    if (file_id, code, time) in DOCUMENTED_URLS:
        return True
    expected = auth_code(ctx, file_id, time).encode()
    matches = hmac.compare_digest(expected, code.encode("utf-8", "replace"))  # str would refuse non-ASCII
    return matches and rules.signature_fresh(time, ctx.now)


def get_file(ctx: Ctx, file_id: str) -> dict | None:
    return ctx.db.files.get(file_id)


# -- views ------------------------------------------------------------------------------
def file_view(ctx: Ctx, record: dict) -> dict:
    """One representation everywhere: the union of the documented upload, rename and list keys."""
    creator = ctx.db.users.get(record.get("creator_id")) or {}
    full_name = users.full_name(creator)
    return {
        "id": record["id"],
        "name": record.get("name"),
        "size": record.get("size"),
        "ext": record.get("ext"),
        "fullpath": signed_url(ctx, record["id"]),
        "meta": {
            "category": record.get("category"),
            "target": {"id": record.get("target_id"), "type": record.get("target_type")},
            "account": {"code": ctx.db.code},
        },
        "creator": {
            "id": record.get("creator_id"), "username": creator.get("username"),
            "email": creator.get("email"), "type": creator.get("type"), "full_name": full_name,
        },
        "created": record.get("created"),
        "modified": record.get("modified"),
    }


# -- who may do what ------------------------------------------------------------------------
def may_see(ctx: Ctx, user: dict, record: dict) -> bool:
    if users.is_staff(user) or str(record.get("creator_id")) == user["id"]:
        return True
    kind, target = record.get("target_type"), str(record.get("target_id"))
    if kind == "account":
        return target == ctx.db.code
    if kind == "user":
        if target == user["id"]:
            return True
        # a provider who saw the patient: in a visit of theirs, or of one of their rooms
        return users.is_provider(user) and (
            ctx.db.visits.count(("member_id", "provider_id"), (target, user["id"])) > 0
            or rooms.seen_in_provider_rooms(ctx, target, user["id"]))
    if kind == "visit":
        visit = ctx.db.visits.get(target)
        return visit is not None and rooms.can_see_visit(ctx, user, visit)
    return False


def _owned(ctx: Ctx, file_id: str) -> dict:
    """The file, if the caller created it; 403 if they only may see it, else 404."""
    user = ctx.require_user()
    record = ctx.db.files.get(file_id)
    if record is None or not may_see(ctx, user, record):
        raise NotFound(f"File {file_id} not found.")
    if str(record.get("creator_id")) != user["id"]:
        raise Forbidden(f"Only the creator of file {file_id} may change or delete it.")
    return record


def _target(ctx: Ctx, user: dict, meta: dict) -> tuple[str, str, dict | None]:
    """(type, id, visit or None) of an upload; the caller when nothing is named."""
    nested = meta.get("target") if isinstance(meta.get("target"), dict) else {}
    kind = _first(meta.get("target_type"), nested.get("type"))
    target_id = _first(meta.get("target_id"), nested.get("id"))
    if kind is None and target_id is None:
        return "user", user["id"], None
    kind = rules.check_target_type("user" if kind is None else kind)
    target_id = user["id"] if target_id is None else rules.check_target_id(target_id)
    if kind == "user":
        if ctx.db.users.get(target_id) is None:
            raise NotFound(f"User {target_id} not found.")
        if target_id != user["id"] and not users.is_staff(user):
            raise Forbidden(f"You may not attach files to user {target_id}.")
        return kind, target_id, None
    visit = ctx.db.visits.get(target_id)
    if visit is None:
        raise NotFound(f"Visit {target_id} not found.")
    if not rooms.can_see_visit(ctx, user, visit):
        raise Forbidden(f"You may not attach files to visit {target_id}.")
    return kind, target_id, visit


def _first(*values):
    for value in values:
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return value
    return None


# -- use cases ------------------------------------------------------------------------------
def create_file(ctx: Ctx, args: dict, *, limit: int = rules.DEFAULT_MAX_FILE_BYTES) -> dict:
    """``POST /files``: store the upload's bytes; notify the other party of a visit target."""
    user = ctx.require_user()
    meta = args.get("meta") or {}
    category = rules.check_category(meta.get("category"))
    upload = args.get("file")
    if isinstance(upload, list):  # several parts named "file": the first one
        upload = upload[0] if upload else None
    if not hasattr(upload, "stream"):
        raise BadRequest.missing("file") if upload in (None, "") else BadRequest.field(
            "file", "send the file as a multipart file part (-F file=@path).")
    data = upload.stream.read(limit + 1)
    rules.check_file_size(len(data), limit)
    if not data:
        raise BadRequest.field("file", "the file is empty.")
    name = rules.clean_name(upload.filename or "file", "file")
    if category == "user_avatar" and not rules.is_image(data):
        raise BadRequest.field("file", "a user_avatar must be an image (JPEG, PNG, GIF, ...).")
    target_type, target_id, visit = _target(ctx, user, meta)
    record = ctx.db.files.insert({
        "id": ctx.ids.uuid(), "name": name, "ext": rules.ext_of(name), "size": len(data),
        "category": category, "target_type": target_type, "target_id": target_id,
        "creator_id": user["id"], "created": ctx.now, "modified": ctx.now,
        "content_b64": base64.b64encode(data).decode("ascii"),
    })
    if visit is not None:
        _notify_shared(ctx, user, record, visit)
    return file_view(ctx, record)


def _notify_shared(ctx: Ctx, user: dict, record: dict, visit: dict) -> None:
    parties = {str(p) for p in (visit.get("member_id"), visit.get("provider_id")) if p}
    name = users.full_name(user) or "Someone"
    for other in sorted(parties - {user["id"]}):
        notifications.notify(ctx, other, "file.shared", title=f"{name} shared a file: {record['name']}",
                             data={"file_id": record["id"], "visit_id": str(visit["id"])})


def rename_file(ctx: Ctx, file_id: str, args: dict) -> dict:
    """``POST /files/:id``: only ``name`` changes; other fields are ignored."""
    record = _owned(ctx, file_id)
    if "name" not in args or args["name"] is None:
        raise BadRequest.missing("name")
    name = rules.clean_name(args["name"])
    return file_view(ctx, ctx.db.files.update(record["id"], name=name, modified=ctx.now))


def delete_file(ctx: Ctx, file_id: str) -> bool:
    """``DELETE /files/:id``: the record goes; a user whose photo it was loses the photo."""
    record = _owned(ctx, file_id)
    ctx.db.files.delete(record["id"])
    for user in ctx.db.users.find("photo", record["id"]):
        ctx.db.users.update(user["id"], photo=None, modified=ctx.now)
    return True


def list_files(ctx: Ctx, args: dict) -> list[dict]:
    """``GET /files``: the files the caller may see, by target and category."""
    user = ctx.require_user()
    kind = args.get("target_type")
    kind = rules.check_target_type(kind, "target_type") if kind else None
    target_id = args.get("target_id") or None
    category = args.get("category") or args.get("meta_category")
    category = rules.check_list_category(category) if category else None
    records = (ctx.db.files.find("target_id", str(target_id)) if target_id else ctx.db.files.all())
    return [file_view(ctx, r) for r in records
            if (kind is None or r.get("target_type") == kind)
            and (category is None or r.get("category") == category)
            and may_see(ctx, user, r)]


def download(ctx: Ctx, file_id: str, args: dict) -> Download:
    """``GET /files/:id``: the file, with a signed URL or a token that may see it.

    Runs under the namespace lock, so it only checks and reads the bytes: ``size=WxH``
    is applied by ``images.render``, after the transaction.
    """
    size = rules.parse_size(args.get("size"))
    signed = signature_valid(ctx, file_id, args.get("auth_code"), args.get("time"))
    record = ctx.db.files.get(file_id)
    if not signed:
        user = ctx.user
        if user is None:
            raise Forbidden("A valid auth_code and time (from a fullpath), or the owner's X-ApiToken, "
                            "is required.")
        if record is not None and not may_see(ctx, user, record):
            raise NotFound(f"File {file_id} not found.")      # as rename and delete: no hint it exists
    if record is None:
        raise NotFound(f"File {file_id} not found.")
    try:
        data = base64.b64decode(record.get("content_b64") or "", validate=False)
    except ValueError:
        data = b""
    return Download(data, rules.content_type(record.get("ext")), record.get("name") or "file", size)
