"""Managers add a site in the admin and copy its snippet; visitors and carts are
there to look at, not to change."""

import html

import pytest

from crm.tracking.models import Site
from tests.factories import UserFactory


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_a_site_shows_the_snippet_to_paste(admin_client, shop):
    page = html.unescape(admin_client.get(f"/admin/crm/site/{shop.pk}/change/").content.decode())

    assert (
        f'<script async src="https://crm.example.com/t/track.js" data-site="{shop.key}"></script>'
        in page
    )


def test_adding_a_site_gives_it_a_key(admin_client):
    response = admin_client.post(
        "/admin/crm/site/add/",
        {"name": "Blog", "origins": "https://blog.example.com", "is_active": "on"},
    )

    assert response.status_code == 302
    site = Site.objects.get(name="Blog")
    assert len(site.key) >= 16
    assert site.is_active and site.allowed_origins == {"https://blog.example.com"}


@pytest.mark.parametrize("model", ["site", "visitor", "cart"])
def test_every_tracking_admin_page_opens(admin_client, browser, model):
    browser.sent("cart_add", cart_id="c1")

    assert admin_client.get(f"/admin/crm/{model}/").status_code == 200


def test_visitors_and_carts_cannot_be_changed_in_the_admin(admin_client, browser):
    browser.sent("cart_add", cart_id="c1")

    assert admin_client.get("/admin/crm/visitor/add/").status_code == 403
    assert admin_client.get("/admin/crm/cart/add/").status_code == 403


def test_the_admin_checks_origins_as_the_websites_page_does(admin_client):
    response = admin_client.post(
        "/admin/crm/site/add/",
        {
            "name": "Blog",
            "origins": "HTTPS://Blog.Example.com/\nblog.example.com",
            "is_active": "on",
        },
    )

    assert response.status_code == 200
    assert "“blog.example.com”: start with http:// or https://" in html.unescape(response.text)
    assert not Site.objects.exists()
    admin_client.post(
        "/admin/crm/site/add/",
        {"name": "Blog", "origins": "HTTPS://Blog.Example.com/", "is_active": "on"},
    )
    assert Site.objects.get().origins == "https://blog.example.com"
