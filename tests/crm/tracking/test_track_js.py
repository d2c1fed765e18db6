"""The snippet itself (static/js/track.js), run by Node in a small stand-in for a
browser page; the beacons it sends are then posted to the real endpoint."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from crm.models import Interaction, Lead
from crm.tracking.models import Visitor
from crm.tracking.tokens import lead_token_make
from tests.crm.tracking.conftest import ORIGIN, Browser
from tests.factories import LeadFactory

SNIPPET = Path(settings.BASE_DIR) / "static" / "js" / "track.js"
NODE = shutil.which("node")
PAGE = Path(__file__).with_name("page.js")  # a stand-in for a browser page


def run_snippet(site_key: str, url: str, cookie: str = "") -> dict:
    feed = {"site": site_key, "url": url, "cookie": cookie, "snippet": str(SNIPPET)}
    result = subprocess.run(
        [NODE, str(PAGE)],
        input=json.dumps(feed),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert result.stderr == ""  # no console noise
    return json.loads(result.stdout)


@pytest.fixture
def node():
    if NODE is None:
        pytest.skip("node is not installed")


def test_the_snippet_is_valid_javascript(node):
    subprocess.run([NODE, "--check", str(SNIPPET)], check=True, timeout=30)


@pytest.mark.usefixtures("node", "clock")
def test_the_snippets_beacons_are_accepted_and_tell_the_whole_story(client, shop):
    anna = LeadFactory(email="anna@example.com", referral_code="ANNA26")
    url = f"{ORIGIN}/pricing?ref=ANNA26&utm_source=news&email=ben@example.com#plans"

    page = run_snippet(shop.key, url)

    beacons = [beacon["body"] for beacon in page["beacons"]]
    assert {beacon["url"] for beacon in page["beacons"]} == {"https://crm.example.com/t/collect"}
    assert [beacon["kind"] for beacon in beacons] == [
        "page_view",
        "cart_add",
        "content_download",
        "app_event",
        "page_time",
        "identify",
    ]
    view = beacons[0]
    assert {key: view[key] for key in ("path", "title", "referrer", "ref", "utm_source")} == {
        "path": "/pricing",
        "title": "Pricing | Shop",
        "referrer": "news.example.org",
        "ref": "ANNA26",
        "utm_source": "news",
    }
    assert "ben@example.com" not in json.dumps(view)
    assert beacons[1] == {**beacons[1], "value": 59.97, "product": "Boots"}
    assert "colour" not in beacons[1] and "password" not in beacons[5]
    assert beacons[3] == {**beacons[3], "name": "project_created", "path": "/pricing"}
    assert "plan" not in beacons[3]
    assert beacons[4]["page"] == view["eid"] and beacons[4]["seconds"] == 42
    assert page["cookie"] == f"_crm_vid={page['uid']}"
    assert page["storage"]["_crm_vid"] == page["uid"]

    browser = Browser(client, shop, uid=page["uid"])
    assert [browser.post(beacon).status_code for beacon in beacons] == [204] * 6

    ben = Lead.objects.get(email="ben@example.com")
    assert ben.referred_by == anna
    assert sorted(ben.interactions.values_list("kind", flat=True)) == [
        "app_event",
        "cart_add",
        "content_download",
        "web_visit",
    ]
    assert ben.interactions.get(kind="app_event").data == {"name": "project_created"}
    assert ben.interactions.get(kind="web_visit").data["seconds"] == 42
    assert Interaction.objects.get(kind="referral").lead == anna


@pytest.mark.usefixtures("node", "clock")
def test_the_snippet_hands_the_email_link_token_over_and_hides_it(client, shop):
    ada = LeadFactory(email="ada@example.com")
    token = lead_token_make(ada.pk)

    page = run_snippet(shop.key, f"{ORIGIN}/pricing?plan=pro&crm={token}#faq")

    assert page["href"] == f"{ORIGIN}/pricing?plan=pro#faq"
    view = page["beacons"][0]["body"]
    assert view["crm"] == token
    assert Browser(client, shop, uid=page["uid"]).post(view).status_code == 204
    assert Visitor.objects.get().lead == ada


@pytest.mark.usefixtures("node")
def test_the_snippet_keeps_the_visitor_id_it_has(shop):
    uid = "0123456789abcdef0123456789abcdef"

    page = run_snippet(shop.key, f"{ORIGIN}/", cookie=f"theme=dark; _crm_vid={uid}")

    assert page["uid"] == uid
    assert {beacon["body"]["uid"] for beacon in page["beacons"]} == {uid}
