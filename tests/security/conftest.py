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


# --- Single sign-on counterparts (tests/security/counterparts.py) --------------------------


@pytest.fixture
def openid_provider(live_server, tmp_path, settings):
    """oidc-provider on a free port, our client registered (callback on the live server),
    OIDC switched on. Accounts: `zhang.wei` (employee_number E1001), `stranger` (E9999)."""
    from tests.security.counterparts import start_openid_provider, stop_openid_provider

    provider = start_openid_provider(
        tmp_path,
        live_server.url,
        {
            "zhang.wei": {"employee_number": "E1001", "name": "张伟"},
            "stranger": {"employee_number": "E9999", "name": "陌生人"},
        },
    )
    for name, value in provider.settings().items():
        setattr(settings, name, value)
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "security.sso.OIDCBackend",
    ]
    yield provider
    stop_openid_provider(provider)


@pytest.fixture
def directory(tmp_path, settings):
    """A private slapd on a free port with a tiny directory, LDAP login switched on.
    Entries: `zhangwei` (employeeNumber E1001), `stranger` (E9999), `noid` (no number);
    every password is DIRECTORY_PASSWORD."""
    from tests.security.counterparts import (
        LDAP_ADMIN_DN,
        LDAP_ADMIN_PASSWORD,
        missing,
        start_slapd,
        stop_slapd,
    )

    try:
        import ldap
        from django_auth_ldap.config import LDAPSearch
    except ImportError:
        missing('python-ldap/django-auth-ldap not installed: pip install -e ".[ldap]"')
    people = [
        {"uid": "zhangwei", "password": DIRECTORY_PASSWORD, "employeeNumber": "E1001"},
        {"uid": "stranger", "password": DIRECTORY_PASSWORD, "employeeNumber": "E9999"},
        {"uid": "noid", "password": DIRECTORY_PASSWORD},
    ]
    server = start_slapd(tmp_path, people)
    settings.LDAP_ENABLED = True
    settings.AUTH_LDAP_SERVER_URI = server.uri
    settings.AUTH_LDAP_BIND_DN = LDAP_ADMIN_DN
    settings.AUTH_LDAP_BIND_PASSWORD = LDAP_ADMIN_PASSWORD
    settings.AUTH_LDAP_USER_SEARCH = LDAPSearch(
        f"ou=people,{server.suffix}", ldap.SCOPE_SUBTREE, "(uid=%(user)s)"
    )
    settings.AUTH_LDAP_CONNECTION_OPTIONS = {ldap.OPT_NETWORK_TIMEOUT: 5}
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "security.directory.DirectoryBackend",
    ]
    yield server
    stop_slapd(server)


DIRECTORY_PASSWORD = "Dir-Passw0rd!x"
