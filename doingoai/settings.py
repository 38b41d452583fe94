"""Settings of the portal, read from environment variables.

Zero-setup defaults (SQLite under var/, tasks run in-process) make `make run` work on a fresh
machine; production sets DATABASE_URL, CELERY_BROKER_URL, SECRET_KEY and ALLOWED_HOSTS.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from exc


def env_list(name: str, default: str = "", separator: str = ",") -> list[str]:
    value = os.environ.get(name, default)
    return [item.strip() for item in value.split(separator) if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (set DEBUG=1 for local development)."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "axes",
    "import_export",
    "simple_history",
    "django_filters",
    "django_countries",
    # The project package is an app too, for what every app shares (e-mail deliveries).
    "doingoai",
    "agencies",
    "activities",
    "activities.exchange",
    "reports",
    "notifications",
    "home",
    "monitoring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "doingoai.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Cleans every text the request brings (doingoai.text.clean_text) and refuses a body over
    # Django's limits with the portal's page, before axes or any view reads it.
    "doingoai.middleware.CleanInputMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "doingoai.urls"
WSGI_APPLICATION = "doingoai.wsgi.application"
ASGI_APPLICATION = "doingoai.asgi.application"

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
                "agencies.context_processors.navigation",
                "agencies.plan_context.current_plan",
                "notifications.context_processors.unread_notifications",
            ],
        },
    },
]

if not env_str("DATABASE_URL"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Take the write lock when a transaction starts, so that of two simultaneous writers the
    # second waits and then sees the first one's change (a clear "someone else changed it"),
    # instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
    # The monitoring pages' covering index (activities.Activity.Meta.indexes) includes
    # columns with PostgreSQL's INCLUDE; SQLite builds the same index on its key columns only,
    # which is all a development copy needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "agencies.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Repeated wrong passwords lock that username from that address for a while (django-axes);
# the pair, so that a colleague's typos do not lock the whole office behind one address.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# What a failed login is recorded under: cut to axes's column (doingoai.forms.login_username).
AXES_USERNAME_CALLABLE = "doingoai.forms.login_username"

# Guardian: object permissions live in our direct foreign-key tables (agencies.models);
# no anonymous user row is needed since every page requires a login.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
# The portal's catalogue, then the Vietnamese of Django's and the admin's apps' own texts that
# their catalogues leave in English (doingoai/django_locale/vi/LC_MESSAGES/django.po says more).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "doingoai" / "django_locale"]
# django-countries' Vietnamese catalogue gives two countries one name (Iceland and Ireland are
# both "Ai-len", Austria and Jersey "Áo", Niger and Nigeria "Nigeria"): a clerk could not tell
# them apart, and an import by name would pick one. Their names are the portal's (locale/vi).
COUNTRIES_OVERRIDE = {"IS": _("Iceland"), "JE": _("Jersey"), "NE": _("Niger")}
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["doingoai.formats"]
FORM_RENDERER = "doingoai.forms.FormRenderer"  # templates/_field.html, Bootstrap classes

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STORAGES = {
    # Uploaded files and generated reports are private: never served from a public URL,
    # only through views that check permissions.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "private", "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Celery: without a broker, tasks run eagerly in-process so the zero-setup run still works.
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis hands an unacknowledged task to another worker after this many seconds. A task
# retried with a countdown stays unacknowledged until it runs, so this is longer than the
# longest retry wait (doingoai.celery.EMAIL_TASK_OPTIONS' retry_backoff_max, one hour):
# otherwise a second worker would run the same e-mail while the first still waits to retry.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 3600}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {
    "remind-due-requests": {
        "task": "activities.tasks.remind_due_requests",
        # Before the digest (07:00), which then carries the reminders' notifications.
        "schedule": crontab(hour=6, minute=40),
    },
    "ensure-reporting-periods": {
        "task": "reports.tasks.ensure_reporting_periods",
        "schedule": crontab(hour=0, minute=30),
    },
    "remind-agency-reports": {
        "task": "reports.tasks.remind_agency_reports",
        "schedule": crontab(hour=6, minute=50),
    },
    "draft-consolidated-reports": {
        "task": "reports.tasks.draft_consolidated_reports",
        "schedule": crontab(hour=6, minute=0),
    },
    "fail-stale-report-builds": {
        "task": "reports.tasks.fail_stale_builds",
        "schedule": crontab(minute="*/5"),
    },
    "prune-email-deliveries": {
        "task": "doingoai.prune_email_deliveries",
        "schedule": crontab(hour=3, minute=0),
    },
    "send-notification-digests": {
        "task": "notifications.send_digests",
        "schedule": crontab(hour=7, minute=0),
    },
    "apply-scheduled-names": {
        "task": "agencies.tasks.apply_scheduled_names",
        "schedule": crontab(hour=0, minute=5),
    },
}
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds each SMTP command may wait (Django's default is forever): a mail server that hangs
# fails the send, which the e-mail task retries, instead of keeping the task running past
# Redis's visibility timeout (CELERY_BROKER_TRANSPORT_OPTIONS).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "doingoai@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# Behind a TLS-terminating proxy in production; all of these are on unless DEBUG. The
# proxy's X-Forwarded-Proto is trusted only when said so: a client reaching the app directly
# could forge it.
if env_bool("TRUST_PROXY_HEADERS", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies stand before the app, so that django-axes locks the client's address,
# not the proxy's.
AXES_IPWARE_PROXY_COUNT = env_int("PROXY_COUNT", 0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if AXES_IPWARE_PROXY_COUNT else ("REMOTE_ADDR",)
)
# At most this many files in one request (Django's default is 100). Above what any form
# takes (activities.forms.MAX_FILES, 10): a form refuses too many with its own message and
# keeps what was typed, where this limit answers a bare error page.
DATA_UPLOAD_MAX_NUMBER_FILES = 50
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)

# Attachments: what may be uploaded, checked by content (doingoai/files.py).
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_MB", 20) * 1024 * 1024

# Periodic reports (reports/). Periods: "decree09" (15/12 to 14/6 and 15/12 to 14/12, Decree
# 09/2019/ND-CP) or "calendar" (1/1 to 30/6 and 1/1 to 31/12); agencies report within
# REPORT_DEADLINE_DAYS after the period ends and are reminded REPORT_REMIND_DAYS_BEFORE days
# before the deadline and on the day after it.
REPORT_PERIOD_SCHEME = env_str("REPORT_PERIOD_SCHEME", "decree09")
REPORT_FIRST_YEAR = env_int("REPORT_FIRST_YEAR", 2020)
REPORT_DEADLINE_DAYS = env_int("REPORT_DEADLINE_DAYS", 5)
REPORT_REMIND_DAYS_BEFORE = env_int("REPORT_REMIND_DAYS_BEFORE", 3)
# A build that has not finished after this long is failed (the worker died or hung).
REPORT_BUILD_SOFT_TIME_LIMIT = env_int("REPORT_BUILD_SOFT_TIME_LIMIT", 240)
REPORT_BUILD_TIME_LIMIT = REPORT_BUILD_SOFT_TIME_LIMIT + 30
REPORT_BUILD_STALE_SECONDS = env_int("REPORT_BUILD_STALE_SECONDS", REPORT_BUILD_TIME_LIMIT + 300)
REPORT_NOTABLE_LIMIT = 12
REPORT_QUOTE_MAX_CHARS = 1500  # an agency's difficulty or proposal, as the PDF quotes it
REPORT_COUNTRY_LIMIT = 10
REPORT_AGENCY_LIST_LIMIT = 500
# The administrative frame of the consolidated report (Decree 30/2020/ND-CP, Appendix I):
# these seed only the first reports.IssuingAuthority record (migration 0010); afterwards the
# records, edited in the admin and valid from a date, are what reports print.
REPORT_ISSUER_PARENT = env_str("REPORT_ISSUER_PARENT", "UBND TỈNH BÀ RỊA - VŨNG TÀU")
REPORT_ISSUER = env_str("REPORT_ISSUER", "SỞ NGOẠI VỤ")
REPORT_NUMBER_SUFFIX = env_str("REPORT_NUMBER_SUFFIX", "BC-SNgV")
REPORT_PLACE = env_str("REPORT_PLACE", "Bà Rịa - Vũng Tàu")
REPORT_RECIPIENTS = env_list(
    "REPORT_RECIPIENTS",
    "- Bộ Ngoại giao (Cục Ngoại vụ);|- Thường trực Tỉnh ủy;|- Thường trực HĐND tỉnh;"
    "|- UBND tỉnh;|- Ủy ban MTTQ Việt Nam tỉnh;|- Liên hiệp các tổ chức hữu nghị tỉnh;"
    "|- Các sở, ban, ngành; UBND các huyện, thị xã, thành phố;",
    separator="|",
)
REPORT_ARCHIVE = env_str("REPORT_ARCHIVE", "- Lưu: VT, P.HTQT.")
REPORT_SIGNER_AUTHORITY = env_str("REPORT_SIGNER_AUTHORITY", "KT. GIÁM ĐỐC")
REPORT_SIGNER_TITLE = env_str("REPORT_SIGNER_TITLE", "PHÓ GIÁM ĐỐC")
REPORT_SIGNER_NAME = env_str("REPORT_SIGNER_NAME", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
