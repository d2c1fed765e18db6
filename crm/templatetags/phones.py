"""{{ lead.phone|phone:user.country }}: a stored E.164 phone as people read it.

The tel: link keeps the E.164 value itself (href="tel:{{ lead.phone }}"); only
the text people read is grouped. Exports never go through here: they stay E.164.
"""

from django import template

from crm.contact import phone_for_display

register = template.Library()


@register.filter
def phone(number: str | None, home_country: str = "") -> str:
    """National format for a number of the viewer's own country, else international."""
    if not number:
        return ""
    return phone_for_display(str(number), home_country=home_country or "")
