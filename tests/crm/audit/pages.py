"""What the audit tests post to the lead's pages."""

from crm.models import LEAD_PROFILE_FIELDS, Lead


def edit_data(lead: Lead, **changes) -> dict:
    """The edit form as the page fills it for `lead`, with `changes`."""
    data = {name: getattr(lead, name) for name in ("email", *LEAD_PROFILE_FIELDS, "stage")}
    data["phone_number"] = lead.phone_raw or lead.phone
    if lead.owner_id:
        data["owner"] = lead.owner_id
    for flag in ("do_not_call", "do_not_mail"):
        if getattr(lead, flag):
            data[flag] = "on"
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}
