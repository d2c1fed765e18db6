"""Each person's calendar feed of planned calls (followups.team.calendar_feeds,
followups.team.ical): iCalendar lines folded and escaped, stable UIDs, a
token that can be revoked."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from followups.models import Channel, Touch
from followups.team import ical
from followups.team.calendar_feeds import feed_token
from tests.followups.team.work import (
    NOW,
    clock,  # noqa: F401 (autouse)
    lead_of,
    touch,
)

pytestmark = pytest.mark.django_db


# The calendar feed


def feed_url(user) -> str:
    return reverse("team:calendar_feed", args=[feed_token(user)])


def content_lines(body: bytes) -> list[str]:
    """The feed's content lines, unfolded, after checking the physical lines:
    CRLF line ends only, none longer than 75 octets."""
    assert body.endswith(b"\r\n")
    physical = body[:-2].split(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in physical)
    assert max(len(line) for line in physical) <= 75
    unfolded = body.decode().replace("\r\n ", "")
    return unfolded[:-2].split("\r\n")


def unescape(text: str) -> str:
    escapes = {"\\\\": "\\", "\\;": ";", "\\,": ",", "\\n": "\n", "\\N": "\n"}
    return re.sub(r"\\[\\;,nN]", lambda match: escapes[match.group()], text)


def events(body: bytes) -> list[dict[str, str]]:
    found, event = [], None
    for line in content_lines(body):
        if line == "BEGIN:VEVENT":
            event = {}
        elif line == "END:VEVENT":
            found.append(event)
            event = None
        elif event is not None:
            name, value = line.split(":", 1)
            event[name] = value
    return found


def test_feed_is_icalendar_with_crlf_folded_lines_and_escaped_text(client, rep_alice):
    lead = lead_of(
        rep_alice,
        first_name="Zoë-Émilie; \\the",
        last_name="Ünterberger, Größenwahn-Schnitzelbäcker-Ölmühlenstraßenbahnhof",
        phone_ext="12",
    )
    call = touch(
        rep_alice,
        lead=lead,
        hours=26,
        reason="Asked us to call back then",
        origin="Call outcome",
    )

    response = client.get(feed_url(rep_alice))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    lines = content_lines(response.content)
    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"]
    assert lines[-1] == "END:VCALENDAR"
    assert any(line.startswith("PRODID:") for line in lines)
    [event] = events(response.content)
    assert event["UID"] == f"touch-{call.pk}@crm.example.com"
    assert event["DTSTAMP"] == "20260310T150000Z"
    assert event["DTSTART"] == "20260311T170000Z"
    assert event["DURATION"] == "PT15M"
    assert event["SUMMARY"] == (
        "Call Zoë-Émilie\\; \\\\the Ünterberger\\, "
        "Größenwahn-Schnitzelbäcker-Ölmühlenstraßenbahnhof"
    )
    assert unescape(event["SUMMARY"]) == f"Call {lead.full_name}"
    assert unescape(event["DESCRIPTION"]) == f"Asked us to call back then\ntel:{lead.phone};ext=12"
    assert event["URL"] == f"http://testserver{lead.get_absolute_url()}"


def test_lines_fold_at_75_octets_counting_the_leading_space():
    line = "DESCRIPTION:" + "x" * 200
    pieces = ical.fold(line).split("\r\n")
    assert [len(piece) for piece in pieces] == [
        75,
        75,
        64,
    ]  # 212 octets: 75 + 74 + 63, plus two spaces
    assert all(piece.startswith(" ") for piece in pieces[1:])
    assert ical.fold("SUMMARY:short") == "SUMMARY:short"


def test_folding_never_splits_a_character():
    line = "SUMMARY:" + "ü" * 100
    folded = ical.fold(line)
    pieces = folded.encode().split(b"\r\n")
    assert all(len(piece) <= 75 for piece in pieces)
    assert [piece.decode() for piece in pieces]  # each piece is whole UTF-8
    assert folded.replace("\r\n ", "") == line


def test_text_escaping_follows_rfc_5545():
    assert ical.escape_text("a\\b;c,d\r\ne\nf\x07") == "a\\\\b\\;c\\,d\\ne\\nf"


def test_feed_uids_stay_the_same_when_a_call_moves(client, rep_alice, clock):  # noqa: F811
    first, second = touch(rep_alice, hours=1), touch(rep_alice, hours=2)
    before = {event["UID"] for event in events(client.get(feed_url(rep_alice)).content)}

    Touch.objects.filter(pk=first.pk).update(due_at=NOW + dt.timedelta(hours=5))
    clock.shift(dt.timedelta(minutes=20))
    after = {event["UID"]: event for event in events(client.get(feed_url(rep_alice)).content)}

    assert (
        before
        == set(after)
        == {f"touch-{first.pk}@crm.example.com", f"touch-{second.pk}@crm.example.com"}
    )
    assert after[f"touch-{first.pk}@crm.example.com"]["DTSTART"] == "20260310T200000Z"


def test_feed_uids_do_not_depend_on_the_host_the_feed_was_fetched_by(client, rep_alice, settings):
    settings.ALLOWED_HOSTS = ["crm.example.com", "10.0.0.7", "testserver"]
    call = touch(rep_alice, hours=1)

    by_name = events(client.get(feed_url(rep_alice), HTTP_HOST="crm.example.com").content)
    by_address = events(client.get(feed_url(rep_alice), HTTP_HOST="10.0.0.7").content)

    assert [e["UID"] for e in by_name] == [e["UID"] for e in by_address]
    assert by_name[0]["UID"] == f"touch-{call.pk}@crm.example.com"


def test_a_rep_only_gets_their_own_open_calls(client, rep_alice, rep_bob):
    mine = touch(rep_alice, hours=3)
    touch(rep_bob, hours=3)
    touch(rep_alice, hours=-3, status=Touch.Status.DONE)
    touch(rep_alice, hours=3, channel=Channel.EMAIL)
    touch(rep_alice, hours=-48)  # too long overdue for a calendar

    uids = [event["UID"] for event in events(client.get(feed_url(rep_alice)).content)]

    assert uids == [f"touch-{mine.pk}@crm.example.com"]


def test_call_backs_make_it_into_a_full_feed(client, rep_alice, monkeypatch):
    monkeypatch.setattr("followups.team.calendar_feeds.FEED_LIMIT", 2)
    for hours in (1, 2, 3):
        touch(rep_alice, hours=hours)
    call_back = touch(
        rep_alice, hours=30, reason="Asked us to call back then", origin="Call outcome"
    )

    uids = [event["UID"] for event in events(client.get(feed_url(rep_alice)).content)]

    assert len(uids) == 2
    assert f"touch-{call_back.pk}@crm.example.com" in uids


def test_a_wrong_or_revoked_token_answers_404(client, rep_alice, rep_bob):
    token = feed_token(rep_alice)
    pk, digest = token.split("-")
    wrong = [
        f"{pk}-{'0' * 32}",
        f"{rep_bob.pk}-{digest}",
        digest,
        f"x-{digest}",
        f"{pk}-{digest[:-1]}",
    ]
    for guess in wrong:
        url = reverse("team:calendar_feed", args=[guess])
        assert client.get(url).status_code == 404, guess
    assert client.get(feed_url(rep_alice)).status_code == 200

    rep_alice.set_password("a-new-password-456")
    rep_alice.save()
    assert client.get(reverse("team:calendar_feed", args=[token])).status_code == 404


def test_a_token_made_with_an_old_secret_key_works_during_rotation(client, rep_alice, settings):
    old_url = feed_url(rep_alice)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-brand-new-secret-key-for-this-test"
    assert client.get(old_url).status_code == 200
    settings.SECRET_KEY_FALLBACKS = []
    assert client.get(old_url).status_code == 404


def test_the_calendar_page_shows_the_persons_own_feed_address(alice, rep_alice, client):
    page = alice.get(reverse("team:calendar")).content.decode()
    assert f"http://testserver{feed_url(rep_alice)}" in page
    assert "webcal://testserver" in page
    alice.logout()
    assert alice.get(reverse("team:calendar")).status_code == 302
