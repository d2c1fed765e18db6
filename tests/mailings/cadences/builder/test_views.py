import html
import re

import pytest
from django.core import mail
from django.urls import reverse

from crm.models import Lead
from followups.cadences.models import (
    Cadence,
    CadenceStep,
    Channel,
    Enrolment,
    WaitUnit,
)
from followups.cadences.policies import policies_for
from followups.cadences.services import enrolment_create
from mailings.cadences.plays import PLAYS
from mailings.letters.models import StepLetter
from mailings.models import OutboxEmail, StepVariant
from mailings.steps import outboxes_for
from tests.factories import LeadFactory
from tests.followups.cadences.factories import CadenceFactory, TriggerFactory
from tests.mailings.cadences.builder.factories import ReachableLeadFactory, add_step, cadence_of
from tests.mailings.cadences.builder.pages import (
    add_step as click_add_step,
)
from tests.mailings.cadences.builder.pages import (
    add_trigger,
    add_variant,
    fill,
    page_data,
    posted,
    remove_step,
    variants_of,
)
from tests.mailings.factories import ConsentingLeadFactory, StepVariantFactory, email_cadence
from tests.mailings.letters.factories import LetterTemplateFactory
from tests.mailings.letters.test_views import pdf_text

pytestmark = pytest.mark.usefixtures("clock")

HELLO = "Hello {{ lead.first_name|default:'there' }}"
BODY = "<p>Hi {{ lead.first_name|default:'there' }}, from {{ rep.full_name }}.</p>"
HOURS, DAYS, BUSINESS_DAYS = WaitUnit.HOURS, WaitUnit.DAYS, WaitUnit.BUSINESS_DAYS


def new_page(client, name="Expo follow-up") -> dict:
    data = page_data(client, reverse("cadences:create"))
    fill(data, "", name=name)
    return data


def with_email(client, data, subject=HELLO, body=BODY, **step_values) -> str:
    step = click_add_step(client, data, Channel.EMAIL, **step_values)
    fill(data, variants_of(data, step)[0], subject=subject, html_body=body)
    return step


def edit_url(cadence) -> str:
    return reverse("cadences:edit", args=[cadence.pk])


def field_error(response, name: str) -> str:
    match = re.search(rf'id="id_{re.escape(name)}_error">([^<]*)<', response.text)
    return html.unescape(match.group(1)) if match else ""


def shape(cadence: Cadence) -> list[tuple]:
    return [
        (step.position, step.channel, step.wait, [v.subject for v in step.variants.all()])
        for step in cadence.steps.prefetch_related("variants")
    ]


# Who may open the pages


def test_the_builder_pages_are_for_managers_only(client, rep_alice, mailroom_max, manager_maria):
    cadence = email_cadence(0)
    urls = [
        reverse("cadences:create"),
        reverse("cadences:step_block") + "?channel=call",
        reverse("cadences:variant_block") + "?step=n12345678",
        reverse("cadences:trigger_block"),
        edit_url(cadence),
        reverse("cadences:preview", args=[cadence.pk]),
        reverse("cadences:dry_run", args=[cadence.pk]),
    ]
    test_send = reverse("cadences:test_send", args=[cadence.pk])

    for url in urls:
        assert client.get(url).status_code == 302, url  # to the login page
    for person in (rep_alice, mailroom_max):
        client.force_login(person)
        for url in urls:
            assert client.get(url).status_code == 403, url
        assert client.post(edit_url(cadence), {"name": "Taken"}).status_code == 403
        assert client.post(test_send).status_code == 403
    client.force_login(manager_maria)
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert Cadence.objects.get(pk=cadence.pk).name != "Taken"


# Building a cadence


