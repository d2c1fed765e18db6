import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from crm.models import Interaction, Lead, LeadMerge
from crm.services import (
    Happened,
    LeadOfAnotherRep,
    OptOuts,
    interaction_record,
    interactions_record,
    interactions_record_many,
    lead_find_or_create,
    lead_merge,
)
from tests.factories import CampaignFactory, InteractionFactory, LeadFactory

pytestmark = pytest.mark.django_db


# lead_find_or_create


def test_email_matches_whatever_its_case_and_surrounding_spaces():
    lead = LeadFactory(email="mary@example.com")

    found = lead_find_or_create(email="  Mary@Example.COM ")

    assert (found.lead.pk, found.created) == (lead.pk, False)
    assert Lead.objects.count() == 1


def test_a_new_email_creates_a_lead_stored_without_spaces():
    found = lead_find_or_create(email=" new@example.com ", defaults={"first_name": "Nia"})

    assert found.created
    lead = Lead.objects.get()
    assert (lead.email, lead.first_name) == ("new@example.com", "Nia")


@pytest.mark.parametrize(
    ("stored", "typed", "country"),
    [
        ("+1 415-555-2671", "(415) 555-2671", "US"),
        ("(415) 555-2671", "+1 415-555-2671", "US"),
        ("+44 20 7946 0958", "020 7946 0958", "United Kingdom"),
        ("+49 30 1234567", "030 1234567", "DE"),
    ],
)
def test_a_phone_in_national_format_finds_the_same_lead(stored, typed, country):
    first = lead_find_or_create(phone=stored, defaults={"country": country})

    again = lead_find_or_create(phone=typed, defaults={"country": country})

    assert first.created
    assert (again.lead.pk, again.created) == (first.lead.pk, False)
    assert Lead.objects.count() == 1


def test_a_national_phone_is_stored_in_e164_for_the_leads_country():
    found = lead_find_or_create(phone="020 7946 0958", defaults={"country": "United Kingdom"})

    found.lead.refresh_from_db()
    assert (found.lead.phone, found.lead.phone_raw) == ("+442079460958", "020 7946 0958")
    assert found.lead.country == "GB"


def test_same_phone_with_another_email_is_another_person():
    switchboard = LeadFactory(email="anna@acme.example", phone="+14155552671")

    found = lead_find_or_create(email="ben@acme.example", phone="(415) 555-2671")

    assert found.created
    assert found.lead.pk != switchboard.pk
    assert Lead.objects.count() == 2


def test_same_phone_without_email_matches_the_lead():
    lead = LeadFactory(email="anna@acme.example", phone="+14155552671")

    found = lead_find_or_create(phone="415-555-2671")

    assert (found.lead.pk, found.created) == (lead.pk, False)


def test_an_email_is_added_to_a_lead_known_only_by_phone():
    lead = LeadFactory(email="", phone="+14155552671")

    found = lead_find_or_create(email="anna@acme.example", phone="415 555 2671")

    assert (found.lead.pk, found.created) == (lead.pk, False)
    lead.refresh_from_db()
    assert lead.email == "anna@acme.example"


def test_a_match_gets_empty_fields_filled_and_nothing_overwritten():
    lead = LeadFactory(
        email="mary@example.com", first_name="Mary", last_name="", company="Acme", city=""
    )

    lead_find_or_create(
        email="mary@example.com",
        phone="415 555 2671",
        defaults={"first_name": "Maria", "last_name": "Jones", "company": "Other", "city": "Oslo"},
    )

    lead.refresh_from_db()
    assert (lead.first_name, lead.last_name, lead.company, lead.city) == (
        "Mary",
        "Jones",
        "Acme",
        "Oslo",
    )
    assert lead.phone == "+14155552671"


def test_a_match_keeps_its_phone_when_another_is_given():
    lead = LeadFactory(email="mary@example.com", phone="+14155552671")

    lead_find_or_create(email="mary@example.com", phone="+1 212 555 0100")

    lead.refresh_from_db()
    assert lead.phone == "+14155552671"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "mary@example.com", "phone": "12"}, "phone"),
        ({"phone": "call me maybe"}, "phone"),
        ({"email": "mary@example.com", "defaults": {"country": "Atlantis"}}, "country"),
        (
            {"email": "mary@example.com", "defaults": {"favourite_colour": "blue"}},
            "favourite_colour",
        ),
        ({"email": "mary@example.com", "defaults": {"time_zone": "Mars/Olympus"}}, "time_zone"),
    ],
)
def test_invalid_contact_data_is_refused_by_field(kwargs, field):
    with pytest.raises(ValidationError) as caught:
        lead_find_or_create(**kwargs)

    assert field in caught.value.message_dict
    assert not Lead.objects.exists()


