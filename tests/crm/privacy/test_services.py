import json

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from crm.audiences.services import audience_refresh
from crm.models import Interaction, Lead, LeadImport
from crm.privacy.models import Erasure
from crm.privacy.services import lead_erase
from crm.services import interaction_record, lead_find_or_create, lead_merge
from followups.cadences.models import CadenceTrigger, Channel, Enrolment
from followups.models import Touch
from mailings.consent.selectors import is_suppressed, why_not_email
from mailings.consent.services import consent_request
from mailings.models import OutboxEmail, PrintRun, PrintRunLetter
from tests.crm.privacy.people import (
    BYSTANDER_EMAIL,
    EMAIL,
    NEEDLES,
    OTHER_EMAIL,
)
from tests.followups.cadences.factories import cadence_with

TEXT_TYPES = (
    models.CharField,
    models.TextField,
    models.JSONField,
    models.BinaryField,
    models.GenericIPAddressField,
    models.FileField,
)


def every_stored_text() -> list[tuple[str, str]]:
    """(table.column, value) for every text, JSON and binary column of every model."""
    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, TEXT_TYPES)]
        if not fields:
            continue
        for row in model._base_manager.values_list(*(f.attname for f in fields)):
            for field, value in zip(fields, row, strict=True):
                found.append((f"{model._meta.db_table}.{field.attname}", _text(value)))
    return found


def _text(value) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", "replace")
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def mentions(needles=NEEDLES) -> list[str]:
    return [
        f"{column}: {value[:80]}"
        for column, value in every_stored_text()
        for needle in needles
        if needle.casefold() in value.casefold()
    ]


def test_the_dump_finds_the_person_before_the_erasure(world):
    columns = {line.split(":")[0] for line in mentions()}

    assert {
        "crm_lead.first_name",
        "crm_interaction.notes",
        "crm_leadimport.content",
        "crm_webevent.path",
        "followups_touch.talking_points",
        "mailings_outboxemail.html_body",
        "mailings_consentrecord.ip_address",
        "django_admin_log.object_repr",
    } <= columns


def test_after_the_erasure_no_table_holds_anything_about_the_person(world, manager_maria):
    lead_erase(lead=world.lead, by=manager_maria)

    assert mentions() == []


def test_the_bystanders_rows_stay(world, manager_maria):
    lead_erase(lead=world.lead, by=manager_maria)

    world.lead_import.refresh_from_db()
    content = bytes(world.lead_import.content).decode()
    assert content.splitlines()[0] == "First name,Last name,Email,Phone"
    assert BYSTANDER_EMAIL in content
    assert world.lead_import.samples == [{"row": 3, "cells": ["Betty"]}]
    assert Lead.objects.get(pk=world.bystander.pk).email == BYSTANDER_EMAIL
    assert PrintRunLetter.objects.get(lead=world.bystander).exception == ""


def test_the_lead_stays_as_an_empty_record_that_no_channel_reaches(world, manager_maria):
    lead_erase(lead=world.lead, by=manager_maria)

    lead = Lead.objects.get(pk=world.lead.pk)
    assert lead.display_name == f"Lead #{lead.pk}"
    assert (lead.email, lead.phone, lead.address_lines, lead.company) == ("", "", [], "")
    assert lead.do_not_call and lead.do_not_mail
    assert lead.email_consent == Lead.EmailConsent.UNSUBSCRIBED
    assert not (lead.can_email or lead.can_call or lead.has_postal_address)
    assert lead.referral_code is None


def test_their_open_touches_enrolments_emails_and_letters_stop(world, manager_maria):
    lead_erase(lead=world.lead, by=manager_maria)

    statuses = dict(Touch.objects.filter(lead=world.lead).values_list("key", "status"))
    assert set(statuses.values()) == {Touch.Status.CANCELLED, Touch.Status.DONE}
    assert Touch.objects.get(pk=world.call.pk).status == Touch.Status.CANCELLED
    assert Enrolment.objects.get(pk=world.enrolment.pk).status == Enrolment.Status.EXITED
    assert OutboxEmail.objects.get(pk=world.pending_email.pk).status == "cancelled"
    assert OutboxEmail.objects.get(pk=world.sent_email.pk).status == "sent"
    letter = PrintRunLetter.objects.get(lead=world.lead)
    assert letter.exception == "Personal data erased"
    assert not letter.holds_touch


def test_an_erased_person_leaves_and_never_rejoins_an_audience(world, manager_maria):
    lead_erase(lead=world.lead, by=manager_maria)
    audience_refresh(audience=world.audience, now=timezone.now())

    members = set(world.audience.members.values_list("lead_id", flat=True))
    assert world.lead.pk not in members
    assert world.bystander.pk in members


