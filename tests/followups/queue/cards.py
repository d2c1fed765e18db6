"""The queue pages' tests' helpers: a Tuesday afternoon in London, reps' leads
callable now, calls due for them, and the card and list as a person reads them."""

import datetime as dt
import html
import itertools
import re

import pytest
import time_machine
from django.urls import reverse

from followups.models import Channel, Touch
from tests.factories import LeadFactory

# A Tuesday: 15:00 in London, 10:00 in New York, midnight going on Wednesday in Tokyo.
NOW = dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)
QUEUE = reverse("queue:next")
QUEUE_LIST = reverse("queue:list")
HTMX = {"HTTP_HX_REQUEST": "true"}

_keys = itertools.count()
_phones = itertools.count(100)


@pytest.fixture(autouse=True)
def tuesday_afternoon():
    with time_machine.travel(NOW, tick=False):
        yield


def lead_of(rep, **fields):
    """A lead of `rep` in London, callable now."""
    defaults = {
        "owner": rep,
        "phone": f"+4420794600{next(_phones):02d}",
        "country": "GB",
        "time_zone": "Europe/London",
    }
    return LeadFactory(**(defaults | fields))


def call_for(lead, *, priority=50, overdue=dt.timedelta(hours=1), **fields) -> Touch:
    """A pending call to `lead`, for its owner, due `overdue` ago."""
    values = {
        "lead": lead,
        "channel": Channel.CALL,
        "due_at": NOW - overdue,
        "reason": "Downloaded the pricing guide",
        "reason_at": NOW - overdue,
        "origin": "Cadence: Content download: call while it is fresh",
        "priority": priority,
        "assigned_to": lead.owner,
        "key": f"test:{next(_keys)}",
    }
    return Touch.objects.create(**(values | fields))


def card_heading(response) -> str:
    match = re.search(r'<h2 id="call-card-heading"[^>]*>([^<]*)</h2>', response.text)
    assert match, response.text
    return html.unescape(match.group(1))


def callable_cells(response) -> dict[int, str]:
    """Each listed touch's "Callable" cell, by touch id."""
    cells = re.findall(
        r'<tr id="touch-(\d+)">.*?<td class="callable">(.*?)</td>', response.text, re.S
    )
    return {int(pk): cell for pk, cell in cells}


def text_of(response) -> str:
    """The page as a person reads it: no tags, single spaces."""
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(text).split())


def log(client, touch, outcome, *, htmx=False, **data):
    url = reverse("queue:log", args=[touch.pk])
    return client.post(url, {"outcome": outcome, **data}, **(HTMX if htmx else {}))


def listed_touches(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [int(pk) for pk in re.findall(r'<tr id="touch-(\d+)">', response.text)]
