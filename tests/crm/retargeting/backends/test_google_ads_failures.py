"""The Google Ads backend when the API fails: retries on 429 and 5xx, quota
delays, an expired token, an unknown list, a refused remove-all."""

import pytest

from crm.retargeting.backends import (
    AuthExpired,
    GoogleAdsCustomerMatchBackend,
    PlatformError,
    RetryPolicy,
    TemporaryFailure,
)
from tests.crm.retargeting.backends.google_ads import (
    CUSTOMER,
    JOB,
    LIST,
    V,
    failure_type,
    paths,
    rows,
    sha,
)


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
