"""Each interaction told in a sentence a person would say (crm.sentences), from
data as each way in records it: website beacons, booth lists as badge scanners
export them, the mailings' sends, opens, clicks and letters, the reps' calls."""

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command

from crm.models import Interaction, Lead
from crm.selectors import lead_timeline
from crm.tracking.models import Site
from crm.tracking.services import carts_abandon
from tests.booth_lists import import_booth_list
from tests.crm.tracking.conftest import ORIGIN, Browser
from tests.factories import CampaignFactory, InteractionFactory, LeadFactory

pytestmark = pytest.mark.django_db

Kind = Interaction.Kind
BOOTH = Path(__file__).resolve().parents[2] / "fixtures" / "imports" / "booth"


def sentences(lead: Lead) -> list[str]:
    """The lead's timeline, oldest first, as the lead page says it."""
    return [item.described.sentence for item in reversed(lead_timeline(lead))]


def told(**fields) -> str:
    return InteractionFactory(**fields).described.sentence


# The website, through the snippet's beacons


@pytest.fixture
def shop_browser(client):
    cache.clear()  # the beacons' rate limits
    site = Site.objects.create(name="Acme shop", origins=f"https://www.acme.example\n{ORIGIN}")
    browser = Browser(client, site, origin="https://www.acme.example")
    browser.sent("identify", email="ada@example.com", first_name="Ada")
    return browser


def test_web_visits_say_which_page_they_read_on_which_site(shop_browser):
    pricing = shop_browser.sent("page_view", path="/pricing", title="Pricing")
    shop_browser.sent("page_time", page=pricing, seconds=185)
    shop_browser.sent("page_view", path="/security")

    assert sentences(Lead.objects.get()) == [
        "Read “Pricing” (/pricing) on acme.example for 3 minutes",
        "Visited /security on acme.example",
    ]


def test_an_abandoned_cart_says_its_items_and_amount(shop_browser):
    for product, value in (("Widget Pro", "599.50"), ("Widget Pro", "599.50"), ("Cable", "50")):
        shop_browser.sent(
            "cart_add", path="/shop", cart_id="c-7", value=value, product=product, currency="EUR"
        )
    carts_abandon(now=dt.datetime.now(dt.UTC) + dt.timedelta(days=1))

    told = sentences(Lead.objects.get())

    assert told[0] == "Added Widget Pro to a cart — €599.50"
    assert told[-1] == "Left a cart: 2 × Widget Pro, 1 × Cable — €1,249.00"  # noqa: RUF001 (the sign people read)


def test_a_checkout_and_a_purchase_in_dollars(shop_browser):
    shop_browser.sent("cart_add", cart_id="c1", value="89.90", product="Boots", currency="USD")
    shop_browser.sent("checkout_started", cart_id="c1", value="89.90")
    shop_browser.sent("purchase", cart_id="c1", value="89.90", currency="USD", product="Boots")

    assert sentences(Lead.objects.get())[1:] == [
        "Started checkout: 1 × Boots — $89.90",  # noqa: RUF001 (the sign people read)
        "Bought Boots — $89.90",
    ]


def test_a_download_names_the_content(shop_browser):
    shop_browser.sent("content_download", path="/library", content="zero-touch-onboarding")

    assert sentences(Lead.objects.get()) == ["Downloaded “Zero touch onboarding”"]


def test_a_download_with_its_title_says_the_title():
    data = {"content": "white-paper-2026", "title": "Zero-touch onboarding"}

    assert told(kind=Kind.CONTENT_DOWNLOAD, data=data) == "Downloaded “Zero-touch onboarding”"


# Booth lists, as badge scanners export them


def import_scans(path: Path, *args: str) -> None:
    call_command(
        "import_leads", str(path), "--event", "Hannover Messe 2026", *args, stdout=StringIO()
    )


