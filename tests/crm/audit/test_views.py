"""The History on the lead page, and the audit trail in the admin."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from crm.audit.models import AuditEntry
from crm.audit.services import audit_record
from crm.services import lead_owner_claim
from tests.crm.audit.pages import edit_data
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

THURSDAY = dt.datetime(2026, 12, 3, 14, 2, tzinfo=dt.UTC)


def history_of(page: str) -> str:
    start = page.index('id="lead-history-heading"')
    return page[start : page.index("</section>", start)]


def test_a_manager_sees_who_changed_what_and_when_on_the_lead_page(maria, rep_alice):
    lead = LeadFactory(owner=rep_alice, stage="new")
    with time_machine.travel(THURSDAY, tick=False):
        maria.post(reverse("crm:lead_edit", args=[lead.pk]), edit_data(lead, stage="qualified"))

    history = history_of(maria.get(lead.get_absolute_url()).text)

    assert "Maria Manager changed stage from New to Qualified" in history
    assert "Thu 3 Dec 2026, 14:02" in history


def test_a_rep_sees_the_history_of_their_own_lead_read_only(alice, rep_alice):
    lead = LeadFactory(owner=None)
    lead_owner_claim(lead=lead, owner=rep_alice)

    page = alice.get(lead.get_absolute_url()).text

    assert "system changed owner from (empty) to alice (to work its touch)" in history_of(page)
    assert "/admin/" not in history_of(page)


def test_a_lead_page_shows_only_that_leads_history(client, rep_alice, rep_bob, manager_maria):
    mine = LeadFactory(owner=rep_alice, city="Rome")
    bobs = LeadFactory(owner=rep_bob, city="Oslo")
    client.force_login(manager_maria)
    client.post(reverse("crm:lead_edit", args=[bobs.pk]), edit_data(bobs, city="Bergen"))

    client.force_login(rep_alice)
    assert client.get(bobs.get_absolute_url()).status_code == 404
    history = history_of(client.get(mine.get_absolute_url()).text)
    assert "Bergen" not in history and "Oslo" not in history
    assert "No changes recorded yet." in history


def test_the_history_is_escaped(maria):
    lead = LeadFactory(city="")
    maria.post(reverse("crm:lead_edit", args=[lead.pk]), edit_data(lead, city="<script>x</script>"))

    history = history_of(maria.get(lead.get_absolute_url()).text)

    assert "<script>" not in history
    assert "&lt;script&gt;" in history


def test_the_lead_page_reads_the_history_in_one_query_however_long(
    maria, rep_alice, rep_bob, django_assert_num_queries
):
    lead = LeadFactory(owner=None)
    lead_owner_claim(lead=lead, owner=rep_alice)
    for city in ("Rome", "Milan", "Turin"):
        maria.post(reverse("crm:lead_edit", args=[lead.pk]), edit_data(lead, city=city))
        lead.refresh_from_db()
    maria.get(lead.get_absolute_url())  # the calling hours and holidays, kept a minute

    from crm.audit.selectors import lead_history_section

    with django_assert_num_queries(1):
        section = lead_history_section(lead, rep_alice)
        assert [entry.actor_name for entry in section["entries"]] == ["maria"] * 3 + ["system"]


def test_the_admin_lists_entries_and_changes_none(client, rep_alice):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    lead = LeadFactory(owner=None)
    lead_owner_claim(lead=lead, owner=rep_alice)
    entry = AuditEntry.objects.get()
    client.force_login(admin)

    listing = client.get(reverse("admin:crm_auditentry_changelist"))
    assert listing.status_code == 200
    assert "system changed owner from (empty) to alice" in listing.text
    others = client.get(reverse("admin:crm_auditentry_changelist"), {"lead__id__exact": 0})
    assert others.status_code == 200  # the lead page's link to all of a lead's history
    assert "changed owner" not in others.text

    page = client.get(reverse("admin:crm_auditentry_change", args=[entry.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    assert client.get(reverse("admin:crm_auditentry_add")).status_code == 403
    assert client.post(reverse("admin:crm_auditentry_delete", args=[entry.pk])).status_code == 403
    changed = client.post(
        reverse("admin:crm_auditentry_change", args=[entry.pk]), {"note": "tampered"}
    )
    assert changed.status_code == 403
    entry.refresh_from_db()
    assert entry.note == "to work its touch"


def test_an_edit_in_the_admin_is_recorded_too(client, rep_alice):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    lead = LeadFactory(owner=rep_alice, stage="new")
    client.force_login(admin)
    page = client.get(reverse("admin:crm_lead_change", args=[lead.pk]))
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data |= {
        "stage": "lost",
        "interactions-TOTAL_FORMS": "0",
        "interactions-INITIAL_FORMS": "0",
    }
    data = {
        key: ("on" if value is True else value) for key, value in data.items() if value is not False
    }

    response = client.post(reverse("admin:crm_lead_change", args=[lead.pk]), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = AuditEntry.objects.get(lead=lead)
    assert (entry.actor, entry.changes) == (admin, {"stage": ["new", "lost"]})


def test_a_long_history_shows_the_latest_and_links_staff_to_the_rest(client, manager_maria):
    lead = LeadFactory()
    for day in range(1, 23):
        audit_record(
            action=AuditEntry.Action.CHANGED,
            lead_id=lead.pk,
            changes={"stage": ["new", "working"]},
            note=f"day {day}",
        )
    manager_maria.is_staff = True
    manager_maria.save()
    client.force_login(manager_maria)

    history = history_of(client.get(lead.get_absolute_url()).text)

    assert history.count("<li") == 20
    assert "(day 22)" in history and "(day 2)" not in history
    link = f"{reverse('admin:crm_auditentry_changelist')}?lead__id__exact={lead.pk}"
    assert link in history
