import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crm import views
from crm.models import LEAD_PROFILE_FIELDS, Interaction, Lead, LeadMerge
from tests.factories import CampaignFactory, InteractionFactory, LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

LEAD_LIST = reverse("crm:lead_list")
LEAD_CREATE = reverse("crm:lead_create")


def listed_ids(response) -> list[int]:
    """The leads in the table, in page order."""
    assert response.status_code == 200, response.content
    return [int(pk) for pk in re.findall(r'<td><a href="/leads/(\d+)/">', response.text)]


def pager_link(response, rel: str) -> str | None:
    match = re.search(rf'<a href="([^"]*)"[^>]*rel="{rel}"', response.text)
    return html.unescape(match.group(1)) if match else None


def lead_urls(lead: Lead) -> list[str]:
    return [
        reverse("crm:lead_detail", args=[lead.pk]),
        reverse("crm:lead_edit", args=[lead.pk]),
        reverse("crm:lead_merge", args=[lead.pk]),
    ]


def edit_data(lead: Lead, **changes) -> dict:
    """The edit form as the page fills it for `lead`, with `changes`."""
    data = {name: getattr(lead, name) for name in ("email", *LEAD_PROFILE_FIELDS, "stage")}
    data["phone_number"] = lead.phone_raw or lead.phone
    for flag in ("do_not_call", "do_not_mail"):
        if getattr(lead, flag):
            data[flag] = "on"
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


# Signing in


def test_the_login_page_signs_a_user_in(client, rep_alice):
    assert client.get(reverse("login")).status_code == 200

    response = client.post(reverse("login"), {"username": "alice", "password": "secret-pass-123"})

    assert response.status_code == 302
    assert response.url == reverse("home")  # each role to its work: tests/test_landing.py
    assert client.get(LEAD_LIST).status_code == 200


def test_a_wrong_password_stays_on_the_login_page(client, rep_alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})

    assert response.status_code == 200
    assert "correct username and password" in response.text


@pytest.mark.parametrize("url", [LEAD_LIST, LEAD_CREATE, "/leads/1/", "/leads/1/edit/"])
def test_an_anonymous_visitor_is_sent_to_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


# Who sees which leads


def test_rep_cannot_open_another_reps_lead(alice, rep_bob):
    lead = LeadFactory(owner=rep_bob)

    for url in lead_urls(lead):
        assert alice.get(url).status_code == 404, url
    interaction_url = reverse("crm:interaction_create", args=[lead.pk])
    assert alice.post(interaction_url, {"kind": "note"}).status_code == 404
    assert alice.post(reverse("crm:lead_edit", args=[lead.pk]), edit_data(lead)).status_code == 404
    assert not Interaction.objects.exists()


def test_rep_sees_only_their_own_leads_in_the_list(alice, rep_alice, rep_bob):
    mine = LeadFactory(owner=rep_alice, last_name="Mine")
    LeadFactory(owner=rep_bob, last_name="Bobsworth", email="bobs.lead@example.com")

    assert listed_ids(alice.get(LEAD_LIST)) == [mine.pk]
    assert listed_ids(alice.get(LEAD_LIST, {"q": "Bobsworth"})) == []
    assert listed_ids(alice.get(LEAD_LIST, {"q": "bobs.lead"})) == []


def test_rep_can_open_their_own_lead(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice, first_name="Mary", last_name="Jones")

    response = alice.get(lead.get_absolute_url())

    assert response.status_code == 200
    assert "Mary Jones" in response.text


def test_managers_see_every_lead(maria, rep_alice, rep_bob):
    leads = [LeadFactory(owner=rep_alice), LeadFactory(owner=rep_bob), LeadFactory(owner=None)]

    assert sorted(listed_ids(maria.get(LEAD_LIST))) == sorted(lead.pk for lead in leads)
    for lead in leads:
        assert maria.get(lead.get_absolute_url()).status_code == 200


def test_managers_filter_the_list_by_owner(maria, rep_alice, rep_bob):
    alices = LeadFactory(owner=rep_alice)
    LeadFactory(owner=rep_bob)

    assert listed_ids(maria.get(LEAD_LIST, {"owner": rep_alice.pk})) == [alices.pk]


