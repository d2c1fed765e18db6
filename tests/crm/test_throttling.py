"""Guessing API tokens: failed bearer tokens from one address are counted, and past
the limit that address gets 429 with Retry-After, whatever token it sends."""

import time

import pytest
from django.conf import settings

from crm.api_tokens.services import api_token_create

URL = "/api/leads/0/"  # no such lead: a token that gets in is answered 404
LET_IN = 404


def get_with(client, secret, ip="203.0.113.7"):
    return client.get(URL, headers={"Authorization": f"Bearer {secret}"}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_failed_api_tokens_from_one_address_are_throttled_with_retry_after(client, rep_alice):
    _token, secret = api_token_create(user=rep_alice, name="shop")
    for attempt in range(settings.BEARER_FAILURE_LIMIT):
        assert get_with(client, f"guess-{attempt}").status_code == 401

    refused = get_with(client, "guess-again")

    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("application/json")
    [message] = refused.json()["errors"]["__all__"]
    assert message.startswith("Too many failed attempts; try again in ")
    window = settings.BEARER_FAILURE_WINDOW_SECONDS
    assert window - 5 <= int(refused["Retry-After"]) <= window
    # The right token is refused the same way: a 429 says nothing about a token.
    assert get_with(client, secret).status_code == 429
    assert get_with(client, secret, ip="203.0.113.8").status_code == LET_IN


@pytest.mark.django_db
def test_the_address_may_try_again_when_the_window_ends(client, rep_alice, settings):
    # A real second, not a travelled one: Redis expires keys by its own clock.
    settings.BEARER_FAILURE_LIMIT = 2
    settings.BEARER_FAILURE_WINDOW_SECONDS = 1
    _token, secret = api_token_create(user=rep_alice, name="shop")
    get_with(client, "guess-1")
    get_with(client, "guess-2")
    assert get_with(client, secret).status_code == 429
    time.sleep(1.2)
    assert get_with(client, secret).status_code == LET_IN


@pytest.mark.django_db
def test_good_tokens_are_never_counted(client, rep_alice):
    _token, secret = api_token_create(user=rep_alice, name="shop")
    for _ in range(settings.BEARER_FAILURE_LIMIT + 5):
        assert get_with(client, secret).status_code == LET_IN
