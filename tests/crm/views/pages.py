"""What the tests of crm's lead pages read from a response, and the forms they post."""

import html
import re

from django.urls import reverse

from crm.models import LEAD_PROFILE_FIELDS, Lead

LEAD_LIST = reverse("crm:lead_list")
LEAD_CREATE = reverse("crm:lead_create")


def listed_ids(response) -> list[int]:
    """The leads in the table, in page order."""
    assert response.status_code == 200, response.content
    return [int(pk) for pk in re.findall(r'<td><a href="/leads/(\d+)/">', response.text)]


def pager_link(response, rel: str) -> str | None:
    match = re.search(rf'<a href="([^"]*)"[^>]*rel="{rel}"', response.text)
    return html.unescape(match.group(1)) if match else None


def edit_data(lead: Lead, **changes) -> dict:
    """The edit form as the page fills it for `lead`, with `changes`."""
    data = {name: getattr(lead, name) for name in ("email", *LEAD_PROFILE_FIELDS, "stage")}
    data["phone_number"] = lead.phone_raw or lead.phone
    for flag in ("do_not_call", "do_not_mail"):
        if getattr(lead, flag):
            data[flag] = "on"
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}
