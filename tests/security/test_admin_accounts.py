"""三员分立: administrator accounts change only through the four-eyes flow (issue #20.1, .2, 4)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from security.models import AdminAccountRequest, AuditEntry
from tests.security.conftest import STRONG

LOGIN = "/accounts/login/"
ADMINS = reverse("security:admin_accounts")


@pytest.fixture
def root(make_user):
    return make_user("root", is_superuser=True, is_staff=True, email="root@example.org")


@pytest.fixture
def team(admins, root):
    for user in admins.values():
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    return {**admins, "root": root}


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


def ask(client, target, kind, reason="人员调整"):
    return client.post(ADMINS, {"target": target.pk, "kind": kind, "reason": reason})


def pending(target, kind):
    return AdminAccountRequest.objects.get(target=target, kind=kind, status="pending")


# --- #20.1: no administrator sets another administrator's password in the admin ------------


@pytest.mark.parametrize("victim", ["audit", "root", "security"])
def test_it_the_system_administrator_cannot_set_an_administrators_password(
    client_for, team, victim
):
    c = client_for(team["system"])
    url = reverse("admin:auth_user_password_change", args=[team[victim].pk])
    assert c.get(url).status_code == 403
    response = c.post(url, {"password1": "Taken-Over-2026", "password2": "Taken-Over-2026"})
    assert response.status_code == 403
    assert fresh(team[victim]).check_password(STRONG)
    assert not AuditEntry.objects.filter(action="password_reset").exists()


def test_it_not_even_the_superuser_sets_an_administrators_password_in_the_admin(client_for, team):
    c = client_for(team["root"])
    url = reverse("admin:auth_user_password_change", args=[team["audit"].pk])
    response = c.post(url, {"password1": "Taken-Over-2026", "password2": "Taken-Over-2026"})
    assert response.status_code == 403
    assert fresh(team["audit"]).check_password(STRONG)


# --- #20.2: no administrator deactivates another in the admin ------------------------------


@pytest.mark.parametrize("victim", ["security", "audit", "root"])
def test_it_the_system_administrator_cannot_deactivate_an_administrator(client_for, team, victim):
    c = client_for(team["system"])
    target = team[victim]
    url = reverse("admin:auth_user_change", args=[target.pk])
    response = c.post(url, {"username": target.username, "is_active": ""})
    assert response.status_code in (302, 403)  # out of their list, or refused; never a 500
    assert fresh(target).is_active
    listing = c.get(reverse("admin:auth_user_changelist")).content.decode()
    assert target.username not in listing  # the system administrator sees business accounts


def test_it_the_system_administrator_still_manages_business_accounts(client_for, team, make_user):
    clerk = make_user("clerk")
    c = client_for(team["system"])
    url = reverse("admin:auth_user_change", args=[clerk.pk])
    page = c.get(url)
    assert page.status_code == 200
    fields = page.context["adminform"].form.fields
    assert "is_active" in fields and "user_permissions" not in fields
    response = c.post(url, {"username": "clerk", "email": "c@example.org", "is_active": ""})
    assert response.status_code == 302
    assert not fresh(clerk).is_active


# --- The four-eyes flow ----------------------------------------------------------------------


def test_it_a_reset_needs_a_second_administrator_and_sends_a_one_time_link_to_the_owner(
    client, client_for, team
):
    target = team["audit"]
    assert ask(client_for(team["security"]), target, "reset_password").status_code == 302
    row = pending(target, "reset_password")
    assert fresh(target).check_password(STRONG)  # nothing happens before the confirmation
    assert not mail.outbox

    confirm = reverse("security:admin_request_confirm", args=[row.pk])
    assert client_for(team["system"]).post(confirm).status_code == 302
    assert not fresh(target).check_password(STRONG)  # the old password stops working
    assert [m.to for m in mail.outbox] == [["auditadmin@example.org"]]
    link = re.search(r"https?://\S+/security/admins/reset/\S+/", mail.outbox[0].body).group(0)
    client.logout()

    page = client.get(link)
    assert page.status_code == 200
    new = {"new_password1": "Own-Choice-2026x", "new_password2": "Own-Choice-2026x"}
    assert client.post(link, new).status_code == 302
    assert fresh(target).check_password("Own-Choice-2026x")
    assert client.post(link, new).status_code == 404  # one time only

    # Shown to the administrator at the next login, with both names.
    login = client.post(LOGIN, {"username": "auditadmin", "password": "Own-Choice-2026x"})
    assert login.status_code == 302
    shown = client.get(reverse("security:audit_log")).content.decode()
    assert "secadmin" in shown and "sysadmin" in shown and "重置密码" in shown
    entry = AuditEntry.objects.get(action="password_reset", details__event="admin_confirmed")
    assert entry.actor_username == "sysadmin"
    assert entry.details["requested_by"] == "secadmin"
    assert entry.details["confirmed_by"] == "sysadmin"


def test_it_the_one_who_asked_and_the_target_cannot_confirm(client_for, team):
    target = team["audit"]
    ask(client_for(team["security"]), target, "deactivate")
    row = pending(target, "deactivate")
    confirm = reverse("security:admin_request_confirm", args=[row.pk])
    for who in ("security", "audit"):
        response = client_for(team[who]).post(confirm)
        assert response.status_code == 400
        assert "双人复核" in response.content.decode()
    assert fresh(target).is_active
    assert client_for(team["root"]).post(confirm).status_code == 302
    assert not fresh(target).is_active
    entry = AuditEntry.objects.get(action="account_change", details__event="admin_confirmed")
    assert (entry.details["requested_by"], entry.details["confirmed_by"]) == ("secadmin", "root")


@pytest.mark.parametrize("who", ["system", "audit"])
def test_it_only_the_security_administrator_or_a_superuser_asks(client_for, team, who):
    response = ask(client_for(team[who]), team["root"], "deactivate")
    assert response.status_code == 403
    assert not AdminAccountRequest.objects.exists()


def test_it_business_accounts_and_outsiders_are_refused(client_for, team, make_user):
    clerk = make_user("clerk")
    c = client_for(team["security"])
    response = ask(c, clerk, "deactivate")
    assert response.status_code == 400  # not an administrator: not in the choice
    assert client_for(clerk).get(ADMINS).status_code == 403


def test_it_a_reset_without_an_email_address_is_refused_clearly(client_for, admins):
    response = ask(client_for(admins["security"]), admins["audit"], "reset_password")
    assert response.status_code == 400
    assert "电子邮箱" in response.content.decode()


def test_it_a_pending_request_can_be_cancelled(client_for, team):
    ask(client_for(team["security"]), team["root"], "deactivate")
    row = pending(team["root"], "deactivate")
    c = client_for(team["audit"])
    assert c.post(reverse("security:admin_request_cancel", args=[row.pk])).status_code == 302
    assert c.post(reverse("security:admin_request_confirm", args=[row.pk])).status_code == 400
    assert fresh(team["root"]).is_active


# --- #20.4: at least one superuser or security administrator stays active ------------------


def test_it_the_last_superuser_or_security_administrator_cannot_be_deactivated(client_for, team):
    ask(client_for(team["security"]), team["root"], "deactivate")
    ask(client_for(team["root"]), team["security"], "deactivate")
    first, second = pending(team["root"], "deactivate"), pending(team["security"], "deactivate")
    c = client_for(team["system"])
    assert c.post(reverse("security:admin_request_confirm", args=[first.pk])).status_code == 302
    response = c.post(reverse("security:admin_request_confirm", args=[second.pk]))
    assert response.status_code == 400
    assert "至少须保留一个在用的超级管理员或安全管理员" in response.content.decode()
    assert fresh(team["security"]).is_active


def test_it_the_superuser_cannot_delete_an_administrator_in_the_admin(client_for, team):
    c = client_for(team["root"])
    url = reverse("admin:auth_user_delete", args=[team["security"].pk])
    assert c.post(url, {"post": "yes"}).status_code == 403
    assert get_user_model().objects.filter(pk=team["security"].pk).exists()
