"""Settings for liangge_zeren.

Every deployment value comes from the environment (see README "Production"). With nothing set
you get the embedded mode: SQLite under var/, Celery on a filesystem broker, no external services.
"""

import datetime
import os
import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from liangge_zeren.env import env_bool, env_int, env_list, env_required, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)


def _embedded_secret_key() -> str:
    """One random key per installation, kept under var/, for the embedded mode."""
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        # Web, worker and beat may start together: write a private file in full, then link it
        # into place, so a reader never sees a half-written key and the first writer wins.
        draft = VAR_DIR / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        draft.write_text(secrets.token_urlsafe(64))
        draft.chmod(0o600)
        try:
            os.link(draft, key_file)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return key_file.read_text().strip()


SECRET_KEY = env_str("SECRET_KEY") or _embedded_secret_key()
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "rules.apps.AutodiscoverRulesConfig",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # The REST API (issue 15; liangge_zeren/api): DRF, filters, the OpenAPI schema and its
    # vendored Swagger UI.
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "liangge_zeren",
    "notifications",  # issue 6: base app (inbox, exactly-once reminders); no domain imports
    "responsibilities",
    "security",
    "inspections",
    "accountability",
    "assessments",  # issue 6: indicators, evaluations, quarterly snapshots (last)
    "dashboards",  # issue 7: superiors' cockpit over every app above (imports them all)
    "demo",  # seed_demo, scale trees, test cast, bench: imports every app above; none imports it
]

MIDDLEWARE = [
    # Outermost: one request-scoped cache (grants, posts) shared by every layer below.
    "liangge_zeren.request_cache.RequestCacheMiddleware",
    # First: request id for logs/audit; answers /healthz before host checks and HTTPS redirect.
    "security.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "security.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "liangge_zeren.language.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle timeout, forced password change, administrators' second factor, login rate limit.
    "security.middleware.AccountSecurityMiddleware",
    # Invited third-party evaluators (accounts with no post) reach their round's form only.
    "assessments.middleware.InvitedEvaluatorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Audits downloads/exports, reads of AUDIT_READ_VIEWS, and every superuser request.
    "security.middleware.AuditTrailMiddleware",
    # Last, as django-axes requires: turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First, as django-axes requires: refuses locked-out logins (needs `request`; tests use
    # client.force_login).
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    # The powers of the three administrative roles (三员分立, security/roles.py).
    "security.roles.AdminRoleBackend",
    # Django's ModelBackend; its get_user also tells whether the account holds grants
    # assigned by the security administrator (security/backends.py).
    "security.backends.AccountBackend",
]

ROOT_URLCONF = "liangge_zeren.urls"
WSGI_APPLICATION = "liangge_zeren.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "responsibilities.context_processors.posts",
                "notifications.context_processors.inbox",
            ],
        },
    },
]

# --- Database: DATABASE_URL switches to PostgreSQL; the default is SQLite under var/.
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    try:
        # Persistent connections (seconds; 0 closes after each request, "None" is not
        # accepted: keep a bound) checked before reuse, so a restarted server costs one
        # failed ping instead of a 500 (issue 19).
        DATABASES = {
            "default": dj_database_url.parse(
                DATABASE_URL,
                conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
                conn_health_checks=env_bool("DATABASE_CONN_HEALTH_CHECKS", True),
            )
        }
    except Exception as exc:  # dj_database_url raises several types for bad URLs
        raise ImproperlyConfigured(f"DATABASE_URL could not be parsed: {exc}") from exc
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "liangge_zeren.sqlite3",
            "OPTIONS": {
                # WAL lets the web server and the Celery worker read while the other writes.
                # busy_timeout comes first so that switching to WAL also waits for a lock
                # held by a process that connected at the same moment.
                "init_command": (
                    "PRAGMA busy_timeout=10000; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                ),
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
# A PostgreSQL streaming replica for the reads that tolerate a second of lag (cockpit, panels,
# exports, API lists): liangge_zeren/dbrouter.py decides; unset, there is no `replica` alias.
# PostgreSQL's JIT compiles a query whose estimated cost is high: for the cockpit's grouped
# counts it cost more than it saved (the root cockpit's slowest query spent 725 of its
# 1,776 ms compiling; issue 19). Off for this application's sessions unless DATABASE_JIT=1.
PG_SESSION_OPTIONS = "" if env_bool("DATABASE_JIT", False) else "-c jit=off"
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    if not DATABASE_URL:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL (the primary).")
    try:
        DATABASES["replica"] = dj_database_url.parse(
            DATABASE_REPLICA_URL,
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
            conn_health_checks=env_bool("DATABASE_CONN_HEALTH_CHECKS", True),
        )
    except Exception as exc:  # dj_database_url raises several types for bad URLs
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URL could not be parsed: {exc}") from exc
    # Tests: the replica alias reads the primary's test database (a fresh test database exists
    # only there); tests/conftest.py lets it share the test's transaction.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["liangge_zeren.dbrouter.ReplicaRouter"]
    # Outermost: one record of the writes per request, made by any write it routes.
    MIDDLEWARE.insert(0, "liangge_zeren.dbrouter.ReplicaRoutingMiddleware")
for _database in DATABASES.values():
    if PG_SESSION_OPTIONS and "postgresql" in _database["ENGINE"]:
        _options = _database.setdefault("OPTIONS", {})
        _options["options"] = f"{_options.get('options', '')} {PG_SESSION_OPTIONS}".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Password policy (等保 2.0): at least 10 characters, three of four character classes, not like
# the username, not a common password. PasswordChangeRecorder records each change, so that a
# password set by an administrator must be changed at the next login (security/validators.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "security.validators.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "security.validators.PasswordChangeRecorder"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Language and time
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files: everything is served from this server (closed networks, no CDN).
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploaded evidence lives outside the web root and is served only through checked views.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "uploads")))
# Never routed: uploads are served only by permission-checked views.
MEDIA_URL = "/media-not-served/"