def test_neither_email_nor_phone_is_refused():
    with pytest.raises(ValidationError) as caught:
        lead_find_or_create(email=" ", phone="", defaults={"first_name": "Nobody"})

    assert "email" in caught.value.message_dict
    assert not Lead.objects.exists()


@pytest.mark.parametrize(
    ("phone", "defaults", "zone"),
    [
        ("+49 30 1234567", {}, "Europe/Berlin"),
        ("", {"country": "US", "region": "TX"}, "America/Chicago"),
        ("020 7946 0958", {"country": "UK"}, "Europe/London"),
    ],
)
def test_a_new_lead_gets_its_time_zone_from_phone_or_address(phone, defaults, zone):
    found = lead_find_or_create(email="tz@example.com", phone=phone, defaults=defaults)

    assert found.lead.time_zone == zone


def test_a_given_time_zone_is_kept():
    found = lead_find_or_create(
        email="tz@example.com", phone="+49 30 1234567", defaults={"time_zone": "Asia/Tokyo"}
    )

    assert found.lead.time_zone == "Asia/Tokyo"


def test_owner_and_source_campaign_go_to_a_new_lead(rep_alice):
    campaign = CampaignFactory()

    found = lead_find_or_create(email="new@example.com", owner=rep_alice, source_campaign=campaign)

    found.lead.refresh_from_db()
    assert (found.lead.owner, found.lead.source_campaign) == (rep_alice, campaign)


def test_an_owned_lead_keeps_its_owner(rep_alice, rep_bob):
    lead = LeadFactory(email="mary@example.com", owner=rep_bob)

    lead_find_or_create(email="mary@example.com", owner=rep_alice)

    lead.refresh_from_db()
    assert lead.owner == rep_bob


def test_a_rep_finding_another_reps_lead_is_refused_and_changes_nothing(rep_alice, rep_bob):
    lead = LeadFactory(email="mary@example.com", owner=rep_bob, company="", do_not_call=False)

    with pytest.raises(LeadOfAnotherRep):
        lead_find_or_create(
            email="mary@example.com",
            defaults={"company": "Acme"},
            owner=rep_alice,
            opt_outs=OptOuts(call=True),
            by=rep_alice,
        )

    lead.refresh_from_db()
    assert (lead.company, lead.do_not_call, lead.owner) == ("", False, rep_bob)


def test_a_rep_who_finds_an_unowned_lead_takes_it(rep_alice):
    lead = LeadFactory(email="mary@example.com", owner=None)

    found = lead_find_or_create(email="mary@example.com", owner=rep_alice, by=rep_alice)

    assert found.lead.pk == lead.pk
    lead.refresh_from_db()
    assert lead.owner == rep_alice


def test_a_manager_finds_any_reps_lead(manager_maria, rep_bob):
    lead = LeadFactory(email="mary@example.com", owner=rep_bob)

    found = lead_find_or_create(email="mary@example.com", by=manager_maria)

    assert found.lead.pk == lead.pk


def test_opt_outs_are_added_to_a_match_and_never_removed(rep_alice):
    lead = LeadFactory(
        email="mary@example.com",
        owner=rep_alice,
        do_not_call=True,
        email_consent=Lead.EmailConsent.CONFIRMED,
    )

    lead_find_or_create(
        email="mary@example.com", opt_outs=OptOuts(mail=True, email=True), by=rep_alice
    )

    lead.refresh_from_db()
    assert (lead.do_not_call, lead.do_not_mail) == (True, True)
    assert lead.email_consent == Lead.EmailConsent.UNSUBSCRIBED
    assert lead.email_consent_method == "marked by alice"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize(
    "contact",
    [{"email": "Race@Example.com"}, {"phone": "+1 415 555 2671"}],
    ids=["email", "phone"],
)
def test_two_simultaneous_find_or_creates_make_one_lead(postgres, contact):
    start = threading.Barrier(2)
    results, errors = [], []

    def find_or_create():
        try:
            start.wait()
            results.append(lead_find_or_create(**contact).lead.pk)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=find_or_create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert Lead.objects.count() == 1
    assert results == [Lead.objects.get().pk] * 2


