import datetime as dt
import itertools
import re
from html.parser import HTMLParser

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from crm.models import Interaction, Lead
from crm.outcomes import CallOutcome as Outcome
from crm.roles import Role
from followups.calls import call_claim_next
from followups.models import Channel, Touch
from followups.team import ical
from followups.team.calendar_feeds import feed_token
from followups.team.services import leads_reassign, touches_reassign
from tests.factories import InteractionFactory, LeadFactory, UserFactory

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # a Tuesday, 11:00 in New York
NEW_YORK_MIDNIGHT = dt.datetime(2026, 3, 10, 4, 0, tzinfo=dt.UTC)  # EDT since 8 March
KEYS = itertools.count()
PHONES = itertools.count(1000)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def lead_of(owner, **fields) -> Lead:
    return LeadFactory(owner=owner, phone=f"+1212555{next(PHONES):04d}", **fields)


def touch(user, *, lead=None, channel=Channel.CALL, hours=-1, **fields) -> Touch:
    """An open touch assigned to `user`, due `hours` from now (negative: overdue)."""
    return Touch.objects.create(
        lead=lead or lead_of(user),
        channel=channel,
        due_at=NOW + dt.timedelta(hours=hours),
        assigned_to=user,
        reason=fields.pop("reason", "Downloaded the pricing guide"),
        origin=fields.pop("origin", "Test"),
        key=f"test:{next(KEYS)}",
        **fields,
    )


def logged_call(user, outcome: str, *, at: dt.datetime = NOW, kind=Interaction.Kind.CALL):
    return InteractionFactory(
        lead=lead_of(user), kind=kind, outcome=outcome, user=user, occurred_at=at
    )


class _Table(HTMLParser):
    """The rows of the page's first table: the row heading -> the cells' text."""

    def __init__(self):
        super().__init__()
        self.rows, self.row, self.cell, self.done = {}, None, None, False

    def handle_starttag(self, tag, attrs):
        if self.done:
            return
        if tag == "tr":
            self.row = []
        elif tag in ("th", "td") and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self.cell is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row:
            self.rows[self.row[0]] = self.row[1:]
            self.row = None
        elif tag == "table":
            self.done = True

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def board(client) -> dict[str, list[str]]:
    response = client.get(reverse("team:board"))
    assert response.status_code == 200
    table = _Table()
    table.feed(response.content.decode())
    return table.rows


# The team view


def test_team_view_is_for_managers_only(client, rep_alice, mailroom_max, manager_maria):
    url = reverse("team:board")
    assert client.get(url).status_code == 302  # to the login page
    for person, status in ((rep_alice, 403), (mailroom_max, 403), (manager_maria, 200)):
        client.force_login(person)
        assert client.get(url).status_code == status


def test_team_view_shows_each_reps_queue_overdue_calls_and_todays_calls(
    maria, manager_maria, rep_alice, rep_bob
):
    manager_maria.time_zone = "America/New_York"
    manager_maria.save()
    touch(rep_alice, hours=-2)
    touch(rep_alice, hours=-1)
    touch(rep_alice, hours=+3)
    touch(rep_alice, hours=-1, status=Touch.Status.CLAIMED, claimed_by=rep_alice)
    touch(rep_alice, hours=-5, status=Touch.Status.DONE)  # logged: not in the queue
    touch(rep_alice, hours=-5, channel=Channel.EMAIL)  # not a call
    touch(rep_bob, hours=+1)
    touch(None, hours=-1, lead=lead_of(None))
    touch(None, hours=+1, lead=lead_of(None))
    touch(manager_maria, hours=-1)  # a manager with calls is on the board too
    logged_call(rep_alice, Outcome.INTERESTED)
    logged_call(rep_alice, Outcome.MEETING)
    logged_call(rep_alice, Outcome.NO_ANSWER)
    # 23:30 yesterday in New York, though already the 10th in UTC
    logged_call(rep_alice, Outcome.MEETING, at=NEW_YORK_MIDNIGHT - dt.timedelta(minutes=30))
    logged_call(rep_alice, "held", kind=Interaction.Kind.MEETING)  # not a call
    logged_call(rep_bob, Outcome.NOT_INTERESTED, at=NEW_YORK_MIDNIGHT)

    rows = board(maria)

    columns = ["Open calls", "Overdue", "Calls today", "Connects today", "Meetings booked today"]
    assert rows["Person"] == columns
    assert rows["Alice Rep"] == ["4", "2", "3", "2", "1"]
    assert rows["Bob Rep"] == ["1", "0", "1", "1", "0"]
    assert rows["Maria Manager"] == ["1", "1", "0", "0", "0"]
    assert rows["Unassigned"] == ["2", "1", "—", "—", "—"]
    assert rows["All"] == ["8", "4", "4", "3", "1"]


def test_team_view_lists_reps_without_any_work(maria, rep_alice):
    assert board(maria)["Alice Rep"] == ["0", "0", "0", "0", "0"]


def test_team_view_costs_the_same_queries_however_many_reps_and_touches(
    maria, django_assert_max_num_queries
):
    def add_rep_with_work():
        rep = UserFactory(role=Role.REP)
        for hours in (-2, -1, 1):
            touch(rep, hours=hours)
        logged_call(rep, Outcome.MEETING)

    add_rep_with_work()
    # session, user, roles, 3 for the board, 2 for the menu's permission checks
    with django_assert_max_num_queries(8):
        board(maria)
    for _ in range(5):
        add_rep_with_work()
    with django_assert_max_num_queries(8):
        rows = board(maria)
    assert len(rows) == 1 + 6 + 2  # heading, six reps, unassigned, total


# Moving work between people


def member_url(person=None) -> str:
    return reverse("team:member", args=[person.pk]) if person else reverse("team:unassigned")


