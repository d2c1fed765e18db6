"""Settings for every environment.

Production differs from development only through the environment variables
read in this file (DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS, EMAIL_*,
...). Nothing lives only in a production settings module.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if not value:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY, or DJANGO_DEBUG=1 for local development.")
    SECRET_KEY = "insecure-development-key-only-for-debug"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "config.apps.StaticFilesConfig",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    "django_rq",
    "import_export",
    # Its API documentation page then comes from our static files and our template
    # (templates/ninja/), not from a CDN the machine may not reach.
    "ninja",
    "axes",
    "crm",
    "followups",
    "mailings",
    "reports",
    # Last: what follows from what, across the apps (config/flow.py).
    "config.apps.FlowConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.admin_policy.admin_policy_middleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "crm.middleware.UserTimeZoneMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite is the embedded default; production and CI set DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while a job writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        # An import holds the write lock for seconds; others wait rather than fail.
        "timeout": 30,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "crm.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # each role lands on its own work (config.views.home)
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# Dates and times are written one way on every page (config/formats/en/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # The rich-text editor, as npm installed it (package-lock.json pins it; `make install`).
    ("vendor/trix", BASE_DIR / "node_modules" / "trix" / "dist"),
]
# Generated files (print-run PDFs). Not served as media: they are downloaded
# through views that check who asks. Workers rendering on other machines need
# this to be shared storage (a network volume, or an object store's backend).
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Jobs: with REDIS_URL set, jobs go to RQ workers; without it (the embedded
# default) config.jobs.enqueue runs them on a background thread in-process.
REDIS_URL = env("REDIS_URL")
JOBS_MODE = env("JOBS_MODE") or ("rq" if REDIS_URL else "thread")
RQ_QUEUES = {
    name: {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 600}
    for name in ("default", "imports", "mail", "letters")
}

# Behind a reverse proxy, the client's address is the proxy's X-Forwarded-For entry:
# TRUSTED_PROXY_COUNT=1 behind one proxy; 0 (the default) uses the socket's address, as a
# client could write any X-Forwarded-For it likes when nothing in front rewrites it.
TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))

# Password guessing (django-axes): LOGIN_FAILURE_LIMIT failed logins for one username,
# or from one address, lock it for LOGIN_COOLOFF_MINUTES; a manager can lift a lockout
# at /settings/lockouts/. A success clears that username's and address's failures.
AXES_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_CLIENT_IP_CALLABLE = "crm.client_ip.client_ip"
AXES_VERBOSE = False  # no banner on every manage.py command

# Failed API tokens and webhook secrets: this many from one address in the window,
# and that address gets 429 with Retry-After until the window ends (crm.throttling).
BEARER_FAILURE_LIMIT = int(env("BEARER_FAILURE_LIMIT", "20"))
BEARER_FAILURE_WINDOW_SECONDS = int(env("BEARER_FAILURE_WINDOW_SECONDS", "600"))

# Progress of running jobs: short-lived, rebuilt from the database when lost.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# Booth-list imports: files above these limits are refused with a clear message.
IMPORT_MAX_BYTES = int(env("IMPORT_MAX_BYTES", str(50 * 1024 * 1024)))
IMPORT_MAX_UNPACKED_BYTES = int(env("IMPORT_MAX_UNPACKED_BYTES", str(400 * 1024 * 1024)))
IMPORT_MAX_ROWS = int(env("IMPORT_MAX_ROWS", "1000000"))
# A finished import can be undone for this many days (crm.imports.undo).
IMPORT_UNDO_DAYS = int(env("IMPORT_UNDO_DAYS", "7"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Any ESP through django-anymail: EMAIL_BACKEND=anymail.backends.<esp>.EmailBackend
# and ANYMAIL_* in the environment. Development writes the emails to files.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "sent-mail"))
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "30"))
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): value
    for name, value in os.environ.items()
    if name.startswith("ANYMAIL_")
}
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "followup@example.com")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The country whose numbers may be written without +CC, and the mailroom's own.
CRM_DEFAULT_COUNTRY = env("CRM_DEFAULT_COUNTRY", "US")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp) on every answer: scripts, styles, images and
# fonts from our own origin only, so an injected <script> or inline handler never
# runs. Pages keep their behaviour in static files (static/js/page.js has the
# data-confirm and similar hooks); the one inline style allowed is Trix's own
# stylesheet, by the nonce base.html hands it. Views shown in our own <iframe>s
# (letter PDFs) and the email preview loosen one directive each, by decorator
# (crm/framing.py, mailings' preview). The tracking snippet runs on customers'
# sites under their policy, not ours; its endpoints answer cross-origin as before.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    # WeasyPrint logs each step of every render at INFO: noise in the letters workers.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}

# Calls. When a lead may be called is a managers' page (calling hours and holidays).
# A claimed call not logged within this time goes back to the queue.
CALL_CLAIM_TIMEOUT_MINUTES = int(env("CALL_CLAIM_TIMEOUT_MINUTES", "30"))
CALL_ATTEMPTS = int(env("CALL_ATTEMPTS", "3"))
SCHEDULER_INTERVAL_SECONDS = int(env("SCHEDULER_INTERVAL_SECONDS", "30"))

# Email drips. Links in emails (unsubscribe, tracking, confirmation) start with SITE_URL.
# In development the links follow the port `make run` serves on (PORT=8101 make run).
DEVELOPMENT_SITE_URL = f"http://127.0.0.1:{env('PORT', '8000')}"
SITE_URL = env("SITE_URL", DEVELOPMENT_SITE_URL if DEBUG else "").rstrip("/")
if not SITE_URL and not DEBUG:
    raise ImproperlyConfigured("Set SITE_URL, the https:// address emails link to.")
# The sender's postal address, printed in every marketing email (CAN-SPAM).
MAIL_POSTAL_ADDRESS = env(
    "MAIL_POSTAL_ADDRESS", "Follow-up CRM, 1 Example Street, Springfield, IL 62701, USA"
)
MAIL_UNSUBSCRIBE_MAILTO = env(
    "MAIL_UNSUBSCRIBE_MAILTO", "unsubscribe@" + DEFAULT_FROM_EMAIL.rpartition("@")[2]
)
# Send windows in the lead's own time zone (0 = Monday), like calling hours.
MAIL_SEND_WEEKDAYS = [int(day) for day in env_list("MAIL_SEND_WEEKDAYS", "0,1,2,3,4")]
MAIL_SEND_HOURS = tuple(env_list("MAIL_SEND_HOURS", "08:00,18:00"))
# At most this many marketing touches (emails and letters together) per lead and period.
MAIL_CAP_TOUCHES = int(env("MAIL_CAP_TOUCHES", "3"))
MAIL_CAP_DAYS = int(env("MAIL_CAP_DAYS", "7"))
# Soft opt-in: customers may get marketing email without a double opt-in.
MAIL_SOFT_OPT_IN = env_bool("MAIL_SOFT_OPT_IN")
MAIL_BATCH_SIZE = int(env("MAIL_BATCH_SIZE", "100"))  # emails per job and SMTP connection
MAIL_SEND_ATTEMPTS = int(env("MAIL_SEND_ATTEMPTS", "6"))  # then a temporary failure is final
# A killed mail worker's emails go again at the next scheduler pass: what it holds bears
# its token, which PostgreSQL drops with its connection (config.liveness); a worker's
# machine gone silent counts as dead after WORKER_LOST_AFTER_SECONDS. The leases are for
# what no token speaks for: a delivery job no worker took up (Redis lost it) is queued
# again after MAIL_DELIVERY_LEASE_SECONDS; an email marked sending without a token (SQLite)
# is its worker's for MAIL_SENDING_LEASE_SECONDS.
WORKER_LOST_AFTER_SECONDS = max(1, int(env("WORKER_LOST_AFTER_SECONDS", "60")))
MAIL_DELIVERY_LEASE_SECONDS = max(1, int(env("MAIL_DELIVERY_LEASE_SECONDS", "600")))
MAIL_SENDING_LEASE_SECONDS = max(1, int(env("MAIL_SENDING_LEASE_SECONDS", "900")))
# Inbound webhook (replies, bounces, complaints): callers send this as a bearer token.
MAIL_WEBHOOK_SECRET = env("MAIL_WEBHOOK_SECRET")
# Opens and clicks this soon after sending are mail scanners' (mailings.email.machines).
MAIL_MACHINE_SECONDS = int(env("MAIL_MACHINE_SECONDS", "30"))

# Ad platform connections (crm.retargeting): their access tokens are encrypted at
# rest with this key, a Fernet key (`Fernet.generate_key()`) or any long secret.
# Empty: derived from SECRET_KEY with HKDF (development); set it in production so a
# new SECRET_KEY does not make the saved tokens unreadable.
AD_TOKEN_KEY = env("AD_TOKEN_KEY")

# Print runs: letters rendered per job (chunks render in parallel on the
# "letters" workers, then merge in order), and the time one chunk may take.
LETTER_CHUNK_SIZE = int(env("LETTER_CHUNK_SIZE", "100"))
LETTER_RENDER_SECONDS = float(env("LETTER_RENDER_SECONDS", "300"))

# Referrals: a customer's link is REFERRAL_LANDING_URL + their code (by default
# SITE_URL/r/<code>, which redirects to REFERRAL_REDIRECT_URL?ref=<code>, the
# company's website); a reward for every REFERRAL_REWARD_CUSTOMERS referred
# people who became customers.
REFERRAL_LANDING_URL = env("REFERRAL_LANDING_URL", SITE_URL + "/r/")
REFERRAL_REDIRECT_URL = env("REFERRAL_REDIRECT_URL", SITE_URL + "/")
REFERRAL_REWARD_CUSTOMERS = int(env("REFERRAL_REWARD_CUSTOMERS", "3"))

# Website tracking: a cart with no purchase this long after its last activity is
# abandoned; beacons allowed per minute per visitor and per IP address; the
# largest beacon body. Behind a proxy, the address per-IP limits count is
# crm.client_ip's (TRUSTED_PROXY_COUNT), as for logins and bearer tokens.
TRACKING_CART_ABANDON_MINUTES = int(env("TRACKING_CART_ABANDON_MINUTES", "60"))
TRACKING_RATE_PER_MINUTE = int(env("TRACKING_RATE_PER_MINUTE", "120"))
TRACKING_IP_RATE_PER_MINUTE = int(env("TRACKING_IP_RATE_PER_MINUTE", "600"))
TRACKING_MAX_BODY_BYTES = int(env("TRACKING_MAX_BODY_BYTES", "8192"))
