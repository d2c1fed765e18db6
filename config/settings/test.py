"""Test settings: the base settings plus what makes tests fast and strict.

DATABASE_URL and REDIS_URL still come from the environment, so CI runs the
same suite against PostgreSQL and Redis.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("SITE_URL", "https://crm.example.com")
# Generated PDFs go to a folder of this run (inherited by the RQ workers tests start).
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="crm-test-media-"))

from config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MAIL_WEBHOOK_SECRET = "test-webhook-secret"
SECURE_SSL_REDIRECT = False
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Jobs run in-process in tests; the RQ tests switch this off to use a real worker.
JOBS_MODE = "inline"
# Serve static files from the app folders, as runserver does, without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
