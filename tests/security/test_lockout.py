"""Login lockout (django-axes), unlock, and the login audit trail."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from security.models import AuditEntry
from tests.security.conftest import STRONG

LOGIN = "/accounts/login/"


def fail(client, username="victim", times=1):
    responses = []
    for _ in range(times):
        responses.append(client.post(LOGIN, {"username": username, "password": "wrong-Pass-1"}))
    return responses


@pytest.fixture
def victim(make_user):
    return make_user("victim")


def test_it_locks_after_five_failures_and_explains_in_chinese(client, victim):
    responses = fail(client, times=5)
    assert [r.status_code for r in responses[:4]] == [200] * 4
    assert responses[4].status_code == 429
    page = responses[4].content.decode()
    assert "账号已临时锁定" in page
    assert "15 分钟" in page
    # The right password does not help while locked.
    locked = client.post(LOGIN, {"username": "victim", "password": STRONG})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_it_records_failures_and_the_lockout_in_the_audit_log(client, victim):
    fail(client, times=5)
    failed = AuditEntry.objects.filter(action="login_failed")
    assert failed.count() == 5
    assert set(failed.values_list("details__attempted_username", flat=True)) == {"victim"}
    assert set(failed.values_list("ip", flat=True)) == {"127.0.0.1"}
    lockout = AuditEntry.objects.get(action="lockout")
    assert lockout.outcome == "denied"
    assert lockout.details["attempted_username"] == "victim"


def test_it_locks_the_account_whatever_the_address(client, victim, make_user):
    fail(client, times=5)
    other = client.post(LOGIN, {"username": "victim", "password": STRONG}, REMOTE_ADDR="10.9.8.7")
    assert other.status_code == 429  # failures key on the account, not on the terminal
    # Someone else at the same address (NAT, a proxy) is not locked out with them.
    make_user("colleague")
    assert client.post(LOGIN, {"username": "colleague", "password": STRONG}).status_code == 302


def test_it_unlocks_after_the_cooloff(client, victim):
    fail(client, times=5)
    AccessAttempt.objects.update(
        attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=16)
    )
    ok = client.post(LOGIN, {"username": "victim", "password": STRONG})
    assert ok.status_code == 302


def test_it_the_limit_and_duration_are_settings(client, victim, settings):
    settings.AXES_FAILURE_LIMIT = 2
    responses = fail(client, times=2)
    assert responses[-1].status_code == 429


def test_it_a_security_administrator_unlocks_and_it_is_audited(client, client_for, victim, admins):
    fail(client, times=5)
    assert client.post(LOGIN, {"username": "victim", "password": STRONG}).status_code == 429
    security_admin = client_for(admins["security"])
    page = security_admin.get(reverse("security:lockouts"))
    assert page.status_code == 200
    assert "victim" in page.content.decode()
    response = security_admin.post(
        reverse("security:unlock"), {"username": "victim", "ip_address": "127.0.0.1"}
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(action="unlock").get()
    assert entry.actor_username == "secadmin"
    assert entry.details["unlocked_username"] == "victim"
    security_admin.logout()
    assert client.post(LOGIN, {"username": "victim", "password": STRONG}).status_code == 302


@pytest.mark.parametrize("role", ["system", "audit"])
def test_it_other_roles_cannot_unlock(client_for, admins, role):
    c = client_for(admins[role])
    assert c.get(reverse("security:lockouts")).status_code == 403
    assert c.post(reverse("security:unlock"), {"username": "x"}).status_code == 403


def test_it_audits_login_and_logout(client, victim):
    assert client.post(LOGIN, {"username": "victim", "password": STRONG}).status_code == 302
    client.post(reverse("logout"))
    actions = list(AuditEntry.objects.order_by("id").values_list("action", "actor_username"))
    assert ("login", "victim") in actions
    assert ("logout", "victim") in actions


def test_it_limits_unknown_user_names_per_address(client, settings, victim):
    settings.LOGIN_RATE_LIMIT_PER_MINUTE = 3
    codes = [
        client.post(LOGIN, {"username": f"nobody{i}", "password": "x"}).status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    assert "操作过于频繁" in client.post(LOGIN, {"username": "nobody9"}).content.decode()
    # Another address is not affected.
    other = client.post(LOGIN, {"username": "nobody9", "password": "x"}, REMOTE_ADDR="10.1.1.1")
    assert other.status_code == 200


def test_it_the_address_limit_does_not_refuse_a_correct_password(client, settings, victim):
    """#20.6: everyone behind one address (NAT, a proxy without AXES_PROXY_COUNT) still logs
    in after many failures from that address."""
    settings.LOGIN_RATE_LIMIT_PER_MINUTE = 3
    for i in range(30):
        client.post(LOGIN, {"username": f"nobody{i}", "password": "x"})
    assert client.post(LOGIN, {"username": "victim", "password": STRONG}).status_code == 302


def test_it_successful_logins_do_not_count_towards_the_address_limit(client, settings, victim):
    settings.LOGIN_RATE_LIMIT_PER_MINUTE = 2
    for _ in range(4):
        assert client.post(LOGIN, {"username": "victim", "password": STRONG}).status_code == 302
        client.post(reverse("logout"))


def test_it_unlocking_in_the_admin_is_audited_too(client, client_for, victim, admins):
    fail(client, times=5)
    attempt = AccessAttempt.objects.get(username="victim")
    c = client_for(admins["security"])
    url = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
    assert c.get(url).status_code == 200
    assert c.post(url, {"post": "yes"}).status_code == 302
    assert not AccessAttempt.objects.exists()
    entry = AuditEntry.objects.get(action="unlock")
    assert entry.actor_username == "secadmin" and entry.details["via"] == "admin"
    # The other roles cannot see lockouts in the admin.
    assert (
        client_for(admins["audit"]).get(reverse("admin:axes_accessattempt_changelist")).status_code
        == 403
    )
