"""SimFlask's shortcuts keep Flask's behaviour."""

from __future__ import annotations

import pytest
from flask import session


def test_without_a_secret_key_requests_share_one_null_session_that_refuses_writes(app):
    seen = []
    for _ in range(2):
        with app.test_request_context("/api_v3/me"):
            app.preprocess_request()
            seen.append(session._get_current_object())
            with pytest.raises(RuntimeError, match="no secret key"):
                session["x"] = 1
    assert seen[0] is seen[1] and app.session_interface.is_null_session(seen[0]) and dict(seen[0]) == {}


def test_with_a_secret_key_sessions_are_flask_s_own(app):
    app.secret_key, before = "k" * 32, app.secret_key
    try:
        with app.test_request_context("/api_v3/me"):
            assert not app.session_interface.is_null_session(session._get_current_object())
            session["x"] = 1
            assert session["x"] == 1
    finally:
        app.secret_key = before


def test_a_served_app_collects_the_youngest_objects_less_often_and_freezes_start_up():
    """``vsee-sim serve`` (FREEZE_GC): start-up's objects frozen, the collector back on with a
    larger first threshold; an in-process app leaves the host's collector alone."""
    import gc

    from vsee_sim.app import GC_YOUNG_THRESHOLD, create_app

    before, enabled = gc.get_threshold(), gc.isenabled()
    try:
        create_app({"FIXTURE": "minimal"})
        assert gc.get_threshold() == before and gc.isenabled() == enabled
        create_app({"FIXTURE": "minimal", "FREEZE_GC": True})
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, *before[1:]) and gc.isenabled()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
        if not enabled:
            gc.disable()
