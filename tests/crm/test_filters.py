"""The lead list's filter by import: the people of one booth list, new and
updated, with every other filter and every action of the list."""

import csv
import datetime as dt
import io
import re

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from crm.filters import LeadFilter
from crm.models import Lead
from crm.selectors import leads_visible_to
from tests.booth_lists import import_booth_list
from tests.factories import CampaignFactory, LeadFactory
from tests.mailings.factories import email_cadence

pytestmark = pytest.mark.django_db

LEAD_LIST = reverse("crm:lead_list")
IMPORTED_AT = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)
EXPO_PEOPLE = {
    "ada@analytical.example",
    "max@quanta.example",
    "emmy@rings.example",
    "grace@cobol.example",
    "alan@smalltalk.example",
    "barbara@clu.example",
    "marie@radium.example",
    "tim@web.example",
    "linus@kernel.example",
}
GERMANS = {"ada@analytical.example", "max@quanta.example", "emmy@rings.example"}
AMERICANS = {"grace@cobol.example", "alan@smalltalk.example", "barbara@clu.example"}
OTHER_FAIR = "Email,Full Name,Country\nkatherine@nasa.example,Katherine Johnson,US\n"


@pytest.fixture
def clock():
    with time_machine.travel(IMPORTED_AT, tick=False) as traveller:
        yield traveller


@pytest.fixture
def expo(tmp_path, clock):
    return import_booth_list(tmp_path)


def listed_emails(response) -> set[str]:
    assert response.status_code == 200, response.content
    ids = [int(pk) for pk in re.findall(r'<td><a href="/leads/(\d+)/">', response.text)]
    return set(Lead.objects.filter(pk__in=ids).values_list("email", flat=True))


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", response.text).split())


def test_the_list_shows_the_people_an_import_created_and_the_ones_it_updated(
    maria, tmp_path, clock
):
    LeadFactory(email="grace@cobol.example", first_name="Grace", last_name="Hopper")
    LeadFactory(email="someone@else.example")  # met elsewhere, not at this booth
    import_booth_list(tmp_path, OTHER_FAIR, name="other-fair.csv")
    expo = import_booth_list(tmp_path)

    response = maria.get(LEAD_LIST, {"lead_import": expo.pk})

    assert listed_emails(response) == EXPO_PEOPLE
    assert (expo.created, expo.updated) == (8, 1)
    assert "From the import of expo-badges.csv, 3 Dec" in text_of(response)
    assert "9 leads" in text_of(response)


def test_an_import_of_another_year_is_named_with_its_year(maria, manager_maria, tmp_path, clock):
    expo = import_booth_list(tmp_path)
    clock.move_to(IMPORTED_AT + dt.timedelta(days=60))
    maria.force_login(manager_maria)  # the session of 3 December has expired

    response = maria.get(LEAD_LIST, {"lead_import": expo.pk})

    assert "From the import of expo-badges.csv, 3 Dec 2026" in text_of(response)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"country": "Germany"}, GERMANS),
        ({"q": "Hopper"}, {"grace@cobol.example"}),
        ({"q": "415 555"}, {"grace@cobol.example", "alan@smalltalk.example"}),
        ({"stage": "working"}, {"marie@radium.example"}),
        ({"sort": "name", "country": "US"}, AMERICANS),
    ],
)
def test_the_import_filter_combines_with_every_other_filter(maria, expo, query, expected):
    LeadFactory(country="DE", last_name="Hopper", stage=Lead.Stage.WORKING)  # not at the booth
    Lead.objects.filter(email="marie@radium.example").update(stage=Lead.Stage.WORKING)

    response = maria.get(LEAD_LIST, {"lead_import": expo.pk, **query})

    assert listed_emails(response) == expected


def test_the_import_filter_combines_with_the_owner_and_campaign_filters(maria, expo, rep_alice):
    Lead.objects.filter(email__in=["ada@analytical.example", "tim@web.example"]).update(
        owner=rep_alice
    )
    LeadFactory(owner=rep_alice)
    expo_event = expo.campaign

    by_owner = maria.get(LEAD_LIST, {"lead_import": expo.pk, "owner": rep_alice.pk})
    by_event = maria.get(LEAD_LIST, {"lead_import": expo.pk, "campaign": expo_event.pk})
    elsewhere = maria.get(LEAD_LIST, {"lead_import": expo.pk, "campaign": CampaignFactory().pk})

    assert listed_emails(by_owner) == {"ada@analytical.example", "tim@web.example"}
    assert listed_emails(by_event) == EXPO_PEOPLE
    assert listed_emails(elsewhere) == set()


