"""A tracked shop, browsers that send beacons to it, and a fixed clock."""

import datetime as dt
import json
import secrets

import pytest
import time_machine
from django.core.cache import cache

from crm.tracking.models import Site

ORIGIN = "https://shop.example.com"
NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # a Tuesday, 11:00 in New York


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Rate-limit counters live in the cache (this run's Redis database, or local
    memory), which no transaction rolls back."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def shop(db):
    return Site.objects.create(name="Shop", origins=f"{ORIGIN}\nhttps://www.shop.example.com/")


class Browser:
    """One browser on a tracked site: its visitor id, and beacons as the snippet
    sends them (JSON as text/plain, with the page's Origin)."""

    def __init__(self, client, site: Site, *, origin: str = ORIGIN, uid: str | None = None):
        self.client, self.site, self.origin = client, site, origin
        self.uid = uid or secrets.token_hex(16)

    def post(self, body, *, origin: str | None = None, **extra):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        headers = {"Origin": self.origin if origin is None else origin}
        return self.client.post(
            "/t/collect",
            data=data,
            content_type="text/plain;charset=UTF-8",
            headers={name: value for name, value in headers.items() if value},
            **extra,
        )

    def payload(self, kind: str, **fields) -> dict:
        fields.setdefault("eid", secrets.token_hex(8))
        if kind == "page_view":
            fields.setdefault("path", "/")
        return {"site": self.site.key, "uid": self.uid, "kind": kind, **fields}

    def send(self, kind: str, **fields):
        return self.post(self.payload(kind, **fields))

    def sent(self, kind: str, **fields) -> str:
        """Send, require success, and return the event id."""
        payload = self.payload(kind, **fields)
        response = self.post(payload)
        assert response.status_code == 204, response.content
        return payload["eid"]


@pytest.fixture
def browser(client, shop):
    return Browser(client, shop)


@pytest.fixture
def another_browser(client, shop):
    return Browser(client, shop)
