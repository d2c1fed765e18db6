"""Opens and clicks, through the pixel and the signed redirects."""

import datetime as dt
import re

import pytest
from django.test import Client

from crm.models import Interaction
from followups.cadences.services import enrolment_create
from followups.scheduler import scheduler_pass
from mailings.email.machines import machine_reason
from mailings.models import OutboxEmail
from tests.mailings.factories import PERSONS_BROWSER, ConsentingLeadFactory, email_cadence

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def html(db, smtp, clock):
    """The HTML of the email Ada got, with a link to the pricing page; read a few
    minutes after it was sent."""
    cadence = email_cadence(0, slug="expo")
    cadence.steps.get().variants.update(
        html_body='<p><a href="https://example.com/pricing">See pricing</a></p>'
    )
    enrolment_create(cadence=cadence, lead=ConsentingLeadFactory(first_name="Ada"), source="test")
    scheduler_pass()
    clock.shift(dt.timedelta(minutes=3))
    return smtp.messages[0].get_body(("html",)).get_content()


def person() -> Client:
    return Client(HTTP_USER_AGENT=PERSONS_BROWSER)


def path_of(pattern: str, html: str) -> str:
    return re.search(pattern, html).group(1).replace("&amp;", "&")


def kinds() -> list[str]:
    tracked = Interaction.objects.filter(kind__in=["email_opened", "email_clicked"])
    return list(tracked.order_by("id").values_list("kind", flat=True))


def test_the_first_open_is_recorded_once(html):
    pixel = path_of(r'<img src="https://crm\.example\.com(/m/o/[^"]+)"', html)

    responses = [person().get(pixel) for _ in range(3)]

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert responses[0]["Content-Type"] == "image/gif"
    assert kinds() == ["email_opened"]
    assert OutboxEmail.objects.get().opened_at is not None


def test_a_click_redirects_to_the_link_and_is_recorded(html):
    link = path_of(r'href="https://crm\.example\.com(/m/c/[^"]+)"', html)

    response = person().get(link)

    assert (response.status_code, response["Location"]) == (302, "https://example.com/pricing")
    clicked = Interaction.objects.get(kind="email_clicked")
    assert clicked.data["url"] == "https://example.com/pricing"
    assert (clicked.source, clicked.notes) == ("cadence", "Step 1 for Ada")
    assert OutboxEmail.objects.get().clicked_at is not None


def test_a_tampered_click_link_redirects_nowhere(html):
    link = path_of(r'href="https://crm\.example\.com(/m/c/[^"]+)"', html)

    response = person().get(link[:-6] + "AAAAA/")

    assert response.status_code == 400
    assert kinds() == []


def test_a_tampered_pixel_records_nothing(html):
    assert person().get("/m/o/MQ:forged:signature/").status_code == 400
    assert kinds() == []


# Machines: mail scanners and privacy proxies


def test_a_scanners_clicks_and_a_proxys_opens_are_counted_apart(html):
    link = path_of(r'href="https://crm\.example\.com(/m/c/[^"]+)"', html)
    pixel = path_of(r'<img src="https://crm\.example\.com(/m/o/[^"]+)"', html)

    scanned = Client(HTTP_USER_AGENT="Mozilla/5.0 (compatible; Barracuda Sentinel)").get(link)
    Client(HTTP_USER_AGENT="Mozilla/5.0").get(pixel)  # Apple Mail Privacy Protection
    Client().get(pixel)  # no user agent at all

    assert (scanned.status_code, scanned["Location"]) == (302, "https://example.com/pricing")
    email = OutboxEmail.objects.get()
    assert (email.machine_clicks, email.machine_opens) == (1, 2)
    assert (email.opened_at, email.clicked_at) == (None, None)
    assert kinds() == []  # no audience, score or A/B test hears of them

    person().get(link)

    email.refresh_from_db()
    assert email.clicked_at is not None and email.opened_at is not None
    assert kinds() == ["email_clicked"]


def test_a_click_right_after_sending_is_a_scanners(db, smtp, clock, settings):
    settings.MAIL_MACHINE_SECONDS = 30
    cadence = email_cadence(0, slug="fast")
    cadence.steps.get().variants.update(html_body='<p><a href="https://example.com/a">A</a></p>')
    enrolment_create(cadence=cadence, lead=ConsentingLeadFactory(), source="test")
    scheduler_pass()
    html = smtp.messages[0].get_body(("html",)).get_content()
    link = path_of(r'href="https://crm\.example\.com(/m/c/[^"]+)"', html)

    clock.shift(dt.timedelta(seconds=5))
    person().get(link)
    clock.shift(dt.timedelta(seconds=30))
    person().get(link)

    email = OutboxEmail.objects.get()
    assert email.machine_clicks == 1
    assert kinds() == ["email_clicked"]


SENT = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
LATER = SENT + dt.timedelta(hours=2)


@pytest.mark.parametrize(
    ("user_agent", "reason"),
    [
        (PERSONS_BROWSER, ""),
        ("Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com "
         "GoogleImageProxy)", ""),  # Gmail loads images when a person opens the email
        ("Mozilla/5.0 (Linux; Android 12; CUBOT_X50) AppleWebKit/537.36 Chrome/118 Mobile", ""),
        ("Mozilla/5.0 (Linux; Android 13; CUBOT KINGKONG) Chrome/120 Mobile", ""),
        ("", "no user agent"),
        ("   ", "no user agent"),
        ("Mozilla/5.0", "a privacy proxy"),
        ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
         "a scanner or script"),
        ("python-requests/2.32.3", "a scanner or script"),
        ("curl/8.5.0", "a scanner or script"),
        ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/120.0",
         "a scanner or script"),
        ("Microsoft Office Protocol Discovery", "a scanner or script"),
        ("Mozilla/4.0 (compatible; ms-office; MSOffice 16)", "a scanner or script"),
        ("Proofpoint URL Defense", "a scanner or script"),
    ],
)  # fmt: skip
def test_who_is_a_machine(user_agent, reason, settings):
    settings.MAIL_MACHINE_SECONDS = 30

    assert machine_reason(user_agent=user_agent, sent_at=SENT, now=LATER) == reason


def test_too_soon_after_sending_is_a_machine_and_unsent_is_never_too_soon(settings):
    settings.MAIL_MACHINE_SECONDS = 30
    soon = SENT + dt.timedelta(seconds=29)

    assert machine_reason(user_agent=PERSONS_BROWSER, sent_at=SENT, now=soon) == (
        "too soon after sending"
    )
    assert (
        machine_reason(
            user_agent=PERSONS_BROWSER, sent_at=SENT, now=SENT + dt.timedelta(seconds=30)
        )
        == ""
    )
    assert machine_reason(user_agent=PERSONS_BROWSER, sent_at=None, now=soon) == ""
