"""Undoing a booth-list import: a real list imported with its follow-ups planned
(the hooks run inline in tests), then undone as a manager would, by the services
and through the pages."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import strip_tags

from crm.audiences.models import AudienceMember
from crm.audiences.services import audience_save
from crm.contact import parse_phone
from crm.imports.jobs import lead_import_recorded
from crm.imports.jobs import lead_import_undo as lead_import_undo_job
from crm.imports.undo.plan import lead_import_undo_plan
from crm.imports.undo.services import UndoRefused, lead_import_undo
from crm.models import Campaign, ContactPoint, Interaction, Lead, LeadImport
from crm.services import interaction_record, lead_merge, lead_update
from followups.models import Cadence, Channel, Enrolment, Touch
from followups.scheduler import scheduler_pass
from mailings.letters.models import LetterTemplate, PrintRun, PrintRunLetter
from mailings.models import OutboxEmail
from tests.factories import CampaignFactory, InteractionFactory, LeadFactory
from tests.followups.cadences.factories import TriggerFactory
from tests.mailings.conftest import smtp  # noqa: F401 (a fixture: a real SMTP server)
from tests.mailings.factories import email_cadence

pytestmark = pytest.mark.django_db

IMPORTED_AT = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # a Tuesday, 11:00 in New York

# A badge scanner's lead-retrieval export, as it comes.
BOOTH_LIST = """\
First Name,Last Name,Email,Company,Job Title,Phone,Country,Notes,Lead Rating
Ana,Silva,ana.silva@northwind.example,Northwind,CTO,(212) 555-0147,United States,Pricing?,Hot
Tom,Baker,tom.baker@acme.example,Acme Ltd,Buyer,020 7946 0958,United Kingdom,,Warm
Kim,Lee,kim.lee@contoso.example,Contoso,Head of IT,030 1234567,Germany,Asked about the API,Hot
"""


@pytest.fixture
def clock():
    with time_machine.travel(IMPORTED_AT, tick=False) as traveller:
        yield traveller


@pytest.fixture
def expo(db):
    """The event, two days before the list is imported: its visits are dated then."""
    return CampaignFactory(name="Expo 2026", starts_on=dt.date(2026, 3, 8), country="US")


@pytest.fixture
def kim(db):
    """A lead from before the event: the import fills her empty fields."""
    lead = LeadFactory(
        email="kim.lee@contoso.example",
        first_name="Kim",
        last_name="",
        company="",
        title="Head of Buying",
        country="",
        time_zone="",
    )
    InteractionFactory(
        lead=lead, kind=Interaction.Kind.WEB_VISIT, occurred_at=IMPORTED_AT - dt.timedelta(days=30)
    )
    Lead.objects.filter(pk=lead.pk).update(last_activity_at=IMPORTED_AT - dt.timedelta(days=30))
    return lead


@pytest.fixture
def imported(tmp_path, clock, expo, kim, rep_alice) -> LeadImport:
    """The list imported; then an hour passes."""
    path = tmp_path / "expo-2026-leads.csv"
    path.write_text(BOOTH_LIST, encoding="utf-8")
    call_command("import_leads", str(path), "--event", "Expo 2026", stdout=StringIO())
    clock.shift(dt.timedelta(hours=1))
    return LeadImport.objects.get()


def lead(email: str) -> Lead:
    return Lead.objects.get(email=email)


def visible(response) -> str:
    """The page's text as a reader sees it: no tags, single spaces."""
    return " ".join(strip_tags(response.content.decode()).split())


def undo(lead_import: LeadImport, by=None) -> LeadImport:
    lead_import_undo(lead_import=lead_import, by=by)
    lead_import.refresh_from_db()
    return lead_import


ANA, TOM = "ana.silva@northwind.example", "tom.baker@acme.example"


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


def test_an_import_can_be_undone_for_seven_days_only(imported, clock, manager_maria, client):
    client.force_login(manager_maria)
    clock.move_to(imported.finished_at + dt.timedelta(days=7) - dt.timedelta(minutes=1))
    assert "Undo this import…" in client.get(imported.get_absolute_url()).content.decode()

    clock.shift(dt.timedelta(minutes=2))
    page = client.get(imported.get_absolute_url()).content.decode()
    assert "Undo this import" not in page
    assert "can be undone for 7 days after it finished; this one finished on 10 Mar 2026" in page
    with pytest.raises(UndoRefused):
        lead_import_undo(lead_import=imported, by=manager_maria)
    response = client.post(reverse("imports:undo", args=[imported.pk]), follow=True)
    assert response.status_code == 200
    assert "can be undone for 7 days" in response.content.decode()
    assert Lead.objects.count() == 3


