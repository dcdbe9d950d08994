"""LDAP login through django-auth-ldap against a real, private slapd (fixture `directory`).

Skipped with the reason where slapd or python-ldap is missing; REQUIRE_SSO_COUNTERPARTS=1
(.ci/run) turns that into a failure.
"""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model

from security.models import AuditEntry
from tests.security.conftest import DIRECTORY_PASSWORD

LOGIN = "/accounts/login/"


@pytest.fixture
def mapped(cast):
    """The county-1 secretary's person carries the directory's employee number E1001."""
    user = cast.user("county1_secretary")
    person = user.person
    person.external_id = "E1001"
    person.save(update_fields=["external_id"])
    return user


def logged_in_as(client):
    return client.session.get("_auth_user_id")


def test_it_the_right_password_signs_in_as_the_mapped_existing_user(client, directory, mapped):
    accounts = get_user_model().objects.count()
    response = client.post(LOGIN, {"username": "zhangwei", "password": DIRECTORY_PASSWORD})
    assert response.status_code == 302
    assert logged_in_as(client) == str(mapped.pk)
    assert client.session["_auth_user_backend"] == "security.directory.DirectoryBackend"
    assert get_user_model().objects.count() == accounts  # nobody new
    login = AuditEntry.objects.filter(action="login").latest("id")
    assert login.actor_id == mapped.pk
    assert login.details["method"] == "ldap"
    # Rights still come from the tenure: the home page shows the secretary's post.
    home = client.get("/")
    assert home.status_code == 200
    assert mapped.person.name in home.content.decode()


def test_it_a_wrong_password_is_refused_and_counted_by_axes(client, directory, mapped):
    response = client.post(LOGIN, {"username": "zhangwei", "password": "wrong-Passw0rd!"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert logged_in_as(client) is None
    attempt = AccessAttempt.objects.get(username="zhangwei")
    assert attempt.failures_since_start == 1
    failed = AuditEntry.objects.filter(action="login_failed").latest("id")
    assert failed.details["attempted_username"] == "zhangwei"


def test_it_repeated_wrong_passwords_lock_the_directory_account(
    client, directory, mapped, settings
):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        client.post(LOGIN, {"username": "zhangwei", "password": "wrong-Passw0rd!"})
    locked = client.post(LOGIN, {"username": "zhangwei", "password": DIRECTORY_PASSWORD})
    assert locked.status_code == 429
    assert logged_in_as(client) is None


@pytest.mark.parametrize(
    ("uid", "reason", "value"),
    [("stranger", "unknown_person", "E9999"), ("noid", "missing_attribute", "noid")],
)
def test_it_a_directory_user_without_a_person_gets_no_account(
    client, directory, mapped, uid, reason, value
):
    accounts = get_user_model().objects.count()
    response = client.post(LOGIN, {"username": uid, "password": DIRECTORY_PASSWORD})
    assert response.status_code == 200
    assert logged_in_as(client) is None
    assert get_user_model().objects.count() == accounts
    assert not get_user_model().objects.filter(username=uid).exists()
    failed = AuditEntry.objects.filter(action="login_failed").latest("id")
    assert failed.details["method"] == "ldap"
    assert failed.details["reason"] == reason
    assert failed.details["match_key"] == "employeeNumber"
    assert failed.details["match_value"] == value


def test_it_an_unknown_name_is_not_in_the_directory_and_gets_no_account(client, directory, mapped):
    accounts = get_user_model().objects.count()
    client.post(LOGIN, {"username": "nobody", "password": DIRECTORY_PASSWORD})
    assert logged_in_as(client) is None
    assert get_user_model().objects.count() == accounts


def test_it_creating_accounts_is_opt_in_and_gives_no_post(client, directory, mapped, settings):
    settings.LDAP_CREATE_USERS = True
    response = client.post(LOGIN, {"username": "stranger", "password": DIRECTORY_PASSWORD})
    assert response.status_code == 302
    created = get_user_model().objects.get(username="stranger")
    assert logged_in_as(client) == str(created.pk)
    assert not created.has_usable_password()
    assert not hasattr(created, "person") or created.person is None
    assert not created.is_staff and not created.is_superuser
    assert not created.get_all_permissions()
