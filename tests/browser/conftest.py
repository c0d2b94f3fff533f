"""The app served over HTTP on loopback, and headless Chromium driven by Playwright: one
browser per test process, a fresh context (no cookies, no storage) for every page."""

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CONTEXT_OPTIONS = {"viewport": {"width": 1280, "height": 800}, "locale": "en-US"}
HERE = Path(__file__).resolve().parent
# `make screenshots` names the folder the README's pictures are written to; a test run
# writes none.
SCREENSHOT_DIR = os.environ.get("SCREENSHOT_DIR", "")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def live_server(app):
    """Serve this very `app` on a free loopback port; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_URL"] = base
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="live-server", daemon=True
    )
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium for the whole test process (a launch costs seconds)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: `make test` installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def new_page(browser):
    """Make a page in a context of its own (another person's browser); all are closed
    when the test ends, which fails if a page broke its Content-Security-Policy."""
    contexts, refused = [], []

    def make():
        context = browser.new_context(**CONTEXT_OPTIONS)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                refused.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        return page

    yield make
    for context in contexts:
        context.close()
    assert refused == [], "the pages broke their own Content-Security-Policy"


@pytest.fixture
def browser_page(new_page):
    return new_page()


def shoot(page, name: str) -> None:
    """The README's picture ``name`` of the page, under `make screenshots` only."""
    if SCREENSHOT_DIR:
        Path(SCREENSHOT_DIR).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOT_DIR) / f"{name}.png"), full_page=True)


def stay_on_page(page) -> None:
    """Mark the document, so that `not_reloaded` can tell it is still the same one."""
    page.evaluate("() => { window.sameDocument = true; }")
    page.wait_for_function("() => document.querySelector('[data-live]')?.dataset.state === 'open'")


def not_reloaded(page) -> bool:
    return page.evaluate("() => window.sameDocument === true")
