"""Replay a journal (GET /_sim/journal) against a server: ``vsee-sim replay``.

Standard library only (urllib): the CLI must not need the test extras.

Entries are sent oldest first (by id) with their method, path, query, replay headers
and body. Into another namespace, ids and tokens differ (they come from the
namespace's seeded generator), so the replay learns them as it goes: where a recorded
response and the new one have the same shape, each string that differs (an SSO token,
an intake id) is mapped recorded -> new, and later requests have those values
replaced where they stand whole: path segments, query values, header values, JSON
string leaves and form values. ``exact=True`` turns that off. Multipart bodies and
values embedded in longer strings are sent as recorded.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, urlencode

from vsee_sim.remote import Remote

_NS_PREFIX = re.compile(r"^/ns/[^/]+(?=/|$)")
_PATH_SAFE = "/:@!$&'()*+,;=~"
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP method or header name (RFC 9110)
_URL_UNSAFE = re.compile(r"[\x00-\x20\x7f]")        # what http.client refuses in a URL
_HEADER_UNSAFE = re.compile(r"[\r\n\x00]")
MIN_MAPPED = 4  # shorter strings that differ ("1" vs "2") are too ambiguous to map
TIMEOUT = 60.0


class JournalError(ValueError):
    """The file is not a journal."""


def load_entries(text: str) -> list[dict]:
    """The entries of ``{"data": [...]}`` or a bare list, oldest first; JournalError names a bad one."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise JournalError(f"not JSON: {exc}") from None
    if isinstance(data, dict) and "data" in data:
        data = data["data"]
    if not isinstance(data, list):
        raise JournalError('expected the JSON of GET /_sim/journal: {"data": [...]} or a list of entries')
    for i, entry in enumerate(data):
        problem = _entry_problem(entry)
        if problem:
            ident = entry.get("id") if isinstance(entry, dict) else None
            label = f"entry {i}" + (f" (id {ident})" if isinstance(ident, (int, str)) else "")
            raise JournalError(f"{label}: {problem}")
    return sorted(data, key=lambda e: e.get("id") if isinstance(e.get("id"), int) else 0)


def _entry_problem(entry) -> str | None:
    """What makes this entry unsendable (``field: why``), or None: checked before anything is sent."""
    if not isinstance(entry, dict):
        return "not an object with method and path"
    method, path = entry.get("method"), entry.get("path")
    if not isinstance(method, str) or not _TOKEN.fullmatch(method):
        return "method: missing, or not an HTTP method"
    if not isinstance(path, str) or not path.startswith("/"):
        return "path: missing, or does not start with /"
    query = entry.get("query")
    if query is not None and (not isinstance(query, str) or _URL_UNSAFE.search(query)):
        return "query: not a query string (text without spaces or control characters)"
    headers = entry.get("headers")
    if headers is not None:
        if not isinstance(headers, dict):
            return "headers: not an object of name: value"
        for name, value in headers.items():
            if not _TOKEN.fullmatch(name):
                return f"headers: {name!r} is not a header name"
            if not isinstance(value, str) or _HEADER_UNSAFE.search(value):
                return f"headers: the value of {name} is not one line of text"
    body = entry.get("body")
    if body is not None and not isinstance(body, str):
        return "body: not text"
    if entry.get("body_encoding") == "base64" and body:
        try:
            base64.b64decode(body, validate=True)
        except ValueError:
            return "body: not base64 (body_encoding says base64)"
    return None


@dataclass
class Summary:
    sent: int = 0
    same: int = 0
    different: list[tuple[str, str, object, int]] = field(default_factory=list)
    errors: list[tuple[str, str, str]] = field(default_factory=list)
    unsendable: list[tuple[str, str, str]] = field(default_factory=list)
    truncated: int = 0

    def lines(self, shown: int = 10) -> list[str]:
        out = [f"sent: {self.sent}", f"same status as recorded: {self.same}",
               f"different status: {len(self.different)}"]
        out += [f"  {m} {p} {was}->{got}" for m, p, was, got in self.different[:shown]]
        if len(self.different) > shown:
            out.append(f"  ... and {len(self.different) - shown} more")
        out.append(f"connection errors: {len(self.errors)}")
        out += [f"  {m} {p}: {why}" for m, p, why in self.errors[:shown]]
        if self.unsendable:
            out.append(f"not sent (the request could not be built): {len(self.unsendable)}")
            out += [f"  {m} {p}: {why}" for m, p, why in self.unsendable[:shown]]
        if self.truncated:
            out.append(f"bodies cut or not kept by the journal (sent as recorded): {self.truncated}")
        return out


