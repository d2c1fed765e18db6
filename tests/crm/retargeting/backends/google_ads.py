"""A Google Ads API on loopback for the backend's tests: its answers to a job that
goes well, and a partial failure naming the refused operations."""

import hashlib

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


def rows(count: int) -> list[dict]:
    return [{"email": sha(f"person{n}@example.com")} for n in range(count)]


def paths(platform) -> list[str]:
    return [r.path for r in platform.requests]
