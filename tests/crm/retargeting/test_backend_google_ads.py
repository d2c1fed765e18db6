"""The Google Ads Customer Match backend against a Google Ads API on loopback:
an OfflineUserDataJob created for the user list, operations added in requests
of 10,000 with partial failure on, the job run; its headers; retries on 429 and
5xx; an expired token; operations Google refused."""

import hashlib
import random

import pytest

from crm.retargeting import formats
from crm.retargeting.backends import (
    AuthExpired,
    GoogleAdsCustomerMatchBackend,
    PlatformError,
    RetryPolicy,
    TemporaryFailure,
)
from crm.retargeting.backends.google_ads import row_from_lead

CUSTOMER = "1234567890"
MANAGER = "9876543210"
LIST = "555"
JOB = f"customers/{CUSTOMER}/offlineUserDataJobs/777"
V = "/v26"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def google_ads_api(request):
    """The API's answers to a job that goes well."""
    if request.path.endswith("offlineUserDataJobs:create"):
        return 200, {"resourceName": JOB}, {}
    if request.path.endswith(":addOperations"):
        return 200, {}, {}
    if request.path.endswith(":run"):
        return 200, {"name": f"customers/{CUSTOMER}/operations/abc"}, {}
    return 404, {"error": {"code": 404, "message": "Not found", "status": "NOT_FOUND"}}, {}


def failure_type(version: str) -> str:
    return f"type.googleapis.com/google.ads.googleads.{version}.errors.GoogleAdsFailure"


def refused(*indexes: int, version: str = "v26") -> dict:
    """A partialFailureError naming the refused operations, as the API writes it."""
    return {
        "partialFailureError": {
            "code": 3,
            "message": "Multiple errors in details",
            "details": [
                {
                    "@type": failure_type(version),
                    "errors": [
                        {
                            "errorCode": {"offlineUserDataJobError": "INVALID_SHA256_FORMAT"},
                            "message": "The SHA256 encoded value is malformed.",
                            "location": {
                                "fieldPathElements": [
                                    {"fieldName": "operations", "index": index},
                                    {"fieldName": "create"},
                                    {"fieldName": "user_identifiers", "index": 0},
                                ]
                            },
                        }
                        for index in indexes
                    ],
                }
            ],
        }
    }


@pytest.fixture
def google(loopback_platform, settings, sleeps):
    platform, url = loopback_platform(google_ads_api)
    settings.GOOGLE_ADS_API_BASE_URL = url
    settings.GOOGLE_ADS_API_VERSION = "v26"

    def backend(**kw):
        kw.setdefault("retry", RetryPolicy(max_attempts=4, base_delay=1, max_delay=30))
        return GoogleAdsCustomerMatchBackend(
            customer_id="123-456-7890",
            user_list_id=LIST,
            access_token="ya29.test",
            developer_token="dev-token",
            login_customer_id="987-654-3210",
            sleep=sleeps,
            rng=random.Random(7),
            **kw,
        )

    platform.backend = backend
    return platform


def rows(count: int) -> list[dict]:
    return [{"email": sha(f"person{n}@example.com")} for n in range(count)]


def paths(platform) -> list[str]:
    return [r.path for r in platform.requests]


def test_add_members_creates_a_job_adds_operations_and_runs_it(google):
    people = [
        {
            "email": sha("ann@example.com"),
            "phone": sha("+14155552671"),
            "first_name": sha("ann"),
            "last_name": sha("lee"),
            "country": "US",
            "zip": "94103",
        },
        {"phone": sha("+447700900123")},
        {"email": sha("bob@example.com"), "first_name": sha("bob"), "country": "GB"},
    ]

    result = google.backend().add_members(people)

    assert [(r.method, r.path) for r in google.requests] == [
        ("POST", f"{V}/customers/{CUSTOMER}/offlineUserDataJobs:create"),
        ("POST", f"{V}/{JOB}:addOperations"),
        ("POST", f"{V}/{JOB}:run"),
    ]
    create, add, run = google.requests
    job = create.json()["job"]
    assert job["type"] == "CUSTOMER_MATCH_USER_LIST"
    assert job["customerMatchUserListMetadata"]["userList"] == f"customers/{CUSTOMER}/userLists/555"
    assert add.json() == {
        "enablePartialFailure": True,
        "operations": [
            {
                "create": {
                    "userIdentifiers": [
                        {"hashedEmail": sha("ann@example.com")},
                        {"hashedPhoneNumber": sha("+14155552671")},
                        {
                            "addressInfo": {
                                "hashedFirstName": sha("ann"),
                                "hashedLastName": sha("lee"),
                                "countryCode": "US",
                                "postalCode": "94103",
                            }
                        },
                    ]
                }
            },
            {"create": {"userIdentifiers": [{"hashedPhoneNumber": sha("+447700900123")}]}},
            # Half an address is not sent: Google refuses one without every part.
            {"create": {"userIdentifiers": [{"hashedEmail": sha("bob@example.com")}]}},
        ],
    }
    assert run.json() == {}
    for request in google.requests:
        assert request.headers["Authorization"] == "Bearer ya29.test"
        assert request.headers["developer-token"] == "dev-token"
        assert request.headers["login-customer-id"] == MANAGER
        assert request.headers["Content-Type"] == "application/json"
        assert request.query == ""
    assert (result.sent, result.failed, result.matched) == (3, 0, None)


