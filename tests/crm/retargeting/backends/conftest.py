import random

import pytest

from crm.retargeting.backends import GoogleAdsCustomerMatchBackend, RetryPolicy
from tests.crm.retargeting.backends.google_ads import LIST, google_ads_api


@pytest.fixture
def google(loopback_platform, settings, sleeps):
    platform, url = loopback_platform(google_ads_api)
    settings.GOOGLE_ADS_API_BASE_URL = url
    settings.GOOGLE_ADS_API_VERSION = "v26"

    def backend(**kw):
        kw.setdefault("retry", RetryPolicy(max_attempts=4, base_delay=1, max_delay=30))
        return GoogleAdsCustomerMatchBackend(
            customer_id="123-456-7890",
            user_list_id=LIST,
            access_token="ya29.test",
            developer_token="dev-token",
            login_customer_id="987-654-3210",
            sleep=sleeps,
            rng=random.Random(7),
            **kw,
        )

    platform.backend = backend
    return platform