# --- E-mail (console by default; SMTP when EMAIL_HOST is set)
EMAIL_HOST = env_str("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 25)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "liangge-zeren@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Cache: rate limits (login, exports, API tokens, public pages) count here. The default is
# each process's memory, so with several gunicorn workers a limit holds per worker; CACHE_URL
# (e.g. redis://redis:6379/1 — not the broker's database: a cache clear empties its database)
# makes it one limit for the installation.
_CACHE_URL = env_str("CACHE_URL")
if _CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _CACHE_URL,
            "KEY_PREFIX": "lz",
        }
    }

# --- Celery: Redis when CELERY_BROKER_URL / REDIS_URL is set, else a spool folder under var/.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or env_str("REDIS_URL") or "filesystem://"
if CELERY_BROKER_URL.startswith("filesystem://"):
    _spool = VAR_DIR / "celery"
    for _sub in ("queue", "processed", "control"):
        (_spool / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_spool / "queue"),
        "data_folder_out": str(_spool / "queue"),
        "processed_folder": str(_spool / "processed"),
        "store_processed": False,
        "control_folder": str(_spool / "control"),
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # Nightly repair of copied org paths / supervising bodies (cheap when nothing drifted).
    "resync-org-tree": {
        "task": "responsibilities.tasks.resync_org_tree",
        "schedule": crontab(hour=2, minute=30),  # CELERY_TIMEZONE = Asia/Shanghai
    },
}

# --- HTTPS hardening: production sets HTTPS_ONLY=1 (behind a TLS-terminating proxy).
HTTPS_ONLY = env_bool("HTTPS_ONLY", False)
if HTTPS_ONLY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# --- Responsibility lists, letters and duty logs (issue 3). All read from the environment.
# Letters are optional: the 2024 burden-reduction rules discourage demanding them.
RESPONSIBILITY_LETTERS_ENABLED = env_bool("RESPONSIBILITY_LETTERS_ENABLED", True)
# Normalised text similarity (0–100) at or above which an adopted item counts as verbatim.
COPY_SIMILARITY_THRESHOLD = env_int("COPY_SIMILARITY_THRESHOLD", 90)
# A list is flagged as mostly copied when this percentage of its items or more is verbatim.
COPY_FLAG_PERCENT = env_int("COPY_FLAG_PERCENT", 60)
# A duty log entered more than this many days after it happened is flagged as late (补录).
LATE_ENTRY_DAYS = env_int("LATE_ENTRY_DAYS", 30)
# Item progress turns yellow this many days before the end of its period.
DUE_SOON_DAYS = env_int("DUE_SOON_DAYS", 10)
# Method-mix warning when meetings/document relays exceed this percentage of a quarter's logs.
METHOD_MIX_THRESHOLD = env_int("METHOD_MIX_THRESHOLD", 70)
METHOD_MIX_MIN_LOGS = env_int("METHOD_MIX_MIN_LOGS", 3)
# Official documents (liangge_zeren/documents.py): a directory of .docx templates that replace
# the packaged ones of the same name (a province's own red header); empty: the packaged ones.
DOCUMENT_TEMPLATES_DIR = env_str("DOCUMENT_TEMPLATES_DIR", "") or ""
# Evidence uploads: size limit and allowed kinds (checked by content, not by name).
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
ALLOWED_UPLOAD_TYPES = env_list(
    "ALLOWED_UPLOAD_TYPES", ["pdf", "png", "jpeg", "docx", "xlsx", "txt"]
)
# Zip-based evidence (.docx, .xlsx) is bounded by what it expands to (liangge_zeren/uploads.py):
# total uncompressed size and each part's compression ratio (zip bombs are refused).
UPLOAD_MAX_UNCOMPRESSED_MB = env_int("UPLOAD_MAX_UNCOMPRESSED_MB", 100)
UPLOAD_MAX_COMPRESSION_RATIO = env_int("UPLOAD_MAX_COMPRESSION_RATIO", 100)
# Stored evidence files and their folders: readable by the service's group, nobody else.
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
# Spreadsheet imports (liangge_zeren/spreadsheets.py) are bounded by what a file expands to:
# total uncompressed size, each part's compression ratio (zip bombs), rows and cells.
SPREADSHEET_MAX_UNCOMPRESSED_MB = env_int("SPREADSHEET_MAX_UNCOMPRESSED_MB", 100)
SPREADSHEET_MAX_COMPRESSION_RATIO = env_int("SPREADSHEET_MAX_COMPRESSION_RATIO", 100)
SPREADSHEET_MAX_ROWS = env_int("SPREADSHEET_MAX_ROWS", 100_000)
SPREADSHEET_MAX_CELLS = env_int("SPREADSHEET_MAX_CELLS", 1_000_000)

