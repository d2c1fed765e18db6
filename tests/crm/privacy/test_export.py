import json

from crm.privacy.selectors import lead_personal_data
from tests.crm.privacy.people import EMAIL, IP, NAME, OTHER_EMAIL, PHONE_RAW


def test_the_export_holds_every_kind_of_record_kept_about_the_person(world):
    data = lead_personal_data(world.lead)

    counts = {name: len(value) for name, value in data.items() if isinstance(value, list)}
    assert counts == {
        "lead": 1,
        "contact_points": 2,
        "interactions": 2,
        "merges": 1,
        "audience_memberships": 1,
        "ad_audiences": 0,
        "website_visitors": 1,
        "website_events": 1,
        "carts": 1,
        "imports": 1,
        "touches": 3,
        "cadence_enrolments": 1,
        "call_outcomes_kept_for_undo": 1,
        "ads_shown": 0,
        "emails": 2,
        "consent_records": 1,
        "letters": 1,
        "suppressions": 0,
        "audit_history": 1,
    }


def test_the_export_shows_the_values_as_stored(world):
    data = lead_personal_data(world.lead)

    assert data["lead"][0]["email"] == EMAIL
    assert data["lead"][0]["phone_raw"] == PHONE_RAW
    assert {point["value"] for point in data["contact_points"]} >= {OTHER_EMAIL}
    sent = next(email for email in data["emails"] if email["status"] == "sent")
    assert f"Dear {NAME}" in sent["text_body"]
    assert data["consent_records"][0]["ip_address"] == IP
    assert data["audience_memberships"][0]["audience__name"] == "New leads"
    assert data["letters"][0]["run__name"] == "Spring letters"


def test_the_export_has_the_persons_rows_of_a_booth_list_and_no_one_elses(world):
    [found] = lead_personal_data(world.lead)["imports"]

    assert found["file"]["header"] == ["First name", "Last name", "Email", "Phone"]
    assert [row["cells"]["Email"] for row in found["file"]["rows"]] == [EMAIL]
    assert "Betty" not in json.dumps(found)
    assert set(found["report"]) == {
        *("samples", "conflict_rows", "errors", "warning_rows", "undo_report")
    }


def test_the_export_is_plain_json(world):
    text = json.dumps(lead_personal_data(world.lead))

    assert NAME.split()[0] in text