def test_a_manager_builds_a_cadence_with_a_step_on_every_channel(maria, manager_maria):
    template = LetterTemplateFactory(name="Thanks for visiting")
    data = new_page(maria)
    add_trigger(maria, data, kind="booth_visit", first_of_kind="on")
    click_add_step(maria, data, Channel.CALL, script="Thank them for stopping by.", priority=70)
    with_email(maria, data, wait=1, wait_unit=DAYS)
    personal = click_add_step(maria, data, Channel.PERSONAL_EMAIL)
    fill(data, variants_of(data, personal)[0], subject="Quick question", html_body="<p>Hi</p>")
    click_add_step(maria, data, Channel.LETTER, wait=3, wait_unit=DAYS, template=template.pk)
    click_add_step(maria, data, Channel.TASK, script="Connect on LinkedIn", at_local_time="09:30")

    response = maria.post(reverse("cadences:create"), data)

    cadence = Cadence.objects.get(name="Expo follow-up")
    assert response.status_code == 302
    assert response.url == edit_url(cadence)
    assert (cadence.slug, cadence.created_by, cadence.is_active) == (
        "expo-follow-up",
        manager_maria,
        False,  # switched on from the cadence's page
    )
    assert cadence.exit_on == ["replied", "meeting", "unsubscribed", "bounced"]
    assert shape(cadence) == [
        (1, "call", 1, []),
        (2, "email", 1, [HELLO]),
        (3, "personal_email", 1, ["Quick question"]),
        (4, "letter", 3, []),
        (5, "task", 0, []),
    ]
    call, *_, task = cadence.steps.all()
    assert (call.wait_unit, call.script, call.priority) == (
        BUSINESS_DAYS,
        "Thank them for stopping by.",
        70,
    )
    assert (task.script, f"{task.at_local_time:%H:%M}") == ("Connect on LinkedIn", "09:30")
    assert StepLetter.objects.get(step__cadence=cadence).template == template
    assert [t.describe() for t in cadence.triggers.all()] == ["First booth visit"]


def test_the_timeline_shows_each_steps_channel_icon_and_day(maria):
    cadence = Cadence.objects.get(installed="booth_visit")

    response = maria.get(edit_url(cadence))

    assert response.status_code == 200
    cards = re.findall(r'<li class="card cadence-step.*?</li>', response.text, re.S)
    found = [
        (
            re.search(r'role="img" aria-label="([^"]+)"', card)[1],
            re.search(r'<span class="step-day">([^<]*)</span>', card)[1],
        )
        for card in cards
    ]
    assert found == [
        ("Call", "About day 1"),
        ("Email", "About day 2"),
        ("Letter", "About day 5"),
        ("Call", "About day 7"),
    ]


def test_the_builder_page_reads_each_kind_of_thing_once(maria, django_assert_max_num_queries):
    cadence = Cadence.objects.get(installed="booth_visit")
    for position in (5, 6, 7):
        add_step(cadence, Channel.EMAIL, wait=position)
    enrolment_create(cadence=cadence, lead=ReachableLeadFactory(), source="test")

    with django_assert_max_num_queries(18):
        response = maria.get(edit_url(cadence))

    assert response.status_code == 200


@pytest.mark.parametrize("key", [play["key"] for play in PLAYS])
def test_every_installed_play_saves_from_its_page_as_it_was(maria, key):
    cadence = Cadence.objects.get(installed=key)
    before = shape(cadence)
    policies = {outcome: p.action for outcome, p in policies_for(cadence.pk).items()}

    response = maria.post(edit_url(cadence), page_data(maria, edit_url(cadence)))

    assert response.status_code == 302, response.content
    assert shape(cadence) == before
    assert {outcome: p.action for outcome, p in policies_for(cadence.pk).items()} == policies


def test_add_step_variant_and_trigger_give_new_empty_blocks(maria):
    for channel in Channel.values:
        step = maria.get(reverse("cadences:step_block"), {"channel": channel})
        assert step.status_code == 200
        prefix = re.search(r'name="steps" value="(n[0-9a-f]{8})"', step.text)[1]
        assert f'name="{prefix}-channel" value="{channel}"' in step.text
    variant = maria.get(reverse("cadences:variant_block"), {"step": "n12345678"})
    trigger = maria.get(reverse("cadences:trigger_block"))

    assert re.search(r'name="n12345678-variants" value="n[0-9a-f]{8}"', variant.text)
    assert re.search(r'name="triggers" value="n[0-9a-f]{8}"', trigger.text)
    assert maria.get(reverse("cadences:step_block"), {"channel": "fax"}).status_code == 400
    assert maria.get(reverse("cadences:variant_block"), {"step": "<x>"}).status_code == 400


# Bad input: 400, the reason beside the field


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


# A/B variants


def test_ab_variants_must_differ_in_one_thing_only(maria):
    data = new_page(maria, name="Welcome")
    step = with_email(maria, data)
    add_variant(maria, data, step, subject="Other subject", html_body="<p>Other</p>")

    response = maria.post(reverse("cadences:create"), data)

    assert response.status_code == 400
    assert "Variant B changes both the subject and the body" in html.unescape(response.text)


def test_ab_variants_that_differ_in_the_subject_are_saved_as_a_and_b(maria):
    data = new_page(maria, name="Welcome")
    step = with_email(maria, data)
    add_variant(maria, data, step, subject="A question for you", html_body=BODY)

    maria.post(reverse("cadences:create"), data)

    cadence = Cadence.objects.get(name="Welcome")
    labels = list(StepVariant.objects.filter(step__cadence=cadence).values_list("label", "subject"))
    assert labels == [("A", HELLO), ("B", "A question for you")]


