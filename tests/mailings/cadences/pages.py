"""Reading the cadence pages as a manager reads them: the text, a cadence's row."""

import re

from followups.cadences.models import Cadence


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def row_of(response, cadence: Cadence) -> str:
    match = re.search(rf'<tr id="cadence-{cadence.pk}">.*?</tr>', response.text, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(0)).split())
