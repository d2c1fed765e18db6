"""Guessing API tokens: failed bearer tokens from one address are counted, and past
the limit that address gets 429 with Retry-After, whatever token it sends."""

import pytest
import time_machine
from django.conf import settings

from crm.services import api_token_create

URL = "/api/leads/0/"  # no such lead: a token that gets in is answered 404
LET_IN = 404


def get_with(client, secret, ip="203.0.113.7"):
    return client.get(URL, headers={"Authorization": f"Bearer {secret}"}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_failed_api_tokens_from_one_address_are_throttled_with_retry_after(client, rep_alice):
    _token, secret = api_token_create(user=rep_alice, name="shop")
    with time_machine.travel("2026-03-02 09:00:00 +0000", tick=False) as clock:
        for attempt in range(settings.BEARER_FAILURE_LIMIT):
            assert get_with(client, f"guess-{attempt}").status_code == 401
        refused = get_with(client, "guess-again")
        assert refused.status_code == 429
        assert refused["Content-Type"].startswith("application/json")
        assert refused.json() == {
            "errors": {"__all__": ["Too many failed attempts; try again in 600 seconds."]}
        }
        assert refused["Retry-After"] == "600"
        # The right token is refused the same way: a 429 says nothing about a token.
        assert get_with(client, secret).status_code == 429
        assert get_with(client, secret, ip="203.0.113.8").status_code == LET_IN
        clock.shift(settings.BEARER_FAILURE_WINDOW_SECONDS)
        assert get_with(client, secret).status_code == LET_IN


@pytest.mark.django_db
def test_good_tokens_are_never_counted(client, rep_alice):
    _token, secret = api_token_create(user=rep_alice, name="shop")
    for _ in range(settings.BEARER_FAILURE_LIMIT + 5):
        assert get_with(client, secret).status_code == LET_IN
