"""One interface for pushing an audience to an ad platform, in the style of
django-anymail: a backend per platform, the same three calls for each.

Rows come in already normalised and hashed for the platform (crm.retargeting
does that for the files, and each backend's row_from_lead uses the same
functions): a dict per person, {"email": sha256hex, "phone": sha256hex, ...}.
A backend only batches, sends, retries and reports.

What can go wrong, and who hears about it:
- a batch the platform refuses (bad data, a list that is gone) is counted in
  SyncResult.failures with the platform's reason, and the other batches go on;
  except in a replace, where a missing batch would drop its people: PlatformError;
- AuthExpired: the token expired or lost its rights. Nothing more will work
  until a manager reconnects, so the call stops at once;
- TemporaryFailure: still 429/5xx/unreachable after the policy's attempts, or
  asked to wait longer than we are willing to sleep in a job. Try again later.
Both exceptions carry the SyncResult of the batches that did go, so a sync can
record what was sent before it stopped.
"""

import random
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import requests

from crm.retargeting.backends.http import HttpClient, Response

Row = Mapping[str, str]


@dataclass(frozen=True)
class BatchFailure:
    batch: int  # 1-based, in the order the batches were sent
    rows: int
    reason: str


@dataclass
class SyncResult:
    sent: int = 0
    matched: int | None = None  # only where the platform says
    failed: int = 0
    failures: list[BatchFailure] = field(default_factory=list)

    def fail(self, batch: int, rows: int, reason: str) -> None:
        self.failed += rows
        self.failures.append(BatchFailure(batch, rows, reason))


class AdAudienceError(Exception):
    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.result: SyncResult | None = None


class AuthExpired(AdAudienceError):
    """The token is expired, revoked or lacks the rights: the connection needs
    a manager's attention."""


class PlatformError(AdAudienceError):
    """The platform refused the request; sending it again would not help."""


class TemporaryFailure(AdAudienceError):
    """Rate-limited or unavailable past our patience; worth trying later."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ):
        super().__init__(message, status=status)
        self.retry_after = retry_after


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter (each wait drawn between 0 and the
    doubling cap, so many workers do not retry in step), never shorter than a
    Retry-After the platform sent. A Retry-After longer than max_delay is not
    slept through: the job gives the time back and tries later."""

    max_attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 60.0

    def __post_init__(self):
        if self.max_attempts < 1 or self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("A retry policy needs at least one attempt and no negative delays.")

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        cap = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return max(retry_after or 0.0, rng.uniform(0, cap))


def checked_batch_size(size: int, documented: int) -> int:
    if not 1 <= size <= documented:
        raise ValueError(f"A batch holds 1 to {documented} rows, not {size}.")
    return size


def batches(rows: Sequence[Row], size: int) -> Iterator[Sequence[Row]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def retry_after_seconds(response: Response) -> float | None:
    """Retry-After in seconds; the HTTP-date form is not used by either platform."""
    value = response.headers.get("Retry-After", "").strip()
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


class AdAudienceBackend(ABC):
    """A platform's audience, reached with one connection's credentials."""

    batch_size: int

    def __init__(
        self,
        *,
        client: HttpClient | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ):
        self.client = client or HttpClient()
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.rng = rng or random.Random()

    @abstractmethod
    def add_members(self, rows: Sequence[Row]) -> SyncResult: ...

    @abstractmethod
    def remove_members(self, rows: Sequence[Row]) -> SyncResult: ...

    @abstractmethod
    def replace_all(self, rows: Sequence[Row]) -> SyncResult: ...

    # Each platform says in its own way what a response means.

    def is_retryable(self, response: Response) -> bool:
        return response.status == 429 or response.status >= 500

    @abstractmethod
    def error_for(self, response: Response) -> AdAudienceError: ...

    def send(self, method: str, url: str, **kwargs) -> Response:
        """One request, retried on 429, 5xx and connection errors. Retrying a
        request whose answer was lost is safe here: adding or removing someone
        twice leaves an audience as once."""
        for attempt in range(1, self.retry.max_attempts + 1):
            try:
                response = self.client.send(method, url, **kwargs)
            except requests.RequestException as error:
                failure = TemporaryFailure(f"Could not reach the platform: {error}")
            else:
                if response.ok:
                    return response
                if not self.is_retryable(response):
                    raise self.error_for(response)
                failure = self._temporary(response)
            if attempt == self.retry.max_attempts:
                raise failure
            wait = self.retry.delay(attempt, failure.retry_after, self.rng)
            if wait > self.retry.max_delay:
                raise failure
            self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _temporary(self, response: Response) -> TemporaryFailure:
        error = self.error_for(response)
        return TemporaryFailure(
            error.message, status=response.status, retry_after=self.retry_after(response)
        )

    def retry_after(self, response: Response) -> float | None:
        return retry_after_seconds(response)


def stopped_with(error: AdAudienceError, result: SyncResult) -> AdAudienceError:
    error.result = result
    return error
