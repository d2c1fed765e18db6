"""Writes for the tracked websites managers keep on /settings/websites/."""

from crm.tracking.models import Site
from crm.tracking.origins import origins_clean


def site_save(*, site: Site | None = None, name: str, origins: list[str], is_active: bool) -> Site:
    """Create or change a site. The origins are checked again (a ValidationError
    for one that is not an origin, or for none), so that whoever calls, the site
    lists only origins the beacon endpoint can match."""
    site = site or Site()
    site.name, site.is_active = name, is_active
    site.origins = "\n".join(origins_clean("\n".join(origins)))
    site.save()
    return site


def site_set_active(*, site: Site, is_active: bool) -> Site:
    """Turn tracking on or off: an inactive site's events are refused at once."""
    site.is_active = is_active
    site.save(update_fields=["is_active"])
    return site
