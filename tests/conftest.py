import os
import warnings

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Fixtures that tests in more than one folder use (test modules never import a fixture).
pytest_plugins = [
    "tests.responsibilities.dutyfix",
    "tests.inspections.fixtures",
    "tests.accountability.fixtures",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`slow` tests run only when asked: RUN_SLOW_TESTS=1 (.ci/run's PostgreSQL pass) or `-m`
    naming them; otherwise they are deselected (and counted as such in the summary)."""
    if os.environ.get("RUN_SLOW_TESTS") or "slow" in (config.getoption("markexpr") or ""):
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]


@pytest.fixture(autouse=True)
def _fast_and_eager(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Manifest storage needs collectstatic; tests (and live_server) use plain storage.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from liangge_zeren.celery import app

    app.conf.task_always_eager = True
    yield


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploads a test makes go to its own directory, never to VAR_DIR/uploads."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate limits (login, exports) count per user id in the cache; ids repeat between tests."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def cast(db):
    from demo.cast import build_cast

    return build_cast()


@pytest.fixture
def client_for(client):
    """client_for(user) → a test client logged in as that user (force_login, no axes)."""

    def login(user):
        client.force_login(user)
        return client

    return login


# --- Browser tests (see tests/browser.py) -------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser):
    """new_page(**context_options) → a page in a fresh zh-CN context, closed after the test."""
    from tests.browser import AXE, TIMEOUT_MS, audit_visits, watch

    opened = []

    def make(**options):
        context = browser.new_context(locale="zh-CN", **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        page = context.new_page()
        watch(page)
        opened.append((context, page))
        return page

    yield make
    # Every page the test saw is audited with axe-core as the user who saw it (issue 17.9).
    problems = []
    for context, page in opened:
        if AXE.exists():
            problems += audit_visits(context, page.lz_visits)
        context.close()
    if not AXE.exists():
        message = f"axe-core missing at {AXE} (make test-tools installs it from npm)"
        if os.environ.get("CI"):
            pytest.fail(message)
        warnings.warn(message, stacklevel=1)
    assert not problems, "axe-core found accessibility violations:\n" + "\n".join(problems)


@pytest.fixture
def live_cast(transactional_db):
    """The fixed cast, committed so the live server's thread can see it."""
    from demo.cast import build_cast

    return build_cast()
