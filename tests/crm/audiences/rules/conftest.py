import datetime as dt

import pytest

from tests.crm.audiences.people import Kind, ago, did, expo_2026, person


@pytest.fixture
def expo_people():
    expo = expo_2026()  # starts 10 March
    early = person("Early")  # white paper before the event, then the booth
    did(early, Kind.CONTENT_DOWNLOAD, dt.datetime(2026, 3, 9, 23, tzinfo=dt.UTC),
        data={"content": "Cloud Security White Paper"})  # fmt: skip
    did(early, Kind.BOOTH_VISIT, dt.datetime(2026, 3, 11, tzinfo=dt.UTC), campaign=expo)
    after = person("After")  # the booth, then the white paper
    did(after, Kind.BOOTH_VISIT, dt.datetime(2026, 3, 10, 10, tzinfo=dt.UTC), campaign=expo)
    did(after, Kind.CONTENT_DOWNLOAD, dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC),
        data={"content": "ROI white paper"})  # fmt: skip
    guide = person("Guide")  # something else before the event, and the booth
    did(guide, Kind.CONTENT_DOWNLOAD, ago(30), data={"content": "Pricing guide"})
    did(guide, Kind.BOOTH_VISIT, dt.datetime(2026, 3, 11, tzinfo=dt.UTC), campaign=expo)
    reader = person("Reader")  # the white paper before, never at the booth
    did(reader, Kind.CONTENT_DOWNLOAD, ago(60), data={"content": "Edge white paper"})
    return expo
