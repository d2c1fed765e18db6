import datetime as dt

import pytest
from django.utils import timezone

from crm.contact import phone_for_display
from crm.models import Interaction
from followups.models import Channel, Touch
from tests.browser.conftest import log_in
from tests.factories import CampaignFactory, InteractionFactory, LeadFactory

# serialized_rollback keeps the roles that migrations created across the flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def alices_lead(rep_alice):
    expo = CampaignFactory(name="Expo 2026 booth")
    lead = LeadFactory(
        first_name="Dana",
        last_name="Whitfield",
        company="Northwind",
        owner=rep_alice,
        phone="+14155552671",
    )
    InteractionFactory(
        lead=lead,
        kind=Interaction.Kind.BOOTH_VISIT,
        campaign=expo,
        notes="Asked about volume pricing",
        # As a badge scanner's list is imported (crm.imports.visits).
        data={"rows": [2], "rating": "Hot", "extra": {"Q1: Interested in": "Badge scanning"}},
        source="import",
        occurred_at=timezone.now() - dt.timedelta(days=3),
    )
    InteractionFactory(
        lead=lead,
        kind=Interaction.Kind.CONTENT_DOWNLOAD,
        data={"content": "pricing-guide", "title": "Pricing guide"},
        source="website",
        occurred_at=timezone.now() - dt.timedelta(hours=2),
    )
    return lead


def test_rep_logs_in_and_reads_a_leads_timeline(page, rep_alice, alices_lead):
    log_in(page, "alice")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Leads").click()

    page.get_by_role("link", name="Dana Whitfield").click()

    timeline = page.locator("#timeline > li")
    assert page.get_by_role("heading", name="Dana Whitfield").is_visible()
    assert timeline.count() == 2
    assert "Downloaded “Pricing guide”" in timeline.nth(0).inner_text()  # newest first
    booth = timeline.nth(1).inner_text()
    assert "Visited the booth at Expo 2026 booth, rated hot" in booth
    assert "Asked about volume pricing" in booth
    assert "Interested in\nBadge scanning" in booth
    # Shown as people write it, for the rep's country; the link dials E.164.
    shown = phone_for_display("+14155552671", home_country=rep_alice.country)
    assert shown != "+14155552671"
    assert page.get_by_role("link", name=shown).get_attribute("href") == "tel:+14155552671"


def test_logging_a_call_adds_it_to_the_timeline_without_a_page_load(page, rep_alice, alices_lead):
    log_in(page, "alice")
    page.goto(alices_lead.get_absolute_url())
    page.evaluate("window.stillTheSamePage = true")

    form = page.locator("#interaction-form")
    form.get_by_label("Kind").select_option("call")
    form.get_by_label("Outcome").select_option(label="Connected: interested")
    form.get_by_label("Notes").fill("Wants a demo next week")
    form.get_by_role("button", name="Log it").click()

    newest = page.locator("#timeline > li").first
    newest.get_by_text("Wants a demo next week").wait_for()
    assert "Called and reached them: interested" in newest.inner_text()
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.locator("#timeline > li").count() == 3
    call = alices_lead.interactions.get(kind="call", user=rep_alice)
    assert call.outcome == "interested"


def offered_outcomes(form) -> list[str]:
    """The outcome select's options a person can pick (not hidden, not disabled)."""
    return form.get_by_label("Outcome").evaluate(
        "select => [...select.options].filter(o => !o.disabled && !o.closest('[hidden]'))"
        ".map(o => o.value)"
    )


def test_the_outcome_select_offers_only_the_chosen_kinds_outcomes(page, rep_alice, alices_lead):
    log_in(page, "alice")
    page.goto(alices_lead.get_absolute_url())
    form = page.locator("#interaction-form")
    outcome = form.get_by_label("Outcome")

    form.get_by_label("Kind").select_option("meeting")
    assert offered_outcomes(form) == ["", "held", "no_show", "rescheduled", "cancelled"]
    outcome.select_option("no_show")

    form.get_by_label("Kind").select_option("call")  # a meeting's outcome goes
    assert outcome.input_value() == ""
    assert "interested" in offered_outcomes(form)
    assert "held" not in offered_outcomes(form)

    form.get_by_label("Kind").select_option("note")  # a note has none
    assert outcome.is_disabled()


def test_rep_cannot_open_another_reps_lead_in_the_browser(page, rep_alice, rep_bob):
    bobs_lead = LeadFactory(first_name="Secret", last_name="Person", owner=rep_bob)
    log_in(page, "alice")
    page.goto("/leads/")

    assert "Secret Person" not in page.content()
    response = page.goto(bobs_lead.get_absolute_url())
    assert response.status == 404


def test_a_task_card_gives_talking_points_before_the_task(page, rep_alice, alices_lead):
    download = alices_lead.interactions.get(kind=Interaction.Kind.CONTENT_DOWNLOAD)
    task = Touch.objects.create(
        lead=alices_lead,
        channel=Channel.TASK,
        due_at=timezone.now() - dt.timedelta(hours=1),
        reason="Downloaded the pricing guide",
        origin="Cadence: Content download",
        interaction=download,
        talking_points="Connect on LinkedIn.",
        assigned_to=rep_alice,
        key="browser-test:talking-points",
    )
    log_in(page, "alice")

    page.goto(f"/queue/touch/{task.pk}/")

    points = page.get_by_role("region", name="Talking points").get_by_role("listitem")
    assert points.count() == 2
    assert points.nth(0).inner_text().startswith("Dana downloaded “Pricing guide” ")
    assert points.nth(1).inner_text().startswith("Dana stopped by the booth at Expo 2026 booth ")
    assert "(rated hot) and said: “Asked about volume pricing”" in points.nth(1).inner_text()
    assert "Interested in: “Badge scanning”" in points.nth(1).inner_text()
    assert page.locator(".task-text").inner_text() == "Connect on LinkedIn."
    assert page.locator(".call-timeline").get_by_text("Downloaded “Pricing guide”").is_visible()