class Replayer:
    def __init__(self, url: str, namespace: str | None = None, admin_token: str | None = None,
                 exact: bool = False):
        self.remote = Remote(url, namespace=namespace, admin_token=admin_token, timeout=TIMEOUT)
        self.namespace = namespace
        self.exact = exact
        self.mapping: dict[str, str] = {}

    # -- sending -----------------------------------------------------------------------------
    def request(self, method: str, path: str, query: str = "", headers: dict | None = None,
                body: bytes | None = None) -> tuple[int, bytes]:
        """(status, body); an HTTP error status is an answer, not an exception."""
        headers = dict(headers or {})
        if body and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = ""  # as sent: urllib would say form-urlencoded
        resp = self.remote.request(method, quote(path, safe=_PATH_SAFE) + (f"?{query}" if query else ""),
                                   body=body or None, headers=headers)
        return resp.status, resp.body

    def reset(self) -> None:
        """POST /_sim/reset on the target namespace (OSError if unreachable, ValueError if refused)."""
        status, body = self.request("POST", "/_sim/reset", headers={"Content-Type": "application/json"},
                                    body=b"{}")
        if status != 200:
            raise ValueError(f"POST /_sim/reset answered {status}: {body[:200].decode('utf-8', 'replace')}")

    def replay(self, entry: dict, summary: Summary) -> None:
        method, path = entry["method"].upper(), entry["path"]
        if self.namespace:
            path = _NS_PREFIX.sub("", path) or "/"
        body = _body_bytes(entry)
        if entry.get("body_truncated"):
            summary.truncated += 1
        headers = {k: str(v) for k, v in (entry.get("headers") or {}).items()}
        if not self.exact and self.mapping:
            path, query, headers, body = self.rewrite(path, entry.get("query") or "", headers, body)
        else:
            query = entry.get("query") or ""
        try:
            status, raw = self.request(method, path, query, headers, body)
        except (OSError, http.client.HTTPException) as exc:  # URLError, refused, reset, timeout
            summary.errors.append((method, entry["path"], str(getattr(exc, "reason", exc))))
            return
        except ValueError as exc:  # http.client refused what load_entries let through (a mapped value)
            summary.unsendable.append((method, entry["path"], str(exc)))
            return
        summary.sent += 1
        if status == entry.get("status"):
            summary.same += 1
        else:
            summary.different.append((method, entry["path"], entry.get("status"), status))
        if not self.exact:
            self.learn(entry.get("response"), raw)

    # -- mapping recorded values to new ones ---------------------------------------------------
    def learn(self, recorded, raw: bytes) -> None:
        if not isinstance(recorded, (dict, list)):
            return
        try:
            got = json.loads(raw)
        except ValueError:
            return
        _pair(recorded, got, self.mapping)

    def rewrite(self, path: str, query: str, headers: dict, body: bytes | None):
        m = self.mapping
        path = "/".join(_map_segment(s, m) for s in path.split("/"))
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(v in m for _, v in pairs):
            query = urlencode([(k, m.get(v, v)) for k, v in pairs])
        headers = {k: m.get(v, v) for k, v in headers.items()}
        if body:
            body = _map_body(body, headers.get("Content-Type", ""), m)
        return path, query, headers, body


def _pair(recorded, got, mapping: dict[str, str]) -> None:
    if isinstance(recorded, dict) and isinstance(got, dict):
        for key, value in recorded.items():
            if key in got:
                _pair(value, got[key], mapping)
    elif isinstance(recorded, list) and isinstance(got, list) and len(recorded) == len(got):
        for a, b in zip(recorded, got, strict=True):
            _pair(a, b, mapping)
    elif isinstance(recorded, str) and isinstance(got, str) and recorded != got \
            and len(recorded.strip()) >= MIN_MAPPED:
        mapping.setdefault(recorded, got)


def _map_segment(segment: str, mapping: dict[str, str]) -> str:
    if segment in mapping:
        return mapping[segment]
    if segment.endswith(".json") and segment[:-5] in mapping:
        return mapping[segment[:-5]] + ".json"
    return segment


def _map_json(value, mapping: dict[str, str]):
    if isinstance(value, str):
        return mapping.get(value, value)
    if isinstance(value, list):
        return [_map_json(v, mapping) for v in value]
    if isinstance(value, dict):
        return {k: _map_json(v, mapping) for k, v in value.items()}
    return value


def _map_body(body: bytes, content_type: str, mapping: dict[str, str]) -> bytes:
    """The body with mapped values replaced; unchanged bytes when nothing was mapped."""
    kind = content_type.split(";")[0].strip().lower()
    try:
        if kind.endswith("json") or (not kind and body.lstrip()[:1] in (b"{", b"[")):
            data = json.loads(body)
            mapped = _map_json(data, mapping)
            return body if mapped == data else json.dumps(mapped).encode()
        if kind in ("application/x-www-form-urlencoded", ""):
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
            if any(v in mapping for _, v in pairs):
                return urlencode([(k, mapping.get(v, v)) for k, v in pairs]).encode()
    except ValueError:  # not what it says it is: as recorded
        pass
    return body


def _body_bytes(entry: dict) -> bytes | None:
    body = entry.get("body")
    if body is None or body == "":
        return None
    if entry.get("body_encoding") == "base64":
        return base64.b64decode(body)
    return str(body).encode("utf-8")
