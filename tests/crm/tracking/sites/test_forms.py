"""Adding and editing a tracked website on its form page: its origins checked as
the beacon endpoint matches them, its name, and what the page saves is what the
beacon endpoint accepts."""

import html

import pytest

from crm.tracking.models import Site
from tests.crm.tracking.conftest import ORIGIN, Browser
from tests.crm.tracking.sites.pages import (
    BLOG,
    create,
    detail_url,
    edit_url,
    messages_of,
)

# Adding and editing


def test_a_manager_adds_a_site_and_lands_on_its_snippet(maria):
    response = create(
        maria, "HTTPS://Blog.Example.com/\n\n  https://blog.example.com  \nhttp://localhost:8000"
    )

    site = Site.objects.get()
    assert response.status_code == 302 and response.url == detail_url(site)
    assert (site.name, site.is_active) == ("Blog", True)
    assert site.origins == f"{BLOG}\nhttp://localhost:8000"
    assert messages_of(response) == ["Added Blog. Paste its snippet into every page."]


@pytest.mark.parametrize(
    "typed, saved",
    [
        ("https://blog.example.com:443", BLOG),
        ("http://blog.example.com:80/", "http://blog.example.com"),
        ("http://blog.example.com:8080", "http://blog.example.com:8080"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("https://xn--bcher-kva.example", "https://xn--bcher-kva.example"),
    ],
)
def test_origins_are_saved_as_browsers_send_them(maria, typed, saved):
    assert create(maria, typed).status_code == 302
    assert Site.objects.get().origins == saved


def test_a_site_can_be_added_inactive(maria):
    create(maria, BLOG, active=False)

    assert Site.objects.get().is_active is False


def test_editing_a_site_changes_it_and_keeps_its_key(maria, shop):
    key = shop.key

    response = maria.post(
        edit_url(shop), {"name": "Shop EU", "origins": "https://shop.example.eu", "is_active": "on"}
    )

    assert response.status_code == 302 and response.url == detail_url(shop)
    shop.refresh_from_db()
    assert (shop.name, shop.origins, shop.key) == ("Shop EU", "https://shop.example.eu", key)
    assert messages_of(response) == ["Saved Shop EU."]


def test_the_edit_form_starts_with_the_sites_fields(maria, shop):
    page = html.unescape(maria.get(edit_url(shop)).text)

    assert 'value="Shop"' in page
    assert f"{ORIGIN}\nhttps://www.shop.example.com/</textarea>" in page


@pytest.mark.parametrize(
    "line, reason",
    [
        ("www.example.com", "start with http:// or https://"),
        ("ftp://example.com", "start with http:// or https://"),
        ("https:/example.com", "start with http:// or https://"),
        ("https://example.com/shop", "without a path, query or fragment"),
        ("https://example.com//", "without a path, query or fragment"),
        ("https://example.com?utm=1", "without a path, query or fragment"),
        ("https://example.com/#top", "without a path, query or fragment"),
        ("https://user:secret@example.com", "no user name or password"),
        ("https://exa mple.com", "no spaces"),
        ("https://", "not a host name"),
        ("https://*.example.com", "not a host name"),
        ("https://exa_mple.com", "not a host name"),
        ("http://[nope]", "not a host name"),
        ("https://bücher.example", "punycode"),
        ("https://example.com:99999", "port"),
        ("https://example.com:http", "port"),
    ],
)
def test_a_line_that_is_not_an_origin_is_refused_by_name(maria, shop, line, reason):
    typed = f"{BLOG}\n{line}"

    for response in (
        create(maria, typed),
        maria.post(edit_url(shop), {"name": "X", "origins": typed}),
    ):
        assert response.status_code == 400
        errors = response.context["form"].errors["origins"]
        assert len(errors) == 1 and errors[0].startswith(f"“{line}”: ")
        assert reason in errors[0]
        assert html.escape(f"“{line}”") in response.text

    assert Site.objects.get() == shop
    shop.refresh_from_db()
    assert shop.name == "Shop"


def test_every_bad_line_is_named(maria):
    response = create(maria, "example.com\nhttps://ok.example.com\nhttps://example.com/x")

    assert response.status_code == 400
    errors = response.context["form"].errors["origins"]
    assert len(errors) == 2
    assert errors[0].startswith("“example.com”: start with http:// or https://")
    assert errors[1].startswith("“https://example.com/x”: only the scheme and the host")


@pytest.mark.parametrize("origins", ["", "   \n\n  "])
def test_a_site_without_an_origin_is_refused(maria, origins):
    response = create(maria, origins)

    assert response.status_code == 400
    assert response.context["form"].errors["origins"] == [
        "Add at least one origin, e.g. https://www.example.com."
    ]
    assert not Site.objects.exists()


@pytest.mark.parametrize("name", ["", "x" * 201, "nul\x00byte"])
def test_a_bad_name_is_answered_400_with_its_error(maria, name):
    response = create(maria, BLOG, name=name)

    assert response.status_code == 400
    assert "name" in response.context["form"].errors
    assert not Site.objects.exists()


# What the page saves is what the beacon endpoint accepts


def test_a_site_added_on_the_page_takes_beacons_from_its_origin_only(maria, client):
    create(maria, "HTTPS://Blog.Example.com/")
    site = Site.objects.get()

    accepted = Browser(client, site, origin=BLOG).send("page_view", path="/hello")
    refused = Browser(client, site, origin="https://evil.example.net").send("page_view")

    assert accepted.status_code == 204
    assert accepted["Access-Control-Allow-Origin"] == BLOG
    assert refused.status_code == 403
    assert not refused.has_header("Access-Control-Allow-Origin")


def test_a_site_edited_on_the_page_takes_beacons_from_its_new_origin(maria, client, shop):
    maria.post(
        edit_url(shop), {"name": "Shop", "origins": "http://localhost:8000", "is_active": "on"}
    )
    shop.refresh_from_db()

    assert (
        Browser(client, shop, origin="http://localhost:8000").send("page_view").status_code == 204
    )
    assert Browser(client, shop, origin=ORIGIN).send("page_view").status_code == 403
