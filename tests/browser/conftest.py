"""Browser tests: the real app served on 127.0.0.1, driven by Playwright in headless Chromium.

Chromium comes from Debian (`/usr/bin/chromium`, installed by scripts/bootstrap --dev); Playwright's
own browser download is neither needed nor possible here. Pages are checked with axe-core
(bundled by axe-playwright-python) and screenshots are saved to test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

#: The password of the people browser tests create (see sign_in).
PASSWORD = "correct horse battery staple"
#: How long Playwright waits for an element or a navigation before failing.
TIMEOUT_MS = 10_000
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(executable).exists():
        pytest.fail(f"Chromium not found at {executable}: run scripts/bootstrap --dev (as root)")
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


class LiveServer:
    def __init__(self, app: Any) -> None:
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(_migrated_app: Any) -> Iterator[LiveServer]:
    server = LiveServer(_migrated_app)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def site(app: Any, live_server: LiveServer) -> LiveServer:
    """The live server, with the database emptied for this test (via the `app` fixture)."""
    return live_server


# Marks a context opened with JavaScript disabled (see no_javascript_context). The mark is on the
# context itself, not in a module-level set: this file is imported both as pytest's conftest
# and as tests.browser.conftest, and the two copies must agree.
_NO_JAVASCRIPT_MARK = "socialvalue_javascript_disabled"


def no_javascript_context(browser: Any, **options: Any) -> Any:
    """A new browser context with JavaScript disabled, as some users browse.

    The service must work completely without JavaScript. ``check_accessibility`` knows these
    contexts: axe-core itself needs JavaScript, so it checks a copy of the page instead.
    """
    context = browser.new_context(java_script_enabled=False, **options)
    setattr(context, _NO_JAVASCRIPT_MARK, True)
    return context


def _run_axe(page: Any) -> Any:
    from axe_playwright_python.sync_playwright import Axe

    return Axe().run(
        page,
        options={
            "runOnly": {
                "type": "tag",
                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
            },
            # Every rule still runs; only the details of passing checks are left out (faster).
            "resultTypes": ["violations"],
        },
    )


class _Twin:
    """A JavaScript-enabled page that shows a copy of another page's DOM at its address."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.address = ""
        self.html = ""
        self.page.route(lambda url: url.split("#")[0] == self.address, self._fulfil)

    def _fulfil(self, route: Any) -> None:
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=self.html)

    def show(self, page: Any) -> Any:
        self.html = page.content()
        self.address = page.url.split("#")[0]
        if page.viewport_size:
            self.page.set_viewport_size(page.viewport_size)
        self.page.goto(page.url)
        return self.page


_TWINS: weakref.WeakKeyDictionary[Any, _Twin] = weakref.WeakKeyDictionary()


def check_accessibility(page: Any, name: str) -> None:
    """Run axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on the page and fail on any violation.

    On a page whose context has JavaScript disabled, axe runs on an exact copy: the page's
    current DOM served at the same address in a JavaScript-enabled page of the same size, so
    that what the user saw (a flash message, a form's errors after a POST) is what is checked;
    stylesheets and fonts still come from the live server, so colour contrast is real.
    """
    # A click that navigates returns once the new page is committed, not loaded: on a busy
    # machine its stylesheets may still be coming, and axe would measure an unstyled page.
    page.wait_for_load_state("load")
    if getattr(page.context, _NO_JAVASCRIPT_MARK, False):
        browser = page.context.browser
        if browser not in _TWINS:
            _TWINS[browser] = _Twin(browser)
        page = _TWINS[browser].show(page)
    results = _run_axe(page)
    violations = results.response["violations"]
    assert violations == [], f"axe found violations on {name}:\n{results.generate_report()}"


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def open_browser(browser: Any) -> Iterator[Any]:
    """Opens a JavaScript-free browser context (one per person); closes them all afterwards."""
    contexts: list[Any] = []

    def open_page() -> Any:
        context = no_javascript_context(browser)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def sign_in(page: Any, site: Any, email: str) -> None:
    """Sign in through the form as ``email`` (password PASSWORD) and check the banner says so."""
    page.goto(site.url + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Signed in as")
    # The sign-out form stays inside the banner (a form in a <p> would be moved out of it).
    banner = page.locator(".govuk-phase-banner__text")
    expect(banner).to_contain_text("Signed in as")
    expect(banner.get_by_role("button", name="Sign out")).to_be_visible()
