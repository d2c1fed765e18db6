"""The managers' team pages: the board of reps and their work, and moving calls
and leads from one person to another."""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from crm.models import Interaction, Lead
from crm.outcomes import CallOutcome as Outcome
from crm.roles import Role
from followups.models import Channel, Touch
from followups.queue.services import call_claim_next
from followups.team.services import leads_reassign, touches_reassign
from tests.factories import UserFactory
from tests.followups.team.work import (
    NEW_YORK_MIDNIGHT,
    clock,  # noqa: F401 (autouse)
    lead_of,
    logged_call,
    touch,
)

pytestmark = pytest.mark.django_db


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
