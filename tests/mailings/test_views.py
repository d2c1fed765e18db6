import datetime as dt
import html
import re

import pytest
from django.core import mail
from django.urls import reverse
from mailings.drips import enrolment_create

from crm.models import Lead
from mailings.models import Drip, DripStep, Enrolment, OutboxEmail, StepVariant
from tests.factories import LeadFactory
from tests.mailings.conftest import NOW
from tests.mailings.factories import (
    ConsentingLeadFactory,
    DripFactory,
    StepVariantFactory,
    drip_with_steps,
)

pytestmark = pytest.mark.usefixtures("clock")

HELLO = "Hello {{ lead.first_name|default:'there' }}"
BODY = "<p>Hi {{ lead.first_name|default:'there' }}, from {{ rep.full_name }}.</p>"


def step_data(prefix, *variants, delay=0, unit="hours", after="previous") -> dict:
    """One step block as the builder posts it; variants are (prefix, subject, html)."""
    data = {
        f"{prefix}-delay": delay,
        f"{prefix}-delay_unit": unit,
        f"{prefix}-delay_after": after,
        f"{prefix}-variants": [variant[0] for variant in variants],
    }
    for vprefix, subject, body in variants:
        data |= {f"{vprefix}-subject": subject, f"{vprefix}-html_body": body}
        data[f"{vprefix}-text_body"] = ""
    return data


def builder_data(*steps: tuple[str, dict], name="Welcome", **drip_fields) -> dict:
    data = {"name": name, "slug": "", "is_active": "on", "trigger_kind": ""} | drip_fields
    data["steps"] = [prefix for prefix, _ in steps]
    for _, step in steps:
        data |= step
    return data


def two_steps() -> dict:
    return builder_data(
        ("n00000001", step_data("n00000001", ("n0000000a", HELLO, BODY))),
        ("n00000002", step_data("n00000002", ("n0000000b", "Still there?", BODY), delay=48)),
    )


def edit_data(drip: Drip) -> dict:
    """The builder's form for an existing drip, unchanged."""
    steps = []
    for step in drip.steps.prefetch_related("variants"):
        variants = [(f"v{v.pk}", v.subject, v.html_body) for v in step.variants.all()]
        data = step_data(
            f"s{step.pk}",
            *variants,
            delay=step.delay,
            unit=step.delay_unit,
            after=step.delay_after,
        )
        steps.append((f"s{step.pk}", data))
    return builder_data(*steps, name=drip.name, slug=drip.slug)


def shape(drip: Drip) -> list[tuple]:
    return [
        (step.position, step.delay, [(v.label, v.subject) for v in step.variants.all()])
        for step in drip.steps.prefetch_related("variants")
    ]


def field_error(response, prefix_field: str) -> str:
    match = re.search(rf'id="id_{prefix_field}_error">([^<]*)<', response.text)
    return html.unescape(match.group(1)) if match else ""


# Who may open the pages


def page_urls(drip: Drip) -> list[str]:
    return [
        reverse("drips:list"),
        reverse("drips:create"),
        reverse("drips:enrol"),
        reverse("drips:step_block"),
        reverse("drips:edit", args=[drip.pk]),
        reverse("drips:preview", args=[drip.pk]),
        reverse("drips:report", args=[drip.pk]),
        reverse("drips:dry_run", args=[drip.pk]),
        reverse("drips:enrolments", args=[drip.pk]),
    ]


def test_the_drip_pages_are_for_managers_only(client, rep_alice, mailroom_max, manager_maria):
    drip = drip_with_steps(0)
    enrolment = enrolment_create(drip=drip, lead=ConsentingLeadFactory(), source="test")
    urls = page_urls(drip)
    remove = reverse("drips:enrolment_remove", args=[drip.pk, enrolment.pk])

    for url in urls:
        assert client.get(url).status_code == 302, url  # to the login page
    for person in (rep_alice, mailroom_max):
        client.force_login(person)
        for url in urls:
            assert client.get(url).status_code == 403, url
        assert client.post(remove).status_code == 403
        assert client.post(reverse("drips:test_send", args=[drip.pk])).status_code == 403
    client.force_login(manager_maria)
    for url in urls:
        assert client.get(url).status_code == 200, url
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ACTIVE


