"""/_sim/journal and /_sim/faults: wire shapes."""

from __future__ import annotations

from marshmallow import fields
from marshmallow.validate import Length, Range

from vsee_sim.control.traffic import rules
from vsee_sim.core.wire import Anything, OutSchema, Text, WireSchema


class Whole(fields.Integer):
    """An integer; a number with a fraction (1.5) is refused, not truncated. "3" (a form) is 3."""

    def _validated(self, value):
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


class JournalQuery(WireSchema):
    limit = fields.Integer(load_default=100, validate=Range(1, 500),
                           metadata={"description": "how many entries, newest first (1-500)"})
    method = Text(metadata={"description": "only this method (GET, POST...)"})
    path = Text(validate=Length(max=rules.MAX_PATTERN), metadata={
        "description": "a substring of the path, or a glob with * or ? (/api_v3/visits*); "
                       "1000 characters at most"})
    status = Text(metadata={"description": "a status (404) or a class (4xx, 5xx)"})


class JournalEntryOut(OutSchema):
    id = fields.Integer(required=True)
    at = fields.Integer(metadata={"description": "namespace clock, unix seconds"}, required=True)
    method = fields.String(required=True)
    path = fields.String(metadata={"description": "the path as the client sent it"}, required=True)
    query = fields.String(required=True)
    headers = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "X-ApiToken, X-ApiKey, X-ApiSecret, X-AccountCode, Content-Type"}, required=True)
    body = fields.String(required=True,
                         metadata={"description": "request body (text, or base64 per body_encoding)"})
    body_encoding = fields.String(metadata={"description": "utf-8 or base64"}, required=True)
    body_truncated = fields.Boolean(required=True)
    status = fields.Integer(required=True)
    response_headers = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "the answer's headers (32 at most, values clipped to 1024 characters)"},
        required=True)
    response = Anything(metadata={"description": "response body: parsed JSON, or text"}, required=True)
    response_encoding = fields.String(allow_none=True,
                                      metadata={"description": "base64 when the response was not text"})
    response_truncated = fields.Boolean(required=True)
    duration_ms = fields.Float(required=True)
    fault = fields.String(required=True, allow_none=True,
                          metadata={"description": "the fault rule that fired on this request, if any"})


class FaultIn(WireSchema):
    method = Text(load_default="*", metadata={
        "description": "* (default) or GET, POST, PUT, PATCH, DELETE, HEAD"})
    path = Text(required=True, metadata={
        "description": "glob on the API path: /api_v3/visits*, /api_v3/me (base paths and .json normalised)"})
    status = Whole(validate=Range(400, 599), metadata={"description": "the error status to answer"})
    message = Text(validate=Length(max=1000), metadata={"description": "the error message"})
    retry_after = Whole(validate=Range(0, rules.MAX_RETRY_AFTER), metadata={
        "description": "Retry-After whole seconds, 0-86400 (429: default 1)"})
    latency_ms = Whole(validate=Range(0, rules.MAX_LATENCY_MS), metadata={
        "description": "delay added before answering, 0-30000 ms (real time)"})
    count = Whole(validate=Range(1, rules.MAX_COUNT), metadata={
        "description": "fire this many times, 1-1000000 (default: always)"})
    probability = fields.Float(load_default=1.0, validate=Range(0, 1),
                               metadata={"description": "chance of firing on each match (seeded draw)"})


class FaultOut(OutSchema):
    id = fields.String(required=True)
    method = fields.String(required=True)
    path = fields.String(required=True)
    status = fields.Integer(required=True, allow_none=True)
    message = fields.String(required=True, allow_none=True)
    retry_after = fields.Integer(required=True, allow_none=True)
    latency_ms = fields.Integer(required=True)
    count = fields.Integer(required=True, allow_none=True)
    probability = fields.Float(required=True)
    matched = fields.Integer(required=True,
                             metadata={"description": "requests this rule was the first match of"})
    fired = fields.Integer(metadata={"description": "requests it failed or delayed"}, required=True)
    created = fields.Integer(required=True)
