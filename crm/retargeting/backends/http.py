"""The little HTTP the backends need, on requests (already a dependency).

Every request has a timeout: a platform that stops answering must not hold a
worker forever. JSON in, JSON out; a body that is not JSON (a proxy's HTML
error page) is kept as text so the error can say what came back.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

# Connect, then read: uploads of 10,000 rows take a while to be read and answered.
DEFAULT_TIMEOUT = (5.0, 120.0)


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)  # any case, as HTTP's
    json: Any = None
    text: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class HttpClient:
    def __init__(self, timeout: tuple[float, float] = DEFAULT_TIMEOUT):
        self.timeout = timeout
        self.session = requests.Session()
        # Proxies from the environment would route loopback tests and tokens
        # through whatever the machine has set; a backend talks to its platform only.
        self.session.trust_env = False

    def send(self, method: str, url: str, **kwargs) -> Response:
        raw = self.session.request(method, url, timeout=self.timeout, **kwargs)
        try:
            body = raw.json()
        except ValueError:
            body = None
        return Response(raw.status_code, raw.headers, body, raw.text[:2000])
