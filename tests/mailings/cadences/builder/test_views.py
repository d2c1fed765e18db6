"""The cadence builder's pages (mailings.cadences.builder.views): who may open them,
building and editing a cadence, A/B variants, triggers, the dry run page."""

import html
import re

import pytest
from django.urls import reverse

from crm.models import Lead
from followups.cadences.models import (
    Cadence,
    CadenceStep,
    Channel,
    WaitUnit,
)
from followups.cadences.policies import policies_for
from followups.cadences.services import enrolment_create
from mailings.cadences.plays import PLAYS
from mailings.email.steps import outboxes_for
from mailings.letters.models import StepLetter
from mailings.models import OutboxEmail, StepVariant
from tests.followups.cadences.factories import CadenceFactory, TriggerFactory
from tests.mailings.cadences.builder.factories import ReachableLeadFactory, add_step, cadence_of
from tests.mailings.cadences.builder.pages import (
    BODY,
    HELLO,
    add_trigger,
    add_variant,
    edit_url,
    fill,
    new_page,
    page_data,
    remove_step,
    shape,
    variants_of,
    with_email,
)
from tests.mailings.cadences.builder.pages import (
    add_step as click_add_step,
)
from tests.mailings.factories import ConsentingLeadFactory, StepVariantFactory, email_cadence
from tests.mailings.letters.factories import LetterTemplateFactory

pytestmark = pytest.mark.usefixtures("clock")

HOURS, DAYS, BUSINESS_DAYS = WaitUnit.HOURS, WaitUnit.DAYS, WaitUnit.BUSINESS_DAYS

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