# Editing


def test_editing_reorders_removes_and_adds_steps_and_variants(maria):
    cadence = email_cadence(0, 24, 48, name="Nurture")
    first, second, third = cadence.steps.order_by("position")
    data = page_data(maria, edit_url(cadence))
    new = with_email(maria, data, subject="The last word", wait=5)
    # Third step first, the second one gone, a new step last, a B variant on step 1.
    data["steps"] = [f"s{third.pk}", f"s{first.pk}", new]
    add_variant(
        maria,
        data,
        f"s{first.pk}",
        subject="Another subject",
        html_body=first.variants.get().html_body,
    )

    response = maria.post(edit_url(cadence), data)

    assert response.status_code == 302, response.content
    assert shape(cadence) == [
        (1, "email", 48, ["Step 3 for {{ lead.first_name }}"]),
        (2, "email", 0, ["Step 1 for {{ lead.first_name }}", "Another subject"]),
        (3, "email", 5, ["The last word"]),
    ]
    assert not CadenceStep.objects.filter(pk=second.pk).exists()
    assert cadence.steps.get(position=1).pk == third.pk  # the same step, moved


def test_repeats_follow_their_step_when_the_steps_are_reordered(maria):
    cadence = cadence_of((Channel.TASK, 0, HOURS), (Channel.LETTER, 6, WaitUnit.MONTHS))
    task, letter = cadence.steps.order_by("position")
    data = page_data(maria, edit_url(cadence))
    fill(data, f"s{letter.pk}", repeat_from=f"s{letter.pk}")  # a reminder every 6 months
    data["steps"] = [f"s{letter.pk}", f"s{task.pk}"]
    fill(data, f"s{task.pk}", repeat_from=f"s{letter.pk}")

    maria.post(edit_url(cadence), data)

    letter.refresh_from_db()
    task.refresh_from_db()
    assert (letter.position, letter.repeat_from) == (1, 1)
    assert (task.position, task.repeat_from) == (2, 1)


def test_a_step_with_sent_emails_cannot_be_removed(maria):
    cadence = email_cadence(0, 24, name="Nurture")
    enrolment = enrolment_create(cadence=cadence, lead=ConsentingLeadFactory(), source="test")
    outboxes_for(list(enrolment.touches.all()))
    data = page_data(maria, edit_url(cadence))
    first = data["steps"][0]
    remove_step(data, first, send_to="finish")

    response = maria.post(edit_url(cadence), data)

    assert response.status_code == 400
    assert "Step 1 has sent emails, so it cannot be removed" in response.text
    assert cadence.steps.count() == 2


def test_a_variant_with_sent_emails_cannot_be_removed(maria):
    cadence = email_cadence(0, name="Nurture")
    step = cadence.steps.get()
    variant_b = StepVariantFactory(step=step, label="B", subject="Other")
    for _ in range(40):
        enrolment = enrolment_create(cadence=cadence, lead=ConsentingLeadFactory(), source="t")
        outboxes_for(list(enrolment.touches.all()))
    assert OutboxEmail.objects.filter(variant=variant_b).exists()
    data = page_data(maria, edit_url(cadence))
    data[f"s{step.pk}-variants"] = [f"v{step.variants.get(label='A').pk}"]

    response = maria.post(edit_url(cadence), data)

    assert response.status_code == 400
    assert "Variant B of step 1 has sent emails, so it cannot be removed." in response.text


@pytest.mark.parametrize("removed", ["", "n12345678", "s999999", "<x>"])
def test_a_removal_the_page_could_not_have_made_is_a_400(maria, removed):
    cadence = cadence_of((Channel.TASK, 0, HOURS))
    data = page_data(maria, edit_url(cadence))
    data["removed"] = [removed]

    response = maria.post(edit_url(cadence), data)

    assert response.status_code == 400
    assert "The page was out of date" in response.text


def test_a_step_of_another_cadence_cannot_be_edited_from_this_one(maria):
    cadence = email_cadence(0, name="Nurture")
    other = email_cadence(0, name="Other").steps.get()
    data = page_data(maria, edit_url(cadence))
    data["steps"] = [f"s{other.pk}"]
    fill(data, f"s{other.pk}", wait=99)

    response = maria.post(edit_url(cadence), data)

    assert response.status_code == 400
    assert "The page was out of date" in response.text
    other.refresh_from_db()
    assert other.wait == 0