# The list


def test_the_list_shows_each_drips_trigger_steps_enrolments_and_recent_sends(
    maria, django_assert_max_num_queries
):
    drip = drip_with_steps(0, 24, 48, name="Expo follow-up", trigger_kind="booth_visit")
    enrolled = [ConsentingLeadFactory() for _ in range(3)]
    for lead in enrolled:
        enrolment_create(drip=drip, lead=lead, source="test")
    outbox = OutboxEmail.objects.filter(enrolment__drip=drip)
    outbox.filter(lead=enrolled[0]).update(status=OutboxEmail.Status.SENT, sent_at=NOW)
    outbox.filter(lead=enrolled[1]).update(
        status=OutboxEmail.Status.SENT, sent_at=NOW - dt.timedelta(days=31)
    )
    Enrolment.objects.filter(lead=enrolled[2]).update(status=Enrolment.Status.STOPPED)

    with django_assert_max_num_queries(6):  # 5 for the session, the user and the menu
        response = maria.get(reverse("drips:list"))

    row = re.search(r"Expo follow-up</a>.*?</tr>", response.text, re.S).group(0)
    cells = [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    ]
    assert cells[:4] == ["Booth visit", "3", "2", "1"]
    assert "Voicemail follow-up" in response.text  # the drips a new installation has


# The builder


def test_a_manager_builds_a_two_step_drip_on_one_page(maria):
    response = maria.post(reverse("drips:create"), two_steps())

    drip = Drip.objects.get(name="Welcome")
    assert response.status_code == 302
    assert response.url == reverse("drips:edit", args=[drip.pk])
    assert drip.slug == "welcome"
    assert shape(drip) == [(1, 0, [("A", HELLO)]), (2, 48, [("A", "Still there?")])]


def test_the_builder_page_shows_the_saved_steps(maria):
    drip = drip_with_steps(0, 24, name="Nurture")

    response = maria.get(reverse("drips:edit", args=[drip.pk]))

    assert response.status_code == 200
    for step in drip.steps.all():
        assert f'name="steps" value="s{step.pk}"' in response.text
    assert "Step 1 for {{ lead.first_name }}" in html.unescape(response.text)


@pytest.mark.parametrize(
    "subject, body, field, message",
    [
        ("Hi {{ lead.first_name|nosuchfilter }}", BODY, "subject", "The template does not work"),
        (HELLO, "{% if lead.first_name %}unclosed", "html_body", "The template does not work"),
        ("", BODY, "subject", "This field is required."),
    ],
)
def test_a_broken_template_is_a_field_error_not_a_500(maria, subject, body, field, message):
    data = builder_data(("n00000001", step_data("n00000001", ("n0000000a", subject, body))))

    response = maria.post(reverse("drips:create"), data)

    assert response.status_code == 400
    assert message in field_error(response, f"n0000000a-{field}")
    assert not Drip.objects.filter(name="Welcome").exists()


def test_ab_variants_must_differ_in_one_thing_only(maria):
    both = step_data(
        "n00000001", ("n0000000a", HELLO, BODY), ("n0000000b", "Other subject", "<p>Other</p>")
    )

    response = maria.post(reverse("drips:create"), builder_data(("n00000001", both)))

    assert response.status_code == 400
    assert "Variant B changes both the subject and the body" in html.unescape(response.text)


def test_ab_variants_that_differ_in_the_subject_are_saved_as_a_and_b(maria):
    subject_test = step_data(
        "n00000001", ("n0000000a", HELLO, BODY), ("n0000000b", "A question for you", BODY)
    )

    maria.post(reverse("drips:create"), builder_data(("n00000001", subject_test)))

    drip = Drip.objects.get(name="Welcome")
    assert shape(drip) == [(1, 0, [("A", HELLO), ("B", "A question for you")])]


