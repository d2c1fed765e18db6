"""What WeasyPrint may load while it renders a letter, and for how long it may render.

Letter templates are written by managers and filled with lead data, so a render must
not read the server's files or reach the network (file:///etc/passwd, the cloud
metadata service at 169.254.169.254, ...). The fetcher answers data: URLs and the
files under the static folder `letters/`; it refuses everything else.

Static files are addressed through a made-up origin, BASE_URL, which is also the
document's base URL: a relative "letters/logo.png" or "{% static 'letters/logo.png' %}"
resolves to https://letters.invalid/static/letters/logo.png and is served from the
staticfiles finders. ".invalid" is reserved (RFC 2606): the name can never reach a
real host, and nothing here opens a network connection anyway.
"""

import base64
import contextlib
import ctypes
import mimetypes
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from django.contrib.staticfiles import finders
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_HOST = "letters.invalid"
STATIC_PATH = "/static/"
BASE_URL = f"https://{STATIC_HOST}{STATIC_PATH}"
ALLOWED_FOLDER = "letters"
MAX_STATIC_BYTES = 5 * 1024 * 1024
# After the limit, the timeout is raised again this often, in case WeasyPrint caught it
# in one of its broad `except Exception` blocks (it does around fonts and images).
REPEAT_SECONDS = 0.2


class FetchRefused(Exception):
    """The URL is not a data: URL nor one of the allowed static files."""


class RenderTimeLimitExceeded(TimeoutError):
    """A render took longer than its time limit and was stopped."""


def locked_url_fetcher(url: str, *args, **kwargs) -> dict:
    """Fetch a data: URL or an allowed static file; raise FetchRefused for anything else.
    Returns the dict WeasyPrint's older fetcher protocol uses (string, mime_type,
    redirected_url); LockedURLFetcher adapts it to WeasyPrint ≥ 68's URLFetcher class."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "data":
        return _data_url(url)
    path = _static_file(url)
    mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    # Never a redirect: the answer is always for the URL asked.
    return {"string": path.read_bytes(), "mime_type": mime_type, "redirected_url": url}


class LockedURLFetcher(URLFetcher):
    """WeasyPrint's fetcher interface around locked_url_fetcher.

    A refusal is an ordinary exception, so WeasyPrint logs it and renders on without
    the resource (fail_on_errors=False); urllib's handlers are never used."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("data", "https"), allow_redirects=False)

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        result = locked_url_fetcher(url)
        return URLFetcherResponse(
            result["redirected_url"],
            result["string"],
            {"Content-Type": result["mime_type"]},
        )


def _data_url(url: str) -> dict:
    header, comma, payload = url[len("data:") :].partition(",")
    if not comma:
        raise FetchRefused("malformed data: URL")
    params = [param.strip() for param in header.split(";")]
    is_base64 = params[-1].lower() == "base64"
    data = unquote_to_bytes(payload)
    try:
        data = base64.b64decode(data, validate=False) if is_base64 else data
    except ValueError as error:
        raise FetchRefused("malformed base64 in data: URL") from error
    mime_type = params[0] or "text/plain"
    return {"string": data, "mime_type": mime_type, "redirected_url": url}


def _static_file(url: str) -> Path:
    """The file behind an allowed static URL; FetchRefused for any other URL."""
    relative = _static_relative_path(url)
    found = finders.find(relative)
    if not found:
        raise FetchRefused(f"no static file {relative}")
    path = Path(found).resolve()
    roots = [Path(root).resolve() for root in finders.find(ALLOWED_FOLDER, find_all=True)]
    # resolve() follows symlinks: a link pointing out of the folder lands outside it.
    if not any(path.is_relative_to(root) for root in roots) or not path.is_file():
        raise FetchRefused(f"{relative} is outside static/{ALLOWED_FOLDER}/")
    if path.stat().st_size > MAX_STATIC_BYTES:
        raise FetchRefused(f"{relative} is too large")
    return path


