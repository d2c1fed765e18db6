"""The accessibility check every browser test runs (conftest.AccessibilityCheck)
finds a violation in each state of a page a test can leave behind."""

import time
from dataclasses import dataclass, field

import pytest

from tests.browser.conftest import AccessibilityCheck

# As in every browser test: without it, the next ones' serialized rollback fails.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]

UNLABELLED_FIELD = '<input type="text" name="nickname">'
TEST_PAGES = {
    "unlabelled": UNLABELLED_FIELD,
    "tidy": (
        '<button hx-get="/accessibility/field/" hx-target="#slot">Add a field</button>'
        '<div id="slot"></div><a href="/accessibility/elsewhere/">Onwards</a>'
    ),
    "elsewhere": "<p>Nothing to see.</p>",
    "restless": (
        "<p id=restless>Busy</p>"
        "<script>setInterval(() => restless.toggleAttribute('data-tick'))</script>"
    ),
}


@dataclass
class Checked:
    page: object
    check: AccessibilityCheck
    # What the check had found when each test page was asked for, by name.
    found_at_request: dict[str, set] = field(default_factory=dict)


@pytest.fixture
def checked(browser, live_server):
    """A page checked as every test's page is, serving TEST_PAGES at
    /accessibility/<name>/; the test reads what the check found."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)

    def serve(route):
        name = route.request.url.rstrip("/").rpartition("/")[2]
        checked.found_at_request[name] = found(checked.check)
        route.fulfill(content_type="text/html; charset=utf-8", body=page_html(name))

    context.route("**/accessibility/*/", serve)
    check = AccessibilityCheck(context)
    checked = Checked(page=context.new_page(), check=check)
    yield checked
    context.close()


def page_html(name: str) -> str:
    if name == "field":
        return UNLABELLED_FIELD
    return (
        '<!doctype html><html lang="en"><head><title>Check</title>'
        '<script src="/static/vendor/htmx.min.js"></script></head>'
        f"<body><main><h1>Check</h1>{TEST_PAGES[name]}</main></body></html>"
    )


def found(check) -> set[tuple[str, str, str]]:
    return {(v.path, v.rule, v.target) for v in check.violations.values()}


def found_by_the_page_itself(page, check) -> set[tuple[str, str, str]]:
    """What the page's own checks report, waiting for them (no check from Python)."""
    deadline = time.monotonic() + 10
    while not check.violations and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    return found(check)


def add_unlabelled_field(page) -> None:
    """Changes the page as a script would, which makes the page check nothing
    (the test first lets the check of the page as loaded end)."""
    page.evaluate(
        f"document.querySelector('main').insertAdjacentHTML('beforeend', '{UNLABELLED_FIELD}')"
    )


def test_a_page_is_checked_when_it_loads(checked):
    page, check = checked.page, checked.check

    page.goto("/accessibility/unlabelled/")

    assert found_by_the_page_itself(page, check) == {
        ("/accessibility/unlabelled/", "label", "input")
    }
    assert not check.errors


def test_the_report_names_the_rule_the_page_and_the_element(checked):
    page, check = checked.page, checked.check
    page.goto("/accessibility/unlabelled/")

    check.finish()

    report = check.report()
    assert report.startswith("axe-core found 1 accessibility violation(s):")
    assert (
        "- label (critical): Form elements must have labels <https://dequeuniversity.com/" in report
    )
    assert "    input  on /accessibility/unlabelled/\n" in report


def test_what_an_htmx_swap_brings_is_checked(checked):
    page, check = checked.page, checked.check
    page.goto("/accessibility/tidy/")
    check.check(page)
    assert not check.violations

    page.get_by_role("button", name="Add a field").click()

    assert found_by_the_page_itself(page, check) == {("/accessibility/tidy/", "label", "input")}


def test_the_page_a_click_leaves_is_checked_as_it_was_left(checked):
    page, check = checked.page, checked.check
    page.goto("/accessibility/tidy/")
    check.check(page)
    add_unlabelled_field(page)

    page.get_by_role("link", name="Onwards").click()
    page.wait_for_url("**/elsewhere/")

    # Found before the next page was even asked for: the navigation waited for it.
    assert checked.found_at_request["elsewhere"] == {("/accessibility/tidy/", "label", "input")}


def test_the_page_the_test_goes_away_from_is_checked_first(checked):
    page, check = checked.page, checked.check
    page.goto("/accessibility/tidy/")
    check.check(page)
    add_unlabelled_field(page)

    page.goto("/accessibility/elsewhere/")

    assert found(check) == {("/accessibility/tidy/", "label", "input")}


def test_a_page_the_test_closes_is_checked_first(checked):
    page, check = checked.page, checked.check
    other = page.context.new_page()
    other.goto("/accessibility/tidy/")
    check.check(other)
    add_unlabelled_field(other)

    other.close()

    assert found(check) == {("/accessibility/tidy/", "label", "input")}


def test_the_pages_still_open_are_checked_at_the_end(checked):
    page, check = checked.page, checked.check
    page.goto("/accessibility/tidy/")
    check.check(page)
    add_unlabelled_field(page)

    check.finish()

    assert found(check) == {("/accessibility/tidy/", "label", "input")}


def test_a_page_that_never_stops_changing_fails_the_check(checked):
    page, check = checked.page, checked.check
    page.goto("/accessibility/restless/")

    check.check(page)

    assert check.errors == [f"{page.url}: the page kept changing through 10 accessibility checks"]
