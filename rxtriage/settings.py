"""rxtriage settings, read from the environment.

With nothing set, rxtriage runs on its embedded default: a SQLite file in
``RXTRIAGE_DATA_DIR`` and an in-process cache.  Production sets ``DATABASE_URL``
(PostgreSQL), ``REDIS_URL`` and ``RXTRIAGE_ENV=production``; see README.md.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
import platformdirs
from django.core.exceptions import ImproperlyConfigured

from rxtriage.config import (
    env_bool,
    env_float,
    env_int,
    env_list,
    proxy_ssl_header,
    redis_cache,
    throttle_redis_cache,
)
from rxtriage.swagger_ui import SWAGGER_UI_SETTINGS_JS

BASE_DIR = Path(__file__).resolve().parent

# --- Environment -----------------------------------------------------------------------------------------
RXTRIAGE_ENV = os.environ.get("RXTRIAGE_ENV", "development").strip().lower()
PRODUCTION = RXTRIAGE_ENV == "production"
DATA_DIR = Path(os.environ.get("RXTRIAGE_DATA_DIR") or platformdirs.user_data_dir("rxtriage")).expanduser()

DEBUG = env_bool("RXTRIAGE_DEBUG", default=False)
SECRET_KEY = os.environ.get("RXTRIAGE_SECRET_KEY", "")
ALLOWED_HOSTS = env_list("RXTRIAGE_ALLOWED_HOSTS", default=[] if PRODUCTION else ["*"])

MIN_SECRET_KEY_LENGTH = 50  # Django's own deployment check asks for at least 50 characters

if PRODUCTION:
    problems = []
    if not SECRET_KEY:
        problems.append("RXTRIAGE_SECRET_KEY is not set")
    elif len(SECRET_KEY) < MIN_SECRET_KEY_LENGTH:
        problems.append(f"RXTRIAGE_SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters")
    if DEBUG:
        problems.append("RXTRIAGE_DEBUG is on")
    if not ALLOWED_HOSTS:
        problems.append("RXTRIAGE_ALLOWED_HOSTS is empty")
    elif "*" in ALLOWED_HOSTS:
        problems.append("RXTRIAGE_ALLOWED_HOSTS=* accepts any host; name the hosts")
    if problems:
        raise ImproperlyConfigured("RXTRIAGE_ENV=production refuses to start: " + "; ".join(problems))
if not SECRET_KEY:
    SECRET_KEY = "rxtriage-insecure-development-key-set-RXTRIAGE_SECRET_KEY-in-production"

# --- Applications ----------------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "django_htmx",
    "csp",
    "simple_history",
    "axes",
    "drf_spectacular_sidecar",
    "rxtriage.formulary",
    "rxtriage.lookup",
    "rxtriage.curation",
    "rxtriage.triage",
    "rxtriage.api",
    "rxtriage.ops",
    "rxtriage.console",
]

MIDDLEWARE = [
    "rxtriage.ops.middleware.MetricsMiddleware",
    "rxtriage.ops.middleware.ChunkedBodyMiddleware",
    "rxtriage.api.middleware.ApiGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last of the real ones, as django-axes asks: locks out repeated failed logins (session logins).
    "axes.middleware.AxesMiddleware",
    # Innermost and synchronous only: the whole chain then runs in sync mode, in one thread under ASGI.
    "rxtriage.ops.middleware.SyncChainMiddleware",
]

ROOT_URLCONF = "rxtriage.urls"
WSGI_APPLICATION = "rxtriage.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rxtriage.console.context_processors.console_role",
            ]
        },
    }
]

# --- Databases -------------------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/databases/#sqlite-notes : WAL and IMMEDIATE transactions keep
# several server workers writing at once from failing with "database is locked".
EMBEDDED_DATABASE = not os.environ.get("DATABASE_URL")
if EMBEDDED_DATABASE:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
SQLITE_OPTIONS = {
    "timeout": 30,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
}


def _database(url: str) -> dict[str, Any]:
    config: dict[str, Any] = dict(
        dj_database_url.parse(url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))
    )
    options: dict[str, Any] = dict(config.get("OPTIONS") or {})
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {**SQLITE_OPTIONS, **options}
        config["CONN_MAX_AGE"] = 0
    else:
        options.setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 3))
        config["OPTIONS"] = options
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {
    "default": _database(
        os.environ.get("DATABASE_URL") or f"sqlite:///{(DATA_DIR / 'rxtriage.sqlite3').as_posix()}"
    )
}
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = _database(os.environ["DATABASE_REPLICA_URL"])
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["rxtriage.formulary.routers.FormularyReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Caches ----------------------------------------------------------------------------------------------
# "default": general use; "drugs": L2 of the drug lookup (Redis only; the L1 is in process);
# "throttle": request throttling, on its own alias so a Redis outage cannot break it.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
REDIS_CONNECT_TIMEOUT = env_float("REDIS_CONNECT_TIMEOUT", 0.05)
REDIS_SOCKET_TIMEOUT = env_float("REDIS_SOCKET_TIMEOUT", 0.05)
# AUTH password (used when REDIS_URL holds none) and the CA bundle of a rediss:// (TLS) server.
REDIS_PASSWORD = os.environ.get("REDIS_PASSWORD", "")
REDIS_CA_CERT = os.environ.get("REDIS_CA_CERT", "").strip()
_LOCAL = "django.core.cache.backends.locmem.LocMemCache"
CACHES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": _LOCAL, "LOCATION": "rxtriage-default"},
    # Throttle counters must be shared by every worker of the server: a file cache in the data
    # directory (all the server's processes see it) unless Redis is configured.
    "throttle": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "throttle"),
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    },
}
if REDIS_URL:
    CACHES["drugs"] = redis_cache(
        REDIS_URL, REDIS_CONNECT_TIMEOUT, REDIS_SOCKET_TIMEOUT, password=REDIS_PASSWORD, ca_cert=REDIS_CA_CERT
    )
    CACHES["throttle"] = throttle_redis_cache(
        REDIS_URL, REDIS_CONNECT_TIMEOUT, REDIS_SOCKET_TIMEOUT, password=REDIS_PASSWORD, ca_cert=REDIS_CA_CERT
    )

DRUG_CACHE_TTL = env_int("DRUG_CACHE_TTL", 24 * 3600)
DRUG_CACHE_NEGATIVE_TTL = env_int("DRUG_CACHE_NEGATIVE_TTL", 15 * 60)
DRUG_CACHE_PREFIX = os.environ.get("DRUG_CACHE_PREFIX", "drug:v1:")
DRUG_CACHE_L1_SIZE = env_int("DRUG_CACHE_L1_SIZE", 20_000)
# Fuzzy matching: "trigram" (PostgreSQL pg_trgm, GIN index), "memory" (rapidfuzz in process), or "auto"
# (trigram on PostgreSQL once the names index holds more than DRUG_FUZZY_MEMORY_MAX_NAMES names, memory
# otherwise).
DRUG_FUZZY_BACKEND = os.environ.get("DRUG_FUZZY_BACKEND", "auto")
DRUG_FUZZY_MEMORY_MAX_NAMES = env_int("DRUG_FUZZY_MEMORY_MAX_NAMES", 10_000)
# pg_trgm similarity threshold of the trigram retrieval (candidates are then ranked in process).
DRUG_TRIGRAM_THRESHOLD = env_float("DRUG_TRIGRAM_THRESHOLD", 0.4)
# Every process re-reads the formulary version at least this often (seconds): a formulary write is
# enforced everywhere within one second.
FORMULARY_VERSION_POLL = env_float("FORMULARY_VERSION_POLL", 0.5)
REDIS_BREAKER_FAILURES = env_int("REDIS_BREAKER_FAILURES", 3)
REDIS_BREAKER_RESET = env_float("REDIS_BREAKER_RESET", 5.0)

# django-simple-history: the audit trail of requests, medicines and accounts, shown in the admin.  A revert
# from the admin would bypass the write services (names index, formulary version): off.
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- Auth, API -------------------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/topics/auth/passwords/#enabling-password-validation
_VALIDATION = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS: list[dict[str, Any]] = [
    {"NAME": f"{_VALIDATION}.UserAttributeSimilarityValidator"},
    {"NAME": f"{_VALIDATION}.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": f"{_VALIDATION}.CommonPasswordValidator"},
    {"NAME": f"{_VALIDATION}.NumericPasswordValidator"},
]
# django-axes (https://django-axes.readthedocs.io/en/latest/4_configuration.html): repeated failed
# logins lock out the client address and the username for a while (attempts are kept in the database,
# so every server process sees them).  API tokens are not passwords and are not counted here.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("RXTRIAGE_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_float("RXTRIAGE_LOGIN_LOCKOUT_MINUTES", 15))
# Locked out: the client address after N failures (whatever usernames it tried), and the username after N
# failures (from wherever).  The address is REMOTE_ADDR: behind a reverse proxy every client shares the
# proxy's, so set RXTRIAGE_LOGIN_LOCKOUT_BY=username there.
AXES_LOCKOUT_PARAMETERS = env_list("RXTRIAGE_LOGIN_LOCKOUT_BY", ["ip_address", "username"])
AXES_RESET_ON_SUCCESS = True
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rxtriage.api.auth.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "rxtriage.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["rxtriage.api.throttles.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": os.environ.get("RXTRIAGE_THROTTLE_RATE", "600/min")},
    "UNAUTHENTICATED_USER": None,
}
# API tokens expire after RXTRIAGE_TOKEN_TTL_DAYS (default 30); `create_token --no-expiry` is the only
# way to a token that never expires.
RXTRIAGE_TOKEN_TTL_DAYS = env_float("RXTRIAGE_TOKEN_TTL_DAYS", 30)
if not 0 < RXTRIAGE_TOKEN_TTL_DAYS <= 3650:
    raise ImproperlyConfigured("RXTRIAGE_TOKEN_TTL_DAYS must be more than 0 and at most 3650")
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=RXTRIAGE_TOKEN_TTL_DAYS),
    "AUTH_HEADER_PREFIX": "Bearer",
    "AUTO_REFRESH": False,
}
# The OpenAPI schema and docs need a token like every endpoint but health; set to open them.
RXTRIAGE_PUBLIC_SCHEMA = env_bool("RXTRIAGE_PUBLIC_SCHEMA", default=False)
SPECTACULAR_SETTINGS = {
    "TITLE": "rxtriage API",
    "DESCRIPTION": "Prescription triage: medication-name resolution and routing to urgent care, "
    "a doctor or a pharmacist.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "rxtriage.api.openapi.closed_request_bodies",
    ],
    # Swagger UI and Redoc from the installed package (drf-spectacular-sidecar), never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": SWAGGER_UI_SETTINGS_JS,
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
# Formulary reads (/api/drugs/...): Cache-Control max-age of their ETag-validated answers (seconds).
FORMULARY_HTTP_MAX_AGE = env_int("FORMULARY_HTTP_MAX_AGE", 60)

# --- Internationalisation, static ------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
# The admin's and the API docs' static files are served by WhiteNoise straight from the installed apps
# (no collectstatic step).  To serve collected files instead: set RXTRIAGE_STATIC_ROOT, run
# `rxtriage collectstatic`, and set RXTRIAGE_STATIC_FROM_APPS=0.
STATIC_ROOT = Path(os.environ["RXTRIAGE_STATIC_ROOT"]) if os.environ.get("RXTRIAGE_STATIC_ROOT") else None
WHITENOISE_USE_FINDERS = env_bool("RXTRIAGE_STATIC_FROM_APPS", default=True)

# --- Logging: patient data (symptoms, user ids, typed names) is never logged at INFO --------------------
# The access log (gunicorn, rxtriage/ops/gunicorn_conf.py) writes paths without query strings.  Django
# logs 4xx responses at WARNING: ClientErrorsAtInfo lowers them to INFO; server errors stay at ERROR.
LOG_LEVEL = os.environ.get("RXTRIAGE_LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"client_errors_at_info": {"()": "rxtriage.ops.logfilters.ClientErrorsAtInfo"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("RXTRIAGE_LOG_LEVEL", "WARNING")},
    "loggers": {
        "rxtriage": {"level": LOG_LEVEL, "propagate": True},
        "django.request": {"level": LOG_LEVEL, "filters": ["client_errors_at_info"], "propagate": True},
    },
}

# --- HTTP security ----------------------------------------------------------------------------------------
# CSRF failures and a bad Host answer the API's JSON error envelope on API and health paths.
CSRF_FAILURE_VIEW = "rxtriage.api.errors.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
# The header a trusted reverse proxy sets to say the client used HTTPS, e.g.
# RXTRIAGE_SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https".  Set it ONLY behind a proxy that
# overwrites that header: https://docs.djangoproject.com/en/5.2/ref/settings/#secure-proxy-ssl-header
SECURE_PROXY_SSL_HEADER = proxy_ssl_header(os.environ.get("RXTRIAGE_SECURE_PROXY_SSL_HEADER", ""))

if PRODUCTION:
    # https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/ : `rxtriage check --deploy`
    # prints no warning with these.  Health and metrics stay reachable over plain HTTP for probes.
    SECURE_SSL_REDIRECT = env_bool("RXTRIAGE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SECURE_HSTS_SECONDS = env_int("RXTRIAGE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("RXTRIAGE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("RXTRIAGE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Review console --------------------------------------------------------------------------------------
# Session sign-in at /console/login/ for pharmacists and doctors; pages are server-rendered with htmx
# (served from the django-htmx package) and a Content-Security-Policy without 'unsafe-inline'
# (https://django-csp.readthedocs.io/en/latest/configuration.html).  The admin and the API docs page
# keep Django's and Swagger UI's own scripts, so they are left out of the policy.
LOGIN_URL = "console:login"
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ("/admin/", "/api/docs/"),
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}
