"""A booth list as a badge scanner's lead-retrieval export gives it, imported the
way a manager's upload is (crm.imports.services, jobs inline): for the tests of
what comes after an import."""

from pathlib import Path

from crm.imports.services import campaign_for_event, lead_import_file
from crm.models import LeadImport

# Ten people met at the booth: three in Germany (two of them in Bavaria), two in
# California and one in New York, one in France without a region, and two
# without a country; Ada comes twice (scanned on both days), and the last row
# has no way to reach anyone.
EXPO_BADGES = """\
First Name,Last Name,Email,Company,Phone,Country,State/Province,Notes,Badge ID
Ada,Lovelace,ada@analytical.example,Engines,+49 89 1234561,Germany,Bayern,Wants a demo,B-101
Max,Planck,max@quanta.example,Quanta,+49 89 1234562,Deutschland,Bayern,,B-102
Emmy,Noether,emmy@rings.example,Rings,+49 30 1234563,DE,Berlin,,B-103
Grace,Hopper,grace@cobol.example,Cobol Inc,(415) 555-0101,USA,CA,Pricing,B-104
Alan,Kay,alan@smalltalk.example,Smalltalk,(415) 555-0102,United States,CA,,B-105
Barbara,Liskov,barbara@clu.example,CLU,(212) 555-0103,US,NY,,B-106
Marie,Curie,marie@radium.example,Radium,+33 1 23 45 67 89,France,,,B-107
Tim,Berners-Lee,tim@web.example,Web,,,,Came by twice,B-108
Linus,Torvalds,linus@kernel.example,Kernel,,,,,B-109
Ada,Lovelace,ada@analytical.example,,,,,Back on day two,B-101
Nobody,Reachable,,,,,,,B-110
"""


def import_booth_list(
    folder: Path, text: str = EXPO_BADGES, name: str = "expo-badges.csv"
) -> LeadImport:
    """Import `text` as the file `name` for the event Expo 2026 (in the US)."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    lead_import_file(path=str(path), campaign=campaign_for_event(name="Expo 2026", country="US"))
    return LeadImport.objects.filter(filename=name).latest("pk")
