"""The Google Ads Customer Match backend against a Google Ads API on loopback:
an OfflineUserDataJob created for the user list, operations added in requests
of 10,000 with partial failure on, the job run; its headers; operations Google
refused."""

from crm.retargeting import formats
from crm.retargeting.backends.google_ads import row_from_lead
from tests.crm.retargeting.backends.google_ads import (
    CUSTOMER,
    JOB,
    MANAGER,
    V,
    paths,
    refused,
    rows,
    sha,
)


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