# --- Security and audit (issue 8; security/). Every number can be set in the environment.
# Login lockout (django-axes): LOGIN_FAILURE_LIMIT failures for one account, from whatever
# addresses, lock that account for LOGIN_LOCKOUT_MINUTES; a security administrator can unlock
# earlier. Keyed on the account, so that people behind one address (NAT, a proxy) do not lock
# each other out; accounts that are not locked log in with the right password.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks for the address in the lockout key; here it is deliberately the account alone
# (the per-address limit on unknown user names is security.middleware's, issue #20.6).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "security.views.lockout"
AXES_DISABLE_ACCESS_LOG = True  # successful logins and logouts are in the audit log
AXES_VERBOSE = False
# Behind N reverse proxies set AXES_PROXY_COUNT=N so the client address comes from
# X-Forwarded-For (also used by the audit log and the rate limits).
if env_int("AXES_PROXY_COUNT", 0):
    AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0)
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
# Failed logins with unknown user names per address and minute (0 turns it off); over it,
# unknown user names from that address are refused, existing accounts are not.
LOGIN_RATE_LIMIT_PER_MINUTE = env_int("LOGIN_RATE_LIMIT_PER_MINUTE", 30)
# Generated exports (.xlsx/.docx) per user and minute, all export views together (0 = off);
# the audit-log export has its own, lower limit. tests/security checks the list is complete.
EXPORT_RATE_LIMIT_PER_MINUTE = env_int("EXPORT_RATE_LIMIT_PER_MINUTE", 10)
RATE_LIMITED_EXPORT_VIEWS = [
    "dashboards:cockpit_xlsx",
    "dashboards:cockpit_docx",
    "inspections:ledger_export",
    "inspections:report_docx",
    "duty_letter_docx",
    "duty_report_docx",
    "org_import_template",
    "accountability:integrity_reply_docx",
    "duty_list_import_template",
    "appointment_import_template",
    "inspections:risk_import_template",
    "accountability:case_decision_docx",
    "inspections:feedback_docx",
    "inspections:ledger_docx",
    "assessments:person_team_docx",
    "assessments:knowledge_question_template",
]
# Sessions: signed out after SESSION_IDLE_MINUTES without a request; never longer than
# SESSION_MAX_HOURS; gone when the browser closes.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_MINUTES", 30) * 60
SESSION_COOKIE_AGE = env_int("SESSION_MAX_HOURS", 12) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# Passwords expire after PASSWORD_EXPIRY_DAYS (0 = never, the default).
PASSWORD_EXPIRY_DAYS = env_int("PASSWORD_EXPIRY_DAYS", 0)
# Optional TOTP second factor (django-otp); when on, the administrative roles and superusers
# must use it.
OTP_ENABLED = env_bool("OTP_ENABLED", False)
# ... and so must holders of these post roles (responsibilities Tenure.Role values, e.g.
# "secretary,discipline_secretary"; "all" = every account), and anyone who enrolled a device.
OTP_REQUIRED_ROLES = env_list("OTP_REQUIRED_ROLES", [])
OTP_TOTP_ISSUER = "两个责任"

# --- Single sign-on (security/sso.py, security/directory.py; README "单点登录 / Single sign-on").
# The provider or directory says who someone is; the account is the existing one whose person's
# SSO_PERSON_FIELD (external_id = 统一身份标识, or code = 人员编码) equals the claim/attribute.
SSO_PERSON_FIELD = env_str("SSO_PERSON_FIELD", "external_id")
# Local passwords (with TOTP). Off: the password form is hidden for everyone but the
# administrators' break-glass link (/accounts/login/?local=1), and accounts linked to a person
# can no longer sign in with a local password.
LOCAL_LOGIN_ENABLED = env_bool("LOCAL_LOGIN_ENABLED", True)
# OpenID Connect (mozilla-django-oidc), authorization-code flow with PKCE; callback URL
# <site>/oidc/callback/. No discovery: the endpoints are named one by one.
OIDC_ENABLED = env_bool("OIDC_ENABLED", False)
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME", "") or ""
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID", "") or ""
OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET", "") or ""
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT", "") or ""
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT", "") or ""
OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT", "") or ""
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT", "") or ""
# end_session_endpoint: logout ends the provider's session too (RP-initiated logout).
OIDC_OP_LOGOUT_ENDPOINT = env_str("OIDC_OP_LOGOUT_ENDPOINT", "") or ""
OIDC_RP_SIGN_ALGO = env_str("OIDC_RP_SIGN_ALGO", "RS256") or "RS256"
OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid profile") or "openid profile"
OIDC_MATCH_CLAIM = env_str("OIDC_MATCH_CLAIM", "employee_number") or "employee_number"
# The identity platform does its own MFA: TOTP (OTP_ENABLED) is not asked again after an OIDC
# login unless OIDC_REQUIRE_OTP=1.
OIDC_REQUIRE_OTP = env_bool("OIDC_REQUIRE_OTP", False)
OIDC_CREATE_USER = False
OIDC_STORE_ID_TOKEN = True
OIDC_USE_PKCE = True
OIDC_VERIFY_SSL = env_bool("OIDC_VERIFY_SSL", True)
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT_SECONDS", 10)
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_authentication_callback"
if OIDC_ENABLED:
    for _name in (
        "OIDC_RP_CLIENT_ID",
        "OIDC_RP_CLIENT_SECRET",
        "OIDC_OP_AUTHORIZATION_ENDPOINT",
        "OIDC_OP_TOKEN_ENDPOINT",
        "OIDC_OP_USER_ENDPOINT",
        "OIDC_OP_JWKS_ENDPOINT",
    ):
        env_required(_name)
    AUTHENTICATION_BACKENDS.append("security.sso.OIDCBackend")