@pytest.mark.parametrize(
    "change, error",
    [
        (lambda data: data | {"steps": []}, "Add at least one step."),
        (lambda data: data | {"n00000001-variants": []}, "Give the step an email"),
        (lambda data: data | {"name": ""}, "This field is required."),
        (lambda data: data | {"n00000001-delay": "-1"}, "greater than or equal to 0"),
        (lambda data: data | {"steps": ["../etc"]}, "The page was out of date"),
    ],
)
def test_bad_input_is_a_400_with_the_reason(maria, change, error):
    response = maria.post(reverse("drips:create"), change(two_steps()))

    assert response.status_code == 400
    assert error in html.unescape(response.text)
    assert not Drip.objects.filter(name="Welcome").exists()


def test_a_slug_already_taken_is_a_field_error(maria):
    DripFactory(slug="welcome")

    response = maria.post(reverse("drips:create"), two_steps())

    assert response.status_code == 400
    assert "already exists" in field_error(response, "slug")


def test_editing_reorders_removes_and_adds_steps_and_variants(maria):
    drip = drip_with_steps(0, 24, 48, name="Nurture")
    first, second, third = drip.steps.order_by("position")
    data = edit_data(drip)
    # Third step first, the second one gone, a new step last, a B variant on step 1.
    data["steps"] = [f"s{third.pk}", f"s{first.pk}", "n00000009"]
    data |= step_data("n00000009", ("n0000000f", "The last word", BODY), delay=5)
    variant_a = first.variants.get()
    data[f"s{first.pk}-variants"] = [f"v{variant_a.pk}", "n0000000e"]
    data |= {"n0000000e-subject": "Another subject", "n0000000e-html_body": variant_a.html_body}
    data["n0000000e-text_body"] = ""

    response = maria.post(reverse("drips:edit", args=[drip.pk]), data)

    assert response.status_code == 302, response.content
    assert shape(drip) == [
        (1, 48, [("A", "Step 3 for {{ lead.first_name }}")]),
        (2, 0, [("A", "Step 1 for {{ lead.first_name }}"), ("B", "Another subject")]),
        (3, 5, [("A", "The last word")]),
    ]
    assert not DripStep.objects.filter(pk=second.pk).exists()
    assert drip.steps.get(position=1).pk == third.pk  # the same step, moved


def test_a_step_with_emails_cannot_be_removed(maria):
    drip = drip_with_steps(0, 24, name="Nurture")
    enrolment_create(drip=drip, lead=ConsentingLeadFactory(), source="test")
    data = edit_data(drip)
    data["steps"] = data["steps"][1:]

    response = maria.post(reverse("drips:edit", args=[drip.pk]), data)

    assert response.status_code == 400
    assert "Step 1 has emails, so it cannot be removed." in response.text
    assert drip.steps.count() == 2


def test_a_variant_with_emails_cannot_be_removed(maria):
    drip = drip_with_steps(0, name="Nurture")
    step = drip.steps.get()
    variant_b = StepVariantFactory(step=step, label="B", subject="Other")
    lead = next(
        lead
        for lead in (ConsentingLeadFactory() for _ in range(40))
        if enrolment_create(drip=drip, lead=lead, source="test").emails.get().variant == variant_b
    )
    data = edit_data(drip)
    data[f"s{step.pk}-variants"] = [f"v{step.variants.get(label='A').pk}"]

    response = maria.post(reverse("drips:edit", args=[drip.pk]), data)

    assert response.status_code == 400, lead
    assert "Variant B of step 1 has emails, so it cannot be removed." in response.text


def test_a_step_of_another_drip_cannot_be_edited_from_this_one(maria):
    drip = drip_with_steps(0, name="Nurture")
    other = drip_with_steps(0, name="Other").steps.get()
    data = edit_data(drip)
    data["steps"] = [f"s{other.pk}"]
    data |= step_data(f"s{other.pk}", (f"v{other.variants.get().pk}", "Taken over", BODY))

    response = maria.post(reverse("drips:edit", args=[drip.pk]), data)

    assert response.status_code == 400
    assert "The page was out of date" in response.text
    assert other.variants.get().subject != "Taken over"


