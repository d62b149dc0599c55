"""A tolerant loader for the hand-typed JSON responses of the VSee wiki page.

The documented responses are close to JSON but were typed or pasted by people: trailing
commas, ``...`` placeholders, typographic quotes, bare JavaScript keys (``{ data: ...}``),
stray characters (``}ß``), a stray ``]``, a missing comma, a missing closing brace, a key
that slipped out of its object into the enclosing list, duplicate keys. ``loads`` repairs
what it can at the token level, then hands real JSON to ``json.loads``, and says what it
repaired so every recorded example carries its own notes.

It never guesses values: placeholders and junk are dropped, structure is only closed or
re-opened. What it cannot repair raises ``LenientJSONError``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass

__all__ = ["LenientJSONError", "loads"]

_OPEN_QUOTES = {'"': '"', "\u201c": "\u201d\"", "\u201d": "\u201d\"", "'": "'"}
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_IDENT = re.compile(r"[^\W\d][\w$]*|\$[\w$]*")
_CLOSER_OF = {"{": "}", "[": "]"}


class LenientJSONError(ValueError):
    """The text is too broken to repair without guessing."""


@dataclass
class _Tok:
    kind: str    # str | lit | ident | punct | ellipsis | junk
    text: str    # JSON text to emit (strings re-encoded), or the raw text for junk/ident


class _Notes:
    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._order: list[str] = []

    def add(self, note: str) -> None:
        if note not in self._counts:
            self._order.append(note)
        self._counts[note] += 1

    def render(self) -> list[str]:
        return [n if self._counts[n] == 1 else f"{n} (x{self._counts[n]})" for n in self._order]


def loads(text: str) -> tuple[object, list[str]]:
    """Parse sloppy JSON; return ``(value, notes)`` where notes list the repairs made."""
    notes = _Notes()
    tokens = _tokenize(text, notes)
    fixed = _restructure(tokens, notes)
    dupes: list[str] = []

    def hook(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                dupes.append(key)
            seen.add(key)
        return dict(pairs)

    try:
        value = json.loads(fixed, object_pairs_hook=hook)
    except ValueError as exc:  # pragma: no cover - the restructurer should prevent this
        raise LenientJSONError(f"still not JSON after repairs: {exc}") from None
    for key in dupes:
        notes.add(f"duplicate key {key!r} (the last one is kept, as json.loads does)")
    return value, notes.render()


# -- tokens ---------------------------------------------------------------------------------------


def _tokenize(text: str, notes: _Notes) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in _OPEN_QUOTES:
            i = _read_string(text, i, toks, notes)
        elif ch in "{}[]:,":
            toks.append(_Tok("punct", ch))
            i += 1
        elif text.startswith("...", i) or ch == "\u2026":
            width = 1 if ch == "\u2026" else len(text[i:]) - len(text[i:].lstrip("."))
            toks.append(_Tok("ellipsis", text[i:i + width]))
            i += width
        elif m := _NUMBER.match(text, i):
            toks.append(_Tok("lit", m.group()))
            i = m.end()
        elif m := _IDENT.match(text, i):
            word = m.group()
            toks.append(_Tok("lit" if word in ("true", "false", "null") else "ident", word))
            i = m.end()
        else:
            toks.append(_Tok("junk", ch))
            i += 1
    return toks


def _read_string(text: str, i: int, toks: list[_Tok], notes: _Notes) -> int:
    opener = text[i]
    closers = _OPEN_QUOTES[opener]
    j = i + 1
    while j < len(text) and text[j] not in closers:
        j += 2 if text[j] == "\\" else 1
    if j >= len(text):
        raise LenientJSONError(f"unterminated string starting at offset {i}")
    body = text[i + 1:j]
    if opener != '"' or text[j] != '"':
        notes.add("normalised typographic quotes" if opener != "'" else "normalised single-quoted string")
    try:
        value = json.loads(f'"{body}"', strict=False)
    except ValueError:
        value = body
        notes.add("kept a string with invalid escapes verbatim")
    toks.append(_Tok("str", json.dumps(value, ensure_ascii=False)))
    return j + 1


# -- structure ------------------------------------------------------------------------------------


def _restructure(toks: list[_Tok], notes: _Notes) -> str:
    """Walk the tokens with a container stack; emit JSON text, repairing as we go."""
    out: list[str] = []
    stack: list[str] = []
    prev = "start"          # start | open | key | colon | value | comma
    last_closed_obj = -1    # index in ``out`` of the '}' that closed the newest object in a list
    done = False
    for idx, tok in enumerate(toks):
        nxt = toks[idx + 1] if idx + 1 < len(toks) else None
        is_key_next = nxt is not None and nxt.text == ":" and nxt.kind == "punct"
        if done:
            notes.add("dropped text after the end of the JSON value")
            continue
        if tok.kind == "ellipsis":
            notes.add("removed '...' placeholder")
            continue
        if tok.kind == "junk" or (tok.kind == "ident" and not is_key_next):
            notes.add(f"dropped stray text {tok.text!r}")
            continue
        if prev == "start" and tok.text not in ("{", "["):
            notes.add(f"dropped stray text {tok.text!r}")
            continue
        if tok.kind == "ident":
            notes.add("quoted bare keys")
            tok = _Tok("str", json.dumps(tok.text))
        top = stack[-1] if stack else None
        t = tok.text if tok.kind == "punct" else None

        if t == ",":
            if prev in ("value",):
                out.append(",")
                prev = "comma"
            else:
                notes.add("removed a misplaced comma")
            continue
        if t == ":":
            if prev != "key":
                raise LenientJSONError(f"':' without a key (token {idx})")
            out.append(":")
            prev = "colon"
            continue
        if t in ("}", "]"):
            opener = "{" if t == "}" else "["
            if opener not in stack:
                notes.add(f"dropped stray {t!r}")
                continue
            if prev == "comma":
                out.pop()
                notes.add("removed trailing comma")
            elif prev in ("key", "colon"):
                raise LenientJSONError(f"object ends after a key (token {idx})")
            while stack[-1] != opener:
                notes.add(f"inserted missing {_CLOSER_OF[stack[-1]]!r}")
                out.append(_CLOSER_OF[stack.pop()])
            stack.pop()
            out.append(t)
            if t == "}" and stack and stack[-1] == "[":
                last_closed_obj = len(out) - 1
            prev = "value"
            done = not stack
            continue

        # A value, a key, or an opener.
        if top == "[" and tok.kind == "str" and is_key_next:
            top, prev = _key_in_list(out, stack, prev, last_closed_obj, notes, idx, tok)
            last_closed_obj = -1
        if prev == "value":
            notes.add("inserted missing comma")
            out.append(",")
            prev = "comma"
        if top == "{" and prev in ("open", "comma"):
            if tok.kind != "str":
                raise LenientJSONError(f"expected a key, got {tok.text!r} (token {idx})")
            out.append(tok.text)
            prev = "key"
            continue
        if top == "{" and prev == "key":
            raise LenientJSONError(f"missing ':' before {tok.text!r} (token {idx})")
        out.append(tok.text)
        if t in ("{", "["):
            stack.append(t)
            prev = "open"
        else:
            prev = "value"
            done = not stack
    if not out:
        raise LenientJSONError("no JSON value found")
    if stack:
        if prev == "comma":
            out.pop()
            notes.add("removed trailing comma")
        while stack:
            closer = _CLOSER_OF[stack.pop()]
            notes.add(f"appended missing {closer!r} at the end")
            out.append(closer)
    return "".join(_spaced(out))


def _key_in_list(out, stack, prev, last_closed_obj, notes, idx, tok):
    """A key inside a list: either the list lacks its ']' or an object lacks a '}'.

    The two slips look the same. The envelope of this API holds only "data", so a list
    directly in the envelope (``{"data": [ {...} }, "k": ...``) keeps the key in its last
    object, re-opened; a deeper list is closed and the key goes to the enclosing object.
    """
    if prev != "comma":
        raise LenientJSONError(f"key {tok.text} inside a list (token {idx})")
    if len(stack) > 2 and stack[-2] == "{":
        out.pop()                       # the comma moves after the ']'
        out.extend(["]", ","])
        stack.pop()
        notes.add("inserted missing ']' (a key followed inside the list)")
        return "{", "comma"
    if last_closed_obj == len(out) - 2:
        del out[last_closed_obj]
        stack.append("{")
        notes.add("re-opened an object closed too early (a key followed it inside a list)")
        return "{", "comma"
    raise LenientJSONError(f"key {tok.text} inside a list (token {idx})")


def _spaced(parts: list[str]):
    for p in parts:
        yield p
        if p in (",", ":"):
            yield " "
