"""The print run pages (mailings.letters.views.runs): making, approving and
cancelling a run, and what its pages cost in queries."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from followups.models import Channel, Touch
from mailings.letters.models import PrintRun
from tests.mailings.letters.factories import (
    GermanLeadFactory,
    MailableLeadFactory,
)
from tests.mailings.letters.views.conftest import due_letter_touch, make_run, messages_of

pytestmark = pytest.mark.django_db

Status = PrintRun.Status


def test_a_manager_makes_a_run_of_the_due_letter_touches(maria, template, leads):
    for lead in leads[:2]:
        due_letter_touch(lead)
    Touch.objects.create(  # not due yet
        lead=leads[2],
        channel=Channel.LETTER,
        due_at=timezone.now() + dt.timedelta(days=3),
        reason="Later",
        origin="test",
        key="later",
    )
    url = reverse("letters:run_create")
    page = maria.get(url)
    assert page.context["due"] == 2

    fields = {"name": "Thank-you letters", "template": template.pk, "paper": "a4"}
    response = maria.post(url, fields | {"source": "touches"})

    run = PrintRun.objects.get(name="Thank-you letters")
    assert response.status_code == 302
    assert response["Location"] == reverse("letters:run_detail", args=[run.pk])
    assert run.status == Status.DRAFT and run.source == PrintRun.Source.TOUCHES
    assert run.paper == "a4"
    assert {letter.lead_id for letter in run.letters.all()} == {leads[0].pk, leads[1].pk}


def test_a_manager_makes_a_run_of_the_lead_lists_filtered_leads(maria, template, leads):
    germans = [GermanLeadFactory(first_name=name) for name in ("Jonas", "Greta")]
    url = reverse("letters:run_create") + "?country=DE"
    page = maria.get(url)
    assert page.context["matching"] == 2
    assert page.context["form"]["source"].value() == "leads"
    assert "Country" in page.content.decode()

    fields = {"name": "German customers", "template": template.pk, "paper": "a4"}
    response = maria.post(url, fields | {"source": "leads"})

    run = PrintRun.objects.get(name="German customers")
    assert response.status_code == 302
    assert run.source == PrintRun.Source.LEADS
    assert "Country: DE" in run.source_description
    assert sorted(run.letters.values_list("lead_id", flat=True)) == sorted(g.pk for g in germans)


def test_a_run_needs_letters_to_be_made(maria, template):
    fields = {"name": "Nothing", "template": template.pk, "paper": "letter", "source": "touches"}
    response = maria.post(reverse("letters:run_create"), fields)

    assert response.status_code == 400
    assert "No letter touches are due now." in response.content.decode()
    assert not PrintRun.objects.exists()


def test_only_active_templates_can_be_chosen_for_a_run(maria, template, leads):
    template.is_active = False
    template.save()
    due_letter_touch(leads[0])
    fields = {"name": "Old", "template": template.pk, "paper": "letter", "source": "touches"}
    response = maria.post(reverse("letters:run_create"), fields)

    assert response.status_code == 400
    assert not PrintRun.objects.exists()


def test_the_run_page_lists_letters_and_exceptions_with_the_reason(maria, draft):
    page = maria.get(reverse("letters:run_detail", args=[draft.pk])).content.decode()

    assert "Dana Whitfield" in page and "Lena Brooks" in page
    assert "Nora Nomail" in page and "Do not mail" in page
    assert "Approve for printing" in page
    assert "Reprint" not in page  # nothing printed yet


def test_a_manager_approves_a_run_once(maria, draft):
    url = reverse("letters:run_approve", args=[draft.pk])
    first = maria.post(url)
    second = maria.post(url)

    draft.refresh_from_db()
    assert draft.status == Status.APPROVED
    assert first.status_code == second.status_code == 302
    assert messages_of(second)[-1:] == ["This run is approved: it can't be approved now."]


def test_a_run_where_everyone_is_an_exception_cannot_be_approved(maria, template, manager_maria):
    run = make_run(template, manager_maria, [MailableLeadFactory(city="")])
    response = maria.post(reverse("letters:run_approve", args=[run.pk]), follow=True)

    assert response.status_code == 200
    assert "no letters to print" in response.content.decode()
    run.refresh_from_db()
    assert run.status == Status.DRAFT


def test_a_manager_cancels_a_draft(maria, draft):
    response = maria.post(reverse("letters:run_cancel", args=[draft.pk]))

    assert response["Location"] == reverse("letters:run_detail", args=[draft.pk])
    draft.refresh_from_db()
    assert draft.status == Status.CANCELLED


# Query counts of the busy pages


def test_the_run_list_costs_the_same_for_many_runs(
    maria, template, manager_maria, rep_alice, django_assert_max_num_queries
):
    for number in range(5):
        lead = MailableLeadFactory(owner=rep_alice)
        make_run(template, manager_maria, [lead], name=f"Run {number}")
    maria.get(reverse("letters:runs"))  # warm the content types and the like
    with django_assert_max_num_queries(7):
        response = maria.get(reverse("letters:runs"))
    assert response.content.decode().count("Run ") >= 5


def test_the_run_page_costs_the_same_for_many_letters(
    maria, template, manager_maria, rep_alice, django_assert_max_num_queries
):
    leads = MailableLeadFactory.create_batch(12, owner=rep_alice)
    leads += MailableLeadFactory.create_batch(3, owner=rep_alice, do_not_mail=True)
    run = make_run(template, manager_maria, leads)
    with django_assert_max_num_queries(9):
        response = maria.get(reverse("letters:run_detail", args=[run.pk]))
    assert response.context["exceptions"].paginator.count == 3
