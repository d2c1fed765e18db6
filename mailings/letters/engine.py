"""HTML to PDF the one safe way: locked fetcher, static base URL, time limit."""

from django.conf import settings
from weasyprint import HTML

from mailings.letters.fetcher import BASE_URL, LockedURLFetcher, render_time_limit

# Without LETTER_RENDER_SECONDS, a render gets this long, plus some per page
# (a page takes about 20 ms).
BASE_SECONDS = 30.0
SECONDS_PER_PAGE = 0.5


def html_to_pdf(html: str, *, time_limit: float) -> bytes:
    """Render `html` to PDF bytes. Relative URLs resolve against BASE_URL (the static
    allow-list), never against the working directory; anything else is refused."""
    with render_time_limit(time_limit):
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=LockedURLFetcher())
        return document.write_pdf()


def default_time_limit(pages: int) -> float:
    """settings.LETTER_RENDER_SECONDS when set, else a budget growing with the pages."""
    configured = getattr(settings, "LETTER_RENDER_SECONDS", None)
    return float(configured) if configured else BASE_SECONDS + SECONDS_PER_PAGE * pages
