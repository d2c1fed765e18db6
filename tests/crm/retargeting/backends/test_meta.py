"""The Meta custom audience backend against a Graph API on loopback: the
documented payload (schema plus hashed rows), 10,000 rows a request, the
session fields of a replace, retries on 429/5xx with backoff, an expired token,
rows Meta could not use."""

import contextlib
import hashlib
import random
import socket

import pytest

from crm.retargeting import formats
from crm.retargeting.backends import (
    AuthExpired,
    MetaCustomAudienceBackend,
    PlatformError,
    RetryPolicy,
    TemporaryFailure,
)
from crm.retargeting.backends.meta import row_from_lead

AUDIENCE = "23850000000000001"
TOKEN = "EAAB-test-token"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def graph_api(request):
    """Meta's answer to an accepted upload: what it received, nothing invalid."""
    form = request.form()
    return (
        200,
        {
            "audience_id": AUDIENCE,
            "session_id": str((form.get("session") or {}).get("session_id", 1)),
            "num_received": len(form["payload"]["data"]),
            "num_invalid_entries": 0,
            "invalid_entry_samples": {},
        },
        {},
    )


def graph_api_ok(received: int) -> dict:
    return {"num_received": received, "num_invalid_entries": 0}


@contextlib.contextmanager
def closed_port():
    """A loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture
def meta(loopback_platform, settings, sleeps):
    platform, url = loopback_platform(graph_api)
    settings.META_GRAPH_API_BASE_URL = url
    settings.META_GRAPH_API_VERSION = "v25.0"

    def backend(**kw):
        kw.setdefault("retry", RetryPolicy(max_attempts=4, base_delay=1, max_delay=30))
        return MetaCustomAudienceBackend(
            audience_id=AUDIENCE, access_token=TOKEN, sleep=sleeps, rng=random.Random(7), **kw
        )

    platform.backend = backend
    return platform


def rows(count: int) -> list[dict]:
    return [{"email": sha(f"person{n}@example.com")} for n in range(count)]


def test_add_members_posts_the_documented_payload(meta):
    people = [
        {"email": sha("ann@example.com"), "phone": sha("14155552671")},
        {"email": sha("bob@example.com")},
        {"phone": sha("447700900123"), "country": sha("gb")},
    ]

    result = meta.backend().add_members(people)

    [request] = meta.requests
    assert (request.method, request.path) == ("POST", f"/v25.0/{AUDIENCE}/users")
    assert request.query == ""  # the token stays out of URLs and their logs
    form = request.form()
    assert form["access_token"] == TOKEN
    assert form["payload"] == {
        "schema": ["EMAIL", "PHONE", "COUNTRY"],
        "data": [
            [sha("ann@example.com"), sha("14155552671"), ""],
            [sha("bob@example.com"), "", ""],
            ["", sha("447700900123"), sha("gb")],
        ],
    }
    assert "session" not in form
    assert (result.sent, result.failed, result.matched, result.failures) == (3, 0, None, [])


def test_a_leads_row_hashes_as_the_meta_file_does():
    lead = {
        "email": " Test@Example.com ",
        "phone": "+1 415 555 2671",
        "first_name": "Mary Ann",
        "last_name": "O'Connor",
        "city": "Springfield",
        "region": "Illinois",
        "postal_code": "62701-1234",
        "country": "US",
    }

    row = row_from_lead(lead)

    assert list(row.values()) == formats.META.row(lead)
    assert row["email"] == sha("test@example.com")
    assert row["phone"] == sha("14155552671")
    assert row["region"] == sha("il")


def test_remove_members_deletes_with_the_payload_in_the_body(meta):
    result = meta.backend().remove_members(rows(2))

    [request] = meta.requests
    assert (request.method, request.path, request.query) == (
        "DELETE",
        f"/v25.0/{AUDIENCE}/users",
        "",
    )
    assert request.form()["payload"]["data"] == [[row["email"]] for row in rows(2)]
    assert result.sent == 2


def test_replace_all_sends_10000_a_request_in_one_session(meta):
    people = rows(25_001)

    result = meta.backend().replace_all(people)

    assert [(r.method, r.path) for r in meta.requests] == [
        ("POST", f"/v25.0/{AUDIENCE}/usersreplace")
    ] * 3
    forms = [r.form() for r in meta.requests]
    assert [len(form["payload"]["data"]) for form in forms] == [10_000, 10_000, 5_001]
    assert [form["payload"]["data"][0][0] for form in forms] == [
        people[0]["email"],
        people[10_000]["email"],
        people[20_000]["email"],
    ]
    sessions = [form["session"] for form in forms]
    assert len({session["session_id"] for session in sessions}) == 1
    assert sessions[0]["session_id"] > 0
    assert [s["batch_seq"] for s in sessions] == [1, 2, 3]
    assert [s["last_batch_flag"] for s in sessions] == [False, False, True]
    assert {s["estimated_num_total"] for s in sessions} == {25_001}
    assert (result.sent, result.failed) == (25_001, 0)


def test_each_replace_is_a_new_session(meta):
    backend = meta.backend()
    backend.replace_all(rows(1))
    backend.replace_all(rows(1))

    first, second = (r.form()["session"]["session_id"] for r in meta.requests)
    assert first != second


def test_replacing_with_nobody_is_refused_before_any_request(meta):
    with pytest.raises(ValueError, match="remove the members"):
        meta.backend().replace_all([])
    assert meta.requests == []


def test_429_waits_at_least_its_retry_after_then_sends_again(meta, sleeps):
    meta.script(
        "/users", (429, {"error": {"message": "slow down", "code": 80003}}, {"Retry-After": "7"})
    )

    result = meta.backend().add_members(rows(3))

    assert len(meta.requests) == 2
    assert meta.requests[0].body == meta.requests[1].body
    assert len(sleeps) == 1 and sleeps[0] >= 7
    assert result.sent == 3


def test_503_twice_backs_off_exponentially_then_succeeds(meta, sleeps):
    meta.script("/users", (503, {}), (503, {}))

    result = meta.backend(
        retry=RetryPolicy(max_attempts=4, base_delay=2, max_delay=30)
    ).add_members(rows(1))

    assert len(meta.requests) == 3
    assert len(sleeps) == 2
    assert 0 <= sleeps[0] <= 2 and 0 <= sleeps[1] <= 4  # full jitter under a doubling cap
    assert result.sent == 1


def test_a_rate_limit_sent_as_400_is_retried_too(meta, sleeps):
    meta.script("/users", (400, {"error": {"message": "User request limit reached", "code": 17}}))

    result = meta.backend().add_members(rows(1))

    assert len(meta.requests) == 2
    assert result.sent == 1


def test_gives_up_after_max_attempts_with_what_was_sent(meta, sleeps):
    meta.script("/users", (200, graph_api_ok(10)), *[(503, {"error": {"message": "down"}})] * 3)

    with pytest.raises(TemporaryFailure, match="down") as raised:
        meta.backend(batch_size=10, retry=RetryPolicy(max_attempts=3)).add_members(rows(30))

    assert len(meta.requests) == 4  # one batch, then three attempts at the second
    assert len(sleeps) == 2
    assert raised.value.result.sent == 10


def test_a_retry_after_longer_than_we_would_sleep_gives_up_at_once(meta, sleeps):
    meta.script("/users", (429, {"error": {"message": "later"}}, {"Retry-After": "3600"}))

    with pytest.raises(TemporaryFailure) as raised:
        meta.backend().add_members(rows(1))

    assert raised.value.retry_after == 3600
    assert sleeps == [] and len(meta.requests) == 1


def test_an_unreachable_platform_is_retried_then_a_temporary_failure(settings, sleeps):
    with closed_port() as port:
        settings.META_GRAPH_API_BASE_URL = f"http://127.0.0.1:{port}"
        backend = MetaCustomAudienceBackend(
            audience_id=AUDIENCE,
            access_token=TOKEN,
            retry=RetryPolicy(max_attempts=2),
            sleep=sleeps,
        )
        with pytest.raises(TemporaryFailure, match="Could not reach"):
            backend.add_members(rows(1))
    assert len(sleeps) == 1


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (
            400,
            {
                "message": "Error validating access token: Session has expired",
                "code": 190,
                "error_subcode": 463,
            },
        ),
        (401, {"message": "Invalid OAuth access token", "code": 190}),
        (403, {"message": "Permissions error", "code": 200}),
    ],
)
def test_an_expired_or_powerless_token_stops_at_once(meta, sleeps, status, error):
    meta.script("/users", (200, graph_api_ok(10)), (status, {"error": error}))

    with pytest.raises(AuthExpired) as raised:
        meta.backend(batch_size=10).add_members(rows(30))

    assert error["message"] in raised.value.message
    assert len(meta.requests) == 2 and sleeps == []  # not retried, third batch not sent
    assert raised.value.result.sent == 10


def test_rows_meta_could_not_use_are_counted_with_its_reasons(meta):
    meta.script(
        "/users",
        (
            200,
            {
                "num_received": 10,
                "num_invalid_entries": 2,
                "invalid_entry_samples": {"x": "Invalid email hash", "y": "Invalid email hash"},
            },
        ),
        (400, {"error": {"message": "Invalid parameter", "code": 100, "error_subcode": 1713230}}),
    )

    result = meta.backend(batch_size=10).add_members(rows(25))

    assert len(meta.requests) == 3  # a refused batch does not stop the others
    assert result.sent == 8 + 5
    assert result.failed == 2 + 10
    assert [(f.batch, f.rows) for f in result.failures] == [(1, 2), (2, 10)]
    assert "Invalid email hash" in result.failures[0].reason
    assert "Invalid parameter" in result.failures[1].reason


def test_the_default_address_is_metas_and_never_reached_from_tests(only_loopback, sleeps):
    backend = MetaCustomAudienceBackend(
        audience_id=AUDIENCE, access_token=TOKEN, retry=RetryPolicy(max_attempts=1), sleep=sleeps
    )

    assert backend.url.startswith("https://graph.facebook.com/v25.0/")
    with pytest.raises(TemporaryFailure):
        backend.add_members(rows(1))
    assert only_loopback == ["graph.facebook.com"]


@pytest.mark.parametrize("size", [0, 10_001])
def test_a_batch_size_outside_the_documented_limit_is_refused(meta, size):
    with pytest.raises(ValueError, match="1 to 10000 rows"):
        meta.backend(batch_size=size)


def test_a_retry_policy_needs_an_attempt():
    with pytest.raises(ValueError, match="at least one attempt"):
        RetryPolicy(max_attempts=0)


def test_rows_without_an_identifier_meta_takes_are_refused(meta):
    with pytest.raises(ValueError, match="none of the identifiers"):
        meta.backend().add_members([{"fax": sha("123")}])
    assert meta.requests == []


def test_a_replace_with_a_refused_batch_stops_before_closing_the_session(meta):
    meta.script(
        "/usersreplace",
        (200, graph_api_ok(10)),
        (400, {"error": {"message": "Invalid parameter", "code": 100}}),
    )

    with pytest.raises(PlatformError, match="Invalid parameter") as raised:
        meta.backend(batch_size=10).replace_all(rows(30))

    assert len(meta.requests) == 2  # the last batch, which would close the session, is not sent
    assert raised.value.result.sent == 10
