"""Undoing a booth-list import: which leads go, which stay and why, what each keeps."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from crm.audiences.models import AudienceMember
from crm.audiences.services import audience_save
from crm.contact import parse_phone
from crm.imports.undo.plan import lead_import_undo_plan
from crm.models import ContactPoint, Interaction, Lead, LeadImport
from crm.services import interaction_record, lead_merge, lead_update
from tests.crm.imports.undo.booth import ANA, IMPORTED_AT, TOM, lead, undo, visible
from tests.factories import CampaignFactory, InteractionFactory, LeadFactory

pytestmark = pytest.mark.django_db


def test_the_leads_the_import_created_are_deleted(imported, kim):
    undone = undo(imported)

    assert undone.status == LeadImport.Status.UNDONE
    assert list(Lead.objects.values_list("email", flat=True)) == [kim.email]
    assert not Interaction.objects.filter(kind=Interaction.Kind.BOOTH_VISIT).exists()
    assert (undone.undo_report["deleted"], undone.undo_report["updated"]) == (2, 1)


def test_an_updated_lead_keeps_its_own_values_and_loses_only_what_the_import_filled(imported, kim):
    filled = Lead.objects.get(pk=kim.pk)
    assert (filled.last_name, filled.company, filled.phone, filled.country) == (
        "Lee",
        "Contoso",
        "+49301234567",
        "DE",
    )

    undo(imported)

    kim_now = Lead.objects.get(pk=kim.pk)
    assert (kim_now.first_name, kim_now.title) == ("Kim", "Head of Buying")
    assert (kim_now.last_name, kim_now.company, kim_now.country, kim_now.time_zone) == (
        "",
        "",
        "",
        "",
    )
    assert (kim_now.phone, kim_now.phone_raw, kim_now.phone_ext) == ("", "", "")
    assert list(kim_now.interactions.values_list("kind", flat=True)) == [Interaction.Kind.WEB_VISIT]
    assert kim_now.last_activity_at == IMPORTED_AT - dt.timedelta(days=30)


def test_a_value_the_import_filled_and_someone_changed_since_is_kept(imported, kim, manager_maria):
    kim_now = Lead.objects.get(pk=kim.pk)
    lead_update(
        lead=kim_now,
        fields={"company": "Contoso GmbH"},
        phone=parse_phone(kim_now.phone_raw, country=kim_now.country),  # as the form does
        by=manager_maria,
    )

    undone = undo(imported)

    kim_now.refresh_from_db()
    assert (kim_now.company, kim_now.last_name, kim_now.phone) == ("Contoso GmbH", "", "")
    assert undone.undo_report["edited_leads"] == [
        {"lead": kim.pk, "name": "Kim Lee", "fields": ["Company"]}
    ]


def test_a_lead_called_after_the_import_stays_as_it_is_and_the_page_says_why(
    imported, rep_alice, manager_maria, client
):
    ana = lead(ANA)
    interaction_record(
        lead=ana, kind=Interaction.Kind.CALL, user=rep_alice, outcome="interested", source="queue"
    )

    undone = undo(imported, by=manager_maria)

    assert Lead.objects.filter(email__in=[ANA, TOM]).count() == 1
    assert ana.interactions.filter(kind=Interaction.Kind.BOOTH_VISIT, lead_import=imported).exists()
    assert undone.undo_report["kept_leads"] == [
        {"lead": ana.pk, "name": "Ana Silva", "why": "Alice Rep logged a call on 10 Mar 2026"}
    ]
    client.force_login(manager_maria)
    page = visible(client.get(imported.get_absolute_url()))
    assert "Undone by Maria Manager on Tue 10 Mar 2026, 16:00." in page
    assert "Ana SilvaAlice Rep logged a call on 10 Mar 2026" in page  # a table row
    assert "Undo this import" not in page


def test_what_else_happens_to_a_lead_keeps_it_and_is_said_in_words(
    imported, tmp_path, kim, manager_maria
):
    ana, tom = lead(ANA), lead(TOM)
    thomas = LeadFactory(first_name="Thomas")
    thomas_id = thomas.pk
    lead_merge(primary=tom, duplicate=thomas, merged_by=manager_maria)
    # Kim's old website history, learned of only now (dated before the import).
    InteractionFactory(
        lead=kim, kind=Interaction.Kind.WEB_VISIT, occurred_at=IMPORTED_AT - dt.timedelta(days=3)
    )
    # Another event's list, imported since: its visits are dated at that event.
    CampaignFactory(name="Cloud Summit", starts_on=dt.date(2026, 3, 2))
    summit = tmp_path / "cloud-summit-leads.csv"
    summit.write_text("Email,Name\nana.silva@northwind.example,Ana Silva\n", encoding="utf-8")
    call_command("import_leads", str(summit), "--event", "Cloud Summit", stdout=StringIO())
    later = LeadImport.objects.latest("pk")

    undone = undo(imported)

    assert Lead.objects.count() == 3  # nothing deleted, nothing changed
    why = {kept["name"]: kept["why"] for kept in undone.undo_report["kept_leads"]}
    assert why["Ana Silva"] == (
        f"import #{later.pk} recorded a booth visit at Cloud Summit on 10 Mar 2026"
    )
    assert why["Kim Lee"] == "they visited the website on 10 Mar 2026"
    # The merge also saved Tom (a change to a lead the import created): more since.
    assert why["Tom Baker"].startswith(
        f"Maria Manager merged it with lead #{thomas_id} on 10 Mar 2026 (and "
    )
    assert ana.interactions.filter(lead_import=imported).exists()


def test_a_new_lead_edited_by_hand_stays_but_one_given_an_owner_does_not(
    imported, manager_maria, rep_alice
):
    # The booth-visit play's call gave both new leads to Alice, the only rep.
    assert set(Lead.objects.filter(email__in=[ANA, TOM]).values_list("owner", flat=True)) == {
        rep_alice.pk
    }
    tom = lead(TOM)
    lead_update(
        lead=tom, fields={"title": "Head of Buying"}, phone=parse_phone(tom.phone), by=rep_alice
    )

    undone = undo(imported)

    assert not Lead.objects.filter(email=ANA).exists()
    assert undone.undo_report["kept_leads"] == [
        {"lead": tom.pk, "name": "Tom Baker", "why": "the lead was edited on 10 Mar 2026"}
    ]


def test_leads_shared_out_after_the_import_can_still_be_undone(
    imported, manager_maria, rep_alice, rep_bob
):
    """The result page's "Assign them" hands the leads to reps: an owner is no edit
    of the person, so the leads the import created still go."""
    from followups.team.services import leads_share_round_robin

    leads_share_round_robin(
        leads=Lead.objects.filter(email__in=[ANA, TOM]),
        people=[rep_alice, rep_bob],
        by=manager_maria,
    )
    assert set(Lead.objects.filter(email__in=[ANA, TOM]).values_list("owner", flat=True)) == {
        rep_alice.pk,
        rep_bob.pk,
    }

    undone = undo(imported)

    assert not Lead.objects.filter(email__in=[ANA, TOM]).exists()
    assert undone.undo_report["kept_leads"] == []


def test_the_emails_and_phones_the_import_added_are_removed_and_searched_no_more(imported, kim):
    added = ContactPoint.objects.create(
        lead=kim, kind="email", value="kim@lee.example", lead_import=imported
    )
    own = ContactPoint.objects.create(lead=kim, kind="phone", value="+4915112345678")
    ContactPoint.objects.filter(pk__in=[added.pk, own.pk]).update(
        created_at=IMPORTED_AT - dt.timedelta(days=30)  # hers from before; the import's with it
    )
    Lead.objects.filter(pk=kim.pk).update(other_contacts="kim@lee.example +4915112345678")

    undone = undo(imported)

    assert list(ContactPoint.objects.values_list("value", flat=True)) == ["+4915112345678"]
    assert Lead.objects.get(pk=kim.pk).other_contacts == "+4915112345678"
    assert undone.undo_report["contacts_removed"] == 1


def test_scores_and_audiences_follow_the_undo(imported, expo, kim, manager_maria):
    visitors = audience_save(
        name="Expo visitors",
        definition={"match": "all", "rules": [{"type": "attended_event", "campaign": expo.pk}]},
        is_active=True,
        by=manager_maria,
    )
    visitors.refresh_from_db()
    assert visitors.member_count == 3
    assert Lead.objects.get(pk=kim.pk).score == 20  # a booth visit's points

    undo(imported)

    visitors.refresh_from_db()
    assert visitors.member_count == 0  # two leads deleted; Kim's visit is gone
    assert not AudienceMember.objects.exists()
    assert Lead.objects.get(pk=kim.pk).score == 0


def test_the_dry_run_says_what_the_undo_does(imported, rep_alice, kim):
    interaction_record(lead=lead(ANA), kind=Interaction.Kind.CALL, user=rep_alice)
    plan = lead_import_undo_plan(lead_import=imported)
    assert (plan.deleted, [lead.lead_id for lead in plan.updated]) == ([lead(TOM).pk], [kim.pk])
    assert [lead.lead_id for lead in plan.kept] == [lead(ANA).pk]
    before = set(Lead.objects.values_list("pk", flat=True))

    undone = undo(imported)

    assert before - set(Lead.objects.values_list("pk", flat=True)) == set(plan.deleted)
    assert list(imported.interactions.values_list("lead_id", flat=True)) == [lead(ANA).pk]
    report = dict(undone.undo_report)
    report.pop("stopped")
    assert report == plan.summary()
    assert report["fields_emptied"] == 5  # last name, company, phone, country, time zone