# LDAP / Active Directory (django-auth-ldap; `pip install -e ".[ldap]"`).
LDAP_ENABLED = env_bool("LDAP_ENABLED", False)
LDAP_MATCH_ATTRIBUTE = env_str("LDAP_MATCH_ATTRIBUTE", "employeeNumber") or "employeeNumber"
LDAP_CREATE_USERS = env_bool("LDAP_CREATE_USERS", False)
if LDAP_ENABLED:
    try:
        import ldap
        from django_auth_ldap.config import LDAPSearch
    except ImportError as exc:
        raise ImproperlyConfigured(
            'LDAP_ENABLED=1 needs python-ldap and django-auth-ldap: pip install -e ".[ldap]"'
        ) from exc
    AUTH_LDAP_SERVER_URI = env_required("LDAP_SERVER_URI")
    AUTH_LDAP_BIND_DN = env_str("LDAP_BIND_DN", "") or ""
    AUTH_LDAP_BIND_PASSWORD = env_str("LDAP_BIND_PASSWORD", "") or ""
    AUTH_LDAP_USER_SEARCH = LDAPSearch(
        env_required("LDAP_USER_BASE"),
        ldap.SCOPE_SUBTREE,
        env_str("LDAP_USER_FILTER", "(uid=%(user)s)") or "(uid=%(user)s)",
    )
    AUTH_LDAP_START_TLS = env_bool("LDAP_START_TLS", False)
    AUTH_LDAP_CONNECTION_OPTIONS = {
        ldap.OPT_REFERRALS: 0,
        ldap.OPT_NETWORK_TIMEOUT: env_int("LDAP_TIMEOUT_SECONDS", 5),
    }
    AUTHENTICATION_BACKENDS.append("security.directory.DirectoryBackend")
# Audit log retention (days, at least 180); `manage.py prune_audit` and the nightly job.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 180)
if AUDIT_RETENTION_DAYS < 180:
    raise ImproperlyConfigured("AUDIT_RETENTION_DAYS must be at least 180.")
# Views whose every successful read is audited (sensitive records: case details, sanctions);
# views may also call security.services.audit(request, "view", obj) themselves.
AUDIT_READ_VIEWS = env_list(
    "AUDIT_READ_VIEWS",
    [
        "inspections:finding_detail",
        "inspections:task_detail",
        # Personal data of officials: a person, their posts, tenure history, people search.
        "person_detail",
        "tenure_detail",
        "person_list",
    ],
)
# Backups (`manage.py backup` / `restore`) go here unless a folder is given.
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(VAR_DIR / "backups")))
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CELERY_BEAT_SCHEDULE["prune-audit-log"] = {
    "task": "security.tasks.prune_audit_log",
    "schedule": crontab(hour=3, minute=15),
}
# Keyed evidence chains (security/keys.py, security/README.md "Keyed chains"): the key lives
# outside the database, in LIANGGE_CHAIN_KEYS ("kid:<base64>,…") or LIANGGE_CHAIN_KEY_FILE;
# without either a development key derived from SECRET_KEY is used (check --deploy warns).
CHAIN_KEYS = env_str("LIANGGE_CHAIN_KEYS", "")
CHAIN_KEY_FILE = env_str("LIANGGE_CHAIN_KEY_FILE", "")
CHAIN_ALGORITHM = env_str("LIANGGE_CHAIN_ALGORITHM", "hmac-sha256")
# The nightly check (job "security.chains") writes the chain heads here: mount a folder that
# a database administrator cannot write (another host, write-once storage) in production.
CHAIN_HEADS_DIR = env_str("CHAIN_HEADS_DIR", str(VAR_DIR / "chain_heads"))
CELERY_BEAT_SCHEDULE["check-evidence-chains"] = {
    "task": "security.tasks.check_chains",
    "schedule": crontab(hour=3, minute=45),
}

