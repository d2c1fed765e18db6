import pytest
from playwright.sync_api import expect

from crm.tracking.models import Site
from tests.browser.conftest import log_in

# serialized_rollback keeps the roles and drips that migrations created across the flush.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]


def test_the_copy_button_puts_the_snippet_on_the_clipboard(page, manager_maria):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    site = Site.objects.create(name="Blog", origins="https://blog.example.com")
    log_in(page, "maria")

    page.get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Websites").first.click()
    page.get_by_role("link", name="Blog").click()
    page.get_by_role("button", name="Copy").click()

    # The clipboard is the browser process's: on a loaded machine (CI beside other
    # work) its answer once took longer than expect's five seconds.
    expect(page.get_by_text("Copied.")).to_be_visible(timeout=15_000)
    assert page.evaluate("navigator.clipboard.readText()") == site.snippet_tag
