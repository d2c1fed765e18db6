"""What call outcomes do, as the builder sets them: the defaults, what is stored,
and the policies that cannot work."""

import re

import pytest

from followups.cadences.models import (
    Channel,
    WaitUnit,
)
from tests.followups.cadences.factories import CadenceFactory
from tests.mailings.cadences.builder.factories import cadence_of
from tests.mailings.cadences.builder.pages import (
    edit_url,
    field_error,
    fill,
    page_data,
)

pytestmark = pytest.mark.usefixtures("clock")

HOURS, DAYS = WaitUnit.HOURS, WaitUnit.DAYS


def test_the_outcome_policies_show_the_defaults_only_with_a_call_step(maria):
    with_call = cadence_of((Channel.CALL, 0, HOURS))
    without = cadence_of((Channel.TASK, 0, HOURS))

    shown = maria.get(edit_url(with_call)).text
    hidden = maria.get(edit_url(without)).text

    assert (
        '<section class="card" id="outcome-policies" aria-labelledby="policies-heading">' in shown
    )
    assert 'id="outcome-policies" aria-labelledby="policies-heading" hidden' in hidden
    assert "Default: try the step again: 3 tries in all, 1 business day apart" in shown
    assert "call_back" not in re.search(r'id="outcome-policies".*?</section>', shown, re.S)[0]


def test_only_the_outcomes_set_apart_from_the_default_are_stored(maria):
    cadence = cadence_of((Channel.CALL, 0, HOURS), (Channel.EMAIL, 1, DAYS))
    other = CadenceFactory(name="Voicemail follow-up")
    email = cadence.steps.get(position=2)
    data = page_data(maria, edit_url(cadence))
    fill(data, "policy-no_answer", retry_cap=5, retry_wait=2, retry_wait_unit="hours")
    fill(data, "policy-voicemail", action="move", move_to=other.pk)
    fill(data, "policy-interested", action="jump", jump_to=f"s{email.pk}")

    assert maria.post(edit_url(cadence), data).status_code == 302

    stored = {
        p.outcome: (p.action, p.retry_cap, p.retry_wait, p.jump_to, p.move_to_id)
        for p in cadence.policies.all()
    }
    assert stored == {
        "no_answer": ("retry", 5, 2, None, None),
        "voicemail": ("move", 3, 1, None, other.pk),
        "interested": ("jump", 3, 1, 2, None),
    }
    data = page_data(maria, edit_url(cadence))
    assert data["policy-interested-jump_to"] == [f"s{email.pk}"]
    fill(data, "policy-no_answer", retry_cap=3, retry_wait=1, retry_wait_unit="business_days")
    maria.post(edit_url(cadence), data)
    assert not cadence.policies.filter(outcome="no_answer").exists()  # the default again


@pytest.mark.parametrize(
    "values, field, error",
    [
        ({"action": "jump"}, "jump_to", "Choose the step to jump to."),
        ({"action": "move"}, "move_to", "Choose the cadence to move them to."),
        ({"action": "retry", "retry_cap": "0"}, "retry_cap", "greater than or equal to 1"),
        ({"action": "explode"}, "action", "valid choice"),
    ],
)
def test_an_outcome_policy_that_cannot_work_is_a_400(maria, values, field, error):
    cadence = cadence_of((Channel.CALL, 0, HOURS))
    data = page_data(maria, edit_url(cadence))
    fill(data, "policy-no_answer", **values)

    response = maria.post(edit_url(cadence), data)

    assert response.status_code == 400
    assert error in field_error(response, f"policy-no_answer-{field}")
    assert not cadence.policies.exists()


def test_a_cadence_cannot_move_leads_to_itself(maria):
    cadence = cadence_of((Channel.CALL, 0, HOURS))
    data = page_data(maria, edit_url(cadence))
    fill(data, "policy-voicemail", action="move", move_to=cadence.pk)

    response = maria.post(edit_url(cadence), data)

    assert response.status_code == 400
    assert "valid choice" in field_error(response, "policy-voicemail-move_to")