# interaction_record


def test_the_same_external_id_twice_records_one_interaction():
    lead = LeadFactory()

    first, first_created = interaction_record(
        lead=lead, kind=Interaction.Kind.WEB_VISIT, source="website", external_id="evt-1"
    )
    again, again_created = interaction_record(
        lead=lead, kind=Interaction.Kind.WEB_VISIT, source="website", external_id="evt-1"
    )

    assert (first_created, again_created) == (True, False)
    assert again.pk == first.pk
    assert lead.interactions.count() == 1


def test_the_same_external_id_from_another_source_is_another_interaction():
    lead = LeadFactory()

    interaction_record(lead=lead, kind=Interaction.Kind.NOTE, source="website", external_id="1")
    interaction_record(lead=lead, kind=Interaction.Kind.NOTE, source="helpdesk", external_id="1")

    assert lead.interactions.count() == 2


def test_an_app_event_is_recorded_with_its_name_and_refused_without_one():
    lead = LeadFactory()

    signed_up, _ = interaction_record(
        lead=lead, kind=Interaction.Kind.APP_EVENT, data={"name": "signed_up\n"}, source="app"
    )
    with pytest.raises(ValidationError) as refused:
        interaction_record(lead=lead, kind=Interaction.Kind.APP_EVENT, data={"plan": "pro"})

    assert signed_up.data == {"name": "signed_up"}
    assert str(signed_up).startswith(f"App event: signed_up — {lead.pk} at ")
    assert list(refused.value.message_dict) == ["data.name"]
    assert lead.interactions.count() == 1


def test_last_activity_moves_forward_only():
    now = timezone.now()
    lead = LeadFactory(last_activity_at=now - timedelta(days=10))

    interaction_record(lead=lead, kind=Interaction.Kind.NOTE, occurred_at=now - timedelta(days=2))
    lead.refresh_from_db()
    assert lead.last_activity_at == now - timedelta(days=2)

    interaction_record(lead=lead, kind=Interaction.Kind.NOTE, occurred_at=now - timedelta(days=5))
    lead.refresh_from_db()
    assert lead.last_activity_at == now - timedelta(days=2)


def test_an_interaction_campaign_becomes_the_source_of_a_lead_without_one():
    lead = LeadFactory(source_campaign=None)
    campaign, later = CampaignFactory(), CampaignFactory()

    interaction_record(lead=lead, kind=Interaction.Kind.BOOTH_VISIT, campaign=campaign)
    interaction_record(lead=lead, kind=Interaction.Kind.BOOTH_VISIT, campaign=later)

    lead.refresh_from_db()
    assert lead.source_campaign == campaign


def test_many_interactions_at_once_skip_those_recorded_and_move_each_lead_on():
    now = timezone.now()
    old, fresh = now - timedelta(days=10), now - timedelta(days=1)
    first, second = LeadFactory(last_activity_at=old), LeadFactory(last_activity_at=now)
    campaign = CampaignFactory()
    interaction_record(lead=first, kind=Interaction.Kind.NOTE, source="shop", external_id="a")
    Lead.objects.filter(pk=first.pk).update(last_activity_at=old, source_campaign=None)

    def note(lead, key, at, **fields):
        return Interaction(
            lead=lead, kind="note", occurred_at=at, source="shop", external_id=key, **fields
        )

    recorded = interactions_record(
        [
            note(first, "a", now),  # recorded already: skipped
            note(first, "b", fresh - timedelta(hours=1), campaign=campaign),
            note(first, "c", fresh),
            note(second, "d", fresh),  # older than the lead's last activity
        ]
    )

    assert [interaction.external_id for interaction in recorded] == ["b", "c", "d"]
    assert first.interactions.count() == 3
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.last_activity_at, first.source_campaign) == (fresh, campaign)
    assert second.last_activity_at == now


def test_an_unknown_kind_is_refused():
    lead = LeadFactory()

    with pytest.raises(ValidationError) as caught:
        interaction_record(lead=lead, kind="telepathy")

    assert "kind" in caught.value.message_dict
    assert not Interaction.objects.exists()


