"""The beacon endpoint (origins, limits, validation) and the snippet it serves."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from crm.tracking.models import Visitor, WebEvent
from tests.crm.tracking.conftest import ORIGIN, Browser

pytestmark = pytest.mark.usefixtures("clock")


def errors(response) -> dict:
    return json.loads(response.content)["errors"]


# Origins and CORS


def test_an_allowed_origin_is_recorded_and_answered_with_its_cors_header(browser):
    response = browser.send("page_view", path="/pricing", title="Pricing")

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "Origin" in response["Vary"]
    event = WebEvent.objects.get()
    assert (event.kind, event.path, event.title) == ("page_view", "/pricing", "Pricing")


def test_every_origin_listed_for_the_site_is_allowed(client, shop):
    response = Browser(client, shop, origin="https://www.shop.example.com").send("page_view")

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "https://www.shop.example.com"


def test_another_origin_is_refused(client, shop):
    response = Browser(client, shop, origin="https://evil.example.net").send("page_view")

    assert response.status_code == 403
    assert "origin" in errors(response)
    assert not response.has_header("Access-Control-Allow-Origin")
    assert not WebEvent.objects.exists() and not Visitor.objects.exists()


def test_a_beacon_without_an_origin_is_refused(browser):
    response = browser.post(browser.payload("page_view"), origin="")

    assert response.status_code == 403
    assert not WebEvent.objects.exists()


def test_an_unknown_or_inactive_site_is_refused(browser, shop):
    assert browser.post({**browser.payload("page_view"), "site": "nope"}).status_code == 403

    shop.is_active = False
    shop.save()
    assert browser.send("page_view").status_code == 403


def test_a_preflight_from_a_tracked_origin_is_allowed(client, shop):
    response = client.options("/t/collect", headers={"Origin": ORIGIN})

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "Content-Type" in response["Access-Control-Allow-Headers"]


def test_a_preflight_from_another_origin_is_refused(client, shop):
    response = client.options("/t/collect", headers={"Origin": "https://shop.example.com.evil"})

    assert response.status_code == 403
    assert not response.has_header("Access-Control-Allow-Origin")


def test_a_beacon_posted_as_json_is_accepted_too(browser):
    response = browser.client.post(
        "/t/collect",
        data=browser.payload("page_view"),
        content_type="application/json",
        headers={"Origin": ORIGIN},
    )

    assert response.status_code == 204


# Rate limits


def test_a_visitor_over_its_limit_gets_429_with_retry_after(browser, another_browser, settings):
    settings.TRACKING_RATE_PER_MINUTE = 3
    assert [browser.send("page_view").status_code for _ in range(3)] == [204, 204, 204]

    refused = browser.send("page_view")

    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert WebEvent.objects.count() == 3
    assert another_browser.send("page_view").status_code == 204


def test_an_ip_address_over_its_limit_gets_429(client, shop, settings):
    settings.TRACKING_IP_RATE_PER_MINUTE = 5
    browsers = [Browser(client, shop) for _ in range(6)]

    statuses = [each.send("page_view").status_code for each in browsers]

    assert statuses == [204] * 5 + [429]
    other_ip = browsers[5].post(browsers[5].payload("page_view"), REMOTE_ADDR="192.0.2.7")
    assert other_ip.status_code == 204


def test_the_limit_starts_again_in_the_next_minute(browser, settings, clock):
    settings.TRACKING_RATE_PER_MINUTE = 1
    browser.sent("page_view")
    assert browser.send("page_view").status_code == 429

    clock.shift(dt.timedelta(minutes=1))

    assert browser.send("page_view").status_code == 204


def test_behind_a_proxy_the_forwarded_address_counts(client, shop, settings):
    settings.TRACKING_IP_RATE_PER_MINUTE = 1
    settings.TRUSTED_PROXY_COUNT = 1
    one, two = Browser(client, shop), Browser(client, shop)

    first = one.post(one.payload("page_view"), HTTP_X_FORWARDED_FOR="198.51.100.1")
    second = two.post(two.payload("page_view"), HTTP_X_FORWARDED_FOR="198.51.100.2")

    assert (first.status_code, second.status_code) == (204, 204)


def test_when_the_cache_is_down_beacons_are_still_recorded(browser, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache unreachable")

    monkeypatch.setattr("crm.tracking.ratelimit.cache.incr", down)
    monkeypatch.setattr("crm.tracking.ratelimit.cache.add", down)

    assert browser.send("page_view").status_code == 204
    assert WebEvent.objects.count() == 1


# Validation: 400 with field errors, never a 500


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "page_load"}, "kind"),
        ({"path": "pricing"}, "path"),
        ({"kind": "cart_add", "cart_id": "c1", "value": -1}, "value"),
        ({"kind": "cart_add", "cart_id": "c1", "value": "lots"}, "value"),
        ({"kind": "cart_add", "cart_id": "c1", "value": "1.005"}, "value"),
        ({"kind": "cart_add"}, "cart_id"),
        ({"kind": "content_download"}, "content"),
        ({"kind": "app_event"}, "name"),
        ({"kind": "app_event", "name": "   "}, "name"),
        ({"kind": "app_event", "name": "x" * 101}, "name"),
        ({"kind": "app_event", "name": {"nested": "object"}}, "name"),
        ({"kind": "page_time", "page": "abcdefgh"}, "seconds"),
        ({"kind": "page_time", "page": "abcdefgh", "seconds": -5}, "seconds"),
        ({"uid": "short"}, "uid"),
        ({"uid": "not a valid visitor id at all!"}, "uid"),
        ({"eid": None}, "eid"),
        ({"title": "x" * 201}, "title"),
        ({"path": "/" + "a" * 500}, "path"),
        ({"referrer": "https://news.example.org/a"}, "referrer"),
        ({"ref": "not/a code"}, "ref"),
        ({"currency": "usd", "kind": "purchase"}, "currency"),
        ({"title": {"nested": "object"}}, "title"),
        ({"title": ["a", "list"]}, "title"),
        ({"value": True, "kind": "purchase"}, "value"),
        ({"ip": "203.0.113.9"}, "ip"),
        ({"title": "nul \x00 character"}, "title"),
        ({"title": "a lone surrogate \ud800"}, "title"),
    ],
)
def test_invalid_fields_are_answered_400_with_field_errors(browser, fields, field):
    payload = {**browser.payload(fields.get("kind", "page_view")), **fields}

    response = browser.post(payload)

    assert response.status_code == 400, response.content
    assert field in errors(response), errors(response)
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert not WebEvent.objects.exists()


@pytest.mark.parametrize(
    "body",
    ["not json", "{", "[1, 2]", '"page_view"', "null", b"\xff\xfe", "[" * 4000 + "]" * 4000],
)
def test_a_body_that_is_not_one_json_object_is_answered_400(browser, body):
    response = browser.post(body)

    assert response.status_code == 400
    assert "body" in errors(response)


def test_an_oversized_body_is_answered_413(browser, settings):
    payload = browser.payload("page_view", title="x" * 200)
    settings.TRACKING_MAX_BODY_BYTES = len(json.dumps(payload)) - 1

    response = browser.post(payload)

    assert response.status_code == 413
    assert "body" in errors(response)
    assert not WebEvent.objects.exists()


def test_an_identify_with_a_bad_email_is_answered_400(browser):
    response = browser.send("identify", email="not-an-email")

    assert response.status_code == 400
    assert "email" in errors(response)


def test_other_methods_are_not_allowed(client, shop):
    assert client.get("/t/collect", headers={"Origin": ORIGIN}).status_code == 405


# Storing no more than needed


def test_only_the_path_is_kept_never_a_query_string_or_fragment(browser):
    browser.sent("page_view", path="/thank-you?email=ada@example.com#top")

    assert WebEvent.objects.get().path == "/thank-you"


def test_nothing_about_the_request_itself_is_stored(browser):
    browser.sent(
        "page_view",
        path="/pricing",
        title="Pricing",
        referrer="news.example.org",
        utm_source="newsletter",
    )

    event = WebEvent.objects.get()
    stored = json.dumps(event.data)
    assert "127.0.0.1" not in stored
    assert set(event.data) == {"eid", "referrer", "utm"}
    assert event.data["utm"] == {"source": "newsletter"}


def test_a_page_view_of_a_known_visitor_costs_a_few_queries(browser, django_assert_max_num_queries):
    browser.sent("page_view")

    # Site, visitor (locked), duplicate check, insert; plus the test transaction's savepoint.
    with django_assert_max_num_queries(4 + 2):
        browser.sent("page_view", path="/pricing")


def test_a_page_view_of_an_identified_visitor_costs_a_few_queries(
    browser, settings, django_assert_max_num_queries
):
    browser.sent("identify", email="ada@example.com")
    settings.JOBS_MODE = "thread"  # the interaction hooks run in a job, not in the request

    # Site, visitor, duplicate check, insert, the lead's activity time; plus the savepoint.
    with django_assert_max_num_queries(5 + 2):
        browser.sent("page_view", path="/pricing")


# The snippet


def test_the_snippet_is_served_with_long_cache_headers_and_posts_to_collect(client):
    response = client.get("/t/track.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "max-age=86400" in response["Cache-Control"]
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert reverse("tracking:collect") in response.content.decode()
    assert "sendBeacon" in response.content.decode()
    assert client.get("/t/track.js", headers={"If-None-Match": response["ETag"]}).status_code == 304
