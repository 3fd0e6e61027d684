"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's live_server.

Playwright's sync API runs an event loop in the test thread; the database access the tests themselves do
(creating users, reading results) is synchronous and safe, which Django must be told here, and only here.

The site's Content-Security-Policy stays on in every browser test, and any violation fails the test
(`csp_violations`, below); `axe` checks a page for accessibility problems.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.accessibility import assert_accessible

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            if not CHROMIUM.exists():
                item.add_marker(pytest.mark.skip(reason="Debian's chromium is not installed (make browser)"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
    }


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def login(live_server):
    """Log a page in as a user through the real log-in form."""
    from tests.factories import PASSWORD

    def _login(page, user):
        page.goto(f"{live_server.url}/accounts/login/")
        page.locator("main input[name=username]").fill(user.username)
        page.locator("main input[name=password]").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(f"{live_server.url}/")

    return _login


# --- Content-Security-Policy: any violation fails the test -----------------------------------------------
# Two independent witnesses, because either alone can miss one: Chromium logs every violation to the
# console (also with JavaScript off), and the page fires `securitypolicyviolation`, which an init script
# (exempt from the policy, like everything Playwright injects) forwards to Python through a binding.

REPORT_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', (event) => {
  window.__reportCspViolation(`${event.effectiveDirective} blocked ${event.blockedURI || 'inline'}`
    + ` at ${event.sourceFile || document.location.href}:${event.lineNumber}`
    + (event.sample ? ` (${event.sample})` : ''));
}, true);
"""


def _is_csp_message(text: str) -> bool:
    return "Content Security Policy" in text or "Content-Security-Policy" in text


def _settle(context, *, scripted: bool) -> None:
    """Let reports still in flight (dispatched as tasks in the page) reach Python before we look."""
    for open_page in context.pages:
        try:
            if scripted:  # a round trip through the page: whatever it reported before has arrived
                open_page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 50))")
            else:  # no timers run without JavaScript; only the console reports, so give it a moment
                open_page.wait_for_timeout(50)
        except PlaywrightError:
            pass  # closed or navigating: nothing more can come from it


@pytest.fixture(autouse=True)
def csp_violations(browser, monkeypatch):
    """Watch every browser context the test opens (through `page`, `browser.new_context()` or
    `browser.new_page()`) and fail the test at teardown if the policy refused anything."""
    violations: list[str] = []
    contexts, closed = [], []
    original_new_context = browser.new_context

    def new_context(**kwargs):
        context = original_new_context(**kwargs)
        scripted = kwargs.get("java_script_enabled", True)
        context.on("console", lambda message: violations.append(f"console: {message.text}")
                   if _is_csp_message(message.text) else None)
        if scripted:
            context.expose_binding("__reportCspViolation", lambda source, text: violations.append(
                f"securitypolicyviolation: {text}"))
            context.add_init_script(script=REPORT_VIOLATIONS)
        original_close = context.close

        def close(*args, **kw):
            _settle(context, scripted=scripted)
            original_close(*args, **kw)

        context.close = close
        context.on("close", lambda closing: closed.append(closing))
        contexts.append(context)
        return context

    def new_page(**kwargs):
        context = new_context(**kwargs)
        page = context.new_page()
        page._impl_obj._owned_context = context._impl_obj  # closing the page closes its context, as before
        return page

    monkeypatch.setattr(browser, "new_context", new_context)
    monkeypatch.setattr(browser, "new_page", new_page)
    yield violations
    for context in contexts:
        if context not in closed:
            context.close()  # settles first; a context from browser.new_page() would outlive the test
    if violations:
        pytest.fail("Content-Security-Policy violations:\n  " + "\n  ".join(violations), pytrace=False)


# --- Accessibility ----------------------------------------------------------------------------------------

@pytest.fixture
def axe():
    """`axe(page, "what this page is")`: no serious or critical axe-core violation on the page as it is."""
    return assert_accessible
