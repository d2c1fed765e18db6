"""Every other phone and address of a vendor export kept, and matched on the next list."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from tests.crm.imports.vendors.exports import (
    EVENTBRITE,
    HUBSPOT,
    LINKEDIN,
    SALESFORCE_DATA_LOADER,
    SALESFORCE_REPORT,
    import_leads,
    lead,
)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("export", "key", "contacts"),
    [
        pytest.param(
            EVENTBRITE,
            "kwame.mensah@fabrikam.example",
            {("phone", "+442079460321", "Work Phone")},
            id="eventbrite work phone",
        ),
        pytest.param(
            EVENTBRITE,
            "john.oneill@contoso.example",
            {("phone", "+13125550179", "Cell Phone")},
            id="eventbrite cell phone",
        ),
        pytest.param(
            HUBSPOT,
            "jane.roe@litware.example",
            {
                ("email", "jane.roe@gmail.example", "Additional email addresses"),
                ("email", "jroe@litware-old.example", "Additional email addresses"),
                ("phone", "+16465550101", "Mobile Phone Number"),
            },
            id="hubspot",
        ),
        pytest.param(
            LINKEDIN,
            "hannah.schmidt@gmail.example",
            {
                ("email", "h.schmidt@contoso.example", "Work Email"),
                ("phone", "+49891234567", "Work Phone Number"),
            },
            id="linkedin",
        ),
        pytest.param(
            SALESFORCE_REPORT,
            "zoe.braendli@braendli.example",
            {("phone", "+41791234567", "Mobile")},
            id="salesforce report",
        ),
        pytest.param(
            SALESFORCE_DATA_LOADER,
            "liam.murphy@contoso.example",
            {("phone", "+353871234567", "MOBILEPHONE")},
            id="data loader",
        ),
    ],
)
def test_every_other_phone_and_address_of_an_export_is_kept_with_its_column(export, key, contacts):
    import_leads(export)

    assert set(lead(key).contact_points.values_list("kind", "value", "label")) == contacts


@pytest.mark.django_db
def test_an_eventbrite_work_phone_keeps_its_extension():
    import_leads(EVENTBRITE)

    work = lead("maria.garcia@northwind.example").contact_points.get(label="Work Phone")
    assert (work.value, work.extension) == ("+12175550199", "204")


@pytest.mark.django_db
def test_a_later_list_with_an_additional_address_finds_the_same_person(tmp_path):
    import_leads(HUBSPOT)
    later = tmp_path / "webinar.csv"
    later.write_text("Email,Company\nJane.Roe@gmail.example,Litware\n", encoding="utf-8")

    out = StringIO()
    call_command("import_leads", str(later), "--event", "Webinar", "--json", stdout=out)

    assert json.loads(out.getvalue())["updated"] == 1
    assert lead("jane.roe@litware.example").interactions.count() == 2


@pytest.mark.django_db
def test_a_leads_zone_follows_its_country_when_its_phone_is_from_elsewhere():
    import_leads(SALESFORCE_DATA_LOADER)

    assert lead("liam.murphy@contoso.example").time_zone == "Europe/Dublin"
