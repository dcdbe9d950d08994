"""Password rules, forced change of reset passwords, optional expiry, idle session timeout."""

import datetime
import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from security.models import AuditEntry, PasswordState
from security.services import require_password_change
from tests.security.conftest import STRONG

LOGIN = "/accounts/login/"


@pytest.mark.parametrize(
    "password, reason",
    [
        ("Ab1!xyz", "too short (7)"),
        ("Abcdefghij", "10 long but only two classes"),
        ("abcdefgh12", "two classes"),
        ("1234567890", "digits only"),
        ("Password123", "common password"),
        ("Zhangwei2026!", "too similar to the username"),
    ],
)
def test_it_rejects_weak_passwords(make_user, password, reason):
    user = make_user("zhangwei2026")
    with pytest.raises(ValidationError):
        validate_password(password, user)


@pytest.mark.parametrize("password", ["Kx7!mQ2#wLp9", "qiuzhi-2026-lz", "Hongqi Canal 88"])
def test_it_accepts_passwords_with_three_of_four_classes(make_user, password):
    validate_password(password, make_user("liming"))


def test_it_the_rules_explain_themselves_in_chinese(make_user):
    with pytest.raises(ValidationError) as caught:
        validate_password("abcdefghij", make_user("liming"))
    assert any("至少 3 类" in m for m in caught.value.messages)


def _login(client, username, password=STRONG):
    return client.post(LOGIN, {"username": username, "password": password})


def test_it_a_password_reset_by_an_administrator_must_be_changed_at_next_login(
    client, client_for, make_user, admins
):
    from django.contrib.auth import get_user_model

    user = make_user("zhaolei")
    # A system administrator sets a new password in the admin.
    sysadmin = client_for(admins["system"])
    admin_url = reverse("admin:auth_user_password_change", args=[user.pk])
    response = sysadmin.post(
        admin_url, {"password1": "Reset-Pass-2026", "password2": "Reset-Pass-2026"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert PasswordState.objects.get(user=user).must_change_password
    assert AuditEntry.objects.filter(action="password_reset", object_id=str(user.pk)).exists()
    sysadmin.logout()

    assert _login(client, "zhaolei", "Reset-Pass-2026").status_code == 302
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse("password_change")
    # The holder changes it; then the pages open.
    changed = client.post(
        reverse("password_change"),
        {
            "old_password": "Reset-Pass-2026",
            "new_password1": "Own-Choice-77x",
            "new_password2": "Own-Choice-77x",
        },
    )
    assert changed.status_code == 302
    assert not PasswordState.objects.get(user=user).must_change_password
    assert client.get(reverse("home")).status_code == 200
    assert get_user_model().objects.get(pk=user.pk).check_password("Own-Choice-77x")


def test_it_imported_accounts_can_be_marked_to_change(client, make_user):
    user = make_user("imported")
    require_password_change(user)
    _login(client, "imported")
    assert client.get(reverse("person_list")).url == reverse("password_change")
    # Logging out is always possible.
    assert client.post(reverse("logout")).status_code == 302


def test_it_seeded_and_cast_accounts_are_not_forced_to_change(client, cast):
    response = client.post(
        LOGIN, {"username": "county1_secretary", "password": "cast-password-2026"}
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_it_passwords_expire_only_when_configured(client, make_user, settings):
    user = make_user("old")
    PasswordState.objects.update_or_create(
        user=user, defaults={"password_changed_at": timezone.now() - datetime.timedelta(days=100)}
    )
    _login(client, "old")
    assert client.get(reverse("home")).status_code == 200  # off by default
    client.post(reverse("logout"))
    settings.PASSWORD_EXPIRY_DAYS = 90
    _login(client, "old")
    assert client.get(reverse("home")).url == reverse("password_change")


def test_it_an_idle_session_is_signed_out_after_the_timeout(client, make_user, settings):
    make_user("idle")
    _login(client, "idle")
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session["lz_last_seen"] = int(time.time()) - 31 * 60
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="session_timeout", actor_username="idle").exists()


def test_it_an_active_session_stays(client, make_user):
    make_user("busy")
    _login(client, "busy")
    session = client.session
    session["lz_last_seen"] = int(time.time()) - 29 * 60
    session.save()
    assert client.get(reverse("home")).status_code == 200


def test_it_the_idle_timeout_is_a_setting(client, make_user, settings):
    settings.SESSION_IDLE_TIMEOUT = 60
    make_user("short")
    _login(client, "short")
    session = client.session
    session["lz_last_seen"] = int(time.time()) - 120
    session.save()
    assert client.get(reverse("home")).status_code == 302


def test_it_htmx_requests_are_sent_to_the_login_page_after_the_timeout(client, make_user):
    make_user("hx")
    _login(client, "hx")
    session = client.session
    session["lz_last_seen"] = int(time.time()) - 3600
    session.save()
    response = client.get(reverse("home"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"].startswith(reverse("login"))
