"""A small ad platform on loopback: a real HTTP server in a thread that records
every request and answers as a test scripts it. And a guard: while these tests
run, a socket may only connect to loopback, so no request can reach a real
platform (nor a DNS server) by mistake."""

import json
import socket
import threading
from collections import defaultdict, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@dataclass
class Recorded:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)

    def form(self) -> dict:
        """A form body whose fields are JSON texts, decoded; other fields as sent."""
        fields = {key: values[0] for key, values in parse_qs(self.body.decode()).items()}
        return {key: _maybe_json(value) for key, value in fields.items()}


def _maybe_json(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return text


class LoopbackPlatform:
    def __init__(self, default):
        self.requests: list[Recorded] = []
        self.default = default  # Recorded -> (status, body, headers)
        self.scripts: dict[str, deque] = defaultdict(deque)
        self.lock = threading.Lock()

    def script(self, path_end: str, *answers) -> None:
        """The next requests whose path ends with path_end get these answers, in
        order: (status, body) or (status, body, headers); then the default."""
        self.scripts[path_end].extend(answers)

    def answer(self, request: Recorded):
        with self.lock:
            self.requests.append(request)
            for path_end, answers in self.scripts.items():
                if request.path.endswith(path_end) and answers:
                    status, body, *headers = answers.popleft()
                    return status, body, headers[0] if headers else {}
        return self.default(request)


def _handler(platform: LoopbackPlatform):
    class Handler(BaseHTTPRequestHandler):
        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            url = urlsplit(self.path)
            request = Recorded(
                self.command, url.path, url.query, dict(self.headers), self.rfile.read(length)
            )
            status, body, headers = platform.answer(request)
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_DELETE = handle_any

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture
def loopback_platform():
    """Start a platform with a default answerer: loopback_platform(default)."""
    servers = []

    def start(default) -> tuple[LoopbackPlatform, str]:
        platform = LoopbackPlatform(default)
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(platform))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return platform, f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def only_loopback(monkeypatch):
    """Refuse any connection or name lookup that would leave the machine; the
    refused hosts are listed for tests to check."""
    refused: list[str] = []
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if sock.family in (socket.AF_INET, socket.AF_INET6) and host not in LOOPBACK:
            refused.append(host)
            raise ConnectionRefusedError(f"test guard: {host} is not loopback")
        return real_connect(sock, address)

    def getaddrinfo(host, *args, **kwargs):
        if host is not None and host not in LOOPBACK:
            refused.append(host)
            raise socket.gaierror(f"test guard: {host} is not loopback")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return refused


class Sleeps(list):
    """An injected sleep that records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()
