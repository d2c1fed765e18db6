"""Bad input on the builder's page: a 400, with the reason beside the field and
what was typed kept."""

import html

import pytest
from django.urls import reverse

from followups.cadences.models import (
    Cadence,
    Channel,
)
from tests.followups.cadences.factories import CadenceFactory
from tests.mailings.cadences.builder.pages import (
    HELLO,
    add_trigger,
    field_error,
    fill,
    new_page,
    posted,
    variants_of,
    with_email,
)
from tests.mailings.cadences.builder.pages import (
    add_step as click_add_step,
)

pytestmark = pytest.mark.usefixtures("clock")


def two_steps(client) -> dict:
    data = new_page(client, name="Welcome")
    click_add_step(client, data, Channel.CALL)
    with_email(client, data)
    return data


def step_prefix(data, number: int) -> str:
    return data["steps"][number - 1]


@pytest.mark.parametrize(
    "change, field, error",
    [
        (lambda d: fill(d, "", name=""), "name", "This field is required."),
        (
            lambda d: fill(d, step_prefix(d, 1), wait="-1"),
            "{first}-wait",
            "greater than or equal to 0",
        ),
        (lambda d: fill(d, step_prefix(d, 1), wait="x"), "{first}-wait", "Enter a whole number."),
        (
            lambda d: fill(d, step_prefix(d, 1), wait_unit="fortnights"),
            "{first}-wait_unit",
            "valid choice",
        ),
        (
            lambda d: fill(d, step_prefix(d, 1), at_local_time="25:00"),
            "{first}-at_local_time",
            "valid time",
        ),
        (lambda d: fill(d, step_prefix(d, 1), priority="lots"), "{first}-priority", "whole number"),
        (lambda d: fill(d, "", assign="reps"), "reps", "Choose the reps"),
        (lambda d: fill(d, "", exit_on=["never"]), None, "not one of the available choices"),
        (
            lambda d: fill(d, "", exit_on_audience_leave="on"),
            "exit_on_audience_leave",
            "audience first",
        ),
        (lambda d: fill(d, "", audience="999999"), "audience", "valid choice"),
        (
            lambda d: fill(d, variants_of(d, step_prefix(d, 2))[0], subject="Hi {{ x|nosuch }}"),
            "{v}-subject",
            "The filter |nosuch is not allowed in an email",
        ),
        (
            lambda d: fill(d, variants_of(d, step_prefix(d, 2))[0], html_body="{% if x %}"),
            "{v}-html_body",
            "The template does not compile",
        ),
        (
            lambda d: fill(d, step_prefix(d, 2), repeat_from="n99999999"),
            "{second}-repeat_from",
            "valid choice",
        ),
        (
            lambda d: fill(d, step_prefix(d, 1), repeat_from=step_prefix(d, 2)),
            "{first}-repeat_from",
            "Go back to this step or one before it",
        ),
    ],
)
def test_bad_input_is_a_400_with_the_reason_beside_the_field(maria, change, field, error):
    data = two_steps(maria)
    change(data)

    response = maria.post(reverse("cadences:create"), data)

    assert response.status_code == 400
    if field is None:
        assert error in html.unescape(response.text)
    else:
        name = field.format(
            v=variants_of(data, step_prefix(data, 2))[0],
            first=step_prefix(data, 1),
            second=step_prefix(data, 2),
        )
        assert error in field_error(response, name)
    assert not Cadence.objects.filter(name="Welcome").exists()


@pytest.mark.parametrize(
    "change, error",
    [
        (lambda c, d: d.update(steps=[]), "Add at least one step."),
        (lambda c, d: d.update(steps=["../etc"]), "The page was out of date"),
        (lambda c, d: d.update(steps=[*d["steps"], "n0000000f"]), "The page was out of date"),
        (lambda c, d: d.update({f"{step_prefix(d, 2)}-variants": []}), "Write the email"),
        (lambda c, d: d.update(triggers=["t999999"]), "The page was out of date"),
        (lambda c, d: click_add_step(c, d, Channel.TASK), "Say what the task is."),
        (lambda c, d: click_add_step(c, d, Channel.LETTER), "Choose the letter this step sends."),
        (lambda c, d: add_trigger(c, d, kind="purchase", data_key="sku"), "Give the value"),
        (lambda c, d: add_trigger(c, d, kind="teleport"), "valid choice"),
    ],
)
def test_a_cadence_that_does_not_hold_together_is_a_400_with_the_reason(maria, change, error):
    data = two_steps(maria)
    change(maria, data)

    response = maria.post(reverse("cadences:create"), data)

    assert response.status_code == 400
    assert error in html.unescape(response.text)
    assert not Cadence.objects.filter(name="Welcome").exists()


def test_a_slug_already_taken_is_a_field_error(maria):
    CadenceFactory(slug="welcome")

    response = maria.post(reverse("cadences:create"), two_steps(maria))

    assert response.status_code == 400
    assert "already exists" in field_error(response, "slug")


def test_a_400_keeps_what_was_typed_and_the_blocks_added(maria):
    data = two_steps(maria)
    fill(data, "", name="")

    response = maria.post(reverse("cadences:create"), data)

    again = posted(response.text)
    assert again["steps"] == data["steps"]
    variant = variants_of(data, step_prefix(data, 2))[0]
    assert again[f"{variant}-subject"] == [HELLO]
