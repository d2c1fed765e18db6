from django import template

register = template.Library()


@register.filter
def pct(value: float | None) -> str:
    """A percentage as the page shows it: "42%", or a dash when there is no base."""
    return "—" if value is None else f"{value:.0f}%"