def test_the_mailroom_sees_no_leads(client, mailroom_max, rep_alice):
    lead = LeadFactory(owner=rep_alice)
    client.force_login(mailroom_max)

    response = client.get(LEAD_LIST)

    assert listed_ids(response) == []
    assert "No leads match." in response.text
    assert client.get(lead.get_absolute_url()).status_code == 404


# Filtering and searching the list


def test_the_list_filters_by_stage(maria):
    customer = LeadFactory(stage=Lead.Stage.CUSTOMER)
    LeadFactory(stage=Lead.Stage.NEW)

    assert listed_ids(maria.get(LEAD_LIST, {"stage": "customer"})) == [customer.pk]


def test_the_list_filters_by_campaign_as_source_or_interaction(maria):
    expo = CampaignFactory(name="Expo")
    sourced = LeadFactory(source_campaign=expo)
    visited = LeadFactory(source_campaign=CampaignFactory())
    InteractionFactory(lead=visited, campaign=expo, kind=Interaction.Kind.BOOTH_VISIT)
    InteractionFactory(lead=visited, campaign=expo, kind=Interaction.Kind.NOTE)
    LeadFactory(source_campaign=None)

    ids = listed_ids(maria.get(LEAD_LIST, {"campaign": expo.pk}))

    assert sorted(ids) == sorted([sourced.pk, visited.pk])


@pytest.mark.parametrize("country", ["DE", "de", "Germany", "Deutschland"])
def test_the_list_filters_by_country_code_or_name(maria, country):
    german = LeadFactory(country="DE")
    LeadFactory(country="US")

    assert listed_ids(maria.get(LEAD_LIST, {"country": country})) == [german.pk]


def test_an_unknown_country_lists_nobody(maria):
    LeadFactory(country="AT")

    response = maria.get(LEAD_LIST, {"country": "Atlantis"})

    assert listed_ids(response) == []
    assert "No leads match." in response.text


@pytest.mark.parametrize(
    "text", ["Jones", "mary jones", "MARY@example", "Acme", "2671", "415-555-2671"]
)
def test_the_list_searches_name_email_company_and_phone(maria, text):
    mary = LeadFactory(
        first_name="Mary",
        last_name="Jones",
        email="mary@example.com",
        company="Acme Corp",
        phone="+14155552671",
    )
    LeadFactory(first_name="Ben", last_name="Smith", company="Other", phone="+12125550100")

    assert listed_ids(maria.get(LEAD_LIST, {"q": text})) == [mary.pk]


@pytest.mark.parametrize(
    "query",
    [
        {"stage": "bogus"},
        {"campaign": "abc"},
        {"campaign": "999999"},
        {"owner": "abc"},
        {"sort": "shoe-size"},
    ],
)
def test_an_invalid_filter_choice_answers_400_with_the_form(maria, query):
    LeadFactory()

    response = maria.get(LEAD_LIST, query)

    assert response.status_code == 400
    assert 'class="error"' in response.text


@pytest.mark.parametrize(
    "query",
    [
        {"after": "abc"},
        {"after": "-5"},
        {"after": "²"},
        {"before": "1.5"},
        {"after": "99999999999999999999999"},
        {"country": "Atlantis"},
        {"q": "%_'\"\\"},
    ],
)
def test_bad_paging_or_filter_values_answer_without_an_error(maria, query):
    LeadFactory()

    response = maria.get(LEAD_LIST, query)

    assert response.status_code == 200


