"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's live_server.

Playwright's sync API runs an event loop in the test thread; the database access the tests themselves do
(creating users, reading results) is synchronous and safe, which Django must be told here, and only here.
"""

import os
from pathlib import Path

import pytest

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
