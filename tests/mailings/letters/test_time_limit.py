"""A render that takes too long is stopped, on the main thread and off it."""

import signal
import threading
import time

import pytest

from mailings.letters.fetcher import RenderTimeLimitExceeded, render_time_limit
from mailings.letters.pdf import Letter, render_letters_pdf

BODY = "<p>" + "A paragraph of a letter that takes a moment to lay out. " * 20 + "</p>"


# The timeout may strike while a finaliser runs, where Python prints and drops it; the
# timer then strikes again, so the render still stops. Pytest reports the dropped one.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def many_letters(count: int = 200) -> list[Letter]:
    address = ["1 Main St", "SPRINGFIELD IL 62701"]
    return [Letter([f"Person {n}", *address], BODY) for n in range(count)]


def test_time_limit_stops_a_long_render_with_a_clear_error():
    started = time.monotonic()

    with pytest.raises(RenderTimeLimitExceeded, match="time limit"), render_time_limit(0.01):
        render_letters_pdf(many_letters(), paper="letter", sender=[])

    assert time.monotonic() - started < 3
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_render_letters_pdf_takes_a_time_limit():
    with pytest.raises(RenderTimeLimitExceeded, match=r"over its 0.01 s time limit"):
        render_letters_pdf(many_letters(), paper="a4", sender=[], time_limit=0.01)


def test_time_limit_also_stops_a_render_off_the_main_thread():
    outcome: dict = {}

    def work():
        started = time.monotonic()
        try:
            render_letters_pdf(many_letters(), paper="letter", sender=[], time_limit=0.05)
        except RenderTimeLimitExceeded as error:
            outcome["error"] = error
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=20)

    assert isinstance(outcome.get("error"), RenderTimeLimitExceeded)
    assert outcome["seconds"] < 3


def test_a_render_within_its_limit_leaves_no_timer_behind_off_the_main_thread():
    outcome: dict = {}

    def work():
        try:
            outcome["pdf"] = render_letters_pdf(many_letters(1), paper="letter", time_limit=30)
            time.sleep(0.3)  # long enough for a leftover timer to strike
            outcome["after"] = "quiet"
        except RenderTimeLimitExceeded as error:
            outcome["error"] = error

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=20)

    assert outcome.get("pdf", b"").startswith(b"%PDF") and outcome.get("after") == "quiet"


def test_an_outer_alarm_is_put_back_after_the_render():
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    signal.setitimer(signal.ITIMER_REAL, 100)
    try:
        render_letters_pdf(many_letters(1), paper="letter", time_limit=30)

        delay, _interval = signal.getitimer(signal.ITIMER_REAL)
        assert 90 < delay <= 100
        assert signal.getsignal(signal.SIGALRM) is not previous
        assert fired == []
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_the_default_time_limit_comes_from_the_settings(settings):
    settings.LETTER_RENDER_SECONDS = 0.01

    with pytest.raises(RenderTimeLimitExceeded):
        render_letters_pdf(many_letters(), paper="letter", sender=[])
