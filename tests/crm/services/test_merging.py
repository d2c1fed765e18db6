"""lead_merge: folding a duplicate lead into another."""

import pytest
from django.core.exceptions import ValidationError

from crm.models import Interaction, Lead, LeadMerge
from crm.services import lead_find_or_create, lead_merge
from tests.factories import InteractionFactory, LeadFactory

pytestmark = pytest.mark.django_db


def test_merge_moves_the_interactions_and_deletes_the_duplicate(manager_maria):
    primary, duplicate = LeadFactory(), LeadFactory()
    InteractionFactory.create_batch(2, lead=primary)
    moved = InteractionFactory.create_batch(3, lead=duplicate)

    lead_merge(primary=primary, duplicate=duplicate, merged_by=manager_maria)

    assert not Lead.objects.filter(pk=duplicate.pk).exists()
    assert {i.pk for i in moved} <= set(primary.interactions.values_list("pk", flat=True))
    assert primary.interactions.count() == 2 + 3 + 1  # and the note recording the merge


def test_merge_fills_empty_fields_and_keeps_the_primarys_values(manager_maria):
    primary = LeadFactory(first_name="Mary", last_name="", company="Acme", phone="", city="")
    duplicate = LeadFactory(
        first_name="Maria", last_name="Jones", company="Other", phone="+14155552671", city="Oslo"
    )

    lead_merge(primary=primary, duplicate=duplicate, merged_by=manager_maria)

    primary.refresh_from_db()
    assert (primary.first_name, primary.last_name, primary.company, primary.city) == (
        "Mary",
        "Jones",
        "Acme",
        "Oslo",
    )
    assert primary.phone == "+14155552671"


def test_merge_moves_the_duplicates_email_to_a_primary_without_one(manager_maria):
    primary = LeadFactory(email="", phone="+14155552671")
    duplicate = LeadFactory(email="mary@example.com")

    lead_merge(primary=primary, duplicate=duplicate, merged_by=manager_maria)

    primary.refresh_from_db()
    assert primary.email == "mary@example.com"
    assert lead_find_or_create(email="MARY@example.com").lead.pk == primary.pk


def test_merge_keeps_the_duplicates_email_phone_and_other_contacts_as_the_primarys_other_ones(
    manager_maria,
):
    primary = LeadFactory(email="mary@acme.example", phone="+14155552671")
    primary.contact_points.create(kind="phone", value="+14155550100", label="Work Phone")
    duplicate = LeadFactory(email="mary@gmail.example", phone="+442079460958")
    duplicate.contact_points.create(kind="phone", value="+14155550100", label="Mobile")  # both
    duplicate.contact_points.create(kind="email", value="m.jones@old.example", label="Email")

    lead_merge(primary=primary, duplicate=duplicate, merged_by=manager_maria)

    primary.refresh_from_db()
    assert sorted(primary.contact_points.values_list("kind", "value")) == [
        ("email", "m.jones@old.example"),
        ("email", "mary@gmail.example"),
        ("phone", "+14155550100"),
        ("phone", "+442079460958"),
    ]
    assert sorted(primary.other_contacts.split()) == [
        "+14155550100",
        "+442079460958",
        "m.jones@old.example",
        "mary@gmail.example",
    ]
    assert lead_find_or_create(email="Mary@Gmail.example").lead.pk == primary.pk
    assert lead_find_or_create(phone="+44 20 7946 0958").lead.pk == primary.pk


def test_merge_keeps_the_primarys_own_phone_extension(manager_maria):
    primary = LeadFactory(phone="+14155552671", phone_raw="415 555 2671", phone_ext="")
    duplicate = LeadFactory(phone="+12125550100", phone_raw="212 555 0100 x9", phone_ext="9")

    lead_merge(primary=primary, duplicate=duplicate, merged_by=manager_maria)

    primary.refresh_from_db()
    assert (primary.phone, primary.phone_raw, primary.phone_ext) == (
        "+14155552671",
        "415 555 2671",
        "",
    )