def test_a_leads_row_hashes_as_the_google_file_does():
    lead = {
        "email": " Test@Example.com ",
        "phone": "+1 415 555 2671",
        "first_name": " Mary  Ann ",
        "last_name": "O'Connor",
        "city": "Springfield",
        "region": "IL",
        "postal_code": " 62701 ",
        "country": "us",
    }

    row = row_from_lead(lead)

    assert list(row.values()) == formats.GOOGLE.row(lead)
    assert row["phone"] == sha("+14155552671")
    assert (row["country"], row["zip"]) == ("US", "62701")


def test_remove_members_sends_remove_operations(google):
    result = google.backend().remove_members(rows(2))

    add = google.requests[1].json()
    assert add["operations"] == [
        {"remove": {"userIdentifiers": [{"hashedEmail": row["email"]}]}} for row in rows(2)
    ]
    assert paths(google)[-1] == f"{V}/{JOB}:run"
    assert result.sent == 2


def test_nobody_to_add_sends_nothing(google):
    result = google.backend().add_members([])

    assert google.requests == []
    assert result.sent == 0


def test_replace_all_removes_everyone_first_then_adds_10000_a_request(google):
    people = rows(20_001)

    result = google.backend().replace_all(people)

    assert paths(google) == [
        f"{V}/customers/{CUSTOMER}/offlineUserDataJobs:create",
        *[f"{V}/{JOB}:addOperations"] * 3,
        f"{V}/{JOB}:run",
    ]
    adds = [r.json()["operations"] for r in google.requests[1:4]]
    assert [len(operations) for operations in adds] == [10_001, 10_000, 1]
    assert adds[0][0] == {"removeAll": True}
    assert adds[0][1] == {"create": {"userIdentifiers": [{"hashedEmail": people[0]["email"]}]}}
    assert {"removeAll": True} not in adds[1] + adds[2]
    assert (result.sent, result.failed) == (20_001, 0)


def test_replacing_with_nobody_empties_the_list(google):
    google.backend().replace_all([])

    assert google.requests[1].json()["operations"] == [{"removeAll": True}]
    assert paths(google)[-1] == f"{V}/{JOB}:run"


def test_refused_operations_are_failed_rows_with_googles_reason(google):
    google.script(":addOperations", (200, refused(1, 3)))

    result = google.backend().add_members(rows(5))

    assert (result.sent, result.failed) == (3, 2)
    [failure] = result.failures
    assert (failure.batch, failure.rows) == (1, 2)
    assert "SHA256 encoded value is malformed" in failure.reason
    assert paths(google)[-1] == f"{V}/{JOB}:run"  # what was accepted still goes


def test_refused_operations_count_after_the_remove_all(google):
    # In a replace's first request, operation 0 is removeAll: index 2 is our second row.
    google.script(":addOperations", (200, refused(2)))

    result = google.backend().replace_all(rows(3))

    assert (result.sent, result.failed) == (2, 1)


def test_a_refused_request_fails_its_batch_and_the_others_go_on(google):
    google.script(
        ":addOperations",
        (
            400,
            {
                "error": {
                    "code": 400,
                    "message": "Request contains an invalid argument.",
                    "status": "INVALID_ARGUMENT",
                }
            },
        ),
    )

    result = google.backend(batch_size=2).add_members(rows(5))

    assert paths(google).count(f"{V}/{JOB}:addOperations") == 3
    assert (result.sent, result.failed) == (3, 2)
    assert "invalid argument" in result.failures[0].reason
    assert paths(google)[-1] == f"{V}/{JOB}:run"