def test_a_booth_visit_says_the_event_the_latest_rating_the_notes_and_the_answers():
    import_scans(BOOTH / "badge-scanner-scanned-twice.csv", "--country", "DE")

    visit = lead_timeline(Lead.objects.get(email="anna.schmidt@siemens-energy.example"))[0]

    assert visit.described.sentence == "Visited the booth at Hannover Messe 2026, rated hot"
    assert visit.described.note == "Picked up brochure\nCame back with her CTO, wants a quote"
    assert visit.described.answers == (
        ("Interested in", "Line scanners, service contract"),
        ("Timeline", "Q2"),
    )


def test_a_booth_visit_without_a_rating_leaves_it_out(tmp_path):
    import_booth_list(tmp_path)

    visit = lead_timeline(Lead.objects.get(email="max@quanta.example"))[0]

    assert (visit.described.sentence, visit.described.note) == (
        "Visited the booth at Expo 2026",
        "",
    )
    assert visit.described.answers == ()  # a badge id is not something they said


def test_a_vendors_rating_and_questions_are_kept(tmp_path):
    vendors = BOOTH.parent / "vendors" / "bizzabo-lead-retrieval.csv"
    import_scans(vendors)

    visit = lead_timeline(Lead.objects.get(email="giulia.rossi@fabrikam.example"))[0]

    assert visit.described.sentence == "Visited the booth at Hannover Messe 2026, rated hot"
    assert ("Interested in", "Badge scanning; Letters") in visit.described.answers


# Emails and letters, as mailings records them


def test_emails_say_their_subject_and_the_link_clicked():
    lead = LeadFactory()
    sent = {"outbox": 1, "cadence": "Expo follow-up", "step": 1, "variant": "", "personal": False}
    for kind, data in (
        (Kind.EMAIL_SENT, sent),
        (Kind.EMAIL_OPENED, {"outbox": 1}),
        (Kind.EMAIL_CLICKED, {"outbox": 1, "url": "https://www.acme.example/pricing/"}),
    ):
        InteractionFactory(lead=lead, kind=kind, data=data, notes="Your quote from Acme")

    assert sentences(lead)[-3:] == [
        "Sent the email “Your quote from Acme”",
        "Opened the email “Your quote from Acme”",
        "Clicked acme.example/pricing in the email “Your quote from Acme”",
    ]
    assert all(item.described.note == "" for item in lead_timeline(lead))  # said once


def test_a_personal_email_and_a_bounce():
    assert (
        told(kind=Kind.EMAIL_SENT, data={"personal": True}, notes="Our call")
        == "Sent a personal email “Our call”"
    )
    assert (
        told(kind=Kind.EMAIL_BOUNCED, outcome="hard")
        == "An email to them bounced (hard bounce: the address does not exist)"
    )


def test_a_letter_names_its_template_and_run():
    data = {"print_run": 4, "template": "welcome", "template_name": "Welcome pack"}
    data["run_name"] = "March leads"
    notes = "Welcome pack (March leads)"

    assert (
        told(kind=Kind.LETTER_MAILED, data=data, notes=notes)
        == "Mailed the letter “Welcome pack” (print run March leads)"
    )
    # Mailed before the letter's data named its template: the notes say it.
    assert (
        told(kind=Kind.LETTER_MAILED, notes=notes) == "Mailed a letter: Welcome pack (March leads)"
    )


# Calls and the rest


@pytest.mark.parametrize(
    ("outcome", "sentence"),
    [
        ("interested", "Called and reached them: interested"),
        ("voicemail", "Called and left a voicemail"),
        ("no_answer", "Called: no answer"),
        ("call_back", "Called: they asked to be called back"),
        ("Rang, a fax answered", "Called — Rang, a fax answered"),
        ("", "Called"),
    ],
)
def test_a_call_says_its_outcome(outcome, sentence):
    assert told(kind=Kind.CALL, outcome=outcome) == sentence


def test_a_calls_notes_are_shown_beside_the_sentence():
    call = InteractionFactory(kind=Kind.CALL, outcome="interested", notes="Needs 40 seats")

    assert call.described.note == "Needs 40 seats"