def test_the_list_keeps_the_import_filter_when_other_filters_change(maria, expo):
    response = maria.get(LEAD_LIST, {"lead_import": expo.pk, "country": "US"})

    page = response.content.decode()
    assert f'<input type="hidden" name="lead_import" value="{expo.pk}"' in page  # in the form
    assert f"lead_import={expo.pk}" in re.search(r'href="([^"]*)">Export CSV', page).group(1)
    every_lead = re.search(r'href="([^"]*)">Show every lead', page).group(1)
    assert "lead_import" not in every_lead and "country=US" in every_lead


def test_the_list_offers_a_manager_to_assign_the_leads_it_is_narrowed_to(maria, expo):
    assign = f'href="{reverse("team:assign")}?lead_import={expo.pk}&amp;country=DE">Assign</a>'

    narrowed = maria.get(LEAD_LIST, {"lead_import": expo.pk, "country": "DE"})
    everyone = maria.get(LEAD_LIST, {"sort": "name"})
    from_htmx = maria.get(
        LEAD_LIST, {"lead_import": expo.pk, "country": "DE"}, headers={"HX-Request": "true"}
    )

    assert assign in narrowed.text and assign in from_htmx.text
    assert ">Assign</a>" not in everyone.text


def test_the_export_holds_the_imports_leads_only(maria, expo):
    LeadFactory(email="someone@else.example")

    response = maria.get(reverse("crm:lead_export_csv"), {"lead_import": expo.pk})

    rows = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    assert {row["Email"] for row in rows} == EXPO_PEOPLE


def test_enrolling_in_a_cadence_and_printing_letters_take_the_imports_leads(maria, expo):
    cadence = email_cadence(0, name="Thanks for visiting")
    LeadFactory(email="someone@else.example")

    enrol = maria.get(reverse("cadences:enrol"), {"lead_import": expo.pk, "cadence": cadence.pk})
    letters = maria.get(reverse("letters:run_create"), {"lead_import": expo.pk})

    assert enrol.status_code == 200
    assert "Import: expo-badges.csv, 3 Dec" in text_of(enrol)
    assert "Enrol 9 leads in Thanks for visiting?" in text_of(enrol)
    assert letters.status_code == 200
    assert "expo-badges.csv, 3 Dec" in text_of(letters)


@pytest.mark.parametrize(
    "value", ["abc", "999999", "-1", "1.5", "²", "99999999999999999999999", " "]
)
def test_an_unknown_import_answers_400_with_a_field_error(maria, expo, value):
    response = maria.get(LEAD_LIST, {"lead_import": value})

    assert response.status_code == 400
    assert '<p class="error">Import: There is no such import.</p>' in response.text


def test_an_unknown_import_from_htmx_answers_400_with_the_table_fragment(maria, expo):
    response = maria.get(LEAD_LIST, {"lead_import": "abc"}, headers={"HX-Request": "true"})

    assert response.status_code == 400
    assert "Check the filters" in response.text and "<html" not in response.text


def test_the_exports_refuse_an_unknown_import(maria, expo):
    response = maria.get(reverse("crm:lead_export_csv"), {"lead_import": "abc"})

    assert response.status_code == 400


def test_a_reps_list_ignores_the_import_filter_and_shows_their_own_leads(alice, rep_alice, expo):
    Lead.objects.filter(email="ada@analytical.example").update(owner=rep_alice)
    own = LeadFactory(owner=rep_alice, email="own@lead.example")

    response = alice.get(LEAD_LIST, {"lead_import": expo.pk})

    assert listed_emails(response) == set(
        Lead.objects.filter(owner=rep_alice).values_list("email", flat=True)
    )
    assert own.email in listed_emails(response)
    assert "From the import of" not in response.text
    assert ">Assign</a>" not in response.text


def test_the_filtered_list_runs_a_bounded_number_of_queries(
    maria, expo, django_assert_max_num_queries
):
    # session, user, roles, the import, page, count, 2 x permissions, owner and campaign choices
    with django_assert_max_num_queries(10):
        response = maria.get(LEAD_LIST, {"lead_import": expo.pk, "country": "US"})

    assert len(listed_emails(response)) == 3


@pytest.mark.postgres
def test_the_import_filter_is_answered_from_the_visits_index(postgres, manager_maria, expo):
    """Guards that migration 0013's index keeps serving the filter's EXISTS: each
    lead's probe never leaves the index (see the migration for the timings)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # until the test's rollback
    leads = leads_visible_to(manager_maria).select_related("owner", "source_campaign")
    lead_filter = LeadFilter({"lead_import": expo.pk}, queryset=leads, user=manager_maria)
    assert lead_filter.is_valid()

    plan = lead_filter.qs.order_by(*lead_filter.ordering)[:51].explain()

    assert "interaction_import_lead_idx" in plan, plan
    assert "Seq Scan on crm_interaction" not in plan, plan