# --- Inspections (issue 4; inspections/). Deadlines, traffic light and risk weights.
INSPECTIONS = {
    # R22: rectification report (and the principal leader's own report) due this many months
    # after feedback, per round kind. 2 months for 巡视/巡察 under the 2015/2017 rules.
    "REPORT_DUE_MONTHS": {
        "xunshi": env_int("INSPECTIONS_XUNSHI_REPORT_MONTHS", 2),
        "xuncha": env_int("INSPECTIONS_XUNCHA_REPORT_MONTHS", 2),
        "special": 2,
        "covert_visit": 1,
        "daily_supervision": 1,
        "re_supervision": 2,
    },
    # Rectification tasks due within this many days are yellow; overdue ones are red.
    "DUE_SOON_DAYS": env_int("INSPECTIONS_DUE_SOON_DAYS", 10),
    # Default weights of the risk ranking (the page lets an officer change them per query).
    "RISK_WEIGHTS": {
        "power_concentration": 25,
        "funds_density": 20,
        "petitions": 20,
        "case_incidence": 15,
        "audit_issues": 10,
        "findings": 10,
        "overdue_tasks": 10,
    },
}

# --- Reminders, escalation and quarterly assessments (issue 6; notifications/, assessments/).
# Reminders claimed per transaction by notifications.services.deliver (ON CONFLICT batches).
NOTIFICATION_CLAIM_BATCH = env_int("NOTIFICATION_CLAIM_BATCH", 1000)
# Threads that claim while the job prepares the next batch (PostgreSQL only; 0 = none).
NOTIFICATION_CLAIM_WORKERS = env_int("NOTIFICATION_CLAIM_WORKERS", 2)
# Shards of a shardable reminder job (notifications.jobs): the beat's task sends one task per
# shard for the workers' processes to run at once (docker-compose: --concurrency=2 on 2 cores).
# One run of the job keeps 1.5 of 2 cores busy (Python on one, the claims on the other); two
# shards fill both. On 2 cores that gains little (100,000 reminders: 7.2-8.6 s as one run,
# 6.9-7.8 s as two shards); the shards are how the job uses more cores or worker machines
# (issue 19). SQLite takes one writer at a time: 1 there.
JOB_SHARDS = env_int("JOB_SHARDS", 2 if DATABASE_URL else 1)
SITE_URL = env_str("SITE_URL", "")  # prefix for links in e-mails and messenger messages

# --- Channels besides the inbox (issue 16; notifications/outbox.py). Each one is switched on
# per deployment; one switched on without what it needs stops the process at start. Users
# choose among the switched-on channels under 提醒设置 (NOTIFY_DEFAULT_CHANNELS: for those who
# never chose). Messages carry a short title and a link, never the body.


def _needed(name: str, switch: str) -> str:
    value = (env_str(name, "") or "").strip()
    if not value:
        raise ImproperlyConfigured(f"{switch}=1 needs {name}.")
    return value


def _pair(name: str, raw: str, sep: str) -> tuple[str, str]:
    key, found, value = raw.partition(sep)
    if not (found and key.strip()):
        raise ImproperlyConfigured(f"{name} must look like 'name{sep}value'.")
    return key.strip(), value.strip()


def _sms_gateway() -> dict:
    from string import Template

    body = env_str("SMS_GATEWAY_BODY", '{"mobile":"${mobile}","content":"${text}"}')
    template = Template(body)
    unknown = set(template.get_identifiers()) - {"mobile", "text", "message_id"}
    if not template.is_valid() or unknown or "mobile" not in template.get_identifiers():
        raise ImproperlyConfigured(
            "SMS_GATEWAY_BODY: use ${mobile} (required), ${text} and ${message_id} only."
        )
    method = (env_str("SMS_GATEWAY_METHOD", "POST") or "").upper()
    if method not in ("GET", "POST"):
        raise ImproperlyConfigured("SMS_GATEWAY_METHOD must be GET or POST.")
    auth, success = env_str("SMS_GATEWAY_AUTH_HEADER", ""), env_str("SMS_GATEWAY_SUCCESS", "")
    return {
        "URL": _needed("SMS_GATEWAY_URL", "NOTIFY_SMS"),
        "METHOD": method,
        "CONTENT_TYPE": env_str("SMS_GATEWAY_CONTENT_TYPE", "application/json; charset=utf-8"),
        "BODY": body,
        "AUTH_HEADER": _pair("SMS_GATEWAY_AUTH_HEADER", auth, ":") if auth else None,
        "SUCCESS": _pair("SMS_GATEWAY_SUCCESS", success, "=") if success else None,
        "DEDUP_SECONDS": env_int("SMS_GATEWAY_DEDUP_SECONDS", 0),
        "LABEL": env_str("SMS_LABEL", ""),
    }


NOTIFICATION_CHANNELS = {}
if env_bool("NOTIFY_EMAIL", True):
    NOTIFICATION_CHANNELS["email"] = "notifications.channels.EmailChannel"
