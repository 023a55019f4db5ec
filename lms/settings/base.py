"""Settings shared by every environment, read from the environment with embedded defaults.

See https://docs.djangoproject.com/en/5.2/ref/settings/ for each Django setting.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent
THEME = os.environ.get("LMS_THEME", "default")
THEME_DIR = BASE_DIR / "themes" / THEME


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Project apps first so their templates and translations win.
    "lms.core",
    "lms.users",
    "lms.agencies",
    "lms.courses",
    "lms.quizzes",
    "lms.training",
    "lms.certificates",
    "lms.competencies",
    "lms.reports",
    # Correct Vietnamese for Wagtail's admin: after our apps, before Wagtail's (lms/wagtail_vi).
    "lms.wagtail_vi",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.table_block",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_htmx",
    "axes",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside the lesson fast path below, so the pages it answers carry the policy too.
    "lms.core.csp.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Names the learner's cache entries to read with the session (lms/courses/pagecache.py).
    "lms.courses.pagecache.LearnerKeysMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "lms.core.auth.StaffSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Answers an enrolled learner's lesson page from the cache (lms/courses/pagecache.py): after
    # everything a page's response needs, before what only Wagtail's and our views use.
    "lms.courses.pagecache.LessonPageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Audit history of QMS records (django-simple-history): who changed what, when, old → new, shown
# on the Django admin's "History" page. The middleware records the acting user; history is
# evidence, so the admin can read it but never revert an object to an old version.
INSTALLED_APPS.append("simple_history")
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "simple_history.middleware.HistoryRequestMiddleware",
)
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# Two-factor login (django-otp, https://django-otp-official.readthedocs.io/): TOTP apps plus
# printed backup codes. OTPMiddleware marks the session verified; OTPRequiredMiddleware
# (lms/users/otp.py) sends whoever still owes a code to it: platform admins always when
# OTP_REQUIRED_FOR_ADMINS is on (off in dev and test settings, for the demo logins), anyone else
# once they have set up a device.
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "lms.users.otp.OTPRequiredMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
OTP_REQUIRED_FOR_ADMINS = env_bool("OTP_REQUIRED_FOR_ADMINS", True)
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "LMS ISO 9001")

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [THEME_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "wagtail.contrib.settings.context_processors.settings",
                "lms.core.context_processors.platform",
            ],
        },
    },
]

# https://github.com/jazzband/dj-database-url: DATABASE_URL=postgres://user:pass@host:5432/name
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        # A persistent connection that the server dropped (a PostgreSQL restart, a failover, an
        # idle cut) is tested before a request uses it and replaced, instead of answering 500.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server and eager tasks share the file; IMMEDIATE
    # transactions take the write lock up front, so concurrent writers wait instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Connections persist per server thread as with PostgreSQL (CONN_MAX_AGE, default 60 s): a new
    # SQLite connection (open, register functions, run the PRAGMAs above) costs several ms of CPU,
    # more than a whole lesson page's queries. CONN_MAX_AGE=0 brings back one per request.

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "users.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "account"
LOGOUT_REDIRECT_URL = "/"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Vietnamese first, English second.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
# The theme's catalogue first; each app keeps its own in lms/<app>/locale.
LOCALE_PATHS = [THEME_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
FORMAT_MODULE_PATH = ["lms.core.formats"]
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "static"))
STATICFILES_DIRS = [THEME_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
# Attendance evidence (scanned sign-in sheets): outside MEDIA_ROOT, served only by a view that
# checks the session's permission. Back it up with the database and the media.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "var" / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

# Cache: CACHE_URL (or REDIS_URL) = redis://host:6379/1. Without one, files under var/cache: a
# cache every server process shares (per-process memory would keep serving a page that another
# process has republished, or a user that another process has deactivated). The prefix names the
# database, so two databases served from one checkout (`make run`, `make bench`) never share keys.


def redis_cache(url: str, prefix: str) -> dict:
    """The Redis cache entry for CACHES (the services tests point it at a Redis of their own)."""
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": prefix,
        # https://github.com/jazzband/django-redis#socket-timeout: a Redis that is down or frozen
        # costs each cache call at most these seconds (without them a frozen Redis held requests
        # for the kernel's TCP timeout) ...
        "OPTIONS": {
            "SOCKET_CONNECT_TIMEOUT": float(os.environ.get("CACHE_CONNECT_TIMEOUT", "0.3")),
            "SOCKET_TIMEOUT": float(os.environ.get("CACHE_SOCKET_TIMEOUT", "0.3")),
            # ... and then counts as a miss, logged (DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS): pages,
            # logins and check-ins take the database path; sessions live in the database behind
            # the cache (cached_db below), so none is lost with Redis.
            "IGNORE_EXCEPTIONS": True,
        },
    }


DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
_cache_url = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL")
if _cache_url:
    CACHES = {"default": redis_cache(_cache_url, os.environ.get("CACHE_KEY_PREFIX", "lms"))}
else:
    import hashlib

    _db_name = str(DATABASES["default"].get("NAME") or "")
    CACHES = {
        "default": {
            # Django's, listing the directory to cull only now and then (lms/core/cache.py).
            "BACKEND": "lms.core.cache.FileBasedCache",
            "LOCATION": os.environ.get("CACHE_DIR", str(BASE_DIR / "var" / "cache")),
            "KEY_PREFIX": os.environ.get(
                "CACHE_KEY_PREFIX", hashlib.sha256(_db_name.encode()).hexdigest()[:12]
            ),
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }

# Where each learner was last seen (the lesson to resume) is queued per process and written in
# one transaction every LESSON_SEEN_FLUSH_SECONDS, or as soon as LESSON_SEEN_FLUSH_SIZE rows wait
# (lms/courses/seen.py); 0 writes each visit in its request.
LESSON_SEEN_FLUSH_SECONDS = float(os.environ.get("LESSON_SEEN_FLUSH_SECONDS", "1"))
LESSON_SEEN_FLUSH_SIZE = int(os.environ.get("LESSON_SEEN_FLUSH_SIZE", "200"))
# Sessions are read from the cache and written through to the database: a logged-in page costs no
# session query, and a cache that is flushed or culled loses no session.
# lms.core.sessions reads the session and its user from the cache in one round trip.
SESSION_ENGINE = "lms.core.sessions"
# Session lifetimes (lms/core/auth.py): staff (any role beyond learner) until the browser closes
# and at most STAFF_SESSION_HOURS after logging in; learners LEARNER_SESSION_DAYS.
STAFF_SESSION_SECONDS = int(float(os.environ.get("STAFF_SESSION_HOURS", "8")) * 3600)
LEARNER_SESSION_SECONDS = int(float(os.environ.get("LEARNER_SESSION_DAYS", "14")) * 86400)
SESSION_COOKIE_AGE = STAFF_SESSION_SECONDS  # sessions opened without a login (language choice)
# The user behind a session comes from the cache too (lms/core/auth.py says how it stays fresh).
# django-axes checks every login first (the site's, Wagtail's and Django's admin logins).
AUTHENTICATION_BACKENDS = [
    "lms.core.auth.ClientThrottleBackend",
    "axes.backends.AxesStandaloneBackend",
    # Staff code, email or username; refuses an identifier that names two logins.
    "lms.users.backends.StaffCodeOrEmailBackend",
    "lms.core.auth.CachedModelBackend",
]

# Email: EMAIL_URL = smtp://user:pass@host:587 (TLS by port 587/465), file:///folder (one file per
# message), or console:// (the default: messages are printed by the server).
_email_url = os.environ.get("EMAIL_URL", "console://")
if _email_url.startswith("smtp"):
    from urllib.parse import unquote, urlparse

    _parsed = urlparse(_email_url)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _parsed.hostname or "localhost"
    EMAIL_PORT = _parsed.port or 25
    EMAIL_HOST_USER = unquote(_parsed.username or "")
    EMAIL_HOST_PASSWORD = unquote(_parsed.password or "")
    EMAIL_USE_TLS = EMAIL_PORT == 587
    EMAIL_USE_SSL = EMAIL_PORT == 465
elif _email_url.startswith("file://"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = _email_url.removeprefix("file://")
elif _email_url.startswith("locmem"):
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Đào tạo ISO <no-reply@localhost>")

# Celery: unset broker = tasks run eagerly in-process (the embedded default).
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# A task a worker took but never acknowledged (the worker was killed) goes back to the queue after
# this many seconds: longer than any task's time limit (outbox_send: 300 s), or a slow run would be
# given to a second worker. Emails do not wait for it: the outbox is swept every minute by beat.
# The socket timeouts keep a request that nudges a down or frozen broker from hanging
# (lms.core.outbox.outbox_kick logs the failure and the request answers).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 900,
    "socket_connect_timeout": 2,
    "socket_timeout": 2,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_BEAT_SCHEDULE = {
    # Emails waiting in the outbox (lms/core/outbox.py): whatever the on-commit nudge missed.
    "core-outbox-send": {
        "task": "lms.core.tasks.outbox_send",
        "schedule": 60.0,
    },
    # Editors whose grant ended yesterday lose Wagtail's editor groups (lms/core/services.py).
    "core-roles-sync-ended": {
        "task": "lms.core.tasks.roles_sync_ended",
        "schedule": crontab(hour=0, minute=5),
    },
    # Reminder e-mails the day before a training session (times are CELERY_TIMEZONE's).
    "training-send-reminders": {
        "task": "lms.training.tasks.send_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    # Logins of officials whose posts have all ended (lms/users/services.py).
    "users-deactivate-leavers": {
        "task": "lms.users.tasks.deactivate_leavers",
        "schedule": crontab(hour=1, minute=30),
    },
    # Publish the page revisions editors scheduled in the admin, unpublish expired pages.
    "courses-publish-scheduled": {
        "task": "lms.courses.tasks.publish_scheduled",
        "schedule": 60.0,
    },
    # The officials counted per agency (lms/agencies/counts.py): the day has changed.
    "agencies-refresh-counts": {
        "task": "lms.agencies.tasks.refresh_agency_counts",
        "schedule": crontab(hour=0, minute=15),
    },
    # Assigned courses: reminders before the due date, weekly overdue digests to secretaries.
    "courses-send-due-reminders": {
        "task": "lms.courses.tasks.send_due_reminders",
        "schedule": crontab(hour=6, minute=45),
    },
    # Certificates: reminders 90 and 30 days before expiry, then the expiry notice (once each).
    "certificates-send-reminders": {
        "task": "lms.certificates.tasks.send_expiry_reminders",
        "schedule": crontab(hour=6, minute=30),
    },
    "certificates-process-expired": {
        "task": "lms.certificates.tasks.process_expired",
        "schedule": crontab(hour=0, minute=15),
    },
    # Dashboard summaries of the agencies whose records changed (lms/reports/services.py): what
    # the on-change nudge missed; dashboards also process the marks before they are read.
    "reports-refresh-pending": {
        "task": "lms.reports.tasks.refresh_pending",
        "schedule": 60.0,
    },
    # Dashboard summaries: the 90-day expiry window and validity move with the date.
    "reports-refresh-summaries": {
        "task": "lms.reports.tasks.refresh_all_summaries",
        "schedule": crontab(hour=0, minute=45),
    },
    # Background exports are kept for their requester a day, then removed with their files.
    "reports-purge-exports": {
        "task": "lms.reports.tasks.purge_exports",
        "schedule": crontab(minute=20),
    },
    # Close timed quiz attempts whose deadline passed while nobody touched them.
    "quizzes-close-expired": {
        "task": "lms.quizzes.tasks.close_expired_sittings",
        "schedule": 300.0,
    },
}

WAGTAIL_SITE_NAME = "Đào tạo ISO 9001"
WAGTAILADMIN_BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "pptx", "doc", "xls", "odt", "ods", "csv", "zip"]
TAGGIT_CASE_INSENSITIVE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Wagtail runs its search-index and reference-index updates as tasks: one line per page
        # saved at INFO, hundreds during a content sync. Failures still show.
        "django_tasks": {"level": "WARNING"},
    },
}

# Content as files (manage.py sync_content): sources run in this order (quizzes first, since
# courses link to them by slug). Each entry: (dotted path of a ContentSource class, folder).
LMS_CONTENT_SOURCES = [
    ("lms.quizzes.sync.QuizSource", BASE_DIR / "content" / "quizzes"),
    ("lms.courses.sync.CourseSource", BASE_DIR / "content" / "courses"),
]

# `load_demo` (logins with a published password) runs only with DEBUG on or this set (test servers).
LMS_ALLOW_DEMO = env_bool("LMS_ALLOW_DEMO", False)

# Login throttling (django-axes, https://django-axes.readthedocs.io/): after AXES_FAILURE_LIMIT
# wrong passwords an account is locked whatever the client, for LOGIN_LOCKOUT_MINUTES;
# `manage.py axes_reset_username <name>` or the admin unlocks earlier. A client address has its
# own, higher limit (LOGIN_CLIENT_FAILURE_RATE, lms.core.auth.ClientThrottleBackend): a whole
# office or training room shares one address.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = ["username"]
LOGIN_CLIENT_FAILURE_RATE = os.environ.get("LOGIN_CLIENT_FAILURE_RATE", "100/h")
# axes warns when its lockout ignores the address: the address is limited by the backend above.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "lms.core.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "lms.core.auth.client_ip"
# The request header that holds the client's address when a reverse proxy sets it (e.g.
# HTTP_X_REAL_IP); unset, the address of the connection.
CLIENT_IP_HEADER = os.environ.get("CLIENT_IP_HEADER", "REMOTE_ADDR")
# Password reset requests per client and per address per hour (django-ratelimit).
PASSWORD_RESET_RATE = os.environ.get("PASSWORD_RESET_RATE", "5/h")
# Public certificate verification lookups per client (django-ratelimit).
# CERTIFICATE_VERIFY_RATE (lookups per client, shared by the page and its JSON/JWT forms): below.
# Printed activation codes (lms/users/codes.py): days valid, attempts per client.
ACTIVATION_CODE_DAYS = int(os.environ.get("ACTIVATION_CODE_DAYS", "30"))
ACTIVATION_CODE_RATE = os.environ.get("ACTIVATION_CODE_RATE", "10/h")

# Content-Security-Policy (django-csp 4, https://django-csp.readthedocs.io/): scripts and styles
# from our own static files only, no inline script or style attribute, no eval. The Wagtail and
# Django admins still have inline scripts and style attributes: they get the same policy with
# 'unsafe-inline' for those two (lms/core/csp.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Lesson Markdown may show images from other https sites.
        "img-src": ["'self'", "data:", "https:"],
        "frame-src": ["https://www.youtube-nocookie.com"],  # VideoBlock's embedded player
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],  # Wagtail's preview shows pages in a frame
    }
}
CSP_ADMIN_PREFIXES = ("/admin/", "/django-admin/")
CONTENT_SECURITY_POLICY_ADMIN = {
    "DIRECTIVES": {
        **CONTENT_SECURITY_POLICY["DIRECTIVES"],
        "script-src": ["'self'", "'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'"],
    }
}
# No Gravatar avatars in the admin: no third-party images, no email hashes sent out.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Nor the admin's call to releases.wagtail.org: versions are pinned and upgraded deliberately.
WAGTAIL_ENABLE_UPDATE_CHECK = False

# Single sign-on with a province's OpenID Connect provider (mozilla-django-oidc,
# https://mozilla-django-oidc.readthedocs.io/, lms/users/oidc.py). Off unless OIDC_RP_CLIENT_ID is
# set: then the provider's endpoints are required, the backend below is added and the login page
# shows "Sign in with OIDC_PROVIDER_NAME". A sign-in is matched to an existing official by the
# staff-code claim or else by a verified email; nobody else gets in (README, "Single sign-on").
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "").strip()
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_ISSUER = os.environ.get("OIDC_OP_ISSUER", "").strip()
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "").strip()
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "").strip()
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "").strip()
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "").strip()
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256").strip()
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid email profile")
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "OpenID Connect")
OIDC_STAFF_CODE_CLAIM = os.environ.get("OIDC_STAFF_CODE_CLAIM", "staff_code").strip()
OIDC_REQUIRE_VERIFIED_EMAIL = env_bool("OIDC_REQUIRE_VERIFIED_EMAIL", True)
OIDC_USE_PKCE = env_bool("OIDC_USE_PKCE", True)
OIDC_TIMEOUT = float(os.environ.get("OIDC_TIMEOUT", "10"))
OIDC_AUTHENTICATION_CALLBACK_URL = "sso:callback"
OIDC_CREATE_USER = False  # never from the claims alone: only for a matched official
if OIDC_ENABLED:
    _oidc_missing = [
        name
        for name in (
            "OIDC_RP_CLIENT_SECRET",
            "OIDC_OP_AUTHORIZATION_ENDPOINT",
            "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_USER_ENDPOINT",
            # The provider's public keys, unless the id_token is signed with the secret (HS*).
            *(() if OIDC_RP_SIGN_ALGO.startswith("HS") else ("OIDC_OP_JWKS_ENDPOINT",)),
        )
        if not globals()[name]
    ]
    if _oidc_missing:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "OIDC_RP_CLIENT_ID is set, so single sign-on needs " + ", ".join(_oidc_missing)
        )
    AUTHENTICATION_BACKENDS.append("lms.users.oidc.OfficialOIDCBackend")
# Open Badges 3.0 credentials (lms/certificates/openbadges.py; README "Open Badges 3.0"): the
# public address credentials and keys are published under (it is signed into each credential: set
# it before issuing), and certificate lookups per client (the verify page and its JSON / JWT forms
# share the count; django-ratelimit). The issuing body is the PDF's (Certificate settings).
OPENBADGES_BASE_URL = os.environ.get("OPENBADGES_BASE_URL", WAGTAILADMIN_BASE_URL).rstrip("/")
CERTIFICATE_VERIFY_RATE = os.environ.get("CERTIFICATE_VERIFY_RATE", "120/m")
