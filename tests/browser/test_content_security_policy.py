"""The Content-Security-Policy in a real browser: what it refuses is reported by
the check every browser test runs (conftest.PolicyCheck), and the tracking snippet
still works from a customer's site, whose page is not under our policy."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from crm.tracking.models import Site, Visitor
from tests.browser.conftest import PolicyCheck, log_in

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]


@pytest.fixture
def watched(browser, live_server):
    """A page whose refusals the test reads itself (the `page` fixture would fail)."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    policy = PolicyCheck(context)
    yield context.new_page(), policy
    context.close()


def test_an_injected_inline_script_does_not_run_and_is_reported(watched):
    page, policy = watched
    page.goto("/login/")
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.injected = true";
        document.head.append(script);
    }""")

    assert page.evaluate("window.injected") is None
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    page.wait_for_function("true")  # the violation event is dispatched asynchronously
    assert {refused[1] for refused in policy.refused} == {"script-src-elem"}


def test_an_injected_style_attribute_and_handler_are_refused(watched):
    page, policy = watched
    page.goto("/login/")
    page.evaluate(
        """() => document.body.insertAdjacentHTML("beforeend",
        '<p style="color: red">red</p><img src="data:," onerror="window.handled = true">')"""
    )
    page.wait_for_timeout(200)

    assert page.evaluate("window.handled") is None
    directives = {refused[1] for refused in policy.refused}
    assert directives == {"style-src-attr", "script-src-attr"}


@pytest.fixture
def customer_site():
    """A customer's website on another origin of this machine (a real HTTP server
    on loopback: Chromium lets a loopback page load our loopback snippet)."""
    pages: dict[str, bytes] = {}

    class CustomerPages(BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path, b"")
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), CustomerPages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", pages
    server.shutdown()
    server.server_close()


def test_the_snippet_records_a_visit_from_a_customer_site(
    page, live_server, settings, customer_site
):
    origin, pages = customer_site
    settings.SITE_URL = live_server.url  # the snippet tag points here
    site = Site.objects.create(name="Shop", origins=origin)
    pages["/shoes"] = (
        "<!doctype html><html lang=en><head><title>Shoes</title></head>"
        f"<body><main><h1>Shoes</h1></main>{site.snippet_tag}</body></html>"
    ).encode()

    with page.expect_request_finished(lambda request: "/t/collect" in request.url) as beacon:
        page.goto(f"{origin}/shoes")

    assert beacon.value.response().status < 300
    assert Visitor.objects.filter(site=site).count() == 1


def test_the_admin_s_own_inline_scripts_run_and_nothing_else_does(watched, manager_maria):
    """django-rq's job list selects all rows by an inline script and
    django-import-export's export page by a handler attribute: allowed by hash
    (config/admin_policy.py); an injected script still is not."""
    page, policy = watched
    manager_maria.is_staff = manager_maria.is_superuser = True
    manager_maria.save()
    log_in(page, "maria")

    page.goto("/admin/crm/lead/export/")
    expect(page.get_by_role("button", name="Submit")).to_be_visible()
    page.goto("/admin/rq/queues/0/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert policy.refused == set()

    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.injected = true";
        document.head.append(script);
    }""")
    page.wait_for_timeout(200)
    assert page.evaluate("window.injected") is None
    assert {refused[1] for refused in policy.refused} == {"script-src-elem"}