def test_the_list_walks_pages_forward_and_back(maria):
    now = timezone.now()
    # Some share a last activity, so the id breaks ties.
    for i in range(120):
        LeadFactory(last_activity_at=now - timedelta(minutes=i // 3))
    assert views.PAGE_SIZE == 50

    first = maria.get(LEAD_LIST)
    second = maria.get(LEAD_LIST + pager_link(first, "next"))
    third = maria.get(LEAD_LIST + pager_link(second, "next"))
    pages = [listed_ids(first), listed_ids(second), listed_ids(third)]

    assert [len(page) for page in pages] == [50, 50, 20]
    walked = [pk for page in pages for pk in page]
    expected = Lead.objects.order_by("-last_activity_at", "-id").values_list("pk", flat=True)
    assert walked == list(expected)
    assert pager_link(first, "prev") is None
    assert pager_link(third, "next") is None
    back = maria.get(LEAD_LIST + pager_link(third, "prev"))
    assert listed_ids(back) == pages[1]
    back_again = maria.get(LEAD_LIST + pager_link(back, "prev"))
    assert listed_ids(back_again) == pages[0]
    assert pager_link(back_again, "prev") is None


def test_paging_keeps_the_filter(maria):
    for _ in range(55):
        LeadFactory(stage=Lead.Stage.WORKING)
    LeadFactory(stage=Lead.Stage.NEW)

    first = maria.get(LEAD_LIST, {"stage": "working"})
    second = maria.get(LEAD_LIST + pager_link(first, "next"))

    assert "stage=working" in pager_link(first, "next")
    assert (len(listed_ids(first)), len(listed_ids(second))) == (50, 5)


def test_an_htmx_request_gets_only_the_table(maria):
    lead = LeadFactory()

    response = maria.get(LEAD_LIST, headers={"HX-Request": "true"})

    assert listed_ids(response) == [lead.pk]
    assert "<html" not in response.text


def test_the_list_page_runs_a_bounded_number_of_queries(
    maria, rep_alice, rep_bob, django_assert_max_num_queries
):
    campaign = CampaignFactory()
    for i in range(60):
        LeadFactory(owner=(rep_alice, rep_bob)[i % 2], source_campaign=campaign)

    # session, user, roles, page, count, 2 x permissions, owner and campaign choices
    with django_assert_max_num_queries(9):
        response = maria.get(LEAD_LIST)

    assert len(listed_ids(response)) == 50


def test_the_filtered_list_runs_a_bounded_number_of_queries(
    alice, rep_alice, django_assert_max_num_queries
):
    campaign = CampaignFactory()
    leads = LeadFactory.create_batch(60, owner=rep_alice, country="DE", stage="working")
    InteractionFactory(lead=leads[0], campaign=campaign)
    page = alice.get(LEAD_LIST, {"stage": "working", "country": "Germany"})
    query = {"stage": "working", "country": "Germany", "after": listed_ids(page)[-1]}

    # as the full list, with the page anchor instead of the owner choices (a rep has none)
    with django_assert_max_num_queries(9):
        response = alice.get(LEAD_LIST, query)

    assert len(listed_ids(response)) == 10


# The lead page


def test_the_lead_page_shows_the_timeline_newest_first(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice)
    now = timezone.now()
    InteractionFactory(lead=lead, notes="Older note", occurred_at=now - timedelta(days=2))
    InteractionFactory(lead=lead, notes="Newer note", occurred_at=now - timedelta(days=1))

    text = alice.get(lead.get_absolute_url()).text

    assert text.index("Newer note") < text.index("Older note")


def test_the_timeline_names_an_app_event(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice)
    InteractionFactory(lead=lead, kind=Interaction.Kind.APP_EVENT, data={"name": "project_created"})

    text = alice.get(lead.get_absolute_url()).text

    assert '<strong class="sentence">In the app: project_created</strong>' in text


def test_the_lead_page_heading_gives_the_name_with_its_prefix_and_suffix(alice, rep_alice):
    name = {
        "name_prefix": "Dr.",
        "first_name": "Anna",
        "last_name": "Schmidt",
        "name_suffix": "PhD",
    }
    lead = LeadFactory(owner=rep_alice, **name)

    text = alice.get(lead.get_absolute_url()).text

    assert "<h1>Dr. Anna Schmidt, PhD</h1>" in text
    assert "<title>Dr. Anna Schmidt, PhD" in text


def test_the_lead_page_heading_of_a_lead_without_a_name_is_its_email(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice, name_prefix="Dr.", first_name="", last_name="")

    assert f"<h1>{lead.email}</h1>" in alice.get(lead.get_absolute_url()).text


def test_the_lead_page_runs_a_bounded_number_of_queries(
    maria, rep_alice, django_assert_max_num_queries
):
    lead = LeadFactory(owner=rep_alice, phone="+14155552671")
    LeadFactory(phone="+14155552671")  # a possible duplicate
    campaigns = CampaignFactory.create_batch(3)
    for i in range(30):
        InteractionFactory(lead=lead, user=rep_alice, campaign=campaigns[i % 3], notes=f"n{i}")

    # session, user, roles, lead, timeline, upcoming touches, duplicates,
    # 2 x permissions, campaign choices, score breakdown, and the cadences section
    # (followups: the lead's enrolments, the cadences to enrol them in), and
    # the calling hours and holidays for the warning outside them (kept a minute),
    # and the lead's history (crm.audit)
    with django_assert_max_num_queries(16):
        response = maria.get(lead.get_absolute_url())

    assert response.text.count('class="timeline-item') == 30


# Editing


def test_editing_reads_the_phone_in_the_leads_country(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice, country="GB", time_zone="Europe/London")

    response = alice.post(
        reverse("crm:lead_edit", args=[lead.pk]), edit_data(lead, phone_number="020 7946 0958")
    )

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.phone, lead.phone_raw) == ("+442079460958", "020 7946 0958")
    assert "+442079460958" in alice.get(lead.get_absolute_url()).text


def test_the_edit_form_shows_the_name_prefix_and_suffix_around_the_name(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice, name_prefix="Prof. Dr.", name_suffix="MBA")

    text = alice.get(reverse("crm:lead_edit", args=[lead.pk])).text

    fields = [text.index(f'name="{name}"') for name in LEAD_PROFILE_FIELDS[:4]]
    assert fields == sorted(fields)  # prefix, first name, last name, suffix
    assert 'name="name_prefix" value="Prof. Dr."' in text
    assert 'name="name_suffix" value="MBA"' in text


def test_editing_changes_the_name_prefix_and_suffix(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice, name_prefix="Ms", name_suffix="")

    response = alice.post(
        reverse("crm:lead_edit", args=[lead.pk]),
        edit_data(lead, name_prefix="Dr.", name_suffix="PhD"),
    )

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.name_prefix, lead.name_suffix) == ("Dr.", "PhD")


