"""Browser tests drive Debian's chromium (never a downloaded browser) through Playwright, and
check every page they show against WCAG 2.1 AA with axe-core (tests/browser/vendor/axe.min.js,
4.14.1 from the npm registry, MPL 2.0: never a CDN)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Error, Page, expect

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


AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Every document the page loads, and every htmx swap, puts this 1-pixel marker in the page.
# Playwright runs a locator handler before any action or assertion while a handler's locator
# is visible (Page.add_locator_handler): the audit runs there, once per state of the page,
# before the test touches it, whatever the timing. A page left without an action after it
# (the last one, or one followed by page.goto) is audited by the goto wrapper or at teardown.
PENDING = "axe-pending"
MARK_PENDING = f"""(() => {{
  const mark = () => {{
    if (document.getElementById("{PENDING}") || !document.body) return;
    const marker = document.createElement("div");
    marker.id = "{PENDING}";
    marker.setAttribute("aria-hidden", "true");
    marker.style.cssText =
      "position:fixed;top:0;left:0;width:1px;height:1px;opacity:0;pointer-events:none";
    document.body.appendChild(marker);
  }};
  if (document.readyState === "loading") {{
    document.addEventListener("DOMContentLoaded", mark);
  }} else {{
    mark();
  }}
  document.addEventListener("htmx:afterSettle", mark);
}})();"""
RUN_AXE = """async ([tags, pending]) => {
  document.getElementById(pending)?.remove();
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    url: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
  }));
}"""


def describe_violations(url: str, violations: list[dict]) -> str:
    """The axe-core violations of one page as lines a developer reads: the rule, its impact
    and help, then each element (its CSS selector) with axe's summary of what to fix."""
    lines = [f"axe-core (WCAG 2.1 AA) found {len(violations)} violation(s) on {url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['url']}>"
        )
        for node in violation["nodes"]:
            summary = (node["summary"] or "").replace("\n", "\n      ")
            lines.append(f"    at {node['target']}\n      {summary}")
    return "\n".join(lines)


class AxeAudit:
    """Runs axe-core in `page` against AXE_TAGS and keeps what it finds: `audited` lists the
    URLs checked, `found` one describe_violations text per page that had violations. The
    test fails on them after its body (pytest_runtest_call below): an error raised inside
    Playwright's locator handler would not reach the test."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.audited: list[str] = []
        self.found: list[str] = []
        self.source = AXE.read_text(encoding="utf-8")

    def __call__(self) -> list[dict]:
        """Audit the page as it is now; return its violations (axe's rule id, impact, help,
        url, and the nodes' CSS targets and summaries)."""
        page = self.page
        if page.evaluate("typeof axe === 'undefined'"):
            page.evaluate(self.source)
        violations = page.evaluate(RUN_AXE, [AXE_TAGS, PENDING])
        self.audited.append(page.url)
        if violations:
            self.found.append(describe_violations(page.url, violations))
        return violations

    def pending(self) -> bool:
        """Whether the page shows a state not audited yet."""
        try:
            return self.page.locator(f"#{PENDING}").count() > 0
        except Error:  # closed, or between two documents
            return False


@pytest.fixture
def axe_audit(page: Page) -> AxeAudit:
    """The audit `page` runs on each page it shows (see the `page` fixture)."""
    return page.axe_audit


@pytest.fixture
def page(page: Page) -> Iterator[Page]:
    """pytest-playwright's page, with axe-core run on every page and htmx update it shows,
    before the test acts on it; the test fails on any violation, listing what axe found."""
    audit = AxeAudit(page)
    page.axe_audit = audit
    page.add_init_script(MARK_PENDING)
    page.add_locator_handler(page.locator(f"#{PENDING}"), lambda _marker: audit())
    goto = page.goto

    def audited_goto(url: str, **kwargs):
        if audit.pending():
            audit()
        response = goto(url, **kwargs)
        if audit.pending():
            audit()
        return response

    page.goto = audited_goto
    return page


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """After a browser test's body: audit the page it ended on, and fail the test on any
    violation axe-core found on the way."""
    result = yield
    page = getattr(item, "funcargs", {}).get("page")
    audit = getattr(page, "axe_audit", None)
    if audit is not None:
        if audit.pending():
            audit()
        if audit.found:
            raise AssertionError("\n\n".join(audit.found))
    return result


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
    """Sign out with the account menu's button."""

    def sign_out() -> None:
        page.get_by_test_id("current-user").click()
        page.get_by_role("button", name="Đăng xuất").click()

    return sign_out