def test_undoing_twice_is_harmless(imported, manager_maria, client):
    client.force_login(manager_maria)
    url = reverse("imports:undo", args=[imported.pk])

    first = client.post(url, follow=True)
    second = client.post(url, follow=True)

    assert "Undoing the import" in first.content.decode()
    assert "This import was undone on 10 Mar 2026." in second.content.decode()
    assert second.status_code == 200
    assert Lead.objects.count() == 1
    imported.refresh_from_db()
    assert imported.undo_report["deleted"] == 2  # the second click changed nothing


@pytest.fixture
def jobs_wait(settings, imported, manager_maria):
    """Jobs queued after commit, which never comes in a test's transaction."""
    settings.JOBS_MODE = "thread"
    yield
    # Run it anyway: the page would say "being undone" for a while after a failed test.
    lead_import_undo_job(imported.pk, manager_maria.pk)


def test_while_an_undo_runs_the_page_says_so_and_another_click_starts_nothing(
    imported, manager_maria, client, jobs_wait
):
    client.force_login(manager_maria)
    url = reverse("imports:undo", args=[imported.pk])
    progress = reverse("imports:undo_progress", args=[imported.pk])

    client.post(url)
    again = client.post(url, follow=True)

    assert "This import is being undone." in visible(again)
    assert "Undoing…" in visible(client.get(progress))
    assert client.get(reverse("imports:undo_check", args=[imported.pk])).status_code == 302
    lead_import_undo_job(imported.pk, manager_maria.pk)
    lead_import_undo_job(imported.pk, manager_maria.pk)  # a job run twice
    done = client.get(progress)
    assert (done.status_code, done["HX-Refresh"]) == (204, "true")
    assert "Undone by Maria Manager" in visible(client.get(imported.get_absolute_url()))
    assert Lead.objects.count() == 1


def test_only_a_finished_import_can_be_undone(expo, manager_maria, client):
    previewed = LeadImport.objects.create(
        filename="booth.csv", content=b"", campaign=expo, status=LeadImport.Status.PREVIEWED
    )
    client.force_login(manager_maria)

    check = client.get(reverse("imports:undo_check", args=[previewed.pk]), follow=True)
    post = client.post(reverse("imports:undo", args=[previewed.pk]), follow=True)

    for response in (check, post):
        assert "Only an import that has finished can be undone." in response.content.decode()
    previewed.refresh_from_db()
    assert previewed.status == LeadImport.Status.PREVIEWED


def test_the_confirmation_page_lists_what_goes_and_what_stays(
    imported, rep_alice, manager_maria, client
):
    interaction_record(lead=lead(TOM), kind=Interaction.Kind.CALL, user=rep_alice)
    client.force_login(manager_maria)

    result_page = client.get(imported.get_absolute_url()).content.decode()
    page = client.get(reverse("imports:undo_check", args=[imported.pk]))

    assert reverse("imports:undo_check", args=[imported.pk]) in result_page
    text = " ".join(page.content.decode().split())
    assert "<strong>1</strong> new lead will be deleted" in text
    assert "<strong>1</strong> updated lead loses this booth visit and the 5 values" in text
    assert "<strong>1</strong> lead stays as it is" in text
    assert "Alice Rep logged a call on 10 Mar 2026" in text
    assert Lead.objects.count() == 3  # the dry run changed nothing


def test_a_rep_can_neither_see_nor_post_the_undo(imported, rep_alice, client):
    client.force_login(rep_alice)

    assert client.get(reverse("imports:undo_check", args=[imported.pk])).status_code == 403
    assert client.post(reverse("imports:undo", args=[imported.pk])).status_code == 403
    assert Lead.objects.count() == 3


def test_the_undo_is_a_post_with_a_csrf_token(imported, manager_maria, client):
    client.force_login(manager_maria)
    assert client.get(reverse("imports:undo", args=[imported.pk])).status_code == 405

    checked = type(client)(enforce_csrf_checks=True)
    checked.force_login(manager_maria)
    assert checked.post(reverse("imports:undo", args=[imported.pk])).status_code == 403
    assert Lead.objects.count() == 3