@pytest.mark.parametrize(
    ("primary_consent", "duplicate_consent", "kept"),
    [
        (Lead.EmailConsent.CONFIRMED, Lead.EmailConsent.UNSUBSCRIBED, "unsubscribed"),
        (Lead.EmailConsent.UNSUBSCRIBED, Lead.EmailConsent.CONFIRMED, "unsubscribed"),
        (Lead.EmailConsent.CONFIRMED, Lead.EmailConsent.NONE, "none"),
        (Lead.EmailConsent.NONE, Lead.EmailConsent.CONFIRMED, "none"),
        (Lead.EmailConsent.CONFIRMED, Lead.EmailConsent.PENDING, "pending"),
        (Lead.EmailConsent.CONFIRMED, Lead.EmailConsent.CONFIRMED, "confirmed"),
    ],
)
def test_merge_keeps_the_stricter_email_consent(
    manager_maria, primary_consent, duplicate_consent, kept
):
    primary = LeadFactory(email_consent=primary_consent)
    duplicate = LeadFactory(email_consent=duplicate_consent, email_consent_method="asked")

    lead_merge(primary=primary, duplicate=duplicate, merged_by=manager_maria)

    primary.refresh_from_db()
    assert primary.email_consent == kept
    assert not primary.can_email or kept == "confirmed"


@pytest.mark.parametrize(
    ("primary_flags", "duplicate_flags"),
    [
        ({"do_not_call": True, "do_not_mail": True}, {}),
        ({}, {"do_not_call": True, "do_not_mail": True}),
    ],
)
def test_merge_keeps_do_not_call_and_do_not_mail_from_either_side(
    manager_maria, primary_flags, duplicate_flags
):
    primary, duplicate = LeadFactory(**primary_flags), LeadFactory(**duplicate_flags)

    lead_merge(primary=primary, duplicate=duplicate, merged_by=manager_maria)

    primary.refresh_from_db()
    assert (primary.do_not_call, primary.do_not_mail) == (True, True)


@pytest.mark.parametrize(
    ("primary_stage", "duplicate_stage"),
    [(Lead.Stage.CUSTOMER, Lead.Stage.NEW), (Lead.Stage.WORKING, Lead.Stage.CUSTOMER)],
)
def test_merge_keeps_a_customer_a_customer(manager_maria, primary_stage, duplicate_stage):
    primary, duplicate = LeadFactory(stage=primary_stage), LeadFactory(stage=duplicate_stage)

    lead_merge(primary=primary, duplicate=duplicate, merged_by=manager_maria)

    primary.refresh_from_db()
    assert primary.stage == Lead.Stage.CUSTOMER


def test_merge_is_recorded_with_the_duplicates_snapshot_and_who_merged(manager_maria):
    primary = LeadFactory()
    duplicate = LeadFactory(first_name="Maria", last_name="Jones", email="maria@example.com")
    duplicate_id = duplicate.pk

    merge = lead_merge(primary=primary, duplicate=duplicate, merged_by=manager_maria)

    record = LeadMerge.objects.get()
    assert record == merge
    assert (record.lead, record.duplicate_id, record.merged_by) == (
        primary,
        duplicate_id,
        manager_maria,
    )
    assert record.duplicate_snapshot["email"] == "maria@example.com"
    assert record.duplicate_snapshot["display_name"] == "Maria Jones"


def test_merge_leaves_a_note_on_the_timeline(manager_maria):
    primary = LeadFactory()
    duplicate = LeadFactory(first_name="Maria", last_name="Jones")

    lead_merge(primary=primary, duplicate=duplicate, merged_by=manager_maria)

    note = primary.interactions.get(kind=Interaction.Kind.NOTE)
    assert f"#{duplicate.pk}" in note.notes
    assert "Maria Jones" in note.notes
    assert note.user == manager_maria


def test_merging_a_lead_with_itself_is_refused(manager_maria):
    lead = LeadFactory()

    with pytest.raises(ValidationError):
        lead_merge(primary=lead, duplicate=lead, merged_by=manager_maria)

    assert Lead.objects.filter(pk=lead.pk).exists()
    assert not LeadMerge.objects.exists()
