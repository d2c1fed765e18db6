"""Moments on a page, written one way everywhere: `{% ago when %}` is "3 hours ago"
with the exact time (in the viewer's zone, config/formats) on hover and for
machines, in one <time> element."""

from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.formats import get_format
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def ago(moment):
    if moment is None:
        return ""
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        moment.isoformat(),
        date_format(local, get_format("DATETIME_FORMAT")),
        naturaltime(moment),
    )