def _static_relative_path(url: str) -> str:
    """ "https://letters.invalid/static/letters/logo.png" -> "letters/logo.png"."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise FetchRefused(f"malformed URL {url!r}") from error
    if parts.scheme != "https" or parts.hostname != STATIC_HOST or port or parts.username:
        raise FetchRefused(f"only data: URLs and static/{ALLOWED_FOLDER}/ files: {url!r}")
    path = unquote(parts.path)
    if not path.startswith(STATIC_PATH):
        raise FetchRefused(f"not a static file: {url!r}")
    segments = path[len(STATIC_PATH) :].split("/")
    if segments[0] != ALLOWED_FOLDER or len(segments) < 2:
        raise FetchRefused(f"not under static/{ALLOWED_FOLDER}/: {url!r}")
    # Decoded %2e%2e or %2f must not climb out, nor a backslash or NUL confuse the OS.
    if any(_unsafe_segment(segment) for segment in segments):
        raise FetchRefused(f"unsafe static path: {url!r}")
    return "/".join(segments)


def _unsafe_segment(segment: str) -> bool:
    return segment in ("", ".", "..") or "\\" in segment or "\0" in segment


@contextlib.contextmanager
def render_time_limit(seconds: float) -> Iterator[None]:
    """Raise RenderTimeLimitExceeded inside the block once it has run `seconds`.

    On the main thread this is SIGALRM (an interval timer), which also interrupts a
    blocking call; an alarm already set, e.g. by an RQ worker's job timeout, is put
    back afterwards with the time it has left. Signals reach only the main thread, so
    on any other thread a timer thread raises the exception asynchronously in the
    rendering thread (PyThreadState_SetAsyncExc): it lands at the next Python bytecode,
    which in a WeasyPrint render comes within milliseconds."""
    started = time.monotonic()
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        guard = _alarm(seconds)
    else:
        guard = _async_raise_after(seconds)
    try:
        with guard:
            yield
    except RenderTimeLimitExceeded as error:
        if error.args:
            raise
        elapsed = time.monotonic() - started
        raise RenderTimeLimitExceeded(
            f"rendering stopped after {elapsed:.2f} s: over its {seconds:g} s time limit"
        ) from None


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    armed = True

    def on_alarm(signum, frame):
        if armed:
            raise RenderTimeLimitExceeded()

    started = time.monotonic()
    previous_delay, previous_interval = signal.getitimer(signal.ITIMER_REAL)
    previous_handler = signal.signal(signal.SIGALRM, on_alarm)
    # An outer alarm due sooner than ours still fires at its time (as ours); 0 would disarm.
    delay = min(seconds, previous_delay) if previous_delay else seconds
    signal.setitimer(signal.ITIMER_REAL, max(delay, 1e-6), REPEAT_SECONDS)
    try:
        yield
    finally:
        # First, before any call: an alarm arriving during this cleanup must not raise.
        armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler or signal.SIG_DFL)
        if previous_delay:
            left = previous_delay - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-6), previous_interval)


@contextlib.contextmanager
def _async_raise_after(seconds: float) -> Iterator[None]:
    thread_id = threading.get_ident()
    lock = threading.Lock()
    state: dict = {"active": True}

    def fire() -> None:
        with lock:
            if state["active"]:
                _set_async_exception(thread_id, RenderTimeLimitExceeded)
                state["timer"] = _start_timer(REPEAT_SECONDS, fire)

    state["timer"] = _start_timer(seconds, fire)
    try:
        yield
    finally:
        # First, before any call (where a pending exception can land): stop re-firing.
        state["active"] = False
        with lock:
            state["timer"].cancel()
            # Drop an exception sent but not yet raised, so it cannot surface later.
            _set_async_exception(thread_id, None)


def _start_timer(seconds: float, function) -> threading.Timer:
    timer = threading.Timer(max(seconds, 0.0), function)
    timer.daemon = True
    timer.start()
    return timer


def _set_async_exception(thread_id: int, exception: type[BaseException] | None) -> None:
    """Raise `exception` in another thread at its next bytecode; None withdraws it."""
    target = ctypes.py_object(exception) if exception else None
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), target)
