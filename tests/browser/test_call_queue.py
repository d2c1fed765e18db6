import datetime as dt

import pytest
from django.utils import timezone

from crm.contact import valid_time_zones
from crm.models import Interaction
from followups.calling_hours import holidays_around, is_callable_at
from followups.holidays.services import calling_hours_update
from followups.models import Channel, Touch
from followups.queue.services import calls_release_abandoned
from tests.browser.conftest import log_in
from tests.factories import LeadFactory

# serialized_rollback keeps the roles that migrations created across the flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]
COUNTRY = "US"


def open_zone(now: dt.datetime) -> str | None:
    """A time zone inside calling hours now and for the next half hour."""
    holidays = holidays_around(now.date() + dt.timedelta(days=offset) for offset in (-1, 0, 1))
    for name in sorted(valid_time_zones()):
        if all(
            is_callable_at(now + dt.timedelta(minutes=minutes), name, holidays, COUNTRY)
            for minutes in (0, 30)
        ):
            return name
    return None


@pytest.fixture
def zone_open_now(db):
    """The live server runs in another thread on the real clock, so the leads get a
    zone where calling hours are open now. From Saturday morning to Sunday evening
    (UTC) it is the weekend everywhere: then calls are allowed every day."""
    now = timezone.now()
    name = open_zone(now)
    if name is None:
        calling_hours_update(weekdays=EVERY_DAY, start=dt.time(9), end=dt.time(18))
        name = open_zone(now)
    assert name is not None
    return name


def wait_for_card(page, heading: str) -> None:
    """Until the card with this heading is in and ready: focus is on its heading."""
    page.locator("#call-card-heading").filter(has_text=heading).wait_for()
    page.wait_for_function("document.activeElement.id === 'call-card-heading'")


@pytest.fixture
def three_calls(rep_alice, zone_open_now):
    now = timezone.now()
    calls = []
    for priority, (first, last, company) in zip(
        (90, 70, 50),
        [
            ("Dana", "Whitfield", "Northwind"),
            ("Eli", "Okafor", "Contoso"),
            ("Fay", "Lind", "Initech"),
        ],
        strict=True,
    ):
        lead = LeadFactory(
            first_name=first,
            last_name=last,
            company=company,
            owner=rep_alice,
            phone=f"+1415555{priority:04d}",
            country=COUNTRY,
            time_zone=zone_open_now,
        )
        calls.append(
            Touch.objects.create(
                lead=lead,
                channel=Channel.CALL,
                due_at=now - dt.timedelta(hours=1),
                reason="Downloaded the pricing guide",
                reason_at=now - dt.timedelta(hours=1),
                origin="Rule: Content download: call now",
                priority=priority,
                assigned_to=rep_alice,
                key=f"browser-test:{priority}",
            )
        )
    return calls


def test_rep_works_three_calls_with_the_keyboard_alone(page, rep_alice, three_calls):
    log_in(page, "alice")
    page.get_by_role("link", name="Queue").click()
    wait_for_card(page, "Call Dana Whitfield")
    page.evaluate("window.stillTheSamePage = true")
    assert (
        page.get_by_role("button", name="Meeting booked").get_attribute("aria-keyshortcuts") == "3"
    )

    page.keyboard.press("3")  # meeting booked
    wait_for_card(page, "Call Eli Okafor")
    page.keyboard.press("n")
    page.keyboard.type("Rang out 12 times")  # "2" typed here is text, not a shortcut
    page.keyboard.press("Escape")
    page.keyboard.press("5")  # no answer
    wait_for_card(page, "Call Fay Lind")
    page.keyboard.press("2")  # not interested
    wait_for_card(page, "Nothing to call right now")

    assert page.evaluate("window.stillTheSamePage") is True
    assert (
        "Logged “Connected: not interested” for Fay Lind — Undo"
        in page.locator("#queue-status").inner_text()
    )
    calls = Interaction.objects.filter(kind=Interaction.Kind.CALL, user=rep_alice)
    assert {(call.lead.first_name, call.outcome, call.notes) for call in calls} == {
        ("Dana", "meeting", ""),
        ("Eli", "no_answer", "Rang out 12 times"),
        ("Fay", "not_interested", ""),
    }
    for touch in three_calls:
        touch.refresh_from_db()
        assert touch.status == Touch.Status.DONE


def test_rep_books_a_call_back_with_the_keyboard(page, rep_alice, three_calls):
    first = three_calls[0]
    when = (timezone.now() + dt.timedelta(days=2)).replace(second=0, microsecond=0)
    log_in(page, "alice")
    page.goto("/queue/")
    wait_for_card(page, "Call Dana Whitfield")
    page.evaluate("window.stillTheSamePage = true")

    page.keyboard.press("8")  # "Call back at…" asks for the time first
    time_field = page.get_by_label("Call back at", exact=True)
    assert page.evaluate("document.activeElement.id") == "id_call_back_at"
    time_field.fill(f"{when:%Y-%m-%dT%H:%M}")  # Alice's time zone is UTC
    page.keyboard.press("Enter")
    wait_for_card(page, "Call Eli Okafor")

    assert page.evaluate("window.stillTheSamePage") is True
    call = Interaction.objects.get(kind=Interaction.Kind.CALL, lead=first.lead)
    assert call.outcome == "call_back"
    again = first.lead.touches.get(status=Touch.Status.PENDING)
    assert again.due_at == when


def test_a_call_released_meanwhile_says_so_instead_of_logging(page, rep_alice, three_calls):
    log_in(page, "alice")
    page.goto("/queue/")
    wait_for_card(page, "Call Dana Whitfield")
    calls_release_abandoned(now=timezone.now() + dt.timedelta(hours=1))  # a long pause

    page.keyboard.press("5")

    status = page.locator("#queue-status")
    status.get_by_text("This call is no longer on your card").wait_for()
    assert not Interaction.objects.filter(kind=Interaction.Kind.CALL).exists()
