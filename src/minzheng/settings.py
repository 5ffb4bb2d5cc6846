"""Settings, all from environment variables with safe defaults for the demo.

MINZHENG_MODE     demo (default) or production. Production refuses the demo secrets.
DATABASE_URL      default: SQLite in WAL mode under MINZHENG_VAR_DIR.
MINZHENG_BROKER_URL  Redis URL; when set, jobs run on the RQ worker pool instead of in-process.
SECRET_KEY        Django secret key.
MINZHENG_DATA_KEY key for encrypting ID numbers and bank accounts at rest (urlsafe base64, 32 bytes).
MINZHENG_SMS_BACKEND  outbox (default: messages written under MINZHENG_VAR_DIR/outbox) or http.
MINZHENG_SMS_GATEWAY_URL / MINZHENG_SMS_GATEWAY_TOKEN  the SMS gateway for the http backend.
MINZHENG_LOGIN_FAILURES_ACCOUNT / _ADDRESS, MINZHENG_LOCKOUT_MINUTES, MINZHENG_API_TOKEN_HOURS: see
docs/SECURITY.md ("Accounts and logins").
MINZHENG_API_DOCS 1 serves /api/docs and /api/openapi.json (default: 1 in demo, 0 in production).
MINZHENG_TRUSTED_PROXIES  comma-separated addresses/CIDRs of the reverse proxies in front of the
                  platform; only requests from them may name the client with X-Forwarded-For.
MINZHENG_PROXY_HOPS  how many trusted proxies a request passes (default 1).
MINZHENG_HSTS_SECONDS  Strict-Transport-Security max-age in production (default one year).
MINZHENG_AUDIT_KEY   key for the audit chain's HMAC and signed checkpoints (any string, >= 32 chars);
                     MINZHENG_AUDIT_PREVIOUS_KEYS (comma-separated) still verifies events sealed before a rotation.
MINZHENG_AUDIT_CHECKPOINT_DIR  where `audit checkpoint` writes (default VAR_DIR/audit-checkpoints).
MINZHENG_AUDIT_SEAL_SECONDS  how often server and worker processes seal audit events whose commit
                     was not followed by a sealing pass (default 5; 0 = only on commit).
MINZHENG_BACKUP_DIR  where `backup` writes (default VAR_DIR/backups).
MINZHENG_CACHE_ENTRIES  entries of each process's in-memory cache (default 1000).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from minzheng.core import keypolicy

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("MINZHENG_VAR_DIR", Path.cwd() / "var")).resolve()
SHARED_DATA_DIR = PACKAGE_DIR / "seed"

MODE = os.environ.get("MINZHENG_MODE", "demo")
if MODE not in ("demo", "production"):
    raise ImproperlyConfigured("MINZHENG_MODE must be 'demo' or 'production'")
DEMO_MODE = MODE == "demo"

# Published on purpose: these only protect demo data and production refuses them.
DEMO_SECRET_KEY = "demo-only-secret-key-minzheng-not-for-production"
DEMO_DATA_KEY = "ZGVtby1vbmx5LWRhdGEta2V5LW1pbnpoZW5nLTMyYg=="

SECRET_KEY = os.environ.get("SECRET_KEY", DEMO_SECRET_KEY)
DATA_KEY = os.environ.get("MINZHENG_DATA_KEY", DEMO_DATA_KEY)
if not DEMO_MODE:
    if SECRET_KEY == DEMO_SECRET_KEY or DATA_KEY == DEMO_DATA_KEY:
        raise ImproperlyConfigured(
            "Production mode refuses the demo SECRET_KEY / MINZHENG_DATA_KEY: set your own."
        )
    _problem = keypolicy.secret_key_problem(SECRET_KEY) or keypolicy.data_key_problem(DATA_KEY)
    if _problem:
        raise ImproperlyConfigured(
            f"{_problem} Generate keys with: {keypolicy.GENERATE_SECRET_KEY} and {keypolicy.GENERATE_DATA_KEY}"
        )

# Kept apart from the data key and out of the database: whoever can write the database but does
# not hold this key cannot rewrite the audit chain or forge a checkpoint.
DEMO_AUDIT_KEY = "demo-only-audit-key-minzheng-not-for-production"
AUDIT_KEY = os.environ.get("MINZHENG_AUDIT_KEY", DEMO_AUDIT_KEY)
AUDIT_PREVIOUS_KEYS = [
    k for k in os.environ.get("MINZHENG_AUDIT_PREVIOUS_KEYS", "").split(",") if k
]
if not DEMO_MODE and (AUDIT_KEY == DEMO_AUDIT_KEY or len(AUDIT_KEY) < 32):
    raise ImproperlyConfigured(
        "Production mode refuses the demo or a short MINZHENG_AUDIT_KEY: set your own (32+ characters)."
    )
AUDIT_CHECKPOINT_DIR = Path(
    os.environ.get("MINZHENG_AUDIT_CHECKPOINT_DIR", VAR_DIR / "audit-checkpoints")
)
# Events are sealed into the chain right after their commit; this is the safety net's period.
AUDIT_SEAL_SECONDS = float(os.environ.get("MINZHENG_AUDIT_SEAL_SECONDS", "5"))
BACKUP_DIR = Path(os.environ.get("MINZHENG_BACKUP_DIR", VAR_DIR / "backups"))

# Production never runs with DEBUG: its error pages show settings and source code.
if not DEMO_MODE and os.environ.get("DEBUG", "0") not in ("", "0"):
    raise ImproperlyConfigured(
        "DEBUG must not be set in production mode (MINZHENG_MODE=production): unset it."
    )
DEBUG = DEMO_MODE and os.environ.get("DEBUG", "1") == "1"
ALLOWED_HOSTS = [
    h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # serves Swagger UI from local static files (offline, CSP)
    "axes",
    "minzheng.core",
    "minzheng.regions",
    "minzheng.accounts",
    "minzheng.people",
    "minzheng.synth",
    "minzheng.assistance",
    "minzheng.cases",
    "minzheng.payments",
    "minzheng.targets",
    "minzheng.verification",
    "minzheng.eldercare",
    "minzheng.linkage",
    "minzheng.children",
    "minzheng.depots",
    "minzheng.disaster",
    "minzheng.vagrants",
    "minzheng.specialcare",
    "minzheng.military",
    "minzheng.placement",
    "minzheng.socialorgs",
    "minzheng.volunteers",
    "minzheng.socialwork",
    "minzheng.community",
    "minzheng.marriage",
    "minzheng.adoption",
    "minzheng.placenames",
    "minzheng.funeral",
    "minzheng.charity",
    "minzheng.notifications",
    "minzheng.satisfaction",
    "minzheng.complaints",
    "minzheng.units",
    "minzheng.projects",
    "minzheng.publicity",
    "minzheng.web",
    "minzheng.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "minzheng.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "minzheng.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "minzheng.core.middleware.InputLimitsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "minzheng.core.middleware.RequestContextMiddleware",
    # Last, so it sees the failed login flagged by the authentication backend.
    "axes.middleware.AxesMiddleware",
]

# JSON bodies of the API above this answer 413 (uploads are multipart and checked per file).
API_MAX_JSON_BYTES = int(os.environ.get("MINZHENG_API_MAX_JSON_BYTES", str(2 * 1024 * 1024)))

ROOT_URLCONF = "minzheng.urls"
WSGI_APPLICATION = "minzheng.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "minzheng.accounts.backends.LoginGuardBackend",  # refuses locked-out accounts and addresses first
    "minzheng.accounts.backends.PlatformBackend",
]
# Django's database sessions, read by a prepared statement (core/sessions.py): a session still
# ends on every worker the moment logout deletes it.
SESSION_ENGINE = "minzheng.core.sessions"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:workbench"
LOGOUT_REDIRECT_URL = "web:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database_from_env() -> dict:
    url = os.environ.get("DATABASE_URL")
    if not url:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{VAR_DIR / 'minzheng.sqlite3'}"
    # Persistent connections (seconds) save a connect per request; production sets e.g. 60.
    db = dj_database_url.parse(
        url,
        conn_max_age=int(os.environ.get("MINZHENG_DB_CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # WAL + IMMEDIATE transactions: readers never block the writer and writers queue
        # instead of failing with "database is locked". A page cache of up to 64 MB per
        # connection (SQLite's default is 2 MB): a snapshot refresh or an import touches indexes
        # of tens of MB, which a small cache re-reads from the file for every few rows.
        db["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                "PRAGMA cache_size=-65536;"
            ),
        }
        db["TEST"] = {"NAME": os.environ.get("MINZHENG_TEST_SQLITE", str(VAR_DIR / "test.sqlite3"))}
    return db


DATABASES = {"default": _database_from_env()}
# Per process: what pages keep rendered or read (target pages, under keys that change with the
# data, docs/ARCHITECTURE.md). Django's default of 300 entries is about what the dashboards of a
# few dozen regions take; beyond it a third of the entries are dropped at once.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "minzheng",
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("MINZHENG_CACHE_ENTRIES", "1000"))},
    }
}
# Audit events are appended unsealed and chained by a sealer after the commit, so that writers
# never wait for one another; SQLite runs one writer at a time anyway, so there the writer seals
# its own event at once (core/audit.py).
AUDIT_SEAL_INLINE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

BROKER_URL = os.environ.get("MINZHENG_BROKER_URL", "")
# Bulk verification: "" runs the rules on DuckDB in the job; a Spark master URL (e.g.
# "spark://host:7077" or "local[4]") runs the same rules on Spark.
SPARK_MASTER = os.environ.get("MINZHENG_SPARK_MASTER", "")
VERIFICATION_THREADS = int(os.environ.get("MINZHENG_VERIFICATION_THREADS", "0"))

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "first_name", "phone")},
    },
    {"NAME": "minzheng.accounts.validators.MinimumLength", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login guessing (django-axes): failures counted per account and per client address within the
# cool-off window; either limit locks the login for the window. docs/SECURITY.md has the figures.
AXES_HANDLER = "minzheng.accounts.lockout.LoginGuardHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("MINZHENG_LOGIN_FAILURES_ACCOUNT", "5"))
LOGIN_FAILURES_ADDRESS = int(os.environ.get("MINZHENG_LOGIN_FAILURES_ADDRESS", "20"))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("MINZHENG_LOCKOUT_MINUTES", "15")))
AXES_RESET_ON_SUCCESS = True
# Guesses during a lockout do not prolong it: it lifts a fixed time after the failure that caused it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "minzheng.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "minzheng.core.middleware.client_ip"
AXES_SENSITIVE_PARAMETERS = ["password", "password_again", "id_number", "name", "code", "phone"]
AXES_VERBOSE = False
# Bearer tokens of the JSON API expire after this many hours.
API_TOKEN_HOURS = float(os.environ.get("MINZHENG_API_TOKEN_HOURS", "12"))

# Resident sign-up: one-time codes and the SMS sender (core.messaging).
SMS_BACKEND = os.environ.get("MINZHENG_SMS_BACKEND", "outbox")
SMS_GATEWAY_URL = os.environ.get("MINZHENG_SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = os.environ.get("MINZHENG_SMS_GATEWAY_TOKEN", "")
SMS_GATEWAY_TIMEOUT = float(os.environ.get("MINZHENG_SMS_GATEWAY_TIMEOUT", "10"))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

API_DOCS = os.environ.get("MINZHENG_API_DOCS", "1" if DEMO_MODE else "0") == "1"

# Cookies: never readable by scripts (HTMX sends the CSRF token from the page), sent only over
# HTTPS in production.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEMO_MODE

# Security headers (django.middleware.security.SecurityMiddleware and core.middleware).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEMO_MODE:
    # Sent on HTTPS responses only (as the standard requires); behind a proxy that ends TLS,
    # the proxy's X-Forwarded-Proto says the request was HTTPS (trusted proxies below).
    SECURE_HSTS_SECONDS = int(os.environ.get("MINZHENG_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("MINZHENG_HSTS_SUBDOMAINS", "0") == "1"
    SECURE_SSL_REDIRECT = os.environ.get("MINZHENG_SSL_REDIRECT", "0") == "1"
# Pages load scripts and styles from the platform only; no inline scripts, no eval. Inline style
# attributes stay allowed for server-computed widths (progress bars, target bars): style-src-attr
# cannot run code, and data: images cover ECharts' "save as image".
CONTENT_SECURITY_POLICY = os.environ.get(
    "MINZHENG_CSP",
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)

# The client address recorded in audit events: REMOTE_ADDR, unless the request came from a
# trusted reverse proxy, which names the client in X-Forwarded-For.
TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("MINZHENG_TRUSTED_PROXIES", "").split(",") if p.strip()
]
PROXY_HOPS = int(os.environ.get("MINZHENG_PROXY_HOPS", "1"))
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
