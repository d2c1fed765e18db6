"""Undoing an import stops what its visits planned, and keeps leads already written to."""

import pytest

from crm.imports.jobs import lead_import_recorded
from crm.models import Campaign, Interaction, Lead
from followups.models import Cadence, Channel, Enrolment, Touch
from followups.scheduler import scheduler_pass
from mailings.letters.models import LetterTemplate, PrintRun, PrintRunLetter
from mailings.models import OutboxEmail
from tests.crm.imports.undo.booth import ANA, TOM, lead, undo
from tests.followups.cadences.factories import TriggerFactory
from tests.mailings.conftest import smtp  # noqa: F401 (a fixture: a real SMTP server)
from tests.mailings.factories import email_cadence

pytestmark = pytest.mark.django_db


def expo_cadence(*waits_in_hours):
    """Set up after the import: emails to whoever visited the booth at Expo 2026."""
    cadence = email_cadence(*waits_in_hours, name="Expo follow-up", slug="expo")
    TriggerFactory(
        cadence=cadence,
        kind=Interaction.Kind.BOOTH_VISIT,
        campaign=Campaign.objects.get(name="Expo 2026"),
    )
    return cadence


def test_what_was_planned_from_the_visits_stops_and_goes_with_the_deleted_leads(imported, kim):
    # The installed booth-visit play enrolled every visitor: a call first.
    booth = Cadence.objects.get(installed="booth_visit")
    assert Enrolment.objects.filter(cadence=booth).count() == 3
    kim_call = Touch.objects.get(lead=kim, channel=Channel.CALL)
    assert (kim_call.status, kim_call.enrolment.cadence) == (Touch.Status.PENDING, booth)
    expo = expo_cadence(0, 24)
    lead_import_recorded(imported.pk)  # the hooks again, now that the cadence exists
    assert Enrolment.objects.filter(cadence=expo).count() == 3
    assert Enrolment.objects.filter(cadence=booth).count() == 3  # enrolled once
    kim_email = Touch.objects.get(lead=kim, channel=Channel.EMAIL)

    undone = undo(imported)

    kim_call.refresh_from_db()
    kim_email.refresh_from_db()
    assert (kim_call.status, kim_call.outcome) == (Touch.Status.CANCELLED, "import undone")
    assert (kim_email.status, kim_email.outcome) == (Touch.Status.CANCELLED, "import undone")
    ended = Enrolment.objects.all()
    assert {(e.lead_id, e.status, e.exit_reason) for e in ended} == {
        (kim.pk, Enrolment.Status.EXITED, "import undone")
    }
    assert ended.count() == 2  # Kim's, one per cadence; the deleted leads' went with them
    assert Touch.objects.count() == 2 and not OutboxEmail.objects.exists()
    assert undone.undo_report["stopped"] == [
        ["Cadence enrolments ended", 2],
        ["Planned calls, emails and letters cancelled", 2],
    ]


def test_a_lead_sent_an_email_stays_with_its_email_sent(imported, smtp, kim):  # noqa: F811
    expo_cadence(0, 24)
    lead_import_recorded(imported.pk)
    Lead.objects.filter(email=ANA).update(email_consent=Lead.EmailConsent.CONFIRMED)
    scheduler_pass()
    assert [message["To"] for message in smtp.messages] == [ANA]

    undone = undo(imported)

    ana = lead(ANA)
    sent = OutboxEmail.objects.get(lead=ana, status=OutboxEmail.Status.SENT)
    assert sent.enrolment.status == Enrolment.Status.ACTIVE
    assert Touch.objects.get(enrolment=sent.enrolment, step__position=2).status == "pending"
    assert ana.interactions.filter(kind=Interaction.Kind.EMAIL_SENT).exists()
    assert undone.undo_report["kept_leads"] == [
        {"lead": ana.pk, "name": "Ana Silva", "why": "an email was sent on 10 Mar 2026"}
    ]


def test_a_lead_with_a_letter_in_an_open_print_run_stays(imported, manager_maria):
    tom = lead(TOM)
    template = LetterTemplate.objects.create(slug="thanks", name="Thanks", body="<p>Thanks</p>")
    run = PrintRun.objects.create(name="Expo thank-yous", template=template, source="leads")
    PrintRunLetter.objects.create(run=run, lead=tom, position=1, holds_touch=True)

    undone = undo(imported)

    assert Lead.objects.filter(pk=tom.pk).exists()
    assert undone.undo_report["kept_leads"][0]["why"] == (
        "a letter to them is in the print run “Expo thank-yous”"
    )