if env_bool("NOTIFY_WECOM", False):
    WECOM = {
        # 政务微信: the private deployment's address; the same gettoken + message/send API.
        "API_BASE": env_str("WECOM_API_BASE", "https://qyapi.weixin.qq.com"),
        "CORP_ID": _needed("WECOM_CORP_ID", "NOTIFY_WECOM"),
        "AGENT_ID": env_int("WECOM_AGENT_ID", 0),
        "SECRET": _needed("WECOM_SECRET", "NOTIFY_WECOM"),
        "LABEL": env_str("WECOM_LABEL", ""),
        "DUPLICATE_CHECK_SECONDS": env_int("WECOM_DUPLICATE_CHECK_SECONDS", 14400),
    }
    if WECOM["AGENT_ID"] <= 0:
        raise ImproperlyConfigured("NOTIFY_WECOM=1 needs WECOM_AGENT_ID (the application's id).")
    NOTIFICATION_CHANNELS["wecom"] = "notifications.wecom.WeComChannel"
if env_bool("NOTIFY_DINGTALK", False):
    DINGTALK = {
        "WEBHOOK": _needed("DINGTALK_WEBHOOK", "NOTIFY_DINGTALK"),
        "SECRET": env_str("DINGTALK_SECRET", ""),
        "KEYWORD": env_str("DINGTALK_KEYWORD", ""),
        "LABEL": env_str("DINGTALK_LABEL", ""),
    }
    NOTIFICATION_CHANNELS["dingtalk"] = "notifications.dingtalk.DingTalkRobotChannel"
if env_bool("NOTIFY_SMS", False):
    SMS_GATEWAY = _sms_gateway()
    NOTIFICATION_CHANNELS["sms"] = "notifications.sms.SmsGatewayChannel"
if env_bool("NOTIFY_LOG_GATEWAY", False):
    NOTIFICATION_CHANNELS["log"] = "notifications.channels.LogGatewayChannel"
# More channels by configuration: NOTIFICATION_CHANNELS_EXTRA="name=dotted.path.Class,…"
for _entry in env_list("NOTIFICATION_CHANNELS_EXTRA", []):
    _channel, _path = _pair("NOTIFICATION_CHANNELS_EXTRA", _entry, "=")
    NOTIFICATION_CHANNELS[_channel] = _path
if {"wecom", "dingtalk", "sms"} & set(NOTIFICATION_CHANNELS) and not SITE_URL:
    raise ImproperlyConfigured("Messenger and SMS channels need SITE_URL for their links.")
NOTIFY_DEFAULT_CHANNELS = env_list("NOTIFY_DEFAULT_CHANNELS", [])
if set(NOTIFY_DEFAULT_CHANNELS) - set(NOTIFICATION_CHANNELS):
    raise ImproperlyConfigured("NOTIFY_DEFAULT_CHANNELS names a channel that is not switched on.")
NOTIFY_DELIVERY = {
    "HTTP_TIMEOUT": env_int("NOTIFY_HTTP_TIMEOUT", 10),  # seconds per vendor request
    "MAX_ATTEMPTS": env_int("NOTIFY_MAX_ATTEMPTS", 6),
    "RETRY_BASE_SECONDS": env_int("NOTIFY_RETRY_BASE_SECONDS", 30),  # doubles every attempt
    "RETRY_MAX_SECONDS": env_int("NOTIFY_RETRY_MAX_SECONDS", 3600),
    # A send not finished after this long belongs to a dead worker (the sweep settles it).
    "LEASE_SECONDS": env_int("NOTIFY_SEND_LEASE_SECONDS", 120),
    # A pending message this much past due was lost between commit and enqueue.
    "SWEEP_GRACE_SECONDS": env_int("NOTIFY_SWEEP_GRACE_SECONDS", 600),
}
if NOTIFY_DELIVERY["LEASE_SECONDS"] <= 3 * NOTIFY_DELIVERY["HTTP_TIMEOUT"]:
    raise ImproperlyConfigured(
        "NOTIFY_SEND_LEASE_SECONDS must exceed three NOTIFY_HTTP_TIMEOUTs (token + send + retry)."
    )
_SWEEP_MINUTES = env_int("NOTIFY_SWEEP_MINUTES", 5)
if not 1 <= _SWEEP_MINUTES <= 59:
    raise ImproperlyConfigured("NOTIFY_SWEEP_MINUTES must be between 1 and 59.")