def test_a_giveaway_entry_names_the_giveaway_and_prize():
    giveaway = CampaignFactory(name="Spring giveaway")
    entry = told(kind=Kind.GIVEAWAY_ENTRY, campaign=giveaway, data={"prize": "A year of Pro"})

    assert entry == "Entered the giveaway Spring giveaway (prize: A year of Pro)"


@pytest.mark.parametrize("kind", Kind.values)
def test_no_data_still_makes_a_sentence_without_holes(kind):
    interaction = InteractionFactory(kind=kind, data={"title": None, "value": None, "extra": []})

    sentence = interaction.described.sentence
    assert sentence and sentence[0].isupper()
    assert not any(hole in sentence for hole in ("None", "“”", "()", " on ", " — ", "  "))


def test_odd_data_shapes_do_not_break_the_sentence():
    data = {"value": "lots", "currency": "XXQ", "seconds": "long", "cart_id": ["c"]}

    assert told(kind=Kind.CART_ABANDONED, data=data) == "Left a cart without buying"
    assert told(kind=Kind.CART_ADD, data={"value": "12.5", "currency": "XXQ"}) == (
        "Added to a cart — 12.50 XXQ"
    )


def test_a_long_timeline_is_told_in_three_queries(shop_browser, django_assert_max_num_queries):
    for n in range(10):
        shop_browser.sent("page_view", path=f"/page-{n}", title=f"Page {n}")
        shop_browser.sent("cart_add", cart_id=f"c{n}", value="10", product="Sock", currency="EUR")
    carts_abandon(now=dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    lead = Lead.objects.get()
    for kind in (Kind.BOOTH_VISIT, Kind.CALL, Kind.EMAIL_CLICKED):
        InteractionFactory.create_batch(5, lead=lead, kind=kind, campaign=CampaignFactory())

    # the interactions, the carts' additions, the visitors' sites
    with django_assert_max_num_queries(3):
        timeline = lead_timeline(lead)
        told = [item.described.sentence for item in timeline]

    assert len(told) == 45
    assert told.count("Left a cart: 1 × Sock — €10.00") == 10  # noqa: RUF001 (the sign people read)


def test_time_on_a_page_without_its_title():
    visit = InteractionFactory(kind=Kind.WEB_VISIT, path="/a", data={"seconds": 45})

    assert lead_timeline(visit.lead)[0].described.sentence == "Visited /a for 45 seconds"


# On the lead page


def test_the_lead_page_tells_each_row_in_a_bounded_number_of_queries(
    shop_browser, maria, django_assert_max_num_queries
):
    for n in range(5):
        shop_browser.sent("page_view", path=f"/page-{n}", title=f"Page {n}")
        shop_browser.sent("cart_add", cart_id=f"c{n}", value="10", product="Sock", currency="EUR")
    carts_abandon(now=dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    lead = Lead.objects.get()
    InteractionFactory(
        lead=lead,
        kind=Kind.BOOTH_VISIT,
        campaign=CampaignFactory(name="Expo 2026"),
        notes="Needs 40 seats before Q3",
        data={"rating": "Hot", "extra": {"What is your timeline?": "This quarter"}},
    )

    # The page's 13 (tests/crm/views/test_lead_page.py), and the carts' additions and the
    # visitors' sites for the whole timeline.
    with django_assert_max_num_queries(15):
        response = maria.get(lead.get_absolute_url())

    text = response.text
    assert text.count('<strong class="sentence">Read “Page') == 5
    assert "Read “Page 4” (/page-4) on acme.example" in text
    assert text.count("Left a cart: 1 × Sock — €10.00") == 5  # noqa: RUF001 (the sign people read)
    assert "Visited the booth at Expo 2026, rated hot" in text
    assert "<dt>What is your timeline?</dt><dd>This quarter</dd>" in text
    timeline = text[text.index('id="timeline"') :]
    assert "None" not in timeline[: timeline.index("</ol>")]