def test_their_addresses_stay_suppressed_so_a_later_import_is_never_emailed(world, manager_maria):
    lead_erase(lead=world.lead, by=manager_maria)

    assert is_suppressed(EMAIL) and is_suppressed(OTHER_EMAIL)
    again = lead_find_or_create(email=EMAIL, defaults={"first_name": "Zeb"}).lead
    assert again.pk != world.lead.pk
    assert why_not_email(again) == "The address is on the suppression list"
    assert consent_request(lead=again, source="website form") is False


def test_the_erasure_is_recorded_with_counts_and_nothing_about_the_person(world, manager_maria):
    erasure = lead_erase(lead=world.lead, by=manager_maria)

    stored = Erasure.objects.get()
    assert (stored.lead_id, stored.erased_by) == (world.lead.pk, manager_maria)
    assert stored.counts == erasure.counts
    assert stored.counts["Interactions blanked"] == 2
    assert stored.counts["Website visitors deleted"] == 1
    assert stored.counts["Addresses on the suppression list"] == 2
    assert stored.counts["Open touches cancelled"] >= 1
    text = json.dumps(stored.counts).casefold()
    assert not any(needle.casefold() in text for needle in NEEDLES)


def test_erasing_twice_blanks_what_arrived_since_and_records_both(world, manager_maria):
    lead_erase(lead=world.lead, by=manager_maria)
    lead_erase(lead=world.lead, by=manager_maria)

    assert Erasure.objects.filter(lead_id=world.lead.pk).count() == 2


def test_an_erasure_removes_the_stored_pdf_of_a_run_with_their_letter(
    world, manager_maria, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    (tmp_path / "print_runs").mkdir()
    (tmp_path / "print_runs" / "run.pdf").write_bytes(b"%PDF- Zebulon Quartermaine")
    PrintRun.objects.filter(pk=world.run.pk).update(
        pdf="print_runs/run.pdf", status=PrintRun.Status.READY
    )

    with django_capture_on_commit_callbacks(execute=True):
        lead_erase(lead=world.lead, by=manager_maria)

    run = PrintRun.objects.get(pk=world.run.pk)
    assert (run.pdf.name, run.status) == ("", PrintRun.Status.FAILED)
    assert not (tmp_path / "print_runs" / "run.pdf").exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_persons_row_is_cut_out_of_a_stored_workbook_or_csv(world, manager_maria, fmt):
    from io import BytesIO

    from openpyxl import Workbook, load_workbook

    if fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.append(["First name", "Last name", "Email"])
        sheet.append(["Zebulon", "Quartermaine", EMAIL])
        sheet.append(["Betty", "Stander", BYSTANDER_EMAIL])
        out = BytesIO()
        book.save(out)
        type(world.lead_import).objects.filter(pk=world.lead_import.pk).update(
            content=out.getvalue(), filename="expo.xlsx"
        )

    lead_erase(lead=world.lead, by=manager_maria)

    world.lead_import.refresh_from_db()
    content = bytes(world.lead_import.content)
    if fmt == "xlsx":
        cells = [
            [c for c in row if c]
            for row in load_workbook(BytesIO(content)).active.iter_rows(values_only=True)
        ]
        assert cells == [
            ["First name", "Last name", "Email"],
            ["Betty", "Stander", BYSTANDER_EMAIL],
        ]
    else:
        assert content.decode().count("\n") == 2


def test_what_is_recorded_for_an_erased_person_later_plans_nothing(world, manager_maria):
    cadence = cadence_with({"channel": Channel.TASK})
    CadenceTrigger.objects.create(cadence=cadence, kind=Interaction.Kind.NOTE)
    lead_erase(lead=world.lead, by=manager_maria)

    for lead in (world.lead, world.bystander):
        interaction_record(lead=lead, kind=Interaction.Kind.NOTE, source="test")

    enrolled = set(Enrolment.objects.filter(cadence=cadence).values_list("lead_id", flat=True))
    assert enrolled == {world.bystander.pk}


def test_an_erased_persons_lead_cannot_be_merged_either_way(world, manager_maria):
    lead_erase(lead=world.lead, by=manager_maria)
    erased = Lead.objects.get(pk=world.lead.pk)

    for primary, duplicate in ((erased, world.bystander), (world.bystander, erased)):
        with pytest.raises(ValidationError, match="erased"):
            lead_merge(primary=primary, duplicate=duplicate, merged_by=manager_maria)

    assert Lead.objects.filter(pk__in=[erased.pk, world.bystander.pk]).count() == 2


def test_a_csv_row_naming_the_person_without_their_address_is_cut_out_too(world, manager_maria):
    csv = 'First name;Last name;Email\n"Zebulon";"Quartermaine";\nBetty;Stander;b@example.net\n'
    LeadImport.objects.filter(pk=world.lead_import.pk).update(content=csv.encode())

    lead_erase(lead=world.lead, by=manager_maria)

    world.lead_import.refresh_from_db()
    assert bytes(world.lead_import.content).decode() == (
        "First name;Last name;Email\nBetty;Stander;b@example.net\n"
    )
