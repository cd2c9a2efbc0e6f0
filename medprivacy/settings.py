"""The one settings module of MedPrivacy, driven by the environment (see .env.example).

Every variable has an embedded default that lets a newcomer run the portal with nothing installed
(SQLite, a filesystem Celery transport, a file cache, e-mail kept in files). Production sets
DATABASE_URL, REDIS_URL and a real DJANGO_SECRET_KEY; without that key it refuses to start.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import environ
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MEDPRIVACY_VAR_DIR", BASE_DIR / "var"))
# Under pytest-xdist each test process (gw0, gw1, ...) keeps its own files and Redis database; pytest-django
# suffixes its test database. Worker processes a test starts inherit the variable, so they follow it.
TEST_PROCESS = os.environ.get("PYTEST_XDIST_WORKER", "")
if TEST_PROCESS:
    VAR_DIR = VAR_DIR / f"test-{TEST_PROCESS}"

env = environ.Env()
# Values already in the process environment win over the file (read_env never overwrites).
ENV_FILE = Path(os.environ.get("DJANGO_ENV_FILE", BASE_DIR / ".env"))
if ENV_FILE.is_file():
    env.read_env(str(ENV_FILE))

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Production posture (HTTPS-only cookies, redirect, HSTS) unless explicitly switched off for local runs.
HTTPS = env.bool("DJANGO_HTTPS", default=not DEBUG)

_INSECURE_KEYS = {"", "change-me", "changeme", "secret", "insecure"}
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if SECRET_KEY.strip().lower() in _INSECURE_KEYS or len(SECRET_KEY) < 32:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set to a real secret (at least 32 random characters). "
            "Set DJANGO_SECRET_KEY in the environment; ./run.sh writes a random one to .env for local use."
        )
    SECRET_KEY = "django-insecure-local-development-only-key-not-for-production"

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Absolute base URL used in links inside e-mails (verification, status page, admin case links).
# ./run.sh exports MEDPRIVACY_PORT; links then follow the port it was started on.
SITE_URL = (env.str("MEDPRIVACY_SITE_URL", default="")
            or f"http://127.0.0.1:{env.int('MEDPRIVACY_PORT', default=8000)}").rstrip("/")
COMPANY_NAME = env.str("MEDPRIVACY_COMPANY_NAME", default="Med Dimensions")
PRIVACY_CONTACT_EMAIL = env.str("MEDPRIVACY_PRIVACY_EMAIL", default="privacy@meddimensions.example")

INSTALLED_APPS = [
    "security.apps.SecureAdminConfig",  # django.contrib.admin with the second-factor site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "guardian",
    "simple_history",
    "django_celery_beat",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_ratelimit",
    "ninja",
    # Bottom first: each app imports only the apps listed above it (docs/architecture.md).
    "security",
    "medprivacy",
    "audit",
    "subjects",
    "timeline",
    "outbox",
    "minors",
    "consents",
    "retention",
    "fulfilment",
    "assessments",
    "referrals",
    "admt",
    "requests_app",
    "drp",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "security.middleware.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The page's language: ?lang= (the hreflang alternates), the switcher's cookie, else Accept-Language.
    # Before the bad-input guard so that even its 400 answers speak the visitor's language; it needs no session.
    "medprivacy.middleware.LocaleMiddleware",
    "security.middleware.BadInputMiddleware",  # unreadable input: 400 before anything parses it
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "security.middleware.TwoFactorRequiredMiddleware",
    "security.middleware.AnonymousWriteRateLimitMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "medprivacy.middleware.DisplayTimeZoneMiddleware",
    "consents.middleware.GlobalPrivacyControlMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "medprivacy.urls"
WSGI_APPLICATION = "medprivacy.wsgi.application"

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
                "medprivacy.context_processors.company",
                "medprivacy.context_processors.languages",
                "consents.context_processors.gpc",
            ],
        },
    },
]

# --- Storage -------------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
# Persistent connections: each web/worker thread keeps its connection for DATABASE_CONN_MAX_AGE seconds
# instead of opening one per request (issue 19: +60 % intake throughput), checked before reuse so a
# connection the server or a failover closed is replaced instead of failing the request. 0 closes after
# every request (what a transaction-pooling PgBouncer in front would want).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DATABASE_CONN_HEALTH_CHECKS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so a real worker process started by a test sees the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL and TEST_PROCESS:
    _base, _, _db = REDIS_URL.rpartition("/")
    REDIS_URL = f"{_base}/{(int(_db or 0) + int(TEST_PROCESS.removeprefix('gw'))) % 16}"
CACHE_DIR = VAR_DIR / "cache"
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Shared by web, worker and beat processes on one machine (locmem would not be).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(CACHE_DIR)}}

# Private files (authorization documents, evidence, access packages): outside any public path,
# served only through views that check object permissions.
PRIVATE_STORAGE_ROOT = Path(env.str("MEDPRIVACY_PRIVATE_STORAGE", default=str(VAR_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(PRIVATE_STORAGE_ROOT), "base_url": None}},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]

# --- Auth and permissions ------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login before checking the password
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# History rows keep the full reason for every change (who and why), not 100 characters of it.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
ANONYMOUS_USER_NAME = None  # guardian: no anonymous object permissions; the public site has none.
GUARDIAN_RAISE_403 = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# Messages live in the session (server side), never in a cookie the browser keeps.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Login throttling (django-axes): after this many failed logins for one username from one client the
# login is locked for the cool-off time, with a page that says so (security.views.login_locked_out).
AXES_FAILURE_LIMIT = env.int("MEDPRIVACY_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("MEDPRIVACY_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "security.ratelimit.client_ip"
AXES_LOCKOUT_CALLABLE = "security.views.login_locked_out"
AXES_VERBOSE = False

# Second factor for staff (django-otp TOTP with static recovery codes; security.twofactor).
MEDPRIVACY_2FA_REQUIRED_FOR_SUPERVISORS = env.bool("MEDPRIVACY_2FA_REQUIRED_FOR_SUPERVISORS", default=True)
MEDPRIVACY_2FA_REQUIRED_FOR_OFFICERS = env.bool("MEDPRIVACY_2FA_REQUIRED_FOR_OFFICERS", default=False)
# The ./run.sh demo accounts skip the second factor, in DEBUG runs only (never in production).
MEDPRIVACY_2FA_EXEMPT_USERNAMES = (
    ("admin", "supervisor", "officer1", "officer2")
    if DEBUG and env.bool("MEDPRIVACY_2FA_EXEMPT_DEMO_ACCOUNTS", default=True) else ())
OTP_TOTP_ISSUER = env.str("MEDPRIVACY_COMPANY_NAME", default="Med Dimensions") + " privacy office"
# The OTP admin never shows a device's secret or QR code (it would hand over another person's second factor;
# its config views also answered a 500 for an unknown device). Devices are set up at /admin/2fa/setup/ only.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Key of the keyed hash of each data subject's e-mail address (lookups match on it). Empty: derived from
# DJANGO_SECRET_KEY. Changing it needs the hashes recomputed (subjects migration 0002 shows how).
MEDPRIVACY_SUBJECT_HASH_KEY = env.str("MEDPRIVACY_SUBJECT_HASH_KEY", default="")

# --- Time ----------------------------------------------------------------------------------------
USE_TZ = True
TIME_ZONE = "UTC"  # storage and server clock
# What officers see in the admin; stored instants stay UTC.
DISPLAY_TIME_ZONE = env.str("MEDPRIVACY_DISPLAY_TIME_ZONE", default="America/New_York")
# --- Languages (docs/i18n.md) --------------------------------------------------------------------
# The public pages, the legal statements and MedPrivacy's own admin strings in each of these; the catalogues
# are in locale/ (one for the whole project; scripts/i18n-update refreshes and compiles them).
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("es", "Español"),
    ("de", "Deutsch"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Date-times are shown with their zone's abbreviation (medprivacy/formats, per language).
FORMAT_MODULE_PATH = ["medprivacy.formats"]

# --- Security ------------------------------------------------------------------------------------
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=HTTPS)
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
_proxy_header = env.list("DJANGO_SECURE_PROXY_SSL_HEADER", default=[])
SECURE_PROXY_SSL_HEADER = tuple(_proxy_header) if len(_proxy_header) == 2 else None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_AGE_SECONDS", default=8 * 3600)
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts and styles only from our own origin, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF],
        "style-src": [CSP_SELF],
        "img-src": [CSP_SELF, "data:"],
        "font-src": [CSP_SELF],
        "connect-src": [CSP_SELF],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_NONE],
        "frame-ancestors": [CSP_NONE],
        "form-action": [CSP_SELF],
    },
}
# Permissions-Policy on every response (security.middleware): no powerful feature is used.
MEDPRIVACY_PERMISSIONS_POLICY = {feature: [] for feature in (
    "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media", "fullscreen", "geolocation",
    "gyroscope", "magnetometer", "microphone", "midi", "payment", "picture-in-picture", "publickey-credentials-get",
    "screen-wake-lock", "sync-xhr", "usb", "xr-spatial-tracking")}
SECURE_REFERRER_POLICY = "same-origin"
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024

# --- E-mail --------------------------------------------------------------------------------------
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    # Kept as files a newcomer can read under var/mail/ (every message is also stored on the case).
    # One file per message under EMAIL_FILE_PATH, deleted with its message (erasure, retention).
    EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="medprivacy.mail.MessageFileBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=PRIVACY_CONTACT_EMAIL)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery --------------------------------------------------------------------------------------
CELERY_DATA_DIR = VAR_DIR / "celery"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND",
                                default=REDIS_URL or f"file://{CELERY_DATA_DIR / 'results'}")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed", "results", "control"):
        (CELERY_DATA_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_DATA_DIR / "queue"),
        "data_folder_out": str(CELERY_DATA_DIR / "queue"),
        "processed_folder": str(CELERY_DATA_DIR / "processed"),
        "store_processed": False,
        "control_folder": str(CELERY_DATA_DIR / "control"),
    }
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False  # the filesystem transport has no broadcast
if CELERY_RESULT_BACKEND.startswith("file://"):
    (CELERY_DATA_DIR / "results").mkdir(parents=True, exist_ok=True)
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the message for another worker
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# /healthz reports the beat as stale when its last tick is older than this.
BEAT_STALE_AFTER_SECONDS = env.int("MEDPRIVACY_BEAT_STALE_AFTER_SECONDS", default=180)

# --- Logging: ids and counts only, never request contents or personal data ----------------------
# security.logfilter.RedactingFilter removes tokens and e-mail addresses from every record that reaches
# a handler (root, django.request, django.security.csrf, celery; gunicorn's through gunicorn.conf.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "security.logfilter.RedactingFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django logs the request path of 4xx/5xx responses; signed links live in paths, so keep
        # only errors from it.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "django.security.csrf": {"level": "WARNING"},
    },
}

# --- Privacy rules: the ⚑ conventions of shared/RULES.md (defaults as given there) ---------------
MEDPRIVACY_CONVENTIONS = {
    "ccpa_day_zero": env.str("MEDPRIVACY_CCPA_DAY_ZERO", default="receipt"),
    "us_business_day_calendar": env.str("MEDPRIVACY_US_BUSINESS_DAY_CALENDAR", default="federal"),
    "gdpr_pause_mode": env.str("MEDPRIVACY_GDPR_PAUSE_MODE", default="add_paused_days"),
    "gdpr_holiday_calendar": env.str("MEDPRIVACY_GDPR_HOLIDAY_CALENDAR", default="subject_country"),
    # ⚑ RULES.md §9: the ADMT appeal's clock, and whether ADMT access gets the §7021 acknowledgement.
    "admt_appeal_days": env.int("MEDPRIVACY_ADMT_APPEAL_DAYS", default=45),
    "admt_access_acknowledge": env.bool("MEDPRIVACY_ADMT_ACCESS_ACKNOWLEDGE", default=True),
}
# Where the privacy policy explains the rights (its §7): linked from every ADMT access response (§7222(b)).
# Empty: the portal's homepage, whose "Your privacy rights" section links every right.
MEDPRIVACY_POLICY_RIGHTS_URL = env.str("MEDPRIVACY_POLICY_RIGHTS_URL", default="")
# ⚑ RULES.md §9 (§7102, M): count ADMT access and opt-out requests in the yearly metrics.
MEDPRIVACY_ADMT_METRICS = env.bool("MEDPRIVACY_ADMT_METRICS", default=True)
# Intake: how long a verification link stays valid, and submission limits per hour.
MEDPRIVACY_VERIFICATION_LINK_DAYS = env.int("MEDPRIVACY_VERIFICATION_LINK_DAYS", default=7)
MEDPRIVACY_SUBMISSIONS_PER_IP_PER_HOUR = env.int("MEDPRIVACY_SUBMISSIONS_PER_IP_PER_HOUR", default=10)
MEDPRIVACY_SUBMISSIONS_PER_EMAIL_PER_HOUR = env.int("MEDPRIVACY_SUBMISSIONS_PER_EMAIL_PER_HOUR", default=5)

# --- Rate limits: the one mechanism (security.ratelimit, django-ratelimit + django-ipware) --------
# Proxies in front of the web process that append the client's address to X-Forwarded-For (the load
# balancer, nginx): 0 trusts REMOTE_ADDR alone; 1 takes the right-most X-Forwarded-For entry; n the n-th
# from the right. Entries a client wrote itself are never used.
MEDPRIVACY_TRUSTED_PROXIES = env.int("MEDPRIVACY_TRUSTED_PROXIES", default=0)
# Scope -> "count/period" (s, m, h, d; "5/15m" = 5 per 15 minutes), counted per client address unless
# the scope says otherwise; an empty value switches a scope off.
MEDPRIVACY_RATE_LIMITS = {
    # Every anonymous POST/PUT/PATCH/DELETE, whatever the page, per client.
    "public.write": env.str("MEDPRIVACY_RATE_PUBLIC_WRITES", default="60/10m"),
    # (setting name, period): the count is read from that setting when the limit is checked.
    "intake.submit.ip": ("MEDPRIVACY_SUBMISSIONS_PER_IP_PER_HOUR", "h"),
    "intake.submit.email": ("MEDPRIVACY_SUBMISSIONS_PER_EMAIL_PER_HOUR", "h"),
    "intake.new_link.ip": ("MEDPRIVACY_SUBMISSIONS_PER_IP_PER_HOUR", "h"),
    "intake.new_link.email": ("MEDPRIVACY_SUBMISSIONS_PER_EMAIL_PER_HOUR", "h"),
    "intake.verify": env.str("MEDPRIVACY_RATE_VERIFY", default="30/h"),
    "intake.withdraw": env.str("MEDPRIVACY_RATE_WITHDRAW", default="20/h"),
    # Wrong e-mail addresses typed to open a status page's conversation, per client.
    "intake.status_confirm": env.str("MEDPRIVACY_RATE_STATUS_CONFIRM", default="5/15m"),
    "consents.link.ip": env.str("MEDPRIVACY_RATE_PREFERENCE_LINKS_PER_CLIENT", default="10/h"),
    "consents.link.email": ("MEDPRIVACY_PREFERENCE_LINKS_PER_EMAIL_PER_HOUR", "h"),
    "consents.preferences": env.str("MEDPRIVACY_RATE_PREFERENCE_SAVES", default="30/h"),
    "consents.unsubscribe": env.str("MEDPRIVACY_RATE_UNSUBSCRIBES", default="30/h"),
    # GPC signals recorded (ledger rows) per client; past it the signal is honored but not recorded again.
    "consents.gpc": env.str("MEDPRIVACY_RATE_GPC_RECORDS", default="20/h"),
    "consents.api": env.str("MEDPRIVACY_RATE_CONSENT_API", default="600/m"),
    # The JSON API (DRP agents, consent API tokens), per agent or token (and per address before pairing).
    "api": ("MEDPRIVACY_API_REQUESTS_PER_HOUR", "h"),
    # E-mail confirmations on access-package links, per client (not per link: a stranger's guesses cannot
    # lock the requester out of their own package).
    "packages.email_attempts": ("MEDPRIVACY_PACKAGE_EMAIL_ATTEMPTS", "15m"),
    "fulfilment.callback": env.str("MEDPRIVACY_RATE_CALLBACKS", default="600/m"),
    "admin.2fa": env.str("MEDPRIVACY_RATE_2FA_ATTEMPTS", default="10/15m"),
}
# Seconds each web process answers the consent API's token and purpose lookups from memory (0: always ask
# the database). A token revoked or a purpose changed in one process takes effect there at once and in the
# others within this time (docs/consents.md).
MEDPRIVACY_CONSENT_API_CACHE_SECONDS = env.int("MEDPRIVACY_CONSENT_API_CACHE_SECONDS", default=5)
# Paths whose writes count under their own scopes only, not "public.write" (the JSON APIs: DRP, consents).
MEDPRIVACY_RATE_OWN_SCOPE_PATHS = ("/v1/", "/api/")
RATELIMIT_VIEW = "security.views.rate_limited"
# django-ratelimit predates Django's RedisCache, whose incr() is Redis INCR: atomic, shared by processes.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
if not REDIS_URL:
    # The embedded defaults (one machine, a file cache) count without atomic increments; production runs
    # Redis, and `check --deploy` says so when it does not (security.checks).
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")
RATELIMIT_HASH_ALGORITHM = "hashlib.sha256"
# How long the signed status-page link in every e-mail to a requester stays valid.
MEDPRIVACY_STATUS_LINK_DAYS = env.int("MEDPRIVACY_STATUS_LINK_DAYS", default=180)
# A plain 403 page (with the site's layout) when a form arrives without a valid CSRF token.
CSRF_FAILURE_VIEW = "requests_app.views.csrf_failure"

# Scheduled jobs (issue 8): reminder offsets, recipients and quiet rules. Days are calendar days in
# MEDPRIVACY_REMINDER_TIME_ZONE; statutory days never appear here (they come from the rules table).
MEDPRIVACY_REMINDERS = {
    "time_zone": env.str("MEDPRIVACY_REMINDER_TIME_ZONE", default=DISPLAY_TIME_ZONE),
    "due_offsets_days": env.list("MEDPRIVACY_REMINDER_OFFSETS_DAYS", cast=int, default=[7, 3, 1]),
    "acknowledge_offsets_days": env.list("MEDPRIVACY_REMINDER_ACK_OFFSETS_DAYS", cast=int, default=[3, 1]),
    "extension_offsets_days": env.list("MEDPRIVACY_REMINDER_EXTENSION_OFFSETS_DAYS", cast=int, default=[5, 2]),
    "unassigned_every_days": env.int("MEDPRIVACY_UNASSIGNED_REMINDER_EVERY_DAYS", default=2),
    "unassigned_before_due_days": env.int("MEDPRIVACY_UNASSIGNED_REMINDER_BEFORE_DUE_DAYS", default=5),
    "verification_reminder_after_hours": env.int("MEDPRIVACY_VERIFICATION_REMINDER_AFTER_HOURS", default=24),
    "awaiting_requester_silence_days": env.int("MEDPRIVACY_AWAITING_REQUESTER_SILENCE_DAYS", default=30),
    "extra_supervisor_recipients": env.list("MEDPRIVACY_REMINDER_EXTRA_SUPERVISOR_EMAILS", default=[]),
    "quiet_hours": env.str("MEDPRIVACY_REMINDER_QUIET_HOURS", default=""),  # e.g. "20-7": hold staff e-mails
    "quiet_weekends": env.bool("MEDPRIVACY_REMINDER_QUIET_WEEKENDS", default=False),
    "send_batch": env.int("MEDPRIVACY_REMINDER_SEND_BATCH", default=25),
    "sweep_time_budget_seconds": env.int("MEDPRIVACY_REMINDER_SWEEP_TIME_BUDGET_SECONDS", default=60),
    "stale_claim_seconds": env.int("MEDPRIVACY_REMINDER_STALE_CLAIM_SECONDS", default=900),
    "max_attempts": env.int("MEDPRIVACY_REMINDER_MAX_ATTEMPTS", default=8),
    "retry_base_seconds": env.int("MEDPRIVACY_REMINDER_RETRY_BASE_SECONDS", default=300),
    "retry_cap_seconds": env.int("MEDPRIVACY_REMINDER_RETRY_CAP_SECONDS", default=6 * 3600),
}
# Risk assessments (11 CCR §7150-7157, docs/assessments.md): review reminders go this many days before each
# due date; the annual CPPA submission names the attesting executive (the business is COMPANY_NAME).
MEDPRIVACY_ASSESSMENTS = {
    "reminder_lead_days": env.int("MEDPRIVACY_ASSESSMENT_REMINDER_LEAD_DAYS", default=30),
    "executive_name": env.str("MEDPRIVACY_ASSESSMENT_EXECUTIVE_NAME", default=""),
    "executive_title": env.str("MEDPRIVACY_ASSESSMENT_EXECUTIVE_TITLE", default=""),
}
# A job run still "running" after this long lost its worker; a beat sweep closes it as abandoned.
MEDPRIVACY_JOB_RUN_TIMEOUT_SECONDS = env.int("MEDPRIVACY_JOB_RUN_TIMEOUT_SECONDS", default=2 * 3600)
# The outbox (every e-mail to a person): at-least-once delivery, one retry sweep over next_attempt_at.
MEDPRIVACY_OUTBOX = {
    # A message claimed this long ago and not marked sent (a killed worker) is sent again.
    "stale_claim_seconds": env.int("MEDPRIVACY_MESSAGE_STALE_CLAIM_SECONDS", default=900),
    "max_attempts": env.int("MEDPRIVACY_MESSAGE_MAX_ATTEMPTS", default=10),
    "retry_base_seconds": env.int("MEDPRIVACY_MESSAGE_RETRY_BASE_SECONDS", default=60),
    "retry_cap_seconds": env.int("MEDPRIVACY_MESSAGE_RETRY_CAP_SECONDS", default=6 * 3600),
    "sweep_batch": env.int("MEDPRIVACY_MESSAGE_SWEEP_BATCH", default=200),
}

# --- Consents: preference links, unsubscribe links, Global Privacy Control -----------------------
MEDPRIVACY_PREFERENCE_LINK_DAYS = env.int("MEDPRIVACY_PREFERENCE_LINK_DAYS", default=7)
# Unsubscribe links ride in marketing mail and must keep working well after it was sent.
MEDPRIVACY_UNSUBSCRIBE_LINK_DAYS = env.int("MEDPRIVACY_UNSUBSCRIBE_LINK_DAYS", default=365)
MEDPRIVACY_PREFERENCE_LINKS_PER_EMAIL_PER_HOUR = env.int("MEDPRIVACY_PREFERENCE_LINKS_PER_EMAIL_PER_HOUR", default=3)
# /.well-known/gpc.json lastUpdate (YYYY-MM-DD); empty: the date of the latest notice version.
MEDPRIVACY_GPC_LAST_UPDATE = env.str("MEDPRIVACY_GPC_LAST_UPDATE", default="")
MEDPRIVACY_BROWSER_ID_COOKIE = "mp_bid"
# Key of the suppression entries of erased addresses (HMAC-SHA256 of the normalised address). Keep it stable:
# a new key makes every earlier entry unrecognisable. Defaults to the secret key.
MEDPRIVACY_SUPPRESSION_KEY = env.str("MEDPRIVACY_SUPPRESSION_KEY", default="") or SECRET_KEY

# --- Fulfilment: webhooks to systems and access packages -----------------------------------------
# Plain http:// webhooks are refused except to 127.0.0.1 when DEBUG or this is set (tests, local stand-ins).
MEDPRIVACY_WEBHOOK_ALLOW_HTTP_LOCALHOST = env.bool("MEDPRIVACY_WEBHOOK_ALLOW_HTTP_LOCALHOST", default=False)
MEDPRIVACY_WEBHOOK_TIMEOUT_SECONDS = env.float("MEDPRIVACY_WEBHOOK_TIMEOUT_SECONDS", default=10.0)
MEDPRIVACY_WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS = env.int("MEDPRIVACY_WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS",
                                                         default=300)
MEDPRIVACY_WEBHOOK_MAX_ATTEMPTS = env.int("MEDPRIVACY_WEBHOOK_MAX_ATTEMPTS", default=6)
MEDPRIVACY_WEBHOOK_BACKOFF_SECONDS = env.int("MEDPRIVACY_WEBHOOK_BACKOFF_SECONDS", default=60)
# After a 202, the callback is awaited this long before the request is sent again.
MEDPRIVACY_WEBHOOK_CALLBACK_TIMEOUT_HOURS = env.int("MEDPRIVACY_WEBHOOK_CALLBACK_TIMEOUT_HOURS", default=24)
MEDPRIVACY_WEBHOOK_MAX_RESPONSE_BYTES = env.int("MEDPRIVACY_WEBHOOK_MAX_RESPONSE_BYTES", default=5 * 1024 * 1024)
# Tasks fall due this many days before the case (never after it), leaving time to answer.
MEDPRIVACY_TASK_DUE_MARGIN_DAYS = env.int("MEDPRIVACY_TASK_DUE_MARGIN_DAYS", default=5)
MEDPRIVACY_PACKAGE_LINK_DAYS = env.int("MEDPRIVACY_PACKAGE_LINK_DAYS", default=7)
MEDPRIVACY_PACKAGE_EMAIL_ATTEMPTS = env.int("MEDPRIVACY_PACKAGE_EMAIL_ATTEMPTS", default=5)

# Retention: whether a live purge waits for a supervisor's approval, and its batch size (rows per
# transaction).
MEDPRIVACY_PURGE_REQUIRES_APPROVAL = env.bool("MEDPRIVACY_PURGE_REQUIRES_APPROVAL", default=False)
MEDPRIVACY_PURGE_BATCH_SIZE = env.int("MEDPRIVACY_PURGE_BATCH_SIZE", default=1000)

# --- Data Rights Protocol (docs/drp.md) ------------------------------------------------------------
# This business's id in the DRP network; signed requests must name it in "business-id".
MEDPRIVACY_DRP_BUSINESS_ID = env.str("MEDPRIVACY_DRP_BUSINESS_ID", default="MEDPRIVACY")
# Tolerated difference between an agent's clock and ours when checking issued-at and expires-at.
MEDPRIVACY_DRP_CLOCK_SKEW_SECONDS = env.int("MEDPRIVACY_DRP_CLOCK_SKEW_SECONDS", default=300)
# The longest validity window (expires-at minus issued-at) a signed request may claim.
MEDPRIVACY_DRP_MAX_VALIDITY_MINUTES = env.int("MEDPRIVACY_DRP_MAX_VALIDITY_MINUTES", default=60)
# Status callbacks: attempts before giving up; the wait doubles from the backoff after each failure.
MEDPRIVACY_DRP_CALLBACK_MAX_ATTEMPTS = env.int("MEDPRIVACY_DRP_CALLBACK_MAX_ATTEMPTS", default=8)
MEDPRIVACY_DRP_CALLBACK_BACKOFF_SECONDS = env.int("MEDPRIVACY_DRP_CALLBACK_BACKOFF_SECONDS", default=60)
# DRP API requests per agent (or per address before authentication) per hour.
# The consent API is limited per client instead (scope consents.api).
MEDPRIVACY_API_REQUESTS_PER_HOUR = env.int("MEDPRIVACY_API_REQUESTS_PER_HOUR", default=600)

# --- Audit chain and reporting ---
# Key of the keyed hashes (HMAC-SHA256) the audit chain keeps of personal content. Empty: derived from
# DJANGO_SECRET_KEY (rotating that key then only stops content checks; the chain itself still verifies).
MEDPRIVACY_AUDIT_HMAC_KEY = env.str("MEDPRIVACY_AUDIT_HMAC_KEY", default="")
# Addresses outside the portal that receive the daily checkpoint (the chain's head hash). Empty: none.
MEDPRIVACY_AUDIT_CHECKPOINT_EMAILS = env.list("MEDPRIVACY_AUDIT_CHECKPOINT_EMAILS", default=[])
