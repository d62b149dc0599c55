"""Shared test fixtures: an in-process app on the demo clinic, a fresh namespace per test."""

from __future__ import annotations

import itertools
import os

import pytest
from hypothesis import HealthCheck, settings

from vsee_sim.app import create_app

# One Hypothesis profile for the suite: no wall-clock deadlines (a shared 2-core machine
# busy with other work must give the same answer) and no health check on slow data
# generation; derandomised under CI so every CI run draws the same examples.
settings.register_profile(
    "suite", deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors])
settings.register_profile("ci", parent=settings.get_profile("suite"), derandomize=True, database=None)
settings.load_profile(os.environ.get("VSEE_SIM_HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "suite"))

DEMO_TOKEN = "6366a7018a39536a1ef4b63626f8e734"      # user 201, documented, never expires
API_HEADERS = {"X-AccountCode": "vclinic", "X-ApiKey": "vclinic_api_key"}
_counter = itertools.count()


@pytest.fixture(scope="session")
def app():
    return create_app({"FIXTURE": os.environ.get("VSEE_SIM_TEST_FIXTURE", "demo"), "SEED": 7, "TICK_INTERVAL": 0})


@pytest.fixture()
def ns(request) -> str:
    """A namespace of its own for this test (parallel-safe, created from the fixture)."""
    return f"t{os.getpid()}-{next(_counter)}"


@pytest.fixture()
def client(app, ns):
    """A test client whose every request goes to this test's namespace."""
    client = app.test_client()
    client.environ_base["HTTP_X_SIM_NAMESPACE"] = ns
    return client


@pytest.fixture()
def world(app, client, ns):
    """The test's namespace state (to move its clock, read its outbox)."""
    return app.extensions["vsee_sim"].worlds.get(ns)


@pytest.fixture()
def clinic(client, world):
    """Client's-eye helpers for the clinic flow (tests/clinic.py), in this test's namespace."""
    from clinic import Clinic

    return Clinic(client, world)


# -- real-browser tests (tests/browsing.py): one chromium and one live server per module -----------
@pytest.fixture(scope="module")
def browser():
    from browsing import chromium

    with chromium() as found:
        yield found


@pytest.fixture(scope="module")
def live(app):
    """http://127.0.0.1:<port>: the session's app served by a threaded werkzeug server."""
    from browsing import serving

    with serving(app) as url:
        yield url


@pytest.fixture()
def pages(browser):
    """new_page(): a page in a browser context of its own (its own cookies: one person each)."""
    from browsing import WAIT_MS
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    contexts = []

    def new_page():
        context = browser.new_context(viewport={"width": 1100, "height": 800})
        context.set_default_timeout(WAIT_MS)
        contexts.append(context)
        return context.new_page()

    yield new_page
    for context in contexts:
        context.close()
