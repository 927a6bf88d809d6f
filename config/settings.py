"""Settings for Stammtisch, every deployment knob read from the environment.

Local defaults need no configuration at all (SQLite and an embedded Redis under
``var/``); production sets ``DEBUG=false``, ``SECRET_KEY``, ``DATABASE_URL``,
``REDIS_URL`` and ``ALLOWED_HOSTS``. Bad values stop the start with a message
naming the variable.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from config import local_redis
from config.env import env_bool, env_choice, env_float, env_int, env_list, env_networks, env_rate, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
MODELS_DIR = Path(env_str("MODELS_DIR", str(DATA_DIR / "models"))).resolve()
# Public training data (GermEval 2018, Davidson 2017), kept outside the repository.
DATASETS_DIR = Path(env_str("DATASETS_DIR", str(BASE_DIR.parent / "shared" / "datasets"))).resolve()

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false")
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"  # noqa: S105

# Proxies in front of the web server that append to X-Forwarded-For; 0 takes the
# peer address as the client's (per-address throttles and login lockouts). The
# header is believed only from a peer in TRUSTED_PROXY_NETWORKS (the proxies'
# addresses): anyone else could write any address into it.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
TRUSTED_PROXY_NETWORKS = env_networks("TRUSTED_PROXY_NETWORKS", [])
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Production (DEBUG=false) runs behind a TLS-terminating proxy: secure cookies,
# HTTPS redirects (except the health check that load balancers call, and /metrics
# that Prometheus scrapes on each web machine, over plain HTTP) and HSTS. See
# .env.example.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^api/health/$", r"^metrics$"]
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)

INSTALLED_APPS = [
    "config.apps.StammtischAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    # Swagger UI's files for /api/docs/, served from here rather than from a CDN.
    "drf_spectacular_sidecar",
    "corsheaders",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "web",
    "articles",
    "accounts",
    "discussion",
    "moderation",
]

MIDDLEWARE = [
    "monitoring.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # One language per request: the language cookie the admin's switch sets, else
    # Accept-Language (the widget sends its own), else LANGUAGE_CODE.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

# --- Accounts and staff security --------------------------------------------
AUTHENTICATION_BACKENDS = [
    # Counts failed logins (admin and API token alike) and refuses further tries.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
# A lockout holds for one account from one address, so that nobody can lock a
# moderator out from elsewhere while a guessing client is stopped.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Guessing from many addresses (a botnet, a rotating proxy) meets a second, higher
# limit: this many failures for one account from anywhere within the cool-off
# time lock the account itself, for everyone, until the cool-off has passed.
LOGIN_ACCOUNT_FAILURE_LIMIT = env_int("LOGIN_ACCOUNT_FAILURE_LIMIT", 20, minimum=1)
AXES_HANDLER = "web.security.LoginGuardHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "web.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "web.security.client_ip"
AXES_VERBOSE = False
# Staff must log in with a TOTP code as second factor (enrol with
# `manage.py totp_enroll USERNAME` or on the admin's two-factor page). Without
# this, a staff member who has set up a device is still asked for its code.
OTP_REQUIRED_FOR_STAFF = env_bool("OTP_REQUIRED_FOR_STAFF", False)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Stammtisch")

# Sign-in with the publisher's accounts (SSO, docs/sso.md): the site's page hands
# the widget a JWT it signed, HS256 with a secret made in the admin, or RS256/ES256
# with a key from the publisher's JWKS (SSO_JWKS_URL, "" for none). When set, the
# token's aud and iss must be these. A token's lifetime (exp minus iat) may be at
# most SSO_MAX_TOKEN_LIFETIME seconds; clocks may differ by SSO_LEEWAY seconds.
SSO_JWKS_URL = env_str("SSO_JWKS_URL", "")
SSO_AUDIENCE = env_str("SSO_AUDIENCE", "")
SSO_ISSUER = env_str("SSO_ISSUER", "")
SSO_MAX_TOKEN_LIFETIME = env_int("SSO_MAX_TOKEN_LIFETIME", 24 * 3600, minimum=60)
SSO_LEEWAY = env_int("SSO_LEEWAY", 60, minimum=0)
# Seconds to wait for the JWKS, and how long its keys are kept.
SSO_JWKS_TIMEOUT = env_float("SSO_JWKS_TIMEOUT", 5.0, minimum=0.1)
SSO_JWKS_CACHE_SECONDS = env_int("SSO_JWKS_CACHE_SECONDS", 300, minimum=1)
# The token's roles that make an account staff (the admin's door); none by default:
# whoever holds the secret would otherwise hold the admin too. Of COMMENTER, MEMBER,
# STAFF, MODERATOR, ADMIN (Coral's roles).
SSO_STAFF_ROLES = [role.upper() for role in env_list("SSO_STAFF_ROLES", [])]
if not set(SSO_STAFF_ROLES) <= {"COMMENTER", "MEMBER", "STAFF", "MODERATOR", "ADMIN"}:
    raise ImproperlyConfigured(
        f"SSO_STAFF_ROLES={','.join(SSO_STAFF_ROLES)!r} "
        "may name only COMMENTER, MEMBER, STAFF, MODERATOR, ADMIN"
    )
if SSO_JWKS_URL and not SSO_JWKS_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(f"SSO_JWKS_URL={SSO_JWKS_URL!r} must be an http(s) address")
# The admin's address; moving it off /admin/ keeps casual scanners away.
ADMIN_PATH = env_str("ADMIN_PATH", "admin/").strip("/") + "/"

# The comment widget on a newsroom's own domain calls the API across origins.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", [])
CORS_URLS_REGEX = r"^/api/.*$"

# --- Content Security Policy ---------------------------------------------
# Our pages run scripts only from this origin: no inline script, no eval, no CDN,
# so that text slipping into a page cannot run. Inline styles stay allowed: the
# admin's, Swagger UI's and the evaluation reports' pages carry small <style>
# blocks, and CSS runs no code. The policy binds our own pages only; a newsroom's
# page that embeds the comment widget keeps its own.
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        # The admin's two-factor page shows its QR code as a data: image, and
        # Swagger UI draws its icons with them.
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        # What X-Frame-Options: DENY says, for browsers that read only this.
        "frame-ancestors": [NONE],
    }
}

# /metrics answers only these networks (and whoever sends METRICS_TOKEN as bearer).
METRICS_ALLOWED_NETWORKS = env_networks("METRICS_ALLOWED_NETWORKS", ["127.0.0.1/32", "::1/128"])
METRICS_TOKEN = env_str("METRICS_TOKEN", "")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
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

# --- Database -------------------------------------------------------------
# SQLite by default, in WAL mode with IMMEDIATE transactions and a busy timeout so
# the web server and the worker can write at the same time without "database is
# locked" errors. DATABASE_URL (postgres://…) switches to PostgreSQL.
DATABASE_URL = env_str("DATABASE_URL", "")
_SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["OPTIONS"] = _SQLITE_OPTIONS
        DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "db.sqlite3"),
            "OPTIONS": _SQLITE_OPTIONS,
            # A file, not memory, so that a worker process started by a test sees it.
            "TEST": {"NAME": str(DATA_DIR / "test-db.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "de"
LANGUAGES = [("de", "Deutsch"), ("en", "English")]
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# The German catalogue of the texts written in English in the code (`make messages`).
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# The admin's own style sheet (config is no app, so its static/ is named here).
STATICFILES_DIRS = [BASE_DIR / "config" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_USE_FINDERS = DEBUG
STATIC_ROOT.mkdir(exist_ok=True)

# --- Redis and Celery -----------------------------------------------------
# The default is this checkout's own Redis, which `make run` starts: a unix socket
# and a password under DATA_DIR/redis/ (config/local_redis.py). Elsewhere REDIS_URL
# names the server, with its password (redis://:PASSWORD@host:6379/0).
REDIS_URL = env_str("REDIS_URL", "") or local_redis.url(DATA_DIR)

CELERY_BROKER_URL = local_redis.celery_url(REDIS_URL)
CELERY_RESULT_BACKEND = None  # results live in the database, not in Redis
CELERY_TASK_IGNORE_RESULT = True
# Only JSON crosses Redis: a message that someone with access to Redis planted in
# another format is refused, never unpickled.
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_DEFAULT_QUEUE = "default"
# Comments to score on "moderation"; housekeeping on its own queue so that a deep
# comment queue does not delay the sweeper that guards it; training, which takes
# minutes, on a queue and worker of its own so that it never delays scoring.
CELERY_TASK_ROUTES = {
    "moderation.sweep_pending": {"queue": "maintenance"},
    "moderation.retrain_model": {"queue": "training"},
    "moderation.dsa_*": {"queue": "maintenance"},
    "moderation.webhooks_send_due": {"queue": "maintenance"},
    # Mails to authors wait on the mail server, not on the comment queue.
    "moderation.author_notify": {"queue": "maintenance"},
    # Requests to the sites' endpoints wait on the network: a queue of their own.
    "moderation.webhook_deliver": {"queue": "webhooks"},
    "moderation.*": {"queue": "moderation"},
}
# The database row is the truth and the message only a wake-up call. Acknowledge
# after the task ran, and give the message back if the worker process dies, so a
# killed worker does not swallow a comment. One message per process at a time, so
# a slow comment never holds others hostage in a local prefetch buffer.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis redelivers an unacknowledged message (its worker was killed outright) only
# after visibility_timeout seconds, checked by every worker each
# unacked_restore_interval seconds. Scoring takes milliseconds, so five minutes is
# ample headroom for a busy worker while bounding how long such a comment waits;
# the sweeper catches whatever falls through.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 300, minimum=5),
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Publishing happens inside a web request: try briefly, then give up and leave the
# comment to the sweeper instead of holding the reader's request.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE = {
    "sweep-pending-comments": {
        "task": "moderation.sweep_pending",
        "schedule": env_float("MODERATION_SWEEP_INTERVAL", 30.0, minimum=1.0),
        "options": {"expires": 60},
    },
}

# --- Cache ----------------------------------------------------------------
# Throttle counters live here. Another database number than the broker's, so that
# flushing one never empties the other. Short socket timeouts: a request must not
# hang on an unreachable cache; the throttles let it through and log a warning.
# Values are stored as JSON (web/cache.py), never as pickles: whoever can write
# to Redis must not be able to run code in the web server.
CACHE_URL = env_str("CACHE_URL", local_redis.with_db(REDIS_URL, 1))
CACHES = {
    "default": {
        "BACKEND": "web.cache.JsonRedisCache",
        "LOCATION": CACHE_URL,
        "KEY_PREFIX": "stammtisch",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}

# --- API ------------------------------------------------------------------
# A comment is at most a few dozen kilobytes; larger bodies are refused with 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("REQUEST_MAX_BYTES", 256 * 1024, minimum=1024)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    # JSON only, also with DEBUG: the browsable API would render readers' text into
    # HTML pages. /api/docs/ is the interactive way to try the API.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["web.parsers.StrictJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["web.throttling.UserWriteThrottle", "web.throttling.IpWriteThrottle"],
    "EXCEPTION_HANDLER": "web.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# Throttles: per user and per client IP for each kind of write, counted in the
# cache. Rates are "<requests>/<second|minute|hour|day>". The client IP is
# web.security.client_ip's, as for the login lockouts; login_ip counts the
# admin's login form and the API token endpoint together.
THROTTLE_ENABLED = env_bool("THROTTLE_ENABLED", True)
THROTTLE_RATES = {
    "comment_user": env_rate("THROTTLE_RATE_COMMENT_USER", "5/min"),
    "comment_ip": env_rate("THROTTLE_RATE_COMMENT_IP", "30/min"),
    "reaction_user": env_rate("THROTTLE_RATE_REACTION_USER", "60/min"),
    "reaction_ip": env_rate("THROTTLE_RATE_REACTION_IP", "300/min"),
    "report_user": env_rate("THROTTLE_RATE_REPORT_USER", "20/hour"),
    "report_ip": env_rate("THROTTLE_RATE_REPORT_IP", "100/hour"),
    "register_ip": env_rate("THROTTLE_RATE_REGISTER_IP", "10/hour"),
    "notice_ip": env_rate("THROTTLE_RATE_NOTICE_IP", "20/hour"),
    "display_name_user": env_rate("THROTTLE_RATE_DISPLAY_NAME_USER", "20/hour"),
    "login_ip": env_rate("THROTTLE_RATE_LOGIN_IP", "30/min"),
    "appeal_user": env_rate("THROTTLE_RATE_APPEAL_USER", "10/hour"),
    "appeal_ip": env_rate("THROTTLE_RATE_APPEAL_IP", "30/hour"),
    "sso_ip": env_rate("THROTTLE_RATE_SSO_IP", "60/min"),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Stammtisch API",
    "DESCRIPTION": "Threaded article discussions with machine-assisted moderation.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # PATCH /api/comments/{id}/ needs its body like a POST does.
    "COMPONENT_SPLIT_PATCH": False,
    "ENUM_NAME_OVERRIDES": {
        "ReportReasonEnum": "discussion.models.Report.Reason",
        "RejectReasonEnum": "moderation.decisions.RejectReason",
        "ShownStatusEnum": "moderation.privacy.api.SHOWN_STATUSES",
        "LegalGroundEnum": "moderation.dsa.notice_api.LEGAL_GROUND_CODES",
        "NoticeStatusEnum": "moderation.dsa.notice_api.NOTICE_STATUSES",
        "TextTypeEnum": "moderation.perspective.api.TEXT_TYPES",
        "ScoreTypeEnum": "moderation.perspective.api.SCORE_TYPES",
    },
    # Text fields that refuse "" say so (minLength 1); our answers never hold an empty
    # string where the field does not allow one, so this holds for responses too.
    "ENFORCE_NON_BLANK_FIELDS": True,
    # Swagger UI from drf_spectacular_sidecar's static files: /api/docs/ loads no
    # script from elsewhere and works offline; nothing asks an online validator.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# --- Discussion and moderation --------------------------------------------
COMMENT_MAX_LENGTH = env_int("COMMENT_MAX_LENGTH", 5000, minimum=1)
# Names readers may not take, as display name or username (staff may): compared
# by their letters and digits after NFKC and case folding, so "REDAKTION" and
# "R.e.d.a.k.t.i.o.n" are "Redaktion". The variable adds names to the defaults.
RESERVED_DISPLAY_NAMES = [
    "Redaktion",
    "Moderation",
    "Moderator",
    "Admin",
    "Administrator",
    "Stammtisch",
    "Editor",
    "Newsroom",
    "Staff",
    *env_list("RESERVED_DISPLAY_NAMES", []),
]
# Site default for articles whose comment_mode is "default": post-moderation
# (scored, clear cases decide themselves), pre-moderation (everything waits for a
# moderator) or off (closed).
COMMENT_MODE = env_choice("COMMENT_MODE", "post", ["post", "pre", "off"])
# The function (dotted path, no arguments) that returns the site's own choice of
# mode, "" for none, which then beats COMMENT_MODE. Moderation keeps that choice in
# its site policy; articles, which imports nothing above itself, calls it by this
# name. Empty: no site choice, COMMENT_MODE alone decides.
SITE_COMMENT_MODE_READER = "moderation.policy.rules.site_comment_mode_chosen"
# The function (dotted path) that returns the statement of reasons standing against a
# comment for its author, which the comment API shows them; moderation writes the
# statements, and the discussion reads them by this name. Empty: none shown.
COMMENT_STATEMENT_READER = "moderation.dsa.explain.comment_statement_for_author"
# What a reader's comments become when they delete their account (GDPR Art. 17).
# Their text is erased either way. "placeholder": each comment that was in a
# thread keeps its place there, without text or author, so that the conversation
# around it still reads. "remove": they leave the threads; a placeholder stays only
# where published replies hang below, as for any removed comment.
ACCOUNT_DELETION_COMMENTS = env_choice("ACCOUNT_DELETION_COMMENTS", "placeholder", ["placeholder", "remove"])
# The function (dotted path) that deletes a reader's account for DELETE /api/me/,
# with their comments, likes and reports, audited. Moderation keeps the audit log,
# so the function is moderation's; accounts, which imports nothing above itself,
# calls it by this name (checked at start-up, stammtisch.E002).
ACCOUNT_ERASER = "moderation.privacy.erasure.reader_account_erase"
# Days after publication when a discussion closes by itself; 0 means never.
COMMENTS_CLOSE_AFTER_DAYS = env_int("COMMENTS_CLOSE_AFTER_DAYS", 0, minimum=0)
# How long an author may edit a comment after posting it; 0 turns editing off.
COMMENT_EDIT_WINDOW_SECONDS = env_int("COMMENT_EDIT_WINDOW_SECONDS", 600, minimum=0)
if COMMENT_EDIT_WINDOW_SECONDS > 366 * 86400 or COMMENTS_CLOSE_AFTER_DAYS > 36500:
    raise ImproperlyConfigured(
        "COMMENT_EDIT_WINDOW_SECONDS may be at most a year and COMMENTS_CLOSE_AFTER_DAYS at most 36500"
    )
# Replies nest in the thread down to this depth (1 = replies to top-level
# comments); deeper replies hang flat under their deepest shown ancestor.
THREAD_DISPLAY_DEPTH = env_int("THREAD_DISPLAY_DEPTH", 3, minimum=1)
# Top-level comments per page of the thread, and the most a client may ask for.
THREAD_PAGE_SIZE = env_int("THREAD_PAGE_SIZE", 20, minimum=1)
THREAD_MAX_PAGE_SIZE = env_int("THREAD_MAX_PAGE_SIZE", 100, minimum=1)
if THREAD_PAGE_SIZE > THREAD_MAX_PAGE_SIZE:
    raise ImproperlyConfigured("THREAD_PAGE_SIZE must not exceed THREAD_MAX_PAGE_SIZE")
# Scores are the model's probability that a comment is offensive. Below
# MODERATION_PUBLISH_BELOW it publishes itself, at or above MODERATION_REJECT_ABOVE
# it is rejected, in between it waits for a moderator.
MODERATION_PUBLISH_BELOW = env_float("MODERATION_PUBLISH_BELOW", 0.35, minimum=0.0, maximum=1.0)
MODERATION_REJECT_ABOVE = env_float("MODERATION_REJECT_ABOVE", 0.85, minimum=0.0, maximum=1.0)
# Set explicitly, a threshold overrides the one the active model recommends from its
# evaluation (stored in its metrics); unset, the model's recommendation is used.
MODERATION_THRESHOLDS_FROM_ENV = {
    name: bool(env_str(name, "")) for name in ("MODERATION_PUBLISH_BELOW", "MODERATION_REJECT_ABOVE")
}
if MODERATION_PUBLISH_BELOW > MODERATION_REJECT_ABOVE:
    raise ImproperlyConfigured("MODERATION_PUBLISH_BELOW must not exceed MODERATION_REJECT_ABOVE")
# A comment whose scoring raised this many times is held for a human.
MODERATION_MAX_ATTEMPTS = env_int("MODERATION_MAX_ATTEMPTS", 3, minimum=1)
# A worker decides the comments waiting in the queue in batches of up to
# MODERATION_BATCH_SIZE (1: one at a time): one round of queries and one transaction
# for all of them. While comments keep arriving it waits up to
# MODERATION_BATCH_WAIT_MS for the next one; a comment that finds the queue empty
# is decided at once, so a quiet site waits for nothing.
MODERATION_BATCH_SIZE = env_int("MODERATION_BATCH_SIZE", 50, minimum=1)
MODERATION_BATCH_WAIT_MS = env_float("MODERATION_BATCH_WAIT_MS", 3.0, minimum=0.0, maximum=1000.0)
# The sweeper re-sends comments pending longer than MODERATION_SWEEP_AFTER seconds
# and holds for a human those pending longer than MODERATION_HOLD_AFTER seconds.
MODERATION_SWEEP_AFTER = env_int("MODERATION_SWEEP_AFTER", 60, minimum=1)
MODERATION_HOLD_AFTER = env_int("MODERATION_HOLD_AFTER", 900, minimum=1)
MODERATION_SWEEP_BATCH = env_int("MODERATION_SWEEP_BATCH", 1000, minimum=1)

# Retraining from moderators' decisions: a challenger is trained on the base data
# plus the decisions and promoted only if it is not worse than the active model.
# Crontab fields of the beat schedule (default: Sundays at 03:30), and the least
# number of new decisions worth a retraining.
MODEL_RETRAIN_CRONTAB = env_str("MODEL_RETRAIN_CRONTAB", "30 3 * * 0")
MODEL_RETRAIN_MIN_DECISIONS = env_int("MODEL_RETRAIN_MIN_DECISIONS", 50, minimum=1)
# How much each of the site's own decisions counts in retraining, against 1 for a
# text of the public corpora: the site's comments are the ones the model must learn.
# Chosen with `manage.py simulate_site` (docs/classifier.md, "Learning from the
# site's moderators").
MODEL_RETRAIN_DECISION_WEIGHT = env_float("MODEL_RETRAIN_DECISION_WEIGHT", 10.0, minimum=0.0)
_cron = MODEL_RETRAIN_CRONTAB.split()
if len(_cron) != 5:
    raise ImproperlyConfigured(
        f"MODEL_RETRAIN_CRONTAB={MODEL_RETRAIN_CRONTAB!r} must have 5 fields (minute hour day month weekday)"
    )
CELERY_BEAT_SCHEDULE["retrain-model-from-decisions"] = {
    "task": "moderation.retrain_model",
    "schedule": crontab(
        minute=_cron[0], hour=_cron[1], day_of_month=_cron[2], month_of_year=_cron[3], day_of_week=_cron[4]
    ),
}

# --- Coral Talk's external moderation phase (docs/coral.md) --------------------
# What Coral is told for a comment in the uncertain band between the thresholds:
# SYSTEM_WITHHELD (as Coral's own toxicity filter does) or PREMOD.
CORAL_HOLD_STATUS = env_choice("CORAL_HOLD_STATUS", "SYSTEM_WITHHELD", ["SYSTEM_WITHHELD", "PREMOD"])
# Below the publish threshold Stammtisch gives no status, so that Coral's later
# phases (pre-moderation of new commenters, of the story, of the user) still apply;
# true answers APPROVED instead, which ends Coral's pipeline there.
CORAL_APPROVE_LOW_SCORES = env_bool("CORAL_APPROVE_LOW_SCORES", False)
# Comments by these Coral roles get no opinion: the newsroom's own people.
CORAL_ROLES = ["COMMENTER", "MEMBER", "STAFF", "MODERATOR", "ADMIN"]
CORAL_ROLES_LEFT_TO_CORAL = env_list("CORAL_ROLES_LEFT_TO_CORAL", ["STAFF", "MODERATOR", "ADMIN"])
if not set(CORAL_ROLES_LEFT_TO_CORAL) <= set(CORAL_ROLES):
    raise ImproperlyConfigured(
        f"CORAL_ROLES_LEFT_TO_CORAL: {', '.join(sorted(set(CORAL_ROLES_LEFT_TO_CORAL) - set(CORAL_ROLES)))} "
        f"not among Coral's roles {', '.join(CORAL_ROLES)}"
    )
# Keep the comment's text with each recorded decision (off: ids, score and verdict only).
CORAL_STORE_TEXT = env_bool("CORAL_STORE_TEXT", False)

# --- The Digital Services Act and email --------------------------------------
# Notices, statements of reasons, appeals and their outcomes are told by email.
# EMAIL_URL-style settings are Django's own; the default prints mails to the log.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Stammtisch <kommentare@localhost>")
# The site's public address, for links in emails ("" → links relative to the API).
SITE_URL = env_str("SITE_URL", "").rstrip("/")
# The discussion rules and the privacy notice readers are pointed to.
NETIQUETTE_URL = env_str("NETIQUETTE_URL", "/netiquette/")
PRIVACY_URL = env_str("PRIVACY_URL", "/datenschutz/")
# Where readers learn about certified out-of-court dispute settlement (DSA Art. 21).
DSA_OUT_OF_COURT_URL = env_str(
    "DSA_OUT_OF_COURT_URL",
    "https://digital-strategy.ec.europa.eu/en/policies/dsa-out-court-dispute-settlement",
)
# Mail each author the statement of reasons for a restriction of their comment or
# account (they also see it in the widget and at /api/me/decisions/).
DSA_EMAIL_AUTHORS = env_bool("DSA_EMAIL_AUTHORS", True)
# The EU DSA Transparency Database (Art. 24(5)): statements of reasons are submitted
# there when a token is set; without one they are only exported.
DSA_TRANSPARENCY_URL = env_str("DSA_TRANSPARENCY_URL", "https://transparency.dsa.ec.europa.eu/api/v1/")
DSA_TRANSPARENCY_TOKEN = env_str("DSA_TRANSPARENCY_TOKEN", "")
if not DSA_TRANSPARENCY_URL.startswith(("https://", "http://")) or not DSA_TRANSPARENCY_URL.endswith("/"):
    raise ImproperlyConfigured(
        f"DSA_TRANSPARENCY_URL={DSA_TRANSPARENCY_URL!r} must be an http(s) address ending in /, "
        "like https://transparency.dsa.ec.europa.eu/api/v1/"
    )
# Where a restriction applies, as the database's country codes. A comment removed
# from the site is gone for every reader, so the default is the whole European
# Economic Area (the EU and Iceland, Liechtenstein, Norway): the database shows
# exactly this list as "European Economic Area".
DSA_EEA_COUNTRIES = [
    *("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE"),
    *("IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK"),
]
DSA_TERRITORIAL_SCOPE = sorted(
    {code.upper() for code in env_list("DSA_TERRITORIAL_SCOPE", DSA_EEA_COUNTRIES)}
)
if not set(DSA_TERRITORIAL_SCOPE) <= set(DSA_EEA_COUNTRIES):
    raise ImproperlyConfigured(
        f"DSA_TERRITORIAL_SCOPE: {', '.join(sorted(set(DSA_TERRITORIAL_SCOPE) - set(DSA_EEA_COUNTRIES)))} "
        f"not among the EU/EEA country codes {', '.join(DSA_EEA_COUNTRIES)}"
    )
CELERY_BEAT_SCHEDULE["send-dsa-notifications"] = {"task": "moderation.dsa_send_due", "schedule": 60.0}
# Statements not yet in the Transparency Database, submitted hourly (a no-op without a token).
CELERY_BEAT_SCHEDULE["submit-dsa-statements"] = {
    "task": "moderation.dsa_submit_statements",
    "schedule": 3600.0,
    "options": {"expires": 3000},
}

# --- Webhooks ---------------------------------------------------------------
# Events told to the site's own systems (docs/webhooks.md), signed as Standard
# Webhooks sign them. Endpoints must be public addresses: private, loopback,
# link-local and other special addresses are refused unless listed here (networks
# like 10.1.2.0/24 or single addresses), and plain http only with WEBHOOK_ALLOW_HTTP.
WEBHOOK_ALLOWED_NETWORKS = env_networks("WEBHOOK_ALLOWED_NETWORKS", [])
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", False)
# Seconds to wait for an endpoint to connect and answer each read.
WEBHOOK_TIMEOUT_SECONDS = env_float("WEBHOOK_TIMEOUT_SECONDS", 15.0, minimum=1.0, maximum=30.0)
# Hours the previous secret keeps signing after a rotation.
WEBHOOK_SECRET_GRACE_HOURS = env_int("WEBHOOK_SECRET_GRACE_HOURS", 24, minimum=0)
# Deliveries whose next attempt is due (or whose attempt was lost with its worker)
# are sent to the queue again by this periodic task.
CELERY_BEAT_SCHEDULE["send-due-webhooks"] = {
    "task": "moderation.webhooks_send_due",
    "schedule": env_float("WEBHOOK_SWEEP_INTERVAL", 30.0, minimum=1.0),
    "options": {"expires": 60},
}

# LOG_FORMAT=json writes one JSON object per line, for log collectors.
LOG_FORMAT = env_str("LOG_FORMAT", "plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r} must be plain or json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "config.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