@pytest.mark.parametrize(
    ("stage", "kind", "new_stage"),
    [
        (Lead.Stage.NEW, Interaction.Kind.PURCHASE, Lead.Stage.CUSTOMER),
        (Lead.Stage.QUALIFIED, Interaction.Kind.PURCHASE, Lead.Stage.CUSTOMER),
        (Lead.Stage.LOST, Interaction.Kind.PURCHASE, Lead.Stage.CUSTOMER),
        (Lead.Stage.NEW, Interaction.Kind.MEETING, Lead.Stage.QUALIFIED),
        (Lead.Stage.WORKING, Interaction.Kind.MEETING, Lead.Stage.QUALIFIED),
        (Lead.Stage.NEW, Interaction.Kind.CALL, Lead.Stage.WORKING),
        (Lead.Stage.NEW, Interaction.Kind.EMAIL_REPLIED, Lead.Stage.WORKING),
    ],
)
def test_an_interaction_moves_the_lead_forward(stage, kind, new_stage):
    lead = LeadFactory(stage=stage)

    interaction_record(lead=lead, kind=kind)

    lead.refresh_from_db()
    assert lead.stage == new_stage


@pytest.mark.parametrize(
    ("stage", "kind"),
    [
        (Lead.Stage.CUSTOMER, Interaction.Kind.MEETING),
        (Lead.Stage.CUSTOMER, Interaction.Kind.CALL),
        (Lead.Stage.QUALIFIED, Interaction.Kind.CALL),
        (Lead.Stage.WORKING, Interaction.Kind.CALL),
        (Lead.Stage.NEW, Interaction.Kind.NOTE),
    ],
)
def test_an_interaction_never_moves_the_lead_back(stage, kind):
    lead = LeadFactory(stage=stage)

    interaction_record(lead=lead, kind=kind)

    lead.refresh_from_db()
    assert lead.stage == stage


# lead_merge


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


def test_interactions_recorded_many_are_the_rows_interactions_record_writes():
    """interactions_record_many (on PostgreSQL one INSERT … SELECT FROM unnest)
    against interactions_record, on the same input: the same interactions, the
    one recorded already skipped, the same leads afterwards (their activity
    times, and whatever the hooks job changed, at the same moment)."""
    now = timezone.now()
    first, second = LeadFactory(last_activity_at=now), LeadFactory(last_activity_at=now)
    InteractionFactory(lead=first, kind="email_sent", source="cadence", external_id="outbox:1")
    happened = [
        Happened(first.pk, now - timedelta(hours=1), "Hello", {"outbox": 1}, "outbox:1"),
        Happened(first.pk, now + timedelta(hours=1), "Hi", {"outbox": 2, "step": 1}, "outbox:2"),
        Happened(second.pk, now - timedelta(days=1), "Older", {"variant": "B"}, "outbox:3"),
        Happened(second.pk, now + timedelta(hours=2), "", {"personal": True}, ""),
    ]
    as_objects = [
        Interaction(
            lead_id=h.lead_id,
            kind="email_sent",
            occurred_at=h.occurred_at,
            notes=h.notes,
            data=h.data,
            source="cadence",
            external_id=h.external_id,
        )
        for h in happened
    ]

    with time_machine.travel(now, tick=False):
        one_by_one, leads_one_by_one = recorded_by(lambda: interactions_record(as_objects))
        many, leads_many = recorded_by(
            lambda: interactions_record_many(kind="email_sent", source="cadence", happened=happened)
        )

    assert many == one_by_one
    assert [row["external_id"] for row in many] == ["outbox:1", "outbox:2", "outbox:3", ""]
    assert leads_many == leads_one_by_one
    assert leads_many[first.pk]["last_activity_at"] == now + timedelta(hours=1)


def recorded_by(record) -> tuple[list[dict], dict[int, dict]]:
    """The interactions and leads after `record()`, then taken back."""
    columns = [f.attname for f in Interaction._meta.concrete_fields]
    columns = [name for name in columns if name not in ("id", "created_at")]
    with transaction.atomic():
        record()
        interactions = list(Interaction.objects.order_by("pk").values(*columns))
        leads = {lead["id"]: lead for lead in Lead.objects.values()}
        transaction.set_rollback(True)
    return interactions, leads
