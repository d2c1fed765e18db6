import pytest

from crm.imports.services import campaign_for_event, lead_import_file
from crm.models import Interaction, Lead, LeadImport
from crm.services import interaction_record
from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BOOTH_LIST = (
    "Email,Full Name,Company,Cell Phone,Country\n"
    "mary@example.com,Mary Ann Smith-Jones,Northwind,(415) 555-2671,USA\n"
    "tom@example.com,Tom Baker,Acme,020 7946 0958,United Kingdom\n"
)


def test_a_manager_undoes_an_import_after_checking_what_stays(
    page, manager_maria, rep_alice, tmp_path
):
    booth_list = tmp_path / "expo-badges.csv"
    booth_list.write_text(BOOTH_LIST, encoding="utf-8")
    lead_import_file(path=str(booth_list), campaign=campaign_for_event(name="Expo 2026"))
    lead_import = LeadImport.objects.get()
    tom = Lead.objects.get(email="tom@example.com")
    interaction_record(lead=tom, kind=Interaction.Kind.CALL, user=rep_alice)
    log_in(page, "maria")

    page.goto(lead_import.get_absolute_url())
    page.get_by_role("link", name="Undo this import…").click()

    page.get_by_role("heading", name="Undo expo-badges.csv?").wait_for()
    summary = page.locator(".undo-summary").inner_text()
    assert "1 new lead will be deleted" in summary
    assert "1 lead stays as it is" in summary
    assert "Alice Rep logged a call" in page.locator(".undo-kept").inner_text()
    page.get_by_role("button", name="Undo the import").click()

    page.get_by_role("heading", name="Undone").wait_for()
    assert "Undone by Maria Manager" in page.locator("#undo").inner_text()
    assert "Tom Baker" in page.locator(".undo-kept").inner_text()
    assert list(Lead.objects.values_list("email", flat=True)) == ["tom@example.com"]
