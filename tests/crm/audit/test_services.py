"""Each action the audit trail follows leaves one entry: who, when, what from and to."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from crm.audit.models import AuditEntry
from crm.audit.selectors import lead_history_export
from crm.audit.services import REDACTED, audit_history_redact
from crm.models import ContactPoint, Interaction, Lead
from crm.privacy.models import Erasure
from crm.privacy.selectors import lead_personal_data
from crm.privacy.services import lead_erase
from crm.services import (
    OptOuts,
    contact_point_make_main,
    contact_point_remove,
    interaction_record,
    lead_email_consent_set,
    lead_find_or_create,
    lead_merge,
    lead_owner_claim,
    lead_progress_stage,
    leads_owner_claim,
    leads_owner_set,
)
from crm.templatetags.audit import audit_sentence
from followups.models import OutcomeUndo
from followups.queue.services import Outcome, call_log_outcome
from followups.queue.undo import outcome_undo
from followups.team.services import leads_reassign
from tests.crm.audit.pages import edit_data
from tests.factories import LeadFactory
from tests.followups.factories import CallableLeadFactory, TouchFactory

pytestmark = pytest.mark.django_db

Action = AuditEntry.Action


def only_entry(**filters) -> AuditEntry:
    return AuditEntry.objects.get(**filters)


# Owner, stage, consent and contact data through the lead's edit page


def test_an_edit_records_who_changed_which_fields_from_what_to_what(maria, manager_maria, rep_bob):
    lead = LeadFactory(first_name="Ana", city="Rome", stage="new", owner=None)

    maria.post(
        reverse("crm:lead_edit", args=[lead.pk]),
        edit_data(lead, city="Milan", stage="qualified", owner=rep_bob.pk, do_not_call="on"),
    )

    entry = only_entry(lead=lead)
    assert (entry.action, entry.actor, entry.actor_name) == (Action.CHANGED, manager_maria, "maria")
    assert entry.changes == {
        "owner": [None, "bob"],
        "stage": ["new", "qualified"],
        "do_not_call": [False, True],
        "city": ["Rome", "Milan"],
    }
    assert audit_sentence(entry) == (
        "Maria Manager changed owner from (empty) to bob, stage from New to Qualified, "
        "do not call from no to yes, city from “Rome” to “Milan”"
    )


def test_an_edit_that_changes_nothing_records_nothing(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice)

    alice.post(reverse("crm:lead_edit", args=[lead.pk]), edit_data(lead))

    assert not AuditEntry.objects.exists()


def test_withdrawing_email_consent_on_the_edit_page_is_recorded(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice, email_consent=Lead.EmailConsent.CONFIRMED)

    alice.post(reverse("crm:lead_edit", args=[lead.pk]), edit_data(lead, email_opt_out="on"))

    assert only_entry(lead=lead).changes == {"email_consent": ["confirmed", "unsubscribed"]}


def test_a_new_entry_filling_blanks_of_a_known_person_is_recorded(rep_alice):
    lead = LeadFactory(owner=rep_alice, email="ana@example.com", company="", phone="")

    lead_find_or_create(
        email="ana@example.com",
        phone="+14155552671",
        defaults={"company": "Northwind"},
        opt_outs=OptOuts(mail=True),
        by=rep_alice,
    )

    entry = only_entry(lead=lead)
    assert entry.actor == rep_alice
    assert entry.note == "found again by email or phone"
    assert entry.changes == {
        "do_not_mail": [False, True],
        "phone": ["", "+14155552671"],
        "company": ["", "Northwind"],
    }


def test_creating_a_lead_is_not_a_change(rep_alice):
    lead_find_or_create(email="new@example.com", owner=rep_alice, by=rep_alice)

    assert not AuditEntry.objects.exists()


def test_consent_changed_by_mailings_is_recorded_with_how(db):
    lead = LeadFactory(email_consent=Lead.EmailConsent.PENDING)

    lead_email_consent_set(
        lead=lead,
        email_consent=Lead.EmailConsent.CONFIRMED,
        email_consent_method="double opt-in",
    )

    entry = only_entry(lead=lead)
    assert (entry.actor, entry.actor_name, entry.note) == (None, "system", "double opt-in")
    assert entry.changes == {"email_consent": ["pending", "confirmed"]}
    assert audit_sentence(entry) == (
        "system changed email consent from Pending confirmation to Confirmed (double opt-in)"
    )


def test_a_stage_moved_by_an_interaction_names_who_recorded_it(rep_alice):
    lead = LeadFactory(owner=rep_alice, stage=Lead.Stage.NEW)
    meeting = Interaction.objects.create(lead=lead, kind="meeting", user=rep_alice)

    lead_progress_stage(interaction=meeting)
    lead_progress_stage(interaction=meeting)  # a job run twice moves nothing more

    entry = only_entry(lead=lead)
    assert (entry.actor, entry.note) == (rep_alice, "Meeting")
    assert entry.changes == {"stage": ["new", "qualified"]}


def test_a_call_outcome_and_its_undo_are_recorded_with_the_rep(rep_alice):
    lead = CallableLeadFactory(owner=rep_alice, stage=Lead.Stage.NEW)
    touch = TouchFactory(lead=lead, assigned_to=rep_alice)

    call_log_outcome(touch=touch, user=rep_alice, outcome=Outcome.DO_NOT_CALL)
    outcome_undo(pk=OutcomeUndo.objects.get(touch=touch).pk, user=rep_alice)

    entries = list(AuditEntry.objects.filter(lead=lead).order_by("pk"))
    assert [(entry.actor, entry.note, entry.changes) for entry in entries] == [
        (rep_alice, "Call", {"stage": ["new", "working"]}),  # a first call starts work
        (rep_alice, "call outcome", {"do_not_call": [False, True]}),
        (
            rep_alice,
            "call outcome undone",
            {"stage": ["working", "new"], "do_not_call": [True, False]},
        ),
    ]


def test_making_another_phone_the_main_one_is_recorded(rep_alice):
    lead = LeadFactory(owner=rep_alice, phone="+14155552671")
    point = ContactPoint.objects.create(lead=lead, kind="phone", value="+14155550102")

    contact_point_make_main(point=point, by=rep_alice)

    assert only_entry(lead=lead).changes == {"phone": ["+14155552671", "+14155550102"]}


def test_removing_another_phone_is_recorded_and_redacted_with_the_person(rep_alice):
    lead = LeadFactory(owner=rep_alice)
    point = ContactPoint.objects.create(lead=lead, kind="phone", value="+14155550102")

    contact_point_remove(point=point, by=rep_alice)

    entry = only_entry(lead=lead)
    assert (entry.actor, entry.changes) == (rep_alice, {"other_phone": ["+14155550102", None]})
    assert audit_sentence(entry) == ("Alice Rep changed other phone from “+14155550102” to (empty)")
    audit_history_redact(lead.pk)
    assert only_entry(lead=lead).changes == {"other_phone": [REDACTED, None]}


# Owners


def test_claiming_an_unowned_lead_records_the_new_owner(rep_alice):
    lead = LeadFactory(owner=None)

    lead_owner_claim(lead=lead, owner=rep_alice)

    entry = only_entry(lead=lead)
    assert (entry.actor_name, entry.note) == ("system", "to work its touch")
    assert entry.changes == {"owner": [None, "alice"]}


def test_claiming_leads_set_based_records_what_claiming_each_does(
    rep_alice, rep_bob, django_assert_max_num_queries
):
    one_by_one = LeadFactory.create_batch(3, owner=None)
    at_once = LeadFactory.create_batch(3, owner=None)
    taken = LeadFactory(owner=rep_bob)
    people = [rep_alice, rep_bob, rep_alice]

    for lead, person in zip(one_by_one, people, strict=True):
        lead_owner_claim(lead=lead, owner=person)
    with django_assert_max_num_queries(6):
        given = leads_owner_claim(
            owners={
                **{lead.pk: p for lead, p in zip(at_once, people, strict=True)},
                taken.pk: rep_alice,
            }
        )

    assert given == {lead.pk for lead in at_once}
    columns = [
        f.attname for f in AuditEntry._meta.concrete_fields if f.name not in ("id", "at", "lead")
    ]

    def entries(leads):
        rows = AuditEntry.objects.filter(lead__in=leads).order_by("id").values_list(*columns)
        return [tuple(row) for row in rows]

    assert entries(at_once) == entries(one_by_one)
    assert entries(at_once)[0][columns.index("changes")] == {"owner": [None, "alice"]}
    assert [e.lead_id for e in AuditEntry.objects.filter(lead__in=at_once).order_by("id")] == [
        lead.pk for lead in at_once
    ]
    assert not AuditEntry.objects.filter(lead=taken).exists()


def test_reassigning_leads_writes_one_entry_per_lead_in_few_statements(
    manager_maria, rep_alice, rep_bob, django_assert_max_num_queries
):
    LeadFactory.create_batch(30, owner=rep_alice)
    already_bobs = LeadFactory(owner=rep_bob)

    # roles, ids, touches, audiences and savepoints; then the batch's owners
    # before, the update, the owners' names and one INSERT of its 30 entries
    with django_assert_max_num_queries(14):
        leads_reassign(leads=Lead.objects.all(), to_user=rep_bob, by=manager_maria)

    entries = AuditEntry.objects.filter(action=Action.CHANGED)
    assert entries.count() == 30
    assert set(entries.values_list("actor", flat=True)) == {manager_maria.pk}
    assert {tuple(changes["owner"]) for changes in entries.values_list("changes", flat=True)} == {
        ("alice", "bob")
    }
    assert not entries.filter(lead=already_bobs).exists()


def test_owners_set_by_a_job_are_recorded_as_the_system(rep_alice):
    lead = LeadFactory(owner=None)

    leads_owner_set(lead_ids=[lead.pk], owner_id=rep_alice.pk)

    assert only_entry(lead=lead).actor_name == "system"


# Merges


def test_a_merge_records_who_merged_which_lead_and_what_it_filled(manager_maria, rep_alice):
    primary = LeadFactory(city="", owner=None, stage=Lead.Stage.NEW)
    duplicate = LeadFactory(city="Milan", owner=rep_alice, stage=Lead.Stage.CUSTOMER)
    duplicate_id = duplicate.pk

    lead_merge(primary=primary, duplicate=duplicate, merged_by=manager_maria)

    entry = only_entry(action=Action.MERGED)
    assert (entry.lead_id, entry.actor, entry.data) == (
        primary.pk,
        manager_maria,
        {"duplicate_id": duplicate_id},
    )
    assert entry.changes == {
        "owner": [None, "alice"],
        "stage": ["new", "customer"],
        "city": ["", "Milan"],
    }
    assert audit_sentence(entry).startswith(
        f"Maria Manager merged lead #{duplicate_id} into this lead, which changed owner"
    )


def test_the_duplicates_history_moves_to_the_lead_it_was_merged_into(manager_maria, rep_alice):
    primary, duplicate = LeadFactory(), LeadFactory(owner=None)
    lead_owner_claim(lead=duplicate, owner=rep_alice)

    lead_merge(primary=primary, duplicate=duplicate, merged_by=manager_maria)

    assert AuditEntry.objects.filter(lead=primary).count() == 2


# Erasure


def test_redacting_replaces_the_persons_values_and_keeps_who_when_and_which_field(
    maria, manager_maria, rep_bob
):
    lead = LeadFactory(first_name="Ana", email="ana@example.com", stage="new", owner=None)
    other = LeadFactory(first_name="Eve")
    maria.post(
        reverse("crm:lead_edit", args=[lead.pk]),
        edit_data(lead, first_name="Anna", email="anna@example.com", stage="working"),
    )
    maria.post(reverse("crm:lead_edit", args=[other.pk]), edit_data(other, first_name="Eva"))
    before = only_entry(lead=lead)

    assert audit_history_redact(lead.pk) == 1

    entry = only_entry(lead=lead)
    assert (entry.actor, entry.at, entry.action) == (manager_maria, before.at, before.action)
    assert entry.changes == {
        "stage": ["new", "working"],  # not the person's data
        "first_name": [REDACTED, REDACTED],
        "email": [REDACTED, REDACTED],
    }
    assert only_entry(lead=other).changes == {"first_name": ["Eve", "Eva"]}
    assert audit_history_redact(lead.pk) == 0  # nothing left to redact


def test_redacting_replaces_notes_which_may_quote_a_mail_server(db):
    lead = LeadFactory(email="ann@example.com", email_consent=Lead.EmailConsent.CONFIRMED)
    lead_email_consent_set(
        lead=lead,
        email_consent=Lead.EmailConsent.UNSUBSCRIBED,
        email_consent_method="smtp: 550 <ann@example.com> no such user",
    )

    audit_history_redact(lead.pk)

    entry = only_entry(lead=lead)
    assert entry.note == REDACTED
    assert entry.changes == {"email_consent": ["confirmed", "unsubscribed"]}


def test_an_erasure_redacts_the_history_and_is_recorded_without_the_persons_data(
    manager_maria,
):
    lead = LeadFactory(company="", city="Rome")
    lead_find_or_create(email=lead.email, defaults={"company": "Kept Ltd"}, by=None)

    lead_erase(lead=lead, by=manager_maria)

    history = AuditEntry.objects.filter(lead=lead).order_by("pk")
    assert [entry.action for entry in history] == [Action.CHANGED, Action.ERASED]
    assert history[0].changes == {"company": ["", REDACTED]}
    erased = history[1]
    assert (erased.actor, erased.changes, erased.data, erased.note) == (manager_maria, {}, {}, "")
    assert audit_sentence(erased) == "Maria Manager erased this person's data"
    assert "Kept" not in str(list(history.values()))
    assert Erasure.objects.get(lead_id=lead.pk).counts["Audit entries redacted"] == 1


def test_a_persons_data_includes_their_leads_history(rep_alice):
    lead = LeadFactory(owner=None)
    lead_owner_claim(lead=lead, owner=rep_alice)

    exported = lead_personal_data(lead)["audit_history"]

    assert [(row["actor_name"], row["changes"]) for row in exported] == [
        ("system", {"owner": [None, "alice"]})
    ]


def test_entries_keep_the_actors_name_when_the_user_is_deleted(rep_alice):
    lead = LeadFactory(owner=None)
    lead_owner_claim(lead=lead, owner=rep_alice)
    interaction_record(lead=lead, kind="purchase", user=rep_alice)  # its hook moves the stage

    rep_alice.delete()

    entry = AuditEntry.objects.filter(lead=lead).latest("pk")
    assert (entry.actor, entry.actor_name) == (None, "alice")
    assert audit_sentence(entry).startswith("alice changed stage")


def test_an_entry_is_about_the_moment_it_was_written(rep_alice):
    lead = LeadFactory(owner=None)
    moment = dt.datetime(2026, 12, 3, 14, 2, tzinfo=dt.UTC)

    with time_machine.travel(moment, tick=False):
        lead_owner_claim(lead=lead, owner=rep_alice)

    assert only_entry(lead=lead).at == moment


def test_a_leads_history_exports_as_data_oldest_first(rep_alice):
    lead = LeadFactory(owner=None, stage=Lead.Stage.NEW)
    lead_owner_claim(lead=lead, owner=rep_alice)
    interaction_record(lead=lead, kind="call", user=rep_alice)  # its hook moves the stage

    exported = lead_history_export(lead.pk)

    assert [(row["actor_name"], row["changes"]) for row in exported] == [
        ("system", {"owner": [None, "alice"]}),
        ("alice", {"stage": ["new", "working"]}),
    ]
