"""Every endpoint that reads JSON refuses what would break a parser: nesting
thousands deep, bodies over the limit, bad UTF-8, JSON of the wrong kind. Real
requests through the test client; every refusal is JSON, never a 500."""

import json
from dataclasses import dataclass

import pytest

from crm.api_tokens.services import api_token_create
from crm.jsonbody import MAX_DEPTH, JsonBodyError, json_parse
from crm.models import Lead
from crm.tracking.models import Site, WebEvent

pytestmark = pytest.mark.django_db

ORIGIN = "https://shop.example.com"
UID = "a" * 32
DEEP = "[" * 5000 + "]" * 5000
DEEP_INSIDE_AN_OBJECT = '{"email": ' + "{" * 5000 + "}" * 5000 + "}"


@dataclass
class Endpoint:
    """One JSON endpoint as its callers reach it: URL, headers, a body it takes."""

    client: object
    url: str
    headers: dict
    good: dict
    content_type: str = "application/json"

    def post(self, body):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return self.client.post(
            self.url, data=data, content_type=self.content_type, headers=self.headers
        )


@pytest.fixture
def shop(db):
    return Site.objects.create(name="Shop", origins=ORIGIN)


def _api(client, user, url: str, good: dict) -> Endpoint:
    _token, secret = api_token_create(user=user, name="tests")
    return Endpoint(client, url, {"Authorization": f"Bearer {secret}"}, good)


@pytest.fixture(params=["api-leads", "api-identify", "mail-webhook", "beacon"])
def endpoint(request, client, rep_alice, manager_maria, shop) -> Endpoint:
    if request.param == "api-leads":
        return _api(client, rep_alice, "/api/leads/", {"email": "ada@example.com"})
    if request.param == "api-identify":
        good = {"site": shop.key, "uid": UID, "email": "ada@example.com"}
        return _api(client, manager_maria, "/api/track/identify/", good)
    if request.param == "mail-webhook":
        good = {"event": "bounce", "email": "nobody@example.com", "permanent": False}
        return Endpoint(
            client, "/m/webhooks/inbound/", {"Authorization": "Bearer test-webhook-secret"}, good
        )
    good = {"site": shop.key, "uid": UID, "kind": "page_view", "path": "/", "eid": "event-01"}
    return Endpoint(client, "/t/collect", {"Origin": ORIGIN}, good, "text/plain;charset=UTF-8")


def body_errors(response) -> list[str]:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response.json()["errors"]["body"]


def test_the_happy_path_still_works(endpoint):
    response = endpoint.post(endpoint.good)

    assert response.status_code in (200, 201, 204), response.content


@pytest.mark.parametrize("body", [DEEP, DEEP_INSIDE_AN_OBJECT], ids=["list", "in-an-object"])
def test_nesting_thousands_deep_is_answered_400_never_500(endpoint, body, settings):
    settings.TRACKING_MAX_BODY_BYTES = 100_000
    response = endpoint.post(body)

    assert response.status_code == 400
    assert f"more than {MAX_DEPTH} levels" in body_errors(response)[0]


def test_a_body_over_the_limit_is_answered_413_in_json(endpoint, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.TRACKING_MAX_BODY_BYTES = 1000

    response = endpoint.post({**endpoint.good, "title": "x" * 2000})

    assert response.status_code == 413
    assert "at most 1000 bytes" in body_errors(response)[0]
    assert not Lead.objects.exists()
    assert not WebEvent.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"email": "\xff\xfe@example.com"}', "not valid UTF-8"),
        ('{"email": ', "not valid JSON"),
        ('{"value": NaN}', "not valid JSON"),
        ('"just a string"', "Send one JSON object"),
    ],
    ids=["bad-utf8", "truncated", "nan", "string"],
)
def test_a_body_that_is_not_one_json_object_is_answered_400(endpoint, body, message):
    response = endpoint.post(body)

    assert response.status_code == 400
    assert message in body_errors(response)[0]
    assert not WebEvent.objects.exists()


def test_a_list_at_the_top_is_answered_400_except_by_the_webhook(endpoint):
    response = endpoint.post([endpoint.good])

    if endpoint.url == "/m/webhooks/inbound/":  # its documented form: a list of events
        assert response.status_code == 200, response.content
    else:
        assert response.status_code == 400
        assert "Send one JSON object" in body_errors(response)[0]


def test_the_beacon_keeps_its_cors_header_on_a_refused_body(client, shop, settings):
    settings.TRACKING_MAX_BODY_BYTES = 20_000
    headers = {"Origin": ORIGIN}

    too_big = client.post(
        "/t/collect", data="x" * 30_000, content_type="text/plain", headers=headers
    )
    too_deep = client.post("/t/collect", data=DEEP, content_type="text/plain", headers=headers)

    assert (too_big.status_code, too_deep.status_code) == (413, 400)
    assert (
        too_big["Access-Control-Allow-Origin"] == too_deep["Access-Control-Allow-Origin"] == ORIGIN
    )


def test_the_beacon_gives_no_cors_header_to_an_untracked_origin(client, shop, settings):
    settings.TRACKING_MAX_BODY_BYTES = 20_000
    headers = {"Origin": "https://elsewhere.example.net"}

    response = client.post("/t/collect", data=DEEP, content_type="text/plain", headers=headers)

    assert response.status_code == 400
    assert not response.has_header("Access-Control-Allow-Origin")


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": "' + b"[" * 5000 + b'"}',
        b'{"a": "\\"[[[[' + b"[" * 5000 + b'"}',
        b'{"a": ' + b"[" * (MAX_DEPTH - 1) + b"]" * (MAX_DEPTH - 1) + b"}",
        b"{" + b'"a": [], ' * 10000 + b'"b": 1}',
    ],
    ids=["brackets-in-a-string", "after-an-escaped-quote", "just-deep-enough", "wide"],
)
def test_brackets_in_strings_and_wide_bodies_are_no_nesting(raw):
    assert isinstance(json_parse(raw), dict)


def test_one_level_deeper_than_the_limit_is_refused():
    def nested(levels: int) -> bytes:
        return b"[" * levels + b"]" * levels

    assert json_parse(nested(MAX_DEPTH), kinds=(list,))
    with pytest.raises(JsonBodyError, match="nested more than"):
        json_parse(nested(MAX_DEPTH + 1), kinds=(list,))
