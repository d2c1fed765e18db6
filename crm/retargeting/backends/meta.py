"""Meta (Facebook/Instagram) customer list custom audiences, pushed through the
Marketing API.

Followed from the Marketing API reference pages "Custom Audience Users"
(POST and DELETE /{custom_audience_id}/users) and "Custom Audience Usersreplace"
(POST /{custom_audience_id}/usersreplace), and the guide "Customer File Custom
Audiences" for the multi-key schema:
- the body's "payload" is {"schema": [...keys...], "data": [[one value per key], ...]};
  an identifier a person lacks is an empty string in its place;
- at most 10,000 people per request ("only a maximum of 10000 at a time");
- a replace is one session over several requests, each with "session":
  {session_id (ours, the same for every batch), batch_seq (from 1),
  last_batch_flag (true on the last), estimated_num_total}; Meta swaps the
  audience's members for the session's once the last batch is in;
- the answer counts what it took: num_received, num_invalid_entries and a few
  invalid_entry_samples. It does not say how many matched (that is read later
  from the audience), so SyncResult.matched stays None.
Errors come as {"error": {"message", "code", "error_subcode", "is_transient"}}
("Handling Errors" in the Graph API docs): code 190 is an expired or invalid
token, 102 an expired session, 10 and 200-299 a missing permission; 4, 17, 32,
613 and 80003 are rate limits, answered with 400 rather than 429.
"""

import json
import secrets
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

DEFAULT_BASE_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v25.0"
BATCH_SIZE = 10_000

# Our row keys -> Meta's schema keys, in the order the payload lists them.
SCHEMA = {
    "email": "EMAIL",
    "phone": "PHONE",
    "first_name": "FN",
    "last_name": "LN",
    "city": "CT",
    "region": "ST",
    "zip": "ZIP",
    "country": "COUNTRY",
}
AUTH_CODES = {102, 190, 10}
RATE_LIMIT_CODES = {4, 17, 32, 613, 80003}


def row_from_lead(lead: dict) -> dict[str, str]:
    """A lead's values (crm.retargeting.formats.LEAD_FIELDS) as a row for this backend,
    normalised and hashed exactly as the Meta file is."""
    country = lead["country"].strip()
    values = {
        "email": normalise.normalise_email(lead["email"]),
        "phone": normalise.phone_digits(lead["phone"]),
        "first_name": normalise.meta_name(lead["first_name"]),
        "last_name": normalise.meta_name(lead["last_name"]),
        "city": normalise.meta_name(lead["city"]),
        "region": normalise.meta_state(lead["region"], country),
        "zip": normalise.meta_zip(lead["postal_code"], country),
        "country": country.lower(),
    }
    return {key: normalise.sha256_hex(value) for key, value in values.items() if value}


class MetaCustomAudienceBackend(AdAudienceBackend):
    batch_size = BATCH_SIZE

    def __init__(self, *, audience_id: str, access_token: str, batch_size: int = BATCH_SIZE, **kw):
        super().__init__(**kw)
        self.audience_id = audience_id
        self.access_token = access_token
        self.batch_size = checked_batch_size(batch_size, BATCH_SIZE)
        base = getattr(settings, "META_GRAPH_API_BASE_URL", DEFAULT_BASE_URL).rstrip("/")
        version = getattr(settings, "META_GRAPH_API_VERSION", DEFAULT_API_VERSION)
        self.url = f"{base}/{version}/{audience_id}"

    def add_members(self, rows: Sequence[Row]) -> SyncResult:
        return self._upload("POST", "users", rows)

    def remove_members(self, rows: Sequence[Row]) -> SyncResult:
        return self._upload("DELETE", "users", rows)

    def replace_all(self, rows: Sequence[Row]) -> SyncResult:
        if not rows:
            # A session needs at least one batch; an audience of nobody is a removal.
            raise ValueError("Meta cannot replace an audience with nobody: remove the members.")
        return self._upload("POST", "usersreplace", rows, session_id=_session_id())

    def _upload(self, method: str, edge: str, rows: Sequence[Row], session_id=None) -> SyncResult:
        schema = [key for key in SCHEMA if any(row.get(key) for row in rows)]
        if rows and not schema:
            raise ValueError(f"The rows carry none of the identifiers Meta takes: {list(SCHEMA)}.")
        total = -(-len(rows) // self.batch_size)
        result = SyncResult()
        for number, batch in enumerate(batches(rows, self.batch_size), start=1):
            body = {"payload": _payload(schema, batch)}
            if session_id is not None:
                body["session"] = {
                    "session_id": session_id,
                    "batch_seq": number,
                    "last_batch_flag": number == total,
                    "estimated_num_total": len(rows),
                }
            self._send_batch(method, edge, body, number, len(batch), result)
        return result

    def _send_batch(self, method, edge, body, number, size, result: SyncResult) -> None:
        # Form fields, each a JSON text, as the reference's examples send them; in
        # the body for DELETE too, since 10,000 hashes do not fit in a URL.
        form = {key: json.dumps(value) for key, value in body.items()}
        form["access_token"] = self.access_token
        try:
            response = self.send(method, f"{self.url}/{edge}", data=form)
        except PlatformError as error:
            if "session" in body:
                # A replace missing a batch would drop its people from the
                # audience once the last batch closed the session: stop instead.
                raise stopped_with(error, result) from None
            result.fail(number, size, error.message)
            return
        except AdAudienceError as error:
            raise stopped_with(error, result) from None
        answer = response.json or {}
        invalid = int(answer.get("num_invalid_entries") or 0)
        result.sent += size - invalid
        if invalid:
            result.fail(number, invalid, _invalid_reason(invalid, answer))

    def is_retryable(self, response: Response) -> bool:
        error = _error(response)
        return (
            super().is_retryable(response)
            or error.get("code") in RATE_LIMIT_CODES
            or error.get("is_transient") is True
        )

    def error_for(self, response: Response) -> AdAudienceError:
        error = _error(response)
        code = error.get("code") if isinstance(error.get("code"), int) else None
        message = error.get("message") or response.text or f"HTTP {response.status}"
        if response.status == 401 or code in AUTH_CODES or 200 <= (code or 0) <= 299:
            return AuthExpired(f"Meta: {message}", status=response.status)
        return PlatformError(f"Meta: {message}", status=response.status)


def _payload(schema: list[str], batch: Sequence[Row]) -> dict:
    return {
        "schema": [SCHEMA[key] for key in schema],
        "data": [[row.get(key, "") for key in schema] for row in batch],
    }


def _session_id() -> int:
    """Ours to choose: a positive 63-bit number, fresh for each replace."""
    return secrets.randbits(63) or 1


def _error(response: Response) -> dict:
    body = response.json if isinstance(response.json, dict) else {}
    error = body.get("error")
    return error if isinstance(error, dict) else {}


def _invalid_reason(invalid: int, answer: dict) -> str:
    samples = answer.get("invalid_entry_samples") or {}
    if not isinstance(samples, dict):
        samples = {}
    reasons = sorted({str(reason) for reason in samples.values()})
    detail = f": {'; '.join(reasons[:3])}" if reasons else ""
    return f"Meta could not use {invalid} of the rows{detail}"
