"""Google Ads Customer Match, pushed through the Google Ads API's REST interface.

Followed from the guide "Manage Customer Match lists" (Customer Match > user
lists), the REST reference of OfflineUserDataJobService (offlineUserDataJobs
create, addOperations, run), AddOfflineUserDataJobOperationsRequest,
OfflineUserDataJobOperation, UserIdentifier and OfflineUserAddressInfo, and
"Partial failure" for how refused operations are reported:
- POST customers/{cid}/offlineUserDataJobs:create with a job of type
  CUSTOMER_MATCH_USER_LIST naming the user list in customerMatchUserListMetadata;
  the answer's resourceName names the job;
- POST {job}:addOperations with enablePartialFailure and operations, each
  {"create": {"userIdentifiers": [...]}} or {"remove": ...}; a replace starts
  the job with {"removeAll": true}, which must be its first operation;
- POST {job}:run; Google then processes the job on its side (hours, at worst);
- requests carry "Authorization: Bearer <OAuth token>", "developer-token" and,
  when the account is reached through a manager account, "login-customer-id";
- an addOperations request may hold 100,000 identifiers in all; we send 10,000
  people per request (at most email, phone and an address each), the size the
  upload best practices recommend;
- refused operations come back in partialFailureError, a google.rpc.Status whose
  details hold a GoogleAdsFailure: each error's location names the operation's
  index ("operations", index). Google does not report matches at upload time,
  so SyncResult.matched stays None.
Identifiers: email and phone hashed (phone E.164 with its "+"); an address is
hashed first and last names with the country code and postal code in plain
text, and is only sent whole (Google refuses a partial address).
"""

from collections.abc import Sequence

from django.conf import settings

from crm.retargeting import normalise
from crm.retargeting.backends.base import (
    AdAudienceBackend,
    AdAudienceError,
    AuthExpired,
    PlatformError,
    Row,
    SyncResult,
    batches,
    checked_batch_size,
    stopped_with,
)
from crm.retargeting.backends.http import Response

DEFAULT_BASE_URL = "https://googleads.googleapis.com"
DEFAULT_API_VERSION = "v26"
BATCH_SIZE = 10_000
ADDRESS_KEYS = ("first_name", "last_name", "country", "zip")


def row_from_lead(lead: dict) -> dict[str, str]:
    """A lead's values (crm.retargeting.formats.LEAD_FIELDS) as a row for this backend,
    normalised and hashed exactly as the Google file is."""
    row = {
        "email": normalise.sha256_hex(normalise.normalise_email(lead["email"])),
        "phone": normalise.sha256_hex(normalise.phone_e164(lead["phone"])),
        "first_name": normalise.sha256_hex(normalise.google_first_name(lead["first_name"])),
        "last_name": normalise.sha256_hex(normalise.google_last_name(lead["last_name"])),
        "country": lead["country"].strip().upper(),
        "zip": lead["postal_code"].strip(),
    }
    return {key: value for key, value in row.items() if value}


def user_identifiers(row: Row) -> list[dict]:
    identifiers = []
    if row.get("email"):
        identifiers.append({"hashedEmail": row["email"]})
    if row.get("phone"):
        identifiers.append({"hashedPhoneNumber": row["phone"]})
    if all(row.get(key) for key in ADDRESS_KEYS):
        identifiers.append(
            {
                "addressInfo": {
                    "hashedFirstName": row["first_name"],
                    "hashedLastName": row["last_name"],
                    "countryCode": row["country"],
                    "postalCode": row["zip"],
                }
            }
        )
    return identifiers