def test_add_step_and_add_variant_give_new_empty_blocks(maria):
    step = maria.get(reverse("drips:step_block"))
    variant = maria.get(reverse("drips:variant_block"), {"step": "n12345678"})

    assert step.status_code == variant.status_code == 200
    assert re.search(r'name="steps" value="n[0-9a-f]{8}"', step.text)
    assert re.search(r'name="n12345678-variants" value="n[0-9a-f]{8}"', variant.text)
    assert maria.get(reverse("drips:variant_block"), {"step": "<x>"}).status_code == 400


# Preview and test send


@pytest.fixture
def drip(db, rep_alice):
    rep_alice.email = "alice@example.com"
    rep_alice.save()
    return drip_with_steps(0, 24, name="Nurture")


@pytest.fixture
def dana(rep_alice):
    return ConsentingLeadFactory(first_name="Dana", last_name="Whitfield", owner=rep_alice)


def test_the_preview_renders_the_email_for_a_chosen_lead(maria, drip, dana):
    variant = drip.steps.get(position=2).variants.get()

    response = maria.get(
        reverse("drips:preview", args=[drip.pk]), {"variant": variant.pk, "lead": dana.pk}
    )

    assert response.status_code == 200
    assert '<dd class="email-subject">Step 2 for Dana</dd>' in response.text
    frame = re.search(r'<iframe [^>]*sandbox srcdoc="([^"]*)"', response.text).group(1)
    assert "<title>Step 2 for Dana</title>" in html.unescape(frame)
    assert "Hi Dana, from" in html.unescape(frame)
    assert "Hi Dana" in re.search(r'<pre class="email-text">(.*?)</pre>', response.text, re.S)[1]


def test_the_preview_starts_with_the_first_step_and_finds_leads_by_search(maria, drip, dana):
    LeadFactory(first_name="Daniel")
    LeadFactory(first_name="Zed")

    response = maria.get(reverse("drips:preview", args=[drip.pk]), {"q": "dan"})

    assert response.status_code == 200
    first = drip.steps.get(position=1).variants.get()
    assert f'<option value="{first.pk}" selected>' in response.text
    assert "Dana Whitfield" in response.text and "Daniel" in response.text
    assert "Zed" not in response.text
    assert f'href="?lead={dana.pk}&amp;variant={first.pk}"' in response.text


def test_lead_data_cannot_inject_markup_into_the_preview(maria, drip):
    lead = ConsentingLeadFactory(first_name='<script>alert("x")</script>')
    variant = drip.steps.get(position=1).variants.get()

    response = maria.get(
        reverse("drips:preview", args=[drip.pk]), {"variant": variant.pk, "lead": lead.pk}
    )

    assert "<script>alert" not in response.text
    assert "<script>alert" not in html.unescape(
        re.search(r'srcdoc="([^"]*)"', response.text).group(1)
    )


def test_a_preview_for_an_unknown_lead_or_another_drips_email_is_a_400(maria, drip):
    other = drip_with_steps(0, name="Other").steps.get().variants.get()
    url = reverse("drips:preview", args=[drip.pk])

    assert maria.get(url, {"lead": 999999}).status_code == 400
    assert "No lead has this id." in maria.get(url, {"lead": 999999}).text
    assert maria.get(url, {"variant": other.pk}).status_code == 400


def test_a_template_that_fails_while_rendering_shows_the_error(maria, drip, dana):
    variant = drip.steps.get(position=1).variants.get()
    StepVariant.objects.filter(pk=variant.pk).update(html_body="{% include 'nowhere.html' %}")

    response = maria.get(
        reverse("drips:preview", args=[drip.pk]), {"variant": variant.pk, "lead": dana.pk}
    )

    assert response.status_code == 200
    assert "This email does not render for Dana Whitfield: nowhere.html" in response.text


def test_a_test_send_goes_to_the_manager_marked_as_a_test(maria, manager_maria, drip, dana):
    variant = drip.steps.get(position=1).variants.get()

    response = maria.post(
        reverse("drips:test_send", args=[drip.pk]), {"variant": variant.pk, "lead": dana.pk}
    )

    assert response.status_code == 302
    assert response.url == (
        reverse("drips:preview", args=[drip.pk]) + f"?variant={variant.pk}&lead={dana.pk}"
    )
    (message,) = mail.outbox
    assert message.to == [manager_maria.email]
    assert message.subject == "[Test] Step 1 for Dana"
    assert "Hi Dana, from" in message.alternatives[0][0]
    assert "Hi Dana, from" in message.body
    assert "List-Unsubscribe" not in message.extra_headers
    assert not OutboxEmail.objects.exists()  # nothing of the drip's own