REMINDERS = {
    # Items without a log turn yellow this many days before their due date (渝北: T-10).
    "ITEM_LEAD_DAYS": env_int("REMINDER_ITEM_LEAD_DAYS", 10),
    # Rectification tasks: reminders this many days before the due date, then overdue.
    "TASK_THRESHOLDS": [7, 3, 1],
    "REPORT_LEAD_DAYS": env_int("REMINDER_REPORT_LEAD_DAYS", 10),
    # A letter waiting for a signature this many days is reminded (then every REPEAT days).
    "LETTER_UNSIGNED_DAYS": env_int("REMINDER_LETTER_UNSIGNED_DAYS", 7),
    "LETTER_REPEAT_DAYS": env_int("REMINDER_LETTER_REPEAT_DAYS", 30),
    # Annual report (R5) due date (month, day) of the following year, and the lead time.
    "ANNUAL_REPORT_DUE": (
        env_int("ANNUAL_REPORT_DUE_MONTH", 1),
        env_int("ANNUAL_REPORT_DUE_DAY", 31),
    ),
    "ANNUAL_REPORT_LEAD_DAYS": env_int("ANNUAL_REPORT_LEAD_DAYS", 15),
    # 层层督办: overdue this many days → escalate one more level up per threshold
    # (1st threshold: the parent unit's secretary and discipline secretary; 2nd: grandparent).
    "ESCALATION_DAYS": [env_int("ESCALATION_FIRST_DAYS", 7), env_int("ESCALATION_SECOND_DAYS", 30)],
    "SUPERVISION_NOTICES": env_bool("ESCALATION_SUPERVISION_NOTICES", True),
    # Accountability step deadlines, formalities and appeal decisions: reminded this early.
    "ACCOUNTABILITY_LEAD_DAYS": env_int("REMINDER_ACCOUNTABILITY_LEAD_DAYS", 3),
}
# Burden rules (R31): no public ranking; superiors may see a ranking of their subordinate units
# only when this is on. There are no check-in or online-time metrics anywhere.
ASSESSMENT_RANKINGS_FOR_SUPERIORS = env_bool("ASSESSMENT_RANKINGS_FOR_SUPERIORS", False)
# Democratic evaluations (民主测评): results count only for a closed round where at least this
# share of the roll voted (a round may set its own), and a group (the team grade, one person's
# marks) with fewer ballots than EVALUATION_MIN_GROUP is never shown or counted.
EVALUATION_MIN_TURNOUT = float(os.environ.get("EVALUATION_MIN_TURNOUT", "0.8"))
EVALUATION_MIN_GROUP = env_int("EVALUATION_MIN_GROUP", 5)
# One-time voting codes: attempts per address per ten minutes.
EVALUATION_CODE_ATTEMPTS = env_int("EVALUATION_CODE_ATTEMPTS", 20)
_REMINDER_JOBS = [
    # (beat entry, task, hour, minute): staggered so jobs never pile up at once.
    ("remind-duty-items", "responsibilities.tasks.remind_duty_items", 7, 0),
    ("remind-unsigned-letters", "responsibilities.tasks.remind_unsigned_letters", 7, 10),
    ("remind-annual-reports", "responsibilities.tasks.remind_annual_reports", 7, 20),
    ("escalate-overdue-items", "responsibilities.tasks.escalate_overdue_items", 7, 30),
    ("remind-rectification-tasks", "inspections.tasks.remind_rectification_tasks", 7, 40),
    ("remind-rectification-reports", "inspections.tasks.remind_rectification_reports", 7, 50),
    ("escalate-overdue-tasks", "inspections.tasks.escalate_overdue_tasks", 8, 0),
    ("tell-handed-over-successors", "inspections.tasks.tell_handed_over_successors", 8, 5),
    ("remind-case-steps", "accountability.tasks.remind_case_steps", 8, 10),
    ("remind-formalities", "accountability.tasks.remind_formalities", 8, 30),
    ("remind-appeals", "accountability.tasks.remind_appeals", 8, 40),
    ("remind-integrity-replies", "accountability.tasks.remind_integrity_replies", 8, 50),
    ("expire-influence-periods", "accountability.tasks.expire_influence_periods", 1, 30),
    ("daily-digest", "notifications.tasks.send_daily_digest", 18, 0),
]
# REMINDER_BEAT_SECONDS=N runs the reminder jobs every N seconds instead (trials, the worker
# tests); keys make every extra run send nothing new.
_BEAT_SECONDS = env_int("REMINDER_BEAT_SECONDS", 0)
for _name, _task, _hour, _minute in _REMINDER_JOBS:
    CELERY_BEAT_SCHEDULE[_name] = {
        "task": _task,
        "schedule": _BEAT_SECONDS or crontab(hour=_hour, minute=_minute),
    }
