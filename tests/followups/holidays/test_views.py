"""The managers' holidays page at /holidays/: the list by country, adding,
changing and deleting a holiday, and adding a country's public holidays for a
year after a preview; reps and the mailroom get 403, bad input 400."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from crm.models import Interaction
from crm.services import interaction_record
from followups.calling_hours import holidays_around, next_business_start
from followups.models import Holiday, Touch
from tests.factories import LeadFactory
from tests.followups.factories import CallableLeadFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # a Tuesday
LIST, NEW, PUBLIC = reverse("holidays:list"), reverse("holidays:create"), reverse("holidays:import")
UNITY_DAY = dt.date(2027, 10, 3)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def holiday(day: str, name: str, country: str = "") -> Holiday:
    return Holiday.objects.create(date=dt.date.fromisoformat(day), name=name, country=country)


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def headings(response) -> list[str]:
    return re.findall(r'<h3 id="holidays-[^"]+">([^<]+?) <span', response.content.decode())


def error_beside(response, field: str) -> list[str]:
    return response.context["form"].errors.get(field, [])


# The list


def test_the_list_shows_the_upcoming_holidays_by_country_every_country_first(maria):
    holiday("2026-07-04", "Independence Day", "US")
    holiday("2026-10-03", "Tag der Deutschen Einheit", "DE")
    holiday("2026-12-25", "Christmas")
    holiday("2026-12-24", "Heiligabend", "DE")
    holiday("2026-01-01", "New Year", "")  # gone by

    response = maria.get(LIST)

    assert response.status_code == 200
    assert headings(response) == ["Every country", "Germany (DE)", "United States (US)"]
    assert "4 upcoming holidays" in response.text
    assert [h.name for h in response.context["groups"][1].holidays] == [
        "Tag der Deutschen Einheit",
        "Heiligabend",
    ]
    assert "New Year" not in response.text


def test_the_past_holidays_are_a_click_away(maria):
    holiday("2026-01-01", "New Year")
    holiday("2025-12-25", "Christmas")
    holiday("2026-12-25", "Christmas")

    toggle = re.search(r'<a href="\?([^"]+)">Show the past ones</a>', maria.get(LIST).text)
    response = maria.get(f"{LIST}?{toggle.group(1)}")

    assert "2 past holidays" in response.text
    listed = response.context["groups"][0].holidays
    assert [h.date for h in listed] == [dt.date(2026, 1, 1), dt.date(2025, 12, 25)]  # latest first
    assert "Show the upcoming ones" in response.text


def test_a_country_filter_lists_what_keeps_its_calls_waiting(maria):
    holiday("2026-12-25", "Christmas")
    holiday("2026-10-03", "Tag der Deutschen Einheit", "DE")
    holiday("2026-07-04", "Independence Day", "US")

    response = maria.get(LIST, {"country": "DE"})

    assert headings(response) == ["Every country", "Germany (DE)"]
    assert "2 upcoming holidays that keep calls to Germany (DE) waiting" in response.text


@pytest.mark.parametrize("query", [{"country": "ZZ"}, {"when": "someday"}])
def test_a_bad_filter_is_a_400_with_the_reason(maria, query):
    holiday("2026-10-03", "Tag der Deutschen Einheit", "DE")

    response = maria.get(LIST, query)

    assert response.status_code == 400
    assert "Select a valid choice" in response.text


def test_the_list_reads_the_holidays_in_a_few_queries(maria, django_assert_max_num_queries):
    for day in range(1, 29):
        holiday(f"2026-11-{day:02d}", f"Day {day}", ["", "DE", "US", "FR"][day % 4])

    with django_assert_max_num_queries(8):
        response = maria.get(LIST)

    assert "28 upcoming holidays" in response.text


def test_managers_find_the_page_among_the_settings(maria):
    assert f'href="{LIST}"' in maria.get(reverse("settings")).text


def test_reps_do_not_see_the_link(alice):
    assert f'href="{LIST}"' not in alice.get(reverse("crm:lead_list")).text


# Adding, changing, deleting


def test_a_manager_adds_a_holiday_for_one_country(maria):
    response = maria.post(NEW, {"date": "2026-10-03", "name": "Unity Day", "country": "DE"})

    assert response.status_code == 302
    assert response.url == LIST
    added = Holiday.objects.get()
    assert (added.date, added.name, added.country) == (dt.date(2026, 10, 3), "Unity Day", "DE")
    assert said(response) == ["Added Unity Day on Sat 3 Oct 2026 for Germany (DE)."]


def test_the_country_picker_offers_the_leads_countries_first_then_every_country(maria):
    LeadFactory.create_batch(2, country="AT")
    LeadFactory(country="US")

    form = maria.get(NEW).context["form"]

    choices = form.fields["country"].choices
    assert choices[0] == ("", "Every country")
    assert choices[1] == (
        "Where your leads are",
        [("AT", "Austria (AT): 2 leads"), ("US", "United States (US): 1 lead")],
    )
    assert choices[2][0] == "All countries" and len(choices[2][1]) > 240


def test_an_empty_country_is_a_holiday_everywhere(maria):
    maria.post(NEW, {"date": "2026-12-31", "name": "Company party", "country": ""})

    assert Holiday.objects.get().country == ""


def test_a_second_holiday_on_the_same_date_and_country_is_an_error_beside_the_date(maria):
    holiday("2026-10-03", "Tag der Deutschen Einheit", "DE")

    response = maria.post(NEW, {"date": "2026-10-03", "name": "Unity Day", "country": "DE"})

    assert response.status_code == 400
    assert error_beside(response, "date") == [
        "There is a holiday on this date for Germany (DE) already (Tag der Deutschen Einheit)."
    ]
    assert 'id="id_date_error"' in response.text
    assert Holiday.objects.count() == 1


@pytest.mark.parametrize(
    ("posted", "field"),
    [
        ({"date": "2027-02-30", "name": "Nope", "country": ""}, "date"),
        ({"date": "next friday", "name": "Nope", "country": ""}, "date"),
        ({"date": "", "name": "Nope", "country": ""}, "date"),
        ({"date": "2027-02-01", "name": "", "country": ""}, "name"),
        ({"date": "2027-02-01", "name": "x" * 101, "country": ""}, "name"),
        ({"date": "2027-02-01", "name": "Nope", "country": "ZZ"}, "country"),
        ({"date": "2027-02-01", "name": "Nope", "country": "Germany"}, "country"),
    ],
)
def test_bad_input_is_a_400_with_the_error_beside_its_field(maria, posted, field):
    response = maria.post(NEW, posted)

    assert response.status_code == 400
    assert error_beside(response, field)
    assert not Holiday.objects.exists()


def test_a_manager_edits_a_holiday(maria):
    unity = holiday("2026-10-03", "Unity Day", "DE")
    edit = reverse("holidays:edit", args=[unity.pk])
    assert maria.get(edit).context["form"].initial["name"] == "Unity Day"

    response = maria.post(edit, {"date": "2026-10-03", "name": "Tag der Einheit", "country": ""})

    assert response.status_code == 302
    unity.refresh_from_db()
    assert (unity.name, unity.country) == ("Tag der Einheit", "")


def test_an_edit_onto_a_taken_date_is_an_error_beside_the_date(maria):
    holiday("2026-12-25", "Christmas")
    boxing_day = holiday("2026-12-26", "Boxing Day")

    response = maria.post(
        reverse("holidays:edit", args=[boxing_day.pk]),
        {"date": "2026-12-25", "name": "Boxing Day", "country": ""},
    )

    assert response.status_code == 400
    assert error_beside(response, "date")
    assert Holiday.objects.get(name="Boxing Day").date == dt.date(2026, 12, 26)


def test_deleting_a_holiday_asks_first(maria):
    christmas = holiday("2026-12-25", "Christmas")
    delete = reverse("holidays:delete", args=[christmas.pk])

    asked = maria.get(delete)
    assert asked.status_code == 200
    assert "Delete the holiday" in asked.text
    assert Holiday.objects.exists()

    response = maria.post(delete)

    assert response.status_code == 302
    assert not Holiday.objects.exists()
    assert said(response) == ["Deleted Christmas on Fri 25 Dec 2026 for every country."]


def test_a_holiday_that_is_not_there_is_a_404(maria):
    assert maria.get(reverse("holidays:edit", args=[999])).status_code == 404
    assert maria.post(reverse("holidays:delete", args=[999])).status_code == 404


# A country's public holidays


def test_a_countrys_public_holidays_are_shown_before_they_are_added(maria):
    assert maria.get(PUBLIC).status_code == 200

    preview = maria.get(PUBLIC, {"country": "DE", "year": "2027"})

    assert preview.status_code == 200
    assert "Tag der Deutschen Einheit" in preview.text
    assert "9 holidays: 9 to add." in preview.text
    assert not Holiday.objects.exists()


def test_a_countrys_public_holidays_are_added_once(maria):
    holiday("2027-10-03", "Unity Day", "DE")

    first = maria.post(PUBLIC, {"country": "DE", "year": "2027"}, follow=True)
    again = maria.post(PUBLIC, {"country": "DE", "year": "2027"}, follow=True)

    assert first.redirect_chain == [(f"{LIST}?country=DE", 302)]
    assert "Added 8 public holidays of Germany (DE) in 2027; 1 was there already" in first.text
    assert "Added 0 public holidays of Germany (DE) in 2027; 9 were there already" in again.text
    assert Holiday.objects.filter(country="DE").count() == 9
    assert Holiday.objects.get(date=UNITY_DAY).name == "Unity Day"
    preview = maria.get(PUBLIC, {"country": "DE", "year": "2027"})
    assert "9 holidays: 0 to add, 9 here already" in preview.text


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"country": "ZZ", "year": "2027"}, "country"),
        ({"country": "", "year": "2027"}, "country"),
        ({"country": "DE", "year": "1800"}, "year"),
        ({"country": "DE", "year": "3000"}, "year"),
        ({"country": "DE", "year": "next"}, "year"),
        ({"country": "DE"}, "year"),
    ],
)
def test_a_bad_country_or_year_is_a_400_with_the_error_beside_it(maria, query, field):
    preview = maria.get(PUBLIC, query)
    added = maria.post(PUBLIC, query)

    assert (preview.status_code, added.status_code) == (400, 400)
    assert error_beside(preview, field) and error_beside(added, field)
    assert not Holiday.objects.exists()


# Who may


PAGES = [
    ("get", LIST),
    ("get", NEW),
    ("post", NEW),
    ("get", PUBLIC),
    ("post", PUBLIC),
    ("get", "edit"),
    ("post", "edit"),
    ("get", "delete"),
    ("post", "delete"),
]


@pytest.mark.parametrize("persona", ["rep_alice", "mailroom_max"])
@pytest.mark.parametrize(("method", "url"), PAGES)
def test_reps_and_the_mailroom_get_403(client, request, persona, method, url):
    christmas = holiday("2026-12-25", "Christmas")
    if url in ("edit", "delete"):
        url = reverse(f"holidays:{url}", args=[christmas.pk])
    client.force_login(request.getfixturevalue(persona))

    response = getattr(client, method)(url, {"date": "2026-12-25", "name": "X", "country": "DE"})

    assert response.status_code == 403
    assert Holiday.objects.get() == christmas
    assert Holiday.objects.get().name == "Christmas"


def test_a_visitor_is_sent_to_log_in(client):
    assert client.get(LIST).url.startswith(reverse("login"))


# The effect on calls


def test_a_holiday_added_on_the_page_moves_the_next_business_day_call(maria, clock, rep_alice):
    lead = CallableLeadFactory(owner=rep_alice, country="US", time_zone="America/New_York")
    friday_evening = dt.datetime(2026, 3, 13, 20, 0, tzinfo=dt.UTC)
    monday_9am, tuesday_9am = (dt.datetime(2026, 3, d, 13, 0, tzinfo=dt.UTC) for d in (16, 17))

    def next_business_day():
        week = holidays_around(dt.date(2026, 3, d) for d in range(13, 20))
        return next_business_start(friday_evening, "America/New_York", week, country="US")

    assert next_business_day() == monday_9am

    maria.post(NEW, {"date": "2026-03-16", "name": "Snow day", "country": "US"})
    clock.move_to(friday_evening)
    interaction_record(lead=lead, kind=Interaction.Kind.BOOTH_VISIT, source="test")

    assert next_business_day() == tuesday_9am
    assert Touch.objects.get(lead=lead).due_at == tuesday_9am
