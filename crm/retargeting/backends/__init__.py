"""Backends that push an audience to an ad platform: one per platform, the same
interface for each (add_members, remove_members, replace_all)."""

from crm.retargeting.backends.base import (
    AdAudienceBackend,
    AdAudienceError,
    AuthExpired,
    BatchFailure,
    PlatformError,
    RetryPolicy,
    SyncResult,
    TemporaryFailure,
)
from crm.retargeting.backends.google_ads import GoogleAdsCustomerMatchBackend
from crm.retargeting.backends.meta import MetaCustomAudienceBackend

__all__ = [
    "AdAudienceBackend",
    "AdAudienceError",
    "AuthExpired",
    "BatchFailure",
    "GoogleAdsCustomerMatchBackend",
    "MetaCustomAudienceBackend",
    "PlatformError",
    "RetryPolicy",
    "SyncResult",
    "TemporaryFailure",
]
