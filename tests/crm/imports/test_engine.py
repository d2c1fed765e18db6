"""Booth lists through the engine: rows become leads and visits; updates fill empty
fields and never overwrite."""

from datetime import date

import pytest

from crm.imports.engine import BATCH_ROWS
from crm.models import Campaign, Interaction, Lead, LeadImport
from tests.crm.imports.command import BOOTH_LIST, import_leads, write_csv
from tests.factories import CampaignFactory, InteractionFactory, LeadFactory

pytestmark = pytest.mark.django_db


def test_every_usable_row_becomes_or_updates_one_lead(tmp_path):
    result = import_leads(write_csv(tmp_path / "booth.csv", BOOTH_LIST), "--country", "US")

    assert (result["rows"], result["created"], result["invalid"]) == (4, 2, 1)
    assert result["errors"] == [
        {
            "row": 4,
            "message": "No usable email or phone: “not-an-email” is not a valid email address; "
            "“12” is not a valid phone number.",
        }
    ]
    mary = Lead.objects.get(email="mary@example.com")
    assert (mary.first_name, mary.last_name, mary.title) == ("Mary Ann", "Smith-Jones", "CTO")
    assert (mary.phone, mary.country, mary.time_zone) == (
        "+14155552671",
        "US",
        "America/Los_Angeles",
    )
    tom = Lead.objects.get(phone="+442079460958")
    assert (tom.first_name, tom.country, tom.time_zone) == ("Tom", "GB", "Europe/London")
    assert Lead.objects.count() == 2


def test_each_person_gets_one_booth_visit_with_the_rows_notes_rating_and_other_columns(tmp_path):
    import_leads(write_csv(tmp_path / "booth.csv", BOOTH_LIST))

    mary = Lead.objects.get(email="mary@example.com")
    visit = mary.interactions.get()
    assert (visit.kind, visit.campaign.name, visit.campaign.kind) == (
        Interaction.Kind.BOOTH_VISIT,
        "Expo 2026",
        Campaign.Kind.EVENT,
    )
    assert visit.notes == "Wants pricing\nCame back on day two"
    assert visit.data["rating"] == "hot"
    assert visit.data["rows"] == [2, 5]
    assert visit.data["extra"] == {"Badge ID": "B-1"}
    assert mary.source_campaign == visit.campaign


def test_an_update_fills_empty_fields_and_never_overwrites(tmp_path):
    LeadFactory(email="Mary@Example.com", first_name="Maria", last_name="", company="", title="")

    result = import_leads(write_csv(tmp_path / "booth.csv", BOOTH_LIST))

    assert (result["created"], result["updated"]) == (1, 1)
    mary = Lead.objects.get(email__iexact="mary@example.com")
    assert mary.email == "Mary@Example.com"
    assert (mary.first_name, mary.last_name, mary.company) == ("Maria", "Smith-Jones", "Northwind")


def test_each_visit_records_what_the_import_did_to_its_lead_for_an_undo(tmp_path):
    LeadFactory(email="Mary@Example.com", first_name="Maria", last_name="", company="", title="")

    import_leads(write_csv(tmp_path / "booth.csv", BOOTH_LIST))

    mary_visit = Interaction.objects.get(lead__email__iexact="mary@example.com")
    assert "created_lead" not in mary_visit.data
    assert mary_visit.data["filled"] == {
        "last_name": "Smith-Jones",
        "company": "Northwind",
        "title": "CTO",
        "phone": "+14155552671",
        "phone_raw": "(415) 555-2671",
        "phone_ext": "",
    }
    tom_visit = Interaction.objects.get(lead__phone="+442079460958")
    assert tom_visit.data["created_lead"] is True
    assert "filled" not in tom_visit.data


def test_an_update_lists_the_values_it_kept_where_the_row_said_otherwise(tmp_path):
    maria = LeadFactory(
        email="mary@example.com",
        first_name="Maria",
        last_name="smith-jones ",  # case and spacing are not a difference
        company="Contoso",
        title="",  # blank: filled, not a conflict
        phone="+14155550100",
        country="US",
    )

    result = import_leads(write_csv(tmp_path / "booth.csv", BOOTH_LIST))

    kept = {"row": 2, "lead": maria.pk, "name": "Maria smith-jones"}
    assert result["conflicts"] == 2  # row 5 says "Mary" again
    assert result["conflict_rows"][0] == kept | {
        "fields": [
            {"field": "first_name", "kept": "Maria", "offered": "Mary Ann"},
            {"field": "company", "kept": "Contoso", "offered": "Northwind"},
        ]
    }
    assert result["conflict_rows"][1]["fields"] == [
        {"field": "first_name", "kept": "Maria", "offered": "Mary"}
    ]
    maria.refresh_from_db()
    assert (maria.first_name, maria.company, maria.title) == ("Maria", "Contoso", "CTO")
    # Another phone is not a conflict: the lead keeps it as another number.
    assert maria.phone == "+14155550100"
    assert list(maria.contact_points.values_list("kind", "value", "label")) == [
        ("phone", "+14155552671", "Cell Phone")
    ]


def test_phones_match_existing_leads_whatever_their_format(tmp_path):
    known = LeadFactory(email="", phone="+14155552671")
    csv_text = "Name,Mobile\nDana White,415.555.2671 x23\n"

    result = import_leads(write_csv(tmp_path / "booth.csv", csv_text), "--country", "US")

    assert (result["created"], result["updated"]) == (0, 1)
    known.refresh_from_db()
    assert known.interactions.filter(kind=Interaction.Kind.BOOTH_VISIT).exists()


