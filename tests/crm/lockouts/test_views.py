"""Password guessing: django-axes locks a username or an address after too many
failed logins, through our own login page; a manager sees the locks and lifts one."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

LOGIN = "/login/"
RIGHT = "secret-pass-123"  # every factory user's password


def log_in(client, username, password, ip="203.0.113.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def fail_until_locked(client, username, ip="203.0.113.7"):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, username, "wrong-guess", ip)


def assert_locked_out(response):
    assert response.status_code == 429
    assert "Too many failed attempts; try again in 15 minutes or ask a manager" in response.text


def assert_logged_in(response, user):
    assert response.status_code == 302
    assert response.wsgi_request.user == user


@pytest.mark.django_db
def test_a_few_failed_logins_are_only_failures(client, rep_alice):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "alice", "wrong-guess").status_code == 200
    assert_logged_in(log_in(client, "alice", RIGHT), rep_alice)


@pytest.mark.django_db
def test_failed_logins_for_one_account_lock_it_even_from_other_addresses(client, rep_alice):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "alice", "wrong-guess", ip=f"198.51.100.{attempt + 1}")
    # The right password, from an address that never failed, is refused too.
    assert_locked_out(log_in(client, "alice", RIGHT, ip="192.0.2.50"))


@pytest.mark.django_db
def test_failed_logins_from_one_address_lock_it_across_usernames(client, rep_alice, rep_bob):
    for name in ("carol", "dave", "erin", "frank", "gina", "hugo")[: settings.AXES_FAILURE_LIMIT]:
        log_in(client, name, "wrong-guess", ip="203.0.113.9")
    assert_locked_out(log_in(client, "bob", RIGHT, ip="203.0.113.9"))
    assert_logged_in(log_in(client, "bob", RIGHT, ip="203.0.113.10"), rep_bob)


@pytest.mark.django_db
def test_the_lock_passes_after_the_cool_off(client, rep_alice):
    with time_machine.travel("2026-03-02 09:00 +0000", tick=False) as clock:
        fail_until_locked(client, "alice")
        assert_locked_out(log_in(client, "alice", RIGHT))
        clock.shift(settings.AXES_COOLOFF_TIME + timedelta(seconds=1))
        assert_logged_in(log_in(client, "alice", RIGHT), rep_alice)


@pytest.mark.django_db
def test_the_manager_sees_the_lock_and_lifts_it_and_the_user_logs_in(
    client, rep_alice, manager_maria
):
    fail_until_locked(client, "alice")
    client.force_login(manager_maria)
    page = client.get(reverse("lockouts:list"))
    assert page.status_code == 200
    assert "alice" in page.text and "203.0.113.7" in page.text
    lifted = client.post(
        reverse("lockouts:lift"), {"parameter": "username", "value": "alice"}, follow=True
    )
    assert "Lifted the lock on alice" in lifted.text
    assert "No one is locked out" in lifted.text
    client.logout()
    assert_logged_in(log_in(client, "alice", RIGHT), rep_alice)


@pytest.mark.django_db
def test_the_manager_lifts_an_address_lock(client, rep_alice, manager_maria):
    fail_until_locked(client, "nobody", ip="203.0.113.20")
    client.force_login(manager_maria)
    client.post(reverse("lockouts:lift"), {"parameter": "ip_address", "value": "203.0.113.20"})
    client.logout()
    assert_logged_in(log_in(client, "alice", RIGHT, ip="203.0.113.20"), rep_alice)


@pytest.mark.django_db
def test_lifting_an_unknown_kind_of_lock_is_a_400(maria):
    response = maria.post(reverse("lockouts:lift"), {"parameter": "password", "value": "x"})
    assert response.status_code == 400


@pytest.mark.django_db
def test_a_rep_may_not_see_or_lift_lockouts(alice):
    assert alice.get(reverse("lockouts:list")).status_code == 403
    lift = {"parameter": "username", "value": "bob"}
    assert alice.post(reverse("lockouts:lift"), lift).status_code == 403


@pytest.mark.django_db
def test_the_settings_hub_links_to_the_lockouts(maria):
    assert reverse("lockouts:list") in maria.get(reverse("settings")).text


@pytest.mark.django_db
def test_behind_one_proxy_the_lock_is_on_the_forwarded_address(client, rep_alice, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        # The client may write anything left of what the proxy appends; that part is ignored.
        client.post(
            LOGIN,
            {"username": "nobody", "password": "wrong-guess"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.30",
        )
    locked = {"REMOTE_ADDR": proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.30"}
    other = {"REMOTE_ADDR": proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.31"}
    form = {"username": "alice", "password": RIGHT}
    assert_locked_out(client.post(LOGIN, form, **locked))
    assert_logged_in(client.post(LOGIN, form, **other), rep_alice)
