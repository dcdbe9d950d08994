import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


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


@pytest.fixture
def cast(db):
    from responsibilities.cast import build_cast

    return build_cast()


@pytest.fixture
def client_for(client):
    """client_for(user) → a test client logged in as that user (force_login, no axes)."""

    def login(user):
        client.force_login(user)
        return client

    return login
