"""What every real-browser test shares: Debian's chromium through Playwright, and a live server.

Used by the portal's, /docs' and the inspector's browser tests through the fixtures of
tests/conftest.py (``browser``, ``live``, ``pages``). Without /usr/bin/chromium (or the
playwright package) they skip, except under CI=true, where they fail: scripts/test
installs Debian's chromium (Playwright's own browser download is not used).
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags chromium keeps calling home on a closed network.
# The resolver rule takes the network away from the pages: no host name but localhost
# (and 127.0.0.1) resolves, so a page that needed anything from the internet would fail its test here.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--no-proxy-server",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
WAIT_MS = 15_000


def unavailable(reason: str):
    message = f"browser tests need {reason} (scripts/test installs Debian's chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@contextlib.contextmanager
def chromium():
    """A headless Debian chromium, or a skip (a failure under CI) saying what is missing."""
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(CHROMIUM)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package (pip install -e .[test])")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def serving(app, name: str = "live-server"):
    """http://127.0.0.1:<port>: ``app`` served by a threaded werkzeug server on a free port."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def shot(page, folder: str, name: str, full_page: bool = True) -> Path:
    """A screenshot kept as a test artefact: test-artifacts/<folder>/<name>.png."""
    directory = ARTIFACTS / folder
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    assert path.stat().st_size > 1000
    return path
