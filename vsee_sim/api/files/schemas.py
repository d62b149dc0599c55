"""Files: wire shapes of requests and responses, declared once."""

from __future__ import annotations

import contextlib
import json

from marshmallow import fields, pre_load

from vsee_sim.api.files.rules import CATEGORIES, LISTED_CATEGORIES, TARGET_TYPES
from vsee_sim.core.wire import Anything, NumericString, OutSchema, Text, WireSchema


# -- requests -----------------------------------------------------------------
class TargetIn(WireSchema):
    id = Text(metadata={"description": "user or visit id"})
    type = Text(metadata={"description": "user or visit", "enum": list(TARGET_TYPES)})


class MetaIn(WireSchema):
    category = Text(metadata={"description": "what the file is", "enum": list(CATEGORIES)})
    target_id = Text(metadata={"description": "(optional) the user or visit id (default: you)"})
    target_type = Text(metadata={"description": "(optional) user or visit", "enum": list(TARGET_TYPES)})
    target = fields.Nested(TargetIn, metadata={"description": "(optional) {id, type}, as responses show it"})


class FileIn(WireSchema):
    """``-F file=@x.jpg -F meta.category=user_document`` (``meta[category]`` and JSON ``meta`` too)."""

    file = Anything(required=True, metadata={"type": "string", "format": "binary",
                                             "description": "the file content (a multipart file part)"})
    meta = fields.Nested(MetaIn, metadata={"description": "{category, target_id, target_type}"})

    @pre_load
    def _meta_as_json_text(self, data, **_):
        """``-F 'meta={"category": "user_document"}'``: a JSON object sent as text."""
        meta = data.get("meta") if isinstance(data, dict) else None
        if isinstance(meta, str) and meta.strip().startswith("{"):
            with contextlib.suppress(ValueError):  # else left as text: Nested says "not an object"
                data = {**data, "meta": json.loads(meta)}
        return data


class RenameIn(WireSchema):
    name = Text(metadata={"description": "the new file name (only the name can change)"})


class FileListQuery(WireSchema):
    target_id = Text(metadata={"description": "the user or visit the files are about"})
    target_type = Text(metadata={"description": "user or visit", "enum": list(TARGET_TYPES)})
    category = Text(metadata={"description": "what the files are", "enum": list(LISTED_CATEGORIES)})
    meta_category = Text(data_key="meta.category", load_only=True,
                         metadata={"description": "alias of category (the upload's name for it)",
                                   "enum": list(LISTED_CATEGORIES)})


class DownloadQuery(WireSchema):
    auth_code = Text(metadata={"description": "from a fullpath"})
    time = fields.Integer(metadata={"description": "from a fullpath"})
    size = Text(metadata={"description": "(optional) {W}x{H}, e.g. 320x240: an image resized to a PNG"})


# -- responses ------------------------------------------------------------------
class TargetOut(OutSchema):
    id = NumericString(required=True)
    type = fields.String(required=True)


class AccountRefOut(OutSchema):
    code = fields.String(required=True)


class MetaOut(OutSchema):
    category = fields.String(required=True)
    target = fields.Nested(TargetOut, required=True)
    account = fields.Nested(AccountRefOut, required=True)


class CreatorOut(OutSchema):
    id = NumericString(required=True)
    username = fields.String(required=True)
    email = fields.String(required=True)
    type = fields.Integer(required=True)
    full_name = fields.String(required=True)


class FileOut(OutSchema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    size = fields.Integer(required=True)
    ext = fields.String(required=True)
    fullpath = fields.String(metadata={"description": "a signed URL of GET /files/:id (24 h)"}, required=True)
    meta = fields.Nested(MetaOut, required=True)
    creator = fields.Nested(CreatorOut, required=True)
    created = fields.Integer(required=True)
    modified = fields.Integer(required=True)
