"""The manager's website pages at /settings/websites/: who may open them, the
list and its numbers, a site's snippet and latest events, and turning tracking
off and on."""

import datetime as dt
import html

import pytest
from django.urls import reverse

from crm.tracking.models import Site
from tests.crm.tracking.conftest import NOW, ORIGIN, Browser
from tests.crm.tracking.sites.pages import (
    BLOG,
    LIST,
    NEW,
    detail_url,
    edit_url,
    messages_of,
    rows,
    toggle_url,
)

# Who may


def site_urls(site: Site) -> list[tuple[str, str]]:
    return [
        ("get", LIST),
        ("get", NEW),
        ("post", NEW),
        ("get", detail_url(site)),
        ("get", edit_url(site)),
        ("post", edit_url(site)),
        ("post", toggle_url(site)),
    ]


@pytest.mark.parametrize("persona", ["rep_alice", "mailroom_max"])
def test_website_pages_are_for_managers_only(client, shop, persona, request):
    client.force_login(request.getfixturevalue(persona))

    for method, url in site_urls(shop):
        response = getattr(client, method)(url, {"name": "Mine", "is_active": "false"})
        assert response.status_code == 403, url
    shop.refresh_from_db()
    assert (shop.name, shop.is_active, Site.objects.count()) == ("Shop", True, 1)


def test_managers_see_the_settings_link_and_reps_do_not(client, maria, rep_alice):
    settings_link = f'href="{reverse("settings")}"'
    assert settings_link in maria.get(reverse("crm:lead_list")).text
    assert f'href="{reverse("sites:list")}"' in maria.get(reverse("scoring:list")).text  # the tabs
    client.force_login(rep_alice)
    assert settings_link not in client.get(reverse("crm:lead_list")).text


def test_signed_out_people_are_sent_to_log_in(client, shop):
    for method, url in site_urls(shop):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response.url.startswith("/login/"), url


def test_every_page_opens_for_a_manager_under_the_settings_tabs(maria, shop):
    for url in (LIST, NEW, detail_url(shop), edit_url(shop)):
        response = maria.get(url)
        assert response.status_code == 200, url
        assert 'aria-label="Settings"' in response.text
        assert f'<a href="{LIST}" aria-current="page">Websites</a>' in response.text


@pytest.mark.parametrize("pk", [0, 999, 10**30])
def test_an_unknown_site_is_404(maria, pk):
    assert maria.get(f"{LIST}{pk}/").status_code == 404
    assert maria.get(f"{LIST}{pk}/edit/").status_code == 404
    assert maria.post(f"{LIST}{pk}/edit/", {"name": "X", "origins": BLOG}).status_code == 404
    assert maria.post(f"{LIST}{pk}/active/", {"is_active": "false"}).status_code == 404


def test_actions_take_post_only(maria, shop):
    assert maria.get(toggle_url(shop)).status_code == 405
    assert maria.put(detail_url(shop)).status_code == 405


# The list


@pytest.fixture
def busy_shop(client, shop, clock):
    """Shop's visitors: one seen 40 days ago only, two anonymous ones today (one
    with an open cart, one whose cart was bought), and one identified today."""
    clock.move_to(NOW - dt.timedelta(days=40))
    Browser(client, shop).sent("page_view")
    clock.move_to(NOW - dt.timedelta(hours=2))
    Browser(client, shop).sent("cart_add", cart_id="open")
    buyer = Browser(client, shop)
    buyer.sent("cart_add", cart_id="bought")
    buyer.sent("purchase", cart_id="bought", value="20.00")
    clock.move_to(NOW - dt.timedelta(minutes=5))
    Browser(client, shop).sent("identify", email="grace@example.com", first_name="Grace")
    clock.move_to(NOW)
    return shop


def test_the_list_shows_each_sites_numbers(maria, busy_shop):
    Site.objects.create(name="Blog", origins=BLOG, is_active=False)

    response = maria.get(LIST)

    assert rows(response) == [
        ["Blog off", BLOG, "never", "0", "0", "0"],
        ["Shop active", f"{ORIGIN} https://www.shop.example.com", "5 minutes ago", "3", "1", "1"],
    ]
    assert f'href="{detail_url(busy_shop)}"' in response.text
    assert f'href="{NEW}"' in response.text


@pytest.mark.parametrize("how_many", [1, 6])
def test_the_list_costs_the_same_queries_however_many_sites(
    maria, client, how_many, django_assert_max_num_queries
):
    for number in range(how_many):
        site = Site.objects.create(name=f"Site {number}", origins=f"https://s{number}.example.com")
        browser = Browser(client, site, origin=f"https://s{number}.example.com")
        browser.sent("cart_add", cart_id="c1")
        browser.sent("identify", email=f"person{number}@example.com")

    # Session, user, roles, the sites with their numbers, the nav's permissions (2).
    with django_assert_max_num_queries(6):
        response = maria.get(LIST)

    assert len(rows(response)) == how_many


def test_with_no_site_the_list_says_what_tracking_does_and_how_to_start(maria):
    response = maria.get(LIST)

    assert "No website is tracked yet" in response.text
    assert "joins their lead's timeline" in response.text
    assert f'<a href="{NEW}">Add a website</a>' in response.text
    assert "<table" not in response.text


# A site's page


def test_the_page_shows_the_snippet_with_the_sites_key_and_a_copy_button(maria, shop):
    page = html.unescape(maria.get(detail_url(shop)).text)

    assert (
        f'<script async src="https://crm.example.com/t/track.js" data-site="{shop.key}"></script>'
        in page
    )
    assert 'data-copy="site-snippet" hidden>Copy</button>' in page
    assert '<pre class="email-text" id="site-snippet">' in page
    assert "/static/js/copy_button.js" in page