class GoogleAdsCustomerMatchBackend(AdAudienceBackend):
    batch_size = BATCH_SIZE

    def __init__(
        self,
        *,
        customer_id: str,
        user_list_id: str,
        access_token: str,
        developer_token: str,
        login_customer_id: str = "",
        batch_size: int = BATCH_SIZE,
        **kw,
    ):
        super().__init__(**kw)
        self.customer_id = _digits(customer_id)
        self.user_list = f"customers/{self.customer_id}/userLists/{_digits(user_list_id)}"
        self.batch_size = checked_batch_size(batch_size, BATCH_SIZE)
        base = getattr(settings, "GOOGLE_ADS_API_BASE_URL", DEFAULT_BASE_URL).rstrip("/")
        version = getattr(settings, "GOOGLE_ADS_API_VERSION", DEFAULT_API_VERSION)
        self.root = f"{base}/{version}"
        self.headers = {
            "Authorization": f"Bearer {access_token}",
            "developer-token": developer_token,
        }
        if login_customer_id:
            self.headers["login-customer-id"] = _digits(login_customer_id)

    def add_members(self, rows: Sequence[Row]) -> SyncResult:
        return self._job("create", rows)

    def remove_members(self, rows: Sequence[Row]) -> SyncResult:
        return self._job("remove", rows)

    def replace_all(self, rows: Sequence[Row]) -> SyncResult:
        return self._job("create", rows, remove_all=True)

    def _job(self, verb: str, rows: Sequence[Row], remove_all: bool = False) -> SyncResult:
        result = SyncResult()
        if not rows and not remove_all:
            return result
        operations = [_operation(verb, row) for row in rows]
        try:
            job = self._create_job()
            for number, batch in enumerate(batches(operations, self.batch_size), start=1):
                first = [{"removeAll": True}] if remove_all and number == 1 else []
                self._add(job, first, batch, number, result)
            if remove_all and not operations:
                self._add(job, [{"removeAll": True}], [], 1, result)
            self._post(f"{job}:run", {})
        except AdAudienceError as error:
            raise stopped_with(error, result) from None
        return result

    def _create_job(self) -> str:
        # A create retried after a lost answer leaves an unused job behind,
        # which Google drops on its own; nothing is added twice.
        answer = self._post(
            f"customers/{self.customer_id}/offlineUserDataJobs:create", self._job_body()
        )
        if not answer.get("resourceName"):
            raise PlatformError("Google Ads created a job without naming it.")
        return answer["resourceName"]

    def _job_body(self) -> dict:
        # The people in our rows agreed to marketing (crm.retargeting.selectors.ads_consent),
        # which is what Google's EU user consent asks us to declare.
        metadata = {
            "userList": self.user_list,
            "consent": {"adUserData": "GRANTED", "adPersonalization": "GRANTED"},
        }
        return {
            "job": {"type": "CUSTOMER_MATCH_USER_LIST", "customerMatchUserListMetadata": metadata}
        }

    def _add(self, job: str, first: list, batch: Sequence[dict], number: int, result) -> None:
        body = {"enablePartialFailure": True, "operations": [*first, *batch]}
        try:
            answer = self._post(f"{job}:addOperations", body)
        except PlatformError as error:
            if first:
                # Without its removeAll a replace would only add: stop before the run.
                raise
            result.fail(number, len(batch), error.message)
            return
        refused = _refused_operations(answer.get("partialFailureError"), offset=len(first))
        result.sent += len(batch) - len(refused)
        if refused:
            reasons = "; ".join(sorted(set(refused.values()))[:3])
            result.fail(number, len(refused), f"Google Ads refused {len(refused)}: {reasons}")

    def _post(self, path: str, body: dict) -> dict:
        response = self.send("POST", f"{self.root}/{path}", json=body, headers=self.headers)
        return response.json if isinstance(response.json, dict) else {}

    def error_for(self, response: Response) -> AdAudienceError:
        error = _error_status(response)
        message = error.get("message") or response.text or f"HTTP {response.status}"
        detail = "; ".join(_failure_messages(error))
        text = f"Google Ads: {message}" + (f" ({detail})" if detail else "")
        # 403 is a developer token not yet approved or a user without access to
        # the account: like an expired token, only a manager can put it right.
        if response.status in (401, 403):
            return AuthExpired(text, status=response.status)
        return PlatformError(text, status=response.status)

    def retry_after(self, response: Response) -> float | None:
        """Retry-After, or else the wait a QuotaError names in its details
        (quotaErrorDetails.retryDelay, a Duration written "30s")."""
        waits = [super().retry_after(response)]
        for error in _all_errors(_error_status(response)):
            quota = (error.get("details") or {}).get("quotaErrorDetails") or {}
            waits.append(_seconds(quota.get("retryDelay")))
        return max((wait for wait in waits if wait is not None), default=None)


def _error_status(response: Response) -> dict:
    """The google.rpc.Status of an error answer, {} when the body is not one."""
    error = response.json.get("error") if isinstance(response.json, dict) else None
    return error if isinstance(error, dict) else {}


def _seconds(duration) -> float | None:
    try:
        return float(str(duration).removesuffix("s")) if duration else None
    except ValueError:
        return None


def _all_errors(status: dict) -> list[dict]:
    return [
        error for failure in _google_ads_failures(status) for error in failure.get("errors") or []
    ]


def _operation(verb: str, row: Row) -> dict:
    identifiers = user_identifiers(row)
    if not identifiers:
        raise ValueError("A row needs an email, a phone or a whole address for Google Ads.")
    return {verb: {"userIdentifiers": identifiers}}


def _refused_operations(status: dict | None, offset: int) -> dict[int, str]:
    """Index in our batch -> the reason, from a partialFailureError."""
    refused = {}
    for error in _all_errors(status or {}):
        index = _operation_index(error)
        if index is not None and index >= offset:
            refused.setdefault(index - offset, error.get("message") or "refused")
    return refused


def _operation_index(error: dict) -> int | None:
    location = error.get("location") or {}
    for element in location.get("fieldPathElements") or []:
        if element.get("fieldName") == "operations" and "index" in element:
            return int(element["index"])
    return None


def _google_ads_failures(status: dict) -> list[dict]:
    return [
        detail
        for detail in status.get("details") or []
        if str(detail.get("@type", "")).endswith("errors.GoogleAdsFailure")
    ]


def _failure_messages(status: dict) -> list[str]:
    return [error["message"] for error in _all_errors(status) if error.get("message")][:3]


def _digits(value: str) -> str:
    """Customer ids are written 123-456-7890 in the interface and 1234567890 in the API."""
    return "".join(ch for ch in str(value) if ch.isdigit())