def test_editing_with_an_invalid_phone_answers_400_and_changes_nothing(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice, first_name="Mary", phone="+14155552671")

    response = alice.post(
        reverse("crm:lead_edit", args=[lead.pk]),
        edit_data(lead, first_name="Changed", phone_number="12"),
    )

    assert response.status_code == 400
    assert "“12” is not a valid phone number." in response.text
    lead.refresh_from_db()
    assert (lead.first_name, lead.phone) == ("Mary", "+14155552671")


def test_editing_to_another_leads_email_answers_400(alice, rep_alice):
    LeadFactory(email="taken@example.com")
    lead = LeadFactory(owner=rep_alice, email="mine@example.com")

    response = alice.post(
        reverse("crm:lead_edit", args=[lead.pk]), edit_data(lead, email="TAKEN@example.com")
    )

    assert response.status_code == 400
    assert "already exists" in response.text
    lead.refresh_from_db()
    assert lead.email == "mine@example.com"


def test_the_email_opt_out_checkbox_unsubscribes(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice, email_consent=Lead.EmailConsent.CONFIRMED)

    alice.post(reverse("crm:lead_edit", args=[lead.pk]), edit_data(lead, email_opt_out="on"))

    lead.refresh_from_db()
    assert lead.email_consent == Lead.EmailConsent.UNSUBSCRIBED
    assert "marked by alice" in alice.get(lead.get_absolute_url()).text


def test_unticking_the_opt_out_does_not_resubscribe(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice, email_consent=Lead.EmailConsent.UNSUBSCRIBED)

    alice.post(reverse("crm:lead_edit", args=[lead.pk]), edit_data(lead))

    lead.refresh_from_db()
    assert lead.email_consent == Lead.EmailConsent.UNSUBSCRIBED


def test_a_rep_cannot_give_their_lead_away(alice, rep_alice, rep_bob):
    lead = LeadFactory(owner=rep_alice)

    alice.post(reverse("crm:lead_edit", args=[lead.pk]), edit_data(lead, owner=rep_bob.pk))

    lead.refresh_from_db()
    assert lead.owner == rep_alice


