"""The people in a cadence, as the builder shows them: how many before saving, and
where those on a removed step go."""

import re

import pytest
from django.urls import reverse

from followups.cadences.models import (
    Channel,
    Enrolment,
    WaitUnit,
)
from followups.cadences.services import enrolment_create
from tests.factories import LeadFactory
from tests.mailings.cadences.builder.factories import cadence_of
from tests.mailings.cadences.builder.pages import (
    edit_url,
    field_error,
    fill,
    page_data,
    posted,
    remove_step,
)

pytestmark = pytest.mark.usefixtures("clock")

HOURS, DAYS = WaitUnit.HOURS, WaitUnit.DAYS


def test_the_page_says_how_many_people_are_in_it_before_saving(maria):
    cadence = cadence_of((Channel.TASK, 0, HOURS), (Channel.TASK, 1, DAYS))
    for _ in range(3):
        enrolment_create(cadence=cadence, lead=LeadFactory(), source="test")

    response = maria.get(edit_url(cadence))

    notice = re.search(r'<p id="save-notice"[^>]*>(.*?)</p>', response.text, re.S)[1]
    assert "3 people are in this cadence now." in notice
    assert "applies to the steps not yet planned" in notice
    assert 'aria-describedby="save-notice"' in response.text
    assert "3 on it now" in response.text  # on step 1
    assert "save-notice" not in maria.get(reverse("cadences:create")).text


def test_removing_a_step_people_are_on_asks_where_they_go(maria):
    cadence = cadence_of((Channel.TASK, 0, HOURS), (Channel.TASK, 1, DAYS))
    first, second = cadence.steps.order_by("position")
    enrolment = enrolment_create(cadence=cadence, lead=LeadFactory(), source="test")
    data = page_data(maria, edit_url(cadence))
    remove_step(data, f"s{first.pk}")  # as a page without its script would

    response = maria.post(edit_url(cadence), data)

    assert response.status_code == 400
    assert "1 person is on this step: say where they go." in field_error(
        response, f"s{first.pk}-send_to"
    )
    # The step is shown removed, asking; the page posts it so.
    again = posted(response.text)
    assert again["removed"] == [f"s{first.pk}"]
    assert again["steps"] == [f"s{second.pk}"]
    assert cadence.steps.count() == 2

    fill(again, f"s{first.pk}", send_to=f"s{second.pk}")
    response = maria.post(edit_url(cadence), again)

    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.step) == (Enrolment.Status.ACTIVE, second)
    assert list(cadence.steps.values_list("pk", "position")) == [(second.pk, 1)]


def test_where_they_go_is_kept_when_something_else_is_wrong(maria):
    cadence = cadence_of((Channel.TASK, 0, HOURS), (Channel.TASK, 1, DAYS), (Channel.TASK, 1, DAYS))
    first, _, third = cadence.steps.order_by("position")
    enrolment_create(cadence=cadence, lead=LeadFactory(), source="test")
    data = page_data(maria, edit_url(cadence))
    remove_step(data, f"s{first.pk}", send_to=f"s{third.pk}")
    fill(data, "", name="")

    response = maria.post(edit_url(cadence), data)

    assert response.status_code == 400
    again = posted(response.text)
    assert again["removed"] == [f"s{first.pk}"]
    assert again[f"s{first.pk}-send_to"] == [f"s{third.pk}"]


def test_those_on_a_removed_step_may_finish(maria):
    cadence = cadence_of((Channel.TASK, 0, HOURS), (Channel.TASK, 1, DAYS))
    first = cadence.steps.get(position=1)
    enrolment = enrolment_create(cadence=cadence, lead=LeadFactory(), source="test")
    data = page_data(maria, edit_url(cadence))
    remove_step(data, f"s{first.pk}", send_to="finish")

    assert maria.post(edit_url(cadence), data).status_code == 302

    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.FINISHED
