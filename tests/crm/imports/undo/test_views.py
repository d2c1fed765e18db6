"""The undo through the pages: seven days, once, while it runs, and for managers only."""

import datetime as dt

import pytest
from django.urls import reverse

from crm.imports.jobs import lead_import_undo as lead_import_undo_job
from crm.imports.undo.services import UndoRefused, lead_import_undo
from crm.models import Interaction, Lead, LeadImport
from crm.services import interaction_record
from tests.crm.imports.undo.booth import TOM, lead, visible

pytestmark = pytest.mark.django_db


def test_an_import_can_be_undone_for_seven_days_only(imported, clock, manager_maria, client):
    client.force_login(manager_maria)
    clock.move_to(imported.finished_at + dt.timedelta(days=7) - dt.timedelta(minutes=1))
    assert "Undo this import…" in client.get(imported.get_absolute_url()).content.decode()

    clock.shift(dt.timedelta(minutes=2))
    page = client.get(imported.get_absolute_url()).content.decode()
    assert "Undo this import" not in page
    assert "can be undone for 7 days after it finished; this one finished on 10 Mar 2026" in page
    with pytest.raises(UndoRefused):
        lead_import_undo(lead_import=imported, by=manager_maria)
    response = client.post(reverse("imports:undo", args=[imported.pk]), follow=True)
    assert response.status_code == 200
    assert "can be undone for 7 days" in response.content.decode()
    assert Lead.objects.count() == 3


def test_undoing_twice_is_harmless(imported, manager_maria, client):
    client.force_login(manager_maria)
    url = reverse("imports:undo", args=[imported.pk])

    first = client.post(url, follow=True)
    second = client.post(url, follow=True)

    assert "Undoing the import" in first.content.decode()
    assert "This import was undone on 10 Mar 2026." in second.content.decode()
    assert second.status_code == 200
    assert Lead.objects.count() == 1
    imported.refresh_from_db()
    assert imported.undo_report["deleted"] == 2  # the second click changed nothing


@pytest.fixture
def jobs_wait(settings, imported, manager_maria):
    """Jobs queued after commit, which never comes in a test's transaction."""
    settings.JOBS_MODE = "thread"
    yield
    # Run it anyway: the page would say "being undone" for a while after a failed test.
    lead_import_undo_job(imported.pk, manager_maria.pk)


def test_while_an_undo_runs_the_page_says_so_and_another_click_starts_nothing(
    imported, manager_maria, client, jobs_wait
):
    client.force_login(manager_maria)
    url = reverse("imports:undo", args=[imported.pk])
    progress = reverse("imports:undo_progress", args=[imported.pk])

    client.post(url)
    again = client.post(url, follow=True)

    assert "This import is being undone." in visible(again)
    assert "Undoing…" in visible(client.get(progress))
    assert client.get(reverse("imports:undo_check", args=[imported.pk])).status_code == 302
    lead_import_undo_job(imported.pk, manager_maria.pk)
    lead_import_undo_job(imported.pk, manager_maria.pk)  # a job run twice
    done = client.get(progress)
    assert (done.status_code, done["HX-Refresh"]) == (204, "true")
    assert "Undone by Maria Manager" in visible(client.get(imported.get_absolute_url()))
    assert Lead.objects.count() == 1


def test_only_a_finished_import_can_be_undone(expo, manager_maria, client):
    previewed = LeadImport.objects.create(
        filename="booth.csv", content=b"", campaign=expo, status=LeadImport.Status.PREVIEWED
    )
    client.force_login(manager_maria)

    check = client.get(reverse("imports:undo_check", args=[previewed.pk]), follow=True)
    post = client.post(reverse("imports:undo", args=[previewed.pk]), follow=True)

    for response in (check, post):
        assert "Only an import that has finished can be undone." in response.content.decode()
    previewed.refresh_from_db()
    assert previewed.status == LeadImport.Status.PREVIEWED


def test_the_confirmation_page_lists_what_goes_and_what_stays(
    imported, rep_alice, manager_maria, client
):
    interaction_record(lead=lead(TOM), kind=Interaction.Kind.CALL, user=rep_alice)
    client.force_login(manager_maria)

    result_page = client.get(imported.get_absolute_url()).content.decode()
    page = client.get(reverse("imports:undo_check", args=[imported.pk]))

    assert reverse("imports:undo_check", args=[imported.pk]) in result_page
    text = " ".join(page.content.decode().split())
    assert "<strong>1</strong> new lead will be deleted" in text
    assert "<strong>1</strong> updated lead loses this booth visit and the 5 values" in text
    assert "<strong>1</strong> lead stays as it is" in text
    assert "Alice Rep logged a call on 10 Mar 2026" in text
    assert Lead.objects.count() == 3  # the dry run changed nothing


def test_a_rep_can_neither_see_nor_post_the_undo(imported, rep_alice, client):
    client.force_login(rep_alice)

    assert client.get(reverse("imports:undo_check", args=[imported.pk])).status_code == 403
    assert client.post(reverse("imports:undo", args=[imported.pk])).status_code == 403
    assert Lead.objects.count() == 3


def test_the_undo_is_a_post_with_a_csrf_token(imported, manager_maria, client):
    client.force_login(manager_maria)
    assert client.get(reverse("imports:undo", args=[imported.pk])).status_code == 405

    checked = type(client)(enforce_csrf_checks=True)
    checked.force_login(manager_maria)
    assert checked.post(reverse("imports:undo", args=[imported.pk])).status_code == 403
    assert Lead.objects.count() == 3
