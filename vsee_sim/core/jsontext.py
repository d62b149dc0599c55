"""The JSON text of a response body, made by orjson when it writes what the stdlib would.

Why (issue 14, the create + read pairs): encoding a room (1 KB of JSON) took the stdlib's
C encoder about 14 µs, the largest single cost of a ``GET /rooms/:code`` after Flask's
own; orjson writes the same text in about 1 µs.

``FastEncoder`` is a ``json.JSONEncoder`` (``SimFlask.json_response`` and
``wire.JsonItems`` use it as one) whose ``encode`` asks orjson first and keeps its text
only when it is the stdlib encoder's (compact, ``ensure_ascii``, keys in insertion order):

- the text is ASCII: a non-ASCII character is then escaped (``\\u00e9``) by the stdlib
  encoder, so anything else goes to it;
- orjson accepted every value: a type it does not know (``Decimal``, an ``int`` or ``str``
  subclass, an int past 64 bits, a non-string key) goes to the stdlib encoder and the
  app's ``default``, as before; datetimes and dataclasses too (orjson would write its
  own ISO dates; the app's ``default`` writes HTTP dates, as Flask does).

One difference is left, in floats nobody sends: orjson writes a number under 1e-4 as
``0.00001`` where the stdlib writes ``1e-05`` (the same number), and NaN as ``null`` where
the stdlib writes ``NaN``, which is not JSON. An indenting or key-sorting encoder never
uses orjson. Without orjson installed, everything goes to the stdlib encoder.
"""

from __future__ import annotations

import json

try:
    import orjson
except ImportError:  # pragma: no cover - a dependency; kept working without it
    orjson = None

_OPTIONS = (orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
            | orjson.OPT_PASSTHROUGH_SUBCLASS) if orjson else 0
_BODY_OPTIONS = _OPTIONS | orjson.OPT_APPEND_NEWLINE if orjson else 0


_COPIED_UP_TO = 64 * 1024  # the journal's default body bound (VSEE_SIM_JOURNAL_BODY_BYTES)


class FastEncoder(json.JSONEncoder):
    """A stdlib encoder that lets orjson write the text whenever it is the same."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fast = (orjson is not None and self.indent is None and self.ensure_ascii and not self.sort_keys
                     and (self.item_separator, self.key_separator) == (",", ":"))

    def encode(self, o) -> str:
        raw = self._orjson(o, _OPTIONS)
        return super().encode(o) if raw is None else raw.decode("ascii")

    def encode_body(self, o) -> bytes:
        """``encode(o)`` plus a newline, as bytes (what ``jsonify`` sends)."""
        raw = self._orjson(o, _BODY_OPTIONS)
        if raw is None:
            return (super().encode(o) + "\n").encode()
        # A copy of exact size: orjson's own object is a larger buffer shrunk in place, and
        # the journal keeps bodies; 10k SSO users took 4 MiB more RSS with them kept
        # (bench/startup.py). Bigger bodies are clipped there anyway.
        return bytes(memoryview(raw)) if len(raw) <= _COPIED_UP_TO else raw

    def _orjson(self, o, option: int) -> bytes | None:
        """orjson's text of ``o`` when it is the stdlib encoder's, else None."""
        if not self.fast:
            return None
        try:
            raw = orjson.dumps(o, option=option)
        except TypeError:  # orjson.JSONEncodeError: a value it leaves to the stdlib
            return None
        return raw if raw.isascii() else None
