"""Django settings for secassure: one module, every value read from the environment.

See the README's Configuration section for the variables. Production is the default posture:
DEBUG is off unless ``SECASSURE_DEBUG`` asks for it, and cookies, HSTS and redirects are secure
unless DEBUG is on or the operator turns them off explicitly.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from secassure.env import (
    ConfigError,
    env_bool,
    env_int,
    env_list,
    env_secret,
    env_str,
    parse_database_url,
)

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_ROOT = PACKAGE_DIR.parent


def _default_data_dir() -> Path:
    # A source checkout keeps its data beside the code (git-ignored); an installed package uses
    # the XDG data folder so that data never lands inside site-packages.
    if (SOURCE_ROOT / "pyproject.toml").exists():
        return SOURCE_ROOT / "var"
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "secassure"


DATA_DIR = Path(env_str("SECASSURE_DATA_DIR") or _default_data_dir()).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("SECASSURE_DEBUG", False)


def _key(variable: str, file_name: str) -> str:
    key = env_secret(variable)
    if key:
        return key
    # No key given: make a strong one once and keep it in the data folder, readable by us only.
    path = DATA_DIR / file_name
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(secrets.token_urlsafe(64))
    return path.read_text(encoding="utf-8").strip()


def _key_file(variable: str, file_name: str) -> str:
    # Where _key read the key from, "" when it came straight from the environment: /readyz checks
    # that the file is still there and still holds it, as a restart (or `audit verify`) will need.
    if os.environ.get(variable):
        return ""
    return os.environ.get(f"{variable}_FILE") or str(DATA_DIR / file_name)


SECRET_KEY = _key("SECASSURE_SECRET_KEY", "secret_key")
# Seals the audit log (HMAC-SHA256 over each event). Keep it apart from the database and back it
# up with the database: without it no one can rewrite the log unnoticed, nor can verify run.
SECASSURE_AUDIT_KEY = _key("SECASSURE_AUDIT_KEY", "audit_key")
SECASSURE_AUDIT_KEY_FILE = _key_file("SECASSURE_AUDIT_KEY", "audit_key")
if len(SECASSURE_AUDIT_KEY) < 32:
    raise ConfigError("SECASSURE_AUDIT_KEY must be at least 32 characters long")
if len(SECRET_KEY) < 50:
    raise ConfigError("SECASSURE_SECRET_KEY must be at least 50 characters long")

# The address people reach secassure at, used in links sent by email (invitations).
SECASSURE_BASE_URL = env_str("SECASSURE_BASE_URL", "http://127.0.0.1:8000")
ALLOWED_HOSTS = env_list("SECASSURE_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("SECASSURE_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before allauth, so that its templates frame allauth's account pages; before staticfiles, so that
    # its runserver command (serving with secassure.web.devserver) is the one run.
    "secassure.web",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "secassure.audit",
    "secassure.tenancy",
    "secassure.inbox",
    "secassure.catalogue",
    "secassure.profile",
    "secassure.evidence",
    "secassure.notices",
    "secassure.assessments",
    "secassure.review",
    "secassure.exchange",
    "secassure.reminders",
    "django_tasks",
    "django_tasks_db",
    "secassure.jobs",
    "secassure.api",
    "ninja",  # the API's interactive documentation, served from our own static files
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files are answered here, before sessions or sign-in are looked at: no proxy is needed
    # to serve them, and they cost no database query.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "secassure.audit.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "secassure.tenancy.middleware.SessionTimeoutMiddleware",
    "secassure.tenancy.middleware.RequireMfaMiddleware",
    "secassure.audit.middleware.ActorMiddleware",
    # The JSON API's callers are the people behind their tokens, after the session's person above.
    "secassure.api.middleware.ApiTokenMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "secassure.web.middleware.NoStoreWhenSignedIn",
]

ROOT_URLCONF = "secassure.urls"
WSGI_APPLICATION = "secassure.wsgi.application"

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
                "secassure.inbox.context.unread",
            ],
            "builtins": ["secassure.web.templatetags.wording", "secassure.web.templatetags.people"],
        },
    },
]


def _databases() -> dict:
    url = env_str("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'secassure.sqlite3'}"
    db = parse_database_url(url)
    if db["ENGINE"].endswith("sqlite3"):
        # Durable and concurrent enough for one machine: WAL lets readers run beside the writer,
        # synchronous=FULL survives power loss, IMMEDIATE takes the write lock at BEGIN so that two
        # writers queue instead of failing half-way through a transaction.
        db["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
        }
        db["TEST"] = {"NAME": None}
    else:
        db["CONN_MAX_AGE"] = env_int("SECASSURE_DB_CONN_MAX_AGE", 60)
        db["CONN_HEALTH_CHECKS"] = True  # no round trip on one in use a moment ago: secassure.postgresql
        options = db["OPTIONS"]
        if isinstance(options.get("prepare_threshold"), str):  # given in DATABASE_URL's query
            options["prepare_threshold"] = int(options["prepare_threshold"]) \
                if options["prepare_threshold"].isdigit() else None
        if isinstance(options.get("server_side_binding"), str):
            options["server_side_binding"] = options["server_side_binding"].lower() in ("1", "true", "yes", "on")
        # No JIT compilation: it pays only for long analytical queries, and this product's are short;
        # a large register's estimates can still cross its thresholds and spend a second compiling
        # a query that runs in tens of milliseconds.
        options.setdefault("options", "-c jit=off")
        if env_bool("SECASSURE_DB_PREPARED", True) and db["CONN_MAX_AGE"] != 0:
            # Bind parameters on the server, so that psycopg can prepare a statement a connection runs
            # again (from its second run): PostgreSQL then plans it once per connection instead of on
            # every request, and planning was most of its work for the ORM's queries. A connection
            # pooler in transaction mode cannot keep prepared statements: turn this off behind one.
            # secassure.prepared keeps them working when a migration changes a column's type.
            options.setdefault("server_side_binding", True)
            options.setdefault("prepare_threshold", 2)
    db["ATOMIC_REQUESTS"] = False
    return {"default": db}


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Twelve of one letter passes the four above; this refuses it, and other short repeats.
    {"NAME": "secassure.tenancy.passwords.RepetitionValidator"},
]
# allauth applies its own minimum (ACCOUNT_PASSWORD_MIN_LENGTH) only when the list above is empty:
# here the list decides, for allauth's forms as for invitations.
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Sign-in: by email, invitation only (the adapter closes open sign-up), throttled.
ACCOUNT_ADAPTER = "secassure.tenancy.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"  # an accepted invitation proves the address
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_RATE_LIMITS = {
    # Per account: 5 failures in 15 minutes. Per address: more, so that one office (or one proxy)
    # guessing at a few accounts does not lock out everyone behind it.
    "login_failed": env_str("SECASSURE_LOGIN_THROTTLE", "30/5m/ip,5/15m/key"),
    "login": "30/m/ip",
    "reset_password": "5/m/ip,3/m/key",
    "reauthenticate": "10/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# allauth refuses MFA to unverified addresses so that a stranger cannot sign up with someone's
# address and lock them out. Nobody signs up here unasked: accounts come from invitations (which
# prove the address) or from an operator (createsuperuser), who must be able to set up MFA.
MFA_ALLOW_UNVERIFIED_EMAIL = True
MFA_TOTP_ISSUER = "secassure"
MFA_RECOVERY_CODE_COUNT = 10
# Owners and CIO reviewers must use MFA, and so must everyone in an organisation that asks for it.
# Only a development run switches this off (make run does, so a first look needs no app).
SECASSURE_REQUIRE_MFA = env_bool("SECASSURE_REQUIRE_MFA", True)
# Sessions end after this much inactivity, and in any case this long after sign-in.
SECASSURE_SESSION_IDLE_SECONDS = env_int("SECASSURE_SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
SECASSURE_SESSION_MAX_SECONDS = env_int("SECASSURE_SESSION_MAX_AGE", 12 * 3600, minimum=60)
SECASSURE_INVITATION_DAYS = env_int("SECASSURE_INVITATION_DAYS", 7, minimum=1)
# How many requests a personal access token may make to the JSON API (number/s, m, h or d).
SECASSURE_API_RATE = env_str("SECASSURE_API_RATE", "600/m")

# Sign-in throttling counts (allauth's rate limits) and the inbox's unread counts live here. A
# production server runs several worker processes, and each would count on its own in memory (five
# wrong passwords per worker instead of five in all): the database cache is shared by every worker
# and every machine, and its table is made by migrate (secassure.web.checks). A development run is
# one process, and keeps the cache in memory.
CACHE_TABLE = "secassure_cache"
_cache_backend = env_str("SECASSURE_CACHE_BACKEND", "django.core.cache.backends.locmem.LocMemCache" if DEBUG
                         else "django.core.cache.backends.db.DatabaseCache")
CACHES = {
    "default": {"BACKEND": _cache_backend,
                "LOCATION": env_str("SECASSURE_CACHE_LOCATION",
                                    CACHE_TABLE if _cache_backend.endswith(".DatabaseCache") else "secassure")},
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # collectstatic (which secassure serve runs before it starts) writes each file under a name with
    # its hash, and compressed copies: WhiteNoise then lets browsers keep them for a year, and a new
    # release's files have new names. The test suite uses the plain storage and collects nothing.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Transport and cookie security: on by default, relaxed only for local development (DEBUG) or
# when the operator says so (e.g. TLS ends at a proxy that already redirects).
_secure = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECASSURE_SSL_REDIRECT", _secure)
# A load balancer probes health over plain HTTP, inside the network: those two answer without the
# redirect (they say nothing but "up" and which checks pass).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = env_bool("SECASSURE_SECURE_COOKIES", _secure)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECASSURE_HSTS_SECONDS", 31_536_000 if _secure else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("SECASSURE_HSTS_PRELOAD", SECURE_HSTS_SECONDS > 0)
if env_bool("SECASSURE_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Throttling counts by client address: take it from the proxy's X-Forwarded-For.
    ALLAUTH_TRUSTED_PROXY_COUNT = env_int("SECASSURE_TRUSTED_PROXY_COUNT", 1, minimum=1)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts and styles come only from our own static files: no inline script, no inline style, no
# event-handler attribute, so that text someone managed to get into a page cannot run. The QR code
# of the authenticator set-up page is an SVG data: image, hence data: for images only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
SESSION_COOKIE_AGE = env_int("SECASSURE_SESSION_MAX_AGE", 12 * 3600, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

EMAIL_BACKEND = env_str("SECASSURE_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("SECASSURE_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("SECASSURE_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("SECASSURE_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_secret("SECASSURE_EMAIL_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("SECASSURE_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = env_str("SECASSURE_EMAIL_FROM", "secassure@localhost")

# Background jobs (a submission pack, a workbook import, re-hashing files, the daily reminders): queued
# in the database, whichever one DATABASE_URL names, and run by `secassure worker`. A job that has
# shown no progress for this many minutes while running is taken to have lost its worker and is
# reported failed (the slowest single step, rendering a large report, takes well under this).
# A development run (`make run`, DEBUG on) starts no worker: there a job runs as soon as it is asked
# for, in the request, so that the demo's submission pack is made without a second process.
TASKS = {"default": {"BACKEND": env_str(
    "SECASSURE_TASKS_BACKEND",
    "django_tasks.backends.immediate.ImmediateBackend" if DEBUG else "django_tasks_db.DatabaseBackend")}}
SECASSURE_JOB_STALE_MINUTES = env_int("SECASSURE_JOB_STALE_MINUTES", 15, minimum=1)

# Largest catalogue, rule or OSCAL file accepted; checked before a byte is parsed.
SECASSURE_MAX_IMPORT_BYTES = env_int("SECASSURE_MAX_IMPORT_BYTES", 20 * 1024 * 1024, minimum=1024)

# Evidence files: content-addressed blobs under the data folder, and what an upload may be.
SECASSURE_BLOB_DIR = Path(env_str("SECASSURE_BLOB_DIR") or DATA_DIR / "blobs")
# S3-compatible object storage for evidence files instead of the folder (credentials from the usual
# AWS_* variables or files). Staging and checking still use SECASSURE_BLOB_DIR/tmp on local disk.
SECASSURE_BLOB_S3_BUCKET = env_str("SECASSURE_BLOB_S3_BUCKET")
SECASSURE_BLOB_S3_PREFIX = env_str("SECASSURE_BLOB_S3_PREFIX")
SECASSURE_BLOB_S3_ENDPOINT_URL = env_str("SECASSURE_BLOB_S3_ENDPOINT_URL")
SECASSURE_BLOB_S3_REGION = env_str("SECASSURE_BLOB_S3_REGION")
SECASSURE_MAX_UPLOAD_BYTES = env_int("SECASSURE_MAX_UPLOAD_BYTES", 100 * 1024 * 1024, minimum=1024)
SECASSURE_ZIP_MAX_UNCOMPRESSED = env_int("SECASSURE_ZIP_MAX_UNCOMPRESSED", 1024 * 1024 * 1024, minimum=1024)
SECASSURE_ZIP_MAX_MEMBERS = env_int("SECASSURE_ZIP_MAX_MEMBERS", 10_000, minimum=1)
SECASSURE_ZIP_MAX_RATIO = env_int("SECASSURE_ZIP_MAX_RATIO", 200, minimum=2)
FILE_UPLOAD_HANDLERS = [
    "secassure.evidence.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Uploads go to a temporary file on disk rather than memory (Django keeps small ones in memory).
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Invitation links are secrets until used: request logs show them redacted.
    "filters": {"redact": {"()": "secassure.tenancy.logging.RedactInvitationTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": env_str("SECASSURE_LOG_LEVEL", "WARNING")},
    "loggers": {
        "django": {"handlers": ["console"], "level": env_str("SECASSURE_LOG_LEVEL", "WARNING"), "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