# Creating


def create_data(**fields) -> dict:
    """The new-lead form as a browser sends it: the stage select starts at New."""
    return {"stage": Lead.Stage.NEW, **fields}


def test_a_rep_adds_a_lead_they_then_own(alice, rep_alice):
    response = alice.post(
        LEAD_CREATE,
        create_data(
            first_name="Mary", email="mary@example.com", phone_number="(415) 555-2671 ext. 23"
        ),
    )

    lead = Lead.objects.get()
    assert response.status_code == 302
    assert response.url == lead.get_absolute_url()
    assert lead.owner == rep_alice
    assert (lead.phone, lead.phone_raw, lead.phone_ext) == (
        "+14155552671",
        "(415) 555-2671 ext. 23",
        "23",
    )
    assert "Mary was added." in alice.get(response.url).text


def test_a_new_lead_keeps_what_the_person_asked_us_not_to_do(alice):
    alice.post(
        LEAD_CREATE,
        create_data(
            email="mary@example.com", do_not_call="on", do_not_mail="on", email_opt_out="on"
        ),
    )

    lead = Lead.objects.get()
    assert (lead.do_not_call, lead.do_not_mail) == (True, True)
    assert lead.email_consent == Lead.EmailConsent.UNSUBSCRIBED
    assert lead.email_consent_method == "marked by alice"


def test_a_national_phone_on_a_new_lead_is_read_in_its_country(alice):
    alice.post(LEAD_CREATE, create_data(phone_number="030 1234567", country="DE"))

    lead = Lead.objects.get()
    assert (lead.phone, lead.time_zone) == ("+49301234567", "Europe/Berlin")


def test_creating_an_existing_email_opens_that_lead_for_a_manager(maria, rep_bob):
    lead = LeadFactory(owner=rep_bob, email="mary@example.com", company="")

    response = maria.post(
        LEAD_CREATE, create_data(email="Mary@Example.com", company="Acme"), follow=True
    )

    assert response.redirect_chain == [(lead.get_absolute_url(), 302)]
    assert "was already a lead" in response.text
    assert Lead.objects.count() == 1
    lead.refresh_from_db()
    assert lead.company == "Acme"


def test_creating_another_reps_lead_tells_the_rep_and_changes_nothing(alice, rep_bob):
    lead = LeadFactory(owner=rep_bob, email="mary@example.com", company="")

    response = alice.post(
        LEAD_CREATE,
        create_data(email="mary@example.com", company="Acme", do_not_call="on"),
    )

    assert response.status_code == 400
    assert "already a lead of another rep" in response.text
    assert 'value="Acme"' in response.text  # what was typed stays on the form
    assert f"/leads/{lead.pk}/" not in response.text
    lead.refresh_from_db()
    assert (lead.company, lead.owner, lead.do_not_call) == ("", rep_bob, False)


def test_the_mailroom_cannot_add_leads(client, mailroom_max):
    client.force_login(mailroom_max)

    assert "New lead" not in client.get(LEAD_LIST).text
    assert client.get(LEAD_CREATE).status_code == 403
    assert client.post(LEAD_CREATE, create_data(email="mary@example.com")).status_code == 403
    assert not Lead.objects.exists()


def test_creating_without_email_or_phone_answers_400(alice):
    response = alice.post(LEAD_CREATE, create_data(first_name="Nobody"))

    assert response.status_code == 400
    assert "Give an email address or a phone number." in response.text
    assert not Lead.objects.exists()


# Logging interactions


def interaction_data(**changes) -> dict:
    when = timezone.localtime() - timedelta(hours=1)
    data = {"kind": "call", "occurred_at": when.strftime("%Y-%m-%dT%H:%M"), "notes": ""}
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def test_logging_an_interaction_adds_it_to_the_timeline(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice, stage=Lead.Stage.NEW)
    url = reverse("crm:interaction_create", args=[lead.pk])

    response = alice.post(url, interaction_data(notes="Talked about pricing"))

    assert response.status_code == 302
    assert response.url == lead.get_absolute_url()
    page = alice.get(lead.get_absolute_url()).text
    assert "Talked about pricing" in page
    assert "by Alice Rep" in page
    assert "Working" in page  # a first call starts work