def test_a_manager_without_an_email_address_is_told_so(maria, manager_maria, drip, dana):
    manager_maria.email = ""
    manager_maria.save()
    variant = drip.steps.get(position=1).variants.get()

    response = maria.post(
        reverse("drips:test_send", args=[drip.pk]),
        {"variant": variant.pk, "lead": dana.pk},
        follow=True,
    )

    assert mail.outbox == []
    assert "Your account has no email address" in response.text


def test_a_test_send_without_a_lead_is_a_400(maria, drip):
    variant = drip.steps.get(position=1).variants.get()

    response = maria.post(reverse("drips:test_send", args=[drip.pk]), {"variant": variant.pk})

    assert response.status_code == 400
    assert "Choose a lead" in response.text
    assert mail.outbox == []


# Reports


def test_the_report_shows_counts_and_a_verdict_per_step(maria, drip, django_assert_max_num_queries):
    step = drip.steps.get(position=1)
    StepVariantFactory(step=step, label="B", subject="Another subject")

    with django_assert_max_num_queries(9):
        response = maria.get(reverse("drips:report", args=[drip.pk]))

    assert response.status_code == 200
    assert "<strong>Clicks:</strong> no winner yet" in response.text
    assert "One variant: nothing to compare." in response.text  # step 2


def test_the_report_says_how_many_machine_opens_and_clicks_it_left_out(maria, drip, dana):
    enrolment = enrolment_create(drip=drip, lead=dana, source="test")
    enrolment.emails.update(status="sent", machine_opens=2, machine_clicks=1)

    response = maria.get(reverse("drips:report", args=[drip.pk]))

    text = re.sub(r"\s+", " ", response.text)
    assert "Not counted: 2 opens and 1 click by mail scanners and privacy proxies" in text


def test_the_dry_run_page_lists_who_gets_what_when(
    maria, drip, dana, django_assert_max_num_queries
):
    enrolment_create(drip=drip, lead=dana, source="test")
    enrolment_create(drip=drip, lead=ConsentingLeadFactory(time_zone="Asia/Tokyo"), source="t")

    with django_assert_max_num_queries(12):
        response = maria.get(reverse("drips:dry_run", args=[drip.pk]))

    text = re.sub(r"\s+", " ", response.text)
    assert "4 emails until" in text
    assert "Tue 10 Mar 11:00 (America/New_York)" in text
    assert "Held: Outside the lead&#x27;s send window" in text


# Enrolments


def test_the_enrolment_list_shows_the_active_ones_with_their_next_email(maria, drip, dana):
    enrolment_create(drip=drip, lead=dana, source="test")
    stopped = ConsentingLeadFactory(first_name="Gone")
    enrolment_create(drip=drip, lead=stopped, source="test")
    Enrolment.objects.filter(lead=stopped).update(status=Enrolment.Status.STOPPED)

    response = maria.get(reverse("drips:enrolments", args=[drip.pk]))
    everyone = maria.get(reverse("drips:enrolments", args=[drip.pk]), {"status": ""})
    found = maria.get(reverse("drips:enrolments", args=[drip.pk]), {"status": "", "q": "gone"})

    assert "Dana Whitfield" in response.text and "Gone" not in response.text
    assert "Step 1," in response.text
    assert "Dana Whitfield" in everyone.text and "Gone" in everyone.text
    assert "Dana Whitfield" not in found.text and "Gone" in found.text
    assert (
        maria.get(reverse("drips:enrolments", args=[drip.pk]), {"status": "x"}).status_code == 400
    )


