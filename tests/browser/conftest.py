"""Browser tests drive Debian's chromium (never a downloaded browser) through Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between page actions are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not shutil.which(CHROMIUM):
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def browser_context_args(browser_context_args):
    # An English browser, as on many office PCs: the portal must still answer in Vietnamese.
    return {**browser_context_args, "locale": "en-US"}


@pytest.fixture
def log_in(page: Page, live_server) -> Callable[[str], None]:
    """Sign in as `username` (the tests' password) through the login page, and wait for the
    greeting."""

    def sign_in(username: str) -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        expect(page.get_by_text("Xin chào")).to_be_visible()

    return sign_in


@pytest.fixture
def log_out(page: Page) -> Callable[[], None]:
    """Sign out with the navigation's button."""

    def sign_out() -> None:
        page.get_by_role("button", name="Đăng xuất").click()

    return sign_out