def test_logging_an_interaction_with_htmx_answers_the_new_timeline_item(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice)
    url = reverse("crm:interaction_create", args=[lead.pk])

    response = alice.post(
        url, interaction_data(notes="Left a voicemail"), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert "Left a voicemail" in response.text
    assert 'hx-swap-oob="afterbegin:#timeline"' in response.text
    assert "<html" not in response.text
    assert "Left a voicemail" in alice.get(lead.get_absolute_url()).text


def test_the_outcome_is_one_select_with_each_kinds_outcomes_in_a_group(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice)

    page = alice.get(lead.get_absolute_url()).text

    select = re.search(r'<select name="outcome"[^>]*>(.*?)</select>', page, re.S)
    groups = re.findall(r'<optgroup label="([^"]*)">', select.group(1))
    assert groups == ["Call", "Meeting", "Support call"]
    assert '<option value="interested" data-kind="call">Connected: interested</option>' in page
    assert '<option value="no_show" data-kind="meeting">No-show</option>' in page
    assert 'data-outcome-for="kind"' in select.group(0)
    assert "js/interaction_form.js" in page  # offers only the chosen kind's outcomes


@pytest.mark.parametrize(
    ("kind", "outcome", "sentence"),
    [
        ("call", "interested", "Called and reached them: interested"),
        ("meeting", "held", "Met them"),
    ],
)
def test_logging_an_outcome_stores_its_code_and_tells_it(alice, rep_alice, kind, outcome, sentence):
    lead = LeadFactory(owner=rep_alice)
    url = reverse("crm:interaction_create", args=[lead.pk])

    response = alice.post(
        url, interaction_data(kind=kind, outcome=outcome), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    interaction = lead.interactions.get()
    assert interaction.outcome == outcome
    assert f'<strong class="sentence">{sentence}</strong>' in response.text


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"occurred_at": "2999-01-01T10:00"}, "already happened"),
        ({"kind": None}, "This field is required."),
        ({"kind": "email_opened"}, "Select a valid choice."),
        ({"occurred_at": "yesterday"}, "Enter a valid date/time."),
        ({"outcome": "teleported"}, "Select a valid choice."),
        (
            {"kind": "meeting", "outcome": "interested"},
            "“Connected: interested” is not an outcome of a meeting",
        ),
        ({"kind": "note", "outcome": "held"}, "“Meeting held” is not an outcome of a note"),
    ],
)
def test_an_invalid_interaction_answers_400_with_the_form_errors(
    alice, rep_alice, changes, message, htmx
):
    lead = LeadFactory(owner=rep_alice, first_name="Mary", last_name="Jones")
    url = reverse("crm:interaction_create", args=[lead.pk])
    headers = {"HX-Request": "true"} if htmx else {}

    response = alice.post(url, interaction_data(notes="x", **changes), headers=headers)

    assert response.status_code == 400
    assert message in response.text
    assert not Interaction.objects.exists()


def test_an_invalid_interaction_without_htmx_shows_the_whole_lead_page(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice, first_name="Mary", last_name="Jones")
    InteractionFactory(lead=lead, notes="Earlier note")
    url = reverse("crm:interaction_create", args=[lead.pk])

    response = alice.post(url, interaction_data(kind=None))

    assert response.status_code == 400
    assert "<h1>Mary Jones</h1>" in response.text
    assert "Earlier note" in response.text


# Merging


def test_a_manager_merges_a_duplicate_through_the_merge_page(maria, manager_maria, rep_alice):
    lead = LeadFactory(owner=rep_alice, first_name="Mary", last_name="Jones", phone="")
    duplicate = LeadFactory(first_name="Maria", last_name="Jones", phone="+14155552671")
    InteractionFactory(lead=duplicate, notes="Visited the booth")
    url = reverse("crm:lead_merge", args=[lead.pk])

    compare = maria.get(url, {"duplicate": duplicate.pk})

    assert compare.status_code == 200
    assert "Maria Jones" in compare.text
    assert "(415) 555-2671" in compare.text  # grouped, national for a US viewer
    assert Lead.objects.filter(pk=duplicate.pk).exists()  # looking changes nothing

    response = maria.post(url, {"duplicate": duplicate.pk})

    assert response.status_code == 302
    assert response.url == lead.get_absolute_url()
    assert not Lead.objects.filter(pk=duplicate.pk).exists()
    assert maria.get(duplicate.get_absolute_url()).status_code == 404
    page = maria.get(lead.get_absolute_url()).text
    assert "Visited the booth" in page
    assert f"Merged lead #{duplicate.pk}" in page
    assert "+14155552671" in page
    assert LeadMerge.objects.get().merged_by == manager_maria