def test_removing_a_lead_stops_the_enrolment_and_cancels_its_emails(maria, drip, dana):
    enrolment = enrolment_create(drip=drip, lead=dana, source="test")
    url = reverse("drips:enrolment_remove", args=[drip.pk, enrolment.pk])

    assert maria.get(url).status_code == 405
    response = maria.post(url, follow=True)

    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.stop_reason) == ("stopped", "Removed by Maria Manager")
    assert enrolment.emails.get().status == OutboxEmail.Status.CANCELLED
    assert "Removed Dana Whitfield from Nurture." in response.text
    again = maria.post(url, follow=True)
    assert "Dana Whitfield was no longer in Nurture." in again.text


def test_an_enrolment_is_removed_only_through_its_own_drip(maria, drip, dana):
    enrolment = enrolment_create(drip=drip, lead=dana, source="test")
    other = drip_with_steps(0, name="Other")

    response = maria.post(reverse("drips:enrolment_remove", args=[other.pk, enrolment.pk]))

    assert response.status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ACTIVE


# Bulk enrolment from the lead list's filters


def test_bulk_enrolment_confirms_the_count_then_enrols_the_filtered_leads(maria, drip, rep_alice):
    working = [LeadFactory(stage=Lead.Stage.WORKING, owner=rep_alice) for _ in range(3)]
    LeadFactory(stage=Lead.Stage.NEW)
    enrolment_create(drip=drip, lead=working[0], source="test")
    url = reverse("drips:enrol") + "?stage=working"

    chosen = maria.get(url + f"&drip={drip.pk}")
    assert chosen.status_code == 200
    assert "Enrol <strong>2 leads</strong> in <strong>Nurture</strong>?" in chosen.text
    assert "1 is in it already" in chosen.text
    response = maria.post(url + f"&drip={drip.pk}", {"drip": drip.pk, "expected": 2})

    assert response.status_code == 302
    assert response.url == reverse("drips:enrolments", args=[drip.pk])
    active = Enrolment.objects.filter(drip=drip, status=Enrolment.Status.ACTIVE)
    assert set(active.values_list("lead_id", flat=True)) == {lead.pk for lead in working}
    assert active.filter(enrolled_by__username="maria").count() == 2


def test_bulk_enrolment_asks_again_when_the_count_changed(maria, drip):
    LeadFactory(stage=Lead.Stage.WORKING)
    LeadFactory(stage=Lead.Stage.WORKING)

    response = maria.post(
        reverse("drips:enrol") + "?stage=working", {"drip": drip.pk, "expected": 1}
    )

    assert response.status_code == 400
    assert "The number of leads changed" in response.text
    assert 'name="expected" value="2"' in response.text
    assert not Enrolment.objects.filter(drip=drip).exists()


def test_bulk_enrolment_shows_the_filters_in_words(maria, drip, rep_alice):
    LeadFactory(stage=Lead.Stage.WORKING, owner=rep_alice, country="DE")

    response = maria.get(
        reverse("drips:enrol"), {"stage": "working", "owner": rep_alice.pk, "country": "Germany"}
    )

    assert response.status_code == 200
    text = re.sub(r"<[^>]+>", "", response.text)
    assert "1 lead" in text
    assert "Stage: Working, Owner: Alice Rep, Country: Germany" in text
    assert 'name="stage" value="working"' in response.text  # kept for the next step


def test_bulk_enrolment_refuses_bad_filters_and_unknown_drips(maria, drip):
    assert maria.get(reverse("drips:enrol"), {"stage": "nonsense"}).status_code == 400
    assert maria.get(reverse("drips:enrol"), {"drip": 999999}).status_code == 400
    response = maria.post(reverse("drips:enrol"), {"drip": "x", "expected": 0})
    assert response.status_code == 400
    assert not Enrolment.objects.filter(drip=drip).exists()


def test_bulk_enrolment_of_a_thousand_leads_plans_each_first_email_once(maria, drip):
    leads = LeadFactory.create_batch(1000, stage=Lead.Stage.QUALIFIED)
    enrolment_create(drip=drip, lead=leads[0], source="test")

    response = maria.post(
        reverse("drips:enrol") + "?stage=qualified", {"drip": drip.pk, "expected": 999}
    )

    assert response.status_code == 302
    assert Enrolment.objects.filter(drip=drip).count() == 1000
    assert OutboxEmail.objects.filter(enrolment__drip=drip, step__position=1).count() == 1000