def test_manager_moves_the_selected_calls_and_the_leads_keep_their_owner(maria, rep_alice, rep_bob):
    moved, stays = touch(rep_alice), touch(rep_alice, hours=2)

    response = maria.post(
        member_url(rep_alice), {"scope": "selected", "touches": [moved.pk], "to_user": rep_bob.pk}
    )

    assert response.status_code == 302
    moved.refresh_from_db()
    stays.refresh_from_db()
    assert (moved.assigned_to, stays.assigned_to) == (rep_bob, rep_alice)
    assert moved.lead.owner == rep_alice
    assert "Gave 1 open touch to Bob Rep." in maria.get(response.url).content.decode()


def test_a_claimed_call_goes_back_to_the_queue_of_the_new_rep(maria, rep_alice, rep_bob):
    touch(rep_alice)
    claimed = call_claim_next(user=rep_alice)
    assert claimed.status == Touch.Status.CLAIMED

    maria.post(member_url(rep_alice), {"scope": "all_touches", "to_user": rep_bob.pk})

    claimed.refresh_from_db()
    assert (claimed.status, claimed.claimed_by, claimed.assigned_to) == (
        Touch.Status.PENDING,
        None,
        rep_bob,
    )
    assert call_claim_next(user=rep_alice) is None
    assert call_claim_next(user=rep_bob).pk == claimed.pk


def test_moving_leads_gives_the_new_rep_the_leads_and_all_their_open_touches(
    maria, client, rep_alice, rep_bob
):
    lead = lead_of(rep_alice)
    call = touch(rep_alice, lead=lead)
    email = touch(rep_alice, lead=lead, channel=Channel.EMAIL, hours=24)
    logged = touch(rep_alice, lead=lead, hours=-48, status=Touch.Status.DONE)
    other = touch(rep_alice)

    maria.post(
        member_url(rep_alice),
        {"scope": "selected_leads", "touches": [call.pk], "to_user": rep_bob.pk},
    )

    lead.refresh_from_db()
    assert lead.owner == rep_bob
    assert {t.assigned_to for t in Touch.objects.filter(pk__in=[call.pk, email.pk])} == {rep_bob}
    assert Touch.objects.get(pk=logged.pk).assigned_to == rep_alice  # history stays as it was
    assert Touch.objects.get(pk=other.pk).assigned_to == rep_alice
    client.force_login(rep_bob)
    assert client.get(lead.get_absolute_url()).status_code == 200
    client.force_login(rep_alice)
    assert client.get(lead.get_absolute_url()).status_code == 404


def test_moving_all_leads_of_a_rep_includes_leads_without_touches(maria, rep_alice, rep_bob):
    quiet_lead, busy_lead = lead_of(rep_alice), lead_of(rep_alice)
    busy = touch(rep_alice, lead=busy_lead)
    bobs_lead = lead_of(rep_bob)

    response = maria.post(member_url(rep_alice), {"scope": "all_leads", "to_user": rep_bob.pk})

    assert response.status_code == 302
    assert set(Lead.objects.filter(owner=rep_bob)) == {quiet_lead, busy_lead, bobs_lead}
    assert Touch.objects.get(pk=busy.pk).assigned_to == rep_bob
    assert "Bob Rep now owns 2 leads" in maria.get(response.url).content.decode()


def test_unassigned_calls_can_be_given_to_a_rep(maria, rep_bob):
    waiting = touch(None, lead=lead_of(None))

    maria.post(
        member_url(), {"scope": "selected_leads", "touches": [waiting.pk], "to_user": rep_bob.pk}
    )

    waiting.refresh_from_db()
    assert (waiting.assigned_to, waiting.lead.owner) == (rep_bob, rep_bob)


def test_moving_selected_touches_needs_a_selection_and_a_person_who_takes_calls(
    maria, rep_alice, mailroom_max
):
    call = touch(rep_alice)

    nothing = maria.post(member_url(rep_alice), {"scope": "selected", "to_user": rep_alice.pk})
    to_mailroom = maria.post(
        member_url(rep_alice),
        {"scope": "selected", "touches": [call.pk], "to_user": mailroom_max.pk},
    )

    assert nothing.status_code == to_mailroom.status_code == 400
    assert "Select the touches to move." in nothing.content.decode()
    assert Touch.objects.get(pk=call.pk).assigned_to == rep_alice


def test_member_page_lists_the_open_touches_with_few_queries(
    maria, rep_alice, django_assert_max_num_queries
):
    for hours in range(-3, 3):
        touch(rep_alice, hours=hours)
    touch(rep_alice, status=Touch.Status.DONE, reason="Already called")
    with django_assert_max_num_queries(12):
        page = maria.get(member_url(rep_alice)).content.decode()
    assert page.count('name="touches"') == 6
    assert "Already called" not in page
    assert ">Maria Manager</option>" in page  # people by name; not Alice herself
    assert ">Alice Rep</option>" not in page


def test_reps_cannot_move_work(alice, rep_alice, rep_bob):
    bobs_call = touch(rep_bob)

    response = alice.post(member_url(rep_bob), {"scope": "all_leads", "to_user": rep_alice.pk})

    assert response.status_code == 403
    assert alice.get(member_url(rep_bob)).status_code == 403
    bobs_call.refresh_from_db()
    assert (bobs_call.assigned_to, bobs_call.lead.owner) == (rep_bob, rep_bob)
    with pytest.raises(PermissionDenied):
        touches_reassign(touches=Touch.objects.all(), to_user=rep_alice, by=rep_alice)
    with pytest.raises(PermissionDenied):
        leads_reassign(leads=Lead.objects.all(), to_user=rep_alice, by=rep_alice)


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


def test_feed_uids_stay_the_same_when_a_call_moves(client, rep_alice, clock):
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