def test_a_national_phone_is_read_in_the_rows_country_then_the_events(tmp_path):
    csv_text = (
        "Email,Phone,Country\n"
        "a@example.com,020 7946 0958,United Kingdom\n"
        "b@example.com,030 1234567,\n"
    )

    import_leads(write_csv(tmp_path / "booth.csv", csv_text), "--country", "DE")

    assert Lead.objects.get(email="a@example.com").phone == "+442079460958"
    assert Lead.objects.get(email="b@example.com").phone == "+49301234567"


def test_leads_already_engaged_before_the_event_are_marked(tmp_path):
    reader = LeadFactory(email="reader@example.com")
    InteractionFactory(lead=reader, kind=Interaction.Kind.CONTENT_DOWNLOAD)
    stranger = LeadFactory(email="stranger@example.com")
    InteractionFactory(lead=stranger, kind=Interaction.Kind.NOTE)
    csv_text = "Email\nreader@example.com\nstranger@example.com\nnew@example.com\n"

    result = import_leads(write_csv(tmp_path / "booth.csv", csv_text))

    assert result["engaged"] == 1
    visits = Interaction.objects.filter(kind=Interaction.Kind.BOOTH_VISIT)
    assert [v.lead.email for v in visits if v.data.get("already_engaged")] == ["reader@example.com"]


def test_importing_the_same_list_twice_records_each_visit_once(tmp_path):
    path = write_csv(tmp_path / "booth.csv", BOOTH_LIST)
    import_leads(path)

    again = import_leads(path)

    assert (again["created"], again["updated"]) == (0, 2)
    assert Interaction.objects.filter(kind=Interaction.Kind.BOOTH_VISIT).count() == 2
    assert Lead.objects.count() == 2


def test_the_same_person_across_batches_is_one_lead(tmp_path):
    rows = [f"person{n}@example.com" for n in range(BATCH_ROWS + 10)]
    rows.append("PERSON0@example.com")  # the first row's person again, in the next batch
    path = write_csv(tmp_path / "booth.csv", "Email\n" + "\n".join(rows) + "\n")

    result = import_leads(path)

    assert (result["rows"], result["created"], result["duplicates"]) == (
        BATCH_ROWS + 11,
        BATCH_ROWS + 10,
        1,
    )
    assert Lead.objects.count() == BATCH_ROWS + 10
    assert Interaction.objects.get(lead__email="person0@example.com").data["rows"] == [
        2,
        BATCH_ROWS + 12,
    ]


def test_a_dry_run_stores_nothing(tmp_path):
    result = import_leads(write_csv(tmp_path / "booth.csv", BOOTH_LIST), "--dry-run")

    assert result["created"] == 2
    assert not Lead.objects.exists()
    assert not LeadImport.objects.exists()


def test_the_booth_visit_happens_on_the_events_first_day(tmp_path):
    CampaignFactory(name="Expo 2026", kind=Campaign.Kind.EVENT, starts_on=date(2026, 3, 4))

    import_leads(write_csv(tmp_path / "booth.csv", "Email\na@example.com\n"))

    visit = Interaction.objects.get()
    assert visit.occurred_at.date() == date(2026, 3, 4)
    assert visit.lead.last_activity_at == visit.occurred_at


def test_an_xlsx_list_with_phones_stored_as_numbers_imports_like_a_csv(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Booth leads, day one"])
    sheet.append([])
    sheet.append(["Name", "Work Phone", "Company", "Country"])
    sheet.append(["Ana Lima", 4155552671, "Northwind", "US"])
    sheet.append(["Ben Ode", "+44 20 7946 0958 ext. 12", "Acme", "GB"])
    path = tmp_path / "booth.xlsx"
    workbook.save(path)

    result = import_leads(path)

    assert (result["rows"], result["created"], result["invalid"]) == (2, 2, 0)
    assert Lead.objects.get(first_name="Ana").phone == "+14155552671"
    ben = Lead.objects.get(first_name="Ben")
    assert (ben.phone, ben.phone_ext) == ("+442079460958", "12")


def test_cells_that_look_like_formulas_are_stored_as_plain_text(tmp_path):
    csv_text = 'Email,Company,Notes\na@example.com,"=HYPERLINK(""http://evil"")",@SUM(1+1)\n'

    import_leads(write_csv(tmp_path / "booth.csv", csv_text))

    lead = Lead.objects.get()
    assert lead.company == '=HYPERLINK("http://evil")'
    assert lead.interactions.get().notes == "@SUM(1+1)"


def test_the_follow_ups_of_a_long_list_run_a_batch_a_job_until_every_visit_is_handled(
    tmp_path, monkeypatch
):
    from config import jobs as config_jobs
    from crm import interaction_hooks
    from crm.imports import jobs

    handled, queued = [], []
    monkeypatch.setattr(jobs, "HOOK_BATCH", 2)
    monkeypatch.setattr(
        interaction_hooks, "_handlers", [lambda interaction: handled.append(interaction.pk)]
    )
    monkeypatch.setattr(interaction_hooks, "_batch_handlers", [])
    real_enqueue = config_jobs.enqueue

    def enqueue(func, *args, **kwargs):
        queued.append((func, args))
        real_enqueue(func, *args, **kwargs)

    monkeypatch.setattr(jobs, "enqueue", enqueue)
    rows = "".join(f"person{n}@example.com,Person {n}\n" for n in range(5))

    import_leads(write_csv(tmp_path / "booth.csv", "Email,Full Name\n" + rows))

    visits = sorted(Interaction.objects.filter(kind="booth_visit").values_list("pk", flat=True))
    assert sorted(handled) == visits  # each once
    lead_import = LeadImport.objects.get()
    assert queued == [  # ids only: the import, and the last visit each job handled
        (jobs.lead_import_recorded, (lead_import.pk, visits[1])),
        (jobs.lead_import_recorded, (lead_import.pk, visits[3])),
    ]