def test_merging_fills_the_name_prefix_the_merge_page_showed(maria):
    lead = LeadFactory(name_prefix="", first_name="Anna", last_name="Schmidt")
    duplicate = LeadFactory(name_prefix="Dr.", first_name="Anna", last_name="Schmidt")
    url = reverse("crm:lead_merge", args=[lead.pk])

    compare = maria.get(url, {"duplicate": duplicate.pk}).text

    assert "<td>Anna Schmidt</td><td>Dr. Anna Schmidt</td>" in compare
    maria.post(url, {"duplicate": duplicate.pk})
    assert "<h1>Dr. Anna Schmidt</h1>" in maria.get(lead.get_absolute_url()).text


def test_the_lead_page_offers_a_manager_to_merge_a_possible_duplicate(maria):
    lead = LeadFactory(phone="+14155552671")
    duplicate = LeadFactory(phone="+14155552671")

    page = maria.get(lead.get_absolute_url()).text

    merge_url = reverse("crm:lead_merge", args=[lead.pk])
    assert f"{merge_url}?duplicate={duplicate.pk}" in page


def test_merging_a_lead_into_itself_answers_400(maria):
    lead = LeadFactory()
    url = reverse("crm:lead_merge", args=[lead.pk])

    response = maria.post(url, {"duplicate": lead.pk})

    assert response.status_code == 400
    assert "cannot be merged with itself" in response.text
    assert Lead.objects.filter(pk=lead.pk).exists()


def test_merging_a_lead_that_does_not_exist_answers_404(maria):
    lead = LeadFactory()

    response = maria.post(reverse("crm:lead_merge", args=[lead.pk]), {"duplicate": 999999})

    assert response.status_code == 404


def test_a_rep_may_not_open_the_merge_page(alice, rep_alice):
    lead, other = LeadFactory(owner=rep_alice), LeadFactory(owner=rep_alice)
    url = reverse("crm:lead_merge", args=[lead.pk])

    assert alice.get(url).status_code == 403
    assert alice.post(url, {"duplicate": other.pk}).status_code == 403
    assert Lead.objects.filter(pk=other.pk).exists()


def test_a_rep_does_not_see_the_merge_link(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice)

    assert "/merge/" not in alice.get(lead.get_absolute_url()).text


def test_a_superuser_without_a_role_can_merge(client):
    boss = UserFactory(username="boss", is_superuser=True, is_staff=True)
    lead, duplicate = LeadFactory(), LeadFactory()
    client.force_login(boss)

    response = client.post(reverse("crm:lead_merge", args=[lead.pk]), {"duplicate": duplicate.pk})

    assert response.status_code == 302
    assert not Lead.objects.filter(pk=duplicate.pk).exists()


def test_moving_a_lead_to_another_country_derives_its_time_zone_again(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice, country="US", region="NY", time_zone="America/New_York")

    response = alice.post(
        reverse("crm:lead_edit", args=[lead.pk]),
        edit_data(lead, country="DE", region="", phone_number="030 1234567"),
    )

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.phone, lead.time_zone) == ("+49301234567", "Europe/Berlin")


def test_a_time_zone_chosen_by_hand_is_kept_when_the_address_changes(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice, country="US", region="NY", time_zone="America/New_York")

    alice.post(
        reverse("crm:lead_edit", args=[lead.pk]),
        edit_data(lead, region="CA", time_zone="America/Chicago"),
    )

    lead.refresh_from_db()
    assert lead.time_zone == "America/Chicago"


