"""`{% retargeting_formats as formats %}`: every platform's file, in order, so the
audience page lists each platform there is a format for and no other."""

from django import template

from crm.retargeting.formats import FORMATS, Format

register = template.Library()


@register.simple_tag
def retargeting_formats() -> list[Format]:
    return list(FORMATS.values())
