"""Settings: wire shapes. A setting may be any JSON value."""

from __future__ import annotations

from marshmallow import fields

from vsee_sim.core.wire import Anything, envelope

SettingsEnvelope = envelope(fields.Dict(required=True), name="Settings")
SettingEnvelope = envelope(Anything(required=True, allow_none=True), name="Setting")
