"""Reads for website tracking: sites by key and origin (the managers' pages on
sites read through crm.tracking.sites.selectors)."""

from crm.tracking.models import Site
from crm.tracking.origins import origin_normalize


def site_for_key(key: object) -> Site | None:
    """The active site with this public key, or None."""
    if not isinstance(key, str) or not key:
        return None
    return Site.objects.filter(key=key, is_active=True).first()


def origin_is_tracked(origin: str) -> bool:
    """Whether an active site lists this origin (e.g. https://www.example.com)."""
    origin = origin_normalize(origin)
    if "://" not in origin:
        return False
    # Narrowed in the database, then matched exactly, line by line.
    candidates = Site.objects.filter(is_active=True, origins__icontains=origin)
    return any(origin in site.allowed_origins for site in candidates)
