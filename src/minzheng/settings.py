"""Settings, all from environment variables with safe defaults for the demo.

MINZHENG_MODE     demo (default) or production. Production refuses the demo secrets.
DATABASE_URL      default: SQLite in WAL mode under MINZHENG_VAR_DIR.
MINZHENG_BROKER_URL  Redis URL; when set, jobs run on the RQ worker pool instead of in-process.
SECRET_KEY        Django secret key.
MINZHENG_DATA_KEY key for encrypting ID numbers and bank accounts at rest (urlsafe base64, 32 bytes).
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

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

DEBUG = os.environ.get("DEBUG", "1" if DEMO_MODE else "0") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
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
    "simple_history",
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
    "minzheng.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
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
    "simple_history.middleware.HistoryRequestMiddleware",
    "minzheng.core.middleware.RequestContextMiddleware",
]

# JSON bodies of the API above this answer 413 (uploads are multipart and checked per file).
API_MAX_JSON_BYTES = int(os.environ.get("MINZHENG_API_MAX_JSON_BYTES", str(2 * 1024 * 1024)))

ROOT_URLCONF = "minzheng.urls"
WSGI_APPLICATION = "minzheng.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["minzheng.accounts.backends.PlatformBackend"]
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
        url, conn_max_age=int(os.environ.get("MINZHENG_DB_CONN_MAX_AGE", "0")), conn_health_checks=True,
    )
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # WAL + IMMEDIATE transactions: readers never block the writer and writers queue
        # instead of failing with "database is locked".
        db["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
        db["TEST"] = {"NAME": os.environ.get("MINZHENG_TEST_SQLITE", str(VAR_DIR / "test.sqlite3"))}
    return db


DATABASES = {"default": _database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

BROKER_URL = os.environ.get("MINZHENG_BROKER_URL", "")
# Bulk verification: "" runs the rules on DuckDB in the job; a Spark master URL (e.g.
# "spark://host:7077" or "local[4]") runs the same rules on Spark.
SPARK_MASTER = os.environ.get("MINZHENG_SPARK_MASTER", "")
VERIFICATION_THREADS = int(os.environ.get("MINZHENG_VERIFICATION_THREADS", "0"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]

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

SESSION_COOKIE_HTTPONLY = True
if not DEMO_MODE:
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1") == "1"
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