def test_the_page_says_how_to_identify_visitors(maria, shop):
    page = html.unescape(maria.get(detail_url(shop)).text)

    assert "crmTrack.identify({email:" in page
    assert "POST https://crm.example.com/api/track/identify/" in page
    assert f'"site": "{shop.key}"' in page
    assert "_crm_vid" in page and f'href="{reverse("api_tokens:create")}"' in page


def test_the_latest_events_name_the_lead_and_nothing_else_personal(maria, client, shop, clock):
    grace = Browser(client, shop)
    grace.sent("page_view", path="/pricing")
    clock.shift(dt.timedelta(minutes=1))
    grace.sent("identify", email="grace@navy.example", phone="+12025550123", first_name="Grace")
    clock.shift(dt.timedelta(minutes=1))
    grace.sent("cart_add", cart_id="c1", path="/mugs")
    clock.shift(dt.timedelta(minutes=1))
    Browser(client, shop).sent("content_download", content="white-paper", path="/papers")
    clock.shift(dt.timedelta(minutes=1))

    response = maria.get(detail_url(shop))

    assert rows(response) == [
        ["Content download", "/papers", "a minute ago", "anonymous"],
        ["Added to cart", "/mugs", "2 minutes ago", "Grace"],
        ["Page view", "/pricing", "4 minutes ago", "Grace"],
    ]
    lead_url = shop.visitors.get(uid=grace.uid).lead.get_absolute_url()
    assert response.text.count(f'<a href="{lead_url}">Grace</a>') == 2
    assert "grace@navy.example" not in response.text and "2025550123" not in response.text


def test_a_lead_without_a_name_is_shown_by_number_not_by_email(maria, client, shop, clock):
    browser = Browser(client, shop)
    browser.sent("identify", email="nameless@example.com")
    browser.sent("page_view", path="/")

    response = maria.get(detail_url(shop))

    lead = shop.visitors.get().lead
    assert rows(response) == [["Page view", "/", "now", f"Lead #{lead.pk}"]]
    assert "nameless@example.com" not in response.text


def test_only_the_sites_own_events_are_shown(maria, client, shop):
    blog = Site.objects.create(name="Blog", origins=BLOG)
    on_shop, on_blog = Browser(client, shop), Browser(client, blog, origin=BLOG)
    for browser in (on_shop, on_blog):  # the same person on both sites
        browser.sent("identify", email="grace@example.com", first_name="Grace")
    on_shop.sent("page_view", path="/shop-page")
    on_blog.sent("page_view", path="/blog-post")
    Browser(client, blog, origin=BLOG).sent("page_view", path="/anonymous-blog-post")

    assert [row[1] for row in rows(maria.get(detail_url(shop)))] == ["/shop-page"]


def test_the_page_shows_the_last_20_events_newest_first(
    maria, client, shop, clock, settings, django_assert_max_num_queries
):
    settings.TRACKING_RATE_PER_MINUTE = 100
    anonymous, known = Browser(client, shop), Browser(client, shop)
    known.sent("identify", email="grace@example.com", first_name="Grace")
    for number in range(30):
        clock.shift(dt.timedelta(seconds=10))
        (anonymous if number % 3 else known).sent("page_view", path=f"/page-{number}")

    # Session, user, roles, the site, its anonymous events, its leads' events, nav (2).
    with django_assert_max_num_queries(8):
        response = maria.get(detail_url(shop))

    assert [row[1] for row in rows(response)] == [f"/page-{n}" for n in range(29, 9, -1)]
    assert "The last 20 events, newest first." in response.text


def test_with_no_events_the_page_says_what_to_expect(maria, shop):
    response = maria.get(detail_url(shop))

    assert "No events yet." in response.text
    assert "<table" not in response.text


# Turning tracking off and on


def test_a_manager_turns_tracking_off_and_its_beacons_are_refused(maria, client, shop):
    response = maria.post(toggle_url(shop), {"is_active": "false"})

    assert response.status_code == 302 and response.url == detail_url(shop)
    shop.refresh_from_db()
    assert shop.is_active is False
    assert messages_of(response) == [
        "Tracking is off for Shop: its events are refused until you turn it on again."
    ]
    assert Browser(client, shop).send("page_view").status_code == 403
    page = maria.get(detail_url(shop)).text
    assert "Tracking is off" in page and ">Activate</button>" in page


def test_a_manager_turns_tracking_on_again(maria, client, shop):
    shop.is_active = False
    shop.save()

    response = maria.post(toggle_url(shop), {"is_active": "true"})

    shop.refresh_from_db()
    assert shop.is_active is True
    assert messages_of(response) == ["Tracking is on for Shop: its events are recorded."]
    assert Browser(client, shop).send("page_view").status_code == 204


def test_the_button_asks_for_a_state_so_pressing_it_twice_changes_nothing_more(maria, shop):
    for _ in range(2):
        maria.post(toggle_url(shop), {"is_active": "false"})

    shop.refresh_from_db()
    assert shop.is_active is False


@pytest.mark.parametrize("data", [{}, {"is_active": "maybe"}])
def test_a_bad_toggle_is_answered_400_and_changes_nothing(maria, shop, data):
    response = maria.post(toggle_url(shop), data)

    assert response.status_code == 400
    assert "Nothing changed" in response.text
    assert response.context["active_form"].errors["is_active"]
    shop.refresh_from_db()
    assert shop.is_active is True
