import pytest
from mailings.drips import enrolment_create

from mailings.models import Enrolment
from tests.factories import UserFactory
from tests.mailings.factories import ConsentingLeadFactory, drip_with_steps

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "model",
    ["drip", "dripstep", "enrolment", "outboxemail", "suppression", "consenttext", "consentrecord"],
)
def test_every_mailings_admin_page_opens(admin_client, model):
    drip_with_steps(0)

    assert admin_client.get(f"/admin/mailings/{model}/").status_code == 200


def test_a_step_template_that_does_not_compile_is_refused(admin_client):
    step = drip_with_steps(0).steps.get()
    variant = step.variants.get()
    form = {
        "drip": step.drip_id,
        "position": 1,
        "delay": 0,
        "delay_unit": "hours",
        "delay_after": "previous",
        "variants-TOTAL_FORMS": 1,
        "variants-INITIAL_FORMS": 1,
        "variants-0-id": variant.pk,
        "variants-0-step": step.pk,
        "variants-0-label": "A",
        "variants-0-subject": "Hi {% if %}",
        "variants-0-html_body": "<p>Hi</p>",
    }

    response = admin_client.post(f"/admin/mailings/dripstep/{step.pk}/change/", form)

    assert response.status_code == 200
    assert "does not compile" in response.content.decode()
    variant.refresh_from_db()
    assert variant.subject.startswith("Step 1")


def test_removing_a_lead_from_a_drip_in_the_admin_stops_it(admin_client):
    drip = drip_with_steps(24)
    enrolment = enrolment_create(drip=drip, lead=ConsentingLeadFactory(), source="test")

    admin_client.post(
        "/admin/mailings/enrolment/",
        {
            "action": "remove_from_drip",
            "_selected_action": [enrolment.pk],
        },
    )

    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.stop_reason) == ("stopped", "Removed by root")
    assert Enrolment.objects.filter(status="active").count() == 0
