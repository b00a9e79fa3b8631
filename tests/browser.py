"""What the browser tests share: Debian's chromium driven by Playwright, and the app served
on a free loopback port for it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask

from onboard.extensions import db

CHROMIUM = Path("/usr/bin/chromium")
#: Headless, and none of the background calls this closed network would refuse.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"


@contextmanager
def served(app: Flask) -> Iterator[str]:
    """``app`` on a threaded werkzeug server on a free loopback port; yields its base URL."""
    from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: PLC0415

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args: object, **kwargs: object) -> None:
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    # links in emails and on pages are built from the base URL, never from the request
    app.config["ONBOARD_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        with app.app_context():
            db.engine.dispose()


@contextmanager
def chromium() -> Iterator[object]:
    """A headless Debian chromium under Playwright (never a downloaded browser)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make setup installs it)")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


AXE = Path(__file__).resolve().parent.parent / ".venv" / "node" / "node_modules" / "axe-core"
#: WCAG 2.0/2.1 A and AA: what the product promises.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page: object) -> list[dict[str, object]]:
    """axe-core's WCAG 2.1 A/AA violations on ``page`` (a Playwright page), loaded from the
    copy `make setup` installs (never fetched at test time). Each violation is reduced to
    its rule id, impact, help text and the first few offending nodes' selectors."""
    script = AXE / "axe.min.js"
    if not script.exists():
        pytest.fail(f"axe-core is not installed at {script} (make setup installs it)")
    page.add_script_tag(path=str(script))  # type: ignore[attr-defined]
    result = page.evaluate(  # type: ignore[attr-defined]
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [" ".join(node["target"]) for node in violation["nodes"][:5]],
        }
        for violation in result["violations"]
    ]
