"""Turn a documented curl command into a replayable request description.

The wiki export flattened multi-line commands (``curl -X GET \\ -H ...``) and kept the
shell's continuation prompt in one place (``\\ > 'https://...'``); one command has a
doubled closing quote (``--form 'code=b4vjj''``). Bodies are kept exactly as the shell
would pass them to curl: ``-d \u201ca=1&b=2\u201d`` sends the typographic quotes, and
``-d "refresh_token: 636..."`` sends that text, which is no ``key=value`` pair at all.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from urllib.parse import parse_qsl, urlsplit

__all__ = ["CurlError", "parse_curl"]

_CONTINUATION = re.compile(r"(?:^|\s)\\\s+(?:>\s+)?")
_PROMPT = re.compile(r"\\\s+>\s")
_DOUBLED_CLOSE = re.compile(r"(['\"])\1(?=\s|$)")
_QUOTED_JSON_BODY = re.compile(r"(?:-d|--data(?:-raw|-binary)?)\s+(['\"])\s*\{")
_TYPO = "\u201c\u201d\u2018\u2019"

_VALUE_OPTS = {
    "-X": "method", "--request": "method",
    "-H": "header", "--header": "header",
    "-d": "data", "--data": "data", "--data-raw": "data", "--data-binary": "data",
    "-F": "form", "--form": "form",
}
_FLAG_OPTS = {"-k", "--insecure", "-L", "--location", "-s", "--silent", "-v", "--verbose", "-i"}


class CurlError(ValueError):
    """A command this parser does not understand (an unknown option, no URL...)."""


def parse_curl(command: str) -> tuple[dict, list[str]]:
    """Return ``(request, notes)`` for one curl command line."""
    notes: list[str] = []
    if _PROMPT.search(command):
        notes.append("removed shell continuation prompts ('> ') pasted into the command")
    flat = _CONTINUATION.sub(" ", command).strip()
    flat = re.sub(r"\s\\$", "", flat)
    args = _split(flat, notes)
    if not args or args[0] != "curl":
        raise CurlError(f"not a curl command: {command[:40]!r}")

    method = None
    headers: dict[str, str] = {}
    data: list[str] = []
    form: list[str] = []
    urls: list[str] = []
    it = iter(args[1:])
    for arg in it:
        if arg in _VALUE_OPTS:
            kind = _VALUE_OPTS[arg]
            try:
                value = next(it)
            except StopIteration:
                raise CurlError(f"{arg} without a value") from None
            if kind == "method":
                method = value.upper()
            elif kind == "header":
                name, sep, val = value.partition(":")
                if not sep:
                    raise CurlError(f"header without ':': {value!r}")
                headers[name.strip()] = val.strip()
            elif kind == "data":
                data.append(value)
            else:
                form.append(value)
        elif arg in _FLAG_OPTS:
            continue
        elif arg.startswith("-"):
            raise CurlError(f"unknown curl option {arg!r}")
        else:
            urls.append(arg)
    if len(urls) != 1:
        raise CurlError(f"expected one URL, found {urls!r}")

    parts = urlsplit(urls[0])
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    method = method or ("POST" if data or form else "GET")
    request: dict = {"method": method, "path": path, "headers": headers}
    ctype_name = next((h for h in headers if h.lower() == "content-type"), None)
    ctype = headers[ctype_name].lower() if ctype_name else ""

    if form:
        if ctype_name:
            if not ctype.startswith("multipart/form-data"):
                notes.append(f"Content-Type {headers[ctype_name]!r} contradicts -F; replayed as multipart")
            del headers[ctype_name]
        request["encoding"] = "multipart"
        request["multipart"] = _multipart(form, notes)
    elif data:
        raw = "&".join(data)   # what curl does with several -d options
        if ctype_name:
            del headers[ctype_name]
        if "json" in ctype:
            request["encoding"] = "json"
            try:
                request["json"] = json.loads(raw)
            except ValueError as exc:
                raise CurlError(f"-d body is not JSON: {exc}") from None
        else:
            request["encoding"] = "form"
            request["form"] = dict(parse_qsl(raw, keep_blank_values=True))
            if any(q in raw for q in _TYPO):
                notes.append("form body is wrapped in typographic quotes; the shell passes them on, "
                             "so raw_body keeps them")
            if "+" in raw:
                notes.append("'+' in the form body decodes to a space on the server (curl -d sends it as is)")
            if "=" not in raw:
                notes.append("form body has no key=value pair; raw_body is sent verbatim")
        request["raw_body"] = raw
    else:
        request["encoding"] = "none"
    return request, notes


def _split(flat: str, notes: list[str]) -> list[str]:
    """shlex, and if the quotes do not balance, the two quote slips the doc makes."""
    try:
        return shlex.split(flat)
    except ValueError:
        pass
    repaired, count = _DOUBLED_CLOSE.subn(r"\1", flat)
    if count:
        notes.append("dropped a doubled closing quote in the command")
    else:
        repaired = _close_json_body_quote(flat)
        if repaired is None:
            raise CurlError(f"cannot split command: {flat[:60]!r}")
        notes.append("added the missing closing quote after the quoted -d JSON body")
    try:
        return shlex.split(repaired)
    except ValueError:
        raise CurlError(f"cannot split command: {flat[:60]!r}") from None


def _close_json_body_quote(flat: str) -> str | None:
    """``-d ' {...} "https://..."``: put the quote back right after the balanced JSON body."""
    m = _QUOTED_JSON_BODY.search(flat)
    if not m:
        return None
    quote, depth, in_str, i = m.group(1), 0, False, m.end() - 1
    while i < len(flat):
        ch = flat[i]
        if in_str:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                rest = flat[i + 1:]
                if rest.lstrip().startswith(quote):
                    return None   # the body was closed after all
                return flat[: i + 1] + quote + rest
        i += 1
    return None


def _multipart(parts: list[str], notes: list[str]) -> dict:
    fields: dict[str, str] = {}
    files: dict[str, str] = {}
    for part in parts:
        name, sep, value = part.partition("=")
        if not sep:
            raise CurlError(f"-F without '=': {part!r}")
        if value.startswith("@"):
            filename = posixpath.basename(value[1:])
            if not filename:
                notes.append(f"-F {part!r} names no file; replayed as an empty file part")
            files[name] = filename
        else:
            fields[name] = value
    return {"fields": fields, "files": files}