# People in it


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


# What call outcomes do


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


# Triggers


def test_triggers_are_added_changed_and_removed(maria):
    cadence = cadence_of((Channel.TASK, 0, HOURS))
    kept = TriggerFactory(cadence=cadence, kind="booth_visit")
    TriggerFactory(cadence=cadence, kind="purchase")
    data = page_data(maria, edit_url(cadence))
    data["triggers"] = [f"t{kept.pk}"]
    fill(data, f"t{kept.pk}", sentiment="negative")
    add_trigger(maria, data, kind="app_event", data_key="name", data_value="signed_up")
    add_trigger(maria, data, kind="purchase", ends="on")

    assert maria.post(edit_url(cadence), data).status_code == 302

    assert [(t.describe(), t.ends) for t in cadence.triggers.order_by("pk")] == [
        ("Booth visit (negative)", False),
        ("App event “signed_up”", False),
        ("Purchase", True),
    ]


# Preview and test send


@pytest.fixture
def cadence(db, rep_alice):
    rep_alice.email = "alice@example.com"
    rep_alice.save()
    cadence = email_cadence(0, 24, name="Nurture")
    add_step(cadence, Channel.LETTER, wait=1, unit=DAYS)
    return cadence


@pytest.fixture
def dana(rep_alice):
    return ReachableLeadFactory(first_name="Dana", last_name="Whitfield", owner=rep_alice)


def preview_url(cadence) -> str:
    return reverse("cadences:preview", args=[cadence.pk])


def test_the_preview_renders_an_email_for_a_chosen_lead(maria, cadence, dana):
    variant = StepVariant.objects.get(step__cadence=cadence, step__position=2)

    response = maria.get(preview_url(cadence), {"item": f"v{variant.pk}", "lead": dana.pk})

    assert response.status_code == 200
    assert '<dd class="email-subject">Step 2 for Dana</dd>' in response.text
    frame = re.search(r'<iframe [^>]*sandbox srcdoc="([^"]*)"', response.text)[1]
    assert "Hi Dana, from" in html.unescape(frame)
    # The frame keeps this page's policy: the email's inline styles are allowed here.
    assert "style-src-attr 'unsafe-inline'" in response["Content-Security-Policy"]
    assert "Hi Dana" in re.search(r'<pre class="email-text">(.*?)</pre>', response.text, re.S)[1]


def test_the_preview_starts_with_the_first_step_and_finds_leads_by_search(maria, cadence, dana):
    LeadFactory(first_name="Daniel", last_name="Okafor", company="Acme")
    LeadFactory(first_name="Zed", last_name="Quill", company="Acme")  # no "dan" anywhere

    response = maria.get(preview_url(cadence), {"q": "dan"})

    assert response.status_code == 200
    first = StepVariant.objects.get(step__cadence=cadence, step__position=1)
    assert f'<option value="v{first.pk}" selected>' in response.text
    assert "Dana Whitfield" in response.text and "Daniel" in response.text
    assert "Zed" not in response.text
    assert f'href="?lead={dana.pk}&amp;item=v{first.pk}"' in response.text
    letter = cadence.steps.get(position=3)
    assert (
        f'<option value="l{letter.pk}">Step 3 (letter): {letter.letter.template}' in response.text
    )


def test_the_preview_of_a_letter_step_is_its_pdf_for_the_lead(maria, cadence, dana):
    letter = cadence.steps.get(channel=Channel.LETTER)

    page = maria.get(preview_url(cadence), {"item": f"l{letter.pk}", "lead": dana.pk})
    src = html.unescape(
        re.search(r'<iframe [^>]*title="The letter as a PDF" src="([^"]+)"', page.text)[1]
    )
    pdf = maria.get(src)

    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["X-Frame-Options"] == "SAMEORIGIN"
    text = pdf_text(pdf.content)
    assert "Dear Dana," in text
    assert "Dana Whitfield" in text  # the address in the envelope window


def test_a_letter_preview_for_an_unknown_lead_or_step_is_a_400(maria, cadence):
    letter = cadence.steps.get(channel=Channel.LETTER)
    other = add_step(CadenceFactory(), Channel.LETTER)
    url = reverse("cadences:letter_preview", args=[cadence.pk])

    assert maria.get(url, {"step": letter.pk, "lead": 999999}).status_code == 400
    assert maria.get(url, {"step": other.pk, "lead": LeadFactory().pk}).status_code == 400
    assert maria.get(url, {"step": "x"}).status_code == 400


