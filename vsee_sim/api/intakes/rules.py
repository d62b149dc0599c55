"""Intakes: pure rules (values in, decisions out; no Flask, no store).

Each cleaner raises ``BadRequest.field`` naming the field it checks, and nothing else,
whatever it is given: bodies arrive as JSON, form or multipart (docs/fidelity.md I4).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection

from vsee_sim.core.errors import BadRequest

WALKIN, SCHEDULE = 1, 2
INTAKE_TYPES = (WALKIN, SCHEDULE)
MAX_ATTACHMENTS = 100
REASON_LIMIT = 2000
# File ids look like 56e8c536-566c-44b6-bbca-66f0ac1f0144 (DESIGN 10); fixtures may
# use other plain tokens, so any short id without spaces, commas or quotes passes here
# and the store decides whether the file exists.
_FILE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_ATTACHMENTS_HELP = ('use [{"id": ...}, ...], ["id", ...] or "id,id,..." with file ids from POST /files.')


def _bad_attachments(detail: str) -> BadRequest:
    return BadRequest.field("attachments", f"{detail} {_ATTACHMENTS_HELP}")


def parse_attachments(value) -> list[str]:
    """File ids from any documented format, in order, without repeats.

    ``[{id: ...}, ...]``, ``[id, ...]``, ``"id,id,..."`` and a JSON array sent as a
    string all mean the same list; ``None`` and ``""`` mean no attachments.
    """
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                decoded = json.loads(text)
            except ValueError:
                raise _bad_attachments("is not a valid JSON array.") from None
            if not isinstance(decoded, list):
                raise _bad_attachments("is not a list.")
            return _ids(decoded)
        return _ids([part.strip() for part in text.split(",") if part.strip()])
    if isinstance(value, dict):  # one object, or PHP's attachments[id]=...
        value = [value]
    if isinstance(value, (list, tuple)):
        return _ids(list(value))
    raise _bad_attachments("is not a list of file ids.")


def _ids(items: list) -> list[str]:
    if len(items) > MAX_ATTACHMENTS:
        raise _bad_attachments(f"at most {MAX_ATTACHMENTS} files may be attached.")
    out: dict[str, None] = {}
    for item in items:
        if isinstance(item, dict):
            item = item.get("id", item.get("_id"))
        if not isinstance(item, str) or not _FILE_ID.match(item.strip()):
            raise _bad_attachments(f"{_show(item)} is not a file id.")
        out[item.strip()] = None
    return list(out)


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def clean_type(value) -> int:
    """1 walk-in, 2 schedule; "1" and " 2 " count (form bodies send strings)."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, str) and value.strip() in ("1", "2"):
        return int(value.strip())
    if isinstance(value, int) and value in INTAKE_TYPES:
        return value
    raise BadRequest.field("type", "use 1 (walk-in) or 2 (schedule).")


def clean_location(value, states: Collection[str]) -> str | None:
    """A 2-letter US state, upper-cased; ``""`` clears it."""
    if not isinstance(value, str):
        raise BadRequest.field("location", "use a 2-letter US state code such as CA or AL.")
    code = value.strip().upper()
    if not code:
        return None
    if code not in states:
        raise BadRequest.field("location", f"{_show(value)} is not a 2-letter US state code (CA, AL, ...).")
    return code


def clean_reason(value) -> str:
    """Free text; the account's intake form may send several reasons (``multiple``)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, (list, tuple)):
        if not all(isinstance(v, str) for v in value):
            raise BadRequest.field("reason_for_visit", "send text, or a list of texts.")
        value = ",".join(v.strip() for v in value if v.strip())
    if not isinstance(value, str):
        raise BadRequest.field("reason_for_visit", "send text, or a list of texts.")
    text = value.strip()
    if len(text) > REASON_LIMIT:
        raise BadRequest.field("reason_for_visit", f"must be at most {REASON_LIMIT} characters.")
    return text


def clean_consultation_id(value, name: str = "consultation") -> str | None:
    """A consultation id, or the consultation object itself (its ``id``); ``""`` clears it."""
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise BadRequest.field(name, "use the id of one of the room's payment.consultations.")
    return value.strip() or None