def test_429_with_retry_after_then_success(google, sleeps):
    google.script(
        ":addOperations",
        (
            429,
            {
                "error": {
                    "code": 429,
                    "message": "Resource has been exhausted",
                    "status": "RESOURCE_EXHAUSTED",
                }
            },
            {"Retry-After": "5"},
        ),
    )

    result = google.backend().add_members(rows(2))

    adds = [r for r in google.requests if r.path.endswith(":addOperations")]
    assert len(adds) == 2 and adds[0].body == adds[1].body
    assert len(sleeps) == 1 and sleeps[0] >= 5
    assert result.sent == 2


def test_5xx_on_run_is_retried(google, sleeps):
    google.script(":run", (500, {}), (503, {}))

    google.backend().add_members(rows(1))

    assert paths(google)[-3:] == [f"{V}/{JOB}:run"] * 3
    assert len(sleeps) == 2


def test_gives_up_after_max_attempts(google, sleeps):
    google.script(
        ":addOperations",
        *[(503, {"error": {"code": 503, "message": "The service is currently unavailable."}})] * 3,
    )

    with pytest.raises(TemporaryFailure, match="unavailable") as raised:
        google.backend(retry=RetryPolicy(max_attempts=3)).add_members(rows(1))

    assert paths(google).count(f"{V}/{JOB}:addOperations") == 3
    assert not paths(google)[-1].endswith(":run")
    assert len(sleeps) == 2
    assert raised.value.result.sent == 0


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (401, "Request had invalid authentication credentials."),
        (403, "The developer token is not approved."),
    ],
)
def test_an_expired_or_unapproved_token_stops_at_once(google, sleeps, status, message):
    google.script(
        ":create",
        (status, {"error": {"code": status, "message": message, "status": "UNAUTHENTICATED"}}),
    )

    with pytest.raises(AuthExpired, match=message):
        google.backend().add_members(rows(1))

    assert len(google.requests) == 1 and sleeps == []


def test_a_list_google_does_not_know_is_a_platform_error(google):
    google.script(
        ":create",
        (
            400,
            {
                "error": {
                    "code": 400,
                    "message": "Request contains an invalid argument.",
                    "details": [
                        {
                            "@type": failure_type("v26"),
                            "errors": [
                                {
                                    "errorCode": {"userListError": "USER_LIST_NOT_FOUND"},
                                    "message": "The user list was not found.",
                                }
                            ],
                        }
                    ],
                }
            },
        ),
    )

    with pytest.raises(PlatformError, match="user list was not found"):
        google.backend().add_members(rows(1))

    assert len(google.requests) == 1


def test_the_default_address_is_googles_and_never_reached_from_tests(only_loopback, sleeps):
    backend = GoogleAdsCustomerMatchBackend(
        customer_id=CUSTOMER,
        user_list_id=LIST,
        access_token="t",
        developer_token="d",
        retry=RetryPolicy(max_attempts=1),
        sleep=sleeps,
    )

    assert backend.root.startswith("https://googleads.googleapis.com/v")
    assert "login-customer-id" not in backend.headers
    with pytest.raises(TemporaryFailure):
        backend.add_members(rows(1))
    assert only_loopback == ["googleads.googleapis.com"]


def test_a_quota_errors_retry_delay_is_honoured(google, sleeps):
    quota = {
        "errorCode": {"quotaError": "RESOURCE_EXHAUSTED"},
        "message": "Too many requests.",
        "details": {"quotaErrorDetails": {"rateScope": "DEVELOPER", "retryDelay": "12s"}},
    }
    google.script(
        ":addOperations",
        (
            429,
            {
                "error": {
                    "code": 429,
                    "details": [{"@type": failure_type("v26"), "errors": [quota]}],
                }
            },
        ),
    )

    google.backend().add_members(rows(1))

    assert len(sleeps) == 1 and sleeps[0] >= 12


def test_a_replace_whose_remove_all_is_refused_stops_before_the_run(google):
    google.script(
        ":addOperations",
        (400, {"error": {"code": 400, "message": "Request contains an invalid argument."}}),
    )

    with pytest.raises(PlatformError, match="invalid argument") as raised:
        google.backend(batch_size=2).replace_all(rows(5))

    assert paths(google) == [
        f"{V}/customers/{CUSTOMER}/offlineUserDataJobs:create",
        f"{V}/{JOB}:addOperations",
    ]
    assert raised.value.result.sent == 0


def test_a_row_without_an_identifier_google_takes_is_refused(google):
    with pytest.raises(ValueError, match="whole address"):
        google.backend().add_members([{"first_name": sha("ann"), "country": "US"}])
    assert google.requests == []
