"""Opens and clicks, through the pixel and the signed redirects."""

import re

import pytest
from django.test import Client

from crm.models import Interaction
from followups.scheduler import scheduler_pass
from mailings.drips import enrolment_create
from mailings.models import OutboxEmail
from tests.mailings.factories import ConsentingLeadFactory, drip_with_steps

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def html(db, smtp):
    """The HTML of the email Ada got, with a link to the pricing page."""
    drip = drip_with_steps(0, slug="expo")
    drip.steps.get().variants.update(
        html_body='<p><a href="https://example.com/pricing">See pricing</a></p>'
    )
    enrolment_create(drip=drip, lead=ConsentingLeadFactory(first_name="Ada"), source="test")
    scheduler_pass()
    return smtp.messages[0].get_body(("html",)).get_content()


def path_of(pattern: str, html: str) -> str:
    return re.search(pattern, html).group(1).replace("&amp;", "&")


def kinds() -> list[str]:
    tracked = Interaction.objects.filter(kind__in=["email_opened", "email_clicked"])
    return list(tracked.order_by("id").values_list("kind", flat=True))


def test_the_first_open_is_recorded_once(html):
    pixel = path_of(r'<img src="https://crm\.example\.com(/m/o/[^"]+)"', html)

    responses = [Client().get(pixel) for _ in range(3)]

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert responses[0]["Content-Type"] == "image/gif"
    assert kinds() == ["email_opened"]
    assert OutboxEmail.objects.get().opened_at is not None


def test_a_click_redirects_to_the_link_and_is_recorded(html):
    link = path_of(r'href="https://crm\.example\.com(/m/c/[^"]+)"', html)

    response = Client().get(link)

    assert (response.status_code, response["Location"]) == (302, "https://example.com/pricing")
    clicked = Interaction.objects.get(kind="email_clicked")
    assert clicked.data["url"] == "https://example.com/pricing"
    assert OutboxEmail.objects.get().clicked_at is not None


def test_a_tampered_click_link_redirects_nowhere(html):
    link = path_of(r'href="https://crm\.example\.com(/m/c/[^"]+)"', html)

    response = Client().get(link[:-6] + "AAAAA/")

    assert response.status_code == 400
    assert kinds() == []


def test_a_tampered_pixel_records_nothing(html):
    assert Client().get("/m/o/MQ:forged:signature/").status_code == 400
    assert kinds() == []
