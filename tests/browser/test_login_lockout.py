"""Password guessing in a real browser: the lockout page a guesser meets, and the
manager's page that lifts a lock (both checked by axe-core like every page)."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings

from tests.browser.conftest import log_in

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]


def try_password(page, password: str):
    page.goto("/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(password)
    with page.expect_response(lambda response: response.url.endswith("/login/")) as answer:
        page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    return answer.value


def test_guessing_a_password_ends_on_the_lockout_page(page, rep_alice):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert try_password(page, "wrong-guess").status == 200
    # The failure that reaches the limit is answered with the lockout page already,
    assert try_password(page, "wrong-guess").status == 429
    # and so is the right password, until the cool-off passes or a manager lifts it.
    assert try_password(page, "secret-pass-123").status == 429
    alert = page.get_by_role("alert")
    assert "try again in 15 minutes or ask a manager" in alert.inner_text()


def test_the_manager_lifts_a_lock_from_the_settings(page, manager_maria):
    AccessAttempt.objects.create(
        username="alice",
        ip_address="203.0.113.7",
        user_agent="guesser",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
    )
    log_in(page, "maria")
    page.goto("/settings/")
    page.get_by_role("link", name="Login lockouts").first.click()
    page.get_by_role("button", name="Lift the lock on alice").click()
    page.wait_for_load_state()
    assert page.get_by_text("Lifted the lock on alice").is_visible()
    assert page.get_by_role("heading", name="No one is locked out").is_visible()
