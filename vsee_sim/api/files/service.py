"""Files: the signed URLs other areas hand out (user photos, attachments).

A file URL carries ``auth_code`` and ``time``: an HMAC-SHA1 over the file id and the
time, keyed by a per-namespace secret, so a URL the simulator issued can be checked
later without storing it (VSee's URLs carry the same two parameters).
"""

from __future__ import annotations

import hashlib
import hmac

from vsee_sim.core.tenancy import Ctx


def _secret(ctx: Ctx) -> bytes:
    return f"vsee-sim:{ctx.world.name}:{ctx.world.seed}:{ctx.db.code}".encode()


def auth_code(ctx: Ctx, file_id: str, time: int) -> str:
    return hmac.new(_secret(ctx), f"{file_id}:{time}".encode(), hashlib.sha1).hexdigest()


def signed_url(ctx: Ctx, file_id: str, size: str | None = None) -> str:
    now = ctx.now
    url = f"{ctx.base_url}/files/{file_id}?auth_code={auth_code(ctx, file_id, now)}&time={now}"
    return f"{url}&size={size}" if size else url


def get_file(ctx: Ctx, file_id: str) -> dict | None:
    return ctx.db.files.get(file_id)
