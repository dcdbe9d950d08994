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


# --dist loadgroup (make test): modules marked `xdist_group("name")` run on one worker, one
# group after the other, so a seed they share (`demo_world` below) is built once, not once per
# worker or module. pytest-xdist 3.8 tags grouped items by rewriting `item._nodeid`, which
# pytest 9 no longer reads, so its own loadgroup spreads them; this scheduler groups instead
# (the controller sees node ids only, so it reads the group name from the module's source).
try:
    from xdist.scheduler import LoadScopeScheduling
except ImportError:  # pragma: no cover - xdist is a dev dependency
    LoadScopeScheduling = None

if LoadScopeScheduling is not None:
    import re
    from functools import cache
    from pathlib import Path

    _GROUP_MARK = re.compile(r"pytest\.mark\.xdist_group\(\s*[\"']([^\"']+)[\"']")

    @cache
    def _module_group(path: str) -> str | None:
        try:
            found = _GROUP_MARK.search(Path(path).read_text(encoding="utf-8"))
        except OSError:
            return None
        return f"group:{found.group(1)}" if found else None

    class _ModuleGroups(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _module_group(nodeid.split("::", 1)[0]) or nodeid

    def pytest_xdist_make_scheduler(config: pytest.Config, log):
        if config.getvalue("dist") == "loadgroup":
            return _ModuleGroups(config, log)
        return None


# --- The demo province, shared by consecutive modules (group "demo_world") ----------------


class _DemoWorld:
    """`steps.run_demo` once for every consecutive test that asks for `demo_world`.

    Like TestCase.setUpTestData, across modules: an outer transaction, rolled back as soon as
    the next test on this worker is outside the group's modules (`pytest_runtest_teardown`
    below), so no
    row reaches any other test. Each test runs in a savepoint inside it; a module fixture that
    adds to the world opens its own savepoint (rolled back at the module's end)."""

    def __init__(self) -> None:
        self.ctx = None
        self._exits: list = []

    def get(self, django_db_blocker):
        if self.ctx is not None:
            return self.ctx
        from django.conf import settings as django_settings
        from django.db import transaction
        from django.test import override_settings

        from demo import org_tree, steps

        for manager in (
            django_db_blocker.unblock(),
            override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
            transaction.atomic(),
        ):
            manager.__enter__()
            self._exits.append(manager)
        try:
            self.ctx = steps.run_demo(org_tree.DemoContext(password=django_settings.DEMO_PASSWORD))
        except BaseException:
            self.close()
            raise
        return self.ctx

    def close(self) -> None:
        from django.db import transaction

        if self._exits:
            transaction.set_rollback(True)
        while self._exits:
            self._exits.pop().__exit__(None, None, None)
        self.ctx = None


_DEMO_WORLD = _DemoWorld()


@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker):
    """The seeded demo context (ctx.tree, ctx.users …). A module that asks for it carries
    `pytest.mark.xdist_group("demo_world")`: its modules share one seed per run, and the
    seed lasts while the tests that follow carry the mark."""
    return _DEMO_WORLD.get(django_db_blocker)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    result = yield
    if _DEMO_WORLD.ctx is not None and not _in_demo_world_group(nextitem):
        _DEMO_WORLD.close()
    return result


def _in_demo_world_group(item: pytest.Item | None) -> bool:
    """By module (its mark), not by fixture: a module's cached fixtures hold the world until
    the module ends, whichever of its tests ask for it."""
    mark = item.get_closest_marker("xdist_group") if item is not None else None
    return mark is not None and mark.args[:1] == ("demo_world",)


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
    from tests.castcache import cached_cast

    return cached_cast()


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
    from tests.castcache import cached_cast

    return cached_cast()


_DB_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


@pytest.fixture(autouse=True)
def _replica_in_the_test_transaction(request):
    """With DATABASE_REPLICA_URL set (.ci/run's replica step), the `replica` alias is a test
    mirror of `default` (settings.py), but a mirror is a second connection: it would not see
    the rows a test made in its own, never committed, transaction. For the test's duration the
    alias uses the default connection itself, so routed reads see them; routing is still
    decided by the router (tests/test_replica.py holds the real-replica test)."""
    from django.conf import settings
    from django.db import connections

    uses_db = request.node.get_closest_marker("django_db") or _DB_FIXTURES & set(
        request.fixturenames
    )
    if "replica" not in settings.DATABASES or not uses_db:
        yield
        return
    # Django's test case set up first (it fences off the aliases a test may not use, per
    # connection object), so that this override is undone before its own teardown.
    request.getfixturevalue("_django_db_helper")
    mirror = connections["replica"]
    connections["replica"] = connections["default"]
    try:
        yield
    finally:
        connections["replica"] = mirror