CELERY_BEAT_SCHEDULE["sweep-outbox"] = {
    "task": "notifications.tasks.sweep_outbox",
    "schedule": _BEAT_SECONDS or crontab(minute=f"*/{_SWEEP_MINUTES}"),
}
# Deployments sharing one Redis can give each installation its own queue.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
# acks_late on Redis: an unacknowledged task (worker killed) is delivered again after this
# many seconds; keep it above the longest task (reminder keys make a double run harmless).
if not CELERY_BROKER_URL.startswith("filesystem://"):
    _visibility = env_int(
        "CELERY_VISIBILITY_TIMEOUT", CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    )
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        visibility_timeout=_visibility,
        # Sweep for abandoned messages every few seconds (kombu's default is ~100 s).
        unacked_restore_interval=max(1, min(10, _visibility // 2)),
        unacked_restore_throttle=1,
    )
# Quarterly roll-up: the 5th of the month after each quarter end, 04:00 (after late entries).
CELERY_BEAT_SCHEDULE["rollup-quarter"] = {
    "task": "assessments.tasks.rollup_last_quarter",
    "schedule": crontab(hour=4, minute=0, day_of_month=5, month_of_year="1,4,7,10"),
}

# --- Demo data
DEMO_PASSWORD = env_str("DEMO_PASSWORD", "liangge2026")

# LOG_FORMAT=json writes one JSON object per line (with the request id) for log collectors.
LOG_FORMAT = env_str("LOG_FORMAT", "text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be 'text' or 'json'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "security.logging.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
        "json": {"()": "security.logging.JsonLinesFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Accountability (issue 5; accountability/). Windows, 一案双查 triggers, step deadlines.
# Influence periods (R17, R20, R21) are a table (accountability.InfluencePeriodRule, seeded
# by a migration) so a deployment corrects them in the admin, not here.
ACCOUNTABILITY = {
    # R14 / R20: appeal within 1 month of receiving the decision, per channel; decided
    # within 1 month of filing (the decision stays in force meanwhile).
    "APPEAL_WINDOW_MONTHS": {
        "party_accountability": env_int("ACCOUNTABILITY_APPEAL_WINDOW_MONTHS", 1),
        "party_discipline": 1,
        "public_office_sanction": 1,
    },
    "APPEAL_DECISION_MONTHS": {
        "party_accountability": 1,
        "party_discipline": 1,
        "public_office_sanction": 1,
    },
    # R12 / R20: organisational-handling formalities (and post/pay changes for 降级 or
    # heavier 政务处分) done within this many months of the decision.
    "FORMALITIES_MONTHS": env_int("ACCOUNTABILITY_FORMALITIES_MONTHS", 1),
    # 一案双查 (R29) opens both probes automatically when a disciplinary case reaches any of:
    # a Party sanction of this grade or heavier, a 政务处分 of this grade or heavier, the
    # fourth form, this amount involved (yuan), or this many cases in the same unit
    # (its subtree) within this many years. Officers can always open them with a reason.
    "DUAL_TRIGGER_PARTY_SANCTION": "removal_from_party_posts",
    "DUAL_TRIGGER_PUBLIC_SANCTION": "dismissal_from_post",
    "DUAL_TRIGGER_FOUR_FORM": 4,
    "DUAL_TRIGGER_AMOUNT": env_int("ACCOUNTABILITY_DUAL_TRIGGER_AMOUNT", 100_000),
    "DUAL_TRIGGER_REPEAT_CASES": 3,
    "DUAL_TRIGGER_REPEAT_YEARS": 3,
    # Days each procedure step should take (reminder deadlines; local practice, [U]).
    "STEP_DAYS": {
        "lead_received": 15,
        "preliminary_review": 30,
        "start_approved": 15,
        "investigating": 60,
        "hearing": 15,
        "report_discussed": 15,
    },
    # The chain page looks this many days back from the event for duty logs.
    "CHAIN_LOOKBACK_DAYS": 365,
}


# --- REST API (issue 15; liangge_zeren/api). Bearer tokens first: an anonymous request gets
# 401 with `WWW-Authenticate: Bearer`; the browser session (with CSRF) serves the site's own JS.
API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", "600/min")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "security.tokens.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "liangge_zeren.api.permissions.SignedIn",
        "liangge_zeren.api.permissions.TokenCapability",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["liangge_zeren.api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": API_THROTTLE_RATE},
    "DEFAULT_PAGINATION_CLASS": "liangge_zeren.api.pagination.ApiCursorPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "EXCEPTION_HANDLER": "liangge_zeren.api.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "iso-8601",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "两个责任 接口(API)",
    "DESCRIPTION": (
        "两个责任系统的 REST 接口。每个接口都经过与网页相同的范围控制(visible_to)和业务服务:"
        "接口做不到本人在浏览器中做不到的事。\n\n"
        "认证:`Authorization: Bearer <令牌>`(`python manage.py api_token 用户名` 签发个人令牌;"
        "服务账号由安全管理员在 /security/api-tokens/ 创建),或网站自身脚本使用的会话(需 CSRF)。\n\n"
        "错误以 `application/problem+json` 返回,`detail` 为中文说明:范围外 404,只读 403,"
        "流程规则拒绝 409,版本过期(If-Match 与 ETag 不符)412,请求过于频繁 429。"
        "列表使用游标分页(`cursor`),支持过滤与排序(`ordering`)。"
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name for a choice set used by several models.
    "ENUM_NAME_OVERRIDES": {
        "ActionTypeEnum": "responsibilities.models.ActionType",
        "WorkAreaEnum": "responsibilities.models.WorkArea",
        "CaseStatusEnum": "accountability.models.AccountabilityCase.Status",
    },
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Every operation documents its problem+json answers (400/401/403/404/429; writes also
    # 409/412/413/415), with the default enum post-processing first.
    "POSTPROCESSING_HOOKS": ["liangge_zeren.api.schema.add_problem_responses"],
}
