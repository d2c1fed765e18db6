"""What each known vendor export keeps of its people: names, phones, ratings, answers."""

import pytest

from crm.models import Lead, LeadImport
from tests.crm.imports.vendors.exports import (
    CVENT,
    EVENTBRITE,
    EXPORTS,
    HUBSPOT,
    LINKEDIN,
    META,
    SALESFORCE_DATA_LOADER,
    SALESFORCE_REPORT,
    ZOOM,
    guess,
    import_leads,
    lead,
)


@pytest.mark.django_db
@pytest.mark.parametrize("export", EXPORTS)
def test_a_known_export_imports_its_people_from_the_command_line(export):
    result = import_leads(export)

    rows, created, duplicates, invalid = export.counts
    assert (result["rows"], result["created"], result["duplicates"], result["invalid"]) == (
        rows,
        created,
        duplicates,
        invalid,
    )
    assert Lead.objects.count() == created
    for key, (first, last, company) in export.people.items():
        person = lead(key)
        assert (person.first_name, person.last_name, person.company) == (first, last, company)
    lead_import = LeadImport.objects.get()
    assert lead_import.recognised_as == export.recognised_as
    header, _ = guess(export)
    assert sorted(map(int, lead_import.mapping_reasons)) == list(range(len(header)))


@pytest.mark.django_db
def test_an_eventbrite_report_keeps_prefixes_suffixes_phones_and_every_other_column():
    import_leads(EVENTBRITE)

    maria = lead("maria.garcia@northwind.example")
    assert (maria.name_prefix, maria.phone, maria.city, maria.region) == (
        "Dr.",
        "+12175550143",
        "Springfield",
        "IL",
    )
    john = lead("john.oneill@contoso.example")
    assert (john.name_prefix, john.name_suffix, john.phone) == ("Mr", "Jr.", "+13125550178")
    soren = lead("soren.aero@dtu.example")
    assert (soren.name_prefix, soren.name_suffix, soren.country) == ("Prof.", "PhD", "DK")
    # A national number is read in the row's country, an international one as written.
    assert lead("zoe.braendli@braendli.example").phone == "+41791234567"
    assert lead("kwame.mensah@fabrikam.example").phone == "+447911123456"
    assert lead("+819012345678").country == "JP"
    visit = maria.interactions.get()
    assert visit.data["extra"]["Attendee #"] == "15519876401"
    assert visit.data["extra"]["Order #"] == "8412233901"
    assert visit.data["extra"]["Ticket Type"] == "Full Conference Pass"
    assert visit.data["extra"]["How did you hear about this event?"] == "LinkedIn"


@pytest.mark.django_db
def test_a_badge_scan_export_keeps_the_rating_notes_and_answers_on_the_booth_visit():
    import_leads(CVENT)

    visit = lead("lukas.schaefer@contoso.example").interactions.get()
    assert visit.notes == "Wants a demo for 40 reps"
    assert visit.data["rating"] == "Hot"
    assert visit.data["extra"]["Captured By"] == "Ana Sales"
    assert visit.data["extra"]["Which products are you evaluating?"] == "Lead retrieval; Call queue"
    # Numbers Excel stored as numbers, in the row's country.
    assert lead("wei.chen@tailspin.example").phone == "+6591234567"
    assert lead("lukas.schaefer@contoso.example").phone == "+4930901820"


@pytest.mark.django_db
def test_a_scanners_own_email_is_never_taken_for_the_attendees():
    import_leads(ZOOM)

    assert not Lead.objects.filter(email__endswith="@northwind.example").exists()
    sipho = lead("+27825550199")
    assert sipho.email == ""
    assert sipho.interactions.get().data["extra"]["Scanner Email"] == "ana.sales@northwind.example"


@pytest.mark.django_db
def test_a_meta_download_in_utf16_keeps_accents_and_reads_prefixed_phones():
    import_leads(META)

    jurgen = lead("juergen.weiss@web.example")
    assert (jurgen.phone, jurgen.country, jurgen.city) == ("+4917612345678", "DE", "Köln")
    assert lead("ingrid.ovrebo@fourthcoffee.example").phone == "+4791234567"
    extra = jurgen.interactions.get().data["extra"]
    assert (extra["id"], extra["platform"], extra["when_do_you_plan_to_buy?"]) == (
        "l:1092837465019377",
        "ig",
        "next_quarter",
    )


@pytest.mark.django_db
def test_a_linkedin_download_takes_the_first_email_and_keeps_the_consent_answer():
    import_leads(LINKEDIN)

    hannah = lead("hannah.schmidt@gmail.example")
    assert hannah.phone == "+4915123456789"
    extra = hannah.interactions.get().data["extra"]
    assert extra["I agree to receive marketing communications from Northwind Traders."] == "Yes"
    assert extra["Lead Type"] == "SPONSORED"


@pytest.mark.django_db
def test_a_salesforce_report_in_its_western_european_encoding_keeps_names_and_salutations():
    result = import_leads(SALESFORCE_REPORT)

    zoe = lead("zoe.braendli@braendli.example")
    assert (zoe.name_prefix, zoe.phone, zoe.country) == ("Ms.", "+41441234567", "CH")
    assert zoe.address_line1 == "Bahnhofstrasse 10\n4. Stock"
    assert lead("begona.munoz@adatum.example").name_prefix == "Mrs."
    assert [error["message"] for error in result["errors"]] == ["No email or phone."] * 4


@pytest.mark.django_db
def test_a_data_loader_extract_keeps_the_rating_and_description_on_the_visit():
    import_leads(SALESFORCE_DATA_LOADER)

    liam = lead("liam.murphy@contoso.example")
    assert (liam.name_prefix, liam.phone, liam.country) == ("Mr.", "+35315550123", "IE")
    visit = liam.interactions.get()
    assert visit.notes == "Met at the booth; wants a call on Tuesday"
    assert visit.data["rating"] == "Hot"
    assert visit.data["extra"]["ID"] == "00Q5g00000AbCdEFG1"


@pytest.mark.django_db
def test_a_hubspot_export_takes_the_contacts_own_email_first():
    import_leads(HUBSPOT)

    jane = lead("jane.roe@litware.example")
    assert (jane.phone, jane.region) == ("+16465550100", "NY")
    assert jane.interactions.get().data["extra"]["Record ID"] == "51234567801"
