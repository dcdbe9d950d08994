"""Deployment settings: production checks pass, bad values fail loudly, env switches backends.

Settings are read once per process, so every case runs Python in a subprocess with its own
environment (and its own VAR_DIR under tmp_path, so nothing touches the working tree).
"""

import base64
import os
import secrets
import shutil
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from liangge_zeren import env as env_helpers

BASE_DIR = Path(__file__).resolve().parent.parent
# Variables the settings read; cleared so the developer's or CI's own values don't leak in.
SETTINGS_VARS = {
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "REDIS_URL",
    "CACHE_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "HTTPS_ONLY",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_PRELOAD",
    "STATIC_ROOT",
    "MEDIA_ROOT",
    "STATIC_MANIFEST",
    "CELERY_TASK_ALWAYS_EAGER",
    "EMAIL_HOST",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by tests/conftest.py; check --deploy rejects it
}


def _secret_key(length: int = 60) -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _env(tmp_path, **overrides) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARS}
    env.update(
        DJANGO_SETTINGS_MODULE="liangge_zeren.settings",
        VAR_DIR=str(tmp_path / "var"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(overrides)
    return env


def _python(tmp_path, code: str, **overrides) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=_env(tmp_path, **overrides),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _setting(tmp_path, expression: str, **overrides) -> str:
    code = f"from django.conf import settings; print({expression})"
    result = _python(tmp_path, code, **overrides)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


# --- (a) the production checklist -----------------------------------------------------------


def test_it_passes_check_deploy_without_warnings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=_env(
            tmp_path,
            DEBUG="0",
            HTTPS_ONLY="1",
            SECRET_KEY=_secret_key(),
            ALLOWED_HOSTS="example.gov.cn",
            # A deployment keys its evidence chains outside the database (security/README.md).
            LIANGGE_CHAIN_KEYS="k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "no issues" in output
    assert "WARNING" not in output


# --- (b) bad values fail loudly ---------------------------------------------------------------


@pytest.mark.parametrize("raw", ["maybe", "2", "enabled"])
def test_it_rejects_a_bad_boolean(monkeypatch, raw):
    monkeypatch.setenv("DEBUG", raw)
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        env_helpers.env_bool("DEBUG", False)


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("yes", True), ("0", False), ("", False)]
)
def test_it_reads_good_booleans(monkeypatch, raw, expected):
    monkeypatch.setenv("DEBUG", raw)
    assert env_helpers.env_bool("DEBUG", not expected) is expected


def test_it_rejects_a_bad_integer(monkeypatch):
    monkeypatch.setenv("SECURE_HSTS_SECONDS", "a year")
    with pytest.raises(ImproperlyConfigured, match="SECURE_HSTS_SECONDS"):
        env_helpers.env_int("SECURE_HSTS_SECONDS", 0)


def test_it_requires_required_values(monkeypatch):
    monkeypatch.setenv("SOMETHING_REQUIRED", "  ")
    with pytest.raises(ImproperlyConfigured, match="SOMETHING_REQUIRED"):
        env_helpers.env_required("SOMETHING_REQUIRED")


def test_it_splits_lists(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", " a.gov.cn, ,b.gov.cn ")
    assert env_helpers.env_list("ALLOWED_HOSTS", []) == ["a.gov.cn", "b.gov.cn"]


def test_it_refuses_to_start_with_debug_maybe(tmp_path):
    result = _python(tmp_path, "import django; django.setup()", DEBUG="maybe")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DEBUG='maybe'" in result.stderr


def test_it_refuses_to_start_with_a_short_secret_key(tmp_path):
    result = _python(tmp_path, "import django; django.setup()", SECRET_KEY="too-short")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_it_refuses_a_bad_database_url(tmp_path):
    result = _python(tmp_path, "import django; django.setup()", DATABASE_URL="nosuchdb://x/y")
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


# --- (c) the compose file ---------------------------------------------------------------------

DOCKER_COMPOSE = shutil.which("docker-compose")


@pytest.mark.skipif(DOCKER_COMPOSE is None, reason="docker-compose (Debian's v1) not installed")
def test_it_has_a_valid_compose_file(tmp_path):
    def config(**extra):
        env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "POSTGRES_PASSWORD"}}
        env.update(POSTGRES_PASSWORD="compose-test-password", **extra)
        return subprocess.run(
            [DOCKER_COMPOSE, "-f", str(BASE_DIR / "docker-compose.yml"), "config", "-q"],
            cwd=tmp_path,  # no stray .env from the working tree
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    ok = config(SECRET_KEY=_secret_key())
    assert ok.returncode == 0, ok.stderr
    # No secret is baked into the file: without SECRET_KEY it refuses to render.
    missing = config()
    assert missing.returncode != 0
    assert "SECRET_KEY" in missing.stderr


def test_it_keeps_secrets_out_of_the_compose_file():
    text = (BASE_DIR / "docker-compose.yml").read_text()
    assert "${SECRET_KEY:?" in text
    assert "${POSTGRES_PASSWORD:?" in text
    assert "DEBUG: " in text and "HTTPS_ONLY: " in text


# --- (d) environment switches backends with no code change ----------------------------------


def test_it_defaults_to_the_embedded_mode(tmp_path):
    engine = _setting(tmp_path, "settings.DATABASES['default']['ENGINE']")
    broker = _setting(tmp_path, "settings.CELERY_BROKER_URL")
    assert engine == "django.db.backends.sqlite3"
    assert broker == "filesystem://"


def test_it_switches_to_postgresql_with_database_url(tmp_path):
    url = "postgres://lz:pw@db.example:5433/liangge"
    out = _setting(
        tmp_path,
        "settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['NAME'],"
        " settings.DATABASES['default']['HOST'], settings.DATABASES['default']['PORT']",
        DATABASE_URL=url,
    )
    assert out.split() == ["django.db.backends.postgresql", "liangge", "db.example", "5433"]


@pytest.mark.parametrize("variable", ["CELERY_BROKER_URL", "REDIS_URL"])
def test_it_switches_the_broker_to_redis(tmp_path, variable):
    url = "redis://cache.example:6379/3"
    out = _setting(
        tmp_path,
        "settings.CELERY_BROKER_URL, settings.CELERY_BROKER_TRANSPORT_OPTIONS",
        **{variable: url},
    )
    assert out.startswith(url)
    assert "visibility_timeout" in out
    # The Celery app itself picks it up as well.
    app_broker = _python(
        tmp_path,
        "from liangge_zeren.celery import app; print(app.conf.broker_url)",
        **{variable: url},
    )
    assert app_broker.stdout.strip() == url, app_broker.stderr


def test_it_prefers_celery_broker_url_over_redis_url(tmp_path):
    out = _setting(
        tmp_path,
        "settings.CELERY_BROKER_URL",
        CELERY_BROKER_URL="redis://broker.example/1",
        REDIS_URL="redis://cache.example/2",
    )
    assert out == "redis://broker.example/1"


def test_it_keeps_rate_limits_per_process_unless_cache_url_is_set(tmp_path):
    default = _setting(tmp_path, "settings.CACHES['default']['BACKEND']")
    assert default == "django.core.cache.backends.locmem.LocMemCache"
    # The broker's Redis alone does not move the cache: a cache clear would empty the queue.
    assert (
        _setting(tmp_path, "settings.CACHES['default']['BACKEND']", REDIS_URL="redis://r/0")
        == default
    )
    shared = _setting(
        tmp_path,
        "settings.CACHES['default']['BACKEND'], settings.CACHES['default']['LOCATION']",
        CACHE_URL="redis://cache.example:6379/1",
    )
    assert shared.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "redis://cache.example:6379/1",
    ]


def test_it_counts_a_rate_limit_once_across_processes_with_a_shared_cache(tmp_path):
    """Two processes hit one key on CACHE_URL: the second sees the first's hits."""
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker.startswith("redis://"):
        if os.environ.get("REQUIRE_REDIS_WORKER"):
            pytest.fail("needs CELERY_BROKER_URL=redis://…")
        pytest.skip("needs a Redis (the PostgreSQL + Redis pass of .ci/run)")
    base = broker.rsplit("/", 1)[0]
    cache_url = f"{base}/15"
    key = f"test-{secrets.token_hex(6)}"
    code = (
        "import django; django.setup(); from security.ratelimit import hit; "
        # A window of days: the two processes never straddle a window's edge.
        f"print(sum(hit('{key}', 3, 10**6) for _ in range(2)))"
    )
    first = _python(tmp_path, code, CACHE_URL=cache_url)
    second = _python(tmp_path, code, CACHE_URL=cache_url)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    # 2 allowed in the first process; in the second, the 3rd is allowed and the 4th refused.
    assert (first.stdout.strip(), second.stdout.strip()) == ("2", "1")
