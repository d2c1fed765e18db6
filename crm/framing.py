"""Pages our own pages show in an <iframe> (the letter PDFs in the editors).

Every other answer may not be framed at all: X-Frame-Options DENY and the
Content-Security-Policy's frame-ancestors 'none'. Older browsers read the first,
newer ones the second, so a page framed by our own pages loosens both.
"""

from collections.abc import Callable

from csp.constants import SELF
from csp.decorators import csp_replace
from django.views.decorators.clickjacking import xframe_options_sameorigin


def framed_by_our_pages(view: Callable) -> Callable:
    return xframe_options_sameorigin(csp_replace({"frame-ancestors": [SELF]})(view))