def test_lead_data_cannot_inject_markup_into_the_preview(maria, cadence):
    lead = ConsentingLeadFactory(first_name='<script>alert("x")</script>')
    variant = StepVariant.objects.get(step__cadence=cadence, step__position=1)

    response = maria.get(preview_url(cadence), {"item": f"v{variant.pk}", "lead": lead.pk})

    assert "<script>alert" not in response.text
    assert "<script>alert" not in html.unescape(re.search(r'srcdoc="([^"]*)"', response.text)[1])


def test_a_preview_for_an_unknown_lead_or_another_cadences_email_is_a_400(maria, cadence):
    other = StepVariant.objects.get(step__cadence=email_cadence(0, name="Other"))

    assert maria.get(preview_url(cadence), {"lead": 999999}).status_code == 400
    assert "No lead has this id." in maria.get(preview_url(cadence), {"lead": 999999}).text
    assert maria.get(preview_url(cadence), {"item": f"v{other.pk}"}).status_code == 400


def test_a_template_that_fails_while_rendering_shows_the_error(maria, cadence, dana):
    variant = StepVariant.objects.get(step__cadence=cadence, step__position=1)
    StepVariant.objects.filter(pk=variant.pk).update(html_body="{% include 'nowhere.html' %}")

    response = maria.get(preview_url(cadence), {"item": f"v{variant.pk}", "lead": dana.pk})

    assert response.status_code == 200
    message = "This email does not render for Dana Whitfield: {% include %} is not allowed"
    assert message in html.unescape(response.text)


def test_a_cadence_without_emails_or_letters_has_nothing_to_preview(maria):
    cadence = cadence_of((Channel.CALL, 0, HOURS))

    response = maria.get(preview_url(cadence))

    assert response.status_code == 200
    assert "This cadence has no emails or letters yet." in response.text


def test_a_test_send_goes_to_the_manager_marked_as_a_test(maria, manager_maria, cadence, dana):
    variant = StepVariant.objects.get(step__cadence=cadence, step__position=1)

    response = maria.post(
        reverse("cadences:test_send", args=[cadence.pk]), {"variant": variant.pk, "lead": dana.pk}
    )

    assert response.status_code == 302
    assert response.url == f"{preview_url(cadence)}?item=v{variant.pk}&lead={dana.pk}"
    (message,) = mail.outbox
    assert message.to == [manager_maria.email]
    assert message.subject == "[Test] Step 1 for Dana"
    assert "Hi Dana, from" in message.alternatives[0][0]
    assert not OutboxEmail.objects.exists()  # nothing of the cadence's own


def test_a_manager_without_an_email_address_is_told_so(maria, manager_maria, cadence, dana):
    manager_maria.email = ""
    manager_maria.save()
    variant = StepVariant.objects.get(step__cadence=cadence, step__position=1)

    response = maria.post(
        reverse("cadences:test_send", args=[cadence.pk]),
        {"variant": variant.pk, "lead": dana.pk},
        follow=True,
    )

    assert mail.outbox == []
    assert "Your account has no email address" in response.text


def test_a_test_send_without_a_lead_is_a_400(maria, cadence):
    variant = StepVariant.objects.get(step__cadence=cadence, step__position=1)

    response = maria.post(reverse("cadences:test_send", args=[cadence.pk]), {"variant": variant.pk})

    assert response.status_code == 400
    assert "Choose a lead." in response.text
    assert mail.outbox == []


# The dry run


def test_the_dry_run_page_lists_who_gets_what_when(maria, django_assert_max_num_queries):
    cadence = cadence_of(
        (Channel.CALL, 0, HOURS), (Channel.EMAIL, 1, DAYS), (Channel.LETTER, 2, DAYS)
    )
    leads = [ReachableLeadFactory() for _ in range(5)]
    for lead in leads:
        enrolment_create(cadence=cadence, lead=lead, source="test")
    Lead.objects.filter(pk=leads[0].pk).update(do_not_mail=True)

    with django_assert_max_num_queries(12):  # the session, the user and six for the run
        response = maria.get(reverse("cadences:dry_run", args=[cadence.pk]))

    assert response.status_code == 200
    assert "15 steps until" in response.text
    assert "1 of them skipped" in response.text
    assert "Skipped: Do not mail; the cadence goes on" in response.text
    assert response.text.count("In the queue to call") == 5


def test_the_builder_links_to_the_cadences_people_and_results(maria):
    cadence = CadenceFactory()

    page = maria.get(edit_url(cadence))

    assert f'href="{reverse("cadences:detail", args=[cadence.pk])}"' in page.text