def test_a_new_lead_starts_as_new_whatever_the_form_says(alice):
    response = alice.post(
        LEAD_CREATE, {"first_name": "Nia", "email": "nia@example.com", "stage": "customer"}
    )

    assert response.status_code == 302
    assert Lead.objects.get(email="nia@example.com").stage == Lead.Stage.NEW


def test_the_merge_page_refuses_to_compare_a_lead_with_itself(maria):
    lead = LeadFactory()

    response = maria.get(reverse("crm:lead_merge", args=[lead.pk]), {"duplicate": lead.pk})

    assert response.status_code == 400
    assert "cannot be merged with itself" in response.text


def test_a_cursor_on_another_reps_lead_starts_the_list_over(alice, rep_alice, rep_bob):
    own = LeadFactory(owner=rep_alice)
    hidden = LeadFactory(owner=rep_bob)

    response = alice.get(LEAD_LIST, {"after": hidden.pk, "sort": "newest"})

    assert listed_ids(response) == [own.pk]


def test_an_invalid_filter_from_htmx_answers_400_with_the_table_fragment_only(maria):
    response = maria.get(LEAD_LIST, {"stage": "bogus"}, headers={"HX-Request": "true"})

    assert response.status_code == 400
    assert "Check the filters" in response.text
    assert "<html" not in response.text


# Other contacts


@pytest.fixture
def lead_with_a_work_phone(rep_alice):
    lead = LeadFactory(owner=rep_alice, phone="+14155552671", phone_invalid=True)
    lead.contact_points.create(
        kind="phone", value="+14155550100", raw="(415) 555-0100", label="Work"
    )
    lead.contact_points.create(kind="email", value="old@example.org", label="Email")
    lead.other_contacts = "+14155550100 old@example.org"
    lead.save()
    return lead


def test_a_rep_makes_another_number_the_main_one_and_keeps_the_old(alice, lead_with_a_work_phone):
    lead = lead_with_a_work_phone
    work = lead.contact_points.get(kind="phone")

    response = alice.post(reverse("crm:contact_point_make_main", args=[lead.pk, work.pk]))

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.phone, lead.phone_raw, lead.phone_invalid) == (
        "+14155550100",
        "(415) 555-0100",
        False,
    )
    assert list(lead.contact_points.values_list("kind", "value", "label")) == [
        ("email", "old@example.org", "Email"),
        ("phone", "+14155552671", "Earlier main phone"),
    ]
    assert lead.other_contacts == "+14155552671 old@example.org"


def test_a_rep_removes_a_wrong_address_from_the_lead(alice, lead_with_a_work_phone):
    lead = lead_with_a_work_phone
    old = lead.contact_points.get(kind="email")

    alice.post(reverse("crm:contact_point_remove", args=[lead.pk, old.pk]))

    lead.refresh_from_db()
    assert list(lead.contact_points.values_list("value", flat=True)) == ["+14155550100"]
    assert lead.other_contacts == "+14155550100"
    assert "mailto:old@example.org" not in alice.get(lead.get_absolute_url()).text


def test_an_email_cannot_be_made_the_main_one_this_way(alice, lead_with_a_work_phone):
    lead = lead_with_a_work_phone
    old = lead.contact_points.get(kind="email")

    response = alice.post(reverse("crm:contact_point_make_main", args=[lead.pk, old.pk]))

    assert response.status_code == 404


def test_a_rep_cannot_touch_another_reps_leads_contacts(client, rep_bob, lead_with_a_work_phone):
    client.force_login(rep_bob)
    lead = lead_with_a_work_phone
    work = lead.contact_points.get(kind="phone")

    for name in ("crm:contact_point_make_main", "crm:contact_point_remove"):
        assert client.post(reverse(name, args=[lead.pk, work.pk])).status_code == 404
    assert (
        client.post(reverse("crm:contact_point_remove", args=[lead.pk, 999999])).status_code == 404
    )
    assert lead.contact_points.count() == 2


def test_changing_contacts_takes_a_post(alice, lead_with_a_work_phone):
    lead = lead_with_a_work_phone
    work = lead.contact_points.get(kind="phone")

    assert (
        alice.get(reverse("crm:contact_point_remove", args=[lead.pk, work.pk])).status_code == 405
    )
