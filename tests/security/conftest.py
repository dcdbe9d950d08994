import pytest
from django.contrib.auth import get_user_model

from security.models import AdminRole, AdminRoleAssignment

STRONG = "Kx7!mQ2#wLp9"


@pytest.fixture
def make_user(db):
    def make(username: str, *, role: str | None = None, password: str = STRONG, **flags):
        user = get_user_model().objects.create_user(username=username, password=password, **flags)
        if role:
            AdminRoleAssignment.objects.create(user=user, role=role)
        return user

    return make


@pytest.fixture
def admins(make_user):
    return {
        "system": make_user("sysadmin", role=AdminRole.SYSTEM),
        "security": make_user("secadmin", role=AdminRole.SECURITY),
        "audit": make_user("auditadmin", role=AdminRole.AUDIT),
    }


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The login/export limits count in the cache; each test starts with empty buckets."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
