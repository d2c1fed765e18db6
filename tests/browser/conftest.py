"""A real headless Chromium (Debian's package) driven by Playwright's Python API,
with axe-core checking the accessibility of every page a test visits.

Playwright's sync API runs an event loop in the test's thread, so Django's
guard against ORM calls from async code is lifted for these tests only.
"""

import os
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

AXE_CORE = settings.BASE_DIR / "node_modules" / "axe-core"
AXE_AGENT = Path(__file__).with_name("axe_agent.js")
# How long a navigation waits for the check of the page it leaves.
CHECK_SECONDS = 30
# A check of the page as it is now, once it has loaded (a test's last assertion
# can hold on a page Chromium is still parsing: the status above the heading is
# there, the heading not yet); a failure comes back as its message.
CHECK_NOW = """async () => {
  if (document.readyState !== "complete") {
    await new Promise((resolve) => window.addEventListener("load", resolve, { once: true }));
  }
  try {
    await window.__axeCheck?.();
  } catch (error) {
    return error.message;
  }
}"""


@pytest.fixture
def browser(chromium_path):
    from django.db import connections
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
        # Playwright's event loop gives the test's database connections a context
        # of their own, which nothing after it sees again: closed here, or they
        # would keep the test database open after the run.
        connections.close_all()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(browser, live_server):
    """A page in a fresh context; the test fails at teardown if a page it
    visited breaks an accessibility rule (see AccessibilityCheck) or had something
    refused by our Content-Security-Policy (see PolicyCheck)."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    accessibility = AccessibilityCheck(context)
    policy = PolicyCheck(context)
    yield context.new_page()
    accessibility.finish()
    context.close()
    if accessibility.violations or accessibility.errors:
        pytest.fail(accessibility.report(), pytrace=False)
    if policy.refused:
        pytest.fail(policy.report(), pytrace=False)


class PolicyCheck:
    """Collects what the Content-Security-Policy refused on any page or frame of a
    browser context: an inline script or style, a handler attribute, a resource
    from elsewhere. Each is a page that works differently for people than it
    looks in the template, so any one fails the test."""

    # Reported by the frame's own document as the browser refuses it.
    LISTENER = """document.addEventListener("securitypolicyviolation", (event) => {
      window.__policyRefused?.(event.documentURI, event.effectiveDirective,
        event.blockedURI, `${event.sourceFile}:${event.lineNumber}`, event.sample);
    });"""

    def __init__(self, context):
        self.refused: set[tuple[str, ...]] = set()
        context.expose_binding("__policyRefused", self._collect)
        context.add_init_script(script=self.LISTENER)

    def _collect(self, _source, url: str, directive: str, blocked: str, where: str, sample: str):
        self.refused.add((url, directive, blocked, where, sample))

    def report(self) -> str:
        lines = [f"The Content-Security-Policy refused {len(self.refused)} thing(s):"]
        for url, directive, blocked, where, sample in sorted(self.refused):
            lines.append(f"- {directive}: {blocked or 'inline'} at {where} on {url} {sample!r}")
        return "\n".join(lines)


def log_in(page, username: str, password: str = "secret-pass-123") -> None:
    """Log in and wait for the page the role lands on (a rep's queue, a manager's
    dashboard, the mailroom: config.views.home)."""
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    page.wait_for_load_state()


@dataclass(frozen=True)
class Violation:
    """One element breaking one axe-core rule on one page."""

    url: str
    rule: str
    impact: str
    help: str
    help_url: str
    target: str
    summary: str

    @property
    def path(self) -> str:
        """The page's address without the live server's origin, which changes."""
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https"):
            return self.url
        return parts._replace(scheme="", netloc="", fragment="").geturl()


@cache
def axe_script() -> str:
    """axe-core as npm installed it (`make install`), then the agent that runs it."""
    axe = AXE_CORE / "axe.min.js"
    if not axe.exists():
        pytest.fail(f"{axe} is missing: `make install` runs `npm ci`", pytrace=False)
    return axe.read_text(encoding="utf-8") + "\n" + AXE_AGENT.read_text(encoding="utf-8")


class AccessibilityCheck:
    """Runs axe-core (WCAG 2.1 A and AA, and best practices) on every page of a
    browser context, and collects what it finds.

    Each page checks itself (axe_agent.js) when it loads, after each HTMX swap
    and when a click or a form leaves it; navigations wait for that last check.
    The test's own goto, reload, back, forward, set_content and close check the
    page first, and finish() checks the pages still open. Every state the test
    leaves is so checked when nothing else is changing it.
    """

    # Python-driven moves away from a page, which the page itself doesn't see coming.
    LEAVING_METHODS = ("goto", "reload", "go_back", "go_forward", "set_content", "close")

    def __init__(self, context):
        self.context = context
        self.violations: dict[tuple[str, str, str], Violation] = {}
        self.errors: list[str] = []
        # Per page, its document and the checks a navigation away waits for; those
        # of a document that is gone (its navigation was not held) no longer count.
        self._documents: dict[object, str] = {}
        self._leaving: dict[object, int] = {}
        context.expose_binding("__axeDocument", self._new_document)
        context.expose_binding("__axeLeaving", self._count_leaving)
        context.expose_binding("__axeReport", self._collect)
        context.expose_binding("__axeFailed", lambda _source, url, error: self._fail(url, error))
        context.add_init_script(script=axe_script())
        context.on("page", self._watch)

    def check(self, page) -> None:
        """Check the page as it is now, after any check already under way."""
        from playwright.sync_api import Error

        if page.is_closed():
            return
        try:
            failure = page.evaluate(CHECK_NOW)
        except Error as error:
            failure = error.message
        if failure:
            self._fail(page.url, failure)

    def finish(self) -> None:
        """Check the pages still open, at the end of the test."""
        for page in self.context.pages:
            self.check(page)

    def report(self) -> str:
        """The violations by rule, then by element with the pages it is on, then
        the checks that could not run."""
        by_rule: dict[str, list[Violation]] = {}
        for violation in self.violations.values():
            by_rule.setdefault(violation.rule, []).append(violation)
        lines = [f"axe-core found {len(self.violations)} accessibility violation(s):"]
        for rule, found in by_rule.items():
            lines.append(f"- {rule} ({found[0].impact}): {found[0].help} <{found[0].help_url}>")
            pages: dict[tuple[str, str], list[str]] = {}
            for violation in found:
                paths = pages.setdefault((violation.target, violation.summary), [])
                paths += [] if violation.path in paths else [violation.path]
            for (target, summary), paths in pages.items():
                lines.append(f"    {target}  on {', '.join(paths)}")
                lines.append(f"      {' '.join(summary.split())}")
        lines += [f"- the check failed on {error}" for error in self.errors]
        return "\n".join(lines)

    def _collect(self, source, url: str, violations: list[dict]) -> None:
        for violation in violations:
            for node in violation["nodes"]:
                found = Violation(
                    url=url,
                    rule=violation["id"],
                    impact=violation["impact"],
                    help=violation["help"],
                    help_url=violation["helpUrl"].partition("?")[0],
                    target=node["target"],
                    summary=node["summary"],
                )
                self.violations.setdefault((url, found.rule, found.target), found)

    def _fail(self, url: str, error: str) -> None:
        self.errors.append(f"{url}: {error}")

    def _new_document(self, source, document: str) -> None:
        self._documents[source["page"]] = document
        self._leaving[source["page"]] = 0

    def _count_leaving(self, source, document: str, started: bool) -> None:
        page = source["page"]
        if self._documents.get(page) == document:
            self._leaving[page] += 1 if started else -1

    def _watch(self, page) -> None:
        # Playwright tells of a navigation or a close only once it has begun, when
        # the page can no longer be read: the page's methods check it first.
        for name in self.LEAVING_METHODS:
            setattr(page, name, self._checking_first(page, getattr(page, name)))
        # Chromium's own request interception, for documents only: Playwright's
        # (page.route) would turn the HTTP cache off, and scripts would then come
        # later after each load than they do for people.
        session = self.context.new_cdp_session(page)
        main_frame = session.send("Page.getFrameTree")["frameTree"]["frame"]["id"]
        session.on(
            "Fetch.requestPaused",
            lambda paused: self._hold_navigation(page, session, paused, main_frame),
        )
        session.send("Fetch.enable", {"patterns": [{"resourceType": "Document"}]})

    def _checking_first(self, page, method):
        def checked(*args, **kwargs):
            self.check(page)
            return method(*args, **kwargs)

        return checked

    def _hold_navigation(self, page, session, paused: dict, main_frame: str) -> None:
        """Let a page's navigation go once the page has checked what it leaves."""
        from playwright.sync_api import Error

        try:
            if paused["frameId"] == main_frame:
                deadline = time.monotonic() + CHECK_SECONDS
                while self._leaving.get(page) and time.monotonic() < deadline:
                    page.wait_for_timeout(10)
                if self._leaving.get(page):
                    self._fail(page.url, f"no result in {CHECK_SECONDS} s")
            session.send("Fetch.continueRequest", {"requestId": paused["requestId"]})
        except Error:
            if not page.is_closed():
                raise
